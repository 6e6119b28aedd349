//! What `graph` prints: the services and what ties them together, read from the project
//! alone (no engine). A service needs another through `depends_on` (with its condition),
//! `links`, `volumes_from`, or a namespace it shares (`network_mode: service:x`, `ipc`, `pid`,
//! `uts`, `cgroup`); services share networks and named volumes.
//!
//! One [`ServiceGraph`] is drawn four ways: a tree for the terminal (each service under what
//! depends on it, the services nothing depends on at the top), Graphviz `dot`, Mermaid, and
//! JSON. Every list is sorted, so the same project always prints the same text.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Value};

use crate::model::Project;

/// How `graph` draws the project.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GraphFormat {
    Tree,
    Dot,
    Mermaid,
    Json,
}

impl std::str::FromStr for GraphFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "tree" => Ok(GraphFormat::Tree),
            "dot" => Ok(GraphFormat::Dot),
            "mermaid" => Ok(GraphFormat::Mermaid),
            "json" => Ok(GraphFormat::Json),
            _ => Err(format!("unsupported format {s:?} (expected tree, dot, mermaid or json)")),
        }
    }
}

/// Why a service needs another.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Need {
    /// `depends_on`, with its condition (`service_started`, `service_healthy`,
    /// `service_completed_successfully`).
    DependsOn {
        condition: String,
        required: bool,
        restart: bool,
    },
    Link,
    VolumesFrom,
    /// `network_mode`, `ipc`, `pid`, `uts` or `cgroup` set to `service:x`.
    Namespace(&'static str),
}

impl Need {
    /// The short text on an edge: `service_healthy`, `service_started, optional, restart`,
    /// `links`, `network_mode`...
    pub fn label(&self) -> String {
        match self {
            Need::DependsOn { condition, required, restart } => {
                let mut parts = vec![condition.clone()];
                if !required {
                    parts.push("optional".into());
                }
                if *restart {
                    parts.push("restart".into());
                }
                parts.join(", ")
            }
            Need::Link => "links".into(),
            Need::VolumesFrom => "volumes_from".into(),
            Need::Namespace(key) => (*key).into(),
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            Need::DependsOn { .. } => "depends_on",
            Need::Link => "links",
            Need::VolumesFrom => "volumes_from",
            Need::Namespace(key) => key,
        }
    }
}

/// `from` needs `to`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Edge {
    pub from: String,
    pub to: String,
    pub need: Need,
}

/// The project as a graph of services.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServiceGraph {
    pub name: String,
    pub services: Vec<String>,
    /// Sorted by `from`, then `to`.
    pub edges: Vec<Edge>,
    /// Each network (by its key in the project) and the services on it.
    pub networks: BTreeMap<String, BTreeSet<String>>,
    /// Each named volume (by its key in the project) and the services that mount it.
    pub volumes: BTreeMap<String, BTreeSet<String>>,
}

impl ServiceGraph {
    /// The graph of the project's enabled services. A need of a service that is not in the
    /// project (an optional dependency, a disabled profile) is left out.
    pub fn new(project: &Project) -> ServiceGraph {
        let mut g = ServiceGraph { name: project.name.clone(), services: project.services.keys().cloned().collect(), ..Default::default() };
        for (name, s) in &project.services {
            let mut add = |to: &str, need: Need| {
                if project.services.contains_key(to) {
                    g.edges.push(Edge { from: name.clone(), to: to.to_string(), need });
                }
            };
            // The loader writes a link, `volumes_from` or shared namespace into `depends_on`
            // too; that entry says nothing the specific need does not.
            let implied: BTreeSet<(String, bool)> = crate::loader::normalize::implicit_dependencies(s).into_iter().collect();
            for (to, d) in &s.depends_on {
                let written_by_loader = d.condition == "service_started" && d.required && implied.contains(&(to.clone(), d.restart));
                if !written_by_loader {
                    add(to, Need::DependsOn { condition: d.condition.clone(), required: d.required, restart: d.restart });
                }
            }
            for link in &s.links {
                add(link.split(':').next().unwrap_or(link), Need::Link);
            }
            for from in s.volumes_from.iter().filter(|f| !f.starts_with("container:")) {
                add(from.split(':').next().unwrap_or(from), Need::VolumesFrom);
            }
            for (key, value) in
                [("network_mode", &s.network_mode), ("ipc", &s.ipc), ("pid", &s.pid), ("uts", &s.uts), ("cgroup", &s.cgroup)]
            {
                if let Some(to) = value.strip_prefix("service:") {
                    add(to, Need::Namespace(key));
                }
            }
            for network in s.networks.keys() {
                g.networks.entry(network.clone()).or_default().insert(name.clone());
            }
            for m in s.volumes.iter().filter(|m| m.kind == "volume" && project.volumes.contains_key(&m.source)) {
                g.volumes.entry(m.source.clone()).or_default().insert(name.clone());
            }
        }
        g.edges.sort();
        g.edges.dedup();
        g
    }

    /// What `from` needs, in order.
    fn needs<'a>(&'a self, from: &'a str) -> impl Iterator<Item = &'a Edge> + 'a {
        self.edges.iter().filter(move |e| e.from == from)
    }

    /// The services nothing needs: the tops of the tree. In a cycle where every service is
    /// needed, the first one by name.
    fn roots(&self) -> Vec<&str> {
        let needed: BTreeSet<&str> = self.edges.iter().map(|e| e.to.as_str()).collect();
        let roots: Vec<&str> = self.services.iter().map(String::as_str).filter(|s| !needed.contains(s)).collect();
        if roots.is_empty() {
            self.services.first().map(String::as_str).into_iter().collect()
        } else {
            roots
        }
    }

    pub fn render(&self, format: GraphFormat) -> String {
        match format {
            GraphFormat::Tree => self.tree(),
            GraphFormat::Dot => self.dot(),
            GraphFormat::Mermaid => self.mermaid(),
            GraphFormat::Json => crate::go::json::marshal_indent(&self.json()) + "\n",
        }
    }

    /// Each top service, with what it needs beneath it; a service met again is printed once
    /// more with `(see above)` and not expanded, so shared dependencies and cycles stay short.
    /// Then the networks and volumes with the services that use them.
    pub fn tree(&self) -> String {
        let mut out = String::new();
        let mut shown = BTreeSet::new();
        let mut pending: Vec<&str> = self.roots();
        // Services only reachable through a cycle are drawn from the first of them.
        while let Some(root) = pending.first().copied() {
            pending.remove(0);
            if shown.contains(root) {
                continue;
            }
            out.push_str(root);
            out.push('\n');
            shown.insert(root.to_string());
            self.branch(root, "", &mut shown, &mut out);
            if pending.is_empty() {
                if let Some(left) = self.services.iter().find(|s| !shown.contains(*s)) {
                    pending.push(left);
                }
            }
        }
        for (title, groups) in [("networks", &self.networks), ("volumes", &self.volumes)] {
            if groups.is_empty() {
                continue;
            }
            out.push_str(&format!("\n{title}:\n"));
            for (name, services) in groups {
                out.push_str(&format!("  {name}: {}\n", services.iter().cloned().collect::<Vec<_>>().join(", ")));
            }
        }
        out
    }

    fn branch(&self, from: &str, indent: &str, shown: &mut BTreeSet<String>, out: &mut String) {
        let needs: Vec<&Edge> = self.needs(from).collect();
        for (i, e) in needs.iter().enumerate() {
            let last = i + 1 == needs.len();
            let again = shown.contains(&e.to);
            let (fork, more) = if last { ("└── ", "    ") } else { ("├── ", "│   ") };
            let seen = if again && self.needs(&e.to).next().is_some() { " (see above)" } else { "" };
            out.push_str(&format!("{indent}{fork}{}  [{}]{seen}\n", e.to, e.need.label()));
            if !again {
                shown.insert(e.to.clone());
                self.branch(&e.to, &format!("{indent}{more}"), shown, out);
            }
        }
    }

    /// Graphviz: services as boxes, networks as ellipses, volumes as cylinders; a need is a
    /// solid arrow (`depends_on`) or a dashed one (the others), labelled.
    pub fn dot(&self) -> String {
        let q = |s: &str| format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""));
        let mut out = format!("digraph {} {{\n  rankdir=LR;\n  node [shape=box];\n", q(&self.name));
        for s in &self.services {
            out.push_str(&format!("  {};\n", q(s)));
        }
        for e in &self.edges {
            let style = if matches!(e.need, Need::DependsOn { .. }) { "" } else { ", style=dashed" };
            out.push_str(&format!("  {} -> {} [label={}{style}];\n", q(&e.from), q(&e.to), q(&e.need.label())));
        }
        for (prefix, shape, groups) in [("network", "ellipse", &self.networks), ("volume", "cylinder", &self.volumes)] {
            for (name, services) in groups {
                let id = q(&format!("{prefix}:{name}"));
                out.push_str(&format!("  {id} [shape={shape}, label={}];\n", q(name)));
                for s in services {
                    out.push_str(&format!("  {} -> {id} [arrowhead=none, style=dotted];\n", q(s)));
                }
            }
        }
        out.push_str("}\n");
        out
    }

    /// Mermaid `flowchart`: the same picture as [`ServiceGraph::dot`]. Node ids are made up
    /// (`s0`, `n0`, `v0`), names go in the labels, so any name draws.
    pub fn mermaid(&self) -> String {
        let label = |s: &str| s.replace('"', "#quot;");
        let id: BTreeMap<&str, String> = self.services.iter().enumerate().map(|(i, s)| (s.as_str(), format!("s{i}"))).collect();
        let mut out = String::from("flowchart LR\n");
        for s in &self.services {
            out.push_str(&format!("  {}[\"{}\"]\n", id[s.as_str()], label(s)));
        }
        for e in &self.edges {
            let arrow = if matches!(e.need, Need::DependsOn { .. }) { "-->" } else { "-.->" };
            out.push_str(&format!("  {} {arrow}|\"{}\"| {}\n", id[e.from.as_str()], label(&e.need.label()), id[e.to.as_str()]));
        }
        for (prefix, (open, close), groups) in [("n", ("((", "))"), &self.networks), ("v", ("[(", ")]"), &self.volumes)] {
            for (i, (name, services)) in groups.iter().enumerate() {
                out.push_str(&format!("  {prefix}{i}{open}\"{}\"{close}\n", label(name)));
                for s in services {
                    out.push_str(&format!("  {} --- {prefix}{i}\n", id[s.as_str()]));
                }
            }
        }
        out
    }

    /// `{"name", "services", "needs": [{"from", "to", "kind", ...}], "networks", "volumes"}`.
    pub fn json(&self) -> Value {
        let needs: Vec<Value> = self
            .edges
            .iter()
            .map(|e| {
                let mut v = json!({"from": e.from, "to": e.to, "kind": e.need.kind()});
                if let Need::DependsOn { condition, required, restart } = &e.need {
                    v["condition"] = json!(condition);
                    v["required"] = json!(required);
                    v["restart"] = json!(restart);
                }
                v
            })
            .collect();
        let groups = |g: &BTreeMap<String, BTreeSet<String>>| -> Value { g.iter().map(|(k, v)| (k.clone(), json!(v))).collect() };
        json!({
            "name": self.name,
            "services": self.services,
            "needs": needs,
            "networks": groups(&self.networks),
            "volumes": groups(&self.volumes),
        })
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::loader::{self, Options};

    fn sample(name: &str) -> ServiceGraph {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("compose-samples/valid").join(name);
        let opts =
            Options { cwd: dir.clone(), files: vec![dir.join("compose.yaml")], project_name: Some(name.to_string()), ..Options::default() };
        let loaded = loader::load(&opts).unwrap_or_else(|e| panic!("{name}: {e}"));
        ServiceGraph::new(&loaded.project)
    }

    #[test]
    fn depends_on_conditions_as_a_tree() {
        let g = sample("depends-on");
        assert_eq!(
            g.tree(),
            "\
web
├── api  [service_started]
│   ├── db  [service_healthy, restart]
│   ├── migrate  [service_completed_successfully]
│   └── optional  [service_started, optional]
└── cache  [service_started]

networks:
  default: api, cache, db, migrate, optional, web
"
        );
    }

    #[test]
    fn links_volumes_from_and_namespaces_are_needs() {
        let g = sample("implicit-deps");
        let needs: Vec<String> = g.edges.iter().map(|e| format!("{} -> {} ({})", e.from, e.to, e.need.label())).collect();
        assert_eq!(
            needs,
            [
                "app -> cache (links)",
                "app -> db (links)",
                "app -> storage (volumes_from)",
                "app -> storage2 (volumes_from)",
                "ipc -> app (ipc)",
                "sidecar -> app (network_mode)",
            ]
        );
        let tree = g.tree();
        assert!(tree.starts_with("ipc\n└── app  [ipc]\n    ├── cache  [links]\n"), "{tree}");
        assert!(tree.contains("sidecar\n└── app  [network_mode] (see above)\n"), "{tree}");
    }

    #[test]
    fn networks_and_volumes_are_shared() {
        let g = sample("networks");
        assert_eq!(g.networks["back"].iter().collect::<Vec<_>>(), ["api", "web"]);
        assert!(!g.networks.values().any(|s| s.contains("isolated")), "network_mode: none joins no network");
        let g = sample("volumes-top");
        assert!(!g.volumes.is_empty(), "{g:?}");
    }

    #[test]
    fn dot_and_mermaid_draw_the_same_edges() {
        let g = sample("depends-on");
        let dot = g.dot();
        assert!(dot.starts_with("digraph \"depends-on\" {\n"), "{dot}");
        assert!(dot.contains("  \"api\" -> \"db\" [label=\"service_healthy, restart\"];\n"), "{dot}");
        assert!(dot.contains("  \"network:default\" [shape=ellipse, label=\"default\"];\n"), "{dot}");
        assert!(dot.ends_with("}\n"));
        let mermaid = g.mermaid();
        assert!(mermaid.starts_with("flowchart LR\n  s0[\"api\"]\n"), "{mermaid}");
        assert!(mermaid.contains("  s0 -->|\"service_healthy, restart\"| s2\n"), "{mermaid}");
        assert!(mermaid.contains("  n0((\"default\"))\n"), "{mermaid}");
        let g = sample("implicit-deps");
        assert!(g.mermaid().contains("-.->|\"network_mode\"|"), "{}", g.mermaid());
        assert!(g.dot().contains("[label=\"network_mode\", style=dashed]"), "{}", g.dot());
    }

    #[test]
    fn json_lists_services_needs_networks_and_volumes() {
        let v = sample("depends-on").json();
        assert_eq!(v["services"].as_array().unwrap().len(), 6);
        let db = v["needs"].as_array().unwrap().iter().find(|n| n["to"] == "db").unwrap();
        assert_eq!(
            db,
            &json!({"from": "api", "to": "db", "kind": "depends_on", "condition": "service_healthy", "required": true, "restart": true})
        );
        assert_eq!(v["networks"]["default"].as_array().unwrap().len(), 6);
    }

    #[test]
    fn a_cycle_draws_without_looping() {
        let mut p = Project { name: "c".into(), ..Default::default() };
        for (a, b) in [("a", "b"), ("b", "a")] {
            let mut s = crate::model::Service { name: a.into(), ..Default::default() };
            s.links.push(b.into());
            p.services.insert(a.into(), s);
        }
        assert_eq!(ServiceGraph::new(&p).tree(), "a\n└── b  [links]\n    └── a  [links] (see above)\n");
    }
}
