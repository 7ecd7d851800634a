//! `sqltest run` on PostgreSQL: the local backend (a throwaway cluster), the url backend (an
//! existing server, leaving no database behind), failing migrations located to line and
//! column, environment errors (exit 3), and cleanup on Ctrl-C.

mod common;
use common::*;
use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::{Duration, Instant};

fn entries(dir: &std::path::Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn shop_postgres_passes_on_a_local_cluster_and_removes_it() {
    let tmp = out_dir("pg_local_tmp");
    let json = out_dir("pg_local").join("r.json");
    let o = sqltest()
        .env("TMPDIR", &tmp)
        .args([
            "run",
            fixture("shop-postgres").to_str().unwrap(),
            "--backend",
            "local",
        ])
        .arg("--report")
        .arg(format!("json={}", json.display()))
        .output()
        .unwrap();
    assert_exit(&o, 0);
    let report = read_json(&json);
    assert!(test_statuses(&report).len() >= 20);
    assert_eq!(report["project"]["backend"], "local");
    assert!(
        report["project"]["server_version"]
            .as_str()
            .unwrap()
            .starts_with("PostgreSQL")
    );
    assert!(
        entries(&tmp).is_empty(),
        "the cluster directory is gone: {:?}",
        entries(&tmp)
    );
}

#[test]
fn a_goose_project_applies_up_sections_only_and_no_transaction_files_outside_one() {
    let json = out_dir("goose").join("r.json");
    let o = run(&[
        "run",
        fixture("goose-postgres").to_str().unwrap(),
        "--backend",
        "local",
        "--report",
        &format!("json={}", json.display()),
    ]);
    assert_exit(&o, 0);
    let report = read_json(&json);
    let migrations: Vec<_> = report["migrations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["path"].as_str().unwrap().to_owned(), m["status"].clone()))
        .collect();
    assert_eq!(migrations.len(), 4, "{migrations:?}");
    assert!(
        migrations.iter().all(|(_, s)| s == "passed"),
        "{migrations:?}"
    );
    let statuses = test_statuses(&report);
    assert_eq!(statuses.len(), 4);
    assert!(statuses.iter().all(|(_, s)| s == "passed"), "{statuses:?}");
}

#[test]
fn isolation_holds_on_postgres_in_one_worker() {
    let o = run(&[
        "run",
        fixture("isolation-postgres").to_str().unwrap(),
        "--backend",
        "local",
        "--jobs",
        "1",
    ]);
    assert_exit(&o, 0);
}

#[test]
fn url_backend_uses_an_existing_server_and_drops_its_databases() {
    let server = PgServer::start();
    let json = out_dir("pg_url").join("r.json");
    let o = sqltest()
        .env("DATABASE_URL", server.url())
        .args([
            "run",
            fixture("shop-postgres").to_str().unwrap(),
            "--jobs",
            "3",
        ])
        .arg("--report")
        .arg(format!("json={}", json.display()))
        .output()
        .unwrap();
    assert_exit(&o, 0);
    assert_eq!(read_json(&json)["project"]["backend"], "url");
    assert_eq!(
        server.user_databases(),
        Vec::<String>::new(),
        "no database left behind"
    );
}

#[test]
fn a_failing_migration_names_file_line_column_and_sqlstate() {
    let json = out_dir("pg_broken_migration").join("r.json");
    let o = run(&[
        "run",
        fixture("broken-migration").to_str().unwrap(),
        "--backend",
        "local",
        "--report",
        &format!("json={}", json.display()),
    ]);
    assert_exit(&o, 1);
    let report = read_json(&json);
    let ms = report["migrations"].as_array().unwrap();
    let statuses: Vec<&str> = ms.iter().map(|m| m["status"].as_str().unwrap()).collect();
    assert_eq!(statuses[0], "passed");
    assert_eq!(statuses[1], "failed");
    assert!(
        statuses[2..].iter().all(|s| *s == "skipped"),
        "{statuses:?}"
    );
    let err = &ms[1]["error"];
    assert_eq!(err["sqlstate"], "42703", "{err}");
    let text = all_output(&o);
    let loc = format!(
        "{}:{}:{}",
        err["location"]["path"].as_str().unwrap(),
        err["location"]["line"],
        err["location"]["column"]
    );
    assert!(text.contains(&loc), "terminal names {loc}:\n{text}");
    assert!(text.contains("42703"), "{text}");
}

#[test]
fn url_backend_without_a_url_is_an_environment_error() {
    let o = run(&[
        "run",
        fixture("shop-postgres").to_str().unwrap(),
        "--backend",
        "url",
    ]);
    assert_exit(&o, 3);
    assert!(all_output(&o).contains("--database-url"));
}

#[test]
fn an_unreachable_server_is_an_environment_error_without_the_password() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("postgres://me:s3cret-pw@127.0.0.1:{port}/app");
    let o = run(&[
        "run",
        fixture("shop-postgres").to_str().unwrap(),
        "--database-url",
        &url,
    ]);
    assert_exit(&o, 3);
    let text = all_output(&o);
    assert!(text.contains("cannot reach"), "{text}");
    assert!(!text.contains("s3cret-pw"), "the password leaked: {text}");
}

#[test]
fn ctrl_c_mid_test_stops_and_removes_the_local_cluster() {
    let project = out_dir("pg_sigint_project");
    std::fs::create_dir_all(project.join("sqltest")).unwrap();
    std::fs::write(project.join("sqltest.yaml"), "engine: postgres\n").unwrap();
    std::fs::write(
        project.join("sqltest/slow.yaml"),
        "tests:\n  - name: sleeps\n    sql: select pg_sleep(60)\n",
    )
    .unwrap();
    let tmp = out_dir("pg_sigint_tmp");
    let json = out_dir("pg_sigint").join("r.json");
    let mut child = sqltest()
        .env("TMPDIR", &tmp)
        .args(["run", project.to_str().unwrap(), "--backend", "local"])
        .arg("--report")
        .arg(format!("json={}", json.display()))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    // Wait until the run is in its tests (the template is prepared), then interrupt it.
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        match lines.next() {
            Some(Ok(l)) if l.contains("prepared") => break,
            Some(_) => continue,
            None => break,
        }
    }
    std::thread::sleep(Duration::from_millis(500));
    // SAFETY: sending a signal to our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    assert!(
        entries(&tmp).is_empty(),
        "cluster directory left behind: {:?}",
        entries(&tmp)
    );
    let report = read_json(&json);
    assert_eq!(report["interrupted"], true);
}

#[test]
fn a_diesel_project_applies_up_sql_in_version_order_and_honours_metadata_toml() {
    let json = out_dir("diesel").join("r.json");
    let o = run(&[
        "run",
        fixture("diesel-postgres").to_str().unwrap(),
        "--backend",
        "local",
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
            "migrations/00000000000000_diesel_initial_setup/up.sql",
            "migrations/2023-05-10-120000_create_users/up.sql",
            "migrations/2023-05-11-090000_create_posts/up.sql",
            "migrations/2023-06-01-000000_index_posts_concurrently/up.sql",
        ]
    );
    let statuses = test_statuses(&report);
    assert_eq!(statuses.len(), 5);
    assert!(statuses.iter().all(|(_, s)| s == "passed"), "{statuses:?}");
    assert!(report.get("warnings").is_none(), "{}", report["warnings"]);
}

/// Issue 10, item 5 on PostgreSQL (local backend): odd table and column names in rules and in
/// the given rows' inserts (`json_populate_recordset(null::"public"."a""b", …)`).
#[test]
fn odd_identifiers_work_in_rules_and_given_rows_on_postgres() {
    let dir = odd_names::project("odd_names_pg", "postgres", odd_names::ODD_SPEC);
    let json = dir.join("r.json");
    let o = run(&[
        "run",
        dir.to_str().unwrap(),
        "--backend",
        "local",
        "--report",
        &format!("json={}", json.display()),
    ]);
    assert_exit(&o, 1);
    odd_names::assert_odd_results(&read_json(&json));
}

/// Issue 10, item 4 on PostgreSQL: wrong-typed arguments are our located errors (at the
/// value), not the database's `invalid input syntax` at the check.
#[test]
fn wrong_typed_rule_arguments_are_located_errors_on_postgres() {
    let dir = odd_names::project("typed_args_pg", "postgres", odd_names::TYPED_SPEC);
    let o = run(&["run", dir.to_str().unwrap(), "--backend", "local"]);
    assert_exit(&o, 2);
    let text = all_output(&o);
    odd_names::assert_typed_errors(&text);
    assert!(!text.contains("invalid input syntax"), "{text}");
}
