//! Containers in the fake: a small state machine with Docker's error kinds.
//!
//! A running container runs until stopped or killed, or until it is waited for: waiting makes
//! it exit at once with its scripted exit code (0 unless set), which keeps tests deterministic.

use std::collections::BTreeMap;

use super::state::{now_nanos, State};
use crate::engine::{
    ContainerDetails, ContainerSpec, ContainerStatus, ContainerSummary, EndpointInfo, EndpointSpec, EngineError, EngineResult, ExecOutput,
    ExecSpec, LabelFilter, MountKind, MountPoint, NetworkMember, RemoveContainerOptions, TopResult, WaitResult,
};

impl State {
    pub fn list_containers(&self, all: bool, filter: &LabelFilter) -> Vec<ContainerSummary> {
        self.containers.values().filter(|c| (all || c.state.running) && filter.matches(&c.config.labels)).map(summary).collect()
    }

    pub fn create_container(&mut self, spec: &ContainerSpec) -> EngineResult<String> {
        let image_id = self.image_id(&spec.config.image)?;
        if let Some(name) = &spec.name {
            if let Ok(other) = self.container_id(name) {
                if self.containers[&other].name == *name {
                    return Err(EngineError::conflict(format!(
                        "Conflict. The container name \"/{name}\" is already in use by container \"{other}\""
                    )));
                }
            }
        }
        let network_ids: Vec<String> = spec.networks.iter().map(|e| self.network_id(&e.network)).collect::<Result<_, _>>()?;
        let id = self.new_id(0xc);
        let name = spec.name.clone().unwrap_or_else(|| format!("fake_{}", &id[58..]));
        let mut config = spec.config.clone();
        // Like Docker, the container inherits the image's labels under its own.
        let mut labels = self.images[&image_id].labels.clone();
        labels.extend(std::mem::take(&mut config.labels));
        config.labels = labels;
        let mut details = ContainerDetails {
            id: id.clone(),
            name: name.clone(),
            created: now_nanos().to_string(),
            image_id,
            config,
            host: spec.host.clone(),
            mounts: mount_points(spec),
            ..Default::default()
        };
        details.state.status = ContainerStatus::Created;
        if details.host.network_mode.is_none() {
            details.host.network_mode = spec.networks.first().map(|e| e.network.clone());
        }
        self.containers.insert(id.clone(), details);
        for (endpoint, network_id) in spec.networks.iter().zip(network_ids) {
            self.attach(&id, &network_id, endpoint);
        }
        self.emit_container("create", &id);
        Ok(id)
    }

    pub fn start(&mut self, key: &str) -> EngineResult<()> {
        let id = self.container_id(key)?;
        let pid = 1000 + self.containers.len() as i64;
        let c = self.containers.get_mut(&id).expect("resolved id");
        if c.state.running {
            return Ok(());
        }
        c.state.status = ContainerStatus::Running;
        c.state.running = true;
        c.state.pid = pid;
        c.state.started_at = now_nanos().to_string();
        self.emit_container("start", &id);
        Ok(())
    }

    /// Ends a running container with `exit_code` (the scripted code when `None`) and reports
    /// its death; does nothing to a container that is not running.
    pub fn exit(&mut self, key: &str, exit_code: Option<i64>) -> EngineResult<()> {
        let id = self.container_id(key)?;
        let name = self.containers[&id].name.clone();
        let code = exit_code.unwrap_or_else(|| self.exit_codes.get(&name).copied().unwrap_or(0));
        let c = self.containers.get_mut(&id).expect("resolved id");
        if !c.state.running {
            return Ok(());
        }
        c.state.status = ContainerStatus::Exited;
        c.state.running = false;
        c.state.paused = false;
        c.state.pid = 0;
        c.state.exit_code = code;
        c.state.finished_at = now_nanos().to_string();
        let mut attributes = self.attributes(&id);
        attributes.insert("exitCode".into(), code.to_string());
        self.emit("container", "die", &id, attributes);
        Ok(())
    }

    pub fn stop(&mut self, key: &str) -> EngineResult<()> {
        let id = self.container_id(key)?;
        if self.containers[&id].state.running {
            self.exit(&id, None)?;
            self.emit_container("stop", &id);
        }
        Ok(())
    }

    pub fn kill(&mut self, key: &str) -> EngineResult<()> {
        let id = self.running(key)?;
        self.emit_container("kill", &id);
        self.exit(&id, Some(137))
    }

    pub fn pause(&mut self, key: &str) -> EngineResult<()> {
        let id = self.running(key)?;
        let c = self.containers.get_mut(&id).expect("resolved id");
        if c.state.paused {
            return Err(EngineError::conflict(format!("Container {id} is already paused")));
        }
        c.state.paused = true;
        c.state.status = ContainerStatus::Paused;
        self.emit_container("pause", &id);
        Ok(())
    }

    pub fn unpause(&mut self, key: &str) -> EngineResult<()> {
        let id = self.container_id(key)?;
        let c = self.containers.get_mut(&id).expect("resolved id");
        if !c.state.paused {
            return Err(EngineError::conflict(format!("Container {id} is not paused")));
        }
        c.state.paused = false;
        c.state.status = ContainerStatus::Running;
        self.emit_container("unpause", &id);
        Ok(())
    }

    pub fn remove(&mut self, key: &str, options: RemoveContainerOptions) -> EngineResult<()> {
        let id = self.container_id(key)?;
        if self.containers[&id].state.running {
            if !options.force {
                return Err(EngineError::conflict(format!(
                    "You cannot remove a running container {id}. Stop the container before \
                     attempting removal or force remove"
                )));
            }
            self.kill(&id)?;
        }
        for n in self.networks.values_mut() {
            n.containers.remove(&id);
        }
        self.emit_container("destroy", &id);
        self.containers.remove(&id);
        Ok(())
    }

    pub fn rename(&mut self, key: &str, new_name: &str) -> EngineResult<()> {
        let id = self.container_id(key)?;
        if self.containers.values().any(|c| c.name == new_name) {
            return Err(EngineError::conflict(format!("Conflict. The container name \"/{new_name}\" is already in use")));
        }
        self.containers.get_mut(&id).expect("resolved id").name = new_name.to_string();
        for n in self.networks.values_mut() {
            if let Some(m) = n.containers.get_mut(&id) {
                m.name = new_name.to_string();
            }
        }
        self.emit_container("rename", &id);
        Ok(())
    }

    pub fn wait(&mut self, key: &str) -> EngineResult<WaitResult> {
        let id = self.container_id(key)?;
        self.exit(&id, None)?;
        Ok(WaitResult { exit_code: self.containers[&id].state.exit_code, error: None })
    }

    pub fn connect(&mut self, key: &str, endpoint: &EndpointSpec) -> EngineResult<()> {
        let id = self.container_id(key)?;
        let network_id = self.network_id(&endpoint.network)?;
        if self.networks[&network_id].containers.contains_key(&id) {
            return Err(EngineError::Api {
                status: 403,
                message: format!("endpoint with name {key} already exists in network {}", endpoint.network),
            });
        }
        self.attach(&id, &network_id, endpoint);
        Ok(())
    }

    pub fn disconnect(&mut self, network: &str, key: &str) -> EngineResult<()> {
        let id = self.container_id(key)?;
        let network_id = self.network_id(network)?;
        let n = self.networks.get_mut(&network_id).expect("resolved id");
        if n.containers.remove(&id).is_none() {
            return Err(EngineError::Api { status: 403, message: format!("container {id} is not connected to network {network}") });
        }
        let name = n.name.clone();
        self.containers.get_mut(&id).expect("resolved id").networks.remove(&name);
        Ok(())
    }

    pub fn exec(&mut self, key: &str, _spec: &ExecSpec) -> EngineResult<ExecOutput> {
        let id = self.running(key)?;
        let name = &self.containers[&id].name;
        Ok(self.exec_results.get(name).cloned().unwrap_or_default())
    }

    pub fn top(&self, key: &str) -> EngineResult<TopResult> {
        let id = self.running(key)?;
        let c = &self.containers[&id];
        let cmd = c.config.cmd.clone().unwrap_or_default().join(" ");
        Ok(TopResult { titles: vec!["PID".into(), "CMD".into()], processes: vec![vec![c.state.pid.to_string(), cmd]] })
    }

    /// The id of a running container, or Docker's conflict for a stopped one.
    pub fn running(&self, key: &str) -> EngineResult<String> {
        let id = self.container_id(key)?;
        if !self.containers[&id].state.running {
            return Err(EngineError::conflict(format!("Container {id} is not running")));
        }
        Ok(id)
    }

    fn attach(&mut self, id: &str, network_id: &str, e: &EndpointSpec) {
        let n = self.networks.get_mut(network_id).expect("resolved id");
        let ip = e.ipv4_address.clone().unwrap_or_else(|| format!("fake-ip-{}", n.containers.len() + 2));
        let c = self.containers.get_mut(id).expect("resolved id");
        n.containers.insert(id.to_string(), NetworkMember { name: c.name.clone(), ipv4_address: ip.clone(), ..Default::default() });
        let info = EndpointInfo {
            network_id: network_id.to_string(),
            aliases: e.aliases.clone(),
            ip_address: ip,
            ipv4_requested: e.ipv4_address.clone(),
            ipv6_requested: e.ipv6_address.clone(),
            ..Default::default()
        };
        c.networks.insert(n.name.clone(), info);
    }

    fn attributes(&self, id: &str) -> BTreeMap<String, String> {
        let c = &self.containers[id];
        let mut attributes = c.config.labels.clone();
        attributes.insert("name".into(), c.name.clone());
        attributes.insert("image".into(), c.config.image.clone());
        attributes
    }

    fn emit_container(&mut self, action: &str, id: &str) {
        let attributes = self.attributes(id);
        self.emit("container", action, id, attributes);
    }
}

fn summary(c: &ContainerDetails) -> ContainerSummary {
    ContainerSummary {
        id: c.id.clone(),
        names: vec![c.name.clone()],
        image: c.config.image.clone(),
        image_id: c.image_id.clone(),
        command: c.config.cmd.clone().unwrap_or_default().join(" "),
        created: c.created.parse::<i64>().unwrap_or_default() / 1_000_000_000,
        state: c.state.status,
        status: c.state.status.to_string(),
        labels: c.config.labels.clone(),
        ports: Vec::new(),
        networks: c.networks.clone(),
        mounts: c.mounts.clone(),
    }
}

/// Mount points for the spec's long-syntax mounts (volume and bind kinds).
fn mount_points(spec: &ContainerSpec) -> Vec<MountPoint> {
    spec.host
        .mounts
        .iter()
        .map(|m| MountPoint {
            kind: Some(m.kind),
            name: (m.kind == MountKind::Volume).then(|| m.source.clone()).flatten(),
            source: m.source.clone().unwrap_or_default(),
            destination: m.target.clone(),
            driver: (m.kind == MountKind::Volume).then(|| "local".to_string()),
            mode: String::new(),
            rw: !m.read_only,
            propagation: String::new(),
        })
        .collect()
}
