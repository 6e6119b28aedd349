//! `--format` Go templates (`ps`, `volumes`, `images`, `ls`) on a project `rcompose up`
//! started; where Docker Compose 2.40.3 accepts templates (`ps`, `volumes`), the same template
//! prints the same bytes with both tools.

use crate::harness::{rcompose_in as rcompose, rcompose_ok as ok, run_in as run, TestProject, TEST_LABEL};

const STACK: &str = r#"
services:
  web:
    image: busybox:latest
    command: ["sh", "-c", "exec sleep 600"]
    ports: ["127.0.0.1::80"]
    stop_signal: SIGKILL
    labels: {LABEL: VALUE}
    volumes: [data:/data]
  worker:
    image: busybox:latest
    command: sleep 600
    stop_signal: SIGKILL
    labels: {LABEL: VALUE}
volumes:
  data:
    labels: {LABEL: VALUE}
networks:
  default:
    labels: {LABEL: VALUE}
"#;

/// Templates whose output does not depend on the time of the call.
const PS_TEMPLATES: &[&str] = &[
    "{{.Name}} {{.State}}",
    r"table {{.Service}}\t{{.State}}",
    r"table {{.ID}}\t{{.Name}}\t{{.Project}}\t{{.Image}}\t{{.Command}}\t{{.Ports}}\t{{.Mounts}}\t{{.LocalVolumes}}\t{{.Networks}}",
    r#"table {{upper .Name}}|{{pad .Service 1 2}}|{{title .Service}}|{{truncate .Name 5}}|{{split .Name "-"}}|{{json .Publishers}}|"#,
    r#"{{join (split .Name "-") "+"}} {{lower .State}} {{json .Ports}} {{.ExitCode}} {{len .Publishers}}"#,
    "{{range .Publishers}}{{.URL}}:{{.TargetPort}}/{{.Protocol}}{{end}}",
    r#"{{if eq .Service "web"}}{{println .Name}}{{else}}{{printf "%-12s|" .Service}}{{end}}"#,
    r"  {{.Command}}\n{{.CreatedAt}}  ",
    "xml",
    r#"table {{.Name}}\t{{.Label "com.docker.compose.service"}}\t{{.Label "com.docker.compose.project.config_files"}}|{{.Label "nope"}}"#,
    r#"{{if eq (.Label "com.docker.compose.oneoff") "False"}}{{.Label "com.docker.compose.container-number" | printf "n%s"}}{{end}}"#,
];

const VOLUME_TEMPLATES: &[&str] = &[
    r"table {{.Name}}\t{{.Driver}}\t{{.Scope}}",
    "{{.Name}} {{.Mountpoint}} {{.Links}} {{.Size}} {{.Status}}",
    "table",
    r#"table {{.Name}}\t{{.Label "com.docker.compose.volume"}}"#,
];

#[tokio::test]
async fn go_templates_print_what_docker_compose_prints() {
    let p = TestProject::new("format-templates").await;
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    std::fs::write(d.join("compose.yaml"), STACK.replace("LABEL", TEST_LABEL).replace("VALUE", &p.name)).unwrap();
    let name = p.name.as_str();
    ok(d, &["-p", name, "up", "-d"]);

    // The examples of the issue, on rcompose alone.
    assert_eq!(ok(d, &["-p", name, "ps", "--format", "{{.Name}} {{.State}}"]), format!("{name}-web-1 running\n{name}-worker-1 running\n"));
    assert_eq!(
        ok(d, &["-p", name, "ps", "--format", r"table {{.Service}}\t{{.State}}"]),
        "SERVICE   STATE\nweb       running\nworker    running\n"
    );
    let json = ok(d, &["-p", name, "ps", "--format", "{{json .}}"]);
    let first: serde_json::Value = serde_json::from_str(json.lines().next().unwrap()).expect("one JSON object per line");
    assert_eq!(first["Service"], "web");
    assert_eq!(first["Publishers"][0]["TargetPort"], 80);
    assert_eq!(ok(d, &["-p", name, "volumes", "--format", "{{.Name}}"]), format!("{name}_data\n"));
    // Beyond 2.40.3, which refuses templates for `images` and `ls`: later versions' fields.
    assert_eq!(
        ok(d, &["-p", name, "images", "--format", "{{.ContainerName}} {{.Repository}}:{{.Tag}}"]),
        format!("{name}-web-1 busybox:latest\n{name}-worker-1 busybox:latest\n")
    );
    assert_eq!(
        ok(d, &["ls", "--filter", &format!("name={name}"), "--format", r"table {{.Name}}\t{{.Status}}"]),
        format!("NAME{}STATUS\n{name}   running(2)\n", " ".repeat(name.len() - 1))
    );
    // A field the rows lack is an error, and nothing is printed.
    let (code, out, err) = rcompose(d, &["-p", name, "ps", "--format", "{{.Nope}}"]);
    assert_eq!((code, out.as_str()), (1, ""), "{err}");
    assert!(err.contains("template parsing error") && err.contains("Nope"), "{err}");

    if !crate::harness::reference_installed() {
        return;
    }
    let compare = |command: &str, template: &str| {
        let args = ["-p", name, command, "--format", template];
        let theirs = run("docker", &["compose"], d, &args);
        assert_eq!(theirs.0, 0, "docker compose {args:?}: {}", theirs.2);
        assert_eq!(ok(d, &args), theirs.1, "{command} --format {template:?}");
    };
    for template in PS_TEMPLATES {
        compare("ps", template);
    }
    for template in VOLUME_TEMPLATES {
        compare("volumes", template);
    }
    let theirs = run("docker", &["compose"], d, &["-p", name, "ps", "--format", "{{.Nope}}"]);
    assert_eq!((theirs.0, theirs.1.as_str()), (1, ""), "the reference fails alike");
}
