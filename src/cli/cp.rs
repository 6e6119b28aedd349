//! `rcompose cp`: copy files and directories between a service's containers and the host.

use std::sync::Arc;

use clap::Args;

use super::GlobalOptions;
use crate::compose::{CopyOptions, CopyStdio};
use crate::output;

/// `cp`'s flags; the command's description is on `Command::Cp`.
#[derive(Debug, Args)]
#[command(
    override_usage = "rcompose cp [OPTIONS] SERVICE:SRC_PATH DEST_PATH|-\n       rcompose cp [OPTIONS] SRC_PATH|- SERVICE:DEST_PATH",
    after_help = "Examples:\n  rcompose cp web:/app/report.csv .      # a file out of the web container\n  rcompose cp ./conf/. web:/etc/app/     # a directory's content into every web container\n  rcompose cp web:/var/log - | tar t     # a directory as a tar archive on standard output"
)]
pub struct CpArgs {
    /// What to copy: SERVICE:SRC_PATH, a local path, or - (a tar archive on standard input)
    #[arg(value_name = "SOURCE")]
    pub source: String,
    /// Where to copy it: SERVICE:DEST_PATH, a local path, or - (a tar archive on standard output)
    #[arg(value_name = "DESTINATION")]
    pub destination: String,
    /// Index of the container if the service has several replicas (default: all of them when
    /// copying to the service, the newest when copying from it)
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub index: i64,
    /// Also copy to the containers `run` created for the service
    #[arg(long)]
    pub all: bool,
    /// Archive mode: the engine gives the copied files to the container's user (its `user:`)
    /// instead of the owners they have on this machine
    #[arg(short = 'a', long = "archive")]
    pub archive: bool,
    /// When the source is a symbolic link, copy what it points to rather than the link
    #[arg(short = 'L', long = "follow-link")]
    pub follow_link: bool,
}

pub fn run(global: &GlobalOptions, args: CpArgs) -> anyhow::Result<i32> {
    // As Docker Compose: exit 1, not a usage error.
    if args.source.is_empty() {
        anyhow::bail!("source can not be empty");
    }
    if args.destination.is_empty() {
        anyhow::bail!("destination can not be empty");
    }
    let (name, _) = super::session::project_or_name(global, &[])?;
    let options = CopyOptions {
        source: args.source,
        destination: args.destination,
        index: u32::try_from(args.index).ok().filter(|i| *i > 0),
        all: args.all,
        follow_link: args.follow_link,
        archive: args.archive,
    };
    super::session::call(global, false, |c| async move {
        let stdio = CopyStdio { input: output::stdin_stream(), output: Arc::new(output::stdout_bytes) };
        c.copy(&name, &options, stdio).await
    })?;
    Ok(0)
}
