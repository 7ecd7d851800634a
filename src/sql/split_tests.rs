//! Tests of the statement splitter, per engine and construct, on a real `pg_dump` file, and a
//! property test on arbitrary input.

use super::*;
use proptest::prelude::*;

fn texts(engine: Engine, sql: &str) -> Vec<&str> {
    let statements = split(engine, sql).expect("splits");
    statements.iter().map(|s| s.text(sql)).collect()
}

fn pg(sql: &str) -> Vec<&str> {
    texts(Engine::Postgres, sql)
}

fn lite(sql: &str) -> Vec<&str> {
    texts(Engine::Sqlite, sql)
}

fn my(sql: &str) -> Vec<&str> {
    texts(Engine::Mysql, sql)
}

fn err(engine: Engine, sql: &str) -> SplitError {
    split(engine, sql).expect_err("fails to split")
}

// ---- common behaviour -------------------------------------------------------------------

#[test]
fn ranges_exclude_semicolon_and_surrounding_comments() {
    let sql = "  -- lead\n/* c */ SELECT 1 /* tail */ ;\n\nSELECT 2 -- last";
    let statements = split(Engine::Postgres, sql).unwrap();
    assert_eq!(statements.len(), 2);
    assert_eq!(statements[0].range, 18..26);
    assert_eq!(statements[0].text(sql), "SELECT 1");
    assert_eq!(statements[0].kind, StatementKind::Sql);
    assert_eq!(statements[1].text(sql), "SELECT 2");
}

#[test]
fn empty_and_comment_only_statements_are_dropped() {
    for engine in [
        Engine::Postgres,
        Engine::Sqlite,
        Engine::Mysql,
        Engine::Mariadb,
    ] {
        assert_eq!(
            texts(engine, ";;  ; -- only a comment\n/* and this */;"),
            Vec::<&str>::new()
        );
        assert_eq!(texts(engine, ""), Vec::<&str>::new());
        assert_eq!(
            texts(engine, "SELECT 1;;SELECT 2;"),
            vec!["SELECT 1", "SELECT 2"]
        );
    }
}

#[test]
fn a_final_statement_without_semicolon_is_kept() {
    assert_eq!(pg("SELECT 1;\nSELECT 2\n\n"), vec!["SELECT 1", "SELECT 2"]);
    assert_eq!(lite("SELECT 1"), vec!["SELECT 1"]);
}

#[test]
fn unicode_text_keeps_char_boundaries() {
    let sql = "INSERT INTO t VALUES ('日本語;é');\nSELECT ünïcode_col FROM tåble";
    assert_eq!(
        pg(sql),
        vec![
            "INSERT INTO t VALUES ('日本語;é')",
            "SELECT ünïcode_col FROM tåble"
        ]
    );
}

// ---- PostgreSQL ---------------------------------------------------------------------------

#[test]
fn pg_single_quotes_with_doubled_quotes() {
    assert_eq!(
        pg("SELECT 'it''s; here'; SELECT 2"),
        vec!["SELECT 'it''s; here'", "SELECT 2"]
    );
    // Standard strings: a backslash is a plain character.
    assert_eq!(
        pg("SELECT 'a\\'; SELECT 2"),
        vec!["SELECT 'a\\'", "SELECT 2"]
    );
}

#[test]
fn pg_escape_strings_honour_backslashes() {
    assert_eq!(
        pg("SELECT E'it\\'s; ok'; SELECT 2"),
        vec!["SELECT E'it\\'s; ok'", "SELECT 2"]
    );
    assert_eq!(
        pg("SELECT e'\\\\'; SELECT 2"),
        vec!["SELECT e'\\\\'", "SELECT 2"]
    );
    // `typee'…'` is a word followed by a standard string, not an escape string.
    assert_eq!(
        pg("SELECT typee'a\\'; SELECT 2"),
        vec!["SELECT typee'a\\'", "SELECT 2"]
    );
}

#[test]
fn pg_dollar_quotes_with_and_without_tags() {
    let sql = "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;\n\
               DO $body$ BEGIN PERFORM $q$;$q$; RAISE NOTICE '$$'; END $body$;\n\
               SELECT 3";
    assert_eq!(
        pg(sql),
        vec![
            "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql",
            "DO $body$ BEGIN PERFORM $q$;$q$; RAISE NOTICE '$$'; END $body$",
            "SELECT 3",
        ]
    );
}

#[test]
fn pg_parameters_and_dollar_identifiers_are_not_dollar_quotes() {
    assert_eq!(
        pg("PREPARE p AS SELECT $1 + $2; EXECUTE p(1, 2)"),
        vec!["PREPARE p AS SELECT $1 + $2", "EXECUTE p(1, 2)"]
    );
    assert_eq!(
        pg("SELECT a$b$ FROM t; SELECT 2"),
        vec!["SELECT a$b$ FROM t", "SELECT 2"]
    );
}

#[test]
fn pg_quoted_identifiers_may_hold_semicolons_and_quotes() {
    assert_eq!(
        pg("SELECT \"a;\"\"b\" FROM t; SELECT 2"),
        vec!["SELECT \"a;\"\"b\" FROM t", "SELECT 2"]
    );
}

#[test]
fn pg_comments_hide_semicolons_and_quotes() {
    let sql =
        "SELECT 1 -- it's; a comment\n + 1; /* outer /* inner; */ still ' comment */ SELECT 2";
    assert_eq!(
        pg(sql),
        vec!["SELECT 1 -- it's; a comment\n + 1", "SELECT 2"]
    );
}

#[test]
fn pg_begin_atomic_bodies_with_case_are_one_statement() {
    let sql = "CREATE FUNCTION f(x int) RETURNS text LANGUAGE sql\n\
               BEGIN ATOMIC\n  SELECT CASE WHEN x > 0 THEN 'pos;' ELSE 'neg' END;\n  SELECT 'x';\nEND;\n\
               CREATE OR REPLACE PROCEDURE p() LANGUAGE sql BEGIN ATOMIC INSERT INTO t VALUES (1); END;\n\
               SELECT 3;";
    let out = pg(sql);
    assert_eq!(out.len(), 3, "{out:?}");
    assert!(out[0].starts_with("CREATE FUNCTION") && out[0].ends_with("SELECT 'x';\nEND"));
    assert!(out[1].starts_with("CREATE OR REPLACE PROCEDURE") && out[1].ends_with("END"));
    assert_eq!(out[2], "SELECT 3");
}

#[test]
fn pg_transaction_begin_is_not_a_block() {
    assert_eq!(
        pg("BEGIN; SELECT 1; COMMIT;"),
        vec!["BEGIN", "SELECT 1", "COMMIT"]
    );
    // A CASE … END outside BEGIN ATOMIC does not open a block either.
    assert_eq!(
        pg(
            "CREATE FUNCTION f(x int) RETURNS int RETURN CASE WHEN x > 0 THEN 1 ELSE 0 END; SELECT 1"
        ),
        vec![
            "CREATE FUNCTION f(x int) RETURNS int RETURN CASE WHEN x > 0 THEN 1 ELSE 0 END",
            "SELECT 1"
        ]
    );
}

#[test]
fn pg_semicolons_inside_parentheses_do_not_split() {
    let sql = "CREATE RULE r AS ON UPDATE TO t DO (INSERT INTO a VALUES (1); INSERT INTO a VALUES (2););\nSELECT 1";
    let out = pg(sql);
    assert_eq!(out.len(), 2, "{out:?}");
    assert!(out[0].ends_with("VALUES (2);)"));
}

#[test]
fn pg_copy_from_stdin_returns_its_data() {
    let sql = "COPY t (a, b) FROM stdin;\n1\tx;y\n2\t'\n\\.\nSELECT 1;";
    let statements = split(Engine::Postgres, sql).unwrap();
    assert_eq!(statements.len(), 2);
    assert_eq!(statements[0].text(sql), "COPY t (a, b) FROM stdin");
    let StatementKind::CopyFromStdin { data } = &statements[0].kind else {
        panic!("not a COPY: {:?}", statements[0]);
    };
    assert_eq!(&sql[data.clone()], "1\tx;y\n2\t'\n");
    assert!(sql[data.end..].starts_with("\\.\n"));
    assert_eq!(statements[1].text(sql), "SELECT 1");
    assert_eq!(statements[1].kind, StatementKind::Sql);
}

#[test]
fn pg_copy_handles_crlf_empty_data_options_and_trailing_comment() {
    let sql =
        "copy t from STDIN with (format csv); -- rows follow\r\n\\.\r\nCOPY u FROM stdin;\n\\.";
    let statements = split(Engine::Postgres, sql).unwrap();
    assert_eq!(statements.len(), 2);
    for s in &statements {
        let StatementKind::CopyFromStdin { data } = &s.kind else {
            panic!("{s:?}")
        };
        assert!(data.is_empty());
        assert!(sql[data.end..].starts_with("\\."));
    }
    assert_eq!(
        statements[0].text(sql),
        "copy t from STDIN with (format csv)"
    );
}

#[test]
fn pg_copy_to_stdout_and_from_files_are_plain_sql() {
    let sql = "COPY t TO stdout; COPY t FROM '/tmp/x'; COPY (SELECT * FROM stdin_t) TO stdout;";
    let statements = split(Engine::Postgres, sql).unwrap();
    assert_eq!(statements.len(), 3);
    assert!(statements.iter().all(|s| s.kind == StatementKind::Sql));
}

#[test]
fn pg_copy_errors() {
    let missing = err(Engine::Postgres, "SELECT 1;\nCOPY t FROM stdin;\n1\n2\n");
    assert_eq!(missing.kind, SplitErrorKind::UnterminatedCopyData);
    assert_eq!(missing.offset, 10);
    let no_semicolon = err(Engine::Postgres, "COPY t FROM stdin");
    assert_eq!(no_semicolon.kind, SplitErrorKind::UnterminatedCopyData);
    let trailing = err(Engine::Postgres, "COPY t FROM stdin; SELECT 1;\n\\.\n");
    assert_eq!(trailing.kind, SplitErrorKind::TextAfterCopy);
    assert_eq!(trailing.offset, 19);
    // An escaped `\\.` inside the data is data, not the terminator.
    let escaped = err(Engine::Postgres, "COPY t FROM stdin;\n\\\\.\n \\.\n");
    assert_eq!(escaped.kind, SplitErrorKind::UnterminatedCopyData);
}

#[test]
fn pg_psql_meta_commands_are_their_own_lines() {
    let sql = "\\restrict abc123\r\nSET x = 1;\n  \\connect other\nSELECT 1; \\unrestrict abc123";
    let statements = split(Engine::Postgres, sql).unwrap();
    let got: Vec<(&str, &StatementKind)> =
        statements.iter().map(|s| (s.text(sql), &s.kind)).collect();
    assert_eq!(
        got,
        vec![
            ("\\restrict abc123", &StatementKind::PsqlMeta),
            ("SET x = 1", &StatementKind::Sql),
            ("\\connect other", &StatementKind::PsqlMeta),
            ("SELECT 1", &StatementKind::Sql),
            ("\\unrestrict abc123", &StatementKind::PsqlMeta),
        ]
    );
}

#[test]
fn pg_psql_copy_from_stdin_is_rejected() {
    let e = err(
        Engine::Postgres,
        "SELECT 1;\n\\copy t (a) FROM STDIN\n1\n\\.\n",
    );
    assert_eq!(e.kind, SplitErrorKind::PsqlCopyFromStdin);
    assert_eq!(e.offset, 10);
    let ok = split(Engine::Postgres, "\\copy t to 'out.csv'\n").unwrap();
    assert_eq!(ok[0].kind, StatementKind::PsqlMeta);
}

#[test]
fn pg_unterminated_constructs_report_where_they_start() {
    let cases: [(&str, SplitErrorKind, usize); 6] = [
        (
            "SELECT 1; SELECT 'abc",
            SplitErrorKind::UnterminatedString,
            17,
        ),
        ("SELECT E'abc\\'", SplitErrorKind::UnterminatedString, 7),
        ("SELECT \"abc", SplitErrorKind::UnterminatedIdentifier, 7),
        (
            "SELECT 1;\nDO $fn$ BEGIN END $$;",
            SplitErrorKind::UnterminatedDollarQuote { tag: "$fn$".into() },
            13,
        ),
        (
            "SELECT 1 /* a /* b */",
            SplitErrorKind::UnterminatedComment,
            9,
        ),
        ("/* never closed", SplitErrorKind::UnterminatedComment, 0),
    ];
    for (sql, kind, offset) in cases {
        let e = err(Engine::Postgres, sql);
        assert_eq!((e.kind, e.offset), (kind, offset), "{sql}");
    }
}

#[test]
fn split_errors_render_and_locate() {
    let sql = "SELECT 1;\nSELECT 'x";
    let e = err(Engine::Postgres, sql);
    assert_eq!(e.to_string(), "unterminated quoted string (at byte 17)");
    let location = e.location(Utf8Path::new("db/seed.sql"), sql);
    assert_eq!(location.to_string(), "db/seed.sql:2:8");
}

// ---- SQLite -------------------------------------------------------------------------------

#[test]
fn sqlite_quotes_brackets_and_backticks() {
    let sql = "SELECT 'a;''b', \"c;\"\"d\", [e;f], `g;``h` FROM t; SELECT 2";
    assert_eq!(
        lite(sql),
        vec![
            "SELECT 'a;''b', \"c;\"\"d\", [e;f], `g;``h` FROM t",
            "SELECT 2"
        ]
    );
}

#[test]
fn sqlite_has_no_dollar_quotes_escape_strings_or_nested_comments() {
    assert_eq!(
        lite("SELECT $a; SELECT '$$'"),
        vec!["SELECT $a", "SELECT '$$'"]
    );
    assert_eq!(
        lite("SELECT e'a\\'; SELECT 2"),
        vec!["SELECT e'a\\'", "SELECT 2"]
    );
    assert_eq!(lite("/* a /* b */ SELECT 1;"), vec!["SELECT 1"]);
}

#[test]
fn sqlite_trigger_bodies_end_at_semicolon_end_semicolon() {
    let sql = "CREATE TRIGGER trg AFTER INSERT ON t BEGIN\n\
               UPDATE t SET x = CASE WHEN new.y > 0 THEN 1 ELSE 0 END WHERE id = new.id;\n\
               INSERT INTO log VALUES ('a;b');\nEND;\n\
               CREATE TEMP TRIGGER IF NOT EXISTS t2 BEFORE DELETE ON t BEGIN SELECT 1; END ;\n\
               create temporary trigger t3 after update on t begin select case when 1 then 2 end; end;\n\
               SELECT 4";
    let out = lite(sql);
    assert_eq!(out.len(), 4, "{out:?}");
    assert!(out[0].starts_with("CREATE TRIGGER") && out[0].ends_with("('a;b');\nEND"));
    assert!(out[1].starts_with("CREATE TEMP TRIGGER") && out[1].ends_with("SELECT 1; END"));
    assert!(out[2].ends_with("end; end"));
    assert_eq!(out[3], "SELECT 4");
}

#[test]
fn sqlite_transactions_split_normally() {
    assert_eq!(
        lite("BEGIN; CREATE TABLE t(x); END;"),
        vec!["BEGIN", "CREATE TABLE t(x)", "END"]
    );
}

#[test]
fn sqlite_unterminated_bracket_identifier() {
    let e = err(Engine::Sqlite, "SELECT [abc");
    assert_eq!(
        (e.kind, e.offset),
        (SplitErrorKind::UnterminatedIdentifier, 7)
    );
}

// ---- MySQL / MariaDB ------------------------------------------------------------------------

#[test]
fn mysql_strings_use_backslash_escapes() {
    assert_eq!(
        my("SELECT 'a\\';b'; SELECT 2"),
        vec!["SELECT 'a\\';b'", "SELECT 2"]
    );
    assert_eq!(
        my("SELECT \"a\\\";b\"; SELECT `x;``y`"),
        vec!["SELECT \"a\\\";b\"", "SELECT `x;``y`"]
    );
}

#[test]
fn mysql_comments() {
    assert_eq!(
        my("# c;\nSELECT 5--3; -- c;\nSELECT 1"),
        vec!["SELECT 5--3", "SELECT 1"]
    );
    assert_eq!(
        texts(
            Engine::Mariadb,
            "/*!40101 SET NAMES utf8mb4 */;\n/* plain */;SELECT 1"
        ),
        vec!["/*!40101 SET NAMES utf8mb4 */", "SELECT 1"]
    );
}

#[test]
fn mysql_delimiter_is_a_clear_error_only_for_mysql() {
    let e = err(
        Engine::Mysql,
        "SELECT 1;\ndelimiter $$\nCREATE PROCEDURE p() BEGIN END$$",
    );
    assert_eq!(
        (e.kind.clone(), e.offset),
        (SplitErrorKind::MysqlDelimiter, 10)
    );
    assert!(e.to_string().contains("mysql client"));
    assert_eq!(
        err(Engine::Mariadb, "DELIMITER //").kind,
        SplitErrorKind::MysqlDelimiter
    );
    assert_eq!(pg("DELIMITER x; SELECT 1"), vec!["DELIMITER x", "SELECT 1"]);
}

#[test]
fn mysql_routine_bodies_are_one_statement() {
    let sql = "CREATE DEFINER=`root`@`%` PROCEDURE p(IN n INT)\nBEGIN\n\
               DECLARE i INT DEFAULT 0;\n\
               IF n > 0 THEN SET i = 1; ELSEIF n < 0 THEN SET i = -1; END IF;\n\
               lbl: LOOP SET i = i + 1; IF i > 10 THEN LEAVE lbl; END IF; END LOOP lbl;\n\
               WHILE i > 0 DO SET i = i - 1; END WHILE;\n\
               CASE n WHEN 1 THEN SELECT 'one;'; ELSE SELECT CASE WHEN n > 1 THEN 'x' END; END CASE;\n\
               BEGIN SELECT IF(n > 0, 1, 2); END;\n\
               END;\n\
               CREATE TRIGGER trg BEFORE INSERT ON t FOR EACH ROW SET NEW.a = 1;\n\
               SELECT 3";
    let out = my(sql);
    assert_eq!(out.len(), 3, "{out:?}");
    assert!(out[0].ends_with("END;\nEND"));
    assert_eq!(
        out[1],
        "CREATE TRIGGER trg BEFORE INSERT ON t FOR EACH ROW SET NEW.a = 1"
    );
    assert_eq!(out[2], "SELECT 3");
}

// ---- first_keyword ------------------------------------------------------------------------

#[test]
fn first_keyword_skips_comments_and_uppercases() {
    assert_eq!(
        first_keyword("  -- c\n/* a /* b */ */ select 1").as_deref(),
        Some("SELECT")
    );
    assert_eq!(
        first_keyword("with_cte AS (SELECT 1)").as_deref(),
        Some("WITH_CTE")
    );
    assert_eq!(first_keyword("Copy t FROM stdin").as_deref(), Some("COPY"));
    assert_eq!(first_keyword("(SELECT 1)"), None);
    assert_eq!(first_keyword("-- only\n"), None);
    assert_eq!(first_keyword("/* unterminated"), None);
    assert_eq!(first_keyword("1 + 1"), None);
}

// ---- a real pg_dump file --------------------------------------------------------------------

/// `tests/data/pg_dump_sample.sql` is plain `pg_dump --create` output of PostgreSQL 15.18 for the
/// schema in `tests/data/pg_dump_sample_source.sql`.
const PG_DUMP: &str = include_str!("../../tests/data/pg_dump_sample.sql");

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
