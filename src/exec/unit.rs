//! Running one unit test on an open connection: fixtures and given rows, setup, the SQL
//! (all statements, the last one's rows checked), then the expectation.

use super::compare::compare_rows;
use crate::Location;
use crate::dialect::{Conn, ExecError, ResultSet, SqlError};
use crate::migrate::apply::{char_offset, db_error};
use crate::plan::PlannedTest;
use crate::project::{Expect, SqlText, TableRows};
use crate::results::{DbError, Failure, FailureKind};
use crate::sql::split::{self, StatementKind};

/// How a test ended, before timing and ids are attached.
#[derive(Debug)]
pub enum Outcome {
    Passed,
    Failed(Box<Failure>),
    /// The connection broke: infrastructure, not the test's fault.
    Broken(String),
}

/// What running the SQL produced.
enum SqlOutcome {
    Rows(ResultSet),
    Error(SqlError, Location),
}

/// Runs the body of `t` (everything between the caller's BEGIN and ROLLBACK).
pub async fn run_body(conn: &mut Conn, t: &PlannedTest) -> Outcome {
    for rows in t.fixtures.iter().chain(&t.test.given) {
        if let Err(e) = insert(conn, rows).await {
            return e;
        }
    }
    if let Some(setup) = &t.test.setup {
        match run_sql(conn, setup).await {
            Ok(SqlOutcome::Rows(_)) => {}
            Ok(SqlOutcome::Error(e, at)) => {
                return failed(
                    FailureKind::SqlError,
                    format!("setup failed: {}", describe(&e)),
                    Some(db_error(&e, Some(at))),
                );
            }
            Err(broken) => return Outcome::Broken(broken),
        }
    }
    let outcome = match run_sql(conn, &t.test.sql).await {
        Ok(o) => o,
        Err(broken) => return Outcome::Broken(broken),
    };
    judge(&t.test.expect, outcome)
}

async fn insert(conn: &mut Conn, rows: &TableRows) -> Result<(), Outcome> {
    match conn.insert_rows(&rows.table, &rows.rows).await {
        Ok(()) => Ok(()),
        Err(ExecError::Sql(e)) => Err(failed(
            FailureKind::SqlError,
            format!(
                "inserting the given rows into {} failed: {}",
                rows.table,
                describe(&e)
            ),
            Some(db_error(&e, Some(rows.location.clone()))),
        )),
        Err(ExecError::Connection(m)) => Err(Outcome::Broken(m)),
    }
}

/// Runs every statement of `text`; the last statement's rows are returned. `Err` means the
/// connection broke.
async fn run_sql(conn: &mut Conn, text: &SqlText) -> Result<SqlOutcome, String> {
    let statements = match split::split(conn.engine(), &text.sql) {
        Ok(s) => s,
        Err(e) => {
            return Ok(SqlOutcome::Error(
                SqlError::new(e.kind.to_string()),
                locate(text, e.offset),
            ));
        }
    };
    let runnable: Vec<_> = statements
        .iter()
        .filter(|s| !matches!(s.kind, StatementKind::PsqlMeta))
        .collect();
    let mut last = ResultSet::default();
    for (i, stmt) in runnable.iter().enumerate() {
        let sql = &text.sql[stmt.range.clone()];
        let is_last = i + 1 == runnable.len();
        let result = match &stmt.kind {
            StatementKind::CopyFromStdin { data } => conn
                .copy_in(sql, &text.sql[data.clone()])
                .await
                .map(|_| ResultSet::default()),
            StatementKind::Sql | StatementKind::PsqlMeta if is_last => conn.query(sql).await,
            StatementKind::Sql | StatementKind::PsqlMeta => {
                conn.execute(sql).await.map(|_| ResultSet::default())
            }
        };
        match result {
            Ok(rs) => last = rs,
            Err(ExecError::Sql(e)) => {
                let offset = stmt.range.start
                    + e.position
                        .map(|p| char_offset(sql, p.saturating_sub(1)))
                        .unwrap_or(0);
                return Ok(SqlOutcome::Error(e, locate(text, offset)));
            }
            Err(ExecError::Connection(m)) => return Err(m),
        }
    }
    Ok(SqlOutcome::Rows(last))
}

/// The file location of byte `offset` of a spec's SQL text. The text's location points at its
/// first character; later lines of a block scalar share that indentation.
pub fn locate(text: &SqlText, offset: usize) -> Location {
    let (line, column) = crate::location::line_col(&text.sql, offset);
    let column = if line == 1 {
        text.location.column + column - 1
    } else {
        text.location.column - 1 + column
    };
    Location::new(
        text.location.path.clone(),
        text.location.line + line - 1,
        column,
    )
}

fn describe(e: &SqlError) -> String {
    match &e.sqlstate {
        Some(code) => format!("{} (SQLSTATE {code})", e.message),
        None => e.message.clone(),
    }
}

fn failed(kind: FailureKind, message: String, db_error: Option<DbError>) -> Outcome {
    Outcome::Failed(Box::new(Failure {
        kind,
        message,
        details: None,
        expected: None,
        actual: None,
        db_error,
    }))
}

fn condition(code: &str) -> String {
    match crate::dialect::sqlstate::condition_name(code) {
        Some(name) => format!("{code} ({name})"),
        None => code.to_string(),
    }
}

/// Compares what the SQL produced with `expect`.
fn judge(expect: &Expect, outcome: SqlOutcome) -> Outcome {
    match (expect, outcome) {
        (Expect::Error(want), SqlOutcome::Error(e, at)) => {
            let code_ok = e.sqlstate.as_deref() == Some(want.sqlstate.as_str());
            let message_ok = want
                .message
                .as_ref()
                .is_none_or(|re| re.is_match(&e.message));
            if code_ok && message_ok {
                return Outcome::Passed;
            }
            let got = e
                .sqlstate
                .as_deref()
                .map(condition)
                .unwrap_or_else(|| "no SQLSTATE".into());
            let message = if !code_ok {
                format!(
                    "expected error {} but got {got}: {}",
                    condition(&want.sqlstate),
                    e.message
                )
            } else {
                format!(
                    "error {got} came, but its message {:?} does not match /{}/",
                    e.message,
                    want.message
                        .as_ref()
                        .map(|r| r.as_str())
                        .unwrap_or_default()
                )
            };
            failed(
                FailureKind::WrongError,
                message,
                Some(db_error(&e, Some(at))),
            )
        }
        (_, SqlOutcome::Error(e, at)) => failed(
            FailureKind::SqlError,
            format!("the SQL failed: {}", describe(&e)),
            Some(db_error(&e, Some(at))),
        ),
        (Expect::Error(want), SqlOutcome::Rows(_)) => failed(
            FailureKind::ErrorExpected,
            format!(
                "expected error {} but the SQL succeeded",
                condition(&want.sqlstate)
            ),
            None,
        ),
        (Expect::Success, SqlOutcome::Rows(_)) => Outcome::Passed,
        (
            Expect::Rows {
                rows,
                ordered,
                exact_columns,
            },
            SqlOutcome::Rows(rs),
        ) => match compare_rows(rows, &rs, *ordered, *exact_columns) {
            Ok(()) => Outcome::Passed,
            Err(m) => Outcome::Failed(Box::new(Failure {
                kind: FailureKind::RowsMismatch,
                message: m.message,
                details: Some(m.details),
                expected: Some(m.expected),
                actual: Some(m.actual),
                db_error: None,
            })),
        },
        (Expect::Count(n), SqlOutcome::Rows(rs)) => count_check(*n, &rs),
        (Expect::Empty, SqlOutcome::Rows(rs)) => count_check(0, &rs),
    }
}

fn count_check(want: u64, rs: &ResultSet) -> Outcome {
    let got = rs.rows.len() as u64;
    if got == want {
        return Outcome::Passed;
    }
    let message = if want == 0 {
        format!("expected no rows, got {got}")
    } else {
        format!(
            "expected {want} row{}, got {got}",
            if want == 1 { "" } else { "s" }
        )
    };
    let actual = super::compare::result_set_to_json(rs);
    let details = super::table::render_table(
        &rs.columns
            .iter()
            .map(|c| c.name.clone())
            .collect::<Vec<_>>(),
        &rs.rows
            .iter()
            .take(20)
            .map(|r| r.iter().map(cell_text).collect())
            .collect::<Vec<_>>(),
    );
    Outcome::Failed(Box::new(Failure {
        kind: FailureKind::CountMismatch,
        message,
        details: Some(format!("actual rows:\n{details}")),
        expected: Some(serde_json::json!(want)),
        actual: Some(actual),
        db_error: None,
    }))
}

fn cell_text(c: &crate::dialect::Cell) -> String {
    match c {
        crate::dialect::Cell::Null => "NULL".into(),
        crate::dialect::Cell::Text(t) => t.clone(),
        crate::dialect::Cell::Int(i) => i.to_string(),
        crate::dialect::Cell::Real(f) => f.to_string(),
        crate::dialect::Cell::Blob(b) => format!("x'{}'", hex::encode(b)),
    }
}
