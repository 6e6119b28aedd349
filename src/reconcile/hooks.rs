//! Lifecycle hooks (`post_start`, `pre_stop`): commands run in a service's container through
//! the engine's exec, as Docker Compose 2.40.3 runs them (its `runHook`): with the hook's
//! `user`, `privileged`, `working_dir` and `environment`, one after the other, the first
//! non-zero exit failing the lot with `<service> hook exited with status <code>`.
//!
//! `pre_start` hooks (Docker Compose v5) run in a container of their own, which the plan
//! creates (`plan::pre_start`); [`run_pre_start`] starts it, passes its output on and waits
//! for its exit, as v5.5's `execPreStartHook`.

use futures_util::StreamExt;
use tokio_util::sync::CancellationToken;

use crate::engine::{Engine, ExecSpec, LogOptions, LogStream, RemoveContainerOptions, WaitCondition};
use crate::model::ServiceHook;

/// How many of the last output lines of a failed `pre_start` hook its error carries.
const TAIL_LINES: usize = 10;

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

/// Starts the container of `service`'s `index`-th `pre_start` hook (`id`), passes each line
/// of its output to `output`, and waits for it to exit. A non-zero exit fails with
/// `service "web" pre_start[0] exited with code 3`, the last lines of its error output (else
/// of its output), and the container kept for inspection, as v5.5 keeps it. Cancelled, the
/// container is removed and the run fails.
pub async fn run_pre_start(
    e: &dyn Engine,
    id: &str,
    service: &str,
    index: usize,
    output: &(dyn Fn(&str) + Sync),
    cancel: &CancellationToken,
) -> Result<(), String> {
    e.start_container(id).await.map_err(|err| err.to_string())?;
    let run = async {
        let opts = LogOptions { follow: true, ..Default::default() };
        let mut logs = e.logs(id, &opts);
        let mut out = Lines::default();
        let mut err = Lines::default();
        while let Some(chunk) = logs.next().await {
            let chunk = chunk.map_err(|err| err.to_string())?;
            let lines = if chunk.stream == LogStream::Stderr { &mut err } else { &mut out };
            lines.push(&chunk.bytes, output);
        }
        out.finish(output);
        err.finish(output);
        let exit = e.wait_container(id, WaitCondition::NotRunning).await.map_err(|err| err.to_string())?;
        if let Some(why) = exit.error {
            return Err(format!("service {service:?} pre_start[{index}] wait error: {why}"));
        }
        if exit.exit_code == 0 {
            return Ok(());
        }
        let tail = if err.tail.is_empty() { &out.tail } else { &err.tail };
        let tail = if tail.is_empty() { String::new() } else { format!(": {}", tail.iter().cloned().collect::<Vec<_>>().join("\n")) };
        Err(format!(
            "service {service:?} pre_start[{index}] exited with code {}{tail} (hook container {id} retained for inspection)",
            exit.exit_code
        ))
    };
    tokio::select! {
        r = run => r,
        _ = cancel.cancelled() => {
            // Interrupted: not a failed hook, nothing to inspect.
            let _ = e.remove_container(id, RemoveContainerOptions { force: true, volumes: true }).await;
            Err(format!("service {service:?} pre_start[{index}]: interrupted"))
        }
    }
}

/// One output stream cut into lines, with its last [`TAIL_LINES`].
#[derive(Default)]
struct Lines {
    partial: Vec<u8>,
    tail: std::collections::VecDeque<String>,
}

impl Lines {
    fn push(&mut self, bytes: &[u8], output: &(dyn Fn(&str) + Sync)) {
        self.partial.extend_from_slice(bytes);
        while let Some(end) = self.partial.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = self.partial.drain(..=end).collect();
            self.line(&line[..end], output);
        }
    }

    fn finish(&mut self, output: &(dyn Fn(&str) + Sync)) {
        if !self.partial.is_empty() {
            let rest = std::mem::take(&mut self.partial);
            self.line(&rest, output);
        }
    }

    fn line(&mut self, bytes: &[u8], output: &(dyn Fn(&str) + Sync)) {
        let text = String::from_utf8_lossy(bytes);
        let text = text.strip_suffix('\r').unwrap_or(&text);
        output(text);
        if self.tail.len() == TAIL_LINES {
            self.tail.pop_front();
        }
        self.tail.push_back(text.to_string());
    }
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
            ..Default::default()
        };
        let spec = exec_spec(&hook, false);
        assert_eq!(spec.cmd, ["sh", "-c", "id"]);
        assert_eq!(spec.env, ["A=1", "B"]);
        assert_eq!((spec.user.as_deref(), spec.working_dir.as_deref(), spec.privileged), (Some("1000"), Some("/etc"), true));
        let bare = exec_spec(&ServiceHook { command: Some(vec!["true".into()]), ..Default::default() }, false);
        assert_eq!((bare.user, bare.working_dir, bare.env.len()), (None, None, 0));
    }

    #[test]
    fn output_is_cut_into_lines_across_chunks_and_keeps_its_tail() {
        let seen = std::sync::Mutex::new(Vec::new());
        let output = |l: &str| seen.lock().unwrap().push(l.to_string());
        let mut lines = Lines::default();
        lines.push(b"one\ntw", &output);
        lines.push(b"o\r\n", &output);
        for i in 0..TAIL_LINES {
            lines.push(format!("{i}\n").as_bytes(), &output);
        }
        lines.push(b"last", &output);
        lines.finish(&output);
        let seen = seen.into_inner().unwrap();
        assert_eq!(&seen[..2], ["one", "two"]);
        assert_eq!(seen.last().map(String::as_str), Some("last"));
        assert_eq!(lines.tail.len(), TAIL_LINES);
        assert_eq!(lines.tail.front().map(String::as_str), Some("1"));
    }
}
