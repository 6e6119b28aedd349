//! Variable interpolation: `${VAR}` and friends in every string of a compose file, then the
//! conversion of strings at typed paths (`replicas: "${N}"` becomes an integer).
//!
//! The template language is compose-go's `template` package, quirks included, because files are
//! written against Docker Compose:
//!
//! - `$VAR` and `${VAR}` (names are `[_a-zA-Z][_a-zA-Z0-9]*`), `$$` for a literal `$`; a `$` that
//!   starts none of these is kept as written (`a $ b`, `^x$`), but `${` that does not open a valid
//!   reference is an error;
//! - `${VAR:-default}`, `${VAR-default}`, `${VAR:?message}`, `${VAR?message}`,
//!   `${VAR:+alternative}`, `${VAR+alternative}`: the operator right after the name wins, so
//!   `${A-x?y}` defaults to `x?y`;
//! - the argument of an operator is itself a template, runs to the brace that closes the
//!   reference (braces in it are balanced), and cannot span lines.
//!
//! Docker Compose evaluates an argument even when it is not used, so `${SET:-${NOT_SET:?x}}` is
//! an error there and here. It also warns about unset variables inside arguments it does not
//! use; this module only reports unset variables whose value reached the result.
//!
//! Mapping keys are not interpolated, as in Docker Compose.

use super::diagnostic::{index, join, Diagnostic};
use super::limits::{self, Limit, Limits};
use super::yaml::{Node, Value};

/// The result of [`substitute`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Substituted {
    pub value: String,
    /// Variables that were used without a value (and became ""), once per use, in order.
    pub unset: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    /// A `${` that does not open a valid reference; `template` is the text being substituted
    /// (an operator's argument when the mistake is inside one).
    #[error("Invalid template: {template:?}")]
    Invalid { template: String },
    /// References nested deeper than the interpolation depth limit.
    #[error("interpolation nested deeper than {} levels; {}", limit.value, limit.hint())]
    TooDeep { limit: Limit },
    /// A result larger than the expanded size limit.
    #[error("interpolation produces more than {} bytes; {}", limit.value, limit.hint())]
    TooLarge { limit: Limit },
    /// `${VAR:?reason}` or `${VAR?reason}` with `VAR` missing.
    #[error("required variable {variable} is missing a value{}", if reason.is_empty() { String::new() } else { format!(": {reason}") })]
    MissingRequired { variable: String, reason: String },
}

/// The warning Docker Compose prints for a variable used without a value.
pub fn unset_warning(name: &str) -> String {
    format!("The {name:?} variable is not set. Defaulting to a blank string.")
}

/// Substitutes the variables of `template`.
pub fn substitute(template: &str, lookup: &dyn Fn(&str) -> Option<String>) -> Result<Substituted, TemplateError> {
    substitute_within(template, lookup, limits::get(), usize::MAX)
}

/// [`substitute`] within `limits`, producing at most `budget` bytes (and at most the expanded
/// size limit).
pub fn substitute_within(
    template: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
    limits: &Limits,
    budget: usize,
) -> Result<Substituted, TemplateError> {
    let mut cx = Run { lookup, unset: Vec::new(), limits, max_len: budget.min(limits.expanded_size.value) };
    let value = cx.run(template, 0)?;
    Ok(Substituted { value, unset: cx.unset })
}

/// An operator inside `${...}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `:-`: the argument when the variable is unset or empty.
    DefaultIfEmpty,
    /// `-`: the argument when the variable is unset.
    DefaultIfUnset,
    /// `:?`: an error when the variable is unset or empty.
    RequireNonEmpty,
    /// `?`: an error when the variable is unset.
    RequireSet,
    /// `:+`: the argument when the variable is set and not empty, else "".
    AltIfNonEmpty,
    /// `+`: the argument when the variable is set, else "".
    AltIfSet,
}

impl Op {
    pub fn as_str(self) -> &'static str {
        match self {
            Op::DefaultIfEmpty => ":-",
            Op::DefaultIfUnset => "-",
            Op::RequireNonEmpty => ":?",
            Op::RequireSet => "?",
            Op::AltIfNonEmpty => ":+",
            Op::AltIfSet => "+",
        }
    }

    fn parse(s: &str) -> Option<(Op, usize)> {
        let b = s.as_bytes();
        let colon = b.first() == Some(&b':');
        let op = match (colon, b.get(colon as usize)) {
            (true, Some(b'-')) => Op::DefaultIfEmpty,
            (false, Some(b'-')) => Op::DefaultIfUnset,
            (true, Some(b'?')) => Op::RequireNonEmpty,
            (false, Some(b'?')) => Op::RequireSet,
            (true, Some(b'+')) => Op::AltIfNonEmpty,
            (false, Some(b'+')) => Op::AltIfSet,
            _ => return None,
        };
        Some((op, colon as usize + 1))
    }
}

/// Splits the text of a `${...}` reference (without the braces) into name, operator and
/// argument. `None` when there is no operator right after a valid name.
pub fn split_operator(inner: &str) -> Option<(&str, Op, &str)> {
    let n = name_len(inner);
    if n == 0 {
        return None;
    }
    let (op, len) = Op::parse(&inner[n..])?;
    Some((&inner[..n], op, &inner[n + len..]))
}

/// The length of the variable name at the start of `s`, 0 when there is none.
fn name_len(s: &str) -> usize {
    let b = s.as_bytes();
    if !b.first().is_some_and(|c| c.is_ascii_alphabetic() || *c == b'_') {
        return 0;
    }
    b.iter().take_while(|c| c.is_ascii_alphanumeric() || **c == b'_').count()
}

/// What a `$` starts.
enum Token<'a> {
    /// Nothing: the `$` is kept.
    Literal,
    /// `$$`.
    Escaped,
    /// `$NAME` or `${NAME}`, `len` bytes long.
    Var { name: &'a str, len: usize },
    /// `${NAME<op>...}`, `len` bytes long up to the last `}` of the line.
    WithOp { len: usize },
    /// `${` opening nothing valid.
    Invalid,
}

/// Reads the token at `s`, which starts with `$`.
fn token(s: &str) -> Token<'_> {
    let after = &s[1..];
    if after.starts_with('$') {
        return Token::Escaped;
    }
    let n = name_len(after);
    if n > 0 {
        return Token::Var { name: &after[..n], len: 1 + n };
    }
    let Some(inner) = after.strip_prefix('{') else { return Token::Literal };
    let n = name_len(inner);
    if n == 0 {
        return Token::Invalid;
    }
    if inner[n..].starts_with('}') {
        return Token::Var { name: &inner[..n], len: 2 + n + 1 };
    }
    let Some((_, op_len)) = Op::parse(&inner[n..]) else { return Token::Invalid };
    // The reference extends to the last `}` of the line; the brace that really closes it is
    // found later, and what follows is substituted on its own.
    let arg = &inner[n + op_len..];
    let line = &arg[..arg.find('\n').unwrap_or(arg.len())];
    match line.rfind('}') {
        Some(i) => Token::WithOp { len: 2 + n + op_len + i + 1 },
        None => Token::Invalid,
    }
}

/// The index of the `}` closing the `${` at the start of `s`. Like Docker Compose, the
/// character after each `{` is skipped, so `{}` inside an argument counts as one open brace.
fn closing_brace(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let mut open = 0;
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'}' {
            open -= 1;
            if open == 0 {
                return Some(i);
            }
        }
        if b[i] == b'{' {
            open += 1;
            i += 1;
        }
        i += 1;
    }
    None
}

/// One substitution: the lookup, the unset variables met, and the bounds.
struct Run<'a> {
    lookup: &'a dyn Fn(&str) -> Option<String>,
    unset: Vec<String>,
    limits: &'a Limits,
    /// The most bytes one result (an argument's included) may have.
    max_len: usize,
}

impl Run<'_> {
    /// Substitutes `template`, an argument `depth` levels deep. What follows a reference is
    /// handled by the loop, not by recursion: only nesting recurses, and it is bounded.
    fn run(&mut self, template: &str, depth: usize) -> Result<String, TemplateError> {
        if depth > self.limits.interpolation_depth.value {
            return Err(TemplateError::TooDeep { limit: self.limits.interpolation_depth });
        }
        let mut out = String::with_capacity(template.len().min(self.max_len));
        // What an error quotes: the template, except between the closing brace of a reference
        // with an operator and the last `}` of its line, which Docker Compose substitutes as a
        // template of its own (and quotes alone).
        let mut quoted = template;
        let mut quoted_until = 0;
        let mut rest = template;
        while let Some(i) = rest.find('$') {
            out.push_str(&rest[..i]);
            let at = &rest[i..];
            let offset = template.len() - at.len();
            if offset >= quoted_until {
                quoted = template;
            }
            let len = match token(at) {
                Token::Literal => {
                    out.push('$');
                    1
                }
                Token::Escaped => {
                    out.push('$');
                    2
                }
                Token::Var { name, len } => {
                    match (self.lookup)(name) {
                        Some(v) => out.push_str(&v),
                        None => self.unset.push(name.to_string()),
                    }
                    len
                }
                Token::WithOp { len } => {
                    let head = self.with_op(&at[..len], depth, &mut out)?;
                    (quoted, quoted_until) = (&at[head..len], offset + len);
                    head
                }
                Token::Invalid => return Err(TemplateError::Invalid { template: quoted.to_string() }),
            };
            if out.len() > self.max_len {
                return Err(TemplateError::TooLarge { limit: self.limits.expanded_size });
            }
            rest = &at[len..];
        }
        out.push_str(rest);
        if out.len() > self.max_len {
            return Err(TemplateError::TooLarge { limit: self.limits.expanded_size });
        }
        Ok(out)
    }

    /// Substitutes the `${NAME<op>...}` at the start of `m` (which may run past its closing
    /// brace) into `out`; returns the length of the reference, up to its closing brace.
    fn with_op(&mut self, m: &str, depth: usize, out: &mut String) -> Result<usize, TemplateError> {
        let head = match closing_brace(m) {
            Some(c) => &m[..=c],
            None => m,
        };
        let inner = &head[2..head.len() - 1];
        let (name, op, arg) = split_operator(inner).expect("token() checked the operator");
        // The argument is evaluated whether or not it is used, so that its errors always surface.
        let outer_unset = std::mem::take(&mut self.unset);
        let arg = self.run(arg, depth + 1);
        let arg_unset = std::mem::replace(&mut self.unset, outer_unset);
        let arg = arg?;
        let value = (self.lookup)(name);
        let empty = value.as_deref().is_none_or(str::is_empty);
        let use_arg = match op {
            Op::DefaultIfEmpty => empty,
            Op::DefaultIfUnset => value.is_none(),
            Op::AltIfNonEmpty => !empty,
            Op::AltIfSet => value.is_some(),
            Op::RequireNonEmpty | Op::RequireSet => {
                if (op == Op::RequireNonEmpty && empty) || value.is_none() {
                    return Err(TemplateError::MissingRequired { variable: name.to_string(), reason: arg });
                }
                false
            }
        };
        if use_arg {
            self.unset.extend(arg_unset);
            out.push_str(&arg);
        } else {
            out.push_str(&value.unwrap_or_default());
        }
        Ok(head.len())
    }
}

/// A variable a template refers to, with the operator and argument it is used with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    pub name: String,
    pub op: Option<Op>,
    /// The operator's argument as written (a default, an alternative, or an error message).
    pub arg: String,
}

/// The variables `template` refers to, in order, including those inside operator arguments.
/// Invalid templates give the references found before the mistake.
pub fn references(template: &str) -> Vec<Reference> {
    let mut out = Vec::new();
    collect_references(template, &mut out, 0);
    out
}

fn collect_references(template: &str, out: &mut Vec<Reference>, depth: usize) {
    if depth > limits::get().interpolation_depth.value {
        return;
    }
    let mut rest = template;
    while let Some(i) = rest.find('$') {
        let at = &rest[i..];
        let len = match token(at) {
            Token::Literal => 1,
            Token::Escaped => 2,
            Token::Var { name, len } => {
                out.push(Reference { name: name.to_string(), op: None, arg: String::new() });
                len
            }
            Token::WithOp { len } => {
                let m = &at[..len];
                let close = closing_brace(m).unwrap_or(m.len() - 1);
                if let Some((name, op, arg)) = split_operator(&m[2..close]) {
                    out.push(Reference { name: name.to_string(), op: Some(op), arg: arg.to_string() });
                    collect_references(arg, out, depth + 1);
                }
                close + 1
            }
            Token::Invalid => return,
        };
        rest = &at[len..];
    }
}

/// How a string at a typed path is converted after interpolation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cast {
    /// A decimal 64-bit integer (Go's `strconv.Atoi`/`ParseInt`): optional sign, digits only.
    Int,
    /// A 64-bit float.
    Float,
    /// A 32-bit float (`cpus`), kept as the shortest decimal that round-trips.
    Float32,
    /// `true`/`false` in any case; `y`/`yes`/`on`/`n`/`no`/`off` with a warning.
    Bool,
}

/// The paths whose strings are converted, as compose-go lists them (`loader/interpolate.go`).
/// `*` matches any key or index, `[]` any sequence index.
pub const CASTS: &[(&str, Cast)] = &[
    ("services.*.configs.[].mode", Cast::Int),
    ("services.*.cpu_count", Cast::Int),
    ("services.*.cpu_percent", Cast::Float),
    ("services.*.cpu_period", Cast::Int),
    ("services.*.cpu_quota", Cast::Int),
    ("services.*.cpu_rt_period", Cast::Int),
    ("services.*.cpu_rt_runtime", Cast::Int),
    ("services.*.cpus", Cast::Float32),
    ("services.*.cpu_shares", Cast::Int),
    ("services.*.init", Cast::Bool),
    ("services.*.deploy.replicas", Cast::Int),
    ("services.*.deploy.update_config.parallelism", Cast::Int),
    ("services.*.deploy.update_config.max_failure_ratio", Cast::Float),
    ("services.*.deploy.rollback_config.parallelism", Cast::Int),
    ("services.*.deploy.rollback_config.max_failure_ratio", Cast::Float),
    ("services.*.deploy.restart_policy.max_attempts", Cast::Int),
    ("services.*.deploy.placement.max_replicas_per_node", Cast::Int),
    ("services.*.healthcheck.retries", Cast::Int),
    ("services.*.healthcheck.disable", Cast::Bool),
    ("services.*.oom_kill_disable", Cast::Bool),
    ("services.*.oom_score_adj", Cast::Int),
    ("services.*.pids_limit", Cast::Int),
    ("services.*.ports.[].target", Cast::Int),
    ("services.*.privileged", Cast::Bool),
    ("services.*.read_only", Cast::Bool),
    ("services.*.scale", Cast::Int),
    ("services.*.secrets.[].mode", Cast::Int),
    ("services.*.stdin_open", Cast::Bool),
    ("services.*.tty", Cast::Bool),
    ("services.*.ulimits.*", Cast::Int),
    ("services.*.ulimits.*.hard", Cast::Int),
    ("services.*.ulimits.*.soft", Cast::Int),
    ("services.*.volumes.[].read_only", Cast::Bool),
    ("services.*.volumes.[].volume.nocopy", Cast::Bool),
    ("networks.*.external", Cast::Bool),
    ("networks.*.internal", Cast::Bool),
    ("networks.*.attachable", Cast::Bool),
    ("networks.*.enable_ipv6", Cast::Bool),
    ("volumes.*.external", Cast::Bool),
    ("secrets.*.external", Cast::Bool),
    ("configs.*.external", Cast::Bool),
];

/// One step of a path in the tree.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Seg {
    Key(String),
    Index(usize),
}

#[cfg(test)]
fn matches(pattern: &str, path: &[Seg]) -> bool {
    matches_split(&pattern.split('.').collect::<Vec<_>>(), path)
}

fn display_path(path: &[Seg]) -> String {
    path.iter().fold(String::new(), |acc, seg| match seg {
        Seg::Key(k) => join(&acc, k),
        Seg::Index(i) => index(&acc, *i),
    })
}

impl Cast {
    /// Converts `s`; `Err` is the reason it cannot be. A warning is added for YAML 1.1 booleans.
    pub fn apply(self, s: &str, warnings: &mut Vec<String>) -> Result<Value, String> {
        match self {
            Cast::Int => s.parse::<i64>().map(Value::Int).map_err(|e| match e.kind() {
                std::num::IntErrorKind::PosOverflow | std::num::IntErrorKind::NegOverflow => {
                    format!("{s:?} is out of range for an integer")
                }
                _ => format!("{s:?} is not an integer"),
            }),
            Cast::Float => parse_float::<f64>(s).map(Value::Float),
            Cast::Float32 => parse_float::<f32>(s).map(|f| Value::Float(f.to_string().parse().unwrap_or(f as f64))),
            Cast::Bool => {
                let (b, legacy) = match s.to_ascii_lowercase().as_str() {
                    "true" => (true, false),
                    "false" => (false, false),
                    "y" | "yes" | "on" => (true, true),
                    "n" | "no" | "off" => (false, true),
                    _ => return Err(format!("{s:?} is not a boolean (use true or false)")),
                };
                if legacy {
                    warnings.push(format!("{s:?} for boolean is not supported by YAML 1.2, please use `{b}`"));
                }
                Ok(Value::Bool(b))
            }
        }
    }
}

/// Parses a float as Go's `strconv.ParseFloat` does for decimal input: an overflow to infinity
/// is an error, an explicit `inf` is not.
fn parse_float<F: std::str::FromStr + Into<f64> + Copy>(s: &str) -> Result<F, String> {
    let f: F = s.parse().map_err(|_| format!("{s:?} is not a number"))?;
    let explicit_inf = s.trim_start_matches(['+', '-']).to_ascii_lowercase().starts_with("inf");
    if f.into().is_infinite() && !explicit_inf {
        return Err(format!("{s:?} is out of range for a number"));
    }
    Ok(f)
}

/// Interpolates every string value of a compose tree in place (not mapping keys), then converts
/// the strings at the paths of [`CASTS`]. Unset variables and YAML 1.1 booleans add a warning
/// each. Errors name the value's position and key path.
pub fn interpolate(node: &mut Node, lookup: &dyn Fn(&str) -> Option<String>, warnings: &mut Vec<String>) -> Result<(), Diagnostic> {
    interpolate_with(node, lookup, CASTS, warnings)
}

/// [`interpolate`] with another cast table, for trees that are not a whole compose file.
pub fn interpolate_with(
    node: &mut Node,
    lookup: &dyn Fn(&str) -> Option<String>,
    casts: &[(&str, Cast)],
    warnings: &mut Vec<String>,
) -> Result<(), Diagnostic> {
    // Patterns are split once here rather than for every string of the document.
    let casts: Vec<(Vec<&str>, Cast)> = casts.iter().map(|(p, c)| (p.split('.').collect(), *c)).collect();
    Walk { lookup, casts: &casts, warnings, remaining: limits::get().expanded_size.value }.node(node, &mut Vec::new())
}

fn matches_split(pattern: &[&str], path: &[Seg]) -> bool {
    pattern.len() == path.len()
        && pattern.iter().zip(path).all(|(p, seg)| match (*p, seg) {
            ("*", _) | ("[]", Seg::Index(_)) => true,
            (p, Seg::Key(k)) => p == k,
            _ => false,
        })
}

struct Walk<'a> {
    lookup: &'a dyn Fn(&str) -> Option<String>,
    casts: &'a [(Vec<&'a str>, Cast)],
    warnings: &'a mut Vec<String>,
    /// Bytes the substitutions of the tree may still produce, all values together.
    remaining: usize,
}

impl Walk<'_> {
    fn node(&mut self, node: &mut Node, path: &mut Vec<Seg>) -> Result<(), Diagnostic> {
        match &mut node.value {
            Value::Map(map) => {
                for (key, child) in map.iter_mut() {
                    path.push(Seg::Key(key.clone()));
                    self.node(child, path)?;
                    path.pop();
                }
            }
            Value::Seq(items) => {
                for (i, child) in items.iter_mut().enumerate() {
                    path.push(Seg::Index(i));
                    self.node(child, path)?;
                    path.pop();
                }
            }
            Value::Str(s) => {
                let error = |message: String| Diagnostic::new(node.pos, display_path(path), message);
                let cast = self.casts.iter().find(|(p, _)| matches_split(p, path)).map(|(_, c)| *c);
                if !s.contains('$') && cast.is_none() {
                    // Nothing to substitute and nothing to convert.
                    return Ok(());
                }
                let out = substitute_within(s, self.lookup, limits::get(), self.remaining).map_err(|e| {
                    error(match e {
                        TemplateError::Invalid { template } => {
                            format!("invalid interpolation format: {template:?} (you may need to escape any $ with another $)")
                        }
                        e => e.to_string(),
                    })
                })?;
                self.warnings.extend(out.unset.iter().map(|n| unset_warning(n)));
                self.remaining = self.remaining.saturating_sub(out.value.len());
                let value = match cast {
                    Some(cast) => cast.apply(&out.value, self.warnings).map_err(error)?,
                    None => Value::Str(out.value),
                };
                node.value = value;
            }
            Value::Null | Value::Bool(_) | Value::Int(_) | Value::Float(_) => {}
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loader::diagnostic::FileId;
    use crate::loader::yaml;
    use serde_json::Value as J;
    use std::collections::HashMap;
    use std::path::Path;

    const CORPUS: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/corpus/template-cases.json"));

    fn corpus() -> J {
        serde_json::from_str(CORPUS).expect("template-cases.json parses")
    }

    /// The named environment of the corpus as a lookup table.
    fn env(corpus: &J, name: &str) -> HashMap<String, String> {
        let vars = corpus["environments"][name].as_object().unwrap_or_else(|| panic!("no environment {name}"));
        vars.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string())).collect()
    }

    fn sub(template: &str, vars: &[(&str, &str)]) -> Result<Substituted, TemplateError> {
        let vars: HashMap<&str, &str> = vars.iter().copied().collect();
        substitute(template, &|k| vars.get(k).map(|v| v.to_string()))
    }

    #[test]
    fn nesting_is_bounded_and_fails_fast() {
        let deep = |n: usize| format!("{}x{}", "${A:-".repeat(n), "}".repeat(n));
        let mut limits = Limits::DEFAULT;
        limits.interpolation_depth.value = 3;
        let none = |_: &str| None;
        assert_eq!(substitute_within(&deep(3), &none, &limits, usize::MAX).unwrap().value, "x");
        let e = substitute_within(&deep(4), &none, &limits, usize::MAX).unwrap_err();
        assert!(matches!(e, TemplateError::TooDeep { .. }), "{e}");
        assert!(e.to_string().contains("RCOMPOSE_MAX_INTERPOLATION_DEPTH"), "{e}");
        // The issue's 20,000 levels, with the default limits.
        assert!(matches!(sub(&deep(20_000), &[]), Err(TemplateError::TooDeep { .. })));
        // References one after the other are not nesting, however many there are.
        let long = "${A:-x}".repeat(50_000);
        assert_eq!(sub(&long, &[]).unwrap().value.len(), 50_000);
    }

    #[test]
    fn output_is_bounded_by_the_budget() {
        let big = "y".repeat(1_000);
        let lookup = |_: &str| Some(big.clone());
        let e = substitute_within(&"$A".repeat(20), &lookup, &Limits::DEFAULT, 10_000).unwrap_err();
        assert!(matches!(e, TemplateError::TooLarge { .. }), "{e}");
        assert_eq!(substitute_within(&"$A".repeat(10), &lookup, &Limits::DEFAULT, 10_000).unwrap().value.len(), 10_000);
    }

    #[test]
    fn corpus_substitution_cases() {
        let corpus = corpus();
        let cases = corpus["cases"].as_array().unwrap();
        let mut failed = Vec::new();
        for case in cases {
            let id = &case["id"];
            let vars = env(&corpus, case["env"].as_str().unwrap());
            let template = case["template"].as_str().unwrap();
            let got = substitute(template, &|k| vars.get(k).cloned());
            let ok = match (&got, case["expected"].as_str(), case["error_contains"].as_str()) {
                (Ok(s), Some(expected), None) => s.value == expected,
                (Err(e), None, Some(needle)) => e.to_string().contains(needle),
                _ => false,
            };
            if !ok {
                failed.push(format!("case {id}: {template:?} -> {got:?}"));
            }
        }
        assert!(cases.len() >= 100, "corpus looks truncated");
        assert!(failed.is_empty(), "{} of {} template cases failed:\n{}", failed.len(), cases.len(), failed.join("\n"));
    }

    /// Cases whose notes say which "variable is not set" warnings are expected.
    #[test]
    fn corpus_warning_notes() {
        let corpus = corpus();
        let expected: &[(i64, &[&str])] = &[(20, &[]), (21, &["B"]), (22, &[])];
        let mut failed = Vec::new();
        for (id, want) in expected {
            let case = corpus["cases"].as_array().unwrap().iter().find(|c| c["id"] == *id).unwrap();
            assert!(case["note"].as_str().unwrap().contains("warning"), "case {id} is not about warnings");
            let vars = env(&corpus, case["env"].as_str().unwrap());
            let got = substitute(case["template"].as_str().unwrap(), &|k| vars.get(k).cloned()).unwrap();
            if got.unset != *want {
                failed.push(format!("case {id}: unset {:?}, want {want:?}", got.unset));
            }
        }
        assert!(failed.is_empty(), "{}", failed.join("\n"));
    }

    #[test]
    fn corpus_operator_cases() {
        let corpus = corpus();
        let cases = corpus["operator_cases"].as_array().unwrap();
        let mut failed = Vec::new();
        for case in cases {
            let name = case["name"].as_str().unwrap();
            let input = case["input"].as_str().unwrap();
            let got = split_operator(input).map(|(_, op, _)| op.as_str());
            if got != case["operator"].as_str() {
                failed.push(format!("{name}: {input:?} -> {got:?}"));
            }
        }
        assert_eq!(cases.len(), 12);
        assert!(failed.is_empty(), "operator cases failed:\n{}", failed.join("\n"));
    }

    #[test]
    fn corpus_document_cases() {
        let corpus = corpus();
        let cases = corpus["document_cases"].as_array().unwrap();
        // The cast case comes from a compose-go test that passes its own table.
        let test_casts: &[(&str, Cast)] = &[("*.replicas", Cast::Int), ("*.required", Cast::Bool)];
        let mut failed = Vec::new();
        for (i, case) in cases.iter().enumerate() {
            let vars = env(&corpus, case["env"].as_str().unwrap());
            let mut node = Node::from_json(&case["input"]);
            let casts = if case["source"].as_str().unwrap().contains("WithCast") { test_casts } else { CASTS };
            let got = interpolate_with(&mut node, &|k| vars.get(k).cloned(), casts, &mut Vec::new());
            let ok = match (&got, case.get("expected"), case["error"].as_str()) {
                (Ok(()), Some(expected), None) => node.to_json() == *expected,
                (Err(d), None, Some(error)) => {
                    // compose-go: "invalid interpolation format for <path>.\n...\n<template>"
                    let rest = error.strip_prefix("invalid interpolation format for ").unwrap();
                    let (path, rest) = rest.split_once(".\n").unwrap();
                    let template = rest.rsplit('\n').next().unwrap();
                    d.path == path
                        && d.message.starts_with("invalid interpolation format")
                        && d.message.contains(&format!("{template:?}"))
                        && d.message.contains("escape any $ with another $")
                }
                _ => false,
            };
            if !ok {
                failed.push(format!("document case {i} ({}): {got:?} -> {}", case["source"], node.to_json()));
            }
        }
        assert_eq!(cases.len(), 3);
        assert!(failed.is_empty(), "{}", failed.join("\n"));
    }

    /// Behaviour checked against `docker compose config` (v2.26.1).
    #[test]
    fn references_are_found_with_their_operators() {
        let refs = references("$A-${B:-x${C}}-$$D-${E?need E}");
        let names: Vec<&str> = refs.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["A", "B", "C", "E"]);
        assert_eq!(refs[1].op, Some(Op::DefaultIfEmpty));
        assert_eq!(refs[1].arg, "x${C}");
        assert_eq!(refs[3].op, Some(Op::RequireSet));
        assert_eq!(refs[3].arg, "need E");
    }

    #[test]
    fn matches_reference_binary() {
        let env = [("FOO", "first"), ("BAR", "")];
        let ok = |t: &str, want: &str| assert_eq!(sub(t, &env).unwrap().value, want, "{t}");
        ok("${UNSET:-{}x}y}", "{}x}y");
        ok("${UNSET:-a}b}", "ab}");
        ok("${FOO}}", "first}");
        ok("$1 a$ $é", "$1 a$ $é");
        ok("$$$", "$$");
        ok("${UNSET:-$}", "$");
        ok("${UNSET:-$$FOO}", "$FOO");
        ok("${UNSET-a?b}", "a?b");
        ok("${FOO:-{a}", "first");
        ok("${UNSET:-{a}", "{a");
        ok("${a-b}${c-d}", "bd");
        let err = |t: &str, want: &str| assert_eq!(sub(t, &env).unwrap_err().to_string(), want, "{t}");
        err("${FOO:x}", r#"Invalid template: "${FOO:x}""#);
        err("${FOO:-${BAR:-x}", r#"Invalid template: "${BAR:-x""#);
        err("x ${FOO-a} ${BAR", r#"Invalid template: "x ${FOO-a} ${BAR""#);
        err("${FOO-a}b${}", r#"Invalid template: "b${}""#);
        err("${1}", r#"Invalid template: "${1}""#);
        err("${UNSET:-a\nb}", "Invalid template: \"${UNSET:-a\\nb}\"");
        // Arguments are evaluated even when unused, so their errors surface.
        err("${FOO:-${BAR:?boom}}", "required variable BAR is missing a value: boom");
        err("${UNSET:?${}}", r#"Invalid template: "${}""#);
        err("${UNSET?}", "required variable UNSET is missing a value");
    }

    #[test]
    fn unset_variables_are_reported_once_per_use() {
        let got = sub("$A ${A} ${B:-x} ${C-$D} ${FOO}", &[("FOO", "1")]).unwrap();
        assert_eq!(got.value, "  x  1");
        assert_eq!(got.unset, ["A", "A", "D"]);
    }

    fn load(text: &str) -> Node {
        let file = FileId::intern(Path::new("/interpolate-test/compose.yaml"));
        yaml::parse_one(text, file).unwrap()
    }

    fn run_interpolate(node: &mut Node, vars: &[(&str, &str)]) -> Result<Vec<String>, Diagnostic> {
        let vars: HashMap<&str, &str> = vars.iter().copied().collect();
        let mut warnings = Vec::new();
        interpolate(node, &|k| vars.get(k).map(|v| v.to_string()), &mut warnings)?;
        Ok(warnings)
    }

    #[test]
    fn walk_substitutes_values_but_not_keys() {
        let mut node = load(
            "services:\n  web:\n    image: \"app:${TAG}\"\n    command: [echo, $$HOME, $MSG]\n    labels:\n      ${TAG}: $TAG\nx-n: 3\n",
        );
        let warnings = run_interpolate(&mut node, &[("TAG", "v1")]).unwrap();
        let web = node.find(&["services", "web"]);
        assert_eq!(web.get("image").unwrap().as_str(), Some("app:v1"));
        let cmd: Vec<_> = web.get("command").unwrap().as_seq().unwrap().iter().map(|n| n.as_str().unwrap()).collect();
        assert_eq!(cmd, ["echo", "$HOME", ""]);
        assert_eq!(web.get("labels").unwrap().get("${TAG}").unwrap().as_str(), Some("v1"));
        assert_eq!(node.get("x-n").unwrap().value, Value::Int(3));
        assert_eq!(warnings, [unset_warning("MSG")]);
        assert_eq!(unset_warning("MSG"), "The \"MSG\" variable is not set. Defaulting to a blank string.");
    }

    #[test]
    fn errors_name_position_and_path() {
        let mut node = load("name: p\nservices:\n  web:\n    build: .\n    image: ${FOO:?need it}\n");
        let d = run_interpolate(&mut node, &[]).unwrap_err();
        assert_eq!((d.pos.line, d.pos.col), (5, 12));
        assert_eq!(d.path, "services.web.image");
        assert!(d.to_string().ends_with("compose.yaml:5:12: services.web.image: required variable FOO is missing a value: need it"), "{d}");

        let mut node = load("services:\n  web:\n    ports:\n      - target: 80\n      - target: \"${P}x\"\n");
        let d = run_interpolate(&mut node, &[("P", "8")]).unwrap_err();
        assert_eq!(d.path, "services.web.ports[1].target");
        assert_eq!(d.message, "\"8x\" is not an integer");
        assert_eq!((d.pos.line, d.pos.col), (5, 17));

        let mut node = load("services:\n  web:\n    environment:\n      - A=${\n");
        let d = run_interpolate(&mut node, &[]).unwrap_err();
        assert_eq!(d.path, "services.web.environment[0]");
        assert!(d.message.starts_with("invalid interpolation format: \"A=${\""), "{}", d.message);
    }

    #[test]
    fn typed_paths_are_cast_and_keep_positions() {
        let mut node = load(concat!(
            "services:\n  web:\n",
            "    deploy:\n      replicas: \"${N}\"\n",
            "    privileged: \"yes\"\n    tty: \"${T:-false}\"\n    cpus: \"1.1\"\n",
            "    ports:\n      - target: \"${P:-80}\"\n        published: \"8080\"\n",
            "    ulimits:\n      nofile: \"20000\"\n      nproc:\n        soft: \"1\"\n",
            "    healthcheck:\n      retries: 3\n",
            "networks:\n  n:\n    external: \"TRUE\"\n",
        ));
        let warnings = run_interpolate(&mut node, &[("N", "+5")]).unwrap();
        let web = node.find(&["services", "web"]);
        let replicas = web.find(&["deploy", "replicas"]);
        assert_eq!(replicas.value, Value::Int(5));
        assert_eq!((replicas.pos.line, replicas.pos.col), (4, 17));
        assert_eq!(replicas.key_pos.map(|p| (p.line, p.col)), Some((4, 7)));
        assert_eq!(web.get("privileged").unwrap().value, Value::Bool(true));
        assert_eq!(web.get("tty").unwrap().value, Value::Bool(false));
        assert_eq!(web.get("cpus").unwrap().value, Value::Float(1.1));
        assert_eq!(web.find(&["ports", "0", "target"]).value, Value::Int(80));
        assert_eq!(web.find(&["ports", "0", "published"]).value, Value::Str("8080".into()));
        assert_eq!(web.find(&["ulimits", "nofile"]).value, Value::Int(20000));
        assert_eq!(web.find(&["ulimits", "nproc", "soft"]).value, Value::Int(1));
        assert_eq!(web.find(&["healthcheck", "retries"]).value, Value::Int(3));
        assert_eq!(node.find(&["networks", "n", "external"]).value, Value::Bool(true));
        assert_eq!(warnings, ["\"yes\" for boolean is not supported by YAML 1.2, please use `true`"]);
    }

    #[test]
    fn cast_table_rules() {
        let path =
            |s: &[&str]| -> Vec<Seg> { s.iter().map(|p| p.parse().map(Seg::Index).unwrap_or_else(|_| Seg::Key(p.to_string()))).collect() };
        assert!(matches("services.*.ports.[].target", &path(&["services", "web", "ports", "0", "target"])));
        assert!(!matches("services.*.ports.[].target", &path(&["services", "web", "ports", "x", "target"])));
        assert!(matches("services.*.ulimits.*", &path(&["services", "web", "ulimits", "nofile"])));
        assert!(!matches("services.*.ulimits.*", &path(&["services", "web", "ulimits", "nofile", "soft"])));
        assert!(!matches("services.*.tty", &path(&["services", "tty"])));
        for (pattern, _) in CASTS {
            assert!(pattern.split('.').all(|s| !s.is_empty()), "{pattern}");
            assert_eq!(CASTS.iter().filter(|(p, _)| p == pattern).count(), 1, "{pattern} listed twice");
        }

        let mut w = Vec::new();
        assert_eq!(Cast::Int.apply("-42", &mut w), Ok(Value::Int(-42)));
        assert!(Cast::Int.apply(" 5", &mut w).is_err());
        assert!(Cast::Int.apply("0x10", &mut w).is_err());
        assert!(Cast::Int.apply("99999999999999999999", &mut w).unwrap_err().contains("out of range"));
        assert_eq!(Cast::Float.apply("1e3", &mut w), Ok(Value::Float(1000.0)));
        assert!(Cast::Float.apply("", &mut w).is_err());
        assert!(Cast::Float.apply("1e400", &mut w).unwrap_err().contains("out of range"));
        assert!(Cast::Float32.apply("1e39", &mut w).is_err());
        assert_eq!(Cast::Float32.apply("0.1", &mut w), Ok(Value::Float(0.1)));
        assert_eq!(Cast::Bool.apply("False", &mut w), Ok(Value::Bool(false)));
        assert_eq!(Cast::Bool.apply("off", &mut w), Ok(Value::Bool(false)));
        assert!(Cast::Bool.apply("1", &mut w).is_err());
        assert_eq!(w.len(), 1);
    }
}
