//! Volumes and files end to end, next to Docker Compose on the same engine: anonymous volumes
//! carried over a recreation (and renewed by `-V`), secrets and configs from the environment,
//! inline content and host files, and networks and volumes that exist before the project does.

use std::process::{Command, Output};

use rcompose::engine::{Engine, ExecSpec, MountKind};

use crate::up::Stack;

/// Removes, when dropped, what a test made outside the project's labels: images, anonymous
/// volumes, and the networks and volumes made by hand. Declare it before the `Stack`, so that
/// it is dropped after it, once the containers are gone.
#[derive(Default)]
struct Leftovers {
    images: Vec<String>,
    volumes: Vec<String>,
    networks: Vec<String>,
}

impl Drop for Leftovers {
    fn drop(&mut self) {
        for v in &self.volumes {
            let _ = Command::new("docker").args(["volume", "rm", "-f", v]).output();
        }
        for n in &self.networks {
            let _ = Command::new("docker").args(["network", "rm", n]).output();
        }
        if !self.images.is_empty() {
            let _ = Command::new("docker").args(["rmi", "-f"]).args(&self.images).output();
        }
    }
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// `sh -c script` in container `name`; its standard output.
async fn sh(s: &Stack, name: &str, script: &str) -> String {
    let out = s.engine.exec(name, &ExecSpec::new(["sh", "-c", script])).await.expect("exec");
    assert_eq!(out.exit_code, 0, "{script}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The volume names container `name` mounts, by path.
async fn volumes_of(s: &Stack, name: &str) -> std::collections::BTreeMap<String, String> {
    let c = s.engine.inspect_container(name).await.expect("inspect");
    c.mounts.into_iter().filter(|m| m.kind == Some(MountKind::Volume)).map(|m| (m.destination, m.name.unwrap_or_default())).collect()
}

const ANON: &str = r#"
services:
  app:
    build: ./ctx
    command: [sleep, "600"]
    stop_signal: SIGKILL
    environment: {V: "1"}
    volumes: [/anon, "data:/named"]
volumes:
  data:
"#;

#[tokio::test]
async fn anonymous_volumes_survive_a_recreate_and_renew_anon_volumes_starts_afresh() {
    let mut left = Leftovers::default();
    let s = Stack::new("anon", ANON).await;
    left.images.push(format!("{}-app", s.name));
    std::fs::create_dir_all(s.dir.path().join("ctx")).unwrap();
    std::fs::write(s.dir.path().join("ctx/Dockerfile"), "FROM busybox:latest\nVOLUME /img\n").unwrap();
    let app = s.container("app", 1);

    s.ok(&["up", "-d"]).await;
    sh(&s, &app, "echo anon > /anon/f && echo img > /img/f && echo named > /named/f").await;
    let first = volumes_of(&s, &app).await;
    left.volumes.extend(first.values().cloned());

    s.write(&ANON.replace("V: \"1\"", "V: \"2\""));
    let plan = s.ok(&["up", "-d", "--dry-run"]).await;
    assert!(plan.contains("app: keep volumes (/anon, /img)"), "{plan}");
    let before = s.containers().await[&app].id.clone();
    s.ok(&["up", "-d"]).await;
    assert_ne!(s.containers().await[&app].id, before, "the container is recreated");
    assert_eq!(sh(&s, &app, "cat /anon/f /img/f /named/f").await, "anon\nimg\nnamed\n");
    assert_eq!(volumes_of(&s, &app).await, first, "the same volumes, at the same paths");

    // Docker Compose, recreating what rcompose made, keeps them too (and rcompose what it made).
    if crate::harness::reference_installed() {
        s.write(&ANON.replace("V: \"1\"", "V: \"3\""));
        let theirs = s.docker_compose(&["up", "-d"]).await;
        assert!(theirs.status.success(), "{}", stderr(&theirs));
        assert_eq!(sh(&s, &app, "cat /anon/f /img/f").await, "anon\nimg\n");
    }

    s.ok(&["up", "-d", "-V", "--force-recreate"]).await;
    let renewed = volumes_of(&s, &app).await;
    left.volumes.extend(renewed.values().cloned());
    assert_ne!(renewed["/anon"], first["/anon"]);
    assert_ne!(renewed["/img"], first["/img"]);
    assert_eq!(renewed["/named"], first["/named"], "-V leaves named volumes alone");
    assert_eq!(sh(&s, &app, "[ ! -e /anon/f ] && [ ! -e /img/f ] && cat /named/f").await, "named\n");

    // After one more recreate the anonymous volumes are mounted by name, which the engine's
    // own `rm -v` keeps: `down -v` removes them all the same.
    s.ok(&["up", "-d", "--force-recreate"]).await;
    assert_eq!(volumes_of(&s, &app).await, renewed);
    s.ok(&["down", "-v"]).await;
    for v in renewed.values() {
        assert!(s.engine.inspect_volume(v).await.is_err_and(|e| e.is_not_found()), "{v} is removed");
    }
}

const FILES: &str = r#"
services:
  app:
    image: busybox
    command: [sleep, "600"]
    stop_signal: SIGKILL
    secrets:
      - token
      - {source: token, target: custom, uid: "1000", gid: "2000", mode: 0440}
      - host
    configs:
      - motd
      - {source: motd, target: /etc/motd, mode: 0600}
      - {source: fromenv, target: rel/cfg}
      - {source: hostcfg, target: /etc/host.cfg}
secrets:
  token: {environment: TOKEN}
  host: {file: ./host.txt}
configs:
  motd: {content: "hello\nworld\n"}
  fromenv: {environment: TOKEN}
  hostcfg: {file: ./host.txt}
"#;

/// Every file the service of `FILES` gets, with its mode, owner, size and content.
const LIST: &str = "for f in /run/secrets/token /run/secrets/custom /run/secrets/host /motd /etc/motd /rel/cfg /etc/host.cfg; \
                    do stat -c '%n %a %u:%g %s' $f; cat $f; echo; done";

#[tokio::test]
async fn secrets_and_configs_from_environment_content_and_files_match_docker_compose() {
    let s = Stack::new("files", FILES).await;
    std::fs::write(s.dir.path().join(".env"), "TOKEN=s3cret\n").unwrap();
    std::fs::write(s.dir.path().join("host.txt"), "from the host\n").unwrap();
    let app = s.container("app", 1);

    s.ok(&["up", "-d"]).await;
    let ours = sh(&s, &app, LIST).await;
    assert!(ours.starts_with("/run/secrets/token 444 0:0 6\ns3cret\n/run/secrets/custom 440 1000:2000 6\ns3cret\n"), "{ours}");
    assert!(ours.contains("/etc/motd 600 0:0 12\nhello\nworld\n") && ours.contains("/rel/cfg 444 0:0 6\ns3cret\n"), "{ours}");
    s.ok(&["down"]).await;

    let reference = crate::harness::reference_installed();
    if reference {
        let theirs = s.docker_compose(&["up", "-d"]).await;
        assert!(theirs.status.success(), "{}", stderr(&theirs));
        assert_eq!(sh(&s, &app, LIST).await, ours, "the same files, modes and owners as Docker Compose's");
        s.ok(&["down"]).await;
    }

    std::fs::remove_file(s.dir.path().join(".env")).unwrap();
    let unset = s.rcompose(&["up", "-d"]).await;
    // Docker Compose 2.40.3's message (2.26.1 said "required by file").
    let message = format!("environment variable \"TOKEN\" required by secret \"{}_token\" is not set", s.name);
    assert_eq!(unset.status.code(), Some(1), "{}", stderr(&unset));
    assert!(stderr(&unset).contains(&message), "{}", stderr(&unset));
    if reference {
        let theirs = s.docker_compose(&["up", "-d"]).await;
        assert_eq!(unset.status.code(), theirs.status.code());
        assert!(stderr(&theirs).contains(&message), "{}", stderr(&theirs));
    }
}

const RESOURCES: &str = r#"
services:
  app:
    image: busybox
    command: [sleep, "600"]
    stop_signal: SIGKILL
    volumes: ["data:/data"]
    networks: [net]
volumes:
  data:
networks:
  net:
"#;

#[tokio::test]
async fn networks_and_volumes_made_by_hand_are_never_taken_over_silently() {
    let mut left = Leftovers::default();
    let s = Stack::new("foreign", RESOURCES).await;
    let (net, vol) = (format!("{}_net", s.name), format!("{}_data", s.name));
    left.networks.push(net.clone());
    left.volumes.push(vol.clone());
    let made = Command::new("docker").args(["network", "create", &net]).output().unwrap();
    assert!(made.status.success(), "{}", stderr(&made));
    let net_id = s.engine.inspect_network(&net).await.unwrap().id;

    let reference = crate::harness::reference_installed();
    let ours = s.rcompose(&["up", "-d"]).await;
    let refused = format!("network {net} was found but has incorrect label com.docker.compose.network set to \"\"");
    assert_eq!(ours.status.code(), Some(1));
    assert!(stderr(&ours).contains(&refused), "{}", stderr(&ours));
    if reference {
        let theirs = s.docker_compose(&["up", "-d"]).await;
        assert_eq!(theirs.status.code(), Some(1));
        assert!(stderr(&theirs).contains(&refused), "{}", stderr(&theirs));
    }
    assert_eq!(s.engine.inspect_network(&net).await.unwrap().id, net_id, "the network is left as it was");
    assert!(s.containers().await.is_empty(), "nothing is created");

    // With the network declared external, the hand-made volume is used, with Docker Compose's
    // warning, and `down -v` leaves it (and its data) where it was.
    let made = Command::new("docker").args(["volume", "create", &vol]).output().unwrap();
    assert!(made.status.success(), "{}", stderr(&made));
    let external_net = RESOURCES.replace("networks:\n  net:\n", &format!("networks:\n  net: {{external: true, name: {net}}}\n"));
    s.write(&external_net);
    let up = s.rcompose(&["up", "-d"]).await;
    assert!(up.status.success(), "{}", stderr(&up));
    let warning =
        format!("volume \"{vol}\" already exists but was not created by Docker Compose. Use `external: true` to use an existing volume");
    assert!(stderr(&up).contains(&warning), "{}", stderr(&up));
    sh(&s, &s.container("app", 1), "echo kept > /data/f").await;
    s.ok(&["down", "-v"]).await;
    assert!(s.engine.inspect_volume(&vol).await.is_ok(), "a volume rcompose did not create is not removed");
    assert!(s.engine.inspect_network(&net).await.is_ok(), "an external network is not removed");

    s.write(&external_net.replace("volumes:\n  data:\n", "volumes:\n  data: {external: true, name: nowhere-to-be-found}\n"));
    let ours = s.rcompose(&["up", "-d"]).await;
    let missing = "external volume \"nowhere-to-be-found\" not found";
    assert_eq!(ours.status.code(), Some(1));
    assert!(stderr(&ours).contains(missing), "{}", stderr(&ours));
    if reference {
        let theirs = s.docker_compose(&["up", "-d"]).await;
        assert_eq!(theirs.status.code(), Some(1));
        assert!(stderr(&theirs).contains(missing), "{}", stderr(&theirs));
    }
}
