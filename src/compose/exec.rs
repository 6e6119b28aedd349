//! `exec` and `attach`: a service's running container, chosen as Docker Compose chooses it,
//! connected to the terminal through [`crate::stdio`].

use std::time::Duration;

use crate::engine::{AttachStreams, ContainerSummary, Engine, ExecSpec, ExecStart, LabelFilter};
use crate::reconcile::labels;
use crate::stdio::{self, Ending, Target};

use super::{Compose, ComposeError};

/// What `exec` runs, and how.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExecOptions {
    pub service: String,
    /// `--index`: the container of this number; `None`: the service's first running one.
    pub index: Option<u32>,
    pub command: Vec<String>,
    /// `KEY=value` entries, resolved already ([`resolve_env`]).
    pub env: Vec<String>,
    pub user: Option<String>,
    pub workdir: Option<String>,
    pub privileged: bool,
    /// Give the command a TTY.
    pub tty: bool,
    /// Start it in the background and return at once (exit code 0).
    pub detach: bool,
    /// Send our standard input to the command (Docker Compose's hidden `-i`, on by default).
    pub stdin: bool,
    /// The detach sequence (in TTY mode on a terminal).
    pub detach_keys: Option<Vec<u8>>,
}

/// What `attach` connects to, and how.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AttachServiceOptions {
    pub service: String,
    pub index: Option<u32>,
    /// `--no-stdin` unset: our standard input goes to the container, if it keeps its open.
    pub stdin: bool,
    /// `--sig-proxy`: signals rcompose receives go to the container (when it has no TTY).
    pub proxy_signals: bool,
    /// The detach keys as `--detach-keys` takes them (`ctrl-p,ctrl-q`, see
    /// [`stdio::keys::parse`]).
    pub detach_keys: String,
}

/// `-e` entries as the engine takes them: `KEY=value` as given, `KEY` alone with its value
/// from `lookup` (the shell over `.env`), and left out when it has none, as Docker Compose does.
pub fn resolve_env(entries: &[String], lookup: impl Fn(&str) -> Option<String>) -> Vec<String> {
    entries
        .iter()
        .filter_map(|e| match e.split_once('=') {
            Some(_) => Some(e.clone()),
            None => lookup(e).map(|v| format!("{e}={v}")),
        })
        .collect()
}

/// The container `exec` and `attach` act on, among a service's running ones: number `index`
/// when given, else the lowest-numbered; one-off (`run`) containers only when no other is
/// running. Docker Compose sorts the same way.
pub fn pick_container(mut running: Vec<ContainerSummary>, service: &str, index: Option<u32>) -> Result<ContainerSummary, ComposeError> {
    let number = |c: &ContainerSummary| c.labels.get(labels::CONTAINER_NUMBER).and_then(|n| n.parse::<u32>().ok()).unwrap_or(0);
    let oneoff = |c: &ContainerSummary| c.labels.get(labels::ONEOFF).is_some_and(|v| v == "True");
    running.retain(|c| index.is_none_or(|i| number(c) == i));
    running.sort_by_key(|c| (oneoff(c), number(c)));
    running.into_iter().next().ok_or_else(|| ComposeError::NotRunning { service: service.to_string(), index })
}

impl Compose {
    /// The running container of `service` (see [`pick_container`]).
    pub(super) async fn service_container(
        &self,
        project: &str,
        service: &str,
        index: Option<u32>,
    ) -> Result<ContainerSummary, ComposeError> {
        let filter = LabelFilter::new().eq(labels::PROJECT, project).eq(labels::SERVICE, service).has(labels::CONFIG_HASH);
        let filter = match index {
            Some(i) => filter.eq(labels::CONTAINER_NUMBER, i.to_string()),
            None => filter,
        };
        pick_container(self.engine.list_containers(false, &filter).await?, service, index)
    }

    /// Runs a command in a service's running container, connected to the terminal; returns
    /// its exit code (0 when detached, by `-d` or the detach keys).
    pub async fn exec(&self, project: &str, options: &ExecOptions) -> Result<i64, ComposeError> {
        if self.dry_run && !options.detach {
            return Err(ComposeError::DryRunInteractive("exec"));
        }
        let container = self.service_container(project, &options.service, options.index).await?;
        let spec = ExecSpec {
            cmd: options.command.clone(),
            env: options.env.clone(),
            user: options.user.clone(),
            working_dir: options.workdir.clone(),
            privileged: options.privileged,
            tty: options.tty,
        };
        let engine = &*self.engine;
        if self.dry_run {
            return Ok(0);
        }
        let exec = engine.create_exec(&container.id, &spec, options.stdin && !options.detach).await?;
        let start = ExecStart { tty: options.tty, detach: options.detach };
        let Some(hijacked) = engine.start_exec(&exec, start).await? else { return Ok(0) };
        let session =
            stdio::Options { tty: options.tty, stdin: options.stdin, detach_keys: options.detach_keys.clone(), proxy_signals: false };
        match stdio::stream(engine, &Target::Exec(exec.clone()), hijacked, &session).await? {
            Ending::Ended | Ending::EndedAfterSignal => exit_code(engine, &exec).await,
            Ending::Detached => Ok(0),
            Ending::Interrupted => Err(ComposeError::Interrupted),
        }
    }

    /// Connects the terminal to a service's running container until it exits (its exit code
    /// is returned; 130 when it exited after rcompose passed Ctrl-C or SIGTERM on to it, as
    /// Docker Compose returns). The detach keys leave it running and end attach as Docker
    /// Compose's does: "read escape sequence", exit 1.
    pub async fn attach(&self, project: &str, options: &AttachServiceOptions) -> Result<i64, ComposeError> {
        if self.dry_run {
            // Docker Compose's word, for attach too.
            return Err(ComposeError::DryRunInteractive("run"));
        }
        let keys = stdio::keys::parse(&options.detach_keys)?;
        let container = self.service_container(project, &options.service, options.index).await?;
        let engine = &*self.engine;
        let config = engine.inspect_container(&container.id).await?.config;
        let streams = AttachStreams {
            tty: config.tty,
            stdin: options.stdin && config.open_stdin,
            stdout: true,
            stderr: true,
            logs: false,
            // Without a TTY (or a terminal) the engine watches for them in what we send.
            detach_keys: Some(options.detach_keys.clone()),
        };
        let hijacked = engine.attach_container(&container.id, &streams).await?;
        let session =
            stdio::Options { tty: config.tty, stdin: streams.stdin, detach_keys: Some(keys), proxy_signals: options.proxy_signals };
        match stdio::stream(engine, &Target::Container(container.id.clone()), hijacked, &session).await? {
            Ending::Ended => match exited(engine, &container.id).await? {
                Some(code) => Ok(code),
                None => Err(ComposeError::Detached),
            },
            Ending::EndedAfterSignal => {
                exited(engine, &container.id).await?;
                Err(ComposeError::Interrupted)
            }
            Ending::Detached => Err(ComposeError::Detached),
            Ending::Interrupted => Err(ComposeError::Interrupted),
        }
    }
}

/// The exit code of a container whose output ended, once the engine has recorded it; `None`
/// when it goes on running: the engine ended the stream because it saw the detach keys.
async fn exited(engine: &dyn Engine, id: &str) -> Result<Option<i64>, ComposeError> {
    for attempt in 0..25u64 {
        let state = engine.inspect_container(id).await?.state;
        if !state.running {
            return Ok(Some(state.exit_code));
        }
        tokio::time::sleep(Duration::from_millis(attempt.min(20) + 1)).await;
    }
    Ok(None)
}

/// The exit code of an exec whose output ended. The engine may record it a moment after the
/// output ends, so a still-running exec is asked again, briefly.
async fn exit_code(engine: &dyn Engine, exec: &str) -> Result<i64, ComposeError> {
    for attempt in 0..100u64 {
        let state = engine.inspect_exec(exec).await?;
        if let Some(code) = state.exit_code.filter(|_| !state.running) {
            return Ok(code);
        }
        tokio::time::sleep(Duration::from_millis(attempt.min(20) + 1)).await;
    }
    Err(ComposeError::ExecStillRunning(exec.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn container(number: &str, oneoff: bool) -> ContainerSummary {
        let mut c = ContainerSummary { id: format!("id{number}{oneoff}"), ..Default::default() };
        c.labels.insert(labels::CONTAINER_NUMBER.into(), number.into());
        if oneoff {
            c.labels.insert(labels::ONEOFF.into(), "True".into());
        }
        c
    }

    #[test]
    fn the_lowest_number_first_and_one_off_containers_last() {
        let running = vec![container("1", true), container("3", false), container("2", false)];
        assert_eq!(pick_container(running.clone(), "web", None).unwrap().id, "id2false");
        assert_eq!(pick_container(running, "web", Some(3)).unwrap().id, "id3false");
        assert_eq!(pick_container(vec![container("1", true)], "web", None).unwrap().id, "id1true");
    }

    #[test]
    fn nothing_running_is_docker_composes_message() {
        let none = pick_container(vec![], "web", None).unwrap_err();
        assert_eq!(none.to_string(), "service \"web\" is not running");
        let missing = pick_container(vec![container("1", false)], "web", Some(2)).unwrap_err();
        assert_eq!(missing.to_string(), "service \"web\" is not running container #2");
    }

    #[test]
    fn a_key_alone_takes_its_value_from_the_environment_or_is_left_out() {
        let lookup = |k: &str| (k == "SET").then(|| "v".to_string());
        let entries = ["A=1", "SET", "UNSET", "B="].map(String::from);
        assert_eq!(resolve_env(&entries, lookup), ["A=1", "SET=v", "B="]);
    }
}
