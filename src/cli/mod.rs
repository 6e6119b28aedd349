//! Command-line definitions. Each command lives in its own file and only turns flags into
//! options for one function of the core; no YAML, no engine calls here.

pub mod build;
pub mod config;
pub mod create;
pub mod down;
pub mod images;
pub mod kill;
pub mod logs;
pub mod ls;
pub mod pause;
pub mod port;
pub mod ps;
pub mod pull;
pub mod restart;
pub mod rm;
mod session;
pub mod start;
pub mod stop;
pub mod top;
pub mod unpause;
pub mod up;
pub mod version;
pub mod watch;

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

use crate::loader;

/// rcompose runs multi-container applications described in compose.yaml files, on the local
/// Docker engine. It reads the same files and accepts the same commands as Docker Compose.
#[derive(Debug, Parser)]
#[command(name = "rcompose", version, about, long_about = None, max_term_width = 100)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalOptions,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command accepts, as in Docker Compose.
#[derive(Debug, Args, Clone)]
pub struct GlobalOptions {
    /// Compose file to use (repeat to merge several; `-` reads standard input).
    /// Default: compose.yaml (or docker-compose.yml) in this directory or a parent, plus its
    /// .override file
    /// Like Docker Compose, only before the command: `logs -f` means follow.
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Project name (default: the top-level `name:`, else the project directory's name)
    #[arg(short = 'p', long = "project-name", global = true, value_name = "NAME")]
    pub project_name: Option<String>,
    /// Directory relative paths are resolved against (default: the first compose file's directory)
    #[arg(long = "project-directory", global = true, value_name = "DIR")]
    pub project_directory: Option<PathBuf>,
    /// Enable services of this profile (repeatable; `*` enables all)
    #[arg(long = "profile", global = true, value_name = "PROFILE")]
    pub profiles: Vec<String>,
    /// Read variables from this file instead of .env (repeatable)
    #[arg(long = "env-file", global = true, value_name = "FILE")]
    pub env_files: Vec<PathBuf>,
    /// Show what would be done, and why, without changing anything
    #[arg(long, global = true)]
    pub dry_run: bool,
    /// How to show progress
    #[arg(long, global = true, value_enum, default_value = "auto", env = "COMPOSE_PROGRESS")]
    pub progress: Progress,
    /// When to use colours and terminal control characters
    #[arg(long, global = true, value_enum, default_value = "auto", env = "COMPOSE_ANSI")]
    pub ansi: Ansi,
    /// How many engine operations may run at once (-1: no limit)
    #[arg(long, global = true, default_value_t = -1, env = "COMPOSE_PARALLEL_LIMIT", allow_negative_numbers = true)]
    pub parallel: i64,
    /// Print debug logs (same as RUST_LOG=debug)
    #[arg(long, global = true)]
    pub verbose: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Progress {
    Auto,
    Tty,
    Plain,
    Json,
    Quiet,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Ansi {
    Never,
    Always,
    Auto,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check the compose files and print the project in canonical form
    #[command(visible_alias = "convert")]
    Config(config::ConfigArgs),
    /// Create and start containers
    Up(up::UpArgs),
    /// Stop and remove containers and networks
    Down(down::DownArgs),
    /// Create containers without starting them
    Create(create::CreateArgs),
    /// Build the images of services that have a build section
    Build(build::BuildArgs),
    /// Pull the images of services
    Pull(pull::PullArgs),
    /// Start existing containers
    Start(start::StartArgs),
    /// Stop running containers
    Stop(stop::StopArgs),
    /// Restart containers
    Restart(restart::RestartArgs),
    /// Remove stopped containers
    Rm(rm::RmArgs),
    /// Send a signal to running containers
    Kill(kill::KillArgs),
    /// Pause services
    Pause(pause::PauseArgs),
    /// Unpause services
    Unpause(unpause::UnpauseArgs),
    /// List containers
    Ps(ps::PsArgs),
    /// View output from containers
    Logs(logs::LogsArgs),
    /// List images used by the created containers
    Images(images::ImagesArgs),
    /// Print the public port for a port binding
    Port(port::PortArgs),
    /// Display the running processes
    Top(top::TopArgs),
    /// List running compose projects
    Ls(ls::LsArgs),
    /// Watch the services' files and update their containers when files change
    Watch(watch::WatchArgs),
    /// Show the rcompose version
    Version(version::VersionArgs),
}

impl GlobalOptions {
    /// Loader options from the global flags and the environment.
    pub fn load_options(&self, services: &[String]) -> loader::Options {
        let mut opts = loader::Options { services: services.to_vec(), ..Default::default() };
        opts.files = self.files.clone();
        opts.project_name = self.project_name.clone();
        opts.project_dir = self.project_directory.clone();
        opts.profiles = self.profiles.clone();
        opts.env_files = self.env_files.clone();
        opts.validation_memo = loader::memo::Memo::default_dir(&opts.environ);
        if opts.env_files.is_empty() {
            if let Ok(list) = std::env::var("COMPOSE_ENV_FILES") {
                opts.env_files = list.split(',').filter(|s| !s.is_empty()).map(PathBuf::from).collect();
            }
        }
        opts
    }
}

/// Runs the parsed command with progress shown as `--progress` says; returns the process exit
/// code.
pub fn run(cli: Cli) -> anyhow::Result<i32> {
    use crate::output::progress::{self, Mode, Requested};
    let requested = match cli.global.progress {
        Progress::Auto => Requested::Auto,
        Progress::Tty => Requested::Tty,
        Progress::Plain => Requested::Plain,
        Progress::Json => Requested::Json,
        Progress::Quiet => Requested::Quiet,
    };
    progress::init(Mode::resolve(requested, cli.global.ansi == Ansi::Never, std::io::IsTerminal::is_terminal(&std::io::stderr()))?);
    let code = run_command(cli);
    progress::finish();
    code
}

fn run_command(cli: Cli) -> anyhow::Result<i32> {
    match cli.command {
        Command::Config(args) => config::run(&cli.global, args),
        Command::Up(args) => up::run(&cli.global, args),
        Command::Down(args) => down::run(&cli.global, args),
        Command::Create(args) => create::run(&cli.global, args),
        Command::Build(args) => build::run(&cli.global, args),
        Command::Pull(args) => pull::run(&cli.global, args),
        Command::Start(args) => start::run(&cli.global, args),
        Command::Stop(args) => stop::run(&cli.global, args),
        Command::Restart(args) => restart::run(&cli.global, args),
        Command::Rm(args) => rm::run(&cli.global, args),
        Command::Kill(args) => kill::run(&cli.global, args),
        Command::Pause(args) => pause::run(&cli.global, args),
        Command::Unpause(args) => unpause::run(&cli.global, args),
        Command::Ps(args) => ps::run(&cli.global, args),
        Command::Logs(args) => logs::run(&cli.global, args),
        Command::Images(args) => images::run(&cli.global, args),
        Command::Port(args) => port::run(&cli.global, args),
        Command::Top(args) => top::run(&cli.global, args),
        Command::Ls(args) => ls::run(&cli.global, args),
        Command::Watch(args) => watch::run(&cli.global, args),
        Command::Version(args) => version::run(args),
    }
}
