//! Pull, push and build against real registries the tests start (`registries.rs`): with and
//! without a login, through an `auths` entry and through a credential helper, as Docker
//! Compose 2.40 does them.

use std::path::Path;
use std::process::Output;

use rcompose::engine::Engine;

use crate::registries::{docker, registries, write_config, PASSWORD, USER};
use crate::up::Stack;

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Runs `rcompose -p <stack> args...` in the stack's folder with `DOCKER_CONFIG=config`, and
/// `path_first` ahead of PATH when given.
async fn rc(stack: &Stack, config: &Path, path_first: Option<&Path>, args: &[&str]) -> Output {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_rcompose"));
    cmd.args(["-p", &stack.name, "--progress", "plain"]).args(args).current_dir(stack.dir.path()).env("DOCKER_CONFIG", config);
    if let Some(dir) = path_first {
        cmd.env("PATH", format!("{}:{}", dir.display(), std::env::var("PATH").unwrap_or_default()));
    }
    cmd.output().await.expect("rcompose")
}

/// A repository name unique to this test run.
fn repo(stack: &Stack, what: &str) -> String {
    format!("{}/{what}", stack.name)
}

/// The local image id of `reference`, if the engine has it.
async fn local_id(stack: &Stack, reference: &str) -> Option<String> {
    stack.engine.inspect_image(reference).await.ok().map(|i| i.id)
}

/// Removes `references` from the engine (what a test pulled or built).
async fn forget(stack: &Stack, references: &[&str]) {
    for r in references {
        let _ = stack.engine.remove_image(r, true).await;
    }
}

#[tokio::test]
async fn a_private_image_is_pulled_with_the_login_and_refused_without_it() {
    let r = registries();
    let s = Stack::new("reg-login", "services: {}\n").await;
    let image = r.private.seed(&repo(&s, "app"), "1", 1, &s.name, None);
    s.write(&format!("services:\n  app:\n    image: {image}\n    command: [sleep, '60']\n"));

    let refused = rc(&s, &r.anonymous, None, &["pull"]).await;
    assert_eq!(refused.status.code(), Some(1), "{}", stderr(&refused));
    let text = stderr(&refused);
    let host = &r.private.host;
    assert!(text.contains(&format!("pull image {image} for service app")), "names the image: {text}");
    assert!(text.contains(&format!("registry {host} asks for a login")), "names the registry: {text}");
    assert!(text.contains(&format!("run `docker login {host}`")), "says what to do: {text}");
    assert_eq!(local_id(&s, &image).await, None);
    // The reference run as a standalone binary: under an empty DOCKER_CONFIG the docker CLI
    // would not find its plugin.
    if let Some(reference) = crate::registries::reference_binary() {
        let mut cmd = tokio::process::Command::new(reference);
        cmd.args(["-p", &s.name, "pull"]).current_dir(s.dir.path()).env("DOCKER_CONFIG", &r.anonymous);
        let theirs = cmd.output().await.expect("docker compose");
        assert_eq!(theirs.status.code(), refused.status.code(), "the reference's exit code: {}", stderr(&theirs));
    }

    let wrong = s.dir.path().join("wrong-login");
    write_config(&wrong, r#"{"auths": {"HOST": {"username": "rctest", "password": "not-it"}}}"#.replace("HOST", host).as_str());
    let denied = rc(&s, &wrong, None, &["pull"]).await;
    assert_eq!(denied.status.code(), Some(1), "{}", stderr(&denied));
    assert!(
        stderr(&denied).contains(&format!("registry {host} refused the credentials stored for it: run `docker login {host}`")),
        "{}",
        stderr(&denied)
    );

    let pulled = rc(&s, &r.login, None, &["pull"]).await;
    assert!(pulled.status.success(), "{}", stderr(&pulled));
    assert!(local_id(&s, &image).await.is_some(), "pulled with the auths entry");
    forget(&s, &[&image]).await;
    let up = rc(&s, &r.login, None, &["up", "-d"]).await;
    assert!(up.status.success(), "up pulls with the login too: {}", stderr(&up));
    assert_eq!(s.containers().await.len(), 1);
    forget(&s, &[&image]).await;
}

#[tokio::test]
async fn credentials_come_from_a_credential_helper_on_path() {
    let r = registries();
    let s = Stack::new("reg-helper", "services: {}\n").await;
    let image = r.private.seed(&repo(&s, "helped"), "1", 1, &s.name, None);
    s.write(&format!("services:\n  app:\n    image: {image}\n"));
    let bin = s.dir.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    // The helper protocol: `get` reads the server on stdin and answers with JSON; it records
    // what it was asked so the test can see it was used.
    let asked = s.dir.path().join("asked");
    let script = format!(
        "#!/bin/sh\n[ \"$1\" = get ] || exit 1\nread server\necho \"$server\" >> {}\nprintf '{{\"ServerURL\":\"%s\",\"Username\":\"{USER}\",\"Secret\":\"{PASSWORD}\"}}' \"$server\"\n",
        asked.display()
    );
    let helper = bin.join("docker-credential-rctest");
    std::fs::write(&helper, script).unwrap();
    std::os::unix::fs::PermissionsExt::set_mode(&mut std::fs::metadata(&helper).unwrap().permissions(), 0o755);
    std::fs::set_permissions(&helper, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();

    for (config, kind) in [
        (format!(r#"{{"credHelpers": {{"{}": "rctest"}}}}"#, r.private.host), "credHelpers"),
        (r#"{"credsStore": "rctest"}"#.to_string(), "credsStore"),
    ] {
        let dir = s.dir.path().join(kind);
        write_config(&dir, &config);
        let out = rc(&s, &dir, Some(&bin), &["pull"]).await;
        assert!(out.status.success(), "{kind}: {}", stderr(&out));
        assert!(local_id(&s, &image).await.is_some(), "{kind}: pulled");
        forget(&s, &[&image]).await;
    }
    let asked = std::fs::read_to_string(&asked).unwrap_or_default();
    assert_eq!(asked.lines().filter(|l| *l == r.private.host).count(), 2, "the helper was asked for the registry's host: {asked}");
}

#[tokio::test]
async fn a_build_from_a_private_image_sends_the_login() {
    let r = registries();
    let s = Stack::new("reg-from", "services: {}\n").await;
    let base = r.private.seed(&repo(&s, "base"), "1", 1, &s.name, None);
    std::fs::write(s.dir.path().join("Dockerfile"), format!("FROM {base}\nLABEL org.rcompose.test.from=private\n")).unwrap();
    let built = format!("{}-app", s.name);
    s.write(&format!("services:\n  app:\n    build: .\n    image: {built}\n"));

    let refused = rc(&s, &r.anonymous, None, &["build"]).await;
    assert!(!refused.status.success(), "no login, no FROM image");
    assert!(stderr(&refused).contains("no basic auth credentials"), "{}", stderr(&refused));
    let host = &r.private.host;
    assert!(
        stderr(&refused)
            .contains(&format!("registry {host} asks for a login, and no credentials are stored for it: run `docker login {host}`")),
        "names the registry of the FROM image and what to do: {}",
        stderr(&refused)
    );

    let out = rc(&s, &r.login, None, &["build"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(local_id(&s, &built).await.is_some());
    forget(&s, &[&built, &base]).await;
}

#[tokio::test]
async fn push_and_build_push_reach_the_registry_with_the_login() {
    let r = registries();
    let s = Stack::new("reg-push", "services: {}\n").await;
    std::fs::write(s.dir.path().join("Dockerfile"), format!("FROM busybox\nLABEL org.rcompose.test.id={}\n", s.name)).unwrap();
    let (private, open) = (format!("{}/{}", r.private.host, repo(&s, "app")), format!("{}/{}", r.open.host, repo(&s, "lib")));
    let yaml = format!(
        "services:\n  app:\n    build: .\n    image: {private}:1\n    depends_on: [lib]\n  lib:\n    build: {{context: ., args: {{X: '1'}}, tags: ['{open}:extra']}}\n    image: {open}:1\n  plain:\n    image: busybox\n"
    );
    s.write(&yaml);

    let built = rc(&s, &r.login, None, &["build", "--push", "lib"]).await;
    assert!(built.status.success(), "{}", stderr(&built));
    assert!(r.open.digest(&repo(&s, "lib"), "1").is_some(), "build --push pushed the image");
    assert!(r.open.digest(&repo(&s, "lib"), "extra").is_some(), "and its build.tags");

    let built = rc(&s, &r.login, None, &["build", "app"]).await;
    assert!(built.status.success(), "{}", stderr(&built));
    let refused = rc(&s, &r.anonymous, None, &["push", "app"]).await;
    assert_eq!(refused.status.code(), Some(1), "{}", stderr(&refused));
    let host = &r.private.host;
    assert!(stderr(&refused).contains(&format!("push image {private}:1")), "{}", stderr(&refused));
    assert!(stderr(&refused).contains(&format!("run `docker login {host}`")), "{}", stderr(&refused));
    let lenient = rc(&s, &r.anonymous, None, &["push", "--ignore-push-failures", "app"]).await;
    assert!(lenient.status.success(), "{}", stderr(&lenient));
    assert!(stderr(&lenient).contains("WARN") && stderr(&lenient).contains(&format!("docker login {host}")), "{}", stderr(&lenient));
    assert_eq!(r.private.digest(&repo(&s, "app"), "1"), None, "nothing reached the registry");

    let quiet = rc(&s, &r.login, None, &["push", "-q", "app"]).await;
    assert!(quiet.status.success(), "{}", stderr(&quiet));
    assert_eq!(stderr(&quiet), "", "-q prints nothing");
    assert!(r.private.digest(&repo(&s, "app"), "1").is_some(), "pushed with the login");

    let loud = rc(&s, &r.login, None, &["push", "--include-deps", "app"]).await;
    assert!(loud.status.success(), "{}", stderr(&loud));
    let text = stderr(&loud);
    assert!(text.contains(&format!("{private}:1")) && text.contains(&format!("{open}:1")), "app and its dependency lib: {text}");
    assert!(!text.contains("Image busybox"), "a service that only names an image is not pushed: {text}");
    forget(&s, &[&format!("{private}:1"), &format!("{open}:1"), &format!("{open}:extra")]).await;
}

#[tokio::test]
async fn pull_policies_follow_a_tag_that_moved_as_docker_compose_does() {
    let r = registries();
    let s = Stack::new("reg-policy", "services: {}\n").await;
    let name = repo(&s, "moving");
    let image = r.open.seed(&name, "1", 1, "first", None);
    let service = |policy: &str| format!("services:\n  app:\n    image: {image}\n    command: [sleep, '60']\n    pull_policy: {policy}\n");

    s.write(&service("never"));
    let never = rc(&s, &r.anonymous, None, &["up", "-d"]).await;
    assert_eq!(never.status.code(), Some(1));
    assert!(
        stderr(&never).contains(&format!("image {image} is not present locally and pull_policy never forbids pulling it")),
        "{}",
        stderr(&never)
    );

    s.write(&service("missing"));
    let up = rc(&s, &r.anonymous, None, &["up", "-d"]).await;
    assert!(up.status.success(), "{}", stderr(&up));
    let first = local_id(&s, &image).await.expect("pulled");

    r.open.seed(&name, "1", 1, "second", None);
    docker(&["pull", "-q", &image], None, &r.anonymous);
    let second = local_id(&s, &image).await.expect("second version");
    assert_ne!(first, second);
    docker(&["tag", &first, &image], None, &r.anonymous);
    assert_eq!(local_id(&s, &image).await.as_ref(), Some(&first), "the first version is back under the tag");

    for (policy, expected) in [("missing", &first), ("daily", &first), ("always", &second)] {
        s.write(&service(policy));
        let up = rc(&s, &r.anonymous, None, &["up", "-d"]).await;
        assert!(up.status.success(), "{policy}: {}", stderr(&up));
        assert_eq!(local_id(&s, &image).await.as_ref(), Some(expected), "pull_policy {policy}");
    }
    docker(&["tag", &first, &image], None, &r.anonymous);
    std::thread::sleep(std::time::Duration::from_secs(2));
    s.write(&service("every_1s"));
    let up = rc(&s, &r.anonymous, None, &["up", "-d"]).await;
    assert!(up.status.success(), "{}", stderr(&up));
    assert_eq!(local_id(&s, &image).await, Some(second.clone()), "every_1s: tagged more than a second ago, so pulled again");
    let _ = rc(&s, &r.anonymous, None, &["down"]).await;
    forget(&s, &[&image, &first, &second]).await;
}

#[tokio::test]
async fn parallel_pulls_fetch_a_shared_layer_once_and_show_each_layer() {
    let r = registries();
    let s = Stack::new("reg-shared", "services: {}\n").await;
    let base = r.open.seed(&repo(&s, "base"), "1", 1, &s.name, None);
    docker(&["pull", "-q", &base], None, &r.anonymous);
    let (a, b) = (r.open.seed(&repo(&s, "a"), "1", 1, "a", Some(&base)), r.open.seed(&repo(&s, "b"), "1", 1, "b", Some(&base)));
    // The layer only the base adds: the one both images share that the engine lacks.
    let manifest = crate::registries::http_get(&r.open.host, &format!("/v2/{}/manifests/1", repo(&s, "base")), None).unwrap().1;
    let shared = manifest.rsplit("\"digest\": \"").next().and_then(|d| d.split('"').next()).expect("a layer digest").to_string();
    docker(&["rmi", &base], None, &r.anonymous);
    s.write(&format!("services:\n  a:\n    image: {a}\n  b:\n    image: {b}\n"));

    let before = r.open.blob_downloads(&shared);
    let out = rc(&s, &r.anonymous, None, &["pull"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(r.open.blob_downloads(&shared) - before, 1, "the shared layer {shared} is fetched once");
    let text = stderr(&out);
    assert!(text.contains("Pull complete"), "each layer's progress, as plain lines: {text}");
    let quiet = rc(&s, &r.anonymous, None, &["pull", "-q"]).await;
    assert!(quiet.status.success() && stderr(&quiet).is_empty(), "{}", stderr(&quiet));
    forget(&s, &[&a, &b]).await;
}

#[tokio::test]
async fn image_digests_are_asked_of_the_registry_with_the_login() {
    let r = registries();
    let s = Stack::new("reg-digests", "services: {}\n").await;
    let name = repo(&s, "pinned");
    let image = r.private.seed(&name, "1", 1, &s.name, None);
    s.write(&format!("services:\n  app:\n    image: {image}\n  built:\n    build: .\n"));
    let digest = r.private.digest(&name, "1").expect("seeded");

    let refused = rc(&s, &r.anonymous, None, &["config", "--resolve-image-digests"]).await;
    assert_eq!(refused.status.code(), Some(1), "{}", stderr(&refused));
    let host = &r.private.host;
    assert!(stderr(&refused).contains(&format!("cannot pin image {image} of service app")), "{}", stderr(&refused));
    assert!(stderr(&refused).contains(&format!("run `docker login {host}`")), "{}", stderr(&refused));

    let pinned = rc(&s, &r.login, None, &["config", "--resolve-image-digests"]).await;
    assert!(pinned.status.success(), "{}", stderr(&pinned));
    let text = String::from_utf8_lossy(&pinned.stdout).into_owned();
    assert!(text.contains(&format!("image: {image}@{digest}")), "the registry's digest, with no pull: {text}");
    assert_eq!(local_id(&s, &image).await, None, "nothing was pulled");

    for format in ["yaml", "json"] {
        let ours = rc(&s, &r.login, None, &["config", "--lock-image-digests", "--format", format]).await;
        assert!(ours.status.success(), "{}", stderr(&ours));
        let ours = String::from_utf8_lossy(&ours.stdout).into_owned();
        assert!(ours.contains(&format!("{image}@{digest}")), "{ours}");
        if let Some(reference) = crate::registries::reference_binary() {
            let mut cmd = tokio::process::Command::new(reference);
            cmd.args(["-p", &s.name, "config", "--lock-image-digests", "--format", format])
                .current_dir(s.dir.path())
                .env("DOCKER_CONFIG", &r.login);
            let theirs = cmd.output().await.expect("docker compose");
            assert!(theirs.status.success(), "{}", stderr(&theirs));
            assert_eq!(ours.trim_end(), String::from_utf8_lossy(&theirs.stdout).trim_end(), "{format} as Docker Compose prints it");
        }
    }
}

#[tokio::test]
async fn pull_flags_against_real_registries() {
    let r = registries();
    let s = Stack::new("reg-flags", "services: {}\n").await;
    let open = r.open.seed(&repo(&s, "open"), "1", 1, "open", None);
    let private = r.private.seed(&repo(&s, "private"), "1", 1, "private", None);
    let dep = r.open.seed(&repo(&s, "dep"), "1", 1, "dep", None);
    std::fs::write(s.dir.path().join("Dockerfile"), "FROM busybox\n").unwrap();
    let buildable = r.open.seed(&repo(&s, "buildable"), "1", 1, "buildable", None);
    s.write(&format!(
        "services:\n  open:\n    image: {open}\n    depends_on: [dep]\n  private:\n    image: {private}\n  dep:\n    image: {dep}\n  app:\n    image: {buildable}\n    build: .\n"
    ));

    // Without a login the private image fails; --ignore-pull-failures pulls the rest and warns.
    let strict = rc(&s, &r.anonymous, None, &["pull"]).await;
    assert_eq!(strict.status.code(), Some(1), "{}", stderr(&strict));
    forget(&s, &[&open, &dep, &buildable]).await;
    let lenient = rc(&s, &r.anonymous, None, &["pull", "--ignore-pull-failures"]).await;
    assert!(lenient.status.success(), "{}", stderr(&lenient));
    assert!(stderr(&lenient).contains(&format!("docker login {}", r.private.host)), "{}", stderr(&lenient));
    for image in [&open, &dep, &buildable] {
        assert!(local_id(&s, image).await.is_some(), "{image} pulled");
    }
    assert_eq!(local_id(&s, &private).await, None);
    forget(&s, &[&open, &dep, &buildable]).await;

    // A named service alone, then with its dependencies.
    let one = rc(&s, &r.anonymous, None, &["pull", "open"]).await;
    assert!(one.status.success(), "{}", stderr(&one));
    assert!(local_id(&s, &open).await.is_some() && local_id(&s, &dep).await.is_none());
    let deps = rc(&s, &r.anonymous, None, &["pull", "--include-deps", "open"]).await;
    assert!(deps.status.success(), "{}", stderr(&deps));
    assert!(local_id(&s, &dep).await.is_some(), "--include-deps pulls dep");

    // --ignore-buildable leaves app to its build; --policy missing skips what is there.
    let skip = rc(&s, &r.login, None, &["pull", "--ignore-buildable"]).await;
    assert!(skip.status.success(), "{}", stderr(&skip));
    assert_eq!(local_id(&s, &buildable).await, None, "--ignore-buildable");
    assert!(local_id(&s, &private).await.is_some(), "pulled with the login");
    // The tag moves in the registry; the engine keeps the first version under it.
    let before = local_id(&s, &open).await.expect("pulled");
    r.open.seed(&repo(&s, "open"), "1", 1, "moved", None);
    docker(&["tag", &before, &open], None, &r.anonymous);
    let old_open = before.clone();
    let before = Some(before);
    let missing = rc(&s, &r.login, None, &["pull", "--policy", "missing", "open"]).await;
    assert!(missing.status.success(), "{}", stderr(&missing));
    assert_eq!(local_id(&s, &open).await, before, "--policy missing keeps the image that is there");
    let always = rc(&s, &r.login, None, &["pull", "--policy", "always", "open"]).await;
    assert!(always.status.success(), "{}", stderr(&always));
    assert_ne!(local_id(&s, &open).await, before, "--policy always fetches the moved tag");

    // up --pull always does the same for up.
    let first = local_id(&s, &dep).await.expect("pulled");
    r.open.seed(&repo(&s, "dep"), "1", 1, "dep moved", None);
    docker(&["tag", &first, &dep], None, &r.anonymous);
    let up = rc(&s, &r.login, None, &["up", "-d", "--pull", "always", "dep"]).await;
    assert!(up.status.success(), "{}", stderr(&up));
    assert_ne!(local_id(&s, &dep).await, Some(first.clone()), "up --pull always");
    let _ = rc(&s, &r.login, None, &["down"]).await;
    forget(&s, &[&open, &dep, &private, &buildable, &old_open, &first]).await;
}

#[tokio::test]
async fn a_broken_config_file_is_warned_about_and_pulls_go_on_without_credentials() {
    let r = registries();
    let s = Stack::new("reg-broken", "services: {}\n").await;
    let image = r.open.seed(&repo(&s, "app"), "1", 1, &s.name, None);
    forget(&s, &[&image]).await;
    s.write(&format!("services:\n  app:\n    image: {image}\n"));
    let config = s.dir.path().join("broken-config");
    write_config(&config, "{\"auths\": {");

    let out = rc(&s, &config, None, &["pull"]).await;
    let text = stderr(&out);
    assert!(out.status.success(), "an open registry needs no credentials, as with the docker CLI: {text}");
    assert_eq!(text.matches("Error parsing config file").count(), 1, "one warning naming the file: {text}");
    assert!(text.contains(&config.join("config.json").display().to_string()), "{text}");
    assert!(local_id(&s, &image).await.is_some(), "pulled");
    forget(&s, &[&image]).await;
}
