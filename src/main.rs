//! The `rcompose` binary: parse arguments, set up logging, run the command, map errors to the
//! exit code. Errors are printed once, here.

use clap::Parser;
use rcompose::cli::{self, Cli};
use rcompose::output;

fn main() {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // Help and version requests are not errors; usage errors exit 16 as in Docker Compose.
            let code = if e.use_stderr() { 16 } else { 0 };
            let _ = e.print();
            std::process::exit(code);
        }
    };
    init_tracing(cli.global.verbose);
    let code = match cli::run(cli) {
        Ok(code) => code,
        Err(e) => {
            output::error(&format!("{e:#}"));
            exit_code(&e)
        }
    };
    std::process::exit(code);
}

/// The one place errors become exit codes: a compose-file problem anywhere in the chain decides
/// it; a command interrupted by Ctrl-C exits 130, as Docker Compose does; otherwise 1.
fn exit_code(e: &anyhow::Error) -> i32 {
    if e.chain().any(|c| matches!(c.downcast_ref::<rcompose::compose::ComposeError>(), Some(rcompose::compose::ComposeError::Interrupted))) {
        return 130;
    }
    e.chain().find_map(|c| c.downcast_ref::<rcompose::loader::Diagnostic>()).map(|d| d.exit_code()).unwrap_or(1)
}

fn init_tracing(verbose: bool) {
    use tracing_subscriber::EnvFilter;
    let filter = if verbose {
        EnvFilter::new("debug")
    } else {
        EnvFilter::try_from_env("RUST_LOG").unwrap_or_else(|_| EnvFilter::new("warn"))
    };
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_target(false).without_time().init();
}
