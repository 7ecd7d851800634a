//! `sqltest run --base`: the change's migrations applied to the database the base branch
//! builds (its migrations and seeds, read from git), history findings, base detection in CI,
//! and the shallow-clone error — on real git repositories made here, on SQLite and PostgreSQL.

mod common;
use common::*;
use std::path::{Path, PathBuf};
use std::process::Command;

fn git(dir: &Path, args: &[&str]) -> String {
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
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

fn write(dir: &Path, files: &[(&str, &str)]) {
    for (path, text) in files {
        let p = dir.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
}

/// A repository with `base` committed on main and `change` committed on a branch after it;
/// returns the directory and the base commit.
fn repo(
    test: &str,
    base: &[(&str, &str)],
    change: &[(&str, &str)],
    gone: &[&str],
) -> (PathBuf, String) {
    let dir = out_dir(test).join("repo");
    std::fs::create_dir_all(&dir).unwrap();
    git(&dir, &["init", "-q"]);
    write(&dir, base);
    git(&dir, &["add", "-A"]);
    git(&dir, &["commit", "-qm", "base"]);
    let sha = git(&dir, &["rev-parse", "HEAD"]);
    git(&dir, &["checkout", "-qb", "change"]);
    for g in gone {
        std::fs::remove_file(dir.join(g)).unwrap();
    }
    write(&dir, change);
    git(&dir, &["add", "-A"]);
    git(&dir, &["commit", "-qm", "change"]);
    (dir, sha)
}

const SQLITE_YAML: &str = "engine: sqlite\nmigrations: db/migrations\nseeds: [db/seeds/*.sql]\n";
const NO_SEEDS_YAML: &str = "engine: sqlite\nmigrations: db/migrations\n";

fn report_of(dir: &Path, extra: &[&str]) -> (std::process::Output, serde_json::Value) {
    let json = dir.parent().unwrap().join("results.json");
    let _ = std::fs::remove_file(&json);
    let mut args = vec!["run", dir.to_str().unwrap()];
    args.extend_from_slice(extra);
    let report = format!("json={}", json.display());
    args.extend(["--report", report.as_str()]);
    let o = run(&args);
    let v = if json.exists() {
        read_json(&json)
    } else {
        serde_json::Value::Null
    };
    (o, v)
}

/// The rules of the history, drift and reversibility findings (safety has its own tests).
fn rules(report: &serde_json::Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|f| f["category"] != "safety")
                .map(|f| f["rule"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn a_unique_index_over_duplicates_in_base_data_fails_only_on_the_upgrade_path() {
    let base = [
        ("sqltest.yaml", SQLITE_YAML),
        (
            "db/migrations/001_users.sql",
            "create table users (id integer primary key, email text);\n",
        ),
        (
            "db/seeds/users.sql",
            "insert into users (id, email) values (1, 'a@x'), (2, 'a@x');\n",
        ),
        (
            "sqltest/users.yaml",
            "tests:\n  - name: users load\n    sql: select count(*) as n from users\n    expect: {rows: [{n: 2}]}\n",
        ),
    ];
    let change = [
        (
            "db/migrations/002_unique_email.sql",
            "-- one account per address\ncreate unique index users_email on users (email);\n",
        ),
        (
            "db/seeds/users.sql",
            "insert into users (id, email) values (1, 'a@x'), (2, 'b@x');\n",
        ),
    ];
    let (dir, sha) = repo("upgrade_unique_sqlite", &base, &change, &[]);

    let (plain, _) = report_of(&dir, &[]);
    assert_exit(&plain, 0);

    let md = dir.parent().unwrap().join("summary.md");
    let md_target = format!("markdown={}", md.display());
    let (o, report) = report_of(&dir, &["--base", &sha, "--report", &md_target]);
    assert_exit(&o, 1);
    let summary = std::fs::read_to_string(&md).unwrap();
    assert!(
        summary.contains("### Migrations in this change"),
        "{summary}"
    );
    assert!(
        summary.contains("| `db/migrations/002_unique_email.sql` | ❌ failed |"),
        "{summary}"
    );
    assert!(
        !summary.contains("`db/migrations/001_users.sql` |"),
        "{summary}"
    );
    let out = all_output(&o);
    assert!(out.contains("Upgrade path"), "{out}");
    assert!(out.contains("(new in this change)"), "{out}");
    assert!(
        out.contains("UNIQUE constraint failed: users.email"),
        "{out}"
    );
    let migrations = report["migrations"].as_array().unwrap();
    let new: Vec<_> = migrations.iter().filter(|m| m["origin"] == "new").collect();
    assert_eq!(new.len(), 1, "{migrations:?}");
    assert_eq!(new[0]["path"], "db/migrations/002_unique_email.sql");
    assert_eq!(new[0]["status"], "failed");
    assert_eq!(new[0]["error"]["location"]["line"], 2, "{:?}", new[0]);
    // The base's seed ran before the new migration: that is where the duplicates came from.
    let seed = migrations.iter().find(|m| m["kind"] == "seed").unwrap();
    assert_eq!(seed["origin"], "base");
    let order: Vec<&str> = migrations
        .iter()
        .map(|m| m["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        order,
        [
            "db/migrations/001_users.sql",
            "db/seeds/users.sql",
            "db/migrations/002_unique_email.sql"
        ]
    );
}

#[test]
fn history_findings_are_reported_with_their_files_and_fail_the_run() {
    let base = [
        ("sqltest.yaml", NO_SEEDS_YAML),
        ("db/migrations/001_a.sql", "create table a (id integer);\n"),
        ("db/migrations/002_b.sql", "create table b (id integer);\n"),
        ("db/migrations/003_c.sql", "create table c (id integer);\n"),
        ("db/migrations/005_e.sql", "create table e (id integer);\n"),
        ("db/migrations/006_f.sql", "create table f (id integer);\n"),
    ];
    let change = [
        // CRLF only: a note.
        (
            "db/migrations/001_a.sql",
            "create table a (id integer);\r\n",
        ),
        // A real edit.
        (
            "db/migrations/002_b.sql",
            "create table b (id integer);\ncreate index b_id on b (id);\n",
        ),
        // Renamed with the same content.
        ("db/migrations/007_c.sql", "create table c (id integer);\n"),
        // Sorts before 005, which the base applied.
        ("db/migrations/004_d.sql", "create table d (id integer);\n"),
    ];
    let (dir, sha) = repo(
        "history_sqlite",
        &base,
        &change,
        &["db/migrations/003_c.sql", "db/migrations/006_f.sql"],
    );
    let junit = dir.parent().unwrap().join("junit.xml");
    let sarif = dir.parent().unwrap().join("results.sarif");
    let (o, report) = report_of(
        &dir,
        &[
            "--base",
            &sha,
            "--report",
            &format!("junit={}", junit.display()),
            "--report",
            &format!("sarif={}", sarif.display()),
        ],
    );
    assert_exit(&o, 1);
    assert_eq!(
        rules(&report),
        [
            "whitespace-edit",
            "edited",
            "renamed",
            "deleted",
            "out-of-order"
        ],
        "{}",
        all_output(&o)
    );
    let f = &report["findings"].as_array().unwrap()[1];
    assert_eq!(f["id"], "db/migrations/002_b.sql::edited");
    assert_eq!(f["location"]["line"], 2);
    assert!(
        f["details"]
            .as_str()
            .unwrap()
            .contains("+create index b_id on b (id);"),
        "{f}"
    );
    let deleted = &report["findings"].as_array().unwrap()[3];
    assert_eq!(deleted["location"]["path"], "db/migrations/006_f.sql");
    let out = all_output(&o);
    assert!(
        out.contains("[history/edited] db/migrations/002_b.sql:2"),
        "{out}"
    );
    assert!(out.contains("Note [history/whitespace-edit]"), "{out}");
    // Every format carries them.
    assert_junit_valid(&junit);
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(xml.contains("db/migrations/002_b.sql::edited"), "{xml}");
    let sarif: serde_json::Value = read_json(&sarif);
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert!(
        results.iter().any(|r| r["ruleId"] == "history/edited"),
        "{results:?}"
    );
    // The new 004 ran on top of the base's 001..006 (the base's content, not the edit).
    let migrations = report["migrations"].as_array().unwrap();
    let base_paths: Vec<&str> = migrations
        .iter()
        .filter(|m| m["origin"] == "base")
        .map(|m| m["path"].as_str().unwrap())
        .collect();
    assert!(
        base_paths.contains(&"db/migrations/006_f.sql"),
        "{base_paths:?}"
    );
}

#[test]
fn history_severities_and_a_baseline_come_from_sqltest_yaml() {
    let yaml = format!("{NO_SEEDS_YAML}baseline: \"002\"\nhistory: {{edited: warning}}\n");
    let base = [
        ("sqltest.yaml", yaml.as_str()),
        ("db/migrations/001_a.sql", "create table a (id integer);\n"),
        ("db/migrations/002_b.sql", "create table b (id integer);\n"),
        ("db/migrations/003_c.sql", "create table c (id integer);\n"),
    ];
    let change = [
        (
            "db/migrations/000_baseline.sql",
            "create table a (id integer);\ncreate table b (id integer);\n",
        ),
        (
            "db/migrations/003_c.sql",
            "-- c holds the c rows\ncreate table c (id integer);\n",
        ),
    ];
    let (dir, sha) = repo(
        "history_policy",
        &base,
        &change,
        &["db/migrations/001_a.sql", "db/migrations/002_b.sql"],
    );
    let (o, report) = report_of(&dir, &["--base", &sha]);
    assert_exit(&o, 0);
    // Deletions up to the baseline and the baseline file are squashed history (not applied on
    // the upgrade path); the edit is only a warning.
    assert_eq!(rules(&report), ["edited"], "{}", all_output(&o));
    assert_eq!(report["findings"][0]["severity"], "warning");
}

#[test]
fn gitlab_merge_requests_name_the_base_and_unknown_or_shallow_bases_are_errors() {
    let base = [
        ("sqltest.yaml", NO_SEEDS_YAML),
        ("db/migrations/001_a.sql", "create table a (id integer);\n"),
    ];
    let change = [("db/migrations/002_b.sql", "create table b (id integer);\n")];
    let (dir, sha) = repo("base_detection", &base, &change, &[]);
    let o = sqltest()
        .args(["run", dir.to_str().unwrap()])
        .env("GITLAB_CI", "true")
        .env("CI_MERGE_REQUEST_DIFF_BASE_SHA", &sha)
        .output()
        .unwrap();
    assert_exit(&o, 0);
    let out = all_output(&o);
    assert!(out.contains("CI_MERGE_REQUEST_DIFF_BASE_SHA"), "{out}");
    assert!(out.contains("1 new migration(s)"), "{out}");

    let o = run(&["run", dir.to_str().unwrap(), "--base", "no-such-branch"]);
    assert_exit(&o, 2);
    assert!(
        all_output(&o).contains("names no commit"),
        "{}",
        all_output(&o)
    );

    // A shallow clone of the change alone does not have the base.
    let shallow = dir.parent().unwrap().join("shallow");
    let _ = std::fs::remove_dir_all(&shallow);
    let url = format!("file://{}", dir.display());
    git(
        dir.parent().unwrap(),
        &[
            "clone", "-q", "--depth", "1", "--branch", "change", &url, "shallow",
        ],
    );
    let o = run(&["run", shallow.to_str().unwrap(), "--base", &sha]);
    assert_exit(&o, 3);
    assert!(
        all_output(&o).contains("fetch-depth: 0"),
        "{}",
        all_output(&o)
    );
    // The work tree is untouched by reading the base.
    assert_eq!(git(&dir, &["status", "--porcelain"]), "");
}

#[test]
fn a_not_null_column_without_default_fails_on_base_rows_in_postgres() {
    let yaml =
        "engine: postgres\nbackend: local\nmigrations: db/migrations\nseeds: [db/seeds/*.sql]\n";
    let base = [
        ("sqltest.yaml", yaml),
        (
            "db/migrations/20240101000000_orders.sql",
            "create type order_state as enum ('new', 'paid');\n\
             create table orders (id bigserial primary key, state order_state not null default 'new', tags text[]);\n",
        ),
        (
            "db/seeds/orders.sql",
            "insert into orders (state, tags) values ('new', '{a}'), ('paid', null);\n",
        ),
    ];
    let change = [
        (
            "db/migrations/20240201000000_orders_region.sql",
            "-- every order gets a region\nalter table orders\n  add column region text not null;\n",
        ),
        (
            "db/seeds/orders.sql",
            "insert into orders (state, tags, region) values ('new', '{a}', 'eu');\n",
        ),
    ];
    let (dir, sha) = repo("upgrade_not_null_postgres", &base, &change, &[]);
    let (plain, _) = report_of(&dir, &[]);
    assert_exit(&plain, 0);
    let (o, report) = report_of(&dir, &["--base", "main"]);
    assert_exit(&o, 1);
    let out = all_output(&o);
    assert!(out.contains("contains null values"), "{out}");
    let failed: Vec<_> = report["migrations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["status"] == "failed")
        .collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0]["origin"], "new");
    assert_eq!(failed[0]["error"]["sqlstate"], "23502");
    assert_eq!(
        failed[0]["error"]["location"]["path"],
        "db/migrations/20240201000000_orders_region.sql"
    );
    assert!(out.contains(&sha[..10]) || out.contains("main"), "{out}");
}

#[test]
fn a_ci_base_missing_from_a_full_clone_is_a_warning_and_a_plain_run() {
    let base = [
        ("sqltest.yaml", NO_SEEDS_YAML),
        ("db/migrations/001_a.sql", "create table a (id integer);\n"),
    ];
    let (dir, _) = repo(
        "ci_base_missing",
        &base,
        &[("db/migrations/002_b.sql", "select 1;\n")],
        &[],
    );
    let event = dir.parent().unwrap().join("event.json");
    std::fs::write(
        &event,
        r#"{"pull_request":{"base":{"sha":"0123456789abcdef0123456789abcdef01234567"}}}"#,
    )
    .unwrap();
    let o = sqltest()
        .args(["run", dir.to_str().unwrap()])
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_EVENT_PATH", &event)
        .output()
        .unwrap();
    assert_exit(&o, 0);
    let out = all_output(&o);
    assert!(out.contains("running without the upgrade path"), "{out}");
    assert!(!out.contains("Upgrade path:"), "{out}");
}

#[test]
fn an_edited_applied_migration_makes_the_fresh_install_drift_from_the_upgrade_on_postgres() {
    let yaml =
        "engine: postgres\nbackend: local\nmigrations: db/migrations\nhistory: {edited: off}\n";
    let base = [
        ("sqltest.yaml", yaml),
        (
            "db/migrations/001_accounts.sql",
            "create domain email as text check (value like '%@%');\n\
             create table accounts (id int primary key, address email not null);\n\
             create function touch() returns trigger language plpgsql as $$ begin return new; end $$;\n",
        ),
    ];
    let change = [
        (
            "db/migrations/001_accounts.sql",
            "create domain email as text check (value like '%@%');\n\
             create table accounts (id int primary key, address email not null, note text default 'x');\n\
             create function touch() returns trigger language plpgsql as $$ begin return new; end $$;\n",
        ),
        (
            "db/migrations/002_trigger.sql",
            "create trigger accounts_touch before update on accounts for each row execute function touch();\n",
        ),
    ];
    let (dir, sha) = repo("drift_postgres", &base, &change, &[]);
    let (o, report) = report_of(&dir, &["--base", &sha]);
    assert_exit(&o, 1);
    assert_eq!(rules(&report), ["schema-drift"], "{}", all_output(&o));
    let f = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["category"] == "drift")
        .unwrap();
    assert_eq!(f["category"], "drift");
    assert_eq!(f["location"]["path"], "db/migrations/002_trigger.sql");
    let details = f["details"].as_str().unwrap();
    assert!(details.contains("table accounts"), "{details}");
    assert!(details.contains("note text default 'x'::text"), "{details}");
    assert!(
        !details.contains("trigger"),
        "the trigger is the same on both paths: {details}"
    );
    assert!(
        all_output(&o).contains("[drift/schema-drift]"),
        "{}",
        all_output(&o)
    );
    // The new trigger is measured on the base's table: CREATE TRIGGER takes SHARE ROW EXCLUSIVE.
    let safety: Vec<_> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "blocks-writes")
        .collect();
    assert_eq!(safety.len(), 1, "{}", all_output(&o));
    assert_eq!(safety[0]["measured"]["table"], "public.accounts");
    assert_eq!(safety[0]["measured"]["lock"], "ShareRowExclusiveLock");
    assert_eq!(
        safety[0]["location"]["path"],
        "db/migrations/002_trigger.sql"
    );
    // Nothing of ours is left on the server's side: the fresh database was dropped with the rest.
    let plain = run(&["run", dir.to_str().unwrap()]);
    assert_exit(&plain, 0);
}

#[test]
fn new_migrations_with_down_files_are_checked_up_down_up() {
    let base = [
        ("sqltest.yaml", NO_SEEDS_YAML),
        (
            "db/migrations/001_a.up.sql",
            "create table a (id integer primary key);\n",
        ),
        ("db/migrations/001_a.down.sql", "drop table a;\n"),
    ];
    let change = [
        (
            "db/migrations/002_b.up.sql",
            "create table b (id integer);\ncreate view bv as select id from b;\n",
        ),
        (
            "db/migrations/002_b.down.sql",
            "drop view bv;\ndrop table b;\n",
        ),
        (
            "db/migrations/003_c.up.sql",
            "create table c (id integer);\ncreate index c_id on c (id);\nalter table a add column note text;\n",
        ),
        (
            "db/migrations/003_c.down.sql",
            "-- forgets the column on a\ndrop table c;\n",
        ),
    ];
    let (dir, sha) = repo("reversibility_sqlite", &base, &change, &[]);
    let (o, report) = report_of(&dir, &["--base", &sha]);
    assert_exit(&o, 1);
    assert_eq!(rules(&report), ["irreversible"], "{}", all_output(&o));
    let f = &report["findings"][0];
    assert_eq!(f["category"], "reversibility");
    assert_eq!(f["location"]["path"], "db/migrations/003_c.down.sql");
    let details = f["details"].as_str().unwrap();
    assert!(details.contains("table a"), "{details}");
    assert!(details.contains("after up then down:"), "{details}");
    assert!(details.contains("note TEXT"), "{details}");

    // A down that fails is located in the down file.
    let base = [
        ("sqltest.yaml", NO_SEEDS_YAML),
        (
            "db/migrations/001_a.up.sql",
            "create table a (id integer primary key);\n",
        ),
        ("db/migrations/001_a.down.sql", "drop table a;\n"),
    ];
    let change = [
        (
            "db/migrations/002_b.up.sql",
            "create table b (id integer);\n",
        ),
        ("db/migrations/002_b.down.sql", "-- oops\ndrop tabel b;\n"),
    ];
    let (dir, sha) = repo("down_failed_sqlite", &base, &change, &[]);
    let (o, report) = report_of(&dir, &["--base", &sha]);
    assert_exit(&o, 1);
    assert_eq!(rules(&report), ["down-failed"], "{}", all_output(&o));
    let f = &report["findings"][0];
    assert_eq!(f["location"]["path"], "db/migrations/002_b.down.sql");
    assert!(
        f["message"].as_str().unwrap().contains("002_b.down.sql:2"),
        "{f}"
    );
}

/// Runs `sqltest run DIR --base SHA --reuse` with its cache in `cache`, returning the JSON report.
fn reuse_run(cache: &Path, dir: &Path, sha: &str) -> (std::process::Output, serde_json::Value) {
    let json = dir.parent().unwrap().join("results.json");
    let _ = std::fs::remove_file(&json);
    let report = format!("json={}", json.display());
    let o = sqltest()
        .env("XDG_CACHE_HOME", cache)
        .args(["run", dir.to_str().unwrap(), "--base", sha, "--reuse"])
        .args(["--report", report.as_str()])
        .output()
        .unwrap();
    let v = if json.exists() {
        read_json(&json)
    } else {
        serde_json::Value::Null
    };
    (o, v)
}

/// The cached SQLite template files (one directory per warm server under the cache).
fn cached_templates(cache: &Path) -> Vec<String> {
    let mut names = Vec::new();
    let mut dirs = vec![cache.join("sqltest/sqlite")];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            if e.file_type().unwrap().is_dir() {
                dirs.push(e.path());
            } else {
                names.push(e.file_name().to_string_lossy().into_owned());
            }
        }
    }
    names.sort();
    names
}

/// (path, status, skip reason) of each migration and seed in the report.
fn statuses(report: &serde_json::Value) -> Vec<(String, String, String)> {
    report["migrations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            let text = |k: &str| m[k].as_str().unwrap_or("").to_string();
            (text("path"), text("status"), text("skip_reason"))
        })
        .collect()
}

#[test]
fn a_warm_reuse_upgrade_run_re_applies_only_the_new_migrations() {
    let base = [
        ("sqltest.yaml", SQLITE_YAML),
        (
            "db/migrations/001_items.up.sql",
            "create table items (id integer primary key, name text not null);\n",
        ),
        ("db/migrations/001_items.down.sql", "drop table items;\n"),
        (
            "db/seeds/items.sql",
            "insert into items (id, name) values (1, 'pen'), (2, 'ink');\n",
        ),
    ];
    let change = [
        (
            "db/migrations/002_price.up.sql",
            "alter table items add column price integer not null default 0;\n",
        ),
        (
            "db/migrations/002_price.down.sql",
            "alter table items drop column price;\n",
        ),
    ];
    let (dir, sha) = repo("warm_reuse_upgrade_sqlite", &base, &change, &[]);
    let cache = out_dir("warm_reuse_upgrade_sqlite_cache");

    let (first, report) = reuse_run(&cache, &dir, &sha);
    assert_exit(&first, 0);
    assert!(rules(&report).is_empty(), "{}", all_output(&first));
    // The base's template and the fresh install's common prefix (the change's migrations are
    // always applied, on a clone of the base).
    let kept = cached_templates(&cache);
    assert_eq!(kept.len(), 2, "{kept:?}");

    // The developer edits the new migration (it now forgets a column in its down): the base
    // comes from the cache, only the new migration runs, and the checks still see everything.
    std::fs::write(
        dir.join("db/migrations/002_price.up.sql"),
        "alter table items add column price integer not null default 0;\nalter table items add column note text;\n",
    )
    .unwrap();
    let (second, report) = reuse_run(&cache, &dir, &sha);
    assert_exit(&second, 1);
    let out = all_output(&second);
    assert!(out.contains("reusing the cached base template"), "{out}");
    assert!(!out.contains("reusing the cached template "), "{out}");
    let s = statuses(&report);
    let reason = "unchanged: already in the cached base template".to_string();
    assert!(
        s.contains(&(
            "db/migrations/001_items.up.sql".into(),
            "skipped".into(),
            reason.clone()
        )),
        "{s:?}"
    );
    assert!(
        s.contains(&("db/seeds/items.sql".into(), "skipped".into(), reason)),
        "{s:?}"
    );
    assert!(
        s.contains(&(
            "db/migrations/002_price.up.sql".into(),
            "passed".into(),
            String::new()
        )),
        "{s:?}"
    );
    assert_eq!(rules(&report), ["irreversible"], "{out}");
    let after = cached_templates(&cache);
    assert_eq!(
        after, kept,
        "the base and the fresh prefix were reused as they were"
    );

    // The new migration fails on the base's rows: located as on a cold run.
    std::fs::write(
        dir.join("db/migrations/002_price.up.sql"),
        "alter table items add column price integer not null default 0;\ncreate unique index items_price on items (price);\n",
    )
    .unwrap();
    let (third, report) = reuse_run(&cache, &dir, &sha);
    assert_exit(&third, 1);
    let failed: Vec<_> = report["migrations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["status"] == "failed")
        .collect();
    assert_eq!(failed.len(), 1, "{}", all_output(&third));
    assert_eq!(failed[0]["path"], "db/migrations/002_price.up.sql");
    assert_eq!(failed[0]["error"]["location"]["line"], 2, "{}", failed[0]);

    let clean = sqltest()
        .env("XDG_CACHE_HOME", &cache)
        .arg("clean")
        .output()
        .unwrap();
    assert_exit(&clean, 0);
    assert!(cached_templates(&cache).is_empty());
}
