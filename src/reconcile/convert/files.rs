//! Secrets and configs that have no file on the host: their content is written into each new
//! container, between its creation and its start.
//!
//! A secret or config with a `file:` is bind-mounted (see `mounts.rs`); one that takes its
//! value from the project environment (`environment:`) or carries it inline (`content:`) is
//! copied in as a one-file tar archive through the engine's archive endpoint, as Docker
//! Compose 2.26.1 does: mode 0444 unless `mode` says otherwise, owned by `uid`/`gid`
//! (root by default), and with the engine's `copyUIDGID` whenever `uid` or `gid` is set. That
//! happens once, after the container is created: a later `start` writes nothing again.

use std::io;

use super::mounts::{config_target, secret_target};
use crate::model::{FileObject, FileReference, Project, Service};

/// The mode of a copied file when its reference gives none.
const DEFAULT_MODE: u32 = 0o444;

/// One file to write into a container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InjectedFile {
    /// `secret` or `config`.
    pub kind: &'static str,
    /// The secret's or config's key in the project.
    pub source: String,
    /// Where the value comes from, for the plan's text: `$VAR` or `content`.
    pub origin: String,
    /// Absolute path in the container.
    pub path: String,
    pub content: String,
    pub mode: u32,
    pub uid: u64,
    pub gid: u64,
    /// The engine's `copyUIDGID`, set when the reference names a `uid` or `gid`.
    pub copy_uid_gid: bool,
}

/// Why the files of a service cannot be written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileError {
    /// In Docker Compose 2.40.3's words (2.26.1 said "required by file").
    #[error("environment variable {variable:?} required by {kind} {name:?} is not set")]
    MissingVariable { variable: String, kind: &'static str, name: String },
    /// External secrets and configs belong to Swarm; Docker Compose refuses them.
    #[error("unsupported external {kind} {name}")]
    External { kind: &'static str, name: String },
    #[error("service {service}: {kind} {key}: invalid {field} {value:?}: not a number")]
    Owner { service: String, kind: &'static str, key: String, field: &'static str, value: String },
}

/// The files to copy into a new container of `service`, in the order the service lists them.
pub fn injected_files(project: &Project, service: &Service) -> Result<Vec<InjectedFile>, FileError> {
    let mut out = Vec::new();
    let secrets = service.secrets.iter().map(|r| ("secret", r, project.secrets.get(&r.source), secret_target(r)));
    let configs = service.configs.iter().map(|r| ("config", r, project.configs.get(&r.source), config_target(r)));
    for (kind, reference, object, path) in secrets.chain(configs) {
        let Some(object) = object else { continue };
        if object.external {
            return Err(FileError::External { kind, name: object.name.clone() });
        }
        let Some((origin, content)) = value(kind, object)? else { continue };
        let owner = |field: &'static str, value: &str| -> Result<u64, FileError> {
            if value.is_empty() {
                return Ok(0);
            }
            value.parse().map_err(|_| FileError::Owner {
                service: service.name.clone(),
                kind,
                key: reference.source.clone(),
                field,
                value: value.to_string(),
            })
        };
        out.push(InjectedFile {
            kind,
            source: reference.source.clone(),
            origin,
            path,
            content,
            mode: reference.mode.unwrap_or(DEFAULT_MODE),
            uid: owner("uid", &reference.uid)?,
            gid: owner("gid", &reference.gid)?,
            copy_uid_gid: !reference.uid.is_empty() || !reference.gid.is_empty(),
        });
    }
    Ok(out)
}

/// Where the value of `object` comes from and the value, when it is not a host file.
fn value(kind: &'static str, object: &FileObject) -> Result<Option<(String, String)>, FileError> {
    if !object.environment.is_empty() {
        let Some(v) = &object.environment_value else {
            return Err(FileError::MissingVariable { variable: object.environment.clone(), kind, name: object.name.clone() });
        };
        return Ok(Some((format!("${}", object.environment), v.clone())));
    }
    Ok(object.content.clone().map(|c| ("content".to_string(), c)))
}

/// Secret and config references whose `uid`, `gid` or `mode` the engine cannot honour: those
/// of host files, which are bind-mounted as they are.
pub fn ignored_ownership(project: &Project, service: &Service) -> Vec<String> {
    let sets_owner = |r: &FileReference| !r.uid.is_empty() || !r.gid.is_empty() || r.mode.is_some();
    let is_file = |o: Option<&FileObject>| o.is_some_and(|o| !o.file.is_empty());
    let mut out = Vec::new();
    for r in service.secrets.iter().filter(|r| sets_owner(r) && is_file(project.secrets.get(&r.source))) {
        out.push(format!(
            "service {}: secret {}: `uid`, `gid` and `mode` are not supported for a file, they will be ignored",
            service.name, r.source
        ));
    }
    for r in service.configs.iter().filter(|r| sets_owner(r) && is_file(project.configs.get(&r.source))) {
        out.push(format!(
            "service {}: config {}: `uid`, `gid` and `mode` are not supported for a file, they will be ignored",
            service.name, r.source
        ));
    }
    out
}

/// The tar archive of `files` (names relative to `/`), each modified at `mtime` (Unix seconds).
pub fn archive(files: &[&InjectedFile], mtime: u64) -> io::Result<Vec<u8>> {
    let mut tar = tar::Builder::new(Vec::new());
    for f in files {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(tar::EntryType::Regular);
        h.set_size(f.content.len() as u64);
        h.set_mode(f.mode);
        h.set_uid(f.uid);
        h.set_gid(f.gid);
        h.set_mtime(mtime);
        tar.append_data(&mut h, f.path.trim_start_matches('/'), f.content.as_bytes())?;
    }
    tar.into_inner()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reconcile::testing::project;

    const STACK: &str = r#"
services:
  app:
    image: busybox
    secrets:
      - token
      - {source: token, target: custom, uid: "1000", gid: "2000", mode: 0440}
      - cert
    configs:
      - motd
      - {source: motd, target: etc/motd}
      - {source: inline, target: /etc/app.conf, mode: 0600}
secrets:
  token: {environment: TOKEN}
  cert: {file: ./cert.pem}
configs:
  motd: {environment: MOTD}
  inline: {content: "a = 1"}
"#;

    fn with_env(yaml: &str, vars: &[(&str, &str)]) -> Project {
        let mut p = project(yaml);
        for o in p.secrets.values_mut().chain(p.configs.values_mut()) {
            o.environment_value = vars.iter().find(|(k, _)| *k == o.environment).map(|(_, v)| v.to_string());
        }
        p
    }

    #[test]
    fn environment_and_content_files_land_where_docker_compose_puts_them() {
        let p = with_env(STACK, &[("TOKEN", "s3cret"), ("MOTD", "hello")]);
        let files = injected_files(&p, &p.services["app"]).unwrap();
        let got: Vec<(&str, &str, &str, u32, u64, u64, bool)> =
            files.iter().map(|f| (f.path.as_str(), f.content.as_str(), f.origin.as_str(), f.mode, f.uid, f.gid, f.copy_uid_gid)).collect();
        assert_eq!(
            got,
            [
                ("/run/secrets/token", "s3cret", "$TOKEN", 0o444, 0, 0, false),
                ("/run/secrets/custom", "s3cret", "$TOKEN", 0o440, 1000, 2000, true),
                ("/motd", "hello", "$MOTD", 0o444, 0, 0, false),
                ("/etc/motd", "hello", "$MOTD", 0o444, 0, 0, false),
                ("/etc/app.conf", "a = 1", "content", 0o600, 0, 0, false),
            ]
        );
    }

    #[test]
    fn an_unset_variable_is_an_error_naming_it_and_the_file() {
        let p = with_env(STACK, &[("MOTD", "hello")]);
        let err = injected_files(&p, &p.services["app"]).unwrap_err();
        assert_eq!(err.to_string(), r#"environment variable "TOKEN" required by secret "p_token" is not set"#);
        let empty = with_env(STACK, &[("TOKEN", ""), ("MOTD", "")]);
        assert_eq!(injected_files(&empty, &empty.services["app"]).unwrap()[0].content, "", "set but empty is a value");
    }

    #[test]
    fn a_uid_that_is_not_a_number_is_an_error() {
        let p =
            with_env("services:\n  app:\n    image: busybox\n    configs: [{source: c, uid: root}]\nconfigs:\n  c: {content: x}\n", &[]);
        let err = injected_files(&p, &p.services["app"]).unwrap_err();
        assert_eq!(err.to_string(), r#"service app: config c: invalid uid "root": not a number"#);
    }

    #[test]
    fn external_secrets_and_configs_are_refused() {
        let p = with_env("services:\n  app:\n    image: busybox\n    secrets: [s]\nsecrets:\n  s: {external: true}\n", &[]);
        assert_eq!(injected_files(&p, &p.services["app"]).unwrap_err().to_string(), "unsupported external secret s");
    }

    #[test]
    fn only_host_files_warn_that_ownership_is_ignored() {
        let p = with_env(&STACK.replace("- cert\n", "- {source: cert, mode: 0400}\n"), &[("TOKEN", "t"), ("MOTD", "m")]);
        assert_eq!(
            ignored_ownership(&p, &p.services["app"]),
            ["service app: secret cert: `uid`, `gid` and `mode` are not supported for a file, they will be ignored"]
        );
    }

    #[test]
    fn the_archive_holds_each_file_with_its_owner_and_mode() {
        let p = with_env(STACK, &[("TOKEN", "s3cret"), ("MOTD", "hello")]);
        let files = injected_files(&p, &p.services["app"]).unwrap();
        let bytes = archive(&files.iter().collect::<Vec<_>>(), 1_700_000_000).unwrap();
        let mut tar = tar::Archive::new(&bytes[..]);
        let mut seen = Vec::new();
        for entry in tar.entries().unwrap() {
            let mut e = entry.unwrap();
            let h = e.header().clone();
            let mut body = String::new();
            std::io::Read::read_to_string(&mut e, &mut body).unwrap();
            seen.push((e.path().unwrap().display().to_string(), body, h.mode().unwrap(), h.uid().unwrap(), h.mtime().unwrap()));
        }
        assert_eq!(seen[1], ("run/secrets/custom".to_string(), "s3cret".to_string(), 0o440, 1000, 1_700_000_000));
        assert_eq!(seen.len(), 5);
    }
}
