//! `sqltest run` on SQLite (embedded backend): the demo passes, reports are written and
//! valid, isolation holds, results do not depend on --jobs, and each broken fixture fails
//! the way it should.

mod common;
use common::*;

#[test]
fn shop_sqlite_demo_passes_and_writes_valid_reports() {
    let out = out_dir("shop_sqlite_demo");
    let junit = out.join("junit.xml");
    let json = out.join("results.json");
    let o = run(&[
        "run",
        fixture("shop-sqlite").to_str().unwrap(),
        "--report",
        &format!("junit={}", junit.display()),
        "--report",
        &format!("json={}", json.display()),
    ]);
    assert_exit(&o, 0);
    let report = read_json(&json);
    assert_eq!(report["schema_version"], 1);
    let statuses = test_statuses(&report);
    assert!(
        statuses.len() >= 20,
        "the demo has about 20 tests, got {}",
        statuses.len()
    );
    assert!(
        statuses
            .iter()
            .all(|(_, s)| s == "passed" || s == "skipped"),
        "{statuses:?}"
    );
    assert!(
        report["migrations"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["status"] == "passed")
    );
    assert_junit_valid(&junit);
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(xml.contains("<testsuite"), "{xml}");
    assert!(
        all_output(&o).contains("PASS"),
        "terminal lists passing tests"
    );
}

#[test]
fn isolation_holds_on_sqlite_in_one_worker() {
    let o = run(&[
        "run",
        fixture("isolation-sqlite").to_str().unwrap(),
        "--jobs",
        "1",
    ]);
    assert_exit(&o, 0);
}

#[test]
fn results_do_not_depend_on_the_number_of_workers() {
    let out = out_dir("sqlite_jobs");
    let mut seen = Vec::new();
    for jobs in ["1", "3"] {
        let json = out.join(format!("r{jobs}.json"));
        let o = run(&[
            "run",
            fixture("shop-sqlite").to_str().unwrap(),
            "--jobs",
            jobs,
            "--report",
            &format!("json={}", json.display()),
        ]);
        assert_exit(&o, 0);
        let report = read_json(&json);
        // Same tests in the same (plan) order, not only the same set.
        let ids: Vec<String> = report["tests"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["id"].to_string())
            .collect();
        seen.push((ids, test_statuses(&report)));
    }
    assert_eq!(seen[0], seen[1]);
}

#[test]
fn a_failing_test_exits_1_with_a_diff_and_its_location() {
    let json = out_dir("failing_test").join("r.json");
    let o = run(&[
        "run",
        fixture("broken-failing-test").to_str().unwrap(),
        "--report",
        &format!("json={}", json.display()),
    ]);
    assert_exit(&o, 1);
    let text = all_output(&o);
    assert!(text.contains("FAIL"), "{text}");
    assert!(
        text.contains("expected") && text.contains("actual"),
        "side by side: {text}"
    );
    let report = read_json(&json);
    let failed: Vec<_> = report["tests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["status"] == "failed")
        .collect();
    assert_eq!(failed.len(), 1, "exactly one test fails: {text}");
    let f = &failed[0];
    assert_eq!(f["failure"]["kind"], "rows_mismatch");
    let loc = format!(
        "{}:{}",
        f["location"]["path"].as_str().unwrap(),
        f["location"]["line"]
    );
    assert!(text.contains(&loc), "the failure names {loc}: {text}");
}

#[test]
fn a_failing_sqlite_migration_is_a_failed_check_and_skips_tests() {
    let json = out_dir("failing_migration_sqlite").join("r.json");
    let o = run(&[
        "run",
        fixture("broken-migration-sqlite").to_str().unwrap(),
        "--report",
        &format!("json={}", json.display()),
    ]);
    assert_exit(&o, 1);
    let report = read_json(&json);
    let failed: Vec<_> = report["migrations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["status"] == "failed")
        .collect();
    assert_eq!(failed.len(), 1);
    let err = &failed[0]["error"];
    assert!(
        err["location"]["line"].as_u64().unwrap() > 1,
        "located inside the file: {err}"
    );
    assert!(
        report["tests"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["status"] == "skipped")
    );
    let reason = report["tests"][0]["skip_reason"].as_str().unwrap();
    assert!(reason.contains("migration"), "{reason}");
}

#[test]
fn bad_sql_in_a_test_fails_with_the_database_message() {
    let o = run(&["run", fixture("broken-sql-in-test").to_str().unwrap()]);
    assert_exit(&o, 1);
    let text = all_output(&o);
    assert!(text.contains("syntax error"), "{text}");
}

#[test]
fn config_errors_exit_2_and_name_their_location() {
    for (name, needle) in [
        ("broken-yaml", "sqltest/"),
        ("broken-unknown-key", "expct"),
        ("broken-duplicate-names", "duplicate"),
        ("broken-missing-files", "sqltest.yaml:"),
        ("broken-unknown-engine", "oracle"),
    ] {
        let o = run(&["run", fixture(name).to_str().unwrap()]);
        assert_exit(&o, 2);
        let text = all_output(&o);
        assert!(
            text.contains(needle),
            "{name}: expected {needle:?} in:\n{text}"
        );
        assert!(!text.contains("panicked"), "{name}: {text}");
    }
}

#[test]
fn unknown_keys_in_project_and_spec_are_reported_together() {
    let o = run(&["run", fixture("broken-unknown-key").to_str().unwrap()]);
    assert_exit(&o, 2);
    let text = all_output(&o);
    assert!(text.contains("sqltest.yaml:"), "{text}");
    assert!(text.contains("expct"), "{text}");
}

#[test]
fn list_shows_test_ids() {
    let o = run(&["list", fixture("shop-sqlite").to_str().unwrap()]);
    assert_exit(&o, 0);
    assert!(
        stdout(&o)
            .lines()
            .filter(|l| l.starts_with("test "))
            .count()
            >= 20
    );
}

#[test]
fn a_missing_project_is_a_usage_error() {
    let dir = out_dir("no_project");
    let o = run(&["run", dir.to_str().unwrap()]);
    assert_exit(&o, 2);
    assert!(all_output(&o).contains("sqltest.yaml"));
}

#[test]
fn on_github_actions_an_explicit_github_report_annotates_once() {
    let project = fixture("broken-failing-test");
    let project = project.to_str().unwrap();
    let count = |o: &std::process::Output| stdout(o).matches("::error ").count();
    let outside = run(&["run", project, "--report", "github"]);
    assert_exit(&outside, 1);
    let once = count(&outside);
    assert!(
        once >= 1,
        "the failure is annotated: {}",
        all_output(&outside)
    );
    let summary = out_dir("actions_annotate_once").join("summary.md");
    let inside = sqltest()
        .args(["run", project, "--report", "github"])
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", &summary)
        .output()
        .expect("run sqltest");
    assert_exit(&inside, 1);
    assert_eq!(count(&inside), once, "{}", all_output(&inside));
    assert!(
        std::fs::read_to_string(&summary)
            .unwrap()
            .contains("sqltest")
    );
}

#[test]
fn a_runaway_sqlite_test_fails_at_the_timeout_instead_of_hanging() {
    let project = out_dir("sqlite_timeout_project");
    std::fs::create_dir_all(project.join("db")).unwrap();
    std::fs::create_dir_all(project.join("sqltest")).unwrap();
    std::fs::write(
        project.join("sqltest.yaml"),
        "engine: sqlite\nmigrations: db\ntimeout: 500ms\n",
    )
    .unwrap();
    std::fs::write(project.join("db/001_init.sql"), "create table t (x int);\n").unwrap();
    std::fs::write(
        project.join("sqltest/loop.yaml"),
        "tests:\n  - name: runaway\n    sql: with recursive r(x) as (select 1 union all select x + 1 from r) select count(*) as n from r\n    expect:\n      rows: [{n: 1}]\n  - name: fine\n    sql: select 1 as one\n    expect:\n      rows: [{one: 1}]\n",
    )
    .unwrap();
    let json = project.join("r.json");
    let o = run(&[
        "run",
        project.to_str().unwrap(),
        "--report",
        &format!("json={}", json.display()),
    ]);
    assert_exit(&o, 1);
    let report = read_json(&json);
    let statuses = test_statuses(&report);
    assert_eq!(
        statuses,
        vec![
            ("sqltest/loop.yaml::fine".to_string(), "passed".to_string()),
            (
                "sqltest/loop.yaml::runaway".to_string(),
                "failed".to_string()
            ),
        ]
    );
    assert!(
        all_output(&o).contains("canceling statement due to statement timeout (500ms)"),
        "{}",
        all_output(&o)
    );
}

#[test]
fn a_popx_project_applies_only_the_sqlite3_and_dialect_less_files() {
    let json = out_dir("popx_sqlite").join("r.json");
    let o = run(&[
        "run",
        fixture("popx-sqlite").to_str().unwrap(),
        "--report",
        &format!("json={}", json.display()),
    ]);
    assert_exit(&o, 0);
    let report = read_json(&json);
    let paths: Vec<&str> = report["migrations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        paths,
        [
            "persistence/sql/migrations/20150100000001000000_networks.sqlite3.up.sql",
            "persistence/sql/migrations/20200519101057000000_identities.up.sql",
            "persistence/sql/migrations/20220301000000000000_identity_index.sqlite3.up.sql",
        ]
    );
    assert!(test_statuses(&report).iter().all(|(_, s)| s == "passed"));
    assert!(
        report.get("warnings").is_none(),
        "other dialects' files are no warning"
    );
}

#[test]
fn sql_files_that_give_no_migration_are_an_error_at_the_migrations_key() {
    let o = run(&["run", fixture("broken-empty-migrations").to_str().unwrap()]);
    assert_exit(&o, 2);
    let err = stderr(&o);
    assert!(err.contains("--> sqltest.yaml:4:13"), "{err}");
    assert!(
        err.contains("`migrations: db/migrations` gives no migration: 3 .sql file(s) here"),
        "{err}"
    );
    assert!(
        err.contains("db/migrations/schema/functions/views.sql"),
        "{err}"
    );
    assert!(err.contains("Diesel (<version>_<name>/up.sql)"), "{err}");
    assert!(!stdout(&o).contains("passed"), "no test ran");
}

#[test]
fn files_the_layout_does_not_apply_are_a_warning_in_the_terminal_and_json() {
    let dir = out_dir("ignored_files").join("p");
    copy_dir(&fixture("shop-sqlite"), &dir);
    std::fs::create_dir_all(dir.join("db/migrations/archive")).unwrap();
    // A name no Flyway rule reads: Flyway itself would skip it without a word.
    std::fs::write(
        dir.join("db/migrations/archive/old_schema.sql"),
        "select 1;",
    )
    .unwrap();
    let json = dir.join("r.json");
    let o = run(&[
        "run",
        dir.to_str().unwrap(),
        "--report",
        &format!("json={}", json.display()),
    ]);
    assert_exit(&o, 0);
    assert!(
        stdout(&o).contains("Warning the flyway layout does not apply 1 .sql file(s) in the migrations directory: db/migrations/archive/old_schema.sql"),
        "{}",
        stdout(&o)
    );
    let report = read_json(&json);
    assert_eq!(
        report["warnings"][0]["location"]["path"],
        "db/migrations/archive/old_schema.sql"
    );
}

#[test]
fn migrations_outside_the_project_are_a_located_error() {
    let dir = out_dir("outside_project").join("p");
    copy_dir(&fixture("shop-sqlite"), &dir);
    let yaml = std::fs::read_to_string(dir.join("sqltest.yaml")).unwrap();
    let escaped = "../".repeat(40) + "etc";
    std::fs::write(
        dir.join("sqltest.yaml"),
        yaml.replace(
            "migrations: db/migrations",
            &format!("migrations: {escaped}"),
        ),
    )
    .unwrap();
    let o = run(&["run", dir.to_str().unwrap()]);
    assert_exit(&o, 2);
    let err = stderr(&o);
    assert!(err.contains("points outside the project"), "{err}");
    assert!(err.contains("--> sqltest.yaml:"), "{err}");
}

/// Issue 10, item 5: a table named `a"b` (columns `first name`, `prénom`) and one named `t.x`
/// are found, quoted in every check and in the given rows' inserts.
#[test]
fn odd_identifiers_work_in_rules_and_given_rows_on_sqlite() {
    let dir = odd_names::project("odd_names_sqlite", "sqlite", odd_names::ODD_SPEC);
    let json = dir.join("r.json");
    let o = run(&[
        "run",
        dir.to_str().unwrap(),
        "--report",
        &format!("json={}", json.display()),
    ]);
    assert_exit(&o, 1);
    odd_names::assert_odd_results(&read_json(&json));
}

/// Issue 10, item 4: `range: {min: abc}` on a numeric column and a non-date among a date
/// column's `accepted_values` are located errors before anything runs; a missing odd-named
/// table suggests the right name, written as a spec writes it.
#[test]
fn wrong_typed_rule_arguments_are_located_errors_on_sqlite() {
    let dir = odd_names::project("typed_args_sqlite", "sqlite", odd_names::TYPED_SPEC);
    let o = run(&["run", dir.to_str().unwrap()]);
    assert_exit(&o, 2);
    odd_names::assert_typed_errors(&all_output(&o));
}
