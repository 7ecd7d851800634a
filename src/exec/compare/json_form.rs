//! Result sets as typed JSON, for reports (`actual` of a failure) and for the details text.

use super::number::Num;
use super::pgarray::{self, Item};
use super::value::Kind;
use crate::dialect::{Cell, ResultSet};
use serde_json::{Map, Number, Value};

/// JSON form of a result set for reports: an array of objects, keys in column order.
///
/// Values are typed where that loses nothing: integers and numbers that read back exactly as
/// JSON numbers, booleans (`t`/`f`, or SQLite 0/1 in a `boolean` column) as booleans, NULL as
/// null, JSON columns as JSON, arrays as arrays; everything else (timestamps, UUIDs, numerics
/// too precise for a double, `NaN`) as the database's text. A repeated column name gets a
/// suffix (`id (2)`) so no value is lost.
pub fn result_set_to_json(rs: &ResultSet) -> Value {
    rows_to_json(rs, rs.rows.len())
}

/// [`result_set_to_json`] of the first `limit` rows.
pub(crate) fn rows_to_json(rs: &ResultSet, limit: usize) -> Value {
    let kinds: Vec<Kind> = rs.columns.iter().map(|c| Kind::of(&c.type_name)).collect();
    let keys = unique_keys(rs.columns.iter().map(|c| c.name.as_str()));
    let rows = rs
        .rows
        .iter()
        .take(limit)
        .map(|row| {
            let object: Map<String, Value> = keys
                .iter()
                .zip(&kinds)
                .zip(row)
                .map(|((key, kind), cell)| (key.clone(), cell_to_json(kind, cell)))
                .collect();
            Value::Object(object)
        })
        .collect();
    Value::Array(rows)
}

/// Column names made unique by suffixing repeats with ` (2)`, ` (3)`…
fn unique_keys<'a>(names: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut keys: Vec<String> = Vec::new();
    for name in names {
        let mut key = name.to_string();
        let mut n = 1;
        while keys.contains(&key) {
            n += 1;
            key = format!("{name} ({n})");
        }
        keys.push(key);
    }
    keys
}

/// One cell as typed JSON (see [`result_set_to_json`]).
pub(crate) fn cell_to_json(kind: &Kind, cell: &Cell) -> Value {
    match cell {
        Cell::Null => Value::Null,
        Cell::Int(i) => match (kind, i) {
            (Kind::Bool, 0) => Value::Bool(false),
            (Kind::Bool, 1) => Value::Bool(true),
            _ => Value::from(*i),
        },
        Cell::Real(f) => {
            Number::from_f64(*f).map_or_else(|| Value::String(f.to_string()), Value::Number)
        }
        Cell::Blob(bytes) => Value::String(format!("\\x{}", hex::encode(bytes))),
        Cell::Text(text) => text_to_json(kind, text).unwrap_or_else(|| Value::String(text.clone())),
    }
}

/// A text cell as its type's JSON; `None` keeps the text.
fn text_to_json(kind: &Kind, text: &str) -> Option<Value> {
    match kind {
        Kind::Int | Kind::Numeric => exact_number(text),
        Kind::Float4 | Kind::Float8 => {
            Number::from_f64(text.trim().parse::<f64>().ok()?).map(Value::Number)
        }
        Kind::Bool => match text {
            "t" | "true" => Some(Value::Bool(true)),
            "f" | "false" => Some(Value::Bool(false)),
            _ => None,
        },
        Kind::Json => serde_json::from_str(text).ok(),
        Kind::Array(element) => Some(items_to_json(element, &pgarray::parse(text)?)),
        Kind::Money
        | Kind::Date
        | Kind::Time
        | Kind::TimeTz
        | Kind::Timestamp
        | Kind::Uuid
        | Kind::Bytea
        | Kind::Char
        | Kind::Text => None,
    }
}

/// A JSON number when it has exactly the text's value: integers that fit, and decimals whose
/// nearest double reads back as the same decimal (`108.50` → `108.5`, but not
/// `0.1000000000000000001`).
fn exact_number(text: &str) -> Option<Value> {
    let trimmed = text.trim();
    if let Ok(i) = trimmed.parse::<i64>() {
        return Some(Value::from(i));
    }
    let wanted = Num::parse(trimmed)?;
    let float = trimmed.parse::<f64>().ok()?;
    let number = Number::from_f64(float)?;
    (Num::from_f64(float) == Some(wanted)).then_some(Value::Number(number))
}

fn items_to_json(element: &Kind, items: &[Item]) -> Value {
    Value::Array(
        items
            .iter()
            .map(|item| match item {
                Item::Null => Value::Null,
                Item::Text(t) => {
                    text_to_json(element, t).unwrap_or_else(|| Value::String(t.clone()))
                }
                Item::Array(sub) => items_to_json(element, sub),
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialect::Column;
    use serde_json::json;

    fn col(name: &str, type_name: &str) -> Column {
        Column {
            name: name.into(),
            type_name: type_name.into(),
        }
    }

    fn text(s: &str) -> Cell {
        Cell::Text(s.into())
    }

    #[test]
    fn postgres_values_are_typed() {
        let rs = ResultSet {
            columns: vec![
                col("id", "int4"),
                col("total", "numeric"),
                col("ratio", "float8"),
                col("paid", "bool"),
                col("doc", "jsonb"),
                col("tags", "_text"),
                col("grid", "_int4"),
                col("at", "timestamptz"),
                col("note", "text"),
            ],
            rows: vec![vec![
                text("7"),
                text("108.50"),
                text("0.25"),
                text("t"),
                text(r#"{"a": [1, 2]}"#),
                text(r#"{a,"b c",NULL}"#),
                text("{{1,2},{3,NULL}}"),
                text("2026-01-02 03:04:05+00"),
                Cell::Null,
            ]],
        };
        assert_eq!(
            result_set_to_json(&rs),
            json!([{
                "id": 7, "total": 108.5, "ratio": 0.25, "paid": true, "doc": {"a": [1, 2]},
                "tags": ["a", "b c", null], "grid": [[1, 2], [3, null]],
                "at": "2026-01-02 03:04:05+00", "note": null
            }])
        );
    }

    #[test]
    fn column_order_is_kept() {
        let rs = ResultSet {
            columns: vec![col("z", "int4"), col("a", "int4")],
            rows: vec![vec![text("1"), text("2")]],
        };
        let keys: Vec<String> = result_set_to_json(&rs)[0]
            .as_object()
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default();
        assert_eq!(keys, ["z", "a"]);
    }

    #[test]
    fn numbers_that_would_lose_precision_stay_text() {
        let rs = ResultSet {
            columns: vec![
                col("big", "numeric"),
                col("nan", "numeric"),
                col("inf", "float8"),
                col("huge", "int8"),
            ],
            rows: vec![vec![
                text("0.1000000000000000001"),
                text("NaN"),
                text("Infinity"),
                text("9223372036854775807"),
            ]],
        };
        assert_eq!(
            result_set_to_json(&rs),
            json!([{"big": "0.1000000000000000001", "nan": "NaN", "inf": "Infinity", "huge": 9223372036854775807i64}])
        );
    }

    #[test]
    fn sqlite_values_are_typed() {
        let rs = ResultSet {
            columns: vec![
                col("n", "integer"),
                col("x", "real"),
                col("b", "boolean"),
                col("raw", "blob"),
                col("s", ""),
            ],
            rows: vec![vec![
                Cell::Int(3),
                Cell::Real(1.5),
                Cell::Int(1),
                Cell::Blob(vec![1, 0xab]),
                text("hi"),
            ]],
        };
        assert_eq!(
            result_set_to_json(&rs),
            json!([{"n": 3, "x": 1.5, "b": true, "raw": "\\x01ab", "s": "hi"}])
        );
    }

    #[test]
    fn repeated_column_names_are_suffixed() {
        let rs = ResultSet {
            columns: vec![col("a", "int4"), col("a", "int4")],
            rows: vec![vec![text("1"), text("2")]],
        };
        assert_eq!(result_set_to_json(&rs), json!([{"a": 1, "a (2)": 2}]));
    }

    #[test]
    fn malformed_text_stays_text() {
        let rs = ResultSet {
            columns: vec![col("doc", "json"), col("arr", "_int4"), col("flag", "bool")],
            rows: vec![vec![text("{not json"), text("{1,"), text("maybe")]],
        };
        assert_eq!(
            result_set_to_json(&rs),
            json!([{"doc": "{not json", "arr": "{1,", "flag": "maybe"}])
        );
    }

    #[test]
    fn limit_takes_the_first_rows() {
        let rs = ResultSet {
            columns: vec![col("n", "int4")],
            rows: (0..5).map(|i| vec![text(&i.to_string())]).collect(),
        };
        assert_eq!(rows_to_json(&rs, 2), json!([{"n": 0}, {"n": 1}]));
    }
}
