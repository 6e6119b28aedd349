//! `cp` on the real engine, both ways, beside Docker Compose: files and directories with their
//! modes, times and owners, `-a`, `-L`, `--index`, `--all`, `-` both ways, and the errors.

use std::io::Read;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

use futures_util::TryStreamExt;
use rcompose::engine::{Engine, ExecSpec};

use crate::harness::{compose, reference_installed, SLEEPER};
use crate::up::Stack;

/// A stack of `web` (two replicas) and `solo` (running as nobody), up.
async fn stack(test: &str) -> Stack {
    let yaml = compose(&[("web", &[SLEEPER, "deploy:\n  replicas: 2\n"]), ("solo", &[SLEEPER, "user: nobody\n"])]);
    let s = Stack::new(test, &yaml).await;
    s.ok(&["up", "-d"]).await;
    s
}

/// Runs `script` with `sh -c` in `container`; its standard output.
async fn sh(s: &Stack, container: &str, script: &str) -> String {
    let out = s.engine.exec(container, &ExecSpec::new(["sh", "-c", script])).await.expect("exec");
    assert_eq!(out.exit_code, 0, "{script}: {}", out.stderr_text());
    out.stdout_text()
}

/// `rcompose cp args...`: (exit code, stderr).
async fn cp(s: &Stack, args: &[&str]) -> (i32, String) {
    let mut all = vec!["cp"];
    all.extend_from_slice(args);
    let out = s.rcompose(&all).await;
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stderr).into_owned())
}

async fn cp_ok(s: &Stack, args: &[&str]) {
    let (code, err) = cp(s, args).await;
    assert_eq!(code, 0, "rcompose cp {args:?}: {err}");
}

/// A host tree: `f` (0600, 1234:5678, from 2019), `sub/` (0750) with `g`, `l -> f`, and `h`
/// a hard link to `f`.
fn host_tree(root: &Path) {
    std::fs::create_dir_all(root.join("sub")).unwrap();
    std::fs::write(root.join("f"), "file f\n").unwrap();
    std::fs::write(root.join("sub/g"), "file g\n").unwrap();
    std::fs::set_permissions(root.join("f"), std::fs::Permissions::from_mode(0o600)).unwrap();
    std::fs::set_permissions(root.join("sub"), std::fs::Permissions::from_mode(0o750)).unwrap();
    std::os::unix::fs::chown(root.join("f"), Some(1234), Some(5678)).unwrap();
    std::os::unix::fs::symlink("f", root.join("l")).unwrap();
    std::fs::hard_link(root.join("f"), root.join("h")).unwrap();
    let t = filetime::FileTime::from_unix_time(1_557_014_400, 0);
    filetime::set_file_mtime(root.join("f"), t).unwrap();
}

/// Every entry under `root`: path, type, mode, owners, time, link target and content.
fn host_listing(root: &Path, owners: bool) -> Vec<String> {
    let mut out: Vec<String> = walkdir::WalkDir::new(root)
        .min_depth(1)
        .sort_by_file_name()
        .into_iter()
        .map(|e| {
            let e = e.unwrap();
            let m = e.path().symlink_metadata().unwrap();
            let rel = e.path().strip_prefix(root).unwrap().display().to_string();
            let kind = if m.is_dir() {
                "dir"
            } else if m.file_type().is_symlink() {
                "link"
            } else {
                "file"
            };
            let (link, content) = match kind {
                "link" => (std::fs::read_link(e.path()).unwrap().display().to_string(), String::new()),
                "file" => (String::new(), std::fs::read_to_string(e.path()).unwrap()),
                _ => (String::new(), String::new()),
            };
            let mtime = if kind == "dir" { 0 } else { m.mtime() };
            let who = if owners { format!("{}:{}", m.uid(), m.gid()) } else { String::new() };
            format!("{rel} {kind} {:o} {who} {mtime} {link} {content:?}", m.mode() & 0o7777)
        })
        .collect();
    out.sort();
    out
}

/// The entries of the engine's archive of `path` in `container`, the top name cut off:
/// path, type, mode, owners, time, link target and content.
async fn container_listing(s: &Stack, container: &str, path: &str) -> Vec<String> {
    let chunks: Vec<bytes::Bytes> = s.engine.get_archive(container, path).try_collect().await.expect("archive");
    let bytes = chunks.concat();
    let mut tar = tar::Archive::new(bytes.as_slice());
    let mut out: Vec<String> = tar
        .entries()
        .unwrap()
        .map(|e| {
            let mut e = e.unwrap();
            let name = e.path().unwrap().display().to_string();
            let rel = name.split_once('/').map(|(_, r)| r.trim_end_matches('/').to_string()).unwrap_or_default();
            let h = e.header().clone();
            let link = e.link_name().unwrap().map(|l| l.display().to_string()).unwrap_or_default();
            let link = link.split_once('/').map(|(_, r)| r.to_string()).filter(|_| h.entry_type().is_hard_link()).unwrap_or(link);
            let mut content = String::new();
            e.read_to_string(&mut content).unwrap();
            let mtime = if h.entry_type().is_dir() { 0 } else { h.mtime().unwrap() };
            format!(
                "{rel} {:?} {:o} {}:{} {mtime} {link} {content:?}",
                h.entry_type(),
                h.mode().unwrap() & 0o7777,
                h.uid().unwrap(),
                h.gid().unwrap()
            )
        })
        .collect();
    out.sort();
    out
}

#[tokio::test]
async fn a_directory_and_a_file_go_in_and_come_out_with_their_modes_times_and_owners() {
    let s = stack("cp-both-ways").await;
    let host = tempfile::tempdir().unwrap();
    let src = host.path().join("src");
    host_tree(&src);
    let web1 = s.container("web", 1);

    cp_ok(&s, &[src.to_str().unwrap(), "web:/in"]).await;
    let inside = sh(&s, &web1, "cd /in && stat -c '%n %a %u:%g %Y %F' f h sub sub/g l && readlink l && cat f").await;
    let expected = [
        "f 600 1234:5678 1557014400 regular file",
        "h 600 1234:5678 1557014400 regular file",
        "sub 750 0:0",
        "sub/g 644 0:0",
        "l 777 0:0",
        "f",
        "file f",
    ];
    let lines: Vec<&str> = inside.lines().collect();
    for (line, want) in lines.iter().zip(expected) {
        assert!(line.starts_with(want), "in the container: {line:?}, expected {want:?}\n{inside}");
    }
    assert_eq!(sh(&s, &web1, "stat -c %h /in/f").await.trim(), "2", "the hard link is one file in the container too");
    assert!(sh(&s, &s.container("web", 2), "ls /in").await.contains("sub"), "every container of the service gets the copy");

    let out = host.path().join("out");
    cp_ok(&s, &["web:/in", out.to_str().unwrap()]).await;
    assert_eq!(host_listing(&out, false), host_listing(&src, false), "what comes out is what went in");

    // A single file, renamed both ways.
    cp_ok(&s, &[src.join("f").to_str().unwrap(), "web:/tmp/renamed"]).await;
    let back = host.path().join("back");
    cp_ok(&s, &["web:/tmp/renamed", back.to_str().unwrap()]).await;
    assert_eq!(std::fs::read_to_string(&back).unwrap(), "file f\n");
    assert_eq!(std::fs::metadata(&back).unwrap().permissions().mode() & 0o7777, 0o600);
    assert_eq!(std::fs::metadata(&back).unwrap().mtime(), 1_557_014_400);

    // `-` both ways: a tar archive on standard input and output.
    let tar_out = s.rcompose(&["cp", "web:/in/sub", "-"]).await;
    assert!(tar_out.status.success());
    let mut names: Vec<String> =
        tar::Archive::new(tar_out.stdout.as_slice()).entries().unwrap().map(|e| e.unwrap().path().unwrap().display().to_string()).collect();
    names.sort();
    assert_eq!(names, ["sub/", "sub/g"]);
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_rcompose"))
        .args(["-p", &s.name, "cp", "-", "web:/tmp"])
        .current_dir(s.dir.path())
        .stdin(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    tokio::io::AsyncWriteExt::write_all(&mut stdin, &tar_out.stdout).await.unwrap();
    drop(stdin);
    assert!(child.wait().await.unwrap().success());
    for n in [1, 2] {
        assert_eq!(sh(&s, &s.container("web", n), "cat /tmp/sub/g").await, "file g\n", "standard input reaches every container");
    }
}

#[tokio::test]
async fn archive_mode_gives_the_files_to_the_containers_user() {
    let s = stack("cp-archive").await;
    let host = tempfile::tempdir().unwrap();
    host_tree(host.path());
    let f = host.path().join("f");
    cp_ok(&s, &[f.to_str().unwrap(), "solo:/tmp/plain"]).await;
    cp_ok(&s, &["-a", f.to_str().unwrap(), "solo:/tmp/archived"]).await;
    let owners = sh(&s, &s.container("solo", 1), "stat -c '%u:%g' /tmp/plain /tmp/archived").await;
    assert_eq!(owners, "1234:5678\n65534:65534\n", "without -a the host's owners, with -a the container's user (nobody)");
}

#[tokio::test]
async fn follow_link_copies_what_a_link_leads_to() {
    let s = stack("cp-follow").await;
    let web = s.container("web", 1);
    sh(&s, &web, "mkdir /d && echo content > /d/a && ln -s a /d/link").await;
    let host = tempfile::tempdir().unwrap();
    let h = |n: &str| host.path().join(n).to_string_lossy().into_owned();
    cp_ok(&s, &["--index", "1", "web:/d/link", &h("as-link")]).await;
    cp_ok(&s, &["--index", "1", "-L", "web:/d/link", &h("followed")]).await;
    assert_eq!(std::fs::read_link(h("as-link")).unwrap().to_str(), Some("a"), "without -L the link itself");
    assert_eq!(std::fs::read_to_string(h("followed")).unwrap(), "content\n", "with -L what it leads to");
    std::fs::create_dir(h("dir")).unwrap();
    cp_ok(&s, &["--index", "1", "-L", "web:/d/link", &h("dir")]).await;
    assert_eq!(std::fs::read_to_string(h("dir/link")).unwrap(), "content\n", "under the link's name");

    std::fs::write(h("target"), "host\n").unwrap();
    std::os::unix::fs::symlink("target", h("hostlink")).unwrap();
    cp_ok(&s, &["--index", "1", &h("hostlink"), "web:/tmp/as-link"]).await;
    cp_ok(&s, &["--index", "1", "-L", &h("hostlink"), "web:/tmp/followed"]).await;
    assert_eq!(
        sh(&s, &web, "readlink /tmp/as-link; cat /tmp/followed; test -L /tmp/followed || echo regular").await,
        "target\nhost\nregular\n"
    );
}

#[tokio::test]
async fn index_and_all_choose_the_containers() {
    let s = stack("cp-index").await;
    let run = s.docker_compose(&["run", "-d", "web"]).await;
    assert!(run.status.success(), "docker compose run: {}", String::from_utf8_lossy(&run.stderr));
    let one_off = String::from_utf8_lossy(&run.stdout).trim().to_string();
    let host = tempfile::tempdir().unwrap();
    let f = host.path().join("f");
    std::fs::write(&f, "x").unwrap();
    let f = f.to_str().unwrap();
    let has = |c: String, path: &'static str| {
        let s = &s;
        async move { s.engine.exec(&c, &ExecSpec::new(["test", "-e", path])).await.unwrap().exit_code == 0 }
    };

    cp_ok(&s, &[f, "web:/tmp/plain"]).await;
    cp_ok(&s, &["--all", f, "web:/tmp/all"]).await;
    cp_ok(&s, &["--index", "2", f, "web:/tmp/second"]).await;
    let got = [
        (
            has(s.container("web", 1), "/tmp/plain").await,
            has(s.container("web", 2), "/tmp/plain").await,
            has(one_off.clone(), "/tmp/plain").await,
        ),
        (
            has(s.container("web", 1), "/tmp/all").await,
            has(s.container("web", 2), "/tmp/all").await,
            has(one_off.clone(), "/tmp/all").await,
        ),
        (
            has(s.container("web", 1), "/tmp/second").await,
            has(s.container("web", 2), "/tmp/second").await,
            has(one_off.clone(), "/tmp/second").await,
        ),
    ];
    assert_eq!(got, [(true, true, false), (true, true, true), (false, true, false)]);

    for n in [1, 2] {
        sh(&s, &s.container("web", n), &format!("echo {n} > /tmp/which")).await;
    }
    let out = host.path().join("which");
    cp_ok(&s, &["--index", "2", "web:/tmp/which", out.to_str().unwrap()]).await;
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "2\n");
    let (code, err) = cp(&s, &["--index", "3", "web:/tmp/which", out.to_str().unwrap()]).await;
    assert_eq!((code, err.contains("service \"web\" is not running container #3")), (1, true), "{err}");
}

/// The mistakes Docker Compose refuses, refused alike: same exit code, same words.
#[tokio::test]
async fn errors_are_docker_composes() {
    let s = stack("cp-errors").await;
    let host = tempfile::tempdir().unwrap();
    let h = host.path().to_str().unwrap().to_string();
    let cases: Vec<(Vec<String>, &str)> = vec![
        (vec!["web:/no/such".into(), h.clone()], "Could not find the file /no/such in container"),
        (vec!["nosuch:/etc/passwd".into(), h.clone()], "no container found for service \"nosuch\""),
        (vec![format!("{h}/missing"), "web:/tmp".into()], "no such file or directory"),
        (vec!["web:/etc".into(), format!("{h}/no/dir/x")], "invalid output path: directory"),
        (vec!["web:/a".into(), "solo:/b".into()], "copying between services is not supported"),
        (vec!["web:/etc/passwd".into(), "".into()], "destination can not be empty"),
    ];
    for (args, words) in &cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (code, err) = cp(&s, &args).await;
        assert_eq!(code, 1, "rcompose cp {args:?}: {err}");
        assert!(err.contains(words), "rcompose cp {args:?}: {err}");
        if reference_installed() {
            let mut all = vec!["cp"];
            all.extend_from_slice(&args);
            let theirs = s.docker_compose(&all).await;
            let their_err = String::from_utf8_lossy(&theirs.stderr);
            assert_eq!(theirs.status.code(), Some(1), "docker compose cp {args:?}: {their_err}");
            assert!(their_err.contains(words), "docker compose cp {args:?}: {their_err}");
        }
    }
    s.ok(&["down"]).await;
    let (code, err) = cp(&s, &["web:/etc/passwd", &h]).await;
    assert_eq!((code, err.contains("no container found for service \"web\"")), (1, true), "after down: {err}");
}

/// The same copies made by Docker Compose and by rcompose give the same files, both ways.
#[tokio::test]
async fn the_copies_are_docker_composes() {
    if !reference_installed() {
        return;
    }
    let s = stack("cp-reference").await;
    let host = tempfile::tempdir().unwrap();
    let src = host.path().join("src");
    host_tree(&src);
    let web1 = s.container("web", 1);
    let src_text = src.to_str().unwrap().to_string();
    sh(&s, &web1, "mkdir -p /theirs/tmp /ours/tmp").await;
    for (from, to) in [(src_text.clone(), "/new"), (format!("{src_text}/."), "/tmp/"), (format!("{src_text}/f"), "/file")] {
        let theirs = s.docker_compose(&["cp", "--index", "1", &from, &format!("web:/theirs{to}")]).await;
        assert!(theirs.status.success(), "docker compose cp {from}: {}", String::from_utf8_lossy(&theirs.stderr));
        cp_ok(&s, &["--index", "1", &from, &format!("web:/ours{to}")]).await;
        let (ours, theirs) =
            (container_listing(&s, &web1, &format!("/ours{to}")).await, container_listing(&s, &web1, &format!("/theirs{to}")).await);
        assert!(ours.len() > 1 || to == "/file", "{ours:?}");
        assert_eq!(ours, theirs, "{from} into the container");
    }

    sh(&s, &web1, "mkdir -p /d/sub && echo a > /d/a && ln /d/a /d/hard && ln -s a /d/link && chmod 640 /d/a && chown 123:456 /d/sub").await;
    for from in ["/d", "/d/.", "/d/a", "/d/link"] {
        for dest in ["new", "existing"] {
            let (ours, theirs) = (host.path().join("ours"), host.path().join("theirs"));
            for side in [&ours, &theirs] {
                let _ = std::fs::remove_dir_all(side);
                std::fs::create_dir_all(side.join("existing")).unwrap();
            }
            let arg = format!("web:{from}");
            let out = s.docker_compose(&["cp", "--index", "1", &arg, theirs.join(dest).to_str().unwrap()]).await;
            assert!(out.status.success(), "docker compose cp {from}: {}", String::from_utf8_lossy(&out.stderr));
            cp_ok(&s, &["--index", "1", &arg, ours.join(dest).to_str().unwrap()]).await;
            assert_eq!(host_listing(&ours, true), host_listing(&theirs, true), "{from} to a {dest} directory");
        }
    }
}
