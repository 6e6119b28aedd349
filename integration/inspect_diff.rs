//! The engine's own view of a compose project (`docker inspect` of its containers, networks and
//! volumes), normalised so that two projects made from one file by two tools can be compared
//! field by field.
//!
//! Normalising removes what no tool chooses (ids, timestamps, engine-assigned addresses, paths
//! under the engine's root), names the project and directory by placeholders, refers to
//! containers and networks by name instead of id, and sorts the lists Docker Compose builds from
//! Go maps (so their order is random from one run to the next).

use std::collections::BTreeMap;
use std::process::Command;

use serde_json::Value;

/// One project's objects: `container <name>`, `network <name>`, `volume <name>` to the flattened
/// fields of each (`HostConfig.Memory` -> `67108864`).
pub type Flat = BTreeMap<String, BTreeMap<String, String>>;

/// The raw `docker inspect` documents of the project's containers, keyed by container name.
pub fn containers(project: &str) -> BTreeMap<String, Value> {
    let ids = docker(&["ps", "-aq", "--no-trunc", "--filter", &format!("label=com.docker.compose.project={project}")]);
    inspect("container", &ids).into_iter().map(|c| (c["Name"].as_str().unwrap_or("").trim_start_matches('/').to_string(), c)).collect()
}

/// The raw `docker inspect` documents of the project's networks, keyed by network name.
pub fn networks(project: &str) -> BTreeMap<String, Value> {
    let ids = docker(&["network", "ls", "-q", "--no-trunc", "--filter", &format!("label=com.docker.compose.project={project}")]);
    inspect("network", &ids).into_iter().map(|n| (n["Name"].as_str().unwrap_or("").to_string(), n)).collect()
}

/// The raw `docker inspect` documents of the project's volumes, keyed by volume name.
pub fn volumes(project: &str) -> BTreeMap<String, Value> {
    let names = docker(&["volume", "ls", "-q", "--filter", &format!("label=com.docker.compose.project={project}")]);
    inspect("volume", &names).into_iter().map(|v| (v["Name"].as_str().unwrap_or("").to_string(), v)).collect()
}

/// The normalised view of `project`, made in `dir`. Networks in `auto_ipam` have engine-chosen
/// subnets: their pools and prefix lengths are left out.
pub fn normalised(project: &str, dir: &str, auto_ipam: &[&str]) -> Flat {
    let (cs, ns, vs) = (containers(project), networks(project), volumes(project));
    let mut by_id: Vec<(String, String)> = Vec::new();
    for (name, c) in &cs {
        let id = c["Id"].as_str().unwrap_or_default().to_string();
        by_id.push((id[..12.min(id.len())].to_string(), format!("<{name}:short>")));
        by_id.push((id, format!("<{name}>")));
    }
    for (name, n) in &ns {
        by_id.push((n["Id"].as_str().unwrap_or_default().to_string(), format!("<{name}>")));
    }
    // Longest first, so that an id is never replaced by the placeholder of its own prefix.
    by_id.sort_by_key(|(id, _)| std::cmp::Reverse(id.len()));
    let auto: Vec<String> = auto_ipam.iter().map(|n| format!("{project}_{n}")).collect();
    let names: Vec<String> = cs.keys().cloned().collect();
    let mut out = Flat::new();
    for (name, mut c) in cs {
        // Docker Compose names `volumes_from` containers by id, rcompose by name.
        if let Some(Value::Array(from)) = c.pointer_mut("/HostConfig/VolumesFrom") {
            for f in from.iter_mut().filter(|f| f.as_str().is_some_and(|f| names.iter().any(|n| n == f))) {
                *f = Value::String(format!("<{}>", f.as_str().unwrap_or_default()));
            }
        }
        for k in ["Id", "Created", "State", "ResolvConfPath", "HostnamePath", "HostsPath", "LogPath", "GraphDriver", "RestartCount"] {
            remove(&mut c, &[k]);
        }
        for k in ["SandboxID", "SandboxKey", "Ports", "IPAddress", "MacAddress", "Gateway", "EndpointID"] {
            remove(&mut c, &["NetworkSettings", k]);
        }
        if let Some(Value::Object(eps)) = c.pointer_mut("/NetworkSettings/Networks") {
            for (net, ep) in eps.iter_mut() {
                for k in ["NetworkID", "EndpointID", "IPAddress", "Gateway", "MacAddress"] {
                    remove(ep, &[k]);
                }
                if auto.contains(net) {
                    remove(ep, &["IPPrefixLen"]);
                }
            }
        }
        sort_strings(&mut c, "/Config/Env");
        sort_strings(&mut c, "/HostConfig/ExtraHosts");
        // Docker Compose 2.40.3 builds its binds from a map: their order varies from run to run.
        sort_strings(&mut c, "/HostConfig/Binds");
        sort_by(&mut c, "/HostConfig/Ulimits", "Name");
        sort_by(&mut c, "/HostConfig/Mounts", "Target");
        sort_by(&mut c, "/Mounts", "Destination");
        if let Some(Value::String(deps)) = c.pointer_mut("/Config/Labels/com.docker.compose.depends_on") {
            let mut parts: Vec<&str> = deps.split(',').collect();
            parts.sort_unstable();
            *deps = parts.join(",");
        }
        out.insert(format!("container {name}"), flatten(&c));
    }
    for (name, mut n) in ns {
        remove(&mut n, &["Id"]);
        remove(&mut n, &["Created"]);
        let members: Vec<Value> = n["Containers"].as_object().map(|m| m.values().map(|v| v["Name"].clone()).collect()).unwrap_or_default();
        n["Containers"] = Value::Array(members);
        sort_strings(&mut n, "/Containers");
        if auto.contains(&name) {
            remove(&mut n, &["IPAM", "Config"]);
        }
        out.insert(format!("network {name}"), flatten(&n));
    }
    for (name, mut v) in vs {
        remove(&mut v, &["CreatedAt"]);
        out.insert(format!("volume {name}"), flatten(&v));
    }
    let fix = |s: &str| -> String {
        let mut s = s.to_string();
        for (id, placeholder) in &by_id {
            s = s.replace(id.as_str(), placeholder);
        }
        s.replace(dir, "DIR").replace(project, "PROJECT")
    };
    out.into_iter().map(|(k, fields)| (fix(&k), fields.into_iter().map(|(f, v)| (fix(&f), fix(&v))).collect())).collect()
}

/// The fields that differ between two normalised projects, one line each.
pub fn differences(theirs: &Flat, ours: &Flat) -> Vec<String> {
    let mut out = Vec::new();
    let absent = String::from("<absent>");
    for object in theirs.keys().chain(ours.keys()).collect::<std::collections::BTreeSet<_>>() {
        let (t, o) = (theirs.get(object), ours.get(object));
        let (Some(t), Some(o)) = (t, o) else {
            out.push(format!("{object}: only {}", if t.is_some() { "docker compose" } else { "rcompose" }));
            continue;
        };
        for field in t.keys().chain(o.keys()).collect::<std::collections::BTreeSet<_>>() {
            let (a, b) = (t.get(field).unwrap_or(&absent), o.get(field).unwrap_or(&absent));
            if a != b {
                out.push(format!("{object}: {field}: docker compose {a}, rcompose {b}"));
            }
        }
    }
    out
}

fn docker(args: &[&str]) -> Vec<String> {
    let out = Command::new("docker").args(args).output().unwrap_or_else(|e| panic!("cannot run docker: {e}"));
    assert!(out.status.success(), "docker {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).split_whitespace().map(String::from).collect()
}

fn inspect(kind: &str, ids: &[String]) -> Vec<Value> {
    if ids.is_empty() {
        return Vec::new();
    }
    let out = Command::new("docker").args([kind, "inspect"]).args(ids).output().unwrap_or_else(|e| panic!("cannot run docker: {e}"));
    assert!(out.status.success(), "docker {kind} inspect: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("docker inspect prints JSON")
}

fn remove(v: &mut Value, path: &[&str]) {
    let (last, parents) = path.split_last().expect("a path");
    let mut at = v;
    for p in parents {
        match at.get_mut(*p) {
            Some(next) => at = next,
            None => return,
        }
    }
    if let Value::Object(m) = at {
        m.remove(*last);
    }
}

fn sort_strings(v: &mut Value, pointer: &str) {
    if let Some(Value::Array(items)) = v.pointer_mut(pointer) {
        items.sort_by_key(|i| i.as_str().unwrap_or_default().to_string());
    }
}

fn sort_by(v: &mut Value, pointer: &str, key: &str) {
    if let Some(Value::Array(items)) = v.pointer_mut(pointer) {
        items.sort_by_key(|i| i[key].as_str().unwrap_or_default().to_string());
    }
}

/// `{"a": {"b": [1, 2]}}` -> `a.b` = `[1,2]`: objects are walked, arrays and scalars are leaves.
fn flatten(v: &Value) -> BTreeMap<String, String> {
    fn walk(v: &Value, path: String, out: &mut BTreeMap<String, String>) {
        match v {
            Value::Object(m) if !m.is_empty() => {
                for (k, x) in m {
                    walk(x, if path.is_empty() { k.clone() } else { format!("{path}.{k}") }, out);
                }
            }
            other => {
                out.insert(path, other.to_string());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(v, String::new(), &mut out);
    out
}
