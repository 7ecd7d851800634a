//! Comparing one result cell against one expected YAML value, by the column's type.
//!
//! The column's type name picks a [`Kind`]; each kind reads the cell and the expected value
//! as typed values (numbers, instants, JSON, arrays…). When either side cannot be read that way
//! the comparison falls back to the text forms, so an unusual value never errors: it just
//! compares as text.

use super::number::Num;
use super::pgarray::{self, Item};
use super::temporal;
use crate::dialect::{Cell, Column};
use serde_json::Value;

/// How values of a column compare, from its type name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Kind {
    Int,
    Numeric,
    /// `float4`: also equal when both sides round to the same `f32`.
    Float4,
    Float8,
    /// PostgreSQL `money`, printed with a currency symbol and group separators.
    Money,
    Bool,
    Date,
    Time,
    TimeTz,
    /// With or without time zone: both compare as UTC instants (sessions run in UTC).
    Timestamp,
    Uuid,
    Json,
    Bytea,
    Array(Box<Kind>),
    /// `char(n)` (`bpchar`): text whose trailing blanks do not count, as in PostgreSQL.
    Char,
    /// Text, enums, domains, intervals and every type we do not know: exact text.
    Text,
}

impl Kind {
    /// The kind for a PostgreSQL `typname` (`int4`, `_text`) or a SQLite declared type
    /// (`INTEGER`, `VARCHAR(20)`, `datetime`). Size modifiers are ignored.
    pub(crate) fn of(type_name: &str) -> Kind {
        let name = normalise_type_name(type_name);
        if let Some(element) = name.strip_prefix('_').filter(|e| !e.is_empty()) {
            return Kind::Array(Box::new(Kind::of(element)));
        }
        if let Some(element) = name.strip_suffix("[]") {
            return Kind::Array(Box::new(Kind::of(element)));
        }
        match name.as_str() {
            "int2" | "int4" | "int8" | "smallint" | "integer" | "int" | "bigint" | "tinyint"
            | "mediumint" | "unsigned big int" | "serial" | "smallserial" | "bigserial" | "oid" => {
                Kind::Int
            }
            "numeric" | "decimal" => Kind::Numeric,
            "float4" => Kind::Float4,
            "float8" | "real" | "double" | "double precision" | "float" => Kind::Float8,
            "money" => Kind::Money,
            "bool" | "boolean" => Kind::Bool,
            "date" => Kind::Date,
            "time" | "time without time zone" => Kind::Time,
            "timetz" | "time with time zone" => Kind::TimeTz,
            "timestamp"
            | "timestamptz"
            | "datetime"
            | "timestamp without time zone"
            | "timestamp with time zone" => Kind::Timestamp,
            "uuid" => Kind::Uuid,
            "json" | "jsonb" => Kind::Json,
            "bytea" | "blob" => Kind::Bytea,
            "bpchar" | "char" | "character" | "nchar" => Kind::Char,
            _ => Kind::Text,
        }
    }
}

/// Lowercases, drops `(…)` modifiers and collapses whitespace: `NUMERIC(10, 2)` → `numeric`.
fn normalise_type_name(type_name: &str) -> String {
    let mut out = String::with_capacity(type_name.len());
    let mut depth = 0usize;
    for c in type_name.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            c if depth == 0 => out.extend(c.to_lowercase()),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Compare one cell against one expected YAML value.
///
/// YAML `null` equals only SQL NULL and the other way round. Otherwise the column's type decides:
/// numbers compare exactly by value (`108` = `108.00`), timestamps as instants, JSON
/// structurally, arrays element by element, UUIDs ignoring case, booleans as `t`/`f` (or SQLite
/// 0/1), and everything else as exact text (a YAML number or boolean by its text form).
pub fn value_matches(expected: &Value, column: &Column, cell: &Cell) -> bool {
    matches(expected, &Kind::of(&column.type_name), cell)
}

/// [`value_matches`] with the kind already worked out.
pub(crate) fn matches(expected: &Value, kind: &Kind, cell: &Cell) -> bool {
    match (expected, cell) {
        (Value::Null, Cell::Null) => true,
        (Value::Null, _) | (_, Cell::Null) => false,
        (_, Cell::Int(i)) => int_matches(expected, kind, *i),
        (_, Cell::Real(f)) => real_matches(expected, *f),
        (_, Cell::Blob(bytes)) => bytes_match(expected, bytes),
        (_, Cell::Text(text)) => typed_text_matches(expected, kind, text)
            .unwrap_or_else(|| plain_text_matches(expected, text)),
    }
}

/// A SQLite INTEGER.
fn int_matches(expected: &Value, kind: &Kind, value: i64) -> bool {
    match expected {
        // SQLite has no boolean type: true and false are stored as 1 and 0.
        Value::Bool(b) => value == i64::from(*b),
        Value::Number(n) => Num::from_json(n).is_some_and(|e| Num::from_i64(value) == Some(e)),
        Value::String(s) => {
            if let Some(e) = Num::parse(s) {
                return Num::from_i64(value) == Some(e);
            }
            match kind {
                Kind::Bool => bool_word(s).is_some_and(|b| value == i64::from(b)),
                // A timestamp stored as Unix seconds.
                Kind::Timestamp => temporal::instant(s, true).is_some_and(|at| {
                    at.and_utc().timestamp() == value && at.and_utc().timestamp_subsec_nanos() == 0
                }),
                _ => false,
            }
        }
        Value::Array(_) | Value::Object(_) | Value::Null => false,
    }
}

/// A SQLite REAL: exact decimal first, then `f64` equality.
fn real_matches(expected: &Value, value: f64) -> bool {
    let (exact, float) = match expected {
        Value::Number(n) => (Num::from_json(n), n.as_f64()),
        Value::String(s) => (Num::parse(s), s.trim().parse::<f64>().ok()),
        Value::Bool(_) | Value::Array(_) | Value::Object(_) | Value::Null => return false,
    };
    exact.is_some_and(|e| Num::from_f64(value) == Some(e)) || float.is_some_and(|f| f == value)
}

/// Binary data against `\x0102` (hex, any case) or the text of the bytes.
fn bytes_match(expected: &Value, bytes: &[u8]) -> bool {
    match expected {
        Value::String(s) => match s.strip_prefix("\\x") {
            Some(hex_digits) => hex::decode(hex_digits).is_ok_and(|e| e == bytes),
            None => s.as_bytes() == bytes,
        },
        Value::Number(_) | Value::Bool(_) | Value::Array(_) | Value::Object(_) | Value::Null => {
            false
        }
    }
}

/// A text cell read as its column's type; `None` when either side cannot be read that way.
fn typed_text_matches(expected: &Value, kind: &Kind, text: &str) -> Option<bool> {
    match kind {
        Kind::Int | Kind::Numeric | Kind::Float4 | Kind::Float8 | Kind::Money => {
            numeric_matches(expected, kind, text)
        }
        Kind::Bool => {
            let actual = bool_word(text)?;
            let wanted = match expected {
                Value::Bool(b) => *b,
                Value::String(s) => bool_word(s)?,
                Value::Number(_) | Value::Array(_) | Value::Object(_) | Value::Null => return None,
            };
            Some(actual == wanted)
        }
        Kind::Date => {
            Some(temporal::parse_date(text)? == temporal::parse_date(expected.as_str()?)?)
        }
        Kind::Time => {
            Some(temporal::parse_time(text)? == temporal::parse_time(expected.as_str()?)?)
        }
        Kind::TimeTz => Some(
            temporal::time_tz_utc_nanos(text)? == temporal::time_tz_utc_nanos(expected.as_str()?)?,
        ),
        Kind::Timestamp => {
            Some(temporal::instant(text, true)? == temporal::instant(expected.as_str()?, true)?)
        }
        Kind::Uuid => Some(normalise_uuid(text)? == normalise_uuid(expected.as_str()?)?),
        Kind::Json => {
            let actual: Value = serde_json::from_str(text).ok()?;
            Some(json_value_matches(expected, &actual))
        }
        Kind::Bytea => {
            let bytes = hex::decode(text.strip_prefix("\\x")?).ok()?;
            Some(bytes_match(expected, &bytes))
        }
        Kind::Array(element) => {
            let items = pgarray::parse(text)?;
            match expected {
                Value::Array(list) => Some(items_match(list, element, &items)),
                Value::String(s) if s == text => Some(true),
                Value::String(s) => {
                    let written = pgarray::parse(s)?;
                    Some(items_match(&items_to_strings(&written), element, &items))
                }
                Value::Number(_) | Value::Bool(_) | Value::Object(_) | Value::Null => None,
            }
        }
        Kind::Char => {
            let wanted = match expected {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => b.to_string(),
                Value::Array(_) | Value::Object(_) | Value::Null => return None,
            };
            Some(wanted.trim_end_matches(' ') == text.trim_end_matches(' '))
        }
        Kind::Text => None,
    }
}

fn numeric_matches(expected: &Value, kind: &Kind, text: &str) -> Option<bool> {
    let clean = |s: &str| {
        if *kind == Kind::Money {
            strip_money(s)
        } else {
            s.to_string()
        }
    };
    let actual_text = clean(text);
    let actual = Num::parse(&actual_text)?;
    let (wanted, wanted_float) = match expected {
        Value::Number(n) => (Num::from_json(n)?, n.as_f64()),
        Value::String(s) => {
            let s = clean(s);
            (Num::parse(&s)?, s.trim().parse::<f64>().ok())
        }
        Value::Bool(_) | Value::Array(_) | Value::Object(_) | Value::Null => return None,
    };
    if actual == wanted {
        return Some(true);
    }
    // Floats are approximate by nature: equal when they are the same binary number.
    let actual_float = actual_text.trim().parse::<f64>().ok();
    let same_float = match (kind, actual_float, wanted_float) {
        (Kind::Float8, Some(a), Some(w)) => a == w,
        (Kind::Float4, Some(a), Some(w)) => (a as f32) == (w as f32),
        _ => false,
    };
    Some(same_float)
}

/// `$1,234.56` → `1234.56`; `-$5.00` → `-5.00`.
fn strip_money(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '+'))
        .collect()
}

/// `t`/`true`/`1`… and `f`/`false`/`0`…, in any case.
fn bool_word(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "t" | "true" | "1" | "y" | "yes" | "on" => Some(true),
        "f" | "false" | "0" | "n" | "no" | "off" => Some(false),
        _ => None,
    }
}

/// 32 lowercase hex digits, accepting hyphens and braces anywhere PostgreSQL does.
fn normalise_uuid(text: &str) -> Option<String> {
    let hex: String = text
        .chars()
        .filter(|c| !matches!(c, '-' | '{' | '}'))
        .flat_map(char::to_lowercase)
        .collect();
    (hex.len() == 32 && hex.bytes().all(|b| b.is_ascii_hexdigit())).then_some(hex)
}

/// The expected value against a parsed JSON cell. A string is either JSON text (`'{"a": 1}'`)
/// or a JSON string value.
fn json_value_matches(expected: &Value, actual: &Value) -> bool {
    match expected {
        Value::String(s) => {
            serde_json::from_str::<Value>(s).is_ok_and(|parsed| json_eq(&parsed, actual))
                || actual.as_str() == Some(s)
        }
        Value::Null | Value::Bool(_) | Value::Number(_) | Value::Array(_) | Value::Object(_) => {
            json_eq(expected, actual)
        }
    }
}

/// Structural JSON equality: key order is ignored, numbers compare by value (`1` = `1.0`).
pub(crate) fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Null, Value::Null) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Number(x), Value::Number(y)) => {
            x == y || Num::from_json(x).is_some_and(|x| Num::from_json(y) == Some(x))
        }
        (Value::String(x), Value::String(y)) => x == y,
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| json_eq(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_eq(v, w)))
        }
        _ => false,
    }
}

/// A YAML list against parsed array items, element by element with the element kind.
fn items_match(expected: &[Value], element: &Kind, items: &[Item]) -> bool {
    expected.len() == items.len()
        && expected.iter().zip(items).all(|(e, item)| match (e, item) {
            (Value::Array(sub), Item::Array(sub_items)) => items_match(sub, element, sub_items),
            (_, Item::Array(_)) => false,
            (_, Item::Null) => matches(e, element, &Cell::Null),
            (_, Item::Text(t)) => matches(e, element, &Cell::Text(t.clone())),
        })
}

/// Array items written as text (`'{1,2}'` in YAML) as YAML strings, so they compare by type.
fn items_to_strings(items: &[Item]) -> Vec<Value> {
    items
        .iter()
        .map(|item| match item {
            Item::Null => Value::Null,
            Item::Text(t) => Value::String(t.clone()),
            Item::Array(sub) => Value::Array(items_to_strings(sub)),
        })
        .collect()
}

/// Exact text, with two readings that cannot surprise: JSON text against a YAML map or list
/// (SQLite keeps JSON as TEXT), and two timestamps written in different formats (SQLite keeps
/// timestamps as TEXT).
fn plain_text_matches(expected: &Value, text: &str) -> bool {
    match expected {
        Value::String(s) => {
            s == text
                || temporal::instant(s, false)
                    .is_some_and(|e| temporal::instant(text, false) == Some(e))
                // Engines without a uuid type (SQLite) keep uuids as text: compare them as
                // uuids when both sides are written as one.
                || (is_uuid_text(s) && is_uuid_text(text) && s.eq_ignore_ascii_case(text))
        }
        Value::Number(n) => n.to_string() == text,
        Value::Bool(b) => b.to_string() == text,
        Value::Array(_) | Value::Object(_) => {
            serde_json::from_str::<Value>(text).is_ok_and(|actual| json_eq(expected, &actual))
        }
        Value::Null => false,
    }
}

/// `8-4-4-4-12` hexadecimal digits.
fn is_uuid_text(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.chars().all(|c| c.is_ascii_hexdigit()))
}

#[cfg(test)]
#[path = "value_tests.rs"]
mod tests;
