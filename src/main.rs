//! The `rcompose` binary: parse arguments, set up logging, run the command, map errors to the
//! exit code. Errors are printed once, here.

use rcompose::cli::{self, Cli};
use rcompose::output;

fn main() {
    cli::completion::complete_if_asked();
    let (args, bin_name) = match cli::plugin::this_invocation() {
        cli::plugin::Invocation::Metadata => {
            output::stdout(&cli::plugin::metadata());
            std::process::exit(0);
        }
        cli::plugin::Invocation::Complete(words) => {
            let code = cli::completion::cobra(words).unwrap_or(1);
            std::process::exit(code);
        }
        cli::plugin::Invocation::Run { args, bin_name, env } => {
            cli::plugin::apply(&env);
            (args, bin_name)
        }
    };
    cli::plugin::connect_to_cli();
    let args = cli::commit::pause_short_flags(cli::run::publish_short_flags(args));
    let parsed = <Cli as clap::CommandFactory>::command().bin_name(bin_name).try_get_matches_from(args);
    let cli = match parsed.and_then(|m| <Cli as clap::FromArgMatches>::from_arg_matches(&m)) {
        Ok(cli) => cli,
        Err(e) => {
            if e.kind() == clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
                // `rcompose` alone: the help, on standard output, and success, as Docker Compose.
                let _ = <Cli as clap::CommandFactory>::command().bin_name(bin_name).print_help();
                std::process::exit(0);
            }
            if let Some(name) = missing_command(&e) {
                output::error(&format!("unknown command {name:?}: it is a Docker Compose command rcompose does not have (`rcompose --help` lists those it has)"));
            } else {
                let _ = e.print();
            }
            std::process::exit(usage_exit_code(&e));
        }
    };
    init_tracing(cli.global.verbose);
    let code = match cli::run(cli) {
        Ok(code) => code,
        // Interrupted, Docker Compose says only "canceled"; so do we.
        Err(e) if exit_code(&e) == 130 => {
            output::canceled();
            130
        }
        Err(e) => {
            output::error(&format!("{e:#}"));
            exit_code(&e)
        }
    };
    std::process::exit(code);
}

/// The one place errors become exit codes, as Docker Compose's: a compose-file problem anywhere
/// in the chain decides it (14, 15); a command interrupted by Ctrl-C exits 130; otherwise 1.
fn exit_code(e: &anyhow::Error) -> i32 {
    if let Some(c) = e.chain().find_map(|c| c.downcast_ref::<rcompose::compose::ComposeError>()) {
        return c.exit_code();
    }
    e.chain().find_map(|c| c.downcast_ref::<rcompose::loader::Diagnostic>()).map(|d| d.exit_code()).unwrap_or(1)
}

/// The exit code of a command line clap refused, as Docker Compose's for the same mistake: help
/// and version requests are not errors (0); a flag it cannot parse, or an unknown command, is a
/// usage error (16); arguments it parses and then refuses exit 1: a missing or extra operand,
/// flags that exclude each other, a value outside a flag's choices.
fn usage_exit_code(e: &clap::Error) -> i32 {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    let context = |kind| match e.get(kind) {
        Some(ContextValue::String(s)) => s.as_str(),
        _ => "",
    };
    if !e.use_stderr() {
        return 0;
    }
    match e.kind() {
        ErrorKind::MissingRequiredArgument | ErrorKind::ArgumentConflict => 1,
        ErrorKind::UnknownArgument if !context(ContextKind::InvalidArg).starts_with('-') => 1,
        // A value given but not among the choices; a missing value is a parse error.
        ErrorKind::InvalidValue if !context(ContextKind::InvalidValue).is_empty() => 1,
        _ => 16,
    }
}

/// The name of a Docker Compose command rcompose lacks, when that is what was typed: saying
/// so helps more than "unrecognized subcommand".
fn missing_command(e: &clap::Error) -> Option<&str> {
    const COMPOSE_ONLY: [&str; 1] = ["alpha"];
    match (e.kind(), e.get(clap::error::ContextKind::InvalidSubcommand)) {
        (clap::error::ErrorKind::InvalidSubcommand, Some(clap::error::ContextValue::String(s))) => {
            COMPOSE_ONLY.contains(&s.as_str()).then_some(s.as_str())
        }
        _ => None,
    }
}

fn init_tracing(verbose: bool) {
    use tracing_subscriber::EnvFilter;
    let filter =
        if verbose { EnvFilter::new("debug") } else { EnvFilter::try_from_env("RUST_LOG").unwrap_or_else(|_| EnvFilter::new("warn")) };
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(output::log_writer).with_target(false).without_time().init();
}
