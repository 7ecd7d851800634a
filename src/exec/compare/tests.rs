//! Tests of [`compare_rows`]: columns, multiset and ordered pairing, messages and details.

use super::*;
use crate::dialect::Column;
use serde_json::json;

/// Expected rows as YAML would give them (keys in written order).
fn rows(value: Value) -> Vec<Row> {
    let Value::Array(items) = value else {
        panic!("rows must be a list")
    };
    items
        .into_iter()
        .map(|item| match item {
            Value::Object(map) => map.into_iter().collect(),
            other => panic!("row must be a map, got {other}"),
        })
        .collect()
}

/// A PostgreSQL-like result: text cells, `None` for NULL.
fn result(columns: &[(&str, &str)], data: &[&[Option<&str>]]) -> ResultSet {
    ResultSet {
        columns: columns
            .iter()
            .map(|(name, ty)| Column {
                name: name.to_string(),
                type_name: ty.to_string(),
            })
            .collect(),
        rows: data
            .iter()
            .map(|row| {
                row.iter()
                    .map(|c| c.map_or(Cell::Null, |t| Cell::Text(t.to_string())))
                    .collect()
            })
            .collect(),
    }
}

/// One int4 column `n` holding the given values.
fn numbers(values: &[&str]) -> ResultSet {
    let data: Vec<Vec<Option<&str>>> = values.iter().map(|v| vec![Some(*v)]).collect();
    let borrowed: Vec<&[Option<&str>]> = data.iter().map(Vec::as_slice).collect();
    result(&[("n", "int4")], &borrowed)
}

fn message(result: Result<(), Mismatch>) -> String {
    match result {
        Ok(()) => panic!("expected a mismatch"),
        Err(mismatch) => mismatch.message,
    }
}

fn orders() -> ResultSet {
    result(
        &[("id", "int4"), ("total", "numeric"), ("note", "text")],
        &[
            &[Some("1"), Some("108.00"), None],
            &[Some("2"), Some("5.50"), Some("gift")],
        ],
    )
}

#[test]
fn matching_rows_pass_with_values_compared_by_type() {
    let expected = rows(json!([{"id": 1, "total": 108}, {"id": 2, "total": 5.5}]));
    assert_eq!(compare_rows(&expected, &orders(), false, false), Ok(()));
    assert_eq!(compare_rows(&expected, &orders(), true, false), Ok(()));
}

#[test]
fn null_is_compared_like_any_value() {
    let expected = rows(json!([{"id": 1, "note": null}, {"id": 2, "note": "gift"}]));
    assert_eq!(compare_rows(&expected, &orders(), false, false), Ok(()));
    let wrong = rows(json!([{"id": 1, "note": ""}, {"id": 2, "note": "gift"}]));
    assert!(compare_rows(&wrong, &orders(), false, false).is_err());
}

#[test]
fn extra_result_columns_are_ignored_unless_exact() {
    let expected = rows(json!([{"id": 1, "total": 108}, {"id": 2, "total": 5.5}]));
    assert_eq!(compare_rows(&expected, &orders(), false, false), Ok(()));
    assert_eq!(
        message(compare_rows(&expected, &orders(), false, true)),
        "the result has 1 column not in expect.rows (columns: exact): note"
    );
}

#[test]
fn exact_columns_pass_in_any_column_order() {
    let expected = rows(
        json!([{"note": null, "total": 108, "id": 1}, {"total": 5.5, "id": 2, "note": "gift"}]),
    );
    assert_eq!(compare_rows(&expected, &orders(), false, true), Ok(()));
}

#[test]
fn exact_columns_lists_every_extra_column() {
    let expected = rows(json!([{"id": 1}, {"id": 2}]));
    let err = compare_rows(&expected, &orders(), false, true).unwrap_err();
    assert_eq!(
        err.message,
        "the result has 2 columns not in expect.rows (columns: exact): total, note"
    );
    assert!(
        err.details
            .contains("Result columns: id (int4), total (numeric), note (text)"),
        "{}",
        err.details
    );
}

#[test]
fn a_missing_column_names_it_and_the_available_ones() {
    let expected = rows(json!([{"id": 1, "amount": 108}]));
    let err = compare_rows(&expected, &orders(), false, false).unwrap_err();
    assert_eq!(
        err.message,
        "expected column \"amount\" is not in the result (it has 3 columns: id, total, note)"
    );
    assert!(
        err.details
            .contains("Result columns: id (int4), total (numeric), note (text)"),
        "{}",
        err.details
    );
    assert!(
        err.details.contains("108.00"),
        "the details show the returned rows: {}",
        err.details
    );

    let two = rows(json!([{"a": 1}, {"b": 2}]));
    assert_eq!(
        message(compare_rows(
            &two,
            &result(&[("c", "int4")], &[]),
            false,
            false
        )),
        "expected columns \"a\", \"b\" are not in the result (it has 1 column: c)"
    );
    assert_eq!(
        message(compare_rows(&two, &ResultSet::default(), false, false)),
        "expected columns \"a\", \"b\" are not in the result (it has no columns)"
    );
}

#[test]
fn unordered_rows_pass_in_any_order() {
    let expected = rows(json!([{"n": 3}, {"n": 1}, {"n": 2}]));
    assert_eq!(
        compare_rows(&expected, &numbers(&["1", "2", "3"]), false, false),
        Ok(())
    );
}

#[test]
fn duplicates_count_in_a_multiset() {
    let twice = rows(json!([{"n": 1}, {"n": 1}]));
    assert_eq!(
        message(compare_rows(&twice, &numbers(&["1"]), false, false)),
        "expected 2 rows, got 1: 1 missing (n=1)"
    );
    let once = rows(json!([{"n": 1}]));
    assert_eq!(
        message(compare_rows(&once, &numbers(&["1", "1"]), false, false)),
        "expected 1 row, got 2: 1 unexpected (n=1)"
    );
    let mixed = rows(json!([{"n": 1}, {"n": 2}, {"n": 1}]));
    assert_eq!(
        compare_rows(&mixed, &numbers(&["2", "1", "1"]), false, false),
        Ok(())
    );
    assert_eq!(
        message(compare_rows(
            &mixed,
            &numbers(&["2", "2", "1"]),
            false,
            false
        )),
        "expected 3 rows, got 3: 1 missing (n=1), 1 unexpected (n=2)"
    );
}

#[test]
fn counts_are_reported_when_several_rows_differ() {
    let expected = rows(json!([{"n": 1}, {"n": 2}]));
    assert_eq!(
        message(compare_rows(
            &expected,
            &numbers(&["1", "3", "4"]),
            false,
            false
        )),
        "expected 2 rows, got 3: 1 missing (n=2), 2 unexpected"
    );
    assert_eq!(
        message(compare_rows(&expected, &numbers(&[]), false, false)),
        "expected 2 rows, got 0: 2 missing"
    );
}

#[test]
fn pairing_finds_a_full_match_where_greedy_would_not() {
    // The first expected row constrains only `a`; greedily taking the first actual row would
    // leave the second expected row without its only match.
    let expected = rows(json!([{"a": 1}, {"a": 1, "b": 2}]));
    let actual = result(
        &[("a", "int4"), ("b", "int4")],
        &[&[Some("1"), Some("2")], &[Some("1"), Some("3")]],
    );
    assert_eq!(compare_rows(&expected, &actual, false, false), Ok(()));
}

#[test]
fn a_row_that_omits_a_key_does_not_constrain_it() {
    let expected = rows(json!([{"id": 1}, {"id": 2, "note": "gift"}]));
    assert_eq!(compare_rows(&expected, &orders(), false, false), Ok(()));
    let wrong = rows(json!([{"id": 1}, {"id": 2, "note": "card"}]));
    assert!(compare_rows(&wrong, &orders(), false, false).is_err());
}

#[test]
fn ordered_compares_position_by_position() {
    let expected = rows(json!([{"n": 1}, {"n": 2}, {"n": 3}]));
    assert_eq!(
        compare_rows(&expected, &numbers(&["1", "2", "3"]), true, false),
        Ok(())
    );
    assert_eq!(
        message(compare_rows(
            &expected,
            &numbers(&["1", "3", "2"]),
            true,
            false
        )),
        "expected 3 rows in order, got 3: the same rows in a different order, first out of place at row 2"
    );
    assert_eq!(
        message(compare_rows(
            &expected,
            &numbers(&["1", "7", "3"]),
            true,
            false
        )),
        "expected 3 rows in order, got 3: row 2 differs (n: expected 2, got 7)"
    );
    assert_eq!(
        message(compare_rows(
            &expected,
            &numbers(&["9", "8", "3"]),
            true,
            false
        )),
        "expected 3 rows in order, got 3: 2 rows differ, first row 1 (n: expected 1, got 9)"
    );
}

#[test]
fn ordered_reports_rows_missing_or_unexpected_at_the_end() {
    let expected = rows(json!([{"n": 1}, {"n": 2}]));
    assert_eq!(
        message(compare_rows(
            &expected,
            &numbers(&["1", "2", "3"]),
            true,
            false
        )),
        "expected 2 rows in order, got 3: 1 unexpected at the end"
    );
    assert_eq!(
        message(compare_rows(&expected, &numbers(&["1"]), true, false)),
        "expected 2 rows in order, got 1: 1 missing at the end"
    );
    assert_eq!(
        message(compare_rows(&expected, &numbers(&["5"]), true, false)),
        "expected 2 rows in order, got 1: row 1 differs (n: expected 1, got 5), 1 missing at the end"
    );
}

#[test]
fn ordered_duplicates_count() {
    let expected = rows(json!([{"n": 1}, {"n": 1}]));
    assert_eq!(
        compare_rows(&expected, &numbers(&["1", "1"]), true, false),
        Ok(())
    );
    assert!(compare_rows(&expected, &numbers(&["1", "1", "1"]), true, false).is_err());
}

#[test]
fn ordered_message_names_every_differing_column_up_to_two() {
    let expected = rows(json!([{"id": 1, "total": 100, "note": "x"}]));
    let actual = result(
        &[("id", "int4"), ("total", "numeric"), ("note", "text")],
        &[&[Some("2"), Some("108.00"), Some("y")]],
    );
    assert_eq!(
        message(compare_rows(&expected, &actual, true, false)),
        "expected 1 row in order, got 1: row 1 differs (id: expected 1, got 2; total: expected 100, got 108.00; and 1 more columns)"
    );
}

#[test]
fn no_expected_rows_means_no_rows() {
    assert_eq!(compare_rows(&[], &numbers(&[]), false, false), Ok(()));
    assert_eq!(compare_rows(&[], &numbers(&[]), true, true), Ok(()));
    let err = compare_rows(&[], &numbers(&["4", "5"]), false, true).unwrap_err();
    assert_eq!(err.message, "expected 0 rows, got 2: 2 unexpected");
    // Nothing is compared, so the details show every result column.
    assert!(err.details.contains("+ 4"), "{}", err.details);
    assert!(err.details.contains("+n=5"), "{}", err.details);
}

#[test]
fn mismatch_carries_both_row_sets_as_json() {
    let expected = rows(json!([{"id": 1, "total": 108}, {"id": 3, "total": "7"}]));
    let err = compare_rows(&expected, &orders(), false, false).unwrap_err();
    assert_eq!(
        err.expected,
        json!([{"id": 1, "total": 108}, {"id": 3, "total": "7"}])
    );
    assert_eq!(
        err.actual,
        json!([{"id": 1, "total": 108.0, "note": null}, {"id": 2, "total": 5.5, "note": "gift"}])
    );
}

#[test]
fn actual_json_is_capped() {
    let values: Vec<String> = (0..1500).map(|i| i.to_string()).collect();
    let refs: Vec<&str> = values.iter().map(String::as_str).collect();
    let err = compare_rows(&rows(json!([{"n": -1}])), &numbers(&refs), false, false).unwrap_err();
    assert_eq!(err.actual.as_array().map(Vec::len), Some(MAX_JSON_ROWS));
}

#[test]
fn details_show_tables_side_by_side_then_a_diff() {
    let expected = rows(json!([
        {"id": 1, "total": 108, "paid": true},
        {"id": 2, "total": 5, "paid": false},
        {"id": 3, "total": 12.5, "paid": null},
    ]));
    let actual = result(
        &[
            ("id", "int4"),
            ("total", "numeric"),
            ("paid", "bool"),
            ("note", "text"),
        ],
        &[
            &[Some("3"), Some("12.50"), None, Some("x")],
            &[Some("1"), Some("108.00"), Some("t"), None],
            &[Some("2"), Some("5.10"), Some("f"), None],
            &[Some("4"), Some("1.00"), Some("t"), None],
        ],
    );
    let err = compare_rows(&expected, &actual, false, false).unwrap_err();
    assert_eq!(
        err.message,
        "expected 3 rows, got 4: 1 missing (id=2 | total=5 | paid=false), 2 unexpected"
    );
    insta::assert_snapshot!(err.details, @r"
    Expected (3 rows)       Actual (4 rows)
      id | total | paid       id | total  | paid
      ---+-------+------      ---+--------+------
      1  | 108   | true       1  | 108.00 | true
    - 2  | 5     | false    + 2  | 5.10   | false
      3  | 12.5  | NULL       3  | 12.50  | NULL
                            + 4  | 1.00   | true

    --- expected
    +++ actual
    @@ -1,3 +1,4 @@
     id=1 | total=108.00 | paid=true
    -id=2 | total=5 | paid=false
    +id=2 | total=5.10 | paid=false
     id=3 | total=12.50 | paid=NULL
    +id=4 | total=1.00 | paid=true
    ");
}

#[test]
fn ordered_details_keep_positions() {
    let expected = rows(json!([{"n": 1}, {"n": 2}]));
    let err = compare_rows(&expected, &numbers(&["2", "1"]), true, false).unwrap_err();
    insta::assert_snapshot!(err.details, @r"
    Expected (2 rows, in order)    Actual (2 rows, in order)
      n                              n
      -                              -
    - 1                            + 2
    - 2                            + 1

    --- expected
    +++ actual
    @@ -1,2 +1,2 @@
    +n=2
     n=1
    -n=2
    ");
}

#[test]
fn wide_tables_are_stacked() {
    let long = "x".repeat(35);
    let expected = rows(json!([{"a": long, "b": long, "c": 1}]));
    let actual = result(
        &[("a", "text"), ("b", "text"), ("c", "int4")],
        &[&[Some(long.as_str()), Some(long.as_str()), Some("2")]],
    );
    let details = compare_rows(&expected, &actual, false, false)
        .unwrap_err()
        .details;
    let lines: Vec<&str> = details.lines().collect();
    assert_eq!(lines[0], "Expected (1 row)");
    assert!(lines.contains(&"Actual (1 row)"), "{details}");
    assert!(lines.iter().all(|l| l.chars().count() <= 120), "{details}");
}

#[test]
fn long_values_are_clipped_in_tables_but_whole_in_the_diff() {
    let long = format!("{}END", "y".repeat(60));
    let expected = rows(json!([{"s": long}]));
    let actual = result(&[("s", "text")], &[&[Some("short")]]);
    let details = compare_rows(&expected, &actual, false, false)
        .unwrap_err()
        .details;
    assert!(
        details.contains(&format!("{}…", "y".repeat(39))),
        "{details}"
    );
    assert!(details.contains(&format!("-s={long}")), "{details}");
}

#[test]
fn huge_outputs_are_capped() {
    let values: Vec<String> = (0..300).map(|i| i.to_string()).collect();
    let refs: Vec<&str> = values.iter().map(String::as_str).collect();
    let expected = rows(json!([{"n": 0}, {"n": -5}]));
    let details = compare_rows(&expected, &numbers(&refs), false, false)
        .unwrap_err()
        .details;
    // The missing row is marked and shown even though it pairs with nothing near the top.
    assert!(details.contains("- -5"), "{details}");
    assert!(details.contains("… 249 more rows"), "{details}");
    assert!(details.contains("more diff lines"), "{details}");
    assert!(
        details.lines().count() < 200,
        "{} lines",
        details.lines().count()
    );
}

#[test]
fn marked_rows_beyond_the_cap_are_kept() {
    let values: Vec<String> = (0..100).map(|i| i.to_string()).collect();
    let refs: Vec<&str> = values.iter().map(String::as_str).collect();
    let mut written: Vec<Value> = (0..99).map(|i| json!({"n": i})).collect();
    written.push(json!({"n": 1000}));
    let details = compare_rows(&rows(Value::Array(written)), &numbers(&refs), false, false)
        .unwrap_err()
        .details;
    assert!(details.contains("- 1000"), "{details}");
    assert!(details.contains("+ 99"), "{details}");
    assert!(details.contains("… 50 more rows"), "{details}");
}

#[test]
fn ambiguous_text_is_quoted_in_details() {
    let expected = rows(json!([{"s": ""}, {"s": "NULL"}, {"s": "a|b"}]));
    let actual = result(&[("s", "text")], &[&[None], &[Some(" x")], &[Some("a\nb")]]);
    let details = compare_rows(&expected, &actual, false, false)
        .unwrap_err()
        .details;
    for shown in [
        r#"-s="""#,
        r#"-s="NULL""#,
        r#"-s="a|b""#,
        "+s=NULL",
        r#"+s=" x""#,
        r#"+s="a\nb""#,
    ] {
        assert!(
            details.lines().any(|l| l == shown),
            "{shown} missing from:\n{details}"
        );
    }
}

#[test]
fn unordered_diff_sorts_numbers_naturally() {
    let expected = rows(json!([{"n": 10}, {"n": 9}, {"n": 100}]));
    let details = compare_rows(&expected, &numbers(&["9", "10", "11"]), false, false)
        .unwrap_err()
        .details;
    let diff: Vec<&str> = details
        .lines()
        .skip_while(|l| !l.starts_with("@@"))
        .skip(1)
        .collect();
    assert_eq!(diff, [" n=9", " n=10", "-n=100", "+n=11"]);
}
