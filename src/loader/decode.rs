//! The last tree pass: the canonical [`Node`] tree decoded into the typed model.
//!
//! The tree is read in place through a serde `Deserializer` over `&Node`: no intermediate JSON
//! value is built, which on a 500-service file saves a whole copy of the tree. Values are
//! presented as a JSON value would present them (non-negative integers as `u64`, non-finite
//! floats as null), so the model's serde rules and error texts are those of a JSON decode.
//!
//! Path tracking (for the key path of an error) costs on every value, so the tree is first
//! decoded without it; only a failing decode is run again with `serde_path_to_error` to find
//! where it failed.

use serde::de::{self, DeserializeSeed, Deserializer, IntoDeserializer, MapAccess, SeqAccess, Visitor};
use serde::forward_to_deserialize_any;

use super::diagnostic::Diagnostic;
use super::yaml::{Node, Value};
use crate::model::Project;

type Error = de::value::Error;

/// The canonical tree as a typed project; a decoding error points at the offending node.
pub fn decode(tree: &Node) -> Result<Project, Diagnostic> {
    let mut project = match from_node::<Project>(tree) {
        Ok(p) => p,
        Err(_) => return Err(locate(tree)),
    };
    for (name, s) in project.services.iter_mut() {
        s.name = name.clone();
    }
    Ok(project)
}

/// Any owned model type read from a tree, without path tracking.
fn from_node<T: de::DeserializeOwned>(node: &Node) -> Result<T, Error> {
    T::deserialize(NodeDeserializer(node))
}

/// Decodes again, tracking the path, and turns the failure into a diagnostic at its node.
fn locate(tree: &Node) -> Diagnostic {
    let err = match serde_path_to_error::deserialize::<_, Project>(NodeDeserializer(tree)) {
        Ok(_) => return Diagnostic::plain("the project could not be decoded"),
        Err(e) => e,
    };
    let segments: Vec<String> = err
        .path()
        .iter()
        .filter_map(|s| match s {
            serde_path_to_error::Segment::Map { key } => Some(key.clone()),
            serde_path_to_error::Segment::Seq { index } => Some(index.to_string()),
            _ => None,
        })
        .collect();
    let node = tree.find(&segments);
    Diagnostic::new(node.report_pos(), super::dotted(&segments), err.into_inner().to_string())
}

/// A serde view of a borrowed [`Node`].
#[derive(Clone, Copy)]
pub struct NodeDeserializer<'a>(pub &'a Node);

impl<'de> Deserializer<'de> for NodeDeserializer<'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match &self.0.value {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(*b),
            Value::Int(i) if *i >= 0 => visitor.visit_u64(*i as u64),
            Value::Int(i) => visitor.visit_i64(*i),
            Value::Float(f) if f.is_finite() => visitor.visit_f64(*f),
            Value::Float(_) => visitor.visit_unit(),
            Value::Str(s) => visitor.visit_borrowed_str(s),
            Value::Seq(items) => {
                let mut access = Seq { items: items.iter() };
                let value = visitor.visit_seq(&mut access)?;
                match access.items.len() {
                    0 => Ok(value),
                    n => Err(de::Error::invalid_length(items.len() - n, &"fewer elements in sequence")),
                }
            }
            Value::Map(map) => {
                let mut access = Entries { entries: map.iter(), value: None };
                let value = visitor.visit_map(&mut access)?;
                match access.entries.len() {
                    0 => Ok(value),
                    n => Err(de::Error::invalid_length(map.len() - n, &"fewer elements in map")),
                }
            }
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0.value {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, _name: &'static str, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match &self.0.value {
            Value::Str(s) => visitor.visit_enum(s.as_str().into_deserializer()),
            Value::Map(map) if map.len() == 1 => {
                let (variant, value) = map.iter().next().expect("one entry");
                visitor.visit_enum(Variant { name: variant, value })
            }
            Value::Map(_) => Err(de::Error::invalid_value(de::Unexpected::Map, &"a map with a single key")),
            _ => Err(de::Error::invalid_type(unexpected(self.0), &"string or map")),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_unit()
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map struct identifier
    }
}

fn unexpected(node: &Node) -> de::Unexpected<'_> {
    match &node.value {
        Value::Null => de::Unexpected::Unit,
        Value::Bool(b) => de::Unexpected::Bool(*b),
        Value::Int(i) if *i >= 0 => de::Unexpected::Unsigned(*i as u64),
        Value::Int(i) => de::Unexpected::Signed(*i),
        Value::Float(f) => de::Unexpected::Float(*f),
        Value::Str(s) => de::Unexpected::Str(s),
        Value::Seq(_) => de::Unexpected::Seq,
        Value::Map(_) => de::Unexpected::Map,
    }
}

struct Seq<'a> {
    items: std::slice::Iter<'a, Node>,
}

impl<'de> SeqAccess<'de> for Seq<'de> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, Error> {
        self.items.next().map(|n| seed.deserialize(NodeDeserializer(n))).transpose()
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

struct Entries<'a> {
    entries: indexmap::map::Iter<'a, String, Node>,
    value: Option<&'a Node>,
}

impl<'de> MapAccess<'de> for Entries<'de> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, Error> {
        match self.entries.next() {
            Some((key, value)) => {
                self.value = Some(value);
                seed.deserialize(de::value::BorrowedStrDeserializer::new(key)).map(Some)
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        let value = self.value.take().ok_or_else(|| de::Error::custom("value is missing"))?;
        seed.deserialize(NodeDeserializer(value))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

/// An enum written as `{variant: value}`.
struct Variant<'a> {
    name: &'a str,
    value: &'a Node,
}

impl<'de> de::EnumAccess<'de> for Variant<'de> {
    type Error = Error;
    type Variant = NodeDeserializer<'de>;

    fn variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<(T::Value, NodeDeserializer<'de>), Error> {
        let name = seed.deserialize(de::value::BorrowedStrDeserializer::<Error>::new(self.name))?;
        Ok((name, NodeDeserializer(self.value)))
    }
}

impl<'de> de::VariantAccess<'de> for NodeDeserializer<'de> {
    type Error = Error;

    fn unit_variant(self) -> Result<(), Error> {
        match self.0.value {
            Value::Null => Ok(()),
            _ => Err(de::Error::invalid_type(unexpected(self.0), &"unit variant")),
        }
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, Error> {
        seed.deserialize(self)
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_any(visitor)
    }

    fn struct_variant<V: Visitor<'de>>(self, _fields: &'static [&'static str], visitor: V) -> Result<V::Value, Error> {
        self.deserialize_any(visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loader::yaml;

    fn tree(text: &str) -> Node {
        yaml::parse(text, crate::loader::source::file_id(std::path::Path::new("t.yaml"))).unwrap().remove(0)
    }

    /// The node decoder and a decode through JSON agree, on values and on errors.
    #[test]
    fn decodes_as_json_would() {
        let texts = [
            "services: {web: {image: x, ports: [{target: 80, published: '8080'}], cpus: 1.5, mem_limit: 10}}",
            "services: {web: {image: x, depends_on: {db: {condition: service_healthy}}}, db: {image: y}}",
            "services: {web: {image: x, healthcheck: {interval: -5}}}",
            "services: {web: {image: x, ports: [{target: 80, published: [1]}]}}",
            "services: {web: {image: x, depends_on: {db: {condition: 7}}}}",
            "services: {web: {image: x, scale: nope}}",
        ];
        for text in texts {
            let node = tree(text);
            let ours = from_node::<Project>(&node).map(|p| serde_json::to_value(&p).unwrap()).map_err(|e| e.to_string());
            let json: Result<Project, _> = serde_json::from_value(node.to_json());
            let theirs = json.map(|p| serde_json::to_value(&p).unwrap()).map_err(|e| e.to_string());
            assert_eq!(ours, theirs, "{text}");
        }
    }

    #[test]
    fn an_error_names_its_path_and_line() {
        let node = tree("services:\n  web:\n    image: x\n    scale: nope\n");
        let e = decode(&node).unwrap_err();
        assert_eq!((e.path.as_str(), e.pos.line), ("services.web.scale", 4));
    }
}
