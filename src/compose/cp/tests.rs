//! `cp` on the fake engine: which containers a copy picks, what archive an upload sends
//! (the top entry named as the destination says), and how a download is extracted.

use std::collections::BTreeMap;
use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::sync::{Arc, Mutex};

use super::*;
use crate::engine::{byte_stream, ContainerConfig, ContainerSpec, FakeEngine, PathKind, PathStat};

fn compose() -> (Arc<FakeEngine>, Compose) {
    let fake = Arc::new(FakeEngine::new());
    fake.add_image("busybox", BTreeMap::new());
    (fake.clone(), Compose::new(fake))
}

/// A container of service `service` of project `p`, numbered `n`, a `run` one if `oneoff`.
async fn container(fake: &FakeEngine, service: &str, n: u32, oneoff: bool) -> String {
    let name = if oneoff { format!("p-{service}-run-{n}") } else { format!("p-{service}-{n}") };
    let labels = BTreeMap::from([
        (labels::PROJECT.to_string(), "p".to_string()),
        (labels::SERVICE.to_string(), service.to_string()),
        (labels::CONTAINER_NUMBER.to_string(), n.to_string()),
        (labels::ONEOFF.to_string(), if oneoff { "True" } else { "False" }.to_string()),
    ]);
    let spec = ContainerSpec {
        name: Some(name.clone()),
        config: ContainerConfig { image: "busybox".into(), labels, ..Default::default() },
        ..Default::default()
    };
    fake.create_container(&spec).await.unwrap();
    name
}

fn stdio() -> (CopyStdio, Arc<Mutex<Vec<u8>>>) {
    let out = Arc::new(Mutex::new(Vec::new()));
    let sink = out.clone();
    let stdio = CopyStdio {
        input: byte_stream(Vec::<u8>::new()),
        output: Arc::new(move |b: &[u8]| {
            sink.lock().unwrap().extend_from_slice(b);
            Ok(())
        }),
    };
    (stdio, out)
}

fn opts(source: &str, destination: &str) -> CopyOptions {
    CopyOptions { source: source.into(), destination: destination.into(), ..Default::default() }
}

async fn copy(c: &Compose, options: &CopyOptions) -> Result<(), String> {
    c.copy("p", options, stdio().0).await.map_err(|e| e.to_string())
}

/// (container, path, entry names) of every archive uploaded.
fn uploads(fake: &FakeEngine) -> Vec<(String, String, Vec<String>)> {
    let mut got: Vec<_> = fake
        .archives()
        .into_iter()
        .map(|a| {
            let mut tar = tar::Archive::new(a.tar.as_slice());
            let names = tar.entries().unwrap().map(|e| e.unwrap().path().unwrap().display().to_string()).collect();
            assert!(a.no_overwrite_dir_non_dir, "cp never lets the engine replace a directory by a file");
            (a.container, a.path, names)
        })
        .collect();
    got.sort();
    got
}

fn dir_stat() -> PathStat {
    PathStat { name: "x".into(), kind: PathKind::Directory, mode: 0o755, ..Default::default() }
}

#[tokio::test]
async fn a_copy_to_a_service_writes_to_each_container_and_run_ones_only_with_all() {
    let (fake, c) = compose();
    for n in [1, 2] {
        container(&fake, "web", n, false).await;
    }
    container(&fake, "web", 1, true).await;
    let host = tempfile::tempdir().unwrap();
    let file = host.path().join("f");
    std::fs::write(&file, "x").unwrap();
    let f = file.to_str().unwrap();

    copy(&c, &opts(f, "web:/new")).await.unwrap();
    let to: Vec<String> = uploads(&fake).into_iter().map(|u| u.0).collect();
    assert_eq!(to, ["p-web-1", "p-web-2"]);

    let (fake, c) = compose();
    for n in [1, 2] {
        container(&fake, "web", n, false).await;
    }
    container(&fake, "web", 1, true).await;
    copy(&c, &CopyOptions { all: true, ..opts(f, "web:/new") }).await.unwrap();
    let to: Vec<String> = uploads(&fake).into_iter().map(|u| u.0).collect();
    assert_eq!(to, ["p-web-1", "p-web-2", "p-web-run-1"]);

    let (fake, c) = compose();
    for n in [1, 2] {
        container(&fake, "web", n, false).await;
    }
    copy(&c, &CopyOptions { index: Some(2), ..opts(f, "web:/new") }).await.unwrap();
    let to: Vec<String> = uploads(&fake).into_iter().map(|u| u.0).collect();
    assert_eq!(to, ["p-web-2"]);
    assert_eq!(
        copy(&c, &CopyOptions { index: Some(3), ..opts(f, "web:/new") }).await,
        Err("service \"web\" is not running container #3".into())
    );
    assert_eq!(copy(&c, &opts(f, "db:/new")).await, Err("no container found for service \"db\"".into()));
    assert_eq!(copy(&c, &opts("web:/a", "db:/b")).await, Err("copying between services is not supported".into()));
    assert_eq!(copy(&c, &opts("a", "b")).await, Err("unknown copy direction".into()));
}

#[tokio::test]
async fn an_upload_is_named_as_the_destination_says() {
    let (fake, c) = compose();
    container(&fake, "web", 1, false).await;
    fake.set_path("p-web-1", "/exists", dir_stat());
    fake.set_path("p-web-1", "/file", PathStat { kind: PathKind::File, mode: 0o644, ..Default::default() });
    fake.set_path("p-web-1", "/link", PathStat { kind: PathKind::Symlink, link_target: "/exists".into(), ..Default::default() });
    let host = tempfile::tempdir().unwrap();
    let src = host.path().join("src");
    std::fs::create_dir_all(src.join("sub")).unwrap();
    std::fs::write(src.join("a"), "a").unwrap();
    std::fs::write(src.join("sub/b"), "b").unwrap();
    std::os::unix::fs::symlink("a", src.join("l")).unwrap();
    std::fs::hard_link(src.join("a"), src.join("h")).unwrap();
    let s = src.to_str().unwrap();

    copy(&c, &opts(s, "web:/exists")).await.unwrap();
    copy(&c, &opts(&format!("{s}/."), "web:/exists")).await.unwrap();
    copy(&c, &opts(s, "web:/new")).await.unwrap();
    copy(&c, &opts(&format!("{s}/a"), "web:/file")).await.unwrap();
    copy(&c, &opts(&format!("{s}/l"), "web:/link")).await.unwrap();
    copy(&c, &CopyOptions { follow_link: true, ..opts(&format!("{s}/l"), "web:/exists") }).await.unwrap();
    let got: Vec<(String, Vec<String>)> = fake.archives().iter().map(|a| (a.path.clone(), names(&a.tar))).collect();
    let tree = |top: &str| ["/", "/a", "/h", "/l", "/sub/", "/sub/b"].map(|n| format!("{top}{n}")).to_vec();
    let one = |n: &str| vec![n.to_string()];
    let expected = [
        ("/exists", tree("src")),
        ("/exists", ["./", "a", "h", "l", "sub/", "sub/b"].map(String::from).to_vec()),
        ("/", tree("new")),
        ("/", one("file")),
        ("/exists", one("l")),
        ("/exists", one("l")),
    ];
    assert_eq!(got, expected.map(|(p, n)| (p.to_string(), n)).to_vec());
    let kinds: Vec<(String, tar::EntryType)> = entries(&fake.archives()[0].tar).into_iter().map(|(n, k, _)| (n, k)).collect();
    assert!(kinds.contains(&("src/h".into(), tar::EntryType::Link)), "a hard link stays one: {kinds:?}");
    assert!(kinds.contains(&("src/l".into(), tar::EntryType::Symlink)), "{kinds:?}");
    let followed = entries(&fake.archives()[5].tar);
    assert_eq!((followed[0].1, followed[0].2.as_str()), (tar::EntryType::Regular, "a"), "-L sends what the link leads to");

    assert_eq!(copy(&c, &opts(s, "web:/file")).await, Err("cannot copy directory".into()));
    assert_eq!(copy(&c, &opts(&format!("{s}/a"), "web:/nodir/")).await, Err("no such directory".into()));
    assert_eq!(copy(&c, &opts(&format!("{s}/a/"), "web:/exists")).await, Err("not a directory".into()));
    let missing = format!("{s}/missing");
    assert_eq!(copy(&c, &opts(&missing, "web:/exists")).await, Err(format!("lstat {missing}: no such file or directory")));
    let id = fake.container("p-web-1").unwrap().id;
    assert_eq!(copy(&c, &opts("-", "web:/file")).await, Err(format!("destination \"{id}:/file\" must be a directory")));
}

fn names(tar: &[u8]) -> Vec<String> {
    entries(tar).into_iter().map(|(n, _, _)| n).collect()
}

/// (name, type, content) of each entry.
fn entries(tar: &[u8]) -> Vec<(String, tar::EntryType, String)> {
    let mut a = tar::Archive::new(tar);
    a.entries()
        .unwrap()
        .map(|e| {
            let mut e = e.unwrap();
            let mut text = String::new();
            e.read_to_string(&mut text).unwrap();
            let raw = String::from_utf8_lossy(&e.path_bytes()).into_owned();
            (raw, e.header().entry_type(), text)
        })
        .collect()
}

/// The archive the engine makes of `/d`: a directory with a file, a hard link, a symbolic
/// link and a subdirectory, under `top`.
fn engine_archive(top: &str) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    let h = |kind: tar::EntryType, mode: u32| {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(kind);
        h.set_mode(mode);
        h.set_mtime(1_577_836_800);
        h.set_uid(123);
        h.set_size(0);
        h
    };
    b.append_data(&mut h(tar::EntryType::Directory, 0o750), format!("{top}/"), std::io::empty()).unwrap();
    let mut file = h(tar::EntryType::Regular, 0o640);
    file.set_size(2);
    b.append_data(&mut file, format!("{top}/a"), &b"a\n"[..]).unwrap();
    b.append_link(&mut h(tar::EntryType::Link, 0o640), format!("{top}/hard"), format!("{top}/a")).unwrap();
    b.append_link(&mut h(tar::EntryType::Symlink, 0o777), format!("{top}/link"), "a").unwrap();
    b.append_data(&mut h(tar::EntryType::Directory, 0o700), format!("{top}/sub/"), std::io::empty()).unwrap();
    b.into_inner().unwrap()
}

#[tokio::test]
async fn a_download_is_extracted_under_the_name_the_destination_says() {
    let (fake, c) = compose();
    container(&fake, "web", 1, false).await;
    fake.set_path_archive("p-web-1", "/d", engine_archive("d"));
    fake.set_path_archive("p-web-1", "/d/.", engine_archive("."));
    let host = tempfile::tempdir().unwrap();
    let h = host.path().to_str().unwrap();

    copy(&c, &opts("web:/d", &format!("{h}/new"))).await.unwrap();
    let new = host.path().join("new");
    assert_eq!(std::fs::read_to_string(new.join("hard")).unwrap(), "a\n");
    assert_eq!(std::fs::read_link(new.join("link")).unwrap().to_str(), Some("a"));
    assert_eq!(std::fs::metadata(new.join("a")).unwrap().permissions().mode() & 0o7777, 0o640);
    assert_eq!(std::fs::metadata(&new).unwrap().permissions().mode() & 0o7777, 0o750, "a directory's mode is kept");
    let mtime = filetime::FileTime::from_last_modification_time(&std::fs::metadata(&new).unwrap());
    assert_eq!(mtime.unix_seconds(), 1_577_836_800, "and its time, set once its content is in");

    copy(&c, &opts("web:/d", &format!("{h}/new"))).await.unwrap();
    assert!(host.path().join("new/d/sub").is_dir(), "into an existing directory, under the source's name");
    std::fs::create_dir(host.path().join("content")).unwrap();
    copy(&c, &opts("web:/d/.", &format!("{h}/content"))).await.unwrap();
    assert!(host.path().join("content/a").is_file(), "`/.` copies the content");

    std::fs::write(host.path().join("file"), "x").unwrap();
    assert_eq!(copy(&c, &opts("web:/d", &format!("{h}/file"))).await, Err("cannot copy directory".into()));
    assert_eq!(
        copy(&c, &opts("web:/d", &format!("{h}/no/such"))).await,
        Err(format!("invalid output path: directory \"{h}/no\" does not exist"))
    );
    let id = fake.container("p-web-1").unwrap().id;
    assert_eq!(copy(&c, &opts("web:/nope", h)).await, Err(format!("Could not find the file /nope in container {id}")));

    let (stdio, out) = stdio();
    c.copy("p", &opts("web:/d", "-"), stdio).await.unwrap();
    assert_eq!(*out.lock().unwrap(), engine_archive("d"), "`-` writes the engine's archive as it is");
}

#[test]
fn an_archive_cannot_write_outside_its_destination() {
    let host = tempfile::tempdir().unwrap();
    let dst = host.path().join("dst");
    std::fs::create_dir(&dst).unwrap();
    std::os::unix::fs::symlink(host.path(), dst.join("escape")).unwrap();
    let extract = |tar: Vec<u8>| {
        let source = paths::Source { path: "/d".into(), is_dir: false, rebase: None };
        let dst = paths::Destination { path: dst.to_string_lossy().into_owned(), exists: true, is_dir: true };
        download::extract(tar.as_slice(), source, dst).map_err(|e| e.to_string())
    };
    let mut b = tar::Builder::new(Vec::new());
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(tar::EntryType::Directory);
    h.set_mode(0o755);
    h.set_size(0);
    b.append_data(&mut h, "d/", std::io::empty()).unwrap();
    let mut f = tar::Header::new_gnu();
    f.set_entry_type(tar::EntryType::Regular);
    f.set_mode(0o644);
    f.set_size(1);
    b.append_data(&mut f, "escape/owned", &b"x"[..]).unwrap();
    let err = extract(b.into_inner().unwrap()).unwrap_err();
    assert!(err.contains("invalid path in the archive"), "{err}");
    assert!(!host.path().join("owned").exists());
}
