//! Whole-input tests of the splitter: a real `pg_dump` file, and properties on arbitrary input.

use super::*;
use proptest::prelude::*;

// ---- a real pg_dump file --------------------------------------------------------------------

/// `tests/data/pg_dump_sample.sql` is plain `pg_dump --create` output of PostgreSQL 15.18 for the
/// schema in `tests/data/pg_dump_sample_source.sql`.
const PG_DUMP: &str = include_str!("../../../tests/data/pg_dump_sample.sql");

#[test]
fn real_pg_dump_splits_into_the_statements_psql_runs() {
    let statements = split(Engine::Postgres, PG_DUMP).unwrap();
    let count =
        |pred: fn(&StatementKind) -> bool| statements.iter().filter(|s| pred(&s.kind)).count();
    // Counted independently: the server logged this many statements when psql ran the file.
    assert_eq!(
        count(|k| matches!(k, StatementKind::Sql)),
        SQL_STATEMENTS_IN_DUMP
    );
    assert_eq!(
        count(|k| matches!(k, StatementKind::CopyFromStdin { .. })),
        7
    );
    // \restrict, \unrestrict, \connect, \restrict, \unrestrict
    assert_eq!(count(|k| matches!(k, StatementKind::PsqlMeta)), 5);

    let mut previous_end = 0;
    for s in &statements {
        let text = s.text(PG_DUMP);
        assert!(s.range.start >= previous_end, "out of order: {s:?}");
        previous_end = s.range.end;
        match &s.kind {
            StatementKind::Sql => {
                let keyword = first_keyword(text).unwrap_or_default();
                let expected = ["SET", "SELECT", "CREATE", "ALTER", "COMMENT", "REFRESH"];
                assert!(
                    expected.contains(&keyword.as_str()),
                    "unexpected statement: {text}"
                );
                assert!(!text.contains("\n\\."), "COPY data leaked into SQL: {text}");
            }
            StatementKind::CopyFromStdin { data } => {
                assert!(
                    text.starts_with("COPY app.") && text.ends_with("FROM stdin"),
                    "{text}"
                );
                assert_eq!(data.start, s.range.end + ";\n".len());
                assert!(PG_DUMP[data.end..].starts_with("\\.\n"), "{text}");
                assert!(data.is_empty() || PG_DUMP[..data.end].ends_with('\n'));
                previous_end = data.end;
            }
            StatementKind::PsqlMeta => {
                assert!(
                    text.starts_with("\\restrict ")
                        || text.starts_with("\\unrestrict ")
                        || text == "\\connect sample"
                );
            }
        }
    }

    let copy_of = |table: &str| {
        statements
            .iter()
            .find_map(|s| match &s.kind {
                StatementKind::CopyFromStdin { data } if s.text(PG_DUMP).starts_with(table) => {
                    Some(&PG_DUMP[data.clone()])
                }
                _ => None,
            })
            .unwrap_or_else(|| panic!("no {table}"))
    };
    let customers = copy_of("COPY app.customers ");
    assert_eq!(customers.lines().count(), 5);
    assert!(customers.contains("Björk") && customers.contains("line1\\r\\nline2\\\\.\\n\\\\."));
    assert_eq!(copy_of("COPY app.empty_table "), "");
    assert_eq!(copy_of("COPY app.invoices ").lines().count(), 3);

    let atomic: Vec<&str> = statements
        .iter()
        .map(|s| s.text(PG_DUMP))
        .filter(|t| t.contains("BEGIN ATOMIC"))
        .collect();
    assert_eq!(atomic.len(), 2);
    assert!(atomic.iter().all(|t| t.ends_with("\nEND")));
    let rule = statements
        .iter()
        .map(|s| s.text(PG_DUMP))
        .find(|t| t.starts_with("CREATE RULE archive_invoices"))
        .expect("multi-action rule");
    assert!(rule.ends_with("'invoices;new'::text);\n)"));
    let audit = statements
        .iter()
        .map(|s| s.text(PG_DUMP))
        .find(|t| t.starts_with("CREATE FUNCTION app.audit()"))
        .expect("plpgsql function");
    assert!(audit.ends_with("END;\n$_$"));
}

/// Statements (COPY excluded) the server logged with `log_statement = all` while
/// `psql -f tests/data/pg_dump_sample.sql` ran.
const SQL_STATEMENTS_IN_DUMP: usize = 96;

// ---- properties -----------------------------------------------------------------------------

fn check_ranges(text: &str, statements: &[Statement]) {
    let mut previous_end = 0;
    for s in statements {
        assert!(
            s.range.start >= previous_end && s.range.start < s.range.end,
            "{s:?}"
        );
        assert!(s.range.end <= text.len());
        assert!(text.is_char_boundary(s.range.start) && text.is_char_boundary(s.range.end));
        assert!(!text[s.range.clone()].starts_with(|c: char| c.is_ascii_whitespace()));
        previous_end = s.range.end;
        if let StatementKind::CopyFromStdin { data } = &s.kind {
            assert!(data.start > s.range.end && data.start <= data.end && data.end <= text.len());
            assert!(text.is_char_boundary(data.start) && text.is_char_boundary(data.end));
            previous_end = data.end;
        }
    }
}

fn sql_like() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "'",
        "''",
        "\"",
        "`",
        "[",
        "]",
        "$",
        "$$",
        "$a$",
        "$1",
        "E'",
        "\\",
        "\\.",
        "\n\\.\n",
        ";",
        "(",
        ")",
        "--",
        "-- ",
        "#",
        "/*",
        "*/",
        "/*!",
        "\n",
        "\r\n",
        " ",
        "\t",
        "é",
        "日",
        "x",
        "BEGIN",
        "ATOMIC",
        "END",
        "CASE",
        "IF",
        "CREATE",
        "FUNCTION",
        "TRIGGER",
        "PROCEDURE",
        "COPY",
        "FROM",
        "stdin",
        "DELIMITER",
        "\\connect",
        "\\copy",
        "TEMP",
    ]);
    prop::collection::vec(pieces, 0..40).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn split_never_panics_and_ranges_are_sane(text in prop_oneof![any::<String>(), sql_like()]) {
        for engine in [Engine::Postgres, Engine::Sqlite, Engine::Mysql, Engine::Mariadb] {
            match split(engine, &text) {
                Ok(statements) => check_ranges(&text, &statements),
                Err(e) => prop_assert!(e.offset <= text.len() && text.is_char_boundary(e.offset)),
            }
        }
        let _ = first_keyword(&text);
    }
}
