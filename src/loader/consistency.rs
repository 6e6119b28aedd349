//! Cross-references checked once the project is assembled (skipped by `--no-consistency`):
//! every service, network, volume, secret and config a service names must exist, and every
//! service needs an image or a build.

use super::diagnostic::Diagnostic;
use super::yaml::Node;
use crate::model::{Project, MOUNT_VOLUME};

/// `tree` is the canonical document, used only to point at the offending line.
pub fn check(project: &Project, tree: &Node) -> Result<(), Diagnostic> {
    for (name, s) in &project.services {
        let at = |segs: &[&str]| {
            let mut path = vec!["services", name.as_str()];
            path.extend_from_slice(segs);
            (tree.find(&path).report_pos(), super::dotted(&path))
        };
        if s.image.is_empty() && s.build.is_none() {
            let (pos, path) = at(&[]);
            return Err(Diagnostic::new(pos, path, "has neither an image nor a build context: add `image:` or `build:`"));
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
                return Err(Diagnostic::new(pos, path, format!("refers to undefined network {net:?}: declare it under the top-level `networks:`")));
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
                    return Err(Diagnostic::new(pos, path, format!("refers to undefined {kind} {:?}: declare it under the top-level `{kind}s:`", r.source)));
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
