//! Types of the calls that follow or talk to a running container, and of engine-wide events.

use std::collections::BTreeMap;
use std::time::Duration;

use bytes::Bytes;
use futures_util::stream::{BoxStream, StreamExt};

use super::filter::LabelFilter;

/// A body uploaded to the engine (a tar archive), produced lazily so large build contexts
/// are never held whole in memory.
pub type ByteStream = BoxStream<'static, std::io::Result<Bytes>>;

/// A `ByteStream` of bytes already in memory.
pub fn byte_stream(bytes: impl Into<Bytes>) -> ByteStream {
    futures_util::stream::once(std::future::ready(Ok(bytes.into()))).boxed()
}

/// What the engine says about itself.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EngineVersion {
    /// Engine release, e.g. `20.10.24`.
    pub version: String,
    /// Highest API version the engine speaks, e.g. `1.41`.
    pub api_version: String,
    pub min_api_version: String,
    /// The API version this client negotiated (the lower of the engine's and ours).
    pub negotiated_api_version: String,
    pub os: String,
    pub arch: String,
    pub kernel_version: String,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RemoveContainerOptions {
    /// Kill a running container first.
    pub force: bool,
    /// Also remove its anonymous volumes.
    pub volumes: bool,
}

/// How `put_archive_with` extracts an archive.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ArchiveOptions {
    /// The engine's `copyUIDGID`: when the container has a `User`, the extracted files are
    /// given to that user (looked up in the container's own passwd and group files) instead of
    /// the owners the archive names. Docker Compose sets it for secrets and configs with a
    /// `uid` or `gid`.
    pub copy_uid_gid: bool,
    /// The engine's `noOverwriteDirNonDir`: extraction fails rather than put a directory where
    /// a file is, or a file where a directory is (`cp` sets it, as Docker Compose does).
    pub no_overwrite_dir_non_dir: bool,
}

/// What a path in a container is (`stat_path`), as the engine's archive endpoint says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PathStat {
    /// The last component of the path.
    pub name: String,
    pub size: i64,
    pub kind: PathKind,
    /// Permission bits (`0o755`), with setuid, setgid and sticky (`0o4000`, `0o2000`, `0o1000`).
    pub mode: u32,
    /// For a symbolic link: where it leads, as an absolute path in the container with every
    /// link on the way resolved; empty otherwise.
    pub link_target: String,
}

/// The kinds of file a container path can be.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum PathKind {
    #[default]
    File,
    Directory,
    Symlink,
    /// A block or character device.
    Device,
    /// A named pipe or a socket.
    Special,
    /// A file of a kind the engine's OS has and Unix does not.
    Irregular,
}

/// What `wait_container` waits for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum WaitCondition {
    /// Returns at once for a container that is not running (including one never started).
    #[default]
    NotRunning,
    /// The next exit after the call.
    NextExit,
    /// The container was removed.
    Removed,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WaitResult {
    pub exit_code: i64,
    /// The engine's error while waiting, if any.
    pub error: Option<String>,
}

/// Which part of a container's logs to read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogOptions {
    /// Keep the stream open and send new output as it comes.
    pub follow: bool,
    /// Only the last N lines; `None` for all.
    pub tail: Option<u64>,
    /// Unix seconds.
    pub since: Option<i64>,
    /// Unix seconds.
    pub until: Option<i64>,
    /// Prefix each line with the engine's RFC 3339 timestamp.
    pub timestamps: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LogStream {
    Stdout,
    Stderr,
}

/// A piece of output, not necessarily a whole line. Containers with a TTY only have stdout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogChunk {
    pub stream: LogStream,
    pub bytes: Bytes,
}

/// A command to run inside a running container.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExecSpec {
    pub cmd: Vec<String>,
    /// `KEY=value` entries added to the container's environment.
    pub env: Vec<String>,
    pub user: Option<String>,
    pub working_dir: Option<String>,
    pub privileged: bool,
    pub tty: bool,
}

impl ExecSpec {
    pub fn new<S: Into<String>>(cmd: impl IntoIterator<Item = S>) -> Self {
        ExecSpec { cmd: cmd.into_iter().map(Into::into).collect(), ..Default::default() }
    }
}

/// The collected result of an exec.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExecOutput {
    pub exit_code: i64,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

impl ExecOutput {
    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    pub fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }
}

/// The processes of a container, as `ps` shows them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TopResult {
    pub titles: Vec<String>,
    pub processes: Vec<Vec<String>>,
}

/// What `commit_container` records in the new image.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommitOptions {
    /// `repo[:tag]` the image gets (the tag defaults to `latest`); `None` leaves it untagged.
    pub reference: Option<String>,
    pub comment: Option<String>,
    pub author: Option<String>,
    /// Dockerfile instructions applied to the image's config (`ENV A=1`, `CMD ["sh"]`).
    pub changes: Vec<String>,
    /// Freeze the container while its file system is copied.
    pub pause: bool,
}

/// Which engine events to receive.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventFilter {
    pub labels: LabelFilter,
    /// `container`, `network`, `volume`, `image`...; empty for all.
    pub types: Vec<String>,
    /// Only events with these actions (`start`, `die`, `health_status`...); empty for all.
    pub actions: Vec<String>,
    /// Replay events since this Unix time, then continue live.
    pub since: Option<i64>,
    /// Stop the stream at this Unix time; `None` streams until dropped.
    pub until: Option<i64>,
}

/// Something that happened in the engine.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EngineEvent {
    /// `container`, `network`, `volume`, `image`...
    pub kind: String,
    /// `create`, `start`, `die`, `health_status: healthy`...
    pub action: String,
    /// Id of the object concerned.
    pub actor_id: String,
    /// The object's labels and details (`name`, `image`, `exitCode`...).
    pub attributes: BTreeMap<String, String>,
    /// Unix time in nanoseconds.
    pub time_nanos: i64,
}

/// Rounds a grace period up to the whole seconds the engine accepts.
pub(crate) fn whole_seconds(d: Duration) -> i64 {
    let secs = d.as_secs() + u64::from(d.subsec_nanos() > 0);
    i64::try_from(secs).unwrap_or(i64::MAX)
}
