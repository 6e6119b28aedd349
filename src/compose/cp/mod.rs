//! `cp`: files and directories between a service's containers and the host, through the
//! engine's archive endpoints, as a tar stream both ways (nothing is held whole in memory).
//!
//! As Docker Compose: a copy from a service reads its first container (the newest, or the one
//! numbered `--index`); a copy to a service writes to all its containers at once, `run`
//! containers too with `--all`. Stopped containers count: the archive endpoints work on them.
//! The path rules are `docker cp`'s ([`paths`]); the host side is [`upload`] (the project's
//! one tar writer, `build::archive`) and [`download`] (extraction into the host).

mod download;
pub mod paths;
mod upload;

use std::io;
use std::sync::Arc;

use futures_util::future::join_all;

use super::{Compose, ComposeError};
use crate::engine::{ByteStream, ContainerSummary, Engine, EngineError, LabelFilter};
use crate::output::Event;
use crate::reconcile::labels;
use paths::Endpoint;

/// What `cp` copies, and how.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CopyOptions {
    /// `SERVICE:PATH`, a host path, or `-` for a tar archive on standard input.
    pub source: String,
    /// `SERVICE:PATH`, a host path, or `-` to write the tar archive on standard output.
    pub destination: String,
    /// The container numbered so (`--index`); `None` for the default.
    pub index: Option<u32>,
    /// Include the service's `run` containers (`--all`).
    pub all: bool,
    /// Copy what a symbolic link source leads to, not the link (`-L`).
    pub follow_link: bool,
    /// Have the engine give the files to the container's user (`-a`, the engine's `copyUIDGID`).
    pub archive: bool,
}

/// Where the archive goes with `-` as destination: each chunk as it arrives.
pub type OutputSink = Arc<dyn Fn(&[u8]) -> io::Result<()> + Send + Sync>;

/// Standard input and output, for `-`.
pub struct CopyStdio {
    /// The archive `-` reads (opened lazily by whoever made it).
    pub input: ByteStream,
    /// Where the archive goes with `-` as destination.
    pub output: OutputSink,
}

/// Why a copy failed, in Docker Compose's words where it has them.
#[derive(Debug, thiserror::Error)]
pub enum CopyError {
    #[error("copying between services is not supported")]
    BetweenServices,
    #[error("unknown copy direction")]
    UnknownDirection,
    #[error("no container found for service {0:?}")]
    NoContainer(String),
    #[error("service {service:?} is not running container #{index}")]
    NoSuchIndex { service: String, index: u32 },
    #[error("cannot copy directory")]
    CannotCopyDir,
    #[error("no such directory")]
    NoSuchDirectory,
    #[error("not a directory")]
    NotADirectory,
    #[error("too many symlinks in {0}")]
    TooManyLinks(String),
    #[error("invalid output path: directory {0:?} does not exist")]
    NoOutputDir(String),
    #[error("destination \"{container}:{path}\" must be a directory")]
    StdinNeedsDir { container: String, path: String },
    #[error("destination \"{container}:{path}\" must be a directory or a regular file: got {got}")]
    BadDestination { container: String, path: String, got: &'static str },
    #[error("cannot overwrite directory {path:?} with non-directory {dir:?}")]
    DirWithFile { path: String, dir: String },
    #[error("cannot overwrite non-directory {path:?} with directory {dir:?}")]
    FileWithDir { path: String, dir: String },
    #[error("invalid path in the archive: {0:?}")]
    OutsidePath(String),
    /// A host file system call failed: `lstat /x: no such file or directory`.
    #[error("{op} {path}: {}", go_text(.error))]
    Host { op: &'static str, path: String, error: io::Error },
    #[error("{0}")]
    Archive(String),
    #[error(transparent)]
    Engine(#[from] EngineError),
}

impl CopyError {
    fn host(op: &'static str, path: impl Into<String>) -> impl FnOnce(io::Error) -> CopyError {
        let path = path.into();
        move |error| CopyError::Host { op, path, error }
    }
}

/// An OS error as Go writes it (`no such file or directory`), without Rust's `(os error 2)`.
fn go_text(e: &io::Error) -> String {
    let text = e.to_string();
    let text = text.split(" (os error").next().unwrap_or(&text);
    let mut chars = text.chars();
    chars.next().map(|c| c.to_lowercase().chain(chars).collect()).unwrap_or_default()
}

/// Which way a copy goes.
enum Direction<'a> {
    FromService { service: &'a str, path: &'a str, local: &'a str },
    ToService { service: &'a str, path: &'a str, local: &'a str },
}

fn direction<'a>(source: &'a str, destination: &'a str) -> Result<Direction<'a>, CopyError> {
    match (paths::endpoint(source), paths::endpoint(destination)) {
        (Endpoint::Service { .. }, Endpoint::Service { .. }) => Err(CopyError::BetweenServices),
        (Endpoint::Service { service, path }, Endpoint::Local(local)) => Ok(Direction::FromService { service, path, local }),
        (Endpoint::Local(local), Endpoint::Service { service, path }) => Ok(Direction::ToService { service, path, local }),
        (Endpoint::Local(_), Endpoint::Local(_)) => Err(CopyError::UnknownDirection),
    }
}

impl Compose {
    /// Copies between the containers of a service of `project` and the host (see the module
    /// documentation). With `dry_run`, only says which containers it would copy with.
    pub async fn copy(&self, project: &str, options: &CopyOptions, stdio: CopyStdio) -> Result<(), ComposeError> {
        let work = self.copy_uncancelled(project, options, stdio);
        tokio::select! {
            result = work => result.map_err(|e| ComposeError::Copy(Box::new(e))),
            () = self.cancel.cancelled() => Err(ComposeError::Interrupted),
        }
    }

    async fn copy_uncancelled(&self, project: &str, options: &CopyOptions, stdio: CopyStdio) -> Result<(), CopyError> {
        let project = project.to_lowercase();
        let direction = direction(&options.source, &options.destination)?;
        let service = match &direction {
            Direction::FromService { service, .. } | Direction::ToService { service, .. } => *service,
        };
        let containers = targets(&*self.engine, &project, service, options, matches!(direction, Direction::FromService { .. })).await?;
        let cwd = std::env::current_dir().map_err(CopyError::host("getwd", "."))?.to_string_lossy().into_owned();
        let event =
            |c: &ContainerSummary, status: &'static str| (self.events)(&Event { kind: "Container", name: c.name().to_string(), status });
        match direction {
            Direction::FromService { path, local, .. } => {
                let c = &containers[0];
                event(c, "Copying");
                if !self.dry_run {
                    let to = (local != "-").then(|| paths::absolute(local, &cwd));
                    download::copy(&*self.engine, &c.id, path, to.as_deref(), options.follow_link, &stdio.output).await?;
                }
                event(c, "Copied");
            }
            Direction::ToService { path, local, .. } => {
                let from = (local != "-").then(|| paths::absolute(local, &cwd));
                let source = match &from {
                    Some(from) => Some(upload::host_source(from, options.follow_link)?),
                    None => None,
                };
                let (pump, streams) = match source {
                    None => upload::fan_out(stdio.input, containers.len()),
                    Some(_) => (None, (0..containers.len()).map(|_| None).collect()),
                };
                let copies = containers.iter().zip(streams).map(|(c, input)| {
                    let source = source.clone();
                    async move {
                        event(c, "Copying");
                        if !self.dry_run {
                            upload::copy(&*self.engine, c, source.as_ref(), input, path, options).await?;
                        }
                        event(c, "Copied");
                        Ok::<(), CopyError>(())
                    }
                });
                let (_, results) = tokio::join!(
                    async {
                        if let Some(p) = pump {
                            p.await
                        }
                    },
                    join_all(copies)
                );
                results.into_iter().collect::<Result<Vec<()>, _>>()?;
            }
        }
        Ok(())
    }
}

/// The containers a copy reads from or writes to, as Docker Compose picks them: the one
/// numbered `index` (its oldest if several), else every container of the service (the first
/// one the engine lists, its newest, for a copy from it); `run` containers only with `all`.
async fn targets(
    engine: &dyn Engine,
    project: &str,
    service: &str,
    options: &CopyOptions,
    from_service: bool,
) -> Result<Vec<ContainerSummary>, CopyError> {
    let mut filter = LabelFilter::new().eq(labels::PROJECT, project).eq(labels::SERVICE, service);
    if options.index.is_some() || !options.all {
        filter = filter.eq(labels::ONEOFF, "False");
    }
    if let Some(index) = options.index {
        filter = filter.eq(labels::CONTAINER_NUMBER, index.to_string());
    }
    let mut list = engine.list_containers(true, &filter).await?;
    // The containers of `pre_start` hooks are no service's.
    list.retain(|c| !c.labels.contains_key(labels::HOOK));
    if let Some(index) = options.index {
        list.sort_by_key(|c| c.created);
        list.truncate(1);
        if list.is_empty() {
            return Err(CopyError::NoSuchIndex { service: service.to_string(), index });
        }
    }
    if list.is_empty() {
        return Err(CopyError::NoContainer(service.to_string()));
    }
    if from_service {
        list.truncate(1);
    }
    Ok(list)
}

#[cfg(test)]
mod tests;
