//! Watch rules compiled from `develop.watch`: which host files a rule covers, where they go
//! in the container, and what happens when they change.
//!
//! A file is covered by a rule when it is the rule's `path` or below it, matches `include`
//! (when given), and matches none of the ignores: the rule's `ignore`, the `.dockerignore` of
//! the service's build context, `.git` directories and editors' temporary files. The
//! container path is `target` joined with the file's path relative to `path`; it never
//! leaves `target`, and never falls under a bind mount (those files are already there).

use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};
use std::sync::OnceLock;

use serde_json::Value as Json;

use super::pattern::{self, Matcher, PatternError};
use crate::engine::ExecSpec;
use crate::model::{Project, Service, WatchRule, MOUNT_BIND};

/// What a rule does when files under its path change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Action {
    Sync,
    Rebuild,
    Restart,
    SyncRestart,
    SyncExec,
}

impl Action {
    fn parse(s: &str) -> Option<Action> {
        Some(match s {
            "sync" => Action::Sync,
            "rebuild" => Action::Rebuild,
            "restart" => Action::Restart,
            "sync+restart" => Action::SyncRestart,
            "sync+exec" => Action::SyncExec,
            _ => return None,
        })
    }

    /// Whether the action copies files into the container.
    pub fn syncs(self) -> bool {
        matches!(self, Action::Sync | Action::SyncRestart | Action::SyncExec)
    }
}

/// A host file and where it goes in the container.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Mapping {
    pub host: PathBuf,
    /// Absolute, inside the rule's target.
    pub container: String,
}

/// One compiled rule.
#[derive(Debug, Clone)]
pub struct Rule {
    pub service: String,
    /// Position in the service's `develop.watch`, for messages (`watch[2]`).
    pub index: usize,
    pub action: Action,
    /// Absolute, symbolic links resolved when the path exists.
    pub path: PathBuf,
    /// Absolute container path; empty for `rebuild` and `restart`.
    pub target: String,
    pub initial_sync: bool,
    /// The command of `sync+exec`.
    pub exec: Option<ExecSpec>,
    include: Option<Matcher>,
    /// The rule's own `ignore`, then the build context's `.dockerignore`.
    ignore: Vec<Matcher>,
    /// Container paths bind-mounted from the host: never written.
    bind_targets: Vec<String>,
}

/// A rule that cannot be followed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("services.{service}.develop.watch[{index}]: {message}")]
pub struct RuleError {
    pub service: String,
    pub index: usize,
    pub message: String,
}

/// The rules of the selected services, and what the user should know about them.
#[derive(Debug, Clone, Default)]
pub struct Rules {
    pub rules: Vec<Rule>,
    pub warnings: Vec<String>,
}

impl Rules {
    /// Compiles the `develop.watch` rules of `services` (all of the project's when empty).
    pub fn compile(project: &Project, services: &BTreeSet<String>) -> Result<Rules, RuleError> {
        let mut out = Rules::default();
        for service in project.services.values().filter(|s| services.is_empty() || services.contains(&s.name)) {
            let Some(develop) = &service.develop else { continue };
            let dockerignore = dockerignore(service).map_err(|e| RuleError { service: service.name.clone(), index: 0, message: e })?;
            for (index, rule) in develop.watch.iter().enumerate() {
                let err = |message: String| RuleError { service: service.name.clone(), index, message };
                let compiled = compile_rule(service, index, rule, dockerignore.as_ref()).map_err(err)?;
                if compiled.action.syncs() {
                    if let Some(source) = bind_source_covering(service, &compiled.path) {
                        out.warnings.push(format!(
                            "path {} of service {} is also bind-mounted from {}: it is not watched",
                            compiled.path.display(),
                            service.name,
                            source.display()
                        ));
                        continue;
                    }
                    if let Some(t) = compiled.bind_targets.iter().find(|t| within(&compiled.target, t)) {
                        out.warnings.push(format!(
                            "target {} of service {} is bind-mounted at {t}: it is not synced",
                            compiled.target, service.name
                        ));
                        continue;
                    }
                }
                out.rules.push(compiled);
            }
        }
        Ok(out)
    }

    /// The paths to watch: every rule's path.
    pub fn paths(&self) -> Vec<PathBuf> {
        let set: BTreeSet<PathBuf> = self.rules.iter().map(|r| r.path.clone()).collect();
        set.into_iter().collect()
    }
}

impl Rule {
    /// Where `host` goes when this rule covers it.
    pub fn matches(&self, host: &Path) -> Option<Mapping> {
        let rel = host.strip_prefix(&self.path).ok()?;
        if rel.components().any(|c| !matches!(c, Component::Normal(_))) {
            return None;
        }
        if self.include.as_ref().is_some_and(|m| !m.matches(host)) || self.is_ignored(host) {
            return None;
        }
        let container = container_path(&self.target, rel);
        if self.bind_targets.iter().any(|t| within(&container, t)) {
            return None;
        }
        Some(Mapping { host: host.to_path_buf(), container })
    }

    /// Whether `host` (or a directory above it) is ignored: by the rule, the build context's
    /// `.dockerignore`, or the built-in ignores. A walk can skip an ignored directory whole.
    pub fn is_ignored(&self, host: &Path) -> bool {
        builtin_ignores().matches(host) || self.ignore.iter().any(|m| m.matches(host))
    }

    /// `services.web.develop.watch[0]`, for messages.
    pub fn name(&self) -> String {
        format!("services.{}.develop.watch[{}]", self.service, self.index)
    }
}

fn compile_rule(service: &Service, index: usize, rule: &WatchRule, dockerignore: Option<&Matcher>) -> Result<Rule, String> {
    let action = Action::parse(&rule.action).ok_or_else(|| format!("unknown action {:?}", rule.action))?;
    if rule.path.is_empty() {
        return Err("a watch rule needs a path".into());
    }
    let raw = PathBuf::from(pattern::clean(Path::new(&rule.path)));
    let path = std::fs::canonicalize(&raw).unwrap_or(raw);
    let target = if action.syncs() { checked_target(&rule.target)? } else { String::new() };
    if action == Action::Rebuild && service.build.is_none() {
        return Err(format!("service {} has no build section: rebuild is not possible", service.name));
    }
    let exec = match action {
        Action::SyncExec => Some(exec_spec(rule.exec.as_ref())?),
        _ => None,
    };
    let include =
        if rule.include.is_empty() { None } else { Some(Matcher::new(&path, &rule.include).map_err(|e| format!("include: {e}"))?) };
    let mut ignore = vec![Matcher::new(&path, &rule.ignore).map_err(|e: PatternError| format!("ignore: {e}"))?];
    ignore.extend(dockerignore.cloned());
    let legacy_initial = rule.other.get("x-initialSync").and_then(Json::as_bool).unwrap_or(false);
    let bind_targets = service.volumes.iter().filter(|m| m.kind == MOUNT_BIND).map(|m| pattern::clean(Path::new(&m.target))).collect();
    Ok(Rule {
        service: service.name.clone(),
        index,
        action,
        path,
        target,
        initial_sync: rule.initial_sync || legacy_initial,
        exec,
        include,
        ignore,
        bind_targets,
    })
}

/// A sync target: absolute and without `..`, so nothing lands outside it.
fn checked_target(target: &str) -> Result<String, String> {
    if target.is_empty() {
        return Err("a sync action needs a target".into());
    }
    if !target.starts_with('/') {
        return Err(format!("target {target:?} is not an absolute path"));
    }
    if target.split('/').any(|part| part == "..") {
        return Err(format!("target {target:?} contains \"..\""));
    }
    Ok(pattern::clean(Path::new(target)))
}

/// `target/rel` with forward slashes.
fn container_path(target: &str, rel: &Path) -> String {
    let mut out = target.trim_end_matches('/').to_string();
    for c in rel.components() {
        out.push('/');
        out.push_str(&c.as_os_str().to_string_lossy());
    }
    if out.is_empty() {
        out.push('/');
    }
    out
}

/// Whether container path `path` is `dir` or below it.
fn within(path: &str, dir: &str) -> bool {
    dir == "/" || path == dir || path.strip_prefix(dir).is_some_and(|rest| rest.starts_with('/'))
}

/// The source of a bind mount of `service` that `path` is at or below.
fn bind_source_covering(service: &Service, path: &Path) -> Option<PathBuf> {
    service
        .volumes
        .iter()
        .filter(|m| m.kind == MOUNT_BIND && !m.source.is_empty())
        .map(|m| {
            let raw = PathBuf::from(pattern::clean(Path::new(&m.source)));
            std::fs::canonicalize(&raw).unwrap_or(raw)
        })
        .find(|source| path.starts_with(source))
}

/// The build context's ignore file: `<Dockerfile>.dockerignore`, else `.dockerignore`.
fn dockerignore(service: &Service) -> Result<Option<Matcher>, String> {
    let Some(build) = &service.build else { return Ok(None) };
    if build.context.is_empty() || build.context.contains("://") || build.context.starts_with("git@") {
        return Ok(None);
    }
    let context = PathBuf::from(&build.context);
    let context = std::fs::canonicalize(&context).unwrap_or(context);
    let dockerfile = if build.dockerfile.is_empty() { "Dockerfile" } else { &build.dockerfile };
    for candidate in [context.join(format!("{dockerfile}.dockerignore")), context.join(".dockerignore")] {
        match std::fs::read_to_string(&candidate) {
            Ok(text) => {
                let patterns = pattern::read_ignore_file(&text);
                return Matcher::new(&context, &patterns).map(Some).map_err(|e| format!("{}: {e}", candidate.display()));
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(format!("cannot read {}: {e}", candidate.display())),
        }
    }
    Ok(None)
}

/// `.git` directories and the temporary files of editors (JetBrains, Emacs, Vim), as Docker
/// Compose ignores them (`.idea/**` is the content of `.idea`, not the directory).
fn builtin_ignores() -> &'static Matcher {
    static IGNORES: OnceLock<Matcher> = OnceLock::new();
    IGNORES.get_or_init(|| {
        let patterns = [
            "**/.git",
            "**/*___jb_old___",
            "**/*___jb_tmp___",
            "**/.idea/**",
            "**/.#*",
            "**/#*#",
            "**/4913",
            "**/*~",
            "**/.*.swp",
            "**/.*.swx",
            "**/.*.swo",
            "**/.*.swn",
        ];
        Matcher::new(Path::new("/"), &patterns).expect("built-in patterns are valid")
    })
}

/// The exec of `sync+exec`: `command` (a list, or a string split as a shell would),
/// `user`, `privileged`, `working_dir`, `environment` (a map or `KEY=value` list).
fn exec_spec(exec: Option<&Json>) -> Result<ExecSpec, String> {
    let exec = exec.and_then(Json::as_object).ok_or("sync+exec needs exec.command")?;
    let cmd: Vec<String> = match exec.get("command") {
        Some(Json::Array(items)) => items.iter().map(scalar).collect(),
        Some(Json::String(s)) => shell_words::split(s).map_err(|e| format!("exec.command: {e}"))?,
        _ => Vec::new(),
    };
    if cmd.is_empty() {
        return Err("sync+exec needs exec.command".into());
    }
    let env = match exec.get("environment") {
        Some(Json::Object(map)) => map.iter().map(|(k, v)| if v.is_null() { k.clone() } else { format!("{k}={}", scalar(v)) }).collect(),
        Some(Json::Array(items)) => items.iter().map(scalar).collect(),
        _ => Vec::new(),
    };
    Ok(ExecSpec {
        cmd,
        env,
        user: exec.get("user").map(scalar).filter(|s| !s.is_empty()),
        working_dir: exec.get("working_dir").map(scalar).filter(|s| !s.is_empty()),
        privileged: exec.get("privileged").and_then(Json::as_bool).unwrap_or(false),
        tty: false,
    })
}

fn scalar(v: &Json) -> String {
    match v {
        Json::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests;
