//! Images: what is known about them, and the options and progress of build and pull.

use std::collections::BTreeMap;

use super::filter::LabelFilter;

/// An image as inspected.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImageInfo {
    /// `sha256:...`.
    pub id: String,
    pub repo_tags: Vec<String>,
    pub repo_digests: Vec<String>,
    /// The image config's labels (what `LABEL` set).
    pub labels: BTreeMap<String, String>,
    /// The container paths the image declares as volumes (`VOLUME`), sorted.
    pub volumes: Vec<String>,
    pub created: Option<String>,
    pub size: i64,
    pub os: String,
    pub architecture: String,
    pub variant: String,
    /// When a reference was last given to the image, by a pull, a build or a tag
    /// (`Metadata.LastTagTime`, RFC 3339), if the engine says: what `pull_policy: daily`
    /// counts from ([`ImageInfo::last_tagged`]) and `images` shows.
    pub last_tag_time: Option<String>,
}

impl ImageInfo {
    /// [`ImageInfo::last_tag_time`] in Unix seconds.
    pub fn last_tagged(&self) -> Option<i64> {
        self.last_tag_time.as_deref()?.parse::<jiff::Timestamp>().ok().map(|t| t.as_second())
    }
}

/// One row of an image listing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImageSummary {
    pub id: String,
    pub repo_tags: Vec<String>,
    pub repo_digests: Vec<String>,
    pub labels: BTreeMap<String, String>,
    /// Unix seconds.
    pub created: i64,
    pub size: i64,
}

/// Which images to list; the empty filter lists every tagged image.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImageFilter {
    /// Reference patterns such as `busybox` or `example/*:1.0`; any of them may match.
    pub references: Vec<String>,
    pub labels: LabelFilter,
    pub dangling: Option<bool>,
}

/// Options of a classic (non-BuildKit) build from a tar context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildOptions {
    /// Path of the Dockerfile inside the context.
    pub dockerfile: String,
    /// `name:tag` for the result; further tags are added with `tag_image`.
    pub tag: Option<String>,
    pub build_args: BTreeMap<String, String>,
    pub target: Option<String>,
    pub labels: BTreeMap<String, String>,
    pub network_mode: Option<String>,
    /// Bytes of /dev/shm for RUN steps.
    pub shm_size: Option<u64>,
    /// `host:ip` entries, each added to /etc/hosts of the RUN steps.
    pub extra_hosts: Vec<String>,
    pub no_cache: bool,
    /// Always try to pull newer base images.
    pub pull: bool,
    pub cache_from: Vec<String>,
    pub platform: Option<String>,
    /// Memory limit of the RUN steps, in bytes (`build --memory`).
    pub memory: Option<i64>,
    /// Credentials of every registry known, by credential key, for `FROM` images that need a
    /// login (sent as `X-Registry-Config`).
    pub registry_auths: BTreeMap<String, super::RegistryAuth>,
}

impl Default for BuildOptions {
    fn default() -> Self {
        BuildOptions {
            dockerfile: "Dockerfile".into(),
            tag: None,
            build_args: BTreeMap::new(),
            target: None,
            labels: BTreeMap::new(),
            network_mode: None,
            shm_size: None,
            extra_hosts: Vec::new(),
            no_cache: false,
            pull: false,
            cache_from: Vec::new(),
            platform: None,
            memory: None,
            registry_auths: BTreeMap::new(),
        }
    }
}

/// One message of a build, pull or push stream. Failures arrive as `Err(EngineError::Stream)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImageMessage {
    /// Build output, a line or a fragment of one (`Step 2/4 : ARG X\n`).
    Output(String),
    /// Layer or phase status (`Downloading`, `Pull complete`), with byte counts when known.
    Status { id: Option<String>, status: String, current: Option<i64>, total: Option<i64> },
    /// The id of the image a build produced.
    ImageId(String),
}

/// What removing an image did to one reference or layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImageRemoved {
    Untagged(String),
    Deleted(String),
}
