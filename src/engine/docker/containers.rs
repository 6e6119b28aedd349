//! Container lifecycle calls.

use std::time::Duration;

use bollard::errors::Error as Bollard;
use bollard::models::{NetworkConnectRequest, NetworkDisconnectRequest};
use bollard::query_parameters as q;
use futures_util::StreamExt;

use super::{filters, spec, wire, DockerEngine};
use crate::engine::io::whole_seconds;
use crate::engine::{
    ContainerDetails, ContainerSpec, ContainerSummary, EndpointSpec, EngineError, EngineResult, LabelFilter, RemoveContainerOptions,
    WaitCondition, WaitResult,
};

/// The first API version that accepts several networks at container creation.
const MULTI_NETWORK_CREATE: (usize, usize) = (1, 44);

pub(super) async fn list(e: &DockerEngine, all: bool, filter: &LabelFilter) -> EngineResult<Vec<ContainerSummary>> {
    let options = q::ListContainersOptions { all, filters: Some(filters(filter)), ..Default::default() };
    let list = e.docker.list_containers(Some(options)).await.map_err(|x| e.err(x))?;
    Ok(list.into_iter().map(wire::summary).collect())
}

pub(super) async fn inspect(e: &DockerEngine, id: &str) -> EngineResult<ContainerDetails> {
    let c = e.docker.inspect_container(id, None).await.map_err(|x| e.err(x))?;
    Ok(wire::details(c))
}

pub(super) async fn create(e: &DockerEngine, spec: &ContainerSpec) -> EngineResult<String> {
    let at_create = if e.api_version() < MULTI_NETWORK_CREATE { &spec.networks[..spec.networks.len().min(1)] } else { &spec.networks[..] };
    let body = spec::create_body(spec, at_create);
    let options = q::CreateContainerOptions { name: spec.name.clone(), ..Default::default() };
    // Before API 1.44 the engine takes a container's MAC address in `Config.MacAddress` and
    // ignores the endpoint's, as Docker Compose 2.40.3 sends it there; bollard's types (of a
    // later API) lack that field, so the body is sent with it added.
    let mac = at_create.first().and_then(|n| n.mac_address.clone()).filter(|_| e.api_version() < MULTI_NETWORK_CREATE);
    let created = match mac {
        None => e.docker.create_container(Some(options), body).await,
        Some(mac) => {
            let mut json = serde_json::to_value(&body).map_err(|x| EngineError::Protocol { message: x.to_string() })?;
            json["MacAddress"] = serde_json::Value::String(mac);
            let bytes = bytes::Bytes::from(serde_json::to_vec(&json).map_err(|x| EngineError::Protocol { message: x.to_string() })?);
            // (A request modifier replaces the connection's own, which names rcompose.)
            let docker = e.docker.clone().with_request_modifier(move |mut req| {
                req.headers_mut().insert("user-agent", super::USER_AGENT.parse().expect("ascii header"));
                if req.uri().path().ends_with("/containers/create") {
                    *req.body_mut() = bollard::body_full(bytes.clone());
                }
                req
            });
            docker.create_container(Some(options), body).await
        }
    }
    .map_err(|x| e.err(x))?;
    for warning in created.warnings.iter().filter(|w| !w.is_empty()) {
        e.warn(format!("container {}: {warning}", spec.name.as_deref().unwrap_or(&created.id)));
    }
    for endpoint in &spec.networks[at_create.len()..] {
        if let Err(err) = connect(e, &created.id, endpoint).await {
            // Leave no half-wired container behind: the caller sees one failed create.
            let force = RemoveContainerOptions { force: true, volumes: true };
            if let Err(cleanup) = remove(e, &created.id, force).await {
                e.warn(format!("container {}: cannot remove it after its failed creation: {cleanup}", created.id));
            }
            return Err(err);
        }
    }
    Ok(created.id)
}

pub(super) async fn start(e: &DockerEngine, id: &str) -> EngineResult<()> {
    // bollard reports the engine's 304 (already running) as success, which is what we promise.
    e.docker.start_container(id, None).await.map_err(|x| e.err(x))
}

pub(super) async fn stop(e: &DockerEngine, id: &str, timeout: Option<Duration>) -> EngineResult<()> {
    let t = timeout.map(|d| i32::try_from(whole_seconds(d)).unwrap_or(i32::MAX));
    let options = q::StopContainerOptions { t, signal: None };
    e.docker.stop_container(id, Some(options)).await.map_err(|x| e.err(x))
}

pub(super) async fn kill(e: &DockerEngine, id: &str, signal: Option<&str>) -> EngineResult<()> {
    let options = q::KillContainerOptions { signal: signal.unwrap_or("SIGKILL").to_string() };
    e.docker.kill_container(id, Some(options)).await.map_err(|x| e.err(x))
}

pub(super) async fn pause(e: &DockerEngine, id: &str) -> EngineResult<()> {
    e.docker.pause_container(id).await.map_err(|x| e.err(x))
}

pub(super) async fn unpause(e: &DockerEngine, id: &str) -> EngineResult<()> {
    e.docker.unpause_container(id).await.map_err(|x| e.err(x))
}

pub(super) async fn remove(e: &DockerEngine, id: &str, options: RemoveContainerOptions) -> EngineResult<()> {
    let options = q::RemoveContainerOptions { force: options.force, v: options.volumes, link: false };
    e.docker.remove_container(id, Some(options)).await.map_err(|x| e.err(x))
}

pub(super) async fn rename(e: &DockerEngine, id: &str, new_name: &str) -> EngineResult<()> {
    let options = q::RenameContainerOptions { name: new_name.to_string() };
    e.docker.rename_container(id, options).await.map_err(|x| e.err(x))
}

pub(super) async fn wait(e: &DockerEngine, id: &str, condition: WaitCondition) -> EngineResult<WaitResult> {
    let condition = match condition {
        WaitCondition::NotRunning => "not-running",
        WaitCondition::NextExit => "next-exit",
        WaitCondition::Removed => "removed",
    };
    let options = q::WaitContainerOptions { condition: condition.to_string() };
    let mut answers = e.docker.wait_container(id, Some(options));
    match answers.next().await {
        Some(Ok(r)) => Ok(WaitResult { exit_code: r.status_code, error: r.error.and_then(|x| x.message).filter(|m| !m.is_empty()) }),
        // bollard turns a non-zero exit into an error; for us it is an ordinary result.
        Some(Err(Bollard::DockerContainerWaitError { error, code })) => {
            Ok(WaitResult { exit_code: code, error: Some(error).filter(|m| !m.is_empty()) })
        }
        Some(Err(x)) => Err(e.err(x)),
        None => Err(EngineError::Protocol { message: format!("wait for {id}: no answer") }),
    }
}

pub(super) async fn connect(e: &DockerEngine, container: &str, endpoint: &EndpointSpec) -> EngineResult<()> {
    let request = NetworkConnectRequest { container: container.to_string(), endpoint_config: Some(spec::endpoint_settings(endpoint)) };
    e.docker.connect_network(&endpoint.network, request).await.map_err(|x| e.err(x))
}

pub(super) async fn disconnect(e: &DockerEngine, network: &str, container: &str, force: bool) -> EngineResult<()> {
    let request = NetworkDisconnectRequest { container: container.to_string(), force: Some(force) };
    e.docker.disconnect_network(network, request).await.map_err(|x| e.err(x))
}
