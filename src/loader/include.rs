//! Top-level `include`: other compose projects whose resources are added to this one.
//!
//! Each entry is loaded as a project of its own, through the same passes as the main one (the
//! caller hands [`apply`] a function that does that), so that in an included file:
//!
//! - relative paths mean what they mean next to that file: they are resolved against the
//!   included project's directory (the first file's directory, or `project_directory`);
//! - variables come from the including project's environment, then from the entry's
//!   `env_file`s, or when it names none from the `.env` of the included project's directory.
//!   A variable the including project defines keeps its value;
//! - its own `include` and `extends` are resolved, relative to its own directory.
//!
//! Its services, networks, volumes, secrets and configs are then added to the including tree. A
//! name defined on both sides is an error unless both definitions are the same once canonical,
//! which lets two included projects include a common one. The rest of an included model (its
//! `name`, extensions) is dropped, as Docker Compose drops it.
//!
//! Runs on one file's tree after interpolation and `extends` (an included service cannot be
//! extended from the including file), before validation.

use indexmap::IndexMap;
use std::cell::Cell;
use std::path::{Path, PathBuf};

use super::diagnostic::{Diagnostic, FileId, Pos};
use super::env::{Environment, Origin};
use super::extends::relative_dir;
use super::yaml::{Map, Node, Value};
use super::{canonical, dotenv, limits, paths};

/// The sections an included project contributes.
const SECTIONS: &[&str] = &["services", "volumes", "networks", "secrets", "configs"];

/// The side that holds the `include`.
pub struct Scope<'a> {
    /// The including project's directory, absolute: relative include paths, `env_file` and
    /// `project_directory` are read from here.
    pub dir: &'a Path,
    /// The including project's interpolation environment.
    pub environment: &'a Environment,
    /// The files from the root project down to the file holding this `include`, absolute: an
    /// entry naming one of them is a cycle.
    pub chain: &'a [PathBuf],
    /// Whether the loader makes relative paths absolute (see [`Unit::path_base`]).
    pub resolve_paths: bool,
    /// The included projects this load has loaded so far, every level counted, against
    /// [`limits::Limits::includes`].
    pub loaded: &'a Cell<usize>,
}

/// An included project to load, handed to the caller's load function.
#[derive(Clone, Debug)]
pub struct Unit {
    /// The compose files, absolute: the first one, then the ones merged onto it.
    pub files: Vec<PathBuf>,
    /// The project directory, absolute: where its own relative `include`, `extends.file` and
    /// `env_file`s are read from.
    pub project_dir: PathBuf,
    /// What the unit's relative paths are resolved against: [`Unit::project_dir`], or, when the
    /// loader leaves paths relative, the project directory relative to the including one, so
    /// that paths come out relative to the root project as `config --no-path-resolution` shows
    /// them (the including unit resolves them again against its own base).
    pub path_base: PathBuf,
    /// The interpolation environment of the unit.
    pub environment: Environment,
    /// The files from the root project down to the one that includes this unit; the load
    /// function passes it, plus the file being loaded, as [`Scope::chain`].
    pub chain: Vec<PathBuf>,
}

/// One `include` entry, as written.
struct Entry {
    paths: Vec<String>,
    env_files: Option<Vec<String>>,
    project_directory: Option<String>,
    pos: Pos,
}

/// Loads the projects named by the `include` of `tree` with `load` (which must return the
/// unit's tree canonical, with its paths resolved against [`Unit::path_base`]), adds their
/// resources to `tree`, and removes the `include` key.
pub fn apply(tree: &mut Node, scope: &Scope, load: &mut dyn FnMut(Unit) -> Result<Node, Diagnostic>) -> Result<(), Diagnostic> {
    let Some(include) = tree.as_map_mut().and_then(|m| m.shift_remove("include")) else { return Ok(()) };
    let items = match include.value {
        Value::Null => return Ok(()),
        Value::Seq(items) => items,
        _ => return Err(Diagnostic::new(include.report_pos(), "include", format!("must be a list, not {}", include.kind_name()))),
    };
    for (i, item) in items.iter().enumerate() {
        let path = format!("include[{i}]");
        let entry = Entry::parse(item, &path)?;
        let unit = unit(&entry, scope, &path)?;
        let imported = load(unit)?;
        import(tree, imported)?;
    }
    Ok(())
}

impl Entry {
    fn parse(item: &Node, path: &str) -> Result<Entry, Diagnostic> {
        let pos = item.report_pos();
        match &item.value {
            Value::Str(s) => Ok(Entry { paths: vec![s.clone()], env_files: None, project_directory: None, pos }),
            Value::Map(m) => {
                if let Some(key) = m.keys().find(|k| !["path", "env_file", "project_directory"].contains(&k.as_str())) {
                    return Err(Diagnostic::new(
                        m[key].report_pos(),
                        format!("{path}.{key}"),
                        "unknown key: an include entry takes `path`, `env_file` and `project_directory`",
                    ));
                }
                let paths = match m.get("path") {
                    Some(p) => strings(p, &format!("{path}.path"))?,
                    None => return Err(Diagnostic::new(pos, path, "`path` is required: the compose file(s) to include")),
                };
                if paths.is_empty() {
                    return Err(Diagnostic::new(m["path"].report_pos(), format!("{path}.path"), "names no file"));
                }
                let env_files = m.get("env_file").map(|e| strings(e, &format!("{path}.env_file"))).transpose()?;
                let project_directory =
                    match m.get("project_directory") {
                        None => None,
                        Some(d) => Some(d.as_str().map(str::to_string).ok_or_else(|| {
                            Diagnostic::new(d.report_pos(), format!("{path}.project_directory"), "must be a directory path")
                        })?),
                    };
                Ok(Entry { paths, env_files, project_directory, pos })
            }
            _ => Err(Diagnostic::new(pos, path, format!("must be a file path or a mapping with `path`, not {}", item.kind_name()))),
        }
    }
}

/// A string or a list of strings.
fn strings(node: &Node, path: &str) -> Result<Vec<String>, Diagnostic> {
    let bad = |n: &Node| Diagnostic::new(n.report_pos(), path, "must be a path or a list of paths");
    match &node.value {
        Value::Str(s) => Ok(vec![s.clone()]),
        Value::Seq(items) => items.iter().map(|i| i.as_str().map(str::to_string).ok_or_else(|| bad(i))).collect(),
        _ => Err(bad(node)),
    }
}

/// What to load for one entry: files, directories and environment.
fn unit(entry: &Entry, scope: &Scope, path: &str) -> Result<Unit, Diagnostic> {
    let at = |msg: String| Diagnostic::new(entry.pos, path, msg);
    let full = |p: &str| paths::clean(&scope.dir.join(p));
    let mut files = Vec::new();
    for p in &entry.paths {
        let f = full(p);
        if !f.is_file() {
            return Err(at(format!("cannot include {p}: no such file")));
        }
        files.push(f);
    }
    let max = limits::get().extends_depth;
    if scope.chain.len() >= max.value {
        return Err(at(format!("includes nested deeper than {} files; {}", max.value, max.hint())));
    }
    let max = limits::get().includes;
    if scope.loaded.get() >= max.value {
        return Err(at(format!(
            "more than {} included projects in one load (a project included from several places is loaded once for each); {}",
            max.value,
            max.hint()
        )));
    }
    scope.loaded.set(scope.loaded.get() + 1);
    if scope.chain.contains(&files[0]) {
        let mut cycle: Vec<String> = scope.chain.iter().map(|f| display(f)).collect();
        cycle.push(display(&files[0]));
        return Err(at(format!("include cycle: {}", cycle.join(" -> "))));
    }
    let project_dir = match &entry.project_directory {
        Some(d) => full(d),
        None => files[0].parent().map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from("/")),
    };
    let env_files = match &entry.env_files {
        Some(list) => {
            let mut out = Vec::new();
            for f in list {
                let p = full(f);
                if !p.is_file() {
                    return Err(at(format!("env file {f} not found")));
                }
                out.push(p);
            }
            out
        }
        None => Some(project_dir.join(".env")).filter(|p| p.is_file()).into_iter().collect(),
    };
    let environment = environment(scope.environment, &env_files)?;
    let path_base = if scope.resolve_paths { project_dir.clone() } else { relative_dir(&project_dir, scope.dir) };
    Ok(Unit { files, project_dir, path_base, environment, chain: scope.chain.to_vec() })
}

/// The including environment, plus the variables of `env_files` it does not define. A later
/// file overrides an earlier one; each sees the including environment, then earlier files.
fn environment(parent: &Environment, env_files: &[PathBuf]) -> Result<Environment, Diagnostic> {
    let mut from_files: IndexMap<String, (String, PathBuf)> = IndexMap::new();
    for file in env_files {
        let lookup = |k: &str| parent.get(k).map(str::to_string).or_else(|| from_files.get(k).map(|(v, _)| v.clone()));
        let vars = dotenv::read_file(file, &lookup)?;
        for (k, v) in vars {
            from_files.insert(k, (v, file.clone()));
        }
    }
    let mut env = parent.clone();
    for (k, (v, file)) in from_files {
        if env.get(&k).is_none() {
            env.set(&k, &v, Origin::EnvFile(file));
        }
    }
    Ok(env)
}

/// Adds the resources of `imported` to `tree`. A name both define is an error unless the two
/// definitions are the same.
fn import(tree: &mut Node, imported: Node) -> Result<(), Diagnostic> {
    let Value::Map(mut sections) = imported.value else { return Ok(()) };
    let Some(root) = tree.as_map_mut() else { return Ok(()) };
    for &section in SECTIONS {
        let Some(Value::Map(entries)) = sections.shift_remove(section).map(|n| n.value) else { continue };
        let target = root.entry(section.to_string()).or_insert_with(|| Node::map(Map::default()));
        if target.is_null() {
            target.value = Value::Map(Map::default());
        }
        let Some(target) = target.as_map_mut() else {
            let msg = format!("must be a mapping, not {}", target.kind_name());
            return Err(Diagnostic::new(target.report_pos(), section, msg));
        };
        for (name, node) in entries {
            match target.get(&name) {
                Some(existing) if same(section, &name, existing, &node) => {}
                Some(existing) => {
                    let msg = format!("conflicts with imported resource {section}.{name} defined at {}", node.report_pos());
                    return Err(Diagnostic::new(existing.report_pos(), format!("{section}.{name}"), msg));
                }
                None => {
                    target.insert(name, node);
                }
            }
        }
    }
    Ok(())
}

/// Whether two definitions of `section.name` are the same once canonical (a definition in the
/// including file is not canonical yet; an imported one is).
fn same(section: &str, name: &str, a: &Node, b: &Node) -> bool {
    let canonical = |n: &Node| {
        let mut entries = Map::default();
        entries.insert(name.to_string(), n.clone());
        let mut root = Map::default();
        root.insert(section.to_string(), Node::map(entries));
        let mut doc = Node::map(root);
        canonical::canonicalize(&mut doc).ok().map(|()| doc)
    };
    match (canonical(a), canonical(b)) {
        (Some(x), Some(y)) => x == y,
        _ => false,
    }
}

fn display(file: &Path) -> String {
    FileId::intern(file).display_name()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loader::testing::dir_with;
    use crate::loader::{extends, interpolate, merge, validate, yaml};
    use serde_json::json;

    /// The tree passes for one unit, in the order the loader runs them: per file parse →
    /// interpolate → extends → include → validate, then merge the files → canonical → paths.
    fn load_unit(unit: Unit, resolve_paths: bool, loaded: &Cell<usize>) -> Result<Node, Diagnostic> {
        let lookup = unit.environment.lookup();
        let mut warnings = Vec::new();
        let mut merged = Node::null();
        for file in &unit.files {
            let text = std::fs::read_to_string(file).unwrap();
            let mut node = Node::null();
            for doc in yaml::parse(&text, FileId::intern(file))? {
                node = merge::merge(node, doc)?;
            }
            interpolate::interpolate(&mut node, &lookup, &mut warnings)?;
            let cx = extends::Context {
                file,
                dir: &unit.project_dir,
                lookup: Some(&lookup),
                resolve_paths,
                home: None,
                canonical: crate::loader::canonical::canonicalize,
            };
            extends::apply(&mut node, &cx, &mut warnings)?;
            let mut chain = unit.chain.clone();
            chain.push(file.clone());
            let scope = Scope { dir: &unit.project_dir, environment: &unit.environment, chain: &chain, resolve_paths, loaded };
            apply(&mut node, &scope, &mut |u| load_unit(u, resolve_paths, loaded))?;
            validate::validate(&node)?;
            merged = merge::merge(merged, node)?;
        }
        if let Some(m) = merged.as_map_mut() {
            m.shift_remove("name");
        }
        canonical::canonicalize(&mut merged)?;
        if resolve_paths || !unit.chain.is_empty() {
            paths::resolve(&mut merged, &unit.path_base, None);
        }
        Ok(merged)
    }

    /// Loads `files` of `dir` as the root project, with `vars` as the environment.
    fn load(dir: &Path, files: &[&str], vars: &[(&str, &str)], resolve_paths: bool) -> Result<Node, Diagnostic> {
        let environment = Environment::from_process(vars.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        let unit = Unit {
            files: files.iter().map(|f| dir.join(f)).collect(),
            project_dir: dir.to_path_buf(),
            path_base: dir.to_path_buf(),
            environment,
            chain: Vec::new(),
        };
        load_unit(unit, resolve_paths, &Cell::new(0))
    }

    fn service(tree: &Node, name: &str) -> serde_json::Value {
        tree.find(&["services", name]).to_json()
    }

    fn names(tree: &Node, section: &str) -> Vec<String> {
        tree.get(section).and_then(Node::as_map).map(|m| m.keys().cloned().collect()).unwrap_or_default()
    }

    const LIB: &str = "name: lib\nservices:\n  libsvc:\n    image: ${IMG:-default}\n    build: .\n    \
                       volumes: [./data:/data, vol:/v]\n    networks: [libnet]\nvolumes:\n  vol: {}\n\
                       networks:\n  libnet: {}\nsecrets:\n  s: {file: ./s.txt}\nconfigs:\n  c: {file: ./c.txt}\n\
                       x-foo: bar\n";

    #[test]
    fn string_entry_imports_resources_with_their_own_paths() {
        let d = dir_with(&[
            ("compose.yaml", "include:\n  - lib/compose.yaml\nservices:\n  web: {image: web, depends_on: [libsvc]}\n"),
            ("lib/compose.yaml", LIB),
        ]);
        let t = load(d.path(), &["compose.yaml"], &[], true).unwrap();
        let lib = d.path().join("lib").display().to_string();
        assert_eq!(names(&t, "services"), ["web", "libsvc"]);
        assert_eq!(names(&t, "volumes"), ["vol"]);
        assert_eq!(names(&t, "networks"), ["libnet"]);
        assert_eq!(t.find(&["secrets", "s", "file"]).as_str(), Some(format!("{lib}/s.txt").as_str()));
        assert_eq!(t.find(&["configs", "c", "file"]).as_str(), Some(format!("{lib}/c.txt").as_str()));
        assert!(t.get("x-foo").is_none() && t.get("include").is_none());
        let s = service(&t, "libsvc");
        assert_eq!(s["build"], json!({"context": lib}));
        assert_eq!(s["volumes"][0]["source"], format!("{lib}/data"));
        assert_eq!(s["image"], "default");
        // Imported nodes keep the positions of the file they come from.
        assert_eq!(t.find(&["services", "libsvc"]).report_pos().file, FileId::intern(&d.path().join("lib/compose.yaml")));

        // Left relative, the paths are relative to the including project.
        let t = load(d.path(), &["compose.yaml"], &[], false).unwrap();
        assert_eq!(service(&t, "libsvc")["build"], json!({"context": "lib"}));
        assert_eq!(service(&t, "libsvc")["volumes"][0]["source"], "lib/data");
    }

    #[test]
    fn environment_is_the_includers_over_the_included_dotenv() {
        let d = dir_with(&[
            ("compose.yaml", "include: [lib/compose.yaml]\nservices:\n  top: {image: 'top-${TOPV}'}\n"),
            ("lib/compose.yaml", "services:\n  s: {image: '${IMG}-${TOPV}-${SH}'}\n"),
            ("lib/.env", "IMG=libdotenv\nTOPV=lib\nSH=lib\n"),
        ]);
        let t = load(d.path(), &["compose.yaml"], &[("TOPV", "top"), ("SH", "shell")], true).unwrap();
        assert_eq!(service(&t, "s")["image"], "libdotenv-top-shell");
        assert_eq!(service(&t, "top")["image"], "top-top");
    }

    #[test]
    fn long_form_with_files_env_files_and_project_directory() {
        let d = dir_with(&[
            (
                "compose.yaml",
                "include:\n  - path: [lib/compose.yaml, lib/override.yaml]\n    env_file: [lib/a.env, b.env]\n    \
                 project_directory: pdir\nservices:\n  top: {image: top}\n",
            ),
            ("lib/a.env", "A=from-a\n"),
            ("b.env", "B=from-b\nTOPV=from-b\nA=b-${A}\n"),
            ("lib/.env", "A=libdotenv\n"),
            ("pdir/.env", "P=pdirdotenv\n"),
            ("lib/compose.yaml", "services:\n  s:\n    image: '${A}-${B}-${TOPV}-${P:-nop}'\n    build: .\n    volumes: [./d:/d]\n"),
            ("lib/override.yaml", "services:\n  s:\n    labels: {l: '${A}'}\n    volumes: [./o:/o]\n"),
        ]);
        let t = load(d.path(), &["compose.yaml"], &[("TOPV", "top")], true).unwrap();
        let pdir = d.path().join("pdir").display().to_string();
        let s = service(&t, "s");
        assert_eq!(s["image"], "b-from-a-from-b-top-nop");
        assert_eq!(s["labels"], json!({"l": "b-from-a"}));
        assert_eq!(s["build"], json!({"context": pdir}));
        assert_eq!(s["volumes"][0]["source"], format!("{pdir}/d"));
        assert_eq!(s["volumes"][1]["source"], format!("{pdir}/o"));

        // Without `env_file`, the `.env` of `project_directory` is read.
        let d2 = dir_with(&[
            ("compose.yaml", "include:\n  - path: lib/compose.yaml\n    project_directory: pdir\n"),
            ("pdir/.env", "P=pdirdotenv\n"),
            ("lib/compose.yaml", "services:\n  s: {image: '${P:-nop}'}\n"),
        ]);
        assert_eq!(service(&load(d2.path(), &["compose.yaml"], &[], true).unwrap(), "s")["image"], "pdirdotenv");
    }

    #[test]
    fn nested_and_diamond_includes() {
        let d = dir_with(&[
            ("compose.yaml", "include: [b/compose.yaml, c/compose.yaml]\nservices:\n  top: {image: top}\n"),
            ("b/compose.yaml", "include: [../d/compose.yaml]\nservices:\n  bs: {image: b}\n"),
            ("c/compose.yaml", "include: [../d/compose.yaml]\nservices:\n  cs: {image: c}\n"),
            ("d/compose.yaml", "services:\n  ds: {image: d, build: ., volumes: [./x:/x]}\n"),
        ]);
        let t = load(d.path(), &["compose.yaml"], &[], true).unwrap();
        assert_eq!(names(&t, "services"), ["top", "bs", "ds", "cs"]);
        assert_eq!(service(&t, "ds")["build"]["context"], d.path().join("d").display().to_string());
        let t = load(d.path(), &["compose.yaml"], &[], false).unwrap();
        assert_eq!(service(&t, "ds")["build"]["context"], "d");
        assert_eq!(service(&t, "ds")["volumes"][0]["source"], "d/x");
    }

    /// "A includes B and C, both include D", eight levels deep: 2^10 loads, refused once the
    /// count passes the limit, at the entry that passed it, instead of loading for minutes.
    #[test]
    fn diamonds_of_includes_are_bounded() {
        let mut files = vec![("compose.yaml".to_string(), "include: [a1.yaml, b1.yaml]\n".to_string())];
        for i in 1..=8 {
            files.push((format!("a{i}.yaml"), format!("include: [d{i}.yaml]\nservices:\n  a{i}: {{image: x}}\n")));
            files.push((format!("b{i}.yaml"), format!("include: [d{i}.yaml]\nservices:\n  b{i}: {{image: x}}\n")));
            let below = if i < 8 { format!("include: [a{}.yaml, b{}.yaml]\n", i + 1, i + 1) } else { String::new() };
            files.push((format!("d{i}.yaml"), format!("{below}services:\n  d{i}: {{image: x}}\n")));
        }
        let files: Vec<(&str, &str)> = files.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        let d = dir_with(&files);
        let e = load(d.path(), &["compose.yaml"], &[], true).unwrap_err();
        let max = limits::get().includes;
        assert!(e.message.starts_with(&format!("more than {} included projects in one load", max.value)), "{}", e.message);
        assert!(e.message.contains("RCOMPOSE_MAX_INCLUDES"), "{}", e.message);
        assert!(e.path.starts_with("include["), "{}", e.path);
    }

    #[test]
    fn nested_relative_paths_go_through_each_level() {
        let d = dir_with(&[
            ("compose.yaml", "include: [lib/compose.yaml]\n"),
            ("lib/compose.yaml", "include: [sub/compose.yaml]\nservices:\n  l: {image: l, extends: {file: ext/base.yaml, service: b}}\n"),
            ("lib/sub/compose.yaml", "services:\n  s: {image: s, build: ./ctx}\n"),
            ("lib/ext/base.yaml", "services:\n  b: {volumes: [./v:/v]}\n"),
        ]);
        let t = load(d.path(), &["compose.yaml"], &[], false).unwrap();
        assert_eq!(service(&t, "s")["build"], json!({"context": "lib/sub/ctx"}));
        assert_eq!(service(&t, "l")["volumes"][0]["source"], "lib/ext/v");
    }

    #[test]
    fn include_cycles_name_the_chain() {
        let d = dir_with(&[
            ("compose.yaml", "include: [b/compose.yaml]\nservices: {}\n"),
            ("b/compose.yaml", "include: [../d/compose.yaml]\nservices: {}\n"),
            ("d/compose.yaml", "include:\n  - ../b/compose.yaml\nservices: {}\n"),
        ]);
        let e = load(d.path(), &["compose.yaml"], &[], true).unwrap_err();
        let name = |f: &str| FileId::intern(&d.path().join(f)).display_name();
        let chain = [name("compose.yaml"), name("b/compose.yaml"), name("d/compose.yaml"), name("b/compose.yaml")];
        assert_eq!(e.message, format!("include cycle: {}", chain.join(" -> ")));
        assert_eq!((e.pos.file, e.pos.line, e.path.as_str()), (FileId::intern(&d.path().join("d/compose.yaml")), 2, "include[0]"));
    }

    #[test]
    fn conflicts_name_both_definitions() {
        let d = dir_with(&[
            ("compose.yaml", "include: [lib/c.yaml]\nservices:\n  s:\n    image: y\n"),
            ("same.yaml", "include: [lib/c.yaml]\nservices:\n  s:\n    image: x\n    command: echo $$HOME\n"),
            ("lib/c.yaml", "services:\n  s:\n    image: x\n    command: echo $$HOME\n"),
        ]);
        let e = load(d.path(), &["compose.yaml"], &[], true).unwrap_err();
        assert_eq!((e.pos.file, e.pos.line, e.path.as_str()), (FileId::intern(&d.path().join("compose.yaml")), 3, "services.s"));
        let lib = FileId::intern(&d.path().join("lib/c.yaml")).display_name();
        assert_eq!(e.message, format!("conflicts with imported resource services.s defined at {lib}:2:3"));
        // The same definition is no conflict.
        let t = load(d.path(), &["same.yaml"], &[], true).unwrap();
        assert_eq!(service(&t, "s")["command"], json!(["echo", "$HOME"]));
    }

    #[test]
    fn a_later_file_may_override_an_included_resource() {
        let d = dir_with(&[
            ("compose.yaml", "include: [lib/c.yaml]\n"),
            ("over.yaml", "services:\n  s: {image: over}\n"),
            ("lib/c.yaml", "services:\n  s: {image: x}\n"),
        ]);
        let t = load(d.path(), &["compose.yaml", "over.yaml"], &[], true).unwrap();
        assert_eq!(service(&t, "s")["image"], "over");
    }

    #[test]
    fn bad_entries_are_positioned_errors() {
        let d = dir_with(&[
            ("string.yaml", "include: lib/c.yaml\n"),
            ("missing.yaml", "services: {}\ninclude:\n  - nothere/compose.yaml\n"),
            ("key.yaml", "include:\n  - path: lib/c.yaml\n    envfile: x\n"),
            ("env.yaml", "include:\n  - path: lib/c.yaml\n    env_file: nope.env\n"),
            ("lib/c.yaml", "services:\n  s: {image: x}\n"),
        ]);
        let e = load(d.path(), &["string.yaml"], &[], true).unwrap_err();
        assert_eq!((e.path.as_str(), e.message.as_str()), ("include", "must be a list, not a string"));
        let e = load(d.path(), &["missing.yaml"], &[], true).unwrap_err();
        assert_eq!((e.path.as_str(), e.pos.line, e.pos.col), ("include[0]", 3, 5));
        assert_eq!(e.message, "cannot include nothere/compose.yaml: no such file");
        let e = load(d.path(), &["key.yaml"], &[], true).unwrap_err();
        assert_eq!((e.path.as_str(), e.pos.line), ("include[0].envfile", 3));
        let e = load(d.path(), &["env.yaml"], &[], true).unwrap_err();
        assert_eq!(e.message, "env file nope.env not found");
    }
}

#[cfg(test)]
mod canonical_twice {
    use super::*;
    use crate::loader::yaml::parse_one;

    /// Imported resources are canonical already and go through the including project's
    /// canonical and paths passes again: both must leave them as they are.
    #[test]
    fn imported_resources_are_stable_under_the_including_passes() {
        let text = "services:\n  s:\n    build: {context: ., args: [A=1]}\n    command: echo hi\n    \
                    ports: ['80:80', '9000-9001:9000-9001/udp']\n    volumes: ['./a:/a:ro', 'v:/v', '/abs:/abs']\n    \
                    env_file: [x.env]\n    depends_on: [db]\n    networks: [n]\n    secrets: [s]\n    \
                    healthcheck: {test: curl x}\n    environment: [A=1, B]\n    labels: [l=1]\n    \
                    extra_hosts: ['h:1.2.3.4']\n    tmpfs: /t\n    devices: ['/dev/a:/dev/b']\n  db: {image: db}\n\
                    networks:\n  n: {external: {name: x}}\nvolumes:\n  v:\nsecrets:\n  s: {file: ./s}\n";
        let mut once = parse_one(text, FileId::NONE).unwrap();
        canonical::canonicalize(&mut once).unwrap();
        paths::resolve(&mut once, Path::new("/p"), None);
        let mut twice = once.clone();
        canonical::canonicalize(&mut twice).unwrap();
        paths::resolve(&mut twice, Path::new("/q"), None);
        assert_eq!(once.to_json(), twice.to_json());
    }
}
