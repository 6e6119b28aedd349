//! `rcompose export`: a service container's file system as a tar archive, streamed to a file
//! or to standard output (never to a terminal).

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;

use super::{session, GlobalOptions};
use crate::compose::ExportTo;
use crate::output;

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The service whose container is exported
    pub service: String,
    /// Index of the container if the service has several (default: the first running one)
    #[arg(long, value_name = "N", default_value_t = 0, hide_default_value = true)]
    pub index: u32,
    /// Write the archive to this file instead of standard output (replaced only once complete)
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

pub fn run(global: &GlobalOptions, args: ExportArgs) -> anyhow::Result<i32> {
    let to = match args.output {
        Some(path) => ExportTo::File(path),
        None if std::io::stdout().is_terminal() => anyhow::bail!("output option is required when exporting to terminal"),
        None => ExportTo::Stream(Arc::new(output::stdout_bytes)),
    };
    let (name, _) = session::project_or_name(global, &[])?;
    let index = (args.index > 0).then_some(args.index);
    session::call(global, false, |c| async move { c.export(&name, &args.service, index, to).await })?;
    Ok(0)
}
