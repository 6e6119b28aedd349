//! `up` plans around volumes and files: anonymous volumes carried over a recreation (and
//! removed by `down -v`), secrets and configs written into new containers, and networks and
//! volumes that exist already.

use std::collections::BTreeMap;

use super::*;
use crate::engine::{MountKind, MountPoint, NetworkInfo, VolumeInfo};
use crate::reconcile::observe::Observed;
use crate::reconcile::plan::Op;
use crate::reconcile::testing::{converged, project, steps};

const DB: &str = r#"
services:
  db:
    image: pg
    environment: {V: "1"}
    volumes: [/anon, "data:/data", {type: tmpfs, target: /t}]
volumes:
  data:
"#;

fn volume(name: &str, target: &str) -> MountPoint {
    MountPoint {
        kind: Some(MountKind::Volume),
        name: Some(name.into()),
        source: format!("/var/lib/docker/volumes/{name}/_data"),
        destination: target.into(),
        driver: Some("local".into()),
        mode: "z".into(),
        rw: true,
        propagation: String::new(),
    }
}

/// The db container of `DB` as created, with its anonymous, image and named volumes and its
/// tmpfs, in an engine whose `pg` image declares `/img` and `/data` as volumes.
fn db_running() -> Observed {
    let p = project(DB);
    let mut o = converged(&p);
    o.image_volumes.insert("pg".into(), vec!["/img".into(), "/data/".into()]);
    let mut tmpfs = volume("", "/t");
    tmpfs.kind = Some(MountKind::Tmpfs);
    let mounts = vec![volume("anon1", "/anon"), volume("img1", "/img"), volume("p_data", "/data"), tmpfs];
    o.containers[0].details.as_mut().expect("details").mounts = mounts.clone();
    o.containers[0].summary.mounts = mounts;
    o
}

/// The mounts of the container the plan creates: (kind, source, target).
fn created_mounts(plan: &Plan) -> Vec<(MountKind, Option<String>, String)> {
    let spec = plan.steps.iter().find_map(|s| match &s.op {
        Op::CreateContainer { spec, .. } => Some(spec),
        _ => None,
    });
    let mut out: Vec<_> = spec.expect("a create step").host.mounts.iter().map(|m| (m.kind, m.source.clone(), m.target.clone())).collect();
    out.sort_by(|a, b| a.2.cmp(&b.2));
    out
}

/// The bind strings of the container the plan creates.
fn created_binds(plan: &Plan) -> Vec<String> {
    plan.steps
        .iter()
        .find_map(|s| match &s.op {
            Op::CreateContainer { spec, .. } => Some(spec.host.binds.clone()),
            _ => None,
        })
        .expect("a create step")
}

fn vol(source: Option<&str>, target: &str) -> (MountKind, Option<String>, String) {
    (MountKind::Volume, source.map(str::to_string), target.to_string())
}

#[test]
fn a_recreated_container_keeps_its_anonymous_and_image_volumes() {
    let changed = project(&DB.replace("V: \"1\"", "V: \"2\""));
    let plan = plan_up(&changed, &db_running(), &UpOptions::default()).unwrap();
    assert!(plan.to_string().contains("db: recreate (environment.V changed)\ndb: keep volumes (/anon, /img)"), "{plan}");
    let mut want = vec![vol(Some("anon1"), "/anon"), vol(Some("img1"), "/img"), (MountKind::Tmpfs, None, "/t".into())];
    want.sort_by(|a, b| a.2.cmp(&b.2));
    assert_eq!(created_mounts(&plan), want, "the named volume (a bind string) wins over the image's at /data; tmpfs is never inherited");
    assert_eq!(created_binds(&plan), ["p_data:/data:rw"]);
}

#[test]
fn renew_anon_volumes_gives_fresh_ones() {
    let p = project(DB);
    let opts = UpOptions { recreate: Recreate::Force, renew_anon_volumes: true, ..Default::default() };
    let plan = plan_up(&p, &db_running(), &opts).unwrap();
    assert_eq!(created_mounts(&plan), [vol(None, "/anon"), (MountKind::Tmpfs, None, "/t".into())]);
    assert_eq!(created_binds(&plan), ["p_data:/data:rw"]);
    let kept = plan_up(&p, &db_running(), &UpOptions { recreate: Recreate::Force, ..Default::default() }).unwrap();
    assert!(created_mounts(&kept).contains(&vol(Some("anon1"), "/anon")));
}

const FILES: &str = r#"
services:
  app:
    image: busybox
    environment: {V: "1"}
    secrets: [token, cert]
    configs: [{source: motd, target: /etc/motd, uid: "7"}]
secrets:
  token: {environment: TOKEN}
  cert: {file: ./cert.pem}
configs:
  motd: {content: hello}
"#;

fn files_project(yaml: &str, token: Option<&str>) -> crate::model::Project {
    let mut p = project(yaml);
    p.secrets.get_mut("token").unwrap().environment_value = token.map(str::to_string);
    p
}

#[test]
fn environment_and_content_files_are_copied_between_create_and_start() {
    let p = files_project(FILES, Some("t0ken"));
    let o = Observed { images: converged(&p).images, ..Default::default() };
    let plan = plan_up(&p, &o, &UpOptions::default()).unwrap();
    assert!(plan.to_string().contains("app: copy files (secret token from $TOKEN, config motd from content)"), "{plan}");
    assert_eq!(
        steps(&plan),
        [
            "#1 create network p_default",
            "#2 create container p-app-1  after #1",
            "#3 copy into container p-app-1: /run/secrets/token, /etc/motd  after #2",
            "#4 start container p-app-1  after #3"
        ]
    );
    let Op::CopyFiles { files, .. } = &plan.steps[2].op else { panic!("{plan}") };
    assert_eq!((files[0].content.as_str(), files[1].content.as_str(), files[1].uid, files[1].copy_uid_gid), ("t0ken", "hello", 7, true));
}

#[test]
fn a_replacement_gets_its_files_before_the_old_container_goes() {
    let p = files_project(FILES, Some("t0ken"));
    let o = converged(&p);
    let changed = files_project(&FILES.replace("V: \"1\"", "V: \"2\""), Some("t0ken"));
    let plan = plan_up(&changed, &o, &UpOptions::default()).unwrap();
    let s = steps(&plan);
    assert!(s[0].starts_with("#1 create container ") && s[0].ends_with("_p-app-1"), "{s:?}");
    assert!(
        s[1].starts_with("#2 copy into container ") && s[1].contains("_p-app-1: /run/secrets/token") && s[1].ends_with("after #1"),
        "{s:?}"
    );
    assert!(s[2].starts_with("#3 stop container p-app-1") && s[2].ends_with("after #2"), "{s:?}");
}

#[test]
fn an_unset_variable_fails_the_plan_only_when_a_container_is_made() {
    let p = files_project(FILES, None);
    let o = Observed { images: converged(&p).images, ..Default::default() };
    let e = plan_up(&p, &o, &UpOptions::default()).unwrap_err();
    assert_eq!(e.to_string(), r#"environment variable "TOKEN" required by secret "p_token" is not set"#);
    assert!(plan_up(&p, &converged(&p), &UpOptions::default()).is_ok(), "an up-to-date container needs nothing written");
}

const RESOURCES: &str =
    "services:\n  app:\n    image: busybox\n    volumes: [data:/data]\n    networks: [net]\nvolumes:\n  data:\nnetworks:\n  net:\n";

fn labelled(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn with_resources(net: &[(&str, &str)], vol: &[(&str, &str)]) -> (crate::model::Project, Observed) {
    let p = project(RESOURCES);
    let mut o = Observed { images: converged(&p).images, ..Default::default() };
    o.networks.insert("p_net".into(), NetworkInfo { name: "p_net".into(), labels: labelled(net), ..Default::default() });
    o.volumes.insert("p_data".into(), VolumeInfo { name: "p_data".into(), labels: labelled(vol), ..Default::default() });
    (p, o)
}

#[test]
fn a_network_made_by_hand_is_refused_and_a_volume_made_by_hand_used_with_a_warning() {
    let (p, o) = with_resources(&[], &[]);
    let e = plan_up(&p, &o, &UpOptions::default()).unwrap_err();
    assert_eq!(e.to_string(), r#"network p_net was found but has incorrect label com.docker.compose.network set to """#);
    let (p, o) = with_resources(&[(labels::PROJECT, "p"), (labels::NETWORK, "net")], &[]);
    let plan = plan_up(&p, &o, &UpOptions::default()).unwrap();
    assert_eq!(
        plan.warnings,
        [r#"volume "p_data" already exists but was not created by Docker Compose. Use `external: true` to use an existing volume"#]
    );
    assert!(!plan.to_string().contains("create volume") && !plan.to_string().contains("create network"), "{plan}");
}

#[test]
fn resources_of_another_project_are_used_with_a_warning() {
    let (p, o) = with_resources(&[(labels::PROJECT, "other"), (labels::NETWORK, "net")], &[(labels::PROJECT, "other")]);
    let plan = plan_up(&p, &o, &UpOptions::default()).unwrap();
    assert_eq!(
        plan.warnings,
        [
            r#"a network with name p_net exists but was not created for project "p". Set `external: true` to use an existing network"#,
            r#"volume "p_data" already exists but was created for project "other" (expected "p"). Use `external: true` to use an existing volume"#,
        ]
    );
    let (p, o) = with_resources(&[(labels::PROJECT, "p"), (labels::NETWORK, "other")], &[(labels::PROJECT, "p")]);
    assert!(plan_up(&p, &o, &UpOptions::default()).unwrap_err().to_string().ends_with(r#"set to "other""#));
}

#[test]
fn a_missing_external_volume_is_an_error() {
    let p = project("services:\n  app:\n    image: busybox\n    volumes: [data:/data]\nvolumes:\n  data: {external: true, name: stash}\n");
    let e = plan_up(&p, &Observed { images: converged(&p).images, ..Default::default() }, &UpOptions::default()).unwrap_err();
    assert_eq!(e.to_string(), r#"external volume "stash" not found"#);
}

#[test]
fn down_v_removes_the_anonymous_volumes_a_replacement_mounts_by_name() {
    let p = project(DB);
    let mut o = db_running();
    let hex = |c: char| std::iter::repeat_n(c, 64).collect::<String>();
    o.containers[0].summary.mounts = vec![volume(&hex('a'), "/anon"), volume(&hex('b'), "/img"), volume("p_data", "/data")];
    let mut other = o.containers[0].clone();
    other.summary.id = hex('c');
    other.service = "backup".into();
    other.summary.mounts = vec![volume(&hex('b'), "/shared")];
    o.containers.push(other);
    let plan = crate::reconcile::plan::plan_rm(Some(&p), &o, &std::collections::BTreeSet::from(["db".to_string()]), true, true, None);
    let text = plan.to_string();
    assert!(text.contains("volume aaaaaaaaaaaa: remove (anonymous volume of p-db-1)"), "{text}");
    assert!(!text.contains("bbbbbbbbbbbb") && !text.contains("remove volume p_data"), "in use elsewhere, or named: {text}");
    let step = plan.steps.iter().position(|s| matches!(&s.op, Op::RemoveVolume { name } if *name == hex('a'))).unwrap();
    assert_eq!(plan.steps[step].on_failure, crate::reconcile::plan::OnFailure::Warn);
    let without = crate::reconcile::plan::plan_rm(Some(&p), &o, &std::collections::BTreeSet::from(["db".to_string()]), true, false, None);
    assert!(!without.to_string().contains("remove volume"), "{without}");
}

#[test]
fn existing_resources_with_other_settings_are_used_as_they_are_and_the_dry_run_says_so() {
    let p = project(
        &RESOURCES
            .replace("  net:\n", "  net:\n    internal: true\n    ipam: {config: [{subnet: 10.9.0.0/24}]}\n")
            .replace("  data:\n", "  data:\n    driver_opts: {type: tmpfs}\n"),
    );
    let mut o = Observed { images: converged(&p).images, ..Default::default() };
    let (net, vol) = (labelled(&[(labels::PROJECT, "p"), (labels::NETWORK, "net")]), labelled(&[(labels::PROJECT, "p")]));
    o.networks.insert("p_net".into(), NetworkInfo { name: "p_net".into(), driver: "bridge".into(), labels: net, ..Default::default() });
    o.volumes.insert("p_data".into(), VolumeInfo { name: "p_data".into(), driver: "local".into(), labels: vol, ..Default::default() });
    let plan = plan_up(&p, &o, &UpOptions::default()).unwrap();
    let text = plan.to_string();
    assert!(text.contains("network p_net: used as it is (internal, ipam differ from the file; remove it to have it recreated)"), "{text}");
    assert!(text.contains("volume p_data: used as it is (driver_opts differ from the file; remove it to have it recreated)"), "{text}");
    assert!(plan.warnings.is_empty() && !text.contains("create network") && !text.contains("create volume"), "{text}");
}

const TAKEOVER: &str = r#"
services:
  db:
    image: pg
  web:
    image: nginx
    depends_on: [db]
    volumes: ["/src:/src"]
"#;

/// The containers of `TAKEOVER` as the series `alg` made them: its label in each.
fn made_by(p: &crate::model::Project, alg: hash::Algorithm) -> Observed {
    let mut o = converged(p);
    for c in &mut o.containers {
        let h = hash::config_hash_with(alg, &p.services[&c.service]);
        c.summary.labels.insert(labels::CONFIG_HASH.into(), h.clone());
        c.details.as_mut().expect("details").config.labels.insert(labels::CONFIG_HASH.into(), h);
    }
    o
}

#[test]
fn containers_of_any_docker_compose_series_are_up_to_date_and_say_which() {
    let p = project(TAKEOVER);
    // depends_on is hashed by 2.26, not by 2.40; the short bind's create_host_path is written
    // by 2.40 and left out by v5: web's three hashes differ.
    let three: std::collections::BTreeSet<String> =
        hash::Algorithm::ALL.iter().map(|a| hash::config_hash_with(*a, &p.services["web"])).collect();
    assert_eq!(three.len(), 3);
    for (alg, said) in [
        (hash::Algorithm::Compose2_26, "web: up to date (hash of Docker Compose 2.26)"),
        (hash::Algorithm::Compose5, "web: up to date (hash of Docker Compose 5)"),
        (hash::Algorithm::Compose2_40, "web: up to date\n"),
    ] {
        let plan = plan_up(&p, &made_by(&p, alg), &UpOptions::default()).unwrap();
        assert!(plan.is_noop(), "{alg}: {plan}");
        assert!(plan.to_string().contains(said), "{alg}: {plan}");
    }
    // A real change still recreates, with its reason, whichever series made the container.
    let changed = project(&TAKEOVER.replace("image: nginx", "image: nginx\n    environment: {A: '1'}"));
    let plan = plan_up(&changed, &made_by(&p, hash::Algorithm::Compose2_26), &UpOptions::default()).unwrap();
    assert!(plan.to_string().contains("web: recreate (environment.A"), "{plan}");
}

const NET: &str = r#"
services:
  app:
    image: busybox
    networks: [n]
    volumes: ["data:/data"]
  other:
    image: busybox
networks:
  n: {}
volumes:
  data: {}
"#;

/// `NET` converged, its network and volume labelled with their config hashes as Docker
/// Compose 2.40.3 (and rcompose) label them.
fn net_labelled(p: &crate::model::Project) -> Observed {
    let mut o = converged(p);
    let n = o.networks.get_mut("p_n").expect("network");
    n.labels.insert(labels::CONFIG_HASH.into(), hash::network_hash(&p.networks["n"]));
    let v = o.volumes.get_mut("p_data").expect("volume");
    v.labels.insert(labels::CONFIG_HASH.into(), hash::volume_hash(&p.volumes["data"]));
    o
}

#[test]
fn a_changed_network_is_recreated_after_disconnecting_its_containers_which_then_start_on_it() {
    let p = project(NET);
    let o = net_labelled(&p);
    assert!(plan_up(&p, &o, &UpOptions::default()).unwrap().is_noop(), "unchanged: nothing to do");
    let changed = project(&NET.replace("  n: {}", "  n: {labels: {x: \"1\"}}"));
    let plan = plan_up(&changed, &o, &UpOptions::default()).unwrap();
    let text = plan.to_string();
    assert!(text.contains("network p_n: recreate (its configuration changed)"), "{text}");
    assert!(text.contains("app: start (stopped to recreate network p_n)") && text.contains("other: up to date"), "{text}");
    assert_eq!(
        steps(&plan),
        [
            "#1 stop container p-app-1 (617070310000)",
            "#2 disconnect container p-app-1 (617070310000) from network p_n  after #1",
            "#3 remove network p_n  after #2",
            "#4 create network p_n  after #3",
            "#5 connect container p-app-1 (617070310000) to network p_n  after #4",
            "#6 start container p-app-1 (617070310000)  after #4, #5",
        ]
    );
    let Op::CreateNetwork(spec) = &plan.steps[3].op else { panic!("{text}") };
    assert_eq!(spec.labels[labels::CONFIG_HASH], hash::network_hash(&changed.networks["n"]));
}

#[test]
fn a_changed_volume_is_kept_with_a_warning_never_recreated() {
    let p = project(NET);
    let changed = project(&NET.replace("  data: {}", "  data: {labels: {y: \"2\"}}"));
    let plan = plan_up(&changed, &net_labelled(&p), &UpOptions::default()).unwrap();
    assert!(plan.is_noop(), "{plan}");
    assert!(plan.to_string().contains("volume p_data: used as it is (its configuration changed;"), "{plan}");
    assert!(
        plan.warnings.iter().any(|w| w.contains("volume \"p_data\" exists but doesn't match configuration in compose file")),
        "{plan:?}"
    );
}

#[test]
fn up_yes_recreates_a_changed_volume_and_the_containers_that_mount_it() {
    let p = project(NET);
    let changed = project(&NET.replace("  data: {}", "  data: {labels: {y: \"2\"}}"));
    let yes = UpOptions { assume_yes: true, ..UpOptions::default() };
    let plan = plan_up(&changed, &net_labelled(&p), &yes).unwrap();
    let text = plan.to_string();
    assert!(text.contains("volume p_data: recreate (its configuration changed; --yes: its data is lost)"), "{text}");
    assert!(text.contains("app: create (volume p_data is recreated)") && text.contains("other: up to date"), "{text}");
    assert!(plan.warnings.is_empty(), "{:?}", plan.warnings);
    assert_eq!(
        steps(&plan),
        [
            "#1 stop container p-app-1 (617070310000)",
            "#2 remove container p-app-1 (617070310000)  after #1",
            "#3 remove volume p_data  after #2",
            "#4 create volume p_data  after #3",
            "#5 create container p-app-1  after #4",
            "#6 start container p-app-1  after #5",
        ]
    );
    let Op::CreateVolume(spec) = &plan.steps[3].op else { panic!("{text}") };
    assert_eq!(spec.labels[labels::CONFIG_HASH], hash::volume_hash(&changed.volumes["data"]));
}
