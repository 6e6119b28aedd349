//! Data-driven loader tests over `compose-samples/`, and a no-panic test over broken documents.
//!
//! * `compose-samples/valid/<name>/`: `compose.yaml` (plus any files it uses), an optional `args`
//!   file with extra global flags (`-f`, `--profile`, `-p`, `--env-file`,
//!   `--project-directory`), an optional `config-args` file with `config` flags
//!   (`--no-interpolate`...), and `expected.json`, the output of Docker Compose's
//!   `config --format json` (made by `compose-samples/regen.sh`) with the sample's directory
//!   written `$DIR`. The loader runs with the sample directory as its working directory and an
//!   empty environment; its JSON must equal the expected one as a JSON value.
//! * `compose-samples/invalid/<name>/`: loading must fail, and the first line of the diagnostic,
//!   with the sample's directory removed from paths, must equal `expected.err`.
//!
//! A sample with a `KNOWN_GAP` file (one line: why) documents a difference we know about: it is
//! reported but does not fail the run, and it fails the run once it passes, so that the marker
//! goes away with the gap. Every sample is checked and every failure is listed; `SAMPLE=name`
//! runs only the samples whose name contains `name`.

use std::fmt::Write as _;
use std::fs;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use rcompose::loader::{self, Options};
use rcompose::render::{self, ConfigFormat, ConfigQuery};
use serde_json::Value as Json;

fn samples_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("compose-samples")
}

/// The sample directories of one kind, sorted by name, filtered by `SAMPLE`.
fn sample_dirs(kind: &str) -> Vec<PathBuf> {
    let filter = std::env::var("SAMPLE").unwrap_or_default();
    let mut dirs: Vec<PathBuf> = fs::read_dir(samples_root().join(kind))
        .unwrap_or_else(|e| panic!("cannot list compose-samples/{kind}: {e}"))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir() && p.file_name().is_some_and(|n| n.to_string_lossy().contains(&filter)))
        .collect();
    dirs.sort();
    dirs
}

fn name_of(dir: &Path) -> String {
    dir.file_name().unwrap_or_default().to_string_lossy().into_owned()
}

/// Loader options for a sample: its directory as the working directory, no environment, and
/// the flags of its `args` file.
fn options_for(dir: &Path) -> Result<Options, String> {
    let mut opts = Options { cwd: dir.to_path_buf(), environ: Vec::new(), ..Options::default() };
    if let Ok(text) = fs::read_to_string(dir.join("config-args")) {
        for flag in text.split_whitespace() {
            match flag {
                "--no-interpolate" => opts.interpolate = false,
                "--no-normalize" => opts.normalize = false,
                "--no-consistency" => opts.consistency = false,
                "--no-path-resolution" => opts.resolve_paths = false,
                other => return Err(format!("config-args: flag {other} is not supported by the sample harness")),
            }
        }
    }
    let Ok(text) = fs::read_to_string(dir.join("args")) else { return Ok(opts) };
    let mut words = text.split_whitespace();
    while let Some(flag) = words.next() {
        let value = words.next().map(String::from).ok_or_else(|| format!("args: {flag} needs a value"))?;
        match flag {
            "-f" | "--file" => opts.files.push(value.into()),
            "-p" | "--project-name" => opts.project_name = Some(value),
            "--profile" => opts.profiles.push(value),
            "--env-file" => opts.env_files.push(value.into()),
            "--project-directory" => opts.project_dir = Some(value.into()),
            other => return Err(format!("args: flag {other} is not supported by the sample harness")),
        }
    }
    Ok(opts)
}

/// Runs the loader, turning a panic into an error so that one sample cannot hide the others.
fn load_caught(opts: &Options) -> Result<Result<loader::Loaded, loader::Diagnostic>, String> {
    panic::catch_unwind(AssertUnwindSafe(|| loader::load(opts))).map_err(|p| format!("the loader panicked: {}", panic_text(&*p)))
}

fn panic_text(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "<non-string payload>".into())
}

enum Outcome {
    Pass,
    Fail(String),
}

/// Checks one valid sample: `Fail` carries a readable diff.
fn check_valid(dir: &Path) -> Outcome {
    let expected_text = match fs::read_to_string(dir.join("expected.json")) {
        Ok(t) => t,
        Err(e) => return Outcome::Fail(format!("cannot read expected.json: {e} (run compose-samples/regen.sh)")),
    };
    let expected: Json = match serde_json::from_str(&expected_text) {
        Ok(v) => v,
        Err(e) => return Outcome::Fail(format!("expected.json is not JSON: {e}")),
    };
    let opts = match options_for(dir) {
        Ok(o) => o,
        Err(e) => return Outcome::Fail(e),
    };
    // What `config --format json` prints: the typed project, or the merged tree when it is not
    // interpolated.
    let rendered = panic::catch_unwind(AssertUnwindSafe(|| render::render(&opts, &[], &ConfigQuery::Model(ConfigFormat::Json))))
        .map_err(|p| format!("the loader panicked: {}", panic_text(&*p)));
    let text = match rendered {
        Err(panicked) => return Outcome::Fail(panicked),
        Ok(Err(diag)) => return Outcome::Fail(format!("the loader rejected it: {}", strip_dir(&diag.to_string(), dir))),
        Ok(Ok((text, _warnings))) => text,
    };
    let text = text.replace(&dir.display().to_string(), "$DIR");
    let actual: Json = match serde_json::from_str(&text) {
        Ok(v) => v,
        Err(e) => return Outcome::Fail(format!("our output is not JSON: {e}\n{text}")),
    };
    let mut lines = Vec::new();
    diff("", &expected, &actual, &mut lines);
    if lines.is_empty() {
        return Outcome::Pass;
    }
    const MAX: usize = 40;
    let more = lines.len().saturating_sub(MAX);
    lines.truncate(MAX);
    if more > 0 {
        lines.push(format!("... and {more} more differences"));
    }
    Outcome::Fail(lines.join("\n"))
}

/// Checks one invalid sample: loading fails with the expected first line.
fn check_invalid(dir: &Path) -> Outcome {
    let expected = match fs::read_to_string(dir.join("expected.err")) {
        Ok(t) => t.lines().next().unwrap_or_default().trim_end().to_string(),
        Err(e) => return Outcome::Fail(format!("cannot read expected.err: {e}")),
    };
    let opts = match options_for(dir) {
        Ok(o) => o,
        Err(e) => return Outcome::Fail(e),
    };
    match load_caught(&opts) {
        Err(panicked) => Outcome::Fail(panicked),
        Ok(Ok(_)) => Outcome::Fail("the loader accepted it".into()),
        Ok(Err(diag)) => {
            let shown = strip_dir(&diag.to_string(), dir);
            let first = shown.lines().next().unwrap_or_default().trim_end();
            if first == expected {
                Outcome::Pass
            } else {
                Outcome::Fail(format!("expected: {expected}\n     got: {first}"))
            }
        }
    }
}

/// Paths in a message made relative to the sample directory, whether the message shows them
/// absolute or relative to the process's working directory (the crate root under cargo).
fn strip_dir(message: &str, dir: &Path) -> String {
    let mut out = message.replace(&format!("{}/", dir.display()), "");
    if let Ok(rel) = dir.strip_prefix(env!("CARGO_MANIFEST_DIR")) {
        out = out.replace(&format!("{}/", rel.display()), "");
    }
    out
}

/// The differences between two JSON values, one line per differing path.
fn diff(path: &str, expected: &Json, actual: &Json, out: &mut Vec<String>) {
    match (expected, actual) {
        (Json::Object(e), Json::Object(a)) => {
            for (k, ev) in e {
                let p = child_path(path, k);
                match a.get(k) {
                    Some(av) => diff(&p, ev, av, out),
                    None => out.push(format!("- {p}: missing, expected {}", short(ev))),
                }
            }
            for (k, av) in a {
                if !e.contains_key(k) {
                    out.push(format!("+ {}: unexpected {}", child_path(path, k), short(av)));
                }
            }
        }
        (Json::Array(e), Json::Array(a)) => {
            for (i, (ev, av)) in e.iter().zip(a).enumerate() {
                diff(&format!("{path}[{i}]"), ev, av, out);
            }
            for (i, ev) in e.iter().enumerate().skip(a.len()) {
                out.push(format!("- {path}[{i}]: missing, expected {}", short(ev)));
            }
            for (i, av) in a.iter().enumerate().skip(e.len()) {
                out.push(format!("+ {path}[{i}]: unexpected {}", short(av)));
            }
        }
        _ if expected != actual => out.push(format!("~ {}: expected {}, got {}", display_path(path), short(expected), short(actual))),
        _ => {}
    }
}

fn child_path(path: &str, key: &str) -> String {
    let plain = !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    match (path.is_empty(), plain) {
        (true, true) => key.to_string(),
        (false, true) => format!("{path}.{key}"),
        (_, false) => format!("{path}[{key:?}]"),
    }
}

fn display_path(path: &str) -> &str {
    if path.is_empty() {
        "<root>"
    } else {
        path
    }
}

fn short(v: &Json) -> String {
    let s = v.to_string();
    if s.chars().count() > 120 {
        format!("{}...", s.chars().take(117).collect::<String>())
    } else {
        s
    }
}

/// Checks every sample of a kind, prints a report, and fails listing every failing sample.
fn run_samples(kind: &str, check: fn(&Path) -> Outcome) {
    let dirs = sample_dirs(kind);
    assert!(!dirs.is_empty() || std::env::var("SAMPLE").is_ok(), "no samples in compose-samples/{kind}");
    let mut report = String::new();
    let mut failed = Vec::new();
    let mut gaps = Vec::new();
    for dir in &dirs {
        let name = name_of(dir);
        let gap = fs::read_to_string(dir.join("KNOWN_GAP")).ok().map(|s| s.trim().to_string());
        match (check(dir), gap) {
            (Outcome::Pass, None) => writeln!(report, "ok        {kind}/{name}").unwrap(),
            (Outcome::Pass, Some(_)) => {
                writeln!(report, "FIXED     {kind}/{name}: it passes now; delete its KNOWN_GAP file").unwrap();
                failed.push(name);
            }
            (Outcome::Fail(why), Some(gap)) => {
                writeln!(report, "known gap {kind}/{name}: {gap}\n{}", indent(&why)).unwrap();
                gaps.push(name);
            }
            (Outcome::Fail(why), None) => {
                writeln!(report, "FAILED    {kind}/{name}\n{}", indent(&why)).unwrap();
                failed.push(name);
            }
        }
    }
    writeln!(report, "\n{kind}: {} samples, {} failed, {} known gaps", dirs.len(), failed.len(), gaps.len()).unwrap();
    if failed.is_empty() {
        println!("{report}");
    } else {
        panic!("{report}failing {kind} samples: {}", failed.join(", "));
    }
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("          {l}\n")).collect::<String>().trim_end().to_string()
}

#[test]
fn valid_samples() {
    run_samples("valid", check_valid);
}

#[test]
fn invalid_samples() {
    run_samples("invalid", check_invalid);
}

// ---------------------------------------------------------------------------------------------
// No panic on bad input.
//
// The loader's invariant is that a bad compose file gives a `Diagnostic`, never a panic.
// `loader_never_panics` feeds it a few thousand broken documents, deterministically: every valid
// sample cut at every 7th byte, random mutations of the samples (deleted, duplicated, swapped and
// re-indented lines, values replaced by ones of another type, random bytes), randomly generated
// documents over the compose keys (including extends and include cycles), the files of
// `tests/fuzz_inputs/`, moderate nesting, huge numbers and small alias bombs. Each document is
// written to `$CARGO_TARGET_TMPDIR/no-panic/compose.yaml` before it is loaded, so that if the
// process dies the culprit is still on disk; a document that panics is saved beside it as
// `panic-<n>.yaml`. Deep nesting, which can overflow the stack and abort the whole process, is
// tried in child processes by `deep_nesting_does_not_crash`.

/// xorshift64*: small, deterministic, good enough to pick mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

/// Values of every type, and the troublesome ones: out of range, unbalanced, tags, aliases,
/// interpolation that fails.
#[rustfmt::skip]
const VALUES: &[&str] = &[
    "x", "busybox", "\"\"", "''", "~", "null", "true", "no", "0", "-1", "1.5", "1e400", "-1e400", ".inf", ".nan",
    "0x10", "0o777", "1_000", "99999999999999999999999999", "-9223372036854775809", "18446744073709551616",
    "65536", "2001-01-01", "[]", "{}", "[1, 2]", "{a: b}", "[[[]]]", "{a: {b: {c: [d]}}}", "[a, {b: c}]", "!reset",
    "!reset []", "!override {a: b}", "!override", "!!binary aGVsbG8=", "!!int x", "!!str 1", "!!map {}", "!!seq []",
    "!unknown x", "*undefined", "&anchor x", "\"${X}\"", "\"${X:?boom}\"", "${X:-${Y:-${Z}}}", "\"${\"", "$${X}",
    "\"$\"", "\"${X:+}\"", "\"${X?}\"", "\"80800:80\"", "\"::::\"", "\"a:b:c:d:e\"", "\"1.2.3.4:-1:80\"",
    "\"8000-7000:80\"", "\"80-90:80-85\"", "\"[::1:80:80\"", "\"/a:/b:ro,rw,z,Z,nocopy\"", "\":/x\"", "\"x:\"",
    "\"service:nope\"", "\"container:\"", "\"service:a\"", "\"1000000000000000000000g\"", "\"-5m\"", "\"1.5.5\"",
    "\"5 parsecs\"", "\"1h1h1h\"", "\"9999999999999999h\"", "\"0.0.0\"", "\"echo \\\"unterminated\"", "\"'\"",
    "\"\\\\\"", "\"\\u0000\"", "\"\\t\\r\\n\"", "\"é😀\"", "-", "?", "|", ">", "{", "[", "]", "}", "'", "\"", "#", "%",
    "@", "`", ": :", "- -", "<<: *undefined", "a: b: c",
];

/// Keys of every level, so that mutations and generated documents reach the typed passes.
#[rustfmt::skip]
const KEYS: &[&str] = &[
    "services", "networks", "volumes", "secrets", "configs", "include", "name", "version", "x-ext", "image", "build",
    "context", "dockerfile", "dockerfile_inline", "args", "ports", "target", "published", "host_ip", "protocol",
    "mode", "volumes_from", "type", "source", "read_only", "bind", "tmpfs", "size", "environment", "env_file",
    "path", "required", "depends_on", "condition", "restart", "links", "network_mode", "ipc", "pid", "extends",
    "service", "file", "healthcheck", "test", "interval", "timeout", "retries", "start_period", "disable",
    "deploy", "resources", "limits", "reservations", "cpus", "memory", "pids", "replicas", "mem_limit", "shm_size",
    "ulimits", "soft", "hard", "sysctls", "labels", "command", "entrypoint", "extra_hosts", "profiles", "aliases",
    "ipv4_address", "ipam", "config", "subnet", "external", "driver", "driver_opts", "content", "uid", "gid",
    "cap_add", "devices", "dns", "logging", "secrets", "configs", "container_name", "<<",
];

/// Service keys with values that are plausible or pointed at the graph: dependencies, extends
/// and file references that may form cycles or name missing things.
const SERVICE_ENTRIES: &[&str] = &[
    "image: busybox",
    "build: .",
    "build: {context: ., dockerfile_inline: \"FROM busybox\"}",
    "depends_on: [a]",
    "depends_on: [b, c]",
    "depends_on: {a: {condition: service_healthy, restart: true}}",
    "depends_on: {nope: {condition: service_started, required: false}}",
    "links: [\"a:alias\"]",
    "volumes_from: [b, \"c:ro\"]",
    "network_mode: \"service:a\"",
    "ipc: \"service:b\"",
    "extends: a",
    "extends: {service: b}",
    "extends: {service: a, file: other.yaml}",
    "extends: {service: a, file: compose.yaml}",
    "extends: {service: nope, file: missing.yaml}",
    "env_file: [other.env, {path: missing.env, required: false}]",
    "env_file: missing.env",
    "ports: [\"8080:80\", {target: 80, published: \"8081\"}]",
    "volumes: [\"./x:/x\", \"data:/data\", {type: tmpfs, target: /t, tmpfs: {size: 1g}}]",
    "networks: {front: {aliases: [w], ipv4_address: 10.0.0.2}}",
    "secrets: [s, {source: s, target: /s}]",
    "configs: [c]",
    "healthcheck: {test: [CMD, \"true\"], interval: 1m30s}",
    "deploy: {resources: {limits: {cpus: \"0.5\", memory: 512M}}}",
    "ulimits: {nofile: {soft: 1, hard: 2}, nproc: 3}",
    "command: sh -c 'echo \"hi\"'",
    "profiles: [p]",
    "environment: {A: \"${A:-x}\", B: null}",
];

const TOP_ENTRIES: &[&str] = &[
    "include: [compose.yaml]",
    "include: [other.yaml]",
    "include: [{path: other.yaml, env_file: other.env}]",
    "include: [missing.yaml]",
    "include: [{path: [other.yaml, compose.yaml]}]",
    "networks: {front: {ipam: {config: [{subnet: 10.0.0.0/24}]}}, ext: {external: true}}",
    "volumes: {data: {}, ext: {external: true, name: e}}",
    "secrets: {s: {file: ./s.txt}, e: {environment: X}}",
    "configs: {c: {content: \"x\"}, f: {file: ./missing}}",
    "name: p",
    "name: \"${X:?no name}\"",
    "x-a: &a {image: busybox}",
];

/// One value in flow style: a scalar from [`VALUES`], or a small list or map of them.
fn random_value(rng: &mut Rng, depth: usize) -> String {
    match rng.below(if depth > 2 { 1 } else { 4 }) {
        0 | 1 => rng.pick(VALUES).to_string(),
        2 => {
            let items: Vec<String> = (0..rng.below(4)).map(|_| random_value(rng, depth + 1)).collect();
            format!("[{}]", items.join(", "))
        }
        _ => {
            let items: Vec<String> = (0..rng.below(4)).map(|_| format!("{}: {}", rng.pick(KEYS), random_value(rng, depth + 1))).collect();
            format!("{{{}}}", items.join(", "))
        }
    }
}

/// A compose-shaped document: services a, b, c with entries from the table or random ones.
fn random_document(rng: &mut Rng) -> String {
    let mut doc = String::new();
    for _ in 0..rng.below(3) {
        let entry = rng.pick(TOP_ENTRIES);
        doc.push_str(entry);
        doc.push('\n');
    }
    doc.push_str("services:\n");
    for name in ["a", "b", "c"].iter().take(1 + rng.below(3)) {
        doc.push_str(&format!("  {name}:\n"));
        for _ in 0..1 + rng.below(5) {
            if rng.chance(75) {
                doc.push_str(&format!("    {}\n", rng.pick(SERVICE_ENTRIES)));
            } else {
                doc.push_str(&format!("    {}: {}\n", rng.pick(KEYS), random_value(rng, 0)));
            }
        }
    }
    doc
}

/// One random edit of a document.
fn mutate(rng: &mut Rng, doc: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(doc).into_owned();
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    if lines.is_empty() {
        lines.push(String::new());
    }
    let i = rng.below(lines.len());
    let j = rng.below(lines.len());
    match rng.below(9) {
        0 => {
            lines.remove(i);
        }
        1 => lines.insert(i, lines[j].clone()),
        2 => lines.swap(i, j),
        3 => {
            let line = lines[i].trim_start().to_string();
            let width = lines[i].len() - line.len();
            let new_width = match rng.below(3) {
                0 => width.saturating_sub(2),
                1 => width + 2,
                _ => rng.below(12),
            };
            lines[i] = format!("{}{line}", if rng.chance(10) { "\t".to_string() } else { " ".repeat(new_width) });
        }
        4 | 5 => {
            // Keep the key, replace the value (or the list item) by one of another type.
            let line = &lines[i];
            let cut = line.find(": ").map(|p| p + 2).or_else(|| line.find("- ").map(|p| p + 2)).unwrap_or(line.len());
            lines[i] = format!("{}{}", &line[..cut], random_value(rng, 0));
        }
        6 => {
            let line = &lines[i];
            let indent = line.len() - line.trim_start().len();
            let rest = line.find(':').map(|p| &line[p..]).unwrap_or(": x");
            lines[i] = format!("{}{}{rest}", " ".repeat(indent), rng.pick(KEYS));
        }
        7 => {
            let mut bytes = lines.join("\n").into_bytes();
            for _ in 0..1 + rng.below(8) {
                let at = rng.below(bytes.len() + 1);
                let b = if rng.chance(20) { rng.below(256) as u8 } else { *rng.pick(b":-[]{}&*!|>#'\"\t\n ,?%@`$\\") };
                bytes.insert(at, b);
            }
            return bytes;
        }
        _ => {
            let mut bytes = lines.join("\n").into_bytes();
            bytes.truncate(rng.below(bytes.len() + 1));
            return bytes;
        }
    }
    let mut out = lines.join("\n");
    out.push('\n');
    out.into_bytes()
}

/// Documents built to stress the tree passes: huge numbers, small alias bombs, long strings,
/// odd encodings and directives. (Deep nesting is in [`deep_documents`].)
fn pathological_documents() -> Vec<Vec<u8>> {
    let mut docs: Vec<Vec<u8>> = Vec::new();
    for number in ["99999999999999999999999999999999", "-99999999999999999999999999999999", "1e309", "0x1ffffffffffffffff"] {
        docs.push(
            format!(
                "services:\n  a:\n    image: busybox\n    ports: [{number}, \"{number}:80\", {{target: {number}, published: {number}}}]\n    \
                 cpus: {number}\n    mem_limit: {number}\n    shm_size: \"{number}g\"\n    ulimits: {{nofile: {number}}}\n    \
                 healthcheck: {{test: x, retries: {number}, interval: \"{number}s\"}}\n    deploy: {{replicas: {number}, \
                 resources: {{limits: {{memory: \"{number}M\", pids: {number}}}}}}}\n    stop_grace_period: \"{number}h\"\n"
            )
            .into_bytes(),
        );
    }
    // Alias bombs: `levels` levels of `fan` aliases each, at most fan^levels = 10,000 nodes.
    for (levels, fan) in [(3, 10), (4, 10), (12, 2)] {
        let mut doc = String::from("x-l0: &l0 [lol]\n");
        for l in 1..=levels {
            let refs = vec![format!("*l{}", l - 1); fan].join(", ");
            doc.push_str(&format!("x-l{l}: &l{l} [{refs}]\n"));
        }
        doc.push_str(&format!("services:\n  a:\n    image: busybox\n    command: *l{levels}\n    labels: {{x: *l{levels}}}\n"));
        docs.push(doc.into_bytes());
    }
    docs.push(b"services:\n  a: &a\n    image: busybox\n    <<: *a\n".to_vec());
    docs.push(b"services: &s\n  a:\n    image: busybox\n    x: *s\n".to_vec());
    docs.push(format!("services:\n  a:\n    image: \"{}\"\n", "x".repeat(1 << 20)).into_bytes());
    docs.push(format!("services:\n  a:\n    image: busybox\n    environment:\n{}", "      K: v\n".repeat(2000)).into_bytes());
    docs.push(b"\xef\xbb\xbfservices:\n  a:\n    image: busybox\n".to_vec());
    docs.push(b"services:\n  a:\n    image: \xff\xfe\n".to_vec());
    docs.push(b"---\n---\n...\n---\nservices: {}\n".to_vec());
    docs.push(b"%YAML 1.2\n%TAG ! tag:x,2000:\n---\nservices: {a: {image: !x busybox}}\n".to_vec());
    docs
}

/// A scratch project directory: the document under test, plus the files that documents refer to.
struct Scratch {
    dir: PathBuf,
    compose: PathBuf,
}

impl Scratch {
    fn new() -> Scratch {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("no-panic");
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join("other.env"), "A=1\nB=${A}\n").unwrap();
        fs::write(dir.join("s.txt"), "secret\n").unwrap();
        fs::write(dir.join("other.yaml"), "services:\n  a:\n    image: busybox\n").unwrap();
        Scratch { compose: dir.join("compose.yaml"), dir }
    }

    /// Loads `doc` as compose.yaml (and `other` as other.yaml): whether it loaded, or `Err` with
    /// the panic message when the loader panicked.
    fn load(&self, doc: &[u8], other: Option<&[u8]>, environ: &[(&str, &str)]) -> Result<bool, String> {
        // Rewriting a file in place makes ext4 flush it to disk (auto_da_alloc): 4 ms a document.
        let write = |path: &Path, bytes: &[u8]| {
            let _ = fs::remove_file(path);
            fs::write(path, bytes).unwrap();
        };
        write(&self.compose, doc);
        if let Some(other) = other {
            write(&self.dir.join("other.yaml"), other);
        }
        let opts = Options {
            cwd: self.dir.clone(),
            environ: environ.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            ..Options::default()
        };
        match panic::catch_unwind(AssertUnwindSafe(|| {
            loader::load(&opts).map(|l| render::model_text(&l.project, ConfigFormat::Json, true))
        })) {
            Ok(loaded) => Ok(loaded.is_ok()),
            Err(p) => Err(panic_text(&*p)),
        }
    }
}

/// Hand-written tricky documents, and documents that once broke the loader, kept as regressions.
fn fuzz_inputs() -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz_inputs");
    let mut files: Vec<PathBuf> = fs::read_dir(dir).map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect()).unwrap_or_default();
    files.sort();
    files.iter().map(|f| (name_of(f), fs::read(f).unwrap())).collect()
}

/// The compose files of the valid samples.
fn sample_documents() -> Vec<(String, Vec<u8>)> {
    let mut docs = Vec::new();
    for dir in sample_dirs("valid") {
        let mut files: Vec<PathBuf> = fs::read_dir(&dir)
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "yml"))
            .collect();
        files.sort();
        for f in files {
            docs.push((format!("{}/{}", name_of(&dir), name_of(&f)), fs::read(&f).unwrap()));
        }
    }
    docs
}

#[test]
fn loader_never_panics() {
    let scratch = Scratch::new();
    let started = std::time::Instant::now();
    // `NO_PANIC_SEED` and `NO_PANIC_SCALE` (a multiplier of the rounds) for longer hunts.
    let seed = std::env::var("NO_PANIC_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0x9E37_79B9_7F4A_7C15_u64);
    let scale: usize = std::env::var("NO_PANIC_SCALE").ok().and_then(|s| s.parse().ok()).unwrap_or(1);
    let mut rng = Rng(seed.max(1));
    let mut panics: Vec<String> = Vec::new();
    let mut count = 0usize;
    let mut accepted = 0usize;
    let environ = [("X", "1"), ("A", "a")];
    let mut check = |what: String, doc: &[u8], other: Option<&[u8]>, panics: &mut Vec<String>| {
        count += 1;
        match scratch.load(doc, other, &environ) {
            Ok(true) => accepted += 1,
            Ok(false) => {}
            Err(message) => {
                let saved = scratch.dir.join(format!("panic-{}.yaml", panics.len()));
                fs::write(&saved, doc).unwrap();
                panics.push(format!("{what}: {message} (input saved as {})", saved.display()));
            }
        }
    };

    let samples = sample_documents();
    for (name, doc) in &samples {
        for cut in (0..doc.len()).step_by(7) {
            check(format!("{name} cut at byte {cut}"), &doc[..cut], None, &mut panics);
        }
    }
    for round in 0..1500 * scale {
        let (name, base) = rng.pick(&samples);
        let mut doc = base.clone();
        let edits = 1 + rng.below(4);
        for _ in 0..edits {
            doc = mutate(&mut rng, &doc);
        }
        check(format!("mutation {round} of {name} ({edits} edits)"), &doc, None, &mut panics);
    }
    for round in 0..1000 * scale {
        let doc = random_document(&mut rng);
        let other = random_document(&mut rng);
        check(format!("generated document {round}"), doc.as_bytes(), Some(other.as_bytes()), &mut panics);
    }
    for (depth, doc) in [64, 256].iter().flat_map(|&d| deep_documents(d)) {
        check(format!("nesting depth {depth}"), &doc, None, &mut panics);
    }
    for (name, doc) in fuzz_inputs() {
        check(format!("tests/fuzz_inputs/{name}"), &doc, None, &mut panics);
    }
    for (i, doc) in pathological_documents().iter().enumerate() {
        check(format!("pathological document {i}"), doc, None, &mut panics);
    }

    let elapsed = started.elapsed();
    println!("no-panic: {count} documents ({accepted} loaded, the others rejected) in {elapsed:.1?}");
    assert!(panics.is_empty(), "the loader panicked on {} of {count} documents:\n{}", panics.len(), panics.join("\n"));
}

/// Deeply nested documents of each kind of nesting, `depth` levels deep.
fn deep_documents(depth: usize) -> Vec<(String, Vec<u8>)> {
    let head = "services:\n  a:\n    image: busybox\n";
    // Block mappings need one more space per level: the file grows with the square of the
    // depth, so they stop at 3,000 levels (a 4.5 MB file).
    let block_depth = depth.min(3_000);
    let mut block = format!("{head}x-block:\n");
    for level in 1..block_depth {
        block.push_str(&format!("{}k:\n", " ".repeat(level)));
    }
    vec![
        (format!("{depth} flow sequences"), format!("{head}x-flow: {}{}\n", "[".repeat(depth), "]".repeat(depth)).into_bytes()),
        (format!("{depth} flow mappings"), format!("{head}x-flow: {}1{}\n", "{a: ".repeat(depth), "}".repeat(depth)).into_bytes()),
        (format!("{depth} block sequences"), format!("{head}x-dash:\n  {}x\n", "- ".repeat(depth)).into_bytes()),
        (format!("{block_depth} block mappings"), block.into_bytes()),
    ]
}

/// The depths [`deep_nesting_does_not_crash`] tries. 10,000 levels of `- ` is a 20 kB file;
/// Docker Compose's YAML parser stops at depth 10,000 with an error.
const DEEP: &[usize] = &[1_000, 10_000, 100_000];

/// Deep nesting can overflow the stack, which aborts the process instead of panicking: each
/// document is loaded in a child process (this test binary, running [`deep_nesting_child`]), on
/// a thread with the 8 MiB stack a main thread gets, and the child's exit status is checked.
#[test]
fn deep_nesting_does_not_crash() {
    let exe = std::env::current_exe().unwrap();
    let mut crashes = Vec::new();
    let mut count = 0;
    let mut tried = std::collections::HashSet::new();
    for &depth in DEEP {
        for (i, (what, _)) in deep_documents(depth).iter().enumerate() {
            if !tried.insert(what.clone()) {
                continue; // block mappings are capped: the same document as a shallower run
            }
            count += 1;
            let out = std::process::Command::new(&exe)
                .args(["--exact", "deep_nesting_child", "--ignored", "--nocapture", "--test-threads=1"])
                .env("RCOMPOSE_DEEP_DOC", format!("{depth}:{i}"))
                .output()
                .unwrap();
            if !out.status.success() {
                let stderr = String::from_utf8_lossy(&out.stderr);
                let why = stderr.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("").to_string();
                crashes.push(format!("{what}: the loader crashed ({}): {why}", out.status));
            }
        }
    }
    assert!(crashes.is_empty(), "the loader crashed on {} of {count} deeply nested documents:\n{}", crashes.len(), crashes.join("\n"));
}

/// The child side of [`deep_nesting_does_not_crash`]; does nothing when run on its own.
#[test]
#[ignore = "run by deep_nesting_does_not_crash in a child process"]
fn deep_nesting_child() {
    let Ok(which) = std::env::var("RCOMPOSE_DEEP_DOC") else { return };
    let (depth, i) = which.split_once(':').unwrap();
    let (depth, i): (usize, usize) = (depth.parse().unwrap(), i.parse().unwrap());
    let (_, doc) = deep_documents(depth).swap_remove(i);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("no-panic-deep-{depth}-{i}"));
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join("compose.yaml"), &doc).unwrap();
    let opts = Options { cwd: dir.clone(), environ: Vec::new(), ..Options::default() };
    let loaded = std::thread::Builder::new()
        .stack_size(8 << 20)
        .spawn(move || loader::load(&opts).map(|l| render::model_text(&l.project, ConfigFormat::Json, true)).map_err(|d| d.to_string()))
        .unwrap()
        .join();
    assert!(loaded.is_ok(), "the loader panicked");
    let _ = fs::remove_dir_all(&dir);
}

// ---------------------------------------------------------------------------------------------
// The loader's limits against real files.

/// Every compose file of the valid samples (and of `../shared/conformance` when it is there)
/// parses and interpolates within a tenth of each default limit: the limits leave at least ten
/// times the room real files need.
#[test]
fn limits_leave_room_for_real_files() {
    use rcompose::loader::interpolate::{self, TemplateError};
    use rcompose::loader::limits::Limits;
    use rcompose::loader::{yaml, FileId, Node, Value};

    let d = Limits::DEFAULT;
    let mut tenth = d;
    for l in [&mut tenth.file_size, &mut tenth.yaml_nodes, &mut tenth.expanded_size, &mut tenth.nesting, &mut tenth.interpolation_depth] {
        l.value /= 10;
    }
    let mut files: Vec<PathBuf> = Vec::new();
    let mut dirs = vec![samples_root().join("valid"), Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/conformance/cases")];
    while let Some(dir) = dirs.pop() {
        for entry in fs::read_dir(&dir).into_iter().flatten().flatten() {
            let p = entry.path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|e| e == "yaml" || e == "yml") {
                files.push(p);
            }
        }
    }
    assert!(files.len() > 50, "only {} compose files found", files.len());
    fn strings<'a>(n: &'a Node, out: &mut Vec<&'a str>) {
        match &n.value {
            Value::Str(s) => out.push(s),
            Value::Seq(items) => items.iter().for_each(|i| strings(i, out)),
            Value::Map(m) => m.values().for_each(|v| strings(v, out)),
            _ => {}
        }
    }
    let mut failures = Vec::new();
    let mut largest = (0, String::new());
    for f in &files {
        let text = fs::read_to_string(f).unwrap();
        if text.len() > largest.0 {
            largest = (text.len(), f.display().to_string());
        }
        if text.len() > tenth.file_size.value {
            failures.push(format!("{}: {} bytes", f.display(), text.len()));
            continue;
        }
        let docs = match yaml::parse_limited(&text, FileId::NONE, &tenth) {
            Ok(docs) => docs,
            Err(e) if e.message.contains("RCOMPOSE_MAX") => {
                failures.push(format!("{}: {e}", f.display()));
                continue;
            }
            Err(_) => continue, // an invalid file of the conformance cases
        };
        let mut values = Vec::new();
        docs.iter().for_each(|d| strings(d, &mut values));
        for v in values {
            let result = interpolate::substitute_within(v, &|_| Some("x".repeat(100)), &tenth, usize::MAX);
            if let Err(e @ (TemplateError::TooDeep { .. } | TemplateError::TooLarge { .. })) = result {
                failures.push(format!("{}: {e}", f.display()));
            }
        }
    }
    println!("{} compose files within a tenth of the limits; the largest is {} ({} bytes)", files.len(), largest.1, largest.0);
    assert!(failures.is_empty(), "real files need more than a tenth of a limit:\n{}", failures.join("\n"));
}

// ---------------------------------------------------------------------------------------------
// `.env` files and interpolation templates: seeded mutations of the corpus cases.
//
// `NO_PANIC_SEED` and `NO_PANIC_SCALE` work here as in `loader_never_panics`. Each case is a
// corpus text with a few random edits (bytes and pieces of the syntax inserted, deleted,
// duplicated), run through the parser or the substitution: a panic fails the test and prints
// the case (escaped), which then belongs in the corpus or in `tests/fuzz_inputs/`.

/// Pieces of the `.env` and template syntax that mutations insert.
#[rustfmt::skip]
const SYNTAX: &[&str] = &[
    "$", "$$", "${", "}", "{", ":-", "-", ":?", "?", ":+", "+", "${A}", "${A:-", "${B-x}", "$A", "\"", "'", "\\", "\\n",
    "\\0", "\\0777", "\n", "\r\n", "#", " #", "=", ":", "export ", " ", "\t", "é", "😀", "\u{feff}", "\0",
];

fn mutate_text(rng: &mut Rng, text: &str) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for _ in 0..1 + rng.below(6) {
        let at = rng.below(chars.len() + 1);
        match rng.below(4) {
            0 => {
                let piece: &&str = rng.pick(SYNTAX);
                chars.splice(at..at, piece.chars());
            }
            1 if at < chars.len() => {
                let end = (at + 1 + rng.below(8)).min(chars.len());
                chars.drain(at..end);
            }
            2 if !chars.is_empty() => {
                let from = rng.below(chars.len());
                let end = (from + 1 + rng.below(16)).min(chars.len());
                let copy: Vec<char> = chars[from..end].to_vec();
                let at = at.min(chars.len());
                chars.splice(at..at, copy);
            }
            _ => chars.insert(at.min(chars.len()), char::from_u32(rng.below(0x300) as u32).unwrap_or('x')),
        }
    }
    chars.into_iter().collect()
}

/// Runs `f` on each case, catching panics; fails listing every case that panicked.
fn no_panic_over(what: &str, cases: Vec<String>, f: impl Fn(&str)) {
    let mut panics = Vec::new();
    for case in &cases {
        if let Err(p) = panic::catch_unwind(AssertUnwindSafe(|| f(case))) {
            panics.push(format!("{case:?}: {}", panic_text(&*p)));
        }
    }
    println!("{what}: {} cases, no panic", cases.len());
    assert!(panics.is_empty(), "{what}: panicked on {} of {} cases:\n{}", panics.len(), cases.len(), panics.join("\n"));
}

fn fuzz_rng() -> (Rng, usize) {
    let seed = std::env::var("NO_PANIC_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0x2545_F491_4F6C_DD1D_u64);
    let scale: usize = std::env::var("NO_PANIC_SCALE").ok().and_then(|s| s.parse().ok()).unwrap_or(1);
    (Rng(seed.max(1)), scale)
}

fn corpus(name: &str) -> Json {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus").join(name);
    serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap()
}

#[test]
fn dotenv_parser_never_panics() {
    let c = corpus("dotenv-cases.json");
    let mut seeds: Vec<String> = Vec::new();
    for key in ["parse_line_cases", "parse_error_cases", "expand_cases"] {
        seeds.extend(c[key].as_array().unwrap().iter().filter_map(|case| case["input"].as_str().map(String::from)));
    }
    seeds.extend(c["fixture_cases"].as_array().unwrap().iter().filter_map(|case| case["fixture"].as_str().map(String::from)));
    assert!(seeds.len() > 50, "{} dotenv seeds", seeds.len());
    let (mut rng, scale) = fuzz_rng();
    let mut cases = seeds.clone();
    for _ in 0..3000 * scale {
        let mut text = rng.pick(&seeds).clone();
        for _ in 0..1 + rng.below(3) {
            let other = rng.pick(&seeds).clone();
            text = if rng.chance(30) { format!("{text}\n{other}") } else { mutate_text(&mut rng, &text) };
        }
        cases.push(text);
    }
    no_panic_over("dotenv", cases, |text| {
        let _ = loader::dotenv::parse(text, &|k| (k == "A").then(|| "a".to_string()));
    });
}

#[test]
fn interpolation_never_panics() {
    let c = corpus("template-cases.json");
    let mut seeds: Vec<String> =
        c["cases"].as_array().unwrap().iter().filter_map(|case| case["template"].as_str().map(String::from)).collect();
    seeds.extend(c["operator_cases"].as_array().unwrap().iter().filter_map(|case| case["input"].as_str().map(|s| format!("${{{s}}}"))));
    assert!(seeds.len() > 30, "{} template seeds", seeds.len());
    let (mut rng, scale) = fuzz_rng();
    let mut cases = seeds.clone();
    for _ in 0..5000 * scale {
        let mut text = rng.pick(&seeds).clone();
        for _ in 0..1 + rng.below(3) {
            text = mutate_text(&mut rng, &text);
        }
        cases.push(text);
    }
    no_panic_over("interpolation", cases, |text| {
        let lookup = |k: &str| match k {
            "A" => Some("a".to_string()),
            "EMPTY" => Some(String::new()),
            _ => None,
        };
        let _ = loader::interpolate::substitute(text, &lookup);
        let _ = loader::interpolate::references(text);
    });
}
