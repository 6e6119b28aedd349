//! Test helpers: projects from inline YAML, and engine states built by hand.

use std::collections::BTreeMap;

use super::convert::{self, Context};
use super::labels;
use super::observe::{Observed, ObservedContainer};
use crate::engine::{ContainerDetails, ContainerStatus, ContainerSummary, NetworkInfo, VolumeInfo};
use crate::loader;
use crate::model::Project;

/// The id the images of these tests have.
pub const IMAGE_ID: &str = "sha256:1111";

/// Loads `yaml` as project `p` through the real loader.
pub fn project(yaml: &str) -> Project {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("compose.yaml"), yaml).expect("write compose.yaml");
    let opts = loader::Options { project_name: Some("p".into()), cwd: dir.path().to_path_buf(), environ: Vec::new(), ..Default::default() };
    loader::load(&opts).unwrap_or_else(|e| panic!("{e}")).project
}

/// What the engine holds after a successful `up` of `project`: every service with its
/// replicas running, networks and volumes created, images present.
pub fn converged(project: &Project) -> Observed {
    let mut o = Observed::default();
    for (key, net) in &project.networks {
        let labels = BTreeMap::from([(labels::PROJECT.to_string(), project.name.clone()), (labels::NETWORK.to_string(), key.clone())]);
        o.networks.insert(
            net.name.clone(),
            NetworkInfo { name: net.name.clone(), id: format!("net-{}", net.name), labels, ..Default::default() },
        );
    }
    for vol in project.volumes.values() {
        let labels = BTreeMap::from([(labels::PROJECT.to_string(), project.name.clone())]);
        o.volumes.insert(vol.name.clone(), VolumeInfo { name: vol.name.clone(), labels, ..Default::default() });
    }
    for s in project.services.values() {
        o.images.insert(labels::image_name(project, s), Some(IMAGE_ID.into()));
        for n in 1..=super::plan::replicas(s) {
            o.containers.push(container(project, &s.name, n, ContainerStatus::Running));
        }
    }
    o
}

/// Container `number` of `service` as `up` would have made it, in `state`, with its details.
pub fn container(project: &Project, service: &str, number: u32, state: ContainerStatus) -> ObservedContainer {
    let s = &project.services[service];
    let name = labels::container_name(project, s, number);
    // The label `up` writes: references to other services resolved to their first container.
    let ids = super::hash::referenced_services(s).into_iter().map(|d| (d.clone(), container_id(&d, 1))).collect();
    let hash = super::hash::label_hash(s, &ids).expect("every reference resolved");
    let cx = Context { number, name: name.clone(), config_hash: hash, image_id: Some(IMAGE_ID.into()), ..Default::default() };
    let spec = convert::container_spec(project, s, &cx);
    let id = container_id(service, number);
    let summary = ContainerSummary {
        id,
        names: vec![name.clone()],
        image: spec.config.image.clone(),
        state,
        labels: spec.config.labels.clone(),
        ..Default::default()
    };
    let networks = spec.networks.iter().map(|e| (e.network.clone(), Default::default())).collect();
    let mut details =
        ContainerDetails { id: summary.id.clone(), name, config: spec.config, host: spec.host, networks, ..Default::default() };
    details.state.status = state;
    details.state.running = state == ContainerStatus::Running;
    let mut c = ObservedContainer::from_summary(summary);
    c.details = Some(details);
    c
}

/// The id [`container`] gives container `number` of `service`.
pub fn container_id(service: &str, number: u32) -> String {
    format!("{:0<64}", format!("{service}{number}").bytes().map(|b| format!("{b:02x}")).collect::<String>())[..64].to_string()
}

/// The plan's steps as text, one per line, as `--dry-run` shows them.
pub fn steps(plan: &super::plan::Plan) -> Vec<String> {
    plan.to_string().lines().skip_while(|l| *l != "steps:").skip(1).map(|l| l.trim().to_string()).collect()
}
