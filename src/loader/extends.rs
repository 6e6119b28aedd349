//! `extends`: a service defined on top of another one, from the same file or from another file.
//!
//! Runs on one file's tree after interpolation and before validation, as in Docker Compose: what
//! gets validated is the service with its base merged in. A base from another file is read,
//! parsed and interpolated with the same environment, has its own `extends` resolved (relative
//! `file:` paths there are read from *its* directory), and is then made canonical with its
//! relative paths resolved against its own directory, so `build: .` in `../base/compose.yaml`
//! means `../base`. The base and the extending service merge with the `-f` merge rules
//! ([`merge::merge`]); nothing of the base is dropped (`depends_on`, `volumes_from`, `links`,
//! `container_name` are kept, as Docker Compose v2.26 keeps them).
//!
//! Only the services an `extends` chain needs are resolved in another file; that file's other
//! services, its `include` and the rest of its model are ignored.

use std::path::{Component, Path, PathBuf};

use super::diagnostic::{Diagnostic, FileId, Pos};
use super::yaml::{self, Map, Node, Value};
use super::{interpolate, limits, merge, paths, source, validate};

/// A variable lookup, as [`super::Environment::lookup`] gives it.
pub type Lookup<'a> = &'a dyn Fn(&str) -> Option<String>;

/// What the pass needs to know about the tree it runs on.
pub struct Context<'a> {
    /// The file the tree was read from, absolute: a link of an `extends` chain is a service in a
    /// file, so the same name in two files is two links.
    pub file: &'a Path,
    /// The directory a relative `extends.file` is read from: the project directory for the
    /// `-f` files (and an included unit's project directory for its files).
    pub dir: &'a Path,
    /// The variables files read by `extends` are interpolated with; `None` when interpolation is
    /// off.
    pub lookup: Option<Lookup<'a>>,
    /// Whether the loader makes relative paths absolute. When it does not
    /// (`config --no-path-resolution`), the paths of a base from another file are made relative
    /// to [`Context::dir`] instead, which is what they mean from the extending file.
    pub resolve_paths: bool,
    /// The home directory, for `~` in the paths of a base from another file.
    pub home: Option<&'a Path>,
    /// The canonical pass a base from another file goes through: the full one, or the lighter
    /// one of the uninterpolated model ([`super::canonical::canonicalize_model`]).
    pub canonical: fn(&mut Node) -> Result<(), Diagnostic>,
}

/// Resolves the `extends` of every service of `tree`, in place, and removes the `extends` keys.
/// Files read along the way may add "variable is not set" warnings.
pub fn apply(tree: &mut Node, cx: &Context, warnings: &mut Vec<String>) -> Result<(), Diagnostic> {
    let Some(services) = tree.get_mut("services").and_then(Node::as_map_mut) else { return Ok(()) };
    let names: Vec<String> = services.keys().cloned().collect();
    for name in names {
        resolve(services, &name, cx, &mut Vec::new(), warnings)?;
    }
    Ok(())
}

/// One link of an `extends` chain: a service that extends another one.
#[derive(Clone, PartialEq)]
struct Link {
    file: PathBuf,
    service: String,
}

/// What an `extends` names.
struct Target {
    service: String,
    /// The file as written, when the base is in another file.
    file: Option<String>,
    /// Where the `extends` key is, for every diagnostic about it.
    pos: Pos,
}

impl Target {
    fn parse(ext: &Node, path: &str) -> Result<Target, Diagnostic> {
        let pos = ext.report_pos();
        let bad = |what: &str| Diagnostic::new(pos, path, what.to_string());
        match &ext.value {
            Value::Str(s) => Ok(Target { service: s.clone(), file: None, pos }),
            Value::Map(m) => {
                if let Some(key) = m.keys().find(|k| *k != "service" && *k != "file") {
                    return Err(Diagnostic::new(
                        m[key].report_pos(),
                        format!("{path}.{key}"),
                        "unknown key: `extends` takes only `service` and `file`",
                    ));
                }
                let service = match m.get("service") {
                    Some(s) => s.as_str().ok_or_else(|| bad("`service` must be a service name"))?.to_string(),
                    None => return Err(bad("`service` is required: the name of the service to extend")),
                };
                let file = match m.get("file") {
                    None => None,
                    Some(f) => Some(f.as_str().ok_or_else(|| bad("`file` must be a file path"))?.to_string()),
                };
                Ok(Target { service, file, pos })
            }
            _ => Err(bad("must be a service name or a mapping with `service` and optionally `file`")),
        }
    }
}

/// Resolves the `extends` of the service `name` of `services` (which belong to `cx.file`), after
/// resolving its base's own. `chain` holds the services being resolved, outermost first.
fn resolve(services: &mut Map, name: &str, cx: &Context, chain: &mut Vec<Link>, warnings: &mut Vec<String>) -> Result<(), Diagnostic> {
    let Some(ext) = services.get(name).and_then(|s| s.get("extends")) else { return Ok(()) };
    let path = format!("services.{name}.extends");
    let target = Target::parse(ext, &path)?;
    chain.push(Link { file: cx.file.to_path_buf(), service: name.to_string() });
    let max = limits::get().extends_depth;
    if chain.len() > max.value {
        let ends = [chain[0].clone(), chain[chain.len() - 1].clone()];
        let msg = format!(
            "an extends chain longer than {} services ({}); {}",
            max.value,
            show_cycle(&ends).replace(" -> ", " -> ... -> "),
            max.hint()
        );
        return Err(Diagnostic::new(target.pos, path, msg));
    }
    let base = match &target.file {
        None => {
            if !services.contains_key(&target.service) {
                let msg = format!("cannot extend service {:?}: no such service in this file", target.service);
                return Err(Diagnostic::new(target.pos, path, msg));
            }
            check_cycle(chain, cx.file, &target, &path)?;
            resolve(services, &target.service, cx, chain, warnings)?;
            services[&target.service].clone()
        }
        Some(file) => base_from_file(file, &target, &path, cx, chain, warnings)?,
    };
    chain.pop();

    let slot = services.get_mut(name).expect("the service was looked up above");
    let mut over = std::mem::replace(slot, Node::null());
    if let Some(m) = over.as_map_mut() {
        m.shift_remove("extends");
    }
    let (pos, key_pos) = (over.pos, over.key_pos);
    let mut merged = merge::merge(wrap(name, base), wrap(name, over))?;
    merge::enforce_unicity(&mut merged)?;
    let mut service = unwrap(merged, name);
    service.pos = pos;
    service.key_pos = key_pos;
    *services.get_mut(name).expect("the service was looked up above") = service;
    Ok(())
}

/// The service `target.service` of the file `file` (relative to `cx.dir`), its own `extends`
/// resolved, canonical, with its relative paths resolved against its file's directory.
fn base_from_file(
    file: &str,
    target: &Target,
    path: &str,
    cx: &Context,
    chain: &mut Vec<Link>,
    warnings: &mut Vec<String>,
) -> Result<Node, Diagnostic> {
    let full = paths::clean(&cx.dir.join(file));
    let text = std::fs::File::open(&full).and_then(source::read_text).map_err(|e| {
        let why = match e.kind() {
            std::io::ErrorKind::NotFound => "no such file".to_string(),
            _ => e.to_string(),
        };
        Diagnostic::new(target.pos, path, format!("cannot read {file}: {why}"))
    })?;
    let text = text.map_err(|too_big| Diagnostic::file(&full, too_big))?;
    let mut tree = Node::null();
    for doc in yaml::parse(&text, FileId::intern(&full))? {
        tree = if tree.is_null() { doc } else { merge::merge(tree, doc)? };
    }
    if let Some(lookup) = cx.lookup {
        interpolate::interpolate(&mut tree, lookup, warnings)?;
    }
    let not_found = || Diagnostic::new(target.pos, path, format!("cannot extend service {:?}: no such service in {file}", target.service));
    let services = tree.get_mut("services").and_then(Node::as_map_mut).ok_or_else(not_found)?;
    if !services.contains_key(&target.service) {
        return Err(not_found());
    }
    check_cycle(chain, &full, target, path)?;
    let dir = full.parent().unwrap_or(Path::new("/"));
    let inner = Context { file: &full, dir, lookup: cx.lookup, resolve_paths: cx.resolve_paths, home: cx.home, canonical: cx.canonical };
    resolve(services, &target.service, &inner, chain, warnings)?;
    let base = services.shift_remove(&target.service).expect("checked above");

    // Tags (`!reset`) mean nothing without something to merge onto: drop them first.
    let mut doc = merge::merge(Node::null(), wrap(&target.service, base))?;
    validate::validate(&doc)?;
    (cx.canonical)(&mut doc)?;
    let base_dir = if cx.resolve_paths { dir.to_path_buf() } else { relative_dir(dir, cx.dir) };
    let mut base = unwrap(doc, &target.service);
    paths::resolve_service(&mut base, &base_dir, cx.home);
    Ok(base)
}

/// An error when the base `target` (in `file`) is already being resolved: following it would
/// come back to where the chain is. Reported at the `extends` that closes the cycle.
fn check_cycle(chain: &[Link], file: &Path, target: &Target, path: &str) -> Result<(), Diagnostic> {
    let next = Link { file: file.to_path_buf(), service: target.service.clone() };
    match chain.iter().position(|l| *l == next) {
        Some(start) => {
            let mut cycle = chain[start..].to_vec();
            cycle.push(next);
            Err(Diagnostic::new(target.pos, path, format!("circular extends: {}", show_cycle(&cycle))))
        }
        None => Ok(()),
    }
}

/// `{services: {name: service}}`, so that the merge and canonical rules keyed by
/// `services.*.…` apply to a lone service.
fn wrap(name: &str, service: Node) -> Node {
    let mut services = Map::default();
    services.insert(name.to_string(), service);
    let mut root = Map::default();
    root.insert("services".to_string(), Node::map(services));
    Node::map(root)
}

fn unwrap(mut root: Node, name: &str) -> Node {
    root.get_mut("services").and_then(Node::as_map_mut).and_then(|m| m.shift_remove(name)).unwrap_or_else(|| Node::map(Map::default()))
}

/// `a -> b -> a`, with the file of each link when the chain crosses files.
fn show_cycle(links: &[Link]) -> String {
    let one_file = links.iter().all(|l| l.file == links[0].file);
    let show = |l: &Link| {
        if one_file {
            l.service.clone()
        } else {
            format!("{} ({})", l.service, FileId::intern(&l.file).display_name())
        }
    };
    links.iter().map(show).collect::<Vec<_>>().join(" -> ")
}

/// `path` relative to `base`, lexically; both absolute and clean. `.` when they are the same.
pub(crate) fn relative_dir(path: &Path, base: &Path) -> PathBuf {
    let p: Vec<Component> = path.components().collect();
    let b: Vec<Component> = base.components().collect();
    let common = p.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut out = PathBuf::new();
    for _ in common..b.len() {
        out.push("..");
    }
    for c in &p[common..] {
        out.push(c.as_os_str());
    }
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loader::testing::dir_with;
    use serde_json::json;

    /// Parses, interpolates (with `vars`) and resolves `extends` in `file` of `dir`, as the
    /// loader does for a `-f` file whose project directory is `dir`.
    fn run(dir: &Path, file: &str, vars: &[(&str, &str)], resolve_paths: bool) -> Result<Node, Diagnostic> {
        let full = dir.join(file);
        let mut tree = yaml::parse_one(&std::fs::read_to_string(&full).unwrap(), FileId::intern(&full))?;
        let lookup = |k: &str| vars.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string());
        let mut warnings = Vec::new();
        interpolate::interpolate(&mut tree, &lookup, &mut warnings)?;
        let cx = Context {
            file: &full,
            dir,
            lookup: Some(&lookup),
            resolve_paths,
            home: None,
            canonical: crate::loader::canonical::canonicalize,
        };
        apply(&mut tree, &cx, &mut warnings)?;
        Ok(tree)
    }

    fn service(tree: &Node, name: &str) -> serde_json::Value {
        tree.find(&["services", name]).to_json()
    }

    #[test]
    fn same_file() {
        let d = dir_with(&[(
            "compose.yaml",
            "services:\n  web:\n    extends: base\n    environment: [B=2]\n    command: run\n  \
             base:\n    image: app\n    command: [a, b]\n    environment: {A: '1'}\n    depends_on: [db]\n    \
             links: [db]\n    volumes_from: [db]\n    container_name: c\n  db: {image: db}\n",
        )]);
        let t = run(d.path(), "compose.yaml", &[], true).unwrap();
        assert_eq!(
            service(&t, "web"),
            json!({
                "image": "app", "command": "run", "environment": ["A=1", "B=2"],
                "depends_on": ["db"], "links": ["db"], "volumes_from": ["db"], "container_name": "c"
            })
        );
        // The base is untouched, and the key order of the file is kept.
        assert!(t.find(&["services", "base"]).get("environment").unwrap().as_map().is_some());
        let names: Vec<&String> = t.get("services").unwrap().as_map().unwrap().keys().collect();
        assert_eq!(names, ["web", "base", "db"]);
        // The merged service is where the extending one was written.
        assert_eq!(t.find(&["services", "web"]).report_pos().line, 2);
    }

    #[test]
    fn other_file_paths_are_the_base_files() {
        let d = dir_with(&[
            (
                "app/compose.yaml",
                "services:\n  web:\n    extends:\n      file: ../base/compose.yaml\n      service: common\n    \
                 volumes: [./mine:/mine]\n    environment: [C=3]\n",
            ),
            (
                "base/compose.yaml",
                "services:\n  common:\n    build: .\n    image: ${IMG:-none}\n    env_file: common.env\n    \
                 volumes: [./data:/data, named:/named]\n    environment: {A: '1'}\n",
            ),
        ]);
        let app = d.path().join("app");
        let t = run(&app, "compose.yaml", &[("IMG", "fromenv")], true).unwrap();
        let base = d.path().join("base").display().to_string();
        let web = service(&t, "web");
        assert_eq!(web["build"], json!({"context": base}));
        assert_eq!(web["image"], "fromenv");
        assert_eq!(web["env_file"], json!([{"path": format!("{base}/common.env"), "required": true}]));
        assert_eq!(web["volumes"][0]["source"], format!("{base}/data"));
        assert_eq!(web["volumes"][1]["source"], "named");
        // The extending file's own paths are left for the paths pass of its project.
        assert_eq!(web["volumes"][2], "./mine:/mine");
        assert_eq!(web["environment"], json!(["A=1", "C=3"]));
        assert!(web.get("extends").is_none());

        // Without path resolution, the base's paths are relative to the project directory.
        let t = run(&app, "compose.yaml", &[], false).unwrap();
        let web = service(&t, "web");
        assert_eq!(web["build"], json!({"context": "../base"}));
        assert_eq!(web["volumes"][0]["source"], "../base/data");
    }

    #[test]
    fn chain_across_files_resolves_each_file_against_its_directory() {
        let d = dir_with(&[
            ("compose.yaml", "services:\n  top:\n    extends: {file: a/one.yaml, service: one}\n"),
            ("a/one.yaml", "services:\n  one:\n    extends: {file: b/two.yaml, service: two}\n    volumes: [./v1:/one]\n"),
            ("a/b/two.yaml", "services:\n  two:\n    extends: mid\n  mid:\n    build: {context: ., dockerfile: D}\n    image: two\n"),
        ]);
        let t = run(d.path(), "compose.yaml", &[], false).unwrap();
        let top = service(&t, "top");
        assert_eq!(top["build"], json!({"context": "a/b", "dockerfile": "D"}));
        assert_eq!(top["image"], "two");
        assert_eq!(top["volumes"][0]["source"], "a/v1");
        let t = run(d.path(), "compose.yaml", &[], true).unwrap();
        assert_eq!(service(&t, "top")["build"]["context"], d.path().join("a/b").display().to_string());
    }

    #[test]
    fn a_base_later_in_the_file_is_resolved_first() {
        let d = dir_with(&[(
            "compose.yaml",
            "services:\n  a: {extends: b, environment: [X=1]}\n  b: {extends: {service: c}, command: b}\n  \
             c: {image: alpine, command: [c], environment: {Y: '2'}}\n",
        )]);
        let t = run(d.path(), "compose.yaml", &[], true).unwrap();
        assert_eq!(service(&t, "a"), json!({"image": "alpine", "command": "b", "environment": ["Y=2", "X=1"]}));
        assert_eq!(service(&t, "b"), json!({"image": "alpine", "command": "b", "environment": {"Y": "2"}}));
    }

    #[test]
    fn override_tags_apply_to_the_base() {
        let d = dir_with(&[(
            "compose.yaml",
            "services:\n  a:\n    extends: b\n    ports: !reset []\n    environment: !override {Z: '1'}\n  \
             b: {image: x, ports: ['80:80'], environment: {Y: '2'}}\n",
        )]);
        let t = run(d.path(), "compose.yaml", &[], true).unwrap();
        assert_eq!(service(&t, "a"), json!({"image": "x", "environment": {"Z": "1"}}));
    }

    #[test]
    fn redefinitions_are_merged_away() {
        let d =
            dir_with(&[("compose.yaml", "services:\n  a: {extends: b, ports: ['80:80', '81:81']}\n  b: {image: x, ports: ['80:80']}\n")]);
        let t = run(d.path(), "compose.yaml", &[], true).unwrap();
        assert_eq!(service(&t, "a")["ports"], json!(["80:80", "81:81"]));
    }

    #[test]
    fn cycles_name_the_whole_chain() {
        let d =
            dir_with(&[("compose.yaml", "services:\n  a:\n    extends: b\n  b:\n    extends: c\n  c:\n    image: x\n    extends: a\n")]);
        let e = run(d.path(), "compose.yaml", &[], true).unwrap_err();
        assert_eq!(e.message, "circular extends: a -> b -> c -> a");
        assert_eq!((e.path.as_str(), e.pos.line, e.pos.col), ("services.c.extends", 8, 5));

        let d = dir_with(&[("compose.yaml", "services:\n  a:\n    extends: a\n")]);
        assert_eq!(run(d.path(), "compose.yaml", &[], true).unwrap_err().message, "circular extends: a -> a");
    }

    #[test]
    fn cycles_across_files() {
        let d = dir_with(&[
            ("compose.yaml", "services:\n  a:\n    extends: {file: other.yaml, service: b}\n"),
            ("other.yaml", "services:\n  b:\n    extends: {file: compose.yaml, service: a}\n"),
        ]);
        let e = run(d.path(), "compose.yaml", &[], true).unwrap_err();
        assert!(e.message.starts_with("circular extends: a ("), "{}", e.message);
        assert!(e.message.contains("compose.yaml) -> b (") && e.message.contains("other.yaml) -> a ("), "{}", e.message);
        assert_eq!(e.pos.file, FileId::intern(&d.path().join("other.yaml")));
    }

    #[test]
    fn missing_service_or_file_point_at_the_extends_key() {
        let d = dir_with(&[
            ("compose.yaml", "services:\n  a:\n    image: x\n    extends: nope\n"),
            ("file.yaml", "services:\n  a:\n    image: x\n    extends:\n      file: missing.yaml\n      service: x\n"),
            ("svc.yaml", "services:\n  a:\n    image: x\n    extends: {file: other.yaml, service: x}\n"),
            ("other.yaml", "services: {y: {image: z}}\n"),
            ("bad.yaml", "services:\n  a:\n    extends: {service: x, files: y}\n"),
        ]);
        let e = run(d.path(), "compose.yaml", &[], true).unwrap_err();
        assert_eq!(e.message, "cannot extend service \"nope\": no such service in this file");
        assert_eq!((e.path.as_str(), e.pos.line, e.pos.col), ("services.a.extends", 4, 5));
        let e = run(d.path(), "file.yaml", &[], true).unwrap_err();
        assert_eq!(e.message, "cannot read missing.yaml: no such file");
        assert_eq!((e.pos.file, e.pos.line, e.pos.col), (FileId::intern(&d.path().join("file.yaml")), 4, 5));
        let e = run(d.path(), "svc.yaml", &[], true).unwrap_err();
        assert_eq!(e.message, "cannot extend service \"x\": no such service in other.yaml");
        assert_eq!(e.pos.line, 4);
        let e = run(d.path(), "bad.yaml", &[], true).unwrap_err();
        assert_eq!(e.path, "services.a.extends.files");
    }

    #[test]
    fn an_invalid_base_from_another_file_is_reported_in_that_file() {
        let d = dir_with(&[
            ("compose.yaml", "services:\n  a:\n    extends: {file: other.yaml, service: b}\n"),
            ("other.yaml", "services:\n  b:\n    image: x\n    ports: {a: 1}\n"),
        ]);
        let e = run(d.path(), "compose.yaml", &[], true).unwrap_err();
        assert_eq!(e.pos.file, FileId::intern(&d.path().join("other.yaml")));
        assert_eq!(e.path, "services.b.ports");
    }

    #[test]
    fn relative_dirs() {
        assert_eq!(relative_dir(Path::new("/a/b/c"), Path::new("/a")), Path::new("b/c"));
        assert_eq!(relative_dir(Path::new("/a/base"), Path::new("/a/app")), Path::new("../base"));
        assert_eq!(relative_dir(Path::new("/a"), Path::new("/a")), Path::new("."));
    }
}
