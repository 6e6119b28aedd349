//! Merging the compose files given with repeated `-f`.
//!
//! Docker Compose folds each file onto the result of the previous ones on the raw YAML tree,
//! before interpolation and before short syntax is made long. By default mappings merge key by
//! key, scalars are replaced and sequences are appended. Where compose does something else the
//! rule is in [`MERGE_RULES`], keyed by path pattern: `command` is replaced, `environment`
//! written as a mapping in one file and as a list in the other merges as a `K=V` list, a
//! `logging` block with another driver replaces the old one, and so on. Keys starting with
//! `x-` (extensions) are replaced whole, as Docker Compose v2.26 does.
//!
//! Appending leaves redefinitions behind (`80:80` twice in `ports`, two volumes on one
//! target), so after each merge [`enforce_unicity`] keeps one entry per key in the sequences
//! listed in [`UNIQUE_KEYS`]: the later entry takes the place of the earlier one.
//!
//! An override file can tag a value `!reset` (the key is removed, whatever the base held) or
//! `!override` (the value replaces the base's instead of merging with it). The tags are
//! consumed here: the merged tree carries none, so `merge(Node::null(), first)` also turns a
//! lone file into a tag-free tree.
//!
//! Every node keeps the position it had in the file that provided it; a node this pass builds
//! (`K=V` made from a mapping entry, a network name turned into a key) takes the position of
//! the entry it was made from.

use super::diagnostic::{Diagnostic, Pos};
use super::yaml::{format_float, Map, Node, Tag, Value};

/// How the values at a path merge when both files define them.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Rule {
    /// The override replaces the base whole.
    Replace,
    /// Both sides become `K=V` lists (a mapping entry `K: V` is `K=V`, `K: null` is `K`, a
    /// scalar is a one-item list), then the override's entries are appended.
    KeyValueList,
    /// [`Rule::KeyValueList`], dropping override entries the base already has.
    ExtraHosts,
    /// A list of names becomes a mapping from each name to null, then mappings merge.
    NameMap,
    /// A list of services becomes `{name: {condition: service_started, required: true}}`, then
    /// mappings merge.
    DependsOn,
    /// A string is the build context; then mappings merge.
    Build,
    /// Mappings merge when both sides name the same driver (or one names none); otherwise the
    /// override replaces the base, as options make no sense for another driver.
    Logging,
    /// Entries merge by `subnet`; entries with a new subnet are appended.
    IpamConfig,
}

/// Special merge rules by path pattern (`*` matches any one key). Paths not listed merge by
/// the default rules.
const MERGE_RULES: &[(&str, Rule)] = &[
    ("services.*.command", Rule::Replace),
    ("services.*.entrypoint", Rule::Replace),
    ("services.*.healthcheck.test", Rule::Replace),
    // Each ulimit is one value: `nproc: 65535` or `{soft, hard}`, never half of each.
    ("services.*.ulimits.*", Rule::Replace),
    // Flags, like `command`, only make sense as a whole. compose-go appends them (its test
    // expecting a replacement is disabled); Docker Compose v2.26 has no `models` at all.
    ("models.*.runtime_flags", Rule::Replace),
    ("services.*.annotations", Rule::KeyValueList),
    ("services.*.build.args", Rule::KeyValueList),
    ("services.*.build.additional_contexts", Rule::KeyValueList),
    ("services.*.build.labels", Rule::KeyValueList),
    ("services.*.deploy.labels", Rule::KeyValueList),
    ("services.*.dns", Rule::KeyValueList),
    ("services.*.dns_opt", Rule::KeyValueList),
    ("services.*.dns_search", Rule::KeyValueList),
    ("services.*.env_file", Rule::KeyValueList),
    ("services.*.environment", Rule::KeyValueList),
    ("services.*.label_file", Rule::KeyValueList),
    ("services.*.labels", Rule::KeyValueList),
    ("services.*.sysctls", Rule::KeyValueList),
    ("services.*.tmpfs", Rule::KeyValueList),
    ("networks.*.labels", Rule::KeyValueList),
    ("volumes.*.labels", Rule::KeyValueList),
    ("services.*.extra_hosts", Rule::ExtraHosts),
    ("services.*.build.extra_hosts", Rule::ExtraHosts),
    ("services.*.networks", Rule::NameMap),
    ("services.*.models", Rule::NameMap),
    ("services.*.depends_on", Rule::DependsOn),
    ("services.*.build", Rule::Build),
    ("services.*.logging", Rule::Logging),
    ("networks.*.ipam.config", Rule::IpamConfig),
];

/// What identifies an entry of a sequence for [`enforce_unicity`].
#[derive(Clone, Copy, Debug, PartialEq)]
enum UniqueKey {
    /// The text before the first `=` (the whole string when there is none).
    KeyValue,
    /// The container path of a volume (`target`, or parsed from the short syntax).
    VolumeTarget,
    /// The container path of a device (`target`, or the second field of `host:container`).
    DeviceTarget,
    /// The port or range as written.
    Expose,
    /// `target`, else the given directory joined with the name (`/run/secrets/<name>`).
    Mount(&'static str),
    /// The spec as written, or `host_ip:published:target/protocol` for the long syntax.
    Port,
    /// The file path.
    EnvFile,
}

/// Sequences that hold at most one entry per key, by path pattern.
const UNIQUE_KEYS: &[(&str, UniqueKey)] = &[
    ("services.*.annotations", UniqueKey::KeyValue),
    ("services.*.build.args", UniqueKey::KeyValue),
    ("services.*.build.additional_contexts", UniqueKey::KeyValue),
    ("services.*.build.platform", UniqueKey::KeyValue),
    ("services.*.build.tags", UniqueKey::KeyValue),
    ("services.*.build.labels", UniqueKey::KeyValue),
    ("services.*.cap_add", UniqueKey::KeyValue),
    ("services.*.cap_drop", UniqueKey::KeyValue),
    ("services.*.configs", UniqueKey::Mount("")),
    ("services.*.deploy.labels", UniqueKey::KeyValue),
    ("services.*.devices", UniqueKey::DeviceTarget),
    ("services.*.dns", UniqueKey::KeyValue),
    ("services.*.dns_opt", UniqueKey::KeyValue),
    ("services.*.dns_search", UniqueKey::KeyValue),
    ("services.*.env_file", UniqueKey::EnvFile),
    ("services.*.environment", UniqueKey::KeyValue),
    ("services.*.expose", UniqueKey::Expose),
    ("services.*.labels", UniqueKey::KeyValue),
    ("services.*.links", UniqueKey::KeyValue),
    ("services.*.networks.*.aliases", UniqueKey::KeyValue),
    ("services.*.networks.*.link_local_ips", UniqueKey::KeyValue),
    ("services.*.ports", UniqueKey::Port),
    ("services.*.profiles", UniqueKey::KeyValue),
    ("services.*.secrets", UniqueKey::Mount("/run/secrets")),
    ("services.*.sysctls", UniqueKey::KeyValue),
    ("services.*.tmpfs", UniqueKey::KeyValue),
    ("services.*.volumes", UniqueKey::VolumeTarget),
    ("networks.*.labels", UniqueKey::KeyValue),
    ("networks.*.ipam.options", UniqueKey::KeyValue),
];

/// Merges `over` (a later `-f` file) onto `base`. Both are raw trees, as parsed.
pub fn merge(base: Node, over: Node) -> Result<Node, Diagnostic> {
    let base = untag(base);
    if over.tag == Tag::Reset {
        return Ok(Node { value: Value::Map(Map::default()), pos: over.pos, key_pos: None, tag: Tag::None });
    }
    merge_at(base, over, &mut Vec::new())
}

/// Removes, in the sequences listed in [`UNIQUE_KEYS`], the entries that redefine an earlier
/// one: the later entry takes the earlier one's place.
pub fn enforce_unicity(node: &mut Node) -> Result<(), Diagnostic> {
    let mut segments = Vec::new();
    for (pattern, kind) in UNIQUE_KEYS {
        segments.clear();
        segments.extend(pattern.split('.'));
        unicity_along(node, &segments, *kind, &mut Vec::new())?;
    }
    Ok(())
}

/// A key path as segments; sequence indexes are segments like `[2]`.
type Path = Vec<String>;

fn matches(path: &[String], pattern: &str) -> bool {
    // Cheap rejection first: the pattern must have as many segments as the path.
    if pattern.bytes().filter(|b| *b == b'.').count() + 1 != path.len() {
        return false;
    }
    let mut parts = pattern.split('.');
    path.iter().all(|seg| parts.next().is_some_and(|p| p == "*" || p == seg)) && parts.next().is_none()
}

fn display(path: &[String]) -> String {
    let mut out = String::new();
    for seg in path {
        if !out.is_empty() && !seg.starts_with('[') {
            out.push('.');
        }
        out.push_str(seg);
    }
    out
}

fn merge_at(base: Node, over: Node, path: &mut Path) -> Result<Node, Diagnostic> {
    if over.tag == Tag::Override {
        return Ok(untag(over));
    }
    match MERGE_RULES.iter().find(|(pattern, _)| matches(path, pattern)) {
        Some((_, rule)) => apply_rule(*rule, base, over, path),
        None => merge_default(base, over, path),
    }
}

/// Mappings merge, sequences append, scalars are replaced; a null override keeps the base.
fn merge_default(base: Node, over: Node, path: &mut Path) -> Result<Node, Diagnostic> {
    if over.is_null() {
        return Ok(base);
    }
    match (&base.value, &over.value) {
        (Value::Map(_), Value::Map(_)) => merge_maps(base, over, path),
        (Value::Seq(_), Value::Seq(_)) => {
            let mut base = base;
            let Value::Seq(items) = over.value else { unreachable!() };
            if let Value::Seq(all) = &mut base.value {
                all.extend(items.into_iter().map(untag));
            }
            Ok(base)
        }
        (Value::Map(_) | Value::Seq(_), _) => Err(Diagnostic::new(
            over.report_pos(),
            display(path),
            format!("cannot override {} with {}", base.kind_name(), over.kind_name()),
        )),
        _ => Ok(untag(over)),
    }
}

/// Merges two mappings key by key. Keys keep the base's order; new keys come after.
fn merge_maps(mut base: Node, over: Node, path: &mut Path) -> Result<Node, Diagnostic> {
    let (Value::Map(map), Value::Map(entries)) = (&mut base.value, over.value) else {
        unreachable!("merge_maps is only called on two mappings")
    };
    for (key, value) in entries {
        if value.tag == Tag::Reset {
            map.shift_remove(&key);
            continue;
        }
        match map.get_mut(&key) {
            Some(slot) if !key.starts_with("x-") => {
                let prev = std::mem::replace(slot, Node::null());
                path.push(key);
                *slot = merge_at(prev, value, path)?;
                path.pop();
            }
            _ => {
                map.insert(key, untag(value));
            }
        }
    }
    Ok(base)
}

fn apply_rule(rule: Rule, base: Node, over: Node, path: &mut Path) -> Result<Node, Diagnostic> {
    match rule {
        Rule::Replace => Ok(untag(over)),
        Rule::KeyValueList | Rule::ExtraHosts => {
            let (pos, key_pos) = (base.pos, base.key_pos);
            let mut items = key_value_list(untag(base));
            let extra = key_value_list(untag(over));
            if rule == Rule::ExtraHosts {
                let known = items.clone();
                items.extend(extra.into_iter().filter(|e| !known.contains(e)));
            } else {
                items.extend(extra);
            }
            Ok(Node { value: Value::Seq(items), pos, key_pos, tag: Tag::None })
        }
        Rule::NameMap => merge_maps(name_map(base, None), name_map(over, None), path),
        Rule::DependsOn => {
            let started = |pos: Pos| {
                let mut m = Map::default();
                m.insert("condition".to_string(), at(Value::Str("service_started".into()), pos));
                m.insert("required".to_string(), at(Value::Bool(true), pos));
                at(Value::Map(m), pos)
            };
            merge_maps(name_map(base, Some(&started)), name_map(over, Some(&started)), path)
        }
        Rule::Build => merge_maps(build_map(base), build_map(over), path),
        Rule::Logging => match (base.as_map(), over.as_map()) {
            (Some(b), Some(o)) => {
                let same = match (b.get("driver"), o.get("driver")) {
                    (Some(x), Some(y)) => x == y,
                    _ => true,
                };
                if same {
                    merge_maps(base, over, path)
                } else {
                    Ok(untag(over))
                }
            }
            _ => merge_default(base, over, path),
        },
        Rule::IpamConfig => merge_ipam_config(base, over, path),
    }
}

/// A node made by this pass, placed where the value it was made from was written.
fn at(value: Value, pos: Pos) -> Node {
    Node { value, pos, key_pos: Some(pos), tag: Tag::None }
}

/// The `K=V` list form of a list, a mapping or a lone scalar. Mapping entries are sorted, as
/// Docker Compose sorts them (Go maps have no order).
fn key_value_list(node: Node) -> Vec<Node> {
    match node.value {
        Value::Seq(items) => items,
        Value::Null => Vec::new(),
        Value::Map(map) => {
            let mut out: Vec<(String, Pos)> = Vec::new();
            for (key, value) in map {
                let pos = value.report_pos();
                match value.value {
                    Value::Null => out.push((key, pos)),
                    Value::Seq(items) => out.extend(items.iter().map(|i| (format!("{key}={}", go_text(i)), pos))),
                    _ => out.push((format!("{key}={}", go_text(&value)), pos)),
                }
            }
            out.sort_by(|a, b| a.0.cmp(&b.0));
            out.into_iter().map(|(s, pos)| Node::new(Value::Str(s), pos)).collect()
        }
        _ => vec![node],
    }
}

/// A value as Go's `%v` prints it, which is how compose writes `K: V` as `K=V`.
fn go_text(node: &Node) -> String {
    match &node.value {
        Value::Float(f) => go_float(*f),
        Value::Null => String::new(),
        Value::Seq(_) | Value::Map(_) => node.to_json().to_string(),
        _ => node.scalar_text().unwrap_or_default(),
    }
}

/// Go's `%v` for a float64: shortest digits, exponent form below 1e-4 and from 1e6.
fn go_float(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "+Inf".into() } else { "-Inf".into() };
    }
    if f == 0.0 {
        return "0".into();
    }
    let sci = format!("{f:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if (-4..6).contains(&exp) {
        return format_float(f);
    }
    let sign = if exp < 0 { '-' } else { '+' };
    format!("{mantissa}e{sign}{:02}", exp.abs())
}

/// The mapping form of a list of names. `value` makes the value of each name (null when
/// `None`); items that are not scalars are dropped, anything but a list or mapping is empty.
fn name_map(node: Node, value: Option<&dyn Fn(Pos) -> Node>) -> Node {
    let (pos, key_pos) = (node.pos, node.key_pos);
    let map = match node.value {
        Value::Map(_) => return node,
        Value::Seq(items) => {
            let mut map = Map::default();
            for item in items {
                if let Some(name) = item.scalar_text() {
                    let v = value.map_or_else(|| at(Value::Null, item.pos), |f| f(item.pos));
                    map.insert(name, v);
                }
            }
            map
        }
        _ => Map::default(),
    };
    Node { value: Value::Map(map), pos, key_pos, tag: Tag::None }
}

/// `build: ./dir` is `build: {context: ./dir}`.
fn build_map(node: Node) -> Node {
    let (pos, key_pos) = (node.pos, node.key_pos);
    let map = match node.value {
        Value::Map(_) => return node,
        Value::Str(_) => {
            let mut map = Map::default();
            map.insert("context".to_string(), Node { key_pos: Some(pos), ..node });
            map
        }
        _ => Map::default(),
    };
    Node { value: Value::Map(map), pos, key_pos, tag: Tag::None }
}

/// Merges `ipam.config` entries by subnet: a base entry absorbs the override entries with the
/// same subnet, override entries with a new subnet are appended.
///
/// Docker Compose v2.26 does this with a loop that can drop base entries and give an override
/// entry another entry's gateway when subnets differ; this follows the intent (and compose-go's
/// later rewrite) instead.
fn merge_ipam_config(base: Node, over: Node, path: &mut Path) -> Result<Node, Diagnostic> {
    if over.is_null() {
        return Ok(base);
    }
    let (pos, key_pos, over_pos) = (base.pos, base.key_pos, over.report_pos());
    let (Value::Seq(base_items), Value::Seq(over_items)) = (base.value, over.value) else {
        return Err(Diagnostic::new(over_pos, display(path), "ipam config must be a list"));
    };
    let subnet = |n: &Node| n.get("subnet").cloned();
    let mut out = Vec::new();
    for (i, mut entry) in base_items.into_iter().enumerate() {
        path.push(format!("[{i}]"));
        let key = subnet(&entry);
        for o in over_items.iter().filter(|o| subnet(o) == key) {
            entry = if entry.as_map().is_some() && o.as_map().is_some() { merge_maps(entry, o.clone(), path)? } else { untag(o.clone()) };
        }
        path.pop();
        out.push(entry);
    }
    for o in over_items {
        if !out.iter().any(|e| subnet(e) == subnet(&o)) {
            out.push(untag(o));
        }
    }
    Ok(Node { value: Value::Seq(out), pos, key_pos, tag: Tag::None })
}

/// Drops `!reset` mapping entries and clears the tags of a subtree that is not merged with
/// anything: the tags mean nothing once the value is in the merged tree.
fn untag(mut node: Node) -> Node {
    node.tag = Tag::None;
    match &mut node.value {
        Value::Map(map) => {
            if map.values().any(|v| v.tag == Tag::Reset) {
                map.retain(|_, v| v.tag != Tag::Reset);
            }
            for v in map.values_mut() {
                *v = untag(std::mem::replace(v, Node::null()));
            }
        }
        Value::Seq(items) => {
            for v in items.iter_mut() {
                *v = untag(std::mem::replace(v, Node::null()));
            }
        }
        _ => {}
    }
    node
}

/// Descends along a pattern of [`UNIQUE_KEYS`] (`*` is any key) and dedupes the sequences it
/// reaches. Only the paths a pattern names are visited, not the whole tree.
fn unicity_along(node: &mut Node, rest: &[&str], kind: UniqueKey, path: &mut Path) -> Result<(), Diagnostic> {
    let Some((first, rest)) = rest.split_first() else {
        if let Value::Seq(items) = &mut node.value {
            dedupe(items, kind, path)?;
        }
        return Ok(());
    };
    let Value::Map(map) = &mut node.value else { return Ok(()) };
    if *first == "*" {
        for (key, value) in map.iter_mut() {
            path.push(key.clone());
            unicity_along(value, rest, kind, path)?;
            path.pop();
        }
    } else if let Some(value) = map.get_mut(*first) {
        path.push(first.to_string());
        unicity_along(value, rest, kind, path)?;
        path.pop();
    }
    Ok(())
}

/// Keeps one entry per key: a later entry takes the place of the earlier one.
fn dedupe(items: &mut Vec<Node>, kind: UniqueKey, path: &mut Path) -> Result<(), Diagnostic> {
    if items.len() < 2 {
        // Nothing to dedupe, but the entry must still be of a kind the key understands.
        if let Some(item) = items.first() {
            path.push("[0]".into());
            unique_key(kind, item).map_err(|msg| Diagnostic::new(item.pos, display(path), msg))?;
            path.pop();
        }
        return Ok(());
    }
    let mut kept: Vec<Node> = Vec::with_capacity(items.len());
    let mut index: std::collections::HashMap<String, usize> = Default::default();
    for (i, item) in std::mem::take(items).into_iter().enumerate() {
        let key = unique_key(kind, &item).map_err(|msg| {
            path.push(format!("[{i}]"));
            Diagnostic::new(item.pos, display(path), msg)
        })?;
        match index.get(&key) {
            Some(&j) => kept[j] = item,
            None => {
                index.insert(key, kept.len());
                kept.push(item);
            }
        }
    }
    *items = kept;
    Ok(())
}

/// The key of one sequence entry. Entries of a kind the key does not cover share the empty
/// key, as in Docker Compose; the validation pass reports them.
fn unique_key(kind: UniqueKey, item: &Node) -> Result<String, String> {
    let text = |n: Option<&Node>| n.and_then(Node::scalar_text).unwrap_or_default();
    let target = |what: &str| match item.get("target").and_then(Node::as_str) {
        Some(t) => Ok(t.to_string()),
        None => Err(format!("{what} is missing a target")),
    };
    match (kind, &item.value) {
        (UniqueKey::KeyValue, Value::Str(s)) => Ok(s.split_once('=').map_or(s.as_str(), |(k, _)| k).to_string()),
        (UniqueKey::KeyValue, _) => Err(format!("expected a string, got {}", item.kind_name())),
        (UniqueKey::VolumeTarget, Value::Map(_)) => target("volume"),
        (UniqueKey::VolumeTarget, Value::Str(s)) => volume_target(s),
        (UniqueKey::DeviceTarget, Value::Map(_)) => target("device"),
        (UniqueKey::DeviceTarget, Value::Str(s)) => {
            let mut fields = s.split(':');
            let first = fields.next().unwrap_or_default();
            Ok(fields.next().unwrap_or(first).to_string())
        }
        (UniqueKey::Expose, Value::Str(_) | Value::Int(_)) => Ok(text(Some(item))),
        (UniqueKey::Expose, _) => Err(format!("expected a port or range, got {}", item.kind_name())),
        (UniqueKey::Mount(dir), Value::Str(s)) => Ok(format!("{dir}/{s}")),
        (UniqueKey::Mount(dir), Value::Map(m)) => match m.get("target") {
            Some(t) => Ok(text(Some(t))),
            None => Ok(format!("{dir}/{}", text(m.get("source")))),
        },
        (UniqueKey::Mount(_), _) => Err(format!("expected a name or a mapping, got {}", item.kind_name())),
        (UniqueKey::Port, Value::Int(i)) => Ok(i.to_string()),
        (UniqueKey::Port, Value::Str(s)) => Ok(s.clone()),
        (UniqueKey::Port, Value::Map(m)) => {
            let Some(target) = m.get("target") else { return Err("port is missing a target".into()) };
            let host = m.get("host_ip").map_or("0.0.0.0".into(), |h| text(Some(h)));
            let protocol = m.get("protocol").map_or("tcp".into(), |p| text(Some(p)));
            Ok(format!("{host}:{}:{}/{protocol}", text(m.get("published")), text(Some(target))))
        }
        (UniqueKey::EnvFile, Value::Str(s)) => Ok(s.clone()),
        (UniqueKey::EnvFile, Value::Map(m)) => match m.get("path").and_then(Node::as_str) {
            Some(p) => Ok(p.to_string()),
            None => Err("env_file entry is missing a path".into()),
        },
        _ => Ok(String::new()),
    }
}

/// The container path of a short-syntax volume (`[source:]target[:options]`), read as compose
/// reads it: a one-letter section followed by `:` is a Windows drive (`C:\data`), so
/// `c:/data` is one path.
fn volume_target(spec: &str) -> Result<String, String> {
    if spec.is_empty() {
        return Err("invalid empty volume spec".into());
    }
    if spec.chars().count() <= 2 {
        return Ok(spec.to_string());
    }
    let mut sections = Vec::new();
    let mut buf = String::new();
    for c in spec.chars() {
        let drive = c == ':' && buf.chars().count() == 1 && buf.chars().all(char::is_alphabetic);
        if c == ':' && !drive {
            sections.push(std::mem::take(&mut buf));
        } else {
            buf.push(c);
        }
    }
    sections.push(buf);
    if sections.iter().any(String::is_empty) {
        return Err(format!("invalid volume {spec:?}: empty section between colons"));
    }
    match sections.len() {
        1 => Ok(sections.swap_remove(0)),
        2 | 3 => Ok(sections.swap_remove(1)),
        _ => Err(format!("invalid volume {spec:?}: too many ':' separators: expected source:target[:options]")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loader::diagnostic::FileId;
    use crate::loader::yaml::parse_one;

    fn yaml(text: &str, file: &str) -> Node {
        parse_one(text, FileId::intern(std::path::Path::new(file))).unwrap()
    }

    fn merged(base: &str, over: &str) -> Node {
        merge(yaml(base, "base.yaml"), yaml(over, "override.yaml")).unwrap()
    }

    /// Equality as data: mappings compare without order, sequences in order, positions and
    /// tags are ignored.
    fn same_data(a: &Node, b: &Node) -> bool {
        match (&a.value, &b.value) {
            (Value::Map(x), Value::Map(y)) => x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same_data(v, w))),
            (Value::Seq(x), Value::Seq(y)) => x.len() == y.len() && x.iter().zip(y).all(|(v, w)| same_data(v, w)),
            _ => a == b,
        }
    }

    #[derive(serde::Deserialize)]
    struct Corpus {
        cases: Vec<Case>,
    }

    #[derive(serde::Deserialize)]
    struct Case {
        id: u32,
        test: String,
        base: String,
        #[serde(rename = "override")]
        over: String,
        expected: String,
        enforce_unicity: bool,
    }

    /// Corpus cases whose expectation cannot be met, with the reason. Each must still fail (so
    /// the entry goes once the corpus is fixed).
    const CORPUS_DEFECTS: &[(u32, &str)] = &[];

    fn run_case(case: &Case) -> Result<(), String> {
        let base = parse_one(&case.base, FileId::NONE).map_err(|e| format!("base: {e}"))?;
        let over = parse_one(&case.over, FileId::NONE).map_err(|e| format!("override: {e}"))?;
        let expected = parse_one(&case.expected, FileId::NONE).map_err(|e| format!("expected: {e}"))?;
        let mut got = merge(base, over).map_err(|e| format!("merge: {e}"))?;
        if case.enforce_unicity {
            enforce_unicity(&mut got).map_err(|e| format!("enforce_unicity: {e}"))?;
        }
        if same_data(&got, &expected) {
            Ok(())
        } else {
            Err(format!("got {}\nexpected {}", got.to_json(), expected.to_json()))
        }
    }

    #[test]
    fn merge_corpus() {
        let corpus: Corpus =
            serde_json::from_str(include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/corpus/merge-cases.json"))).unwrap();
        assert_eq!(corpus.cases.len(), 68);
        let mut failed = Vec::new();
        let mut report = String::new();
        for case in &corpus.cases {
            let defect = CORPUS_DEFECTS.iter().find(|(id, _)| *id == case.id);
            match (run_case(case), defect) {
                (Ok(()), None) => {}
                (Err(_), Some(_)) => {}
                (Ok(()), Some(_)) => {
                    failed.push(case.id);
                    report += &format!("case {} ({}) passes: remove it from CORPUS_DEFECTS\n", case.id, case.test);
                }
                (Err(e), None) => {
                    failed.push(case.id);
                    report += &format!("case {} ({}):\n{e}\n", case.id, case.test);
                }
            }
        }
        let passed = corpus.cases.len() - failed.len() - CORPUS_DEFECTS.len();
        eprintln!("merge corpus: {passed}/{} pass, known corpus defects: {CORPUS_DEFECTS:?}", corpus.cases.len());
        assert!(failed.is_empty(), "failing case ids: {failed:?}\n{report}");
    }

    #[test]
    fn reset_removes_the_key_whatever_the_base_held() {
        let n = merged(
            "services:\n  web:\n    image: a\n    ports: ['80:80']\n    labels: {a: b}\n",
            "services:\n  web:\n    ports: !reset []\n    labels: !reset\n    dns: !reset [x]\n",
        );
        let web = n.find(&["services", "web"]);
        assert_eq!(web.as_map().unwrap().keys().collect::<Vec<_>>(), ["image"]);
    }

    #[test]
    fn override_replaces_instead_of_merging() {
        let n = merged(
            "services:\n  web:\n    environment: {A: '1', B: '2'}\n    ports: ['80:80']\n    \
             deploy: {labels: {x: y}, mode: global}\n",
            "services:\n  web:\n    environment: !override {C: '3'}\n    ports: !override ['81:81']\n    \
             deploy: !override {replicas: 2}\n",
        );
        let web = n.find(&["services", "web"]);
        assert_eq!(web.get("environment").unwrap().to_json(), serde_json::json!({"C": "3"}));
        assert_eq!(web.get("ports").unwrap().to_json(), serde_json::json!(["81:81"]));
        assert_eq!(web.get("deploy").unwrap().to_json(), serde_json::json!({"replicas": 2}));
    }

    #[test]
    fn tags_are_consumed_in_new_subtrees_and_lone_files() {
        let n = merged("services: {}\n", "services:\n  api:\n    image: x\n    ports: !reset []\n    command: !override [a]\n");
        let api = n.find(&["services", "api"]);
        assert!(api.get("ports").is_none());
        assert_eq!(api.get("command").unwrap().tag, Tag::None);
        let alone = merge(Node::null(), yaml("a: !reset 1\nb: !override {c: 1}\n", "one.yaml")).unwrap();
        assert!(alone.get("a").is_none());
        assert_eq!(alone.get("b").unwrap().tag, Tag::None);
    }

    #[test]
    fn positions_come_from_the_file_that_provided_the_value() {
        let base = FileId::intern(std::path::Path::new("base.yaml"));
        let over = FileId::intern(std::path::Path::new("override.yaml"));
        let n = merged(
            "services:\n  web:\n    image: a\n    user: root\n    environment: {A: '1'}\n",
            "services:\n  web:\n    image: b\n    environment: [B=2]\n",
        );
        let web = n.find(&["services", "web"]);
        let image = web.get("image").unwrap();
        assert_eq!((image.pos.file, image.pos.line, image.key_pos.unwrap().line), (over, 3, 3));
        let user = web.get("user").unwrap();
        assert_eq!((user.pos.file, user.pos.line), (base, 4));
        // `A: '1'` became `A=1` at the key it was written under; `B=2` kept its own place.
        let env = web.get("environment").unwrap().as_seq().unwrap();
        let first = (env[0].as_str(), env[0].pos.file, env[0].pos.line, env[0].pos.col);
        assert_eq!(first, (Some("A=1"), base, 5, 19));
        assert_eq!((env[1].as_str(), env[1].pos.file, env[1].pos.line), (Some("B=2"), over, 4));
    }

    #[test]
    fn extensions_are_replaced_whole() {
        let n = merged("x-common: {a: 1}\nservices:\n  web: {x-meta: {a: 1}}\n", "x-common: {b: 2}\nservices:\n  web: {x-meta: {b: 2}}\n");
        assert_eq!(n.get("x-common").unwrap().to_json(), serde_json::json!({"b": 2}));
        assert_eq!(n.find(&["services", "web", "x-meta"]).to_json(), serde_json::json!({"b": 2}));
    }

    #[test]
    fn null_override_keeps_the_base() {
        let n = merged("services:\n  web: {image: a}\n", "services:\n  web: {image: null}\n");
        assert_eq!(n.find(&["services", "web", "image"]).as_str(), Some("a"));
    }

    #[test]
    fn depends_on_list_items_get_the_default_condition() {
        let n = merged(
            "services:\n  web:\n    depends_on: [db]\n",
            "services:\n  web:\n    depends_on: {cache: {condition: service_healthy}}\n",
        );
        assert_eq!(
            n.find(&["services", "web", "depends_on"]).to_json(),
            serde_json::json!({
                "db": {"condition": "service_started", "required": true},
                "cache": {"condition": "service_healthy"}
            })
        );
    }

    #[test]
    fn build_string_is_the_context() {
        let n = merged("services:\n  web: {build: ./dir}\n", "services:\n  web: {build: {dockerfile: X}}\n");
        let build = n.find(&["services", "web", "build"]).to_json();
        assert_eq!(build, serde_json::json!({"context": "./dir", "dockerfile": "X"}));
    }

    #[test]
    fn ipam_config_keeps_base_subnets_and_appends_new_ones() {
        let n = merged(
            "networks:\n  n:\n    ipam:\n      config:\n        - {subnet: 10.0.0.0/16}\n        \
             - {subnet: 10.1.0.0/16, gateway: 10.1.0.1}\n",
            "networks:\n  n:\n    ipam:\n      config:\n        - {subnet: 10.2.0.0/16}\n        \
             - {subnet: 10.0.0.0/16, gateway: 10.0.0.1}\n",
        );
        assert_eq!(
            n.find(&["networks", "n", "ipam", "config"]).to_json(),
            serde_json::json!([
                {"subnet": "10.0.0.0/16", "gateway": "10.0.0.1"},
                {"subnet": "10.1.0.0/16", "gateway": "10.1.0.1"},
                {"subnet": "10.2.0.0/16"}
            ])
        );
    }

    #[test]
    fn mapping_values_are_written_as_go_prints_them() {
        let n = merged(
            "services:\n  web:\n    environment: []\n",
            "services:\n  web:\n    environment: {A: 1.5, B: 1000000.0, C: true, D: 0x10, E: 1e-7}\n",
        );
        assert_eq!(
            n.find(&["services", "web", "environment"]).to_json(),
            serde_json::json!(["A=1.5", "B=1e+06", "C=true", "D=16", "E=1e-07"])
        );
    }

    #[test]
    fn type_mismatch_is_a_positioned_error() {
        let e = merge(
            yaml("services:\n  web:\n    deploy: {mode: global}\n", "base.yaml"),
            yaml("services:\n  web:\n    deploy: global\n", "override.yaml"),
        )
        .unwrap_err();
        assert_eq!((e.path.as_str(), e.pos.line), ("services.web.deploy", 3));
        assert!(e.message.contains("cannot override a mapping with a string"), "{e}");
    }

    #[test]
    fn unicity_keeps_the_later_entry_in_the_earlier_place() {
        let mut n = yaml(
            "services:\n  web:\n    ports: ['80:80', '81:81', '80:80']\n    \
             volumes: ['./a:/data', 'v:/other', {type: volume, source: w, target: /data}]\n    \
             expose: [80, '80']\n",
            "one.yaml",
        );
        enforce_unicity(&mut n).unwrap();
        let web = n.find(&["services", "web"]);
        assert_eq!(web.get("ports").unwrap().as_seq().unwrap().len(), 2);
        let volumes = web.get("volumes").unwrap().as_seq().unwrap();
        // `v:/other` reads as the Windows path `v:/other`, so it does not clash with `/other`.
        assert_eq!(volumes.len(), 2);
        assert_eq!(volumes[0].get("source").and_then(Node::as_str), Some("w"));
        assert_eq!(volumes[0].pos.line, 4);
        assert_eq!(web.get("expose").unwrap().as_seq().unwrap().len(), 1);
    }

    #[test]
    fn unicity_errors_name_the_entry() {
        let mut n = yaml("services:\n  web:\n    volumes:\n      - a:b\n      - ./x::/y\n", "bad.yaml");
        let e = enforce_unicity(&mut n).unwrap_err();
        assert_eq!((e.path.as_str(), e.pos.line), ("services.web.volumes[1]", 5));
        let mut n = yaml("services:\n  web:\n    cap_add: [1]\n", "bad.yaml");
        assert_eq!(enforce_unicity(&mut n).unwrap_err().path, "services.web.cap_add[0]");
    }

    #[test]
    fn volume_targets() {
        assert_eq!(volume_target("/data").unwrap(), "/data");
        assert_eq!(volume_target("./src:/app:ro").unwrap(), "/app");
        assert_eq!(volume_target("C:\\data:/data").unwrap(), "/data");
        assert_eq!(volume_target("a:/a").unwrap(), "a:/a");
        assert!(volume_target("./a:/b:ro:x").is_err());
        assert!(volume_target("./a::/b").is_err());
    }
}
