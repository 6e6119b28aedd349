//! The docker CLI's context store, read the way it writes it (`docker context create`): under
//! the configuration directory, `contexts/meta/<sha256 of the name, hex>/meta.json` holds the
//! context's endpoints (`Endpoints.docker.Host`, `SkipTLSVerify`), and
//! `contexts/tls/<same digest>/docker/` its TLS files (`ca.pem`, `cert.pem`, `key.pem`).
//! `config.json`'s `currentContext` names the context `docker context use` chose.

use std::path::Path;

use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::{EndpointError, Tls};

/// A context's docker endpoint as stored.
#[derive(Debug)]
pub(super) struct Found {
    pub host: String,
    pub tls: Option<Tls>,
}

#[derive(Deserialize)]
struct Config {
    #[serde(rename = "currentContext", default)]
    current_context: Option<String>,
}

#[derive(Deserialize)]
struct Meta {
    #[serde(rename = "Endpoints", default)]
    endpoints: std::collections::HashMap<String, EndpointMeta>,
}

#[derive(Deserialize)]
struct EndpointMeta {
    #[serde(rename = "Host", default)]
    host: Option<String>,
    #[serde(rename = "SkipTLSVerify", default)]
    skip_tls_verify: bool,
}

/// `currentContext` of `dir/config.json`; `None` when the file or the key is absent.
pub(super) fn current_context(dir: &Path) -> Result<Option<String>, EndpointError> {
    let path = dir.join("config.json");
    let text = match std::fs::read(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(EndpointError::BadConfig { path, reason: e.to_string() }),
    };
    // A file that does not parse names no context: the docker CLI warns and goes on with the
    // default one (a stray edit must not cut the user off the engine).
    let config: Config = match serde_json::from_slice(&text) {
        Ok(config) => config,
        Err(e) => {
            if let Some(warning) = crate::registry::broken_config_warning(&path, &e) {
                super::keep_warning(warning);
            }
            return Ok(None);
        }
    };
    Ok(config.current_context.filter(|c| !c.is_empty()))
}

/// The directory name the store gives context `name`.
fn digest(name: &str) -> String {
    hex::encode(Sha256::digest(name.as_bytes()))
}

/// Context `name`'s docker endpoint, with its TLS files when it has any (or skips
/// verification); sockets and ssh never use TLS.
pub(super) fn load(dir: &Path, name: &str) -> Result<Found, EndpointError> {
    let id = digest(name);
    let meta = dir.join("contexts").join("meta").join(&id).join("meta.json");
    let text = match std::fs::read(&meta) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(EndpointError::UnknownContext { name: name.to_string(), meta }),
        Err(e) => return Err(EndpointError::BadContext { name: name.to_string(), path: meta, reason: e.to_string() }),
    };
    let parsed: Meta = serde_json::from_slice(&text).map_err(|e| EndpointError::BadContext {
        name: name.to_string(),
        path: meta,
        reason: e.to_string(),
    })?;
    let Some(endpoint) = parsed.endpoints.get("docker") else { return Err(EndpointError::NoDockerEndpoint { name: name.to_string() }) };
    let host = endpoint.host.clone().filter(|h| !h.is_empty()).unwrap_or_else(|| super::DEFAULT_HOST.to_string());
    if !host.starts_with("tcp://") && !host.starts_with("https://") {
        return Ok(Found { host, tls: None });
    }
    let files = dir.join("contexts").join("tls").join(&id).join("docker");
    let file = |n: &str| Some(files.join(n)).filter(|p| p.is_file());
    let (ca, cert, key) = (file("ca.pem"), file("cert.pem"), file("key.pem"));
    let has_data = ca.is_some() || cert.is_some() || key.is_some();
    let tls = (has_data || endpoint.skip_tls_verify).then(|| Tls { ca, cert: cert.zip(key), verify: !endpoint.skip_tls_verify });
    Ok(Found { host, tls })
}

/// Where context `name` would be stored under `dir` (for tests that write one).
#[cfg(test)]
pub(super) fn paths(dir: &Path, name: &str) -> (std::path::PathBuf, std::path::PathBuf) {
    let id = digest(name);
    (dir.join("contexts/meta").join(&id), dir.join("contexts/tls").join(&id).join("docker"))
}
