//! How a database server is obtained and released: `embedded` (SQLite), `url` (an existing
//! server), `local` (a throwaway PostgreSQL cluster from the machine's binaries), and
//! `docker` (a container). Everything else sees only a [`Server`] with an [`Endpoint`].

pub mod databases;
pub mod docker;
pub mod embedded;
pub mod local;
pub mod local_warm;
pub mod url;

use crate::dialect::Endpoint;
use crate::project::{BackendKind, Engine};
use camino::Utf8PathBuf;
use futures::future::BoxFuture;

/// What the run asks of a backend.
#[derive(Debug, Clone)]
pub struct ProvisionRequest {
    pub engine: Engine,
    /// `--database-url` or `DATABASE_URL`.
    pub database_url: Option<String>,
    /// `--image` or the project's `image:`.
    pub image: Option<String>,
    /// The project's `version:`.
    pub version: Option<String>,
    /// `--keep`: leave the server running and say how to reach it.
    pub keep: bool,
    /// `--reuse`: keep a warm server between runs.
    pub reuse: bool,
    /// Absolute project root (labels, cache keys).
    pub project_root: Utf8PathBuf,
    /// Unique id of this run (names, labels).
    pub run_id: String,
}

/// A server ready for use, until [`Server::release`].
pub struct Server {
    pub endpoint: Endpoint,
    /// The backend that provided it (never `Auto`).
    pub kind: BackendKind,
    /// For people: "local PostgreSQL cluster on 127.0.0.1:54012".
    pub description: String,
    /// Whether the whole server goes away on release (then its databases need no dropping).
    pub ephemeral: bool,
    /// A line to print when `--keep` left the server running.
    pub kept_message: Option<String>,
    handle: Option<Box<dyn ServerHandle>>,
}

impl Server {
    pub fn new(
        endpoint: Endpoint,
        kind: BackendKind,
        description: String,
        ephemeral: bool,
        handle: Box<dyn ServerHandle>,
    ) -> Server {
        Server {
            endpoint,
            kind,
            description,
            ephemeral,
            kept_message: None,
            handle: Some(handle),
        }
    }

    /// Stops and removes what the backend started (or, with `--keep`, leaves it running).
    pub async fn release(mut self) -> Result<(), BackendError> {
        match self.handle.take() {
            Some(h) => h.release().await,
            None => Ok(()),
        }
    }
}

/// Releases one server. Implementations also clean up in `Drop` when `release` was never
/// called (a panic), as far as that can be done synchronously.
pub trait ServerHandle: Send + Sync {
    fn release(self: Box<Self>) -> BoxFuture<'static, Result<(), BackendError>>;
}

/// A way of obtaining a server. Tests can fake it; the Docker backend is one more implementor.
pub trait Backend: Send + Sync {
    fn kind(&self) -> BackendKind;
    fn provision<'a>(
        &'a self,
        req: &'a ProvisionRequest,
    ) -> BoxFuture<'a, Result<Server, BackendError>>;
}

/// An environment problem obtaining or releasing a server (exit code 3). The message says
/// what went wrong and how to fix it.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct BackendError {
    pub message: String,
}

impl BackendError {
    pub fn new(message: impl Into<String>) -> Self {
        BackendError {
            message: message.into(),
        }
    }
}

/// Picks the backend: the one asked for, or for `auto`: embedded for SQLite, url when a URL
/// is given, then docker when an engine answers, then a local cluster, else an error listing
/// the ways to get a database.
pub fn select(kind: BackendKind, req: &ProvisionRequest) -> Result<Box<dyn Backend>, BackendError> {
    match kind {
        BackendKind::Embedded => embedded::EmbeddedBackend::for_engine(req.engine).map(boxed),
        BackendKind::Url => url::UrlBackend::from_request(req).map(boxed),
        BackendKind::Local => local::LocalBackend::discover(req.engine).map(boxed),
        BackendKind::Docker => docker::DockerBackend::for_engine(req.engine).map(boxed),
        BackendKind::Auto => {
            if req.engine == Engine::Sqlite {
                return embedded::EmbeddedBackend::for_engine(req.engine).map(boxed);
            }
            if req.database_url.is_some() {
                return url::UrlBackend::from_request(req).map(boxed);
            }
            if docker::engine_available() {
                return docker::DockerBackend::for_engine(req.engine).map(boxed);
            }
            match local::LocalBackend::discover(req.engine) {
                Ok(b) => Ok(boxed(b)),
                Err(local_err) => Err(BackendError::new(format!(
                    "no way to get a {engine} database here:\n  \
                     - docker: no Docker engine answered (start Docker, or set DOCKER_HOST)\n  \
                     - local: {local}\n  \
                     - url: no --database-url or DATABASE_URL was given\n\
                     Fix one of these, e.g. install the PostgreSQL server package \
                     (apt-get install postgresql) or pass --database-url postgres://user:pass@host/db.",
                    engine = req.engine.as_str(),
                    local = local_err.message
                ))),
            }
        }
    }
}

/// Where warm state for `--reuse` lives: `$XDG_CACHE_HOME/sqltest`, else `~/.cache/sqltest`,
/// else the temp directory.
pub fn cache_dir() -> Utf8PathBuf {
    let base = std::env::var("XDG_CACHE_HOME")
        .ok()
        .filter(|v| !v.is_empty())
        .map(Utf8PathBuf::from)
        .or_else(|| {
            std::env::var("HOME")
                .ok()
                .map(|h| Utf8PathBuf::from(h).join(".cache"))
        })
        .unwrap_or_else(|| Utf8PathBuf::from(std::env::temp_dir().to_string_lossy().into_owned()));
    base.join("sqltest")
}

fn boxed<B: Backend + 'static>(b: B) -> Box<dyn Backend> {
    Box::new(b)
}
