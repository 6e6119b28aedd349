//! The `com.docker.compose.*` labels and resource names Docker Compose uses. Keeping them
//! identical is what lets a user switch between rcompose and Docker Compose on a running
//! project without anything being recreated.

use crate::model::{Project, Service};

pub const PROJECT: &str = "com.docker.compose.project";
pub const SERVICE: &str = "com.docker.compose.service";
pub const CONTAINER_NUMBER: &str = "com.docker.compose.container-number";
pub const ONEOFF: &str = "com.docker.compose.oneoff";
pub const CONFIG_HASH: &str = "com.docker.compose.config-hash";
pub const WORKING_DIR: &str = "com.docker.compose.project.working_dir";
pub const CONFIG_FILES: &str = "com.docker.compose.project.config_files";
pub const ENVIRONMENT_FILE: &str = "com.docker.compose.project.environment_file";
pub const DEPENDS_ON: &str = "com.docker.compose.depends_on";
pub const IMAGE: &str = "com.docker.compose.image";
pub const VERSION: &str = "com.docker.compose.version";
pub const NETWORK: &str = "com.docker.compose.network";
pub const VOLUME: &str = "com.docker.compose.volume";
pub const REPLACE: &str = "com.docker.compose.replace";
/// On the containers a `pre_start` hook runs in (Docker Compose v5): the hook's kind,
/// `pre_start`. Such a container is none of the service's replicas.
pub const HOOK: &str = "com.docker.compose.hook";
/// On a `pre_start` hook's container: the hook's index in the service's list.
pub const HOOK_INDEX: &str = "com.docker.compose.hook.index";
/// A `run` container's random id; its name ends with the first 12 hex digits.
pub const SLUG: &str = "com.docker.compose.slug";

/// The Docker Compose version whose labels and hashes rcompose reproduces; written in the
/// `version` label so that either tool sees a familiar value.
pub const COMPOSE_VERSION: &str = "2.40.3";

/// `project-service-N`, or the service's `container_name`.
pub fn container_name(project: &Project, service: &Service, number: u32) -> String {
    if !service.container_name.is_empty() {
        return service.container_name.clone();
    }
    let sep = project.separator();
    format!("{}{sep}{}{sep}{number}", project.name, service.name)
}

/// The container the `index`-th `pre_start` hook of `service` runs in, as Docker Compose v5
/// names it: `project-service-pre_start-N`, N from 0.
pub fn pre_start_name(project: &Project, service: &Service, index: usize) -> String {
    let sep = project.separator();
    format!("{}{sep}{}{sep}pre_start{sep}{index}", project.name, service.name)
}

/// The image a service runs: its `image`, else the name Docker Compose gives built images
/// (`project-service`).
pub fn image_name(project: &Project, service: &Service) -> String {
    if service.image.is_empty() {
        format!("{}{}{}", project.name, project.separator(), service.name)
    } else {
        service.image.clone()
    }
}

/// The `depends_on` label: `service:condition:restart` entries joined by commas, as Docker
/// Compose 2.40.3 writes it (`db:service_started:false`).
pub fn depends_on_label(service: &Service) -> String {
    service.depends_on.iter().map(|(name, d)| format!("{name}:{}:{}", d.condition, d.restart)).collect::<Vec<_>>().join(",")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::DependsOn;

    #[test]
    fn the_depends_on_label_carries_restart_not_required() {
        let mut s = Service::default();
        s.depends_on.insert("db".into(), DependsOn { condition: "service_started".into(), restart: false, required: true });
        s.depends_on.insert("cache".into(), DependsOn { condition: "service_healthy".into(), restart: true, required: false });
        assert_eq!(depends_on_label(&s), "cache:service_healthy:true,db:service_started:false");
    }
}
