//! Tests of layout detection, ordering and parsing, on temporary directories.

use super::*;
use tempfile::TempDir;

const DIR: &str = "db/migrations";

/// A temporary project whose `db/migrations` holds `files` (paths relative to it).
fn project(files: &[(&str, &str)]) -> (TempDir, Utf8PathBuf) {
    let tmp = TempDir::new().expect("temp dir");
    let root = Utf8PathBuf::from_path_buf(tmp.path().to_path_buf()).expect("utf-8 temp path");
    std::fs::create_dir_all(root.join(DIR)).expect("mkdir");
    for (path, content) in files {
        let path = root.join(DIR).join(path);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, content).expect("write");
    }
    (tmp, root)
}

fn run(files: &[(&str, &str)]) -> Result<Vec<MigrationFile>, DiscoverError> {
    let (_tmp, root) = project(files);
    discover(&root, Utf8Path::new(DIR), Engine::Postgres).map(|d| d.files)
}

fn names(files: &[MigrationFile]) -> Vec<&str> {
    files
        .iter()
        .map(|f| f.path.strip_prefix(DIR).expect("under dir").as_str())
        .collect()
}

fn layouts(files: &[MigrationFile]) -> Vec<Layout> {
    files.iter().map(|f| f.layout).collect()
}

#[test]
fn sqlx_simple_files_order_by_number_and_strip_the_bom() {
    let files = run(&[
        ("10_more_things.sql", "SELECT 10;"),
        ("2_add.sql", "\u{feff}SELECT 2;"),
        (
            "1_init.sql",
            "-- no-transaction\nCREATE INDEX CONCURRENTLY i ON t (x);",
        ),
        ("README.md", "not a migration"),
        (".hidden.sql", "SELECT 'hidden';"),
    ])
    .unwrap();
    assert_eq!(
        names(&files),
        vec!["1_init.sql", "2_add.sql", "10_more_things.sql"]
    );
    assert_eq!(layouts(&files), vec![Layout::Sqlx; 3]);
    assert_eq!(files[0].path, Utf8PathBuf::from("db/migrations/1_init.sql"));
    assert_eq!(files[2].version.as_deref(), Some("10"));
    assert_eq!(files[2].description, "more things");
    assert_eq!(files[1].content, "SELECT 2;");
    assert_eq!(files[1].up_sql(), "SELECT 2;");
    assert_eq!(files[1].up, 0..9);
    assert!(files[0].no_transaction);
    assert!(!files[1].no_transaction);
}

#[test]
fn sqlx_reversible_files_apply_up_and_skip_down() {
    let files = run(&[
        ("20240101000000_a.up.sql", "CREATE TABLE a ();"),
        ("20240101000000_a.down.sql", "DROP TABLE a;"),
        ("20240102000000_b.up.sql", "-- no-transaction\nVACUUM;"),
        ("20240102000000_b.down.sql", "SELECT 1;"),
    ])
    .unwrap();
    assert_eq!(
        names(&files),
        vec!["20240101000000_a.up.sql", "20240102000000_b.up.sql"]
    );
    // Only sqlx knows `-- no-transaction`, so its presence means sqlx.
    assert_eq!(layouts(&files), vec![Layout::Sqlx; 2]);
    assert_eq!(
        files.iter().map(|f| f.no_transaction).collect::<Vec<_>>(),
        vec![false, true]
    );
}

#[test]
fn golang_migrate_files_apply_up_in_version_order() {
    let files = run(&[
        ("000010_ten.up.sql", "SELECT 10;"),
        ("000002_two.up.sql", "SELECT 2;"),
        ("000002_two.down.sql", "SELECT -2;"),
        (
            "000001_create_users.up.sql",
            "-- sqltest:no-transaction\nSELECT 1;",
        ),
        ("000001_create_users.down.sql", "SELECT -1;"),
    ])
    .unwrap();
    assert_eq!(
        names(&files),
        vec![
            "000001_create_users.up.sql",
            "000002_two.up.sql",
            "000010_ten.up.sql"
        ]
    );
    assert_eq!(layouts(&files), vec![Layout::GolangMigrate; 3]);
    assert_eq!(files[0].version.as_deref(), Some("000001"));
    assert_eq!(files[0].description, "create users");
    assert!(files[0].no_transaction && !files[1].no_transaction);
}

#[test]
fn up_down_files_mixed_with_other_names_are_an_error() {
    let e = run(&[("1_a.up.sql", ""), ("1_a.down.sql", ""), ("seed.sql", "")]).unwrap_err();
    assert_eq!(e.path, Utf8PathBuf::from("db/migrations/seed.sql"));
    assert!(matches!(
        e.kind,
        DiscoverErrorKind::MixedLayout {
            layout: Layout::Sqlx,
            ..
        }
    ));
}

#[test]
fn flyway_orders_versions_numerically_then_repeatables_by_description() {
    let files = run(&[
        ("V10__ten.sql", ""),
        ("V2__two.sql", ""),
        ("V1__one.sql", ""),
        ("V1.1__one_one.sql", ""),
        ("V1_2__one_two.sql", ""),
        ("R__views.sql", ""),
        ("R__alpha.sql", ""),
        ("U2__undo_two.sql", ""),
        ("B5__baseline.sql", ""),
        ("beforeMigrate.sql", ""),
        ("afterEachMigrate__log.sql", ""),
        ("flyway.conf", "flyway.locations=filesystem:db/migrations"),
        ("sub/deeper/V3__nested.sql", ""),
        ("sub/notes.txt", ""),
    ])
    .unwrap();
    assert_eq!(
        names(&files),
        vec![
            "V1__one.sql",
            "V1.1__one_one.sql",
            "V1_2__one_two.sql",
            "V2__two.sql",
            "sub/deeper/V3__nested.sql",
            "V10__ten.sql",
            "R__alpha.sql",
            "R__views.sql",
        ]
    );
    assert_eq!(layouts(&files), vec![Layout::Flyway; 8]);
    let versions: Vec<Option<&str>> = files.iter().map(|f| f.version.as_deref()).collect();
    assert_eq!(
        versions,
        vec![
            Some("1"),
            Some("1.1"),
            Some("1.2"),
            Some("2"),
            Some("3"),
            Some("10"),
            None,
            None
        ]
    );
    assert_eq!(files[1].description, "one one");
}

#[test]
fn flyway_in_subdirectories_only_is_detected() {
    let files = run(&[
        ("v1/V1__a.sql", ""),
        ("v2/V2__b.sql", ""),
        ("v2/README.sql", ""),
    ])
    .unwrap();
    assert_eq!(names(&files), vec!["v1/V1__a.sql", "v2/V2__b.sql"]);
}

#[test]
fn flyway_no_transaction_from_marker_or_conf_file() {
    let files = run(&[
        ("V1__a.sql", "-- sqltest:no-transaction\nSELECT 1;"),
        ("V2__b.sql", "SELECT 2;"),
        (
            "V2__b.sql.conf",
            "# per-script config\nexecuteInTransaction = false\n",
        ),
        ("V3__c.sql", "SELECT 3;"),
        ("V3__c.sql.conf", "executeInTransaction=true\n"),
    ])
    .unwrap();
    assert_eq!(
        files.iter().map(|f| f.no_transaction).collect::<Vec<_>>(),
        vec![true, true, false]
    );
}

#[test]
fn flyway_mixed_with_other_sql_files_is_an_error_naming_both() {
    let e = run(&[("V1__a.sql", ""), ("notes.sql", "")]).unwrap_err();
    assert_eq!(e.path, Utf8PathBuf::from("db/migrations/notes.sql"));
    let DiscoverErrorKind::MixedLayout { layout, other } = &e.kind else {
        panic!("{e}")
    };
    assert_eq!(
        (*layout, other.as_str()),
        (Layout::Flyway, "db/migrations/V1__a.sql")
    );
    assert_eq!(
        e.to_string(),
        "db/migrations/notes.sql: file name does not fit the flyway layout detected from \
         db/migrations/V1__a.sql"
    );
}

#[test]
fn duplicate_versions_are_errors_naming_both_files() {
    let e = run(&[("V1__a.sql", ""), ("V1.0__b.sql", "")]).unwrap_err();
    let DiscoverErrorKind::DuplicateVersion { version, other } = &e.kind else {
        panic!("{e}")
    };
    let mut both = [e.path.as_str(), other.as_str()];
    both.sort();
    assert_eq!(
        both,
        ["db/migrations/V1.0__b.sql", "db/migrations/V1__a.sql"]
    );
    assert!(version == "1" || version == "1.0");

    let e = run(&[("1_a.sql", ""), ("001_b.sql", "")]).unwrap_err();
    assert!(
        matches!(e.kind, DiscoverErrorKind::DuplicateVersion { .. }),
        "{e}"
    );
    assert!(e.to_string().contains("duplicate migration version"));

    let e = run(&[("R__same.sql", ""), ("sub/R__same.sql", "")]).unwrap_err();
    assert!(
        matches!(e.kind, DiscoverErrorKind::DuplicateRepeatable { .. }),
        "{e}"
    );

    let e = run(&[("2_a.up.sql", ""), ("2_b.up.sql", ""), ("2_a.down.sql", "")]).unwrap_err();
    assert!(
        matches!(e.kind, DiscoverErrorKind::DuplicateVersion { .. }),
        "{e}"
    );
}

const DBMATE_A: &str =
    "-- migrate:up\nCREATE TABLE a (id int);\n\n-- migrate:down\nDROP TABLE a;\n";

#[test]
fn dbmate_applies_only_the_up_section() {
    let files = run(&[
        ("20240101000000_create_a.sql", DBMATE_A),
        (
            "20240102000000_concurrently.sql",
            "-- a comment first\n\r\n--migrate:up transaction:false\r\nCREATE INDEX CONCURRENTLY i ON a (id);\r\n-- migrate:down\r\nDROP INDEX i;\r\n",
        ),
        ("20240103000000_no_down.sql", "-- migrate:up\nSELECT 3;\n"),
        ("20240104000000_marker.sql", "-- migrate:up\n-- sqltest:no-transaction\nSELECT 4;\n"),
    ])
    .unwrap();
    assert_eq!(layouts(&files), vec![Layout::Dbmate; 4]);
    assert_eq!(files[0].version.as_deref(), Some("20240101000000"));
    assert_eq!(files[0].description, "create a");
    assert_eq!(
        files[0].up_sql(),
        "-- migrate:up\nCREATE TABLE a (id int);\n\n"
    );
    assert_eq!(files[0].up, 0..40);
    assert!(!files[0].no_transaction);
    assert_eq!(
        files[1].up_sql(),
        "--migrate:up transaction:false\r\nCREATE INDEX CONCURRENTLY i ON a (id);\r\n"
    );
    assert!(files[1].no_transaction);
    assert_eq!(files[2].up_sql(), "-- migrate:up\nSELECT 3;\n");
    assert!(files[3].no_transaction);
}

#[test]
fn dbmate_errors() {
    let missing_up = run(&[("1_a.sql", DBMATE_A), ("2_b.sql", "SELECT 1;")]).unwrap_err();
    assert_eq!(missing_up.path, Utf8PathBuf::from("db/migrations/2_b.sql"));
    assert!(matches!(
        missing_up.kind,
        DiscoverErrorKind::MissingUp { .. }
    ));
    assert_eq!(
        missing_up.to_string(),
        "db/migrations/2_b.sql: dbmate migration has no `-- migrate:up` line"
    );

    let order = run(&[(
        "1_a.sql",
        "-- migrate:down\nDROP TABLE a;\n-- migrate:up\nSELECT 1;\n",
    )])
    .unwrap_err();
    assert!(matches!(order.kind, DiscoverErrorKind::DownBeforeUp { .. }));

    let before = run(&[("1_a.sql", "-- c\nSELECT 0;\n-- migrate:up\nSELECT 1;\n")]).unwrap_err();
    assert!(
        matches!(
            before.kind,
            DiscoverErrorKind::StatementBeforeUp { line: 2, .. }
        ),
        "{before}"
    );

    let unversioned = run(&[("1_a.sql", DBMATE_A), ("setup.sql", DBMATE_A)]).unwrap_err();
    assert!(matches!(
        unversioned.kind,
        DiscoverErrorKind::MixedLayout {
            layout: Layout::Dbmate,
            ..
        }
    ));
}

const GOOSE_FUNCTION: &str = "-- +goose Up
-- +goose StatementBegin
CREATE FUNCTION f() RETURNS trigger AS $$
BEGIN
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd

-- +goose Down
DROP FUNCTION f();
";

#[test]
fn goose_applies_only_the_up_section() {
    let files = run(&[
        ("00001_create_a.sql", "-- +goose Up\nCREATE TABLE a (id int);\n\n-- +goose Down\nDROP TABLE a;\n"),
        ("00002_function.sql", GOOSE_FUNCTION),
        (
            "20240103000000_concurrently.sql",
            "-- +goose NO TRANSACTION\r\n-- +goose up\r\nCREATE INDEX CONCURRENTLY i ON a (id);\r\n-- +goose down\r\nDROP INDEX i;\r\n",
        ),
    ])
    .unwrap();
    assert_eq!(layouts(&files), vec![Layout::Goose; 3]);
    assert_eq!(files[0].version.as_deref(), Some("00001"));
    assert_eq!(files[0].description, "create a");
    assert_eq!(
        files[0].up_sql(),
        "-- +goose Up\nCREATE TABLE a (id int);\n\n"
    );
    assert!(!files[0].no_transaction);
    assert!(files[1].up_sql().contains("END;\n$$ LANGUAGE plpgsql;"));
    assert!(!files[1].up_sql().contains("DROP FUNCTION"));
    assert_eq!(
        files[2].up_sql(),
        "-- +goose up\r\nCREATE INDEX CONCURRENTLY i ON a (id);\r\n"
    );
    assert!(files[2].no_transaction);
}

#[test]
fn goose_errors_name_goose_markers() {
    let missing_up = run(&[("1_a.sql", GOOSE_FUNCTION), ("2_b.sql", "SELECT 1;")]).unwrap_err();
    assert_eq!(
        missing_up.to_string(),
        "db/migrations/2_b.sql: goose migration has no `-- +goose Up` line"
    );
    let before = run(&[("1_a.sql", "SELECT 0;\n-- +goose Up\nSELECT 1;\n")]).unwrap_err();
    assert_eq!(
        before.to_string(),
        "db/migrations/1_a.sql: goose migration has a statement before `-- +goose Up` (line 1)"
    );
    let unversioned =
        run(&[("1_a.sql", GOOSE_FUNCTION), ("setup.sql", GOOSE_FUNCTION)]).unwrap_err();
    assert!(matches!(
        unversioned.kind,
        DiscoverErrorKind::MixedLayout {
            layout: Layout::Goose,
            ..
        }
    ));
}

const SQITCH_PLAN: &str = "%syntax-version=1.0.0
%project=flipr
%uri=https://github.com/sqitchers/sqitch-intro/

appschema 2024-01-01T00:00:00Z Marge N. <marge@example.com> # Add schema.
users [appschema] 2024-01-02T00:00:00Z Marge N. <marge@example.com> # Creates table.
@v1.0 2024-01-03T00:00:00Z Marge N. <marge@example.com> # Tag v1.0.

insert_user [users appschema] 2024-01-04T00:00:00Z Marge N. <marge@example.com>
@v1.1 2024-01-04T01:00:00Z Marge N. <marge@example.com> # The latest tag names the copy.
users [users@v1.1] 2024-01-05T00:00:00Z Marge N. <marge@example.com> # Reworked.
";

fn sqitch_files() -> Vec<(&'static str, &'static str)> {
    vec![
        ("sqitch.plan", SQITCH_PLAN),
        (
            "deploy/appschema.sql",
            "BEGIN; CREATE SCHEMA flipr; COMMIT;",
        ),
        (
            "deploy/users@v1.1.sql",
            "BEGIN; CREATE TABLE flipr.users (n text); COMMIT;",
        ),
        ("deploy/insert_user.sql", "BEGIN; SELECT 1; COMMIT;"),
        (
            "deploy/users.sql",
            "BEGIN; ALTER TABLE flipr.users ADD t timestamptz; COMMIT;",
        ),
        ("revert/users.sql", "DROP TABLE flipr.users;"),
        ("verify/users.sql", "SELECT n FROM flipr.users WHERE false;"),
    ]
}

#[test]
fn sqitch_deploys_in_plan_order_with_reworked_versions_first() {
    let files = run(&sqitch_files()).unwrap();
    assert_eq!(
        names(&files),
        vec![
            "deploy/appschema.sql",
            "deploy/users@v1.1.sql",
            "deploy/insert_user.sql",
            "deploy/users.sql"
        ]
    );
    assert_eq!(layouts(&files), vec![Layout::Sqitch; 4]);
    assert_eq!(files[1].description, "users");
    assert_eq!(files[1].version, None);

    // `migrations:` may also name the deploy directory itself.
    let (_tmp, root) = project(&sqitch_files());
    let deploy = Utf8PathBuf::from(DIR).join("deploy");
    let files = discover(&root, &deploy, Engine::Postgres)
        .map(|d| d.files)
        .unwrap();
    assert_eq!(files.len(), 4);
}

#[test]
fn a_planned_script_that_is_missing_names_the_plan_line() {
    let mut files = sqitch_files();
    files.retain(|(p, _)| *p != "deploy/insert_user.sql");
    let err = run(&files).unwrap_err();
    assert_eq!(
        err.to_string(),
        "db/migrations/deploy/insert_user.sql: no such file (db/migrations/sqitch.plan line 9 deploys it)"
    );
}

#[test]
fn prisma_migrations_are_directories_in_name_order() {
    let files = run(&[
        (
            "20210201000000_add_email/migration.sql",
            "ALTER TABLE u ADD email text;",
        ),
        (
            "20210101000000_init/migration.sql",
            "-- sqltest:no-transaction\nCREATE TABLE u ();",
        ),
        (
            "20210301000000_empty_dir/README.md",
            "ignored: no migration.sql",
        ),
        ("migration_lock.toml", "provider = \"postgresql\""),
    ])
    .unwrap();
    assert_eq!(
        names(&files),
        vec![
            "20210101000000_init/migration.sql",
            "20210201000000_add_email/migration.sql"
        ]
    );
    assert_eq!(layouts(&files), vec![Layout::Prisma; 2]);
    assert_eq!(files[1].version.as_deref(), Some("20210201000000"));
    assert_eq!(files[1].description, "add email");
    assert!(files[0].no_transaction && !files[1].no_transaction);
}

#[test]
fn prisma_with_top_level_sql_is_an_error() {
    let e = run(&[("1_init/migration.sql", ""), ("stray.sql", "")]).unwrap_err();
    assert_eq!(e.path, Utf8PathBuf::from("db/migrations/stray.sql"));
    assert!(matches!(
        e.kind,
        DiscoverErrorKind::MixedLayout {
            layout: Layout::Prisma,
            ..
        }
    ));
}

#[test]
fn plain_files_use_natural_order_and_skip_down_files() {
    let files = run(&[
        ("10-z.sql", ""),
        ("2-a.sql", "-- sqltest:no-transaction\n"),
        ("schema.SQL", ""),
        ("teardown.down.sql", ""),
        ("notes.txt", ""),
        ("1_versioned.sql", ""),
    ])
    .unwrap();
    assert_eq!(
        names(&files),
        vec!["1_versioned.sql", "2-a.sql", "10-z.sql", "schema.SQL"]
    );
    assert_eq!(layouts(&files), vec![Layout::Plain; 4]);
    assert_eq!(files[3].description, "schema");
    assert_eq!(files[0].version, None);
    assert!(files[1].no_transaction && !files[2].no_transaction);
}

#[test]
fn empty_missing_and_non_directories() {
    assert!(run(&[]).unwrap().is_empty());
    assert!(run(&[("README.md", "")]).unwrap().is_empty());

    let (_tmp, root) = project(&[("a.sql", "")]);
    let missing = discover(&root, Utf8Path::new("db/nope"), Engine::Postgres)
        .map(|d| d.files)
        .unwrap_err();
    assert_eq!(missing.to_string(), "db/nope: no such directory");
    let file = discover(
        &root,
        Utf8Path::new("db/migrations/a.sql"),
        Engine::Postgres,
    )
    .map(|d| d.files)
    .unwrap_err();
    assert!(matches!(file.kind, DiscoverErrorKind::NotADirectory));
}

#[test]
fn invalid_utf8_names_the_file() {
    let (_tmp, root) = project(&[]);
    std::fs::write(root.join(DIR).join("1_bad.sql"), b"SELECT '\xff';").unwrap();
    let e = discover(&root, Utf8Path::new(DIR), Engine::Postgres)
        .map(|d| d.files)
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "db/migrations/1_bad.sql: not valid UTF-8 text"
    );
}

#[test]
fn load_script_reads_a_seed_whole() {
    let (_tmp, root) = project(&[(
        "../seeds/01_users.sql",
        "\u{feff}-- sqltest:no-transaction\nINSERT INTO u VALUES (1);",
    )]);
    let seed = load_script(&root, Utf8Path::new("db/seeds/01_users.sql")).unwrap();
    assert_eq!(seed.path, Utf8PathBuf::from("db/seeds/01_users.sql"));
    assert_eq!(seed.layout, Layout::Plain);
    assert_eq!(seed.version, None);
    assert_eq!(seed.description, "01_users");
    assert!(seed.content.starts_with("-- sqltest"));
    assert_eq!(seed.up, 0..seed.content.len());
    assert!(seed.no_transaction);

    let missing = load_script(&root, Utf8Path::new("db/seeds/none.sql")).unwrap_err();
    assert_eq!(missing.to_string(), "db/seeds/none.sql: no such file");
}

#[test]
fn down_scripts_are_paired_with_their_up_migration() {
    let files = run(&[
        ("1_init.up.sql", "CREATE TABLE t (id int);"),
        ("1_init.down.sql", "DROP TABLE t;"),
        ("2_more.up.sql", "ALTER TABLE t ADD c int;"),
    ])
    .unwrap();
    let down = files[0].down.as_ref().expect("1 has a down file");
    assert_eq!(
        down.path,
        Utf8PathBuf::from("db/migrations/1_init.down.sql")
    );
    assert_eq!(down.sql(), "DROP TABLE t;");
    assert!(files[1].down.is_none());

    let files = run(&[(
        "20240101_a.sql",
        "-- migrate:up\nCREATE TABLE a (id int);\n\n-- migrate:down\nDROP TABLE a;\n",
    )])
    .unwrap();
    let down = files[0].down.as_ref().expect("dbmate down section");
    assert_eq!(down.path, files[0].path);
    assert_eq!(down.sql(), "-- migrate:down\nDROP TABLE a;\n");
    assert!(!files[0].up_sql().contains("DROP"));
}

/// Discovery for `engine` with the environment `env`, keeping the unused-file list.
fn run_for(
    files: &[(&str, &str)],
    engine: Engine,
    env: &[(&str, &str)],
) -> Result<Discovered, DiscoverError> {
    let (_tmp, root) = project(files);
    let lookup = |name: &str| {
        env.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| (*v).to_owned())
    };
    discover_with(&root, Utf8Path::new(DIR), engine, &lookup)
}

#[test]
fn diesel_directories_apply_up_sql_in_version_order_with_their_down_files() {
    let found = run_for(
        &[
            (
                "2019-02-26-002946_create_posts/up.sql",
                "CREATE TABLE posts (id int);",
            ),
            (
                "2019-02-26-002946_create_posts/down.sql",
                "DROP TABLE posts;",
            ),
            ("00000000000000_diesel_initial_setup/up.sql", "SELECT 0;"),
            ("00000000000000_diesel_initial_setup/down.sql", "SELECT 1;"),
            (
                "2018-11-01-100000_create_users/up.sql",
                "CREATE TABLE users (id int);",
            ),
            (
                "2020-01-01-000000_index_concurrently/up.sql",
                "CREATE INDEX CONCURRENTLY i ON posts (id);",
            ),
            (
                "2020-01-01-000000_index_concurrently/metadata.toml",
                "run_in_transaction = false\n",
            ),
            (".keep", ""),
        ],
        Engine::Postgres,
        &[],
    )
    .unwrap();
    assert_eq!(
        names(&found.files),
        [
            "00000000000000_diesel_initial_setup/up.sql",
            "2018-11-01-100000_create_users/up.sql",
            "2019-02-26-002946_create_posts/up.sql",
            "2020-01-01-000000_index_concurrently/up.sql",
        ]
    );
    assert!(found.files.iter().all(|f| f.layout == Layout::Diesel));
    assert_eq!(found.files[2].version.as_deref(), Some("20190226002946"));
    assert_eq!(found.files[2].description, "create posts");
    let down = found.files[2].down.as_ref().expect("down.sql paired");
    assert_eq!(down.sql(), "DROP TABLE posts;");
    assert!(found.files[1].down.is_none());
    assert_eq!(
        found
            .files
            .iter()
            .map(|f| f.no_transaction)
            .collect::<Vec<_>>(),
        [false, false, false, true]
    );
    assert!(found.ignored.is_empty(), "{:?}", found.ignored);
}

#[test]
fn diesel_lists_stray_sql_files_as_ignored() {
    let found = run_for(
        &[
            ("2019-02-26-002946_create_posts/up.sql", "SELECT 1;"),
            ("2019-02-26-002946_create_posts/notes.sql", "SELECT 2;"),
            ("schema.sql", "SELECT 3;"),
        ],
        Engine::Postgres,
        &[],
    )
    .unwrap();
    assert_eq!(found.files.len(), 1);
    let ignored: Vec<&str> = found.ignored.iter().map(|p| p.as_str()).collect();
    assert_eq!(
        ignored,
        [
            "db/migrations/2019-02-26-002946_create_posts/notes.sql",
            "db/migrations/schema.sql"
        ]
    );
}

const POPX: &[(&str, &str)] = &[
    (
        "20150100000001000000_networks.postgres.up.sql",
        "CREATE TABLE networks (id uuid);",
    ),
    (
        "20150100000001000000_networks.postgres.down.sql",
        "DROP TABLE networks;",
    ),
    (
        "20150100000001000000_networks.sqlite3.up.sql",
        "CREATE TABLE networks (id text);",
    ),
    (
        "20150100000001000000_networks.mysql.up.sql",
        "CREATE TABLE networks (id char(36));",
    ),
    (
        "20150100000001000000_networks.cockroach.up.sql",
        "CREATE TABLE networks (id uuid);",
    ),
    (
        "20150100000002000000_flags.up.sql",
        "ALTER TABLE networks ADD flag int;",
    ),
    ("20150100000002000000_flags.down.sql", "SELECT 1;"),
    (
        "20150100000003000000_pg_only.postgres.up.sql",
        "CREATE EXTENSION IF NOT EXISTS pgcrypto;",
    ),
    ("20150100000004000000_fix.up.sql", "SELECT 'generic';"),
    (
        "20150100000004000000_fix.sqlite3.up.sql",
        "SELECT 'sqlite';",
    ),
];

#[test]
fn per_dialect_names_choose_the_engines_files() {
    let pg = run_for(POPX, Engine::Postgres, &[]).unwrap();
    assert_eq!(
        names(&pg.files),
        [
            "20150100000001000000_networks.postgres.up.sql",
            "20150100000002000000_flags.up.sql",
            "20150100000003000000_pg_only.postgres.up.sql",
            "20150100000004000000_fix.up.sql",
        ]
    );
    assert!(pg.files.iter().all(|f| f.layout == Layout::Popx));
    assert_eq!(pg.files[0].description, "networks");
    assert_eq!(
        pg.files[0].down.as_ref().unwrap().sql(),
        "DROP TABLE networks;"
    );
    assert!(pg.ignored.is_empty(), "{:?}", pg.ignored);

    let sqlite = run_for(POPX, Engine::Sqlite, &[]).unwrap();
    assert_eq!(
        names(&sqlite.files),
        [
            "20150100000001000000_networks.sqlite3.up.sql",
            "20150100000002000000_flags.up.sql",
            "20150100000004000000_fix.sqlite3.up.sql",
        ]
    );
    // MariaDB reads MySQL's files.
    let maria = run_for(POPX, Engine::Mariadb, &[]).unwrap();
    assert_eq!(
        maria.files[0].up_sql(),
        "CREATE TABLE networks (id char(36));"
    );
}

#[test]
fn per_dialect_files_for_other_engines_only_are_an_empty_set_error() {
    let e = run_for(
        &[
            ("1_a.postgres.up.sql", "SELECT 1;"),
            ("2_b.postgres.up.sql", "SELECT 2;"),
        ],
        Engine::Sqlite,
        &[],
    )
    .unwrap_err();
    match &e.kind {
        DiscoverErrorKind::NoMigrations { count, engine, .. } => {
            assert_eq!((*count, *engine), (2, Engine::Sqlite));
        }
        other => panic!("expected NoMigrations, got {other:?}"),
    }
}

#[test]
fn goose_envsub_substitutes_between_on_and_off() {
    let sql = "-- +goose Up\n-- +goose ENVSUB ON\nCREATE ROLE ${APP_ROLE} LOGIN PASSWORD '${APP_PASS:-secret}';\nGRANT ${MISSING-all} ON t TO $APP_ROLE; -- $$ and $1\n-- +goose ENVSUB OFF\nCREATE FUNCTION f() RETURNS int AS $$ SELECT 1 $$ LANGUAGE sql;\n";
    let found = run_for(
        &[("001_roles.sql", sql)],
        Engine::Postgres,
        &[("APP_ROLE", "app")],
    )
    .unwrap();
    let up = found.files[0].up_sql();
    assert!(
        up.contains("CREATE ROLE app LOGIN PASSWORD 'secret';"),
        "{up}"
    );
    assert!(up.contains("GRANT all ON t TO app; -- $ and $1"), "{up}");
    assert!(up.contains("AS $$ SELECT 1 $$"), "{up}");
    // Lines stay where they were, so locations still point into the file.
    assert_eq!(up.lines().count(), sql.lines().count());
}

#[test]
fn goose_without_envsub_keeps_dollars() {
    let sql = "-- +goose Up\nSELECT '${NOT_SUBSTITUTED}';\n";
    let found = run_for(
        &[("001_a.sql", sql)],
        Engine::Postgres,
        &[("NOT_SUBSTITUTED", "x")],
    )
    .unwrap();
    assert!(found.files[0].up_sql().contains("${NOT_SUBSTITUTED}"));
}

#[test]
fn sqitch_conf_moves_the_plan_and_deploy_directory() {
    let found = run_for(
        &[
            ("sqitch.conf", "[core]\n\tengine = pg\n\ttop_dir = db\n[engine \"pg\"]\n\ttarget = x\n"),
            ("db/sqitch.plan", "%syntax-version=1.0.0\n%project=app\n\nusers 2024-01-01T00:00:00Z A <a@b> # users\nposts [users] 2024-01-02T00:00:00Z A <a@b> # posts\n"),
            ("db/deploy/users.sql", "CREATE TABLE users (id int);"),
            ("db/deploy/posts.sql", "CREATE TABLE posts (id int);"),
            ("db/revert/users.sql", "DROP TABLE users;"),
            ("db/verify/users.sql", "SELECT id FROM users;"),
        ],
        Engine::Postgres,
        &[],
    )
    .unwrap();
    assert_eq!(
        names(&found.files),
        ["db/deploy/users.sql", "db/deploy/posts.sql"]
    );
    assert!(found.ignored.is_empty(), "{:?}", found.ignored);
}

#[test]
fn sql_files_that_give_no_migration_are_an_error_naming_a_few() {
    let e = run_for(
        &[
            ("schema/001_users.sql", "SELECT 1;"),
            ("schema/002_posts.sql", "SELECT 2;"),
            ("schema/003_tags.sql", "SELECT 3;"),
            ("schema/004_more.sql", "SELECT 4;"),
        ],
        Engine::Postgres,
        &[],
    )
    .unwrap_err();
    let text = e.to_string();
    assert!(text.starts_with("db/migrations: 4 .sql file(s) here (db/migrations/schema/001_users.sql, db/migrations/schema/002_posts.sql, db/migrations/schema/003_tags.sql, …)"), "{text}");
    assert!(text.contains("Diesel (<version>_<name>/up.sql)"), "{text}");
    // A directory with no .sql file at all is simply empty.
    assert!(
        run_for(&[("README.md", "x")], Engine::Postgres, &[])
            .unwrap()
            .files
            .is_empty()
    );
}

#[test]
fn plain_layout_lists_nested_files_as_ignored() {
    let found = run_for(
        &[
            ("001.sql", "SELECT 1;"),
            ("old/000.sql", "SELECT 0;"),
            ("002.down.sql", "SELECT 2;"),
        ],
        Engine::Postgres,
        &[],
    )
    .unwrap();
    assert_eq!(names(&found.files), ["001.sql"]);
    let ignored: Vec<&str> = found.ignored.iter().map(|p| p.as_str()).collect();
    assert_eq!(ignored, ["db/migrations/old/000.sql"]);
}
