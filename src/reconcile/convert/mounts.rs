//! Volumes, binds, tmpfs, file-based secrets and configs, and the volumes a replacement
//! container inherits.
//!
//! As Docker Compose 2.40.3 does, a bind that may create its host path (the short syntax, or the
//! long one without `bind` options) is sent as a `source:target:options` bind string, because the
//! engine's long-syntax mount refuses a missing host path; so is a named volume without `nocopy`
//! or `subpath`; everything else is sent as a long-syntax mount.
//!
//! The engine gives every container fresh anonymous volumes; it is Docker Compose that carries
//! them over when it replaces a container (see [`inherit_volumes`]), so that recreating a
//! database after a config change keeps its data.

use std::collections::{BTreeMap, BTreeSet};

use crate::engine::{BindOptions, ContainerSpec, Mount, MountKind, MountPoint, TmpfsOptions, VolumeMountOptions};
use crate::model::{self, Project, Service};

/// The service's bind strings and long-syntax mounts.
pub(super) fn mounts(project: &Project, service: &Service) -> (Vec<String>, Vec<Mount>) {
    let mut binds = Vec::new();
    let mut mounts = Vec::new();
    for m in &service.volumes {
        let bind = m.bind.clone().unwrap_or_default();
        // Docker Compose 2.40.3's `requireMountAPI`: no `bind` options at all, or ones a bind
        // string can say.
        let plain_bind = m.bind.is_none() || (bind.create_host_path && bind.propagation.is_empty() && !m.other.contains_key("recursive"));
        let volume_opts = m.volume.clone().unwrap_or_default();
        match m.kind.as_str() {
            model::MOUNT_BIND if plain_bind => binds.push(bind_string(m, &bind)),
            model::MOUNT_VOLUME if !m.source.is_empty() && !volume_opts.nocopy && volume_opts.subpath.is_empty() => {
                let name = project.volumes.get(&m.source).map_or_else(|| m.source.clone(), |v| v.name.clone());
                binds.push(format!("{name}:{}:{}", m.target, if m.read_only { "ro" } else { "rw" }));
            }
            model::MOUNT_BIND => mounts.push(Mount {
                bind: Some(BindOptions { propagation: non_empty(&bind.propagation), create_host_path: None }),
                ..mount(MountKind::Bind, Some(m.source.clone()), m)
            }),
            model::MOUNT_VOLUME => {
                let source =
                    (!m.source.is_empty()).then(|| project.volumes.get(&m.source).map_or_else(|| m.source.clone(), |v| v.name.clone()));
                let opts = m.volume.clone().unwrap_or_default();
                mounts.push(Mount {
                    volume: Some(VolumeMountOptions {
                        no_copy: opts.nocopy,
                        labels: opts.labels.clone(),
                        subpath: non_empty(&opts.subpath),
                    }),
                    ..mount(MountKind::Volume, source, m)
                });
            }
            model::MOUNT_TMPFS => {
                let opts = m.tmpfs.clone().unwrap_or_default();
                mounts.push(Mount {
                    tmpfs: Some(TmpfsOptions { size_bytes: (opts.size.0 != 0).then_some(opts.size.0), mode: opts.mode }),
                    ..mount(MountKind::Tmpfs, None, m)
                });
            }
            model::MOUNT_IMAGE => {
                let subpath = m.other.get("image").and_then(|o| o.get("subpath")).and_then(|s| s.as_str()).and_then(non_empty);
                mounts.push(Mount { image_subpath: subpath, ..mount(MountKind::Image, non_empty(&m.source), m) });
            }
            other => {
                if let Some(kind) = MountKind::parse(other) {
                    mounts.push(mount(kind, non_empty(&m.source), m));
                }
            }
        }
    }
    for s in &service.secrets {
        if let Some(file) = project.secrets.get(&s.source).filter(|o| !o.file.is_empty()) {
            mounts.push(read_only_bind(&file.file, secret_target(s)));
        }
    }
    for c in &service.configs {
        if let Some(file) = project.configs.get(&c.source).filter(|o| !o.file.is_empty()) {
            mounts.push(read_only_bind(&file.file, config_target(c)));
        }
    }
    (binds, mounts)
}

/// Where a secret goes in the container: `target` when absolute, else under `/run/secrets`.
pub(super) fn secret_target(s: &model::FileReference) -> String {
    if s.target.starts_with('/') {
        s.target.clone()
    } else {
        format!("/run/secrets/{}", or(&s.target, &s.source))
    }
}

/// Where a config goes in the container: `target` when absolute, else under `/`.
pub(super) fn config_target(c: &model::FileReference) -> String {
    if c.target.starts_with('/') {
        c.target.clone()
    } else {
        format!("/{}", or(&c.target, &c.source))
    }
}

/// Makes `spec`, the replacement of a container that had the mounts `old`, mount what `old`
/// had at the paths where the service asks for an anonymous volume or the image declares a
/// `VOLUME`, as Docker Compose does (tmpfs mounts excepted). At an image's volume path,
/// anything the service mounts itself (a named volume, a bind, a secret) wins. Returns the
/// paths inherited.
pub fn inherit_volumes(spec: &mut ContainerSpec, service: &Service, old: &[MountPoint], image_volumes: &[String]) -> Vec<String> {
    let anonymous: BTreeSet<String> =
        service.volumes.iter().filter(|m| m.kind == model::MOUNT_VOLUME && m.source.is_empty()).map(|m| clean(&m.target)).collect();
    let declared: BTreeSet<String> = image_volumes.iter().map(|v| clean(v)).collect();
    let mut inherited: BTreeMap<String, Mount> = BTreeMap::new();
    for m in old {
        let Some(kind) = m.kind.filter(|k| *k != MountKind::Tmpfs) else { continue };
        let target = clean(&m.destination);
        if !anonymous.contains(&target) && !declared.contains(&target) {
            continue;
        }
        let source = if kind == MountKind::Volume { m.name.clone().unwrap_or_default() } else { m.source.clone() };
        let mount = Mount {
            kind,
            source: Some(source),
            target: target.clone(),
            read_only: !m.rw,
            consistency: None,
            bind: None,
            volume: None,
            tmpfs: None,
            image_subpath: None,
        };
        inherited.insert(target, mount);
    }
    let host = &mut spec.host;
    host.mounts.retain(|m| {
        let target = clean(&m.target);
        let replaced = m.kind == MountKind::Volume && m.source.is_none() && inherited.contains_key(&target);
        if !replaced {
            inherited.remove(&target);
        }
        !replaced
    });
    for bind in &host.binds {
        if let Some(target) = bind.split(':').nth(1) {
            inherited.remove(&clean(target));
        }
    }
    let paths = inherited.keys().cloned().collect();
    host.mounts.extend(inherited.into_values());
    paths
}

/// A container path in its shortest form: `/data/` and `/data/./x/..` are `/data`.
fn clean(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    format!("/{}", parts.join("/"))
}

/// `source:target:rw[,selinux][,propagation]`, as Docker Compose writes it.
fn bind_string(m: &model::Mount, bind: &model::BindOptions) -> String {
    let mut options = vec![if m.read_only { "ro" } else { "rw" }];
    if !bind.selinux.is_empty() {
        options.push(&bind.selinux);
    }
    if !bind.propagation.is_empty() {
        options.push(&bind.propagation);
    }
    format!("{}:{}:{}", m.source, m.target, options.join(","))
}

fn mount(kind: MountKind, source: Option<String>, m: &model::Mount) -> Mount {
    Mount {
        kind,
        source,
        target: m.target.clone(),
        read_only: m.read_only,
        consistency: non_empty(&m.consistency),
        bind: None,
        volume: None,
        tmpfs: None,
        image_subpath: None,
    }
}

fn read_only_bind(source: &str, target: String) -> Mount {
    Mount {
        kind: MountKind::Bind,
        source: Some(source.to_string()),
        target,
        read_only: true,
        consistency: None,
        bind: None,
        volume: None,
        tmpfs: None,
        image_subpath: None,
    }
}

fn or<'a>(a: &'a str, b: &'a str) -> &'a str {
    if a.is_empty() {
        b
    } else {
        a
    }
}

fn non_empty(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_string())
}
