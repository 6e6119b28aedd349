//! `config --resolve-image-digests` and `--lock-image-digests`: each service's image pinned
//! to its digest.
//!
//! As Docker Compose does, the registry is asked, through the engine, with the credentials
//! `docker login` stored for it; a registry that refuses is an error saying which `docker
//! login` to run. When the registry cannot be reached at all, the digest the engine recorded
//! when it last pulled or pushed the image (`RepoDigests`) is used, so a project whose images
//! were pulled still pins offline; an image with neither is an error naming the service and
//! the image. Pinned references are written in full, as Docker Compose writes them:
//! `docker.io/library/busybox:1.36@sha256:...`.

use super::{Compose, ComposeError};
use crate::model::Project;
use crate::registry::Reference;

/// `image` pinned to the digest of its repository among `repo_digests` (the engine's
/// `name@sha256:...` entries); `None` when none is for that repository. An image pinned
/// already keeps its digest (its tag, if any, is dropped, as Docker Compose drops it).
fn pin(image: &str, repo_digests: &[String]) -> Result<Option<String>, String> {
    let r = Reference::parse(image)?;
    if let Some(digest) = &r.digest {
        return Ok(Some(format!("{}@{digest}", r.name)));
    }
    let tag = r.tag.as_deref().unwrap_or("latest");
    Ok(repo_digests
        .iter()
        .filter_map(|d| Reference::parse(d).ok())
        .find(|d| d.name == r.name && d.digest.is_some())
        .map(|d| format!("{}:{tag}@{}", r.name, d.digest.unwrap_or_default())))
}

impl Compose {
    /// Pins the image of every service that names one to its digest (see the module docs).
    pub async fn pin_image_digests(&self, project: &mut Project) -> Result<(), ComposeError> {
        for s in project.services.values_mut().filter(|s| !s.image.is_empty()) {
            let fail = |why: String| ComposeError::NoDigest { service: s.name.clone(), image: s.image.clone(), why };
            let reference = Reference::parse(&s.image).map_err(&fail)?;
            if reference.digest.is_some() {
                s.image = pin(&s.image, &[]).map_err(&fail)?.unwrap_or_default();
                continue;
            }
            let auth = self.credentials.for_image(&s.image).map_err(|e| fail(e.to_string()))?;
            let asked = match self.engine.registry_digest(&s.image, auth.as_ref()).await {
                Ok(digest) => {
                    s.image = format!("{}:{}@{digest}", reference.name, reference.tag.as_deref().unwrap_or("latest"));
                    continue;
                }
                Err(e) if e.is_denied() => {
                    let login = crate::registry::login_command(&reference.domain);
                    let why = if auth.is_some() { "refused the credentials stored for it" } else { "asks for a login" };
                    return Err(fail(format!("{e}: registry {} {why}: run `{login}`", reference.domain)));
                }
                Err(e) => e,
            };
            let digests = match self.engine.inspect_image(&s.image).await {
                Ok(info) => info.repo_digests,
                Err(e) if e.is_not_found() => Vec::new(),
                Err(e) => return Err(e.into()),
            };
            match pin(&s.image, &digests).map_err(&fail)? {
                Some(pinned) => s.image = pinned,
                None => {
                    return Err(fail(format!(
                        "the registry did not answer ({asked}), and this engine knows no registry digest for the image \
                         (it was built here, or never pulled from or pushed to a registry)"
                    )))
                }
            }
        }
        self.warn_all(&self.credentials.take_warnings());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::sync::Arc;

    use super::*;
    use crate::engine::FakeEngine;

    const D: &str = "sha256:3fbc632167424a6d997e74f52b878d7cc478225cffac6bc977eedfe51c7f4e79";

    #[test]
    fn pins_to_the_digest_of_the_same_repository() {
        let digests = vec![format!("other@{D}"), format!("busybox@{D}")];
        assert_eq!(pin("busybox", &digests).unwrap().unwrap(), format!("docker.io/library/busybox:latest@{D}"));
        assert_eq!(pin("busybox:1.36", &digests).unwrap().unwrap(), format!("docker.io/library/busybox:1.36@{D}"));
        assert_eq!(pin("me/busybox", &digests).unwrap(), None, "another repository's digest is not this one's");
        assert_eq!(pin("busybox", &[]).unwrap(), None);
        assert_eq!(pin(&format!("busybox:1@{D}"), &[]).unwrap().unwrap(), format!("docker.io/library/busybox@{D}"), "pinned already");
    }

    #[tokio::test]
    async fn every_named_image_is_pinned_or_the_command_fails_naming_it() {
        let yaml = "services:\n  a:\n    image: busybox\n  b:\n    build: .\n";
        let fake = Arc::new(FakeEngine::new());
        fake.add_image("busybox", BTreeMap::new());
        let c = Compose::new(fake.clone());
        let mut p = crate::reconcile::testing::project(yaml);
        let e = c.pin_image_digests(&mut p).await.unwrap_err();
        assert!(e.to_string().starts_with("cannot pin image busybox of service a to a digest: the registry did not answer"), "{e}");
        fake.set_repo_digests("busybox", &[&format!("busybox@{D}")]);
        c.pin_image_digests(&mut p).await.unwrap();
        assert_eq!(p.services["a"].image, format!("docker.io/library/busybox:latest@{D}"));
        assert_eq!(p.services["b"].image, "", "a service that only builds has no image to pin");
        let mut p = crate::reconcile::testing::project("services:\n  a:\n    image: nothere:1\n");
        let e = c.pin_image_digests(&mut p).await.unwrap_err();
        assert!(e.to_string().contains("image nothere:1 of service a") && e.to_string().contains("knows no registry digest"), "{e}");
    }
}
