//! Why a container must be replaced, in words.
//!
//! The decision itself is Docker Compose's: the `config-hash` label differs from the service's
//! hash, or the `image` label from the image's current id. This module only explains it, by
//! comparing the spec the service asks for with the inspected container, field by field; when
//! no field explains the change it says "config hash changed". The engine merges image defaults
//! into what it reports (environment, command), so only what the spec sets is compared.

use std::collections::BTreeMap;

use crate::engine::{ContainerDetails, ContainerSpec, MountKind, RestartPolicy};
use crate::reconcile::labels;
use crate::reconcile::observe::ObservedContainer;

/// The reason to recreate `c`, or `None` when it matches the service.
pub(super) fn why_recreate(c: &ObservedContainer, want: &ContainerSpec, hash: &str, image_id: Option<&str>) -> Option<String> {
    let hash_changed = c.label(labels::CONFIG_HASH) != Some(hash);
    let image_changed = matches!((c.label(labels::IMAGE), image_id), (Some(old), Some(new)) if old != new);
    if !hash_changed && !image_changed {
        return None;
    }
    if !hash_changed {
        return Some(format!("image {} changed", want.config.image));
    }
    let fields = c.details.as_ref().map(|d| changed_fields(d, want)).unwrap_or_default();
    Some(if fields.is_empty() { "config hash changed".to_string() } else { format!("{} changed", fields.join(", ")) })
}

/// The compose keys whose wanted value differs from the container's.
pub(super) fn changed_fields(d: &ContainerDetails, want: &ContainerSpec) -> Vec<String> {
    let (w, h) = (&want.config, &want.host);
    let mut out = Vec::new();
    let mut check = |key: &str, differs: bool| {
        if differs {
            out.push(key.to_string());
        }
    };
    check("image", w.image != d.config.image);
    let (want_env, have_env) = (env_map(&w.env), env_map(&d.config.env));
    for (k, v) in &want_env {
        check(&format!("environment.{k}"), have_env.get(k) != Some(v));
    }
    check("command", w.cmd.is_some() && w.cmd != d.config.cmd);
    check("entrypoint", w.entrypoint.is_some() && w.entrypoint != d.config.entrypoint);
    check("working_dir", w.working_dir.is_some() && w.working_dir != d.config.working_dir);
    check("user", w.user.is_some() && w.user != d.config.user);
    for (k, v) in w.labels.iter().filter(|(k, _)| !k.starts_with("com.docker.compose.")) {
        check(&format!("labels.{k}"), d.config.labels.get(k) != Some(v));
    }
    check("ports", h.port_bindings.keys().ne(d.host.port_bindings.keys()));
    check("volumes", mounts_differ(d, want));
    let want_nets: Vec<&str> = want.networks.iter().map(|e| e.network.as_str()).collect();
    if !want_nets.is_empty() {
        check("networks", d.networks.keys().map(String::as_str).ne(sorted(want_nets)));
    }
    let policy = |p: Option<RestartPolicy>| p.unwrap_or(RestartPolicy::No);
    check("restart", policy(h.restart_policy) != policy(d.host.restart_policy));
    check("healthcheck", w.healthcheck.is_some() && w.healthcheck != d.config.healthcheck);
    check("tty", w.tty != d.config.tty);
    check("stdin_open", w.open_stdin != d.config.open_stdin);
    check("privileged", h.privileged != d.host.privileged);
    check("cap_add", h.cap_add != d.host.cap_add);
    check("extra_hosts", h.extra_hosts != d.host.extra_hosts);
    out
}

/// Whether the volumes and binds differ: by target, and for named volumes by volume name.
fn mounts_differ(d: &ContainerDetails, want: &ContainerSpec) -> bool {
    let persistent = |k: MountKind| matches!(k, MountKind::Bind | MountKind::Volume);
    let mut wanted: BTreeMap<&str, Option<&str>> = want
        .host
        .mounts
        .iter()
        .filter(|m| persistent(m.kind))
        .map(|m| (m.target.as_str(), if m.kind == MountKind::Volume { m.source.as_deref() } else { None }))
        .collect();
    wanted.extend(want.host.binds.iter().filter_map(|b| b.split(':').nth(1)).map(|t| (t, None)));
    let have: BTreeMap<&str, Option<&str>> = d
        .mounts
        .iter()
        .filter(|m| m.kind.is_none_or(persistent))
        .map(|m| {
            let volume = if m.kind == Some(MountKind::Volume) { m.name.as_deref() } else { None };
            (m.destination.as_str(), volume)
        })
        .collect();
    // Image volumes show up in `have` too: only what is wanted is checked.
    wanted.iter().any(|(t, v)| match have.get(t) {
        None => true,
        Some(h) => v.is_some() && h != v,
    })
}

fn env_map(env: &[String]) -> BTreeMap<&str, &str> {
    env.iter().map(|e| e.split_once('=').unwrap_or((e, ""))).collect()
}

fn sorted(mut v: Vec<&str>) -> impl Iterator<Item = &str> {
    v.sort();
    v.into_iter()
}
