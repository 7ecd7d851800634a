//! Property tests: no input makes the loader panic, and every error it reports is located
//! inside the file it names.

use super::spec;
use crate::project::config::convert_config;
use crate::project::raw::RawConfig;
use crate::project::source::FileCtx;
use camino::Utf8PathBuf;
use proptest::prelude::*;

const VALID: &str = "\
fixtures:
  customers:
    - {id: 1, name: Ann}
tests:
  - name: a
    given: {orders: [{id: 1}]}
    sql: |
      select 1
    expect: {rows: [{n: 1}], ordered: true}
  - name: b
    sql: insert into t values (1)
    expect: {error: unique_violation, message: 'dup.*'}
rules:
  - table: orders
    where: a > 0
    checks:
      - not_null: [a, b]
      - unique: [[a, b], c]
      - {range: {column: a, min: 0}, severity: warning}
      - references: {column: c, to: s.t.id}
      - freshness: {column: d, max_age: 1h}
  - {name: r, sql: select 1, max_violations: 2}
";

/// Text fragments that steer random edits towards interesting YAML.
const PIECES: &[&str] = &[
    "-",
    ":",
    " ",
    "\n",
    "  ",
    "{",
    "}",
    "[",
    "]",
    ",",
    "'",
    "\"",
    "|",
    ">",
    "&a",
    "*a",
    "<<: *a",
    "!!str",
    "null",
    "~",
    "true",
    "1e999",
    "-1",
    "0.5",
    "name",
    "sql",
    "expect",
    "rows",
    "error",
    "checks",
    "unique",
    "not_null",
    "\t",
    "#",
    "%YAML 1.2\n---\n",
    "...",
    "é",
    "\u{0}",
];

/// Checks every error is located inside `text` (line within the file, column within the line + 1).
fn assert_located(errors: &[crate::project::ConfigError], text: &str) {
    let lines: Vec<&str> = text.split('\n').collect();
    for e in errors {
        let l = e
            .location
            .as_ref()
            .expect("every spec error has a location");
        assert_eq!(l.path, "sqltest/a.yaml");
        assert!(
            l.line >= 1 && (l.line as usize) <= lines.len() + 1,
            "line out of range: {e} in {text:?}"
        );
    }
}

#[derive(Debug, Clone)]
enum Edit {
    Delete(usize, usize),
    Insert(usize, &'static str),
    SwapLines(usize, usize),
    DuplicateLine(usize),
}

fn apply(text: &str, edit: &Edit) -> String {
    let chars: Vec<char> = text.chars().collect();
    match edit {
        Edit::Delete(at, len) => {
            let at = at % (chars.len() + 1);
            let end = (at + len).min(chars.len());
            chars[..at].iter().chain(&chars[end..]).collect()
        }
        Edit::Insert(at, piece) => {
            let at = at % (chars.len() + 1);
            let mut s: String = chars[..at].iter().collect();
            s.push_str(piece);
            s.extend(&chars[at..]);
            s
        }
        Edit::SwapLines(a, b) => {
            let mut lines: Vec<&str> = text.split('\n').collect();
            let n = lines.len();
            lines.swap(a % n, b % n);
            lines.join("\n")
        }
        Edit::DuplicateLine(a) => {
            let mut lines: Vec<&str> = text.split('\n').collect();
            let n = lines.len();
            let line = lines[a % n];
            lines.insert(a % n, line);
            lines.join("\n")
        }
    }
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (0..2000usize, 1..20usize).prop_map(|(a, l)| Edit::Delete(a, l)),
        (0..2000usize, proptest::sample::select(PIECES)).prop_map(|(a, p)| Edit::Insert(a, p)),
        (0..100usize, 0..100usize).prop_map(|(a, b)| Edit::SwapLines(a, b)),
        (0..100usize).prop_map(Edit::DuplicateLine),
    ]
}

#[test]
fn the_valid_spec_is_valid() {
    spec(VALID).unwrap_or_else(|e| panic!("{e:?}"));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,200}") {
        if let Err(errors) = spec(&text) {
            assert_located(&errors, &text);
        }
    }

    #[test]
    fn yaml_ish_text_never_panics(pieces in proptest::collection::vec(proptest::sample::select(PIECES), 0..60)) {
        let text = pieces.concat();
        if let Err(errors) = spec(&text) {
            assert_located(&errors, &text);
        }
    }

    #[test]
    fn mutated_valid_specs_never_panic(edits in proptest::collection::vec(edit(), 1..6)) {
        let text = edits.iter().fold(VALID.to_owned(), |t, e| apply(&t, e));
        if let Err(errors) = spec(&text) {
            assert_located(&errors, &text);
        }
    }

    #[test]
    fn arbitrary_project_files_never_panic(text in "(engine|seeds|specs|jobs|timeout|backend|migrations|: |\\[|\\]|\\*|/|\n| |x|0|-1|30s)*") {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = Utf8PathBuf::from_path_buf(dir.path().to_owned()).expect("utf8");
        let mut ctx = FileCtx::new("sqltest.yaml", text.clone());
        let raw: Option<RawConfig> = ctx.parse();
        let parsed = ctx.errors.is_empty();
        let _ = convert_config(&mut ctx, raw, &root, parsed);
        for e in &ctx.errors {
            prop_assert!(e.location.is_some(), "unlocated: {e}");
        }
    }
}
