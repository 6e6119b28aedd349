//! Checks a compose tree against the Compose JSON Schema, `schema/compose-spec.json`.
//!
//! The pass runs after interpolation and merging, so the tree holds final values (with the few
//! string→type casts interpolation does). The schema is embedded at build time and compiled
//! once. A JSON Schema validator reports what failed in schema terms ("not valid under any of
//! the schemas listed in 'oneOf'"); this module turns the first problem in the document into a
//! [`Diagnostic`] a newcomer can act on: the key path, the position of the offending key, and
//! what was expected. Two annotations in the schema feed the messages: `x-expected` (what a value
//! must be, as a noun phrase) and `x-subject` (what an item or a key is called).

use jsonschema::error::ValidationErrorKind as Kind;
use jsonschema::paths::{Location, LocationSegment};
use jsonschema::{ValidationError, Validator};
use serde_json::Value as Json;
use std::sync::OnceLock;

use super::diagnostic::{self, Diagnostic, Pos};
use super::yaml::{Node, Value};

pub(crate) const SCHEMA_TEXT: &str = include_str!("../../schema/compose-spec.json");

struct Schema {
    json: Json,
    validator: Validator,
}

fn schema() -> &'static Schema {
    static SCHEMA: OnceLock<Schema> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        let json: Json = serde_json::from_str(SCHEMA_TEXT).expect("schema/compose-spec.json is not valid JSON");
        let validator =
            jsonschema::draft7::options().build(&json).unwrap_or_else(|e| panic!("schema/compose-spec.json is not a valid schema: {e}"));
        Schema { json, validator }
    })
}

/// Validates a whole compose document. On failure, returns the problem that comes first in the
/// document.
pub fn validate(node: &Node) -> Result<(), Diagnostic> {
    let schema = schema();
    let instance = node.to_json();
    if schema.validator.is_valid(&instance) {
        return Ok(());
    }
    let problems = schema.validator.iter_errors(&instance).map(|e| explain(&e, schema, node));
    let first = problems.min_by_key(|p| order_key(p.pos(node)));
    match first {
        Some(p) => Err(p.into_diagnostic(node)),
        None => Ok(()),
    }
}

/// Sorts problems in reading order; positions made by a pass (line 0) go last.
fn order_key(pos: Pos) -> (bool, u32, u32) {
    (pos.line == 0, pos.line, pos.col)
}

/// One problem, located by instance path segments.
struct Problem {
    /// The value the message is about.
    at: Vec<String>,
    /// A key of `at` to point at instead of `at` itself (unknown keys, bad names).
    key: Option<String>,
    message: String,
}

impl Problem {
    fn new(at: Vec<String>, message: impl Into<String>) -> Problem {
        Problem { at, key: None, message: message.into() }
    }

    fn pos(&self, root: &Node) -> Pos {
        match &self.key {
            Some(k) => {
                let parent = root.find(&self.at);
                parent.get(k).map(Node::report_pos).unwrap_or_else(|| parent.report_pos())
            }
            None => root.find(&self.at).report_pos(),
        }
    }

    fn into_diagnostic(self, root: &Node) -> Diagnostic {
        let pos = self.pos(root);
        let path = display_path(root, &self.at);
        let message =
            if path.is_empty() && self.message.starts_with("must ") { format!("the file {}", self.message) } else { self.message };
        Diagnostic::new(pos, path, message)
    }
}

/// `["services", "web", "ports", "0"]` → `services.web.ports[0]`, using the tree to tell list
/// indexes from mapping keys.
fn display_path(root: &Node, segments: &[String]) -> String {
    let mut path = String::new();
    let mut cur = Some(root);
    for seg in segments {
        match cur.map(|n| &n.value) {
            Some(Value::Seq(items)) => {
                let i = seg.parse::<usize>().unwrap_or(usize::MAX);
                path = diagnostic::index(&path, i);
                cur = items.get(i);
            }
            Some(Value::Map(m)) => {
                path = diagnostic::join(&path, seg);
                cur = m.get(seg);
            }
            _ => {
                path = diagnostic::join(&path, seg);
                cur = None;
            }
        }
    }
    path
}

fn segments(loc: &Location) -> Vec<String> {
    loc.segments()
        .map(|s| match s {
            LocationSegment::Property(p) => p.into_owned(),
            LocationSegment::Index(i) => i.to_string(),
        })
        .collect()
}

/// The schema object at a schema location.
fn schema_at<'a>(schema: &'a Json, segs: &[String]) -> Option<&'a Json> {
    segs.iter().try_fold(schema, |cur, seg| match cur {
        Json::Object(o) => o.get(seg),
        Json::Array(a) => seg.parse::<usize>().ok().and_then(|i| a.get(i)),
        _ => None,
    })
}

/// The schema object holding the keyword that failed (`.../properties/x/type` → `.../properties/x`).
fn holder<'a>(schema: &'a Schema, e: &ValidationError) -> Option<&'a Json> {
    let mut segs = segments(e.schema_path());
    segs.pop();
    schema_at(&schema.json, &segs)
}

fn annotation<'a>(node: Option<&'a Json>, name: &str) -> Option<&'a str> {
    node?.get(name)?.as_str()
}

fn explain(e: &ValidationError, schema: &Schema, root: &Node) -> Problem {
    let at = segments(e.instance_path());
    let node = holder(schema, e);
    match e.kind() {
        Kind::AdditionalProperties { unexpected } => unknown_key(at, unexpected, node, root),
        Kind::AnyOf { context } | Kind::OneOfNotValid { context } => one_of(e, at, context, node, schema, root),
        Kind::OneOfMultipleValid { .. } => {
            let expected = annotation(node, "x-expected").unwrap_or("exactly one of the accepted forms");
            Problem::new(at, format!("ambiguous value, expected {expected}"))
        }
        Kind::Type { .. } => Problem::new(at, format!("must be {}", expected(node))),
        Kind::Enum { options } => {
            let got = e.instance().to_string();
            Problem::new(at, format!("must be {}, not {got}", one_of_values(options)))
        }
        Kind::Constant { expected_value } => Problem::new(at, format!("must be {expected_value}")),
        Kind::Required { property } => {
            let name = property.as_str().map(str::to_string).unwrap_or_else(|| property.to_string());
            Problem::new(at, format!("missing required key \"{name}\""))
        }
        Kind::UniqueItems => duplicate(at, e.instance()),
        Kind::Minimum { limit } => Problem::new(at, format!("must be at least {limit}")),
        Kind::Maximum { limit } => Problem::new(at, format!("must be at most {limit}")),
        Kind::Pattern { pattern } => Problem::new(at, format!("must match the pattern {pattern}")),
        Kind::FalseSchema => Problem::new(at, "is not allowed here"),
        _ => Problem::new(at, lowercase_first(&e.to_string())),
    }
}

/// An `anyOf`/`oneOf` where no branch fits. When the value has the type of exactly one branch,
/// that branch's own problem is the useful one (an unknown key inside the long syntax); when it
/// fits no branch, the message lists the accepted forms.
fn one_of(
    e: &ValidationError,
    at: Vec<String>,
    branches: &[Vec<ValidationError<'static>>],
    node: Option<&Json>,
    schema: &Schema,
    root: &Node,
) -> Problem {
    let here = e.instance_path();
    let fits = |errors: &Vec<ValidationError>| !errors.iter().any(|b| b.instance_path() == here && matches!(b.kind(), Kind::Type { .. }));
    let candidates: Vec<&Vec<ValidationError>> = branches.iter().filter(|b| fits(b)).collect();
    let expected_here = annotation(node, "x-expected");
    if let Some(branch) = candidates.first() {
        let best = branch.iter().map(|b| (b, explain(b, schema, root))).min_by_key(|(_, p)| order_key(p.pos(root)));
        if let Some((b, problem)) = best {
            let shallow = b.instance_path() == here
                && matches!(
                    b.kind(),
                    Kind::Enum { .. } | Kind::Constant { .. } | Kind::Minimum { .. } | Kind::Maximum { .. } | Kind::Pattern { .. }
                );
            if !(shallow && expected_here.is_some()) {
                return problem;
            }
        }
    }
    let expected = match expected_here {
        Some(x) => x.to_string(),
        None => {
            let forms: Vec<String> = (0..branches.len())
                .map(|i| {
                    let mut segs = segments(e.schema_path());
                    segs.push(i.to_string());
                    expected(schema_at(&schema.json, &segs))
                })
                .collect();
            join_or(&forms)
        }
    };
    match annotation(node, "x-subject") {
        Some(subject) => Problem::new(at, format!("invalid {subject}, expected {expected}")),
        None => Problem::new(at, format!("must be {expected}")),
    }
}

/// Keys that no `properties` or `patternProperties` entry accepts: either a misspelt key, or a
/// name (of a service, a volume...) with characters Compose does not allow.
fn unknown_key(at: Vec<String>, unexpected: &[String], node: Option<&Json>, root: &Node) -> Problem {
    let parent = root.find(&at);
    let key = unexpected
        .iter()
        .min_by_key(|k| order_key(parent.get(k).map(Node::report_pos).unwrap_or(Pos::UNKNOWN)))
        .cloned()
        .unwrap_or_default();
    let names = node.and_then(|n| n.get("patternProperties")).and_then(Json::as_object);
    let name_rule = names.and_then(|p| p.keys().find(|k| *k != "^x-")).map(String::as_str);
    let message = match (annotation(node, "x-subject"), name_rule) {
        (Some(subject), Some(rule)) if node.and_then(|n| n.get("properties")).is_none() => {
            format!("invalid {subject} \"{key}\": {}", describe_name_rule(rule))
        }
        _ => {
            let known = node.and_then(|n| n.get("properties")).and_then(Json::as_object);
            match known.and_then(|k| closest(&key, k.keys().map(String::as_str))) {
                Some(guess) => format!("unknown key \"{key}\", did you mean \"{guess}\"?"),
                None => format!("unknown key \"{key}\""),
            }
        }
    };
    Problem { at, key: Some(key), message }
}

fn describe_name_rule(pattern: &str) -> String {
    match pattern {
        "^[a-zA-Z0-9._-]+$" => "only letters, digits, \".\", \"_\" and \"-\" are allowed".to_string(),
        "^[a-z]+$" => "only lowercase letters are allowed".to_string(),
        ".+" | "^.+$" => "must not be empty".to_string(),
        other => format!("must match {other}"),
    }
}

/// The known key closest to a misspelt one, if it is close enough to be a typo.
fn closest<'a>(key: &str, known: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (key.chars().count() / 3).clamp(1, 3);
    known.map(|k| (edit_distance(key, k), k)).filter(|(d, _)| *d <= limit).min_by_key(|(d, _)| *d).map(|(_, k)| k)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = if ca == *cb { prev } else { 1 + prev.min(cur).min(row[j]) };
            prev = cur;
        }
    }
    row[b.len()]
}

/// Points at the second occurrence of a repeated list item.
fn duplicate(at: Vec<String>, list: &Json) -> Problem {
    let items = list.as_array().map(Vec::as_slice).unwrap_or_default();
    for (j, item) in items.iter().enumerate() {
        if let Some(i) = items[..j].iter().position(|x| x == item) {
            let mut path = at;
            path.push(j.to_string());
            return Problem::new(path, format!("duplicate entry {item}, already listed at [{i}]"));
        }
    }
    Problem::new(at, "must not contain duplicate entries")
}

/// What a schema object accepts: its `x-expected` annotation, or its JSON types in words.
fn expected(node: Option<&Json>) -> String {
    if let Some(x) = annotation(node, "x-expected") {
        return x.to_string();
    }
    let types: Vec<&str> = match node.and_then(|n| n.get("type")) {
        Some(Json::String(t)) => vec![t.as_str()],
        Some(Json::Array(ts)) => ts.iter().filter_map(Json::as_str).collect(),
        _ => return "a valid value".to_string(),
    };
    join_or(&type_names(&types))
}

/// JSON types in words, simplified: `null` only when alone, `integer` folded into `number`, and a
/// scalar type paired with `string` (a value Compose converts later) named as the scalar alone.
fn type_names(types: &[&str]) -> Vec<String> {
    let mut ts: Vec<&str> = types.to_vec();
    if ts.len() > 1 {
        ts.retain(|t| *t != "null");
    }
    if ts.contains(&"number") {
        ts.retain(|t| *t != "integer");
    }
    if ts.len() == 2 && ts.contains(&"string") && ts.iter().any(|t| matches!(*t, "boolean" | "integer" | "number")) {
        ts.retain(|t| *t != "string");
    }
    ts.iter()
        .map(|t| {
            match *t {
                "string" => "a string",
                "integer" => "an integer",
                "number" => "a number",
                "boolean" => "a boolean",
                "array" => "a list",
                "object" => "a mapping",
                "null" => "empty",
                other => other,
            }
            .to_string()
        })
        .collect()
}

fn one_of_values(options: &Json) -> String {
    let values: Vec<String> = options.as_array().map(|a| a.iter().map(Json::to_string).collect()).unwrap_or_default();
    match values.len() {
        1 => values[0].clone(),
        _ => format!("one of {}", join_or(&values)),
    }
}

/// `["a", "b", "c"]` → `a, b or c`.
fn join_or(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

fn lowercase_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loader::diagnostic::FileId;
    use crate::loader::yaml::parse_one;
    use std::path::Path;

    fn check(text: &str) -> Result<(), Diagnostic> {
        validate(&parse_one(text, FileId::NONE).expect("test YAML parses"))
    }

    /// The diagnostic for an invalid document, as (line, path, message).
    fn error(text: &str) -> (u32, String, String) {
        let d = check(text).expect_err("document should be invalid");
        (d.pos.line, d.path, d.message)
    }

    fn assert_valid(text: &str) {
        if let Err(d) = check(text) {
            panic!("{}:{}: {}: {}", d.pos.line, d.pos.col, d.path, d.message);
        }
    }

    #[test]
    fn accepts_short_and_long_syntax() {
        // From the awesome-compose "nginx-golang-mysql" sample.
        assert_valid(
            r#"
services:
  backend:
    build:
      context: backend
      target: builder
    secrets:
      - db-password
    depends_on:
      db:
        condition: service_healthy
  db:
    image: mariadb:10-focal
    command: '--default-authentication-plugin=mysql_native_password'
    restart: always
    healthcheck:
      test: ['CMD-SHELL', 'mysqladmin ping -h 127.0.0.1 --silent']
      interval: 3s
      retries: 5
      start_period: 30s
    secrets:
      - db-password
    volumes:
      - db-data:/var/lib/mysql
    environment:
      - MYSQL_DATABASE=example
    expose:
      - 3306
  proxy:
    image: nginx
    volumes:
      - type: bind
        source: ./proxy/nginx.conf
        target: /etc/nginx/conf.d/default.conf
        read_only: true
    ports:
      - 80:80
    depends_on:
      - backend
volumes:
  db-data:
secrets:
  db-password:
    file: db/password.txt
"#,
        );
    }

    #[test]
    fn accepts_mapping_environment_and_network_settings() {
        // From the awesome-compose "pihole-cloudflared-DoH" and "elasticsearch-logstash-kibana"
        // samples: an obsolete `version`, dotted environment keys, per-network addresses, IPAM.
        assert_valid(
            r#"
version: '3.7'
services:
  cloudflared:
    image: visibilityspots/cloudflared
    ports:
      - "5054:5054/tcp"
      - "5054:5054/udp"
    environment:
      discovery.type: single-node
      ES_JAVA_OPTS: "-Xms512m -Xmx512m"
      PORT: 5054
      DEBUG: true
      EMPTY:
    restart: always
    networks:
      dns-net:
        ipv4_address: 172.20.0.2
  pihole:
    image: pihole/pihole:latest
    cap_add:
      - NET_ADMIN
    depends_on:
      - "cloudflared"
    networks:
      - dns-net
networks:
  dns-net:
    ipam:
      config:
        - subnet: 172.20.0.0/24
"#,
        );
    }

    #[test]
    fn accepts_command_lists_and_runtime_options() {
        // From the awesome-compose "wasmedge-kafka-mysql" sample.
        assert_valid(
            r#"
services:
  redpanda:
    image: docker.redpanda.com/vectorized/redpanda:v22.2.2
    command:
      - redpanda start
      - --smp 1
    ports:
      - 8081:8081
      - 29092:29092
    volumes:
      - ./kafka:/app
  etl:
    image: etl-kafka
    platform: wasi/wasm
    build:
      context: etl
    environment:
      RUST_LOG: info
    restart: unless-stopped
    runtime: io.containerd.wasmedge.v1
"#,
        );
    }

    #[test]
    fn accepts_values_compose_converts_later() {
        assert_valid(
            r#"
name: demo
services:
  web:
    image: nginx
    build: ./web
    mem_limit: 512m
    memswap_limit: 1073741824
    cpus: "0.5"
    shm_size: 64m
    privileged: "true"
    scale: "2"
    ports:
      - 80
      - "127.0.0.1:8000-8010:80-90/udp"
      - target: 80
        published: "8080"
        protocol: tcp
        mode: host
    ulimits:
      nproc: 65535
      nofile: {soft: 20000, hard: 40000}
    deploy:
      replicas: 2
      resources:
        limits: {cpus: 0.5, memory: 50M}
    develop:
      watch:
        - path: ./src
          action: sync
          target: /app/src
          ignore: [node_modules/]
        - path: package.json
          action: rebuild
"#,
        );
    }

    #[test]
    fn accepts_extensions_where_compose_does() {
        assert_valid(
            r#"
x-common: &common
  restart: always
services:
  web:
    image: nginx
    x-owner: team-a
    ports:
      - target: 80
        x-note: public
    build:
      context: .
      x-cache: true
networks:
  front:
    x-zone: a
volumes:
  data:
    x-backup: daily
secrets:
  s:
    file: ./s
    x-rotate: weekly
configs:
  c:
    content: hello
    x-kind: text
"#,
        );
    }

    #[test]
    fn unknown_service_key_points_at_the_key() {
        let (line, path, msg) = error("services:\n  web:\n    image: nginx\n    imagee: nginx\n");
        assert_eq!((line, path.as_str()), (4, "services.web"));
        assert_eq!(msg, r#"unknown key "imagee", did you mean "image"?"#);
    }

    #[test]
    fn unknown_top_level_key() {
        let (line, path, msg) = error("services:\n  web:\n    image: nginx\nvolume:\n  data:\n");
        assert_eq!((line, path.as_str()), (4, ""));
        assert_eq!(msg, r#"unknown key "volume", did you mean "volumes"?"#);
        let (_, _, msg) = error("services: {}\nfrobnicate: 1\n");
        assert_eq!(msg, r#"unknown key "frobnicate""#);
    }

    #[test]
    fn wrong_types() {
        let (line, path, msg) = error("services:\n  web:\n    image: nginx\n    ports: \"80:80\"\n");
        assert_eq!((line, path.as_str(), msg.as_str()), (4, "services.web.ports", "must be a list"));
        let (line, path, msg) = error("services:\n  web:\n    image: nginx\n    privileged: 1\n");
        assert_eq!((line, path.as_str(), msg.as_str()), (4, "services.web.privileged", "must be a boolean"));
        let (_, path, msg) = error("services:\n  web:\n    image: nginx\n    healthcheck:\n      interval: 10\n");
        assert_eq!(path, "services.web.healthcheck.interval");
        assert_eq!(msg, r#"must be a duration string like "1m30s""#);
        let (_, path, msg) = error("services:\n  web:\n    image: nginx\n    command: [ls, 1]\n");
        assert_eq!((path.as_str(), msg.as_str()), ("services.web.command[1]", "must be a string"));
        let (line, path, msg) = error("services:\n  web:\n");
        assert_eq!((line, path.as_str(), msg.as_str()), (2, "services.web", "must be a mapping"));
    }

    #[test]
    fn bad_port() {
        let (line, path, msg) = error("services:\n  web:\n    image: nginx\n    ports:\n      - 80\n      - [8080]\n");
        assert_eq!((line, path.as_str()), (6, "services.web.ports[1]"));
        assert_eq!(msg, r#"invalid port, expected a number, a "host:container" string or a mapping"#);
    }

    #[test]
    fn long_syntax_problems_are_reported_inside_the_mapping() {
        let text = "services:\n  web:\n    image: nginx\n    ports:\n      - target: 80\n        publishd: 8080\n";
        let (line, path, msg) = error(text);
        assert_eq!((line, path.as_str()), (6, "services.web.ports[0]"));
        assert_eq!(msg, r#"unknown key "publishd", did you mean "published"?"#);
        let (_, path, msg) = error("services:\n  web:\n    build:\n      context: .\n      dockerfle: Dockerfile\n");
        assert_eq!(path, "services.web.build");
        assert_eq!(msg, r#"unknown key "dockerfle", did you mean "dockerfile"?"#);
    }

    #[test]
    fn bad_depends_on_condition() {
        let text = "services:\n  web:\n    image: nginx\n    depends_on:\n      db:\n        condition: service_ready\n  db:\n    image: postgres\n";
        let (line, path, msg) = error(text);
        assert_eq!((line, path.as_str()), (6, "services.web.depends_on.db.condition"));
        assert_eq!(msg, r#"must be one of "service_started", "service_healthy" or "service_completed_successfully", not "service_ready""#);
        let (line, path, msg) = error("services:\n  web:\n    image: nginx\n    depends_on:\n      db: {}\n");
        assert_eq!((line, path.as_str(), msg.as_str()), (5, "services.web.depends_on.db", r#"missing required key "condition""#));
        let (_, path, msg) = error("services:\n  web:\n    image: nginx\n    depends_on: db\n");
        assert_eq!(path, "services.web.depends_on");
        assert_eq!(msg, "must be a list of service names or a mapping of service names to conditions");
    }

    #[test]
    fn duplicates_and_names() {
        let (line, path, msg) = error("services:\n  web:\n    image: nginx\n    depends_on:\n      - db\n      - db\n");
        assert_eq!((line, path.as_str()), (6, "services.web.depends_on[1]"));
        assert_eq!(msg, r#"duplicate entry "db", already listed at [0]"#);
        let (line, path, msg) = error("services:\n  my web:\n    image: nginx\n");
        assert_eq!((line, path.as_str()), (2, "services"));
        assert_eq!(msg, r#"invalid service name "my web": only letters, digits, ".", "_" and "-" are allowed"#);
    }

    #[test]
    fn first_problem_in_the_file_wins() {
        let text = "services:\n  a:\n    image: x\n    tty: 3\n  b:\n    image: y\n    imagee: z\n";
        let (line, path, _) = error(text);
        assert_eq!((line, path.as_str()), (4, "services.a.tty"));
    }

    #[test]
    fn extensions_only_where_allowed() {
        let (_, path, msg) = error("services:\n  web:\n    image: nginx\n    environment:\n      A: [1]\n");
        assert_eq!((path.as_str(), msg.as_str()), ("services.web.environment.A", "must be a string, a number, a boolean or nothing"));
        let (_, path, msg) = error("services:\n  web:\n    image: nginx\n    extends:\n      service: base\n      x-note: 1\n");
        assert_eq!((path.as_str(), msg.as_str()), ("services.web.extends", r#"unknown key "x-note""#));
        let (_, path, msg) = error("services: {}\nX-upper: 1\n");
        assert_eq!((path.as_str(), msg.as_str()), ("", r#"unknown key "X-upper""#));
    }

    #[test]
    fn whole_file_must_be_a_mapping() {
        let (line, path, msg) = error("- services\n");
        assert_eq!((line, path.as_str()), (1, ""));
        assert_eq!(msg, r#"the file must be a mapping of top-level keys such as "services""#);
    }

    /// Every real project of the loader conformance suite validates. The suite is in the shared
    /// folder beside the repository (`../shared`); without it the test fails rather than pass
    /// having checked nothing.
    #[test]
    fn conformance_projects_are_valid() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/conformance/cases");
        let cases = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("the conformance cases are not at {}: {e}", dir.display()));
        let mut checked = 0;
        for case in cases {
            let case = case.unwrap().path();
            for file in std::fs::read_dir(&case).into_iter().flatten() {
                let file = file.unwrap().path();
                let name = file.file_name().unwrap().to_string_lossy().to_string();
                if !(name.ends_with(".yaml") || name.ends_with(".yml")) {
                    continue;
                }
                let text = std::fs::read_to_string(&file).unwrap();
                let node = parse_one(&text, FileId::intern(&file)).unwrap();
                if let Err(d) = validate(&node) {
                    panic!("{d}");
                }
                checked += 1;
            }
        }
        println!("{checked} conformance files validated");
        assert!(checked >= 40, "only {checked} compose files found in {}", dir.display());
    }
}
