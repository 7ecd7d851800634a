//! Tests of [`value_matches`]: each rule, passing and failing.

use super::*;
use serde_json::json;

fn col(type_name: &str) -> Column {
    Column {
        name: "c".into(),
        type_name: type_name.into(),
    }
}

fn text(s: &str) -> Cell {
    Cell::Text(s.into())
}

/// Whether `expected` matches the text cell `cell` in a column of `type_name`.
fn pg(type_name: &str, expected: Value, cell: &str) -> bool {
    value_matches(&expected, &col(type_name), &text(cell))
}

#[test]
fn type_names_pick_kinds() {
    assert_eq!(Kind::of("int4"), Kind::Int);
    assert_eq!(Kind::of("INTEGER"), Kind::Int);
    assert_eq!(Kind::of("NUMERIC(10, 2)"), Kind::Numeric);
    assert_eq!(Kind::of("decimal"), Kind::Numeric);
    assert_eq!(Kind::of("float4"), Kind::Float4);
    assert_eq!(Kind::of("double precision"), Kind::Float8);
    assert_eq!(Kind::of("timestamp(3) with time zone"), Kind::Timestamp);
    assert_eq!(Kind::of("datetime"), Kind::Timestamp);
    assert_eq!(Kind::of("_int4"), Kind::Array(Box::new(Kind::Int)));
    assert_eq!(Kind::of("integer[]"), Kind::Array(Box::new(Kind::Int)));
    assert_eq!(Kind::of("_jsonb"), Kind::Array(Box::new(Kind::Json)));
    assert_eq!(Kind::of("varchar(20)"), Kind::Text);
    assert_eq!(Kind::of("order_status"), Kind::Text);
    assert_eq!(Kind::of("interval"), Kind::Text);
    assert_eq!(Kind::of(""), Kind::Text);
    assert_eq!(Kind::of("_"), Kind::Text);
}

#[test]
fn null_only_equals_null() {
    assert!(value_matches(&Value::Null, &col("int4"), &Cell::Null));
    assert!(value_matches(&Value::Null, &col("text"), &Cell::Null));
    assert!(!value_matches(&Value::Null, &col("text"), &text("")));
    assert!(!value_matches(&Value::Null, &col("text"), &text("NULL")));
    assert!(!value_matches(&Value::Null, &col("integer"), &Cell::Int(0)));
    assert!(!value_matches(&json!(""), &col("text"), &Cell::Null));
    assert!(!value_matches(&json!("NULL"), &col("text"), &Cell::Null));
    assert!(!value_matches(&json!(0), &col("int4"), &Cell::Null));
    assert!(!value_matches(&json!(false), &col("bool"), &Cell::Null));
}

#[test]
fn numerics_compare_by_value() {
    assert!(pg("numeric", json!(108), "108.00"));
    assert!(pg("numeric", json!(108.0), "108.00"));
    assert!(pg("numeric", json!(108.5), "108.50"));
    assert!(pg("numeric", json!(1e3), "1000"));
    assert!(pg("int8", json!(-42), "-42"));
    assert!(pg("numeric", json!(0), "-0.00"));
    assert!(!pg("numeric", json!(108), "108.01"));
    assert!(!pg("int4", json!(-1), "1"));
    assert!(!pg("numeric", json!(true), "1"));
}

#[test]
fn numeric_strings_compare_by_value() {
    assert!(pg("numeric", json!("1e3"), "1000"));
    assert!(pg("numeric", json!("108"), "108.00"));
    // Exact beyond what a double holds: quote the number in YAML.
    assert!(pg(
        "numeric",
        json!("12345678901234567890.12"),
        "12345678901234567890.120"
    ));
    assert!(!pg(
        "numeric",
        json!("12345678901234567890.12"),
        "12345678901234567890.13"
    ));
    assert!(!pg("numeric", json!("lots"), "1000"));
    assert!(
        pg("numeric", json!("lots"), "lots"),
        "unreadable numbers fall back to text"
    );
}

#[test]
fn special_numbers() {
    assert!(pg("numeric", json!("NaN"), "NaN"));
    assert!(pg("float8", json!("Infinity"), "Infinity"));
    assert!(pg("float8", json!("-inf"), "-Infinity"));
    assert!(pg("float8", json!(".inf"), "Infinity"));
    assert!(!pg("float8", json!("Infinity"), "-Infinity"));
    assert!(!pg("float8", json!("NaN"), "0"));
    assert!(!pg("float8", json!(0), "NaN"));
}

#[test]
fn floats_fall_back_to_binary_equality() {
    assert!(pg("float8", json!(0.1), "0.1"));
    assert!(pg(
        "float8",
        json!(0.30000000000000004),
        "0.30000000000000004"
    ));
    assert!(!pg("float8", json!(0.3), "0.30000000000000004"));
    // Decimal spellings that name the same double: equal for floats, not for numerics.
    assert!(pg("float8", json!("0.1000000000000000000001"), "0.1"));
    assert!(!pg("numeric", json!("0.1000000000000000000001"), "0.1"));
    // float4 is compared at its own precision.
    assert!(pg("float4", json!(0.1), "0.100000001"));
    assert!(!pg("float4", json!(0.2), "0.100000001"));
}

#[test]
fn money_ignores_currency_formatting() {
    assert!(pg("money", json!(1234.56), "$1,234.56"));
    assert!(pg("money", json!("$1,234.56"), "$1,234.56"));
    assert!(pg("money", json!(-5), "-$5.00"));
    assert!(!pg("money", json!(1234.5), "$1,234.56"));
}

#[test]
fn postgres_booleans() {
    assert!(pg("bool", json!(true), "t"));
    assert!(pg("bool", json!(false), "f"));
    assert!(pg("bool", json!("true"), "t"));
    assert!(pg("bool", json!("false"), "f"));
    assert!(pg("bool", json!("f"), "f"));
    assert!(!pg("bool", json!(true), "f"));
    assert!(!pg("bool", json!("false"), "t"));
    assert!(!pg("bool", json!(1), "t"), "a number is not a boolean");
}

#[test]
fn sqlite_booleans_are_integers() {
    let boolean = col("boolean");
    assert!(value_matches(&json!(true), &boolean, &Cell::Int(1)));
    assert!(value_matches(&json!(false), &boolean, &Cell::Int(0)));
    assert!(value_matches(&json!("true"), &boolean, &Cell::Int(1)));
    assert!(value_matches(&json!(1), &boolean, &Cell::Int(1)));
    assert!(!value_matches(&json!(true), &boolean, &Cell::Int(0)));
    assert!(!value_matches(&json!(true), &boolean, &Cell::Int(2)));
    // Without a declared type, a YAML boolean still reads SQLite's 0/1.
    assert!(value_matches(&json!(true), &col(""), &Cell::Int(1)));
}

#[test]
fn sqlite_numbers() {
    let integer = col("integer");
    assert!(value_matches(&json!(42), &integer, &Cell::Int(42)));
    assert!(value_matches(&json!(42.0), &integer, &Cell::Int(42)));
    assert!(value_matches(&json!("42"), &integer, &Cell::Int(42)));
    assert!(value_matches(&json!(1e3), &col(""), &Cell::Int(1000)));
    assert!(!value_matches(&json!(43), &integer, &Cell::Int(42)));
    assert!(!value_matches(
        &json!("forty-two"),
        &integer,
        &Cell::Int(42)
    ));
    assert!(!value_matches(&json!([42]), &integer, &Cell::Int(42)));

    let real = col("real");
    assert!(value_matches(&json!(108), &real, &Cell::Real(108.0)));
    assert!(value_matches(&json!(1.5), &real, &Cell::Real(1.5)));
    assert!(value_matches(&json!("1.50"), &real, &Cell::Real(1.5)));
    assert!(value_matches(&json!("NaN"), &real, &Cell::Real(f64::NAN)));
    assert!(!value_matches(&json!(0.3), &real, &Cell::Real(0.1 + 0.2)));
    assert!(!value_matches(&json!(true), &real, &Cell::Real(1.0)));
    // SQLite's `numeric` affinity keeps non-numeric text as TEXT: compared as text.
    assert!(value_matches(&json!("n/a"), &col("numeric"), &text("n/a")));
}

#[test]
fn sqlite_unix_seconds_in_a_datetime_column() {
    let datetime = col("datetime");
    assert!(value_matches(
        &json!("2026-01-02T03:04:05Z"),
        &datetime,
        &Cell::Int(1_767_323_045)
    ));
    assert!(!value_matches(
        &json!("2026-01-02T03:04:06Z"),
        &datetime,
        &Cell::Int(1_767_323_045)
    ));
    assert!(!value_matches(
        &json!("2026-01-02T03:04:05Z"),
        &col("integer"),
        &Cell::Int(1_767_323_045)
    ));
}

#[test]
fn timestamptz_compares_as_instants() {
    assert!(pg(
        "timestamptz",
        json!("2026-01-02T03:04:05.123Z"),
        "2026-01-02 03:04:05.123+00"
    ));
    assert!(pg(
        "timestamptz",
        json!("2026-01-02 03:04:05.123+00:00"),
        "2026-01-02 03:04:05.123+00"
    ));
    assert!(pg(
        "timestamptz",
        json!("2026-01-02 04:04:05.123+01"),
        "2026-01-02 03:04:05.123+00"
    ));
    assert!(pg(
        "timestamptz",
        json!("2026-01-02 03:04:05.123"),
        "2026-01-02 03:04:05.123+00"
    ));
    assert!(!pg(
        "timestamptz",
        json!("2026-01-02 03:04:05.123+01"),
        "2026-01-02 03:04:05.123+00"
    ));
    assert!(!pg(
        "timestamptz",
        json!("2026-01-02 03:04:05"),
        "2026-01-02 03:04:05.123+00"
    ));
    assert!(
        pg("timestamptz", json!("infinity"), "infinity"),
        "unreadable timestamps fall back to text"
    );
}

#[test]
fn timestamp_without_zone_is_naive() {
    assert!(pg(
        "timestamp",
        json!("2026-01-02 03:04:05"),
        "2026-01-02 03:04:05"
    ));
    assert!(pg(
        "timestamp",
        json!("2026-01-02T03:04:05"),
        "2026-01-02 03:04:05"
    ));
    // An offset on the expected side converts to UTC.
    assert!(pg(
        "timestamp",
        json!("2026-01-02T05:04:05+02:00"),
        "2026-01-02 03:04:05"
    ));
    assert!(pg("timestamp", json!("2026-01-02"), "2026-01-02 00:00:00"));
    assert!(!pg(
        "timestamp",
        json!("2026-01-02 03:04:06"),
        "2026-01-02 03:04:05"
    ));
}

#[test]
fn dates_and_times() {
    assert!(pg("date", json!("2026-01-02"), "2026-01-02"));
    assert!(!pg("date", json!("2026-01-03"), "2026-01-02"));
    assert!(!pg("date", json!("2026-01-02 00:00:00"), "2026-01-02"));
    assert!(pg("time", json!("03:04:05.500"), "03:04:05.5"));
    assert!(pg("time", json!("03:04"), "03:04:00"));
    assert!(!pg("time", json!("03:04:06"), "03:04:05"));
    assert!(pg("timetz", json!("04:04:05+01"), "03:04:05+00"));
    assert!(!pg("timetz", json!("03:04:05+01"), "03:04:05+00"));
}

#[test]
fn sqlite_text_timestamps_compare_as_instants() {
    let untyped = col("");
    assert!(value_matches(
        &json!("2026-01-02T03:04:05Z"),
        &untyped,
        &text("2026-01-02 03:04:05")
    ));
    assert!(value_matches(
        &json!("2026-01-02 03:04:05+00:00"),
        &col("text"),
        &text("2026-01-02T03:04:05.000Z")
    ));
    assert!(!value_matches(
        &json!("2026-01-02T03:04:05Z"),
        &untyped,
        &text("2026-01-02 03:04:06")
    ));
    // A date alone is not read as a timestamp in a text column.
    assert!(!value_matches(
        &json!("2026-01-02"),
        &untyped,
        &text("2026-01-02 00:00:00")
    ));
}

#[test]
fn text_is_exact() {
    assert!(pg("text", json!("Ann"), "Ann"));
    assert!(!pg("text", json!("ann"), "Ann"));
    assert!(!pg("text", json!("Ann "), "Ann"));
    assert!(pg("varchar", json!(""), ""));
    assert!(
        pg("paid_status", json!("paid"), "paid"),
        "enums compare as text"
    );
    assert!(!pg("paid_status", json!("shipped"), "paid"));
    assert!(pg("interval", json!("1 day 02:00:00"), "1 day 02:00:00"));
}

#[test]
fn char_ignores_trailing_blanks_like_postgres() {
    assert_eq!(Kind::of("bpchar"), Kind::Char);
    assert!(pg("bpchar", json!("AB"), "AB  "));
    assert!(pg("bpchar", json!("AB "), "AB"));
    assert!(pg("bpchar", json!(12), "12  "));
    assert!(!pg("bpchar", json!(" AB"), "AB  "), "leading blanks count");
    assert!(!pg("bpchar", json!("AC"), "AB  "));
    assert!(
        !pg("text", json!("AB"), "AB  "),
        "text keeps trailing blanks"
    );
}

#[test]
fn yaml_numbers_and_booleans_against_text_use_their_text_form() {
    assert!(pg("text", json!(42), "42"));
    assert!(!pg("text", json!(42), "42.0"));
    assert!(pg("text", json!(1.5), "1.5"));
    assert!(pg("text", json!(true), "true"));
    assert!(!pg("text", json!(true), "t"));
    assert!(value_matches(&json!(5), &col("text"), &text("5")));
}

#[test]
fn uuid_ignores_case() {
    let id = "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11";
    assert!(pg(
        "uuid",
        json!("A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11"),
        id
    ));
    assert!(pg("uuid", json!("{a0eebc999c0b4ef8bb6d6bb9bd380a11}"), id));
    assert!(!pg(
        "uuid",
        json!("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a12"),
        id
    ));
}

#[test]
fn json_compares_structurally() {
    let cell = r#"{"a": 1, "b": [true, null, "x"]}"#;
    assert!(pg("jsonb", json!({"b": [true, null, "x"], "a": 1}), cell));
    assert!(pg("jsonb", json!({"a": 1.0, "b": [true, null, "x"]}), cell));
    assert!(pg("json", json!(r#"{"b":[true,null,"x"],"a":1}"#), cell));
    assert!(!pg("jsonb", json!({"a": 2, "b": [true, null, "x"]}), cell));
    assert!(!pg("jsonb", json!({"a": 1}), cell));
    assert!(!pg("jsonb", json!({"a": 1, "b": [null, true, "x"]}), cell));
    assert!(pg("jsonb", json!([1, 2]), "[1, 2]"));
    assert!(pg("jsonb", json!(5), "5"));
    assert!(
        pg("jsonb", json!("hello"), r#""hello""#),
        "a plain string is a JSON string"
    );
    assert!(
        pg("jsonb", json!("null"), "null"),
        "JSON null is written as the string null"
    );
    assert!(!pg("jsonb", json!("hello"), r#""bye""#));
}

#[test]
fn sqlite_json_text_compares_structurally_against_maps_and_lists() {
    let untyped = col("");
    assert!(value_matches(
        &json!({"a": [1, 2]}),
        &untyped,
        &text(r#"{"a":[1,2]}"#)
    ));
    assert!(value_matches(
        &json!([1, "x"]),
        &col("text"),
        &text(r#"[1, "x"]"#)
    ));
    assert!(value_matches(
        &json!({"a": 1}),
        &col("json"),
        &text(r#"{"a":1}"#)
    ));
    assert!(!value_matches(
        &json!({"a": [1, 2]}),
        &untyped,
        &text(r#"{"a":[2,1]}"#)
    ));
    assert!(!value_matches(
        &json!({"a": 1}),
        &untyped,
        &text("not json")
    ));
}

#[test]
fn arrays_compare_element_wise() {
    assert!(pg("_int4", json!([1, 2, null]), "{1,2,NULL}"));
    assert!(pg("_numeric", json!([1, 2.5]), "{1.00,2.50}"));
    assert!(pg("_text", json!(["a b", "c\"d"]), r#"{"a b","c\"d"}"#));
    assert!(pg("_int4", json!([[1, 2], [3, 4]]), "{{1,2},{3,4}}"));
    assert!(pg("_int4", json!([]), "{}"));
    assert!(pg("_bool", json!([true, false]), "{t,f}"));
    assert!(pg(
        "_timestamptz",
        json!(["2026-01-02T03:04:05Z"]),
        r#"{"2026-01-02 03:04:05+00"}"#
    ));
    assert!(pg("_jsonb", json!([{"a": 1}]), r#"{"{\"a\": 1}"}"#));
    assert!(!pg("_int4", json!([1, 2]), "{1,2,NULL}"));
    assert!(!pg("_int4", json!([2, 1]), "{1,2}"));
    assert!(!pg("_int4", json!([1, 2]), "{{1,2}}"));
    assert!(!pg("_int4", json!([[1], [2]]), "{1,2}"));
    assert!(
        !pg("_text", json!(["NULL"]), "{NULL}"),
        "an unquoted NULL element is SQL NULL"
    );
    assert!(pg("_text", json!(["NULL"]), r#"{"NULL"}"#));
}

#[test]
fn arrays_written_as_postgres_text() {
    assert!(pg("_int4", json!("{1,2}"), "{1,2}"));
    assert!(pg("_numeric", json!("{1, 2.0}"), "{1.00,2}"));
    assert!(!pg("_int4", json!("{1,3}"), "{1,2}"));
    assert!(!pg("_int4", json!(1), "{1}"));
}

#[test]
fn bytea_and_blobs() {
    assert!(pg("bytea", json!("\\x0102ff"), "\\x0102ff"));
    assert!(pg("bytea", json!("\\x0102FF"), "\\x0102ff"));
    assert!(
        pg("bytea", json!("abc"), "\\x616263"),
        "plain text means its bytes"
    );
    assert!(!pg("bytea", json!("\\x0103"), "\\x0102"));
    let blob = col("blob");
    assert!(value_matches(
        &json!("\\x0102"),
        &blob,
        &Cell::Blob(vec![1, 2])
    ));
    assert!(value_matches(
        &json!("hi"),
        &blob,
        &Cell::Blob(b"hi".to_vec())
    ));
    assert!(!value_matches(
        &json!("\\x0103"),
        &blob,
        &Cell::Blob(vec![1, 2])
    ));
    assert!(!value_matches(&json!(12), &blob, &Cell::Blob(vec![1, 2])));
}

#[test]
fn json_eq_is_order_insensitive_for_objects_only() {
    assert!(json_eq(&json!({"a": 1, "b": 2}), &json!({"b": 2, "a": 1})));
    assert!(json_eq(&json!([1.0, {"x": 2}]), &json!([1, {"x": 2.00}])));
    assert!(!json_eq(&json!([1, 2]), &json!([2, 1])));
    assert!(!json_eq(&json!({"a": null}), &json!({})));
    assert!(!json_eq(&json!("1"), &json!(1)));
}

#[test]
fn uuid_shaped_text_ignores_case_on_text_columns() {
    let col = Column {
        name: "id".into(),
        type_name: "text".into(),
    };
    let cell = Cell::Text("7d444840-9dc0-11d1-b245-5ffdce74fad2".into());
    assert!(value_matches(
        &json!("7D444840-9DC0-11D1-B245-5FFDCE74FAD2"),
        &col,
        &cell
    ));
    assert!(!value_matches(
        &json!("ABC"),
        &col,
        &Cell::Text("abc".into())
    ));
}
