//! What `config` prints: the project in canonical form (YAML or JSON, as Docker Compose prints
//! it), or one of its lists.

pub mod bake;
pub mod graph;

use serde_json::Value as Json;

use crate::loader::interpolate::{Op, Reference};
use crate::loader::{self, Diagnostic, Environment, Origin};
use crate::model::Project;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigFormat {
    Yaml,
    Json,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigQuery {
    Model(ConfigFormat),
    Services,
    Volumes,
    Networks,
    Images,
    Profiles,
    Hash(String),
    Variables,
    /// `--models`: the models the project uses, one per line.
    Models,
    /// `--environment`: the variables interpolation sees, `KEY=value`, sorted.
    Environment,
    /// `--lock-image-digests`: an override file pinning each service's image (the project's
    /// images are pinned by the `adjust` step).
    LockedImages(ConfigFormat),
}

/// Loads the project and renders the query. Returns the text and the loader's warnings.
pub fn render(opts: &loader::Options, selected: &[String], query: &ConfigQuery) -> Result<(String, Vec<String>), Diagnostic> {
    render_with(opts, selected, query, |_| Ok(()))
}

/// Like [`render`], with `adjust` applied to the loaded and selected project before the model
/// is printed (`--resolve-image-digests` pins its images); the lists are printed as loaded.
pub fn render_with(
    opts: &loader::Options,
    selected: &[String],
    query: &ConfigQuery,
    adjust: impl FnOnce(&mut Project) -> Result<(), Diagnostic>,
) -> Result<(String, Vec<String>), Diagnostic> {
    if let (ConfigQuery::Model(format), false) = (query, opts.interpolate) {
        // Like Docker Compose, the uninterpolated model is the whole merged files: neither the
        // services named nor the profiles select anything.
        // Docker Compose exits 1 for any error on this path, not 14 or 15.
        let (mut model, warnings) =
            loader::load_uninterpolated(opts).map_err(|d| Diagnostic { kind: loader::diagnostic::Kind::Other, ..d })?;
        if *format == ConfigFormat::Json {
            let kept: Vec<&str> = REBUILT_LISTS.iter().chain(if opts.normalize { &[][..] } else { UNNORMALIZED_LISTS }).copied().collect();
            nil_empty_lists(&mut model, &mut Vec::new(), &kept);
        }
        return Ok((json_text(model, *format), warnings));
    }
    if *query == ConfigQuery::Variables {
        let (variables, environment, project_dir, warnings) = loader::variables(opts)?;
        return Ok((variables_table(&variables, &environment, &project_dir), warnings));
    }
    let loaded = loader::load(opts)?;
    let mut project = loaded.project;
    if !selected.is_empty() {
        for name in selected {
            if !project.services.contains_key(name) {
                return Err(Diagnostic::plain(format!("no such service: {name}")));
            }
        }
        let keep = crate::graph::Graph::new(&project).with_dependencies(selected);
        project.services.retain(|k, _| keep.contains(k));
        if !opts.all_resources {
            loader::profiles::prune_unused(&mut project);
        }
    }
    if let ConfigQuery::Model(_) | ConfigQuery::LockedImages(_) = query {
        adjust(&mut project)?;
    }
    let text = match query {
        ConfigQuery::Model(format) => model_text(&project, *format, opts.interpolate),
        ConfigQuery::Services => lines(project.services.keys()),
        ConfigQuery::Volumes => lines(project.volumes.keys()),
        ConfigQuery::Networks => lines(project.networks.keys()),
        ConfigQuery::Images => lines(project.services.values().map(|s| crate::reconcile::labels::image_name(&project, s))),
        ConfigQuery::Profiles => lines(loader::profiles::all_profiles(&project).iter()),
        ConfigQuery::Hash(which) => hashes(&project, which)?,
        ConfigQuery::Variables => variables_table(&loaded.variables, &loaded.environment, &project.working_dir),
        ConfigQuery::Models => {
            let models: std::collections::BTreeSet<&str> = project.models.values().map(|m| m.model.as_str()).collect();
            lines(models)
        }
        ConfigQuery::Environment => {
            let mut vars: Vec<String> = loaded.environment.iter().map(|(k, v)| format!("{k}={v}")).collect();
            vars.sort();
            lines(vars)
        }
        ConfigQuery::LockedImages(format) => json_text(locked_images(&project, *format), *format),
    };
    Ok((text, loaded.warnings))
}

/// The override file `--lock-image-digests` prints, shaped as Docker Compose prints it: each
/// service with its (pinned) image, or nothing for one that only builds; JSON also carries the
/// empty project name and the nil `command` and `entrypoint` of Go's zero service.
fn locked_images(project: &Project, format: ConfigFormat) -> Json {
    let services = project
        .services
        .values()
        .map(|s| {
            let mut service = serde_json::Map::new();
            if format == ConfigFormat::Json {
                service.insert("command".into(), Json::Null);
                service.insert("entrypoint".into(), Json::Null);
            }
            if !s.image.is_empty() {
                service.insert("image".into(), Json::String(s.image.clone()));
            }
            (s.name.clone(), Json::Object(service))
        })
        .collect();
    let mut top = serde_json::Map::new();
    if format == ConfigFormat::Json {
        top.insert("name".into(), Json::String(String::new()));
    }
    top.insert("services".into(), Json::Object(services));
    Json::Object(top)
}

/// `service hash` lines, sorted by service, for `*` or a comma-separated list of services.
fn hashes(project: &Project, which: &str) -> Result<String, Diagnostic> {
    let mut names: Vec<&str> =
        if which == "*" { project.services.keys().map(String::as_str).collect() } else { which.split(',').collect() };
    names.sort_unstable();
    let mut text = String::new();
    for name in names {
        let Some(service) = project.services.get(name) else {
            let why = if project.disabled_services.contains_key(name) { "disabled" } else { "not found" };
            return Err(Diagnostic::plain(format!("no such service: {name}: {why}")));
        };
        text.push_str(&format!("{name} {}\n", crate::reconcile::hash::config_hash(project, service)));
    }
    Ok(text)
}

/// One row per variable: its value and where the value comes from (the shell, an env file, or
/// the default written in the file), whether it is required, and the default and alternate
/// values written in the files.
fn variables_table(refs: &[Reference], env: &Environment, project_dir: &std::path::Path) -> String {
    /// What the files say of one variable.
    struct Row {
        name: String,
        required: bool,
        default: Option<String>,
        alternate: Option<String>,
    }
    let mut rows: Vec<Row> = Vec::new();
    for r in refs {
        let i = match rows.iter().position(|row| row.name == r.name) {
            Some(i) => i,
            None => {
                rows.push(Row { name: r.name.clone(), required: false, default: None, alternate: None });
                rows.len() - 1
            }
        };
        let row = &mut rows[i];
        match r.op {
            Some(Op::DefaultIfEmpty | Op::DefaultIfUnset) if row.default.is_none() => row.default = Some(r.arg.clone()),
            Some(Op::AltIfNonEmpty | Op::AltIfSet) if row.alternate.is_none() => row.alternate = Some(r.arg.clone()),
            Some(Op::RequireNonEmpty | Op::RequireSet) => row.required = true,
            _ => {}
        }
    }
    let cells: Vec<Vec<String>> = rows
        .into_iter()
        .map(|Row { name, required, default, alternate }| {
            let (value, source) = match (env.get(&name), env.origin(&name)) {
                (Some(v), Some(Origin::EnvFile(p))) => (v.to_string(), p.strip_prefix(project_dir).unwrap_or(p).display().to_string()),
                (Some(v), Some(o)) => (v.to_string(), o.to_string()),
                (None, _) => match &default {
                    Some(d) => (d.clone(), "default in file".to_string()),
                    None => (String::new(), "unset".to_string()),
                },
                (Some(v), None) => (v.to_string(), String::new()),
            };
            let yes_no = if required { "yes" } else { "no" };
            vec![name, value, source, yes_no.to_string(), default.unwrap_or_default(), alternate.unwrap_or_default()]
        })
        .collect();
    use crate::go::tabwriter::{layout, Line};
    let header = ["NAME", "VALUE", "SOURCE", "REQUIRED", "DEFAULT", "ALTERNATE"].map(String::from);
    let lines: Vec<Line> = std::iter::once(header.to_vec()).chain(cells).map(Line::row).collect();
    layout(&lines, 0, 3)
}

fn lines<I: IntoIterator<Item = T>, T: std::fmt::Display>(items: I) -> String {
    items.into_iter().map(|i| format!("{i}\n")).collect()
}

/// The whole model, shaped as Docker Compose prints it for each format. After interpolation
/// every `$` is printed as `$$`, so that the output can be loaded again unchanged.
pub fn model_text(project: &Project, format: ConfigFormat, escape_dollars: bool) -> String {
    let mut value = serde_json::to_value(project).unwrap_or(Json::Null);
    sort_extensions(&mut value);
    if escape_dollars {
        escape(&mut value);
    }
    match format {
        ConfigFormat::Json => {
            // Compose prints extensions only at the top level in JSON, and the top level with
            // sorted keys (the project is written as a Go map).
            strip_nested_extensions(&mut value, 0);
            if let Some(top) = value.as_object_mut() {
                // compose-go's `models` has no JSON name: Docker Compose 2.40.3 leaves it out.
                top.remove("models");
                top.sort_keys();
            }
            // They are kept as they were read: an empty list is a nil slice.
            for (_, extension) in value.as_object_mut().into_iter().flatten().filter(|(k, _)| k.starts_with("x-")) {
                nil_empty_lists(extension, &mut Vec::new(), &[]);
            }
        }
        ConfigFormat::Yaml => yaml_shape(&mut value),
    }
    json_text(value, format)
}

fn json_text(value: Json, format: ConfigFormat) -> String {
    match format {
        ConfigFormat::Json => crate::reconcile::hash::go_json_indent(&value),
        ConfigFormat::Yaml => crate::go::yaml::to_string(&value),
    }
}

/// The empty lists Docker Compose prints `[]` in the JSON of the uninterpolated model: those a
/// compose-go pass rebuilds (mostly the lists it makes unique). Any other empty list is still
/// the nil slice the YAML was read into, and prints `null` (in JSON only: YAML prints `[]`).
const REBUILT_LISTS: &[&str] = &[
    "services.*.annotations",
    "services.*.build.labels",
    "services.*.build.tags",
    "services.*.cap_add",
    "services.*.cap_drop",
    "services.*.configs",
    "services.*.deploy.labels",
    "services.*.devices",
    "services.*.dns",
    "services.*.dns_opt",
    "services.*.dns_search",
    "services.*.env_file",
    "services.*.expose",
    "services.*.labels",
    "services.*.links",
    "services.*.networks.*.aliases",
    "services.*.networks.*.link_local_ips",
    "services.*.ports",
    "services.*.profiles",
    "services.*.secrets",
    "services.*.sysctls",
    "services.*.tmpfs",
    "services.*.volumes",
    "networks.*.labels",
];

/// Lists normalization turns back into nil slices: `[]` in the JSON of a model neither
/// interpolated nor normalized.
const UNNORMALIZED_LISTS: &[&str] = &["services.*.environment", "services.*.build.args"];

/// Empty lists under `v` (at `path`) become `null`, but for those at a `kept` path.
fn nil_empty_lists(v: &mut Json, path: &mut Vec<String>, kept: &[&str]) {
    let is_kept = |path: &[String]| {
        kept.iter().any(|p| p.split('.').count() == path.len() && p.split('.').zip(path).all(|(p, s)| p == "*" || p == s))
    };
    match v {
        Json::Array(items) if items.is_empty() && !is_kept(path) => *v = Json::Null,
        Json::Array(items) => {
            for item in items {
                path.push("[]".into());
                nil_empty_lists(item, path, kept);
                path.pop();
            }
        }
        Json::Object(m) => {
            for (k, child) in m.iter_mut() {
                path.push(k.clone());
                nil_empty_lists(child, path, kept);
                path.pop();
            }
        }
        _ => {}
    }
}

/// Extensions are Go maps, printed with sorted keys at every level.
fn sort_extensions(v: &mut Json) {
    match v {
        Json::Object(m) => {
            for (k, child) in m.iter_mut() {
                if k.starts_with("x-") {
                    sort_keys(child);
                } else {
                    sort_extensions(child);
                }
            }
        }
        Json::Array(items) => items.iter_mut().for_each(sort_extensions),
        _ => {}
    }
}

fn sort_keys(v: &mut Json) {
    match v {
        Json::Object(m) => {
            m.sort_keys();
            m.values_mut().for_each(sort_keys);
        }
        Json::Array(items) => items.iter_mut().for_each(sort_keys),
        _ => {}
    }
}

fn escape(v: &mut Json) {
    match v {
        Json::String(s) if s.contains('$') => *s = s.replace('$', "$$"),
        Json::Object(m) => m.values_mut().for_each(escape),
        Json::Array(items) => items.iter_mut().for_each(escape),
        _ => {}
    }
}

fn strip_nested_extensions(v: &mut Json, depth: usize) {
    match v {
        Json::Object(m) => {
            if depth > 0 {
                m.retain(|k, _| !k.starts_with("x-"));
            }
            for (k, child) in m.iter_mut() {
                if depth == 0 && k.starts_with("x-") {
                    continue;
                }
                strip_nested_extensions(child, depth + 1);
            }
        }
        Json::Array(items) => items.iter_mut().for_each(|i| strip_nested_extensions(i, depth + 1)),
        _ => {}
    }
}

/// Where Docker Compose's YAML differs from its JSON (the model serializes as the JSON): Go's
/// YAML encoder leaves out `command: null` / `entrypoint: null`, an empty `ipam`, and the
/// `deploy.placement` and `deploy.resources` structs when they are empty, and a watch rule's
/// unset `exec` (`{command: null}` in JSON); `blkio_config` devices have lower-case keys; a `ulimits` entry
/// that is not a single number is written with both `soft` and `hard`, zeros included.
fn yaml_shape(v: &mut Json) {
    if let Some(services) = v.get_mut("services").and_then(Json::as_object_mut) {
        for s in services.values_mut().filter_map(Json::as_object_mut) {
            s.retain(|k, v| !((k == "command" || k == "entrypoint") && v.is_null()));
            if let Some(deploy) = s.get_mut("deploy").and_then(Json::as_object_mut) {
                deploy.retain(|k, v| !((k == "placement" || k == "resources") && is_empty_object(v)));
            }
            let blkio = s.get_mut("blkio_config").and_then(Json::as_object_mut);
            for device in blkio.into_iter().flat_map(|b| b.values_mut()).filter_map(Json::as_array_mut).flatten() {
                if let Some(device) = device.as_object_mut() {
                    *device = std::mem::take(device).into_iter().map(|(k, v)| (k.to_lowercase(), v)).collect();
                }
            }
            let rules = s.get_mut("develop").and_then(|d| d.get_mut("watch")).and_then(Json::as_array_mut);
            for rule in rules.into_iter().flatten().filter_map(Json::as_object_mut) {
                rule.retain(|k, v| !(k == "exec" && *v == serde_json::json!({ "command": null })));
            }
            let build_ulimits = s.get_mut("build").and_then(|b| b.get_mut("ulimits")).and_then(Json::as_object_mut);
            for limit in build_ulimits.into_iter().flat_map(|u| u.values_mut()) {
                ulimit_with_zeros(limit);
            }
            for limit in s.get_mut("ulimits").and_then(Json::as_object_mut).into_iter().flat_map(|u| u.values_mut()) {
                ulimit_with_zeros(limit);
            }
        }
    }
    if let Some(networks) = v.get_mut("networks").and_then(Json::as_object_mut) {
        for n in networks.values_mut().filter_map(Json::as_object_mut) {
            n.retain(|k, v| !(k == "ipam" && is_empty_object(v)));
        }
    }
}

fn is_empty_object(v: &Json) -> bool {
    v.as_object().is_some_and(|o| o.is_empty())
}

/// `{hard: 10}` → `{soft: 0, hard: 10}`; a number stays a number.
fn ulimit_with_zeros(limit: &mut Json) {
    if let Some(range) = limit.as_object() {
        let field = |k: &str| range.get(k).cloned().unwrap_or(Json::from(0));
        *limit = serde_json::json!({ "soft": field("soft"), "hard": field("hard") });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(dir: &std::path::Path) -> loader::Options {
        loader::Options { cwd: dir.to_path_buf(), environ: Vec::new(), interpolate: false, ..loader::Options::default() }
    }

    #[test]
    fn the_uninterpolated_model_keeps_variables_in_ports() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("compose.yaml"), "services:\n  web:\n    image: x\n    ports: [\"${PORT:-8080}:80\"]\n").unwrap();
        let (text, _) = render(&options(dir.path()), &[], &ConfigQuery::Model(ConfigFormat::Json)).unwrap();
        let model: Json = serde_json::from_str(&text).unwrap();
        assert_eq!(model["services"]["web"]["ports"], serde_json::json!(["${PORT:-8080}:80"]));
    }

    #[test]
    fn variables_are_listed_from_files_that_would_not_load() {
        let dir = tempfile::tempdir().unwrap();
        let yaml = "services:\n  web:\n    image: \"app:${TAG:?set a tag}\"\n    depends_on: [missing]\n";
        std::fs::write(dir.path().join("compose.yaml"), yaml).unwrap();
        let opts = loader::Options { interpolate: true, ..options(dir.path()) };
        let (text, _) = render(&opts, &[], &ConfigQuery::Variables).unwrap();
        let row = text.lines().find(|l| l.starts_with("TAG ")).unwrap_or_else(|| panic!("no TAG row in\n{text}"));
        assert!(row.contains("unset") && row.contains("yes"), "{row}");
    }

    #[test]
    fn errors_of_the_uninterpolated_model_exit_1_like_docker_compose() {
        let dir = tempfile::tempdir().unwrap();
        // No compose file: 14 on the typed path, 1 here.
        let e = render(&options(dir.path()), &[], &ConfigQuery::Model(ConfigFormat::Yaml)).unwrap_err();
        assert_eq!(e.exit_code(), 1);
        std::fs::write(dir.path().join("compose.yaml"), "services:\n  web:\n    image: x\n    ports: [80000]\n").unwrap();
        let e = render(&options(dir.path()), &[], &ConfigQuery::Model(ConfigFormat::Yaml)).unwrap_err();
        assert_eq!((e.path.as_str(), e.exit_code()), ("services.web.ports[0]", 1));
    }

    /// What Docker Compose 2.26.1 prints in YAML where its JSON differs (checked by hand with
    /// `docker compose config`; the JSON side is the `zero-values-devices` sample).
    #[test]
    fn yaml_writes_ulimit_zeros_and_leaves_out_empty_deploy_structs() {
        let dir = tempfile::tempdir().unwrap();
        let yaml = "services:\n  web:\n    image: x\n    ulimits: {core: 0, nofile: {soft: 0, hard: 3}, nproc: 7}\n    deploy: {replicas: 2}\n    build: {context: ., ulimits: {core: 0}}\n  db:\n    image: x\n    deploy: {}\n";
        std::fs::write(dir.path().join("compose.yaml"), yaml).unwrap();
        let opts = loader::Options { interpolate: true, ..options(dir.path()) };
        let text = |format| render(&opts, &[], &ConfigQuery::Model(format)).unwrap().0;
        let json: Json = serde_json::from_str(&text(ConfigFormat::Json)).unwrap();
        let yaml: Json = serde_yaml::from_str(&text(ConfigFormat::Yaml)).unwrap();
        let web = |model: &Json, key: &str| model["services"]["web"][key].clone();
        assert_eq!(web(&json, "ulimits"), serde_json::json!({"core": {}, "nofile": {"hard": 3}, "nproc": 7}));
        assert_eq!(
            web(&yaml, "ulimits"),
            serde_json::json!({"core": {"soft": 0, "hard": 0}, "nofile": {"soft": 0, "hard": 3}, "nproc": 7})
        );
        assert_eq!(web(&yaml, "build")["ulimits"], serde_json::json!({"core": {"soft": 0, "hard": 0}}));
        assert_eq!(web(&json, "deploy"), serde_json::json!({"replicas": 2, "resources": {}, "placement": {}}));
        assert_eq!(web(&yaml, "deploy"), serde_json::json!({"replicas": 2}));
        assert_eq!(yaml["services"]["db"]["deploy"], serde_json::json!({}));
    }

    /// A watch rule's unset `exec` is `{command: null}` in Docker Compose's JSON (the
    /// `empty-lists` sample) and left out of its YAML.
    #[test]
    fn yaml_leaves_out_an_unset_watch_exec() {
        let dir = tempfile::tempdir().unwrap();
        let yaml = "services:\n  web:\n    image: x\n    develop: {watch: [{path: ., action: rebuild}]}\n";
        std::fs::write(dir.path().join("compose.yaml"), yaml).unwrap();
        let opts = loader::Options { interpolate: true, ..options(dir.path()) };
        let text = |format| render(&opts, &[], &ConfigQuery::Model(format)).unwrap().0;
        let json: Json = serde_json::from_str(&text(ConfigFormat::Json)).unwrap();
        let yaml: Json = serde_yaml::from_str(&text(ConfigFormat::Yaml)).unwrap();
        let rule = |model: &Json| model["services"]["web"]["develop"]["watch"][0].clone();
        assert_eq!(rule(&json)["exec"], serde_json::json!({"command": null}));
        assert_eq!(rule(&yaml), serde_json::json!({"path": dir.path().to_str().unwrap(), "action": "rebuild"}));
    }

    /// Docker Compose writes block-I/O devices with Go's field names in JSON (the
    /// `blkio-watch-exec` sample) and lower-case ones in YAML, the rate a string of bytes in both.
    #[test]
    fn yaml_writes_blkio_devices_in_lower_case() {
        let dir = tempfile::tempdir().unwrap();
        let yaml = "services:\n  web:\n    image: x\n    blkio_config: {weight_device: [{path: /dev/sda, weight: 400}], device_read_bps: [{path: /dev/sda, rate: 1kb}]}\n";
        std::fs::write(dir.path().join("compose.yaml"), yaml).unwrap();
        let opts = loader::Options { interpolate: true, ..options(dir.path()) };
        let text = render(&opts, &[], &ConfigQuery::Model(ConfigFormat::Yaml)).unwrap().0;
        let yaml: Json = serde_yaml::from_str(&text).unwrap();
        let expected = serde_json::json!({"weight_device": [{"path": "/dev/sda", "weight": 400}], "device_read_bps": [{"path": "/dev/sda", "rate": "1024"}]});
        assert_eq!(yaml["services"]["web"]["blkio_config"], expected);
    }

    /// The JSON text as Go writes it (compared byte for byte with Docker Compose's by hand):
    /// top-level keys and extension keys sorted, HTML characters escaped.
    #[test]
    fn json_is_written_as_go_writes_it() {
        let dir = tempfile::tempdir().unwrap();
        let yaml = "x-b: {z: 1, a: 2}\nservices:\n  web:\n    image: x\n    command: [\"a && b < c\"]\n    volumes: [\"vol:/data\"]\nvolumes:\n  vol:\n";
        std::fs::write(dir.path().join("compose.yaml"), yaml).unwrap();
        let opts = loader::Options { interpolate: true, ..options(dir.path()) };
        let text = render(&opts, &[], &ConfigQuery::Model(ConfigFormat::Json)).unwrap().0;
        let model: Json = serde_json::from_str(&text).unwrap();
        let keys: Vec<&String> = model.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["name", "networks", "services", "volumes", "x-b"]);
        assert_eq!(model["x-b"].as_object().unwrap().keys().collect::<Vec<_>>(), ["a", "z"]);
        assert!(text.contains(r#""a \u0026\u0026 b \u003c c""#), "{text}");
    }
}
