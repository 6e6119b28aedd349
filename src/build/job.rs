//! A service's `build:` section turned into one build for the engine's classic builder: the
//! context directory, where the Dockerfile comes from, and the engine's options. Pure: no file
//! is read here (the context is scanned when the build runs).

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use super::{BuildError, BuildJob, Dockerfile};
use crate::engine::BuildOptions;
use crate::model::{Project, Service};
use crate::reconcile::labels;

/// The label Docker Compose's classic builder puts on the images it builds.
pub const BUILDER_LABEL: &str = "com.docker.compose.image.builder";

/// What the `build` command's flags change in every build.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Overrides {
    /// `--no-cache`.
    pub no_cache: bool,
    /// `--pull`: always try to pull newer base images.
    pub pull: bool,
    /// `--build-arg K=V`, over the file's `build.args`.
    pub args: BTreeMap<String, String>,
    /// `--memory`: the memory limit of the RUN steps, in bytes.
    pub memory: Option<i64>,
    /// `--ssh`: SSH agents or keys to expose to the build, which the classic builder cannot do.
    pub ssh: Vec<String>,
}

/// The build of `service`; the image gets the service's image name, then `build.tags`.
pub fn job(project: &Project, service: &Service, overrides: &Overrides) -> Result<BuildJob, BuildError> {
    let invalid = |message: String| BuildError::Invalid { service: service.name.clone(), message };
    let Some(b) = &service.build else { return Err(invalid("has no build section".into())) };
    let classic = |what: &str| invalid(format!("the classic builder doesn't support {what}"));
    if b.platforms.len() > 1 {
        return Err(classic("multi-platform builds (build.platforms)"));
    }
    if b.privileged {
        return Err(classic("privileged builds (build.privileged)"));
    }
    if !b.additional_contexts.is_empty() {
        return Err(classic("additional contexts (build.additional_contexts)"));
    }
    if !b.ssh.is_empty() {
        return Err(classic("SSH keys (build.ssh)"));
    }
    if !overrides.ssh.is_empty() {
        return Err(classic("SSH keys (--ssh)"));
    }
    if !b.secrets.is_empty() {
        return Err(classic("secrets (build.secrets)"));
    }
    if is_remote(&b.context) {
        return Err(invalid(format!("build context {:?}: only local directories can be built", b.context)));
    }
    let context = normalize(&project.working_dir.join(if b.context.is_empty() { "." } else { &b.context }));
    let dockerfile = if !b.dockerfile_inline.is_empty() {
        Dockerfile::Inline(b.dockerfile_inline.clone())
    } else {
        let path = normalize(&context.join(if b.dockerfile.is_empty() { "Dockerfile" } else { &b.dockerfile }));
        match path.strip_prefix(&context) {
            Ok(rel) if !rel.as_os_str().is_empty() => {
                Dockerfile::InContext(rel.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/"))
            }
            _ => Dockerfile::Outside(path),
        }
    };
    let mut build_args: BTreeMap<String, String> = b.args.iter().filter_map(|(k, v)| Some((k.clone(), v.clone()?))).collect();
    build_args.extend(overrides.args.clone());
    let mut build_labels = b.labels.clone();
    build_labels.insert(BUILDER_LABEL.into(), "classic".into());
    let options = BuildOptions {
        dockerfile: String::new(),
        tag: None,
        build_args,
        target: non_empty(&b.target),
        labels: build_labels,
        network_mode: non_empty(&b.network),
        shm_size: u64::try_from(b.shm_size.0).ok().filter(|n| *n > 0),
        extra_hosts: b.extra_hosts.iter().map(|h| h.replacen('=', ":", 1)).collect(),
        no_cache: b.no_cache || overrides.no_cache,
        pull: b.pull || overrides.pull,
        cache_from: b.cache_from.clone(),
        platform: b.platforms.first().cloned().or_else(|| non_empty(&service.platform)),
        memory: overrides.memory,
        registry_auths: BTreeMap::new(),
    };
    let mut tags = vec![labels::image_name(project, service)];
    tags.extend(b.tags.iter().filter(|t| !tags.contains(t)).cloned().collect::<Vec<_>>());
    Ok(BuildJob { context, dockerfile, options, tags, services: vec![service.name.clone()], quiet: false })
}

fn non_empty(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_string())
}

/// Git and URL contexts, which the classic builder would fetch itself.
fn is_remote(context: &str) -> bool {
    context.contains("://") || context.starts_with("git@") || context.starts_with("github.com/")
}

/// `a/./b/../c` → `a/c`, without touching the file system.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reconcile::testing::project;

    fn job_of(yaml: &str, service: &str) -> Result<BuildJob, BuildError> {
        let p = project(yaml);
        job(&p, &p.services[service], &Overrides::default())
    }

    #[test]
    fn options_come_from_the_build_section() {
        let yaml = "services:\n  web:\n    build:\n      context: ./ctx\n      args: {A: '1', B: null}\n      target: prod\n      labels: {x: y}\n      network: host\n      shm_size: 64m\n      extra_hosts: ['db:10.0.0.2', 'h=::1']\n      no_cache: true\n      tags: ['web:extra']\n";
        let j = job_of(yaml, "web").unwrap();
        assert!(j.context.ends_with("ctx"), "{:?}", j.context);
        assert_eq!(j.dockerfile, Dockerfile::InContext("Dockerfile".into()));
        assert_eq!(j.tags, ["p-web", "web:extra"]);
        let o = &j.options;
        assert_eq!(o.build_args, BTreeMap::from([("A".into(), "1".into())]), "unresolved args are dropped");
        assert_eq!(o.target.as_deref(), Some("prod"));
        assert_eq!(o.labels, BTreeMap::from([("x".into(), "y".into()), (BUILDER_LABEL.into(), "classic".into())]));
        assert_eq!(o.network_mode.as_deref(), Some("host"));
        assert_eq!(o.shm_size, Some(64 << 20));
        assert_eq!(o.extra_hosts, ["db:10.0.0.2", "h:::1"]);
        assert!(o.no_cache && !o.pull);
    }

    #[test]
    fn dockerfiles_inside_outside_and_inline() {
        let j =
            job_of("services:\n  a:\n    image: img\n    build: {context: ctx, dockerfile: sub/../docker/A.Dockerfile}\n", "a").unwrap();
        assert_eq!(j.dockerfile, Dockerfile::InContext("docker/A.Dockerfile".into()));
        assert_eq!(j.tags, ["img"], "image: names the built image");
        let j = job_of("services:\n  a:\n    build: {context: ctx, dockerfile: ../Dockerfile.a}\n", "a").unwrap();
        let Dockerfile::Outside(path) = &j.dockerfile else { panic!("{:?}", j.dockerfile) };
        assert!(path.ends_with("Dockerfile.a") && !path.to_string_lossy().contains(".."), "{path:?}");
        let j = job_of("services:\n  a:\n    build: {context: ., dockerfile_inline: 'FROM busybox'}\n", "a").unwrap();
        assert_eq!(j.dockerfile, Dockerfile::Inline("FROM busybox".into()));
    }

    #[test]
    fn overrides_and_what_the_classic_builder_cannot_do() {
        let p = project("services:\n  a:\n    build: {context: ., args: {A: file}}\n");
        let o = Overrides {
            no_cache: true,
            pull: true,
            args: BTreeMap::from([("A".into(), "flag".into())]),
            memory: Some(100 << 20),
            ssh: vec![],
        };
        let j = job(&p, &p.services["a"], &o).unwrap();
        assert!(j.options.no_cache && j.options.pull);
        assert_eq!(j.options.build_args["A"], "flag");
        assert_eq!(j.options.memory, Some(100 << 20), "--memory reaches the engine's options");
        assert_eq!(job(&p, &p.services["a"], &Overrides::default()).unwrap().options.memory, None);
        let e = job(&p, &p.services["a"], &Overrides { ssh: vec!["default".into()], ..Default::default() }).unwrap_err();
        assert_eq!(e.to_string(), "service a: the classic builder doesn't support SSH keys (--ssh)");
        let e = job_of("services:\n  a:\n    build: {context: ., ssh: [default]}\n", "a").unwrap_err();
        assert_eq!(e.to_string(), "service a: the classic builder doesn't support SSH keys (build.ssh)");
        let e = job_of("services:\n  a:\n    build: https://github.com/x/y.git\n", "a").unwrap_err();
        assert!(e.to_string().contains("only local directories can be built"), "{e}");
    }
}
