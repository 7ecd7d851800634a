//! Tests of the statement splitter, per engine and construct.

use super::*;

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

#[test]
fn mariadb_anonymous_blocks_and_for_loops() {
    let sql = "BEGIN NOT ATOMIC\n  FOR i IN 1..3 DO INSERT INTO t VALUES (i); END FOR;\n  SELECT 1;\nEND;\n\
               BEGIN; SELECT 2; COMMIT;";
    let out = texts(Engine::Mariadb, sql);
    assert_eq!(out.len(), 4, "{out:?}");
    assert!(out[0].starts_with("BEGIN NOT ATOMIC") && out[0].ends_with("SELECT 1;\nEND"));
    assert_eq!(&out[1..], ["BEGIN", "SELECT 2", "COMMIT"]);
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
