//! `rcompose wait`: block until the services' containers stop.

use clap::Args;

use super::{session, GlobalOptions};
use crate::output;

#[derive(Debug, Args)]
pub struct WaitArgs {
    /// The services whose running containers to wait for
    #[arg(required = true)]
    pub services: Vec<String>,
    /// Take the project down (`down --remove-orphans`) once the containers have stopped
    #[arg(long)]
    pub down_project: bool,
}

/// Exits with the exit code of the last container to stop, as Docker Compose 2.40.3 does.
pub fn run(global: &GlobalOptions, args: WaitArgs) -> anyhow::Result<i32> {
    let (name, _) = session::project_or_name(global, &[])?;
    let code = session::call(global, false, |c| async move {
        c.wait(&name, &args.services, args.down_project, &output::volumes::container_exited).await
    })?;
    Ok(code as i32)
}
