//! One data set and one set of rules exercising every check kind passing and failing, run on
//! each engine with the same expectations.

use super::support::*;
use crate::plan::PlannedRule;
use crate::project::{CheckKind, Engine, Severity};
use crate::results::{CheckResult, Status};
use serde_json::json;
use std::time::Duration;

/// Tables without constraints on the checked columns (so every check scans), plus `customers`
/// with a primary key for `references`. `orders` rows:
///
/// | id | customer_id | status | amount | email           | note | created_at | shipped_at |
/// |----|-------------|--------|--------|-----------------|------|------------|------------|
/// | 1  | 1           | new    | 10     | ann@example.com | a    | 01-01      | NULL       |
/// | 2  | 2           | paid   | 20     | bob@example.com | NULL | 01-02      | 01-03      |
/// | 3  | 9           | lost   | -5     | not-an-email    | NULL | 01-03      | 01-01      |
/// | 4  | NULL        | NULL   | NULL   | NULL            | NULL | NULL       | NULL       |
/// | 5  | 1           | new    | 200000 | x@y             | b    | 01-04      | NULL       |
pub fn setup(engine: Engine) -> String {
    let now = match engine {
        Engine::Postgres => "now()",
        Engine::Sqlite | Engine::Mysql | Engine::Mariadb => "datetime('now')",
    };
    format!(
        "create table customers (id integer primary key, name text not null, email text);
         insert into customers values (1, 'Ann', 'ann@example.com'), (2, 'Bob', 'bob@example.com');
         create table statuses (name text);
         insert into statuses values ('new'), ('new'), ('paid'), ('shipped');
         create table orders (id integer primary key, customer_id integer, status text, amount numeric,
                              email text, note text, created_at timestamp, shipped_at timestamp);
         insert into orders values
           (1, 1, 'new', 10, 'ann@example.com', 'a', '2024-01-01 00:00:00', null),
           (2, 2, 'paid', 20, 'bob@example.com', null, '2024-01-02 00:00:00', '2024-01-03 00:00:00'),
           (3, 9, 'lost', -5, 'not-an-email', null, '2024-01-03 00:00:00', '2024-01-01 00:00:00'),
           (4, null, null, null, null, null, null, null),
           (5, 1, 'new', 200000, 'x@y', 'b', '2024-01-04 00:00:00', null);
         create table events (id integer primary key, at timestamp);
         insert into events values (1, '2020-01-01 00:00:00'), (2, {now});
         create table old_events (id integer primary key, at timestamp);
         insert into old_events values (1, '2020-01-01 00:00:00');
         create table no_events (id integer primary key, at timestamp);"
    )
}

fn values(v: &[&str]) -> Vec<serde_json::Value> {
    v.iter().map(|s| json!(s)).collect()
}

/// Every kind passing and failing, thresholds, severities, `where`.
pub fn rules() -> Vec<PlannedRule> {
    let email = "^[^@ ]+@[^@ ]+\\.[a-z]+$";
    vec![
        table(
            "orders",
            None,
            vec![
                check(
                    "nn_fail",
                    CheckKind::NotNull {
                        columns: cols(&["customer_id"]),
                    },
                ),
                with(
                    check(
                        "nn_warn",
                        CheckKind::NotNull {
                            columns: cols(&["customer_id"]),
                        },
                    ),
                    |o| o.severity = Severity::Warning,
                ),
                check(
                    "uq_fail",
                    CheckKind::Unique {
                        columns: cols(&["customer_id"]),
                    },
                ),
                check(
                    "uq_pass",
                    CheckKind::Unique {
                        columns: cols(&["email"]),
                    },
                ),
                check(
                    "uq_composite",
                    CheckKind::Unique {
                        columns: cols(&["customer_id", "status"]),
                    },
                ),
                check(
                    "av_fail",
                    CheckKind::AcceptedValues {
                        column: "status".into(),
                        values: values(&["new", "paid", "shipped"]),
                    },
                ),
                check(
                    "av_pass",
                    CheckKind::AcceptedValues {
                        column: "status".into(),
                        values: values(&["new", "paid", "lost"]),
                    },
                ),
                check(
                    "range_fail",
                    CheckKind::Range {
                        column: "amount".into(),
                        min: Some(json!(0)),
                        max: Some(json!(100000)),
                    },
                ),
                check(
                    "range_pass",
                    CheckKind::Range {
                        column: "amount".into(),
                        min: Some(json!(-10)),
                        max: None,
                    },
                ),
                check(
                    "matches_fail",
                    CheckKind::Matches {
                        column: "email".into(),
                        pattern: email.into(),
                    },
                ),
                check(
                    "matches_pass",
                    CheckKind::Matches {
                        column: "email".into(),
                        pattern: "@|-".into(),
                    },
                ),
                check(
                    "ref_fail",
                    CheckKind::References {
                        column: "customer_id".into(),
                        to_table: "customers".into(),
                        to_column: "id".into(),
                    },
                ),
                check(
                    "ref_nonunique_parent",
                    CheckKind::References {
                        column: "status".into(),
                        to_table: "statuses".into(),
                        to_column: "name".into(),
                    },
                ),
                check(
                    "expr_fail",
                    CheckKind::Expression {
                        predicate: "shipped_at is null or shipped_at >= created_at".into(),
                    },
                ),
                check(
                    "expr_null",
                    CheckKind::Expression {
                        predicate: "amount > 0 -- NULL is no violation".into(),
                    },
                ),
                check(
                    "rows_pass",
                    CheckKind::RowCount {
                        min: Some(1),
                        max: None,
                    },
                ),
                check(
                    "rows_fail",
                    CheckKind::RowCount {
                        min: None,
                        max: Some(3),
                    },
                ),
                with(
                    check(
                        "t_count_ok",
                        CheckKind::NotNull {
                            columns: cols(&["note"]),
                        },
                    ),
                    |o| o.max_violations = Some(3),
                ),
                with(
                    check(
                        "t_count_ko",
                        CheckKind::NotNull {
                            columns: cols(&["note"]),
                        },
                    ),
                    |o| o.max_violations = Some(2),
                ),
                with(
                    check(
                        "t_rate_ok",
                        CheckKind::NotNull {
                            columns: cols(&["note"]),
                        },
                    ),
                    |o| o.max_violation_rate = Some(0.6),
                ),
                with(
                    check(
                        "t_rate_ko",
                        CheckKind::NotNull {
                            columns: cols(&["note"]),
                        },
                    ),
                    |o| o.max_violation_rate = Some(0.5),
                ),
                with(
                    check(
                        "check_where",
                        CheckKind::NotNull {
                            columns: cols(&["note"]),
                        },
                    ),
                    |o| o.where_ = Some("id > 1".into()),
                ),
            ],
        ),
        table(
            "orders",
            Some("status <> 'lost'"),
            vec![check(
                "entry_where",
                CheckKind::Range {
                    column: "amount".into(),
                    min: Some(json!(0)),
                    max: Some(json!(100000)),
                },
            )],
        ),
        table(
            "customers",
            None,
            vec![check(
                "nn_pass",
                CheckKind::NotNull {
                    columns: cols(&["email"]),
                },
            )],
        ),
        table(
            "events",
            None,
            vec![check(
                "fresh_pass",
                CheckKind::Freshness {
                    column: "at".into(),
                    max_age: Duration::from_secs(3600),
                },
            )],
        ),
        table(
            "old_events",
            None,
            vec![check(
                "fresh_fail",
                CheckKind::Freshness {
                    column: "at".into(),
                    max_age: Duration::from_secs(3600),
                },
            )],
        ),
        table(
            "no_events",
            None,
            vec![check(
                "fresh_empty",
                CheckKind::Freshness {
                    column: "at".into(),
                    max_age: Duration::from_secs(3600),
                },
            )],
        ),
        custom(
            "sql_fail",
            "select id, amount from orders where amount < 0 order by id;",
        ),
        custom_at(
            40,
            "sql_threshold",
            "select id from orders where amount < 0",
            |o| o.max_violations = Some(1),
        ),
        custom(
            "sql_pass",
            "-- nothing negative in customers\nselect id from customers where id < 0",
        ),
    ]
}

fn failed(r: &CheckResult, violations: u64) {
    assert_eq!(
        r.status,
        Status::Failed,
        "{} should fail: {}",
        r.id,
        r.message
    );
    assert_eq!(r.violations, violations, "{}: {}", r.id, r.message);
}

fn passed(r: &CheckResult) {
    assert_eq!(
        r.status,
        Status::Passed,
        "{} should pass: {}",
        r.id,
        r.message
    );
}

/// The expectations, identical on every engine.
pub fn assert_results(results: &[CheckResult]) {
    assert_eq!(results.len(), 30);
    // Plan order is kept whatever order the jobs finished in.
    let ids: Vec<&str> = results.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids[0], "rules.yaml::nn_fail");
    assert_eq!(ids[29], "rules.yaml::sql_pass");

    let nn = get(results, "nn_fail");
    failed(nn, 1);
    assert_eq!(nn.total_rows, Some(5));
    assert_eq!(nn.violation_rate, Some(0.2));
    assert_eq!(nn.message, "1 of 5 rows with NULL in customer_id");
    assert_eq!(
        nn.samples,
        vec![
            json!({"id": 4, "customer_id": null})
                .as_object()
                .unwrap()
                .clone()
        ]
    );
    assert_eq!(nn.kind, "not_null");
    assert_eq!(nn.table.as_deref(), Some("orders"));
    assert_eq!(nn.severity, Severity::Error);
    let warn = get(results, "nn_warn");
    failed(warn, 1);
    assert_eq!(warn.severity, Severity::Warning);
    passed(get(results, "nn_pass"));

    let uq = get(results, "uq_fail");
    failed(uq, 2);
    assert_eq!(
        uq.message,
        "2 rows share their customer_id with another row (1 duplicated value)"
    );
    assert_eq!(
        uq.samples,
        vec![
            json!({"customer_id": 1, "rows": 2})
                .as_object()
                .unwrap()
                .clone()
        ]
    );
    passed(get(results, "uq_pass"));
    let composite = get(results, "uq_composite");
    failed(composite, 2);
    assert_eq!(composite.samples[0].get("status"), Some(&json!("new")));

    let av = get(results, "av_fail");
    failed(av, 1);
    assert_eq!(
        av.samples,
        vec![
            json!({"id": 3, "status": "lost"})
                .as_object()
                .unwrap()
                .clone()
        ]
    );
    passed(get(results, "av_pass"));

    let range = get(results, "range_fail");
    failed(range, 2);
    assert_eq!(range.message, "2 of 5 rows with amount outside [0, 100000]");
    let ids: Vec<&serde_json::Value> = range.samples.iter().filter_map(|s| s.get("id")).collect();
    assert_eq!(
        ids,
        vec![&json!(3), &json!(5)],
        "samples are ordered by the primary key"
    );
    passed(get(results, "range_pass"));

    let m = get(results, "matches_fail");
    failed(m, 2);
    let emails: Vec<&serde_json::Value> = m.samples.iter().filter_map(|s| s.get("email")).collect();
    assert_eq!(emails, vec![&json!("not-an-email"), &json!("x@y")]);
    passed(get(results, "matches_pass"));

    let r = get(results, "ref_fail");
    failed(r, 1);
    assert_eq!(
        r.message,
        "1 of 5 rows with customer_id not found in customers.id"
    );
    assert_eq!(
        r.samples,
        vec![
            json!({"id": 3, "customer_id": 9})
                .as_object()
                .unwrap()
                .clone()
        ]
    );
    failed(get(results, "ref_nonunique_parent"), 1);

    failed(get(results, "expr_fail"), 1);
    let e = get(results, "expr_null");
    failed(e, 1);
    assert_eq!(
        e.samples[0].get("id"),
        Some(&json!(3)),
        "the NULL amount of row 4 is no violation"
    );
    assert_eq!(
        e.samples[0].len(),
        8,
        "expression samples show every column"
    );

    passed(get(results, "rows_pass"));
    assert_eq!(get(results, "rows_pass").message, "orders has 5 rows");
    let rows = get(results, "rows_fail");
    failed(rows, 1);
    assert_eq!(rows.message, "orders has 5 rows, expected at most 3");
    assert_eq!(rows.violation_rate, None);

    passed(get(results, "t_count_ok"));
    assert_eq!(
        get(results, "t_count_ok").message,
        "3 violations, within the threshold of 3"
    );
    failed(get(results, "t_count_ko"), 3);
    assert_eq!(
        get(results, "t_count_ko").message,
        "3 of 5 rows with NULL in note, more than the 2 allowed"
    );
    passed(get(results, "t_rate_ok"));
    let rate = get(results, "t_rate_ko");
    failed(rate, 3);
    assert_eq!(
        rate.message,
        "3 of 5 rows with NULL in note (60% of rows, above the 50% allowed)"
    );

    let cw = get(results, "check_where");
    failed(cw, 3);
    assert_eq!(cw.total_rows, Some(4));
    let ew = get(results, "entry_where");
    failed(ew, 1);
    assert_eq!(
        ew.total_rows,
        Some(3),
        "NULL status is filtered out by `status <> 'lost'`"
    );

    let fresh = get(results, "fresh_pass");
    passed(fresh);
    assert!(
        fresh.message.starts_with("the newest at ("),
        "{}",
        fresh.message
    );
    let stale = get(results, "fresh_fail");
    failed(stale, 1);
    assert!(stale.message.contains("older than 1h"), "{}", stale.message);
    assert_eq!(stale.samples.len(), 1);
    assert!(
        stale.samples[0]["at"]
            .as_str()
            .unwrap()
            .starts_with("2020-01-01")
    );
    let empty = get(results, "fresh_empty");
    failed(empty, 1);
    assert_eq!(empty.message, "no at value to judge freshness by");

    let sql = get(results, "sql_fail");
    failed(sql, 1);
    assert_eq!(sql.kind, "sql");
    assert_eq!(sql.table, None);
    assert_eq!(sql.total_rows, None);
    assert_eq!(sql.message, "the rule returned 1 row");
    assert_eq!(sql.samples[0].get("id"), Some(&json!(3)));
    passed(get(results, "sql_threshold"));
    assert_eq!(get(results, "sql_threshold").location.line, 40);
    passed(get(results, "sql_pass"));

    for r in results {
        assert!(r.guaranteed_by.is_none() || r.status == Status::Passed);
        assert!(r.db_error.is_none(), "{}: {:?}", r.id, r.db_error);
        if r.status == Status::Passed {
            assert!(r.samples.is_empty());
        }
    }
}

/// A table and a column named to break out of quotes, and the table `y` they try to drop.
pub const HOSTILE_SETUP: &str = "\
    create table \"evil; drop table y; --\" (id integer primary key, \"x\"\"; drop table y; --\" text);
    insert into \"evil; drop table y; --\" values (1, 'a'), (2, 'a'), (3, null), (4, 'zzz');
    create table y (a integer);
    insert into y values (42);";

const EVIL_TABLE: &str = "evil; drop table y; --";
const EVIL: &str = "x\"; drop table y; --";

pub fn hostile_rules() -> Vec<PlannedRule> {
    vec![table(
        EVIL_TABLE,
        None,
        vec![
            check(
                "nn",
                CheckKind::NotNull {
                    columns: cols(&[EVIL]),
                },
            ),
            check(
                "uq",
                CheckKind::Unique {
                    columns: cols(&[EVIL]),
                },
            ),
            check(
                "av",
                CheckKind::AcceptedValues {
                    column: EVIL.into(),
                    values: vec![json!("a")],
                },
            ),
            check(
                "range",
                CheckKind::Range {
                    column: EVIL.into(),
                    min: None,
                    max: Some(json!("b")),
                },
            ),
            check(
                "re",
                CheckKind::Matches {
                    column: EVIL.into(),
                    pattern: "^a$".into(),
                },
            ),
            check(
                "ref",
                CheckKind::References {
                    column: EVIL.into(),
                    to_table: EVIL_TABLE.into(),
                    to_column: EVIL.into(),
                },
            ),
            check(
                "fresh_rows",
                CheckKind::RowCount {
                    min: Some(4),
                    max: Some(4),
                },
            ),
        ],
    )]
}

pub fn assert_hostile(results: &[CheckResult]) {
    assert_eq!(get(results, "nn").violations, 1);
    assert_eq!(get(results, "uq").violations, 2);
    assert_eq!(get(results, "av").violations, 1);
    assert_eq!(get(results, "range").violations, 1);
    assert_eq!(get(results, "re").violations, 1);
    assert_eq!(get(results, "ref").status, Status::Passed);
    assert_eq!(get(results, "fresh_rows").status, Status::Passed);
    assert_eq!(get(results, "nn").samples[0].get(EVIL), Some(&json!(null)));
    assert_eq!(get(results, "uq").samples[0].get(EVIL), Some(&json!("a")));
}
