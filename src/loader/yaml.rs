//! The YAML tree every loader pass works on.
//!
//! `serde_yaml` forgets where a value came from once it is parsed, and every diagnostic must name
//! a file, line and column. So the loader parses with `yaml-rust2`'s event parser and builds its
//! own tree, [`Node`], which keeps the position of each value and of each mapping key. Anchors,
//! aliases and `<<` merge keys are resolved here; duplicate keys are errors; the compose tags
//! `!reset` and `!override` are kept on the node for the merge pass.
//!
//! Plain scalars are typed as go-yaml v3 (and so Docker Compose) types them: `null`/`~`/empty,
//! `true`/`false`, integers (`0x`, `0o` and a leading `0` for octal), floats; everything else, and
//! every quoted scalar, is a string.

use indexmap::IndexMap;
use std::collections::HashMap;
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};

use yaml_rust2::scanner::{Marker, TScalarStyle};

use super::diagnostic::{Diagnostic, FileId, Pos};
use super::limits::{self, Limits};

/// Keys are hashed with FxHash: compose keys are short and trusted, and SipHash was a tenth
/// of the loader's time.
pub type Map = IndexMap<String, Node, rustc_hash::FxBuildHasher>;

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Map),
}

/// A compose-specific YAML tag on a node.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Tag {
    #[default]
    None,
    /// `!reset`: the merge pass removes the value it is merged onto.
    Reset,
    /// `!override`: the merge pass replaces instead of merging.
    Override,
}

/// A value with the place it was written.
#[derive(Clone, Debug)]
pub struct Node {
    pub value: Value,
    /// Where the value starts.
    pub pos: Pos,
    /// Where the mapping key naming this value starts, for values inside a mapping.
    pub key_pos: Option<Pos>,
    pub tag: Tag,
}

/// Two nodes are equal when their values are; positions and tags do not count.
impl PartialEq for Node {
    fn eq(&self, other: &Node) -> bool {
        self.value == other.value
    }
}

impl Node {
    pub fn new(value: Value, pos: Pos) -> Node {
        Node { value, pos, key_pos: None, tag: Tag::None }
    }

    /// A node made by a pass rather than read from a file.
    pub fn synthetic(value: Value) -> Node {
        Node::new(value, Pos::UNKNOWN)
    }

    pub fn null() -> Node {
        Node::synthetic(Value::Null)
    }

    pub fn string(s: impl Into<String>) -> Node {
        Node::synthetic(Value::Str(s.into()))
    }

    pub fn map(m: Map) -> Node {
        Node::synthetic(Value::Map(m))
    }

    pub fn seq(items: Vec<Node>) -> Node {
        Node::synthetic(Value::Seq(items))
    }

    /// The position to report for this node: its key when it has one, else its value.
    pub fn report_pos(&self) -> Pos {
        self.key_pos.unwrap_or(self.pos)
    }

    pub fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&Map> {
        match &self.value {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    pub fn as_map_mut(&mut self) -> Option<&mut Map> {
        match &mut self.value {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&Vec<Node>> {
        match &self.value {
            Value::Seq(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_seq_mut(&mut self) -> Option<&mut Vec<Node>> {
        match &mut self.value {
            Value::Seq(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match &self.value {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_i64(&self) -> Option<i64> {
        match &self.value {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }

    /// Looks up a key when this node is a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.as_map().and_then(|m| m.get(key))
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut Node> {
        self.as_map_mut().and_then(|m| m.get_mut(key))
    }

    /// A scalar as the text a user would read (`42`, `true`, `0.5`); `None` for collections
    /// and null.
    pub fn scalar_text(&self) -> Option<String> {
        match &self.value {
            Value::Str(s) => Some(s.clone()),
            Value::Bool(b) => Some(b.to_string()),
            Value::Int(i) => Some(i.to_string()),
            Value::Float(f) => Some(format_float(*f)),
            _ => None,
        }
    }

    /// The name of the node's type as used in messages ("a string", "a mapping").
    pub fn kind_name(&self) -> &'static str {
        match &self.value {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Int(_) => "an integer",
            Value::Float(_) => "a number",
            Value::Str(_) => "a string",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
        }
    }

    /// Follows JSON-pointer-like segments (`["services", "web", "ports", "0"]`) and returns the
    /// deepest node reached, so an error at a path that does not fully exist still gets the
    /// closest position.
    pub fn find<'a, S: AsRef<str>>(&'a self, segments: &[S]) -> &'a Node {
        let mut cur = self;
        for seg in segments {
            let seg = seg.as_ref();
            let next = match &cur.value {
                Value::Map(m) => m.get(seg),
                Value::Seq(s) => seg.parse::<usize>().ok().and_then(|i| s.get(i)),
                _ => None,
            };
            match next {
                Some(n) => cur = n,
                None => break,
            }
        }
        cur
    }

    /// Converts to JSON, dropping positions and tags.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.value {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Int(i) => J::from(*i),
            Value::Float(f) => serde_json::Number::from_f64(*f).map(J::Number).unwrap_or(J::Null),
            Value::Str(s) => J::String(s.clone()),
            Value::Seq(items) => J::Array(items.iter().map(Node::to_json).collect()),
            Value::Map(m) => J::Object(m.iter().map(|(k, v)| (k.clone(), v.to_json())).collect()),
        }
    }

    /// Builds a synthetic tree from JSON.
    pub fn from_json(v: &serde_json::Value) -> Node {
        use serde_json::Value as J;
        let value = match v {
            J::Null => Value::Null,
            J::Bool(b) => Value::Bool(*b),
            J::Number(n) => match n.as_i64() {
                Some(i) => Value::Int(i),
                None => Value::Float(n.as_f64().unwrap_or(0.0)),
            },
            J::String(s) => Value::Str(s.clone()),
            J::Array(a) => Value::Seq(a.iter().map(Node::from_json).collect()),
            J::Object(o) => Value::Map(o.iter().map(|(k, v)| (k.clone(), Node::from_json(v))).collect()),
        };
        Node::synthetic(value)
    }
}

/// Formats a float the way Go's `strconv.FormatFloat(f, 'f', -1, 64)` would for ordinary values.
pub fn format_float(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        format!("{f}")
    }
}

/// Parses every YAML document in `text`. `file` is used for positions.
pub fn parse(text: &str, file: FileId) -> Result<Vec<Node>, Diagnostic> {
    parse_limited(text, file, limits::get())
}

/// [`parse`] within explicit limits: nesting, and the nodes and bytes aliases may expand to.
pub fn parse_limited(text: &str, file: FileId, limits: &Limits) -> Result<Vec<Node>, Diagnostic> {
    let mut builder =
        Builder { file, stack: Vec::new(), anchors: HashMap::new(), docs: Vec::new(), error: None, limits: *limits, nodes: 0, bytes: 0 };
    let mut parser = Parser::new_from_str(text);
    // Events are pulled in a loop rather than with the parser's recursive `load`, so that deep
    // nesting cannot overflow the stack; depth is bounded explicitly instead.
    loop {
        let (event, mark) = match parser.next_token() {
            Ok(e) => e,
            Err(e) => {
                let m = e.marker();
                let pos = Pos::new(file, m.line() as u32, m.col() as u32 + 1);
                if let Some(open) = builder.unclosed_flow(text, pos.line) {
                    return Err(open);
                }
                let info = match e.info() {
                    // The scanner counts `[` and `{` levels in a u8.
                    "recursion limit exceeded" => "flow collections ([...] and {...}) nested deeper than 255 levels",
                    info => info,
                };
                return Err(Diagnostic::new(pos, "", format!("invalid YAML: {info}")));
            }
        };
        if event == Event::StreamEnd {
            break;
        }
        if builder.stack.len() >= limits.nesting.value {
            let pos = builder.pos(&mark);
            return Err(builder.too_deep(pos));
        }
        builder.on_event(event, mark);
        if builder.error.is_some() {
            break;
        }
    }
    if let Some(err) = builder.error {
        return Err(err);
    }
    Ok(builder.docs)
}

/// Parses a file that must hold one document (or none: an empty file gives `Null`). Several
/// documents are returned in order so that callers can merge them.
pub fn parse_one(text: &str, file: FileId) -> Result<Node, Diagnostic> {
    let mut docs = parse(text, file)?;
    match docs.len() {
        0 => Ok(Node::new(Value::Null, Pos::new(file, 1, 1))),
        _ => Ok(docs.remove(0)),
    }
}

/// A collection being built, with what aliases need to know of it once it is done: how many
/// nodes and scalar bytes it expands to (`nodes`/`bytes` of the builder when it started) and how
/// tall it is.
struct Open {
    anchor: usize,
    nodes: usize,
    bytes: usize,
    height: usize,
}

enum Frame {
    Seq { node: Node, open: Open },
    Map { node: Node, open: Open, pending_key: Option<(String, Pos)>, merges: Vec<Node> },
}

impl Frame {
    fn open(&mut self) -> &mut Open {
        match self {
            Frame::Seq { open, .. } | Frame::Map { open, .. } => open,
        }
    }
}

/// An anchored value, with its cost once expanded.
struct Anchor {
    node: Node,
    nodes: usize,
    bytes: usize,
    /// Levels of collections in it (0 for a scalar).
    height: usize,
}

struct Builder {
    file: FileId,
    stack: Vec<Frame>,
    anchors: HashMap<usize, Anchor>,
    docs: Vec<Node>,
    error: Option<Diagnostic>,
    limits: Limits,
    /// Nodes of the documents so far, every alias counted as what it expands to.
    nodes: usize,
    /// Bytes of scalars and keys so far, counted the same way.
    bytes: usize,
}

impl Builder {
    fn pos(&self, m: &Marker) -> Pos {
        Pos::new(self.file, m.line() as u32, m.col() as u32 + 1)
    }

    fn too_deep(&self, pos: Pos) -> Diagnostic {
        let l = self.limits.nesting;
        // No key path: it would be as long as the nesting.
        Diagnostic::new(pos, "", format!("invalid YAML: nesting deeper than {} levels (aliases expanded); {}", l.value, l.hint()))
    }

    /// Counts a value of `nodes` nodes and `bytes` bytes; an error once the document expands
    /// past the limits (an alias bomb), before anything is copied.
    fn count(&mut self, nodes: usize, bytes: usize, pos: Pos) -> bool {
        self.nodes = self.nodes.saturating_add(nodes);
        self.bytes = self.bytes.saturating_add(bytes);
        let (n, b) = (self.limits.yaml_nodes, self.limits.expanded_size);
        let message = if self.nodes > n.value {
            format!("the document expands to more than {} YAML nodes (anchors and aliases expanded); {}", n.value, n.hint())
        } else if self.bytes > b.value {
            format!("the document expands to more than {} bytes (anchors and aliases expanded); {}", b.value, b.hint())
        } else {
            return true;
        };
        self.error.get_or_insert(Diagnostic::new(pos, self.path(), message));
        false
    }

    /// When a syntax error comes after a `[` or `{` opened on an earlier line and never closed,
    /// that bracket is the real mistake: the parser only notices it lines later.
    fn unclosed_flow(&self, text: &str, error_line: u32) -> Option<Diagnostic> {
        let lines: Vec<&str> = text.lines().collect();
        self.stack.iter().rev().find_map(|frame| {
            let (Frame::Seq { node, .. } | Frame::Map { node, .. }) = frame;
            let line = lines.get(node.pos.line.checked_sub(1)? as usize)?;
            let c = line.chars().nth(node.pos.col.checked_sub(1)? as usize)?;
            let (kind, close) = match c {
                '[' => ("sequence", ']'),
                '{' => ("mapping", '}'),
                _ => return None,
            };
            (node.pos.line < error_line).then(|| {
                Diagnostic::new(
                    node.pos,
                    "",
                    format!("invalid YAML: the flow {kind} opened here is never closed: expected ',' or '{close}'"),
                )
            })
        })
    }

    /// The key path of the collection currently being built (for messages).
    fn path(&self) -> String {
        let mut out = String::new();
        for (i, frame) in self.stack.iter().enumerate() {
            let is_last = i + 1 == self.stack.len();
            match frame {
                Frame::Map { pending_key: Some((k, _)), .. } if !is_last => out = super::diagnostic::join(&out, k),
                Frame::Seq { node, .. } if !is_last => {
                    let n = node.as_seq().map(Vec::len).unwrap_or(0);
                    out = super::diagnostic::index(&out, n);
                }
                _ => {}
            }
        }
        out
    }

    /// Places a finished node in its parent (or as a document). `anchor` (when not 0) names it,
    /// with its expanded cost since `nodes`/`bytes` and its `height`.
    fn push_value(&mut self, mut node: Node, anchor: usize, since: (usize, usize), height: usize) {
        if anchor > 0 {
            let cost = Anchor { node: node.clone(), nodes: self.nodes - since.0, bytes: self.bytes - since.1, height };
            self.anchors.insert(anchor, cost);
        }
        if let Some(frame) = self.stack.last_mut() {
            let open = frame.open();
            open.height = open.height.max(height + 1);
        }
        match self.stack.last_mut() {
            None => self.docs.push(node),
            Some(Frame::Seq { node: parent, .. }) => {
                if let Value::Seq(items) = &mut parent.value {
                    items.push(node);
                }
            }
            Some(Frame::Map { node: parent, pending_key, merges, .. }) => match pending_key.take() {
                None => {
                    // This node is a key.
                    let key = match node.value {
                        Value::Str(k) => k,
                        _ if node.is_null() => "null".to_string(),
                        _ => match node.scalar_text() {
                            Some(k) => k,
                            None => {
                                self.error.get_or_insert(Diagnostic::new(node.pos, "", "a mapping key must be a scalar"));
                                String::new()
                            }
                        },
                    };
                    *pending_key = Some((key, node.pos));
                }
                Some((key, key_pos)) => {
                    if key == "<<" && node.tag == Tag::None {
                        merges.push(node);
                        return;
                    }
                    node.key_pos = Some(key_pos);
                    if let Value::Map(m) = &mut parent.value {
                        let duplicate = m.get(&key).map(|prev| (key.clone(), prev.report_pos()));
                        m.insert(key, node);
                        if let Some((key, at)) = duplicate {
                            // The path is only worth building for the message.
                            let path = super::diagnostic::join(&self.path(), &key);
                            self.error.get_or_insert(Diagnostic::new(
                                key_pos,
                                path,
                                format!("duplicate key: \"{key}\" is already defined at line {}", at.line),
                            ));
                        }
                    }
                }
            },
        }
    }

    /// Applies `<<` merge keys: entries of the merged mappings are added unless the mapping
    /// itself defines the key. Earlier mappings in a `<<: [a, b]` list win over later ones.
    fn apply_merges(&mut self, node: &mut Node, merges: Vec<Node>) {
        let Value::Map(m) = &mut node.value else { return };
        for merge in merges {
            let sources: Vec<Node> = match merge.value {
                Value::Map(_) => vec![merge],
                Value::Seq(items) => items,
                _ => {
                    self.error.get_or_insert(Diagnostic::new(merge.pos, "<<", "a merge key must refer to a mapping or a list of mappings"));
                    return;
                }
            };
            for src in sources {
                match src.value {
                    Value::Map(sm) => {
                        for (k, v) in sm {
                            if !m.contains_key(&k) {
                                m.insert(k, v);
                            }
                        }
                    }
                    _ => {
                        self.error.get_or_insert(Diagnostic::new(
                            src.pos,
                            "<<",
                            "a merge key must refer to a mapping or a list of mappings",
                        ));
                        return;
                    }
                }
            }
        }
    }
}

fn tag_of(tag: &Option<yaml_rust2::parser::Tag>) -> (Tag, bool) {
    match tag {
        Some(t) if t.handle == "!" && t.suffix == "reset" => (Tag::Reset, false),
        Some(t) if t.handle == "!" && t.suffix == "override" => (Tag::Override, false),
        Some(t) if (t.handle == "!!" || t.handle == "tag:yaml.org,2002:") && t.suffix == "str" => (Tag::None, true),
        Some(t) if t.handle == "tag:yaml.org,2002:" && t.suffix == "str" => (Tag::None, true),
        _ => (Tag::None, false),
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        if self.error.is_some() {
            return;
        }
        let pos = self.pos(&mark);
        match ev {
            Event::Scalar(text, style, anchor, tag) => {
                let since = (self.nodes, self.bytes);
                if !self.count(1, text.len(), pos) {
                    return;
                }
                let (tag, force_str) = tag_of(&tag);
                let value = if style == TScalarStyle::Plain && !force_str { resolve_plain_owned(text) } else { Value::Str(text) };
                let mut node = Node::new(value, pos);
                node.tag = tag;
                self.push_value(node, anchor, since, 0);
            }
            Event::Alias(id) => {
                let Some(a) = self.anchors.get(&id) else {
                    self.error = Some(Diagnostic::new(pos, "", "unknown anchor"));
                    return;
                };
                let (nodes, bytes, height) = (a.nodes, a.bytes, a.height);
                if self.stack.len() + height > self.limits.nesting.value {
                    self.error = Some(self.too_deep(pos));
                    return;
                }
                let since = (self.nodes, self.bytes);
                if !self.count(nodes, bytes, pos) {
                    return;
                }
                let mut n = self.anchors[&id].node.clone();
                n.key_pos = None;
                self.push_value(n, 0, since, height)
            }
            Event::SequenceStart(anchor, tag) => {
                if !self.count(1, 0, pos) {
                    return;
                }
                let mut node = Node::new(Value::Seq(Vec::new()), pos);
                node.tag = tag_of(&tag).0;
                let open = Open { anchor, nodes: self.nodes - 1, bytes: self.bytes, height: 1 };
                self.stack.push(Frame::Seq { node, open });
            }
            Event::MappingStart(anchor, tag) => {
                if !self.count(1, 0, pos) {
                    return;
                }
                let mut node = Node::new(Value::Map(Map::default()), pos);
                node.tag = tag_of(&tag).0;
                let open = Open { anchor, nodes: self.nodes - 1, bytes: self.bytes, height: 1 };
                self.stack.push(Frame::Map { node, open, pending_key: None, merges: Vec::new() });
            }
            Event::SequenceEnd => {
                if let Some(Frame::Seq { node, open }) = self.stack.pop() {
                    self.push_value(node, open.anchor, (open.nodes, open.bytes), open.height);
                }
            }
            Event::MappingEnd => {
                if let Some(Frame::Map { mut node, open, merges, .. }) = self.stack.pop() {
                    if !merges.is_empty() {
                        self.apply_merges(&mut node, merges);
                    }
                    self.push_value(node, open.anchor, (open.nodes, open.bytes), open.height);
                }
            }
            Event::DocumentStart | Event::DocumentEnd | Event::StreamStart | Event::StreamEnd | Event::Nothing => {}
        }
    }
}

/// [`resolve_plain`] keeping the text it was given when it stays a string.
fn resolve_plain_owned(s: String) -> Value {
    match resolve_plain_typed(&s) {
        Some(v) => v,
        None => Value::Str(s),
    }
}

/// Types a plain scalar as go-yaml v3 does.
pub fn resolve_plain(s: &str) -> Value {
    resolve_plain_typed(s).unwrap_or_else(|| Value::Str(s.to_string()))
}

/// The non-string value a plain scalar stands for, if any.
fn resolve_plain_typed(s: &str) -> Option<Value> {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return Some(Value::Null),
        "true" | "True" | "TRUE" => return Some(Value::Bool(true)),
        "false" | "False" | "FALSE" => return Some(Value::Bool(false)),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => return Some(Value::Float(f64::INFINITY)),
        "-.inf" | "-.Inf" | "-.INF" => return Some(Value::Float(f64::NEG_INFINITY)),
        ".nan" | ".NaN" | ".NAN" => return Some(Value::Float(f64::NAN)),
        _ => {}
    }
    let first = s.as_bytes()[0];
    if !(first.is_ascii_digit() || first == b'-' || first == b'+' || first == b'.') {
        return None;
    }
    if let Some(i) = parse_go_int(s) {
        return Some(Value::Int(i));
    }
    if is_yaml_float(s) {
        if let Ok(f) = s.replace('_', "").parse::<f64>() {
            return Some(Value::Float(f));
        }
    }
    None
}

/// Integers as Go's `strconv.ParseInt(s, 0, 64)` reads them (plus YAML 1.2's `0o`).
fn parse_go_int(s: &str) -> Option<i64> {
    let (neg, body) = match s.as_bytes()[0] {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    if body.is_empty() {
        return None;
    }
    let (radix, digits) = if let Some(r) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
        (16, r)
    } else if let Some(r) = body.strip_prefix("0o").or_else(|| body.strip_prefix("0O")) {
        (8, r)
    } else if let Some(r) = body.strip_prefix("0b").or_else(|| body.strip_prefix("0B")) {
        (2, r)
    } else if body.len() > 1 && body.starts_with('0') {
        (8, &body[1..])
    } else {
        (10, body)
    };
    if digits.is_empty() || digits.starts_with('_') || digits.ends_with('_') || digits.contains("__") {
        return None;
    }
    if radix == 10 && digits.contains('_') {
        return None;
    }
    let clean: String = digits.chars().filter(|c| *c != '_').collect();
    let v = i64::from_str_radix(&clean, radix).ok()?;
    Some(if neg { -v } else { v })
}

fn is_yaml_float(s: &str) -> bool {
    // [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
    let b = s.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
        i += 1;
    }
    let start_digits = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    let int_digits = i - start_digits;
    let mut frac_digits = 0;
    if i < b.len() && b[i] == b'.' {
        i += 1;
        let f = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        frac_digits = i - f;
    }
    if int_digits == 0 && frac_digits == 0 {
        return false;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
            i += 1;
        }
        let e = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == e {
            return false;
        }
    }
    i == b.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Node {
        parse_one(s, FileId::NONE).unwrap()
    }

    #[test]
    fn scalars_are_typed_like_go_yaml() {
        let n = p("a: 1\nb: '1'\nc: 0440\nd: 1.5\ne: true\nf: yes\ng:\nh: 0x1f\ni: 1_000\nj: 8000:8000\n");
        assert_eq!(n.get("a").unwrap().value, Value::Int(1));
        assert_eq!(n.get("b").unwrap().value, Value::Str("1".into()));
        assert_eq!(n.get("c").unwrap().value, Value::Int(288));
        assert_eq!(n.get("d").unwrap().value, Value::Float(1.5));
        assert_eq!(n.get("e").unwrap().value, Value::Bool(true));
        assert_eq!(n.get("f").unwrap().value, Value::Str("yes".into()));
        assert_eq!(n.get("g").unwrap().value, Value::Null);
        assert_eq!(n.get("h").unwrap().value, Value::Int(31));
        assert_eq!(n.get("i").unwrap().value, Value::Str("1_000".into()));
        assert_eq!(n.get("j").unwrap().value, Value::Str("8000:8000".into()));
    }

    #[test]
    fn positions_point_at_keys_and_values() {
        let n = p("services:\n  web:\n    image: nginx\n");
        let img = n.find(&["services", "web", "image"]);
        assert_eq!((img.pos.line, img.pos.col), (3, 12));
        assert_eq!(img.key_pos.map(|k| (k.line, k.col)), Some((3, 5)));
    }

    #[test]
    fn anchors_aliases_and_merge_keys() {
        let n = p("x: &base\n  a: 1\n  b: 2\ny:\n  <<: *base\n  b: 3\nz: *base\n");
        let y = n.get("y").unwrap();
        assert_eq!(y.get("a").unwrap().value, Value::Int(1));
        assert_eq!(y.get("b").unwrap().value, Value::Int(3));
        assert_eq!(n.get("z").unwrap().get("b").unwrap().value, Value::Int(2));
    }

    #[test]
    fn merge_key_list_prefers_earlier_maps() {
        let n = p("a: &a {k: 1}\nb: &b {k: 2, l: 2}\nc:\n  <<: [*a, *b]\n");
        let c = n.get("c").unwrap();
        assert_eq!(c.get("k").unwrap().value, Value::Int(1));
        assert_eq!(c.get("l").unwrap().value, Value::Int(2));
    }

    #[test]
    fn duplicate_keys_are_errors_with_position() {
        let e = parse_one("a: 1\nb: 2\na: 3\n", FileId::NONE).unwrap_err();
        assert_eq!(e.pos.line, 3);
        assert_eq!(e.path, "a");
        let e = parse_one("s:\n  web:\n    image: x\n    image: y\n", FileId::NONE).unwrap_err();
        assert_eq!(e.path, "s.web.image");
        assert!(e.message.contains("duplicate key"), "{}", e.message);
    }

    #[test]
    fn syntax_errors_have_positions() {
        let e = parse_one("a: [1, 2\nb: c\n", FileId::NONE).unwrap_err();
        assert!(e.pos.line >= 1);
        assert!(e.message.starts_with("invalid YAML"));
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let text = format!("x:\n  {}x\n", "- ".repeat(20_000));
        let e = parse_one(&text, FileId::NONE).unwrap_err();
        assert!(e.message.contains("nesting"), "{}", e.message);
    }

    /// `levels` levels of `fan` aliases of the level below.
    fn bomb(levels: usize, fan: usize) -> String {
        let mut doc = String::from("l0: &l0 [lol]\n");
        for l in 1..=levels {
            doc.push_str(&format!("l{l}: &l{l} [{}]\n", vec![format!("*l{}", l - 1); fan].join(", ")));
        }
        doc
    }

    #[test]
    fn alias_expansion_is_counted_and_bounded() {
        let mut limits = Limits::DEFAULT;
        limits.yaml_nodes.value = 1_000;
        // 3 levels of 5: 1 + 2 + 6 + 31 + 156 nodes, under the limit.
        let n = parse_limited(&bomb(3, 5), FileId::NONE, &limits).unwrap().remove(0);
        assert_eq!(n.get("l3").unwrap().as_seq().unwrap().len(), 5);
        // One more level: 781 more nodes than that.
        let e = parse_limited(&bomb(4, 5), FileId::NONE, &limits).unwrap_err();
        assert_eq!((e.pos.line, e.path.as_str()), (5, "l4"), "{e}");
        assert!(e.message.contains("more than 1000 YAML nodes") && e.message.contains("RCOMPOSE_MAX_YAML_NODES"), "{e}");
        // Nine levels of nine, with the default limits: refused at once, not after 387 million nodes.
        let e = parse(&bomb(9, 9), FileId::NONE).unwrap_err();
        assert!(e.message.contains("YAML nodes"), "{e}");
    }

    #[test]
    fn aliased_text_is_counted_in_bytes() {
        let mut limits = Limits::DEFAULT;
        limits.expanded_size.value = 10_000;
        let doc = format!("a: &a {}\nb: [{}]\n", "x".repeat(1_000), vec!["*a"; 20].join(", "));
        let e = parse_limited(&doc, FileId::NONE, &limits).unwrap_err();
        assert!(e.message.contains("more than 10000 bytes") && e.message.contains("RCOMPOSE_MAX_EXPANDED_SIZE"), "{e}");
    }

    #[test]
    fn nesting_through_aliases_is_bounded() {
        let mut limits = Limits::DEFAULT;
        limits.nesting.value = 9;
        // Each anchor is 4 levels under the root, and holds the previous one one level down.
        let doc = "a: &a [[[x]]]\nb: &b [[[*a]]]\nc: &c [[[*b]]]\n";
        let e = parse_limited(doc, FileId::NONE, &limits).unwrap_err();
        assert_eq!(e.pos.line, 3, "{e}");
        assert!(e.message.contains("nesting deeper than 9 levels (aliases expanded)"), "{e}");
        assert!(parse_limited("a: &a [[[x]]]\nb: &b [[[*a]]]\n", FileId::NONE, &limits).is_ok());
    }

    #[test]
    fn compose_tags_are_kept() {
        let n = p("a: !reset []\nb: !override {x: 1}\nc: !!str 12\n");
        assert_eq!(n.get("a").unwrap().tag, Tag::Reset);
        assert_eq!(n.get("b").unwrap().tag, Tag::Override);
        assert_eq!(n.get("c").unwrap().value, Value::Str("12".into()));
    }

    #[test]
    fn empty_document_is_null() {
        assert!(p("").is_null());
        assert!(p("# only a comment\n").is_null());
    }
}
