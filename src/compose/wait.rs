//! `wait`: block until the project's running containers stop.

use futures_util::stream::{FuturesUnordered, StreamExt};

use super::{Compose, ComposeError, DownOptions};
use crate::engine::{LabelFilter, WaitCondition};
use crate::reconcile::labels;

impl Compose {
    /// Waits until every running container of `services` (of the whole project when empty,
    /// one-off containers included) has stopped, calling `exited` with each one's id and exit
    /// code as it stops, and returns the exit code of the last one to stop: what Docker Compose
    /// 2.40.3 does. With `down_project`, the project is then taken down (`down
    /// --remove-orphans`). A project with no running container is an error.
    pub async fn wait(
        &self,
        name: &str,
        services: &[String],
        down_project: bool,
        exited: &(dyn Fn(&str, i64) + Send + Sync),
    ) -> Result<i64, ComposeError> {
        let filter = LabelFilter::new().eq(labels::PROJECT, name);
        let containers = self.engine.list_containers(false, &filter).await?;
        let ids: Vec<&str> = containers
            .iter()
            .filter(|c| services.is_empty() || c.labels.get(labels::SERVICE).is_some_and(|s| services.contains(s)))
            .map(|c| c.id.as_str())
            .collect();
        if ids.is_empty() {
            return Err(ComposeError::NoContainers(name.to_string()));
        }
        let mut waits: FuturesUnordered<_> =
            ids.iter().map(|id| async move { (*id, self.engine.wait_container(id, WaitCondition::NotRunning).await) }).collect();
        let mut code = 0;
        loop {
            let next = tokio::select! {
                next = waits.next() => next,
                _ = self.cancel.cancelled() => return Err(ComposeError::Interrupted),
            };
            let Some((id, result)) = next else { break };
            let result = result?;
            exited(id, result.exit_code);
            code = result.exit_code;
        }
        drop(waits);
        if down_project {
            self.down(name, None, &DownOptions::default()).await?;
        }
        Ok(code)
    }
}
