//! Tests of the pipeline's own decisions: which files, which name, which environment, which
//! services. The passes have their own tests beside them; `compose-samples/` covers output.

use std::fs;
use std::path::Path;

use super::testing::write;
use super::{load, Options};

fn opts(dir: &Path, env: &[(&str, &str)]) -> Options {
    Options { cwd: dir.to_path_buf(), environ: env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(), ..Default::default() }
}

const ONE: &str = "services:\n  web:\n    image: busybox\n";

#[test]
fn project_name_precedence() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("My_Dir");
    write(&dir, "compose.yaml", "name: from-file\nservices:\n  web:\n    image: busybox:${COMPOSE_PROJECT_NAME}\n");
    let p = load(&opts(&dir, &[])).unwrap().project;
    assert_eq!(p.name, "from-file");
    assert_eq!(p.services["web"].image, "busybox:from-file", "the name is visible to interpolation");
    let p = load(&opts(&dir, &[("COMPOSE_PROJECT_NAME", "from-env")])).unwrap().project;
    assert_eq!(p.name, "from-env");
    let mut o = opts(&dir, &[("COMPOSE_PROJECT_NAME", "from-env")]);
    o.project_name = Some("from-flag".into());
    assert_eq!(load(&o).unwrap().project.name, "from-flag");
    // No name anywhere: the directory's name, normalized.
    write(&dir, "compose.yaml", ONE);
    assert_eq!(load(&opts(&dir, &[])).unwrap().project.name, "my_dir");
}

#[test]
fn explicit_invalid_project_names_are_errors() {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "compose.yaml", ONE);
    let mut o = opts(tmp.path(), &[]);
    o.project_name = Some("Bad Name".into());
    let e = load(&o).unwrap_err();
    assert!(e.message.contains("invalid project name \"Bad Name\""), "{e}");
    let e = load(&opts(tmp.path(), &[("COMPOSE_PROJECT_NAME", "UPPER")])).unwrap_err();
    assert!(e.message.contains("COMPOSE_PROJECT_NAME"), "{e}");
}

#[test]
fn dot_env_is_read_and_the_shell_wins() {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "compose.yaml", "services:\n  web:\n    image: busybox:${TAG}\n    environment:\n      A: ${A}\n");
    write(tmp.path(), ".env", "TAG=from-dotenv\nA=file\n");
    let p = load(&opts(tmp.path(), &[("A", "shell")])).unwrap().project;
    assert_eq!(p.services["web"].image, "busybox:from-dotenv");
    assert_eq!(p.services["web"].environment["A"].as_deref(), Some("shell"));
}

#[test]
fn env_file_flags_replace_dot_env_and_later_ones_win() {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "compose.yaml", "services:\n  web:\n    image: busybox:${TAG}\n");
    write(tmp.path(), ".env", "TAG=dotenv\n");
    write(tmp.path(), "a.env", "TAG=a\n");
    write(tmp.path(), "b.env", "TAG=b\n");
    let mut o = opts(tmp.path(), &[]);
    o.env_files = vec!["a.env".into(), "b.env".into()];
    assert_eq!(load(&o).unwrap().project.services["web"].image, "busybox:b");
}

#[test]
fn compose_file_variable_and_separator() {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "base.yaml", ONE);
    write(tmp.path(), "extra.yaml", "services:\n  db:\n    image: busybox\n");
    let p = load(&opts(tmp.path(), &[("COMPOSE_FILE", "base.yaml;extra.yaml"), ("COMPOSE_PATH_SEPARATOR", ";")])).unwrap().project;
    assert_eq!(p.services.keys().collect::<Vec<_>>(), ["db", "web"]);
    let e = load(&opts(tmp.path(), &[("COMPOSE_FILE", "nope.yaml")])).unwrap_err();
    assert_eq!(e.exit_code(), 1, "as Docker Compose's for a COMPOSE_FILE naming no file: {e}");
}

#[test]
fn discovery_loads_the_override_file() {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "compose.yaml", ONE);
    write(tmp.path(), "compose.override.yaml", "services:\n  web:\n    environment: [X=1]\n");
    let sub = tmp.path().join("sub/dir");
    fs::create_dir_all(&sub).unwrap();
    let p = load(&opts(&sub, &[])).unwrap().project;
    assert_eq!(p.services["web"].environment["X"].as_deref(), Some("1"));
    assert_eq!(p.working_dir, tmp.path());
}

#[test]
fn profiles_from_flags_environment_and_named_services() {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "compose.yaml", "services:\n  web:\n    image: busybox\n  debug:\n    image: busybox\n    profiles: [dev]\n");
    let names = |o: &Options| load(o).unwrap().project.services.keys().cloned().collect::<Vec<_>>();
    assert_eq!(names(&opts(tmp.path(), &[])), ["web"]);
    assert_eq!(names(&opts(tmp.path(), &[("COMPOSE_PROFILES", "dev")])), ["debug", "web"]);
    let mut o = opts(tmp.path(), &[]);
    o.services = vec!["debug".into()];
    assert_eq!(names(&o), ["debug", "web"]);
    let mut o = opts(tmp.path(), &[]);
    o.profiles = vec!["*".into()];
    assert_eq!(names(&o), ["debug", "web"]);
}

#[test]
fn missing_and_empty_files_are_clear_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let mut o = opts(tmp.path(), &[]);
    o.files = vec!["nope.yaml".into()];
    let e = load(&o).unwrap_err();
    assert_eq!(e.exit_code(), 14, "a missing -f file is a missing compose file");
    let e = e.to_string();
    assert!(e.contains("nope.yaml") && e.contains("no such file"), "{e}");
    let e = load(&opts(tmp.path(), &[])).unwrap_err().to_string();
    assert!(e.contains("no configuration file provided"), "{e}");
    write(tmp.path(), "compose.yaml", "");
    let e = load(&opts(tmp.path(), &[])).unwrap_err().to_string();
    assert!(e.contains("empty compose file"), "{e}");
}

#[test]
fn unset_variables_warn_once_per_use() {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "compose.yaml", "services:\n  web:\n    image: busybox:${NOPE}\n");
    let loaded = load(&opts(tmp.path(), &[])).unwrap();
    assert_eq!(loaded.warnings, vec!["The \"NOPE\" variable is not set. Defaulting to a blank string."]);
    assert_eq!(loaded.project.services["web"].image, "busybox:");
}

/// A value under two keys that say the same thing must agree: each case as Docker Compose
/// 2.26.1 answers it (`docker compose config -q`, run by hand): `None` where it accepts the
/// file, else its message after `services.a: `.
#[test]
fn keys_with_a_deploy_counterpart_must_agree() {
    let cases: &[(&str, &str, Option<&str>)] = &[
        (
            "cpus: 0.5",
            "resources: {limits: {cpus: '1'}}",
            Some("cpus: can't set distinct values on 'cpus' and 'deploy.resources.limits.cpus'"),
        ),
        ("cpus: 0.5", "resources: {limits: {cpus: '0.5'}}", None),
        ("cpus: 1", "resources: {limits: {cpus: '1.0'}}", None),
        (
            "cpus: 0.5",
            "resources: {limits: {memory: 64m}}",
            Some("cpus: can't set distinct values on 'cpus' and 'deploy.resources.limits.cpus'"),
        ),
        ("cpus: 0.5", "resources: {reservations: {cpus: '1'}}", None),
        (
            "mem_limit: 64m",
            "resources: {limits: {memory: 128m}}",
            Some("mem_limit: can't set distinct values on 'mem_limit' and 'deploy.resources.limits.memory'"),
        ),
        ("mem_limit: 1g", "resources: {limits: {memory: 1024m}}", None),
        (
            "mem_reservation: 32m",
            "resources: {reservations: {memory: 16m}}",
            Some("mem_reservation: can't set distinct values on 'mem_reservation' and 'deploy.resources.reservations.memory'"),
        ),
        (
            "mem_reservation: 32m",
            "resources: {reservations: {cpus: '0.1'}}",
            Some("mem_reservation: can't set distinct values on 'mem_reservation' and 'deploy.resources.reservations.memory'"),
        ),
        ("mem_reservation: 32m", "resources: {reservations: {memory: 32m}}", None),
        (
            "pids_limit: 10",
            "resources: {limits: {pids: 20}}",
            Some("pids_limit: can't set distinct values on 'pids_limit' and 'deploy.resources.limits.pids'"),
        ),
        (
            "pids_limit: 5",
            "resources: {limits: {memory: 64m}}",
            Some("pids_limit: can't set distinct values on 'pids_limit' and 'deploy.resources.limits.pids'"),
        ),
        ("pids_limit: 10", "resources: {limits: {pids: 10}}", None),
        ("scale: 2", "replicas: 3", Some("scale: can't set distinct values on 'scale' and 'deploy.replicas'")),
        ("scale: 2", "replicas: 2", None),
    ];
    let tmp = tempfile::tempdir().unwrap();
    for (key, deploy, want) in cases {
        write(tmp.path(), "compose.yaml", &format!("services:\n  a:\n    image: busybox\n    {key}\n    deploy:\n      {deploy}\n"));
        let got = load(&opts(tmp.path(), &[])).err().map(|e| e.to_string());
        let want = want.map(|w| format!("compose.yaml:4:5: services.a.{w}"));
        assert_eq!(got.as_deref().map(|g| g.rsplit_once('/').map_or(g, |(_, f)| f)), want.as_deref(), "{key} with deploy {deploy}");
        let mut no_consistency = opts(tmp.path(), &[]);
        no_consistency.consistency = false;
        assert!(load(&no_consistency).is_ok(), "--no-consistency skips the check, as in Docker Compose");
    }
}

#[test]
fn include_nesting_is_bounded() {
    let tmp = tempfile::tempdir().unwrap();
    let depth = super::limits::get().extends_depth.value + 5;
    for i in 0..depth {
        write(tmp.path(), &format!("f{i}.yaml"), &format!("include: [f{}.yaml]\nservices:\n  s{i}:\n    image: busybox\n", i + 1));
    }
    write(tmp.path(), &format!("f{depth}.yaml"), "services:\n  last:\n    image: busybox\n");
    write(tmp.path(), "compose.yaml", "include: [f0.yaml]\nservices:\n  web:\n    image: busybox\n");
    let e = load(&opts(tmp.path(), &[])).unwrap_err();
    assert!(e.message.contains("includes nested deeper than") && e.message.contains("RCOMPOSE_MAX_EXTENDS_DEPTH"), "{e}");
    assert_eq!(e.exit_code(), 15);
}
