//! Pull and push, and the credentials the engine is given for them: `X-Registry-Auth` on a
//! pull or push, `X-Registry-Config` (every known registry) on a build.

use std::collections::{BTreeMap, HashMap};

use bollard::auth::DockerCredentials;
use bollard::query_parameters as q;
use futures_util::{StreamExt, TryStreamExt};

use super::error::registry as denied;
use super::images::split_reference;
use super::DockerEngine;
use crate::engine::{EngineError, EngineResult, EngineStream, ImageMessage, RegistryAuth};

/// Our credentials in bollard's form (which bollard encodes as the docker CLI does).
fn credentials(a: &RegistryAuth) -> DockerCredentials {
    DockerCredentials {
        username: a.username.clone(),
        password: a.password.clone(),
        serveraddress: Some(a.server_address.clone()),
        identitytoken: a.identity_token.clone(),
        ..Default::default()
    }
}

/// A build's `X-Registry-Config`; none when no registry is known.
pub(super) fn credentials_map(auths: &BTreeMap<String, RegistryAuth>) -> Option<HashMap<String, DockerCredentials>> {
    (!auths.is_empty()).then(|| auths.iter().map(|(k, a)| (k.clone(), credentials(a))).collect())
}

pub(super) fn pull<'a>(
    e: &'a DockerEngine,
    reference: &'a str,
    platform: Option<&'a str>,
    auth: Option<&'a RegistryAuth>,
) -> EngineStream<'a, ImageMessage> {
    let options = q::CreateImageOptions {
        from_image: Some(reference.to_string()),
        platform: platform.unwrap_or_default().to_string(),
        ..Default::default()
    };
    e.docker
        .create_image(Some(options), None, auth.map(credentials))
        .map_err(|x| denied(e.err(x)))
        .map_ok(|info| {
            let detail = info.progress_detail.unwrap_or_default();
            ImageMessage::Status { id: info.id, status: info.status.unwrap_or_default(), current: detail.current, total: detail.total }
        })
        .boxed()
}

pub(super) fn push<'a>(e: &'a DockerEngine, reference: &'a str, auth: Option<&'a RegistryAuth>) -> EngineStream<'a, ImageMessage> {
    let (repo, tag) = split_reference(reference);
    let options = q::PushImageOptions { tag: Some(tag.to_string()), ..Default::default() };
    e.docker
        .push_image(repo, Some(options), auth.map(credentials))
        .map_err(|x| denied(e.err(x)))
        .map_ok(|info| {
            let detail = info.progress_detail.unwrap_or_default();
            ImageMessage::Status { id: None, status: info.status.unwrap_or_default(), current: detail.current, total: detail.total }
        })
        .boxed()
}

pub(super) async fn digest(e: &DockerEngine, reference: &str, auth: Option<&RegistryAuth>) -> EngineResult<String> {
    let inspect = e.docker.inspect_registry_image(reference, auth.map(credentials)).await.map_err(|x| denied(e.err(x)))?;
    match inspect.descriptor.digest {
        Some(d) if !d.is_empty() => Ok(d),
        _ => Err(EngineError::Protocol { message: format!("the registry gave no digest for {reference}") }),
    }
}
