//! Swarm calls: services, tasks, nodes, secrets and configs.
//!
//! Our Swarm types (`engine::swarm`) carry the API's JSON field names, and so do bollard's
//! models: each request and answer crosses by a JSON value (`to_wire`, `from_wire`), which
//! keeps every field we model and needs no field-by-field copy to drift out of date.

use base64::Engine as _;
use bollard::models as wire;
use bollard::query_parameters as q;
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::{filters, DockerEngine};
use crate::engine::swarm::{FileKind, FileObjectInfo, FileObjectSpec, Node, Service, ServiceSpec, SwarmInfo, Task, Version};
use crate::engine::{EngineError, EngineResult, LabelFilter};

fn convert<A: Serialize, B: DeserializeOwned>(value: &A, what: &str) -> EngineResult<B> {
    let json = serde_json::to_value(value).map_err(|e| EngineError::Protocol { message: format!("{what}: {e}") })?;
    serde_json::from_value(json).map_err(|e| EngineError::Protocol { message: format!("{what}: {e}") })
}

/// A service spec in bollard's model. bollard names the container's healthcheck
/// `HealthCheck` where the API writes `Healthcheck` (the engine reads either: Go's JSON
/// decoder ignores case), so the key is renamed on the way.
fn spec_request(spec: &ServiceSpec) -> EngineResult<wire::ServiceSpec> {
    let mut json = serde_json::to_value(spec).map_err(|e| EngineError::Protocol { message: format!("a service spec: {e}") })?;
    if let Some(c) = json.pointer_mut("/TaskTemplate/ContainerSpec").and_then(|c| c.as_object_mut()) {
        if let Some(h) = c.remove("Healthcheck") {
            c.insert("HealthCheck".into(), h);
        }
    }
    serde_json::from_value(json).map_err(|e| EngineError::Protocol { message: format!("a service spec: {e}") })
}

/// `GET path` answered as JSON, read by hand: bollard's models drop a service's `Healthcheck`
/// (they expect `HealthCheck`), and a spec compared without it would hide a change. The
/// connection is opened as every other one (unix socket, TCP, TLS or ssh).
async fn raw_get<T: DeserializeOwned>(e: &DockerEngine, path: &str) -> EngineResult<T> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let io = |err: std::io::Error| EngineError::Unavailable { host: e.host.clone(), reason: err.to_string() };
    let exchange = async {
        let mut stream = e.dialer.dial().await.map_err(io)?;
        // HTTP/1.0: the engine then sends the body whole (no chunks) and closes.
        let request = format!("GET {path} HTTP/1.0\r\nHost: docker\r\nUser-Agent: {}\r\n\r\n", super::USER_AGENT);
        stream.write_all(request.as_bytes()).await.map_err(io)?;
        let (head, rest) = super::logstream::read_head(&mut stream).await?;
        let mut body = rest.to_vec();
        stream.read_to_end(&mut body).await.map_err(io)?;
        Ok::<_, EngineError>((head, body))
    };
    let seconds = super::liveness::answer_timeout();
    let (head, body) = tokio::time::timeout(seconds, exchange).await.map_err(|_| EngineError::NoAnswer {
        host: e.host.clone(),
        what: format!("GET {path}"),
        seconds: seconds.as_secs(),
    })??;
    let status = super::logstream::status_of(&head)?;
    if !(200..300).contains(&status) {
        return Err(EngineError::from_status(status, super::logstream::engine_message(&body)));
    }
    serde_json::from_slice(&body).map_err(|err| EngineError::Protocol { message: format!("GET {path}: {err}") })
}

/// The engine's `filters` query parameter.
fn filters_query(filters: &std::collections::HashMap<String, Vec<String>>) -> String {
    super::hijack::escape(&serde_json::to_string(filters).unwrap_or_default())
}

pub(super) async fn info(e: &DockerEngine) -> EngineResult<SwarmInfo> {
    let info = e.docker.info().await.map_err(|x| e.err(x))?;
    let swarm = info.swarm.unwrap_or_default();
    let state = swarm.local_node_state.map(|s| s.to_string()).unwrap_or_default();
    Ok(SwarmInfo { node_id: swarm.node_id.unwrap_or_default(), state, manager: swarm.control_available.unwrap_or(false) })
}

pub(super) async fn list_services(e: &DockerEngine, filter: &LabelFilter) -> EngineResult<Vec<Service>> {
    raw_get(e, &format!("/services?filters={}", filters_query(&filters(filter)))).await
}

pub(super) async fn create_service(e: &DockerEngine, spec: &ServiceSpec) -> EngineResult<String> {
    let body = spec_request(spec)?;
    let created = e.docker.create_service(body, None).await.map_err(|x| e.err(x))?;
    for warning in created.warnings.unwrap_or_default() {
        e.warn(format!("service {}: {warning}", spec.name));
    }
    created.id.ok_or_else(|| EngineError::Protocol { message: format!("no id for the new service {}", spec.name) })
}

pub(super) async fn update_service(e: &DockerEngine, id: &str, version: Version, spec: &ServiceSpec) -> EngineResult<()> {
    let body = spec_request(spec)?;
    let version =
        i32::try_from(version.index).map_err(|_| EngineError::Protocol { message: format!("service version {}", version.index) })?;
    let options = q::UpdateServiceOptions { version, ..Default::default() };
    let updated = e.docker.update_service(id, body, options, None).await.map_err(|x| e.err(x))?;
    for warning in updated.warnings.unwrap_or_default() {
        e.warn(format!("service {}: {warning}", spec.name));
    }
    Ok(())
}

pub(super) async fn remove_service(e: &DockerEngine, id: &str) -> EngineResult<()> {
    e.docker.delete_service(id).await.map_err(|x| e.err(x))
}

pub(super) async fn list_tasks(e: &DockerEngine, services: &[String]) -> EngineResult<Vec<Task>> {
    let mut f = std::collections::HashMap::new();
    if !services.is_empty() {
        f.insert("service".to_string(), services.to_vec());
    }
    raw_get(e, &format!("/tasks?filters={}", filters_query(&f))).await
}

pub(super) async fn list_nodes(e: &DockerEngine) -> EngineResult<Vec<Node>> {
    let list = e.docker.list_nodes(None::<q::ListNodesOptions>).await.map_err(|x| e.err(x))?;
    list.iter().map(|n| convert(n, "a node")).collect()
}

fn file_info(
    id: Option<String>,
    version: Option<wire::ObjectVersion>,
    name: Option<String>,
    labels: Option<std::collections::HashMap<String, String>>,
    data: Option<String>,
) -> FileObjectInfo {
    FileObjectInfo {
        id: id.unwrap_or_default(),
        version: version.and_then(|v| v.index).unwrap_or_default(),
        name: name.unwrap_or_default(),
        labels: labels.unwrap_or_default().into_iter().collect(),
        data: data.and_then(|d| base64::engine::general_purpose::STANDARD.decode(d).ok()),
    }
}

pub(super) async fn list_files(e: &DockerEngine, kind: FileKind, filter: &LabelFilter) -> EngineResult<Vec<FileObjectInfo>> {
    let f = Some(filters(filter));
    Ok(match kind {
        FileKind::Secret => {
            let list = e.docker.list_secrets(Some(q::ListSecretsOptions { filters: f })).await.map_err(|x| e.err(x))?;
            list.into_iter()
                .map(|s| {
                    let spec = s.spec.unwrap_or_default();
                    file_info(s.id, s.version, spec.name, spec.labels, None)
                })
                .collect()
        }
        FileKind::Config => {
            let list = e.docker.list_configs(Some(q::ListConfigsOptions { filters: f })).await.map_err(|x| e.err(x))?;
            list.into_iter()
                .map(|c| {
                    let spec = c.spec.unwrap_or_default();
                    file_info(c.id, c.version, spec.name, spec.labels, spec.data)
                })
                .collect()
        }
    })
}

pub(super) async fn create_file(e: &DockerEngine, kind: FileKind, spec: &FileObjectSpec) -> EngineResult<String> {
    let labels = Some(spec.labels.clone().into_iter().collect());
    let data = Some(base64::engine::general_purpose::STANDARD.encode(&spec.data));
    let templating = spec.template_driver.clone().map(|name| wire::Driver { name, ..Default::default() });
    let created = match kind {
        FileKind::Secret => {
            let driver =
                spec.driver.as_ref().map(|d| wire::Driver { name: d.name.clone(), options: Some(d.options.clone().into_iter().collect()) });
            let body = wire::SecretSpec { name: Some(spec.name.clone()), labels, data, driver, templating };
            e.docker.create_secret(body).await
        }
        FileKind::Config => {
            let body = wire::ConfigSpec { name: Some(spec.name.clone()), labels, data, templating };
            e.docker.create_config(body).await
        }
    }
    .map_err(|x| e.err(x))?;
    Ok(created.id)
}

pub(super) async fn remove_file(e: &DockerEngine, kind: FileKind, id: &str) -> EngineResult<()> {
    match kind {
        FileKind::Secret => e.docker.delete_secret(id).await,
        FileKind::Config => e.docker.delete_config(id).await,
    }
    .map_err(|x| e.err(x))
}
