//! Reading result cells: counts, flags and names from aggregate and catalogue queries, and
//! sample rows as JSON objects for the reports.

use crate::dialect::{Cell, ResultSet};
use serde_json::{Map, Number, Value};

/// The cell as text (`None` for NULL). PostgreSQL gives every value as text; SQLite by class.
pub(crate) fn text(cell: &Cell) -> Option<String> {
    match cell {
        Cell::Null => None,
        Cell::Text(s) => Some(s.clone()),
        Cell::Int(i) => Some(i.to_string()),
        Cell::Real(f) => Some(f.to_string()),
        Cell::Blob(b) => Some(hex(b)),
    }
}

/// A count or sum; NULL (a sum over no rows) is 0, and so is anything unreadable.
pub(crate) fn count(cell: &Cell) -> u64 {
    match cell {
        Cell::Int(i) => u64::try_from(*i).unwrap_or(0),
        Cell::Real(f) if *f >= 0.0 => *f as u64,
        Cell::Text(s) => {
            let s = s.trim();
            s.parse::<u64>()
                .ok()
                .or_else(|| {
                    s.parse::<f64>()
                        .ok()
                        .filter(|f| *f >= 0.0)
                        .map(|f| f as u64)
                })
                .unwrap_or(0)
        }
        Cell::Real(_) | Cell::Null | Cell::Blob(_) => 0,
    }
}

/// A floating-point number, if the cell holds one.
pub(crate) fn float(cell: &Cell) -> Option<f64> {
    match cell {
        Cell::Int(i) => Some(*i as f64),
        Cell::Real(f) => Some(*f),
        Cell::Text(s) => s.trim().parse().ok(),
        Cell::Null | Cell::Blob(_) => None,
    }
}

/// A boolean flag: PostgreSQL's `t`/`f`, SQLite's 1/0.
pub(crate) fn flag(cell: &Cell) -> bool {
    match cell {
        Cell::Int(i) => *i != 0,
        Cell::Real(f) => *f != 0.0,
        Cell::Text(s) => matches!(s.as_str(), "t" | "true" | "1"),
        Cell::Null | Cell::Blob(_) => false,
    }
}

/// The `i`th cell of the first row, or NULL when there is none.
pub(crate) fn first(rs: &ResultSet, i: usize) -> &Cell {
    rs.rows
        .first()
        .and_then(|r| r.get(i))
        .unwrap_or(&Cell::Null)
}

/// Rows as JSON objects keyed by column name (a repeated name gets `_2`, `_3`, …), values
/// typed by the column's type: integers, floats and booleans become JSON numbers and booleans,
/// JSON columns are parsed, everything else stays the engine's text.
pub(crate) fn sample_rows(rs: &ResultSet, skip_last: usize) -> Vec<Map<String, Value>> {
    let width = rs.columns.len().saturating_sub(skip_last);
    let mut names: Vec<String> = Vec::with_capacity(width);
    for c in rs.columns.iter().take(width) {
        let mut name = c.name.clone();
        let mut n = 2;
        while names.contains(&name) {
            name = format!("{}_{n}", c.name);
            n += 1;
        }
        names.push(name);
    }
    rs.rows
        .iter()
        .map(|row| {
            names
                .iter()
                .zip(row.iter())
                .zip(rs.columns.iter())
                .map(|((name, cell), column)| (name.clone(), json(cell, &column.type_name)))
                .collect()
        })
        .collect()
}

/// One cell as JSON, typed by the column's type name.
pub(crate) fn json(cell: &Cell, type_name: &str) -> Value {
    match cell {
        Cell::Null => Value::Null,
        Cell::Int(i) => Value::from(*i),
        Cell::Real(f) => Number::from_f64(*f)
            .map(Value::Number)
            .unwrap_or_else(|| Value::String(f.to_string())),
        Cell::Blob(b) => Value::String(hex(b)),
        Cell::Text(s) => match type_name {
            "int2" | "int4" | "int8" | "oid" => s
                .parse::<i64>()
                .map(Value::from)
                .unwrap_or_else(|_| Value::String(s.clone())),
            "float4" | "float8" => s
                .parse::<f64>()
                .ok()
                .and_then(Number::from_f64)
                .map(Value::Number)
                .unwrap_or_else(|| Value::String(s.clone())),
            "bool" => match s.as_str() {
                "t" => Value::Bool(true),
                "f" => Value::Bool(false),
                _ => Value::String(s.clone()),
            },
            "json" | "jsonb" => {
                serde_json::from_str(s).unwrap_or_else(|_| Value::String(s.clone()))
            }
            _ => Value::String(s.clone()),
        },
    }
}

fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(2 + bytes.len() * 2);
    out.push_str("\\x");
    for b in bytes {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialect::Column;

    #[test]
    fn counts_read_every_engine_form() {
        assert_eq!(count(&Cell::Text("42".into())), 42);
        assert_eq!(count(&Cell::Text("7.0".into())), 7);
        assert_eq!(count(&Cell::Int(3)), 3);
        assert_eq!(count(&Cell::Null), 0);
    }

    #[test]
    fn sample_rows_are_typed_and_names_stay_distinct() {
        let rs = ResultSet {
            columns: vec![
                Column {
                    name: "id".into(),
                    type_name: "int4".into(),
                },
                Column {
                    name: "id".into(),
                    type_name: "bool".into(),
                },
                Column {
                    name: "note".into(),
                    type_name: "text".into(),
                },
                Column {
                    name: "n".into(),
                    type_name: "int8".into(),
                },
            ],
            rows: vec![vec![
                Cell::Text("5".into()),
                Cell::Text("t".into()),
                Cell::Null,
                Cell::Text("9".into()),
            ]],
        };
        let rows = sample_rows(&rs, 1);
        assert_eq!(
            Value::Object(rows[0].clone()),
            serde_json::json!({"id": 5, "id_2": true, "note": null})
        );
    }
}
