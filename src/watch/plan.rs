//! From the changed paths of a batch to what to do: a pure function, so every rule
//! combination is tested without a file system or an engine.
//!
//! As in Docker Compose, the steps run in a fixed order: rebuild, sync, restart, exec; and
//! each action happens once per service per batch, however many files triggered it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use super::rules::{Action, Mapping, Rules};

/// What one batch asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Actions {
    /// A compose file, override, `.env` or `env_file` changed: reload the project first.
    pub reload: bool,
    pub rebuild: BTreeSet<String>,
    /// Per service, the files to sync with the index of the rule that maps each.
    pub sync: BTreeMap<String, Vec<(usize, Mapping)>>,
    pub restart: BTreeSet<String>,
    /// Per service, the indices of the `sync+exec` rules to run.
    pub exec: BTreeMap<String, BTreeSet<usize>>,
    /// Per service, the first changed file that asked for an action: warnings name it.
    pub trigger: BTreeMap<String, PathBuf>,
}

impl Actions {
    pub fn is_empty(&self) -> bool {
        !self.reload && self.rebuild.is_empty() && self.sync.is_empty() && self.restart.is_empty() && self.exec.is_empty()
    }
}

/// Matches every path against every rule; `config_files` are the files whose change means
/// a reload.
pub fn plan(rules: &Rules, config_files: &BTreeSet<PathBuf>, paths: &[PathBuf]) -> Actions {
    let mut out = Actions::default();
    for path in paths {
        if config_files.contains(path) {
            out.reload = true;
        }
        for (i, rule) in rules.rules.iter().enumerate() {
            let Some(mapping) = rule.matches(path) else { continue };
            let service = rule.service.clone();
            out.trigger.entry(service.clone()).or_insert_with(|| path.clone());
            match rule.action {
                Action::Rebuild => {
                    out.rebuild.insert(service);
                }
                Action::Restart => {
                    out.restart.insert(service);
                }
                Action::Sync => out.sync.entry(service).or_default().push((i, mapping)),
                Action::SyncRestart => {
                    out.sync.entry(service.clone()).or_default().push((i, mapping));
                    out.restart.insert(service);
                }
                Action::SyncExec => {
                    out.sync.entry(service.clone()).or_default().push((i, mapping));
                    out.exec.entry(service).or_default().insert(i);
                }
            }
        }
    }
    // A service being rebuilt gets new containers: syncing into or restarting the old ones
    // would be wasted.
    for s in &out.rebuild {
        out.sync.remove(s);
        out.restart.remove(s);
        out.exec.remove(s);
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::model::{Project, Service};

    fn rules() -> Rules {
        let mut p = Project::default();
        let services = json!({
            "web": {"build": {"context": "/p"}, "develop": {"watch": [
                {"path": "/p/src", "action": "sync", "target": "/app"},
                {"path": "/p/package.json", "action": "rebuild"}
            ]}},
            "api": {"develop": {"watch": [
                {"path": "/p/api", "action": "sync+restart", "target": "/srv"},
                {"path": "/p/hooks", "action": "sync+exec", "target": "/hooks", "exec": {"command": ["true"]}},
                {"path": "/p/hooks", "action": "sync+exec", "target": "/hooks2", "exec": {"command": ["false"]}},
                {"path": "/p/conf", "action": "restart"}
            ]}}
        });
        for (name, body) in services.as_object().unwrap() {
            let mut s: Service = serde_json::from_value(body.clone()).unwrap();
            s.name = name.clone();
            p.services.insert(name.clone(), s);
        }
        Rules::compile(&p, &BTreeSet::new()).unwrap()
    }

    fn paths(list: &[&str]) -> Vec<PathBuf> {
        list.iter().map(PathBuf::from).collect()
    }

    #[test]
    fn each_file_goes_to_its_rules_and_actions_happen_once() {
        let rules = rules();
        let got = plan(
            &rules,
            &BTreeSet::new(),
            &paths(&["/p/src/a.js", "/p/src/b.js", "/p/api/x", "/p/hooks/h", "/p/hooks/i", "/p/conf/c", "/elsewhere"]),
        );
        let web: Vec<&str> = got.sync["web"].iter().map(|(_, m)| m.container.as_str()).collect();
        assert_eq!(web, ["/app/a.js", "/app/b.js"]);
        let api: Vec<&str> = got.sync["api"].iter().map(|(_, m)| m.container.as_str()).collect();
        assert_eq!(api, ["/srv/x", "/hooks/h", "/hooks2/h", "/hooks/i", "/hooks2/i"]);
        assert_eq!(got.restart, BTreeSet::from(["api".to_string()]));
        assert_eq!(got.exec["api"].len(), 2, "both exec rules, once each");
        assert!(got.rebuild.is_empty());
        assert!(!got.reload);
        assert_eq!(got.trigger["api"], PathBuf::from("/p/api/x"), "the first file that concerns the service");
    }

    #[test]
    fn a_rebuild_supersedes_the_other_actions_of_its_service() {
        let got = plan(&rules(), &BTreeSet::new(), &paths(&["/p/src/a.js", "/p/package.json", "/p/conf/c"]));
        assert_eq!(got.rebuild, BTreeSet::from(["web".to_string()]));
        assert!(!got.sync.contains_key("web"));
        assert_eq!(got.restart, BTreeSet::from(["api".to_string()]));
    }

    #[test]
    fn config_files_ask_for_a_reload() {
        let config = BTreeSet::from([PathBuf::from("/p/compose.yaml")]);
        let got = plan(&rules(), &config, &paths(&["/p/compose.yaml"]));
        assert!(got.reload);
        assert!(!plan(&rules(), &config, &paths(&["/p/other.yaml"])).reload);
        assert!(plan(&rules(), &config, &paths(&["/p/other.yaml"])).is_empty());
    }
}
