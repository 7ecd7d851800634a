//! The `local` backend: a throwaway PostgreSQL cluster made with the machine's own `initdb`
//! and `postgres` binaries, in a temporary directory, on a free port, with durability off.
//! It is stopped and deleted on every exit path: release, error, Ctrl-C (the run is cancelled
//! and released), and panic (`Drop`).

use super::{Backend, BackendError, ProvisionRequest, Server, ServerHandle};
use crate::dialect::{Conn, DbTarget, Endpoint, SessionOptions};
use crate::project::{BackendKind, Engine};
use camino::{Utf8Path, Utf8PathBuf};
use futures::future::BoxFuture;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long a fresh cluster may take to accept connections.
const READY_DEADLINE: Duration = Duration::from_secs(60);

pub struct LocalBackend {
    bindir: Utf8PathBuf,
}

impl LocalBackend {
    /// Finds `initdb` and `postgres`: on PATH, via `pg_config --bindir`, or in the usual
    /// Debian/Ubuntu, RHEL and Homebrew locations (newest version first).
    pub fn discover(engine: Engine) -> Result<LocalBackend, BackendError> {
        match engine {
            Engine::Postgres => {}
            Engine::Sqlite => {
                return Err(BackendError::new(
                    "SQLite needs no server: use --backend embedded",
                ));
            }
            Engine::Mysql | Engine::Mariadb => {
                return Err(BackendError::new(format!(
                    "the local backend does not run {} in this build yet",
                    engine.as_str()
                )));
            }
        }
        find_bindir().map(|bindir| LocalBackend { bindir }).ok_or_else(|| {
            BackendError::new(
                "no PostgreSQL server binaries (initdb, postgres) found on PATH, via pg_config, \
                 or in /usr/lib/postgresql/*/bin; install them (Debian/Ubuntu: apt-get install postgresql)",
            )
        })
    }
}

/// The directory holding `initdb` and `postgres`, if the machine has them.
pub fn find_bindir() -> Option<Utf8PathBuf> {
    let has_both = |dir: &Utf8Path| dir.join("initdb").is_file() && dir.join("postgres").is_file();
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            let initdb = dir.join("initdb");
            if let Ok(real) = std::fs::canonicalize(&initdb)
                && let Some(real_dir) = real.parent().and_then(|d| Utf8Path::from_path(d))
                && has_both(real_dir)
            {
                return Some(real_dir.to_owned());
            }
        }
    }
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output()
        && out.status.success()
    {
        let dir = Utf8PathBuf::from(String::from_utf8_lossy(&out.stdout).trim().to_string());
        if has_both(&dir) {
            return Some(dir);
        }
    }
    let mut candidates: Vec<(u32, Utf8PathBuf)> = Vec::new();
    for parent in ["/usr/lib/postgresql", "/usr/local/opt", "/opt/homebrew/opt"] {
        let Ok(entries) = std::fs::read_dir(parent) else {
            continue;
        };
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().to_string();
            let version: u32 = name.trim_start_matches("postgresql@").parse().unwrap_or(0);
            if let Ok(dir) = Utf8PathBuf::from_path_buf(e.path().join("bin")) {
                candidates.push((version, dir));
            }
        }
    }
    for v in (9..=30).rev() {
        candidates.push((v, Utf8PathBuf::from(format!("/usr/pgsql-{v}/bin"))));
    }
    candidates.sort_by_key(|c| std::cmp::Reverse(c.0));
    candidates.into_iter().map(|(_, d)| d).find(|d| has_both(d))
}

impl Backend for LocalBackend {
    fn kind(&self) -> BackendKind {
        BackendKind::Local
    }

    fn provision<'a>(
        &'a self,
        req: &'a ProvisionRequest,
    ) -> BoxFuture<'a, Result<Server, BackendError>> {
        Box::pin(async move {
            if req.reuse && !req.keep {
                return super::local_warm::provision(&self.bindir).await;
            }
            let cluster = start_cluster(&self.bindir).await?;
            let admin_url = cluster.admin_url();
            let mut conn = Conn::connect(
                &DbTarget::Postgres {
                    url: admin_url.clone(),
                    database: "postgres".into(),
                },
                &SessionOptions::default(),
            )
            .await
            .map_err(|e| BackendError::new(format!("the local cluster does not answer: {e}")))?;
            let version = conn.server_version().await.unwrap_or_default();
            conn.close().await;
            let description = format!(
                "local {} cluster on 127.0.0.1:{}",
                super::url::short_version(&version),
                cluster.port
            );
            let kept = req.keep.then(|| {
                format!(
                    "kept the local cluster running: {admin_url} (data in {}; stop it with: kill {})",
                    cluster.dir_path(),
                    cluster.pid()
                )
            });
            let mut server = Server::new(
                Endpoint::Postgres { admin_url },
                BackendKind::Local,
                description,
                true,
                Box::new(ClusterHandle {
                    cluster: Some(cluster),
                    keep: req.keep,
                }),
            );
            server.kept_message = kept;
            Ok(server)
        })
    }
}

/// A running throwaway cluster. Dropping it stops the server and deletes its directory.
pub struct Cluster {
    child: Option<Child>,
    dir: Option<tempfile::TempDir>,
    pub port: u16,
}

impl Cluster {
    pub fn admin_url(&self) -> String {
        format!(
            "postgres://postgres@127.0.0.1:{}/postgres?sslmode=disable",
            self.port
        )
    }

    fn dir_path(&self) -> String {
        self.dir
            .as_ref()
            .map(|d| d.path().display().to_string())
            .unwrap_or_default()
    }

    fn pid(&self) -> u32 {
        self.child.as_ref().map(|c| c.id()).unwrap_or(0)
    }

    /// Stops the server (immediate shutdown: nothing is worth keeping) and removes the files.
    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            signal(child.id(), libc::SIGQUIT);
            let deadline = Instant::now() + Duration::from_secs(10);
            loop {
                match child.try_wait() {
                    Ok(Some(_)) => break,
                    Ok(None) if Instant::now() < deadline => {
                        std::thread::sleep(Duration::from_millis(20))
                    }
                    _ => {
                        let _ = child.kill();
                        let _ = child.wait();
                        break;
                    }
                }
            }
        }
        if let Some(dir) = self.dir.take() {
            let _ = dir.close();
        }
    }

    /// Leaves the server running and its files in place (`--keep`).
    fn detach(&mut self) {
        self.child.take();
        if let Some(dir) = self.dir.take() {
            let _ = dir.keep();
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        self.stop();
    }
}

pub(crate) fn signal(pid: u32, sig: libc::c_int) {
    // SAFETY: kill(2) with a pid we spawned and still own (not yet reaped).
    unsafe {
        libc::kill(pid as libc::pid_t, sig);
    }
}

struct ClusterHandle {
    cluster: Option<Cluster>,
    keep: bool,
}

impl ServerHandle for ClusterHandle {
    fn release(mut self: Box<Self>) -> BoxFuture<'static, Result<(), BackendError>> {
        let cluster = self.cluster.take();
        let keep = self.keep;
        Box::pin(async move {
            if let Some(mut c) = cluster {
                if keep {
                    c.detach();
                } else {
                    tokio::task::spawn_blocking(move || c.stop())
                        .await
                        .map_err(|e| {
                            BackendError::new(format!("failed to stop the local cluster: {e}"))
                        })?;
                }
            }
            Ok(())
        })
    }
}

/// The unprivileged user to run PostgreSQL as when we are root (initdb refuses root).
pub(crate) fn run_as() -> Option<(u32, u32)> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return None;
    }
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    let find = |user: &str| {
        passwd.lines().find_map(|l| {
            let f: Vec<&str> = l.split(':').collect();
            (f.len() > 3 && f[0] == user).then(|| Some((f[2].parse().ok()?, f[3].parse().ok()?)))?
        })
    };
    find("postgres").or_else(|| find("nobody"))
}

fn chown_tree(path: &std::path::Path, uid: u32, gid: u32) -> std::io::Result<()> {
    std::os::unix::fs::chown(path, Some(uid), Some(gid))?;
    if path.is_dir() {
        for e in std::fs::read_dir(path)? {
            chown_tree(&e?.path(), uid, gid)?;
        }
    }
    Ok(())
}

pub(crate) fn free_port() -> Result<u16, BackendError> {
    let l = std::net::TcpListener::bind("127.0.0.1:0")
        .map_err(|e| BackendError::new(format!("cannot find a free local port: {e}")))?;
    l.local_addr()
        .map(|a| a.port())
        .map_err(|e| BackendError::new(e.to_string()))
}

fn command(bin: Utf8PathBuf, user: Option<(u32, u32)>) -> Command {
    let mut cmd = Command::new(bin);
    if let Some((uid, gid)) = user {
        cmd.uid(uid).gid(gid);
    }
    // The server's user may not be allowed into our working directory.
    cmd.env_remove("PGDATA").env("LC_ALL", "C").current_dir("/");
    cmd
}

/// initdb + postgres in a fresh temporary directory; waits until `select 1` succeeds.
pub async fn start_cluster(bindir: &Utf8Path) -> Result<Cluster, BackendError> {
    let bindir = bindir.to_owned();
    let mut cluster = tokio::task::spawn_blocking(move || init_and_spawn(&bindir))
        .await
        .map_err(|e| BackendError::new(format!("failed to start the local cluster: {e}")))??;
    let url = cluster.admin_url();
    let target = DbTarget::Postgres {
        url,
        database: "postgres".into(),
    };
    let deadline = Instant::now() + READY_DEADLINE;
    loop {
        let last_error = match Conn::connect(&target, &SessionOptions::default()).await {
            Ok(mut conn) => {
                let ok = conn.query("select 1").await;
                conn.close().await;
                match ok {
                    Ok(_) => return Ok(cluster),
                    Err(e) => e.to_string(),
                }
            }
            Err(e) => e.to_string(),
        };
        if let Some(child) = cluster.child.as_mut()
            && let Ok(Some(status)) = child.try_wait()
        {
            let log = tail_log(&cluster);
            cluster.child = None;
            return Err(BackendError::new(format!(
                "the local PostgreSQL server exited ({status}) before it was ready; its log ends with:\n{log}"
            )));
        }
        if Instant::now() > deadline {
            return Err(BackendError::new(format!(
                "the local PostgreSQL server was not ready after {}s ({last_error}); its log ends with:\n{}",
                READY_DEADLINE.as_secs(),
                tail_log(&cluster)
            )));
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

fn tail_log(cluster: &Cluster) -> String {
    let Some(dir) = cluster.dir.as_ref() else {
        return String::new();
    };
    let text = std::fs::read_to_string(dir.path().join("server.log")).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(15)..].join("\n")
}

fn init_and_spawn(bindir: &Utf8Path) -> Result<Cluster, BackendError> {
    let dir = tempfile::Builder::new()
        .prefix("sqltest-pg-")
        .tempdir()
        .map_err(|e| BackendError::new(format!("failed to create a temporary directory: {e}")))?;
    let user = run_as();
    initdb(bindir, dir.path(), user)?;
    let port = free_port()?;
    let child = spawn_postgres(bindir, dir.path(), port, user)?;
    Ok(Cluster {
        child: Some(child),
        dir: Some(dir),
        port,
    })
}

/// Creates `<dir>/data` with initdb (trust auth, UTF8, C locale, no fsync), as the postgres
/// user when we are root.
pub(crate) fn initdb(
    bindir: &Utf8Path,
    dir: &std::path::Path,
    user: Option<(u32, u32)>,
) -> Result<(), BackendError> {
    if let Some((uid, gid)) = user {
        chown_tree(dir, uid, gid).map_err(|e| {
            BackendError::new(format!(
                "failed to hand {} to the postgres user: {e}",
                dir.display()
            ))
        })?;
    }
    let out = command(bindir.join("initdb"), user)
        .arg("-D")
        .arg(dir.join("data"))
        .args([
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
            "--no-instructions",
        ])
        .stdin(Stdio::null())
        .output()
        .map_err(|e| BackendError::new(format!("failed to run {bindir}/initdb: {e}")))?;
    if !out.status.success() {
        return Err(BackendError::new(format!(
            "{bindir}/initdb failed: {}{}",
            String::from_utf8_lossy(&out.stderr),
            String::from_utf8_lossy(&out.stdout)
        )));
    }
    Ok(())
}

/// Starts `postgres` on `<dir>/data`, listening on 127.0.0.1:`port` and a socket in `dir`,
/// durability off, logging to `<dir>/server.log`.
pub(crate) fn spawn_postgres(
    bindir: &Utf8Path,
    dir: &std::path::Path,
    port: u16,
    user: Option<(u32, u32)>,
) -> Result<Child, BackendError> {
    let log = std::fs::File::create(dir.join("server.log"))
        .map_err(|e| BackendError::new(format!("failed to create the server log: {e}")))?;
    if let Some((uid, gid)) = user {
        let _ = std::os::unix::fs::chown(dir.join("server.log"), Some(uid), Some(gid));
    }
    let log2 = log
        .try_clone()
        .map_err(|e| BackendError::new(e.to_string()))?;
    let mut cmd = command(bindir.join("postgres"), user);
    cmd.arg("-D")
        .arg(dir.join("data"))
        .arg("-p")
        .arg(port.to_string())
        .arg("-k")
        .arg(dir)
        .args(["-c", "listen_addresses=127.0.0.1"])
        .args([
            "-c",
            "fsync=off",
            "-c",
            "synchronous_commit=off",
            "-c",
            "full_page_writes=off",
        ])
        .args(["-c", "max_connections=200", "-c", "shared_buffers=128MB"])
        .args(["-c", "max_wal_size=4GB", "-c", "checkpoint_timeout=1h"])
        .args([
            "-c",
            "log_min_messages=warning",
            "-c",
            "logging_collector=off",
        ])
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(log2)
        // Its own process group: a Ctrl-C in the terminal reaches sqltest, which then stops
        // the server in order, instead of the server dying mid-statement under us.
        .process_group(0);
    cmd.spawn()
        .map_err(|e| BackendError::new(format!("failed to start {bindir}/postgres: {e}")))
}
