//! Lifecycle hooks (`post_start`, `pre_stop`): commands run in a service's container through
//! the engine's exec, as Docker Compose 2.40.3 runs them (its `runHook`): with the hook's
//! `user`, `privileged`, `working_dir` and `environment`, one after the other, the first
//! non-zero exit failing the lot with `<service> hook exited with status <code>`.

use crate::engine::{Engine, ExecSpec};
use crate::model::ServiceHook;

/// The exec request of one hook. A variable declared without a value is passed by name alone,
/// as Docker Compose passes it (the engine then leaves it out).
pub fn exec_spec(hook: &ServiceHook, tty: bool) -> ExecSpec {
    let env = hook.environment.iter().map(|(k, v)| v.as_ref().map_or_else(|| k.clone(), |v| format!("{k}={v}"))).collect();
    ExecSpec {
        cmd: hook.command.clone().unwrap_or_default(),
        env,
        user: (!hook.user.is_empty()).then(|| hook.user.clone()),
        working_dir: (!hook.working_dir.is_empty()).then(|| hook.working_dir.clone()),
        privileged: hook.privileged,
        tty,
    }
}

/// Runs `hooks` in container `id` in order; each output line goes to `output`. Stops at the
/// first hook that cannot run or exits non-zero.
pub async fn run(e: &dyn Engine, id: &str, service: &str, hooks: &[ServiceHook], output: &(dyn Fn(&str) + Sync)) -> Result<(), String> {
    for hook in hooks {
        let result = e.exec(id, &exec_spec(hook, false)).await.map_err(|err| err.to_string())?;
        for text in [&result.stdout, &result.stderr] {
            String::from_utf8_lossy(text).lines().for_each(output);
        }
        if result.exit_code != 0 {
            return Err(format!("{service} hook exited with status {}", result.exit_code));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hook_becomes_an_exec_with_its_user_directory_and_environment() {
        let hook = ServiceHook {
            command: Some(vec!["sh".into(), "-c".into(), "id".into()]),
            user: "1000".into(),
            privileged: true,
            working_dir: "/etc".into(),
            environment: [("A".to_string(), Some("1".to_string())), ("B".to_string(), None)].into(),
        };
        let spec = exec_spec(&hook, false);
        assert_eq!(spec.cmd, ["sh", "-c", "id"]);
        assert_eq!(spec.env, ["A=1", "B"]);
        assert_eq!((spec.user.as_deref(), spec.working_dir.as_deref(), spec.privileged), (Some("1000"), Some("/etc"), true));
        let bare = exec_spec(&ServiceHook { command: Some(vec!["true".into()]), ..Default::default() }, false);
        assert_eq!((bare.user, bare.working_dir, bare.env.len()), (None, None, 0));
    }
}
