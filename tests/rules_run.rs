//! Business rules through the binary: `sqltest run` runs them after migrations and seeds,
//! `sqltest check` audits an existing database read-only, and typos are located config errors.

mod common;
use common::*;

fn checks(report: &serde_json::Value) -> Vec<(String, String, String)> {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["id"].as_str().unwrap().to_string(),
                c["status"].as_str().unwrap().to_string(),
                c["severity"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn demo_rules_pass_and_appear_in_reports() {
    let out = out_dir("rules_demo");
    let json = out.join("r.json");
    let junit = out.join("j.xml");
    let o = run(&[
        "run",
        fixture("shop-sqlite").to_str().unwrap(),
        "--report",
        &format!("json={}", json.display()),
        "--report",
        &format!("junit={}", junit.display()),
    ]);
    assert_exit(&o, 0);
    let c = checks(&read_json(&json));
    assert!(c.len() >= 10, "{c:?}");
    assert!(c.iter().all(|(_, s, _)| s == "passed"), "{c:?}");
    assert_junit_valid(&junit);
    assert!(
        std::fs::read_to_string(&junit)
            .unwrap()
            .contains("not_null")
    );
}

#[test]
fn failing_rules_exit_1_with_samples_and_warnings_do_not_fail_alone() {
    let json = out_dir("rules_broken").join("r.json");
    let o = run(&[
        "run",
        fixture("broken-rules").to_str().unwrap(),
        "--report",
        &format!("json={}", json.display()),
    ]);
    assert_exit(&o, 1);
    let report = read_json(&json);
    let c = checks(&report);
    let failed_errors = c
        .iter()
        .filter(|(_, s, sev)| s == "failed" && sev == "error")
        .count();
    assert_eq!(failed_errors, 7, "{c:?}");
    let unique = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["kind"] == "unique")
        .unwrap();
    assert_eq!(unique["violations"], 2);
    assert!(
        !unique["samples"].as_array().unwrap().is_empty(),
        "samples show the duplicates"
    );
    let text = all_output(&o);
    assert!(text.contains("sqltest/rules.yaml:"), "{text}");

    // Only the warning-severity check, selected alone: fails only with --fail-on warning.
    let warn = run(&[
        "run",
        fixture("broken-rules").to_str().unwrap(),
        "--filter",
        "not_null(note)",
    ]);
    assert_exit(&warn, 0);
    let strict = run(&[
        "run",
        fixture("broken-rules").to_str().unwrap(),
        "--filter",
        "not_null(note)",
        "--fail-on",
        "warning",
    ]);
    assert_exit(&strict, 1);
}

#[test]
fn a_typo_in_a_rule_is_a_located_config_error_with_a_suggestion() {
    let o = run(&["run", fixture("broken-rules-typo").to_str().unwrap()]);
    assert_exit(&o, 2);
    let text = all_output(&o);
    assert!(text.contains("sqltest/rules.yaml:4:20"), "{text}");
    assert!(text.contains("did you mean `customer_id`"), "{text}");
}

#[test]
fn check_audits_a_postgres_database_read_only() {
    let server = PgServer::start();
    server.query(
        "create table orders (id int, status text, amount numeric); \
         insert into orders values (1, 'paid', 5), (2, 'lost', -1), (2, 'new', 3); select 1",
    );
    let project = out_dir("check_pg_project");
    std::fs::create_dir_all(project.join("sqltest")).unwrap();
    std::fs::write(
        project.join("sqltest.yaml"),
        "engine: postgres\ntimeout: 10s\n",
    )
    .unwrap();
    std::fs::write(
        project.join("sqltest/rules.yaml"),
        "rules:\n  - table: orders\n    checks:\n      - unique: [id]\n      - range: {column: amount, min: 0}\n      - accepted_values: {column: status, values: [new, paid]}\n  - name: sneaky update\n    sql: \"with changed as (update orders set amount = 0 returning id) select id from changed\"\n",
    )
    .unwrap();
    let before = server.query("select string_agg(id || ':' || status || ':' || amount, ',' order by id, status) from orders");
    let json = out_dir("check_pg").join("r.json");
    let o = run(&[
        "check",
        project.to_str().unwrap(),
        "--database-url",
        &server.url(),
        "--report",
        &format!("json={}", json.display()),
    ]);
    assert_exit(&o, 1);
    let report = read_json(&json);
    let by_kind = |k: &str| {
        report["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["kind"] == k)
            .unwrap()
            .clone()
    };
    assert_eq!(by_kind("unique")["status"], "failed");
    assert_eq!(by_kind("range")["violations"], 1);
    assert_eq!(by_kind("accepted_values")["violations"], 1);
    let sneaky = by_kind("sql");
    assert_ne!(
        sneaky["status"], "passed",
        "a writing rule cannot pass: {sneaky}"
    );
    assert!(sneaky.to_string().contains("read-only"), "{sneaky}");
    let after = server.query("select string_agg(id || ':' || status || ':' || amount, ',' order by id, status) from orders");
    assert_eq!(before, after, "the audit changed nothing");

    // A rule that is plainly not a query is refused before anything runs.
    std::fs::write(
        project.join("sqltest/rules.yaml"),
        "rules:\n  - name: plain update\n    sql: \"update orders set amount = 0\"\n",
    )
    .unwrap();
    let o = run(&[
        "check",
        project.to_str().unwrap(),
        "--database-url",
        &server.url(),
    ]);
    assert_exit(&o, 2);
    assert!(
        all_output(&o).contains("must be a query"),
        "{}",
        all_output(&o)
    );
    let after = server.query("select string_agg(id || ':' || status || ':' || amount, ',' order by id, status) from orders");
    assert_eq!(before, after);

    // A bound the column's type cannot hold is located at the value before anything runs.
    std::fs::write(
        project.join("sqltest/rules.yaml"),
        "rules:\n  - table: orders\n    checks:\n      - range: {column: amount, min: abc}\n",
    )
    .unwrap();
    let o = run(&[
        "check",
        project.to_str().unwrap(),
        "--database-url",
        &server.url(),
    ]);
    assert_exit(&o, 2);
    let text = all_output(&o);
    assert!(text.contains("sqltest/rules.yaml:4:38"), "{text}");
    assert!(text.contains("`min` `abc` is not a number"), "{text}");
}

#[test]
fn check_writes_stdout_reports_and_annotates_once_on_github_actions() {
    let server = PgServer::start();
    server.query(
        "create table orders (id int, amount numeric); insert into orders values (1, -1); select 1",
    );
    let project = out_dir("check_stdout_project");
    std::fs::create_dir_all(project.join("sqltest")).unwrap();
    std::fs::write(project.join("sqltest.yaml"), "engine: postgres\n").unwrap();
    std::fs::write(
        project.join("sqltest/rules.yaml"),
        "rules:\n  - table: orders\n    checks:\n      - range: {column: amount, min: 0}\n",
    )
    .unwrap();
    let args = [
        "check",
        project.to_str().unwrap(),
        "--database-url",
        &server.url(),
        "--report",
        "github",
    ];
    let annotations = |o: &std::process::Output| {
        stdout(o)
            .lines()
            // The path is relative to the repository holding the project.
            .filter(|l| l.starts_with("::error file=") && l.contains("sqltest/rules.yaml,line=4,"))
            .count()
    };
    let o = run(&args);
    assert_exit(&o, 1);
    assert_eq!(annotations(&o), 1, "{}", all_output(&o));

    let summary = out_dir("check_stdout").join("summary.md");
    let o = sqltest()
        .args(args)
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", &summary)
        .output()
        .unwrap();
    assert_exit(&o, 1);
    assert_eq!(annotations(&o), 1, "once, not twice: {}", all_output(&o));
    let summary = std::fs::read_to_string(&summary).expect("the job summary");
    assert!(summary.contains("orders.range(amount)"), "{summary}");
}
