//! `build --print`: the bake file Docker Compose 2.40.3 would hand to `docker buildx bake` for
//! the project's builds, as it prints it (`json.MarshalIndent` of its own bake types: the
//! fields in their order, maps sorted, empty fields left out). rcompose builds with the
//! engine's classic builder and never runs bake; the file is for people who take the build
//! elsewhere, and for comparing the two tools' reading of `build:` sections.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::build::Overrides;
use crate::model::{Project, Service, Ulimit};
use crate::reconcile::labels;

/// The bake file of every build section of `project`, whose `default` group builds `selected`
/// (services without a build section are left out).
pub fn bake_file(project: &Project, selected: &[String], overrides: &Overrides, push: bool) -> String {
    let names = target_names(project);
    let mut targets = BTreeMap::new();
    for s in project.services.values().filter(|s| s.build.is_some()) {
        targets.insert(names[&s.name].clone(), target(project, s, overrides, push));
    }
    let mut group: Vec<String> =
        selected.iter().filter(|n| project.services.get(*n).is_some_and(|s| s.build.is_some())).map(|n| names[n].clone()).collect();
    group.sort();
    group.dedup();
    let mut file = Map::new();
    let mut default = Map::new();
    default.insert("targets".into(), if group.is_empty() { Value::Null } else { Value::from(group) });
    file.insert("group".into(), Value::Object(Map::from_iter([("default".to_string(), Value::Object(default))])));
    file.insert("target".into(), Value::Object(targets.into_iter().collect()));
    format!("{}\n", crate::go::json::marshal_indent(&Value::Object(file)))
}

/// A bake target name per service: dots become underscores, and a name taken already gets
/// underscores appended, in the order of the sorted service names.
fn target_names(project: &Project) -> BTreeMap<String, String> {
    let mut used = std::collections::BTreeSet::new();
    let mut out = BTreeMap::new();
    for name in project.services.keys() {
        let mut t = name.replace('.', "_");
        while used.contains(&t) {
            t.push('_');
        }
        used.insert(t.clone());
        out.insert(name.clone(), t);
    }
    out
}

fn target(project: &Project, s: &Service, overrides: &Overrides, push: bool) -> Value {
    let b = s.build.as_ref().expect("a build section");
    let mut t = Map::new();
    let mut put = |key: &str, value: Value| {
        let empty = match &value {
            Value::Null => true,
            Value::Bool(b) => !b,
            Value::String(s) => s.is_empty(),
            Value::Array(a) => a.is_empty(),
            Value::Object(o) => o.is_empty(),
            Value::Number(n) => n.as_i64() == Some(0),
        };
        if !empty {
            t.insert(key.to_string(), value);
        }
    };
    let sorted = |m: BTreeMap<String, String>| Value::Object(m.into_iter().map(|(k, v)| (k, Value::String(v))).collect());
    put("context", Value::from(b.context.clone()));
    put("contexts", sorted(b.additional_contexts.clone()));
    put("dockerfile", Value::from(dockerfile_path(&b.context, &b.dockerfile)));
    put("dockerfile-inline", Value::from(b.dockerfile_inline.replace("${", "$${")));
    let mut args: BTreeMap<String, String> = b.args.iter().filter_map(|(k, v)| v.clone().map(|v| (k.clone(), v))).collect();
    args.extend(overrides.args.clone());
    put("args", sorted(args.into_iter().map(|(k, v)| (k, v.replace("${", "$${"))).collect()));
    let mut build_labels = b.labels.clone();
    build_labels.insert(labels::PROJECT.into(), project.name.clone());
    build_labels.insert(labels::SERVICE.into(), s.name.clone());
    build_labels.insert(labels::VERSION.into(), labels::COMPOSE_VERSION.into());
    put("labels", sorted(build_labels));
    let image = labels::image_name(project, s);
    let mut tags = b.tags.clone();
    tags.push(image);
    put("tags", Value::from(tags));
    put("cache-from", Value::from(b.cache_from.clone()));
    put("cache-to", Value::from(b.cache_to.clone()));
    put("target", Value::from(b.target.clone()));
    put("platforms", Value::from(b.platforms.clone()));
    put("pull", Value::Bool(b.pull || overrides.pull));
    put("no-cache", Value::Bool(b.no_cache || overrides.no_cache));
    put("network", Value::from(b.network.clone()));
    put("shm-size", Value::from(b.shm_size.0));
    let ulimits: Vec<String> = b
        .ulimits
        .iter()
        .flatten()
        .map(|(name, u)| match u {
            Ulimit::Single(v) => format!("{name}={v}"),
            Ulimit::Range { soft, hard } => format!("{name}={soft}:{hard}"),
        })
        .collect();
    put("ulimits", Value::from(ulimits));
    let mut entitlements = b.entitlements.clone();
    if b.privileged {
        entitlements.push("security.insecure".into());
    }
    put("entitlements", Value::from(entitlements));
    let hosts: BTreeMap<String, String> =
        b.extra_hosts.iter().filter_map(|h| h.split_once(['=', ':']).map(|(host, ip)| (host.to_string(), ip.to_string()))).collect();
    put("extra-hosts", sorted(hosts));
    let push = push && !s.image.is_empty();
    let output = if b.platforms.len() > 1 {
        format!("type=image,push={push}")
    } else if push {
        "type=registry".into()
    } else {
        "type=docker".into()
    };
    put("output", Value::from(vec![output]));
    Value::Object(t)
}

/// The Dockerfile's path as bake reads it: relative ones under the context, unless the context
/// is a Git URL.
fn dockerfile_path(context: &str, dockerfile: &str) -> String {
    let remote = context.contains("://") || context.starts_with("git@") || context.ends_with(".git");
    if dockerfile.is_empty() || remote || dockerfile.starts_with('/') {
        return dockerfile.to_string();
    }
    crate::go::path::clean(&format!("{context}/{dockerfile}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::reconcile::testing::project;

    #[test]
    fn a_plain_build_is_docker_composes_bake_target() {
        let p = project("services:\n  web:\n    build: .\n  db:\n    image: busybox\n");
        let text = bake_file(&p, &["web".into(), "db".into()], &Overrides::default(), false);
        let dir = &p.services["web"].build.as_ref().unwrap().context;
        let expected = format!(
            r#"{{
  "group": {{
    "default": {{
      "targets": [
        "web"
      ]
    }}
  }},
  "target": {{
    "web": {{
      "context": "{dir}",
      "dockerfile": "{dir}/Dockerfile",
      "labels": {{
        "com.docker.compose.project": "p",
        "com.docker.compose.service": "web",
        "com.docker.compose.version": "2.40.3"
      }},
      "tags": [
        "p-web"
      ],
      "output": [
        "type=docker"
      ]
    }}
  }}
}}
"#
        );
        assert_eq!(text, expected);
    }

    #[test]
    fn build_settings_become_bake_fields_in_its_order() {
        let p = project(
            "services:\n  a.b:\n    image: reg/app:1\n    build:\n      context: .\n      args: {X: '$${Y}', N: null}\n      target: prod\n      no_cache: true\n      extra_hosts: ['db=10.0.0.2']\n      ulimits: {nofile: {soft: 1, hard: 2}}\n      tags: [extra]\n",
        );
        let overrides = Overrides { pull: true, args: BTreeMap::from([("Z".into(), "1".into())]), ..Default::default() };
        let text = bake_file(&p, &["a.b".into()], &overrides, true);
        let v: Value = serde_json::from_str(&text).unwrap();
        let t = &v["target"]["a_b"];
        let keys: Vec<&str> = t.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            ["context", "dockerfile", "args", "labels", "tags", "target", "pull", "no-cache", "ulimits", "extra-hosts", "output"]
        );
        assert_eq!(t["args"], serde_json::json!({"X": "$${Y}", "Z": "1"}), "unset args left out, ${{ escaped for bake");
        assert_eq!(t["tags"], serde_json::json!(["extra", "reg/app:1"]));
        assert_eq!(t["output"], serde_json::json!(["type=registry"]), "--push with an image name");
        assert_eq!(t["ulimits"], serde_json::json!(["nofile=1:2"]));
        assert_eq!(v["group"]["default"]["targets"], serde_json::json!(["a_b"]));
    }
}
