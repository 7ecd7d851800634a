//! The `url` backend: an existing server given by `--database-url` or `DATABASE_URL`.
//! sqltest creates its throwaway databases there (random names) and drops them afterwards.

use super::{Backend, BackendError, ProvisionRequest, Server, ServerHandle};
use crate::dialect::{Conn, Endpoint, SessionOptions, postgres};
use crate::project::{BackendKind, Engine};
use futures::future::BoxFuture;

pub struct UrlBackend {
    url: String,
}

impl UrlBackend {
    pub fn from_request(req: &ProvisionRequest) -> Result<UrlBackend, BackendError> {
        let Some(url) = req.database_url.clone() else {
            return Err(BackendError::new(
                "the url backend needs a server: pass --database-url postgres://user:pass@host:port/db \
                 or set DATABASE_URL",
            ));
        };
        match req.engine {
            Engine::Postgres => {
                if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
                    return Err(BackendError::new(format!(
                        "the project's engine is postgres but the database URL {} is not a postgres:// URL",
                        postgres::redact_url(&url)
                    )));
                }
                Ok(UrlBackend { url })
            }
            Engine::Sqlite => Err(BackendError::new(
                "SQLite needs no server: use --backend embedded (the default for sqlite)",
            )),
            Engine::Mysql | Engine::Mariadb => Err(BackendError::new(format!(
                "the {} engine is not supported by this build yet",
                req.engine.as_str()
            ))),
        }
    }
}

impl Backend for UrlBackend {
    fn kind(&self) -> BackendKind {
        BackendKind::Url
    }

    fn provision<'a>(
        &'a self,
        _req: &'a ProvisionRequest,
    ) -> BoxFuture<'a, Result<Server, BackendError>> {
        Box::pin(async move {
            let target = crate::dialect::DbTarget::Postgres {
                url: self.url.clone(),
                database: String::new(),
            };
            let mut conn = Conn::connect(&target, &SessionOptions::default()).await.map_err(|e| {
                BackendError::new(format!(
                    "cannot reach the database server at {}: {e}\n\
                     Check the URL, that the server is running and that the user may CREATE DATABASE.",
                    postgres::redact_url(&self.url)
                ))
            })?;
            let version = conn.server_version().await.unwrap_or_default();
            conn.close().await;
            Ok(Server::new(
                Endpoint::Postgres {
                    admin_url: self.url.clone(),
                },
                BackendKind::Url,
                format!(
                    "{} at {}",
                    short_version(&version),
                    postgres::redact_url(&self.url)
                ),
                false,
                Box::new(NothingToRelease),
            ))
        })
    }
}

/// "PostgreSQL 15.18 (Debian …) on x86_64…" → "PostgreSQL 15.18".
pub fn short_version(version: &str) -> String {
    version
        .split_whitespace()
        .take(2)
        .collect::<Vec<_>>()
        .join(" ")
}

struct NothingToRelease;

impl ServerHandle for NothingToRelease {
    fn release(self: Box<Self>) -> BoxFuture<'static, Result<(), BackendError>> {
        Box::pin(async { Ok(()) })
    }
}
