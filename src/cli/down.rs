//! `rcompose down`: stop and remove the project's containers and networks.

use clap::{Args, ValueEnum};

use super::{session, GlobalOptions};
use crate::compose::{DownOptions, RemoveImages};

#[derive(Debug, Args)]
pub struct DownArgs {
    /// Also remove named volumes declared in the file and anonymous volumes of the containers
    #[arg(short, long)]
    pub volumes: bool,
    /// Also remove exited `run` containers (containers of services not defined in the compose
    /// file are removed in any case)
    #[arg(long)]
    pub remove_orphans: bool,
    /// Remove images used by services: `local` only those without a custom tag
    #[arg(long, value_enum, value_name = "TYPE")]
    pub rmi: Option<Rmi>,
    /// Seconds to wait for a container to stop before killing it
    #[arg(short, long, value_name = "SECONDS", allow_negative_numbers = true)]
    pub timeout: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Rmi {
    Local,
    All,
}

pub fn run(global: &GlobalOptions, args: DownArgs) -> anyhow::Result<i32> {
    let (name, project) = session::project_or_name(global, &[])?;
    let opts = DownOptions {
        volumes: args.volumes,
        images: args.rmi.map(|r| match r {
            Rmi::Local => RemoveImages::Local,
            Rmi::All => RemoveImages::All,
        }),
        timeout: session::timeout(args.timeout),
        remove_orphans: args.remove_orphans,
    };
    session::run(global, |c| async move { c.down(&name, project.as_ref(), &opts).await })
}
