//! rcompose as a docker CLI plugin: installed as `$DOCKER_CONFIG/cli-plugins/docker-compose`
//! (`~/.docker/cli-plugins/docker-compose`), it is what `docker compose ...` runs.
//!
//! The docker CLI's plugin protocol: it first runs the plugin with the single argument
//! `docker-cli-plugin-metadata` and reads a JSON object describing it; to run `docker compose
//! up -d`, it runs the plugin as `docker-compose [DOCKER GLOBAL FLAGS] compose up -d` (and
//! passes its environment, with `DOCKER_CLI_PLUGIN_ORIGINAL_CLI_COMMAND` set). Of the docker
//! CLI's global flags, `--config` becomes `DOCKER_CONFIG` for this process, `-H/--host` and
//! `-c/--context` and the TLS flags rcompose's own `--host`, `--context`, `--tls...` (so that
//! they win over the environment as in the docker CLI); the others (log level, debug) are
//! ignored. When it sets
//! `DOCKER_CLI_PLUGIN_SOCKET`, the plugin connects to that (abstract) unix socket: the CLI then
//! knows the plugin runs, and closes the socket to ask it to stop, which rcompose takes as
//! SIGTERM (a graceful stop, as Ctrl-C).

use std::ffi::OsString;
use std::path::Path;

use serde::Serialize;

/// What the command line asks for.
#[derive(Debug, PartialEq, Eq)]
pub enum Invocation {
    /// The docker CLI's handshake: print [`metadata`] and exit.
    Metadata,
    /// The docker CLI's completion request (`docker compose <Tab>`): the words after
    /// `compose`, the last one being completed.
    Complete(Vec<OsString>),
    /// A command line to parse, `bin_name` being what the user typed to run it (`rcompose`,
    /// `docker compose`), and the environment the docker CLI's flags ask for.
    Run { args: Vec<OsString>, bin_name: &'static str, env: Vec<(&'static str, OsString)> },
}

/// The docker CLI's global flags that take a value, and the variable each one sets (if any).
const DOCKER_VALUE_FLAGS: [(&str, Option<&str>); 10] = [
    ("--config", Some("DOCKER_CONFIG")),
    ("-c", None),
    ("--context", None),
    ("-H", None),
    ("--host", None),
    ("-l", None),
    ("--log-level", None),
    ("--tlscacert", None),
    ("--tlscert", None),
    ("--tlskey", None),
];
/// The docker CLI's global flags rcompose has too, and the name rcompose gives each.
const SHARED_FLAGS: [(&str, &str); 7] = [
    ("-c", "--context"),
    ("--context", "--context"),
    ("-H", "--host"),
    ("--host", "--host"),
    ("--tlscacert", "--tlscacert"),
    ("--tlscert", "--tlscert"),
    ("--tlskey", "--tlskey"),
];
const DOCKER_BOOL_FLAGS: [&str; 4] = ["-D", "--debug", "--tls", "--tlsverify"];

/// The argument the docker CLI runs a plugin with to learn about it.
const METADATA: &str = "docker-cli-plugin-metadata";
/// Set by the docker CLI for the plugins it runs.
const ORIGINAL_CLI_COMMAND: &str = "DOCKER_CLI_PLUGIN_ORIGINAL_CLI_COMMAND";
const SOCKET: &str = "DOCKER_CLI_PLUGIN_SOCKET";

/// Reads the process arguments: the handshake, a `docker compose` run (the `compose` word
/// removed), or an ordinary rcompose run.
pub fn invocation(args: Vec<OsString>, from_docker: bool) -> Invocation {
    let as_plugin = from_docker || args.first().is_some_and(|a| Path::new(a).file_name().is_some_and(|n| n == "docker-compose"));
    if args.len() == 2 && args[1] == METADATA {
        return Invocation::Metadata;
    }
    if as_plugin && args.len() > 2 && args[1] == "__complete" && args[2] == "compose" {
        return Invocation::Complete(args[3..].to_vec());
    }
    if as_plugin {
        if let Some((compose, env, shared)) = docker_globals(&args) {
            let mut args = args;
            args.splice(1..=compose, shared);
            return Invocation::Run { args, bin_name: "docker compose", env };
        }
    }
    Invocation::Run { args, bin_name: "rcompose", env: Vec::new() }
}

/// The position of the `compose` word after the docker CLI's global flags, the variables
/// those flags set, and those of rcompose's flags they become; `None` when the words are not
/// that.
#[allow(clippy::type_complexity)]
fn docker_globals(args: &[OsString]) -> Option<(usize, Vec<(&'static str, OsString)>, Vec<OsString>)> {
    let mut env = Vec::new();
    let mut shared = Vec::new();
    let mut i = 1;
    while let Some(word) = args.get(i).and_then(|a| a.to_str()) {
        if word == "compose" {
            return Some((i, env, shared));
        }
        let (flag, inline) = match word.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(OsString::from(v))),
            _ => (word, None),
        };
        if DOCKER_BOOL_FLAGS.contains(&flag) {
            if matches!(flag, "--tls" | "--tlsverify") && inline.as_ref().is_none_or(|v| v != "false") {
                shared.push(OsString::from(flag));
            }
            i += 1;
            continue;
        }
        let (_, var) = DOCKER_VALUE_FLAGS.iter().find(|(f, _)| *f == flag)?;
        let value = match inline {
            Some(v) => v,
            None => {
                i += 1;
                args.get(i)?.clone()
            }
        };
        if let Some(var) = var {
            env.push((*var, value));
        } else if let Some((_, ours)) = SHARED_FLAGS.iter().find(|(f, _)| *f == flag) {
            let mut pair = OsString::from(format!("{ours}="));
            pair.push(value);
            shared.push(pair);
        }
        i += 1;
    }
    None
}

/// [`invocation`] of this process.
pub fn this_invocation() -> Invocation {
    invocation(std::env::args_os().collect(), std::env::var_os(ORIGINAL_CLI_COMMAND).is_some())
}

/// Sets the variables the docker CLI's flags asked for. Called first thing in `main`, while
/// the process has one thread.
pub fn apply(env: &[(&'static str, OsString)]) {
    for (var, value) in env {
        std::env::set_var(var, value);
    }
}

/// The handshake answer, as the docker CLI's plugin manager reads it.
pub fn metadata() -> String {
    #[derive(Serialize)]
    #[serde(rename_all = "PascalCase")]
    struct Metadata {
        schema_version: &'static str,
        vendor: &'static str,
        version: &'static str,
        short_description: &'static str,
    }
    let m = Metadata {
        schema_version: "0.1.0",
        vendor: "rcompose",
        version: env!("CARGO_PKG_VERSION"),
        short_description: "Docker Compose (rcompose)",
    };
    serde_json::to_string_pretty(&m).expect("plain strings serialize") + "\n"
}

/// Connects to the docker CLI's socket when it gave one, and asks for a graceful stop (SIGTERM
/// to this process) when the CLI closes it. The reading thread lives as long as the process,
/// blocked on the socket: there is nothing to join.
pub fn connect_to_cli() {
    let Some(name) = std::env::var_os(SOCKET) else { return };
    let Ok(stream) = connect(&name) else { return };
    std::thread::spawn(move || {
        use std::io::Read;
        let mut stream = stream;
        let mut byte = [0u8; 1];
        loop {
            match stream.read(&mut byte) {
                Ok(0) => break,
                Ok(_) => continue,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(_) => return,
            }
        }
        // SAFETY: kill(2) on our own pid with a valid signal number has no memory effects.
        unsafe {
            libc::kill(libc::getpid(), libc::SIGTERM);
        }
    });
}

/// The socket the CLI names: `@name` is Linux's abstract namespace, else a path.
fn connect(name: &std::ffi::OsStr) -> std::io::Result<std::os::unix::net::UnixStream> {
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::net::UnixStream;
    match name.as_bytes().strip_prefix(b"@") {
        #[cfg(target_os = "linux")]
        Some(abstract_name) => {
            use std::os::linux::net::SocketAddrExt;
            let addr = std::os::unix::net::SocketAddr::from_abstract_name(abstract_name)?;
            UnixStream::connect_addr(&addr)
        }
        _ => UnixStream::connect(Path::new(name)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(line: &str) -> Vec<OsString> {
        line.split(' ').map(OsString::from).collect()
    }

    #[test]
    fn the_handshake_is_recognised() {
        assert_eq!(invocation(args("/root/.docker/cli-plugins/docker-compose docker-cli-plugin-metadata"), true), Invocation::Metadata);
    }

    #[test]
    fn a_docker_compose_run_loses_the_compose_word_and_the_docker_flags() {
        let run = |line: &str, env: Vec<(&'static str, OsString)>| Invocation::Run { args: args(line), bin_name: "docker compose", env };
        let want = run("/d/cli-plugins/docker-compose -p x ps", vec![]);
        assert_eq!(invocation(args("/d/cli-plugins/docker-compose compose -p x ps"), true), want);
        // Run by hand under the plugin's name, without the CLI's variable.
        assert_eq!(invocation(args("/d/cli-plugins/docker-compose compose -p x ps"), false), want);
        let line = args("/d/docker-compose --config /c -D --log-level=info -H unix:///s --context=ctx compose up -d");
        let env = vec![("DOCKER_CONFIG", "/c".into())];
        assert_eq!(invocation(line, true), run("/d/docker-compose --host=unix:///s --context=ctx up -d", env));
        let line = args("/d/docker-compose -c ctx compose ps");
        assert_eq!(invocation(line, true), run("/d/docker-compose --context=ctx ps", vec![]));
        let line = args("/d/docker-compose --tlsverify --tlscacert /ca.pem -H tcp://h:2376 compose ps");
        let want = run("/d/docker-compose --tlsverify --tlscacert=/ca.pem --host=tcp://h:2376 ps", vec![]);
        assert_eq!(invocation(line, true), want);
    }

    #[test]
    fn the_clis_completion_request_is_recognised() {
        let want = Invocation::Complete(args("logs w"));
        assert_eq!(invocation(args("/d/cli-plugins/docker-compose __complete compose logs w"), true), want);
    }

    #[test]
    fn an_ordinary_run_is_left_alone() {
        let ordinary = |line: &str| Invocation::Run { args: args(line), bin_name: "rcompose", env: vec![] };
        assert_eq!(invocation(args("rcompose compose ps"), false), ordinary("rcompose compose ps"));
        assert_eq!(invocation(args("docker-compose up -d"), false), ordinary("docker-compose up -d"));
        assert_eq!(invocation(args("docker-compose -p x up compose"), false), ordinary("docker-compose -p x up compose"));
    }

    #[test]
    fn the_metadata_has_the_fields_the_cli_reads() {
        let m: serde_json::Value = serde_json::from_str(&metadata()).unwrap();
        assert_eq!(m["SchemaVersion"], "0.1.0");
        assert_eq!(m["Vendor"], "rcompose");
        assert_eq!(m["Version"], env!("CARGO_PKG_VERSION"));
        assert!(m["ShortDescription"].as_str().is_some_and(|s| !s.is_empty()));
    }
}
