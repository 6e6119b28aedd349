//! `run`: a one-off container of a service, after its dependencies.
//!
//! One plan ([`plan::plan_run`]) brings the dependencies up as `up` does, waits for them by
//! their `depends_on` conditions, makes the networks, volumes and image the container needs
//! and creates it; then the container is started, in the background (`-d`) or attached to the
//! terminal until it exits, whose code is the command's.

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::{provider, Compose, ComposeError};
use crate::engine::{AttachStreams, WaitCondition};
use crate::model::Project;
use crate::reconcile::hash::config_hash;
use crate::reconcile::observe::observe;
use crate::reconcile::plan::{self, OneOff, Plan, RunPlanOptions};
use crate::stdio::{self, Ending, Target};

/// What `run` runs, and how.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunOptions {
    /// The service, the command and the overrides of its configuration. Its `environment`
    /// is filled in from `env` and `env_files`.
    pub one_off: OneOff,
    /// `-e KEY=VALUE`, or `-e KEY` to pass the variable on from this environment (left out
    /// when it is not set).
    pub env: Vec<String>,
    /// `--env-from-file`: env files whose variables come after `-e`'s (which win).
    pub env_files: Vec<PathBuf>,
    /// Leave the dependencies alone (`--no-deps`).
    pub no_deps: bool,
    /// Start the container in the background and return its id (`-d`).
    pub detach: bool,
    /// Don't attach the container's standard output (`-q`).
    pub quiet: bool,
    /// The keys that detach from the container, leaving it running (on a terminal, with a TTY).
    pub detach_keys: Option<Vec<u8>>,
    /// Images (`--build`, `--pull`, `--quiet-pull`), `--remove-orphans`, the
    /// `environment_file` label: as for `up`.
    pub up: plan::UpOptions,
}

/// How a `run` ended.
#[derive(Debug, Clone, PartialEq)]
pub enum RunOutcome {
    /// `--dry-run`: what would be done.
    Planned(Plan),
    /// `-d`: the container runs in the background.
    Detached { id: String },
    /// The container's command exited with this code.
    Exited { code: i64 },
}

impl Compose {
    /// Runs `opts.one_off.command` in a new one-off container of its service.
    pub async fn run(&self, project: &Project, opts: &RunOptions) -> Result<RunOutcome, ComposeError> {
        let service = &opts.one_off.service;
        if !project.services.contains_key(service) {
            return Err(ComposeError::NoSuchService(service.clone()));
        }
        let dependencies = plan::run_dependencies(project, service, opts.no_deps);
        // Providers first: what they set is part of the one-off container's environment.
        let (provided, provider_decisions) = self.run_providers(project, &dependencies, provider::Command::Up).await?;
        let project = provided.as_ref().unwrap_or(project);
        let mut one_off = opts.one_off.clone();
        one_off.environment = environment(&opts.env, &opts.env_files, &|k| std::env::var(k).ok())?;
        let slug = slug();
        let container = plan::one_off_service(project, &one_off, &slug)?;

        let hashes: BTreeMap<String, String> = project
            .services
            .values()
            .filter(|s| dependencies.contains(&s.name))
            .map(|s| (s.name.clone(), config_hash(project, s)))
            .collect();
        let observed = observe(self.engine.as_ref(), &project.name, Some(project), &hashes).await?;
        let mut images = dependencies.clone();
        images.insert(service.clone());
        let (observed, up) = self.ensure_images(project, &images, observed, &hashes, opts.up.clone()).await?;
        let run = RunPlanOptions { dependencies, up, slug };
        let mut plan = plan::plan_run(project, &observed, &container, &one_off, &run)?;
        plan.decisions.splice(0..0, provider_decisions);
        self.execute(&project.name, &plan).await?;
        if self.dry_run {
            return Ok(RunOutcome::Planned(plan));
        }
        // The engine takes the name wherever it takes the id; only -d prints the id.
        let name = &container.container_name;
        if opts.detach {
            // Asked before the start: with --rm the container may be gone soon after.
            let id = self.engine.inspect_container(name).await?.id;
            self.engine.start_container(&id).await?;
            return Ok(RunOutcome::Detached { id });
        }
        self.run_attached(name, &RunOptions { one_off, ..opts.clone() }).await
    }

    /// Starts container `id` attached to the terminal through [`stdio`]: the wait for its exit
    /// and the attachment are made before it starts, so nothing it writes and no exit is
    /// missed. Returns its exit code; 0 when the detach keys leave it running.
    async fn run_attached(&self, id: &str, opts: &RunOptions) -> Result<RunOutcome, ComposeError> {
        let one_off = &opts.one_off;
        let wait = self.exit_watch(id, one_off.auto_remove);
        let streams = AttachStreams {
            tty: one_off.tty,
            stdin: one_off.interactive,
            stdout: !opts.quiet,
            stderr: true,
            logs: false,
            detach_keys: None,
        };
        let attached = async {
            let hijacked = self.engine.attach_container(id, &streams).await?;
            self.engine.start_container(id).await?;
            Ok::<_, ComposeError>(hijacked)
        };
        let hijacked = match attached.await {
            Ok(h) => h,
            Err(e) => {
                wait.abort();
                return Err(e);
            }
        };
        let session = stdio::Options {
            tty: one_off.tty,
            stdin: one_off.interactive,
            detach_keys: opts.detach_keys.clone(),
            // As Docker Compose: without a TTY, Ctrl-C and SIGTERM go to the container.
            proxy_signals: true,
        };
        match stdio::stream(self.engine.as_ref(), &Target::Container(id.to_string()), hijacked, &session).await {
            // A signal passed on to the container ended it: its exit code says how.
            Ok(Ending::Ended | Ending::EndedAfterSignal) => self.exit_code(wait).await,
            Ok(Ending::Detached) => {
                wait.abort();
                Ok(RunOutcome::Exited { code: 0 })
            }
            Ok(Ending::Interrupted) => {
                wait.abort();
                Err(ComposeError::Interrupted)
            }
            Err(e) => {
                wait.abort();
                Err(e.into())
            }
        }
    }

    /// Waits, in a task of its own started before the container is, for its exit (or, with
    /// `--rm`, its removal): the engine answers with the exit code even once it is gone.
    fn exit_watch(&self, id: &str, removed: bool) -> tokio::task::JoinHandle<Result<i64, ComposeError>> {
        let condition = if removed { WaitCondition::Removed } else { WaitCondition::NextExit };
        let (engine, id) = (self.engine.clone(), id.to_string());
        tokio::spawn(async move { Ok(engine.wait_container(&id, condition).await?.exit_code) })
    }

    /// The exit code `wait` reports; cancelled with the command (Ctrl-C).
    async fn exit_code(&self, wait: tokio::task::JoinHandle<Result<i64, ComposeError>>) -> Result<RunOutcome, ComposeError> {
        let abort = wait.abort_handle();
        tokio::select! {
            r = wait => {
                let code = r.map_err(|e| ComposeError::Failed { messages: vec![format!("waiting for the container: {e}")] })??;
                Ok(RunOutcome::Exited { code })
            }
            _ = self.cancel.cancelled() => {
                abort.abort();
                Err(ComposeError::Interrupted)
            }
        }
    }
}

/// The variables `-e` and `--env-from-file` set, as Docker Compose resolves them: `-e KEY`
/// takes KEY's value from `lookup` and is left out when it has none; each file's variables
/// (which may refer to `-e`'s and to `lookup`'s) are added where `-e` did not set them.
pub fn environment(
    env: &[String],
    files: &[PathBuf],
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<BTreeMap<String, String>, ComposeError> {
    let mut out = BTreeMap::new();
    for entry in env {
        match entry.split_once('=') {
            Some((k, v)) => {
                out.insert(k.to_string(), v.to_string());
            }
            None => {
                if let Some(v) = lookup(entry) {
                    out.insert(entry.clone(), v);
                }
            }
        }
    }
    for file in files {
        let seen = out.clone();
        let vars = crate::loader::dotenv::read_file(file, &|k| seen.get(k).cloned().or_else(|| lookup(k)))
            .map_err(|d| ComposeError::EnvFromFile(d.to_string()))?;
        for (k, v) in vars {
            out.entry(k).or_insert(v);
        }
    }
    Ok(out)
}

/// A one-off container's slug: 32 random bytes in hex, as Docker's ids.
fn slug() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the system's random source works");
    hex::encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_flags_win_over_env_files_and_unset_names_are_left_out() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("vars.env");
        std::fs::write(&file, "A=from-file\nB=${A}-and-${HOME_X}\nC=c\n").unwrap();
        let lookup = |k: &str| (k == "HOME_X").then(|| "h".to_string());
        let env = ["A=flag".to_string(), "HOME_X".to_string(), "UNSET".to_string()];
        let got = environment(&env, &[file], &lookup).unwrap();
        let want: BTreeMap<String, String> =
            [("A", "flag"), ("B", "flag-and-h"), ("C", "c"), ("HOME_X", "h")].into_iter().map(|(k, v)| (k.into(), v.into())).collect();
        assert_eq!(got, want);
    }

    #[test]
    fn a_missing_env_file_is_an_error_naming_it() {
        let err = environment(&[], &[PathBuf::from("/nonexistent/x.env")], &|_| None).unwrap_err();
        assert!(err.to_string().contains("/nonexistent/x.env"), "{err}");
    }

    #[test]
    fn slugs_are_64_hex_digits_and_differ() {
        let (a, b) = (slug(), slug());
        assert_eq!(a.len(), 64);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }
}
