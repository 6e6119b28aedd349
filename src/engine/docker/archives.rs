//! Container archives: what a path is (`HEAD /containers/{id}/archive`, its
//! `X-Docker-Container-Path-Stat` header) and its content as a tar stream (`GET`); a whole
//! container's file system (`export`).

use bollard::query_parameters as q;
use bytes::Bytes;
use futures_util::{StreamExt, TryStreamExt};

use super::DockerEngine;
use crate::engine::{EngineError, EngineResult, EngineStream, PathKind, PathStat};

/// Go's `os.FileMode` bits, in which the engine reports a path's mode.
mod go_mode {
    pub const DIR: u32 = 1 << 31;
    pub const SYMLINK: u32 = 1 << 27;
    pub const DEVICE: u32 = 1 << 26;
    pub const NAMED_PIPE: u32 = 1 << 25;
    pub const SOCKET: u32 = 1 << 24;
    pub const SETUID: u32 = 1 << 23;
    pub const SETGID: u32 = 1 << 22;
    pub const STICKY: u32 = 1 << 20;
    pub const IRREGULAR: u32 = 1 << 19;
}

pub(super) async fn stat(e: &DockerEngine, id: &str, path: &str) -> EngineResult<PathStat> {
    let options = q::ContainerArchiveInfoOptions { path: path.to_string() };
    match e.docker.get_container_archive_info(id, Some(options)).await {
        Ok(s) => {
            Ok(PathStat { kind: kind(s.file_mode), mode: permissions(s.file_mode), name: s.name, size: s.size, link_target: s.link_target })
        }
        // A HEAD answer has no body: the engine's message is lost, so say it as GET would.
        Err(bollard::errors::Error::DockerResponseServerError { status_code: 404, message }) if message.trim().is_empty() => {
            Err(EngineError::not_found(format!("Could not find the file {path} in container {id}")))
        }
        Err(x) => Err(e.err(x)),
    }
}

pub(super) fn get<'a>(e: &'a DockerEngine, id: &'a str, path: &'a str) -> EngineStream<'a, Bytes> {
    let options = q::DownloadFromContainerOptions { path: path.to_string() };
    e.docker.download_from_container(id, Some(options)).map_err(|x| e.err(x)).boxed()
}

/// `GET /containers/{id}/export`: the container's file system as a tar stream.
pub(super) fn export<'a>(e: &'a DockerEngine, id: &'a str) -> EngineStream<'a, Bytes> {
    e.docker.export_container(id).map_err(|x| e.err(x)).boxed()
}

fn kind(mode: u32) -> PathKind {
    use go_mode::*;
    match mode {
        m if m & DIR != 0 => PathKind::Directory,
        m if m & SYMLINK != 0 => PathKind::Symlink,
        m if m & DEVICE != 0 => PathKind::Device,
        m if m & (NAMED_PIPE | SOCKET) != 0 => PathKind::Special,
        m if m & IRREGULAR != 0 => PathKind::Irregular,
        _ => PathKind::File,
    }
}

fn permissions(mode: u32) -> u32 {
    use go_mode::*;
    let mut bits = mode & 0o777;
    for (go, unix) in [(SETUID, 0o4000), (SETGID, 0o2000), (STICKY, 0o1000)] {
        if mode & go != 0 {
            bits |= unix;
        }
    }
    bits
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_file_modes_become_kinds_and_unix_bits() {
        assert_eq!(kind(go_mode::DIR | 0o755), PathKind::Directory);
        assert_eq!(kind(go_mode::SYMLINK | 0o777), PathKind::Symlink);
        assert_eq!(kind(go_mode::DEVICE | 0o660), PathKind::Device);
        assert_eq!(kind(go_mode::NAMED_PIPE | 0o644), PathKind::Special);
        assert_eq!(kind(0o640), PathKind::File);
        assert_eq!(permissions(go_mode::DIR | go_mode::STICKY | 0o777), 0o1777);
        assert_eq!(permissions(go_mode::SETUID | 0o755), 0o4755);
    }
}
