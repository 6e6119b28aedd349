//! The hash against Docker Compose's own, on every stored case.
//!
//! `tests/hash/expected-2.40.txt` holds, for each service of each case, the label value Docker
//! Compose 2.40.3 (the reference) writes and what its `config --hash` prints;
//! `tests/hash/expected-2.26.txt` the same recorded with Docker Compose 2.26.1 (both made by
//! `tests/hash/regen.py`; neither binary is needed here). The cases are the `tests/hash/cases` made for the hash,
//! `compose-samples/valid`, and the shared conformance cases (`../shared/conformance/cases` from
//! the repository, or `$CONFORMANCE_CASES`). A case whose source is missing fails the test: a
//! run that found nothing to check must not pass.
//! Each case is copied to the path the reference saw, since the hash covers absolute paths.
//!
//! `tests/hash/KNOWN_GAPS` lists services whose hash differs because of a known gap elsewhere
//! (`<set>/<case> <service>: why`): they are reported without failing, and fail once they pass,
//! so that the line goes away with the gap.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use super::{config_hash, config_hash_with, go_json, Algorithm};
use crate::loader::{self, Options};

const BASE: &str = "/tmp/rcompose-hash";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn source_of(set: &str, case: &str) -> PathBuf {
    match set {
        "hash" => repo().join("tests/hash/cases").join(case),
        "samples" => repo().join("compose-samples/valid").join(case),
        _ => std::env::var_os("CONFORMANCE_CASES").map_or_else(|| repo().join("../shared/conformance/cases"), PathBuf::from).join(case),
    }
}

fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    fs::create_dir_all(to)?;
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}

/// Loader options as `regen.py` ran the reference: the case's `env` as the whole environment
/// (plus a fixed HOME) and the global flags of its `args` file.
fn options(src: &Path, dir: &Path) -> Options {
    let mut environ = vec![("HOME".to_string(), format!("{BASE}/home"))];
    for line in fs::read_to_string(src.join("env")).unwrap_or_default().lines() {
        if let Some((k, v)) = line.split_once('=') {
            environ.push((k.into(), v.into()));
        }
    }
    let mut opts = Options { cwd: dir.to_path_buf(), environ, ..Options::default() };
    let args = fs::read_to_string(src.join("args")).unwrap_or_default();
    let mut words = args.split_whitespace();
    while let (Some(flag), Some(value)) = (words.next(), words.next()) {
        match flag {
            "-f" | "--file" => opts.files.push(value.into()),
            "-p" | "--project-name" => opts.project_name = Some(value.into()),
            "--profile" => opts.profiles.push(value.into()),
            "--env-file" => opts.env_files.push(value.into()),
            other => panic!("{}: unsupported flag {other}", src.display()),
        }
    }
    opts
}

/// One test for both files: the cases are copied to the same paths for each.
#[test]
fn hashes_equal_the_labels_of_docker_compose_2_40_and_2_26() {
    hashes_equal_recorded_labels("tests/hash/expected-2.40.txt", Algorithm::Compose2_40);
    hashes_equal_recorded_labels("tests/hash/expected-2.26.txt", Algorithm::Compose2_26);
}

fn hashes_equal_recorded_labels(file: &str, alg: Algorithm) {
    let expected = fs::read_to_string(repo().join(file)).expect(file);
    let mut cases: BTreeMap<&str, Vec<(&str, &str)>> = BTreeMap::new();
    for line in expected.lines().filter(|l| !l.starts_with('#') && !l.is_empty()) {
        let f: Vec<&str> = line.split(' ').collect();
        cases.entry(f[0]).or_default().push((f[1], f[2]));
    }
    let gaps_text = fs::read_to_string(repo().join("tests/hash/KNOWN_GAPS")).unwrap_or_default();
    let gaps: BTreeMap<&str, &str> = gaps_text.lines().filter_map(|l| l.split_once(": ")).collect();
    let (mut checked, mut failures, mut known) = (0, Vec::new(), Vec::new());
    for (id, services) in &cases {
        let (set, case) = id.split_once('/').unwrap();
        let src = source_of(set, case);
        if !src.is_dir() {
            failures.push(format!("{id}: its source is not at {}", src.display()));
            continue;
        }
        let dir = Path::new(BASE).join(set).join(case);
        let _ = fs::remove_dir_all(&dir);
        copy_dir(&src, &dir).unwrap_or_else(|e| panic!("copying {id}: {e}"));
        let project = match loader::load(&options(&src, &dir)) {
            Ok(l) => l.project,
            Err(e) => {
                failures.push(format!("{id}: the loader fails: {e}"));
                continue;
            }
        };
        for (name, want) in services {
            checked += 1;
            let key = format!("{id} {name}");
            let problem = match project.services.get(*name) {
                None => Some(format!("{key}: not loaded")),
                Some(s) if config_hash_with(alg, s) != *want => Some(format!("{key}: hashed {}", super::hashed_json_with(alg, s))),
                Some(_) => None,
            };
            match (problem, gaps.get(key.as_str())) {
                (Some(_), Some(why)) => known.push(format!("{key}: {why}")),
                (Some(p), None) => failures.push(p),
                (None, Some(_)) => failures.push(format!("{key}: passes now, remove it from tests/hash/KNOWN_GAPS")),
                (None, None) => {}
            }
        }
    }
    for k in &known {
        eprintln!("known gap: {k}");
    }
    eprintln!("{} of {checked} services hash as {alg} does ({file})", checked - failures.len() - known.len());
    assert!(checked > 0, "{file}: no service checked");
    assert!(failures.is_empty(), "{} differ:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn cleared_fields_do_not_change_the_hash() {
    let project = crate::model::Project::default();
    let mut a = crate::model::Service { image: "busybox".into(), ..Default::default() };
    let before = config_hash(&project, &a);
    a.pull_policy = "always".into();
    a.scale = Some(3);
    a.build = Some(Default::default());
    assert_eq!(config_hash(&project, &a), before);
    let before_226 = config_hash_with(Algorithm::Compose2_26, &a);
    a.profiles = vec!["debug".into()];
    a.depends_on.insert("db".into(), Default::default());
    assert_eq!(config_hash(&project, &a), before, "profiles and depends_on are not hashed by Docker Compose 2.40.3");
    assert_ne!(config_hash_with(Algorithm::Compose2_26, &a), before_226, "profiles and depends_on are hashed by Docker Compose 2.26.1");
}

#[test]
fn the_hashed_text_is_go_json() {
    let s = crate::model::Service { image: "busybox".into(), cpus: 1.5, ..Default::default() };
    assert_eq!(super::hashed_json(&s), r#"{"cpus":1.5,"command":null,"entrypoint":null,"image":"busybox"}"#);
    assert_eq!(go_json(&serde_json::json!("a&b")), r#""a\u0026b""#);
}

/// Zero values and device requests, against the hashes Docker Compose 2.26.1 printed for this
/// very file (`docker compose config --hash '*'`, run by hand; for `a` the label `up` wrote is
/// the same): `core: 0` is written `{}`, `count: all` is -1, `gpus: all` is `[{"count":-1}]`.
#[test]
fn zero_ulimits_and_device_requests_hash_as_docker_compose() {
    let p = crate::reconcile::testing::project(
        r#"
services:
  a:
    image: busybox:latest
    ulimits: {core: 0, nofile: {soft: 0, hard: 0}, nproc: 65535}
  b:
    image: busybox:latest
    deploy:
      resources:
        reservations:
          devices:
            - capabilities: [gpu]
              count: all
              options: {virtualization: "false", b: x}
  d:
    image: busybox:latest
    gpus: all
"#,
    );
    let hash = |s: &str| config_hash_with(Algorithm::Compose2_26, &p.services[s]);
    assert_eq!(
        hash("a"),
        "868fb0f2ef0ce1af0426daa3bb5bdfe0b0e35ac34e1bd1d993599f5ffc79deb3",
        "{}",
        super::hashed_json_with(Algorithm::Compose2_26, &p.services["a"])
    );
    assert_eq!(
        hash("b"),
        "0a272a8a1ae2ed36bca5fa700d895fcbef336bab5055651e198d8b79500a3e93",
        "{}",
        super::hashed_json_with(Algorithm::Compose2_26, &p.services["b"])
    );
    assert_eq!(
        hash("d"),
        "1ffd8a77961585cb8450f634d6dd2a9854878dee3a73c091c23235245dd27896",
        "{}",
        super::hashed_json_with(Algorithm::Compose2_26, &p.services["d"])
    );
}

/// Empty lists of Go structs whose fields are `omitempty` are left out of the hashed JSON (hash
/// printed by `docker compose config --hash '*'` 2.26.1 for this file).
#[test]
fn empty_omitempty_lists_hash_as_docker_compose() {
    let p = crate::reconcile::testing::project(
        r#"
services:
  a:
    image: busybox:latest
    blkio_config: {device_read_bps: [], weight_device: []}
    deploy: {placement: {constraints: []}, resources: {reservations: {generic_resources: []}}}
"#,
    );
    let hash = |s: &str| config_hash_with(Algorithm::Compose2_26, &p.services[s]);
    assert_eq!(
        hash("a"),
        "7061bbca418c7255f5355178740c96a55ce615b532e8c75de6eca5aef9f59df0",
        "{}",
        super::hashed_json_with(Algorithm::Compose2_26, &p.services["a"])
    );
}

/// A network `priority` of 0 is `omitempty`, and the struct orders of network attachments and
/// bind options are Go's (hash printed by `docker compose config --hash '*'` 2.26.1).
#[test]
fn zero_network_priority_and_bind_options_hash_as_docker_compose() {
    let p = crate::reconcile::testing::project(
        r#"
services:
  a:
    image: busybox:latest
    networks:
      n: {priority: 0, aliases: [x]}
      m: {priority: 5}
    volumes: ["/src:/dst:z"]
networks:
  n:
  m:
"#,
    );
    let hash = config_hash_with(Algorithm::Compose2_26, &p.services["a"]);
    assert_eq!(
        hash,
        "643514b65bf6043619e15c01edd36225757ab15699f6484c59f67dd8b33c289e",
        "{}",
        super::hashed_json_with(Algorithm::Compose2_26, &p.services["a"])
    );
}

/// Block-I/O devices as Go writes them (`Path`, `Weight`, `Rate` as a string of bytes), and a
/// watch `exec` command split as a shell would, with its field order (hash printed by
/// `docker compose config --hash '*'` 2.26.1).
#[test]
fn blkio_devices_and_watch_exec_hash_as_docker_compose() {
    let p = crate::reconcile::testing::project(
        r#"
services:
  a:
    image: busybox:latest
    blkio_config:
      weight: 300
      weight_device: [{path: /dev/sda, weight: 400}]
      device_read_bps: [{path: /dev/sda, rate: 12mb}]
      device_write_iops: [{path: /dev/sda, rate: 30}]
    develop:
      watch:
        - {path: /src, action: sync+exec, target: /x, exec: {command: echo hi, environment: [A=1]}}
        - {path: /other, action: rebuild, ignore: [x]}
"#,
    );
    let hash = config_hash_with(Algorithm::Compose2_26, &p.services["a"]);
    assert_eq!(
        hash,
        "ddf1a7bb42fd553cfba86d33e80b0293ec7be2897a39d4fa364b3ee7d0257915",
        "{}",
        super::hashed_json_with(Algorithm::Compose2_26, &p.services["a"])
    );
}

/// Docker Compose v5 (read from v5.5's `pkg/compose/hash.go` and its compose-go; no v5 binary
/// runs here): `create_host_path` is an opt-out, left out when true and written when false,
/// and the rest is 2.40.3's text (no `depends_on`, no `profiles`).
#[test]
fn v5_writes_create_host_path_as_an_opt_out() {
    let p = crate::reconcile::testing::project(
        r#"
services:
  a:
    image: busybox:latest
    depends_on: [b]
    volumes:
      - /src:/short
      - {type: bind, source: /src, target: /long, bind: {create_host_path: false, selinux: z}}
  b:
    image: busybox:latest
"#,
    );
    let a = &p.services["a"];
    let v5 = super::hashed_json_with(Algorithm::Compose5, a);
    let v240 = super::hashed_json_with(Algorithm::Compose2_40, a);
    assert!(v240.contains(r#""target":"/short","bind":{"create_host_path":true}"#), "{v240}");
    assert!(v5.contains(r#""target":"/short","bind":{}"#), "{v5}");
    assert!(v5.contains(r#""bind":{"selinux":"z","create_host_path":false}"#), "{v5}");
    assert!(!v5.contains("depends_on"), "{v5}");
    assert_eq!(v5.replace(r#""bind":{}"#, r#""bind":{"create_host_path":true}"#).replace(r#","create_host_path":false"#, ""), v240);
    let b = &p.services["b"];
    assert_eq!(config_hash_with(Algorithm::Compose5, b), config_hash_with(Algorithm::Compose2_40, b), "nothing else differs");
}

/// The labels Docker Compose 2.40.3 put on a network and on volumes it created for this file
/// (`docker network inspect`, `docker volume inspect`, run by hand): the hash of the network's
/// JSON, and of the volume's with its driver defaulting to `local`.
#[test]
fn network_and_volume_hashes_are_docker_compose_2_40_labels() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("compose.yaml"),
        r#"
services:
  a:
    image: busybox:latest
    networks: [n, default]
    volumes: [vol1:/v, vol2:/w, vol3:/x]
networks:
  n: {driver_opts: {x: y}, labels: {z: "1"}, ipam: {config: [{subnet: 10.99.0.0/24}]}}
volumes:
  vol1: {}
  vol2: {labels: {a: b}, driver_opts: {type: tmpfs, device: tmpfs}}
  vol3: {name: "hx-x-vol", driver: local}
"#,
    )
    .unwrap();
    let opts = Options { project_name: Some("hxtest".into()), cwd: dir.path().to_path_buf(), ..Options::default() };
    let p = loader::load(&opts).unwrap().project;
    assert_eq!(super::network_hash(&p.networks["n"]), "e6f6fb502a14af9dcbfe5e76eb7b51cb29ab8bb8764142dc172bd4649c6c84bf");
    assert_eq!(super::network_hash(&p.networks["default"]), "bc28003c6b70c78f9104f59b601057d43673745f57f2482a12d4351d5ee8ee2b");
    assert_eq!(super::volume_hash(&p.volumes["vol1"]), "36f4e99c0066951ca3d2261de916633142a81ac09673a00d022321d85c172e45");
    assert_eq!(super::volume_hash(&p.volumes["vol2"]), "c94974a3d164df419e08f8fbaea82a01b8cb4e0426429af11e98c3b148edda3e");
    assert_eq!(super::volume_hash(&p.volumes["vol3"]), "d49bac2213a02f8a042e28c650e2dd3a92cb55dbec4cf49921d11c130ebc1ba4");
}

/// `enable_ipv4` (which the model keeps among its other keys) hashed in compose-go's place,
/// before `enable_ipv6`: the label Docker Compose 2.40.3 put on this network (project `hx6`).
#[test]
fn enable_ipv4_is_hashed_before_enable_ipv6() {
    let dir = tempfile::tempdir().unwrap();
    let yaml =
        "services:\n  a:\n    image: busybox\n    networks: [n]\nnetworks:\n  n: {enable_ipv6: false, enable_ipv4: true, internal: true}\n";
    fs::write(dir.path().join("compose.yaml"), yaml).unwrap();
    let opts = Options { project_name: Some("hx6".into()), cwd: dir.path().to_path_buf(), ..Options::default() };
    let p = loader::load(&opts).unwrap().project;
    assert_eq!(super::network_hash(&p.networks["n"]), "6c17bbe2448dc54112878ce829702a3551738129c412330caccca69c57a4b005");
}
