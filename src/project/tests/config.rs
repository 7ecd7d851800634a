//! `sqltest.yaml` validation and project discovery.

use super::{TempProject, find};
use crate::project::find_project_file;
use crate::project::model::{BackendKind, Engine};
use std::time::Duration;

fn config_errors(config: &str) -> Vec<crate::project::ConfigError> {
    TempProject::new(&[("sqltest.yaml", config), ("db/migrations/", "")])
        .errors()
        .errors
}

#[test]
fn engine_is_required() {
    let errors = config_errors("version: '16'\n");
    find(
        &errors,
        "sqltest.yaml",
        1,
        1,
        "missing required key `engine`",
    );
    let errors = config_errors("# only a comment\n");
    find(
        &errors,
        "sqltest.yaml",
        1,
        1,
        "`sqltest.yaml` is empty: `engine` is required",
    );
}

#[test]
fn unknown_engine_lists_engines_with_a_suggestion() {
    let errors = config_errors("engine: postgresql\n");
    let e = find(&errors, "sqltest.yaml", 1, 9, "unknown engine `postgresql`");
    let help = e.help.as_deref().unwrap_or_default();
    assert!(help.starts_with("did you mean `postgres`?"), "{help}");
    assert!(help.contains("`mysql`, `mariadb`, `sqlite`"), "{help}");
}

#[test]
fn mysql_and_mariadb_are_not_supported_yet() {
    for engine in ["mysql", "mariadb"] {
        let errors = config_errors(&format!("\nengine: {engine}\n"));
        let e = find(
            &errors,
            "sqltest.yaml",
            2,
            9,
            "is not supported by this build yet",
        );
        assert_eq!(
            e.help.as_deref(),
            Some("supported engines: postgres, sqlite")
        );
    }
}

#[test]
fn unknown_keys_name_the_key_and_list_valid_ones() {
    let errors = config_errors("engine: postgres\ntimout: 30s\n");
    assert_eq!(
        errors.len(),
        1,
        "a serde error is the file's one error: {errors:?}"
    );
    let e = find(&errors, "sqltest.yaml", 2, 1, "unknown key `timout`");
    let help = e.help.as_deref().unwrap_or_default();
    assert!(help.starts_with("did you mean `timeout`?"), "{help}");
    assert!(help.contains("`engine`, `version`, `image`, `backend`, `migrations`, `seeds`, `specs`, `jobs`, `timeout`"), "{help}");
}

#[test]
fn wrong_types_are_located() {
    let errors = config_errors("engine: postgres\njobs: four\n");
    find(
        &errors,
        "sqltest.yaml",
        2,
        7,
        "expected a number of parallel workers, found a string",
    );
    let errors = config_errors("engine: postgres\njobs: 0\n");
    find(&errors, "sqltest.yaml", 2, 7, "`jobs` must be at least 1");
    let errors = config_errors("engine: postgres\nimage: [a, b]\n");
    find(&errors, "sqltest.yaml", 2, 8, "expected");
    let errors = config_errors("engine: postgres\nseeds: {a: 1}\n");
    find(
        &errors,
        "sqltest.yaml",
        2,
        8,
        "expected `seeds` as a glob or a list of globs, found a map",
    );
}

#[test]
fn backend_values_and_combinations() {
    let errors = config_errors("engine: postgres\nbackend: dockr\n");
    let e = find(&errors, "sqltest.yaml", 2, 10, "unknown backend `dockr`");
    assert!(
        e.help
            .as_deref()
            .unwrap_or_default()
            .starts_with("did you mean `docker`?")
    );
    let errors = config_errors("engine: postgres\nbackend: embedded\n");
    find(
        &errors,
        "sqltest.yaml",
        2,
        10,
        "backend `embedded` cannot run engine `postgres`",
    );
    let errors = config_errors("engine: sqlite\nbackend: docker\n");
    find(
        &errors,
        "sqltest.yaml",
        2,
        10,
        "backend `docker` cannot run engine `sqlite`",
    );
}

#[test]
fn timeout_needs_a_unit_and_a_positive_value() {
    let errors = config_errors("engine: postgres\ntimeout: 30\n");
    let e = find(&errors, "sqltest.yaml", 2, 10, "invalid duration `30`");
    assert_eq!(
        e.help.as_deref(),
        Some("write a number with a unit, like `30s` or `2m`")
    );
    let errors = config_errors("engine: postgres\ntimeout: 0s\n");
    find(
        &errors,
        "sqltest.yaml",
        2,
        10,
        "`timeout` must be more than zero",
    );
    let p = TempProject::new(&[(
        "sqltest.yaml",
        "engine: postgres\ntimeout: 1m 30s\njobs: 3\n",
    )]);
    let project = p.load().expect("loads");
    assert_eq!(project.timeout, Some(Duration::from_secs(90)));
    assert_eq!(project.jobs, Some(3));
}

#[test]
fn migrations_directory_must_exist() {
    let errors = config_errors("engine: postgres\nmigrations: db/migration\n");
    find(
        &errors,
        "sqltest.yaml",
        2,
        13,
        "migrations directory `db/migration` does not exist",
    );
    let p = TempProject::new(&[
        ("sqltest.yaml", "engine: postgres\nmigrations: db/x.sql\n"),
        ("db/x.sql", ""),
    ]);
    find(
        &p.errors().errors,
        "sqltest.yaml",
        2,
        13,
        "migrations path `db/x.sql` is not a directory",
    );
}

#[test]
fn seeds_expand_in_order_and_missing_ones_are_located() {
    let p = TempProject::new(&[
        (
            "sqltest.yaml",
            "engine: sqlite\nseeds: [db/seeds/*.sql, db/extra.sql]\n",
        ),
        ("db/seeds/10_orders.sql", ""),
        ("db/seeds/2_customers.sql", ""),
        ("db/seeds/notes.txt", ""),
        ("db/extra.sql", ""),
    ]);
    let project = p.load().expect("loads");
    assert_eq!(
        project.seeds,
        [
            "db/seeds/2_customers.sql",
            "db/seeds/10_orders.sql",
            "db/extra.sql"
        ]
    );

    let p = TempProject::new(&[("sqltest.yaml", "engine: sqlite\nseeds: db/seeds/*.sql\n")]);
    find(
        &p.errors().errors,
        "sqltest.yaml",
        2,
        8,
        "`db/seeds/*.sql` matches no seed file",
    );
    let p = TempProject::new(&[
        (
            "sqltest.yaml",
            "engine: sqlite\nseeds:\n  - a.sql\n  - b.sql\n",
        ),
        ("a.sql", ""),
    ]);
    let errors = p.errors().errors;
    assert_eq!(errors.len(), 1);
    find(
        &errors,
        "sqltest.yaml",
        4,
        5,
        "seed file `b.sql` does not exist",
    );
    let p = TempProject::new(&[
        ("sqltest.yaml", "engine: sqlite\nseeds: db\n"),
        ("db/a.sql", ""),
    ]);
    find(
        &p.errors().errors,
        "sqltest.yaml",
        2,
        8,
        "`db` is a directory",
    );
}

#[test]
fn specs_default_may_match_nothing_but_a_written_glob_may_not() {
    let p = TempProject::new(&[("sqltest.yaml", "engine: postgres\n")]);
    assert!(p.load().expect("loads").specs.is_empty());
    let p = TempProject::new(&[("sqltest.yaml", "engine: postgres\nspecs: [tests/*.yaml]\n")]);
    find(
        &p.errors().errors,
        "sqltest.yaml",
        2,
        9,
        "`tests/*.yaml` matches no spec file",
    );
}

#[test]
fn specs_exclude_the_project_file_and_sort_naturally() {
    let p = TempProject::new(&[
        ("sqltest.yaml", "engine: postgres\nspecs: '**/*.yaml'\n"),
        ("s/t10.yaml", "tests: []\n"),
        ("s/t9.yaml", ""),
    ]);
    let project = p.load().expect("loads");
    let paths: Vec<&str> = project.specs.iter().map(|s| s.path.as_str()).collect();
    assert_eq!(paths, ["s/t9.yaml", "s/t10.yaml"]);
    assert_eq!(project.engine, Engine::Postgres);
}

#[test]
fn yaml_syntax_errors_are_located() {
    let errors = config_errors("engine: postgres\nseeds: [a, b\n");
    assert_eq!(errors.len(), 1, "{errors:?}");
    let l = errors[0].location.as_ref().expect("located");
    assert_eq!(l.path, "sqltest.yaml");
    assert!(l.line >= 2, "{l}");
}

#[test]
fn errors_from_every_file_are_collected() {
    let p = TempProject::new(&[
        ("sqltest.yaml", "engine: postgres\njobs: 0\n"),
        ("sqltest/a.yaml", "tests:\n  - name: x\n"),
        (
            "sqltest/b.yaml",
            "rules:\n  - table: t\n    checks: [{not_nul: [a]}]\n",
        ),
    ]);
    let errors = p.errors();
    let paths: Vec<&str> = errors
        .errors
        .iter()
        .map(|e| e.location.as_ref().expect("located").path.as_str())
        .collect();
    assert_eq!(paths, ["sqltest.yaml", "sqltest/a.yaml", "sqltest/b.yaml"]);
}

#[test]
fn project_file_is_found_by_walking_up() {
    let p = TempProject::new(&[
        ("sqltest.yaml", "engine: sqlite\nbackend: embedded\n"),
        ("a/b/c/", ""),
    ]);
    let found = find_project_file(&p.root.join("a/b/c")).expect("found");
    assert_eq!(found, p.root.join("sqltest.yaml"));
    assert_eq!(
        find_project_file(&p.root.join("sqltest.yaml")).expect("file"),
        found
    );
    std::fs::write(p.root.join("a/b/spec.yaml"), "tests: []\n").expect("write");
    assert_eq!(
        find_project_file(&p.root.join("a/b/spec.yaml")).expect("from a spec file"),
        found
    );
    let project = crate::project::load(&p.root.join("a/b")).expect("loads");
    assert_eq!(project.root, p.root);
    assert_eq!(project.config_path, "sqltest.yaml");
    assert_eq!(project.backend, Some(BackendKind::Embedded));

    let empty = TempProject::new(&[("x/", "")]);
    let err = find_project_file(&empty.root.join("x")).expect_err("no project file");
    assert_eq!(err.errors.len(), 1);
    assert!(
        err.errors[0].message.starts_with("no sqltest.yaml in `"),
        "{}",
        err.errors[0].message
    );
    assert!(err.errors[0].location.is_none());
    let err = find_project_file(&empty.root.join("missing")).expect_err("missing start");
    assert!(err.errors[0].message.ends_with("does not exist"));
}

#[test]
fn render_shows_every_error_with_its_line() {
    let p = TempProject::new(&[
        ("sqltest.yaml", "engine: postgres\nbackend: dockr\n"),
        (
            "sqltest/a.yaml",
            "tests:\n  - name: t\n    sql: select 1\n    expect: {error: check_violaton}\n",
        ),
    ]);
    let expected = "\
error: unknown backend `dockr`
 --> sqltest.yaml:2:10
  |
2 | backend: dockr
  |          ^^^^^
  = help: did you mean `docker`? backends: `auto`, `docker`, `local`, `url`, `embedded`

error: unknown error condition `check_violaton`
 --> sqltest/a.yaml:4:21
  |
4 |     expect: {error: check_violaton}
  |                     ^^^^^^^^^^^^^^
  = help: did you mean `check_violation`? write an SQLSTATE code like `23514` or a PostgreSQL condition name like `check_violation`

found 2 errors while loading the project
";
    assert_eq!(p.errors().render(false), expected);
}
