//! A realistic [`RunResults`] built by hand for the renderer tests: every status, a rows mismatch
//! with a diff, a SQL error with SQLSTATE and location, a failed migration, checks with samples.

use crate::Location;
use crate::project::{BackendKind, Engine, Severity};
use crate::results::*;
use chrono::{TimeZone, Utc};
use serde_json::json;

fn db_error(message: &str, sqlstate: &str, location: Location) -> DbError {
    DbError {
        message: message.into(),
        sqlstate: Some(sqlstate.into()),
        detail: None,
        hint: None,
        location: Some(location),
    }
}

fn test(spec: &str, name: &str, line: u32, status: Status, secs: f64) -> TestResult {
    TestResult {
        id: format!("{spec}::{name}"),
        name: name.into(),
        spec: spec.into(),
        location: Location::new(spec, line, 5),
        tags: vec![],
        status,
        duration_secs: secs,
        failure: None,
        skip_reason: None,
    }
}

fn check(spec: &str, tail: &str, kind: &str, line: u32, status: Status) -> CheckResult {
    CheckResult {
        id: format!("{spec}::{tail}"),
        kind: kind.into(),
        table: Some("orders".into()),
        spec: spec.into(),
        location: Location::new(spec, line, 9),
        severity: Severity::Error,
        status,
        duration_secs: 0.002,
        violations: 0,
        total_rows: Some(1500),
        violation_rate: Some(0.0),
        message: format!("{tail} holds for every row"),
        samples: vec![],
        guaranteed_by: None,
        db_error: None,
        skip_reason: None,
    }
}

fn sample(v: serde_json::Value) -> serde_json::Map<String, serde_json::Value> {
    match v {
        serde_json::Value::Object(m) => m,
        other => panic!("sample must be an object, got {other}"),
    }
}

/// The run every renderer test reads.
pub(crate) fn sample_run() -> RunResults {
    let orders = "sqltest/orders.yaml";
    let customers = "sqltest/customers.yaml";

    let mut mismatch = test(orders, "order total adds tax", 12, Status::Failed, 0.011);
    mismatch.tags = vec!["money".into()];
    mismatch.failure = Some(Failure {
        kind: FailureKind::RowsMismatch,
        message: "1 of 1 expected rows differs from the actual rows".into(),
        details: Some(
            "expected        | actual\n\
             total: 108.00   | total: 100.00\n\
             \n\
             --- expected\n\
             +++ actual\n\
             @@ -1 +1 @@\n\
             -108.00\n\
             +100.00"
                .into(),
        ),
        expected: Some(json!([{"total": 108.00}])),
        actual: Some(json!([{"total": "100.00"}])),
        db_error: None,
    });

    let mut sql_error = test(
        orders,
        "monthly report <sums> & \"groups\"",
        30,
        Status::Failed,
        0.004,
    );
    sql_error.failure = Some(Failure {
        kind: FailureKind::SqlError,
        message: "the SQL failed: relation \"orderz\" does not exist".into(),
        details: None,
        expected: None,
        actual: None,
        db_error: Some(DbError {
            detail: Some("the table was renamed in 002_rename.sql".into()),
            hint: Some("check the spelling".into()),
            ..db_error(
                "relation \"orderz\" does not exist",
                "42P01",
                Location::new(orders, 32, 19),
            )
        }),
    });

    let mut skipped = test(
        orders,
        "empty month gives empty report",
        40,
        Status::Skipped,
        0.0,
    );
    skipped.skip_reason = Some("waiting for #123".into());

    let mut lost = test(customers, "emails are unique", 8, Status::Error, 30.0);
    lost.failure = Some(Failure {
        kind: FailureKind::Timeout,
        message: "the test ran past the project's timeout of 30s".into(),
        details: None,
        expected: None,
        actual: None,
        db_error: None,
    });

    let mut dup = check(orders, "orders.unique(id)", "unique", 52, Status::Failed);
    dup.violations = 2;
    dup.violation_rate = Some(2.0 / 1500.0);
    dup.message = "2 rows of orders share an id".into();
    dup.samples = vec![
        sample(json!({"id": 3, "count": 2})),
        sample(json!({"id": 9, "count": 2})),
    ];

    let mut warn = check(
        customers,
        "every paid order has a payment",
        "sql",
        20,
        Status::Failed,
    );
    warn.severity = Severity::Warning;
    warn.table = None;
    warn.total_rows = None;
    warn.violation_rate = None;
    warn.violations = 1;
    warn.message = "1 paid order has no payment".into();
    warn.samples = vec![sample(json!({"id": 17, "note": null}))];

    let mut guaranteed = check(
        orders,
        "orders.not_null(customer_id)",
        "not_null",
        50,
        Status::Passed,
    );
    guaranteed.guaranteed_by = Some("column orders.customer_id is NOT NULL".into());

    let mut skipped_check = check(
        orders,
        "orders.freshness(created_at)",
        "freshness",
        56,
        Status::Skipped,
    );
    skipped_check.skip_reason = Some("table orders is empty".into());

    RunResults {
        schema_version: SCHEMA_VERSION,
        tool: ToolInfo {
            name: "sqltest".into(),
            version: "0.1.0".into(),
        },
        project: ProjectInfo {
            root: "/home/ci/shop".into(),
            config: "sqltest.yaml".into(),
            engine: Engine::Postgres,
            backend: BackendKind::Local,
            server_version: Some("PostgreSQL 15.18 on x86_64-pc-linux-gnu".into()),
        },
        started_at: Utc
            .with_ymd_and_hms(2026, 11, 22, 10, 30, 0)
            .single()
            .expect("valid date"),
        duration_secs: 1.234,
        migrations: vec![
            MigrationResult {
                kind: ScriptKind::Migration,
                path: "db/migrations/001_init.sql".into(),
                version: Some("001".into()),
                status: Status::Passed,
                duration_secs: 0.012,
                error: None,
                skip_reason: None,
                origin: None,
            },
            MigrationResult {
                kind: ScriptKind::Migration,
                path: "db/migrations/002_rename.sql".into(),
                version: Some("002".into()),
                status: Status::Failed,
                duration_secs: 0.003,
                error: Some(db_error(
                    "syntax error at or near \"tabel\"",
                    "42601",
                    Location::new("db/migrations/002_rename.sql", 4, 8),
                )),
                skip_reason: None,
                origin: None,
            },
            MigrationResult {
                kind: ScriptKind::Seed,
                path: "db/seeds/customers.sql".into(),
                version: None,
                status: Status::Skipped,
                duration_secs: 0.0,
                error: None,
                skip_reason: Some("an earlier migration failed".into()),
                origin: None,
            },
        ],
        tests: vec![
            test(
                orders,
                "negative amounts are rejected",
                20,
                Status::Passed,
                0.003,
            ),
            mismatch,
            sql_error,
            skipped,
            lost,
        ],
        checks: vec![guaranteed, dup, skipped_check, warn],
        errors: vec![
            "lost the connection to the server while running sqltest/customers.yaml".into(),
        ],
        interrupted: false,
        timings: Default::default(),
        findings: Vec::new(),
        warnings: Vec::new(),
    }
}
