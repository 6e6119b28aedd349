//! Volumes, binds, tmpfs, and file-based secrets and configs.
//!
//! As Docker Compose does, a bind that may create its host path (the short syntax) is sent as
//! a `source:target:options` bind string, because the engine's long-syntax mount refuses a
//! missing host path; everything else is sent as a long-syntax mount.

use crate::engine::{BindOptions, Mount, MountKind, TmpfsOptions, VolumeMountOptions};
use crate::model::{self, Project, Service};

/// The service's bind strings and long-syntax mounts.
pub(super) fn mounts(project: &Project, service: &Service) -> (Vec<String>, Vec<Mount>) {
    let mut binds = Vec::new();
    let mut mounts = Vec::new();
    for m in &service.volumes {
        let bind = m.bind.clone().unwrap_or_default();
        match m.kind.as_str() {
            model::MOUNT_BIND if bind.create_host_path => binds.push(bind_string(m, &bind)),
            model::MOUNT_BIND => mounts.push(Mount {
                bind: Some(BindOptions { propagation: non_empty(&bind.propagation), create_host_path: None }),
                ..mount(MountKind::Bind, Some(m.source.clone()), m)
            }),
            model::MOUNT_VOLUME => {
                let source = (!m.source.is_empty()).then(|| project.volumes.get(&m.source).map_or_else(|| m.source.clone(), |v| v.name.clone()));
                let opts = m.volume.clone().unwrap_or_default();
                mounts.push(Mount {
                    volume: Some(VolumeMountOptions { no_copy: opts.nocopy, labels: Default::default(), subpath: non_empty(&opts.subpath) }),
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
            other => {
                if let Some(kind) = MountKind::parse(other) {
                    mounts.push(mount(kind, non_empty(&m.source), m));
                }
            }
        }
    }
    for s in &service.secrets {
        if let Some(file) = project.secrets.get(&s.source).filter(|o| !o.file.is_empty()) {
            let target = if s.target.starts_with('/') { s.target.clone() } else { format!("/run/secrets/{}", or(&s.target, &s.source)) };
            mounts.push(read_only_bind(&file.file, target));
        }
    }
    for c in &service.configs {
        if let Some(file) = project.configs.get(&c.source).filter(|o| !o.file.is_empty()) {
            let target = if c.target.is_empty() { format!("/{}", c.source) } else { c.target.clone() };
            mounts.push(read_only_bind(&file.file, target));
        }
    }
    (binds, mounts)
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
