//! Exec and attach with the process's streams hijacked from the HTTP connection: what
//! `exec`, `run` and `attach` connect the terminal to.

use bollard::exec::{ResizeExecOptions, StartExecOptions};
use bollard::models::ExecConfig;
use bollard::query_parameters as q;

use super::{hijack, DockerEngine};
use crate::engine::{AttachStreams, EngineResult, ExecSpec, ExecStart, ExecState, Hijacked, TtySize};

pub(super) async fn create_exec(e: &DockerEngine, container: &str, spec: &ExecSpec, stdin: bool) -> EngineResult<String> {
    let config = ExecConfig {
        attach_stdin: Some(stdin),
        attach_stdout: Some(true),
        attach_stderr: Some(true),
        tty: Some(spec.tty),
        cmd: Some(spec.cmd.clone()),
        env: (!spec.env.is_empty()).then(|| spec.env.clone()),
        user: spec.user.clone().filter(|u| !u.is_empty()),
        working_dir: spec.working_dir.clone().filter(|w| !w.is_empty()),
        privileged: Some(spec.privileged),
        ..Default::default()
    };
    Ok(e.docker.create_exec(container, config).await.map_err(|x| e.err(x))?.id)
}

pub(super) async fn start_exec(e: &DockerEngine, exec: &str, start: ExecStart) -> EngineResult<Option<Hijacked>> {
    if start.detach {
        let options = StartExecOptions { detach: true, tty: start.tty, output_capacity: None };
        e.docker.start_exec(exec, Some(options)).await.map_err(|x| e.err(x))?;
        return Ok(None);
    }
    let body = serde_json::json!({ "Detach": false, "Tty": start.tty }).to_string();
    Ok(Some(hijack::open(&e.hijack_socket(), &format!("/exec/{}/start", hijack::escape(exec)), &body, start.tty).await?))
}

pub(super) async fn resize_exec(e: &DockerEngine, exec: &str, size: TtySize) -> EngineResult<()> {
    e.docker.resize_exec(exec, ResizeExecOptions { height: size.rows, width: size.columns }).await.map_err(|x| e.err(x))
}

pub(super) async fn inspect_exec(e: &DockerEngine, exec: &str) -> EngineResult<ExecState> {
    let state = e.docker.inspect_exec(exec).await.map_err(|x| e.err(x))?;
    let running = state.running == Some(true);
    Ok(ExecState { running, exit_code: state.exit_code.filter(|_| !running), container_id: state.container_id.unwrap_or_default() })
}

pub(super) async fn attach_container(e: &DockerEngine, id: &str, streams: &AttachStreams) -> EngineResult<Hijacked> {
    let flag = |b: bool| if b { "1" } else { "0" };
    let mut url = format!(
        "/containers/{}/attach?stream=1&stdin={}&stdout={}&stderr={}&logs={}",
        hijack::escape(id),
        flag(streams.stdin),
        flag(streams.stdout),
        flag(streams.stderr),
        flag(streams.logs)
    );
    if let Some(keys) = &streams.detach_keys {
        url.push_str(&format!("&detachKeys={}", hijack::escape(keys)));
    }
    hijack::open(&e.hijack_socket(), &url, "", streams.tty).await
}

pub(super) async fn resize_container_tty(e: &DockerEngine, id: &str, size: TtySize) -> EngineResult<()> {
    let options = q::ResizeContainerTTYOptions { h: i32::from(size.rows), w: i32::from(size.columns) };
    e.docker.resize_container_tty(id, options).await.map_err(|x| e.err(x))
}

impl DockerEngine {
    /// Where streams are taken over by our own exchange.
    fn hijack_socket(&self) -> hijack::Socket<'_> {
        hijack::Socket { dialer: &self.dialer, host: &self.host, user_agent: super::USER_AGENT }
    }
}
