//! Image references as the docker CLI parses them (`ParseNormalizedNamed`): which registry an
//! image comes from, and its full name.

/// The registry of images named without one (`busybox`, `me/app`).
pub const DOCKER_HUB: &str = "docker.io";
/// The key under which the docker CLI stores Docker Hub's credentials.
pub const DOCKER_HUB_KEY: &str = "https://index.docker.io/v1/";

/// An image reference split as the registry sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// `docker.io`, `registry:5000`, `localhost`.
    pub domain: String,
    /// `docker.io/library/busybox`, `registry:5000/team/app`.
    pub name: String,
    pub tag: Option<String>,
    pub digest: Option<String>,
}

impl Reference {
    /// `busybox`, `busybox:1.36`, `reg:5000/a/b@sha256:...`: the short forms completed with
    /// the default registry and `library/`, as the docker CLI and the engine complete them. The
    /// first path component is a registry when it has a `.` or a `:`, is `localhost`, or has
    /// upper-case letters.
    pub fn parse(reference: &str) -> Result<Reference, String> {
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
            Some((d, p)) if d.contains(['.', ':']) || d == "localhost" || d.to_lowercase() != d => (d.to_string(), p.to_string()),
            _ => (DOCKER_HUB.to_string(), name.to_string()),
        };
        if path.is_empty() || path.chars().any(|c| c.is_ascii_uppercase()) {
            return Err(invalid("repository names must be lowercase"));
        }
        let domain = if domain == "index.docker.io" { DOCKER_HUB.to_string() } else { domain };
        let path = if domain == DOCKER_HUB && !path.contains('/') { format!("library/{path}") } else { path };
        Ok(Reference { name: format!("{domain}/{path}"), domain, tag, digest })
    }

    /// The key of this image's registry in the docker CLI's credential store: Docker Hub's
    /// index URL, or the registry's host (and port).
    pub fn auth_key(&self) -> &str {
        if self.domain == DOCKER_HUB {
            DOCKER_HUB_KEY
        } else {
            &self.domain
        }
    }
}

/// A credential-store key reduced to the registry host, as the docker CLI compares keys
/// (`ConvertToHostname`): `https://index.docker.io/v1/` is `index.docker.io`, Docker Hub's names
/// are all one.
pub fn hostname(key: &str) -> &str {
    let bare = key.strip_prefix("http://").or_else(|| key.strip_prefix("https://")).unwrap_or(key);
    let host = bare.split('/').next().unwrap_or(bare);
    match host {
        "docker.io" | "registry-1.docker.io" | "index.docker.io" => "index.docker.io",
        other => other,
    }
}

/// The `docker login` command that stores credentials for `registry` (a reference's domain).
pub fn login_command(registry: &str) -> String {
    if registry == DOCKER_HUB {
        "docker login".to_string()
    } else {
        format!("docker login {registry}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const D: &str = "sha256:3fbc632167424a6d997e74f52b878d7cc478225cffac6bc977eedfe51c7f4e79";

    #[test]
    fn references_are_completed_as_the_engine_completes_them() {
        let r = |s: &str| Reference::parse(s).unwrap();
        assert_eq!(r("busybox").name, "docker.io/library/busybox");
        assert_eq!(r("busybox").domain, "docker.io");
        assert_eq!(r("me/app:1").name, "docker.io/me/app");
        assert_eq!(r("me/app:1").tag.as_deref(), Some("1"));
        assert_eq!(r("localhost/app").name, "localhost/app");
        assert_eq!(r("localhost/app").domain, "localhost");
        assert_eq!(r("reg:5000/a/b:v2").name, "reg:5000/a/b");
        assert_eq!(r("reg:5000/a/b:v2").domain, "reg:5000");
        assert_eq!(r("reg:5000/a/b:v2").tag.as_deref(), Some("v2"));
        assert_eq!(r("index.docker.io/me/app").name, "docker.io/me/app");
        assert_eq!(r("Reg/app").domain, "Reg", "an upper-case first component is a registry");
        assert_eq!(r(&format!("busybox@{D}")).digest.as_deref(), Some(D));
        assert!(Reference::parse("Busybox").is_err());
        assert!(Reference::parse("busybox:").is_err());
    }

    #[test]
    fn docker_hub_images_share_one_credential_key() {
        assert_eq!(Reference::parse("busybox").unwrap().auth_key(), DOCKER_HUB_KEY);
        assert_eq!(Reference::parse("docker.io/me/app").unwrap().auth_key(), DOCKER_HUB_KEY);
        assert_eq!(Reference::parse("127.0.0.1:5000/app").unwrap().auth_key(), "127.0.0.1:5000");
        assert_eq!(hostname(DOCKER_HUB_KEY), "index.docker.io");
        assert_eq!(hostname("docker.io"), "index.docker.io");
        assert_eq!(hostname("http://127.0.0.1:5000/v2/"), "127.0.0.1:5000");
        assert_eq!(hostname("127.0.0.1:5000"), "127.0.0.1:5000");
    }
}
