//! Applying one migration or seed file: statement by statement, in a transaction unless the
//! file opts out, `COPY … FROM stdin` blocks streamed, psql meta-commands skipped, and a
//! failure located at the failing statement (or the exact character PostgreSQL points at).

use super::discover::MigrationFile;
use crate::Location;
use crate::dialect::{Conn, ExecError, SqlError};
use crate::project::Engine;
use crate::results::DbError;
use crate::safety::measure::Probe;
use crate::sql::split::{self, Statement, StatementKind};

/// Why a file did not apply.
#[derive(Debug, Clone)]
pub enum ApplyFailure {
    /// The database refused a statement: a failed check (exit code 1).
    Sql(DbError),
    /// The connection broke: an environment problem (exit code 3).
    Connection(String),
}

/// Applies `file` on `conn`, then resets the session so nothing the file `SET` leaks into the
/// next file or into the tests.
pub async fn apply_file(
    conn: &mut Conn,
    engine: Engine,
    file: &MigrationFile,
) -> Result<(), ApplyFailure> {
    apply_file_measured(conn, engine, file, None).await
}

/// [`apply_file`], with each statement measured by `probe` (the change's new migrations).
pub async fn apply_file_measured(
    conn: &mut Conn,
    engine: Engine,
    file: &MigrationFile,
    mut probe: Option<&mut Probe>,
) -> Result<(), ApplyFailure> {
    let result = apply_statements(conn, engine, file, probe.as_deref_mut()).await;
    if let Some(p) = probe {
        match &result {
            Ok(()) => p.end_file(),
            Err(_) => p.abort_file(),
        }
    }
    // Reset even after a failure: the connection is reused for reporting and later files.
    let reset = conn.reset_session().await;
    result?;
    reset.map_err(|e| ApplyFailure::Connection(e.to_string()))
}

async fn apply_statements(
    conn: &mut Conn,
    engine: Engine,
    file: &MigrationFile,
    mut probe: Option<&mut Probe>,
) -> Result<(), ApplyFailure> {
    let base = file.up.start;
    let text = &file.content[file.up.clone()];
    let statements = split::split(engine, text).map_err(|e| {
        ApplyFailure::Sql(DbError {
            message: e.kind.to_string(),
            sqlstate: None,
            detail: None,
            hint: None,
            location: Some(Location::at_offset(
                &file.path,
                &file.content,
                base + e.offset,
            )),
        })
    })?;
    let in_tx = runs_in_transaction(file, text, &statements);
    if let Some(p) = probe.as_deref_mut() {
        p.begin_file(conn, file, in_tx).await.map_err(measuring)?;
    }
    if in_tx {
        conn.execute("BEGIN")
            .await
            .map_err(|e| ApplyFailure::Connection(e.to_string()))?;
        if let Some(p) = probe.as_deref_mut()
            && let Err(e) = p.baseline(conn).await
        {
            let _ = conn.execute("ROLLBACK").await;
            return Err(measuring(e));
        }
    }
    for stmt in &statements {
        let sql = &text[stmt.range.clone()];
        let started = std::time::Instant::now();
        let outcome = match &stmt.kind {
            StatementKind::Sql => conn.execute(sql).await,
            StatementKind::CopyFromStdin { data } => conn.copy_in(sql, &text[data.clone()]).await,
            StatementKind::PsqlMeta => continue,
        };
        if let Err(e) = outcome {
            if in_tx {
                let _ = conn.execute("ROLLBACK").await;
            }
            return Err(match e {
                ExecError::Sql(err) => {
                    ApplyFailure::Sql(locate(&err, file, base + stmt.range.start, sql))
                }
                ExecError::Connection(m) => ApplyFailure::Connection(m),
            });
        }
        if let Some(p) = probe.as_deref_mut() {
            let at = base + stmt.range.start;
            if let Err(e) = p.after_statement(conn, at, sql, started).await {
                if in_tx {
                    let _ = conn.execute("ROLLBACK").await;
                }
                return Err(measuring(e));
            }
        }
    }
    if in_tx {
        conn.execute("COMMIT").await.map_err(|e| match e {
            ExecError::Sql(err) => ApplyFailure::Sql(locate(&err, file, base, text)),
            ExecError::Connection(m) => ApplyFailure::Connection(m),
        })?;
    }
    Ok(())
}

/// A probe query failed: the measurement, not the migration, is broken (an environment issue).
fn measuring(e: ExecError) -> ApplyFailure {
    ApplyFailure::Connection(format!("measuring the migration's locks failed: {e}"))
}

/// Whether the statements of `file` (split from `text`, its up part) run in the transaction
/// sqltest opens: not when the file opts out, nor when it manages its own (BEGIN … COMMIT).
pub fn runs_in_transaction(file: &MigrationFile, text: &str, statements: &[Statement]) -> bool {
    let manages_own = statements.iter().any(|s| {
        matches!(s.kind, StatementKind::Sql)
            && split::first_keyword(&text[s.range.clone()]).is_some_and(|k| {
                matches!(
                    k.as_str(),
                    "BEGIN" | "START" | "COMMIT" | "END" | "ROLLBACK"
                )
            })
    });
    !file.no_transaction && !manages_own
}

/// The error with its place in the file: PostgreSQL's position (1-based, in characters of
/// the statement) when given, else the start of the statement.
fn locate(err: &SqlError, file: &MigrationFile, stmt_start: usize, stmt: &str) -> DbError {
    let offset = stmt_start
        + err
            .position
            .map(|p| char_offset(stmt, p.saturating_sub(1)))
            .unwrap_or(0);
    db_error(
        err,
        Some(Location::at_offset(&file.path, &file.content, offset)),
    )
}

/// Byte offset of the `n`th character (0-based) of `s`, clamped to its end.
pub fn char_offset(s: &str, n: usize) -> usize {
    s.char_indices().nth(n).map(|(i, _)| i).unwrap_or(s.len())
}

/// Our error model from a database error and a location.
pub fn db_error(err: &SqlError, location: Option<Location>) -> DbError {
    DbError {
        message: err.message.clone(),
        sqlstate: err.sqlstate.clone(),
        detail: err.detail.clone(),
        hint: err.hint.clone(),
        location,
    }
}
