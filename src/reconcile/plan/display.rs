//! The plan as text, for `--dry-run`: first what happens to each thing and why, then the
//! steps in order with what each waits for (`after #2, #5?`, `?` marking an edge that only
//! orders, from a `required: false` dependency). The text is stable: same input, same text.

use std::fmt;

use super::{Decision, OnFailure, Op, Plan, Target};

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.subject, self.action)?;
        if !self.reason.is_empty() {
            write!(f, " ({})", self.reason)?;
        }
        Ok(())
    }
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for w in &self.warnings {
            writeln!(f, "warning: {w}")?;
        }
        for d in &self.decisions {
            writeln!(f, "{d}")?;
        }
        if self.steps.is_empty() {
            return writeln!(f, "nothing to do");
        }
        writeln!(f, "steps:")?;
        for (i, step) in self.steps.iter().enumerate() {
            write!(f, "  #{} {}", i + 1, step.op)?;
            if !step.after.is_empty() {
                let after: Vec<String> = step.after.iter().map(|e| format!("#{}{}", e.step + 1, if e.hard { "" } else { "?" })).collect();
                write!(f, "  after {}", after.join(", "))?;
            }
            if step.on_failure == OnFailure::Warn {
                write!(f, "  (failure only warns)")?;
            }
            writeln!(f)?;
        }
        Ok(())
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Op::CreateNetwork(spec) => write!(f, "create network {}", spec.name),
            Op::CreateVolume(spec) => write!(f, "create volume {}", spec.name),
            Op::PullImage { reference, services, .. } => write!(f, "pull image {reference}{}", for_services(services)),
            Op::PushImage { reference, services } => write!(f, "push image {reference}{}", for_services(services)),
            Op::BuildImage(job) => {
                write!(f, "build image {}", job.tags[0])?;
                if job.tags.len() > 1 {
                    write!(f, " (also tagged {})", job.tags[1..].join(", "))?;
                }
                write!(f, "{}", for_services(&job.services))
            }
            Op::CreateContainer { spec, .. } => write!(f, "create container {}", spec.name.as_deref().unwrap_or("")),
            Op::StartContainer(t) => write!(f, "start container {}", short(t)),
            Op::RunHooks { target, phase, hooks, .. } => {
                write!(
                    f,
                    "run {} {} {} in container {}",
                    hooks.len(),
                    phase.as_str(),
                    if hooks.len() == 1 { "hook" } else { "hooks" },
                    short(target)
                )
            }
            Op::RunPreStart { target, service, index } => {
                write!(f, "run pre_start hook {index} of {service} in container {} to its exit", short(target))
            }
            Op::StopContainer { target, .. } => write!(f, "stop container {}", short(target)),
            Op::KillContainer { target, signal } => {
                write!(f, "kill container {}", short(target))?;
                match signal {
                    Some(s) => write!(f, " with {s}"),
                    None => Ok(()),
                }
            }
            Op::PauseContainer(t) => write!(f, "pause container {}", short(t)),
            Op::UnpauseContainer(t) => write!(f, "unpause container {}", short(t)),
            Op::RemoveContainer { target, volumes } => {
                write!(f, "remove container {}{}", short(target), if *volumes { " and its anonymous volumes" } else { "" })
            }
            Op::RenameContainer { target, to } => write!(f, "rename container {} to {to}", short(target)),
            Op::CopyFiles { target, files } => {
                let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
                write!(f, "copy into container {}: {}", short(target), paths.join(", "))
            }
            Op::Await { service, condition, .. } => write!(f, "wait for {service} to be {}", condition.as_str()),
            Op::RemoveNetwork { name } => write!(f, "remove network {name}"),
            Op::DisconnectNetwork { network, target } => write!(f, "disconnect container {} from network {network}", short(target)),
            Op::ConnectNetwork { target, endpoint } => write!(f, "connect container {} to network {}", short(target), endpoint.network),
            Op::RemoveVolume { name } => write!(f, "remove volume {name}"),
            Op::RemoveImage { name } => write!(f, "remove image {name}"),
        }
    }
}

/// ` for service web`, ` for services a, b`, or nothing.
fn for_services(services: &[String]) -> String {
    match services {
        [] => String::new(),
        [one] => format!(" for service {one}"),
        many => format!(" for services {}", many.join(", ")),
    }
}

/// `p-web-1`, or `p-web-1 (3f2a1b0c9d8e)` when addressed by id.
fn short(t: &Target) -> String {
    match &t.id {
        Some(id) => format!("{} ({})", t.name, &id[..id.len().min(12)]),
        None => t.name.clone(),
    }
}
