//! `config --resolve-image-digests`: each service's image pinned to the digest the engine
//! knows for it (`RepoDigests`, set when the image was pulled from or pushed to a registry).
//!
//! Docker Compose asks the registry for the digest; there is none to ask here, so an image the
//! engine holds no digest for is an error naming the service and the image, as a registry that
//! cannot answer is an error in Docker Compose. Pinned references are written in full, as
//! Docker Compose writes them: `docker.io/library/busybox:1.36@sha256:...`.

use super::{Compose, ComposeError};
use crate::model::Project;

/// An image reference split as the registry sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Reference {
    /// `docker.io/library/busybox`, `registry:5000/team/app`.
    name: String,
    tag: Option<String>,
    digest: Option<String>,
}

impl Reference {
    /// `busybox`, `busybox:1.36`, `reg:5000/a/b@sha256:...`: the short forms completed with
    /// the default registry and `library/`, as the engine completes them.
    fn parse(reference: &str) -> Result<Reference, String> {
        let invalid = |why: &str| format!("invalid image reference {reference:?}: {why}");
        let (rest, digest) = match reference.split_once('@') {
            Some((r, d)) if d.contains(':') => (r, Some(d.to_string())),
            Some(_) => return Err(invalid("a digest is algorithm:hex")),
            None => (reference, None),
        };
        let slash = rest.rfind('/').map_or(0, |i| i + 1);
        let (name, tag) = match rest[slash..].rfind(':') {
            Some(i) => (&rest[..slash + i], Some(rest[slash + i + 1..].to_string())),
            None => (rest, None),
        };
        if name.is_empty() || tag.as_deref() == Some("") {
            return Err(invalid("empty name or tag"));
        }
        let (domain, path) = match name.split_once('/') {
            Some((d, p)) if d.contains(['.', ':']) || d == "localhost" => (d.to_string(), p.to_string()),
            _ => ("docker.io".to_string(), name.to_string()),
        };
        if path.chars().any(|c| c.is_ascii_uppercase()) {
            return Err(invalid("repository names must be lowercase"));
        }
        let domain = if domain == "index.docker.io" { "docker.io".to_string() } else { domain };
        let path = if domain == "docker.io" && !path.contains('/') { format!("library/{path}") } else { path };
        Ok(Reference { name: format!("{domain}/{path}"), tag, digest })
    }
}

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
            let digests = match Reference::parse(&s.image).map_err(&fail)?.digest {
                Some(_) => Vec::new(),
                None => match self.engine.inspect_image(&s.image).await {
                    Ok(info) => info.repo_digests,
                    Err(e) if e.is_not_found() => return Err(fail("the image is not on this engine; pull it first".into())),
                    Err(e) => return Err(e.into()),
                },
            };
            match pin(&s.image, &digests).map_err(&fail)? {
                Some(pinned) => s.image = pinned,
                None => {
                    return Err(fail(
                        "the engine knows no registry digest for it (it was built here, or never pulled from or pushed to a registry)"
                            .into(),
                    ))
                }
            }
        }
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
    fn references_are_completed_as_the_engine_completes_them() {
        let r = |s: &str| Reference::parse(s).unwrap();
        assert_eq!(r("busybox").name, "docker.io/library/busybox");
        assert_eq!(r("me/app:1").name, "docker.io/me/app");
        assert_eq!(r("me/app:1").tag.as_deref(), Some("1"));
        assert_eq!(r("localhost/app").name, "localhost/app");
        assert_eq!(r("reg:5000/a/b:v2").name, "reg:5000/a/b");
        assert_eq!(r("reg:5000/a/b:v2").tag.as_deref(), Some("v2"));
        assert_eq!(r(&format!("busybox@{D}")).digest.as_deref(), Some(D));
        assert!(Reference::parse("Busybox").is_err());
        assert!(Reference::parse("busybox:").is_err());
    }

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
        assert!(e.to_string().starts_with("cannot pin image busybox of service a to a digest: the engine knows no registry digest"), "{e}");
        fake.set_repo_digests("busybox", &[&format!("busybox@{D}")]);
        c.pin_image_digests(&mut p).await.unwrap();
        assert_eq!(p.services["a"].image, format!("docker.io/library/busybox:latest@{D}"));
        assert_eq!(p.services["b"].image, "", "a service that only builds has no image to pin");
        let mut p = crate::reconcile::testing::project("services:\n  a:\n    image: nothere:1\n");
        let e = c.pin_image_digests(&mut p).await.unwrap_err();
        assert!(e.to_string().contains("image nothere:1 of service a") && e.to_string().contains("not on this engine"), "{e}");
    }
}
