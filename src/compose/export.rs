//! `export` and `commit`: a service container's file system as a tar archive, or as a new
//! image. The container is chosen as `exec` chooses it (running ones only, `--index`, one-off
//! containers last), as Docker Compose does.
//!
//! An export streams: each chunk the engine sends is written before the next is read, to
//! standard output or to a temporary file beside the destination that replaces it only once
//! complete (a failed export leaves no half archive under the destination's name).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use futures_util::StreamExt;
use tokio::io::AsyncWriteExt;

use super::{Compose, ComposeError};
use crate::engine::CommitOptions;
use crate::output::{Detail, Event};

/// Where the chunks of a streamed export are written, in order.
pub type ChunkSink = Arc<dyn Fn(&[u8]) -> std::io::Result<()> + Send + Sync>;

/// Where an export goes.
#[derive(Clone)]
pub enum ExportTo {
    /// Each chunk handed over as it arrives (standard output); an error ends the export.
    Stream(ChunkSink),
    /// A file, replaced atomically once the archive is complete (mode 0600, as Docker Compose's).
    File(PathBuf),
}

/// Why an export could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("failed to export container: invalid output path: directory {0:?} does not exist")]
    NoDirectory(String),
    #[error("failed to export container: invalid output path: {0:?} is a directory")]
    IsDirectory(String),
    #[error("failed to export container: writing {path}")]
    Write { path: String, source: std::io::Error },
}

impl Compose {
    /// Writes the file system of `service`'s running container (number `index`, else the
    /// lowest-numbered) to `to`. Dry-running, finds the container and writes nothing.
    pub async fn export(&self, project: &str, service: &str, index: Option<u32>, to: ExportTo) -> Result<(), ComposeError> {
        let container = self.service_container(project, service, index).await?;
        if let ExportTo::File(path) = &to {
            check_output_path(path)?;
        }
        let name = container.name().to_string();
        (self.events)(&Event { kind: "Container", name: name.clone(), status: "Exporting" });
        if !self.dry_run {
            let chunks = self.engine.export_container(&container.id);
            match to {
                ExportTo::Stream(write) => write_stream(chunks, |b| write(b), "standard output").await?,
                ExportTo::File(path) => write_file(chunks, &path).await?,
            }
        }
        (self.events)(&Event { kind: "Container", name, status: "Exported" });
        Ok(())
    }

    /// Makes an image of `service`'s running container (number `index`, else the
    /// lowest-numbered); returns its id. Dry-running, finds the container and makes nothing.
    pub async fn commit(&self, project: &str, service: &str, index: Option<u32>, options: &CommitOptions) -> Result<String, ComposeError> {
        let container = self.service_container(project, service, index).await?;
        let name = container.name().to_string();
        (self.events)(&Event { kind: "Container", name: name.clone(), status: "Committing" });
        if self.dry_run {
            (self.events)(&Event { kind: "Container", name, status: "Committed" });
            return Ok(String::new());
        }
        let id = self.engine.commit_container(&container.id, options).await?;
        (self.details)(&Detail::line(&name, &format!("Committed as {id}")));
        (self.events)(&Event { kind: "Container", name, status: "Committed" });
        Ok(id)
    }
}

/// The docker CLI's checks of an output path: its directory exists, and it is no directory.
fn check_output_path(path: &Path) -> Result<(), ExportError> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
    if let Some(dir) = dir {
        if !dir.exists() {
            return Err(ExportError::NoDirectory(dir.display().to_string()));
        }
    }
    if path.is_dir() {
        return Err(ExportError::IsDirectory(path.display().to_string()));
    }
    Ok(())
}

async fn write_stream(
    mut chunks: crate::engine::EngineStream<'_, bytes::Bytes>,
    mut write: impl FnMut(&[u8]) -> std::io::Result<()>,
    what: &str,
) -> Result<(), ComposeError> {
    while let Some(chunk) = chunks.next().await {
        write(&chunk?).map_err(|source| ExportError::Write { path: what.to_string(), source })?;
    }
    Ok(())
}

async fn write_file(chunks: crate::engine::EngineStream<'_, bytes::Bytes>, path: &Path) -> Result<(), ComposeError> {
    let failed = |source| ExportError::Write { path: path.display().to_string(), source };
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let temp = tempfile::Builder::new().prefix(".rcompose-export-").tempfile_in(dir).map_err(failed)?;
    let mut file = tokio::fs::File::from_std(temp.as_file().try_clone().map_err(failed)?);
    let mut chunks = chunks;
    while let Some(chunk) = chunks.next().await {
        file.write_all(&chunk?).await.map_err(failed)?;
    }
    file.flush().await.map_err(failed)?;
    file.sync_all().await.map_err(failed)?;
    drop(file);
    temp.persist(path).map_err(|e| failed(e.error))?;
    Ok(())
}
