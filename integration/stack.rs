//! `stack deploy|ps|services|rm|ls` on the engine's swarm, checked with the docker CLI's own
//! `docker stack` and `docker service inspect`, and against stacks `docker stack deploy` made.
//!
//! The node enters swarm mode on first use when it is not in a swarm, and leaves it when the
//! test binary exits only if it entered it and no service is left (other users of the engine
//! may have deployed since). Ports are published in `mode: host`: the ingress routing mesh
//! needs IPVS, which this kernel lacks.

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use crate::harness::ensure_busybox;

/// Enters swarm mode once per test binary, if needed.
fn swarm() {
    static ENTERED: OnceLock<()> = OnceLock::new();
    ENTERED.get_or_init(|| {
        ensure_busybox();
        if docker(&["info", "--format", "{{.Swarm.LocalNodeState}}"]).trim() == "active" {
            return;
        }
        let out = Command::new("docker").args(["swarm", "init", "--advertise-addr", "127.0.0.1"]).output().unwrap();
        assert!(out.status.success(), "docker swarm init: {}", String::from_utf8_lossy(&out.stderr));
        extern "C" fn leave() {
            // Only an empty swarm is left: another user may have deployed since.
            let services = Command::new("docker").args(["service", "ls", "-q"]).output();
            if services.is_ok_and(|o| o.status.success() && o.stdout.trim_ascii().is_empty()) {
                let _ = Command::new("docker").args(["swarm", "leave", "--force"]).stdout(Stdio::null()).stderr(Stdio::null()).status();
            }
        }
        unsafe { libc::atexit(leave) };
    });
}

fn docker(args: &[&str]) -> String {
    let out = Command::new("docker").args(args).output().unwrap();
    assert!(out.status.success(), "docker {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Runs rcompose in `dir`: exit code, standard output, standard error.
fn rcompose(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rcompose"));
    for var in ["COMPOSE_FILE", "COMPOSE_PROGRESS", "COMPOSE_ANSI", "COMPOSE_PROJECT_NAME"] {
        cmd.env_remove(var);
    }
    let out = cmd.args(args).arg("--progress").arg("plain").current_dir(dir).stdin(Stdio::null()).output().unwrap();
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (out.status.code().unwrap_or(-1), text(&out.stdout), text(&out.stderr))
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let (code, out, err) = rcompose(dir, args);
    assert_eq!(code, 0, "rcompose {args:?}: {err}");
    out
}

/// A stack in its own directory, removed when dropped.
struct Stack {
    name: String,
    dir: tempfile::TempDir,
}

impl Stack {
    fn new(name: &str, compose: &str) -> Stack {
        swarm();
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("compose.yaml"), compose).unwrap();
        let name = format!("swarm{name}");
        // The networks of an earlier run's stack linger a moment after its removal.
        let filter = format!("label=com.docker.stack.namespace={name}");
        for _ in 0..60 {
            if docker(&["network", "ls", "-q", "--filter", &filter]).trim().is_empty() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(500));
        }
        Stack { name, dir }
    }
    fn write(&self, compose: &str) {
        std::fs::write(self.dir.path().join("compose.yaml"), compose).unwrap();
    }
    fn run(&self, args: &[&str]) -> (i32, String, String) {
        let mut all = vec!["-p", self.name.as_str()];
        all.extend_from_slice(args);
        rcompose(self.dir.path(), &all)
    }
    fn ok(&self, args: &[&str]) -> String {
        let mut all = vec!["-p", self.name.as_str()];
        all.extend_from_slice(args);
        ok(self.dir.path(), &all)
    }
    fn service(&self, service: &str) -> serde_json::Value {
        let text = docker(&["service", "inspect", &format!("{}_{service}", self.name)]);
        serde_json::from_str::<serde_json::Value>(&text).unwrap()[0].clone()
    }
    fn version(&self, service: &str) -> u64 {
        self.service(service)["Version"]["Index"].as_u64().unwrap()
    }
    /// The id of a running container of `service`.
    fn container(&self, service: &str) -> String {
        let filter = format!("label=com.docker.swarm.service.name={}_{service}", self.name);
        docker(&["ps", "-q", "--filter", &filter]).lines().next().unwrap_or_else(|| panic!("no container of {service}")).to_string()
    }
    fn exec(&self, service: &str, script: &str) -> String {
        docker(&["exec", &self.container(service), "sh", "-c", script])
    }
}

impl Drop for Stack {
    /// `rcompose stack rm` rather than docker's, which gives up on a network still in use by
    /// the tasks shutting down.
    fn drop(&mut self) {
        let _ = Command::new(env!("CARGO_BIN_EXE_rcompose"))
            .args(["-p", &self.name, "--progress", "quiet", "stack", "rm"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

const SLEEP: &str = "    image: busybox:latest\n    command: [sleep, '100000']\n";

#[test]
fn stack_objects_are_named_and_labelled_as_docker_stack_deploy_names_them() {
    let s = Stack::new("names", &format!("services:\n  web:\n{SLEEP}    labels: {{c: d}}\n    deploy: {{labels: {{x: y}}}}\n"));
    s.ok(&["stack", "deploy", "--wait", "--wait-timeout", "120"]);
    let web = s.service("web");
    let spec = &web["Spec"];
    assert_eq!(spec["Name"], format!("{}_web", s.name));
    assert_eq!(spec["Labels"]["com.docker.stack.namespace"], s.name.as_str());
    assert_eq!(spec["Labels"]["com.docker.stack.image"], "busybox:latest");
    assert_eq!(spec["Labels"]["x"], "y");
    assert_eq!(spec["TaskTemplate"]["ContainerSpec"]["Labels"]["c"], "d");
    let net: serde_json::Value = serde_json::from_str(&docker(&["network", "inspect", &format!("{}_default", s.name)])).unwrap();
    assert_eq!(net[0]["Driver"], "overlay");
    assert_eq!(net[0]["Scope"], "swarm");
    assert_eq!(net[0]["Labels"]["com.docker.stack.namespace"], s.name.as_str());
    // docker's own stack commands see rcompose's stack.
    assert!(docker(&["stack", "services", &s.name]).contains(&format!("{}_web", s.name)));
    assert!(docker(&["stack", "ps", &s.name, "--format", "{{.Name}} {{.CurrentState}}"]).contains("Running"));
    assert!(docker(&["stack", "ls"]).contains(&s.name));
    // And rcompose's.
    let services = s.ok(&["stack", "services"]);
    assert!(services.starts_with("ID ") && services.contains("replicated   1/1"), "{services}");
    let ps = s.ok(&["stack", "ps"]);
    assert!(ps.contains(&format!("{}_web.1", s.name)) && ps.contains("Running"), "{ps}");
    assert!(ok(s.dir.path(), &["stack", "ls"]).contains(&s.name));
    docker(&["stack", "rm", &s.name]);
    let left = docker(&["service", "ls", "-q", "--filter", &format!("label=com.docker.stack.namespace={}", s.name)]);
    assert_eq!(left.trim(), "");
}

#[test]
fn a_stack_docker_stack_deploy_made_is_taken_over_without_any_update() {
    let s = Stack::new("takeover", "");
    std::fs::write(s.dir.path().join("s.txt"), "sekrit").unwrap();
    std::fs::write(s.dir.path().join("c.txt"), "conf").unwrap();
    s.write(concat!(
        "services:\n  web:\n    image: busybox:latest\n    command: [sh, -c, 'sleep 100000']\n",
        "    environment: {A: '1', B: two}\n    labels: {c: d}\n    hostname: webhost\n    user: '0'\n    working_dir: /tmp\n",
        "    stop_signal: SIGTERM\n    stop_grace_period: 3s\n    dns: [8.8.8.8]\n    dns_search: [example.com]\n",
        "    extra_hosts: ['db.local:10.0.0.5']\n    init: true\n    cap_add: [NET_ADMIN]\n    cap_drop: [MKNOD]\n",
        "    sysctls: {net.core.somaxconn: '1024'}\n    ulimits: {nofile: {soft: 1000, hard: 2000}, nproc: 500}\n",
        "    logging: {driver: json-file, options: {max-size: 1m}}\n",
        "    healthcheck: {test: [CMD, 'true'], interval: 2s, timeout: 1s, retries: 3, start_period: 1s}\n",
        "    ports: ['18180:80', {target: 81, published: 18181, mode: host}]\n",
        "    volumes: ['data:/data', '/tmp:/hosttmp:ro', {type: tmpfs, target: /t, tmpfs: {size: 1000000}}]\n",
        "    secrets: [s, {source: s, target: other, uid: '1', gid: '2', mode: 0400}]\n",
        "    configs: [c, {source: c, target: /etc/c.conf, mode: 0440}]\n",
        "    networks: {default: null, back: {aliases: [w1]}}\n",
        "    deploy:\n      replicas: 1\n      labels: {x: y}\n",
        "      resources: {limits: {cpus: '0.5', memory: 64M, pids: 100}, reservations: {cpus: '0.1', memory: 16M}}\n",
        "      restart_policy: {condition: on-failure, delay: 2s, max_attempts: 3, window: 10s}\n",
        "      update_config: {parallelism: 2, delay: 1s, order: start-first, failure_action: rollback, monitor: 2s, max_failure_ratio: 0.5}\n",
        "      rollback_config: {parallelism: 1, order: stop-first}\n",
        "      placement: {constraints: [node.role==manager], preferences: [{spread: node.id}], max_replicas_per_node: 2}\n",
        "  other:\n    image: busybox:latest\n    command: sleep 100000\n    restart: always\n",
        "    deploy: {mode: global, endpoint_mode: dnsrr}\n    networks: [back]\n",
        "volumes:\n  data: {labels: {v: w}}\n",
        "networks:\n  back: {driver: overlay, attachable: true, labels: {n: m}}\n",
        "secrets:\n  s: {file: ./s.txt}\nconfigs:\n  c: {file: ./c.txt}\n",
    ));
    let out = Command::new("docker").args(["stack", "deploy", "-c", "compose.yaml", &s.name]).current_dir(s.dir.path()).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let before = (s.version("web"), s.version("other"));
    // Ingress and host ports as specified (the routing mesh itself needs IPVS, absent here).
    let ports = s.service("web")["Spec"]["EndpointSpec"]["Ports"].to_string();
    assert!(ports.contains(r#""PublishMode":"ingress","PublishedPort":18180,"TargetPort":80"#) || ports.contains("18180"), "{ports}");
    assert!(ports.contains(r#""host""#) && ports.contains("18181"), "{ports}");
    let plan = s.ok(&["--dry-run", "stack", "deploy"]);
    assert_eq!(plan, "other: unchanged\nweb: unchanged\n");
    let (code, _, err) = s.run(&["stack", "deploy"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!((s.version("web"), s.version("other")), before, "an unchanged service was updated");
}

#[test]
fn services_find_each_other_by_name_on_the_overlay_network() {
    let s =
        Stack::new("dns", &format!("services:\n  web:\n{SLEEP}  db:\n{SLEEP}    networks:\n      default:\n        aliases: [database]\n"));
    s.ok(&["stack", "deploy", "--wait", "--wait-timeout", "120"]);
    for name in ["db", "database", "tasks.db"] {
        let answer = s.exec("web", &format!("nslookup {name} 127.0.0.11"));
        assert!(answer.contains(&format!("Name:\t{name}")) || answer.contains("Address: 10."), "{name}: {answer}");
    }
    // The task answers on the overlay network (the service's virtual IP needs IPVS, which
    // this kernel lacks: its task's own address is used).
    s.exec("web", "ping -c 1 -W 5 tasks.db");
}

#[test]
fn secrets_and_configs_are_readable_with_their_owner_and_mode() {
    let s = Stack::new(
        "files",
        &format!(
            "services:\n  web:\n{SLEEP}    secrets: [{{source: token, uid: '100', gid: '101', mode: 0440}}]\n    configs: [{{source: motd, target: /etc/motd, mode: 0400}}]\nsecrets:\n  token: {{environment: SWARM_TOKEN}}\nconfigs:\n  motd: {{content: hello}}\n"
        ),
    );
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rcompose"));
    let out = cmd
        .args(["-p", &s.name, "--progress", "plain", "stack", "deploy", "--wait", "--wait-timeout", "120"])
        .env("SWARM_TOKEN", "s3cret")
        .current_dir(s.dir.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let got =
        s.exec("web", "cat /run/secrets/token; echo; stat -c '%a %u %g' /run/secrets/token; cat /etc/motd; echo; stat -c '%a' /etc/motd");
    assert_eq!(got, "s3cret\n440 100 101\nhello\n400\n");
    let secrets = docker(&["secret", "ls", "--format", "{{.Name}}", "--filter", &format!("label=com.docker.stack.namespace={}", s.name)]);
    assert_eq!(secrets.trim(), format!("{}_token", s.name));
}

#[test]
fn an_update_touches_only_the_changed_service_and_says_why() {
    let file = |value: &str| format!("services:\n  web:\n{SLEEP}    environment: {{DB_URL: {value}}}\n  db:\n{SLEEP}");
    let s = Stack::new("update", &file("a"));
    s.ok(&["stack", "deploy", "--wait", "--wait-timeout", "120"]);
    let (web, db) = (s.version("web"), s.version("db"));
    s.write(&file("b"));
    assert_eq!(s.ok(&["--dry-run", "stack", "deploy"]), "db: unchanged\nweb: update (environment.DB_URL changed)\n");
    assert_eq!(s.version("web"), web, "--dry-run changed the service");
    s.ok(&["stack", "deploy", "--wait", "--wait-timeout", "120"]);
    assert!(s.version("web") > web);
    assert_eq!(s.version("db"), db, "db was updated though unchanged");
    assert!(s.service("web")["Spec"]["TaskTemplate"]["ContainerSpec"]["Env"].to_string().contains("DB_URL=b"));
    assert_eq!(s.exec("web", "echo $DB_URL"), "b\n");
}

#[test]
fn a_service_is_deployed_once_its_dependency_is_healthy() {
    let s = Stack::new(
        "order",
        concat!(
            "services:\n  db:\n    image: busybox:latest\n    command: [sh, -c, 'sleep 3; touch /ready; sleep 100000']\n",
            "    healthcheck: {test: [CMD, test, -f, /ready], interval: 1s, retries: 30}\n",
            "  web:\n    image: busybox:latest\n    command: [sleep, '100000']\n    depends_on: {db: {condition: service_healthy}}\n",
        ),
    );
    let plan = s.ok(&["--dry-run", "stack", "deploy"]);
    assert_eq!(plan, format!("network {}_default: create\ndb: create\nweb: create, after db healthy\n", s.name));
    s.ok(&["stack", "deploy", "--wait-timeout", "120"]);
    // web was created after db's task became healthy (running): engine times, compared.
    let tasks: serde_json::Value = serde_json::from_str(&docker(&[
        "inspect",
        docker(&["service", "ps", "-q", &format!("{}_db", s.name)]).trim().lines().next().unwrap(),
    ]))
    .unwrap();
    let db_running = tasks[0]["Status"]["Timestamp"].as_str().unwrap().to_string();
    let web_created = s.service("web")["CreatedAt"].as_str().unwrap().to_string();
    let parse = |t: &str| t.parse::<jiff::Timestamp>().unwrap();
    assert_eq!(tasks[0]["Status"]["State"], "running");
    assert!(parse(&web_created) >= parse(&db_running), "web created at {web_created}, db healthy at {db_running}");
}

#[test]
fn wait_fails_with_the_failing_task_its_service_and_node() {
    let s = Stack::new(
        "fail",
        "services:\n  bad:\n    image: busybox:latest\n    command: [sh, -c, 'exit 3']\n    deploy: {restart_policy: {condition: none}}\n",
    );
    let (code, _, err) = s.run(&["stack", "deploy", "--wait", "--wait-timeout", "120"]);
    assert_ne!(code, 0);
    let node = docker(&["info", "--format", "{{.Name}}"]);
    let expected = format!("service bad: task {}_bad.1 on node {} failed: task: non-zero exit (3)", s.name, node.trim());
    assert!(err.contains(&expected), "{err}");
}

#[test]
fn dry_run_creates_nothing() {
    let s =
        Stack::new("dry", &format!("services:\n  web:\n{SLEEP}    configs: [s]\n    container_name: one\nconfigs:\n  s: {{content: x}}\n"));
    let (code, plan, err) = s.run(&["--dry-run", "stack", "deploy"]);
    assert_eq!(code, 0, "{err}");
    // A key a swarm ignores is named with where it was written.
    assert!(err.contains("compose.yaml:6:5: services.web.container_name: ignored by a swarm"), "{err}");
    assert_eq!(plan, format!("network {0}_default: create\nconfig {0}_s: create\nweb: create\n", s.name));
    let filter = format!("label=com.docker.stack.namespace={}", s.name);
    for what in ["service", "network", "config"] {
        assert_eq!(docker(&[what, "ls", "-q", "--filter", &filter]).trim(), "", "{what} created by --dry-run");
    }
}

#[test]
fn rm_removes_exactly_the_stacks_objects() {
    let file = format!(
        "services:\n  web:\n{SLEEP}    secrets: [s]\n    configs: [c]\nsecrets:\n  s: {{file: ./s.txt}}\nconfigs:\n  c: {{content: y}}\n"
    );
    let a = Stack::new("rma", &file);
    let b = Stack::new("rmab", &file);
    for s in [&a, &b] {
        std::fs::write(s.dir.path().join("s.txt"), "x").unwrap();
    }
    a.ok(&["stack", "deploy"]);
    b.ok(&["stack", "deploy"]);
    a.ok(&["stack", "rm"]);
    for (stack, expected) in [(&a.name, 0), (&b.name, 1)] {
        let filter = format!("label=com.docker.stack.namespace={stack}");
        for what in ["service", "network", "secret", "config"] {
            // A removed overlay network lingers on the node for a moment after the swarm
            // dropped it.
            let count = || docker(&[what, "ls", "-q", "--filter", &filter]).lines().count();
            for _ in 0..60 {
                if count() == expected {
                    break;
                }
                std::thread::sleep(std::time::Duration::from_millis(500));
            }
            assert_eq!(count(), expected, "{what}s of {stack}");
        }
    }
    let (code, _, err) = a.run(&["stack", "rm"]);
    assert_ne!(code, 0, "rm of a stack that is gone");
    assert!(err.contains("nothing found in stack"), "{err}");
}

#[test]
fn prune_removes_services_no_longer_in_the_file() {
    let s = Stack::new("prune", &format!("services:\n  web:\n{SLEEP}  old:\n{SLEEP}"));
    s.ok(&["stack", "deploy"]);
    s.write(&format!("services:\n  web:\n{SLEEP}"));
    assert_eq!(s.ok(&["--dry-run", "stack", "deploy", "--prune"]), "old: remove (not in the file)\nweb: unchanged\n");
    s.ok(&["stack", "deploy", "--prune"]);
    let left = docker(&["service", "ls", "--format", "{{.Name}}", "--filter", &format!("label=com.docker.stack.namespace={}", s.name)]);
    assert_eq!(left.trim(), format!("{}_web", s.name));
}

#[test]
fn a_port_published_in_host_mode_answers_on_localhost() {
    let s = Stack::new(
        "port",
        "services:\n  web:\n    image: busybox:latest\n    command: [sh, -c, 'echo hello > /tmp/index.html; httpd -f -p 8080 -h /tmp']\n    ports: [{target: 8080, published: 18280, mode: host}]\n",
    );
    s.ok(&["stack", "deploy", "--wait", "--wait-timeout", "120"]);
    use std::io::{Read, Write};
    let mut conn = std::net::TcpStream::connect("127.0.0.1:18280").unwrap();
    conn.write_all(b"GET /index.html HTTP/1.0\r\n\r\n").unwrap();
    let mut answer = String::new();
    conn.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.") && answer.ends_with("hello\n"), "{answer}");
    let ps = s.ok(&["stack", "ps"]);
    assert!(ps.contains("*:18280->8080/tcp"), "{ps}");
}

/// Issue 13: a `stack deploy` killed (SIGKILL, as a closed laptop or a cancelled CI job) after
/// it created the network and one service, while it waited for that service's health to create
/// the next: the next deploy keeps what the first made (no second network, the service not
/// updated) and creates the rest.
#[test]
fn a_deploy_killed_half_way_is_finished_by_the_next_deploy() {
    use std::io::BufRead;
    let s = Stack::new(
        "killed",
        concat!(
            "services:\n  db:\n    image: busybox:latest\n",
            "    command: [sh, -c, 'while [ ! -f /go ]; do sleep 0.2; done; touch /ready; sleep 100000']\n",
            "    healthcheck: {test: [CMD, test, -f, /ready], interval: 1s, retries: 600}\n",
            "  web:\n    image: busybox:latest\n    command: [sleep, '100000']\n    depends_on: {db: {condition: service_healthy}}\n",
        ),
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_rcompose"))
        .args(["-p", &s.name, "--progress", "plain", "stack", "deploy", "--wait-timeout", "300"])
        .current_dir(s.dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // db is created, then the deploy waits for it to be healthy, which it is not until /go.
    let mut lines = std::io::BufReader::new(child.stderr.take().unwrap()).lines();
    let mut seen = Vec::new();
    loop {
        let line = lines.next().unwrap_or_else(|| panic!("the deploy ended before db was created: {seen:?}")).unwrap();
        let created = line.contains(&format!("{}_db", s.name)) && line.contains("Created");
        seen.push(line);
        if created {
            break;
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let filter = format!("label=com.docker.stack.namespace={}", s.name);
    assert_eq!(docker(&["service", "ls", "-q", "--filter", &filter]).lines().count(), 1, "only db made: {seen:?}");
    let db_version = s.version("db");

    let plan = s.ok(&["--dry-run", "stack", "deploy"]);
    assert_eq!(plan, "db: unchanged\nweb: create, after db healthy\n", "what the next deploy does");
    // db's task may still be starting: its container appears within a minute (a guard).
    let task = format!("label=com.docker.swarm.service.name={}_db", s.name);
    for _ in 0..120 {
        if !docker(&["ps", "-q", "--filter", &task]).trim().is_empty() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
    s.exec("db", "touch /go");
    s.ok(&["stack", "deploy", "--wait", "--wait-timeout", "300"]);
    assert_eq!(docker(&["service", "ls", "-q", "--filter", &filter]).lines().count(), 2, "db and web");
    assert_eq!(docker(&["network", "ls", "-q", "--filter", &filter]).lines().count(), 1, "one network");
    assert_eq!(s.version("db"), db_version, "db left as the killed deploy made it");
    s.container("web");
}
