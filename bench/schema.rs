//! How long the loader's schema validation takes: compiling the embedded compose schema (the
//! first validation, once per process), and validating a 500-service project, valid and with
//! an error. Not a comparison with Docker Compose (its `config` has no such phase alone; the
//! `config-N` rows of `bench/run.py` compare whole commands): a breakdown, for when the schema or
//! the validator changes.
//!
//!     cargo bench --bench schema
//!
//! Each figure is the median of `RUNS` runs (the compile is timed once: it happens once).

use std::fmt::Write;
use std::time::{Duration, Instant};

use rcompose::loader::diagnostic::FileId;
use rcompose::loader::validate::validate;
use rcompose::loader::yaml::parse_one;

const RUNS: usize = 21;

fn project(services: usize) -> String {
    let mut text = String::from("services:\n");
    for i in 0..services {
        write!(
            text,
            "  svc{i}:\n    image: nginx:1.25\n    build:\n      context: ./svc{i}\n      args: {{A: \"1\"}}\n    ports:\n      - \"{}:80\"\n      - target: 443\n        published: \"{}\"\n    environment:\n      - A=1\n      - B=2\n    volumes:\n      - data:/data\n      - type: bind\n        source: ./conf\n        target: /etc/conf\n    depends_on:\n      db:\n        condition: service_healthy\n    healthcheck:\n      test: [\"CMD\", \"true\"]\n      interval: 5s\n    deploy:\n      resources:\n        limits: {{cpus: \"0.5\", memory: 64M}}\n    labels:\n      com.example.svc: \"{i}\"\n",
            8000 + i,
            9000 + i
        )
        .expect("write to a string");
    }
    text.push_str("  db:\n    image: postgres\nvolumes:\n  data:\n");
    text
}

fn median(mut f: impl FnMut() -> Duration) -> Duration {
    let mut times: Vec<Duration> = (0..RUNS).map(|_| f()).collect();
    times.sort();
    times[RUNS / 2]
}

fn timed(f: impl FnOnce()) -> Duration {
    let start = Instant::now();
    f();
    start.elapsed()
}

fn main() {
    let tiny = parse_one("services: {}\n", FileId::NONE).expect("parse");
    let compiled = timed(|| validate(&tiny).expect("valid"));
    let text = project(500);
    let parse = median(|| timed(|| drop(parse_one(&text, FileId::NONE).expect("parse"))));
    let node = parse_one(&text, FileId::NONE).expect("parse");
    let valid = median(|| timed(|| validate(&node).expect("valid")));
    let bad = parse_one(&format!("{text}bogus: 1\n"), FileId::NONE).expect("parse");
    let invalid = median(|| timed(|| drop(validate(&bad).expect_err("invalid"))));
    println!("schema compile (first validation): {compiled:?}");
    println!("500 services ({} lines): parse {parse:?}, validate {valid:?}, validate with an error {invalid:?}", text.lines().count());
}
