//! Command-line definitions. Each command lives in its own file and only turns flags into
//! options for one function of the core; no YAML, no engine calls here.

pub mod attach;
pub mod build;
pub mod commit;
pub mod completion;
pub mod config;
pub mod cp;
pub mod create;
pub mod down;
pub mod events;
pub mod exec;
pub mod export;
pub mod graph;
pub mod images;
pub mod kill;
pub mod logs;
pub mod ls;
pub mod pause;
pub mod plugin;
pub mod port;
pub mod ps;
pub mod publish;
pub mod pull;
pub mod push;
pub mod restart;
pub mod rm;
pub mod run;
pub mod scale;
mod session;
pub mod stack;
pub mod start;
pub mod stats;
pub mod stop;
pub mod top;
pub mod unpause;
pub mod up;
pub mod version;
pub mod volumes;
pub mod wait;
pub mod watch;

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

use crate::loader;
use crate::output::progress::Requested;

/// rcompose runs multi-container applications described in compose.yaml files, on the local
/// Docker engine. It reads the same files and accepts the same commands as Docker Compose.
#[derive(Debug, Parser)]
#[command(name = "rcompose", version, about, long_about = None, max_term_width = 100, arg_required_else_help = true, args_override_self = true)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalOptions,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command accepts, as in Docker Compose.
#[derive(Debug, Args, Clone)]
#[command(next_help_heading = "Global options")]
pub struct GlobalOptions {
    /// Compose file to use; repeat to merge several, `-` reads standard input (default:
    /// compose.yaml or docker-compose.yml in this directory or a parent, with its override file).
    /// Put it before the command: after it, `-f` is the command's own flag (`logs -f` follows)
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
    /// How to show progress on standard error: auto, tty, plain, json or quiet
    #[arg(long = "progress", global = true, default_value = "auto", env = "COMPOSE_PROGRESS", value_name = "MODE")]
    pub progress_flag: String,
    /// `--progress` checked by [`run`] (as Docker Compose checks it: exit code 1, not 16).
    #[arg(skip)]
    pub progress: Requested,
    /// When to use colours and terminal control characters: never, always or auto
    #[arg(long = "ansi", global = true, default_value = "auto", env = "COMPOSE_ANSI", value_name = "WHEN")]
    pub ansi_flag: String,
    /// `--ansi` checked by [`run`].
    #[arg(skip)]
    pub ansi: Ansi,
    /// How many engine operations may run at once (-1: no limit)
    #[arg(long, global = true, default_value_t = -1, env = "COMPOSE_PARALLEL_LIMIT", allow_negative_numbers = true, value_name = "N")]
    pub parallel: i64,
    /// Print debug logs (same as RUST_LOG=debug)
    #[arg(long, global = true)]
    pub verbose: bool,
    /// Keep the networks and volumes no service uses: `config` prints them, `up` creates them
    #[arg(long, global = true)]
    pub all_resources: bool,
    /// Name containers and built images with `_` (`project_web_1`), as Docker Compose v1 did
    #[arg(long, global = true)]
    pub compatibility: bool,
    /// The docker context whose engine to use (`docker context ls` lists them); wins over
    /// DOCKER_HOST and DOCKER_CONTEXT. Put it before the command
    #[arg(short = 'c', long = "context", value_name = "CONTEXT")]
    pub context: Option<String>,
    /// The engine's address, as DOCKER_HOST: unix:///path, tcp://host:port or
    /// ssh://user@host[:port]. Put it before the command
    #[arg(short = 'H', long = "host", value_name = "HOST")]
    pub host: Option<String>,
    /// Speak TLS to a tcp:// engine (as DOCKER_TLS), without checking its certificate unless
    /// --tlsverify
    #[arg(long = "tls")]
    pub tls: bool,
    /// Speak TLS and check the engine's certificate against the CA (as DOCKER_TLS_VERIFY)
    #[arg(long = "tlsverify")]
    pub tlsverify: bool,
    /// The CA the engine's certificate must be signed by (default: DOCKER_CERT_PATH/ca.pem)
    #[arg(long = "tlscacert", value_name = "FILE")]
    pub tlscacert: Option<PathBuf>,
    /// The client certificate shown to the engine (default: DOCKER_CERT_PATH/cert.pem)
    #[arg(long = "tlscert", value_name = "FILE")]
    pub tlscert: Option<PathBuf>,
    /// The client certificate's key (default: DOCKER_CERT_PATH/key.pem)
    #[arg(long = "tlskey", value_name = "FILE")]
    pub tlskey: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Ansi {
    Never,
    Always,
    #[default]
    Auto,
}

impl Ansi {
    /// An `--ansi` value. Docker Compose takes an unknown one as `auto` and carries on; so do
    /// we, with a warning (the second value).
    pub fn parse(value: &str) -> (Ansi, Option<String>) {
        match value {
            "never" => (Ansi::Never, None),
            "always" => (Ansi::Always, None),
            "auto" => (Ansi::Auto, None),
            _ => (Ansi::Auto, Some(format!("unsupported --ansi value {value:?} (expected never, always or auto), using auto"))),
        }
    }
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
    /// Push the images of services that build them
    Push(push::PushArgs),
    /// Start existing containers
    Start(start::StartArgs),
    /// Stop running containers
    Stop(stop::StopArgs),
    /// Restart containers
    Restart(restart::RestartArgs),
    /// Remove stopped containers
    Rm(rm::RmArgs),
    /// Copy files or directories between a service's containers and the local file system
    ///
    /// One side is SERVICE:PATH (a path in the service's containers), the other a path on this
    /// machine, or `-` for a tar archive on standard input or output. The path rules are
    /// `docker cp`'s: a directory is copied with its content, a source ending in `/.` copies only
    /// its content, and an existing directory at the destination receives the copy under the
    /// source's name. Copying to a service writes into each of its containers; copying from one
    /// reads its newest container, or the one numbered `--index`. Stopped containers work too.
    Cp(cp::CpArgs),
    /// Run a one-off command in a new container of a service
    Run(run::RunArgs),
    /// Send a signal to running containers
    Kill(kill::KillArgs),
    /// Pause the services' running containers
    Pause(pause::PauseArgs),
    /// Resume the services' paused containers
    Unpause(unpause::UnpauseArgs),
    /// List containers
    Ps(ps::PsArgs),
    /// View output from containers
    Logs(logs::LogsArgs),
    /// List images used by the created containers
    Images(images::ImagesArgs),
    /// Print the public port for a port binding
    Port(port::PortArgs),
    /// Display the processes running in the containers
    Top(top::TopArgs),
    /// Display a live stream of the containers' resource usage (CPU, memory, network, disk)
    Stats(stats::StatsArgs),
    /// List running compose projects
    Ls(ls::LsArgs),
    /// Execute a command in a service's running container
    Exec(exec::ExecArgs),
    /// Attach the terminal to a service's running container (its input, output and error)
    Attach(attach::AttachArgs),
    /// Watch the services' files and update their containers when files change
    Watch(watch::WatchArgs),
    /// Show the rcompose version
    Version(version::VersionArgs),
    /// List the project's volumes
    Volumes(volumes::VolumesArgs),
    /// Block until the services' containers stop; exit with the last one's exit code
    Wait(wait::WaitArgs),
    /// Follow the engine's events for the project's containers
    Events(events::EventsArgs),
    /// Set how many containers services run (SERVICE=REPLICAS...)
    Scale(scale::ScaleArgs),
    /// Write a service container's file system as a tar archive
    Export(export::ExportArgs),
    /// Create a new image from a service container's changes
    Commit(commit::CommitArgs),
    /// Draw how the services depend on each other and what they share (tree, dot, mermaid, json)
    Graph(graph::GraphArgs),
    /// Publish the project as an OCI artifact (not supported by rcompose: refused)
    Publish(publish::PublishArgs),
    /// Print the shell script that completes rcompose's commands, flags and service names
    Completion(completion::CompletionArgs),
    /// Deploy the project to a Docker Swarm as a stack, and list or remove stacks
    Stack(stack::StackArgs),
}

impl GlobalOptions {
    /// Whether log lines on standard output are coloured: per `--ansi`, a terminal deciding
    /// `auto`, and never with the command's own `--no-color`.
    pub fn log_colors(&self, no_color: bool) -> bool {
        !no_color
            && match self.ansi {
                Ansi::Never => false,
                Ansi::Always => true,
                Ansi::Auto => std::io::IsTerminal::is_terminal(&std::io::stdout()),
            }
    }

    /// The engine the flags (`--context`, `--host`) and the environment designate.
    pub fn endpoint(&self) -> Result<crate::engine::endpoint::Endpoint, crate::engine::endpoint::EndpointError> {
        use crate::engine::endpoint::{Selection, TlsFlags};
        let tls = TlsFlags {
            tls: self.tls,
            verify: self.tlsverify,
            ca: self.tlscacert.clone(),
            cert: self.tlscert.clone(),
            key: self.tlskey.clone(),
        };
        let selection = Selection { context: self.context.clone(), host: self.host.clone(), tls };
        let endpoint = crate::engine::endpoint::from_env(&selection);
        for warning in crate::engine::endpoint::take_warnings() {
            crate::output::warn(&warning);
        }
        endpoint
    }

    /// Loader options from the global flags and the environment.
    pub fn load_options(&self, services: &[String]) -> loader::Options {
        let mut opts = loader::Options { services: services.to_vec(), ..Default::default() };
        opts.files = self.files.clone();
        opts.project_name = self.project_name.clone();
        opts.project_dir = self.project_directory.clone();
        opts.profiles = self.profiles.clone();
        opts.env_files = self.env_files.clone();
        opts.all_resources = self.all_resources;
        opts.compatibility = self.compatibility;
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
pub fn run(mut cli: Cli) -> anyhow::Result<i32> {
    use crate::output::progress::{self, Mode};
    let (ansi, warning) = Ansi::parse(&cli.global.ansi_flag);
    cli.global.ansi = ansi;
    warning.iter().for_each(|w| crate::output::warn(w));
    // Like Docker Compose, `version` ignores --progress; the others refuse an unknown mode.
    if !matches!(cli.command, Command::Version(_)) {
        cli.global.progress = Requested::parse(&cli.global.progress_flag)?;
    }
    let mode =
        match Mode::resolve(cli.global.progress, cli.global.ansi == Ansi::Never, std::io::IsTerminal::is_terminal(&std::io::stderr())) {
            Ok(mode) => mode,
            // `--progress tty` without a terminal is refused only by the commands that show
            // progress, as in Docker Compose: `ps --progress tty | less` works.
            Err(_) if !cli.command.shows_progress() => Mode::Plain,
            Err(e) => return Err(e.into()),
        };
    progress::init(mode);
    let code = run_command(cli);
    progress::finish();
    code
}

impl Command {
    /// Whether the command reports progress events (and so needs a terminal for `--progress tty`).
    fn shows_progress(&self) -> bool {
        use Command::*;
        match self {
            Up(_) | Down(_) | Create(_) | Build(_) | Pull(_) | Push(_) | Start(_) | Stop(_) | Restart(_) | Rm(_) | Run(_) | Kill(_)
            | Pause(_) | Unpause(_) | Watch(_) | Cp(_) | Scale(_) | Export(_) | Commit(_) => true,
            Stack(s) => s.shows_progress(),
            Config(_) | Ps(_) | Logs(_) | Images(_) | Volumes(_) | Wait(_) | Completion(_) | Port(_) | Top(_) | Ls(_) | Version(_)
            | Exec(_) | Attach(_) | Stats(_) | Events(_) | Publish(_) | Graph(_) => false,
        }
    }
}

fn run_command(cli: Cli) -> anyhow::Result<i32> {
    match cli.command {
        Command::Config(args) => config::run(&cli.global, args),
        Command::Up(args) => up::run(&cli.global, args),
        Command::Down(args) => down::run(&cli.global, args),
        Command::Create(args) => create::run(&cli.global, args),
        Command::Build(args) => build::run(&cli.global, args),
        Command::Pull(args) => pull::run(&cli.global, args),
        Command::Push(args) => push::run(&cli.global, args),
        Command::Start(args) => start::run(&cli.global, args),
        Command::Stop(args) => stop::run(&cli.global, args),
        Command::Restart(args) => restart::run(&cli.global, args),
        Command::Rm(args) => rm::run(&cli.global, args),
        Command::Cp(args) => cp::run(&cli.global, args),
        Command::Run(args) => run::run(&cli.global, args),
        Command::Kill(args) => kill::run(&cli.global, args),
        Command::Pause(args) => pause::run(&cli.global, args),
        Command::Unpause(args) => unpause::run(&cli.global, args),
        Command::Ps(args) => ps::run(&cli.global, args),
        Command::Logs(args) => logs::run(&cli.global, args),
        Command::Images(args) => images::run(&cli.global, args),
        Command::Port(args) => port::run(&cli.global, args),
        Command::Top(args) => top::run(&cli.global, args),
        Command::Stats(args) => stats::run(&cli.global, args),
        Command::Ls(args) => ls::run(&cli.global, args),
        Command::Watch(args) => watch::run(&cli.global, args),
        Command::Exec(args) => exec::run(&cli.global, args),
        Command::Attach(args) => attach::run(&cli.global, args),
        Command::Version(args) => version::run(args),
        Command::Volumes(args) => volumes::run(&cli.global, args),
        Command::Wait(args) => wait::run(&cli.global, args),
        Command::Completion(args) => completion::run(args),
        Command::Stack(args) => stack::run(&cli.global, args),
        Command::Events(args) => events::run(&cli.global, args),
        Command::Publish(args) => publish::run(args),
        Command::Scale(args) => scale::run(&cli.global, args),
        Command::Export(args) => export::run(&cli.global, args),
        Command::Commit(args) => commit::run(&cli.global, args),
        Command::Graph(args) => graph::run(&cli.global, args),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Like Docker Compose's flags (Go's pflag): a repeated flag is no error, the last value
    /// wins, and repeatable ones (`-f`, `--profile`) collect every value.
    #[test]
    fn repeated_flags_are_accepted_as_docker_compose_accepts_them() {
        let args = ["rcompose", "-f", "a.yaml", "-f", "b.yaml", "-p", "x", "-p", "y", "config", "--no-interpolate", "--no-interpolate"];
        let cli = Cli::try_parse_from(args).unwrap();
        assert_eq!(cli.global.files, [PathBuf::from("a.yaml"), PathBuf::from("b.yaml")]);
        assert_eq!(cli.global.project_name.as_deref(), Some("y"));
        assert!(matches!(cli.command, Command::Config(c) if c.no_interpolate));
    }
}
