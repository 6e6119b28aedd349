//! Image builds through the engine's classic builder (no BuildKit).
//!
//! `job` turns a service's `build:` section into a [`BuildJob`] (pure, so the planner can
//! decide and print builds); `context` archives the context directory honouring
//! `.dockerignore` (through `archive`, the tar writer `watch` shares); [`run`] sends the
//! archive to the engine, relays the build's output line by line, and gives the result every
//! tag it should have. Several services whose builds are the same are built once (the
//! planner merges them).

pub mod archive;
mod context;
mod ignore;
mod job;

use std::path::PathBuf;

use futures_util::StreamExt;

use crate::engine::{BuildOptions, Engine, EngineError, ImageMessage};

pub use context::Context;
pub use ignore::Ignore;
pub use job::{job, Overrides, BUILDER_LABEL};

/// One build: what to send, how, and what to call the result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildJob {
    /// The context directory (absolute).
    pub context: PathBuf,
    pub dockerfile: Dockerfile,
    /// The engine's options; `dockerfile` and `tag` are filled in when the build runs.
    pub options: BuildOptions,
    /// The references the image gets, the first one by the build itself; never empty.
    pub tags: Vec<String>,
    /// The services that use the result, for messages.
    pub services: Vec<String>,
    /// Keep the build's own output lines to itself (`up --quiet-build`).
    pub quiet: bool,
}

/// Where a build's Dockerfile comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dockerfile {
    /// A file of the context, by its `/`-separated path inside it.
    InContext(String),
    /// A file outside the context (sent inside the archive under a generated name).
    Outside(PathBuf),
    /// `dockerfile_inline`: the text itself.
    Inline(String),
}

/// Why a build could not be made or failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BuildError {
    /// The service's build section asks for something that cannot be built here.
    #[error("service {service}: {message}")]
    Invalid { service: String, message: String },
    /// The context directory, its `.dockerignore` or the Dockerfile is missing or unreadable.
    #[error("{}: {message}", path.display())]
    Context { path: PathBuf, message: String },
    /// The engine refused the build or a step failed (the engine's message).
    #[error(transparent)]
    Engine(#[from] EngineError),
}

impl BuildJob {
    /// `web`, or `web, worker` when several services share the build.
    pub fn service_list(&self) -> String {
        self.services.join(", ")
    }
}

/// Builds `job` and tags the result; returns the image id. Each line of the build's output
/// goes to `output` as it arrives.
/// `auths` are the credentials of every known registry, for a `FROM` image that needs a login.
pub async fn run(
    engine: &dyn Engine,
    job: &BuildJob,
    auths: &std::collections::BTreeMap<String, crate::engine::RegistryAuth>,
    output: &(dyn Fn(&str) + Send + Sync),
) -> Result<String, BuildError> {
    let (dir, dockerfile) = (job.context.clone(), job.dockerfile.clone());
    let context = tokio::task::spawn_blocking(move || Context::scan(&dir, &dockerfile))
        .await
        .map_err(|e| BuildError::Context { path: job.context.clone(), message: format!("scanning the context failed: {e}") })??;
    let options = BuildOptions {
        dockerfile: context.dockerfile.clone(),
        tag: job.tags.first().cloned(),
        registry_auths: auths.clone(),
        ..job.options.clone()
    };
    let (body, context_failure) = context.into_stream();
    let mut progress = engine.build_image(body, &options);
    let mut lines = Lines::default();
    let mut id = None;
    while let Some(item) = progress.next().await {
        match item {
            Ok(ImageMessage::Output(text)) => lines.push(&text, output),
            Ok(ImageMessage::Status { status, .. }) => output(&status),
            Ok(ImageMessage::ImageId(i)) => id = Some(i),
            Err(e) => {
                lines.flush(output);
                if let Some(message) = context_failure.lock().expect("never poisoned").take() {
                    return Err(BuildError::Context { path: job.context.clone(), message });
                }
                return Err(e.into());
            }
        }
    }
    lines.flush(output);
    let id = match id {
        Some(id) => id,
        None => engine.inspect_image(&job.tags[0]).await?.id,
    };
    for tag in &job.tags[1..] {
        engine.tag_image(&id, tag).await?;
    }
    Ok(id)
}

/// Build output arrives in fragments; this hands it on in whole lines, blank ones dropped.
#[derive(Default)]
struct Lines {
    partial: String,
}

impl Lines {
    fn push(&mut self, text: &str, output: &(dyn Fn(&str) + Send + Sync)) {
        self.partial.push_str(text);
        while let Some(end) = self.partial.find('\n') {
            let line: String = self.partial.drain(..=end).collect();
            let line = line.trim_end();
            if !line.trim().is_empty() {
                output(line);
            }
        }
    }

    fn flush(&mut self, output: &(dyn Fn(&str) + Send + Sync)) {
        let rest = std::mem::take(&mut self.partial);
        if !rest.trim().is_empty() {
            output(rest.trim_end());
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;
    use crate::engine::FakeEngine;

    #[test]
    fn fragments_become_lines() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = seen.clone();
        let out = move |l: &str| sink.lock().unwrap().push(l.to_string());
        let mut lines = Lines::default();
        lines.push("Step 1/2 : FR", &out);
        lines.push("OM busybox\n ---> 6b56\n\n", &out);
        lines.push("tail", &out);
        lines.flush(&out);
        assert_eq!(*seen.lock().unwrap(), ["Step 1/2 : FROM busybox", " ---> 6b56", "tail"]);
    }

    #[tokio::test]
    async fn a_build_is_tagged_with_every_name() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("Dockerfile"), "FROM busybox").unwrap();
        let fake = FakeEngine::new();
        let job = BuildJob {
            context: dir.path().to_path_buf(),
            dockerfile: Dockerfile::InContext("Dockerfile".into()),
            options: BuildOptions::default(),
            tags: vec!["p-a".into(), "p-b".into()],
            services: vec!["a".into(), "b".into()],
            quiet: false,
        };
        let id = run(&fake, &job, &Default::default(), &|_: &str| {}).await.unwrap();
        assert_eq!(fake.inspect_image("p-b").await.unwrap().id, id);
        assert_eq!(fake.inspect_image("p-a").await.unwrap().id, id);
        let missing = BuildJob { dockerfile: Dockerfile::InContext("nope".into()), ..job };
        let e = run(&fake, &missing, &Default::default(), &|_: &str| {}).await.unwrap_err();
        assert!(matches!(e, BuildError::Context { .. }), "{e}");
    }
}
