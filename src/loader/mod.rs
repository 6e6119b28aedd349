//! The compose loader: files in, typed [`crate::model::Project`] out, as a pipeline of passes.
//!
//! Tree passes (each a function over [`Node`], positions kept):
//! read → parse → interpolate → validate → merge files → canonical → paths → decode.
//! Then the typed passes run on the model:
//! environment resolution → normalize → profiles → consistency → pruning.
//! See `ARCHITECTURE.md` for why this order.
//!
//! The loader never talks to the engine.

pub mod canonical;
pub mod consistency;
pub mod decode;
pub mod diagnostic;
pub mod dotenv;
pub mod env;
pub mod extends;
pub mod include;
pub mod interpolate;
pub mod limits;
pub mod memo;
pub mod merge;
pub mod normalize;
pub mod paths;
pub mod profiles;
pub mod resolve;
pub mod source;
pub mod syntax;
pub mod uninterpolated;
pub mod validate;
pub mod yaml;

pub use diagnostic::{Diagnostic, FileId, Pos};
pub use env::{Environment, Origin};
pub use yaml::{Map, Node, Tag, Value};

use std::path::{Path, PathBuf};

use crate::model::Project;

/// What the command line and environment say about where and how to load.
#[derive(Clone, Debug)]
pub struct Options {
    /// `-f` files in order (`-` is standard input); empty means discover.
    pub files: Vec<PathBuf>,
    pub project_name: Option<String>,
    pub project_dir: Option<PathBuf>,
    pub profiles: Vec<String>,
    pub env_files: Vec<PathBuf>,
    /// Services named on the command line: their profiles count as active.
    pub services: Vec<String>,
    pub interpolate: bool,
    pub normalize: bool,
    pub consistency: bool,
    /// Make relative paths absolute (off with `config --no-path-resolution`).
    pub resolve_paths: bool,
    /// The directory the command runs in.
    pub cwd: PathBuf,
    /// The process environment.
    pub environ: Vec<(String, String)>,
    /// Where to remember documents already found valid ([`memo`]); none: validate every time.
    pub validation_memo: Option<PathBuf>,
    /// Set by [`load_uninterpolated`]: included files get the lighter rewrites too.
    pub uninterpolated_model: bool,
    /// Keep the resources no service uses (`--all-resources`).
    pub all_resources: bool,
    /// `--compatibility`: names joined with `_`.
    pub compatibility: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            files: Vec::new(),
            project_name: None,
            project_dir: None,
            profiles: Vec::new(),
            env_files: Vec::new(),
            services: Vec::new(),
            interpolate: true,
            normalize: true,
            consistency: true,
            resolve_paths: true,
            cwd: std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/")),
            environ: std::env::vars().collect(),
            validation_memo: None,
            uninterpolated_model: false,
            all_resources: false,
            compatibility: false,
        }
    }
}

/// A loaded project and what loading it had to say.
#[derive(Debug)]
pub struct Loaded {
    pub project: Project,
    /// The interpolation environment, with each variable's origin.
    pub environment: Environment,
    /// Non-fatal problems (unset variables, obsolete keys), to show the user.
    pub warnings: Vec<String>,
    /// The variables the files refer to, in order of first use (for `config --variables`).
    pub variables: Vec<interpolate::Reference>,
}

/// Loads a project: the whole pipeline.
pub fn load(opts: &Options) -> Result<Loaded, Diagnostic> {
    let Merged { mut tree, name, project_dir, files, env_files, environment, warnings, variables, home } = merge_files(opts)?;
    canonical::canonicalize(&mut tree)?;
    merge::enforce_unicity(&mut tree)?;
    if opts.resolve_paths {
        paths::resolve(&mut tree, &project_dir, home.as_deref());
    }
    canonical::default_secret_targets(&mut tree);

    let mut project = decode::decode(&tree)?;
    project.name = name;
    project.working_dir = project_dir;
    project.config_files = files.iter().map(|f| if f == Path::new("-") { f.clone() } else { absolutize(f, &opts.cwd) }).collect();
    project.env_files = env_files;
    project.positions = engine_dependent_positions(&tree);
    project.compatibility = opts.compatibility;

    resolve::resolve_environment(&mut project, &environment)?;
    resolve::read_seccomp_profiles(&mut project);
    if opts.normalize {
        normalize::normalize(&mut project, &environment);
    }
    let mut active_profiles = opts.profiles.clone();
    if active_profiles.is_empty() {
        if let Some(p) = environment.get("COMPOSE_PROFILES") {
            active_profiles = p.split(',').map(str::trim).filter(|s| !s.is_empty()).map(String::from).collect();
        }
    }
    profiles::apply(&mut project, &active_profiles, &opts.services);
    if opts.consistency {
        consistency::check(&project, &tree)?;
        if let Some(cycle) = crate::graph::Graph::new(&project).find_cycle() {
            let first = &cycle.cycle[0];
            let pos = tree.find(&["services", first.as_str(), "depends_on"]).report_pos();
            return Err(Diagnostic::new(pos, format!("services.{first}.depends_on"), cycle.to_string()));
        }
    }
    if opts.all_resources {
        project.all_resources = true;
    } else {
        profiles::prune_unused(&mut project);
    }
    Ok(Loaded { project, environment, warnings, variables })
}

/// The model `config --no-interpolate` prints, as Docker Compose prints it: the merged files
/// with `${VARIABLES}` as written, only the rewrites that need no typed value, the defaults, and
/// every service whatever its profiles. Returns the model and the loader's warnings.
pub fn load_uninterpolated(opts: &Options) -> Result<(serde_json::Value, Vec<String>), Diagnostic> {
    let opts = Options { interpolate: false, uninterpolated_model: true, ..opts.clone() };
    let Merged { mut tree, name, project_dir, home, warnings, .. } = merge_files(&opts)?;
    canonical::canonicalize_model(&mut tree)?;
    merge::enforce_unicity(&mut tree)?;
    if opts.resolve_paths {
        paths::resolve(&mut tree, &project_dir, home.as_deref());
    }
    if opts.normalize {
        uninterpolated::normalize(&mut tree, &name);
    }
    Ok((uninterpolated::to_sorted_json(&tree), warnings))
}

/// The variables the files refer to (in order of first use), the environment they would take
/// their values from, and the project directory, for `config --variables`. Like Docker Compose,
/// the files are only read and merged, not interpolated nor checked for consistency: a file
/// whose required variable is unset can still be asked what it needs.
pub fn variables(opts: &Options) -> Result<(Vec<interpolate::Reference>, Environment, PathBuf, Vec<String>), Diagnostic> {
    let opts = Options { interpolate: false, ..opts.clone() };
    let Merged { variables, environment, project_dir, warnings, .. } = merge_files(&opts)?;
    Ok((variables, environment, project_dir, warnings))
}

/// The names of the services the files declare, every profile included, for shell completion:
/// the files are found and parsed as [`load`] finds and parses them, and only the keys of their
/// `services` are read (no interpolation, validation or typing: service names are keys, which
/// are never interpolated). `None` when a file includes others (`include:` brings services only
/// a full [`load`] knows).
pub fn service_names(opts: &Options) -> Result<Option<Vec<String>>, Diagnostic> {
    let mut warnings = Vec::new();
    let mut environment = Environment::from_process(opts.environ.iter().cloned());
    let provisional_dir = opts.project_dir.clone().map(|d| absolutize(&d, &opts.cwd)).unwrap_or_else(|| opts.cwd.clone());
    environment.add_env_files(&env::env_files(&opts.env_files, &provisional_dir, &opts.cwd)?)?;
    let mut names = indexmap::IndexSet::new();
    for file in source::config_files(opts, &environment, &mut warnings)? {
        let doc = read_file(&file)?;
        let Some(top) = doc.as_map() else { continue };
        if top.contains_key("include") {
            return Ok(None);
        }
        if let Some(services) = top.get("services").and_then(Node::as_map) {
            names.extend(services.keys().cloned());
        }
    }
    let mut names: Vec<String> = names.into_iter().collect();
    names.sort();
    Ok(Some(names))
}

/// What the tree passes make of the files before the model is typed.
struct Merged {
    tree: Node,
    name: String,
    project_dir: PathBuf,
    files: Vec<PathBuf>,
    env_files: Vec<PathBuf>,
    environment: Environment,
    warnings: Vec<String>,
    variables: Vec<interpolate::Reference>,
    home: Option<PathBuf>,
}

/// Finds the files, the project directory, name and environment, then reads, interpolates,
/// extends, includes and validates each file and merges them into one tree.
fn merge_files(opts: &Options) -> Result<Merged, Diagnostic> {
    let mut warnings = Vec::new();
    let mut environment = Environment::from_process(opts.environ.iter().cloned());

    // Where the project lives decides which `.env` is read, and `.env` may name the files.
    let provisional_dir = opts.project_dir.clone().map(|d| absolutize(&d, &opts.cwd)).unwrap_or_else(|| opts.cwd.clone());
    let pre_env_files = env::env_files(&opts.env_files, &provisional_dir, &opts.cwd)?;
    environment.add_env_files(&pre_env_files)?;

    let files = source::config_files(opts, &environment, &mut warnings)?;
    let project_dir = source::project_dir(opts, &files);
    let env_files = env::reread_for(&mut environment, opts, &pre_env_files, &project_dir)?;

    // Parse every file, and find the project name before interpolating the rest: the name is
    // visible to interpolation as COMPOSE_PROJECT_NAME.
    let mut docs = Vec::new();
    for file in &files {
        docs.push(read_file(file)?);
    }
    let mut variables = Vec::new();
    for doc in &docs {
        collect_references(doc, &mut variables);
    }
    let name = source::project_name(opts, &environment, &mut docs, &project_dir, &mut warnings)?;
    environment.set(
        "COMPOSE_PROJECT_NAME",
        &name,
        match environment.origin("COMPOSE_PROJECT_NAME") {
            Some(o) => o.clone(),
            None => Origin::Compose,
        },
    );

    let home = environment.get("HOME").map(PathBuf::from);
    let loaded = std::cell::Cell::new(0);
    let cx = FileContext { opts, project_dir: &project_dir, environment: &environment, home: home.as_deref(), chain: &[], loaded: &loaded };
    let mut tree = Node::null();
    for (file, node) in files.iter().zip(docs) {
        let node = process_file(file, node, &cx, &mut warnings)?;
        tree = merge::merge(tree, node)?;
        merge::enforce_unicity(&mut tree)?;
    }
    if tree.is_null() {
        tree = Node::map(Map::default());
    }
    if let Some(m) = tree.as_map_mut() {
        if m.shift_remove("version").is_some() {
            warnings.push("the top-level `version` key is obsolete and ignored".into());
        }
        // The name is decided above; the uninterpolated model prints it as written when it
        // is not normalized.
        if !opts.uninterpolated_model {
            m.shift_remove("name");
        }
    }

    Ok(Merged { tree, name, project_dir, files, env_files, environment, warnings, variables, home })
}

/// Every variable reference in the string values of a tree (keys are not interpolated).
fn collect_references(node: &Node, out: &mut Vec<interpolate::Reference>) {
    match &node.value {
        Value::Str(s) if s.contains('$') => out.extend(interpolate::references(s)),
        Value::Seq(items) => items.iter().for_each(|n| collect_references(n, out)),
        Value::Map(m) => m.values().for_each(|n| collect_references(n, out)),
        _ => {}
    }
}

/// What the per-file passes need to know about the unit being loaded.
struct FileContext<'a> {
    opts: &'a Options,
    /// The directory relative `extends.file` and `include` paths are read from.
    project_dir: &'a Path,
    environment: &'a Environment,
    home: Option<&'a Path>,
    /// The files that include this one, outermost first (for include cycles).
    chain: &'a [PathBuf],
    /// The included projects loaded so far by this load (bounded by `limits`).
    loaded: &'a std::cell::Cell<usize>,
}

/// The passes run on each file before files are merged: interpolate, extends, include,
/// validate.
fn process_file(file: &Path, mut node: Node, cx: &FileContext, warnings: &mut Vec<String>) -> Result<Node, Diagnostic> {
    let lookup = cx.environment.lookup();
    if cx.opts.interpolate {
        interpolate::interpolate(&mut node, &lookup, warnings)?;
    }
    let ecx = extends::Context {
        file,
        dir: cx.project_dir,
        lookup: cx.opts.interpolate.then_some(&lookup as extends::Lookup),
        resolve_paths: cx.opts.resolve_paths,
        home: cx.home,
        canonical: if cx.opts.uninterpolated_model { canonical::canonicalize_model } else { canonical::canonicalize },
    };
    extends::apply(&mut node, &ecx, warnings)?;
    let mut chain = cx.chain.to_vec();
    chain.push(file.to_path_buf());
    let scope = include::Scope {
        dir: cx.project_dir,
        environment: cx.environment,
        chain: &chain,
        resolve_paths: cx.opts.resolve_paths,
        loaded: cx.loaded,
    };
    include::apply(&mut node, &scope, &mut |unit| load_unit(unit, cx.opts, cx.loaded, warnings))?;
    match &cx.opts.validation_memo {
        Some(dir) => memo::Memo::new(dir).validate(&node)?,
        None => validate::validate(&node)?,
    }
    Ok(node)
}

/// Loads an included project through the same tree passes, with its own directory and
/// environment. Its paths are always made absolute against its own base, so they keep their
/// meaning once imported.
fn load_unit(unit: include::Unit, opts: &Options, loaded: &std::cell::Cell<usize>, warnings: &mut Vec<String>) -> Result<Node, Diagnostic> {
    let home = unit.environment.get("HOME").map(PathBuf::from);
    let cx = FileContext {
        opts,
        project_dir: &unit.project_dir,
        environment: &unit.environment,
        home: home.as_deref(),
        chain: &unit.chain,
        loaded,
    };
    let mut merged = Node::null();
    for file in &unit.files {
        let node = read_file(file)?;
        let node = process_file(file, node, &cx, warnings)?;
        merged = merge::merge(merged, node)?;
    }
    if let Some(m) = merged.as_map_mut() {
        m.shift_remove("name");
        m.shift_remove("version");
    }
    if opts.uninterpolated_model {
        canonical::canonicalize_model(&mut merged)?;
    } else {
        canonical::canonicalize(&mut merged)?;
    }
    paths::resolve(&mut merged, &unit.path_base, home.as_deref());
    Ok(merged)
}

/// Reads and parses one compose file; several YAML documents are merged in order.
fn read_file(file: &Path) -> Result<Node, Diagnostic> {
    let text = source::read(file)?;
    let id = source::file_id(file);
    // The first document is kept as written (its `!reset` tags apply to earlier files); later
    // documents of the same file are merged onto it.
    let mut docs = yaml::parse(&text, id)?.into_iter();
    let mut node = docs.next().unwrap_or_else(Node::null);
    for doc in docs {
        node = merge::merge(node, doc)?;
    }
    if node.is_null() {
        return Err(Diagnostic::new(Pos::new(id, 0, 0), "", "empty compose file: expected a mapping with a `services:` key"));
    }
    if node.as_map().is_none() {
        return Err(Diagnostic::new(node.pos, "", format!("a compose file must be a mapping, not {}", node.kind_name())));
    }
    Ok(node)
}

/// `["services", "web", "ports", "0"]` → `services.web.ports[0]`.
/// The positions of the keys whose support depends on the engine (`type: image` volumes, the
/// keys of a service a Swarm ignores), by key path: only the planner, which knows the engine,
/// can refuse them.
fn engine_dependent_positions(tree: &Node) -> std::collections::BTreeMap<String, String> {
    let mut out = std::collections::BTreeMap::new();
    let Some(services) = tree.get("services").and_then(Node::as_map) else { return out };
    for (name, service) in services {
        // Each key of a service, for the keys a Swarm cannot honour (`stack deploy`).
        for (key, value) in service.as_map().into_iter().flatten() {
            out.insert(format!("services.{name}.{key}"), value.report_pos().to_string());
        }
        // `per_replica` of each `pre_start` hook, which the planner refuses when true.
        for (i, hook) in service.get("pre_start").and_then(Node::as_seq).into_iter().flatten().enumerate() {
            if let Some(v) = hook.get("per_replica") {
                out.insert(format!("services.{name}.pre_start[{i}].per_replica"), v.report_pos().to_string());
            }
        }
        let Some(volumes) = service.get("volumes").and_then(Node::as_seq) else { continue };
        for (i, v) in volumes.iter().enumerate() {
            if v.get("type").and_then(Node::as_str) == Some(crate::model::MOUNT_IMAGE) {
                out.insert(format!("services.{name}.volumes[{i}]"), v.report_pos().to_string());
            }
        }
    }
    out
}

pub fn dotted<S: AsRef<str>>(segments: &[S]) -> String {
    let mut out = String::new();
    for s in segments {
        let s = s.as_ref();
        if !out.is_empty() && s.parse::<usize>().is_ok() {
            out.push_str(&format!("[{s}]"));
        } else {
            out = diagnostic::join(&out, s);
        }
    }
    out
}

pub(crate) fn absolutize(p: &Path, cwd: &Path) -> PathBuf {
    paths::clean(&if p.is_absolute() { p.to_path_buf() } else { cwd.join(p) })
}

#[cfg(test)]
pub(crate) mod testing;
#[cfg(test)]
mod tests;
