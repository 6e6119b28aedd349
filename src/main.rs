//! The `rcompose` binary: parse arguments, set up logging, run the command, map errors to the
//! exit code. Errors are printed once, here.

use clap::Parser;
use rcompose::cli::{self, Cli};
use rcompose::output;

fn main() {
    let cli = Cli::parse();
    init_tracing(cli.global.verbose);
    let code = match cli::run(cli) {
        Ok(code) => code,
        Err(e) => {
            output::error(&format!("{e:#}"));
            1
        }
    };
    std::process::exit(code);
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
