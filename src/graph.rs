//! The service dependency graph: the only user of petgraph.
//!
//! Edges point from a service to what it needs (`depends_on`, `links`, `volumes_from`,
//! `network_mode: service:x`). Start order puts dependencies first; stop order is the reverse.

use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;
use petgraph::Direction;
use std::collections::{BTreeMap, BTreeSet};

use crate::model::Project;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CycleError {
    /// The services of the cycle, the first repeated at the end: `a -> b -> a`.
    pub cycle: Vec<String>,
}

impl std::fmt::Display for CycleError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "dependency cycle: {}", self.cycle.join(" -> "))
    }
}

impl std::error::Error for CycleError {}

pub struct Graph {
    graph: DiGraph<String, ()>,
    index: BTreeMap<String, NodeIndex>,
}

impl Graph {
    /// Builds the graph of the project's enabled services. Dependencies on services that are not
    /// in the project (optional ones) are left out.
    pub fn new(project: &Project) -> Graph {
        let mut graph = DiGraph::new();
        let mut index = BTreeMap::new();
        for name in project.services.keys() {
            index.insert(name.clone(), graph.add_node(name.clone()));
        }
        for (name, service) in &project.services {
            let from = index[name];
            let mut deps: BTreeSet<String> = service.depends_on.keys().cloned().collect();
            deps.extend(crate::loader::normalize::implicit_dependencies(service).into_iter().map(|(d, _)| d));
            for dep in deps {
                if let Some(&to) = index.get(&dep) {
                    graph.update_edge(from, to, ());
                }
            }
        }
        Graph { graph, index }
    }

    /// Services that `name` depends on directly.
    pub fn dependencies(&self, name: &str) -> Vec<String> {
        self.neighbours(name, Direction::Outgoing)
    }

    /// Services that depend directly on `name`.
    pub fn dependents(&self, name: &str) -> Vec<String> {
        self.neighbours(name, Direction::Incoming)
    }

    fn neighbours(&self, name: &str, dir: Direction) -> Vec<String> {
        let Some(&i) = self.index.get(name) else { return Vec::new() };
        let mut out: Vec<String> = self.graph.neighbors_directed(i, dir).map(|n| self.graph[n].clone()).collect();
        out.sort();
        out
    }

    /// The first cycle found, printed whole.
    pub fn find_cycle(&self) -> Option<CycleError> {
        for scc in tarjan_scc(&self.graph) {
            let self_loop = scc.len() == 1 && self.graph.find_edge(scc[0], scc[0]).is_some();
            if scc.len() < 2 && !self_loop {
                continue;
            }
            let members: BTreeSet<NodeIndex> = scc.iter().copied().collect();
            // Start at the alphabetically first member so the message is stable.
            let start = *scc.iter().min_by_key(|n| &self.graph[**n]).unwrap();
            let mut path = vec![start];
            let mut seen = BTreeSet::from([start]);
            let mut cur = start;
            loop {
                let mut nexts: Vec<NodeIndex> = self.graph.edges(cur).map(|e| e.target()).filter(|t| members.contains(t)).collect();
                nexts.sort_by_key(|n| &self.graph[*n]);
                if nexts.contains(&start) {
                    path.push(start);
                    break;
                }
                let Some(next) = nexts.into_iter().find(|n| !seen.contains(n)) else {
                    // Dead end inside the component: fall back to listing it.
                    path.push(start);
                    break;
                };
                seen.insert(next);
                path.push(next);
                cur = next;
            }
            return Some(CycleError { cycle: path.into_iter().map(|n| self.graph[n].clone()).collect() });
        }
        None
    }

    /// All services, dependencies before dependents; ties broken by name.
    pub fn start_order(&self) -> Result<Vec<String>, CycleError> {
        if let Some(c) = self.find_cycle() {
            return Err(c);
        }
        let mut remaining: BTreeMap<NodeIndex, usize> =
            self.graph.node_indices().map(|n| (n, self.graph.neighbors_directed(n, Direction::Outgoing).count())).collect();
        let mut ready: BTreeSet<String> = remaining.iter().filter(|(_, c)| **c == 0).map(|(n, _)| self.graph[*n].clone()).collect();
        let mut order = Vec::new();
        while let Some(name) = ready.pop_first() {
            let i = self.index[&name];
            remaining.remove(&i);
            for dependent in self.graph.neighbors_directed(i, Direction::Incoming) {
                if let Some(c) = remaining.get_mut(&dependent) {
                    *c -= 1;
                    if *c == 0 {
                        ready.insert(self.graph[dependent].clone());
                    }
                }
            }
            order.push(name);
        }
        Ok(order)
    }

    /// Dependents before their dependencies.
    pub fn stop_order(&self) -> Result<Vec<String>, CycleError> {
        let mut order = self.start_order()?;
        order.reverse();
        Ok(order)
    }

    /// The named services and everything they depend on, transitively.
    pub fn with_dependencies(&self, names: &[String]) -> BTreeSet<String> {
        self.closure(names, Direction::Outgoing)
    }

    /// The named services and everything that depends on them, transitively.
    pub fn with_dependents(&self, names: &[String]) -> BTreeSet<String> {
        self.closure(names, Direction::Incoming)
    }

    fn closure(&self, names: &[String], dir: Direction) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        let mut stack: Vec<NodeIndex> = names.iter().filter_map(|n| self.index.get(n).copied()).collect();
        while let Some(i) = stack.pop() {
            if out.insert(self.graph[i].clone()) {
                stack.extend(self.graph.neighbors_directed(i, dir));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{DependsOn, Service};

    fn project(edges: &[(&str, &[&str])]) -> Project {
        let mut p = Project::default();
        for (name, deps) in edges {
            let mut s = Service { name: name.to_string(), ..Default::default() };
            for d in *deps {
                s.depends_on.insert(d.to_string(), DependsOn { condition: "service_started".into(), restart: false, required: true });
            }
            p.services.insert(name.to_string(), s);
        }
        p
    }

    #[test]
    fn start_and_stop_order() {
        let g = Graph::new(&project(&[("web", &["db", "cache"]), ("db", &[]), ("cache", &["db"])]));
        assert_eq!(g.start_order().unwrap(), vec!["db", "cache", "web"]);
        assert_eq!(g.stop_order().unwrap(), vec!["web", "cache", "db"]);
    }

    #[test]
    fn cycles_are_printed_whole() {
        let g = Graph::new(&project(&[("a", &["b"]), ("b", &["c"]), ("c", &["a"]), ("d", &[])]));
        let e = g.start_order().unwrap_err();
        assert_eq!(e.to_string(), "dependency cycle: a -> b -> c -> a");
        let g = Graph::new(&project(&[("a", &["a"])]));
        assert_eq!(g.find_cycle().unwrap().cycle, vec!["a", "a"]);
    }

    #[test]
    fn subsets_pull_in_dependencies() {
        let g = Graph::new(&project(&[("web", &["db"]), ("db", &["vol"]), ("vol", &[]), ("other", &[])]));
        let s = g.with_dependencies(&["web".into()]);
        assert_eq!(s.into_iter().collect::<Vec<_>>(), vec!["db", "vol", "web"]);
        assert_eq!(g.with_dependents(&["vol".into()]).len(), 3);
    }
}
