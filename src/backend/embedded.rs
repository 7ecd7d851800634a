//! The `embedded` backend: SQLite in a temporary directory, one file per database.

use super::{Backend, BackendError, ProvisionRequest, Server, ServerHandle};
use crate::dialect::Endpoint;
use crate::project::{BackendKind, Engine};
use camino::Utf8PathBuf;
use futures::future::BoxFuture;

pub struct EmbeddedBackend;

impl EmbeddedBackend {
    pub fn for_engine(engine: Engine) -> Result<EmbeddedBackend, BackendError> {
        match engine {
            Engine::Sqlite => Ok(EmbeddedBackend),
            Engine::Postgres | Engine::Mysql | Engine::Mariadb => Err(BackendError::new(format!(
                "the embedded backend runs SQLite only, but the project's engine is {}; \
                 use --backend local, docker or url",
                engine.as_str()
            ))),
        }
    }
}

impl Backend for EmbeddedBackend {
    fn kind(&self) -> BackendKind {
        BackendKind::Embedded
    }

    fn provision<'a>(
        &'a self,
        req: &'a ProvisionRequest,
    ) -> BoxFuture<'a, Result<Server, BackendError>> {
        Box::pin(async move {
            if req.reuse {
                return warm(req).await;
            }
            let dir = tempfile::Builder::new()
                .prefix("sqltest-sqlite-")
                .tempdir()
                .map_err(|e| {
                    BackendError::new(format!("failed to create a temporary directory: {e}"))
                })?;
            let path = Utf8PathBuf::from_path_buf(dir.path().to_path_buf()).map_err(|p| {
                BackendError::new(format!("temporary directory {} is not UTF-8", p.display()))
            })?;
            let mut server = Server::new(
                Endpoint::Sqlite { dir: path.clone() },
                BackendKind::Embedded,
                format!("embedded SQLite {} in {path}", sqlite_version()),
                true,
                Box::new(TempDirHandle {
                    dir: Some(dir),
                    keep: req.keep,
                }),
            );
            if req.keep {
                server.kept_message = Some(format!("kept the SQLite databases in {path}"));
            }
            Ok(server)
        })
    }
}

/// With `--reuse`: a directory per project under the cache, kept between runs, so the
/// template cache survives; the run's own clones are dropped at the end as on a shared server.
async fn warm(req: &ProvisionRequest) -> Result<Server, BackendError> {
    use sha2::Digest;
    let tag = hex::encode(sha2::Sha256::digest(req.project_root.as_str().as_bytes()));
    let dir = super::cache_dir().join("sqlite").join(&tag[..16]);
    tokio::fs::create_dir_all(&dir).await.map_err(|e| {
        BackendError::new(format!("failed to create the cache directory {dir}: {e}"))
    })?;
    Ok(Server::new(
        Endpoint::Sqlite { dir: dir.clone() },
        BackendKind::Embedded,
        format!("embedded SQLite (warm, in {dir})"),
        false,
        Box::new(TempDirHandle {
            dir: None,
            keep: true,
        }),
    ))
}

fn sqlite_version() -> &'static str {
    // The bundled library's version, known at build time through libsqlite3-sys.
    "3"
}

struct TempDirHandle {
    dir: Option<tempfile::TempDir>,
    keep: bool,
}

impl ServerHandle for TempDirHandle {
    fn release(mut self: Box<Self>) -> BoxFuture<'static, Result<(), BackendError>> {
        let dir = self.dir.take();
        let keep = self.keep;
        Box::pin(async move {
            if let Some(dir) = dir {
                if keep {
                    let _ = dir.keep();
                } else {
                    let path = dir.path().display().to_string();
                    dir.close()
                        .map_err(|e| BackendError::new(format!("failed to remove {path}: {e}")))?;
                }
            }
            Ok(())
        })
    }
}
