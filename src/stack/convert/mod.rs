//! The compose project → what a Swarm stack is made of, as `docker stack deploy` makes it:
//! `NAME_x` names, `com.docker.stack.namespace=NAME` on every object, overlay networks, the
//! secrets' and configs' data, one service spec per service (`service.rs`), and the keys a
//! Swarm ignores, each with where it was written. Pure: file contents are handed in.

mod service;
mod unsupported;

use std::collections::BTreeMap;

pub use service::service_spec;
pub use unsupported::unsupported_keys;

use crate::engine::swarm::{Driver, FileKind, FileObjectSpec, ServiceSpec};
use crate::engine::NetworkSpec;
use crate::model::{FileObject, Project};

/// The label that names an object's stack.
pub const LABEL_NAMESPACE: &str = "com.docker.stack.namespace";
/// The label that keeps the image as the file wrote it (before a digest was added).
pub const LABEL_IMAGE: &str = "com.docker.stack.image";

/// A stack's name, and how its objects are named after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Namespace(String);

impl Namespace {
    pub fn new(name: &str) -> Namespace {
        Namespace(name.to_string())
    }
    pub fn name(&self) -> &str {
        &self.0
    }
    /// `NAME_x`.
    pub fn scope(&self, name: &str) -> String {
        format!("{}_{name}", self.0)
    }
    /// `x` of `NAME_x` (a name of another stack is returned whole).
    pub fn descope<'a>(&self, name: &'a str) -> &'a str {
        name.strip_prefix(&format!("{}_", self.0)).unwrap_or(name)
    }
}

/// Everything a stack deploy wants to exist.
#[derive(Debug, Clone, Default)]
pub struct Stack {
    /// The overlay networks to create when missing.
    pub networks: Vec<NetworkSpec>,
    /// External networks the services use: they must exist, in the swarm scope.
    pub external_networks: Vec<String>,
    pub secrets: Vec<FileObjectSpec>,
    pub configs: Vec<FileObjectSpec>,
    /// External secrets and configs: they must exist.
    pub external_files: Vec<(FileKind, String)>,
    /// By compose service name.
    pub services: BTreeMap<String, ServiceSpec>,
}

/// Why a project cannot become a stack.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConvertError {
    #[error("{at}service {service}: {message}")]
    Service { at: String, service: String, message: String },
    #[error("{kind} {name}: {message}")]
    File { kind: &'static str, name: String, message: String },
}

/// Converts `project` into stack `ns`; `files` holds the content of each `file:` of a secret
/// or config, by path (read before, by the caller).
pub fn stack(ns: &Namespace, project: &Project, files: &BTreeMap<String, Vec<u8>>) -> Result<Stack, ConvertError> {
    let mut out = Stack::default();
    for service in project.services.values() {
        if service.image.is_empty() {
            let at = project.positions.get(&format!("services.{}.build", service.name)).map(|p| format!("{p}: ")).unwrap_or_default();
            let message =
                "no image: a swarm runs images from a registry (or present on every node) and builds nothing; set `image:`".into();
            return Err(ConvertError::Service { at, service: service.name.clone(), message });
        }
        let spec = service_spec(ns, project, service).map_err(|message| ConvertError::Service {
            at: String::new(),
            service: service.name.clone(),
            message,
        })?;
        out.services.insert(service.name.clone(), spec);
    }
    networks(ns, project, &mut out);
    for (kind, objects) in [(FileKind::Secret, &project.secrets), (FileKind::Config, &project.configs)] {
        for (key, object) in objects {
            if object.external {
                let name = if object.name.is_empty() { key.clone() } else { object.name.clone() };
                out.external_files.push((kind, name));
                continue;
            }
            let spec = file_object(ns, kind, key, object, files)?;
            match kind {
                FileKind::Secret => out.secrets.push(spec),
                FileKind::Config => out.configs.push(spec),
            }
        }
    }
    Ok(out)
}

/// The networks the services use (`default` when a service names none), as overlay
/// networks, attachable only when the file says so (as `docker stack deploy` creates them).
fn networks(ns: &Namespace, project: &Project, out: &mut Stack) {
    let mut used = std::collections::BTreeSet::new();
    for s in project.services.values() {
        if s.networks.is_empty() {
            used.insert("default".to_string());
        }
        used.extend(s.networks.keys().cloned());
    }
    for key in used {
        let declared = project.networks.get(&key).cloned().unwrap_or_default();
        let name = if declared.name.is_empty() { ns.scope(&key) } else { declared.name.clone() };
        if declared.external {
            out.external_networks.push(name);
            continue;
        }
        let mut labels = declared.labels.clone();
        labels.insert(LABEL_NAMESPACE.into(), ns.name().into());
        let ipam = (!declared.ipam.driver.is_empty() || !declared.ipam.config.is_empty()).then(|| crate::engine::Ipam {
            driver: (!declared.ipam.driver.is_empty()).then(|| declared.ipam.driver.clone()),
            pools: declared
                .ipam
                .config
                .iter()
                .map(|p| crate::engine::IpamPool { subnet: Some(p.subnet.clone()).filter(|s| !s.is_empty()), ..Default::default() })
                .collect(),
            options: Default::default(),
        });
        out.networks.push(NetworkSpec {
            name,
            driver: Some(if declared.driver.is_empty() { "overlay".into() } else { declared.driver.clone() }),
            options: declared.driver_opts.clone(),
            ipam,
            internal: declared.internal,
            attachable: declared.attachable,
            enable_ipv6: None,
            labels,
        });
    }
}

fn file_object(
    ns: &Namespace,
    kind: FileKind,
    key: &str,
    object: &FileObject,
    files: &BTreeMap<String, Vec<u8>>,
) -> Result<FileObjectSpec, ConvertError> {
    let name = if object.name.is_empty() { ns.scope(key) } else { object.name.clone() };
    let err = |message: String| ConvertError::File { kind: kind.noun(), name: key.to_string(), message };
    let mut labels = object.labels.clone();
    labels.insert(LABEL_NAMESPACE.into(), ns.name().into());
    let driver = (!object.driver.is_empty()).then(|| Driver { name: object.driver.clone(), options: object.driver_opts.clone() });
    let data = if driver.is_some() {
        Vec::new()
    } else if let Some(content) = &object.content {
        content.clone().into_bytes()
    } else if !object.environment.is_empty() {
        match &object.environment_value {
            Some(v) => v.clone().into_bytes(),
            None => return Err(err(format!("the environment variable {:?} is not set", object.environment))),
        }
    } else if !object.file.is_empty() {
        files.get(&object.file).cloned().ok_or_else(|| err(format!("cannot read {}", object.file)))?
    } else {
        return Err(err("no file, environment or content to take its data from".into()));
    };
    let template_driver = (!object.template_driver.is_empty()).then(|| object.template_driver.clone());
    Ok(FileObjectSpec { name, labels, data, driver, template_driver })
}

/// The `file:` paths of the project's secrets and configs, for the caller to read.
pub fn file_paths(project: &Project) -> Vec<String> {
    project
        .secrets
        .values()
        .chain(project.configs.values())
        .filter(|o| !o.external && o.driver.is_empty() && o.content.is_none() && o.environment.is_empty() && !o.file.is_empty())
        .map(|o| o.file.clone())
        .collect()
}

#[cfg(test)]
mod tests;
