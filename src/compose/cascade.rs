//! The decisions of attached `up`, kept pure so that they are tested without an engine: which
//! services it shows, when it stops the project by itself, and the exit code it returns.
//!
//! They follow Docker Compose 2.26.1: the exit code is 0 unless `up` aborts; an abort stops the
//! services on the first exit of an attached container (`--abort-on-container-exit`) or on the
//! first failure (`--abort-on-container-failure`), and `up` then returns the exit code of the
//! service given with `--exit-code-from`, else of the service whose container caused the abort.

use std::collections::BTreeSet;

use super::ComposeError;
use crate::graph::Graph;
use crate::model::Project;

/// When attached `up` stops the services by itself.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum OnExit {
    /// Never: `up` ends once every attached container has stopped.
    #[default]
    Ignore,
    /// When any attached container stops (`--abort-on-container-exit`).
    Abort,
    /// When any attached container stops with a non-zero code (`--abort-on-container-failure`).
    AbortOnFailure,
}

/// What attached `up` shows and how it ends.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AttachOptions {
    /// Exactly these services' output (`--attach`); empty: the services `up` names (all when
    /// none), without those marked `attach: false`.
    pub attach: Vec<String>,
    /// Never these services' output (`--no-attach`).
    pub no_attach: Vec<String>,
    /// With named services, their dependencies' output too (`--attach-dependencies`).
    pub dependencies: bool,
    pub on_exit: OnExit,
    /// `up` returns the exit code of this service's container (`--exit-code-from`).
    pub exit_code_from: Option<String>,
    /// Lines start with the engine's timestamp (`--timestamps`).
    pub timestamps: bool,
}

/// The services whose output attached `up` shows. `named` are the services on the command
/// line, `targets` those `up` brings up (the named ones and their dependencies).
pub fn attached_services(
    project: &Project,
    named: &[String],
    targets: &BTreeSet<String>,
    opts: &AttachOptions,
) -> Result<BTreeSet<String>, ComposeError> {
    let mut attached: BTreeSet<String> = if opts.attach.is_empty() {
        let base: BTreeSet<String> = match (named.is_empty(), opts.dependencies) {
            (true, _) => targets.clone(),
            (false, false) => named.iter().cloned().collect(),
            (false, true) => Graph::new(project).with_dependencies(named),
        };
        base.into_iter().filter(|s| project.services.get(s).is_some_and(|s| s.attach != Some(false))).collect()
    } else {
        let unknown: Vec<&str> = opts.attach.iter().filter(|s| !targets.contains(*s)).map(String::as_str).collect();
        if !unknown.is_empty() {
            return Err(ComposeError::NotAttachable(unknown.join(", ")));
        }
        opts.attach.iter().cloned().collect()
    };
    for s in &opts.no_attach {
        attached.remove(s);
    }
    // As in Docker Compose, an empty selection means every service `up` brings up.
    if attached.is_empty() {
        attached = targets.clone();
    }
    // A provider service has no container to attach to.
    attached.retain(|s| project.services.get(s).is_none_or(|s| s.provider.is_none()));
    Ok(attached)
}

/// Follows the exits of attached containers: whether to abort, and the exit code.
#[derive(Debug, Clone, Default)]
pub struct Cascade {
    on_exit: OnExit,
    /// The service whose exits give the exit code: `--exit-code-from`, or once aborting, the
    /// service that caused it.
    code_from: Option<String>,
    /// The exit code `up` returns.
    pub code: i32,
    /// Whether an exit has started the abort.
    pub aborting: bool,
}

impl Cascade {
    pub fn new(opts: &AttachOptions) -> Cascade {
        Cascade { on_exit: opts.on_exit, code_from: opts.exit_code_from.clone(), ..Default::default() }
    }

    /// Records that a container of `service` stopped with `code`; true when this exit starts
    /// the abort (the caller then stops the services).
    pub fn exited(&mut self, service: &str, code: i64) -> bool {
        let trigger = match self.on_exit {
            OnExit::Ignore => return false,
            OnExit::Abort => true,
            OnExit::AbortOnFailure => code != 0,
        };
        let starts = trigger && !self.aborting;
        if starts {
            self.aborting = true;
            self.code_from.get_or_insert_with(|| service.to_string());
        }
        if self.code_from.as_deref() == Some(service) {
            self.code = i32::try_from(code).unwrap_or(1);
        }
        starts
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reconcile::testing::project;

    const STACK: &str = "services:\n  web:\n    image: busybox\n    depends_on: [db]\n  db:\n    image: busybox\n  quiet:\n    image: busybox\n    attach: false\n";

    fn set(items: &[&str]) -> BTreeSet<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    fn attached(named: &[&str], opts: AttachOptions) -> Result<BTreeSet<String>, ComposeError> {
        let p = project(STACK);
        let named: Vec<String> = named.iter().map(|s| s.to_string()).collect();
        let targets = if named.is_empty() { p.services.keys().cloned().collect() } else { Graph::new(&p).with_dependencies(&named) };
        attached_services(&p, &named, &targets, &opts)
    }

    #[test]
    fn up_shows_the_named_services_or_all_but_those_marked_attach_false() {
        assert_eq!(attached(&[], AttachOptions::default()).unwrap(), set(&["db", "web"]));
        assert_eq!(attached(&["web"], AttachOptions::default()).unwrap(), set(&["web"]));
        let deps = AttachOptions { dependencies: true, ..Default::default() };
        assert_eq!(attached(&["web"], deps).unwrap(), set(&["db", "web"]));
        let no = AttachOptions { no_attach: vec!["web".into()], ..Default::default() };
        assert_eq!(attached(&[], no).unwrap(), set(&["db"]));
    }

    #[test]
    fn attach_names_services_up_brings_up() {
        let quiet = AttachOptions { attach: vec!["quiet".into()], ..Default::default() };
        assert_eq!(attached(&[], quiet).unwrap(), set(&["quiet"]));
        let outside = AttachOptions { attach: vec!["quiet".into()], ..Default::default() };
        assert_eq!(attached(&["web"], outside).unwrap_err().to_string(), "cannot attach to services not included in up: quiet");
    }

    #[test]
    fn nothing_left_to_attach_means_everything() {
        let none = AttachOptions { no_attach: vec!["web".into()], ..Default::default() };
        assert_eq!(attached(&["web"], none).unwrap(), set(&["db", "web"]));
    }

    #[test]
    fn without_abort_the_code_is_zero() {
        let mut c = Cascade::new(&AttachOptions::default());
        assert!(!c.exited("web", 3));
        assert_eq!((c.code, c.aborting), (0, false));
    }

    #[test]
    fn the_first_exit_aborts_and_gives_the_code() {
        let mut c = Cascade::new(&AttachOptions { on_exit: OnExit::Abort, ..Default::default() });
        assert!(c.exited("job", 3));
        assert!(!c.exited("web", 137), "the abort starts once");
        assert_eq!(c.code, 3);
    }

    #[test]
    fn exit_code_from_takes_that_services_code_even_when_stopped_by_the_abort() {
        let opts = AttachOptions { on_exit: OnExit::Abort, exit_code_from: Some("web".into()), ..Default::default() };
        let mut c = Cascade::new(&opts);
        assert!(c.exited("job", 0));
        assert_eq!(c.code, 0);
        c.exited("web", 137);
        assert_eq!(c.code, 137);
    }

    #[test]
    fn abort_on_failure_ignores_clean_exits() {
        let mut c = Cascade::new(&AttachOptions { on_exit: OnExit::AbortOnFailure, ..Default::default() });
        assert!(!c.exited("init", 0));
        assert!(c.exited("web", 2));
        c.exited("init", 0);
        assert_eq!(c.code, 2);
    }
}
