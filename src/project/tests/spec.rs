//! Spec files: top-level keys, tests, `given`/`fixtures`, `expect`, SQL locations.

use super::{find, spec, spec_error, spec_errors};
use crate::project::model::{Expect, Isolation};
use serde_json::json;

#[test]
fn unknown_top_level_key_suggests_the_right_one() {
    spec_error(
        "test:\n  - name: a\n",
        1,
        1,
        "unknown key `test`",
        Some("did you mean `tests`? valid keys here: `fixtures`, `tests`, `rules`"),
    );
}

#[test]
fn unknown_test_key_is_located() {
    spec_error(
        "tests:\n  - name: a\n    sql: select 1\n    expected: {count: 1}\n",
        4,
        5,
        "unknown key `expected`",
        Some("did you mean `expect`?"),
    );
}

#[test]
fn duplicate_test_names_point_at_the_second_and_name_the_first_line() {
    let text = "tests:\n  - name: same\n    sql: select 1\n  - name: other\n    sql: select 2\n  - name: same\n    sql: select 3\n";
    let errors = spec_errors(text);
    assert_eq!(errors.len(), 1, "{errors:?}");
    find(
        &errors,
        "sqltest/a.yaml",
        6,
        11,
        "duplicate test name `same`: first used at line 2",
    );
}

#[test]
fn sql_and_name_are_required() {
    spec_error(
        "tests:\n  - name: no sql here\n",
        2,
        5,
        "test `no sql here` has no `sql`",
        Some("add `sql:"),
    );
    spec_error(
        "tests:\n  - sql: select 1\n",
        2,
        5,
        "test has no `name`",
        None,
    );
    spec_error(
        "tests:\n  - name: t\n    sql: '  '\n",
        3,
        11,
        "`sql` is empty",
        None,
    );
}

#[test]
fn semantic_errors_in_one_file_are_all_collected() {
    let text = "\
tests:
  - name: a
    sql: select 1
    isolation: databse
  - name: a
    sql: select 2
  - name: b
    sql: select 3
    expect: {count: 1, empty: true}
  - name: c
    skip: [x]
";
    let errors = spec_errors(text);
    find(
        &errors,
        "sqltest/a.yaml",
        4,
        16,
        "unknown isolation `databse`",
    );
    find(&errors, "sqltest/a.yaml", 5, 11, "duplicate test name `a`");
    find(
        &errors,
        "sqltest/a.yaml",
        9,
        31,
        "`expect` has both `count` and `empty`",
    );
    find(&errors, "sqltest/a.yaml", 10, 5, "test `c` has no `sql`");
    find(
        &errors,
        "sqltest/a.yaml",
        11,
        11,
        "expected a reason (a string) or `true`, found a list",
    );
    assert_eq!(errors.len(), 5, "{errors:?}");
}

#[test]
fn given_and_fixtures_must_be_maps_of_row_lists() {
    spec_error(
        "fixtures: [a]\n",
        1,
        11,
        "expected `fixtures` to be a map of table name to rows, found a list",
        None,
    );
    spec_error(
        "tests:\n  - name: t\n    sql: select 1\n    given: {orders: {id: 1}}\n",
        4,
        21,
        "expected rows of `orders` as a list of maps",
        None,
    );
    spec_error(
        "tests:\n  - name: t\n    sql: select 1\n    given:\n      orders:\n        - 1\n",
        6,
        11,
        "expected a row (a map of column to value), found a number",
        None,
    );
}

#[test]
fn given_rows_keep_their_order_and_values() {
    let s = spec(
        "fixtures:\n  customers:\n    - {id: 1, name: Ann, tags: [a, b], meta: {k: 1}, gone: null}\ntests:\n  - name: t\n    given:\n      orders:\n        - {id: 2, amount: 100.50}\n        - {amount: 7, id: 1}\n      items: []\n    sql: select 1\n",
    )
    .expect("valid");
    assert_eq!(s.fixtures.len(), 1);
    let row = &s.fixtures[0].rows[0];
    assert_eq!(
        row.keys().collect::<Vec<_>>(),
        ["id", "name", "tags", "meta", "gone"]
    );
    assert_eq!(row["tags"], json!(["a", "b"]));
    assert_eq!(row["meta"], json!({"k": 1}));
    assert_eq!(row["gone"], json!(null));
    let given = &s.tests[0].given;
    assert_eq!(
        given.iter().map(|g| g.table.as_str()).collect::<Vec<_>>(),
        ["orders", "items"]
    );
    assert_eq!(
        given[0].rows[1].keys().collect::<Vec<_>>(),
        ["amount", "id"]
    );
    assert_eq!(given[0].rows[0]["amount"], json!(100.5));
    assert_eq!((given[0].location.line, given[0].location.column), (7, 7));
}

#[test]
fn expect_forms() {
    let s = spec(
        "tests:\n  - {name: a, sql: x, expect: {rows: [{n: 1}], ordered: true, columns: exact}}\n  - {name: b, sql: x, expect: {count: 3}}\n  - {name: c, sql: x, expect: {empty: true}}\n  - {name: d, sql: x, expect: {error: 23505, message: 'dup.*key'}}\n  - {name: e, sql: x}\n  - {name: f, sql: x, expect: {error: P0042}}\n",
    )
    .expect("valid");
    let expects: Vec<&Expect> = s.tests.iter().map(|t| &t.expect).collect();
    assert_eq!(
        *expects[0],
        Expect::Rows {
            rows: vec![[("n".to_owned(), json!(1))].into_iter().collect()],
            ordered: true,
            exact_columns: true
        }
    );
    assert_eq!(*expects[1], Expect::Count(3));
    assert_eq!(*expects[2], Expect::Empty);
    let Expect::Error(e) = expects[3] else {
        panic!("error expected: {:?}", expects[3])
    };
    assert_eq!(
        (e.written.as_str(), e.sqlstate.as_str()),
        ("23505", "23505")
    );
    assert!(
        e.message
            .as_ref()
            .expect("regex")
            .is_match("duplicate key value")
    );
    assert_eq!(*expects[4], Expect::Success);
    let Expect::Error(e) = expects[5] else {
        panic!("custom code expected")
    };
    assert_eq!(
        e.sqlstate, "P0042",
        "a well-formed user-defined SQLSTATE is accepted"
    );
}

#[test]
fn condition_names_resolve_and_unknown_ones_suggest() {
    let s =
        spec("tests:\n  - {name: a, sql: x, expect: {error: Check_Violation}}\n").expect("valid");
    let Expect::Error(e) = &s.tests[0].expect else {
        panic!("error")
    };
    assert_eq!(e.sqlstate, "23514");
    spec_error(
        "tests:\n  - name: a\n    sql: x\n    expect:\n      error: uniq_violation\n",
        5,
        14,
        "unknown error condition `uniq_violation`",
        Some("did you mean `unique_violation`?"),
    );
}

#[test]
fn invalid_message_regex_is_located() {
    spec_error(
        "tests:\n  - name: a\n    sql: x\n    expect: {error: 23505, message: 'a(b'}\n",
        4,
        38,
        "invalid regex in `message`: unclosed group",
        None,
    );
}

#[test]
fn expect_option_misuse() {
    spec_error(
        "tests:\n  - {name: a, sql: x, expect: {ordered: true, count: 1}}\n",
        2,
        41,
        "`ordered` applies to `rows` only",
        None,
    );
    spec_error(
        "tests:\n  - {name: a, sql: x, expect: {rows: [], columns: all}}\n",
        2,
        51,
        "unknown `columns` value `all`",
        Some("the only value is `exact`"),
    );
    spec_error(
        "tests:\n  - {name: a, sql: x, expect: {message: boom}}\n",
        2,
        41,
        "`message` applies to `error` only",
        None,
    );
    spec_error(
        "tests:\n  - {name: a, sql: x, expect: {empty: false}}\n",
        2,
        39,
        "`empty: false` is not an expectation",
        None,
    );
    spec_error(
        "tests:\n  - {name: a, sql: x, expect: {}}\n",
        2,
        31,
        "`expect` is empty",
        None,
    );
    spec_error(
        "tests:\n  - {name: a, sql: x, expect: {rows: [1]}}\n",
        2,
        39,
        "expected a row",
        None,
    );
}

#[test]
fn tags_skip_isolation_and_setup() {
    let s = spec(
        "tests:\n  - name: a\n    sql: x\n    tags: [reports, slow]\n    skip: 'waiting for #123'\n    isolation: database\n    setup: select 1\n  - {name: b, sql: x, skip: true}\n  - {name: c, sql: x, skip: false}\n",
    )
    .expect("valid");
    let t = &s.tests[0];
    assert_eq!(t.tags, ["reports", "slow"]);
    assert_eq!(t.skip.as_deref(), Some("waiting for #123"));
    assert_eq!(t.isolation, Isolation::Database);
    assert_eq!(t.setup.as_ref().map(|s| s.sql.as_str()), Some("select 1"));
    assert_eq!(s.tests[1].skip.as_deref(), Some(""));
    assert_eq!(s.tests[2].skip, None);
    assert_eq!(s.tests[2].isolation, Isolation::Transaction);
    assert_eq!(t.id, "sqltest/a.yaml::a");
    assert_eq!((t.location.line, t.location.column), (2, 5));
}

#[test]
fn sql_locations_point_at_the_first_character_of_the_sql() {
    let text = "\
tests:
  - name: plain
    sql: select 1
  - name: block
    sql: |
      select 1
      from t
  - name: quoted
    sql: \"select 2\"
  - name: single
    sql: 'select 3'
  - name: leading blank
    sql: |

      select 4
  - name: next line
    sql:
      select 5
";
    let s = spec(text).expect("valid");
    let at: Vec<(u32, u32)> = s
        .tests
        .iter()
        .map(|t| (t.sql.location.line, t.sql.location.column))
        .collect();
    assert_eq!(at, [(3, 10), (6, 7), (9, 11), (11, 11), (14, 1), (18, 7)]);
    assert_eq!(s.tests[1].sql.sql, "select 1\nfrom t\n");
    // Line k of a literal block is file line location.line + k.
    assert_eq!(s.tests[4].sql.sql, "\nselect 4\n");
}

#[test]
fn empty_spec_file_is_an_empty_spec() {
    let s = spec("# nothing yet\n").expect("valid");
    assert!(s.tests.is_empty() && s.rules.is_empty() && s.fixtures.is_empty());
    assert_eq!(s.path, "sqltest/a.yaml");
}

#[test]
fn yes_and_no_stay_strings() {
    let s = spec("fixtures:\n  t:\n    - {flag: no, code: 007, on: y}\n").expect("valid");
    assert_eq!(s.fixtures[0].rows[0]["flag"], json!("no"));
    assert_eq!(s.fixtures[0].rows[0]["code"], json!("007"));
    assert_eq!(s.fixtures[0].rows[0]["on"], json!("y"));
}

#[test]
fn shape_errors_read_plainly() {
    spec_error("tests: 3\n", 1, 8, "expected a list here", None);
    spec_error(
        "tests:\n  - name: [a]\n",
        2,
        11,
        "expected a string here",
        None,
    );
    spec_error(
        "tests:\n  - {name: a, sql: x, expect: {count: -1}}\n",
        2,
        39,
        "expected a whole number, 0 or more",
        None,
    );
    spec_error("- a\n", 1, 1, "expected a map here", None);
    spec_error(
        "tests: []\ntests: []\n",
        2,
        1,
        "duplicate key `tests`",
        None,
    );
    spec_error("tests:\n  - name: 'a\n", 2, 11, "unclosed quote", None);
    // YAML 1.1 spellings are not booleans.
    spec_error(
        "tests:\n  - {name: a, sql: x, expect: {ordered: yes, rows: []}}\n",
        2,
        41,
        "invalid boolean",
        None,
    );
}
