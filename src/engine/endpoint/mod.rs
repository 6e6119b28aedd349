//! Which engine a command talks to, and how to reach it: the docker CLI's rules, so that a
//! user's `docker context use`, `DOCKER_HOST` and TLS variables mean the same to rcompose.
//!
//! In the docker CLI's order ([`resolve`]): the `--context` flag; else `--host`/`-H` or
//! `DOCKER_HOST` (the `default` context with that address); else `DOCKER_CONTEXT`; else
//! `currentContext` of `$DOCKER_CONFIG/config.json`; else the `default` context. The `default`
//! context is the host given (or the local socket) with TLS as `DOCKER_TLS`,
//! `DOCKER_TLS_VERIFY` and `DOCKER_CERT_PATH` say; any other context is read from the docker
//! CLI's store (`store.rs`). `--context` and `--host` together are refused, as the docker CLI
//! refuses them. Nothing here connects: the result is an address and TLS files.

mod store;

use std::path::{Path, PathBuf};

/// Where the engine listens when nothing says otherwise.
pub const DEFAULT_HOST: &str = "unix:///var/run/docker.sock";
/// The context that is no entry of the store: the host of the flags and variables.
pub const DEFAULT_CONTEXT: &str = "default";

/// An engine's address and the TLS it is spoken to with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// `unix:///path`, `tcp://host:port` or `ssh://[user@]host[:port][/socket]`, as written.
    pub host: String,
    /// TLS for a `tcp://` host; `None`: plain HTTP (sockets and ssh never use it).
    pub tls: Option<Tls>,
    /// The context it comes from, when it is not `default` (error messages name it).
    pub context: Option<String>,
}

/// The TLS files and mode of an endpoint, as the docker CLI reads them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Tls {
    /// The certificate authorities the engine's certificate must chain to (`ca.pem`).
    pub ca: Option<PathBuf>,
    /// The client certificate and its key (`cert.pem`, `key.pem`), presented when both exist.
    pub cert: Option<(PathBuf, PathBuf)>,
    /// Whether the engine's certificate is checked (`DOCKER_TLS_VERIFY`, a context without
    /// `SkipTLSVerify`).
    pub verify: bool,
}

/// What the command line says about the engine (the global `--context` and `--host` flags,
/// and the docker CLI's TLS flags).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    pub context: Option<String>,
    pub host: Option<String>,
    pub tls: TlsFlags,
}

/// The docker CLI's TLS flags, for the `default` context: `--tls`, `--tlsverify` (both also
/// set by `DOCKER_TLS` and `DOCKER_TLS_VERIFY`), and the files, which otherwise are `ca.pem`,
/// `cert.pem` and `key.pem` of `DOCKER_CERT_PATH`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TlsFlags {
    pub tls: bool,
    pub verify: bool,
    pub ca: Option<PathBuf>,
    pub cert: Option<PathBuf>,
    pub key: Option<PathBuf>,
}

/// Why no endpoint could be decided.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum EndpointError {
    #[error("conflicting options: cannot specify both --host and --context")]
    Conflict,
    #[error("context {name:?} not found: no {} (`docker context ls` lists the contexts)", meta.display())]
    UnknownContext { name: String, meta: PathBuf },
    #[error("context {name:?}: cannot read {}: {reason}", path.display())]
    BadContext { name: String, path: PathBuf, reason: String },
    #[error("context {name:?} has no docker endpoint")]
    NoDockerEndpoint { name: String },
    #[error("cannot read the docker CLI's configuration {}: {reason}", path.display())]
    BadConfig { path: PathBuf, reason: String },
    #[error("TLS: cannot read {}: {reason}", path.display())]
    TlsFile { path: PathBuf, reason: String },
}

impl Endpoint {
    /// The endpoint of the `default` context: `host` (else the local socket), TLS as the
    /// variables say.
    fn default_context(
        host: Option<String>,
        flags: &TlsFlags,
        env: &dyn Fn(&str) -> Option<String>,
        config_dir: Option<&Path>,
    ) -> Result<Self, EndpointError> {
        let verify = flags.verify || env("DOCKER_TLS_VERIFY").is_some();
        let tls = verify || flags.tls || env("DOCKER_TLS").is_some();
        let tls = if tls { Some(default_tls(verify, flags, env, config_dir)?) } else { None };
        let host = host.unwrap_or_else(|| DEFAULT_HOST.to_string());
        let host = with_default_port(&host, tls.is_some());
        Ok(Endpoint { host, tls, context: None })
    }

    /// The address with the context it comes from, for messages: `tcp://10.0.0.2:2376
    /// (context "prod")`.
    pub fn describe(&self) -> String {
        match &self.context {
            Some(name) => format!("{} (context {name:?})", self.host),
            None => self.host.clone(),
        }
    }
}

/// The endpoint `selection` and the environment (`env`) designate. `home` is the user's home
/// directory (for `~/.docker`).
pub fn resolve(selection: &Selection, env: &dyn Fn(&str) -> Option<String>, home: Option<&Path>) -> Result<Endpoint, EndpointError> {
    let non_empty = |v: Option<String>| v.filter(|s| !s.is_empty());
    if selection.context.is_some() && selection.host.is_some() {
        return Err(EndpointError::Conflict);
    }
    let config_dir = non_empty(env("DOCKER_CONFIG")).map(PathBuf::from).or_else(|| home.map(|h| h.join(".docker")));
    let env = |k: &str| non_empty(env(k));
    let name = match (&selection.context, &selection.host) {
        (Some(name), _) => name.clone(),
        (None, Some(host)) => return Endpoint::default_context(Some(host.clone()), &selection.tls, &env, config_dir.as_deref()),
        (None, None) if env("DOCKER_HOST").is_some() => {
            return Endpoint::default_context(env("DOCKER_HOST"), &selection.tls, &env, config_dir.as_deref())
        }
        (None, None) => match env("DOCKER_CONTEXT") {
            Some(name) => name,
            None => match &config_dir {
                Some(dir) => store::current_context(dir)?.unwrap_or_else(|| DEFAULT_CONTEXT.to_string()),
                None => DEFAULT_CONTEXT.to_string(),
            },
        },
    };
    if name == DEFAULT_CONTEXT {
        // The default context is the variables' host: `--context default` with DOCKER_HOST set
        // talks to DOCKER_HOST, as in the docker CLI.
        return Endpoint::default_context(env("DOCKER_HOST"), &selection.tls, &env, config_dir.as_deref());
    }
    let Some(dir) = config_dir else {
        return Err(EndpointError::UnknownContext { name, meta: PathBuf::from("~/.docker/contexts (no HOME)") });
    };
    let found = store::load(&dir, &name)?;
    let host = with_default_port(&found.host, found.tls.is_some());
    Ok(Endpoint { host, tls: found.tls, context: Some(name) })
}

/// What resolving an endpoint found worth a warning (a `config.json` that does not parse), kept
/// for the caller to print ([`take_warnings`]): nothing here writes to the terminal.
static WARNINGS: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

fn keep_warning(warning: String) {
    WARNINGS.lock().unwrap_or_else(|e| e.into_inner()).push(warning);
}

/// The warnings resolving endpoints gave since the last call.
pub fn take_warnings() -> Vec<String> {
    std::mem::take(&mut *WARNINGS.lock().unwrap_or_else(|e| e.into_inner()))
}

/// [`resolve`] with the process environment.
pub fn from_env(selection: &Selection) -> Result<Endpoint, EndpointError> {
    let home = std::env::var_os("HOME").map(PathBuf::from);
    resolve(selection, &|k| std::env::var(k).ok(), home.as_deref())
}

/// The TLS of the default context: the files the flags name, else `DOCKER_CERT_PATH` (else the
/// configuration directory) holding `ca.pem`, `cert.pem` and `key.pem`. As in the docker CLI,
/// a missing default client certificate or key is no error (none is presented); a file a flag
/// names must exist, and so must `ca.pem` when the engine's certificate is to be checked.
fn default_tls(
    verify: bool,
    flags: &TlsFlags,
    env: &dyn Fn(&str) -> Option<String>,
    config_dir: Option<&Path>,
) -> Result<Tls, EndpointError> {
    let dir = env("DOCKER_CERT_PATH").map(PathBuf::from).or_else(|| config_dir.map(Path::to_path_buf)).unwrap_or_default();
    let missing = |path: PathBuf, why: &str| EndpointError::TlsFile { path, reason: format!("no such file ({why})") };
    // The file a flag (`--tls{flag}`) names, else `file` of the directory when it exists.
    let pick = |given: &Option<PathBuf>, flag: &str, file: &str| -> Result<Option<PathBuf>, EndpointError> {
        match given {
            Some(path) if path.is_file() => Ok(Some(path.clone())),
            Some(path) => Err(missing(path.clone(), &format!("--tls{flag}"))),
            None => Ok(Some(dir.join(file)).filter(|p| p.is_file())),
        }
    };
    let ca = pick(&flags.ca, "cacert", "ca.pem")?;
    if verify && ca.is_none() {
        return Err(missing(dir.join("ca.pem"), "DOCKER_CERT_PATH names the directory of ca.pem"));
    }
    let (cert, key) = (pick(&flags.cert, "cert", "cert.pem")?, pick(&flags.key, "key", "key.pem")?);
    Ok(Tls { ca, cert: cert.zip(key), verify })
}

/// `tcp://host` with the docker CLI's default port: 2376 with TLS, 2375 without; an empty
/// host is the local one.
fn with_default_port(host: &str, tls: bool) -> String {
    let Some(rest) = host.strip_prefix("tcp://") else { return host.to_string() };
    let (authority, path) = rest.find('/').map(|i| rest.split_at(i)).unwrap_or((rest, ""));
    let (name, port) = split_port(authority);
    let name = if name.is_empty() { "127.0.0.1" } else { name };
    let port = port.filter(|p| !p.is_empty()).map(str::to_string).unwrap_or_else(|| if tls { "2376" } else { "2375" }.to_string());
    format!("tcp://{name}:{port}{path}")
}

/// `host:port` or `[v6]:port` as host and port.
fn split_port(authority: &str) -> (&str, Option<&str>) {
    if let Some(end) = authority.strip_prefix('[').and_then(|r| r.find(']')) {
        let (name, after) = authority.split_at(end + 2);
        return (name, after.strip_prefix(':'));
    }
    match authority.rsplit_once(':') {
        Some((name, port)) => (name, Some(port)),
        None => (authority, None),
    }
}

#[cfg(test)]
mod tests;
