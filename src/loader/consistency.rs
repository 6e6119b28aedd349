//! Cross-references checked once the project is assembled (skipped by `--no-consistency`):
//! every service, network, volume, secret and config a service names must exist, and every
//! service needs an image or a build.

use super::diagnostic::Diagnostic;
use super::yaml::Node;
use crate::model::{Project, Service, MOUNT_VOLUME};

/// `tree` is the canonical document, used only to point at the offending line.
pub fn check(project: &Project, tree: &Node) -> Result<(), Diagnostic> {
    for (name, s) in &project.services {
        let at = |segs: &[&str]| {
            let mut path = vec!["services", name.as_str()];
            path.extend_from_slice(segs);
            (tree.find(&path).report_pos(), super::dotted(&path))
        };
        if s.image.is_empty() && s.build.is_none() && s.provider.is_none() {
            let (pos, path) = at(&[]);
            return Err(Diagnostic::new(pos, path, "has neither an image nor a build context: add `image:` or `build:`"));
        }
        if let Some((key, other)) = distinct_values(s) {
            let (pos, path) = at(&[key]);
            return Err(Diagnostic::new(pos, path, format!("can't set distinct values on '{key}' and '{other}'")));
        }
        for (dep, d) in &s.depends_on {
            if !project.services.contains_key(dep) && d.required {
                let (pos, path) = at(&["depends_on", dep]);
                let why = if project.disabled_services.contains_key(dep) {
                    format!("depends on service {dep:?}, which is disabled by its profiles")
                } else {
                    format!("depends on undefined service {dep:?}")
                };
                return Err(Diagnostic::new(pos, path, why));
            }
        }
        if let Some(other) = s.network_mode.strip_prefix("service:") {
            if !project.services.contains_key(other) {
                let (pos, path) = at(&["network_mode"]);
                return Err(Diagnostic::new(pos, path, format!("uses the network of undefined service {other:?}")));
            }
        }
        for net in s.networks.keys() {
            if !project.networks.contains_key(net) {
                let (pos, path) = at(&["networks", net]);
                return Err(Diagnostic::new(
                    pos,
                    path,
                    format!("refers to undefined network {net:?}: declare it under the top-level `networks:`"),
                ));
            }
        }
        for (i, m) in s.volumes.iter().enumerate() {
            if m.kind == MOUNT_VOLUME && !m.source.is_empty() && !project.volumes.contains_key(&m.source) {
                let idx = i.to_string();
                let (pos, path) = at(&["volumes", &idx]);
                return Err(Diagnostic::new(
                    pos,
                    path,
                    format!("refers to undefined volume {:?}: declare it under the top-level `volumes:`", m.source),
                ));
            }
        }
        for (kind, refs, defined) in [("secret", &s.secrets, &project.secrets), ("config", &s.configs, &project.configs)] {
            for (i, r) in refs.iter().enumerate() {
                if !defined.contains_key(&r.source) {
                    let idx = i.to_string();
                    let (pos, path) = at(&[&format!("{kind}s"), &idx]);
                    return Err(Diagnostic::new(
                        pos,
                        path,
                        format!("refers to undefined {kind} {:?}: declare it under the top-level `{kind}s:`", r.source),
                    ));
                }
            }
        }
        for from in &s.volumes_from {
            let target = from.split(':').next().unwrap_or(from);
            if !from.starts_with("container:") && !project.services.contains_key(target) {
                let (pos, path) = at(&["volumes_from"]);
                return Err(Diagnostic::new(pos, path, format!("refers to undefined service {target:?}")));
            }
        }
    }
    Ok(())
}

/// The first key whose value differs from the `deploy` key that says the same thing, as
/// compose-go's consistency check finds it (`scale`, `cpus`, `mem_limit`, `mem_reservation`,
/// `pids_limit`, in that order). As there, a key set beside a `limits` (or `reservations`)
/// block that leaves its counterpart out differs from it: the counterpart is zero.
fn distinct_values(s: &Service) -> Option<(&'static str, &'static str)> {
    let deploy = s.deploy.as_ref()?;
    let (limits, reservations) = (deploy.resources.limits.as_ref(), deploy.resources.reservations.as_ref());
    let differs = |set: bool, other: Option<bool>| set && other == Some(true);
    let checks = [
        (differs(s.scale.is_some(), deploy.replicas.map(|r| Some(r) != s.scale)), "scale", "deploy.replicas"),
        (differs(s.cpus != 0.0, limits.map(|l| l.cpus != s.cpus)), "cpus", "deploy.resources.limits.cpus"),
        (differs(s.mem_limit.0 != 0, limits.map(|l| l.memory != s.mem_limit)), "mem_limit", "deploy.resources.limits.memory"),
        (
            differs(s.mem_reservation.0 != 0, reservations.map(|r| r.memory != s.mem_reservation)),
            "mem_reservation",
            "deploy.resources.reservations.memory",
        ),
        (differs(s.pids_limit != 0, limits.map(|l| l.pids != s.pids_limit)), "pids_limit", "deploy.resources.limits.pids"),
    ];
    checks.into_iter().find(|(d, _, _)| *d).map(|(_, key, other)| (key, other))
}
