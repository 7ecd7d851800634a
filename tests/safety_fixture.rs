//! `fixtures/unsafe-migration-postgres`: a base history with 17,000 seeded rows and a change
//! that adds the statements production suffers from, run with `--base` on a git repository
//! made here; the findings are those its EXPECTED.md lists, measured, at file:line.

mod common;
use common::*;
use std::path::Path;
use std::process::Command;

fn git(dir: &Path, args: &[&str]) {
    let o = Command::new("git")
        .current_dir(dir)
        .args(["-c", "user.name=sqltest", "-c", "user.email=t@example.com"])
        .args([
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .output()
        .expect("git runs");
    assert!(
        o.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// (file, rule, table, lock) of each safety finding, and whether it was suppressed.
fn safety(report: &serde_json::Value) -> Vec<(String, String, String, String, bool)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["category"] == "safety" && f["measured"].is_object())
        .map(|f| {
            let path = f["location"]["path"].as_str().unwrap();
            let m = &f["measured"];
            (
                path.rsplit('/').next().unwrap().to_string(),
                f["rule"].as_str().unwrap().to_string(),
                m["table"].as_str().unwrap_or("").to_string(),
                m["lock"].as_str().unwrap_or("").to_string(),
                f["suppressed"].is_string(),
            )
        })
        .collect()
}

#[test]
fn the_unsafe_change_is_measured_on_the_base_database() {
    let fixture = fixture("unsafe-migration-postgres");
    let dir = out_dir("safety_fixture").join("repo");
    std::fs::create_dir_all(&dir).unwrap();
    git(&dir, &["init", "-q"]);
    copy_dir(&fixture.join("base"), &dir);
    git(&dir, &["add", "-A"]);
    git(&dir, &["commit", "-qm", "base"]);
    git(&dir, &["checkout", "-qb", "change"]);
    copy_dir(&fixture.join("change"), &dir);
    git(&dir, &["add", "-A"]);
    git(&dir, &["commit", "-qm", "change"]);

    let json = dir.parent().unwrap().join("results.json");
    let o = run(&[
        "run",
        dir.to_str().unwrap(),
        "--base",
        "main",
        "--backend",
        "local",
        "--report",
        &format!("json={}", json.display()),
    ]);
    let out = all_output(&o);
    assert_exit(&o, 1);
    let report = read_json(&json);
    let found = safety(&report);
    let has = |file: &str, rule: &str, table: &str, lock: &str| {
        found.iter().any(|f| {
            f.0.starts_with(file) && f.1 == rule && f.2 == table && (lock.is_empty() || f.3 == lock)
        })
    };
    let count = |file: &str| found.iter().filter(|f| f.0.starts_with(file)).count();
    let orders = "public.orders";
    let customers = "public.customers";

    assert!(
        has("20240301", "blocks-reads", orders, "AccessExclusiveLock"),
        "{found:#?}\n{out}"
    );
    assert_eq!(
        count("20240301"),
        1,
        "lock_timeout set, no rewrite: {found:#?}"
    );

    assert!(
        has("20240302", "blocks-writes", orders, "ShareLock"),
        "{found:#?}"
    );
    assert!(
        has("20240302", "missing-lock-timeout", orders, "ShareLock"),
        "{found:#?}"
    );
    assert_eq!(count("20240302"), 2, "{found:#?}");

    for t in [orders, customers] {
        assert!(
            has("20240303", "blocks-writes", t, "ShareRowExclusiveLock"),
            "{t}: {found:#?}"
        );
        assert!(
            has("20240303", "scan-under-lock", t, "ShareRowExclusiveLock"),
            "{t}: {found:#?}"
        );
    }

    assert!(
        has("20240304", "table-rewrite", orders, "AccessExclusiveLock"),
        "{found:#?}"
    );
    assert!(
        has("20240304", "lock-held-long", orders, "AccessExclusiveLock"),
        "{found:#?}"
    );

    assert_eq!(
        count("20240305"),
        0,
        "CREATE INDEX CONCURRENTLY: {found:#?}"
    );

    assert!(
        has(
            "20240306",
            "scan-under-lock",
            customers,
            "AccessExclusiveLock"
        ),
        "{found:#?}"
    );
    // Allowed in the migration: still reported, as a note with its reason, failing nothing.
    let allowed: Vec<_> = found.iter().filter(|f| f.4).collect();
    assert_eq!(allowed.len(), 1, "{found:#?}");
    assert_eq!(allowed[0].1, "scan-under-lock");
    let note = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["suppressed"].is_string())
        .unwrap();
    assert!(
        note["suppressed"]
            .as_str()
            .unwrap()
            .contains("customers stays small"),
        "{note}"
    );
    // Ids stay unique when one file has a rule twice.
    let ids: std::collections::HashSet<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), report["findings"].as_array().unwrap().len());

    // The findings say what production would feel: the table's rows in the fixture.
    let rewrite = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "table-rewrite")
        .unwrap();
    assert_eq!(rewrite["measured"]["rows"], 12000);
    assert_eq!(rewrite["location"]["line"], 1);
    assert!(
        rewrite["message"].as_str().unwrap().contains("12,000 rows"),
        "{rewrite}"
    );
    assert!(out.contains("[safety/table-rewrite]"), "{out}");

    // Measured and unmeasured paths build the same schema: no drift.
    let rules: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert!(!rules.contains(&"schema-drift"), "{out}");
    // The base's own migrations are never measured.
    assert!(
        found.iter().all(|f| !f.0.starts_with("20240101")),
        "{found:#?}"
    );
}
