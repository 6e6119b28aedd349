//! Calls that talk to running containers (logs, exec, archives, top) and to the engine itself
//! (version, events).

use std::time::Duration;

use bollard::container::LogOutput;
use bollard::exec::{StartExecOptions, StartExecResults};
use bollard::models::ExecConfig;
use bollard::query_parameters as q;
use futures_util::{StreamExt, TryStreamExt};

use super::{filters, DockerEngine};
use crate::engine::{
    ArchiveOptions, ByteStream, EngineError, EngineEvent, EngineResult, EngineStream, EngineVersion, EventFilter, ExecOutput, ExecSpec,
    LogChunk, LogStream, TopResult,
};

pub(super) async fn version(e: &DockerEngine) -> EngineResult<EngineVersion> {
    let v = e.docker.version().await.map_err(|x| e.err(x))?;
    let (major, minor) = e.api_version();
    Ok(EngineVersion {
        version: v.version.unwrap_or_default(),
        api_version: v.api_version.unwrap_or_default(),
        min_api_version: v.min_api_version.unwrap_or_default(),
        negotiated_api_version: format!("{major}.{minor}"),
        os: v.os.unwrap_or_default(),
        arch: v.arch.unwrap_or_default(),
        kernel_version: v.kernel_version.unwrap_or_default(),
    })
}

pub(super) fn events<'a>(e: &'a DockerEngine, f: &'a EventFilter) -> EngineStream<'a, EngineEvent> {
    let mut map = filters(&f.labels);
    if !f.types.is_empty() {
        map.insert("type".into(), f.types.clone());
    }
    if !f.actions.is_empty() {
        map.insert("event".into(), f.actions.clone());
    }
    let options = q::EventsOptions { since: f.since.map(|t| t.to_string()), until: f.until.map(|t| t.to_string()), filters: Some(map) };
    e.docker
        .events(Some(options))
        .map_ok(|m| {
            let actor = m.actor.unwrap_or_default();
            EngineEvent {
                kind: m.typ.map(|t| t.to_string()).unwrap_or_default(),
                action: m.action.unwrap_or_default(),
                actor_id: actor.id.unwrap_or_default(),
                attributes: actor.attributes.unwrap_or_default().into_iter().collect(),
                time_nanos: m.time_nano.unwrap_or_default(),
            }
        })
        .map_err(|x| e.err(x))
        .boxed()
}

/// Our view of one frame; a TTY's single stream counts as stdout, stdin echoes are dropped.
pub(super) fn chunk(out: LogOutput) -> Option<LogChunk> {
    let (stream, bytes) = match out {
        LogOutput::StdOut { message } | LogOutput::Console { message } => (LogStream::Stdout, message),
        LogOutput::StdErr { message } => (LogStream::Stderr, message),
        LogOutput::StdIn { .. } => return None,
    };
    Some(LogChunk { stream, bytes })
}

pub(super) async fn exec(e: &DockerEngine, id: &str, spec: &ExecSpec) -> EngineResult<ExecOutput> {
    let config = ExecConfig {
        attach_stdout: Some(true),
        attach_stderr: Some(true),
        tty: Some(spec.tty),
        cmd: Some(spec.cmd.clone()),
        env: (!spec.env.is_empty()).then(|| spec.env.clone()),
        user: spec.user.clone(),
        working_dir: spec.working_dir.clone(),
        privileged: Some(spec.privileged),
        ..Default::default()
    };
    let created = e.docker.create_exec(id, config).await.map_err(|x| e.err(x))?;
    let start = StartExecOptions { detach: false, tty: spec.tty, output_capacity: None };
    let started = e.docker.start_exec(&created.id, Some(start)).await.map_err(|x| e.err(x))?;
    let mut result = ExecOutput::default();
    if let StartExecResults::Attached { mut output, input } = started {
        drop(input);
        while let Some(frame) = output.next().await {
            match chunk(frame.map_err(|x| e.err(x))?) {
                Some(LogChunk { stream: LogStream::Stdout, bytes }) => result.stdout.extend(bytes),
                Some(LogChunk { stream: LogStream::Stderr, bytes }) => result.stderr.extend(bytes),
                None => {}
            }
        }
    }
    // The output ends when the process does, but the engine may record the exit code a moment
    // later.
    for _ in 0..50 {
        let state = e.docker.inspect_exec(&created.id).await.map_err(|x| e.err(x))?;
        if state.running != Some(true) {
            result.exit_code = state.exit_code.unwrap_or_default();
            return Ok(result);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Err(EngineError::Protocol { message: format!("exec in {id}: still running after its output ended") })
}

pub(super) async fn put_archive(e: &DockerEngine, id: &str, path: &str, tar: ByteStream, archive: ArchiveOptions) -> EngineResult<()> {
    let options = q::UploadToContainerOptions {
        path: path.to_string(),
        copy_uidgid: archive.copy_uid_gid.then(|| "true".to_string()),
        no_overwrite_dir_non_dir: archive.no_overwrite_dir_non_dir.then(|| "true".to_string()),
    };
    e.docker.upload_to_container(id, Some(options), bollard::body_try_stream(tar)).await.map_err(|x| e.err(x))
}

pub(super) async fn top(e: &DockerEngine, id: &str, ps_args: Option<&str>) -> EngineResult<TopResult> {
    let options = q::TopOptions { ps_args: ps_args.unwrap_or_default().to_string() };
    let top = e.docker.top_processes(id, Some(options)).await.map_err(|x| e.err(x))?;
    Ok(TopResult { titles: top.titles.unwrap_or_default(), processes: top.processes.unwrap_or_default() })
}
