//! Networks, volumes and images in the fake.

use std::collections::BTreeMap;

use super::state::{normalize_reference, now_nanos, State};
use crate::engine::{
    BuildOptions, EngineError, EngineResult, ImageFilter, ImageInfo, ImageMessage, ImageRemoved, ImageSummary, LabelFilter, NetworkInfo,
    NetworkSpec, VolumeInfo, VolumeSpec,
};

impl State {
    pub fn list_networks(&self, filter: &LabelFilter) -> Vec<NetworkInfo> {
        let list = self.networks.values().filter(|n| filter.matches(&n.labels));
        // Listings carry no members, as with Docker.
        list.map(|n| NetworkInfo { containers: BTreeMap::new(), ..n.clone() }).collect()
    }

    pub fn create_network(&mut self, spec: &NetworkSpec) -> EngineResult<String> {
        if self.networks.values().any(|n| n.name == spec.name) {
            let message = format!("network with name {} already exists", spec.name);
            return Err(EngineError::conflict(message));
        }
        let id = self.new_id(0xe);
        let info = NetworkInfo {
            id: id.clone(),
            name: spec.name.clone(),
            driver: spec.driver.clone().unwrap_or_else(|| "bridge".into()),
            scope: "local".into(),
            created: now_nanos().to_string(),
            internal: spec.internal,
            attachable: spec.attachable,
            enable_ipv6: spec.enable_ipv6.unwrap_or(false),
            ipam: spec.ipam.clone().unwrap_or_default(),
            options: spec.options.clone(),
            labels: spec.labels.clone(),
            containers: BTreeMap::new(),
        };
        self.networks.insert(id.clone(), info);
        self.emit("network", "create", &id, BTreeMap::from([("name".into(), spec.name.clone())]));
        Ok(id)
    }

    pub fn remove_network(&mut self, key: &str) -> EngineResult<()> {
        let id = self.network_id(key)?;
        let n = &self.networks[&id];
        if !n.containers.is_empty() {
            return Err(EngineError::Api {
                status: 403,
                message: format!("error while removing network: network {} id {id} has active endpoints", n.name),
            });
        }
        let attributes = BTreeMap::from([("name".into(), n.name.clone())]);
        self.networks.remove(&id);
        self.emit("network", "destroy", &id, attributes);
        Ok(())
    }

    pub fn volume(&self, name: &str) -> EngineResult<VolumeInfo> {
        let v = self.volumes.get(name);
        v.cloned().ok_or_else(|| EngineError::not_found(format!("get {name}: no such volume")))
    }

    /// Like Docker, creating an existing volume returns it unchanged.
    pub fn create_volume(&mut self, spec: &VolumeSpec) -> VolumeInfo {
        if let Some(v) = self.volumes.get(&spec.name) {
            return v.clone();
        }
        let info = VolumeInfo {
            name: spec.name.clone(),
            driver: spec.driver.clone().unwrap_or_else(|| "local".into()),
            mountpoint: format!("/var/lib/docker/volumes/{}/_data", spec.name),
            created_at: Some(now_nanos().to_string()),
            labels: spec.labels.clone(),
            options: spec.driver_opts.clone(),
            scope: "local".into(),
        };
        self.volumes.insert(spec.name.clone(), info.clone());
        self.emit("volume", "create", &spec.name, BTreeMap::new());
        info
    }

    pub fn remove_volume(&mut self, name: &str) -> EngineResult<()> {
        self.volume(name)?;
        let users: Vec<&str> =
            self.containers.values().filter(|c| c.mounts.iter().any(|m| m.name.as_deref() == Some(name))).map(|c| c.id.as_str()).collect();
        if !users.is_empty() {
            let message = format!("remove {name}: volume is in use - [{}]", users.join(", "));
            return Err(EngineError::conflict(message));
        }
        self.volumes.remove(name);
        self.emit("volume", "destroy", name, BTreeMap::new());
        Ok(())
    }

    /// Adds an image (or gives an existing one the reference) and returns its id.
    pub fn add_image(&mut self, reference: &str, labels: BTreeMap<String, String>) -> String {
        let reference = normalize_reference(reference);
        if let Ok(id) = self.image_id(&reference) {
            return id;
        }
        self.new_image(0xa, vec![reference], labels)
    }

    /// An image committed from a container, tagged `reference` if given; returns its id.
    pub fn commit(&mut self, reference: Option<&str>) -> String {
        let tags = reference.map(normalize_reference).into_iter().collect();
        self.new_image(0xc, tags, BTreeMap::new())
    }

    /// Stores a new image made now (its id from `new_id(kind)`) and returns its id.
    fn new_image(&mut self, kind: u8, repo_tags: Vec<String>, labels: BTreeMap<String, String>) -> String {
        let id = format!("sha256:{}", self.new_id(kind));
        let info = ImageInfo {
            id: id.clone(),
            repo_tags,
            labels,
            created: Some(now_nanos().to_string()),
            os: "linux".into(),
            architecture: "amd64".into(),
            ..Default::default()
        };
        self.images.insert(id.clone(), info);
        id
    }

    pub fn list_images(&self, filter: &ImageFilter) -> Vec<ImageSummary> {
        let wanted = |i: &ImageInfo| {
            let reference_ok = filter.references.is_empty()
                || filter.references.iter().any(|r| {
                    let full = normalize_reference(r);
                    i.repo_tags.iter().any(|t| *t == full || t.split(':').next() == Some(r))
                });
            let dangling_ok = filter.dangling.is_none_or(|d| d == i.repo_tags.is_empty());
            reference_ok && dangling_ok && filter.labels.matches(&i.labels)
        };
        self.images
            .values()
            .filter(|i| wanted(i))
            .map(|i| ImageSummary {
                id: i.id.clone(),
                repo_tags: i.repo_tags.clone(),
                repo_digests: i.repo_digests.clone(),
                labels: i.labels.clone(),
                created: 0,
                size: i.size,
            })
            .collect()
    }

    pub fn remove_image(&mut self, key: &str, force: bool) -> EngineResult<Vec<ImageRemoved>> {
        let id = self.image_id(key)?;
        let by_tag = normalize_reference(key);
        let image = self.images.get_mut(&id).expect("resolved id");
        if image.repo_tags.len() > 1 && image.repo_tags.contains(&by_tag) {
            image.repo_tags.retain(|t| *t != by_tag);
            return Ok(vec![ImageRemoved::Untagged(by_tag)]);
        }
        if !force {
            if let Some(c) = self.containers.values().find(|c| c.image_id == id) {
                return Err(EngineError::conflict(format!(
                    "conflict: unable to remove repository reference \"{key}\" (must force) - \
                     container {} is using its referenced image {id}",
                    c.id
                )));
            }
        }
        let image = self.images.remove(&id).expect("resolved id");
        let mut removed: Vec<ImageRemoved> = image.repo_tags.into_iter().map(ImageRemoved::Untagged).collect();
        removed.push(ImageRemoved::Deleted(id));
        Ok(removed)
    }

    pub fn tag_image(&mut self, source: &str, target: &str) -> EngineResult<()> {
        let id = self.image_id(source)?;
        let target = normalize_reference(target);
        for i in self.images.values_mut() {
            i.repo_tags.retain(|t| *t != target);
        }
        self.images.get_mut(&id).expect("resolved id").repo_tags.push(target);
        Ok(())
    }

    /// A build always succeeds, producing a new image with the options' tag and labels.
    pub fn build(&mut self, options: &BuildOptions) -> Vec<ImageMessage> {
        let id = self.new_image(0xb, Vec::new(), options.labels.clone());
        if let Some(tag) = &options.tag {
            self.tag_image(&id, tag).expect("image just added");
        }
        vec![ImageMessage::Output(format!("Step 1/1 : fake build of {}\n", options.dockerfile)), ImageMessage::ImageId(id)]
    }

    /// A pull always succeeds: a known reference is up to date, an unknown one appears.
    pub fn pull(&mut self, reference: &str) -> Vec<ImageMessage> {
        let reference = normalize_reference(reference);
        let layer = |status: &str, current: Option<i64>| ImageMessage::Status {
            id: Some("0123456789ab".into()),
            status: status.into(),
            current,
            total: current.map(|_| 4_000_000),
        };
        let mut messages = Vec::new();
        let status = if self.image_id(&reference).is_ok() {
            format!("Status: Image is up to date for {reference}")
        } else {
            self.add_image(&reference, BTreeMap::new());
            // One layer, fetched in chunks, as the engine reports a download.
            messages.push(layer("Pulling fs layer", None));
            for current in [1_000_000, 2_500_000, 2_500_000, 4_000_000] {
                messages.push(layer("Downloading", Some(current)));
            }
            messages.push(layer("Pull complete", None));
            format!("Status: Downloaded newer image for {reference}")
        };
        messages.push(ImageMessage::Status { id: None, status, current: None, total: None });
        messages
    }

    /// A push of an image the engine has succeeds (there is no registry to refuse it).
    pub fn push(&mut self, reference: &str) -> EngineResult<Vec<ImageMessage>> {
        self.image_id(&normalize_reference(reference))?;
        Ok(vec![ImageMessage::Status {
            id: None,
            status: format!("The push refers to repository [{reference}]"),
            current: None,
            total: None,
        }])
    }
}
