//! serde over our YAML tree ([`crate::readers::yaml`]): the plan is read by
//! the same parser as the manifests, with the same budgets, duplicate-key
//! rule and byte spans, and every value can be wrapped in [`Spanned`] to keep
//! where it was written.
//!
//! Errors carry the span of the innermost node they are about: a type error
//! at the value, an unknown field at its key, a missing field at the mapping.

use crate::readers::Span;
use crate::readers::yaml::{Node, Value};
use serde::de::{self, DeserializeSeed, IntoDeserializer, MapAccess, SeqAccess, Visitor};
use serde::forward_to_deserialize_any;
use std::fmt;

/// A deserialisation error and, once known, where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// What is wrong.
    pub message: String,
    /// The node it is about.
    pub span: Option<Span>,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

impl de::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Error {
            message: msg.to_string(),
            span: None,
        }
    }
}

/// Places an error at `span` unless an inner node already placed it.
fn at(mut e: Error, span: Span) -> Error {
    e.span.get_or_insert(span);
    e
}

/// A value with the byte span of the node it was read from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Spanned<T> {
    /// The value.
    pub value: T,
    /// Where it is in the text.
    pub span: Span,
}

const SPANNED: &str = "$continuity_guard::Spanned";
const SPANNED_FIELDS: &[&str] = &["$start", "$end", "$value"];

impl<'de, T: de::Deserialize<'de>> de::Deserialize<'de> for Spanned<T> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: de::Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = Spanned<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a value with its span")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Spanned<T>, A::Error> {
                let (mut start, mut end, mut value) = (None, None, None);
                while let Some(key) = map.next_key::<&str>()? {
                    match key {
                        "$start" => start = Some(map.next_value()?),
                        "$end" => end = Some(map.next_value()?),
                        _ => value = Some(map.next_value()?),
                    }
                }
                match (start, end, value) {
                    (Some(start), Some(end), Some(value)) => Ok(Spanned {
                        value,
                        span: Span::new(start, end),
                    }),
                    _ => Err(de::Error::custom("a spanned value needs a span")),
                }
            }
        }
        d.deserialize_struct(SPANNED, SPANNED_FIELDS, V(std::marker::PhantomData))
    }
}

/// Deserialises `T` from a node.
pub fn from_node<'de, T: de::Deserialize<'de>>(node: &'de Node) -> Result<T, Error> {
    T::deserialize(NodeDe(node)).map_err(|e| at(e, node.span))
}

/// A node as a serde deserializer.
#[derive(Clone, Copy)]
pub struct NodeDe<'a>(pub &'a Node);

impl<'de> de::Deserializer<'de> for NodeDe<'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let node = self.0;
        match &node.value {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(*b),
            Value::Int(i) => visitor.visit_i64(*i),
            Value::Float(f) => visitor.visit_f64(*f),
            Value::Str(s) | Value::Unknown(s) => visitor.visit_borrowed_str(s),
            Value::Seq(items) => visitor.visit_seq(SeqDe {
                items: items.iter(),
            }),
            Value::Map(entries) => visitor.visit_map(MapDe {
                entries: entries.iter(),
                value: None,
            }),
        }
        .map_err(|e| at(e, node.span))
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0.value {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        if name == SPANNED {
            return visitor.visit_map(SpannedDe {
                node: self.0,
                next: 0,
            });
        }
        let _ = fields;
        self.deserialize_map(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let node = self.0;
        match &node.value {
            // `services:` with nothing under it is an empty mapping.
            Value::Null => visitor.visit_map(MapDe {
                entries: [].iter(),
                value: None,
            }),
            Value::Map(entries) => visitor.visit_map(MapDe {
                entries: entries.iter(),
                value: None,
            }),
            _ => Err(de::Error::invalid_type(unexpected(node), &visitor)),
        }
        .map_err(|e| at(e, node.span))
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let node = self.0;
        match &node.value {
            Value::Null => visitor.visit_seq(SeqDe { items: [].iter() }),
            Value::Seq(items) => visitor.visit_seq(SeqDe {
                items: items.iter(),
            }),
            _ => Err(de::Error::invalid_type(unexpected(node), &visitor)),
        }
        .map_err(|e| at(e, node.span))
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_unit()
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct tuple tuple_struct enum identifier
    }
}

/// What a node is, for "invalid type" messages.
fn unexpected(node: &Node) -> de::Unexpected<'_> {
    match &node.value {
        Value::Null => de::Unexpected::Unit,
        Value::Bool(b) => de::Unexpected::Bool(*b),
        Value::Int(i) => de::Unexpected::Signed(*i),
        Value::Float(f) => de::Unexpected::Float(*f),
        Value::Str(s) | Value::Unknown(s) => de::Unexpected::Str(s),
        Value::Seq(_) => de::Unexpected::Seq,
        Value::Map(_) => de::Unexpected::Map,
    }
}

struct SeqDe<'a> {
    items: std::slice::Iter<'a, Node>,
}

impl<'de> SeqAccess<'de> for SeqDe<'de> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        match self.items.next() {
            Some(item) => seed
                .deserialize(NodeDe(item))
                .map(Some)
                .map_err(|e| at(e, item.span)),
            None => Ok(None),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

struct MapDe<'a> {
    entries: std::slice::Iter<'a, (Node, Node)>,
    value: Option<&'a Node>,
}

impl<'de> MapAccess<'de> for MapDe<'de> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        match self.entries.next() {
            Some((key, value)) => {
                self.value = Some(value);
                seed.deserialize(KeyDe(key))
                    .map(Some)
                    .map_err(|e| at(e, key.span))
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        let value = self
            .value
            .take()
            .ok_or_else(|| <Error as de::Error>::custom("a value without its key"))?;
        seed.deserialize(NodeDe(value))
            .map_err(|e| at(e, value.span))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

/// A mapping key: read as text whatever its scalar type (a service named `2024`).
struct KeyDe<'a>(&'a Node);

impl<'de> de::Deserializer<'de> for KeyDe<'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match &self.0.value {
            Value::Str(s) | Value::Unknown(s) => visitor.visit_borrowed_str(s),
            Value::Seq(_) | Value::Map(_) => Err(de::Error::custom(
                "a mapping key must be a scalar (a name), not a collection",
            )),
            _ => match self.0.scalar_text() {
                Some(text) => visitor.visit_string(text),
                None => visitor.visit_borrowed_str(""),
            },
        }
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

/// The span of a spanned value's node, as `$start`, `$end`, then the value.
struct SpannedDe<'a> {
    node: &'a Node,
    next: u8,
}

impl<'de> MapAccess<'de> for SpannedDe<'de> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        let Some(key) = SPANNED_FIELDS.get(usize::from(self.next)) else {
            return Ok(None);
        };
        seed.deserialize(de::value::BorrowedStrDeserializer::<Error>::new(key))
            .map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        let field = self.next;
        self.next += 1;
        match field {
            0 => seed.deserialize(IntoDeserializer::<Error>::into_deserializer(
                self.node.span.start,
            )),
            1 => seed.deserialize(IntoDeserializer::<Error>::into_deserializer(
                self.node.span.end,
            )),
            _ => seed.deserialize(NodeDe(self.node)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::readers::yaml::parse_stream;
    use serde::Deserialize;
    use std::collections::BTreeMap;

    fn root(text: &str) -> Node {
        parse_stream(text, Default::default())
            .expect("yaml")
            .remove(0)
            .root
    }

    #[derive(Deserialize, Debug, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct S {
        name: Spanned<String>,
        #[serde(default)]
        count: Option<Spanned<u32>>,
        #[serde(default)]
        flags: Vec<bool>,
        #[serde(default)]
        map: BTreeMap<String, Spanned<String>>,
    }

    #[test]
    fn values_keep_their_spans() {
        let text = "name: pay\ncount: 3\nflags: [true, false]\nmap:\n  2024: x\n";
        let node = root(text);
        let s: S = from_node(&node).expect("valid");
        assert_eq!(&text[s.name.span.start..s.name.span.end], "pay");
        let count = s.count.expect("count");
        assert_eq!(
            (count.value, &text[count.span.start..count.span.end]),
            (3, "3")
        );
        assert_eq!(s.flags, [true, false]);
        assert_eq!(s.map["2024"].value, "x");
    }

    #[test]
    fn errors_point_at_the_node() {
        let text = "name: pay\ncount: lots\n";
        let e = from_node::<S>(&root(text)).expect_err("type");
        assert!(e.message.contains("expected u32"), "{e}");
        assert_eq!(&text[e.span.expect("span").start..][..4], "lots");
        let text = "name: pay\ncolour: red\n";
        let e = from_node::<S>(&root(text)).expect_err("unknown");
        assert!(e.message.contains("unknown field `colour`"), "{e}");
        assert_eq!(&text[e.span.expect("span").start..][..6], "colour");
        let text = "count: 1\n";
        let e = from_node::<S>(&root(text)).expect_err("missing");
        assert!(e.message.contains("missing field `name`"), "{e}");
        let text = "name: [a]\n";
        let e = from_node::<S>(&root(text)).expect_err("seq");
        assert_eq!(e.span.map(|s| s.start), Some(6), "{e}");
        let text = "name: x\ncount: -1\n";
        let e = from_node::<S>(&root(text)).expect_err("negative");
        assert!(e.message.contains("-1"), "{e}");
    }
}
