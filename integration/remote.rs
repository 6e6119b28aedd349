//! Remote engines and docker contexts, as a user reaches them: `DOCKER_HOST=ssh://...` through
//! a real sshd (Debian's openssh-server) and the real `ssh` client, whose far side runs this
//! machine's `docker system dial-stdio`; contexts made by the docker CLI itself
//! (`docker --config DIR context create`), chosen by `--context`, `DOCKER_CONTEXT` and
//! `docker context use`.
//!
//! The sshd starts on first use, once per test binary, on a free loopback port, with a host key
//! and a client key the test makes (`ssh-keygen`); it stops when the binary exits. The real
//! `~/.ssh` is never read or written: `ssh` on the rcompose process's PATH is a small script
//! that runs the real client with the test's own configuration (`-F`: the key, a known-hosts
//! file of its own, `StrictHostKeyChecking accept-new`), since ssh finds `~/.ssh` from the
//! password database, not from HOME.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use crate::harness::ensure_busybox;
use crate::registries::{keeper, Spawn};

struct Sshd {
    port: u16,
    /// Holds the `ssh` script that brings the test's configuration.
    bin: PathBuf,
    /// sshd's log: who logged in.
    log: PathBuf,
}

/// What the exit hook stops and removes.
static STARTED: Mutex<(Vec<u32>, Vec<PathBuf>)> = Mutex::new((Vec::new(), Vec::new()));

extern "C" fn stop_sshd() {
    if let Ok(started) = STARTED.lock() {
        for pid in &started.0 {
            // SAFETY: sending a signal to a child this process started.
            unsafe { libc::kill(*pid as i32, libc::SIGTERM) };
        }
        for dir in &started.1 {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

fn sshd() -> &'static Sshd {
    static SSHD: OnceLock<Result<Sshd, String>> = OnceLock::new();
    match SSHD.get_or_init(start_sshd) {
        Ok(s) => s,
        Err(e) => panic!("the test sshd cannot be started: {e} (install it with `apt-get install openssh-server openssh-client`)"),
    }
}

fn run(cmd: &mut Command) -> Result<(), String> {
    let out = cmd.output().map_err(|e| format!("{cmd:?}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!("{cmd:?}: {}", String::from_utf8_lossy(&out.stderr)))
    }
}

fn start_sshd() -> Result<Sshd, String> {
    let dir = std::env::temp_dir().join(format!("rcompose-sshd-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("bin")).map_err(|e| e.to_string())?;
    STARTED.lock().unwrap().1.push(dir.clone());
    // SAFETY: registering a plain extern "C" function.
    unsafe { libc::atexit(stop_sshd) };
    for key in ["host_key", "client_key"] {
        run(Command::new("ssh-keygen").args(["-q", "-t", "ed25519", "-N", "", "-f"]).arg(dir.join(key)))?;
    }
    std::fs::copy(dir.join("client_key.pub"), dir.join("authorized_keys")).map_err(|e| e.to_string())?;
    let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map_err(|e| e.to_string())?.port();
    let d = dir.display();
    let config = format!(
        "ListenAddress 127.0.0.1\nPort {port}\nHostKey {d}/host_key\nAuthorizedKeysFile {d}/authorized_keys\nPidFile {d}/sshd.pid\n\
         StrictModes no\nUsePAM no\nPasswordAuthentication no\nKbdInteractiveAuthentication no\nPermitRootLogin prohibit-password\n\
         SetEnv PATH={}\n",
        std::env::var("PATH").unwrap_or_default()
    );
    std::fs::write(dir.join("sshd_config"), config).map_err(|e| e.to_string())?;
    let client = format!(
        "Host *\n  IdentityFile {d}/client_key\n  IdentitiesOnly yes\n  UserKnownHostsFile {d}/known_hosts\n  \
         StrictHostKeyChecking accept-new\n  BatchMode yes\n  LogLevel ERROR\n"
    );
    std::fs::write(dir.join("ssh_config"), client).map_err(|e| e.to_string())?;
    let script = dir.join("bin/ssh");
    std::fs::write(&script, format!("#!/bin/sh\nexec /usr/bin/ssh -F {d}/ssh_config \"$@\"\n")).map_err(|e| e.to_string())?;
    run(Command::new("chmod").arg("+x").arg(&script))?;
    // sshd's privilege separation directory.
    std::fs::create_dir_all("/run/sshd").map_err(|e| e.to_string())?;
    let log = dir.join("sshd.log");
    let child = keeper().spawn(Command::new("/usr/sbin/sshd").args(["-D", "-e", "-f"]).arg(dir.join("sshd_config")).arg("-E").arg(&log))?;
    STARTED.lock().unwrap().0.push(child.id());
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if Instant::now() > deadline {
            return Err(format!("sshd does not answer on port {port}: {}", std::fs::read_to_string(&log).unwrap_or_default()));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(Sshd { port, bin: dir.join("bin"), log })
}

impl Sshd {
    fn host(&self) -> String {
        format!("ssh://root@127.0.0.1:{}", self.port)
    }

    /// PATH with the test's `ssh` first.
    fn path(&self) -> String {
        format!("{}:{}", self.bin.display(), std::env::var("PATH").unwrap_or_default())
    }
}

/// The local engine's address, as the docker CLI and the harness reach it.
fn local_host() -> String {
    std::env::var("DOCKER_HOST").ok().filter(|h| !h.is_empty()).unwrap_or_else(|| "unix:///var/run/docker.sock".into())
}

/// rcompose in `dir` with `env` (DOCKER_HOST, DOCKER_CONTEXT and DOCKER_CONFIG removed first,
/// so only `env` chooses the engine), `stdin` as its input.
fn rcompose(dir: &Path, args: &[&str], env: &[(&str, &str)], stdin: &[u8]) -> Output {
    use std::io::Write;
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rcompose"));
    cmd.args(args).current_dir(dir);
    for var in ["DOCKER_HOST", "DOCKER_CONTEXT", "DOCKER_CONFIG", "COMPOSE_FILE", "COMPOSE_PROJECT_NAME", "COMPOSE_PROGRESS"] {
        cmd.env_remove(var);
    }
    cmd.envs(env.iter().copied()).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("rcompose runs");
    child.stdin.take().expect("stdin").write_all(stdin).expect("write stdin");
    child.wait_with_output().expect("rcompose ends")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Runs the docker CLI; panics with its error output when it fails.
fn docker(args: &[&str]) -> String {
    let out = Command::new("docker").args(args).output().expect("docker runs");
    assert!(out.status.success(), "docker {args:?}: {}", text(&out.stderr));
    text(&out.stdout)
}

/// Removes project `name`'s containers and networks from the local engine when dropped.
struct Cleanup(String);

impl Drop for Cleanup {
    fn drop(&mut self) {
        let label = format!("label=com.docker.compose.project={}", self.0);
        let ids = docker(&["ps", "-aq", "--filter", &label]);
        let ids: Vec<&str> = ids.split_whitespace().collect();
        if !ids.is_empty() {
            let _ = Command::new("docker").args(["rm", "-f", "-v"]).args(&ids).output();
        }
        let nets = docker(&["network", "ls", "-q", "--filter", &label]);
        for net in nets.split_whitespace() {
            let _ = Command::new("docker").args(["network", "rm", net]).output();
        }
        let _ = Command::new("docker").args(["rmi", "-f", &format!("{}-built", self.0)]).output();
    }
}

/// A project directory with a service that logs a line and waits, and one built from a
/// Dockerfile (its context goes to the engine as a tar, over whatever the transport is).
fn project(name: &str) -> (tempfile::TempDir, Cleanup) {
    ensure_busybox();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("Dockerfile"), "FROM busybox:latest\nCOPY greeting.txt /greeting.txt\n").unwrap();
    std::fs::write(dir.path().join("greeting.txt"), "built over the wire\n").unwrap();
    let compose = format!(
        "name: {name}\nservices:\n  web:\n    image: busybox:latest\n    command: [\"sh\", \"-c\", \"echo hello from web; exec sleep 300\"]\n    \
         init: true\n  built:\n    build: .\n    image: {name}-built\n    command: [\"sleep\", \"300\"]\n    init: true\n"
    );
    std::fs::write(dir.path().join("compose.yaml"), compose).unwrap();
    (dir, Cleanup(name.to_string()))
}

#[test]
fn an_ssh_engine_runs_up_ps_logs_exec_and_down() {
    let sshd = sshd();
    let name = format!("remote-ssh-{}", std::process::id());
    let (dir, _cleanup) = project(&name);
    let (host, path) = (sshd.host(), sshd.path());
    let env = [("DOCKER_HOST", host.as_str()), ("PATH", path.as_str())];
    let dir = dir.path();
    let logins_before = std::fs::read_to_string(&sshd.log).unwrap_or_default().matches("Accepted publickey for root").count();

    let up = rcompose(dir, &["up", "-d"], &env, b"");
    assert!(up.status.success(), "up -d over ssh: {}", text(&up.stderr));
    let ps = rcompose(dir, &["ps", "--services", "--status", "running"], &env, b"");
    assert!(ps.status.success(), "{}", text(&ps.stderr));
    let mut running: Vec<String> = text(&ps.stdout).lines().map(str::to_string).collect();
    running.sort();
    assert_eq!(running, ["built", "web"]);

    let logs = rcompose(dir, &["logs", "web"], &env, b"");
    assert!(text(&logs.stdout).contains("hello from web"), "logs: {}{}", text(&logs.stdout), text(&logs.stderr));

    // The exec's output and exit code come back, and its input goes there (and ends).
    let exec = rcompose(dir, &["exec", "-T", "web", "sh", "-c", "echo out; echo err >&2; exit 3"], &env, b"");
    assert_eq!(exec.status.code(), Some(3), "{}", text(&exec.stderr));
    assert_eq!(text(&exec.stdout), "out\n");
    assert!(text(&exec.stderr).contains("err"), "{}", text(&exec.stderr));
    let cat = rcompose(dir, &["exec", "-T", "web", "cat"], &env, b"typed far away\n");
    assert_eq!(text(&cat.stdout), "typed far away\n", "{}", text(&cat.stderr));
    // The image was built from the context sent over ssh.
    let built = rcompose(dir, &["exec", "-T", "built", "cat", "/greeting.txt"], &env, b"");
    assert_eq!(text(&built.stdout), "built over the wire\n", "{}", text(&built.stderr));

    let down = rcompose(dir, &["down"], &env, b"");
    assert!(down.status.success(), "down over ssh: {}", text(&down.stderr));
    let left = docker(&["ps", "-aq", "--filter", &format!("label=com.docker.compose.project={name}")]);
    assert!(left.trim().is_empty(), "containers left: {left}");
    // All of it went through sshd.
    let logins = std::fs::read_to_string(&sshd.log).unwrap_or_default().matches("Accepted publickey for root").count();
    assert!(logins > logins_before + 5, "sshd saw {} logins:\n{}", logins - logins_before, std::fs::read_to_string(&sshd.log).unwrap());
}

#[test]
fn an_unreachable_ssh_engine_is_named_with_sshs_reason() {
    let sshd = sshd();
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let host = format!("ssh://root@127.0.0.1:{port}");
    let path = sshd.path();
    let out = rcompose(dir.path(), &["ls"], &[("DOCKER_HOST", &host), ("PATH", &path)], b"");
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains(&host) && err.contains("Connection refused"), "{err}");
}

/// A docker configuration directory with contexts made by the docker CLI.
struct Contexts(tempfile::TempDir);

impl Contexts {
    fn new(contexts: &[(&str, &str)]) -> Contexts {
        let dir = tempfile::tempdir().unwrap();
        for (name, host) in contexts {
            let config = dir.path().to_str().unwrap();
            docker(&["--config", config, "context", "create", name, "--docker", &format!("host={host}")]);
        }
        Contexts(dir)
    }

    fn config(&self) -> &str {
        self.0.path().to_str().unwrap()
    }
}

#[test]
fn a_context_chooses_the_engine_as_in_the_docker_cli() {
    let name = format!("remote-ctx-{}", std::process::id());
    let (dir, _cleanup) = project(&name);
    let dir = dir.path();
    let contexts = Contexts::new(&[("rc-here", &local_host()), ("rc-nowhere", "tcp://127.0.0.1:1")]);
    let config = contexts.config();

    // --context wins over DOCKER_HOST.
    let flag = rcompose(
        dir,
        &["--context", "rc-here", "up", "-d", "web"],
        &[("DOCKER_CONFIG", config), ("DOCKER_HOST", "tcp://127.0.0.1:1")],
        b"",
    );
    assert!(flag.status.success(), "--context: {}", text(&flag.stderr));
    // DOCKER_CONTEXT.
    let ps = rcompose(dir, &["ps", "-q"], &[("DOCKER_CONFIG", config), ("DOCKER_CONTEXT", "rc-here")], b"");
    assert!(ps.status.success() && !text(&ps.stdout).trim().is_empty(), "DOCKER_CONTEXT: {}", text(&ps.stderr));
    // DOCKER_HOST wins over DOCKER_CONTEXT.
    let host_wins =
        rcompose(dir, &["ps"], &[("DOCKER_CONFIG", config), ("DOCKER_CONTEXT", "rc-nowhere"), ("DOCKER_HOST", &local_host())], b"");
    assert!(host_wins.status.success(), "DOCKER_HOST over DOCKER_CONTEXT: {}", text(&host_wins.stderr));
    // `docker context use` (config.json's currentContext), and -c.
    docker(&["--config", config, "context", "use", "rc-here"]);
    let current = rcompose(dir, &["ps", "-q"], &[("DOCKER_CONFIG", config)], b"");
    assert!(current.status.success() && !text(&current.stdout).trim().is_empty(), "currentContext: {}", text(&current.stderr));
    let down = rcompose(dir, &["-c", "rc-here", "down"], &[("DOCKER_CONFIG", config)], b"");
    assert!(down.status.success(), "{}", text(&down.stderr));

    // --context and --host together are refused, as the docker CLI refuses them.
    let both = rcompose(dir, &["--context", "rc-here", "-H", &local_host(), "ps"], &[("DOCKER_CONFIG", config)], b"");
    assert_eq!(both.status.code(), Some(1));
    assert!(text(&both.stderr).contains("cannot specify both --host and --context"), "{}", text(&both.stderr));
}

#[test]
fn a_context_pointing_nowhere_or_unknown_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let contexts = Contexts::new(&[("rc-nowhere", "tcp://127.0.0.1:1")]);
    let config = contexts.config();
    let out = rcompose(dir.path(), &["ls"], &[("DOCKER_CONFIG", config), ("DOCKER_CONTEXT", "rc-nowhere")], b"");
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("tcp://127.0.0.1:1") && err.contains("context \"rc-nowhere\""), "{err}");

    let out = rcompose(dir.path(), &["--context", "rc-missing", "ls"], &[("DOCKER_CONFIG", config)], b"");
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("context \"rc-missing\" not found"), "{err}");
}

/// As the docker CLI's compose plugin, `docker --context NAME compose ...` reaches the
/// context's engine (the CLI passes its flags on; rcompose takes `--context` as its own, so it
/// wins over DOCKER_HOST as it does in the CLI).
#[test]
fn the_docker_clis_context_flag_reaches_the_plugin() {
    let dir = tempfile::tempdir().unwrap();
    let contexts = Contexts::new(&[("rc-here", &local_host()), ("rc-nowhere", "tcp://127.0.0.1:1")]);
    let config = contexts.config();
    std::fs::create_dir(contexts.0.path().join("cli-plugins")).unwrap();
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_rcompose"), contexts.0.path().join("cli-plugins/docker-compose")).unwrap();
    let docker_compose = |context: &str| {
        let mut cmd = Command::new("docker");
        cmd.args(["--config", config, "--context", context, "compose", "ls"]).current_dir(dir.path());
        cmd.env("DOCKER_HOST", "tcp://127.0.0.1:1").env_remove("DOCKER_CONTEXT").output().expect("docker runs")
    };
    let here = docker_compose("rc-here");
    assert!(here.status.success() && text(&here.stdout).starts_with("NAME"), "{}", text(&here.stderr));
    let nowhere = docker_compose("rc-nowhere");
    assert!(!nowhere.status.success());
    let err = text(&nowhere.stderr);
    assert!(err.contains("tcp://127.0.0.1:1") && err.contains("context \"rc-nowhere\""), "{err}");
}

#[test]
fn a_context_can_point_at_an_ssh_engine() {
    let sshd = sshd();
    let dir = tempfile::tempdir().unwrap();
    let contexts = Contexts::new(&[("rc-far", &sshd.host())]);
    let path = sshd.path();
    let out = rcompose(dir.path(), &["--context", "rc-far", "ls", "-a"], &[("DOCKER_CONFIG", contexts.config()), ("PATH", &path)], b"");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).starts_with("NAME"), "{}", text(&out.stdout));
}

// ---------------------------------------------------------------------------------------------
// A TLS engine: a second dockerd of the test's own, listening on TCP with `--tlsverify`.

/// A second `dockerd` (own data root, exec root, socket; no default bridge, no iptables) in a
/// network namespace of its own, as `reliability.rs` starts one (a dockerd with
/// `--bridge=none` deletes the `docker0` of the namespace it runs in), reached from here
/// through a veth pair: its TCP listener speaks TLS with certificates the test makes
/// (`openssl`), the engine's for its veth address, and a client's that it requires.
struct TlsEngine {
    dir: tempfile::TempDir,
    child: Option<std::process::Child>,
    /// `tcp://ADDRESS:2376`.
    host: String,
}

impl TlsEngine {
    fn start() -> TlsEngine {
        ensure_busybox();
        let dir = tempfile::Builder::new().prefix("rc-tls").tempdir_in("/tmp").expect("temp dir");
        let d = dir.path();
        // A /30 of its own, from the pid: two test binaries never share it.
        let net = 20 + std::process::id() % 200;
        let (engine_ip, our_ip) = (format!("10.219.{net}.2"), format!("10.219.{net}.1"));
        make_certificates(&d.join("certs"), &engine_ip);
        std::fs::write(d.join("daemon.json"), "{}").unwrap();
        let log = std::fs::File::create(d.join("dockerd.log")).unwrap();
        let certs = d.join("certs");
        let child = crate::harness::dockerd_in(d)
            .arg("-H")
            .arg(format!("unix://{}", d.join("sock").display()))
            .args(["-H", "tcp://0.0.0.0:2376", "--tlsverify", "--tlscacert"])
            .arg(certs.join("ca.pem"))
            .arg("--tlscert")
            .arg(certs.join("engine-cert.pem"))
            .arg("--tlskey")
            .arg(certs.join("engine-key.pem"))
            .args(["--bridge=none", "--iptables=false", "--ip6tables=false", "--default-address-pool", "base=10.214.0.0/16,size=24"])
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("dockerd runs");
        let pid = child.id().to_string();
        let engine = TlsEngine { dir, child: Some(child), host: format!("tcp://{engine_ip}:2376") };
        let (ours, theirs) = (format!("rctls{}h", std::process::id() % 100000), format!("rctls{}e", std::process::id() % 100000));
        // The veth's far end goes into the engine's namespace; both ends die with it.
        let ip = |args: &[&str]| assert!(Command::new("ip").args(args).status().unwrap().success(), "ip {args:?}");
        let inside = |args: &[&str]| {
            let ok = Command::new("nsenter").args(["-t", &pid, "-n", "ip"]).args(args).status().unwrap().success();
            assert!(ok, "ip {args:?} in the engine's namespace");
        };
        ip(&["link", "add", &ours, "type", "veth", "peer", "name", &theirs, "netns", &pid]);
        ip(&["addr", "add", &format!("{our_ip}/30"), "dev", &ours]);
        ip(&["link", "set", &ours, "up"]);
        inside(&["addr", "add", &format!("{engine_ip}/30"), "dev", &theirs]);
        inside(&["link", "set", &theirs, "up"]);
        inside(&["link", "set", "lo", "up"]);
        let socket = format!("unix://{}", engine.dir.path().join("sock").display());
        let deadline = Instant::now() + Duration::from_secs(60);
        while !Command::new("docker").args(["-H", &socket, "version"]).output().is_ok_and(|o| o.status.success()) {
            assert!(Instant::now() < deadline, "the TLS engine did not start: {}", engine.log());
            std::thread::sleep(Duration::from_millis(200));
        }
        let load = format!("docker save busybox:latest | docker -H {socket} load");
        let out = Command::new("sh").args(["-c", &load]).output().expect("load busybox");
        assert!(out.status.success(), "loading busybox: {}", text(&out.stderr));
        engine
    }

    fn certs(&self) -> PathBuf {
        self.dir.path().join("certs")
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("dockerd.log")).unwrap_or_default()
    }
}

impl Drop for TlsEngine {
    fn drop(&mut self) {
        let socket = format!("unix://{}", self.dir.path().join("sock").display());
        if let Ok(out) = Command::new("docker").args(["-H", &socket, "ps", "-aq"]).output() {
            let ids: Vec<String> = text(&out.stdout).split_whitespace().map(String::from).collect();
            if !ids.is_empty() {
                let _ = Command::new("docker").args(["-H", &socket, "rm", "-f", "-v"]).args(&ids).output();
            }
        }
        if let Some(mut c) = self.child.take() {
            let _ = Command::new("kill").args(["-TERM", &c.id().to_string()]).status();
            let _ = c.wait();
        }
        // dockerd makes its data root a mount of its own, and leaves it.
        let _ = Command::new("umount").arg(self.dir.path().join("data")).stderr(Stdio::null()).status();
    }
}

/// A CA, the engine's certificate for `engine_ip` and a client certificate, in `dir` as the
/// docker CLI names them (`ca.pem`, `cert.pem`, `key.pem`; the engine's `engine-*.pem`).
fn make_certificates(dir: &Path, engine_ip: &str) {
    std::fs::create_dir_all(dir).unwrap();
    let openssl = |args: &[&str]| {
        let out = Command::new("openssl").args(args).current_dir(dir).output().expect("openssl runs (apt-get install openssl)");
        assert!(out.status.success(), "openssl {args:?}: {}", text(&out.stderr));
    };
    let key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
    openssl(
        &[&["req", "-x509"], &key[..], &["-keyout", "ca-key.pem", "-out", "ca.pem", "-days", "2", "-subj", "/CN=rcompose-test-ca"]]
            .concat(),
    );
    std::fs::write(dir.join("engine.ext"), format!("subjectAltName=IP:{engine_ip}\nextendedKeyUsage=serverAuth\n")).unwrap();
    std::fs::write(dir.join("client.ext"), "extendedKeyUsage=clientAuth\n").unwrap();
    for (name, subject) in [("engine", "/CN=rcompose-test-engine"), ("client", "/CN=rcompose-test-client")] {
        let (key_file, csr) = (format!("{name}-key.pem"), format!("{name}.csr"));
        openssl(&[&["req"], &key[..], &["-keyout", &key_file, "-out", &csr, "-subj", subject]].concat());
        let (cert, ext) = (format!("{name}-cert.pem"), format!("{name}.ext"));
        openssl(&[
            "x509",
            "-req",
            "-in",
            &csr,
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca-key.pem",
            "-CAcreateserial",
            "-out",
            &cert,
            "-days",
            "2",
            "-extfile",
            &ext,
        ]);
    }
    std::fs::copy(dir.join("client-cert.pem"), dir.join("cert.pem")).unwrap();
    std::fs::copy(dir.join("client-key.pem"), dir.join("key.pem")).unwrap();
}

#[test]
fn a_tls_engine_is_reached_with_the_docker_clis_tls_variables_and_contexts() {
    let engine = TlsEngine::start();
    let certs = engine.certs();
    let cert_path = certs.to_str().unwrap();
    let name = format!("remote-tls-{}", std::process::id());
    let (dir, _cleanup) = project(&name);
    let dir = dir.path();
    let env = [("DOCKER_HOST", engine.host.as_str()), ("DOCKER_TLS_VERIFY", "1"), ("DOCKER_CERT_PATH", cert_path)];

    let up = rcompose(dir, &["up", "-d", "web"], &env, b"");
    assert!(up.status.success(), "up -d over TLS: {}", text(&up.stderr));
    let logs = rcompose(dir, &["logs", "web"], &env, b"");
    assert!(text(&logs.stdout).contains("hello from web"), "logs: {}{}", text(&logs.stdout), text(&logs.stderr));
    let exec = rcompose(dir, &["exec", "-T", "web", "cat"], &env, b"over TLS\n");
    assert_eq!(text(&exec.stdout), "over TLS\n", "{}", text(&exec.stderr));
    // The containers are the TLS engine's, not the main engine's.
    let socket = format!("unix://{}", engine.dir.path().join("sock").display());
    let there = docker(&["-H", &socket, "ps", "-q", "--filter", &format!("label=com.docker.compose.project={name}")]);
    assert_eq!(there.split_whitespace().count(), 1, "{there}");

    // A context made by the docker CLI with the same files.
    let contexts = tempfile::tempdir().unwrap();
    let files = format!("host={},ca={cert_path}/ca.pem,cert={cert_path}/cert.pem,key={cert_path}/key.pem", engine.host);
    docker(&["--config", contexts.path().to_str().unwrap(), "context", "create", "rc-tls", "--docker", &files]);
    let ps = rcompose(dir, &["--context", "rc-tls", "ps", "-q"], &[("DOCKER_CONFIG", contexts.path().to_str().unwrap())], b"");
    assert_eq!(text(&ps.stdout).split_whitespace().count(), 1, "ps by context: {}", text(&ps.stderr));

    // The docker CLI's TLS flags, as standalone Docker Compose takes them.
    let ca = certs.join("ca.pem");
    let (cert, key) = (certs.join("cert.pem"), certs.join("key.pem"));
    let flags =
        ["--tlsverify", "--tlscacert", ca.to_str().unwrap(), "--tlscert", cert.to_str().unwrap(), "--tlskey", key.to_str().unwrap()];
    let by_flags = rcompose(dir, &[&flags[..], &["-H", &engine.host, "ps", "-q"]].concat(), &[], b"");
    assert_eq!(text(&by_flags.stdout).split_whitespace().count(), 1, "ps by TLS flags: {}", text(&by_flags.stderr));

    // Without a client certificate the engine refuses; without TLS it does not answer HTTP.
    let bare = tempfile::tempdir().unwrap();
    std::fs::copy(certs.join("ca.pem"), bare.path().join("ca.pem")).unwrap();
    let refused = rcompose(dir, &["ps"], &[env[0], env[1], ("DOCKER_CERT_PATH", bare.path().to_str().unwrap())], b"");
    assert_eq!(refused.status.code(), Some(1));
    assert!(text(&refused.stderr).contains(&engine.host), "{}", text(&refused.stderr));
    let plain = rcompose(dir, &["ps"], &[env[0]], b"");
    assert_eq!(plain.status.code(), Some(1), "{}", text(&plain.stderr));

    let down = rcompose(dir, &["down"], &env, b"");
    assert!(down.status.success(), "down over TLS: {}", text(&down.stderr));
}
