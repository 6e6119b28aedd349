//! `rcompose graph`: how the project's services depend on each other and what they share,
//! drawn from the compose files alone (no engine).

use clap::Args;

use super::{session, GlobalOptions};
use crate::output;
use crate::render::graph::{GraphFormat, ServiceGraph};

#[derive(Debug, Args)]
pub struct GraphArgs {
    /// How to draw it: `tree` (for reading on the terminal), `dot` (Graphviz: `| dot -Tpng`),
    /// `mermaid` (a flowchart for Markdown), or `json`
    #[arg(long, default_value = "tree", value_name = "FORMAT")]
    pub format: String,
}

pub fn run(global: &GlobalOptions, args: GraphArgs) -> anyhow::Result<i32> {
    let format: GraphFormat = args.format.parse().map_err(anyhow::Error::msg)?;
    let project = session::project(global, &[])?;
    output::stdout(&ServiceGraph::new(&project).render(format));
    Ok(0)
}
