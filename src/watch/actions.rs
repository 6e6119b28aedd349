//! Carrying out a batch's actions, in Docker Compose's order: rebuild, sync, restart, exec.
//! A rebuild builds each image once (the compose API merges identical builds), recreates only
//! the rebuilt services, restarts their `restart: true` dependents, and with `--prune` removes
//! the images it left dangling.
//! Every failure becomes a warning that names the service (and the file, for syncs); a
//! service whose sync failed is neither restarted nor has its command run.

use std::collections::BTreeSet;

use futures_util::future::join_all;

use super::plan::Actions;
use super::sync::{self, SyncPlan};
use super::watcher::Watcher;
use super::Notice;
use crate::compose::{BuildOptions, UpOptions};
use crate::engine::ExecSpec;

impl Watcher<'_> {
    pub(super) async fn run_actions(&mut self, actions: Actions) {
        if !actions.rebuild.is_empty() {
            self.rebuild(&actions.rebuild, &triggers(&actions, &actions.rebuild)).await;
        }
        let failed = self.sync_all(&actions).await;
        let restart: Vec<String> = actions.restart.iter().filter(|s| !failed.contains(*s)).cloned().collect();
        if !restart.is_empty() {
            match self.compose.restart(&self.project.name, Some(&self.project), &restart, false, None).await {
                Ok(_) => self.notice(Notice::Restarted(restart)),
                Err(e) => self.warn(format!("restarting service(s) {}{}: {e}", restart.join(", "), triggers(&actions, &restart))),
            }
        }
        for (service, rules) in &actions.exec {
            if failed.contains(service) {
                continue;
            }
            for i in rules {
                if let Some(spec) = self.rules.rules[*i].exec.clone() {
                    self.exec(service, &spec, &triggers(&actions, [service])).await;
                }
            }
        }
    }

    /// Syncs every service of `actions` (at the same time); returns the services whose sync
    /// failed.
    pub(super) async fn sync_all(&self, actions: &Actions) -> BTreeSet<String> {
        let engine = self.compose.engine.as_ref();
        let project = self.project.name.as_str();
        let jobs = actions.sync.iter().map(|(service, mappings)| async move {
            let plan = SyncPlan::new(&self.rules.rules, mappings);
            for (host, why) in &plan.refused {
                self.warn(format!("service {service}: not syncing {host}: {why}"));
            }
            if plan.is_empty() {
                return None;
            }
            match sync::apply(engine, project, service, &plan).await {
                Ok(containers) => {
                    self.notice(Notice::Synced { service: service.clone(), files: plan.put.len() + plan.delete.len(), containers });
                    None
                }
                Err(e) => {
                    self.warn(e.to_string());
                    Some(service.clone())
                }
            }
        });
        join_all(jobs).await.into_iter().flatten().collect()
    }

    /// Runs a `sync+exec` command in every running container of `service`; `after` says
    /// which file change asked for it, for warnings.
    async fn exec(&self, service: &str, spec: &ExecSpec, after: &str) {
        let engine = self.compose.engine.as_ref();
        let ids = match sync::running_containers(engine, &self.project.name, service).await {
            Ok(ids) => ids,
            Err(e) => return self.warn(format!("service {service}: running {:?}{after}: {e}", spec.cmd.join(" "))),
        };
        for out in join_all(ids.iter().map(|id| engine.exec(id, spec))).await {
            match out {
                Ok(out) => {
                    let text = format!("{}{}", out.stdout_text(), out.stderr_text());
                    if !text.trim().is_empty() {
                        self.notice(Notice::Output { service: service.to_string(), text });
                    }
                    if out.exit_code != 0 {
                        self.warn(format!("service {service}: {:?}{after} exited with code {}", spec.cmd.join(" "), out.exit_code));
                    }
                }
                Err(e) => self.warn(format!("service {service}: running {:?}{after}: {e}", spec.cmd.join(" "))),
            }
        }
    }

    /// Builds the images of `services` (once per image, through the compose API), then brings
    /// just those services up again, which recreates the containers that ran the old image.
    async fn rebuild(&self, services: &BTreeSet<String>, after: &str) {
        let names: Vec<String> = services.iter().cloned().collect();
        self.notice(Notice::Rebuilding(names.clone()));
        let before = if self.opts.prune { self.images(&names).await } else { Vec::new() };
        let build = BuildOptions { services: names.clone(), ..Default::default() };
        if let Err(e) = self.compose.build(&self.project, &build).await {
            return self.warn(format!("rebuilding service(s) {}{after}: build failed: {e}", names.join(", ")));
        }
        self.notice(Notice::Rebuilt(names.clone()));
        let up = UpOptions { services: names.clone(), no_deps: true, ..self.opts.up.clone() };
        if let Err(e) = self.compose.up(&self.project, &up).await {
            return self.warn(format!("recreating service(s) {} after the rebuild{after}: {e}", names.join(", ")));
        }
        let dependents = self.restart_dependents(services);
        if !dependents.is_empty() {
            // The restart pulls in their own `restart: true` dependents.
            match self.compose.restart(&self.project.name, Some(&self.project), &dependents, false, None).await {
                Ok(_) => self.notice(Notice::Restarted(dependents)),
                Err(e) => self.warn(format!("restarting service(s) {} after the rebuild{after}: {e}", dependents.join(", "))),
            }
        }
        if self.opts.prune {
            self.prune(&before).await;
        }
    }

    /// The services up that depend with `restart: true` on one of `rebuilt`, not rebuilt
    /// themselves.
    fn restart_dependents(&self, rebuilt: &BTreeSet<String>) -> Vec<String> {
        let targets = self.targets();
        self.project
            .services
            .values()
            .filter(|s| targets.contains(&s.name) && !rebuilt.contains(&s.name))
            .filter(|s| s.depends_on.iter().any(|(d, dep)| dep.restart && rebuilt.contains(d)))
            .map(|s| s.name.clone())
            .collect()
    }

    /// The ids of the images `services` run now.
    async fn images(&self, services: &[String]) -> Vec<String> {
        let mut ids = BTreeSet::new();
        for s in services.iter().filter_map(|s| self.project.services.get(s)) {
            let name = crate::reconcile::labels::image_name(&self.project, s);
            if let Ok(info) = self.compose.engine.inspect_image(&name).await {
                ids.insert(info.id);
            }
        }
        ids.into_iter().collect()
    }

    /// `--prune`: removes the images the rebuilt services ran before, now untagged and unused.
    async fn prune(&self, before: &[String]) {
        for id in before {
            match self.compose.engine.inspect_image(id).await {
                Ok(info) if info.repo_tags.is_empty() => {
                    if let Err(e) = self.compose.engine.remove_image(id, false).await {
                        if !e.is_not_found() && !e.is_conflict() {
                            self.warn(format!("removing dangling image {id}: {e}"));
                        }
                    }
                }
                _ => {}
            }
        }
    }
}

/// ` (after a change to FILE)` naming the first file that asked for an action of one of
/// `services`, for warnings; empty when none did (an initial sync).
fn triggers<'a>(actions: &Actions, services: impl IntoIterator<Item = &'a String>) -> String {
    services.into_iter().find_map(|s| actions.trigger.get(s)).map(|f| format!(" (after a change to {})", f.display())).unwrap_or_default()
}
