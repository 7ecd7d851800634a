//! Typed rule arguments: the kind of value a column holds, read from its catalogue type, and
//! whether a `range` bound or an `accepted_values` value written in a spec is one of them. Run
//! by [`super::validate`] before any SQL, so `range: {min: abc}` on a numeric column is a
//! located config error, not a check comparing text (SQLite) or a database error (PostgreSQL).
//!
//! The test is what the engine would sensibly accept: `1e3` and `'10'` for a number, ISO 8601
//! dates and timestamps, PostgreSQL's boolean spellings. Kinds we cannot judge (arrays,
//! intervals, user types) accept anything; the validation probe still runs the SQL.

use super::catalog::{ColumnInfo, TypeCategory};
use crate::project::{Engine, Value};
use chrono::{NaiveDate, NaiveTime};

/// The kind of value a column holds, as far as checking spec values goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    Integer,
    /// Any number: `numeric`, `real`, `double precision` (SQLite: REAL and NUMERIC affinity).
    Decimal,
    Boolean,
    Date,
    /// A timestamp with or without time zone (a date alone is midnight).
    Timestamp,
    Uuid,
    Json,
    /// Text, and PostgreSQL enums (compared as text: an unknown label is a violation).
    Text,
    /// Anything else: not checked here.
    Other,
}

impl ValueKind {
    /// What a value of this kind is, for the error's message.
    fn noun(self) -> &'static str {
        match self {
            ValueKind::Integer => "a whole number",
            ValueKind::Decimal => "a number",
            ValueKind::Boolean => "a boolean",
            ValueKind::Date => "a date",
            ValueKind::Timestamp => "a timestamp",
            ValueKind::Uuid => "a UUID",
            ValueKind::Json => "JSON",
            ValueKind::Text | ValueKind::Other => "a value",
        }
    }

    /// What a value of this kind looks like, for the error's help line.
    fn expected(self) -> &'static str {
        match self {
            ValueKind::Integer => "a whole number, like 10 or '10'",
            ValueKind::Decimal => "a number, like 10, 2.5 or 1e3",
            ValueKind::Boolean => "true or false",
            ValueKind::Date => "an ISO 8601 date, like 2024-01-31",
            ValueKind::Timestamp => {
                "an ISO 8601 timestamp, like 2024-01-31 or 2024-01-31T12:00:00Z"
            }
            ValueKind::Uuid => "a UUID, like 123e4567-e89b-12d3-a456-426614174000",
            ValueKind::Json => "JSON text, like '{\"a\": 1}'",
            ValueKind::Text | ValueKind::Other => "a value",
        }
    }
}

/// The kind of `column` on `engine`: by PostgreSQL's type name (`format_type`, modifiers and
/// all), else by SQLite's affinity rules, falling back to the column's [`TypeCategory`].
pub fn kind_of(engine: Engine, column: &ColumnInfo) -> ValueKind {
    match engine {
        Engine::Postgres => postgres_kind(&column.type_name, column.category),
        Engine::Sqlite => sqlite_kind(&column.type_name),
        Engine::Mysql | Engine::Mariadb => ValueKind::Other,
    }
}

/// `format_type` output (`integer`, `numeric(10,2)`, `timestamp(3) with time zone`,
/// `character varying(20)`, `integer[]`) → kind. Domains and user types go by category.
fn postgres_kind(type_name: &str, category: TypeCategory) -> ValueKind {
    if type_name.ends_with(']') {
        return ValueKind::Other;
    }
    // Drop modifiers: `timestamp(3) with time zone` → `timestamp with time zone`.
    let mut base = String::new();
    let mut depth = 0;
    for c in type_name.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            c if depth == 0 => base.push(c),
            _ => {}
        }
    }
    let base = base.split_whitespace().collect::<Vec<_>>().join(" ");
    match base.as_str() {
        "smallint" | "integer" | "bigint" | "oid" => ValueKind::Integer,
        "numeric" | "real" | "double precision" => ValueKind::Decimal,
        "boolean" => ValueKind::Boolean,
        "date" => ValueKind::Date,
        "timestamp without time zone" | "timestamp with time zone" => ValueKind::Timestamp,
        "uuid" => ValueKind::Uuid,
        "json" | "jsonb" => ValueKind::Json,
        "text" | "character varying" | "character" | "name" | "citext" => ValueKind::Text,
        // `money` is numeric to the catalogue but takes `$1.00`: not judged here.
        "money" => ValueKind::Other,
        _ => match category {
            TypeCategory::Numeric => ValueKind::Decimal,
            TypeCategory::Boolean => ValueKind::Boolean,
            TypeCategory::DateTime => ValueKind::Timestamp,
            TypeCategory::Text | TypeCategory::Enum => ValueKind::Text,
            TypeCategory::Other => ValueKind::Other,
        },
    }
}

/// SQLite's declared type → kind, by the affinity rules of "Datatypes In SQLite" (3.1), with
/// dates, timestamps and booleans told apart by name, since SQLite stores them as text or
/// numbers. `DATETIME` and `TIMESTAMP` are timestamps; `TIME` alone is not judged.
fn sqlite_kind(declared: &str) -> ValueKind {
    let t = declared.to_ascii_uppercase();
    if t.contains("DATETIME") || t.contains("TIMESTAMP") {
        ValueKind::Timestamp
    } else if t.contains("DATE") {
        ValueKind::Date
    } else if t.contains("TIME") {
        ValueKind::Other
    } else if t.contains("BOOL") {
        ValueKind::Boolean
    } else if t.contains("INT") {
        ValueKind::Integer
    } else if t.contains("CHAR") || t.contains("CLOB") || t.contains("TEXT") {
        ValueKind::Text
    } else if t.contains("UUID") {
        ValueKind::Uuid
    } else if t.contains("JSON") {
        ValueKind::Json
    } else if t.is_empty() || t.contains("BLOB") {
        ValueKind::Other
    } else if t.contains("REAL")
        || t.contains("FLOA")
        || t.contains("DOUB")
        || t.contains("NUM")
        || t.contains("DEC")
    {
        ValueKind::Decimal
    } else {
        ValueKind::Other
    }
}

/// Why a value does not fit a column: what it should have been, and the help line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Misfit {
    /// `a number`, `a date`, …
    pub expected: &'static str,
    pub help: String,
}

/// Whether `value` is something a column of `kind` holds on `engine`.
pub fn check_value(engine: Engine, kind: ValueKind, value: &Value) -> Result<(), Misfit> {
    let fits = match value {
        Value::Null => true,
        Value::Number(n) => number_fits(engine, kind, n),
        Value::Bool(_) => matches!(
            kind,
            ValueKind::Boolean | ValueKind::Text | ValueKind::Json | ValueKind::Other
        ),
        Value::String(s) => text_fits(engine, kind, s),
        Value::Array(_) | Value::Object(_) => matches!(kind, ValueKind::Json | ValueKind::Other),
    };
    if fits {
        Ok(())
    } else {
        Err(Misfit {
            expected: kind.noun(),
            help: format!("write {}", kind.expected()),
        })
    }
}

fn number_fits(engine: Engine, kind: ValueKind, n: &serde_json::Number) -> bool {
    match kind {
        // A fractional bound on an integer column compares as a number: sensible.
        ValueKind::Integer | ValueKind::Decimal => true,
        // PostgreSQL reads '1' and '0' as booleans; SQLite stores booleans as 1 and 0.
        ValueKind::Boolean => n.as_u64().is_some_and(|u| u <= 1),
        // SQLite dates may be Julian day numbers or Unix times; PostgreSQL has no such cast.
        ValueKind::Date | ValueKind::Timestamp => engine == Engine::Sqlite,
        ValueKind::Uuid => false,
        ValueKind::Json | ValueKind::Text | ValueKind::Other => true,
    }
}

fn text_fits(engine: Engine, kind: ValueKind, s: &str) -> bool {
    let t = s.trim();
    match kind {
        ValueKind::Integer => {
            let digits = t.strip_prefix(['+', '-']).unwrap_or(t);
            !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit())
        }
        ValueKind::Decimal => decimal(engine, t),
        ValueKind::Boolean => boolean(engine, t),
        ValueKind::Date => date(engine, t, false),
        ValueKind::Timestamp => date(engine, t, true),
        ValueKind::Uuid => uuid(t),
        ValueKind::Json => serde_json::from_str::<serde_json::Value>(s).is_ok(),
        ValueKind::Text | ValueKind::Other => true,
    }
}

/// `12`, `-2.5`, `.5`, `1e3`; on PostgreSQL also `NaN` and `Infinity`, which numeric and
/// floating types accept.
fn decimal(engine: Engine, t: &str) -> bool {
    let body = t.strip_prefix(['+', '-']).unwrap_or(t);
    let special = ["nan", "infinity", "inf"]
        .iter()
        .any(|w| body.eq_ignore_ascii_case(w));
    if special {
        return engine == Engine::Postgres;
    }
    // Only digits, a point and an exponent: Rust's parser would take `inf` and `nan` too.
    body.chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-'))
        && t.parse::<f64>().is_ok()
}

/// PostgreSQL's boolean input (`t`, `true`, `yes`, `on`, `1` and their opposites, any case, or
/// a unique prefix); on SQLite, where booleans are 1 and 0, only those two and true/false.
fn boolean(engine: Engine, t: &str) -> bool {
    let lower = t.to_ascii_lowercase();
    match engine {
        Engine::Postgres => {
            let words = ["true", "false", "yes", "no", "on", "off", "1", "0"];
            // `o` alone is ambiguous (on/off), as PostgreSQL says too.
            !lower.is_empty() && lower != "o" && words.iter().any(|w| w.starts_with(lower.as_str()))
        }
        Engine::Sqlite | Engine::Mysql | Engine::Mariadb => {
            matches!(lower.as_str(), "1" | "0")
        }
    }
}

/// An ISO 8601 date (`2024-01-31`), or with `timestamp` a date and time (`T` or a space
/// between, seconds and fraction optional, then `Z` or an offset); PostgreSQL's special
/// values (`infinity`, `today`, …) on PostgreSQL. A date column on PostgreSQL also takes a
/// timestamp (the time is dropped), so it is accepted there.
fn date(engine: Engine, t: &str, timestamp: bool) -> bool {
    if engine == Engine::Postgres {
        let specials = [
            "infinity",
            "-infinity",
            "epoch",
            "today",
            "tomorrow",
            "yesterday",
            "now",
        ];
        if specials.iter().any(|w| t.eq_ignore_ascii_case(w)) {
            return true;
        }
    }
    let (day, rest) = match t.char_indices().nth(10) {
        Some((i, _)) => t.split_at(i),
        None => (t, ""),
    };
    if NaiveDate::parse_from_str(day, "%Y-%m-%d").is_err() || day.len() != 10 {
        return false;
    }
    if rest.is_empty() {
        return true;
    }
    if !timestamp && engine != Engine::Postgres {
        return false;
    }
    let Some(time) = rest.strip_prefix(['T', 't', ' ']) else {
        return false;
    };
    time_of_day(time)
}

/// `12:30`, `12:30:00`, `12:30:00.123`, each optionally followed by `Z` or `±HH[:MM]`.
fn time_of_day(t: &str) -> bool {
    let split = t
        .char_indices()
        .skip(5)
        .find(|(_, c)| matches!(c, 'Z' | 'z' | '+' | '-'))
        .map_or(t.len(), |(i, _)| i);
    let (clock, zone) = t.split_at(split);
    let clock_ok = ["%H:%M:%S%.f", "%H:%M"]
        .iter()
        .any(|f| NaiveTime::parse_from_str(clock, f).is_ok());
    let zone_ok = match zone {
        "" | "Z" | "z" => true,
        z => {
            let digits: String = z[1..].chars().filter(|c| *c != ':').collect();
            matches!(digits.len(), 2 | 4)
                && digits.chars().all(|c| c.is_ascii_digit())
                && digits[..2].parse::<u32>().is_ok_and(|h| h <= 15)
        }
    };
    clock_ok && zone_ok
}

/// 32 hex digits, hyphens anywhere PostgreSQL allows them (we allow them anywhere), optionally
/// in braces.
fn uuid(t: &str) -> bool {
    let inner = t
        .strip_prefix('{')
        .and_then(|r| r.strip_suffix('}'))
        .unwrap_or(t);
    let hex: Vec<char> = inner.chars().filter(|c| *c != '-').collect();
    hex.len() == 32 && hex.iter().all(char::is_ascii_hexdigit)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn col(type_name: &str, category: TypeCategory) -> ColumnInfo {
        ColumnInfo {
            name: "c".into(),
            type_name: type_name.into(),
            category,
            not_null_by: None,
        }
    }

    #[test]
    fn postgres_types_map_by_name_then_category() {
        let pg = |t: &str, c| kind_of(Engine::Postgres, &col(t, c));
        use TypeCategory as C;
        assert_eq!(pg("integer", C::Numeric), ValueKind::Integer);
        assert_eq!(pg("bigint", C::Numeric), ValueKind::Integer);
        assert_eq!(pg("numeric(10,2)", C::Numeric), ValueKind::Decimal);
        assert_eq!(pg("double precision", C::Numeric), ValueKind::Decimal);
        assert_eq!(
            pg("timestamp(3) with time zone", C::DateTime),
            ValueKind::Timestamp
        );
        assert_eq!(pg("date", C::DateTime), ValueKind::Date);
        assert_eq!(pg("character varying(20)", C::Text), ValueKind::Text);
        assert_eq!(pg("uuid", C::Other), ValueKind::Uuid);
        assert_eq!(pg("jsonb", C::Other), ValueKind::Json);
        assert_eq!(pg("integer[]", C::Other), ValueKind::Other);
        assert_eq!(pg("money", C::Numeric), ValueKind::Other);
        assert_eq!(pg("positive_int", C::Numeric), ValueKind::Decimal);
        assert_eq!(pg("mood", C::Enum), ValueKind::Text);
        assert_eq!(pg("interval", C::Other), ValueKind::Other);
    }

    #[test]
    fn sqlite_types_map_by_affinity() {
        let lite = |t: &str| kind_of(Engine::Sqlite, &col(t, TypeCategory::Other));
        assert_eq!(lite("INTEGER"), ValueKind::Integer);
        assert_eq!(lite("int"), ValueKind::Integer);
        assert_eq!(lite("BIGINT"), ValueKind::Integer);
        assert_eq!(lite("VARCHAR(20)"), ValueKind::Text);
        assert_eq!(lite("REAL"), ValueKind::Decimal);
        assert_eq!(lite("DECIMAL(10,2)"), ValueKind::Decimal);
        assert_eq!(lite("numeric"), ValueKind::Decimal);
        assert_eq!(lite("DATETIME"), ValueKind::Timestamp);
        assert_eq!(lite("date"), ValueKind::Date);
        assert_eq!(lite("BOOLEAN"), ValueKind::Boolean);
        assert_eq!(lite(""), ValueKind::Other);
        assert_eq!(lite("BLOB"), ValueKind::Other);
        // "POINT" contains "INT": affinity INTEGER, as SQLite itself decides.
        assert_eq!(lite("POINT"), ValueKind::Integer);
    }

    fn ok(engine: Engine, kind: ValueKind, v: Value) -> bool {
        check_value(engine, kind, &v).is_ok()
    }

    #[test]
    fn numbers_accept_what_the_database_reads_as_one() {
        for e in [Engine::Postgres, Engine::Sqlite] {
            assert!(ok(e, ValueKind::Decimal, json!(1e3)));
            assert!(ok(e, ValueKind::Decimal, json!("1e3")));
            assert!(ok(e, ValueKind::Decimal, json!(" -2.5 ")));
            assert!(ok(e, ValueKind::Decimal, json!(".5")));
            assert!(ok(e, ValueKind::Integer, json!("10")));
            assert!(ok(e, ValueKind::Integer, json!(1.5)), "a bound compares");
            assert!(!ok(e, ValueKind::Decimal, json!("abc")));
            assert!(!ok(e, ValueKind::Decimal, json!(true)));
            assert!(!ok(e, ValueKind::Integer, json!("1.5")));
            assert!(!ok(e, ValueKind::Integer, json!("")));
            assert!(!ok(e, ValueKind::Decimal, json!("0x10")));
        }
        assert!(ok(Engine::Postgres, ValueKind::Decimal, json!("NaN")));
        assert!(!ok(Engine::Sqlite, ValueKind::Decimal, json!("inf")));
    }

    #[test]
    fn dates_and_timestamps_accept_iso_forms() {
        let pg = Engine::Postgres;
        let lite = Engine::Sqlite;
        for e in [pg, lite] {
            assert!(ok(e, ValueKind::Date, json!("2024-02-29")));
            assert!(!ok(e, ValueKind::Date, json!("2023-02-29")));
            assert!(!ok(e, ValueKind::Date, json!("not a date")));
            assert!(!ok(e, ValueKind::Date, json!("2024-1-5")));
            assert!(ok(e, ValueKind::Timestamp, json!("2024-01-31")));
            assert!(ok(e, ValueKind::Timestamp, json!("2024-01-31T12:00:00Z")));
            assert!(ok(e, ValueKind::Timestamp, json!("2024-01-31 12:00")));
            assert!(ok(
                e,
                ValueKind::Timestamp,
                json!("2024-01-31T12:00:00.25+02:00")
            ));
            assert!(ok(
                e,
                ValueKind::Timestamp,
                json!("2024-01-31 23:59:59-0530")
            ));
            assert!(!ok(e, ValueKind::Timestamp, json!("2024-01-31 25:00")));
            assert!(!ok(e, ValueKind::Timestamp, json!("2024-01-31x12:00")));
            assert!(!ok(e, ValueKind::Timestamp, json!("yesterday-ish")));
        }
        assert!(ok(pg, ValueKind::Date, json!("infinity")));
        assert!(ok(pg, ValueKind::Timestamp, json!("today")));
        assert!(!ok(lite, ValueKind::Date, json!("today")));
        assert!(ok(pg, ValueKind::Date, json!("2024-01-31 10:00")));
        assert!(!ok(lite, ValueKind::Date, json!("2024-01-31 10:00")));
        assert!(ok(lite, ValueKind::Timestamp, json!(1_700_000_000)));
        assert!(!ok(pg, ValueKind::Date, json!(20240131)));
    }

    #[test]
    fn booleans_uuids_and_json() {
        let pg = Engine::Postgres;
        let lite = Engine::Sqlite;
        for w in ["true", "F", "yes", "off", "1", "t"] {
            assert!(ok(pg, ValueKind::Boolean, json!(w)), "{w}");
        }
        assert!(!ok(pg, ValueKind::Boolean, json!("maybe")));
        assert!(!ok(pg, ValueKind::Boolean, json!("o")));
        assert!(ok(lite, ValueKind::Boolean, json!(true)));
        assert!(ok(lite, ValueKind::Boolean, json!(1)));
        assert!(!ok(lite, ValueKind::Boolean, json!("yes")));
        assert!(!ok(pg, ValueKind::Boolean, json!(2)));
        let id = "123e4567-e89b-12d3-a456-426614174000";
        assert!(ok(pg, ValueKind::Uuid, json!(id)));
        assert!(ok(pg, ValueKind::Uuid, json!(format!("{{{id}}}"))));
        assert!(!ok(pg, ValueKind::Uuid, json!("123e4567")));
        assert!(!ok(pg, ValueKind::Uuid, json!(5)));
        assert!(ok(pg, ValueKind::Json, json!("{\"a\": 1}")));
        assert!(ok(pg, ValueKind::Json, json!(5)));
        assert!(!ok(pg, ValueKind::Json, json!("{a")));
        assert!(ok(pg, ValueKind::Text, json!(5)));
        assert!(ok(pg, ValueKind::Other, json!("anything")));
        assert!(ok(pg, ValueKind::Integer, Value::Null));
        let misfit = check_value(pg, ValueKind::Decimal, &json!("abc")).unwrap_err();
        assert_eq!(misfit.help, "write a number, like 10, 2.5 or 1e3");
    }
}
