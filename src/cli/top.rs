//! `rcompose top`: the processes running in the project's containers.

use clap::Args;

use super::{session, GlobalOptions};
use crate::output;

#[derive(Debug, Args)]
pub struct TopArgs {
    /// Only containers of these services
    pub services: Vec<String>,
}

pub fn run(global: &GlobalOptions, args: TopArgs) -> anyhow::Result<i32> {
    let scope = super::ps::scope(global, &args.services, false)?;
    let tops = session::call(global, false, |c| async move { c.top(&scope).await })?;
    output::stdout(&output::status::top_text(&tops));
    Ok(0)
}
