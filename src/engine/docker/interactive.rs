//! Exec and attach with the process's streams hijacked from the HTTP connection: what
//! `exec`, `run` and `attach` connect the terminal to.

use bollard::container::AttachContainerResults;
use bollard::exec::{ResizeExecOptions, StartExecOptions, StartExecResults};
use bollard::models::ExecConfig;
use bollard::query_parameters as q;
use futures_util::{StreamExt, TryStreamExt};

use super::runtime::chunk;
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
    if let (Some(socket), false) = (e.hijack_socket(), start.detach) {
        let body = serde_json::json!({ "Detach": false, "Tty": start.tty }).to_string();
        return Ok(Some(hijack::open(&socket, &format!("/exec/{}/start", hijack::escape(exec)), &body, start.tty).await?));
    }
    let options = StartExecOptions { detach: start.detach, tty: start.tty, output_capacity: None };
    match e.docker.start_exec(exec, Some(options)).await.map_err(|x| e.err(x))? {
        StartExecResults::Attached { output, input } => Ok(Some(hijacked(e, output, input))),
        StartExecResults::Detached => Ok(None),
    }
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
    if let Some(socket) = e.hijack_socket() {
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
        return hijack::open(&socket, &url, "", streams.tty).await;
    }
    let options = q::AttachContainerOptions {
        detach_keys: streams.detach_keys.clone(),
        logs: streams.logs,
        stream: true,
        stdin: streams.stdin,
        stdout: streams.stdout,
        stderr: streams.stderr,
    };
    let AttachContainerResults { output, input } = e.docker.attach_container(id, Some(options)).await.map_err(|x| e.err(x))?;
    Ok(hijacked(e, output, input))
}

pub(super) async fn resize_container_tty(e: &DockerEngine, id: &str, size: TtySize) -> EngineResult<()> {
    let options = q::ResizeContainerTTYOptions { h: i32::from(size.rows), w: i32::from(size.columns) };
    e.docker.resize_container_tty(id, options).await.map_err(|x| e.err(x))
}

type Output = std::pin::Pin<Box<dyn futures_util::Stream<Item = Result<bollard::container::LogOutput, bollard::errors::Error>> + Send>>;

impl DockerEngine {
    /// The engine's unix socket, when streams are taken over by our own exchange on it.
    fn hijack_socket(&self) -> Option<hijack::Socket<'_>> {
        self.socket.as_deref().map(|path| hijack::Socket { path, host: &self.host, user_agent: super::USER_AGENT })
    }
}

/// Our view of bollard's hijacked halves (tcp, TLS and ssh engines): frames become chunks (stdin echoes dropped), errors
/// ours.
fn hijacked(e: &DockerEngine, output: Output, input: std::pin::Pin<Box<dyn tokio::io::AsyncWrite + Send>>) -> Hijacked {
    let host = e.host.clone();
    let output =
        output.map_err(move |x| super::error::convert(&host, x)).try_filter_map(|frame| std::future::ready(Ok(chunk(frame)))).boxed();
    Hijacked { output, input }
}
