//! Every service, network and volume field rcompose sends to the engine, proven on the engine
//! itself: `integration/fixtures/fields` is brought up by rcompose and each field is read back
//! from `docker inspect`. When Docker Compose is installed, the same file is brought up by it
//! too and both projects are compared field by field after normalisation (`inspect_diff`).

use std::collections::BTreeMap;
use std::net::{TcpListener, UdpSocket};

use rcompose::engine::{Engine, ExecSpec, NetworkSpec, VolumeSpec};
use serde_json::{json, Value};

use crate::harness::TestProject;
use crate::inspect_diff;
use crate::up::Stack;

const COMPOSE: &str = include_str!("fixtures/fields/compose.yaml");
const ENV_FILE: &str = include_str!("fixtures/fields/fields.env");
const SECCOMP: &str = include_str!("fixtures/fields/seccomp.json");

/// Networks whose subnet the engine picks: not comparable between two runs.
const AUTO_IPAM: &[&str] = &["back"];

/// Differences that are not differences between the tools: (object, field, why).
/// A network's or volume's config hash covers its name, which holds the project's: the two runs
/// have two projects (`hash::tests::network_and_volume_hashes_are_docker_compose_2_40_labels`
/// proves the labels equal, and `integration/takeover.rs` that neither tool recreates the
/// other's networks).
const NAMED_HASH: &str = "the hash covers the name, which differs between the two runs";

const KNOWN: &[(&str, &str, &str)] = &[
    ("network PROJECT_back", "Labels.com.docker.compose.config-hash", NAMED_HASH),
    ("network PROJECT_front", "Labels.com.docker.compose.config-hash", NAMED_HASH),
    ("network PROJECT_default", "Labels.com.docker.compose.config-hash", NAMED_HASH),
    ("volume PROJECT_data", "Labels.com.docker.compose.config-hash", NAMED_HASH),
    ("volume PROJECT_scratch", "Labels.com.docker.compose.config-hash", NAMED_HASH),
    (
        "container PROJECT-web-1",
        "Config.MacAddress",
        "before API 1.44 Docker Compose 2.40.3 sends the MAC address in the container's config; \
         bollard 0.21's create body has no such field, so rcompose sends it in the endpoint",
    ),
    (
        "container PROJECT-side-1",
        "Config.Labels.com.docker.compose.config-hash",
        "both tools hash `side` with db's container id in place of `service:db`, and the two runs \
     have two db containers (`up::shared_namespaces_hash_alike_in_both_tools` proves them equal \
     on one project)",
    ),
];

/// The values the fixture reads from `.env`: free host ports, and the external network and
/// volume made for this run.
struct Inputs {
    ports: [u16; 4],
    network: String,
    volume: String,
}

impl Inputs {
    fn dotenv(&self) -> String {
        let [p1, p2, p3, p4] = self.ports;
        format!("P1={p1}\nP2={p2}\nP3={p3}\nP4={p4}\nEXT_NET={}\nEXT_VOL={}\n", self.network, self.volume)
    }
}

/// A TCP port and a pair of consecutive UDP ports that are free now.
fn free_ports() -> [u16; 4] {
    let tcp = || TcpListener::bind("0.0.0.0:0").and_then(|l| l.local_addr()).expect("free tcp port").port();
    let (p1, p4) = (tcp(), tcp());
    let (p2, p3) = (0..100)
        .find_map(|_| {
            let a = UdpSocket::bind("127.0.0.1:0").ok()?;
            let p = a.local_addr().ok()?.port();
            let _b = UdpSocket::bind(("127.0.0.1", p.checked_add(1)?)).ok()?;
            Some((p, p + 1))
        })
        .expect("two consecutive free udp ports");
    [p1, p2, p3, p4]
}

async fn stack(test: &str, inputs: &Inputs) -> Stack {
    let s = Stack::new(test, COMPOSE).await;
    for (file, text) in [("fields.env", ENV_FILE), ("seccomp.json", SECCOMP), (".env", &inputs.dotenv())] {
        std::fs::write(s.dir.path().join(file), text).expect("write fixture file");
    }
    s
}

/// Brings the fixture up with one tool (`up -d`, then `create` for the privileged service).
async fn up(s: &Stack, rcompose: bool) {
    for args in [&["up", "-d"][..], &["--profile", "create-only", "create", "priv", "gpu"]] {
        let out = s.by(rcompose, args).await;
        let tool = if rcompose { "rcompose" } else { "docker compose" };
        assert!(out.status.success(), "{tool} {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    }
}

async fn down(s: &Stack, rcompose: bool) {
    let args = ["--profile", "create-only", "down"];
    let out = s.by(rcompose, &args).await;
    assert!(out.status.success(), "down: {}", String::from_utf8_lossy(&out.stderr));
}

#[tokio::test]
async fn every_field_reaches_the_engine_as_docker_compose_sends_it() {
    let t = TestProject::new("fields").await;
    let inputs = Inputs { ports: free_ports(), network: t.object("net"), volume: t.object("vol") };
    t.engine
        .create_network(&NetworkSpec { name: inputs.network.clone(), labels: t.labels(&[]), ..Default::default() })
        .await
        .expect("external network");
    t.engine
        .create_volume(&VolumeSpec { name: inputs.volume.clone(), labels: t.labels(&[]), ..Default::default() })
        .await
        .expect("external volume");

    let mut ours = stack("fields", &inputs).await;
    up(&ours, true).await;
    check_fields(&ours, &inputs);
    check_runtime(&ours).await;
    let ours_flat = inspect_diff::normalised(&ours.name, &ours.dir.path().display().to_string(), AUTO_IPAM);
    down(&ours, true).await;
    assert!(inspect_diff::containers(&ours.name).is_empty(), "down removes every container");

    if !crate::harness::reference_installed() {
        return;
    }
    // The same directory for both: absolute paths (binds, env files) are part of the config hash.
    let mut theirs = Stack::new("fields-ref", COMPOSE).await;
    theirs.dir = std::mem::replace(&mut ours.dir, tempfile::tempdir().expect("temp dir"));
    std::fs::remove_dir(theirs.dir.path().join("created-by-bind")).expect("remove the bind's host path, for Docker Compose to create");
    up(&theirs, false).await;
    let theirs_flat = inspect_diff::normalised(&theirs.name, &theirs.dir.path().display().to_string(), AUTO_IPAM);
    down(&theirs, false).await;
    let diffs: Vec<String> = inspect_diff::differences(&theirs_flat, &ours_flat)
        .into_iter()
        .filter(|d| !KNOWN.iter().any(|(object, field, _)| d.starts_with(&format!("{object}: {field}:"))))
        .collect();
    assert_eq!(theirs_flat.len(), ours_flat.len(), "same objects: {:?} / {:?}", theirs_flat.keys(), ours_flat.keys());
    assert!(diffs.is_empty(), "rcompose and Docker Compose made different objects:\n{}", diffs.join("\n"));
}

/// Each field of the fixture, as the engine reports it.
fn check_fields(s: &Stack, inputs: &Inputs) {
    let cs = inspect_diff::containers(&s.name);
    let c =
        |service: &str| cs.get(&s.container(service, 1)).unwrap_or_else(|| panic!("no container for {service}: {:?}", cs.keys())).clone();
    let id = |service: &str| c(service)["Id"].as_str().unwrap_or_default().to_string();
    let net = |key: &str| format!("{}_{key}", s.name);
    let dir = s.dir.path().display().to_string();
    let [p1, p2, p3, p4] = inputs.ports.map(|p| p.to_string());
    let endpoint = |key: &str, field: &str| format!("/NetworkSettings/Networks/{}/{field}", net(key));
    let (front_ipam, front_ip, back_ipam) =
        (endpoint("front", "IPAMConfig"), endpoint("front", "IPAddress"), endpoint("back", "IPAMConfig"));
    let bind = |ip: &str, port: &str| json!([{"HostIp": ip, "HostPort": port}]);
    let expect: Vec<(&str, &str, Value)> = vec![
        ("web", "/Config/Entrypoint", json!(["/bin/sh", "-c"])),
        ("web", "/Config/Cmd", json!(["exec sleep 3600"])),
        ("web", "/Config/User", json!("1000:1000")),
        ("web", "/Config/WorkingDir", json!("/srv")),
        ("web", "/Config/Labels/org.example.role", json!("web")),
        ("web", "/Config/Labels/org.example.empty", json!("")),
        ("web", "/Config/Hostname", json!("webhost")),
        ("web", "/Config/Domainname", json!("example.org")),
        ("web", "/Config/StopSignal", json!("SIGUSR1")),
        ("web", "/Config/StopTimeout", json!(5)),
        (
            "web",
            "/Config/Healthcheck",
            json!({"Test": ["CMD", "true"], "Interval": 30_000_000_000u64, "Timeout": 5_000_000_000u64, "StartPeriod": 2_000_000_000u64, "Retries": 4}),
        ),
        (
            "web",
            "/Config/ExposedPorts",
            json!({"3000": {}, "4000-4001/udp": {}, "53/udp": {}, "80/tcp": {}, "81/udp": {}, "82/udp": {}, "90/tcp": {}, "9000/tcp": {}}),
        ),
        (
            "web",
            "/HostConfig/PortBindings",
            json!({"80/tcp": bind("", &p1), "81/udp": bind("127.0.0.1", &p2), "82/udp": bind("127.0.0.1", &p3), "90/tcp": bind("127.0.0.1", &p4), "53/udp": bind("", ""), "9000/tcp": bind("", "")}),
        ),
        ("web", "/HostConfig/RestartPolicy", json!({"Name": "unless-stopped", "MaximumRetryCount": 0})),
        ("web", "/HostConfig/Init", json!(true)),
        ("web", "/HostConfig/ReadonlyRootfs", json!(true)),
        ("web", "/HostConfig/Tmpfs", json!({"/run": "", "/scratch": "size=65536,mode=1777"})),
        ("web", "/HostConfig/ShmSize", json!(128 << 20)),
        ("web", "/HostConfig/Sysctls", json!({"net.core.somaxconn": "1024"})),
        // As Docker Compose 2.40.3 sends them: `CAP_`-prefixed, sorted.
        ("web", "/HostConfig/CapAdd", json!(["CAP_NET_ADMIN", "CAP_SYS_PTRACE"])),
        ("web", "/HostConfig/CapDrop", json!(["CAP_MKNOD"])),
        (
            "web",
            "/HostConfig/Devices",
            json!([{"PathOnHost": "/dev/zero", "PathInContainer": "/dev/myzero", "CgroupPermissions": "rw"}, {"PathOnHost": "/dev/null", "PathInContainer": "/dev/null", "CgroupPermissions": "rwm"}]),
        ),
        ("web", "/HostConfig/Dns", json!(["8.8.8.8", "9.9.9.9"])),
        ("web", "/HostConfig/DnsSearch", json!(["example.com"])),
        ("web", "/HostConfig/DnsOptions", json!(["ndots:2", "timeout:3"])),
        ("web", "/HostConfig/LogConfig", json!({"Type": "json-file", "Config": {"max-size": "1m", "max-file": "2"}})),
        ("web", "/HostConfig/OomScoreAdj", json!(100)),
        ("web", "/HostConfig/SecurityOpt", json!(["no-new-privileges:true"])),
        ("web", "/HostConfig/GroupAdd", json!(["1234", "5678"])),
        ("web", "/HostConfig/PidsLimit", json!(100)),
        ("web", "/HostConfig/Memory", json!(64 << 20)),
        ("web", "/HostConfig/MemorySwap", json!(128 << 20)),
        ("web", "/HostConfig/MemoryReservation", json!(32 << 20)),
        ("web", "/HostConfig/NanoCpus", json!(300_000_000)),
        ("web", "/HostConfig/CpuShares", json!(512)),
        ("web", "/HostConfig/CpusetCpus", json!("0")),
        // Named volumes without `nocopy` or `subpath` are binds too in Docker Compose 2.40.3.
        (
            "web",
            "/HostConfig/Binds",
            json!([
                format!("{}_data:/data:rw", s.name),
                format!("{}:/ext:ro", inputs.volume),
                format!("{dir}/created-by-bind:/bound:rw"),
                format!("{}_scratch:/scratchvol:rw", s.name),
            ]),
        ),
        ("web", "/HostConfig/NetworkMode", json!(net("back"))),
        ("web", &front_ipam, json!({"IPv4Address": "10.213.77.10"})),
        ("web", &front_ip, json!("10.213.77.10")),
        ("web", &back_ipam, json!({})),
        ("db", "/HostConfig/NanoCpus", json!(250_000_000)),
        ("db", "/HostConfig/Memory", json!(48 << 20)),
        ("db", "/HostConfig/PidsLimit", json!(64)),
        ("db", "/HostConfig/MemoryReservation", json!(16 << 20)),
        ("db", "/HostConfig/IpcMode", json!("shareable")),
        ("db", "/HostConfig/RestartPolicy", json!({"Name": "on-failure", "MaximumRetryCount": 3})),
        ("db", "/Config/StopTimeout", json!(90)),
        ("db", &back_ipam, Value::Null),
        ("side", "/HostConfig/NetworkMode", json!(format!("container:{}", id("db")))),
        ("side", "/HostConfig/IpcMode", json!(format!("container:{}", id("db")))),
        ("side", "/HostConfig/PidMode", json!(format!("container:{}", id("db")))),
        ("side", "/HostConfig/VolumesFrom", json!([s.container("db", 1)])),
        ("side", "/HostConfig/RestartPolicy", json!({"Name": "always", "MaximumRetryCount": 0})),
        ("linker", "/HostConfig/NetworkMode", json!(net("front"))),
        ("linker", "/HostConfig/RestartPolicy", json!({"Name": "on-failure", "MaximumRetryCount": 2})),
        ("linker", "/HostConfig/PidMode", json!("host")),
        ("linker", "/HostConfig/CgroupnsMode", json!("private")),
        ("linker", "/HostConfig/CgroupParent", json!("/docker")),
        ("linker", "/HostConfig/Runtime", json!("runc")),
        ("linker", "/HostConfig/Isolation", json!("default")),
        ("linker", "/HostConfig/CpuPeriod", json!(100_000)),
        ("linker", "/HostConfig/CpuQuota", json!(50_000)),
        ("linker", "/HostConfig/MemorySwappiness", json!(10)),
        ("linker", "/HostConfig/DeviceCgroupRules", json!(["c 1:3 mr"])),
        ("hostnet", "/HostConfig/NetworkMode", json!("host")),
        ("hostnet", "/HostConfig/UTSMode", json!("host")),
        ("hostnet", "/HostConfig/UsernsMode", json!("host")),
        ("hostnet", "/HostConfig/Init", json!(false)),
        ("nonet", "/HostConfig/NetworkMode", json!("none")),
        ("nonet", "/Config/Tty", json!(true)),
        ("nonet", "/Config/OpenStdin", json!(true)),
        ("nonet", "/HostConfig/MaskedPaths", json!([])),
        ("nonet", "/HostConfig/ReadonlyPaths", json!([])),
        ("nonet", "/HostConfig/SecurityOpt", Value::Null),
        ("nonet", "/HostConfig/LogConfig/Config/max-size", json!("2m")),
        ("priv", "/HostConfig/Privileged", json!(true)),
        ("shell", "/Config/Cmd", json!(["sh", "-c", "sleep 3600", "ignored-arg"])),
        ("shell", "/Config/StopTimeout", json!(1)),
        ("shell", "/Config/Healthcheck/Test", json!(["CMD-SHELL", "true || false"])),
        ("shell", "/Config/Labels/org.example.list", json!("yes")),
        ("shell", "/Config/Labels/org.example.bare", json!("")),
        ("shell", "/HostConfig/LogConfig/Type", json!("none")),
        ("shell", "/HostConfig/ExtraHosts", json!(["mapped:10.0.0.5"])),
        ("shell", "/HostConfig/Sysctls", json!({"net.ipv4.ip_forward": "1"})),
        ("shell", "/HostConfig/Memory", json!(100_000_000)),
        ("shell", "/HostConfig/NanoCpus", json!(1_500_000_000)),
        ("blank", "/Config/Healthcheck/Test", json!(["NONE"])),
        (
            "gpu",
            "/HostConfig/DeviceRequests",
            json!([
                {"Driver": "nvidia", "Count": 0, "DeviceIDs": ["0", "1"], "Capabilities": [["gpu", "utility"]], "Options": null},
                {"Driver": "nvidia", "Count": 2, "DeviceIDs": null, "Capabilities": [["compute"]], "Options": null},
            ]),
        ),
    ];
    let mut wrong = Vec::new();
    for (service, pointer, want) in &expect {
        let got = c(service).pointer(pointer).cloned().unwrap_or(Value::Null);
        if &got != want {
            wrong.push(format!("{service} {pointer}: want {want}, got {got}"));
        }
    }
    assert!(wrong.is_empty(), "fields differ from the compose file:\n{}", wrong.join("\n"));

    let env = strings(&c("web")["Config"]["Env"]);
    for e in ["PLAIN=1", "OVERRIDDEN=from environment", "FROM_FILE=file value", "QUOTED=a b", "EMPTY=", "UNSET_IN_SHELL"] {
        assert!(env.iter().any(|x| x == e), "web environment has {e}: {env:?}");
    }
    let ulimits: BTreeMap<String, (i64, i64)> = c("web")["HostConfig"]["Ulimits"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|u| (u["Name"].as_str().unwrap_or_default().to_string(), (u["Soft"].as_i64().unwrap_or(-1), u["Hard"].as_i64().unwrap_or(-1))))
        .collect();
    assert_eq!(ulimits, BTreeMap::from([("nofile".to_string(), (1024, 2048)), ("nproc".to_string(), (512, 512))]));
    let mut hosts = strings(&c("web")["HostConfig"]["ExtraHosts"]);
    hosts.sort();
    assert_eq!(hosts, ["other:10.0.0.1", "somehost:162.242.195.82"]);
    assert!(s.dir.path().join("created-by-bind").is_dir(), "the short bind syntax creates its host path");

    for (service, network, want) in [
        ("web", net("front"), vec![s.container("web", 1), "web".into(), "api".into(), "api.internal".into()]),
        ("linker", inputs.network.clone(), vec![s.container("linker", 1), "linker".into(), "linker.outside".into()]),
    ] {
        let aliases = strings(&c(service)["NetworkSettings"]["Networks"][&network]["Aliases"]);
        assert!(want.iter().all(|a| aliases.contains(a)), "{service} aliases on {network}: {aliases:?}");
    }
    let seccomp = c("linker")["HostConfig"]["SecurityOpt"][0].as_str().unwrap_or_default().to_string();
    assert_eq!(seccomp, format!("seccomp={}", SECCOMP.split_whitespace().collect::<String>()), "a seccomp file is sent as compact JSON");
    let db = s.container("db", 1);
    let web = s.container("web", 1);
    let p = &s.name;
    let want_links = json!([
        format!("{db}:database"),
        format!("{db}:db-1"),
        format!("{db}:{p}-db-1"),
        format!("{web}:web"),
        format!("{web}:web-1"),
        format!("{web}:{p}-web-1")
    ]);
    for n in [net("back"), net("front"), inputs.network.clone()] {
        assert_eq!(c("linker")["NetworkSettings"]["Networks"][&n]["Links"], want_links, "links on {n}");
    }
    let mounts = |service: &str| -> BTreeMap<String, Value> {
        c(service)["Mounts"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|m| (m["Destination"].as_str().unwrap_or_default().to_string(), m.clone()))
            .collect()
    };
    let web_mounts = mounts("web");
    let field = |m: &BTreeMap<String, Value>, dest: &str, key: &str| m.get(dest).map(|v| v[key].clone()).unwrap_or(Value::Null);
    assert_eq!(field(&web_mounts, "/data", "Name"), json!(format!("{p}_data")));
    assert_eq!((field(&web_mounts, "/ext", "Name"), field(&web_mounts, "/ext", "RW")), (json!(inputs.volume), json!(false)));
    assert_eq!(field(&web_mounts, "/cache", "Type"), json!("tmpfs"));
    assert_eq!(field(&web_mounts, "/scratchvol", "Name"), json!(format!("{p}_scratch")));
    assert_eq!(field(&mounts("side"), "/shared", "Name"), json!(format!("{p}_data")), "volumes_from brings db's volume");

    let nets = inspect_diff::networks(&s.name);
    let front = &nets[&net("front")];
    assert_eq!(front["Driver"], json!("bridge"));
    assert_eq!(front["Options"], json!({"com.docker.network.bridge.enable_icc": "true", "com.docker.network.driver.mtu": "1400"}));
    assert_eq!(
        front["IPAM"]["Config"],
        json!([{"Subnet": "10.213.77.0/24", "Gateway": "10.213.77.1", "IPRange": "10.213.77.128/25", "AuxiliaryAddresses": {"reserved": "10.213.77.200"}}])
    );
    assert_eq!((front["Attachable"].clone(), front["Internal"].clone()), (json!(true), json!(false)));
    assert_eq!(front["Labels"]["org.example.net"], json!("front"));
    assert_eq!(nets[&net("back")]["Internal"], json!(true));
    assert!(!nets.contains_key(&inputs.network), "the external network is not the project's");
    let vols = inspect_diff::volumes(&s.name);
    assert_eq!(vols[&format!("{p}_data")]["Labels"]["org.example.vol"], json!("data"));
    assert_eq!(vols[&format!("{p}_scratch")]["Options"], json!({"type": "tmpfs", "device": "tmpfs", "o": "size=1m"}));
    assert!(!vols.contains_key(&inputs.volume), "the external volume is not the project's");
}

/// What the fields do once running: names and aliases resolve, links answer, ports are bound.
async fn check_runtime(s: &Stack) {
    let cs = s.containers().await;
    let linker = &cs[&s.container("linker", 1)];
    for name in ["web", "api", "db", "database", "linker.outside"] {
        let out = s.engine.exec(&linker.id, &ExecSpec::new(["nslookup", name])).await.expect("exec");
        assert_eq!(out.exit_code, 0, "{name} resolves from linker: {}{}", out.stdout_text(), out.stderr_text());
    }
    let web = &cs[&s.container("web", 1)];
    assert!(web.ports.iter().any(|p| p.private_port == 80 && p.public_port.is_some()), "web publishes 80: {:?}", web.ports);
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array().into_iter().flatten().filter_map(Value::as_str).map(String::from).collect()
}
