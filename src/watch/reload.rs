//! Beyond Docker Compose: when a compose file, an override, `.env` or an `env_file` changes
//! while watching, the project is loaded again and only the services whose configuration
//! hash changed are brought up again (recreated); the watch rules follow the new project.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use super::rules::Rules;
use super::watcher::Watcher;
use super::Notice;
use crate::compose::UpOptions;
use crate::loader;
use crate::model::Project;
use crate::reconcile::hash::config_hash;

/// Override files discovery would pick up if they appeared.
const OVERRIDES: [&str; 4] =
    ["compose.override.yaml", "compose.override.yml", "docker-compose.override.yml", "docker-compose.override.yaml"];

/// The files whose change means the project must be reloaded.
pub fn config_files(project: &Project, opts: &loader::Options) -> BTreeSet<PathBuf> {
    let dir = &project.working_dir;
    let mut files: BTreeSet<PathBuf> = project.config_files.iter().filter(|f| f.as_path() != Path::new("-")).cloned().collect();
    files.extend(project.env_files.iter().cloned());
    if opts.files.is_empty() {
        files.extend(OVERRIDES.iter().map(|o| dir.join(o)));
    }
    if opts.env_files.is_empty() {
        files.insert(dir.join(".env"));
    }
    // Services' `env_file`s, already read into their environment by the loader.
    files.extend(project.service_env_files.iter().map(|f| dir.join(f)));
    files
}

/// The services of `new` whose configuration differs from `old` (new services included),
/// among `among` (all when empty).
pub fn changed_services(old: &Project, new: &Project, among: &BTreeSet<String>) -> Vec<String> {
    let hashes = |p: &Project| -> BTreeMap<String, String> { p.services.values().map(|s| (s.name.clone(), config_hash(p, s))).collect() };
    let (before, after) = (hashes(old), hashes(new));
    after
        .into_iter()
        .filter(|(name, hash)| (among.is_empty() || among.contains(name)) && before.get(name) != Some(hash))
        .map(|(name, _)| name)
        .collect()
}

impl Watcher<'_> {
    /// Loads the project again; on success, updates the changed services and the rules. A
    /// project that no longer loads (a half-edited file) is a warning: the old one stays.
    pub(super) async fn reload(&mut self) {
        // Loading reads files: off the runtime thread.
        let opts = self.opts.loader.clone();
        let loaded = match tokio::task::spawn_blocking(move || loader::load(&opts)).await {
            Ok(Ok(l)) => l,
            Ok(Err(d)) => return self.warn(format!("the project was not reloaded: {d}")),
            Err(e) => return self.warn(format!("the project was not reloaded: internal error: {e}")),
        };
        for w in &loaded.warnings {
            self.warn(w.clone());
        }
        let new = loaded.project;
        let rules = match Rules::compile(&new, &self.opts.services.iter().cloned().collect()) {
            Ok(r) => r,
            Err(e) => return self.warn(format!("the project was not reloaded: {e}")),
        };
        let among = self.targets();
        let mut changed = changed_services(&self.project, &new, &among);
        // Services the user named that are new in the file are brought up as well.
        changed.extend(
            self.opts.services.iter().filter(|s| !self.project.services.contains_key(*s) && new.services.contains_key(*s)).cloned(),
        );
        changed.sort();
        changed.dedup();
        self.project = new;
        self.rules = rules;
        for w in self.rules.warnings.clone() {
            self.warn(w);
        }
        self.rewatch();
        if !changed.is_empty() {
            let up = UpOptions { services: changed.clone(), no_deps: true, ..self.opts.up.clone() };
            if let Err(e) = self.compose.up(&self.project, &up).await {
                return self.warn(format!("updating service(s) {} after the reload: {e}", changed.join(", ")));
            }
        }
        self.notice(Notice::Reloaded(changed));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Service;

    fn project(services: &[(&str, &str)]) -> Project {
        let mut p = Project { name: "p".into(), ..Default::default() };
        for (name, image) in services {
            let s = Service { name: name.to_string(), image: image.to_string(), ..Default::default() };
            p.services.insert(name.to_string(), s);
        }
        p
    }

    #[test]
    fn only_services_with_a_new_hash_change() {
        let old = project(&[("a", "x:1"), ("b", "y:1")]);
        let new = project(&[("a", "x:2"), ("b", "y:1"), ("c", "z:1")]);
        assert_eq!(changed_services(&old, &new, &BTreeSet::new()), ["a", "c"]);
        assert_eq!(changed_services(&old, &new, &BTreeSet::from(["b".to_string(), "c".to_string()])), ["c"]);
    }

    #[test]
    fn config_files_include_overrides_env_and_env_files() {
        let mut p = project(&[("a", "x")]);
        p.working_dir = PathBuf::from("/p");
        p.config_files = vec![PathBuf::from("/p/compose.yaml")];
        p.service_env_files.push(PathBuf::from("/p/a.env"));
        let files = config_files(&p, &loader::Options::default());
        for f in ["/p/compose.yaml", "/p/compose.override.yaml", "/p/.env", "/p/a.env"] {
            assert!(files.contains(Path::new(f)), "{f} missing from {files:?}");
        }
    }
}
