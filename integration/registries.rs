//! Image registries the tests start themselves: Debian's `docker-registry` (the CNCF
//! distribution registry) on free loopback ports, one open and one behind htpasswd basic
//! auth, each with a storage folder and a config file of its own. The engine trusts
//! 127.0.0.0/8 over plain HTTP, so no certificate is needed.
//!
//! They start on first use, once per test binary, and stop when it exits: an `atexit` hook
//! kills them and removes their folders, and each is also started with a parent-death
//! signal, bound to a thread that lives as long as the process, in case it dies abruptly.
//! Seed images are built FROM the local busybox and pushed with the docker CLI, so no
//! outside registry is ever reached. Every test uses repositories named after itself.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use crate::harness::{ensure_busybox, BUSYBOX};

/// The user and password of the registry behind basic auth.
pub const USER: &str = "rctest";
pub const PASSWORD: &str = "s3cret-pw";

/// One running registry.
pub struct Registry {
    /// `127.0.0.1:PORT`.
    pub host: String,
    /// Its access log (one line per request).
    pub log: PathBuf,
    /// Whether it asks for basic auth.
    pub auth: bool,
}

pub struct Registries {
    pub open: Registry,
    pub private: Registry,
    /// A docker config directory logged in to `private` (an `auths` entry).
    pub login: PathBuf,
    /// A docker config directory with no credentials.
    pub anonymous: PathBuf,
}

/// What the exit hook cleans up: the registries' processes, their folders, their hosts.
#[allow(clippy::type_complexity)]
static STARTED: Mutex<(Vec<u32>, Vec<PathBuf>, Vec<String>)> = Mutex::new((Vec::new(), Vec::new(), Vec::new()));

extern "C" fn stop_registries() {
    if let Ok(started) = STARTED.lock() {
        // The local images of these registries' repositories (tagged or left dangling by a
        // test that failed half-way): their names hold this run's ports, so they are ours.
        let hosts: Vec<String> = started.2.iter().map(|h| format!("{h}/")).collect();
        let listed = Command::new("docker").args(["images", "--format", "{{.Repository}} {{.ID}}"]).output();
        if let (false, Ok(out)) = (hosts.is_empty(), listed) {
            let ids: Vec<String> = String::from_utf8_lossy(&out.stdout)
                .lines()
                .filter_map(|l| l.split_once(' '))
                .filter(|(repo, _)| hosts.iter().any(|h| repo.starts_with(h.as_str())))
                .map(|(_, id)| id.to_string())
                .collect();
            if !ids.is_empty() {
                let _ = Command::new("docker").args(["rmi", "-f"]).args(&ids).output();
            }
        }
        for pid in &started.0 {
            // SAFETY: sending a signal to a child this process started.
            unsafe { libc::kill(*pid as i32, libc::SIGTERM) };
        }
        for dir in &started.1 {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// The two registries, started on first use.
pub fn registries() -> &'static Registries {
    static REGISTRIES: OnceLock<Result<Registries, String>> = OnceLock::new();
    match REGISTRIES.get_or_init(start_all) {
        Ok(r) => r,
        Err(e) => panic!("the test registries cannot be started: {e} (install them with `apt-get install docker-registry apache2-utils`)"),
    }
}

fn start_all() -> Result<Registries, String> {
    ensure_busybox();
    let root = std::env::temp_dir().join(format!("rcompose-registries-{}", std::process::id()));
    std::fs::create_dir_all(&root).map_err(|e| e.to_string())?;
    STARTED.lock().unwrap().1.push(root.clone());
    // SAFETY: registering a plain extern "C" function.
    unsafe { libc::atexit(stop_registries) };
    let htpasswd = root.join("htpasswd");
    let out = Command::new("htpasswd").args(["-Bbn", USER, PASSWORD]).output().map_err(|e| format!("cannot run htpasswd: {e}"))?;
    if !out.status.success() {
        return Err(format!("htpasswd failed: {}", String::from_utf8_lossy(&out.stderr)));
    }
    std::fs::write(&htpasswd, &out.stdout).map_err(|e| e.to_string())?;
    let open = start(&root, "open", None)?;
    let private = start(&root, "private", Some(&htpasswd))?;
    let anonymous = root.join("docker-anonymous");
    std::fs::create_dir_all(&anonymous).map_err(|e| e.to_string())?;
    let login = root.join("docker-login");
    write_config(&login, &auths_json(&private.host));
    Ok(Registries { open, private, login, anonymous })
}

/// `{"auths": {host: {"auth": base64(user:password)}}}`.
pub fn auths_json(host: &str) -> String {
    format!(r#"{{"auths": {{"{host}": {{"auth": "{}"}}}}}}"#, base64(&format!("{USER}:{PASSWORD}")))
}

/// Writes `dir/config.json`.
pub fn write_config(dir: &Path, json: &str) {
    std::fs::create_dir_all(dir).expect("config dir");
    std::fs::write(dir.join("config.json"), json).expect("config.json");
}

fn base64(text: &str) -> String {
    let out = Command::new("base64").arg("-w0").stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().and_then(|mut c| {
        c.stdin.take().expect("stdin").write_all(text.as_bytes())?;
        c.wait_with_output()
    });
    String::from_utf8(out.expect("base64").stdout).expect("ascii")
}

/// Starts one registry on a free port and waits until it answers.
fn start(root: &Path, name: &str, htpasswd: Option<&Path>) -> Result<Registry, String> {
    let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map_err(|e| e.to_string())?.port();
    let storage = root.join(name);
    std::fs::create_dir_all(&storage).map_err(|e| e.to_string())?;
    let auth = htpasswd.map(|p| format!("auth:\n  htpasswd:\n    realm: rcompose-tests\n    path: {}\n", p.display())).unwrap_or_default();
    let config = format!(
        "version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:{port}\n  secret: rcompose-tests\n{auth}",
        storage.display()
    );
    let config_file = root.join(format!("{name}.yml"));
    std::fs::write(&config_file, config).map_err(|e| e.to_string())?;
    let log = root.join(format!("{name}.log"));
    let log_file = std::fs::File::create(&log).map_err(|e| e.to_string())?;
    let err_file = log_file.try_clone().map_err(|e| e.to_string())?;
    let child = keeper().spawn(Command::new("docker-registry").arg("serve").arg(&config_file).stdout(log_file).stderr(err_file))?;
    STARTED.lock().unwrap().0.push(child.id());
    let host = format!("127.0.0.1:{port}");
    STARTED.lock().unwrap().2.push(host.clone());
    let deadline = Instant::now() + Duration::from_secs(20);
    while http_get(&host, "/v2/", None).is_err() {
        if Instant::now() > deadline {
            return Err(format!("registry {name} does not answer on {host} (see {})", log.display()));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(Registry { host, log, auth: htpasswd.is_some() })
}

/// The thread the registries (and `remote.rs`'s sshd) are children of: it lives as long as
/// the process, so the parent-death signal reaches them only when the process ends.
pub struct Keeper {
    requests: std::sync::mpsc::Sender<(Command, std::sync::mpsc::Sender<std::io::Result<Child>>)>,
}

pub fn keeper() -> &'static Mutex<Keeper> {
    static KEEPER: OnceLock<Mutex<Keeper>> = OnceLock::new();
    KEEPER.get_or_init(|| {
        let (tx, rx) = std::sync::mpsc::channel::<(Command, std::sync::mpsc::Sender<std::io::Result<Child>>)>();
        std::thread::spawn(move || {
            for (mut cmd, reply) in rx.iter() {
                use std::os::unix::process::CommandExt;
                // SAFETY: prctl is async-signal-safe, as pre_exec requires.
                unsafe {
                    cmd.pre_exec(|| {
                        libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM);
                        Ok(())
                    });
                }
                let _ = reply.send(cmd.spawn());
            }
            // Keep the children's parent thread alive until the process exits.
            loop {
                std::thread::park();
            }
        });
        Mutex::new(Keeper { requests: tx })
    })
}

pub trait Spawn {
    fn spawn(&self, cmd: &mut Command) -> Result<Child, String>;
}

impl Spawn for Mutex<Keeper> {
    fn spawn(&self, cmd: &mut Command) -> Result<Child, String> {
        let (tx, rx) = std::sync::mpsc::channel();
        let owned = std::mem::replace(cmd, Command::new("true"));
        let program = owned.get_program().to_string_lossy().into_owned();
        self.lock().unwrap().requests.send((owned, tx)).map_err(|e| e.to_string())?;
        rx.recv().map_err(|e| e.to_string())?.map_err(|e| format!("cannot start {program}: {e}"))
    }
}

/// A plain HTTP/1.0 GET on the registry; returns the status and the body.
pub fn http_get(host: &str, path: &str, basic: Option<(&str, &str)>) -> std::io::Result<(u16, String)> {
    let mut s = std::net::TcpStream::connect(host)?;
    s.set_read_timeout(Some(Duration::from_secs(10)))?;
    let auth = basic.map(|(u, p)| format!("Authorization: Basic {}\r\n", base64(&format!("{u}:{p}")))).unwrap_or_default();
    let accept = "Accept: application/vnd.docker.distribution.manifest.v2+json\r\n";
    write!(s, "GET {path} HTTP/1.0\r\nHost: {host}\r\n{accept}{auth}\r\n")?;
    let mut text = String::new();
    s.read_to_string(&mut text)?;
    let status = text.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
    Ok((status, body))
}

impl Registry {
    /// The manifest digest of `repo:tag` in this registry, if it has it.
    pub fn digest(&self, repo: &str, tag: &str) -> Option<String> {
        let basic = self.auth.then_some((USER, PASSWORD));
        let mut s = std::net::TcpStream::connect(&self.host).ok()?;
        let auth = basic.map(|(u, p)| format!("Authorization: Basic {}\r\n", base64(&format!("{u}:{p}")))).unwrap_or_default();
        let accept = "Accept: application/vnd.docker.distribution.manifest.v2+json\r\n";
        write!(s, "HEAD /v2/{repo}/manifests/{tag} HTTP/1.0\r\nHost: {}\r\n{accept}{auth}\r\n", self.host).ok()?;
        let mut text = String::new();
        s.read_to_string(&mut text).ok()?;
        if !text.starts_with("HTTP/1.1 200") && !text.starts_with("HTTP/1.0 200") {
            return None;
        }
        text.lines().find_map(|l| l.strip_prefix("Docker-Content-Digest: ").map(|d| d.trim().to_string()))
    }

    /// How many times the blob `digest` was downloaded (`GET .../blobs/<digest>`) so far.
    pub fn blob_downloads(&self, digest: &str) -> usize {
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        log.lines().filter(|l| l.contains("\"GET /v2/") && l.contains(&format!("/blobs/{digest} ")) && l.contains("\" 200 ")).count()
    }

    /// Builds an image FROM `from` (default busybox) with `layers` RUN layers whose content
    /// holds `marker`, tags it `<host>/<repo>:<tag>` and pushes it here, then removes the local
    /// tag (and the image, when nothing else holds it). Returns the pushed reference.
    pub fn seed(&self, repo: &str, tag: &str, layers: usize, marker: &str, from: Option<&str>) -> String {
        let reference = format!("{}/{repo}:{tag}", self.host);
        let mut dockerfile = format!("FROM {}\n", from.unwrap_or(BUSYBOX));
        for i in 0..layers {
            dockerfile.push_str(&format!("RUN echo '{marker} {i}' > /layer-{i} && head -c 20000 /dev/urandom > /noise-{i}\n"));
        }
        docker(&["build", "-q", "--network", "none", "-t", &reference, "-"], Some(&dockerfile), &registries().login);
        docker(&["push", &reference], None, &registries().login);
        docker(&["rmi", &reference], None, &registries().login);
        reference
    }
}

/// Runs the docker CLI with the docker config `config` (logged in to the private registry),
/// failing the test when it fails.
pub fn docker(args: &[&str], stdin: Option<&str>, config: &Path) -> String {
    let mut child = Command::new("docker")
        .args(args)
        .env("DOCKER_CONFIG", config)
        .env("DOCKER_BUILDKIT", "0")
        .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("docker CLI");
    if let Some(text) = stdin {
        child.stdin.take().expect("stdin").write_all(text.as_bytes()).expect("write stdin");
    }
    let out = child.wait_with_output().expect("docker CLI");
    assert!(out.status.success(), "docker {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// The reference's binary (Docker Compose as a standalone program), where it is installed.
pub fn reference_binary() -> Option<PathBuf> {
    let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_default();
    let candidates = [
        PathBuf::from("/opt/compose-2.40/docker-compose"),
        home.join(".docker/cli-plugins/docker-compose"),
        PathBuf::from("/usr/local/lib/docker/cli-plugins/docker-compose"),
        PathBuf::from("/usr/libexec/docker/cli-plugins/docker-compose"),
        PathBuf::from("/usr/lib/docker/cli-plugins/docker-compose"),
    ];
    let found = candidates.into_iter().find(|p| p.is_file());
    if found.is_none() {
        crate::harness::reference_missing("Docker Compose is not installed: the comparison with it is skipped");
    }
    found
}
