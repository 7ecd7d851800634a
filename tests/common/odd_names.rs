//! The odd-identifier and typed-argument projects (issue 10, items 4 and 5), shared by the
//! SQLite and PostgreSQL runs: a table named `a"b` with columns `first name` and `prénom`, and
//! a table named `t.x`, written the same way in specs for both engines.

use super::out_dir;
use std::path::{Path, PathBuf};

/// Valid SQL on both engines.
pub const MIGRATION: &str = r#"create table "a""b" (id int primary key, "first name" text, "prénom" text, amount numeric, born date);
create table "t.x" (id int, a_id int);
insert into "a""b" values (1, 'Ann', 'Anne', 5, '2000-01-01'), (2, 'Bo', 'Bob', 50, '2001-02-03');
insert into "t.x" values (1, 1), (2, 9);
"#;

/// A unit test whose given rows go into both odd tables, and rules that pass and fail on them.
pub const ODD_SPEC: &str = r#"tests:
  - name: given rows land in the odd tables
    given:
      'a"b':
        - {id: 10, "first name": Cy, "prénom": Cyrille, amount: 3}
      '"t.x"':
        - {id: 5, a_id: 10}
    sql: select b."first name" as fname, b."prénom" as p, x.id as xid from "a""b" b join "t.x" x on x.a_id = b.id where b.id = 10
    expect:
      rows: [{fname: Cy, p: Cyrille, xid: 5}]
rules:
  - table: 'a"b'
    checks:
      - not_null: ["first name"]
      - unique: ["prénom"]
      - accepted_values: {column: "prénom", values: [Anne, Bob]}
      - range: {column: amount, min: 0, max: 10}
      - {range: {column: id, min: '1', max: 1e3}, name: quoted and exponent bounds}
      - matches: {column: "first name", pattern: '^[A-Z]'}
  - table: '"t.x"'
    checks:
      - references: {column: a_id, to: 'a"b.id'}
"#;

/// Wrong-typed arguments and missing odd-named tables: each a located error.
pub const TYPED_SPEC: &str = r#"rules:
  - table: 'a"b'
    checks:
      - range: {column: amount, min: abc}
      - accepted_values: {column: born, values: ['2000-01-01', soon]}
  - table: 'a"c'
    checks:
      - not_null: [id]
  - table: '"t.y"'
    checks:
      - not_null: [id]
"#;

/// A project in the test's own directory with [`MIGRATION`] and `spec` as `sqltest/odd.yaml`.
pub fn project(test: &str, engine: &str, spec: &str) -> PathBuf {
    let dir = out_dir(test);
    write(
        &dir,
        "sqltest.yaml",
        &format!("engine: {engine}\nmigrations: db/migrations\n"),
    );
    write(&dir, "db/migrations/V1__odd.sql", MIGRATION);
    write(&dir, "sqltest/odd.yaml", spec);
    dir
}

fn write(dir: &Path, file: &str, text: &str) {
    let path = dir.join(file);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// `sqltest/odd.yaml:L:C` of the first `needle` on the first line holding it in `spec`.
pub fn location_of(spec: &str, needle: &str) -> String {
    let (i, line) = spec
        .lines()
        .enumerate()
        .find(|(_, l)| l.contains(needle))
        .expect("needle in spec");
    let col = line[..line.find(needle).unwrap()].chars().count() + 1;
    format!("sqltest/odd.yaml:{}:{col}", i + 1)
}

/// Asserts the outcome of a run of [`ODD_SPEC`]: the unit test passed, every check passed but
/// the two that hold one violating row each.
pub fn assert_odd_results(report: &serde_json::Value) {
    let tests = super::test_statuses(report);
    assert_eq!(
        tests,
        vec![(
            "sqltest/odd.yaml::given rows land in the odd tables".to_string(),
            "passed".to_string()
        )]
    );
    let mut checks: Vec<(String, String, u64)> = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["id"].as_str().unwrap().to_string(),
                c["status"].as_str().unwrap().to_string(),
                c["violations"].as_u64().unwrap(),
            )
        })
        .collect();
    checks.sort();
    let want =
        |id: &str, status: &str, n: u64| (format!("sqltest/odd.yaml::{id}"), status.to_string(), n);
    let mut expected = vec![
        want("\"t.x\".references(a_id)", "failed", 1),
        want("a\"b.accepted_values(prénom)", "passed", 0),
        want("a\"b.matches(first name)", "passed", 0),
        want("a\"b.not_null(first name)", "passed", 0),
        want("a\"b.range(amount)", "failed", 1),
        want("a\"b.unique(prénom)", "passed", 0),
        want("quoted and exponent bounds", "passed", 0),
    ];
    expected.sort();
    assert_eq!(checks, expected);
}

/// Asserts the errors of a run of [`TYPED_SPEC`] (exit 2, nothing run), located at the values.
pub fn assert_typed_errors(text: &str) {
    for (needle, message) in [
        (
            "abc}",
            "`min` `abc` is not a number: column `a\"b.amount` is numeric",
        ),
        (
            "soon]",
            "value `soon` is not a date: column `a\"b.born` is date",
        ),
        ("table: 'a\"c'", "did you mean `a\"b`?"),
        ("table: '\"t.y\"'", "did you mean `\"t.x\"`?"),
    ] {
        // Value errors point at the value; missing tables at the entry's `table` key.
        let at = location_of(TYPED_SPEC, needle);
        assert!(text.contains(&at), "{at} in:\n{text}");
        assert!(text.contains(message), "{message} in:\n{text}");
    }
    assert!(!text.contains("checks run"), "no check ran:\n{text}");
}
