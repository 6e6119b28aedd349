//! The archive a context gives: names, contents and headers, read back with the `tar` crate.

use std::collections::BTreeMap;
use std::fs;
use std::io::Read;

use futures_util::TryStreamExt;
use tar::EntryType;

use super::*;

fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let path = dir.path().join(name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }
    dir
}

/// Name → content of every regular file of the archive, and the names of the directories.
fn read(archive: &[u8]) -> (BTreeMap<String, String>, Vec<String>) {
    let mut files = BTreeMap::new();
    let mut dirs = Vec::new();
    let mut a = tar::Archive::new(archive);
    for e in a.entries().unwrap() {
        let mut e = e.unwrap();
        let name = e.path().unwrap().to_string_lossy().into_owned();
        assert_eq!((e.header().uid().unwrap(), e.header().gid().unwrap()), (0, 0), "{name} is owned by root");
        match e.header().entry_type() {
            EntryType::Directory => dirs.push(name),
            EntryType::Regular => {
                let mut text = String::new();
                e.read_to_string(&mut text).unwrap();
                files.insert(name, text);
            }
            other => panic!("{name}: unexpected {other:?}"),
        }
    }
    (files, dirs)
}

fn archive(ctx: &Context) -> Vec<u8> {
    let mut out = Vec::new();
    ctx.write(&mut out).unwrap();
    out
}

#[test]
fn ignored_files_are_left_out_but_the_build_files_stay() {
    let dir = tree(&[
        ("Dockerfile", "FROM busybox"),
        (".dockerignore", "*.secret\nlogs\n!logs/keep.txt\nDockerfile\n.dockerignore\nvendor\n"),
        ("a.secret", "x"),
        ("app/main.sh", "echo hi"),
        ("app/b.secret", "not matched: * stops at /"),
        ("logs/keep.txt", "kept"),
        ("logs/drop.txt", "dropped"),
        ("vendor/lib/x", "dropped"),
    ]);
    let ctx = Context::scan(dir.path(), &Dockerfile::InContext("Dockerfile".into())).unwrap();
    assert_eq!(ctx.dockerfile, "Dockerfile");
    let (files, dirs) = read(&archive(&ctx));
    assert_eq!(files.keys().collect::<Vec<_>>(), [".dockerignore", "Dockerfile", "app/b.secret", "app/main.sh", "logs/keep.txt"]);
    assert_eq!(dirs, ["app/"]);
    assert_eq!(files["Dockerfile"], "FROM busybox");
}

#[test]
fn a_dockerfile_from_elsewhere_travels_under_a_generated_name() {
    let outside = tree(&[("Dockerfile.dev", "FROM busybox\nRUN true\n")]);
    let dir = tree(&[("data.txt", "d")]);
    let ctx = Context::scan(dir.path(), &Dockerfile::Outside(outside.path().join("Dockerfile.dev"))).unwrap();
    assert!(ctx.dockerfile.starts_with(".dockerfile.") && ctx.dockerfile.len() == 32, "{}", ctx.dockerfile);
    let (files, _) = read(&archive(&ctx));
    assert_eq!(files[&ctx.dockerfile], "FROM busybox\nRUN true\n");
    assert_eq!(files[".dockerignore"], format!(".dockerignore\n{}\n", ctx.dockerfile));
    assert_eq!(files["data.txt"], "d");

    let dir = tree(&[(".dockerignore", "*.txt")]);
    let ctx = Context::scan(dir.path(), &Dockerfile::Inline("FROM busybox".into())).unwrap();
    let (files, _) = read(&archive(&ctx));
    assert_eq!(files[".dockerignore"], format!("*.txt\n{}\n", ctx.dockerfile));
    assert_eq!(files[&ctx.dockerfile], "FROM busybox");
    let again = Context::scan(dir.path(), &Dockerfile::Inline("FROM busybox".into())).unwrap();
    assert_eq!(ctx.dockerfile, again.dockerfile, "the generated name is stable");
}

#[test]
fn dockerfiles_in_subdirectories_and_symlinks() {
    let dir = tree(&[("docker/web.Dockerfile", "FROM x"), ("docker/other", "o"), (".dockerignore", "docker\n")]);
    std::os::unix::fs::symlink("docker/web.Dockerfile", dir.path().join("link")).unwrap();
    let ctx = Context::scan(dir.path(), &Dockerfile::InContext("docker/web.Dockerfile".into())).unwrap();
    assert_eq!(ctx.names(), [".dockerignore", "docker/web.Dockerfile", "link"]);
    let bytes = archive(&ctx);
    let mut a = tar::Archive::new(bytes.as_slice());
    let link = a.entries().unwrap().map(Result::unwrap).find(|e| e.path().unwrap().to_str() == Some("link")).unwrap();
    assert_eq!(link.header().entry_type(), EntryType::Symlink);
    assert_eq!(link.link_name().unwrap().unwrap().to_str(), Some("docker/web.Dockerfile"));
}

#[test]
fn missing_pieces_are_errors_naming_the_path() {
    let dir = tree(&[("x", "")]);
    let e = Context::scan(dir.path(), &Dockerfile::InContext("Dockerfile".into())).unwrap_err();
    assert!(e.to_string().contains("Dockerfile: cannot locate the Dockerfile"), "{e}");
    let e = Context::scan(&dir.path().join("nope"), &Dockerfile::InContext("Dockerfile".into())).unwrap_err();
    assert!(e.to_string().ends_with("nope: not a directory"), "{e}");
    fs::write(dir.path().join(".dockerignore"), "[z-a").unwrap();
    let e = Context::scan(dir.path(), &Dockerfile::Inline("FROM x".into())).unwrap_err();
    assert!(e.to_string().contains(".dockerignore: invalid .dockerignore pattern"), "{e}");
}

#[test]
fn long_names_survive() {
    let long = format!("{}/{}.txt", "d".repeat(80), "f".repeat(90));
    let dir = tree(&[(long.as_str(), "deep"), ("Dockerfile", "FROM x")]);
    let ctx = Context::scan(dir.path(), &Dockerfile::InContext("Dockerfile".into())).unwrap();
    let (files, _) = read(&archive(&ctx));
    assert_eq!(files[&long], "deep");
}

#[tokio::test]
async fn the_stream_carries_the_same_archive() {
    let big = "x".repeat(3 * 256 * 1024 + 17);
    let dir = tree(&[("Dockerfile", "FROM x"), ("big", big.as_str())]);
    let expected = archive(&Context::scan(dir.path(), &Dockerfile::InContext("Dockerfile".into())).unwrap());
    let ctx = Context::scan(dir.path(), &Dockerfile::InContext("Dockerfile".into())).unwrap();
    let (stream, failure) = ctx.into_stream();
    let chunks: Vec<bytes::Bytes> = stream.try_collect().await.unwrap();
    assert!(chunks.len() > 1, "sent in chunks");
    assert_eq!(chunks.concat(), expected);
    assert!(failure.lock().unwrap().is_none());
}
