//! The model `config --no-interpolate` prints: the merged tree, not the typed project.
//!
//! Values may still hold `${VARIABLES}`, so nothing can be typed (a port, a duration, a byte
//! size); Docker Compose prints this model after its lighter rewrites
//! ([`super::canonical::canonicalize_model`]) and the defaults below, which mirror the typed
//! [`super::normalize`] pass on the tree.

use super::yaml::{Map, Node, Value};

/// Fills in the defaults Docker Compose adds to an uninterpolated model: the project name, the
/// implicit `default` network, resource names, build defaults and the
/// dependencies implied by `links`, shared namespaces and `volumes_from`.
pub fn normalize(root: &mut Node, project: &str) {
    let Some(top) = root.as_map_mut() else { return };
    let mut needs_default = false;
    if let Some(services) = top.get_mut("services").and_then(Node::as_map_mut) {
        for service in services.values_mut().filter_map(Node::as_map_mut) {
            normalize_service(service);
            needs_default |= service.get("networks").and_then(|n| n.get("default")).is_some();
        }
    }
    if needs_default {
        let networks = top.entry("networks".into()).or_insert_with(|| Node::map(Map::default()));
        if networks.is_null() {
            networks.value = Value::Map(Map::default());
        }
        if let Some(m) = networks.as_map_mut() {
            m.entry("default".into()).or_insert_with(|| Node::map(Map::default()));
        }
    }
    for section in ["networks", "volumes", "secrets", "configs"] {
        let Some(entries) = top.get_mut(section).and_then(Node::as_map_mut) else { continue };
        for (key, entry) in entries.iter_mut().filter(|(k, _)| !k.starts_with("x-")) {
            if entry.is_null() {
                entry.value = Value::Map(Map::default());
            }
            let Some(m) = entry.as_map_mut() else { continue };
            if m.contains_key("name") {
                continue;
            }
            let external = matches!(m.get("external").map(|e| &e.value), Some(Value::Bool(true)));
            let name = if external { key.clone() } else { format!("{project}_{key}") };
            m.insert("name".into(), Node::string(name));
        }
    }
    top.insert("name".into(), Node::string(project));
}

fn normalize_service(service: &mut Map) {
    let attached = service.get("networks").is_some_and(|n| n.as_map().is_some_and(|m| !m.is_empty()));
    if !attached && !service.contains_key("network_mode") {
        let mut m = Map::default();
        m.insert("default".into(), Node::null());
        service.insert("networks".into(), Node::map(m));
    }
    if let Some(build) = service.get_mut("build").and_then(Node::as_map_mut) {
        if !build.contains_key("dockerfile") && !build.contains_key("dockerfile_inline") {
            build.insert("dockerfile".into(), Node::string("Dockerfile"));
        }
        // Build arguments without a value are dropped: there is no environment to take them from
        // in a model printed before interpolation.
        if let Some(args) = build.get_mut("args") {
            match &mut args.value {
                Value::Seq(items) => items.retain(|i| i.as_str().is_some_and(|s| s.contains('='))),
                Value::Map(m) => m.retain(|_, v| !v.is_null()),
                _ => {}
            }
        }
    }
    let implied = implicit_dependencies(service);
    if implied.is_empty() {
        return;
    }
    let depends_on = service.entry("depends_on".into()).or_insert_with(|| Node::map(Map::default()));
    let Some(deps) = depends_on.as_map_mut() else { return };
    for (name, restart) in implied {
        deps.entry(name).or_insert_with(|| {
            let mut m = Map::default();
            m.insert("condition".into(), Node::string(crate::model::SERVICE_STARTED));
            m.insert("restart".into(), Node::synthetic(Value::Bool(restart)));
            m.insert("required".into(), Node::synthetic(Value::Bool(true)));
            Node::map(m)
        });
    }
}

/// The tree counterpart of [`super::normalize::implicit_dependencies`].
fn implicit_dependencies(service: &Map) -> Vec<(String, bool)> {
    let strings = |key: &str| -> Vec<String> {
        service.get(key).and_then(Node::as_seq).into_iter().flatten().filter_map(Node::scalar_text).collect()
    };
    let mut deps = Vec::new();
    for link in strings("links") {
        deps.push((link.split(':').next().unwrap_or(&link).to_string(), true));
    }
    for ns in ["network_mode", "ipc", "pid", "uts", "cgroup"] {
        if let Some(s) = service.get(ns).and_then(Node::as_str).and_then(|s| s.strip_prefix("service:")) {
            deps.push((s.to_string(), true));
        }
    }
    for from in strings("volumes_from") {
        if !from.starts_with("container:") {
            deps.push((from.split(':').next().unwrap_or(&from).to_string(), false));
        }
    }
    deps
}

/// The tree as JSON with every mapping's keys sorted, as Docker Compose prints a model it
/// holds as Go maps.
pub fn to_sorted_json(node: &Node) -> serde_json::Value {
    use serde_json::Value as J;
    match &node.value {
        Value::Seq(items) => J::Array(items.iter().map(to_sorted_json).collect()),
        Value::Map(m) => {
            let mut entries: Vec<(&String, &Node)> = m.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            J::Object(entries.into_iter().map(|(k, v)| (k.clone(), to_sorted_json(v))).collect())
        }
        _ => node.to_json(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loader::canonical::canonicalize_model;
    use crate::loader::diagnostic::FileId;
    use crate::loader::yaml::parse_one;
    use serde_json::json;

    fn model(text: &str) -> serde_json::Value {
        let mut n = parse_one(text, FileId::NONE).unwrap();
        canonicalize_model(&mut n).unwrap();
        normalize(&mut n, "p");
        to_sorted_json(&n)
    }

    #[test]
    fn an_unparsable_port_list_is_kept_whole_and_a_parsable_one_is_expanded() {
        let j = model("services:\n  a:\n    image: x\n    ports: [\"${PORT:-8080}:80\", 9000]\n  b:\n    image: x\n    ports: [\"8000-8001:80-81\", {target: 90, published: 9090}]\n");
        assert_eq!(j["services"]["a"]["ports"], json!(["${PORT:-8080}:80", 9000]));
        let b = &j["services"]["b"]["ports"];
        assert_eq!(b.as_array().unwrap().len(), 3);
        assert_eq!(b[1], json!({"mode": "ingress", "protocol": "tcp", "published": "8001", "target": 81}));
        // A long entry keeps its types as written.
        assert_eq!(b[2], json!({"mode": "ingress", "protocol": "tcp", "published": 9090, "target": 90}));
    }

    #[test]
    fn a_number_that_is_not_a_port_is_still_an_error() {
        let mut n = parse_one("services:\n  a:\n    ports: [80000]\n", FileId::NONE).unwrap();
        let e = canonicalize_model(&mut n).unwrap_err();
        assert_eq!(e.path, "services.a.ports[0]");
    }

    #[test]
    fn short_forms_compose_leaves_alone_stay_as_written() {
        let j = model(
            "services:\n  a:\n    image: x\n    environment: [A=1, B]\n    command: echo $$HOME\n    labels: [l=1]\n    healthcheck: {test: curl x, interval: 5s}\n    tmpfs: /run\n    dns: 8.8.8.8\n    ulimits: {nofile: 1024}\n    mem_limit: 1g\n",
        );
        let a = &j["services"]["a"];
        assert_eq!(a["environment"], json!(["A=1", "B"]));
        assert_eq!(a["command"], json!("echo $$HOME"));
        assert_eq!(a["labels"], json!(["l=1"]));
        assert_eq!(a["healthcheck"], json!({"interval": "5s", "test": "curl x"}));
        assert_eq!(a["tmpfs"], json!("/run"));
        assert_eq!(a["dns"], json!(["8.8.8.8"]));
        assert_eq!(a["ulimits"], json!({"nofile": 1024}));
        assert_eq!(a["mem_limit"], json!("1g"));
    }

    #[test]
    fn defaults_names_and_implied_dependencies_are_filled_in() {
        let j = model(
            "services:\n  a:\n    build: ./ctx\n    links: [b:bb]\n    volumes_from: [c, container:x]\n    depends_on: {c: {condition: service_healthy}}\n    secrets: [s, {source: t, target: /t}]\n    configs: [k]\n  b:\n    image: x\n    network_mode: host\n  c:\n    image: x\n    pid: service:b\n    networks: [n]\nnetworks:\n  n:\n  e: {external: {name: real}}\nvolumes:\n  v: {name: given}\n  w: {external: true}\nsecrets:\n  s: {file: ./s}\n",
        );
        let a = &j["services"]["a"];
        assert_eq!(a["build"], json!({"context": "./ctx", "dockerfile": "Dockerfile"}));
        assert_eq!(a["networks"], json!({"default": null}));
        assert_eq!(a["depends_on"]["b"], json!({"condition": "service_started", "required": true, "restart": true}));
        // An explicit entry wins over an implied one.
        assert_eq!(a["depends_on"]["c"], json!({"condition": "service_healthy", "required": true}));
        assert_eq!(a["secrets"], json!([{"source": "s", "target": "/run/secrets/s"}, {"source": "t", "target": "/t"}]));
        assert_eq!(a["configs"], json!([{"source": "k"}]));
        assert!(j["services"]["b"].get("networks").is_none(), "network_mode: no default network");
        assert_eq!(j["services"]["c"]["depends_on"]["b"]["restart"], json!(true));
        assert_eq!(j["name"], json!("p"));
        assert_eq!(j["networks"]["default"], json!({"name": "p_default"}));
        assert_eq!(j["networks"]["n"], json!({"name": "p_n"}));
        assert_eq!(j["networks"]["e"], json!({"external": true, "name": "real"}));
        assert_eq!(j["volumes"]["v"], json!({"name": "given"}));
        assert_eq!(j["volumes"]["w"], json!({"external": true, "name": "w"}));
        assert_eq!(j["secrets"]["s"]["name"], json!("p_s"));
    }

    #[test]
    fn build_arguments_without_a_value_are_dropped() {
        let j = model("services:\n  a:\n    build:\n      args: [X=1, Y, E=]\n  b:\n    build:\n      context: .\n      dockerfile_inline: FROM x\n      args: {X: null, Z: 1}\n");
        assert_eq!(j["services"]["a"]["build"]["args"], json!(["X=1", "E="]));
        assert_eq!(j["services"]["b"]["build"], json!({"args": {"Z": 1}, "context": ".", "dockerfile_inline": "FROM x"}));
    }

    #[test]
    fn keys_are_sorted() {
        let j = model("services:\n  z:\n    image: x\n    networks: [n]\n  a:\n    image: x\n    networks: [n]\nnetworks:\n  n: {}\n");
        let keys: Vec<&String> = j["services"].as_object().unwrap().keys().collect();
        assert_eq!(keys, ["a", "z"]);
        let top: Vec<&String> = j.as_object().unwrap().keys().collect();
        assert_eq!(top, ["name", "networks", "services"]);
    }
}
