//! Where engines differ: connecting, quoting, cloning databases, decoding values, error codes.
//!
//! Everything engine-specific lives under this module; the rest of sqltest speaks [`Conn`],
//! [`ResultSet`] and [`SqlError`].

pub mod sqlstate;

use serde::{Deserialize, Serialize};

/// A column of a result set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Column {
    pub name: String,
    /// The engine's type name, lowercase: PostgreSQL's `typname` (`int4`, `numeric`, `timestamptz`,
    /// `_text` for arrays, `jsonb`, or a user type such as an enum), SQLite's declared type or
    /// storage class (`integer`, `real`, `text`, `blob`, `null`).
    pub type_name: String,
}

/// One value of a result row, as the engine gave it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Cell {
    Null,
    /// The server's canonical text form (PostgreSQL's text wire format; SQLite TEXT).
    Text(String),
    /// SQLite INTEGER.
    Int(i64),
    /// SQLite REAL.
    Real(f64),
    /// Binary data.
    Blob(Vec<u8>),
}

/// Rows returned by a statement.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ResultSet {
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Cell>>,
}

/// An error a statement got from the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqlError {
    pub message: String,
    /// Five-character SQLSTATE; for SQLite, the SQLSTATE we map its result code to.
    pub sqlstate: Option<String>,
    pub detail: Option<String>,
    pub hint: Option<String>,
    /// 1-based character position in the statement text the database pointed at (PostgreSQL).
    pub position: Option<usize>,
}

pub mod postgres;
pub mod quote;
pub mod sqlite;

use crate::project::{Engine, Row};
use camino::Utf8PathBuf;
use std::time::Duration;

/// Why a database call failed: the SQL was refused, or the connection itself is in trouble.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExecError {
    /// The database refused the statement (a test or migration failure).
    Sql(SqlError),
    /// The connection failed (an environment problem: exit code 3).
    Connection(String),
}

impl std::fmt::Display for ExecError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ExecError::Sql(e) => match &e.sqlstate {
                Some(code) => write!(f, "{} (SQLSTATE {code})", e.message),
                None => f.write_str(&e.message),
            },
            ExecError::Connection(m) => f.write_str(m),
        }
    }
}

/// One database on a server: what [`Conn::connect`] needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DbTarget {
    /// A full connection URL naming the database.
    Postgres { url: String, database: String },
    /// A database file.
    Sqlite { path: Utf8PathBuf },
}

impl DbTarget {
    /// The database's name (PostgreSQL) or file name (SQLite), for messages.
    pub fn name(&self) -> String {
        match self {
            DbTarget::Postgres { database, .. } => database.clone(),
            DbTarget::Sqlite { path } => path.file_name().unwrap_or(path.as_str()).to_string(),
        }
    }
}

/// A server on which databases can be created, cloned and dropped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    /// `admin_url` connects to a maintenance database on which `CREATE DATABASE` may run.
    Postgres { admin_url: String },
    /// A directory holding one file per database.
    Sqlite { dir: Utf8PathBuf },
}

impl Endpoint {
    pub fn engine(&self) -> Engine {
        match self {
            Endpoint::Postgres { .. } => Engine::Postgres,
            Endpoint::Sqlite { .. } => Engine::Sqlite,
        }
    }

    /// Creates an empty database called `name`.
    pub async fn create_database(&self, name: &str) -> Result<DbTarget, ExecError> {
        match self {
            Endpoint::Postgres { admin_url } => {
                postgres::create_database(admin_url, name, None).await
            }
            Endpoint::Sqlite { dir } => sqlite::create_database(dir, name).await,
        }
    }

    /// Creates `name` as a copy of `template` (which must have no open connection).
    pub async fn clone_database(&self, template: &str, name: &str) -> Result<DbTarget, ExecError> {
        match self {
            Endpoint::Postgres { admin_url } => {
                postgres::create_database(admin_url, name, Some(template)).await
            }
            Endpoint::Sqlite { dir } => sqlite::clone_database(dir, template, name).await,
        }
    }

    /// Drops `name` if it exists (closing other sessions on it).
    pub async fn drop_database(&self, name: &str) -> Result<(), ExecError> {
        match self {
            Endpoint::Postgres { admin_url } => postgres::drop_database(admin_url, name).await,
            Endpoint::Sqlite { dir } => sqlite::drop_database(dir, name).await,
        }
    }

    /// Names of the databases on the server that start with `prefix`.
    pub async fn list_databases(&self, prefix: &str) -> Result<Vec<String>, ExecError> {
        match self {
            Endpoint::Postgres { admin_url } => postgres::list_databases(admin_url, prefix).await,
            Endpoint::Sqlite { dir } => sqlite::list_databases(dir, prefix).await,
        }
    }

    /// Renames a database (it must have no open connection).
    pub async fn rename_database(&self, from: &str, to: &str) -> Result<(), ExecError> {
        match self {
            Endpoint::Postgres { admin_url } => {
                postgres::rename_database(admin_url, from, to).await
            }
            Endpoint::Sqlite { dir } => sqlite::rename_database(dir, from, to).await,
        }
    }

    /// The target for an existing database called `name`.
    pub fn target(&self, name: &str) -> Result<DbTarget, ExecError> {
        match self {
            Endpoint::Postgres { admin_url } => postgres::target(admin_url, name),
            Endpoint::Sqlite { dir } => Ok(sqlite::target(dir, name)),
        }
    }
}

/// Settings pinned on every session so results are deterministic.
#[derive(Debug, Clone, Default)]
pub struct SessionOptions {
    /// Statement timeout (`timeout:` in the project).
    pub statement_timeout: Option<Duration>,
    /// Open the session read-only (`sqltest check`).
    pub read_only: bool,
}

/// An open connection to one database.
pub enum Conn {
    Postgres(Box<postgres::PgConn>),
    Sqlite(Box<sqlite::SqliteConn>),
}

impl Conn {
    pub async fn connect(target: &DbTarget, opts: &SessionOptions) -> Result<Conn, ExecError> {
        match target {
            DbTarget::Postgres { url, .. } => Ok(Conn::Postgres(Box::new(
                postgres::PgConn::connect(url, opts).await?,
            ))),
            DbTarget::Sqlite { path } => Ok(Conn::Sqlite(Box::new(
                sqlite::SqliteConn::connect(path, opts).await?,
            ))),
        }
    }

    pub fn engine(&self) -> Engine {
        match self {
            Conn::Postgres(_) => Engine::Postgres,
            Conn::Sqlite(_) => Engine::Sqlite,
        }
    }

    /// Runs one statement (simple protocol, no parameters); returns the rows affected.
    pub async fn execute(&mut self, sql: &str) -> Result<u64, ExecError> {
        match self {
            Conn::Postgres(c) => c.execute(sql).await,
            Conn::Sqlite(c) => c.execute(sql).await,
        }
    }

    /// Runs one statement and returns its rows with column names and types.
    pub async fn query(&mut self, sql: &str) -> Result<ResultSet, ExecError> {
        match self {
            Conn::Postgres(c) => c.query(sql).await,
            Conn::Sqlite(c) => c.query(sql).await,
        }
    }

    /// Runs a `COPY … FROM stdin` statement with its data block (PostgreSQL only).
    pub async fn copy_in(&mut self, statement: &str, data: &str) -> Result<u64, ExecError> {
        match self {
            Conn::Postgres(c) => c.copy_in(statement, data).await,
            Conn::Sqlite(_) => Err(ExecError::Sql(SqlError::new(
                "COPY … FROM stdin is PostgreSQL syntax; SQLite cannot load it",
            ))),
        }
    }

    /// Inserts rows into `table`, setting only the columns each row lists, in order.
    pub async fn insert_rows(&mut self, table: &str, rows: &[Row]) -> Result<(), ExecError> {
        match self {
            Conn::Postgres(c) => c.insert_rows(table, rows).await,
            Conn::Sqlite(c) => c.insert_rows(table, rows).await,
        }
    }

    /// Undoes session state a script left behind (`SET`, `search_path`, temp tables).
    pub async fn reset_session(&mut self) -> Result<(), ExecError> {
        match self {
            Conn::Postgres(c) => c.reset_session().await,
            Conn::Sqlite(_) => Ok(()),
        }
    }

    /// The server's own description of its version.
    pub async fn server_version(&mut self) -> Result<String, ExecError> {
        let sql = match self {
            Conn::Postgres(_) => "select version()",
            Conn::Sqlite(_) => "select 'SQLite ' || sqlite_version()",
        };
        let rs = self.query(sql).await?;
        match rs.rows.first().and_then(|r| r.first()) {
            Some(Cell::Text(v)) => Ok(v.clone()),
            _ => Ok("unknown".into()),
        }
    }

    pub async fn close(self) {
        match self {
            Conn::Postgres(c) => c.close().await,
            Conn::Sqlite(c) => c.close().await,
        }
    }
}

impl SqlError {
    /// An error with only a message (raised by sqltest itself, not the database).
    pub fn new(message: impl Into<String>) -> Self {
        SqlError {
            message: message.into(),
            sqlstate: None,
            detail: None,
            hint: None,
            position: None,
        }
    }

    /// A statement stopped by `timeout:`, worded and coded (57014) as PostgreSQL reports it.
    pub fn statement_timeout(limit: std::time::Duration) -> Self {
        SqlError {
            sqlstate: Some("57014".into()),
            ..SqlError::new(format!(
                "canceling statement due to statement timeout ({})",
                humantime::format_duration(limit)
            ))
        }
    }
}
