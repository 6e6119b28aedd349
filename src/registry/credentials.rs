//! Registry credentials, found where the docker CLI keeps them after `docker login`:
//! `$DOCKER_CONFIG/config.json` (default `~/.docker/config.json`), its `auths` entries, and the
//! `credsStore` / `credHelpers` programs (`docker-credential-NAME get`). The `docker_credential`
//! crate reads one registry's entry and speaks the helper protocol; this module adds what a
//! build needs, every known registry (the file's keys and the store's `list`), and remembers
//! each answer for the life of the command, so a helper runs once per registry.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use docker_credential::{CredentialRetrievalError, DockerCredential};

use super::reference::{hostname, Reference};
use crate::engine::RegistryAuth;

/// Why credentials could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CredentialError {
    #[error("cannot read the docker credentials file {}: {message}", path.display())]
    File { path: PathBuf, message: String },
    #[error("cannot get the credentials of registry {registry}: {message}")]
    Lookup { registry: String, message: String },
}

/// The docker CLI's configuration directory: `$DOCKER_CONFIG`, else `~/.docker`.
pub fn docker_config_dir() -> Option<PathBuf> {
    std::env::var_os("DOCKER_CONFIG")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".docker")))
}

/// Set once a broken `config.json` was warned about by the engine's context lookup, which
/// reads the file first: the credential store then reads it as none without a second warning.
static CONFIG_WARNED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// The warning for a `config.json` at `path` that does not parse (`error`), as the docker CLI
/// gives it; `None` when it was already given. The file is then read as empty.
pub fn broken_config_warning(path: &Path, error: &dyn std::fmt::Display) -> Option<String> {
    (!CONFIG_WARNED.swap(true, std::sync::atomic::Ordering::Relaxed))
        .then(|| format!("Error parsing config file ({}): {error}; it is read as empty", path.display()))
}

/// The credential store of the docker CLI, read lazily.
#[derive(Debug)]
pub struct Credentials {
    /// `config.json`; `None` when there is no home to find it in.
    file: Option<PathBuf>,
    /// Answers already given, by credential key.
    known: Mutex<HashMap<String, Option<RegistryAuth>>>,
    /// What the caller should print (a config file that does not parse), taken once.
    warnings: Mutex<Vec<String>>,
    /// The file was found broken and warned about: it is read as no file from then on.
    broken: std::sync::atomic::AtomicBool,
}

/// The keys a config file names, which are the registries a build may need.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Keys {
    #[serde(default)]
    auths: BTreeMap<String, serde_json::Value>,
    #[serde(default)]
    cred_helpers: BTreeMap<String, String>,
    #[serde(default)]
    creds_store: Option<String>,
}

impl Credentials {
    /// The docker CLI's store: `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`.
    pub fn from_env() -> Credentials {
        Credentials::at(docker_config_dir().map(|d| d.join("config.json")))
    }

    /// The store of the config directory `dir`.
    pub fn in_dir(dir: &Path) -> Credentials {
        Credentials::at(Some(dir.join("config.json")))
    }

    /// A store that knows no registry.
    pub fn none() -> Credentials {
        Credentials::at(None)
    }

    fn at(file: Option<PathBuf>) -> Credentials {
        Credentials { file, known: Mutex::default(), warnings: Mutex::default(), broken: Default::default() }
    }

    /// What reading the store found worth a warning (a config file that is not JSON), once.
    pub fn take_warnings(&self) -> Vec<String> {
        std::mem::take(&mut *self.warnings.lock().expect("never poisoned"))
    }

    /// The config file's text; `None` when there is none (nobody logged in). A file that is
    /// not JSON is read as none, with a warning, as the docker CLI reads it: a stray edit of
    /// `config.json` must not stop pulls that need no credentials.
    fn text(&self) -> Result<Option<Vec<u8>>, CredentialError> {
        use std::sync::atomic::Ordering;
        let Some(path) = &self.file else { return Ok(None) };
        if self.broken.load(Ordering::Relaxed) {
            return Ok(None);
        }
        match std::fs::read(path) {
            Ok(bytes) => match serde_json::from_slice::<serde::de::IgnoredAny>(&bytes) {
                Ok(_) => Ok(Some(bytes)),
                Err(e) => {
                    if !self.broken.swap(true, Ordering::Relaxed) && !CONFIG_WARNED.load(Ordering::Relaxed) {
                        let warning = format!("Error parsing config file ({}): {e}; no registry credentials are used", path.display());
                        self.warnings.lock().expect("never poisoned").push(warning);
                    }
                    Ok(None)
                }
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(CredentialError::File { path: path.clone(), message: e.to_string() }),
        }
    }

    /// The credentials for the registry of `image`; `None` when the store has none (the pull
    /// or push is then anonymous).
    pub fn for_image(&self, image: &str) -> Result<Option<RegistryAuth>, CredentialError> {
        match Reference::parse(image) {
            Ok(r) => self.for_key(r.auth_key()),
            Err(_) => Ok(None),
        }
    }

    /// The credentials stored under `key` (a registry host, or Docker Hub's index URL).
    pub fn for_key(&self, key: &str) -> Result<Option<RegistryAuth>, CredentialError> {
        if let Some(known) = self.known.lock().expect("never poisoned").get(key) {
            return Ok(known.clone());
        }
        let found = match self.text()? {
            None => None,
            Some(text) => self.lookup(&text, key)?,
        };
        self.known.lock().expect("never poisoned").insert(key.to_string(), found.clone());
        Ok(found)
    }

    fn lookup(&self, text: &[u8], key: &str) -> Result<Option<RegistryAuth>, CredentialError> {
        let auth = |username: Option<String>, password: Option<String>, identity_token: Option<String>| RegistryAuth {
            server_address: key.to_string(),
            username,
            password,
            identity_token,
        };
        match docker_credential::get_credential_from_reader(text, key) {
            Ok(DockerCredential::UsernamePassword(u, p)) => Ok(Some(auth(Some(u), Some(p), None))),
            Ok(DockerCredential::IdentityToken(t)) => Ok(Some(auth(None, None, Some(t)))),
            Err(CredentialRetrievalError::NoCredentialConfigured) => Ok(None),
            // What every helper answers for a registry it holds nothing for.
            Err(CredentialRetrievalError::HelperFailure { stdout, .. }) if stdout.contains("credentials not found") => Ok(None),
            Err(CredentialRetrievalError::ConfigReadError) => Err(CredentialError::File {
                path: self.file.clone().unwrap_or_default(),
                message: "not a valid docker config file (JSON)".into(),
            }),
            Err(e) => Err(CredentialError::Lookup { registry: key.to_string(), message: e.to_string().trim_end().to_string() }),
        }
    }

    /// The credentials of every registry the store knows, by key, as a build sends them
    /// (a `FROM` image may come from any of them). Registries whose lookup fails are left out,
    /// as the docker CLI leaves them out.
    pub fn all(&self) -> Result<BTreeMap<String, RegistryAuth>, CredentialError> {
        let Some(text) = self.text()? else { return Ok(BTreeMap::new()) };
        let keys: Keys = serde_json::from_slice(&text).map_err(|e| CredentialError::File {
            path: self.file.clone().unwrap_or_default(),
            message: format!("not a valid docker config file: {e}"),
        })?;
        let mut names: Vec<String> = keys.auths.keys().cloned().collect();
        if let Some(store) = &keys.creds_store {
            names.extend(helper_list(store));
        }
        names.extend(keys.cred_helpers.keys().cloned());
        let mut out = BTreeMap::new();
        for name in names {
            if out.keys().any(|k: &String| hostname(k) == hostname(&name)) {
                continue;
            }
            if let Ok(Some(auth)) = self.for_key(&name) {
                out.insert(name, auth);
            }
        }
        Ok(out)
    }
}

/// The registries a credential helper holds (`docker-credential-NAME list`: a JSON object
/// of server → user); none when the helper cannot say.
fn helper_list(helper: &str) -> Vec<String> {
    let output = std::process::Command::new(format!("docker-credential-{helper}"))
        .arg("list")
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output();
    match output {
        Ok(o) if o.status.success() => {
            serde_json::from_slice::<BTreeMap<String, String>>(&o.stdout).map(|m| m.into_keys().collect()).unwrap_or_default()
        }
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store(json: &str) -> (tempfile::TempDir, Credentials) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("config.json"), json).unwrap();
        let c = Credentials::in_dir(dir.path());
        (dir, c)
    }

    #[test]
    fn auths_entries_are_read_in_every_form() {
        // alice:secret in base64.
        let (_d, c) = store(
            r#"{"auths": {"127.0.0.1:5000": {"auth": "YWxpY2U6c2VjcmV0"},
                "http://reg.example:443/v2/": {"username": "bob", "password": "pw"},
                "https://index.docker.io/v1/": {"identitytoken": "tok"}}}"#,
        );
        let a = c.for_image("127.0.0.1:5000/team/app:1").unwrap().unwrap();
        assert_eq!((a.username.as_deref(), a.password.as_deref()), (Some("alice"), Some("secret")));
        assert_eq!(a.server_address, "127.0.0.1:5000");
        let b = c.for_image("reg.example:443/app").unwrap().unwrap();
        assert_eq!((b.username.as_deref(), b.password.as_deref()), (Some("bob"), Some("pw")), "a URL key matches its host");
        let hub = c.for_image("busybox").unwrap().unwrap();
        assert_eq!(hub.identity_token.as_deref(), Some("tok"), "docker.io and the index URL are one registry");
        assert_eq!(c.for_image("docker.io/me/app").unwrap(), Some(hub));
        assert_eq!(c.for_image("127.0.0.1:6000/app").unwrap(), None, "another port is another registry");
        let all = c.all().unwrap();
        assert_eq!(all.keys().collect::<Vec<_>>(), ["127.0.0.1:5000", "http://reg.example:443/v2/", "https://index.docker.io/v1/"]);
    }

    #[test]
    fn no_file_means_no_credentials_and_a_broken_one_is_warned_about() {
        let dir = tempfile::tempdir().unwrap();
        let c = Credentials::in_dir(dir.path());
        assert_eq!(c.for_image("127.0.0.1:5000/app").unwrap(), None);
        assert!(c.all().unwrap().is_empty());
        let (_d, c) = store("{not json");
        assert_eq!(c.for_image("127.0.0.1:5000/app").unwrap(), None, "a broken file is read as none, as the docker CLI does");
        assert!(c.all().unwrap().is_empty());
        let warnings = c.take_warnings();
        assert_eq!(warnings.len(), 1, "warned once: {warnings:?}");
        assert!(warnings[0].contains("config.json") && warnings[0].contains("key must be a string"), "{warnings:?}");
        assert!(c.take_warnings().is_empty());
    }
}
