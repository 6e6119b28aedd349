//! The watch loop: bring the services up, sync what `initial_sync` asks for, then turn each
//! batch of file events into actions until the cancellation token fires.

use std::collections::BTreeSet;
use std::path::PathBuf;

use tokio::sync::mpsc;

use super::debounce::{Batch, Debouncer};
use super::notify::Notifier;
use super::plan::{plan, Actions};
use super::rules::Rules;
use super::{files, Notice, NoticeSink, WatchError, WatchOptions};
use crate::compose::{Compose, ComposeError, UpOptions};
use crate::graph::Graph;
use crate::model::Project;

/// What the loop works with; `project`, `rules` and the watched files change on reload.
pub(super) struct Watcher<'a> {
    pub compose: &'a Compose,
    pub opts: &'a WatchOptions,
    pub notices: NoticeSink,
    pub project: Project,
    pub rules: Rules,
    /// Compose files, overrides, `.env` and `env_file`s: a change reloads the project.
    pub config_files: BTreeSet<PathBuf>,
    pub notifier: Notifier,
}

/// Watches until `compose.cancel` fires (Ctrl-C, or the end of attached `up`), and returns
/// promptly then, even in the middle of a batch. Fails only when watching cannot start: once
/// it runs, every failure is a warning.
pub async fn run(compose: &Compose, project: Project, opts: &WatchOptions, notices: NoticeSink) -> Result<(), WatchError> {
    let rules = check(&project, opts)?;
    for w in &rules.warnings {
        notices(&Notice::Warning(w.clone()));
    }
    if !opts.no_up {
        compose.up(&project, &UpOptions { services: opts.services.clone(), ..opts.up.clone() }).await?;
    }
    let (tx, rx) = mpsc::unbounded_channel();
    let notifier = Notifier::new(tx).map_err(|e| WatchError::Notify(e.to_string()))?;
    let mut watcher = Watcher { compose, opts, notices, config_files: BTreeSet::new(), project, rules, notifier };
    // Watch before the initial sync, so that nothing written meanwhile is missed.
    watcher.rewatch();
    tokio::select! {
        biased;
        () = compose.cancel.cancelled() => return Ok(()),
        () = watcher.initial_sync() => {}
    }
    let mut debouncer = Debouncer::new(rx, opts.timing);
    watcher.notice(Notice::Enabled);
    loop {
        tokio::select! {
            biased;
            // As in Docker Compose, nothing is said: the command says why it ends.
            () = compose.cancel.cancelled() => return Ok(()),
            batch = debouncer.next() => match batch {
                // Dropping a batch half done is safe: at worst part of its files were copied.
                Some(batch) => tokio::select! {
                    biased;
                    () = compose.cancel.cancelled() => return Ok(()),
                    () = watcher.handle(batch) => {}
                },
                None => break,
            },
        }
    }
    watcher.notice(Notice::Disabled);
    Ok(())
}

/// The rules `run` would follow, or why it could not start: an unknown service, a bad rule,
/// nothing to watch. `up --watch` checks this before it brings anything up.
pub fn check(project: &Project, opts: &WatchOptions) -> Result<Rules, WatchError> {
    if let Some(unknown) = opts.services.iter().find(|s| !project.services.contains_key(*s)) {
        return Err(ComposeError::NoSuchService(unknown.clone()).into());
    }
    let rules = Rules::compile(project, &opts.services.iter().cloned().collect())?;
    if rules.rules.is_empty() {
        return Err(WatchError::NothingToWatch);
    }
    Ok(rules)
}

impl Watcher<'_> {
    pub fn notice(&self, n: Notice) {
        (self.notices)(&n)
    }

    pub fn warn(&self, w: impl Into<String>) {
        self.notice(Notice::Warning(w.into()))
    }

    /// The services `up` brought up: the selected ones and their dependencies.
    pub fn targets(&self) -> BTreeSet<String> {
        if self.opts.services.is_empty() {
            self.project.services.keys().cloned().collect()
        } else {
            Graph::new(&self.project).with_dependencies(&self.opts.services)
        }
    }

    /// Points the notifier at the rules' paths and the project's configuration files.
    pub fn rewatch(&mut self) {
        self.config_files = super::reload::config_files(&self.project, &self.opts.loader);
        let files: Vec<PathBuf> = self.config_files.iter().cloned().collect();
        for problem in self.notifier.set(&self.rules.paths(), &files) {
            self.warn(problem);
        }
    }

    /// One batch: reload if configuration changed, then rebuild, sync, restart, exec.
    async fn handle(&mut self, batch: Batch) {
        for e in &batch.errors {
            self.warn(format!("file watching: {e}"));
        }
        if batch.overflow {
            self.warn("too many file changes at once: some were missed (raise fs.inotify.max_queued_events)");
        }
        let changed: Vec<(PathBuf, bool)> = batch.paths.into_iter().collect();
        // Directory walks block: off the runtime thread.
        let walk = changed.clone();
        let paths = tokio::task::spawn_blocking(move || files::expand(&walk)).await.unwrap_or_default();
        let actions: Actions = plan(&self.rules, &self.config_files, &paths);
        tracing::debug!(?changed, expanded = paths.len(), ?actions.rebuild, ?actions.restart, reload = actions.reload, "watch batch");
        if actions.reload {
            self.reload().await;
        }
        self.run_actions(actions).await;
        // Paths that appeared may now be watched directly.
        for problem in self.notifier.rearm() {
            self.warn(problem);
        }
    }

    /// `initial_sync` rules: everything under their path, once, before watching.
    async fn initial_sync(&mut self) {
        let mut actions = Actions::default();
        for (i, rule) in self.rules.rules.iter().enumerate() {
            if rule.initial_sync && rule.action.syncs() {
                let walked = rule.clone();
                let mappings = tokio::task::spawn_blocking(move || files::initial(&walked)).await.unwrap_or_default();
                actions.sync.entry(rule.service.clone()).or_default().extend(mappings.into_iter().map(|m| (i, m)));
            }
        }
        self.sync_all(&actions).await;
    }
}
