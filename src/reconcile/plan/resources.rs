//! What containers need before they can be created (networks, volumes, images: see
//! [`images`](super::images)), and the
//! containers that have to go (orphans, extra replicas).

use std::collections::BTreeMap;
use std::time::Duration;

use super::{hard, Op, Plan, PlanError, StepId, StepLabel, Target};
use crate::engine::{NetworkInfo, VolumeInfo};
use crate::model::{Project, Service, MOUNT_VOLUME};
use crate::reconcile::convert::{self, network_spec, volume_spec, Context};
use crate::reconcile::observe::{Observed, ObservedContainer};
use crate::reconcile::{hash, labels};

/// The creation steps planned for networks, volumes and images, for containers to wait on.
#[derive(Debug, Default)]
pub(super) struct Prepared {
    /// By network key.
    networks: BTreeMap<String, Vec<StepId>>,
    /// By volume key.
    volumes: BTreeMap<String, StepId>,
    /// By image reference.
    images: BTreeMap<String, StepId>,
    /// Running containers this plan stops to recreate a network whose configuration changed,
    /// by name, with why: they are started again once it is back, as Docker Compose 2.40.3 does.
    pub stopped: BTreeMap<String, String>,
    /// Containers this plan removes to recreate a volume whose configuration changed (`up -y`),
    /// by name, with why: the plan creates new ones in their place.
    pub removed: BTreeMap<String, String>,
}

impl Prepared {
    /// The steps a container of `s` waits on before it is created.
    pub fn for_service(&self, project: &Project, s: &Service) -> Vec<StepId> {
        let mut out: Vec<StepId> = s.networks.keys().filter_map(|k| self.networks.get(k)).flatten().copied().collect();
        out.extend(volume_keys(s).filter_map(|k| self.volumes.get(k)));
        out.extend(self.images.get(&labels::image_name(project, s)));
        out
    }

    /// The step that pulls or builds `image` in this plan, if any.
    pub fn image_step(&self, image: &str) -> Option<StepId> {
        self.images.get(image).copied()
    }
}

fn volume_keys(s: &Service) -> impl Iterator<Item = &str> {
    s.volumes.iter().filter(|m| m.kind == MOUNT_VOLUME && !m.source.is_empty()).map(|m| m.source.as_str())
}

/// Plans the networks, volumes and images the `targets` use and the engine lacks.
pub(super) fn prepare(
    plan: &mut Plan,
    project: &Project,
    observed: &Observed,
    targets: &[&Service],
    images: &super::ImageOptions,
    recreate_volumes: bool,
) -> Result<Prepared, PlanError> {
    let mut out = Prepared::default();
    let used_networks: std::collections::BTreeSet<&str> = targets.iter().flat_map(|s| s.networks.keys().map(String::as_str)).collect();
    let used = |used: &std::collections::BTreeSet<&str>, key: &str| project.all_resources || used.contains(key);
    for (key, net) in project.networks.iter().filter(|(k, _)| used(&used_networks, k)) {
        match observed.networks.get(&net.name) {
            None if net.external => return Err(PlanError::ExternalNetwork { name: net.name.clone() }),
            None => {
                plan.decide(format!("network {}", net.name), "create", "not found");
                let spec = network_spec(project, key, net);
                out.networks.insert(
                    key.clone(),
                    vec![plan.push(
                        Op::CreateNetwork(spec),
                        vec![],
                        StepLabel::new("Network", &net.name, Some("Creating"), Some("Created")),
                    )],
                );
            }
            Some(found) if !net.external => {
                foreign_network(plan, project, key, found)?;
                let differences = network_differences(net, found);
                match found.labels.get(labels::CONFIG_HASH) {
                    // Docker Compose 2.40.3 labels its networks with their config hash and
                    // recreates one whose configuration changed; one without the label (made by
                    // an older series, or by hand) is used as it is.
                    Some(h) if *h != hash::network_hash(net) => {
                        let steps = recreate_network(plan, project, observed, key, net, differences, &mut out.stopped);
                        out.networks.insert(key.clone(), steps);
                    }
                    _ => settings_differ(plan, "network", &found.name, differences),
                }
            }
            Some(_) => {}
        }
    }
    let used_volumes: std::collections::BTreeSet<&str> = targets.iter().flat_map(|s| volume_keys(s)).collect();
    for (key, vol) in project.volumes.iter().filter(|(k, _)| used(&used_volumes, k)) {
        match observed.volumes.get(&vol.name) {
            None if vol.external => return Err(PlanError::ExternalVolume { name: vol.name.clone() }),
            None => {
                plan.decide(format!("volume {}", vol.name), "create", "not found");
                let spec = volume_spec(project, key, vol);
                out.volumes.insert(
                    key.clone(),
                    plan.push(Op::CreateVolume(spec), vec![], StepLabel::new("Volume", &vol.name, Some("Creating"), Some("Created"))),
                );
            }
            Some(found) if !vol.external => {
                foreign_volume(plan, project, found);
                let mut keys = Vec::new();
                if !vol.driver.is_empty() && vol.driver != found.driver {
                    keys.push("driver");
                }
                if vol.driver_opts.iter().any(|(k, v)| found.options.get(k) != Some(v)) {
                    keys.push("driver_opts");
                }
                match found.labels.get(labels::CONFIG_HASH) {
                    // Docker Compose 2.40.3 asks whether to recreate a volume whose configuration
                    // changed, and keeps it unless told yes (`up -y`): its data is lost then.
                    Some(h) if *h != hash::volume_hash(vol) => {
                        let what = if keys.is_empty() { "its configuration".to_string() } else { keys.join(", ") };
                        if recreate_volumes {
                            let step = recreate_volume(plan, project, observed, key, vol, &what, &mut out.removed);
                            out.volumes.insert(key.clone(), step);
                            continue;
                        }
                        plan.decide(
                            format!("volume {}", found.name),
                            "used as it is",
                            format!("{what} changed; `up -y` recreates it, and its data is lost then"),
                        );
                        plan.warnings.push(format!(
                            "volume {:?} exists but doesn't match configuration in compose file: kept as it is, with its data (`up -y` recreates it, losing its data)",
                            found.name
                        ));
                    }
                    _ => settings_differ(plan, "volume", &found.name, keys),
                }
            }
            Some(_) => {}
        }
    }
    out.images = super::images::prepare(plan, project, observed, targets, images)?;
    Ok(out)
}

/// A network of the project's name that exists already is used as it is, whatever its
/// settings, as Docker Compose does; one made by hand or for another project is used with a
/// warning, but only when its network label names `key`: otherwise it is refused, since
/// another network of the project could be using it.
fn foreign_network(plan: &mut Plan, project: &Project, key: &str, found: &NetworkInfo) -> Result<(), PlanError> {
    match found.labels.get(labels::PROJECT) {
        None => plan.warnings.push(format!(
            "a network with name {} exists but was not created by compose. Set `external: true` to use an existing network",
            found.name
        )),
        Some(p) if *p != project.name => plan.warnings.push(format!(
            "a network with name {} exists but was not created for project {:?}. Set `external: true` to use an existing network",
            found.name, project.name
        )),
        Some(_) => {}
    }
    let label = found.labels.get(labels::NETWORK).map(String::as_str).unwrap_or_default();
    if label != key {
        return Err(PlanError::NetworkLabel { name: found.name.clone(), found: label.to_string() });
    }
    Ok(())
}

/// Recreates the network of `key` whose configuration changed, as Docker Compose 2.40.3 does:
/// stops the running containers of the services on it (recording them in `stopped`) and takes
/// them off it, removes it, creates it anew and puts them back on it. Returns the steps the
/// containers of those services wait on.
fn recreate_network(
    plan: &mut Plan,
    project: &Project,
    observed: &Observed,
    key: &str,
    net: &crate::model::Network,
    differences: Vec<&str>,
    stopped: &mut BTreeMap<String, String>,
) -> Vec<StepId> {
    let what = if differences.is_empty() { "its configuration".to_string() } else { differences.join(", ") };
    plan.decide(format!("network {}", net.name), "recreate", format!("{what} changed"));
    let on_it = |c: &&ObservedContainer| !c.oneoff && project.services.get(&c.service).is_some_and(|s| s.networks.contains_key(key));
    let mut disconnected = Vec::new();
    let mut reconnect = Vec::new();
    for c in observed.containers.iter().filter(on_it) {
        let target = Target { name: c.name().to_string(), id: Some(c.id().to_string()) };
        let mut before = Vec::new();
        if c.is_up() {
            before.push(plan.push(
                Op::StopContainer { target: target.clone(), timeout: None },
                vec![],
                StepLabel::new("Container", c.name(), Some("Stopping"), Some("Stopped")),
            ));
            stopped.insert(c.name().to_string(), format!("stopped to recreate network {}", net.name));
        }
        disconnected.push(plan.push(Op::DisconnectNetwork { network: net.name.clone(), target: target.clone() }, hard(before), None));
        let s = &project.services[&c.service];
        let cx = Context { number: c.number, name: c.name().to_string(), ..Default::default() };
        if let Some(endpoint) = convert::container_spec(project, s, &cx).networks.into_iter().find(|e| e.network == net.name) {
            reconnect.push((target, endpoint));
        }
    }
    let remove = plan.push(
        Op::RemoveNetwork { name: net.name.clone() },
        hard(disconnected),
        StepLabel::new("Network", &net.name, None, Some("Removed")),
    );
    let create = plan.push(
        Op::CreateNetwork(network_spec(project, key, net)),
        hard([remove]),
        StepLabel::new("Network", &net.name, Some("Creating"), Some("Created")),
    );
    // The containers go back on it, as Docker Compose 2.40.3 connects them before starting.
    let mut steps = vec![create];
    for (target, endpoint) in reconnect {
        steps.push(plan.push(Op::ConnectNetwork { target, endpoint: Box::new(endpoint) }, hard([create]), None));
    }
    steps
}

/// Recreates the volume of `key` whose configuration changed, as Docker Compose 2.40.3 does
/// when told yes: the containers of the project's services that mount it are stopped and
/// removed (recorded in `removed`, so that the plan creates new ones), then the volume, which
/// is created anew. Returns the step the new containers wait on.
fn recreate_volume(
    plan: &mut Plan,
    project: &Project,
    observed: &Observed,
    key: &str,
    vol: &crate::model::Volume,
    what: &str,
    removed: &mut BTreeMap<String, String>,
) -> StepId {
    plan.decide(format!("volume {}", vol.name), "recreate", format!("{what} changed; --yes: its data is lost"));
    let mounts = |c: &&ObservedContainer| project.services.get(&c.service).is_some_and(|s| volume_keys(s).any(|k| k == key));
    let mut gone = Vec::new();
    for c in observed.containers.iter().filter(mounts) {
        gone.push(stop_and_remove(plan, c, None, vec![]));
        removed.insert(c.name().to_string(), format!("volume {} is recreated", vol.name));
    }
    // Silent, as Docker Compose 2.40.3 removes it: the volume's line shows its creation.
    let remove = plan.push(Op::RemoveVolume { name: vol.name.clone() }, hard(gone), None);
    plan.push(
        Op::CreateVolume(volume_spec(project, key, vol)),
        hard([remove]),
        StepLabel::new("Volume", &vol.name, Some("Creating"), Some("Created")),
    )
}

/// The settings of the file that an existing network does not have (only those the file sets).
fn network_differences(net: &crate::model::Network, found: &NetworkInfo) -> Vec<&'static str> {
    let mut keys = Vec::new();
    let mut check = |key, differs| {
        if differs {
            keys.push(key);
        }
    };
    check("driver", !net.driver.is_empty() && net.driver != found.driver);
    check("driver_opts", net.driver_opts.iter().any(|(k, v)| found.options.get(k) != Some(v)));
    check("internal", net.internal != found.internal);
    check("attachable", net.attachable && !found.attachable);
    let wanted: std::collections::BTreeSet<&str> = net.ipam.config.iter().map(|c| c.subnet.as_str()).filter(|s| !s.is_empty()).collect();
    let have: std::collections::BTreeSet<&str> = found.ipam.pools.iter().filter_map(|p| p.subnet.as_deref()).collect();
    check("ipam", !wanted.is_empty() && wanted != have);
    keys
}

/// A network or volume without a config-hash label (made by Docker Compose 2.2x, or by hand) is
/// used whatever its settings, as Docker Compose 2.40.3 does, silently; `--dry-run` tells.
fn settings_differ(plan: &mut Plan, kind: &str, name: &str, keys: Vec<&str>) {
    if !keys.is_empty() {
        plan.decide(
            format!("{kind} {name}"),
            "used as it is",
            format!("{} differ from the file; remove it to have it recreated", keys.join(", ")),
        );
    }
}

/// A volume of the project's name that exists already is used as it is; Docker Compose only
/// warns when it was made by hand or for another project.
fn foreign_volume(plan: &mut Plan, project: &Project, found: &VolumeInfo) {
    match found.labels.get(labels::PROJECT) {
        None => plan.warnings.push(format!(
            "volume {:?} already exists but was not created by Docker Compose. Use `external: true` to use an existing volume",
            found.name
        )),
        Some(p) if *p != project.name => plan.warnings.push(format!(
            "volume {:?} already exists but was created for project {p:?} (expected {:?}). Use `external: true` to use an existing volume",
            found.name, project.name
        )),
        Some(_) => {}
    }
}

/// Containers of services the project does not define, and `run` containers that have
/// exited (as Docker Compose 2.40 counts them): removed with `--remove-orphans`, else mentioned.
pub(super) fn orphans(plan: &mut Plan, project: &Project, observed: &Observed, remove: bool, timeout: Option<Duration>) {
    let orphans: Vec<&ObservedContainer> = observed.containers.iter().filter(|c| is_orphan(project, c)).collect();
    if orphans.is_empty() {
        return;
    }
    if !remove {
        let names: Vec<&str> = orphans.iter().map(|c| c.name()).collect();
        plan.warnings.push(format!(
            "found orphan containers ({}) for this project; if you removed or renamed this service in your compose file, run this command with --remove-orphans to clean it up",
            names.join(", ")
        ));
        return;
    }
    for c in orphans {
        let why = if c.oneoff {
            format!("orphan: run container, {}", c.state())
        } else {
            format!("orphan: service {:?} is not in the project", c.service)
        };
        plan.decide(c.name(), "remove", why);
        stop_and_remove(plan, c, timeout, vec![]);
    }
}

/// Docker Compose's rule: a `run` container once it has exited (or died), any other container
/// when the project (enabled or disabled services) does not define its service.
pub(super) fn is_orphan(project: &Project, c: &ObservedContainer) -> bool {
    if c.oneoff {
        return exited(c);
    }
    !project.services.contains_key(&c.service) && !project.disabled_services.contains_key(&c.service)
}

/// Exited or dead: a `run` container that is done.
pub(super) fn exited(c: &ObservedContainer) -> bool {
    matches!(c.state(), crate::engine::ContainerStatus::Exited | crate::engine::ContainerStatus::Dead)
}

/// Stops `c` if it runs, then removes it; returns the removal step.
pub(super) fn stop_and_remove(plan: &mut Plan, c: &ObservedContainer, timeout: Option<Duration>, after: Vec<StepId>) -> StepId {
    let target = Target { name: c.name().to_string(), id: Some(c.id().to_string()) };
    let mut before = after;
    if c.is_up() {
        let stop = plan.push(
            Op::StopContainer { target: target.clone(), timeout },
            hard(before),
            StepLabel::new("Container", c.name(), Some("Stopping"), Some("Stopped")),
        );
        before = vec![stop];
    }
    plan.push(
        Op::RemoveContainer { target, volumes: false },
        hard(before),
        StepLabel::new("Container", c.name(), Some("Removing"), Some("Removed")),
    )
}
