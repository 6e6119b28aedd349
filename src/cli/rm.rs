//! `rcompose rm`: remove stopped containers.

use clap::Args;

use super::{session, GlobalOptions};
use crate::compose::RmOptions;
use crate::output;

#[derive(Debug, Args)]
pub struct RmArgs {
    /// Services whose containers to remove (default: all)
    pub services: Vec<String>,
    /// Don't ask for confirmation
    #[arg(short, long)]
    pub force: bool,
    /// Stop the containers first if they run
    #[arg(short, long)]
    pub stop: bool,
    /// Also remove the containers' anonymous volumes
    #[arg(short, long)]
    pub volumes: bool,
}

pub fn run(global: &GlobalOptions, args: RmArgs) -> anyhow::Result<i32> {
    let (name, project) = session::project_or_name(global, &args.services)?;
    let opts = RmOptions { stop: args.stop, volumes: args.volumes, timeout: None };
    let force = args.force;
    session::run(global, |c| async move {
        let plan = c.plan_rm(&name, project.as_ref(), &args.services, &opts).await?;
        if plan.steps.is_empty() {
            output::warn("no stopped containers");
            return Ok(plan);
        }
        // Said even with `-f`, as Docker Compose does.
        output::stdout(&format!("Going to remove {}", plan.decisions.iter().map(|d| d.subject.as_str()).collect::<Vec<_>>().join(", ")));
        // The answer is read off the runtime thread: a blocking read there would stall the
        // runtime (and its signal handling) while the user thinks.
        if !force && !c.dry_run && !tokio::task::spawn_blocking(confirm).await.unwrap_or(false) {
            return Ok(Default::default());
        }
        c.apply(&name, &plan).await?;
        Ok(plan)
    })
}

/// Asks before removing; anything but `y` declines. The question is shown on a terminal only:
/// like Docker Compose's, the standard output of a script gets just the list.
fn confirm() -> bool {
    use std::io::IsTerminal;
    if std::io::stdout().is_terminal() {
        output::stdout("Are you sure? [yN]");
    }
    let mut answer = String::new();
    std::io::stdin().read_line(&mut answer).is_ok() && answer.trim().eq_ignore_ascii_case("y")
}
