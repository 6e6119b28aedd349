//! `up` without `-d`: the services come up, their logs are followed until they all stop or
//! the user presses Ctrl-C, and then they are stopped.

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::up::targets;
use super::{Compose, ComposeError, UpOptions};
use crate::engine::LabelFilter;
use crate::logs::{fan_in, LogEvent, LogRequest, LogSource};
use crate::model::Project;
use crate::reconcile::labels;
use crate::reconcile::plan::Plan;

impl Compose {
    /// Runs `up`, then sends the logs of the services' containers to `out` until every one of
    /// them has stopped or `cancel` fires; after a cancel the services are stopped (a second
    /// Ctrl-C exits at once).
    pub async fn up_attached(&self, project: &Project, opts: &UpOptions, out: mpsc::Sender<LogEvent>) -> Result<Plan, ComposeError> {
        let plan = self.up(project, opts).await?;
        if self.dry_run || opts.converge.no_start {
            return Ok(plan);
        }
        let services: Vec<String> = targets(project, &opts.services, opts.no_deps)?.into_iter().collect();
        let filter = LabelFilter::new().eq(labels::PROJECT, &project.name).eq(labels::ONEOFF, "False");
        let sources: Vec<LogSource> = self
            .engine
            .list_containers(true, &filter)
            .await?
            .iter()
            .filter(|c| c.labels.get(labels::SERVICE).is_some_and(|s| services.contains(s)))
            .map(|c| LogSource::from_summary(&project.name, c))
            .collect();
        let request = LogRequest { project: project.name.clone(), services: services.clone(), follow: true, ..Default::default() };
        fan_in(self.engine.clone(), sources, request, out, self.cancel.cancelled()).await?;
        if self.cancel.is_cancelled() {
            (self.warn)("gracefully stopping... (press Ctrl+C again to force)");
            let stopper = Compose { cancel: CancellationToken::new(), ..self.clone() };
            stopper.stop(&project.name, Some(project), &services, opts.converge.timeout).await?;
        }
        Ok(plan)
    }
}
