//! One connection running rules: inside a single read-only transaction (REPEATABLE READ on
//! PostgreSQL, sharing the first connection's exported snapshot), every statement in a
//! savepoint so a failure leaves the transaction usable and no rule can change its mode.

use super::cells::{first, text};
use crate::dialect::{Conn, DbTarget, ExecError, ResultSet, SessionOptions, SqlError, quote};
use crate::project::Engine;

/// A connection inside a read-only transaction.
pub(crate) struct Worker<'a> {
    target: &'a DbTarget,
    session: &'a SessionOptions,
    pub engine: Engine,
    pub conn: Option<Conn>,
    /// Whether to export a snapshot when opening (the first connection, once).
    export: bool,
    /// The snapshot exported (leader) or to import (others).
    pub snapshot: Option<String>,
}

impl<'a> Worker<'a> {
    pub fn new(
        target: &'a DbTarget,
        session: &'a SessionOptions,
        engine: Engine,
        export: bool,
    ) -> Worker<'a> {
        Worker {
            target,
            session,
            engine,
            conn: None,
            export,
            snapshot: None,
        }
    }

    pub async fn open(&mut self) -> Result<(), ExecError> {
        let mut conn = Conn::connect(self.target, self.session).await?;
        let r = self.begin(&mut conn).await;
        match r {
            Ok(()) => {
                self.conn = Some(conn);
                Ok(())
            }
            Err(e) => {
                conn.close().await;
                Err(e)
            }
        }
    }

    async fn begin(&mut self, conn: &mut Conn) -> Result<(), ExecError> {
        match self.engine {
            Engine::Postgres => {
                const BEGIN: &str = "begin transaction isolation level repeatable read, read only";
                conn.execute(BEGIN).await?;
                if std::mem::take(&mut self.export) {
                    // Refused on some servers (a standby in recovery): then each connection
                    // simply takes its own snapshot.
                    match conn.query("select pg_export_snapshot()").await {
                        Ok(rs) => self.snapshot = text(first(&rs, 0)),
                        Err(ExecError::Sql(_)) => {
                            conn.execute("rollback").await?;
                            conn.execute(BEGIN).await?;
                        }
                        Err(e) => return Err(e),
                    }
                } else if let Some(id) = &self.snapshot {
                    let import = format!("set transaction snapshot {}", quote::literal(id));
                    match conn.execute(&import).await {
                        Ok(_) => {}
                        Err(ExecError::Sql(_)) => {
                            // The exporting transaction has ended: take a fresh snapshot.
                            self.snapshot = None;
                            conn.execute("rollback").await?;
                            conn.execute(BEGIN).await?;
                        }
                        Err(e) => return Err(e),
                    }
                }
                // Take the snapshot now: from here on `set transaction read write` is refused.
                conn.query("select 1").await?;
            }
            Engine::Sqlite => {
                conn.execute("begin").await?;
            }
            Engine::Mysql | Engine::Mariadb => {
                conn.execute("start transaction read only").await?;
            }
        }
        Ok(())
    }

    /// Runs one statement. On PostgreSQL it runs inside a savepoint, so an error leaves the
    /// transaction usable. On SQLite the session interrupts a statement at its timeout; the
    /// timer here is the backstop for one stuck where SQLite does not call back (a long sort
    /// step), and gives up the connection. A lost connection is dropped, to be reopened for the
    /// next job.
    pub async fn query(&mut self, sql: &str) -> Result<ResultSet, ExecError> {
        if self.conn.is_none() {
            self.open().await?;
        }
        let Some(conn) = self.conn.as_mut() else {
            return Err(ExecError::Connection("no connection".into()));
        };
        let result = match self.engine {
            Engine::Postgres | Engine::Mysql | Engine::Mariadb => {
                let guarded = async {
                    conn.execute("savepoint sqltest").await?;
                    let r = conn.query(sql).await;
                    let cleanup = match &r {
                        Ok(_) => "release savepoint sqltest",
                        Err(_) => "rollback to savepoint sqltest; release savepoint sqltest",
                    };
                    conn.execute(cleanup).await?;
                    r
                };
                guarded.await
            }
            Engine::Sqlite => match self.session.statement_timeout {
                None => conn.query(sql).await,
                Some(limit) => match tokio::time::timeout(limit, conn.query(sql)).await {
                    Ok(r) => r,
                    Err(_) => {
                        // The statement may still be running on the driver's thread: give up
                        // this connection.
                        self.conn = None;
                        return Err(ExecError::Sql(SqlError::statement_timeout(limit)));
                    }
                },
            },
        };
        if let Err(ExecError::Connection(_)) = &result
            && let Some(conn) = self.conn.take()
        {
            conn.close().await;
        }
        result
    }

    /// Ends the transaction without committing anything and closes the connection.
    pub async fn close(mut self) {
        if let Some(mut conn) = self.conn.take() {
            let _ = conn.execute("rollback").await;
            conn.close().await;
        }
    }
}
