//! PostgreSQL: sessions pinned for deterministic text output, statements over the simple
//! protocol (text results), `COPY … FROM stdin`, typed inserts, and database cloning.

use super::{Cell, Column, DbTarget, ExecError, ResultSet, SessionOptions, SqlError, quote};
use crate::project::{Engine, Row};
use sqlx::postgres::{PgConnectOptions, PgConnection, PgDatabaseError, PgErrorPosition, PgRow};
use sqlx::{AssertSqlSafe, Column as _, ConnectOptions, Connection, Row as _, TypeInfo, ValueRef};
use std::collections::HashMap;
use std::str::FromStr;

/// A PostgreSQL session with a cache of type names for user-defined types.
pub struct PgConn {
    conn: PgConnection,
    type_names: HashMap<u32, String>,
    /// Session settings restored after each script (see [`PgConn::reset_session`]).
    pins: String,
}

/// Parses a URL, naming the problem without echoing the password.
pub fn parse_url(url: &str) -> Result<PgConnectOptions, ExecError> {
    PgConnectOptions::from_str(url).map_err(|e| {
        ExecError::Connection(format!("invalid PostgreSQL URL {}: {e}", redact_url(url)))
    })
}

/// The URL with any password replaced by `***`, for messages.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            match userinfo.find(':') {
                Some(colon) => format!(
                    "{}{}:***{}",
                    &url[..scheme_end + 3],
                    &userinfo[..colon],
                    &url[at..]
                ),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// The URL of database `name` on the server `admin_url` points to.
pub fn target(admin_url: &str, name: &str) -> Result<DbTarget, ExecError> {
    let url = with_database(admin_url, name)?;
    Ok(DbTarget::Postgres {
        url,
        database: name.to_string(),
    })
}

/// Replaces the database path of a `postgres://` URL, keeping its query string.
fn with_database(url: &str, name: &str) -> Result<String, ExecError> {
    let scheme_end = url.find("://").ok_or_else(|| {
        ExecError::Connection(format!("invalid PostgreSQL URL {}", redact_url(url)))
    })?;
    let rest_start = scheme_end + 3;
    let (base, query) = match url.find('?') {
        Some(q) => (&url[..q], &url[q..]),
        None => (url, ""),
    };
    let host_end = base[rest_start..]
        .find('/')
        .map(|i| i + rest_start)
        .unwrap_or(base.len());
    Ok(format!(
        "{}/{}{}",
        &base[..host_end],
        encode_path(name),
        query
    ))
}

fn encode_path(name: &str) -> String {
    name.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn pin_settings(opts: &SessionOptions) -> Vec<(String, String)> {
    let mut pins = vec![
        ("TimeZone".to_string(), "UTC".to_string()),
        ("DateStyle".to_string(), "ISO, YMD".to_string()),
        ("IntervalStyle".to_string(), "postgres".to_string()),
        ("client_min_messages".to_string(), "warning".to_string()),
    ];
    if let Some(t) = opts.statement_timeout {
        pins.push((
            "statement_timeout".to_string(),
            format!("{}", t.as_millis()),
        ));
    }
    if opts.read_only {
        pins.push((
            "default_transaction_read_only".to_string(),
            "on".to_string(),
        ));
    }
    pins
}

/// Turns a driver error into ours: database errors keep SQLSTATE, detail, hint and position.
pub fn convert_error(err: sqlx::Error) -> ExecError {
    match err {
        sqlx::Error::Database(db) => {
            if let Some(pg) = db.try_downcast_ref::<PgDatabaseError>() {
                let position = match pg.position() {
                    Some(PgErrorPosition::Original(p)) => Some(p),
                    _ => None,
                };
                ExecError::Sql(SqlError {
                    message: pg.message().to_string(),
                    sqlstate: Some(pg.code().to_string()),
                    detail: pg.detail().map(str::to_string),
                    hint: pg.hint().map(str::to_string),
                    position,
                })
            } else {
                ExecError::Sql(SqlError {
                    message: db.message().to_string(),
                    sqlstate: db.code().map(|c| c.to_string()),
                    detail: None,
                    hint: None,
                    position: None,
                })
            }
        }
        other => ExecError::Connection(other.to_string()),
    }
}

impl PgConn {
    pub async fn connect(url: &str, opts: &SessionOptions) -> Result<PgConn, ExecError> {
        let pins = pin_settings(opts);
        let options = parse_url(url)?
            .options(pins.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .application_name("sqltest")
            .disable_statement_logging();
        let conn = options.connect().await.map_err(|e| match e {
            sqlx::Error::Database(_) => convert_error(e),
            other => {
                ExecError::Connection(format!("could not connect to {}: {other}", redact_url(url)))
            }
        })?;
        let pins = pins
            .iter()
            .map(|(k, v)| format!("SET {k} = {}", quote::literal(v)))
            .collect::<Vec<_>>()
            .join("; ");
        Ok(PgConn {
            conn,
            type_names: HashMap::new(),
            pins,
        })
    }

    pub async fn execute(&mut self, sql: &str) -> Result<u64, ExecError> {
        sqlx::raw_sql(AssertSqlSafe(sql.to_string()))
            .execute(&mut self.conn)
            .await
            .map(|r| r.rows_affected())
            .map_err(convert_error)
    }

    pub async fn query(&mut self, sql: &str) -> Result<ResultSet, ExecError> {
        let rows: Vec<PgRow> = sqlx::raw_sql(AssertSqlSafe(sql.to_string()))
            .fetch_all(&mut self.conn)
            .await
            .map_err(convert_error)?;
        let Some(first) = rows.first() else {
            return Ok(ResultSet::default());
        };
        let mut columns = Vec::with_capacity(first.columns().len());
        for col in first.columns() {
            let type_name = self.type_name(col.type_info()).await?;
            columns.push(Column {
                name: col.name().to_string(),
                type_name,
            });
        }
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            let mut cells = Vec::with_capacity(columns.len());
            for i in 0..columns.len() {
                let raw = row.try_get_raw(i).map_err(convert_error)?;
                if raw.is_null() {
                    cells.push(Cell::Null);
                } else {
                    let text: String = row.try_get_unchecked(i).map_err(convert_error)?;
                    cells.push(Cell::Text(text));
                }
            }
            out.push(cells);
        }
        Ok(ResultSet { columns, rows: out })
    }

    /// PostgreSQL's `typname` for a column type: `int4`, `_text`, or a user type's own name.
    async fn type_name(&mut self, info: &sqlx::postgres::PgTypeInfo) -> Result<String, ExecError> {
        let name = info.name();
        if name != "?" && !name.is_empty() {
            return Ok(match name.strip_suffix("[]") {
                Some(elem) => format!("_{}", elem.to_lowercase()),
                None => name.to_lowercase(),
            });
        }
        let Some(oid) = info.oid() else {
            return Ok("unknown".into());
        };
        if let Some(n) = self.type_names.get(&oid.0) {
            return Ok(n.clone());
        }
        let sql = format!(
            "select typname::text from pg_catalog.pg_type where oid = {}",
            oid.0
        );
        let row: Option<(String,)> = sqlx::query_as(AssertSqlSafe(sql))
            .fetch_optional(&mut self.conn)
            .await
            .map_err(convert_error)?;
        let n = row.map(|r| r.0).unwrap_or_else(|| "unknown".into());
        self.type_names.insert(oid.0, n.clone());
        Ok(n)
    }

    pub async fn copy_in(&mut self, statement: &str, data: &str) -> Result<u64, ExecError> {
        let mut copy = self
            .conn
            .copy_in_raw(statement)
            .await
            .map_err(convert_error)?;
        if let Err(e) = copy.send(data.as_bytes()).await {
            let _ = copy.abort("sqltest: sending COPY data failed").await;
            return Err(convert_error(e));
        }
        copy.finish().await.map_err(convert_error)
    }

    /// One `INSERT … SELECT … FROM json_populate_recordset` per run of rows with the same
    /// columns: PostgreSQL converts JSON to each column's type (numerics, dates, enums,
    /// domains, arrays, jsonb), and the values travel as one bound parameter.
    pub async fn insert_rows(&mut self, table: &str, rows: &[Row]) -> Result<(), ExecError> {
        let qtable = quote::qualified(Engine::Postgres, table);
        for group in group_by_columns(rows) {
            let cols = group[0]
                .keys()
                .map(|c| quote::ident(Engine::Postgres, c))
                .collect::<Vec<_>>();
            if cols.is_empty() {
                for _ in &group {
                    self.execute(&format!("insert into {qtable} default values"))
                        .await?;
                }
                continue;
            }
            let cols = cols.join(", ");
            let sql = format!(
                "insert into {qtable} ({cols}) select {cols} from json_populate_recordset(null::{qtable}, $1::json)"
            );
            let json =
                serde_json::to_string(&group).map_err(|e| ExecError::Connection(e.to_string()))?;
            sqlx::query(AssertSqlSafe(sql))
                .bind(json)
                .execute(&mut self.conn)
                .await
                .map_err(convert_error)?;
        }
        Ok(())
    }

    /// Resets what a script may have changed in the session (`SET`, `set_config`, roles,
    /// temp tables, prepared statements), then re-applies our pinned settings.
    pub async fn reset_session(&mut self) -> Result<(), ExecError> {
        // Separately: several statements in one simple query form one implicit transaction,
        // and DISCARD ALL refuses to run inside a transaction.
        self.execute("DISCARD ALL").await?;
        let pins = self.pins.clone();
        self.execute(&pins).await.map(|_| ())
    }

    pub async fn close(self) {
        let _ = self.conn.close().await;
    }
}

/// Splits rows into consecutive runs that list the same columns in the same order.
pub(crate) fn group_by_columns(rows: &[Row]) -> Vec<Vec<&Row>> {
    let mut groups: Vec<Vec<&Row>> = Vec::new();
    for row in rows {
        match groups.last_mut() {
            Some(g) if g[0].keys().eq(row.keys()) => g.push(row),
            _ => groups.push(vec![row]),
        }
    }
    groups
}

async fn admin(admin_url: &str) -> Result<PgConn, ExecError> {
    PgConn::connect(admin_url, &SessionOptions::default()).await
}

/// `CREATE DATABASE name [TEMPLATE template]`.
pub async fn create_database(
    admin_url: &str,
    name: &str,
    template: Option<&str>,
) -> Result<DbTarget, ExecError> {
    let mut conn = admin(admin_url).await?;
    let mut sql = format!("create database {}", quote::ident(Engine::Postgres, name));
    if let Some(t) = template {
        sql.push_str(&format!(" template {}", quote::ident(Engine::Postgres, t)));
        // FILE_COPY (PostgreSQL 15+) copies the small template's files directly instead of
        // WAL-logging every block; with durability off this is the faster way.
        if server_major(&mut conn).await >= 15 {
            sql.push_str(" strategy = file_copy");
        }
    }
    let r = conn.execute(&sql).await;
    conn.close().await;
    r?;
    target(admin_url, name)
}

/// `DROP DATABASE IF EXISTS name WITH (FORCE)`.
pub async fn drop_database(admin_url: &str, name: &str) -> Result<(), ExecError> {
    let mut conn = admin(admin_url).await?;
    let q = quote::ident(Engine::Postgres, name);
    let force = if server_major(&mut conn).await >= 13 {
        " with (force)"
    } else {
        ""
    };
    let r = conn
        .execute(&format!("drop database if exists {q}{force}"))
        .await;
    conn.close().await;
    r.map(|_| ())
}

/// Names of the databases whose name starts with `prefix`.
pub async fn list_databases(admin_url: &str, prefix: &str) -> Result<Vec<String>, ExecError> {
    let mut conn = admin(admin_url).await?;
    let sql = format!(
        "select datname::text from pg_catalog.pg_database where starts_with(datname, {}) order by 1",
        quote::literal(prefix)
    );
    let rs = conn.query(&sql).await;
    conn.close().await;
    Ok(rs?
        .rows
        .into_iter()
        .filter_map(|r| match r.into_iter().next() {
            Some(Cell::Text(t)) => Some(t),
            _ => None,
        })
        .collect())
}

/// `ALTER DATABASE from RENAME TO to`.
pub async fn rename_database(admin_url: &str, from: &str, to: &str) -> Result<(), ExecError> {
    let mut conn = admin(admin_url).await?;
    let sql = format!(
        "alter database {} rename to {}",
        quote::ident(Engine::Postgres, from),
        quote::ident(Engine::Postgres, to)
    );
    let r = conn.execute(&sql).await;
    conn.close().await;
    r.map(|_| ())
}

async fn server_major(conn: &mut PgConn) -> u32 {
    match conn.query("show server_version_num").await {
        Ok(rs) => match rs.rows.first().and_then(|r| r.first()) {
            Some(Cell::Text(v)) => v.parse::<u32>().map(|n| n / 10000).unwrap_or(0),
            _ => 0,
        },
        Err(_) => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_is_replaced_in_urls() {
        assert_eq!(
            with_database("postgres://u:p@h:5432/app?sslmode=disable", "t_1").unwrap(),
            "postgres://u:p@h:5432/t_1?sslmode=disable"
        );
        assert_eq!(
            with_database("postgresql://h", "x y").unwrap(),
            "postgresql://h/x%20y"
        );
    }

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact_url("postgres://u:secret@h/db"),
            "postgres://u:***@h/db"
        );
        assert_eq!(redact_url("postgres://h/db"), "postgres://h/db");
    }
}
