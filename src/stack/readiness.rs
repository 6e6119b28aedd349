//! Whether a service's tasks meet a condition: started, healthy (a task with a healthcheck
//! stays `starting` until it is healthy, so `running` means healthy), or completed. Pure: the
//! service and its tasks as last listed in, a verdict out; the caller polls.

use std::collections::{BTreeMap, BTreeSet};

use crate::engine::swarm::{Service, Task};

/// What to wait for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Condition {
    /// Every desired task's container started (`depends_on: service_started`).
    Started,
    /// Every desired task running, and healthy if it has a healthcheck (`service_healthy`,
    /// `--wait`).
    Running,
    /// A task exited 0 (`service_completed_successfully`).
    Completed,
}

impl Condition {
    pub fn of_depends_on(condition: &str) -> Condition {
        match condition {
            crate::model::SERVICE_HEALTHY => Condition::Running,
            crate::model::SERVICE_COMPLETED => Condition::Completed,
            _ => Condition::Started,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Ready,
    /// Not yet: how far it is.
    Pending(String),
    /// It will not get there by itself: the failing task's error, service and node.
    Failed(String),
}

/// How many failed tasks of one service (since the deploy began) make it a failure, when its
/// restart policy keeps restarting them.
const FAILURES: usize = 3;

/// `service` (compose name `name`) against `condition`. `old` are the tasks that existed before
/// the deploy (their failures are history); `nodes` names node ids.
pub fn verdict(
    name: &str,
    service: &Service,
    tasks: &[Task],
    old: &BTreeSet<String>,
    nodes: &BTreeMap<String, String>,
    condition: Condition,
) -> Verdict {
    // A job's tasks are meant to end: whatever was asked, it is ready once one completed.
    let is_job = service.spec.mode.replicated_job.is_some() || service.spec.mode.global_job.is_some();
    let condition = if is_job { Condition::Completed } else { condition };
    let spec = &service.spec.task_template.container_spec;
    let current: Vec<&Task> = tasks.iter().filter(|t| t.service_id == service.id && t.spec.container_spec == *spec).collect();
    let failed: Vec<&&Task> =
        current.iter().filter(|t| matches!(t.status.state.as_str(), "failed" | "rejected") && !old.contains(&t.id)).collect();
    let never_restarts = service.spec.task_template.restart_policy.as_ref().is_some_and(|p| p.condition == "none");
    if let Some(last) = failed.iter().max_by(|a, b| a.status.timestamp.cmp(&b.status.timestamp)) {
        if failed.len() >= FAILURES || (never_restarts && condition != Condition::Completed) || condition == Condition::Completed {
            let node = nodes.get(&last.node_id).cloned().unwrap_or_else(|| last.node_id.clone());
            let why = if last.status.err.is_empty() { &last.status.message } else { &last.status.err };
            let node = if node.is_empty() { String::new() } else { format!(" on node {node}") };
            return Verdict::Failed(format!("service {name}: task {}.{}{node} {}: {why}", service.spec.name, last.slot, last.status.state));
        }
    }
    if let Some(u) = &service.update_status {
        match u.state.as_str() {
            "updating" | "rollback_started" => return Verdict::Pending(format!("update {}", u.state)),
            "paused" | "rollback_paused" => return Verdict::Failed(format!("service {name}: update {}: {}", u.state, u.message)),
            _ => {}
        }
    }
    let live: Vec<&&Task> = current.iter().filter(|t| t.desired_state == "running").collect();
    let count = |states: &[&str]| live.iter().filter(|t| states.contains(&t.status.state.as_str())).count();
    match condition {
        Condition::Completed => {
            if current.iter().any(|t| t.status.state == "complete") {
                Verdict::Ready
            } else {
                Verdict::Pending("not completed".into())
            }
        }
        Condition::Started | Condition::Running => {
            let states: &[&str] = if condition == Condition::Started { &["starting", "running"] } else { &["running"] };
            let desired = match &service.spec.mode {
                m if m.global.is_some() => live.len().max(1),
                m => m.replicated.as_ref().and_then(|r| r.replicas).unwrap_or(1) as usize,
            };
            let ready = count(states);
            // Every task meant to run is ready (an update leaves no task half-way).
            if ready >= desired && ready == live.len() {
                Verdict::Ready
            } else {
                Verdict::Pending(format!("{ready}/{desired}"))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::swarm::{Replicated, ServiceMode, TaskStatus};

    fn service(replicas: u64) -> Service {
        let mut s = Service { id: "s1".into(), ..Default::default() };
        s.spec.name = "p_web".into();
        s.spec.mode = ServiceMode { replicated: Some(Replicated { replicas: Some(replicas) }), ..Default::default() };
        s
    }

    fn task(id: &str, desired: &str, state: &str) -> Task {
        Task {
            id: id.into(),
            service_id: "s1".into(),
            node_id: "n1".into(),
            slot: 1,
            desired_state: desired.into(),
            status: TaskStatus { state: state.into(), err: "exit 1".into(), timestamp: id.into(), ..Default::default() },
            ..Default::default()
        }
    }

    fn check(s: &Service, tasks: &[Task], condition: Condition) -> Verdict {
        let nodes = BTreeMap::from([("n1".to_string(), "node-a".to_string())]);
        verdict("web", s, tasks, &BTreeSet::new(), &nodes, condition)
    }

    #[test]
    fn starting_tasks_are_started_but_not_yet_healthy() {
        let s = service(2);
        let tasks = [task("a", "running", "starting"), task("b", "running", "running")];
        assert_eq!(check(&s, &tasks, Condition::Started), Verdict::Ready);
        assert_eq!(check(&s, &tasks, Condition::Running), Verdict::Pending("1/2".into()));
        let tasks = [task("a", "running", "running"), task("b", "running", "running")];
        assert_eq!(check(&s, &tasks, Condition::Running), Verdict::Ready);
    }

    #[test]
    fn repeated_failures_name_the_task_and_node() {
        let s = service(1);
        let tasks = [task("a", "shutdown", "failed"), task("b", "shutdown", "failed"), task("c", "shutdown", "failed")];
        assert_eq!(
            check(&s, &tasks, Condition::Running),
            Verdict::Failed("service web: task p_web.1 on node node-a failed: exit 1".into())
        );
        // Failures from before the deploy are not counted.
        let old: BTreeSet<String> = ["a", "b", "c"].map(String::from).into();
        assert_eq!(verdict("web", &s, &tasks, &old, &BTreeMap::new(), Condition::Running), Verdict::Pending("0/1".into()));
    }

    #[test]
    fn a_job_is_ready_once_a_task_completed() {
        let mut s = service(1);
        s.spec.mode = ServiceMode { replicated_job: Some(Default::default()), ..Default::default() };
        assert_eq!(check(&s, &[task("a", "complete", "complete")], Condition::Running), Verdict::Ready);
    }

    #[test]
    fn a_completed_task_satisfies_completion() {
        let s = service(1);
        assert_eq!(check(&s, &[task("a", "shutdown", "complete")], Condition::Completed), Verdict::Ready);
        assert_eq!(check(&s, &[task("a", "running", "running")], Condition::Completed), Verdict::Pending("not completed".into()));
    }
}
