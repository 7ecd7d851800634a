//! `rules:`: table entries, every check kind, options, custom SQL rules, ids.

use super::{find, spec, spec_error, spec_errors};
use crate::project::model::{Check, CheckKind, Rule, Severity};
use serde_json::json;
use std::time::Duration;

const RULES: &str = "\
rules:
  - table: orders
    where: \"status <> 'cancelled'\"
    checks:
      - not_null: [customer_id, amount]
      - unique: [id]
      - unique: [[customer_id, number], email]
      - accepted_values: {column: status, values: [new, paid, 3]}
      - range: {column: amount, min: 0, max: 100000}
      - matches: {column: email, pattern: '^[^@ ]+@[^@ ]+$'}
      - references: {column: customer_id, to: customers.id}
      - references: {column: region_id, to: geo.regions.id}
      - expression: \"shipped_at is null or shipped_at >= created_at\"
      - row_count: {min: 1}
      - freshness: {column: created_at, max_age: 24h}
      - {not_null: [note], severity: warning, max_violations: 10}
      - {unique: code, name: codes are unique, where: code <> '', max_violation_rate: 0.01, severity: info}
  - name: every paid order has a payment
    severity: warning
    sql: |
      select o.id from orders o
    max_violations: 2
";

fn checks(rule: &Rule) -> &[Check] {
    match rule {
        Rule::Table { checks, .. } => checks,
        Rule::Sql(r) => panic!("table entry expected, got {r:?}"),
    }
}

#[test]
fn every_check_kind_converts_with_stable_ids() {
    let s = spec(RULES).expect("valid");
    assert_eq!(s.rules.len(), 2);
    let Rule::Table {
        table,
        where_,
        location,
        ..
    } = &s.rules[0]
    else {
        panic!("table entry")
    };
    assert_eq!(table, "orders");
    assert_eq!(where_.as_deref(), Some("status <> 'cancelled'"));
    assert_eq!((location.line, location.column), (2, 5));
    let ids: Vec<&str> = checks(&s.rules[0])
        .iter()
        .map(|c| c.id.strip_prefix("sqltest/a.yaml::").expect("prefix"))
        .collect();
    assert_eq!(
        ids,
        [
            "orders.not_null(customer_id)",
            "orders.not_null(amount)",
            "orders.unique(id)",
            "orders.unique(customer_id, number)",
            "orders.unique(email)",
            "orders.accepted_values(status)",
            "orders.range(amount)",
            "orders.matches(email)",
            "orders.references(customer_id)",
            "orders.references(region_id)",
            "orders.expression(shipped_at is null or shipped_at >= created_at)",
            "orders.row_count()",
            "orders.freshness(created_at)",
            "orders.not_null(note)",
            "codes are unique",
        ]
    );
    let c = checks(&s.rules[0]);
    assert_eq!(
        c[3].kind,
        CheckKind::Unique {
            columns: vec!["customer_id".into(), "number".into()]
        }
    );
    assert_eq!(
        c[5].kind,
        CheckKind::AcceptedValues {
            column: "status".into(),
            values: vec![json!("new"), json!("paid"), json!(3)]
        }
    );
    assert_eq!(
        c[6].kind,
        CheckKind::Range {
            column: "amount".into(),
            min: Some(json!(0)),
            max: Some(json!(100000))
        }
    );
    assert_eq!(
        c[7].kind,
        CheckKind::Matches {
            column: "email".into(),
            pattern: "^[^@ ]+@[^@ ]+$".into()
        }
    );
    assert_eq!(
        c[8].kind,
        CheckKind::References {
            column: "customer_id".into(),
            to_table: "customers".into(),
            to_column: "id".into()
        }
    );
    assert_eq!(
        c[9].kind,
        CheckKind::References {
            column: "region_id".into(),
            to_table: "geo.regions".into(),
            to_column: "id".into()
        }
    );
    assert_eq!(
        c[11].kind,
        CheckKind::RowCount {
            min: Some(1),
            max: None
        }
    );
    assert_eq!(
        c[12].kind,
        CheckKind::Freshness {
            column: "created_at".into(),
            max_age: Duration::from_secs(86400)
        }
    );
    assert_eq!(c[13].options.severity, Severity::Warning);
    assert_eq!(c[13].options.max_violations, Some(10));
    let named = &c[14];
    assert_eq!(
        named.kind,
        CheckKind::Unique {
            columns: vec!["code".into()]
        }
    );
    assert_eq!(named.options.name.as_deref(), Some("codes are unique"));
    assert_eq!(named.options.where_.as_deref(), Some("code <> ''"));
    assert_eq!(named.options.max_violation_rate, Some(0.01));
    assert_eq!(named.options.severity, Severity::Info);
    assert_eq!(c[0].options, Default::default());
    // Per-column checks are located at their column; other checks at their kind key.
    assert_eq!((c[1].location.line, c[1].location.column), (5, 33));
    assert_eq!((c[6].location.line, c[6].location.column), (9, 9));
    assert!(c.iter().all(|c| c.table == "orders"));

    let Rule::Sql(r) = &s.rules[1] else {
        panic!("sql rule")
    };
    assert_eq!(r.id, "sqltest/a.yaml::every paid order has a payment");
    assert_eq!(r.options.severity, Severity::Warning);
    assert_eq!(r.options.max_violations, Some(2));
    assert_eq!(r.sql.sql, "select o.id from orders o\n");
    assert_eq!((r.sql.location.line, r.sql.location.column), (21, 7));
    assert_eq!((r.location.line, r.location.column), (18, 5));
}

fn one_check(check: &str) -> String {
    format!("rules:\n  - table: t\n    checks:\n      - {check}\n")
}

#[test]
fn unknown_check_kind_suggests() {
    spec_error(
        &one_check("not_nul: [a]"),
        4,
        9,
        "unknown check kind `not_nul`",
        Some("did you mean `not_null`?"),
    );
    spec_error(
        &one_check("{unique: [a], severty: info}"),
        4,
        23,
        "unknown check kind `severty`",
        Some("did you mean `severity`?"),
    );
    spec_error(
        &one_check("primary_key"),
        4,
        9,
        "expected a check, found a string",
        Some("write a check as a map"),
    );
    spec_error(
        &one_check("{severity: info}"),
        4,
        9,
        "check has no kind",
        None,
    );
    spec_error(
        &one_check("{not_null: [a], unique: [a]}"),
        4,
        25,
        "check has two kinds, `not_null` and `unique`",
        None,
    );
}

#[test]
fn map_kinds_validate_their_keys() {
    spec_error(
        &one_check("range: {column: a}"),
        4,
        16,
        "`range` needs `min`, `max` or both",
        None,
    );
    spec_error(
        &one_check("range: {column: a, min: 5, max: 1}"),
        4,
        33,
        "`min` (5) is greater than `max` (1)",
        None,
    );
    spec_error(
        &one_check("range: {colum: a, min: 1}"),
        4,
        17,
        "unknown key `colum` in `range`",
        Some("did you mean `column`?"),
    );
    spec_error(
        &one_check("accepted_values: {column: a}"),
        4,
        26,
        "`accepted_values` needs `values`",
        None,
    );
    spec_error(
        &one_check("accepted_values: {column: a, values: []}"),
        4,
        46,
        "`values` is empty",
        None,
    );
    spec_error(
        &one_check("references: {column: a, to: customers}"),
        4,
        37,
        "`to: customers` does not name a column",
        None,
    );
    spec_error(
        &one_check("row_count: {min: 5, max: 2}"),
        4,
        26,
        "`min` (5) is greater than `max` (2)",
        None,
    );
    spec_error(
        &one_check("row_count: {min: -1}"),
        4,
        26,
        "expected a whole number of rows",
        None,
    );
    spec_error(
        &one_check("freshness: {column: c, max_age: soon}"),
        4,
        41,
        "invalid duration `soon`",
        None,
    );
    spec_error(
        &one_check("matches: [a]"),
        4,
        18,
        "expected a map for `matches`, found a list",
        None,
    );
    spec_error(
        &one_check("not_null: []"),
        4,
        19,
        "`not_null` lists no columns",
        None,
    );
    spec_error(
        &one_check("unique: [[a, 1]]"),
        4,
        22,
        "expected a column name, found a number",
        None,
    );
    spec_error(
        &one_check("expression: ''"),
        4,
        21,
        "`expression` is empty",
        None,
    );
}

#[test]
fn options_are_validated() {
    spec_error(
        &one_check("{not_null: [a], max_violation_rate: 1.5}"),
        4,
        45,
        "`max_violation_rate` is 1.5, outside 0..1",
        None,
    );
    spec_error(
        &one_check("{not_null: [a], max_violations: 1, max_violation_rate: 0.5}"),
        4,
        44,
        "both `max_violations` and `max_violation_rate`",
        None,
    );
    spec_error(
        &one_check("{not_null: [a], severity: fatal}"),
        4,
        35,
        "unknown severity `fatal`",
        Some("valid severities: `error`, `warning`, `info`"),
    );
    spec_error(
        &one_check("{not_null: [a], max_violations: -3}"),
        4,
        41,
        "expected a whole number of rows, 0 or more",
        None,
    );
    spec_error(
        &one_check("{not_null: [a, b], name: both}"),
        4,
        28,
        "`name` needs a check of one column or key, but this `not_null` has 2",
        None,
    );
}

#[test]
fn duplicate_ids_point_at_the_second_and_name_the_first() {
    let text = "rules:\n  - table: t\n    checks:\n      - not_null: [a]\n      - {not_null: [a], severity: warning}\n";
    let errors = spec_errors(text);
    assert_eq!(errors.len(), 1, "{errors:?}");
    find(
        &errors,
        "sqltest/a.yaml",
        5,
        21,
        "check id `sqltest/a.yaml::t.not_null(a)` is already used at line 4",
    );
    let text = "tests:\n  - {name: same, sql: x}\nrules:\n  - {name: same, sql: select 1}\n";
    find(
        &spec_errors(text),
        "sqltest/a.yaml",
        4,
        5,
        "rule id `sqltest/a.yaml::same` is already used at line 2",
    );
}

#[test]
fn entry_shapes_are_checked() {
    spec_error(
        "rules:\n  - table: t\n    severity: warning\n    checks: [{not_null: [a]}]\n",
        3,
        15,
        "`severity` belongs on a check, not on a table entry",
        Some("use the long form"),
    );
    spec_error(
        "rules:\n  - table: t\n",
        2,
        5,
        "table entry has no `checks`",
        None,
    );
    spec_error(
        "rules:\n  - checks: [{not_null: [a]}]\n",
        2,
        5,
        "rule entry has `checks` but no `table`",
        None,
    );
    spec_error(
        "rules:\n  - sql: select 1\n",
        2,
        5,
        "custom SQL rule has no `name`",
        None,
    );
    spec_error(
        "rules:\n  - name: r\n",
        2,
        5,
        "custom SQL rule has no `sql`",
        None,
    );
    spec_error(
        "rules:\n  - {name: r, sql: x, max_violation_rate: 0.1}\n",
        2,
        43,
        "`max_violation_rate` applies to table checks only",
        None,
    );
    spec_error(
        "rules:\n  - {name: r, sql: x, where: a}\n",
        2,
        30,
        "a custom SQL rule cannot have `where`",
        None,
    );
    spec_error(
        "rules:\n  - {where: a}\n",
        2,
        5,
        "rule entry has neither `table` nor `sql`",
        None,
    );
    spec_error(
        "rules:\n  - {table: t, checks: [], tabel: x}\n",
        2,
        28,
        "unknown key `tabel`",
        Some("did you mean `table`?"),
    );
}

/// Issue 10, item 5: names with quotes, spaces and non-ASCII letters are taken as written;
/// only a part starting with `"` is quoted (how a `.` inside a name is written).
#[test]
fn odd_table_names_load_as_written() {
    let s = spec(
        "rules:\n  - table: 'a\"b'\n    checks:\n      - not_null: [\"first name\", prénom]\n      - references: {column: x, to: '\"t.x\".id'}\n      - references: {column: y, to: 'a\"b.\"odd.col\"'}\n",
    )
    .expect("valid");
    let Rule::Table { table, .. } = &s.rules[0] else {
        panic!("table entry")
    };
    assert_eq!(table, "a\"b");
    let kinds: Vec<&CheckKind> = checks(&s.rules[0]).iter().map(|c| &c.kind).collect();
    assert_eq!(
        kinds[1],
        &CheckKind::NotNull {
            columns: vec!["prénom".into()]
        }
    );
    assert_eq!(
        kinds[2],
        &CheckKind::References {
            column: "x".into(),
            to_table: "\"t.x\"".into(),
            to_column: "id".into(),
        }
    );
    assert_eq!(
        kinds[3],
        &CheckKind::References {
            column: "y".into(),
            to_table: "a\"b".into(),
            to_column: "odd.col".into(),
        }
    );
}

#[test]
fn malformed_table_names_are_located_errors() {
    spec_error(
        "rules:\n  - table: '\"a'\n    checks: [{not_null: [id]}]\n",
        2,
        12,
        "table name `\"a` is malformed: a quoted part has no closing `\"`",
        Some("write a part holding `.` in double quotes"),
    );
    spec_error(
        "tests:\n  - name: t\n    given: {'s..t': [{id: 1}]}\n    sql: select 1\n    expect: {count: 1}\n",
        3,
        13,
        "table name `s..t` is malformed: part 2 of the name is empty",
        None,
    );
    spec_error(
        &one_check("references: {column: a, to: '\"t.id'}"),
        4,
        37,
        "is malformed: a quoted part has no closing",
        None,
    );
}

/// Issue 10, item 4: the typed arguments keep where they are written, so a value the column
/// cannot hold is reported at the value.
#[test]
fn typed_arguments_keep_their_locations() {
    let s = spec(&format!(
        "{}      - accepted_values: {{column: s, values: [a, 'b']}}\n",
        one_check("range: {column: a, min: x, max: 5}")
    ))
    .expect("valid");
    let cs = checks(&s.rules[0]);
    let at = |l: &Option<crate::Location>| l.as_ref().map(|l| (l.line, l.column));
    assert_eq!(at(&cs[0].args_at.min), Some((4, 33)));
    assert_eq!(at(&cs[0].args_at.max), Some((4, 41)));
    let values: Vec<(u32, u32)> = cs[1]
        .args_at
        .values
        .iter()
        .map(|l| (l.line, l.column))
        .collect();
    assert_eq!(values, vec![(5, 47), (5, 50)]);
    assert!(cs[1].args_at.min.is_none());
}

#[test]
fn row_count_limits_are_whole_numbers() {
    for bad in ["1.5", "'10'", "-3", "many"] {
        spec_error(
            &one_check(&format!("row_count: {{max: {bad}}}")),
            4,
            26,
            "expected a whole number of rows, 0 or more",
            None,
        );
    }
}
