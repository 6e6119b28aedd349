//! Copying a batch of changes into a service's containers: deletions first, as `rm -rf` execs
//! of many paths each, then one tar upload of everything that exists, extracted at `/`.

use std::collections::{BTreeMap, HashMap};

use futures_util::future::join_all;

use super::archive;
use super::files::{Change, Classifier, Entry};
use super::rules::{Mapping, Rule};
use crate::engine::{ContainerStatus, Engine, ExecSpec, LabelFilter};
use crate::reconcile::labels;

/// Paths per `rm` exec, and their total length: far below the kernel's argument limit.
const RM_PATHS: usize = 1000;
const RM_BYTES: usize = 64 * 1024;

/// What one service's sync is made of.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncPlan {
    pub put: Vec<Entry>,
    /// Container paths to remove.
    pub delete: Vec<String>,
    /// Host paths not sent, and why.
    pub refused: Vec<(String, String)>,
}

impl SyncPlan {
    /// Looks at the host side of each mapping (rule index into `rules`, and mapping, as the
    /// batch planner produced them). Later mappings of the same container path win.
    pub fn new(rules: &[Rule], mappings: &[(usize, Mapping)]) -> SyncPlan {
        let mut plan = SyncPlan::default();
        let mut classifiers: HashMap<usize, Classifier> = HashMap::new();
        let mut by_target: BTreeMap<String, Change> = BTreeMap::new();
        for (i, m) in mappings {
            let c = classifiers.entry(*i).or_insert_with(|| Classifier::new(&rules[*i].path, &rules[*i].target));
            by_target.insert(m.container.clone(), c.classify(m));
        }
        for (_, change) in by_target {
            match change {
                Change::Put(e) => plan.put.push(e),
                Change::Delete(p) => plan.delete.push(p),
                Change::Refused { host, reason } => plan.refused.push((host.display().to_string(), reason)),
            }
        }
        // Parents before children in the archive; deepest paths need no ordering for `rm -rf`.
        plan.put.sort_by(|a, b| a.container.cmp(&b.container));
        plan
    }

    pub fn is_empty(&self) -> bool {
        self.put.is_empty() && self.delete.is_empty()
    }

    /// A host or container path of this sync, for messages.
    pub fn example(&self) -> String {
        self.put.first().map(|e| e.host.display().to_string()).or_else(|| self.delete.first().cloned()).unwrap_or_default()
    }
}

/// Why a sync failed; the message names the service and a file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("service {service}: syncing {file}{more}: {message}")]
pub struct SyncError {
    pub service: String,
    pub file: String,
    /// ` and N more files`, or empty.
    pub more: String,
    pub message: String,
}

/// Applies `plan` to every running container of `service`, and to those created but not yet
/// started when there is nothing to delete (an upload needs no running process; `up --watch`
/// starts watching while its containers start, as Docker Compose does).
pub async fn apply(engine: &dyn Engine, project: &str, service: &str, plan: &SyncPlan) -> Result<usize, SyncError> {
    let count = plan.put.len() + plan.delete.len();
    let fail = |message: String| SyncError {
        service: service.to_string(),
        file: plan.example(),
        more: if count > 1 { format!(" and {} more", count - 1) } else { String::new() },
        message,
    };
    let ids = sync_targets(engine, project, service, plan.delete.is_empty()).await.map_err(|e| fail(e.to_string()))?;
    if ids.is_empty() {
        return Err(fail("the service has no running container".into()));
    }
    let results = join_all(ids.iter().map(|id| apply_to(engine, id, plan))).await;
    match results.into_iter().find_map(Result::err) {
        Some(message) => Err(fail(message)),
        None => Ok(ids.len()),
    }
}

async fn apply_to(engine: &dyn Engine, id: &str, plan: &SyncPlan) -> Result<(), String> {
    for chunk in rm_chunks(&plan.delete) {
        let mut cmd = vec!["rm".to_string(), "-rf".into(), "--".into()];
        cmd.extend(chunk.iter().cloned());
        let out = engine.exec(id, &ExecSpec::new(cmd)).await.map_err(|e| format!("removing files: {e}"))?;
        if out.exit_code != 0 {
            return Err(format!("removing files: rm exited with {}: {}", out.exit_code, out.stderr_text().trim()));
        }
    }
    if !plan.put.is_empty() {
        engine.put_archive(id, "/", archive::stream(plan.put.clone())).await.map_err(|e| format!("copying files: {e}"))?;
    }
    Ok(())
}

/// The ids of the running (not one-off) containers of a service.
pub async fn running_containers(engine: &dyn Engine, project: &str, service: &str) -> Result<Vec<String>, crate::engine::EngineError> {
    sync_targets(engine, project, service, false).await
}

/// The ids of the running (not one-off) containers of a service, and of the created ones
/// when `created`.
async fn sync_targets(engine: &dyn Engine, project: &str, service: &str, created: bool) -> Result<Vec<String>, crate::engine::EngineError> {
    let filter = LabelFilter::new().eq(labels::PROJECT, project).eq(labels::SERVICE, service).eq(labels::ONEOFF, "False");
    let containers = engine.list_containers(created, &filter).await?;
    // Listing all containers also lists the stopped ones: not those.
    let wanted =
        |s: &ContainerStatus| !created || matches!(s, ContainerStatus::Running | ContainerStatus::Paused | ContainerStatus::Created);
    // Not the containers of `pre_start` hooks: no service's replicas.
    Ok(containers.into_iter().filter(|c| wanted(&c.state) && !c.labels.contains_key(labels::HOOK)).map(|c| c.id).collect())
}

/// Deletions grouped so that each `rm` stays well within argument limits.
fn rm_chunks(paths: &[String]) -> Vec<&[String]> {
    let mut chunks = Vec::new();
    let (mut start, mut bytes) = (0, 0);
    for (i, p) in paths.iter().enumerate() {
        if i > start && (i - start >= RM_PATHS || bytes + p.len() > RM_BYTES) {
            chunks.push(&paths[start..i]);
            start = i;
            bytes = 0;
        }
        bytes += p.len() + 1;
    }
    if start < paths.len() {
        chunks.push(&paths[start..]);
    }
    chunks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deletions_are_batched() {
        let paths: Vec<String> = (0..2500).map(|i| format!("/app/{i}")).collect();
        let chunks = rm_chunks(&paths);
        assert_eq!(chunks.iter().map(|c| c.len()).collect::<Vec<_>>(), [1000, 1000, 500]);
        let long: Vec<String> = (0..10).map(|i| format!("/{i}{}", "x".repeat(20_000))).collect();
        assert_eq!(rm_chunks(&long).len(), 4);
        assert!(rm_chunks(&[]).is_empty());
    }
}
