//! `sqltest init`: on a repository without sqltest, it writes a project that loads and runs
//! (engine and migrations detected), never overwrites a file, and takes its files back when
//! the result would not load.

mod common;
use common::*;
use std::path::{Path, PathBuf};

/// A fixture's migrations (and seeds) without its sqltest files, as a repository before init.
fn repository(fixture_name: &str, test: &str) -> PathBuf {
    let dir = out_dir(test).join("repo");
    copy_dir(&fixture(fixture_name), &dir);
    std::fs::remove_file(dir.join("sqltest.yaml")).unwrap();
    std::fs::remove_dir_all(dir.join("sqltest")).unwrap();
    dir
}

fn init(dir: &Path, extra: &[&str]) -> std::process::Output {
    sqltest().arg("init").arg(dir).args(extra).output().unwrap()
}

#[test]
fn init_on_a_sqlite_repository_gives_a_project_that_runs() {
    let repo = repository("shop-sqlite", "init_sqlite");
    let o = init(&repo, &[]);
    assert_exit(&o, 0);
    let yaml = std::fs::read_to_string(repo.join("sqltest.yaml")).unwrap();
    assert!(yaml.contains("engine: sqlite"), "{yaml}");
    assert!(yaml.contains("migrations: db/migrations"), "{yaml}");
    assert!(yaml.contains("flyway layout, 5 file(s)"), "{yaml}");
    assert!(yaml.contains(r#"seeds: ["db/seeds/*.sql"]"#), "{yaml}");
    assert!(stdout(&o).contains("engine sqlite, from the migrations' SQL"));

    let json = repo.join("r.json");
    let o = run(&[
        "run",
        repo.to_str().unwrap(),
        "--report",
        &format!("json={}", json.display()),
    ]);
    assert_exit(&o, 0);
    let report = read_json(&json);
    assert_eq!(
        report["migrations"].as_array().unwrap().len(),
        7,
        "5 migrations, 2 seeds"
    );
    assert_eq!(
        test_statuses(&report),
        vec![(
            "sqltest/example.yaml::the migrations create the schema".to_string(),
            "passed".to_string()
        )]
    );
}

#[test]
fn init_on_a_goose_repository_detects_postgres_and_runs_on_a_local_cluster() {
    let repo = repository("goose-postgres", "init_goose");
    let o = init(&repo, &[]);
    assert_exit(&o, 0);
    assert!(
        stdout(&o).contains("migrations: db/migrations (4 files, goose layout)"),
        "{}",
        stdout(&o)
    );
    let yaml = std::fs::read_to_string(repo.join("sqltest.yaml")).unwrap();
    assert!(yaml.contains("engine: postgres"), "{yaml}");
    let o = run(&["run", repo.to_str().unwrap(), "--backend", "local"]);
    assert_exit(&o, 0);
    assert!(
        all_output(&o).contains("1 test run: 1 passed"),
        "{}",
        all_output(&o)
    );
}

#[test]
fn prisma_says_which_engine() {
    let repo = out_dir("init_prisma").join("repo");
    std::fs::create_dir_all(repo.join("prisma/migrations/20240101000000_init")).unwrap();
    std::fs::write(
        repo.join("prisma/schema.prisma"),
        "datasource db {\n  provider = \"sqlite\"\n  url      = \"file:./dev.db\"\n}\n",
    )
    .unwrap();
    std::fs::write(
        repo.join("prisma/migrations/20240101000000_init/migration.sql"),
        "CREATE TABLE \"User\" (\"id\" INTEGER NOT NULL PRIMARY KEY, \"email\" TEXT NOT NULL);\n",
    )
    .unwrap();
    let o = init(&repo, &[]);
    assert_exit(&o, 0);
    assert!(
        stdout(&o).contains("engine sqlite, from prisma/schema.prisma"),
        "{}",
        stdout(&o)
    );
    assert_exit(&run(&["run", repo.to_str().unwrap()]), 0);
}

#[test]
fn init_never_overwrites_and_takes_its_files_back_when_the_project_would_not_load() {
    let repo = repository("shop-sqlite", "init_refuses");
    let mine = "engine: sqlite\nmigrations: db/migrations\n# my own settings\n";
    std::fs::write(repo.join("sqltest.yaml"), mine).unwrap();
    let o = init(&repo, &[]);
    assert_exit(&o, 2);
    assert!(
        stderr(&o).contains("already exists; nothing was changed"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        std::fs::read_to_string(repo.join("sqltest.yaml")).unwrap(),
        mine
    );
    assert!(!repo.join("sqltest").exists());

    // A spec of the user's that does not load: init says why and leaves only the user's file.
    std::fs::remove_file(repo.join("sqltest.yaml")).unwrap();
    std::fs::create_dir_all(repo.join("sqltest")).unwrap();
    let broken = "tests:\n  - name: x\n    sql: select 1\n    expect: {rowz: []}\n";
    std::fs::write(repo.join("sqltest/example.yaml"), broken).unwrap();
    let o = init(&repo, &[]);
    assert_exit(&o, 2);
    assert!(
        stderr(&o).contains("sqltest/example.yaml:4"),
        "{}",
        stderr(&o)
    );
    assert!(
        !repo.join("sqltest.yaml").exists(),
        "init's own file is removed"
    );
    assert_eq!(
        std::fs::read_to_string(repo.join("sqltest/example.yaml")).unwrap(),
        broken
    );

    let o = init(&repo, &["--migrations", "nowhere"]);
    assert_exit(&o, 2);
    assert!(
        stderr(&o).contains("nowhere: no such directory"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_sqitch_project_deploys_in_plan_order_including_reworked_changes() {
    let repo = out_dir("init_sqitch").join("repo");
    let write = |path: &str, text: &str| {
        let p = repo.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    write(
        "sqitch.plan",
        "%syntax-version=1.0.0\n%project=flipr\n\n\
         appschema 2024-01-01T00:00:00Z M <m@example.com> # schema\n\
         greet [appschema] 2024-01-02T00:00:00Z M <m@example.com> # first version\n\
         @v1.0 2024-01-03T00:00:00Z M <m@example.com>\n\
         greet [greet@v1.0] 2024-01-04T00:00:00Z M <m@example.com> # reworked\n",
    );
    write(
        "deploy/appschema.sql",
        "BEGIN;\nCREATE SCHEMA flipr;\nCOMMIT;\n",
    );
    write(
        "deploy/greet@v1.0.sql",
        "BEGIN;\nCREATE FUNCTION flipr.greet(n text) RETURNS text AS $$ SELECT 'hi ' || n $$ LANGUAGE sql;\nCOMMIT;\n",
    );
    write(
        "deploy/greet.sql",
        "BEGIN;\nCREATE OR REPLACE FUNCTION flipr.greet(n text) RETURNS text AS $$ SELECT 'hello, ' || n $$ LANGUAGE sql;\nCOMMIT;\n",
    );
    write("revert/greet.sql", "DROP FUNCTION flipr.greet(text);\n");
    let o = init(&repo, &[]);
    assert_exit(&o, 0);
    assert!(
        stdout(&o).contains("migrations: deploy (3 files, sqitch layout)"),
        "{}",
        stdout(&o)
    );
    write(
        "sqltest/greet.yaml",
        "tests:\n  - name: the reworked version is deployed last\n    sql: select flipr.greet('ann') as g\n    expect:\n      rows: [{g: 'hello, ann'}]\n",
    );
    let o = run(&["run", repo.to_str().unwrap(), "--backend", "local"]);
    assert_exit(&o, 0);
    assert!(
        all_output(&o).contains("2 tests run: 2 passed"),
        "{}",
        all_output(&o)
    );
}

#[test]
fn init_on_a_diesel_repository_finds_migrations_dir_and_runs() {
    let repo = repository("diesel-postgres", "init_diesel");
    let o = init(&repo, &[]);
    assert_exit(&o, 0);
    assert!(
        stdout(&o).contains("migrations: migrations (4 files, diesel layout)"),
        "{}",
        stdout(&o)
    );
    let yaml = std::fs::read_to_string(repo.join("sqltest.yaml")).unwrap();
    assert!(yaml.contains("engine: postgres"), "{yaml}");
}

#[test]
fn init_on_a_popx_repository_takes_the_engine_from_the_file_names() {
    let repo = repository("popx-sqlite", "init_popx");
    let o = init(
        &repo,
        &[
            "--migrations",
            "persistence/sql/migrations",
            "--engine",
            "sqlite",
        ],
    );
    assert_exit(&o, 0);
    assert!(
        stdout(&o).contains("(3 files, popx layout)"),
        "{}",
        stdout(&o)
    );
    let o = run(&["run", repo.to_str().unwrap()]);
    assert_exit(&o, 0);
}

#[test]
fn init_says_why_a_directory_of_sql_files_gives_no_migration() {
    let repo = repository("broken-empty-migrations", "init_empty_set");
    let o = init(&repo, &["--migrations", "db/migrations"]);
    assert_exit(&o, 2);
    let err = stderr(&o);
    assert!(err.contains("3 .sql file(s) here"), "{err}");
    assert!(
        err.contains("db/migrations/schema/functions/views.sql"),
        "{err}"
    );
    assert!(!repo.join("sqltest.yaml").exists(), "nothing written");
}
