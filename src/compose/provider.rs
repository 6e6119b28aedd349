//! Provider services (`provider:`): a service that no container runs, but an external program
//! (the provider) sets up, as Docker Compose 2.40.3 does it.
//!
//! The provider is the docker CLI plugin `docker-<type>` if one is installed, else the
//! executable `<type>` on `PATH`. `up` runs `<exe> compose --project-name=<p> up --<opt>=<v>...
//! <service>` and reads one JSON message a line from its standard output: `info` (progress),
//! `error` (the failure), `setenv` (`KEY=VAL`, given to every service that depends on the
//! provider service as `<SERVICE>_KEY`), `debug`. `down` runs the same with `down`.
//!
//! The variables are only known once the provider has run, so providers are a phase of `up`
//! before its containers are planned, as images are: the dependents' environment (and so their
//! config hash) includes them.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use serde::Deserialize;
use tokio::io::{AsyncBufReadExt, BufReader};

use super::{Compose, ComposeError};
use crate::graph::Graph;
use crate::model::{Project, Provider, Service};
use crate::output::{Detail, Event};
use crate::reconcile::plan::Decision;

/// What a provider is asked to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    Up,
    Down,
}

impl Command {
    fn as_str(self) -> &'static str {
        match self {
            Command::Up => "up",
            Command::Down => "down",
        }
    }
}

/// Why a provider could not do its work (the messages are Docker Compose 2.40.3's).
#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    #[error("'compose' is not a valid provider type")]
    ComposeType,
    /// No plugin `docker-<type>` and no `<type>` on `PATH`.
    #[error("exec: {0:?}: executable file not found in $PATH")]
    NotFound(String),
    #[error("required parameter {name:?} is missing from provider {kind:?} definition")]
    MissingParameter { name: String, kind: String },
    /// The provider said so in an `error` message.
    #[error("{0}")]
    Reported(String),
    #[error("invalid response from plugin: {0}")]
    Invalid(String),
    /// The provider exited with a failure status without saying why.
    #[error("failed to {action} service provider: {status}")]
    Exited { action: &'static str, status: String },
    #[error("cannot run provider {path}: {error}")]
    Spawn { path: PathBuf, error: std::io::Error },
}

/// One line of a provider's output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    Info(String),
    Error(String),
    SetEnv { key: String, value: String },
    Debug(String),
}

#[derive(Deserialize)]
struct Raw {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    message: String,
}

/// Reads one line of a provider's output; `None` for a blank line.
pub fn parse(line: &str) -> Result<Option<Message>, ProviderError> {
    if line.trim().is_empty() {
        return Ok(None);
    }
    let raw: Raw = serde_json::from_str(line).map_err(|e| ProviderError::Invalid(format!("{line}: {e}")))?;
    Ok(Some(match raw.kind.as_str() {
        "info" => Message::Info(raw.message),
        "error" => Message::Error(raw.message),
        "debug" => Message::Debug(raw.message),
        "setenv" => match raw.message.split_once('=') {
            Some((key, value)) => Message::SetEnv { key: key.to_string(), value: value.to_string() },
            None => return Err(ProviderError::Invalid(raw.message)),
        },
        _ => return Err(ProviderError::Invalid(raw.kind)),
    }))
}

/// What a provider says of itself when asked `compose metadata`: the options each command takes.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct Metadata {
    pub description: String,
    pub up: CommandMetadata,
    pub down: CommandMetadata,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct CommandMetadata {
    pub parameters: Option<Vec<Parameter>>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct Parameter {
    pub name: String,
    pub required: bool,
}

impl Metadata {
    /// A provider that declares nothing takes every option.
    fn is_empty(&self) -> bool {
        self.description.is_empty() && self.up.parameters.is_none() && self.down.parameters.is_none()
    }
}

/// The provider's arguments: the options it declares for `command` (all of them when it
/// declares nothing), each value of a list given as its own `--name=value`; a required option
/// the service does not set is refused.
pub fn arguments(
    project: &str,
    service: &str,
    provider: &Provider,
    command: Command,
    meta: &Metadata,
) -> Result<Vec<String>, ProviderError> {
    let declared = match command {
        Command::Up => &meta.up,
        Command::Down => &meta.down,
    };
    let params = declared.parameters.as_deref().unwrap_or_default();
    let all = meta.is_empty();
    if !all {
        if let Some(p) = params.iter().find(|p| p.required && !provider.options.contains_key(&p.name)) {
            return Err(ProviderError::MissingParameter { name: p.name.clone(), kind: provider.kind.clone() });
        }
    }
    let mut args = vec!["compose".to_string(), format!("--project-name={project}"), command.as_str().to_string()];
    for (name, values) in &provider.options {
        if all || params.iter().any(|p| &p.name == name) {
            args.extend(values.iter().map(|v| format!("--{name}={v}")));
        }
    }
    args.push(service.to_string());
    Ok(args)
}

/// The provider's executable: the docker CLI plugin `docker-<kind>`, else `<kind>` on `PATH`.
pub fn executable(kind: &str) -> Result<PathBuf, ProviderError> {
    if kind == "compose" {
        return Err(ProviderError::ComposeType);
    }
    let plugin = format!("docker-{kind}");
    if let Some(found) = plugin_dirs().into_iter().map(|d| d.join(&plugin)).find(|p| is_executable(p)) {
        return Ok(found);
    }
    which::which(kind).map_err(|_| ProviderError::NotFound(kind.to_string()))
}

/// Where the docker CLI looks for plugins, in its order: the config's `cliPluginsExtraDirs`,
/// `$DOCKER_CONFIG/cli-plugins`, then the system directories.
fn plugin_dirs() -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    if let Some(config) = crate::registry::docker_config_dir() {
        let extra = std::fs::read(config.join("config.json"))
            .ok()
            .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
            .and_then(|v| v.get("cliPluginsExtraDirs").cloned())
            .and_then(|v| serde_json::from_value::<Vec<PathBuf>>(v).ok())
            .unwrap_or_default();
        dirs.extend(extra);
        dirs.push(config.join("cli-plugins"));
    }
    for d in ["/usr/local/lib", "/usr/local/libexec", "/usr/lib", "/usr/libexec"] {
        dirs.push(Path::new(d).join("docker/cli-plugins"));
    }
    dirs
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// Asks the provider for its [`Metadata`]; a provider that does not answer with it declares
/// nothing.
async fn metadata(exe: &Path) -> Metadata {
    let out = tokio::process::Command::new(exe).args(["compose", "metadata"]).stdin(Stdio::null()).stderr(Stdio::null()).output().await;
    match out {
        Ok(o) if o.status.success() => serde_json::from_slice(&o.stdout).unwrap_or_default(),
        _ => Metadata::default(),
    }
}

/// The environment variables a provider's run gives its dependents.
pub type Variables = Vec<(String, String)>;

impl Compose {
    /// Runs `command` of the providers of `services` (in start order for `up`, stop order for
    /// `down`). For `up`, returns the project with the variables they set added to their
    /// dependents' environment (`None` when no service has a provider). When dry-running,
    /// nothing runs: the decisions say what would.
    pub(super) async fn run_providers(
        &self,
        project: &Project,
        services: &BTreeSet<String>,
        command: Command,
    ) -> Result<(Option<Project>, Vec<Decision>), ComposeError> {
        let graph = Graph::new(project);
        let mut order = match command {
            Command::Up => graph.start_order(),
            Command::Down => graph.stop_order(),
        }
        .map_err(crate::reconcile::PlanError::from)?;
        order.retain(|s| services.contains(s) && project.services[s].provider.is_some());
        if order.is_empty() {
            return Ok((None, Vec::new()));
        }
        let mut decisions = Vec::new();
        let mut project = project.clone();
        for name in order {
            let service = project.services[&name].clone();
            let provider = service.provider.as_ref().expect("kept only services with a provider");
            if self.dry_run {
                let action = format!("run provider {}", provider.kind);
                decisions.push(Decision { subject: name, action, reason: command.as_str().to_string() });
                continue;
            }
            let variables = self.run_provider(&project.name, &service, provider, command).await?;
            inject(&mut project, &name, &variables);
        }
        Ok((Some(project), decisions))
    }

    /// Runs one provider, showing its progress on the service's line; returns what it set.
    async fn run_provider(
        &self,
        project: &str,
        service: &Service,
        provider: &Provider,
        command: Command,
    ) -> Result<Variables, ComposeError> {
        let exe = executable(&provider.kind)?;
        let args = arguments(project, &service.name, provider, command, &metadata(&exe).await)?;
        let (working, done, action) = match command {
            Command::Up => ("Creating", "Created", "create"),
            Command::Down => ("Removing", "Removed", "remove"),
        };
        let event = |status: &'static str| (self.events)(&Event { kind: "", name: service.name.clone(), status });
        event(working);
        let result = tokio::select! {
            r = self.converse(&exe, &args, &service.name, action) => r,
            () = self.cancel.cancelled() => return Err(ComposeError::Interrupted),
        };
        match result {
            Ok(variables) => {
                event(done);
                Ok(variables)
            }
            Err(e) => {
                event("Error");
                Err(e.into())
            }
        }
    }

    /// Starts the provider and reads its messages until it exits.
    async fn converse(&self, exe: &Path, args: &[String], service: &str, action: &'static str) -> Result<Variables, ProviderError> {
        let mut child = tokio::process::Command::new(exe)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|error| ProviderError::Spawn { path: exe.to_path_buf(), error })?;
        let mut lines = BufReader::new(child.stdout.take().expect("stdout is piped")).lines();
        let mut variables = Variables::new();
        while let Some(line) = lines.next_line().await.map_err(|error| ProviderError::Spawn { path: exe.to_path_buf(), error })? {
            match parse(&line)? {
                None => {}
                Some(Message::Info(text)) => (self.details)(&Detail::line(service, &text)),
                Some(Message::Debug(text)) => tracing::debug!("{service}: {text}"),
                Some(Message::SetEnv { key, value }) => variables.push((key, value)),
                // Dropping the child kills it: a provider that failed is not waited for.
                Some(Message::Error(text)) => return Err(ProviderError::Reported(text)),
            }
        }
        let status = child.wait().await.map_err(|error| ProviderError::Spawn { path: exe.to_path_buf(), error })?;
        if !status.success() {
            return Err(ProviderError::Exited { action, status: exit_status(status) });
        }
        Ok(variables)
    }
}

/// A failed exit as Go's `os/exec` says it: `exit status 3`, `signal: killed`.
fn exit_status(status: std::process::ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exit status {code}"),
        (None, Some(9)) => "signal: killed".to_string(),
        (None, Some(sig)) => format!("signal: {sig}"),
        (None, None) => status.to_string(),
    }
}

/// Gives every service that depends on `provider` the variables it set, prefixed with its name
/// in capitals (`db` setting `URL` gives `DB_URL`).
pub fn inject(project: &mut Project, provider: &str, variables: &[(String, String)]) {
    let prefix = format!("{}_", provider.to_uppercase());
    for s in project.services.values_mut().filter(|s| s.depends_on.contains_key(provider)) {
        for (key, value) in variables {
            s.environment.insert(format!("{prefix}{key}"), Some(value.clone()));
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn provider(options: &[(&str, &[&str])]) -> Provider {
        let options: BTreeMap<String, Vec<String>> =
            options.iter().map(|(k, v)| (k.to_string(), v.iter().map(|s| s.to_string()).collect())).collect();
        Provider { kind: "awesomecloud".into(), options }
    }

    #[test]
    fn messages_are_read_one_a_line() {
        assert_eq!(parse(r#"{"type":"info","message":"preparing"}"#).unwrap(), Some(Message::Info("preparing".into())));
        assert_eq!(parse(r#"{"type":"error","message":"quota\nexceeded"}"#).unwrap(), Some(Message::Error("quota\nexceeded".into())));
        assert_eq!(
            parse(r#"{"type":"setenv","message":"URL=a=b"}"#).unwrap(),
            Some(Message::SetEnv { key: "URL".into(), value: "a=b".into() }),
            "the first = splits"
        );
        assert_eq!(parse(r#"{"type":"debug"}"#).unwrap(), Some(Message::Debug(String::new())));
        assert_eq!(parse("  ").unwrap(), None);
        assert_eq!(parse(r#"{"type":"setenv","message":"NOVALUE"}"#).unwrap_err().to_string(), "invalid response from plugin: NOVALUE");
        assert_eq!(parse(r#"{"type":"shout","message":"x"}"#).unwrap_err().to_string(), "invalid response from plugin: shout");
        assert!(parse("not json").unwrap_err().to_string().starts_with("invalid response from plugin: not json: "));
    }

    #[test]
    fn every_option_goes_when_the_provider_declares_none() {
        let p = provider(&[("type", &["mysql"]), ("tag", &["a", "b"])]);
        let args = arguments("proj", "db", &p, Command::Up, &Metadata::default()).unwrap();
        assert_eq!(args, ["compose", "--project-name=proj", "up", "--tag=a", "--tag=b", "--type=mysql", "db"]);
        let args = arguments("proj", "db", &p, Command::Down, &Metadata::default()).unwrap();
        assert_eq!(args[2], "down");
    }

    #[test]
    fn declared_options_filter_and_required_ones_are_checked() {
        let meta: Metadata = serde_json::from_str(
            r#"{"description":"d","up":{"parameters":[{"name":"type","required":true},{"name":"size"}]},"down":{"parameters":[]}}"#,
        )
        .unwrap();
        let p = provider(&[("type", &["mysql"]), ("size", &["2"]), ("extra", &["x"])]);
        assert_eq!(
            arguments("p", "db", &p, Command::Up, &meta).unwrap(),
            ["compose", "--project-name=p", "up", "--size=2", "--type=mysql", "db"]
        );
        assert_eq!(arguments("p", "db", &p, Command::Down, &meta).unwrap(), ["compose", "--project-name=p", "down", "db"]);
        let e = arguments("p", "db", &provider(&[("size", &["2"])]), Command::Up, &meta).unwrap_err();
        assert_eq!(e.to_string(), r#"required parameter "type" is missing from provider "awesomecloud" definition"#);
    }

    #[test]
    fn the_type_compose_and_a_missing_executable_are_refused() {
        assert_eq!(executable("compose").unwrap_err().to_string(), "'compose' is not a valid provider type");
        let e = executable("rcompose-no-such-provider").unwrap_err();
        assert_eq!(e.to_string(), r#"exec: "rcompose-no-such-provider": executable file not found in $PATH"#);
    }

    #[test]
    fn variables_go_to_the_dependents_prefixed() {
        let yaml = "services:\n  app:\n    image: busybox\n    depends_on: [my-db]\n  other:\n    image: busybox\n  my-db:\n    provider:\n      type: awesomecloud\n";
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("compose.yaml"), yaml).unwrap();
        let opts = crate::loader::Options { project_name: Some("p".into()), cwd: dir.path().to_path_buf(), ..Default::default() };
        let mut p = crate::loader::load(&opts).unwrap_or_else(|e| panic!("{e}")).project;
        inject(&mut p, "my-db", &[("URL".into(), "x".into())]);
        assert_eq!(p.services["app"].environment.get("MY-DB_URL"), Some(&Some("x".to_string())));
        assert!(p.services["other"].environment.is_empty());
    }
}
