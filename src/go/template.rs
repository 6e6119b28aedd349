//! `--format` values as the docker CLI reads them: Go templates (`{{.Name}} {{.State}}`),
//! `json`, and a `table` prefix that adds a header row and aligns the columns.
//!
//! The template language itself is the `gotmpl` crate, a port of Go's `text/template`. It was
//! chosen over `gtmpl`, the older port, because it is maintained (gtmpl's last release dates from
//! 2021), covers the whole language (`break`/`continue`, `range` over an integer, `else with`,
//! Go's `printf` verbs), iterates maps in Go's sorted order (gtmpl's objects are hash maps, whose
//! order changes from run to run), and forbids `unsafe` and panics in its own code.
//!
//! What the docker CLI adds on top, and this module reproduces:
//! - the functions it registers: `json` (without HTML escaping, except for a whole row, whose
//!   own JSON form escapes), `split`, `join`, `title`, `lower`, `upper`, `pad`, `truncate`;
//! - `table`: the same template executed once over the column names (`.Name` is `NAME`), with
//!   the string functions returning their argument unchanged, as a header; a field without a
//!   column name prints `<no value>`, and an error there ends the header where it happened;
//!   then every line laid out by `text/tabwriter` (min width 10, padding 3);
//! - literal `\t` and `\n` in the value are a tab and a newline, surrounding spaces are trimmed;
//! - a field the row does not have is an error, and nothing is printed.
//!
//! Rows are JSON objects in the field order of the command's own JSON; a row's fields are the
//! methods Go would call. `gotmpl` has no methods, only fields, so the one method with an
//! argument the docker CLI's rows have, `.Label "key"`, is rewritten before parsing into a call
//! of a function of ours on the dot (`rcomposeLabel . "key"`): a row's label value, `""` when it
//! has none; in a table's header, the key's last dotted part (`service`), as the docker CLI's.

use std::sync::{Arc, Mutex};

use gotmpl::{MissingKey, Template, Value};
use serde_json::Value as Json;

use super::json::{marshal, marshal_unescaped};

/// A `--format` that failed to parse or to execute; the text is gotmpl's, after the docker
/// CLI's prefix.
#[derive(Debug, thiserror::Error)]
#[error("template parsing error: {0}")]
pub struct TemplateError(String);

/// A parsed `--format` value.
pub struct Format {
    table: bool,
    rows: Template,
    header: Template,
    /// The row being executed, for `json`: a whole row is written with its own field order.
    current: Arc<Mutex<Json>>,
}

impl Format {
    /// Parses `format` as the docker CLI does: `json` is `{{json .}}`, `table ...` is a table of
    /// the rest. A bare `table` is the command's own default and must be replaced by the caller.
    pub fn parse(format: &str) -> Result<Format, TemplateError> {
        let table = format.starts_with("table");
        let body = if table {
            &format["table".len()..]
        } else if format == "json" {
            "{{json .}}"
        } else {
            format
        };
        let body = label_calls(&body.trim_matches(' ').replace("\\t", "\t").replace("\\n", "\n"));
        let current = Arc::new(Mutex::new(Json::Null));
        let map = |fs: Vec<(&str, Func)>| fs.into_iter().map(|(n, f)| (n.to_string(), f)).collect::<gotmpl::FuncMap>();
        let rows = Template::new("").missing_key(MissingKey::Error).funcs(map(row_functions(current.clone())));
        // The header has the same functions, the string ones replaced.
        let header = Template::new("").funcs(map(row_functions(current.clone()))).funcs(map(header_functions()));
        let fail = |e: gotmpl::TemplateError| TemplateError(e.to_string());
        Ok(Format { table, rows: rows.parse(&body).map_err(fail)?, header: header.parse(&body).map_err(fail)?, current })
    }

    /// Whether the format asked for a table (a header row and aligned columns).
    pub fn is_table(&self) -> bool {
        self.table
    }

    /// The text of `rows` (JSON objects), one line per row (the template may print more), with
    /// the header of `columns` (field name, column name) first if a table. Nothing if a row
    /// fails, as with the docker CLI.
    pub fn render(&self, rows: &[Json], columns: &[(&str, &str)]) -> Result<String, TemplateError> {
        let mut body = Vec::new();
        for row in rows {
            *self.current.lock().unwrap_or_else(|p| p.into_inner()) = row.clone();
            self.rows.execute(&mut body, &to_value(row)).map_err(|e| TemplateError(explain(e)))?;
            body.push(b'\n');
        }
        let body = String::from_utf8_lossy(&body).into_owned();
        if !self.table {
            return Ok(body);
        }
        let names = Value::from(
            columns.iter().map(|(field, name)| (field.to_string(), Value::from(*name))).collect::<std::collections::BTreeMap<_, _>>(),
        );
        let mut header = Vec::new();
        // As in the docker CLI, an error in the header ends it where it happened.
        let _ = self.header.execute(&mut header, &names);
        let text = format!("{}\n{body}", String::from_utf8_lossy(&header));
        Ok(super::tabwriter::write(&text, 10, 3))
    }
}

/// The name `.Label "key"` is rewritten to call; not a name the docker CLI gives a function.
const LABEL_FUNCTION: &str = "rcomposeLabel";

/// `template` with every `.Label` method call on the dot (`.Label "key"`, in an action, outside
/// string literals) turned into `rcomposeLabel . "key"`, which `gotmpl` can call.
fn label_calls(template: &str) -> String {
    let (mut out, mut rest) = (String::with_capacity(template.len()), template);
    while let Some(open) = rest.find("{{") {
        out.push_str(&rest[..open + 2]);
        rest = &rest[open + 2..];
        let mut chars = rest.char_indices().peekable();
        let mut end = rest.len();
        let mut quote: Option<char> = None;
        let mut previous = ' ';
        while let Some((i, c)) = chars.next() {
            match quote {
                Some('"') if c == '\\' => {
                    out.push(c);
                    if let Some((_, escaped)) = chars.next() {
                        out.push(escaped);
                    }
                    continue;
                }
                Some(q) if c == q => quote = None,
                Some(_) => {}
                None if c == '"' || c == '`' || c == '\'' => quote = Some(c),
                None if rest[i..].starts_with("}}") => {
                    end = i;
                    break;
                }
                None if c == '.'
                    && !(previous.is_alphanumeric() || matches!(previous, '_' | '.' | ')' | '$'))
                    && rest[i + 1..].starts_with("Label")
                    && rest[i + 1 + "Label".len()..].starts_with(char::is_whitespace) =>
                {
                    out.push_str(LABEL_FUNCTION);
                    out.push_str(" .");
                    for _ in 0.."Label".len() {
                        chars.next();
                    }
                    previous = 'l';
                    continue;
                }
                None => {}
            }
            out.push(c);
            previous = c;
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// The value of label `key` of a row, whose `Labels` field is the docker CLI's text
/// (`k=v,k2=v2`; a value may hold commas, as a list of compose files does) or a map.
fn label_of(row: &Value, key: &str) -> String {
    let Value::Map(fields) = row else { return String::new() };
    match fields.get("Labels") {
        Some(Value::Map(labels)) => labels.get(key).map(|v| v.to_string()).unwrap_or_default(),
        Some(Value::String(text)) => {
            let mut found: Option<String> = None;
            for part in text.split(',') {
                match part.split_once('=') {
                    // A new label starts where a part names a key (keys have no `/`).
                    Some((k, v)) if !k.contains('/') => {
                        if found.is_some() {
                            break;
                        }
                        if k == key {
                            found = Some(v.to_string());
                        }
                    }
                    _ => {
                        if let Some(value) = &mut found {
                            value.push(',');
                            value.push_str(part);
                        }
                    }
                }
            }
            found.unwrap_or_default()
        }
        _ => String::new(),
    }
}

/// The function behind `.Label "key"` in a row.
fn label_function() -> Func {
    Arc::new(|args: &[Value]| match args {
        [row, Value::String(key)] => Ok(Value::from(label_of(row, key))),
        [_, other] => Err(fail(format!("error calling Label: wrong type for value; expected string; got {}", other.type_name()))),
        _ => Err(fail(format!("wrong number of args for Label: want 1 got {}", args.len().saturating_sub(1)))),
    })
}

/// The same in a table's header: the key's last dotted part, `-` and `_` as spaces.
fn label_header_function() -> Func {
    Arc::new(|args: &[Value]| {
        let key = string_arg("Label", args, 1)?;
        Ok(Value::from(key.rsplit('.').next().unwrap_or(key).replace(['-', '_'], " ")))
    })
}

/// The message of an execution error, with Go's words for a field the row lacks.
fn explain(e: gotmpl::TemplateError) -> String {
    match e {
        gotmpl::TemplateError::MissingKey { key } => format!("executing \"\": can't evaluate field {key}"),
        other => other.to_string(),
    }
}

/// JSON as a template value: objects are maps (their keys sorted, as Go ranges over maps).
pub fn to_value(json: &Json) -> Value {
    match json {
        Json::Null => Value::Nil,
        Json::Bool(b) => Value::Bool(*b),
        Json::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => Value::Int(i),
            (None, Some(u)) => Value::Uint(u),
            _ => Value::Float(n.as_f64().unwrap_or_default()),
        },
        Json::String(s) => Value::from(s.as_str()),
        Json::Array(items) => Value::from(items.iter().map(to_value).collect::<Vec<_>>()),
        Json::Object(map) => Value::from(map.iter().map(|(k, v)| (k.clone(), to_value(v))).collect::<std::collections::BTreeMap<_, _>>()),
    }
}

/// A template value as JSON, for `json` on a value the row does not hold as such.
fn to_json(value: &Value) -> Json {
    match value {
        Value::Nil | Value::Function(_) => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Int(i) => Json::from(*i),
        Value::Uint(u) => Json::from(*u),
        Value::Float(f) => Json::from(*f),
        Value::String(s) => Json::String(s.to_string()),
        Value::List(items) => Json::Array(items.iter().map(to_json).collect()),
        Value::Map(map) => Json::Object(map.iter().map(|(k, v)| (k.to_string(), to_json(v))).collect()),
    }
}

/// The JSON value within `json` whose template form is `value`, so that a struct keeps its
/// field order (`{{json .Publishers}}`).
fn find<'a>(json: &'a Json, value: &Value) -> Option<&'a Json> {
    if to_value(json) == *value {
        return Some(json);
    }
    match json {
        Json::Array(items) => items.iter().find_map(|i| find(i, value)),
        Json::Object(map) => map.values().find_map(|v| find(v, value)),
        _ => None,
    }
}

type Func = Arc<dyn Fn(&[Value]) -> gotmpl::Result<Value> + Send + Sync>;

fn fail(message: String) -> gotmpl::TemplateError {
    gotmpl::TemplateError::Exec(message)
}

fn string_arg<'a>(name: &str, args: &'a [Value], i: usize) -> gotmpl::Result<&'a str> {
    match args.get(i) {
        Some(Value::String(s)) => Ok(s),
        Some(other) => Err(fail(format!("error calling {name}: wrong type for value; expected string; got {}", other.type_name()))),
        None => Err(fail(format!("wrong number of args for {name}: want at least {} got {}", i + 1, args.len()))),
    }
}

fn int_arg(name: &str, args: &[Value], i: usize) -> gotmpl::Result<i64> {
    match args.get(i) {
        Some(Value::Int(n)) => Ok(*n),
        Some(Value::Uint(n)) => Ok(i64::try_from(*n).unwrap_or(i64::MAX)),
        Some(other) => Err(fail(format!("error calling {name}: wrong type for value; expected int; got {}", other.type_name()))),
        None => Err(fail(format!("wrong number of args for {name}: want {} got {}", i + 1, args.len()))),
    }
}

/// The docker CLI's template functions (`templates.basicFunctions`).
fn row_functions(current: Arc<Mutex<Json>>) -> Vec<(&'static str, Func)> {
    let json: Func = Arc::new(move |args: &[Value]| {
        let value = args.first().cloned().unwrap_or(Value::Nil);
        let row = current.lock().unwrap_or_else(|p| p.into_inner()).clone();
        let text = if to_value(&row) == value {
            // A whole row marshals itself (keys sorted, HTML characters escaped).
            let sorted: std::collections::BTreeMap<&String, &Json> = row.as_object().map(|m| m.iter().collect()).unwrap_or_default();
            marshal(&serde_json::to_value(sorted).unwrap_or_default())
        } else {
            match find(&row, &value) {
                Some(json) => marshal_unescaped(json),
                None => marshal_unescaped(&to_json(&value)),
            }
        };
        Ok(Value::from(text))
    });
    vec![
        ("json", json),
        (LABEL_FUNCTION, label_function()),
        (
            "split",
            Arc::new(|args: &[Value]| {
                let (s, sep) = (string_arg("split", args, 0)?, string_arg("split", args, 1)?);
                let parts: Vec<Value> = if sep.is_empty() {
                    s.chars().map(|c| Value::from(c.to_string())).collect()
                } else {
                    s.split(sep).map(Value::from).collect()
                };
                Ok(Value::from(parts))
            }),
        ),
        (
            "join",
            Arc::new(|args: &[Value]| {
                let sep = string_arg("join", args, 1)?;
                match args.first() {
                    Some(Value::List(items)) => Ok(Value::from(items.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(sep))),
                    Some(other) => {
                        Err(fail(format!("error calling join: wrong type for value; expected []string; got {}", other.type_name())))
                    }
                    None => Err(fail("wrong number of args for join: want 2 got 0".into())),
                }
            }),
        ),
        ("title", Arc::new(|args: &[Value]| Ok(Value::from(title(string_arg("title", args, 0)?))))),
        ("lower", Arc::new(|args: &[Value]| Ok(Value::from(string_arg("lower", args, 0)?.to_lowercase())))),
        ("upper", Arc::new(|args: &[Value]| Ok(Value::from(string_arg("upper", args, 0)?.to_uppercase())))),
        (
            "pad",
            Arc::new(|args: &[Value]| {
                let s = string_arg("pad", args, 0)?;
                let (before, after) = (int_arg("pad", args, 1)?, int_arg("pad", args, 2)?);
                if s.is_empty() {
                    return Ok(Value::from(""));
                }
                let spaces = |n: i64| " ".repeat(usize::try_from(n).unwrap_or(0));
                Ok(Value::from(format!("{}{s}{}", spaces(before), spaces(after))))
            }),
        ),
        (
            "truncate",
            Arc::new(|args: &[Value]| {
                let s = string_arg("truncate", args, 0)?;
                let n = usize::try_from(int_arg("truncate", args, 1)?).unwrap_or(0);
                // Go cuts bytes; a cut inside a character keeps what is valid.
                Ok(Value::from(if s.len() < n { s.to_string() } else { String::from_utf8_lossy(&s.as_bytes()[..n]).into_owned() }))
            }),
        ),
    ]
}

/// The functions of a table's header (`templates.HeaderFunctions`): the column name unchanged.
fn header_functions() -> Vec<(&'static str, Func)> {
    let mut functions: Vec<(&'static str, Func)> = ["json", "split", "join", "title", "lower", "upper", "truncate"]
        .into_iter()
        .map(|name| {
            let f: Func = Arc::new(move |args: &[Value]| Ok(Value::from(string_arg(name, args, 0)?)));
            (name, f)
        })
        .collect();
    functions.push((LABEL_FUNCTION, label_header_function()));
    functions
}

/// Go's `strings.Title`: the first letter of each word upper-cased; words are separated by
/// spaces and ASCII punctuation.
fn title(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut after_separator = true;
    for c in s.chars() {
        if after_separator {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        after_separator = if c.is_ascii() { !(c.is_ascii_alphanumeric() || c == '_') } else { c.is_whitespace() };
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rows() -> Vec<Json> {
        vec![
            json!({"Name": "p-web-1", "Service": "web", "State": "running", "Ports": "0.0.0.0:80->80/tcp", "ExitCode": 0,
                   "Publishers": [{"URL": "0.0.0.0", "TargetPort": 80, "PublishedPort": 80, "Protocol": "tcp"}]}),
            json!({"Name": "p-worker-1", "Service": "worker", "State": "exited", "Ports": "", "ExitCode": 2, "Publishers": []}),
        ]
    }

    const COLUMNS: &[(&str, &str)] = &[("Name", "NAME"), ("Service", "SERVICE"), ("State", "STATE"), ("Ports", "PORTS")];

    fn render(format: &str) -> Result<String, TemplateError> {
        Format::parse(format)?.render(&rows(), COLUMNS)
    }

    #[test]
    fn label_is_a_rows_label_and_its_last_part_in_a_header() {
        let rows = vec![
            json!({"Name": "p-web-1", "Labels": "a.b.service=web,com.docker.compose.project.config_files=/p/a.yaml,/p/b.yaml,z=1"}),
            json!({"Name": "p-db-1", "Labels": ""}),
        ];
        let render = |f: &str| Format::parse(f).unwrap().render(&rows, &[("Name", "NAME")]).unwrap();
        assert_eq!(
            render(r#"{{.Label "a.b.service"}}|{{ .Label `z` | upper }}"#),
            "web|1
|
"
        );
        assert_eq!(
            render(r#"{{.Label "com.docker.compose.project.config_files"}}"#),
            "/p/a.yaml,/p/b.yaml

"
        );
        assert_eq!(render(r#"table {{.Name}}\t{{.Label "a.b.service"}}"#), "NAME      service\np-web-1   web\np-db-1    \n");
        // Only a call on the dot, in an action, outside strings, is rewritten.
        assert_eq!(
            label_calls(r#"x .Label "k" {{printf ".Label %s" "a"}}{{$.Label "k"}}{{.Labels}}"#),
            r#"x .Label "k" {{printf ".Label %s" "a"}}{{$.Label "k"}}{{.Labels}}"#
        );
        assert_eq!(
            label_calls(r#"{{if .Label "k"}}{{(.Label "k")}}{{end}}"#),
            r#"{{if rcomposeLabel . "k"}}{{(rcomposeLabel . "k")}}{{end}}"#
        );
        assert!(Format::parse(r#"{{.Label "a" "b"}}"#).unwrap().render(&rows, &[]).is_err(), "two keys");
    }

    #[test]
    fn fields_and_pipelines() {
        assert_eq!(render("{{.Name}} {{.State}}").unwrap(), "p-web-1 running\np-worker-1 exited\n");
        assert_eq!(
            render(r"{{.Name}}\t{{if eq .ExitCode 0}}ok{{else}}failed ({{.ExitCode}}){{end}}").unwrap(),
            "p-web-1\tok\np-worker-1\tfailed (2)\n"
        );
        assert_eq!(render("{{range .Publishers}}{{.TargetPort}}/{{.Protocol}}{{end}}").unwrap(), "80/tcp\n\n");
    }

    #[test]
    fn tables_have_the_column_names_as_header() {
        assert_eq!(render(r"table {{.Service}}\t{{.State}}").unwrap(), "SERVICE   STATE\nweb       running\nworker    exited\n");
        // A field without a column name, and the string functions in the header.
        assert_eq!(
            render(r"table {{upper .Name}}\t{{.ExitCode}}\t{{pad .Service 1 1}}").unwrap(),
            "NAME         <no value>    SERVICE \nP-WEB-1      0             web \nP-WORKER-1   2             worker \n"
        );
        // `json` of a field without a column name stops the header there, as in Go.
        assert_eq!(render(r"table {{.Name}}|{{json .Publishers}}|").unwrap().lines().next(), Some("NAME|"));
    }

    #[test]
    fn json_is_the_docker_clis() {
        let out = render("json").unwrap();
        let first = out.lines().next().unwrap();
        assert_eq!(
            first,
            r#"{"ExitCode":0,"Name":"p-web-1","Ports":"0.0.0.0:80-\u003e80/tcp","Publishers":[{"URL":"0.0.0.0","TargetPort":80,"PublishedPort":80,"Protocol":"tcp"}],"Service":"web","State":"running"}"#
        );
        assert_eq!(render("{{json .Ports}}").unwrap(), "\"0.0.0.0:80->80/tcp\"\n\"\"\n");
        assert_eq!(
            render("{{json .Publishers}}").unwrap().lines().next(),
            Some(r#"[{"URL":"0.0.0.0","TargetPort":80,"PublishedPort":80,"Protocol":"tcp"}]"#)
        );
        assert_eq!(render(r#"{{json (split .Name "-")}}"#).unwrap().lines().next(), Some(r#"["p","web","1"]"#));
    }

    #[test]
    fn string_functions_are_the_docker_clis() {
        assert_eq!(
            render(r#"{{join (split .Name "-") "+"}} {{title .State}} {{truncate .Name 3}} {{lower "AB"}}"#).unwrap(),
            "p+web+1 Running p-w ab\np+worker+1 Exited p-w ab\n"
        );
        assert_eq!(render(r#"{{pad .Ports 2 0}}|"#).unwrap(), "  0.0.0.0:80->80/tcp|\n|\n");
        assert_eq!(title("hello wide-world_x"), "Hello Wide-World_x");
        assert_eq!(render("{{println .Service}}").unwrap(), "web\n\nworker\n\n");
    }

    #[test]
    fn unknown_fields_and_bad_templates_are_errors() {
        let e = render("{{.Nope}}").unwrap_err().to_string();
        assert!(e.starts_with("template parsing error: ") && e.contains("Nope"), "{e}");
        assert!(Format::parse("{{.Name").is_err());
        assert!(render("{{nosuchfunc .Name}}").is_err());
        assert!(render("{{upper .ExitCode}}").is_err(), "upper takes a string");
    }
}
