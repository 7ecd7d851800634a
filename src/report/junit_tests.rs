//! Tests of the JUnit renderer: schema validity with xmllint, and the elements CI tools read.

use super::*;
use crate::report::fixture::sample_run;
use quick_junit::Report;
use std::process::Command;

/// The schema every JUnit report must satisfy (kept beside the repository, see PRODUCT.md).
const XSD: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/schemas/junit-10.xsd"
);

/// Runs `xmllint --schema` on `xml`; returns its verdict and messages.
fn validate(xml: &str) -> (bool, String) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("report.xml");
    std::fs::write(&file, xml).unwrap();
    let out = Command::new("xmllint")
        .args(["--noout", "--schema", XSD])
        .arg(&file)
        .output()
        .expect(
            "xmllint must be installed to validate JUnit output (apt-get install -y libxml2-utils)",
        );
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

fn parse(xml: &str) -> Report {
    Report::deserialize_from_str(xml).unwrap()
}

fn case<'a>(report: &'a Report, suite: &str, name: &str) -> &'a TestCase {
    let suite = report
        .test_suites
        .iter()
        .find(|s| s.name.as_str() == suite)
        .unwrap_or_else(|| panic!("no suite {suite}"));
    suite
        .test_cases
        .iter()
        .find(|c| c.name.as_str() == name)
        .unwrap_or_else(|| panic!("no case {name}"))
}

fn attr<'a>(case: &'a TestCase, key: &str) -> Option<&'a str> {
    case.extra
        .iter()
        .find(|(k, _)| k.as_str() == key)
        .map(|(_, v)| v.as_str())
}

/// (kind, message, type, body) of a non-success status.
fn problem(case: &TestCase) -> (NonSuccessKind, String, String, String) {
    match &case.status {
        TestCaseStatus::NonSuccess {
            kind,
            message,
            ty,
            description,
            ..
        } => (
            *kind,
            message.as_ref().map(|m| m.to_string()).unwrap_or_default(),
            ty.as_ref().map(|m| m.to_string()).unwrap_or_default(),
            description
                .as_ref()
                .map(|m| m.to_string())
                .unwrap_or_default(),
        ),
        other => panic!("expected a failure or error, got {other:?}"),
    }
}

#[test]
fn the_report_validates_against_the_junit_xsd() {
    let xml = render_junit(&sample_run());
    let (ok, messages) = validate(&xml);
    assert!(ok, "xmllint rejected the report:\n{messages}\n{xml}");
}

#[test]
fn the_xsd_rejects_quick_junits_root_skipped_attribute_which_we_drop() {
    // Pins why `drop_root_skipped` exists: if quick-junit or the schema change, revisit it.
    let mut report = Report::new("sqltest");
    report.add_test_suite(TestSuite::new("s"));
    let raw = report.to_string().unwrap();
    let (ok, messages) = validate(&raw);
    assert!(!ok && messages.contains("skipped"), "{messages}");
    let fixed = drop_root_skipped(&raw);
    assert!(fixed.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"sqltest\" tests=\"0\" failures=\"0\" errors=\"0\">"), "{fixed}");
    // The suite keeps its own `skipped`.
    assert!(
        fixed.contains("<testsuite name=\"s\" tests=\"0\" skipped=\"0\""),
        "{fixed}"
    );
    assert!(validate(&fixed).0);
}

#[test]
fn suites_are_migrations_then_one_per_spec_then_run() {
    let report = parse(&render_junit(&sample_run()));
    let names: Vec<&str> = report.test_suites.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "migrations",
            "sqltest/orders.yaml",
            "sqltest/customers.yaml",
            "run"
        ]
    );
    // 3 scripts + 5 tests + 4 checks + 1 infrastructure error.
    assert_eq!(report.tests, 13);
    let orders = &report.test_suites[1];
    assert_eq!(
        (orders.tests, orders.failures, orders.errors, orders.skipped),
        (7, 3, 0, 2)
    );
    let props: Vec<(&str, &str)> = orders
        .properties
        .iter()
        .map(|p| (p.name.as_str(), p.value.as_str()))
        .collect();
    assert!(props.contains(&("engine", "postgres")), "{props:?}");
    assert!(props.contains(&("backend", "local")), "{props:?}");
    assert!(props.contains(&("server_version", "PostgreSQL 15.18 on x86_64-pc-linux-gnu")));
    // 002 failed, so the database stands at 001.
    assert!(props.contains(&("migration_head", "001")), "{props:?}");
    assert_eq!(
        orders.timestamp.map(|t| t.to_rfc3339()).as_deref(),
        Some("2026-11-22T10:30:00+00:00")
    );
    assert!(
        orders
            .extra
            .iter()
            .any(|(k, v)| k.as_str() == "file" && v.as_str() == "sqltest/orders.yaml")
    );
}

#[test]
fn a_failed_migration_is_a_failure_pointing_at_its_line() {
    let report = parse(&render_junit(&sample_run()));
    let m = case(&report, "migrations", "db/migrations/002_rename.sql");
    assert_eq!(m.classname.as_deref(), Some("sqltest.migrations"));
    assert_eq!(attr(m, "file"), Some("db/migrations/002_rename.sql"));
    assert_eq!(attr(m, "line"), Some("4"));
    let (kind, message, ty, body) = problem(m);
    assert_eq!(kind, NonSuccessKind::Failure);
    assert_eq!(
        message,
        "migration failed: syntax error at or near \"tabel\" [42601]"
    );
    assert_eq!(ty, "migration");
    assert!(
        body.contains("at db/migrations/002_rename.sql:4:8"),
        "{body}"
    );

    let seed = case(&report, "migrations", "db/seeds/customers.sql");
    assert_eq!(seed.classname.as_deref(), Some("sqltest.seeds"));
    assert!(
        matches!(&seed.status, TestCaseStatus::Skipped { message: Some(m), .. }
        if m.as_str() == "an earlier migration failed")
    );
    let ok = case(&report, "migrations", "db/migrations/001_init.sql");
    assert!(matches!(ok.status, TestCaseStatus::Success { .. }));
    assert_eq!(
        (attr(ok, "file"), attr(ok, "line")),
        (Some("db/migrations/001_init.sql"), Some("1"))
    );
    assert_eq!(ok.time, Some(std::time::Duration::from_millis(12)));
}

#[test]
fn test_failures_carry_kind_one_line_message_and_the_diff() {
    let report = parse(&render_junit(&sample_run()));
    let t = case(&report, "sqltest/orders.yaml", "order total adds tax");
    assert_eq!(t.classname.as_deref(), Some("sqltest.sqltest/orders.yaml"));
    assert_eq!(attr(t, "file"), Some("sqltest/orders.yaml"));
    assert_eq!(attr(t, "line"), Some("12"));
    assert_eq!(t.time, Some(std::time::Duration::from_millis(11)));
    let (kind, message, ty, body) = problem(t);
    assert_eq!(kind, NonSuccessKind::Failure);
    assert_eq!(ty, "rows_mismatch");
    assert!(!message.contains('\n'));
    assert!(body.contains("-108.00\n+100.00"), "{body}");

    // Markup in names and messages is escaped, and survives the round trip.
    let e = case(
        &report,
        "sqltest/orders.yaml",
        "monthly report <sums> & \"groups\"",
    );
    let (_, message, ty, body) = problem(e);
    assert_eq!(ty, "sql_error");
    assert_eq!(
        message,
        "the SQL failed: relation \"orderz\" does not exist [42P01]"
    );
    assert!(
        body.contains("database error 42P01: relation \"orderz\" does not exist"),
        "{body}"
    );
    assert!(body.contains("at sqltest/orders.yaml:32:19"), "{body}");
    assert!(body.contains("hint: check the spelling"), "{body}");

    let timeout = case(&report, "sqltest/customers.yaml", "emails are unique");
    let (kind, _, ty, _) = problem(timeout);
    assert_eq!((kind, ty.as_str()), (NonSuccessKind::Error, "timeout"));
}

#[test]
fn checks_are_cases_of_their_spec_with_samples_in_the_body() {
    let report = parse(&render_junit(&sample_run()));
    let dup = case(&report, "sqltest/orders.yaml", "orders.unique(id)");
    assert_eq!(
        dup.classname.as_deref(),
        Some("sqltest.sqltest/orders.yaml")
    );
    assert_eq!(attr(dup, "line"), Some("52"));
    let (kind, message, ty, body) = problem(dup);
    assert_eq!((kind, ty.as_str()), (NonSuccessKind::Failure, "unique"));
    assert_eq!(message, "2 rows of orders share an id");
    assert!(body.contains("2 violating rows of 1500 (0.13%)"), "{body}");
    assert!(body.contains("{id: 3, count: 2}"), "{body}");

    let warn = case(
        &report,
        "sqltest/customers.yaml",
        "every paid order has a payment",
    );
    let (_, message, ty, _) = problem(warn);
    assert_eq!(
        (message.as_str(), ty.as_str()),
        ("warning: 1 paid order has no payment", "sql")
    );

    let passed = case(
        &report,
        "sqltest/orders.yaml",
        "orders.not_null(customer_id)",
    );
    assert!(matches!(passed.status, TestCaseStatus::Success { .. }));
}

#[test]
fn infrastructure_errors_and_interruptions_are_error_cases() {
    let mut run = sample_run();
    run.interrupted = true;
    let xml = render_junit(&run);
    assert!(validate(&xml).0);
    let report = parse(&xml);
    let err = case(&report, "run", "infrastructure error 1");
    assert_eq!(
        (attr(err, "file"), attr(err, "line")),
        (Some("sqltest.yaml"), Some("1"))
    );
    let (kind, message, ty, _) = problem(err);
    assert_eq!(
        (kind, ty.as_str()),
        (NonSuccessKind::Error, "infrastructure")
    );
    assert!(message.starts_with("lost the connection"));
    let (kind, _, ty, _) = problem(case(&report, "run", "interrupted"));
    assert_eq!((kind, ty.as_str()), (NonSuccessKind::Error, "interrupted"));

    run.errors.clear();
    run.interrupted = false;
    let report = parse(&render_junit(&run));
    assert!(report.test_suites.iter().all(|s| s.name.as_str() != "run"));
}

#[test]
fn classname_and_name_stay_unique_when_a_check_shares_a_test_name() {
    let mut run = sample_run();
    let mut clash = run.checks[0].clone();
    clash.id = "sqltest/orders.yaml::order total adds tax".into();
    run.checks.push(clash.clone());
    run.checks.push(clash);
    let xml = render_junit(&run);
    let report = parse(&xml);
    let orders = &report.test_suites[1];
    let mut pairs: Vec<(String, String)> = orders
        .test_cases
        .iter()
        .map(|c| {
            (
                c.classname.as_ref().unwrap().to_string(),
                c.name.to_string(),
            )
        })
        .collect();
    let before = pairs.len();
    pairs.sort();
    pairs.dedup();
    assert_eq!(pairs.len(), before, "duplicate (classname, name) in {xml}");
    case(
        &report,
        "sqltest/orders.yaml",
        "order total adds tax [check]",
    );
    case(
        &report,
        "sqltest/orders.yaml",
        "order total adds tax [check 3]",
    );
}

#[test]
fn huge_bodies_are_bounded() {
    let mut run = sample_run();
    let diff: String = (0..5000)
        .map(|i| format!("-row {i}\n+row {i}x\n"))
        .collect();
    run.tests[1].failure.as_mut().unwrap().details = Some(diff);
    let xml = render_junit(&run);
    assert!(xml.len() < 40_000, "{} bytes", xml.len());
    assert!(xml.contains("more lines not shown (see the JSON report)"));
    assert!(validate(&xml).0);
}

#[test]
fn an_empty_run_is_still_valid() {
    let mut run = sample_run();
    run.migrations.clear();
    run.tests.clear();
    run.checks.clear();
    run.errors.clear();
    let xml = render_junit(&run);
    assert!(validate(&xml).0, "{xml}");
    assert_eq!(parse(&xml).tests, 0);
}
