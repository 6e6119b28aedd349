//! Environment and labels resolved into each service: `env_file`s read and merged under
//! `environment`, `label_file`s under `labels`, and variables declared without a value looked up
//! in the project environment.

use std::path::Path;

use super::diagnostic::{join, Diagnostic};
use super::dotenv;

use super::env::Environment;
use crate::model::Project;

pub fn resolve_environment(project: &mut Project, env: &Environment) -> Result<(), Diagnostic> {
    let lookup = env.lookup();
    for obj in project.secrets.values_mut().chain(project.configs.values_mut()).filter(|o| !o.environment.is_empty()) {
        obj.environment_value = env.get(&obj.environment).map(str::to_string);
    }
    let mut read = Vec::new();
    for (name, service) in project.services.iter_mut() {
        if !service.env_file.is_empty() {
            let mut merged = std::collections::BTreeMap::new();
            for file in std::mem::take(&mut service.env_file) {
                read.push(std::path::PathBuf::from(&file.path));
                let path = Path::new(&file.path);
                if !path.is_file() {
                    if file.required {
                        return Err(Diagnostic::plain(format!("{}: env file {} not found", join("services", name), path.display())));
                    }
                    continue;
                }
                // A later env file may refer to variables of an earlier one.
                let chained = |k: &str| merged.get(k).cloned().flatten().or_else(|| lookup(k));
                for (k, v) in dotenv::read_file(path, &chained)? {
                    merged.insert(k, Some(v));
                }
            }
            for (k, v) in std::mem::take(&mut service.environment) {
                merged.insert(k, v);
            }
            service.environment = merged;
        }
        for value in service.environment.iter_mut() {
            if value.1.is_none() {
                *value.1 = env.get(value.0).map(str::to_string);
            }
        }
        if !service.label_file.is_empty() {
            let mut merged = std::collections::BTreeMap::new();
            for file in std::mem::take(&mut service.label_file) {
                for (k, v) in dotenv::read_file(Path::new(&file), &lookup)? {
                    merged.insert(k, v);
                }
            }
            for (k, v) in std::mem::take(&mut service.labels) {
                merged.insert(k, v);
            }
            service.labels = merged;
        }
    }
    project.service_env_files.extend(read);
    Ok(())
}
/// Reads the seccomp profiles the services name by path (`security_opt: [seccomp=PATH]`,
/// relative to the project directory) into `project.seccomp_profiles`, so that turning a
/// service into a container reads no file. `unconfined` and `builtin` are no paths; a file
/// that cannot be read is left out (the option then goes to the engine as written).
pub fn read_seccomp_profiles(project: &mut Project) {
    let services = project.services.values().chain(project.disabled_services.values());
    let values: Vec<String> = services
        .flat_map(|s| &s.security_opt)
        .filter_map(|opt| opt.split_once('=').or_else(|| opt.split_once(':')))
        .filter(|(key, value)| *key == "seccomp" && !matches!(*value, "unconfined" | "builtin" | ""))
        .map(|(_, value)| value.to_string())
        .collect();
    for value in values {
        if let Ok(text) = std::fs::read_to_string(project.working_dir.join(&value)) {
            project.seccomp_profiles.insert(value, text);
        }
    }
}
