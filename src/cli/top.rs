//! `rcompose top`: the processes running in the project's containers.

use clap::Args;

use super::GlobalOptions;
use crate::output;
use crate::status;

#[derive(Debug, Args)]
pub struct TopArgs {
    /// Only containers of these services
    pub services: Vec<String>,
}

pub fn run(global: &GlobalOptions, args: TopArgs) -> anyhow::Result<i32> {
    let scope = super::ps::scope(global, &args.services, false)?;
    let tops = status::block_on(async { status::top::top(&*status::connect().await?, &scope).await })?;
    output::stdout(&output::status::top_text(&tops));
    Ok(0)
}
