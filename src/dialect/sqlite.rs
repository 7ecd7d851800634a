//! SQLite: one file per database in a directory; cloning is a file copy; values decode by
//! storage class; error codes map to SQLSTATE so `expect.error` reads the same on every engine.

use super::{Cell, Column, DbTarget, ExecError, ResultSet, SessionOptions, SqlError, quote};
use crate::project::{Engine, Row};
use camino::{Utf8Path, Utf8PathBuf};
use serde_json::Value;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqliteRow, SqliteSynchronous,
};
use sqlx::{AssertSqlSafe, Column as _, ConnectOptions, Connection, Row as _, TypeInfo, ValueRef};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// A SQLite session.
pub struct SqliteConn {
    conn: SqliteConnection,
    /// `timeout:` for every statement. SQLite has no statement timeout; its progress handler
    /// interrupts a statement that runs past the armed deadline.
    timeout: Option<StatementClock>,
}

/// The deadline the progress handler checks: nanoseconds after `base`, 0 when disarmed.
#[derive(Clone)]
struct StatementClock {
    limit: Duration,
    base: Instant,
    deadline: Arc<AtomicU64>,
}

impl StatementClock {
    fn new(limit: Duration) -> StatementClock {
        StatementClock {
            limit,
            base: Instant::now(),
            deadline: Arc::new(AtomicU64::new(0)),
        }
    }

    fn nanos_since_base(&self) -> u64 {
        u64::try_from(self.base.elapsed().as_nanos()).unwrap_or(u64::MAX)
    }

    fn arm(&self) {
        let limit = u64::try_from(self.limit.as_nanos()).unwrap_or(u64::MAX);
        let at = self.nanos_since_base().saturating_add(limit).max(1);
        self.deadline.store(at, Ordering::Relaxed);
    }

    fn disarm(&self) {
        self.deadline.store(0, Ordering::Relaxed);
    }

    /// For the progress handler: false stops the statement.
    fn may_continue(&self) -> bool {
        let at = self.deadline.load(Ordering::Relaxed);
        at == 0 || self.nanos_since_base() <= at
    }
}

/// Virtual-machine steps between two progress-handler calls: frequent enough to stop within
/// milliseconds, rare enough to cost nothing measurable.
const PROGRESS_STEPS: i32 = 1000;

/// The file for database `name` in `dir`.
pub fn target(dir: &Utf8Path, name: &str) -> DbTarget {
    DbTarget::Sqlite {
        path: dir.join(format!("{name}.db")),
    }
}

pub async fn create_database(dir: &Utf8Path, name: &str) -> Result<DbTarget, ExecError> {
    let t = target(dir, name);
    let DbTarget::Sqlite { path } = &t else {
        unreachable!("sqlite target")
    };
    let conn = SqliteConn::connect_create(path, &SessionOptions::default(), true).await?;
    conn.close().await;
    Ok(t)
}

pub async fn clone_database(
    dir: &Utf8Path,
    template: &str,
    name: &str,
) -> Result<DbTarget, ExecError> {
    let from = dir.join(format!("{template}.db"));
    let t = target(dir, name);
    let DbTarget::Sqlite { path } = &t else {
        unreachable!("sqlite target")
    };
    tokio::fs::copy(&from, path)
        .await
        .map_err(|e| ExecError::Connection(format!("failed to copy {from} to {path}: {e}")))?;
    Ok(t)
}

pub async fn drop_database(dir: &Utf8Path, name: &str) -> Result<(), ExecError> {
    let path: Utf8PathBuf = dir.join(format!("{name}.db"));
    match tokio::fs::remove_file(&path).await {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(ExecError::Connection(format!(
            "failed to remove {path}: {e}"
        ))),
    }
}

/// Names of the database files in `dir` whose name starts with `prefix`.
pub async fn list_databases(dir: &Utf8Path, prefix: &str) -> Result<Vec<String>, ExecError> {
    let mut names = Vec::new();
    let mut entries = tokio::fs::read_dir(dir)
        .await
        .map_err(|e| ExecError::Connection(format!("failed to read {dir}: {e}")))?;
    while let Ok(Some(e)) = entries.next_entry().await {
        let file = e.file_name().to_string_lossy().into_owned();
        if let Some(name) = file.strip_suffix(".db")
            && name.starts_with(prefix)
        {
            names.push(name.to_string());
        }
    }
    names.sort();
    Ok(names)
}

pub async fn rename_database(dir: &Utf8Path, from: &str, to: &str) -> Result<(), ExecError> {
    let (a, b) = (dir.join(format!("{from}.db")), dir.join(format!("{to}.db")));
    tokio::fs::rename(&a, &b)
        .await
        .map_err(|e| ExecError::Connection(format!("failed to rename {a} to {b}: {e}")))
}

/// Turns a driver error into ours, mapping SQLite's extended result code to an SQLSTATE.
pub fn convert_error(err: sqlx::Error) -> ExecError {
    match err {
        sqlx::Error::Database(db) => {
            let message = db.message().to_string();
            let code = db.code().and_then(|c| c.parse::<i32>().ok()).unwrap_or(1);
            let sqlstate =
                crate::dialect::sqlstate::sqlite_sqlstate(code, &message).map(str::to_string);
            ExecError::Sql(SqlError {
                message,
                sqlstate,
                detail: None,
                hint: None,
                position: None,
            })
        }
        other => ExecError::Connection(other.to_string()),
    }
}

/// SQLite names the offending token in its message (`near "x": syntax error`, `no such
/// column: x`) but the driver does not expose `sqlite3_error_offset`; we find the token in
/// the statement so errors point at it like PostgreSQL's do. Only a whole-word match counts.
fn with_position(err: ExecError, sql: &str) -> ExecError {
    let ExecError::Sql(mut e) = err else {
        return err;
    };
    if e.position.is_none()
        && let Some(token) = offending_token(&e.message)
        && let Some(byte) = find_word(sql, token)
    {
        e.position = Some(sql[..byte].chars().count() + 1);
    }
    ExecError::Sql(e)
}

fn offending_token(message: &str) -> Option<&str> {
    if let Some(rest) = message.strip_prefix("near \"") {
        return rest.split_once("\": ").map(|(t, _)| t);
    }
    for prefix in ["no such column: ", "no such table: ", "no such function: "] {
        if let Some(rest) = message.strip_prefix(prefix) {
            // `no such column: o.x`: the column part is what the statement spells.
            return rest.split_whitespace().next();
        }
    }
    None
}

fn find_word(sql: &str, token: &str) -> Option<usize> {
    if token.is_empty() {
        return None;
    }
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    let mut from = 0;
    while let Some(i) = sql[from..].find(token) {
        let start = from + i;
        let end = start + token.len();
        let before_ok = sql[..start].chars().next_back().is_none_or(|c| !is_word(c));
        let after_ok = sql[end..].chars().next().is_none_or(|c| !is_word(c));
        if before_ok && after_ok {
            return Some(start);
        }
        from = end;
    }
    None
}

impl SqliteConn {
    pub async fn connect(path: &Utf8Path, opts: &SessionOptions) -> Result<SqliteConn, ExecError> {
        Self::connect_create(path, opts, false).await
    }

    async fn connect_create(
        path: &Utf8Path,
        opts: &SessionOptions,
        create: bool,
    ) -> Result<SqliteConn, ExecError> {
        // A throwaway file: no fsync, rollback journal in memory (test transactions still roll
        // back), foreign keys enforced as applications normally enable them.
        let mut options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(create)
            .foreign_keys(true)
            // `regexp` (the regex crate): REGEXP in tests, and `matches` rules in the scan.
            .with_regexp()
            .busy_timeout(opts.statement_timeout.unwrap_or(Duration::from_secs(30)))
            .disable_statement_logging();
        options = if opts.read_only {
            // An audited file is the user's: open it read-only and change no pragma that
            // persists in the file (journal_mode would rewrite its header).
            options.read_only(true).pragma("query_only", "true")
        } else {
            options
                .journal_mode(SqliteJournalMode::Memory)
                .synchronous(SqliteSynchronous::Off)
        };
        let mut conn = options.connect().await.map_err(|e| {
            ExecError::Connection(format!("could not open SQLite database {path}: {e}"))
        })?;
        let timeout = opts.statement_timeout.map(StatementClock::new);
        if let Some(clock) = &timeout {
            let clock = clock.clone();
            let mut handle = conn.lock_handle().await.map_err(|e| {
                ExecError::Connection(format!("could not set up SQLite database {path}: {e}"))
            })?;
            handle.set_progress_handler(PROGRESS_STEPS, move || clock.may_continue());
        }
        Ok(SqliteConn { conn, timeout })
    }

    fn arm(&self) {
        if let Some(clock) = &self.timeout {
            clock.arm();
        }
    }

    /// Disarms the deadline; an interrupt it caused reads like PostgreSQL's statement timeout.
    fn disarm<T>(&self, result: Result<T, ExecError>) -> Result<T, ExecError> {
        let Some(clock) = &self.timeout else {
            return result;
        };
        clock.disarm();
        result.map_err(|e| match e {
            ExecError::Sql(e) if e.message == "interrupted" => {
                ExecError::Sql(SqlError::statement_timeout(clock.limit))
            }
            other => other,
        })
    }

    pub async fn execute(&mut self, sql: &str) -> Result<u64, ExecError> {
        self.arm();
        let result = sqlx::raw_sql(AssertSqlSafe(sql.to_string()))
            .execute(&mut self.conn)
            .await
            .map(|r| r.rows_affected())
            .map_err(|e| with_position(convert_error(e), sql));
        self.disarm(result)
    }

    pub async fn query(&mut self, sql: &str) -> Result<ResultSet, ExecError> {
        self.arm();
        let fetched = sqlx::raw_sql(AssertSqlSafe(sql.to_string()))
            .fetch_all(&mut self.conn)
            .await
            .map_err(|e| with_position(convert_error(e), sql));
        let rows: Vec<SqliteRow> = self.disarm(fetched)?;
        let Some(first) = rows.first() else {
            return Ok(ResultSet::default());
        };
        let columns: Vec<Column> = first
            .columns()
            .iter()
            .map(|c| {
                let declared = c.type_info().name().to_lowercase();
                Column {
                    name: c.name().to_string(),
                    type_name: if declared == "null" {
                        String::new()
                    } else {
                        declared
                    },
                }
            })
            .collect();
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            let mut cells = Vec::with_capacity(columns.len());
            for i in 0..columns.len() {
                let raw = row.try_get_raw(i).map_err(convert_error)?;
                if raw.is_null() {
                    cells.push(Cell::Null);
                    continue;
                }
                let storage = raw.type_info().name().to_string();
                let cell = match storage.as_str() {
                    "INTEGER" => Cell::Int(row.try_get_unchecked(i).map_err(convert_error)?),
                    "REAL" => Cell::Real(row.try_get_unchecked(i).map_err(convert_error)?),
                    "BLOB" => Cell::Blob(row.try_get_unchecked(i).map_err(convert_error)?),
                    _ => Cell::Text(row.try_get_unchecked(i).map_err(convert_error)?),
                };
                cells.push(cell);
            }
            out.push(cells);
        }
        Ok(ResultSet { columns, rows: out })
    }

    /// Inserts rows with bound parameters, one multi-row `INSERT` per run of rows listing the
    /// same columns. Lists and maps are stored as JSON text, booleans as 0/1.
    pub async fn insert_rows(&mut self, table: &str, rows: &[Row]) -> Result<(), ExecError> {
        let qtable = quote::qualified(Engine::Sqlite, table);
        for group in super::postgres::group_by_columns(rows) {
            let ncols = group[0].len();
            if ncols == 0 {
                for _ in &group {
                    self.execute(&format!("insert into {qtable} default values"))
                        .await?;
                }
                continue;
            }
            let cols = group[0]
                .keys()
                .map(|c| quote::ident(Engine::Sqlite, c))
                .collect::<Vec<_>>()
                .join(", ");
            // SQLite allows at most 32766 bound parameters per statement.
            let per_stmt = (32766 / ncols).max(1);
            for chunk in group.chunks(per_stmt) {
                let one = format!("({})", vec!["?"; ncols].join(", "));
                let values = vec![one; chunk.len()].join(", ");
                let sql = format!("insert into {qtable} ({cols}) values {values}");
                let mut q = sqlx::query(AssertSqlSafe(sql));
                for row in chunk {
                    for v in row.values() {
                        q = match v {
                            Value::Null => q.bind(None::<String>),
                            Value::Bool(b) => q.bind(i64::from(*b)),
                            Value::Number(n) => match (n.as_i64(), n.as_f64()) {
                                (Some(i), _) => q.bind(i),
                                (None, Some(f)) if n.is_f64() => q.bind(f),
                                _ => q.bind(n.to_string()),
                            },
                            Value::String(s) => q.bind(s.clone()),
                            other => q.bind(other.to_string()),
                        };
                    }
                }
                self.arm();
                let inserted = q.execute(&mut self.conn).await.map_err(convert_error);
                self.disarm(inserted)?;
            }
        }
        Ok(())
    }

    pub async fn close(self) {
        let _ = self.conn.close().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn position(message: &str, sql: &str) -> Option<usize> {
        match with_position(ExecError::Sql(SqlError::new(message)), sql) {
            ExecError::Sql(e) => e.position,
            ExecError::Connection(_) => None,
        }
    }

    #[test]
    fn sqlite_errors_point_at_the_token_they_name() {
        assert_eq!(
            position("near \"items\": syntax error", "select name form items"),
            Some(18)
        );
        assert_eq!(
            position(
                "no such column: skuu",
                "create index i on items (lower(skuu))"
            ),
            Some(32)
        );
        // Whole words only: `sku` inside `skuu` is not the token.
        assert_eq!(
            position("no such column: sku", "select skuu, x.sku from x"),
            Some(16)
        );
        assert_eq!(position("database is locked", "select 1"), None);
    }
}

#[cfg(test)]
mod timeout_tests {
    use super::*;

    const RUNAWAY: &str =
        "with recursive r(x) as (select 1 union all select x + 1 from r) select count(*) from r";

    #[tokio::test]
    async fn a_runaway_statement_stops_at_the_timeout_and_the_session_goes_on() {
        let dir = tempfile::tempdir().unwrap();
        let path = Utf8PathBuf::from_path_buf(dir.path().join("t.db")).unwrap();
        let opts = SessionOptions {
            statement_timeout: Some(Duration::from_millis(300)),
            read_only: false,
        };
        let mut c = SqliteConn::connect_create(&path, &opts, true)
            .await
            .unwrap();
        let started = Instant::now();
        let Err(ExecError::Sql(e)) = c.query(RUNAWAY).await else {
            panic!("the runaway query must fail");
        };
        assert!(started.elapsed() < Duration::from_secs(10));
        assert_eq!(e.sqlstate.as_deref(), Some("57014"));
        assert_eq!(
            e.message,
            "canceling statement due to statement timeout (300ms)"
        );
        // Disarmed between statements: an idle pause does not count against the next one.
        tokio::time::sleep(Duration::from_millis(400)).await;
        let rs = c.query("select 41 + 1").await.unwrap();
        assert_eq!(rs.rows[0][0], Cell::Int(42));
        c.execute("create table t (x int)").await.unwrap();
        // Sessions register `regexp`: tests may use REGEXP, and `matches` rules do.
        let rs = c
            .query("select 'ann@example.com' regexp '^[a-z]+@', 'x' regexp '^y', null regexp 'x'")
            .await
            .unwrap();
        assert_eq!(rs.rows[0], vec![Cell::Int(1), Cell::Int(0), Cell::Null]);
        c.close().await;
    }
}

#[cfg(test)]
mod read_only_tests {
    use super::*;

    /// Regression: auditing a WAL-mode SQLite file switched it out of WAL (journal_mode was
    /// set on every connection). A read-only session must leave the file as it was.
    #[tokio::test]
    async fn a_read_only_session_leaves_the_journal_mode_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = Utf8PathBuf::from_path_buf(dir.path().join("app.db")).unwrap();
        let mut w = SqliteConnectOptions::new()
            .filename(&path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .connect()
            .await
            .unwrap();
        sqlx::raw_sql("create table t (x int); insert into t values (1)")
            .execute(&mut w)
            .await
            .unwrap();
        w.close().await.unwrap();
        let opts = SessionOptions {
            read_only: true,
            ..SessionOptions::default()
        };
        let mut c = SqliteConn::connect(&path, &opts).await.unwrap();
        let rs = c.query("pragma journal_mode").await.unwrap();
        assert_eq!(rs.rows[0][0], Cell::Text("wal".into()));
        assert!(
            c.execute("insert into t values (2)").await.is_err(),
            "writes are refused"
        );
        c.close().await;
    }
}
