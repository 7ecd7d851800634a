//! A YAML value tree in which every node keeps its source location.
//!
//! Used for the polymorphic parts of the format (`given` maps, check short and long forms,
//! `unique: [id]` vs `[[a, b]]`): serde reads them permissively into [`Node`] and the loader
//! converts them by hand, so each problem is reported at the exact item.

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;
use std::fmt;

/// A YAML value with the location of its first character.
pub(crate) type Node = Spanned<Yaml>;

/// The shape of a YAML value. Maps keep their written order.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Yaml {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

impl Yaml {
    /// What the value is, for "expected …, found …" messages.
    pub(crate) fn describe(&self) -> &'static str {
        match self {
            Yaml::Null => "nothing (null)",
            Yaml::Bool(_) => "a boolean",
            Yaml::Int(_) | Yaml::UInt(_) | Yaml::Float(_) => "a number",
            Yaml::Str(_) => "a string",
            Yaml::Seq(_) => "a list",
            Yaml::Map(_) => "a map",
        }
    }

    /// The text of a scalar key or value (`1` → "1", `true` → "true"); `None` for null and
    /// collections.
    pub(crate) fn scalar_text(&self) -> Option<String> {
        match self {
            Yaml::Bool(b) => Some(b.to_string()),
            Yaml::Int(i) => Some(i.to_string()),
            Yaml::UInt(u) => Some(u.to_string()),
            Yaml::Float(f) => Some(f.to_string()),
            Yaml::Str(s) => Some(s.clone()),
            Yaml::Null | Yaml::Seq(_) | Yaml::Map(_) => None,
        }
    }

    /// The value as JSON, or `None` if it holds something JSON cannot (a non-finite float,
    /// a map key that is not a scalar).
    pub(crate) fn to_json(&self) -> Option<serde_json::Value> {
        use serde_json::Value;
        Some(match self {
            Yaml::Null => Value::Null,
            Yaml::Bool(b) => Value::Bool(*b),
            Yaml::Int(i) => Value::from(*i),
            Yaml::UInt(u) => Value::from(*u),
            Yaml::Float(f) => Value::Number(serde_json::Number::from_f64(*f)?),
            Yaml::Str(s) => Value::String(s.clone()),
            Yaml::Seq(items) => Value::Array(
                items
                    .iter()
                    .map(|n| n.value.to_json())
                    .collect::<Option<_>>()?,
            ),
            Yaml::Map(entries) => {
                let mut map = serde_json::Map::new();
                for (k, v) in entries {
                    map.insert(k.value.scalar_text()?, v.value.to_json()?);
                }
                Value::Object(map)
            }
        })
    }
}

impl<'de> Deserialize<'de> for Yaml {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(YamlVisitor)
    }
}

struct YamlVisitor;

impl<'de> Visitor<'de> for YamlVisitor {
    type Value = Yaml;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Yaml, E> {
        Ok(Yaml::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Yaml, E> {
        Ok(Yaml::Int(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Yaml, E> {
        Ok(Yaml::UInt(v))
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Yaml, E> {
        // Out of the 64-bit range: keep the digits rather than fail.
        Ok(i64::try_from(v)
            .map(Yaml::Int)
            .unwrap_or_else(|_| Yaml::Str(v.to_string())))
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Yaml, E> {
        Ok(u64::try_from(v)
            .map(Yaml::UInt)
            .unwrap_or_else(|_| Yaml::Str(v.to_string())))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Yaml, E> {
        Ok(Yaml::Float(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Yaml, E> {
        Ok(Yaml::Str(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Yaml, E> {
        Ok(Yaml::Str(v))
    }
    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Yaml, E> {
        Ok(Yaml::Str(String::from_utf8_lossy(v).into_owned()))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Yaml, E> {
        Ok(Yaml::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Yaml, E> {
        Ok(Yaml::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Yaml, D::Error> {
        Yaml::deserialize(d)
    }
    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Yaml, D::Error> {
        Yaml::deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Yaml, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Node>()? {
            items.push(item);
        }
        Ok(Yaml::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Yaml, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<Node>()? {
            let value = map.next_value::<Node>()?;
            entries.push((key, value));
        }
        Ok(Yaml::Map(entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Node {
        serde_saphyr::from_str_with_options(text, crate::project::source::yaml_options())
            .expect("valid yaml")
    }

    #[test]
    fn nested_nodes_keep_their_locations() {
        let node = parse("a:\n  - {x: 1, y: [b, 2.5]}\n  - c\n");
        let Yaml::Map(entries) = &node.value else {
            panic!("map expected: {node:?}")
        };
        let (key, value) = &entries[0];
        assert_eq!(key.value, Yaml::Str("a".into()));
        assert_eq!((key.referenced.line(), key.referenced.column()), (1, 1));
        let Yaml::Seq(items) = &value.value else {
            panic!("seq expected")
        };
        assert_eq!(
            (items[1].referenced.line(), items[1].referenced.column()),
            (3, 5)
        );
        let Yaml::Map(inner) = &items[0].value else {
            panic!("inner map expected")
        };
        assert_eq!(inner[1].0.value, Yaml::Str("y".into()));
        assert_eq!(
            (inner[1].0.referenced.line(), inner[1].0.referenced.column()),
            (2, 12)
        );
        let Yaml::Seq(ys) = &inner[1].1.value else {
            panic!("ys")
        };
        assert_eq!(ys[1].value, Yaml::Float(2.5));
        assert_eq!(
            (ys[1].referenced.line(), ys[1].referenced.column()),
            (2, 19)
        );
    }

    #[test]
    fn converts_to_json_in_written_order() {
        let node = parse("{b: 1, a: [true, null, x], c: {1: 2}}");
        let json = node.value.to_json().expect("json");
        assert_eq!(
            json.to_string(),
            r#"{"b":1,"a":[true,null,"x"],"c":{"1":2}}"#
        );
        let node = parse("{y: no, n: 007}");
        assert_eq!(
            node.value.to_json().expect("json").to_string(),
            r#"{"y":"no","n":"007"}"#
        );
        let node = parse("{[1]: 2}");
        assert_eq!(
            node.value.to_json(),
            None,
            "a list as a key has no JSON form"
        );
    }
}
