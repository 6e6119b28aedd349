//! `exec` and `attach` on the real engine: through a real pseudo-terminal (size, resize, echo,
//! exit code, the terminal's mode afterwards, detach keys) and through pipes (standard input's
//! end, stdout and stderr apart), every flag, and Docker Compose's messages and exit codes.

use std::process::{Output, Stdio};

use tokio::io::AsyncWriteExt;

use crate::harness::{compose, reference_installed, SLEEPER};
use crate::pty::Pty;
use crate::up::Stack;
use rcompose::engine::{Engine, ExecSpec};

/// busybox's shell prompt as root in `/`.
const PROMPT: &str = "/ # ";

async fn running(test: &str, yaml: &str) -> Stack {
    let stack = Stack::new(test, yaml).await;
    stack.ok(&["up", "-d"]).await;
    stack
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Runs `rcompose -p <project> args...` with `input` as standard input (closed after it).
async fn with_input(stack: &Stack, args: &[&str], input: &[u8]) -> Output {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_rcompose"));
    cmd.args(["-p", &stack.name]).args(args).current_dir(stack.dir.path());
    cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("run rcompose");
    let mut stdin = child.stdin.take().expect("stdin");
    // Written while the output is read: a large input would otherwise wait on a full pipe.
    let input = input.to_vec();
    let writer = tokio::spawn(async move {
        stdin.write_all(&input).await.expect("write stdin");
    });
    let out = child.wait_with_output().await.expect("rcompose output");
    writer.await.expect("stdin writer");
    out
}

/// Types `command` at the shell's prompt and returns what it printed before the next prompt.
fn shell(pty: &mut Pty, command: &str) -> String {
    pty.send(format!("{command}\r").as_bytes());
    pty.expect(&format!("{command}\r\n"));
    let out = pty.expect(PROMPT);
    out.trim_end_matches(PROMPT).to_string()
}

#[tokio::test]
async fn exec_on_a_terminal_has_its_size_follows_resizes_echoes_and_returns_the_exit_code() {
    let stack = running("exec-pty", &compose(&[("web", &[SLEEPER])])).await;
    let mut pty = Pty::rcompose(stack.dir.path(), &stack.name, &["exec", "web", "sh"], 31, 101);
    pty.expect(PROMPT);
    assert_eq!(shell(&mut pty, "stty size").trim(), "31 101", "the size the terminal had at the start");
    assert!(shell(&mut pty, "tty").starts_with("/dev/pts/"), "the command has a TTY");

    // A resize during the session: SIGWINCH, then the exec's TTY is resized. The shell may
    // run the next command before the engine has applied it, so ask until it shows.
    pty.resize(42, 123);
    let mut seen = String::new();
    for _ in 0..50 {
        seen = shell(&mut pty, "stty size");
        if seen.trim() == "42 123" {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert_eq!(seen.trim(), "42 123", "the resize reached the container:\n{}", pty.transcript());

    // What is typed comes back through the container's TTY (rcompose echoes nothing itself:
    // its terminal is raw), and Ctrl-C goes to the container, not to rcompose.
    let echoed = shell(&mut pty, "echo typed-$((6*7))");
    assert_eq!(echoed.trim(), "typed-42");
    pty.send(b"sleep 601\r");
    pty.expect("sleep 601\r\n");
    wait_for_process(&stack, "sleep 601").await;
    pty.send(b"\x03");
    pty.expect(PROMPT);
    pty.send(b"exit 3\r");
    assert_eq!(pty.wait(), 3, "the command's exit code:\n{}", pty.transcript());
    assert!(pty.is_cooked(), "the terminal is back in its usual mode");
}

/// Waits until a process whose command line contains `needle` runs in web-1.
async fn wait_for_process(stack: &Stack, needle: &str) {
    let web1 = stack.container("web", 1);
    let script = format!("ps -o args | grep -v grep | grep -q '{needle}'");
    for _ in 0..100 {
        if stack.engine.exec(&web1, &ExecSpec::new(["sh", "-c", &script])).await.unwrap().exit_code == 0 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("{needle} never ran in {web1}");
}

#[tokio::test]
async fn the_terminal_is_restored_when_rcompose_is_terminated_or_hung_up() {
    let stack = running("exec-signals", &compose(&[("web", &[SLEEPER])])).await;
    for signal in [libc::SIGTERM, libc::SIGHUP] {
        let mut pty = Pty::rcompose(stack.dir.path(), &stack.name, &["exec", "web", "sh"], 24, 80);
        pty.expect(PROMPT);
        assert!(!pty.is_cooked(), "raw during the session");
        // SAFETY: kill sends a signal to the child this test spawned.
        assert_eq!(unsafe { libc::kill(pty.pid() as i32, signal) }, 0);
        assert_eq!(pty.wait(), 130, "signal {signal}: canceled\n{}", pty.transcript());
        assert!(pty.is_cooked(), "signal {signal}: the terminal's mode is restored");
    }
}

#[tokio::test]
async fn piped_input_reaches_the_command_and_its_end_closes_the_commands_input() {
    let stack = running("exec-pipe", &compose(&[("web", &[SLEEPER])])).await;
    let out = with_input(&stack, &["exec", "-T", "web", "sh", "-c", "cat; echo end-of-input"], b"hello\nworld\n").await;
    assert_eq!(text(&out.stdout), "hello\nworld\nend-of-input\n", "{}", text(&out.stderr));
    assert!(out.status.success());

    // Without a TTY stdout and stderr stay apart.
    let out = with_input(&stack, &["exec", "-T", "web", "sh", "-c", "echo out; echo err >&2; exit 7"], b"").await;
    assert_eq!(text(&out.stdout), "out\n");
    assert_eq!(text(&out.stderr), "err\n");
    assert_eq!(out.status.code(), Some(7), "the command's exit code");

    // Docker Compose's hidden -i=false: standard input is not attached at all.
    let out = with_input(&stack, &["exec", "-T", "-i=false", "web", "sh", "-c", "cat; echo done"], b"ignored\n").await;
    assert_eq!(text(&out.stdout), "done\n");
}

/// Every byte passes untouched both ways: through a TTY (output that begins with bytes a
/// frame header could begin with) and through pipes (binary input echoed back).
#[tokio::test]
async fn bytes_pass_untouched() {
    let stack = running("exec-bytes", &compose(&[("web", &[SLEEPER])])).await;
    let mut pty = Pty::rcompose(stack.dir.path(), &stack.name, &["exec", "web", "printf", "\\001\\002head\\000tail"], 24, 80);
    assert_eq!(pty.wait(), 0);
    assert_eq!(pty.seen, b"\x01\x02head\x00tail", "{:?}", pty.transcript());

    // Megabytes, more than the connection's buffers hold: input and output are copied side by
    // side, or `cat` would wait for its output to be read while rcompose waits to write.
    let all: Vec<u8> = (0..=255u8).cycle().take(4 << 20).collect();
    let out = with_input(&stack, &["exec", "-T", "web", "cat"], &all).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(out.stdout == all, "{} bytes came back, not the {} sent", out.stdout.len(), all.len());
}

#[tokio::test]
async fn exec_flags_reach_the_engine() {
    let web = [SLEEPER, "deploy:\n  replicas: 2\nenvironment:\n  FROM_SERVICE: s\n"];
    let stack = running("exec-flags", &compose(&[("web", &web)])).await;
    std::fs::write(stack.dir.path().join(".env"), "FROM_DOTENV=d\n").unwrap();

    let script = "echo \"$FROM_SERVICE $GIVEN $FROM_DOTENV ${UNSET-unset} $(id -u) $(pwd)\"";
    let out = stack
        .rcompose(&["exec", "-e", "GIVEN=g", "-e", "FROM_DOTENV", "-e", "UNSET", "-u", "1234", "-w", "/tmp", "web", "sh", "-c", script])
        .await;
    assert_eq!(text(&out.stdout), "s g d unset 1234 /tmp\n", "{}", text(&out.stderr));

    // The first container unless --index says which.
    for (args, n) in [(&["exec", "web", "hostname"][..], 1), (&["exec", "--index", "2", "web", "hostname"], 2)] {
        let id = stack.engine.inspect_container(&stack.container("web", n)).await.unwrap().id;
        assert_eq!(text(&stack.rcompose(args).await.stdout).trim(), &id[..12], "{args:?}");
    }

    // -d returns at once; the command runs on in the container.
    let out = stack.rcompose(&["exec", "-d", "web", "sh", "-c", "sleep 1; touch /tmp/detached"]).await;
    assert!(out.status.success() && out.stdout.is_empty(), "{}", text(&out.stderr));
    let web1 = stack.container("web", 1);
    let mut made = false;
    for _ in 0..100 {
        let check = stack.engine.exec(&web1, &ExecSpec::new(["test", "-f", "/tmp/detached"])).await.unwrap();
        if check.exit_code == 0 {
            made = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(made, "the detached command ran");

    // --privileged reaches the engine: the process's capabilities differ (or, on an engine
    // that may not grant them, the exec fails), exactly as with Docker Compose.
    let caps = ["web", "sh", "-c", "grep CapEff /proc/self/status"];
    let plain = stack.rcompose(&[&["exec"][..], &caps].concat()).await;
    let privileged = stack.rcompose(&[&["exec", "--privileged"][..], &caps].concat()).await;
    assert_ne!((plain.status.code(), &plain.stdout), (privileged.status.code(), &privileged.stdout));
    if reference_installed() {
        let reference = stack.docker_compose(&[&["exec", "--privileged"][..], &caps].concat()).await;
        assert_eq!(privileged.status.code(), reference.status.code());
        assert_eq!(text(&privileged.stdout).trim(), text(&reference.stdout).trim());
    }
}

#[tokio::test]
async fn exec_errors_are_docker_composes() {
    let yaml = compose(&[("web", &[SLEEPER]), ("off", &["image: busybox\ncommand: \"true\"\n"])]);
    let stack = running("exec-errors", &yaml).await;
    // `off` has exited once the engine says so.
    let off = stack.container("off", 1);
    stack.engine.wait_container(&off, rcompose::engine::WaitCondition::NotRunning).await.unwrap();
    let cases: &[(&[&str], i32, &str)] = &[
        (&["exec", "nosuch", "true"], 1, "service \"nosuch\" is not running"),
        (&["exec", "off", "true"], 1, "service \"off\" is not running"),
        (&["exec", "--index", "3", "web", "true"], 1, "service \"web\" is not running container #3"),
        (&["exec", "web", "nosuchcmd"], 126, "executable file not found"),
        (&["exec", "web"], 1, ""),
    ];
    for (args, code, message) in cases {
        let out = stack.rcompose(args).await;
        let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
        assert_eq!(out.status.code(), Some(*code), "rcompose {args:?}: {all}");
        assert!(all.contains(message), "rcompose {args:?}: {all}");
        if reference_installed() {
            let reference = stack.docker_compose(args).await;
            assert_eq!(reference.status.code(), Some(*code), "docker compose {args:?}");
        }
    }
}

/// Docker Compose's `exec` works on rcompose's project and finds the same container.
#[tokio::test]
async fn docker_compose_exec_works_alike_on_rcomposes_project() {
    if !reference_installed() {
        return;
    }
    let web = [SLEEPER, "deploy:\n  replicas: 2\n"];
    let stack = running("exec-interop", &compose(&[("web", &web)])).await;
    for args in [&["exec", "-T", "web", "hostname"][..], &["exec", "-T", "--index", "2", "web", "hostname"]] {
        let ours = stack.rcompose(args).await;
        let theirs = stack.docker_compose(args).await;
        assert!(ours.status.success() && theirs.status.success(), "{}", text(&theirs.stderr));
        assert_eq!(text(&ours.stdout), text(&theirs.stdout), "{args:?}");
    }
    let ours = with_input(&stack, &["exec", "-T", "web", "sh", "-c", "cat; exit 5"], b"x\n").await;
    let out = stack.docker_compose(&["exec", "-T", "web", "sh", "-c", "echo x; exit 5"]).await;
    assert_eq!((ours.status.code(), text(&ours.stdout)), (out.status.code(), text(&out.stdout)));
}

const INTERACTIVE: &str = "image: busybox\ncommand: sh\ntty: true\nstdin_open: true\nstop_signal: SIGKILL\n";

#[tokio::test]
async fn attach_and_detach_leave_the_container_running() {
    let stack = running("attach", &compose(&[("web", &[INTERACTIVE])])).await;
    let web1 = stack.container("web", 1);

    let mut pty = Pty::rcompose(stack.dir.path(), &stack.name, &["attach", "web"], 24, 80);
    pty.send(b"echo attached-$((1+1))\r");
    pty.expect("attached-2");
    pty.send(b"\x10\x11");
    assert_eq!(pty.wait(), 1, "detached, as Docker Compose says it:\n{}", pty.transcript());
    assert!(pty.transcript().contains("read escape sequence"));
    assert!(pty.is_cooked());
    assert!(stack.engine.inspect_container(&web1).await.unwrap().state.running, "still running after the detach keys");

    // Other keys with --detach-keys; the default ones are then typed through.
    let mut pty = Pty::rcompose(stack.dir.path(), &stack.name, &["attach", "--detach-keys", "ctrl-x,y", "web"], 24, 80);
    pty.send(b"\x10\x11echo still-$((2+2))\r");
    pty.expect("still-4");
    pty.send(b"\x18y");
    assert_eq!(pty.wait(), 1, "detached:\n{}", pty.transcript());
    assert!(stack.engine.inspect_container(&web1).await.unwrap().state.running);

    // The docker CLI's configured detachKeys, when --detach-keys is not given.
    let config = stack.dir.path().join("docker-config");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(config.join("config.json"), r#"{"detachKeys": "ctrl-x,z"}"#).unwrap();
    let args = ["-p", stack.name.as_str(), "attach", "web"];
    let env = [("DOCKER_CONFIG", config.to_str().unwrap())];
    let mut pty = Pty::spawn_with(env!("CARGO_BIN_EXE_rcompose"), &args, stack.dir.path(), 24, 80, &env);
    pty.send(b"\x10\x11echo configured-$((3+3))\r");
    pty.expect("configured-6");
    pty.send(b"\x18z");
    assert_eq!(pty.wait(), 1, "detached by the configured keys:\n{}", pty.transcript());
    assert!(stack.engine.inspect_container(&web1).await.unwrap().state.running);

    // The container's exit ends attach with its exit code.
    let mut pty = Pty::rcompose(stack.dir.path(), &stack.name, &["attach", "web"], 24, 80);
    pty.send(b"exit 9\r");
    assert_eq!(pty.wait(), 9, "{}", pty.transcript());
    assert!(pty.is_cooked());
}

const TRAPS: &str = "image: busybox\nstdin_open: true\nstop_signal: SIGKILL\ncommand: [\"sh\", \"-c\", \"trap 'echo got-int; exit 4' INT; echo ready; while true; do sleep 0.2; done\"]\n";

#[tokio::test]
async fn attach_passes_signals_on_unless_told_not_to() {
    let stack = running("attach-sig", &compose(&[("web", &[TRAPS])])).await;
    let web1 = stack.container("web", 1);

    // --sig-proxy=false: Ctrl-C ends rcompose alone.
    let mut pty = Pty::rcompose(stack.dir.path(), &stack.name, &["attach", "--sig-proxy=false", "web"], 24, 80);
    wait_attached(&stack, &mut pty).await;
    pty.send(b"\x03");
    assert_eq!(pty.wait(), 130, "{}", pty.transcript());
    assert!(stack.engine.inspect_container(&web1).await.unwrap().state.running);

    // By default the signal goes to the container, whose trap exits 4; attach then exits 130,
    // as Docker Compose's does.
    let mut pty = Pty::rcompose(stack.dir.path(), &stack.name, &["attach", "web"], 24, 80);
    wait_attached(&stack, &mut pty).await;
    pty.send(b"\x03");
    pty.expect("got-int");
    assert_eq!(pty.wait(), 130, "{}", pty.transcript());
    let state = stack.engine.inspect_container(&web1).await.unwrap().state;
    assert_eq!((state.running, state.exit_code), (false, 4), "the container got the signal");
}

/// Waits until `attach` is connected: an exec echoes into the container's output (pid 1's
/// stdout), which attach shows only once it is attached.
async fn wait_attached(stack: &Stack, pty: &mut Pty) {
    let web1 = stack.container("web", 1);
    for n in 0..100 {
        let marker = format!("marker-{n}");
        stack.engine.exec(&web1, &ExecSpec::new(["sh", "-c", &format!("echo {marker} > /proc/1/fd/1")])).await.unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        pty.poll();
        if pty.transcript().contains(&marker) {
            return;
        }
    }
    panic!("attach never showed the container's output:\n{}", pty.transcript());
}

#[tokio::test]
async fn attach_no_stdin_sends_nothing() {
    let echo =
        "image: busybox\nstdin_open: true\nstop_signal: SIGKILL\ncommand: [\"sh\", \"-c\", \"while read l; do echo got:$$l; done\"]\n";
    let stack = running("attach-nostdin", &compose(&[("web", &[echo])])).await;
    let mut pty = Pty::rcompose(stack.dir.path(), &stack.name, &["attach", "--no-stdin", "web"], 24, 80);
    wait_attached(&stack, &mut pty).await;
    pty.send(b"typed\r");
    // The same line sent by the engine arrives, proving the path works; the typed one never.
    let mut pty2 = Pty::rcompose(stack.dir.path(), &stack.name, &["attach", "web"], 24, 80);
    wait_attached(&stack, &mut pty2).await;
    pty2.send(b"second\r");
    pty.expect("got:second");
    assert!(!pty.transcript().contains("got:typed"), "--no-stdin sent what was typed:\n{}", pty.transcript());
    pty2.send(b"\x10\x11");
}

/// Without a TTY the engine watches for the detach keys in what attach sends; the container
/// goes on running.
#[tokio::test]
async fn attach_without_a_tty_detaches_by_the_engine() {
    let echo =
        "image: busybox\nstdin_open: true\nstop_signal: SIGKILL\ncommand: [\"sh\", \"-c\", \"while read l; do echo got:$$l; done\"]\n";
    let stack = running("attach-notty", &compose(&[("web", &[echo])])).await;
    let out = with_input(&stack, &["attach", "--detach-keys", "ctrl-x", "web"], b"one\n\x18").await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("read escape sequence"), "{}", text(&out.stderr));
    assert!(stack.engine.inspect_container(&stack.container("web", 1)).await.unwrap().state.running);
}
