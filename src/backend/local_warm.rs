//! `--reuse` with the local backend: one PostgreSQL cluster per set of server binaries, kept
//! running in the cache directory between runs (found again through its `postmaster.pid`),
//! so a pre-push run pays neither initdb nor server start. `sqltest clean` stops and removes it.

use super::local::{free_port, initdb, run_as, signal, spawn_postgres};
use super::{BackendError, Server, ServerHandle};
use crate::dialect::{Conn, DbTarget, Endpoint, SessionOptions};
use crate::project::BackendKind;
use camino::{Utf8Path, Utf8PathBuf};
use futures::future::BoxFuture;
use std::time::{Duration, Instant};

/// The directory of warm local clusters: in the cache directory, unless we are root and the
/// postgres user the server runs as cannot reach it (root's home is `0700`, so
/// `/root/.cache` is out of its reach): then a directory in the system's temp dir, named after
/// the cache directory so `sqltest clean` finds it again.
pub fn warm_root() -> Utf8PathBuf {
    let cache = super::cache_dir();
    if run_as().is_none() || reachable_by_others(&cache) {
        return cache.join("local");
    }
    use sha2::Digest;
    let tag = hex::encode(sha2::Sha256::digest(cache.as_str().as_bytes()));
    let tmp = Utf8PathBuf::from(std::env::temp_dir().to_string_lossy().into_owned());
    tmp.join(format!("sqltest-local-{}", &tag[..12]))
}

/// Whether every existing directory on the way to `path` lets other users through.
fn reachable_by_others(path: &Utf8Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.ancestors()
        .filter_map(|a| std::fs::metadata(a).ok())
        .all(|m| m.permissions().mode() & 0o001 != 0)
}

fn url(port: u16) -> String {
    format!("postgres://postgres@127.0.0.1:{port}/postgres?sslmode=disable")
}

/// pid and port from a running cluster's `postmaster.pid` (lines 1 and 4).
fn running(dir: &Utf8Path) -> Option<(u32, u16)> {
    let text = std::fs::read_to_string(dir.join("data/postmaster.pid")).ok()?;
    let lines: Vec<&str> = text.lines().collect();
    let pid: u32 = lines.first()?.trim().parse().ok()?;
    let port: u16 = lines.get(3)?.trim().parse().ok()?;
    // SAFETY: signal 0 only checks that the process exists.
    let alive = unsafe { libc::kill(pid as libc::pid_t, 0) } == 0;
    alive.then_some((pid, port))
}

async fn answers(port: u16) -> bool {
    let target = DbTarget::Postgres {
        url: url(port),
        database: "postgres".into(),
    };
    match Conn::connect(&target, &SessionOptions::default()).await {
        Ok(mut c) => {
            let ok = c.query("select 1").await.is_ok();
            c.close().await;
            ok
        }
        Err(_) => false,
    }
}

/// Finds the warm cluster for `bindir`, or starts it (creating it on first use).
pub async fn provision(bindir: &Utf8Path) -> Result<Server, BackendError> {
    use sha2::Digest;
    let tag = hex::encode(sha2::Sha256::digest(bindir.as_str().as_bytes()));
    let dir = warm_root().join(&tag[..16]);
    let reused = match running(&dir) {
        Some((_, port)) if answers(port).await => Some(port),
        _ => None,
    };
    let port = match reused {
        Some(p) => p,
        None => start(bindir, &dir).await?,
    };
    let how = if reused.is_some() {
        "reused"
    } else {
        "started"
    };
    Ok(Server::new(
        Endpoint::Postgres {
            admin_url: url(port),
        },
        BackendKind::Local,
        format!("warm local PostgreSQL cluster on 127.0.0.1:{port} ({how}; data in {dir})"),
        false,
        Box::new(KeepRunning),
    ))
}

async fn start(bindir: &Utf8Path, dir: &Utf8Path) -> Result<u16, BackendError> {
    let (bindir, dir) = (bindir.to_owned(), dir.to_owned());
    let port = tokio::task::spawn_blocking(move || -> Result<u16, BackendError> {
        std::fs::create_dir_all(&dir)
            .map_err(|e| BackendError::new(format!("failed to create {dir}: {e}")))?;
        let user = run_as();
        if !dir.join("data/PG_VERSION").exists() {
            let _ = std::fs::remove_dir_all(dir.join("data"));
            initdb(&bindir, dir.as_std_path(), user)?;
        }
        let port = free_port()?;
        // Dropping the Child handle leaves the server running: that is the point.
        spawn_postgres(&bindir, dir.as_std_path(), port, user)?;
        Ok(port)
    })
    .await
    .map_err(|e| BackendError::new(format!("failed to start the warm cluster: {e}")))??;
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if answers(port).await {
            return Ok(port);
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    Err(BackendError::new(format!(
        "the warm local PostgreSQL cluster did not answer on port {port} within 60s"
    )))
}

struct KeepRunning;

impl ServerHandle for KeepRunning {
    fn release(self: Box<Self>) -> BoxFuture<'static, Result<(), BackendError>> {
        Box::pin(async { Ok(()) })
    }
}

/// Stops every warm local cluster and deletes its files; returns how many there were.
pub fn clean() -> Result<usize, BackendError> {
    let root = warm_root();
    let Ok(entries) = std::fs::read_dir(&root) else {
        return Ok(0);
    };
    let mut n = 0;
    for e in entries.flatten() {
        let Ok(dir) = Utf8PathBuf::from_path_buf(e.path()) else {
            continue;
        };
        if let Some((pid, _)) = running(&dir) {
            signal(pid, libc::SIGQUIT);
            let deadline = Instant::now() + Duration::from_secs(10);
            while running(&dir).is_some() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        std::fs::remove_dir_all(&dir)
            .map_err(|e| BackendError::new(format!("failed to remove {dir}: {e}")))?;
        n += 1;
    }
    // The root itself goes too (it may be ours in the temp dir); a failure here is harmless.
    let _ = std::fs::remove_dir(&root);
    Ok(n)
}
