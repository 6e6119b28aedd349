//! Canonical form: every short syntax rewritten to its long form, on the tree.
//!
//! Runs after merging and validation, so shapes are known to be ones the schema accepts; what
//! remains to check here is the content of strings (a port spec, a volume spec, a shell
//! command). The rewrites are listed in [`SERVICE_RULES`] and [`RESOURCE_RULES`], keyed by path.

use super::diagnostic::{index, join, Diagnostic};
use super::syntax;
use super::yaml::{Map, Node, Value};

type Rule = fn(&mut Node, &str) -> Result<(), Diagnostic>;

/// Rewrites applied to keys of each service (`services.<name>.<key>`), by dotted path below the
/// service.
const SERVICE_RULES: &[(&str, Rule)] = &[
    ("build", build_with_context),
    ("build.args", mapping_with_equals),
    ("build.labels", mapping),
    ("build.additional_contexts", mapping),
    ("build.extra_hosts", extra_hosts),
    ("build.secrets", file_references),
    ("build.ssh", ssh),
    ("build.tags", string_list),
    ("command", shell_command),
    ("entrypoint", shell_command),
    ("environment", mapping_with_equals),
    ("labels", mapping),
    ("annotations", mapping),
    ("sysctls", mapping),
    ("storage_opt", mapping),
    ("deploy.labels", mapping),
    ("logging.options", mapping),
    ("extra_hosts", extra_hosts),
    ("depends_on", depends_on),
    ("networks", service_networks),
    ("ports", ports),
    ("expose", string_list),
    ("volumes", volumes),
    ("secrets", file_references),
    ("configs", file_references),
    ("env_file", env_file),
    ("label_file", string_list),
    ("dns", string_list),
    ("dns_search", string_list),
    ("dns_opt", string_list),
    ("tmpfs", string_list),
    ("devices", devices),
    ("gpus", gpus),
    ("deploy.resources.reservations.devices", device_requests),
    ("healthcheck.test", healthcheck_test),
    ("extends", extends),
    ("volumes_from", string_list),
    ("pre_start", hooks),
    ("post_start", hooks),
    ("pre_stop", hooks),
    ("develop.watch", watch_exec),
    ("build.provenance", scalar_string),
    ("build.sbom", scalar_string),
    ("models", service_models),
    ("provider.options", provider_options),
];

/// Rewrites applied to each entry of the top-level sections.
const RESOURCE_RULES: &[(&str, Rule)] =
    &[("networks", external_resource), ("volumes", external_resource), ("secrets", external_resource), ("configs", external_resource)];

/// The fewer rewrites Docker Compose makes before printing the model it has not interpolated
/// (`config --no-interpolate`): the other short forms stay as written, and a port list that
/// does not parse (it may hold `${VARIABLES}`) is kept whole.
const MODEL_SERVICE_RULES: &[(&str, Rule)] = &[
    ("build", build_with_context),
    ("build.secrets", short_file_references),
    ("build.additional_contexts", mapping),
    ("build.ssh", ssh_mapping),
    ("depends_on", depends_on),
    ("networks", service_networks),
    ("ports", ports_unless_unparsable),
    ("volumes", volumes),
    ("secrets", short_secret_references),
    ("configs", short_file_references),
    ("env_file", env_file),
    ("devices", devices),
    ("gpus", gpus_model),
    ("deploy.resources.reservations.devices", device_requests_model),
    ("dns", string_list),
    ("extends", extends),
];

const MODEL_RESOURCE_RULES: &[(&str, Rule)] =
    &[("networks", legacy_external), ("volumes", legacy_external), ("secrets", legacy_external), ("configs", legacy_external)];

/// Rewrites the whole document in place into the canonical form the typed model is decoded
/// from.
pub fn canonicalize(root: &mut Node) -> Result<(), Diagnostic> {
    apply(root, SERVICE_RULES, RESOURCE_RULES)
}

/// Rewrites the document as Docker Compose does before printing an uninterpolated model.
pub fn canonicalize_model(root: &mut Node) -> Result<(), Diagnostic> {
    apply(root, MODEL_SERVICE_RULES, MODEL_RESOURCE_RULES)
}

fn apply(root: &mut Node, service_rules: &[(&str, Rule)], resource_rules: &[(&str, Rule)]) -> Result<(), Diagnostic> {
    let Some(top) = root.as_map_mut() else { return Ok(()) };
    if let Some(services) = top.get_mut("services").and_then(Node::as_map_mut) {
        for (name, service) in services.iter_mut() {
            let base = join("services", name);
            if service.is_null() {
                service.value = Value::Map(Map::default());
            }
            for (path, rule) in service_rules {
                if let Some(node) = find_mut(service, path) {
                    rule(node, &join(&base, path))?;
                }
            }
        }
    }
    for (section, rule) in resource_rules {
        if let Some(entries) = top.get_mut(*section).and_then(Node::as_map_mut) {
            for (name, node) in entries.iter_mut() {
                if name.starts_with("x-") {
                    continue;
                }
                rule(node, &join(&join(section, name), ""))?;
            }
        }
    }
    Ok(())
}

fn find_mut<'a>(node: &'a mut Node, path: &str) -> Option<&'a mut Node> {
    let mut cur = node;
    for seg in path.split('.') {
        cur = cur.get_mut(seg)?;
    }
    Some(cur)
}

fn err(node: &Node, path: &str, msg: impl Into<String>) -> Diagnostic {
    Diagnostic::new(node.report_pos(), path, msg)
}

/// Replaces a node's value, keeping its positions.
fn set(node: &mut Node, value: Value) {
    node.value = value;
}

fn str_node(template: &Node, s: impl Into<String>) -> Node {
    Node { value: Value::Str(s.into()), pos: template.pos, key_pos: None, tag: Default::default() }
}

fn map_node(template: &Node, m: Map) -> Node {
    Node { value: Value::Map(m), pos: template.pos, key_pos: None, tag: Default::default() }
}

/// `build: ./dir` → `build: {context: ./dir}`.
fn build(node: &mut Node, _path: &str) -> Result<(), Diagnostic> {
    if let Some(ctx) = node.as_str() {
        let mut m = Map::default();
        m.insert("context".into(), str_node(node, ctx));
        set(node, Value::Map(m));
    }
    Ok(())
}

/// [`build`], and a build without a `context` builds the project directory.
fn build_with_context(node: &mut Node, path: &str) -> Result<(), Diagnostic> {
    build(node, path)?;
    if let Some(m) = node.as_map_mut() {
        m.entry("context".into()).or_insert_with(|| Node::string("."));
    }
    Ok(())
}

/// A string becomes a one-item list; scalars in a list become strings.
fn string_list(node: &mut Node, _path: &str) -> Result<(), Diagnostic> {
    match &mut node.value {
        Value::Str(_) | Value::Int(_) | Value::Float(_) | Value::Bool(_) => {
            let item = str_node(node, node.scalar_text().unwrap_or_default());
            set(node, Value::Seq(vec![item]));
        }
        Value::Seq(items) => {
            for item in items.iter_mut() {
                if let Some(t) = item.scalar_text() {
                    item.value = Value::Str(t);
                }
            }
        }
        _ => {}
    }
    Ok(())
}

/// `command: echo "a b"` → `["echo", "a b"]`, split as a POSIX shell would.
fn shell_command(node: &mut Node, path: &str) -> Result<(), Diagnostic> {
    if let Some(s) = node.as_str() {
        let words = shell_words::split(s).map_err(|e| err(node, path, format!("invalid command line {s:?}: {e}")))?;
        let items = words.into_iter().map(|w| str_node(node, w)).collect();
        set(node, Value::Seq(items));
    } else {
        string_list(node, path)?;
    }
    Ok(())
}

/// `pre_start` / `post_start` / `pre_stop`: a list of [`hook`]s.
fn hooks(node: &mut Node, path: &str) -> Result<(), Diagnostic> {
    for (i, item) in node.as_seq_mut().into_iter().flatten().enumerate() {
        hook(item, &index(path, i))?;
    }
    Ok(())
}

/// Each watch rule's `exec`, a [`hook`].
fn watch_exec(node: &mut Node, path: &str) -> Result<(), Diagnostic> {
    for (i, rule) in node.as_seq_mut().into_iter().flatten().enumerate() {
        if let Some(exec) = rule.get_mut("exec") {
            hook(exec, &join(&index(path, i), "exec"))?;
        }
        // A single pattern may be written as a string (compose-go 2.9, Docker Compose 2.40).
        for key in ["ignore", "include"] {
            if let Some(patterns) = rule.get_mut(key) {
                string_list(patterns, &join(&index(path, i), key))?;
            }
        }
    }
    Ok(())
}

/// A command run in a container: its `command` as [`shell_command`], its `environment` as
/// [`mapping_with_equals`].
fn hook(node: &mut Node, path: &str) -> Result<(), Diagnostic> {
    if let Some(command) = node.get_mut("command") {
        shell_command(command, &join(path, "command"))?;
    }
    if let Some(environment) = node.get_mut("environment") {
        mapping_with_equals(environment, &join(path, "environment"))?;
    }
    Ok(())
}

/// A scalar that may be written as a boolean or a number, kept as its text
/// (`provenance: true` → `"true"`).
fn scalar_string(node: &mut Node, _path: &str) -> Result<(), Diagnostic> {
    if let Some(t) = node.scalar_text() {
        set(node, Value::Str(t));
    }
    Ok(())
}

/// A service's `models`: a list of names → names mapped to nothing.
fn service_models(node: &mut Node, _path: &str) -> Result<(), Diagnostic> {
    if let Some(items) = node.as_seq() {
        let m: Map = items.iter().filter_map(|i| i.scalar_text().map(|t| (t, Node { tag: Default::default(), ..Node::null() }))).collect();
        set(node, Value::Map(m));
    }
    Ok(())
}

/// `provider.options`: every value a list of strings, as compose-go keeps them.
fn provider_options(node: &mut Node, path: &str) -> Result<(), Diagnostic> {
    for (key, value) in node.as_map_mut().into_iter().flatten() {
        string_list(value, &join(path, key))?;
    }
    Ok(())
}

/// `healthcheck.test: cmd` → `["CMD-SHELL", "cmd"]`.
fn healthcheck_test(node: &mut Node, path: &str) -> Result<(), Diagnostic> {
    if let Some(s) = node.as_str() {
        let items = vec![str_node(node, "CMD-SHELL"), str_node(node, s)];
        set(node, Value::Seq(items));
    } else {
        string_list(node, path)?;
    }
    Ok(())
}

/// A `KEY=VALUE` list or a mapping → a mapping of strings (a missing value becomes `""`).
fn mapping(node: &mut Node, path: &str) -> Result<(), Diagnostic> {
    to_mapping(node, path, false)
}

/// Like [`mapping`], but a key with no value stays `null` (environment, build args).
fn mapping_with_equals(node: &mut Node, path: &str) -> Result<(), Diagnostic> {
    to_mapping(node, path, true)
}

fn to_mapping(node: &mut Node, path: &str, keep_null: bool) -> Result<(), Diagnostic> {
    let mut out = Map::default();
    match &node.value {
        Value::Seq(items) => {
            for (i, item) in items.iter().enumerate() {
                let Some(text) = item.scalar_text() else {
                    return Err(err(item, &index(path, i), "expected a KEY=VALUE string"));
                };
                let (k, v) = match text.split_once('=') {
                    Some((k, v)) => (k.to_string(), Node { value: Value::Str(v.to_string()), ..item.clone() }),
                    None if keep_null => (text.clone(), Node { value: Value::Null, ..item.clone() }),
                    None => (text.clone(), Node { value: Value::Str(String::new()), ..item.clone() }),
                };
                out.insert(k, v);
            }
        }
        Value::Map(m) => {
            for (k, v) in m {
                let mut v = v.clone();
                v.value = match &v.value {
                    Value::Null if keep_null => Value::Null,
                    Value::Null => Value::Str(String::new()),
                    _ => match v.scalar_text() {
                        Some(t) => Value::Str(t),
                        None => {
                            return Err(err(&v, &join(path, k), format!("must be a string, a number or a boolean, not {}", v.kind_name())))
                        }
                    },
                };
                out.insert(k.clone(), v);
            }
        }
        Value::Null => {}
        _ => return Err(err(node, path, "must be a mapping or a list of KEY=VALUE strings")),
    }
    set(node, Value::Map(out));
    Ok(())
}

/// `extra_hosts` → a list of `host=ip`; a mapping value may itself be a list of addresses.
fn extra_hosts(node: &mut Node, path: &str) -> Result<(), Diagnostic> {
    let mut out = Vec::new();
    match &node.value {
        Value::Seq(items) => {
            for item in items {
                let text = item.scalar_text().unwrap_or_default();
                // `host=ip` is the canonical form; `host:ip` the legacy one (ip may hold colons).
                let entry = match (text.find('='), text.find(':')) {
                    (Some(_), _) => text,
                    (None, Some(c)) => format!("{}={}", &text[..c], &text[c + 1..]),
                    (None, None) => text,
                };
                out.push(str_node(item, entry));
            }
        }
        Value::Map(m) => {
            for (host, v) in m {
                match &v.value {
                    Value::Seq(ips) => {
                        for ip in ips {
                            out.push(str_node(ip, format!("{host}={}", ip.scalar_text().unwrap_or_default())));
                        }
                    }
                    _ => out.push(str_node(v, format!("{host}={}", v.scalar_text().unwrap_or_default()))),
                }
            }
        }
        _ => return Err(err(node, path, "must be a mapping or a list of host:ip strings")),
    }
    // Compose keeps host entries sorted by name.
    out.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
    set(node, Value::Seq(out));
    Ok(())
}

/// `depends_on: [a]` → `{a: {condition: service_started, required: true}}`; defaults filled
/// in for the long form.
fn depends_on(node: &mut Node, path: &str) -> Result<(), Diagnostic> {
    let mut out = Map::default();
    match &node.value {
        Value::Seq(items) => {
            for item in items {
                let Some(name) = item.as_str() else {
                    return Err(err(item, path, "expected a service name"));
                };
                out.insert(name.to_string(), map_node(item, Map::default()));
            }
        }
        Value::Map(m) => {
            for (k, v) in m {
                let mut v = v.clone();
                if v.is_null() {
                    v.value = Value::Map(Map::default());
                }
                out.insert(k.clone(), v);
            }
        }
        _ => return Err(err(node, path, "must be a list of service names or a mapping")),
    }
    for v in out.values_mut() {
        if let Some(m) = v.as_map_mut() {
            if !m.contains_key("condition") {
                m.insert("condition".into(), Node::string("service_started"));
            }
            if !m.contains_key("required") {
                m.insert("required".into(), Node::synthetic(Value::Bool(true)));
            }
        }
    }
    set(node, Value::Map(out));
    Ok(())
}

/// `networks: [a, b]` → `{a: null, b: null}`.
fn service_networks(node: &mut Node, _path: &str) -> Result<(), Diagnostic> {
    if let Value::Seq(items) = &node.value {
        let mut out = Map::default();
        for item in items {
            let name = item.scalar_text().unwrap_or_default();
            out.insert(name, Node { value: Value::Null, ..item.clone() });
        }
        set(node, Value::Map(out));
    }
    Ok(())
}

/// Short port specs become one long entry per port; long entries get their defaults.
fn ports(node: &mut Node, path: &str) -> Result<(), Diagnostic> {
    let Some(items) = node.as_seq() else { return Ok(()) };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let p = index(path, i);
        match &item.value {
            Value::Map(m) => {
                let mut m = m.clone();
                if let Some(published) = m.get_mut("published") {
                    if let Some(t) = published.scalar_text() {
                        published.value = Value::Str(t);
                    }
                }
                if let Some(target) = m.get_mut("target") {
                    if let Some(t) = target.as_str() {
                        let n: u32 =
                            t.parse().map_err(|_| err(target, &join(&p, "target"), format!("invalid port {t:?}: expected a number")))?;
                        target.value = Value::Int(n as i64);
                    }
                }
                out.push(map_node(item, port_defaults(m)));
            }
            _ => out.extend(short_port(item, &p)?),
        }
    }
    set(node, Value::Seq(out));
    Ok(())
}

/// Like [`ports`], but long entries are kept as written apart from their defaults, and a list
/// with a short spec that does not parse is left whole (numbers must still parse).
fn ports_unless_unparsable(node: &mut Node, path: &str) -> Result<(), Diagnostic> {
    let Some(items) = node.as_seq() else { return Ok(()) };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        match &item.value {
            Value::Map(m) => out.push(map_node(item, port_defaults(m.clone()))),
            Value::Str(s) if syntax::parse_port(s).is_err() => return Ok(()),
            _ => out.extend(short_port(item, &index(path, i))?),
        }
    }
    set(node, Value::Seq(out));
    Ok(())
}

fn port_defaults(mut m: Map) -> Map {
    m.entry("mode".into()).or_insert_with(|| Node::string("ingress"));
    m.entry("protocol".into()).or_insert_with(|| Node::string("tcp"));
    m
}

/// One long port entry per port of a short spec (`8000-8001:80-81` is two).
fn short_port(item: &Node, path: &str) -> Result<Vec<Node>, Diagnostic> {
    let text = item.scalar_text().unwrap_or_default();
    let specs = syntax::parse_port(&text).map_err(|e| err(item, path, e))?;
    Ok(specs
        .into_iter()
        .map(|spec| {
            let mut m = Map::default();
            m.insert("mode".into(), str_node(item, "ingress"));
            if !spec.host_ip.is_empty() {
                m.insert("host_ip".into(), str_node(item, spec.host_ip));
            }
            m.insert("target".into(), Node { value: Value::Int(spec.target as i64), ..str_node(item, "") });
            if !spec.published.is_empty() {
                m.insert("published".into(), str_node(item, spec.published));
            }
            m.insert("protocol".into(), str_node(item, spec.protocol));
            map_node(item, m)
        })
        .collect())
}

/// Short volume specs (`src:dst:ro`) become long mounts.
fn volumes(node: &mut Node, path: &str) -> Result<(), Diagnostic> {
    let Some(items) = node.as_seq_mut() else { return Ok(()) };
    for (i, item) in items.iter_mut().enumerate() {
        if let Some(text) = item.as_str() {
            let spec = syntax::parse_volume(text).map_err(|e| err(item, &index(path, i), e))?;
            let json = serde_json::to_value(&spec).unwrap_or_default();
            let mut new = Node::from_json(&json);
            reposition(&mut new, item.pos);
            *item = new;
        }
        if let Some(labels) = item.get_mut("volume").and_then(|v| v.get_mut("labels")) {
            mapping(labels, &join(&index(path, i), "volume.labels"))?;
        }
        // Container paths are cleaned (`/data/` → `/data`), as Compose does.
        if let Some(target) = item.get_mut("target") {
            if let Some(t) = target.as_str() {
                target.value = Value::Str(super::paths::clean(std::path::Path::new(t)).display().to_string());
            }
        }
    }
    Ok(())
}

/// Gives every node of a synthetic subtree the position it was made from.
fn reposition(node: &mut Node, pos: super::diagnostic::Pos) {
    node.pos = pos;
    match &mut node.value {
        Value::Seq(items) => items.iter_mut().for_each(|n| reposition(n, pos)),
        Value::Map(m) => m.values_mut().for_each(|n| reposition(n, pos)),
        _ => {}
    }
}

/// `secrets: [name]` → `[{source: name}]`, nothing else.
fn short_file_references(node: &mut Node, _path: &str) -> Result<(), Diagnostic> {
    for item in node.as_seq_mut().into_iter().flatten() {
        if let Some(name) = item.as_str() {
            let mut m = Map::default();
            m.insert("source".into(), str_node(item, name));
            item.value = Value::Map(m);
        }
    }
    Ok(())
}

/// [`short_file_references`]; in the long entries, `uid` and `gid` become strings and a `mode`
/// written as a string becomes a number.
fn file_references(node: &mut Node, path: &str) -> Result<(), Diagnostic> {
    short_file_references(node, path)?;
    let Some(items) = node.as_seq_mut() else { return Ok(()) };
    for (i, item) in items.iter_mut().enumerate() {
        let Some(m) = item.as_map_mut() else { continue };
        for key in ["uid", "gid"] {
            if let Some(v) = m.get_mut(key) {
                if let Some(t) = v.scalar_text() {
                    v.value = Value::Str(t);
                }
            }
        }
        if let Some(mode) = m.get_mut("mode") {
            if let Some(t) = mode.as_str() {
                let n = u32::from_str_radix(t.trim_start_matches("0o"), 8).map_err(|_| {
                    err(mode, &join(&index(path, i), "mode"), format!("invalid file mode {t:?}: expected an octal number such as 0440"))
                })?;
                mode.value = Value::Int(n as i64);
            }
        }
    }
    Ok(())
}

/// `env_file: a.env` or `[a.env, {path: b.env, required: false}]` → long entries.
fn env_file(node: &mut Node, path: &str) -> Result<(), Diagnostic> {
    string_list_keep_maps(node);
    let Some(items) = node.as_seq_mut() else { return Ok(()) };
    for item in items.iter_mut() {
        if let Some(p) = item.as_str() {
            let mut m = Map::default();
            m.insert("path".into(), str_node(item, p));
            m.insert("required".into(), Node::synthetic(Value::Bool(true)));
            item.value = Value::Map(m);
        } else if let Some(m) = item.as_map_mut() {
            m.entry("required".into()).or_insert_with(|| Node::synthetic(Value::Bool(true)));
        }
    }
    let _ = path;
    Ok(())
}

fn string_list_keep_maps(node: &mut Node) {
    if let Some(s) = node.as_str() {
        let item = str_node(node, s);
        node.value = Value::Seq(vec![item]);
    }
}

/// `build.ssh`: a mapping `{id: path}` → `["id=path"]`.
fn ssh(node: &mut Node, path: &str) -> Result<(), Diagnostic> {
    if let Some(m) = node.as_map() {
        let items = m
            .iter()
            .map(|(k, v)| match v.scalar_text() {
                Some(p) if !p.is_empty() => str_node(v, format!("{k}={p}")),
                _ => str_node(v, k.clone()),
            })
            .collect();
        node.value = Value::Seq(items);
        return Ok(());
    }
    string_list(node, path)
}

/// `build.ssh: [default, id=path]` → `{default: null, id: path}`.
fn ssh_mapping(node: &mut Node, path: &str) -> Result<(), Diagnostic> {
    to_mapping(node, path, true)
}

/// [`short_file_references`], and each secret without a `target` gets `/run/secrets/<source>`.
fn short_secret_references(node: &mut Node, path: &str) -> Result<(), Diagnostic> {
    short_file_references(node, path)?;
    secret_targets(node);
    Ok(())
}

/// A default Docker Compose sets once the files are merged, normalized or not: a service's
/// secret without a `target` is mounted at `/run/secrets/<source>`.
pub fn default_secret_targets(root: &mut Node) {
    let services = root.get_mut("services").and_then(Node::as_map_mut);
    for service in services.into_iter().flat_map(|s| s.values_mut()) {
        if let Some(secrets) = service.get_mut("secrets") {
            secret_targets(secrets);
        }
    }
}

fn secret_targets(secrets: &mut Node) {
    for m in secrets.as_seq_mut().into_iter().flatten().filter_map(Node::as_map_mut) {
        if !m.contains_key("target") {
            if let Some(source) = m.get("source").and_then(Node::scalar_text) {
                m.insert("target".into(), Node::string(format!("/run/secrets/{source}")));
            }
        }
    }
}

/// `devices: ["/dev/a:/dev/b:rwm"]` → `[{source, target, permissions}]`.
fn devices(node: &mut Node, path: &str) -> Result<(), Diagnostic> {
    let Some(items) = node.as_seq_mut() else { return Ok(()) };
    for (i, item) in items.iter_mut().enumerate() {
        if let Some(text) = item.as_str() {
            let parts: Vec<&str> = text.split(':').collect();
            let (source, target, perms) = match parts.as_slice() {
                [s] => (*s, *s, "rwm"),
                [s, t] => {
                    if is_device_permissions(t) {
                        (*s, *s, *t)
                    } else {
                        (*s, *t, "rwm")
                    }
                }
                [s, t, p] => (*s, *t, *p),
                _ => return Err(err(item, &index(path, i), format!("invalid device {text:?}: expected source[:target[:permissions]]"))),
            };
            let mut m = Map::default();
            m.insert("source".into(), str_node(item, source));
            m.insert("target".into(), str_node(item, target));
            m.insert("permissions".into(), str_node(item, perms));
            item.value = Value::Map(m);
        }
    }
    Ok(())
}

/// `gpus: all` → `[{count: all}]`, then [`device_requests`].
fn gpus(node: &mut Node, path: &str) -> Result<(), Diagnostic> {
    gpus_all(node);
    device_requests(node, path)
}

/// [`gpus`] for the uninterpolated model: `options` lists stay lists.
fn gpus_model(node: &mut Node, path: &str) -> Result<(), Diagnostic> {
    gpus_all(node);
    device_requests_model(node, path)
}

fn gpus_all(node: &mut Node) {
    if node.as_str() == Some("all") {
        let mut m = Map::default();
        m.insert("count".into(), str_node(node, "all"));
        let item = map_node(node, m);
        set(node, Value::Seq(vec![item]));
    }
}

/// Requests for devices (`gpus`, `deploy.resources.reservations.devices`): one that names
/// neither a `count` nor `device_ids` asks for all devices (`count: all`), and `options`
/// written as a list is a mapping.
fn device_requests(node: &mut Node, path: &str) -> Result<(), Diagnostic> {
    device_requests_model(node, path)?;
    for (i, item) in node.as_seq_mut().into_iter().flatten().enumerate() {
        if let Some(options) = item.get_mut("options") {
            mapping(options, &join(&index(path, i), "options"))?;
        }
    }
    Ok(())
}

/// [`device_requests`] for the uninterpolated model: only the default count.
fn device_requests_model(node: &mut Node, _path: &str) -> Result<(), Diagnostic> {
    for item in node.as_seq_mut().into_iter().flatten() {
        let template = item.clone();
        let Some(m) = item.as_map_mut() else { continue };
        if !m.contains_key("count") && !m.contains_key("device_ids") {
            m.insert("count".into(), str_node(&template, "all"));
        }
    }
    Ok(())
}

fn is_device_permissions(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| matches!(c, 'r' | 'w' | 'm'))
}

/// `extends: web` → `extends: {service: web}`.
fn extends(node: &mut Node, _path: &str) -> Result<(), Diagnostic> {
    if let Some(s) = node.as_str() {
        let mut m = Map::default();
        m.insert("service".into(), str_node(node, s));
        node.value = Value::Map(m);
    }
    Ok(())
}

/// A top-level resource: `null` → `{}`; `labels` as a list → a mapping, then [`legacy_external`].
fn external_resource(node: &mut Node, path: &str) -> Result<(), Diagnostic> {
    if node.is_null() {
        node.value = Value::Map(Map::default());
    }
    if let Some(labels) = node.get_mut("labels") {
        mapping(labels, &join(path.trim_end_matches('.'), "labels"))?;
    }
    legacy_external(node, path)
}

/// A top-level resource: the legacy `external: {name: x}` → `name: x` and `external: true`.
fn legacy_external(node: &mut Node, path: &str) -> Result<(), Diagnostic> {
    let Some(m) = node.as_map_mut() else { return Ok(()) };
    let legacy_name = m.get("external").and_then(|e| e.get("name")).and_then(|n| n.scalar_text());
    if let Some(ext) = m.get_mut("external") {
        if ext.as_map().is_some() {
            ext.value = Value::Bool(true);
        }
    }
    if let Some(name) = legacy_name {
        if let Some(existing) = m.get("name").and_then(|n| n.as_str()) {
            if existing != name {
                let at = m.get("name").unwrap();
                return Err(err(at, path.trim_end_matches('.'), format!("name {existing:?} conflicts with external.name {name:?}")));
            }
        }
        m.insert("name".into(), Node::string(name));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loader::diagnostic::FileId;
    use crate::loader::yaml::parse_one;

    fn canon(text: &str) -> serde_json::Value {
        let mut n = parse_one(text, FileId::NONE).unwrap();
        canonicalize(&mut n).unwrap();
        n.to_json()
    }

    #[test]
    fn short_forms_become_long() {
        let j = canon(
            "services:\n  a:\n    build: .\n    command: echo \"a b\" c\n    environment: [A=1, B]\n    depends_on: [db]\n    networks: [n]\n    healthcheck: {test: curl x}\n    labels: {n: 42, e: null}\n",
        );
        let a = &j["services"]["a"];
        assert_eq!(a["build"]["context"], ".");
        assert_eq!(a["command"], serde_json::json!(["echo", "a b", "c"]));
        assert_eq!(a["environment"], serde_json::json!({"A": "1", "B": null}));
        assert_eq!(a["depends_on"]["db"], serde_json::json!({"condition": "service_started", "required": true}));
        assert_eq!(a["networks"], serde_json::json!({"n": null}));
        assert_eq!(a["healthcheck"]["test"], serde_json::json!(["CMD-SHELL", "curl x"]));
        assert_eq!(a["labels"], serde_json::json!({"n": "42", "e": ""}));
    }

    #[test]
    fn port_ranges_expand() {
        let j = canon("services:\n  a:\n    ports: [\"9090-9091:8080-8081\", 3000]\n");
        let ports = j["services"]["a"]["ports"].as_array().unwrap();
        assert_eq!(ports.len(), 3);
        assert_eq!(ports[1]["published"], "9091");
        assert_eq!(ports[1]["target"], 8081);
        assert_eq!(ports[2]["target"], 3000);
    }

    #[test]
    fn bad_port_names_the_item() {
        let mut n = parse_one("services:\n  a:\n    ports:\n      - \"80800:80\"\n", FileId::NONE).unwrap();
        let e = canonicalize(&mut n).unwrap_err();
        assert_eq!(e.path, "services.a.ports[0]");
        assert_eq!(e.pos.line, 4);
    }

    #[test]
    fn legacy_external_name() {
        let j = canon("volumes:\n  v:\n    external:\n      name: real\n");
        assert_eq!(j["volumes"]["v"], serde_json::json!({"external": true, "name": "real"}));
    }

    #[test]
    fn unbalanced_quotes_in_command_are_errors() {
        let mut n = parse_one("services:\n  a:\n    command: echo \"oops\n", FileId::NONE).unwrap();
        let e = canonicalize(&mut n).unwrap_err();
        assert_eq!(e.path, "services.a.command");
    }
}
