//! Which services are part of this run (profiles, services named on the command line), and the
//! top-level resources they actually use.

use std::collections::BTreeSet;

use crate::model::{Project, MOUNT_VOLUME};

/// Moves services whose profiles are all inactive to `disabled_services`. A service named on
/// the command line counts as active, and so do the services it depends on.
pub fn apply(project: &mut Project, profiles: &[String], selected: &[String]) {
    let all = profiles.iter().any(|p| p == "*");
    let mut active: BTreeSet<String> = profiles.iter().cloned().collect();
    for name in selected {
        if let Some(s) = project.services.get(name) {
            active.extend(s.profiles.iter().cloned());
        }
    }
    let enabled = |profs: &[String]| all || profs.is_empty() || profs.iter().any(|p| active.contains(p));
    let names: Vec<String> = project.services.keys().cloned().collect();
    for name in names {
        let keep = enabled(&project.services[&name].profiles) || selected.contains(&name);
        if !keep {
            if let Some(s) = project.services.remove(&name) {
                project.disabled_services.insert(name, s);
            }
        }
    }
}

/// The names of every profile mentioned by a service, sorted.
pub fn all_profiles(project: &Project) -> Vec<String> {
    let mut set = BTreeSet::new();
    for s in project.services.values().chain(project.disabled_services.values()) {
        set.extend(s.profiles.iter().cloned());
    }
    set.into_iter().collect()
}

/// Drops networks, volumes, secrets and configs no enabled service refers to.
pub fn prune_unused(project: &mut Project) {
    let mut networks = BTreeSet::new();
    let mut volumes = BTreeSet::new();
    let mut secrets = BTreeSet::new();
    let mut configs = BTreeSet::new();
    for s in project.services.values() {
        networks.extend(s.networks.keys().cloned());
        for m in &s.volumes {
            if m.kind == MOUNT_VOLUME && !m.source.is_empty() {
                volumes.insert(m.source.clone());
            }
        }
        secrets.extend(s.secrets.iter().map(|r| r.source.clone()));
        if let Some(b) = &s.build {
            secrets.extend(b.secrets.iter().map(|r| r.source.clone()));
        }
        configs.extend(s.configs.iter().map(|r| r.source.clone()));
    }
    project.networks.retain(|k, _| networks.contains(k));
    project.volumes.retain(|k, _| volumes.contains(k));
    project.secrets.retain(|k, _| secrets.contains(k));
    project.configs.retain(|k, _| configs.contains(k));
}
