//! Images: inspect, list, remove, tag, build and pull.

use bollard::models::{self as wire, BuildInfo};
use bollard::query_parameters as q;
use futures_util::{stream, StreamExt, TryStreamExt};

use super::wire::sorted;
use super::{filters, spec::map, DockerEngine};
use crate::engine::{
    BuildOptions, ByteStream, CommitOptions, EngineResult, EngineStream, ImageFilter, ImageInfo, ImageMessage, ImageRemoved, ImageSummary,
};

pub(super) async fn inspect(e: &DockerEngine, name: &str) -> EngineResult<ImageInfo> {
    let i = e.docker.inspect_image(name).await.map_err(|x| e.err(x))?;
    Ok(image(i))
}

pub(super) async fn list(e: &DockerEngine, f: &ImageFilter) -> EngineResult<Vec<ImageSummary>> {
    let mut map = filters(&f.labels);
    if !f.references.is_empty() {
        map.insert("reference".into(), f.references.clone());
    }
    if let Some(dangling) = f.dangling {
        map.insert("dangling".into(), vec![dangling.to_string()]);
    }
    let options = q::ListImagesOptions { filters: Some(map), ..Default::default() };
    let list = e.docker.list_images(Some(options)).await.map_err(|x| e.err(x))?;
    Ok(list.into_iter().map(image_summary).collect())
}

pub(super) async fn remove(e: &DockerEngine, name: &str, force: bool) -> EngineResult<Vec<ImageRemoved>> {
    let options = q::RemoveImageOptions { force, ..Default::default() };
    let items = e.docker.remove_image(name, Some(options), None).await.map_err(|x| e.err(x))?;
    Ok(items
        .into_iter()
        .flat_map(|i| {
            let untagged = i.untagged.map(ImageRemoved::Untagged);
            untagged.into_iter().chain(i.deleted.map(ImageRemoved::Deleted))
        })
        .collect())
}

pub(super) async fn tag(e: &DockerEngine, source: &str, target: &str) -> EngineResult<()> {
    let (repo, tag) = split_reference(target);
    let options = q::TagImageOptions { repo: Some(repo.into()), tag: Some(tag.into()) };
    e.docker.tag_image(source, Some(options)).await.map_err(|x| e.err(x))
}

/// `POST /commit`: an image of the container; the changes go as one Dockerfile text, which
/// the engine reads line by line as it reads its repeated `changes` parameters.
pub(super) async fn commit(e: &DockerEngine, id: &str, o: &CommitOptions) -> EngineResult<String> {
    let (repo, tag) = match o.reference.as_deref() {
        Some(r) => {
            let (repo, tag) = split_reference(r);
            (Some(repo.to_string()), Some(tag.to_string()))
        }
        None => (None, None),
    };
    let options = q::CommitContainerOptions {
        container: Some(id.to_string()),
        repo,
        tag,
        comment: o.comment.clone(),
        author: o.author.clone(),
        pause: o.pause,
        changes: (!o.changes.is_empty()).then(|| o.changes.join("\n")),
    };
    let answer = e.docker.commit_container(options, bollard::models::ContainerConfig::default()).await.map_err(|x| e.err(x))?;
    Ok(answer.id)
}

/// `registry:5000/a/b:tag` into (`registry:5000/a/b`, `tag`); the tag defaults to `latest`.
pub(super) fn split_reference(reference: &str) -> (&str, &str) {
    match reference.rsplit_once(':') {
        Some((repo, tag)) if !tag.contains('/') => (repo, tag),
        _ => (reference, "latest"),
    }
}

pub(super) fn build<'a>(e: &'a DockerEngine, context: ByteStream, o: &'a BuildOptions) -> EngineStream<'a, ImageMessage> {
    let options = q::BuildImageOptions {
        dockerfile: o.dockerfile.clone(),
        t: o.tag.clone(),
        extrahosts: o.extra_hosts.first().cloned(),
        nocache: o.no_cache,
        pull: o.pull.then(|| "true".to_string()),
        rm: true,
        forcerm: true,
        buildargs: (!o.build_args.is_empty()).then(|| map(&o.build_args)),
        labels: (!o.labels.is_empty()).then(|| map(&o.labels)),
        networkmode: o.network_mode.clone(),
        shmsize: o.shm_size.map(|s| i32::try_from(s).unwrap_or(i32::MAX)),
        target: o.target.clone().unwrap_or_default(),
        platform: o.platform.clone().unwrap_or_default(),
        cachefrom: (!o.cache_from.is_empty()).then(|| o.cache_from.clone()),
        memory: o.memory.and_then(|m| i32::try_from(m).ok()),
        ..Default::default()
    };
    let body = Some(bollard::body_try_stream(context));
    // What bollard's options cannot say: a second `extrahosts`, a memory limit above 2 GiB.
    let mut more: String = o.extra_hosts.iter().skip(1).map(|h| format!("&extrahosts={}", query_escape(h))).collect();
    if let Some(m) = o.memory.filter(|m| i32::try_from(*m).is_err()) {
        more.push_str(&format!("&memory={m}"));
    }
    if more.is_empty() {
        return e
            .docker
            .build_image(options, super::registry::credentials_map(&o.registry_auths), body)
            .map_err(|x| super::error::registry(e.err(x)))
            .map_ok(|info| stream::iter(build_progress(info).into_iter().map(Ok)))
            .try_flatten()
            .boxed();
    }
    // The engine takes one `extrahosts` parameter per host and bollard sends one, and bollard
    // types `memory` as 32 bits: the rest is appended to the query by a request modifier of a
    // connection for this build alone, which a task owns (bollard's stream borrows its
    // connection) and aborts when dropped.
    let docker = e.docker.clone().with_request_modifier(move |mut req| {
        req.headers_mut().insert("user-agent", super::USER_AGENT.parse().expect("ascii header"));
        if req.uri().path().ends_with("/build") {
            if let Ok(uri) = format!("{}{more}", req.uri()).parse() {
                *req.uri_mut() = uri;
            }
        }
        req
    });
    let host = e.host.clone();
    let credentials = super::registry::credentials_map(&o.registry_auths);
    let (tx, rx) = tokio::sync::mpsc::channel(64);
    let task = tokio::spawn(async move {
        let mut items = docker.build_image(options, credentials, body);
        while let Some(item) = items.next().await {
            let batch = match item {
                Ok(info) => build_progress(info).into_iter().map(Ok).collect(),
                Err(x) => vec![Err(super::error::registry(super::error::convert(&host, x)))],
            };
            for b in batch {
                if tx.send(b).await.is_err() {
                    return;
                }
            }
        }
    });
    Forwarded { rx, task }.boxed()
}

/// Items a task produces, received in order; dropping the stream aborts the task.
struct Forwarded {
    rx: tokio::sync::mpsc::Receiver<EngineResult<ImageMessage>>,
    task: tokio::task::JoinHandle<()>,
}

impl futures_util::Stream for Forwarded {
    type Item = EngineResult<ImageMessage>;

    fn poll_next(mut self: std::pin::Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> std::task::Poll<Option<Self::Item>> {
        self.rx.poll_recv(cx)
    }
}

impl Drop for Forwarded {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Percent-encodes a query value (`host:ip` entries; IPv6 addresses keep their colons).
fn query_escape(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b':' => (b as char).to_string(),
            b => format!("%{b:02X}"),
        })
        .collect()
}

/// One build message can carry output, a status and the final image id at once.
fn build_progress(info: BuildInfo) -> Vec<ImageMessage> {
    let mut out = Vec::new();
    if let Some(text) = info.stream.filter(|s| !s.is_empty()) {
        out.push(ImageMessage::Output(text));
    }
    if let Some(status) = info.status {
        let detail = info.progress_detail.unwrap_or_default();
        out.push(ImageMessage::Status { id: info.id, status, current: detail.current, total: detail.total });
    }
    if let Some(id) = info.aux.and_then(|a| a.id) {
        out.push(ImageMessage::ImageId(id));
    }
    out
}

pub(super) fn image(i: wire::ImageInspect) -> ImageInfo {
    let mut volumes: Vec<String> = i.config.as_ref().and_then(|c| c.volumes.clone()).unwrap_or_default().into_iter().collect();
    volumes.sort();
    ImageInfo {
        id: i.id.unwrap_or_default(),
        repo_tags: i.repo_tags.unwrap_or_default(),
        repo_digests: i.repo_digests.unwrap_or_default(),
        volumes,
        labels: sorted(i.config.and_then(|c| c.labels)),
        created: i.created,
        size: i.size.unwrap_or_default(),
        os: i.os.unwrap_or_default(),
        architecture: i.architecture.unwrap_or_default(),
        variant: i.variant.unwrap_or_default(),
        last_tag_time: i.metadata.and_then(|m| m.last_tag_time).filter(|t| !t.is_empty() && !t.starts_with("0001-")),
    }
}

pub(super) fn image_summary(i: wire::ImageSummary) -> ImageSummary {
    ImageSummary {
        id: i.id,
        repo_tags: i.repo_tags.into_iter().filter(|t| t != "<none>:<none>").collect(),
        repo_digests: i.repo_digests.into_iter().filter(|d| d != "<none>@<none>").collect(),
        labels: i.labels.into_iter().collect(),
        created: i.created,
        size: i.size,
    }
}

#[cfg(test)]
mod tests {
    use super::split_reference;

    #[test]
    fn references_split_at_the_tag_colon_only() {
        assert_eq!(split_reference("busybox"), ("busybox", "latest"));
        assert_eq!(split_reference("busybox:1.36"), ("busybox", "1.36"));
        assert_eq!(split_reference("reg:5000/a/b"), ("reg:5000/a/b", "latest"));
        assert_eq!(split_reference("reg:5000/a/b:v1"), ("reg:5000/a/b", "v1"));
    }
}
