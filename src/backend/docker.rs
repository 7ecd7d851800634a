//! The `docker` backend: a throwaway PostgreSQL container started with testcontainers,
//! tuned for tests (data directory on tmpfs, fsync, synchronous commit and full-page writes
//! off), labelled `org.sqltest.*`, and ready once a connection runs `select 1`.
//!
//! Cleanup covers every path: `release` removes the container; a guard removes it from
//! `Drop` when the run panics or the provisioning future is dropped (Ctrl-C, SIGTERM) before
//! it finished; `--keep` leaves it running; [`clean`] removes every leftover. With
//! `--reuse` one warm container per (engine, image) stays up between runs.

pub mod engine;
pub mod host;
pub mod image;

use super::{Backend, BackendError, ProvisionRequest, Server, ServerHandle};
use crate::dialect::{Conn, DbTarget, Endpoint, SessionOptions};
use crate::project::{BackendKind, Engine};
use engine::{
    LABEL_ENGINE, LABEL_INSTANCE, LABEL_MANAGED, LABEL_PROJECT, LABEL_REUSE, LABEL_RUN_ID,
};
use futures::future::BoxFuture;
use host::HostEnv;
use rand::Rng;
use std::path::Path;
use std::time::{Duration, Instant};
use testcontainers_modules::testcontainers::bollard::Docker;
use testcontainers_modules::testcontainers::bollard::query_parameters::StartContainerOptions;
use testcontainers_modules::testcontainers::core::client::ClientError;
use testcontainers_modules::testcontainers::core::{IntoContainerPort, Mount};
use testcontainers_modules::testcontainers::runners::AsyncRunner;
use testcontainers_modules::testcontainers::{GenericImage, ImageExt, TestcontainersError};

pub use host::{engine_available, podman_docker_host};
pub use image::default_image;

/// PostgreSQL's port inside the container.
const PG_PORT: u16 = 5432;
/// Where PostgreSQL keeps its data: a tmpfs, since nothing in a test database is worth a disk
/// write. Set explicitly (`PGDATA`) so images whose default differs still use the tmpfs.
const PG_DATA: &str = "/var/lib/postgresql/data";
/// How long a fresh container may take to accept connections (image start, initdb, server).
const READY_DEADLINE: Duration = Duration::from_secs(60);
/// One connection attempt; the engine's port proxy accepts at once even before the server
/// listens, so an attempt that hangs is abandoned rather than waited out.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(3);
/// Log lines shown when a container dies or never gets ready.
const LOG_LINES: usize = 20;
/// How long a create request dropped on our side may take to show up in the engine.
const CREATE_IN_FLIGHT: Duration = Duration::from_millis(1500);
/// /dev/shm size: Docker's 64 MB default is too small for parallel query workers.
const SHM_BYTES: u64 = 256 * 1024 * 1024;

/// Runs each server in its own container on the engine found via `DOCKER_HOST` or the
/// usual sockets (see [`host`]).
#[derive(Debug)]
pub struct DockerBackend {
    engine: Engine,
}

impl DockerBackend {
    /// The docker backend for `engine`; only PostgreSQL runs in containers in this build.
    pub fn for_engine(engine: Engine) -> Result<DockerBackend, BackendError> {
        match engine {
            Engine::Postgres => Ok(DockerBackend { engine }),
            Engine::Sqlite => Err(BackendError::new(
                "SQLite needs no server: use --backend embedded",
            )),
            Engine::Mysql | Engine::Mariadb => Err(BackendError::new(format!(
                "the docker backend does not run {} in this build yet",
                engine.as_str()
            ))),
        }
    }
}

impl Backend for DockerBackend {
    fn kind(&self) -> BackendKind {
        BackendKind::Docker
    }

    fn provision<'a>(
        &'a self,
        req: &'a ProvisionRequest,
    ) -> BoxFuture<'a, Result<Server, BackendError>> {
        Box::pin(provision(self.engine, req))
    }
}

/// Removes every container sqltest left behind (labelled `org.sqltest.managed=true`),
/// warm `--reuse` containers included. Returns how many were removed.
pub async fn clean() -> Result<usize, BackendError> {
    let docker = engine::connect().await?;
    engine::remove_labelled(&docker, LABEL_MANAGED, "true").await
}

/// What a provisioning needs to know about the engine and the image.
struct Context<'a> {
    docker: Docker,
    req: &'a ProvisionRequest,
    engine: Engine,
    image: String,
    /// Host for connection URLs (see [`host::connection_host`]).
    host: String,
}

async fn provision(engine: Engine, req: &ProvisionRequest) -> Result<Server, BackendError> {
    let Some(image) = image::image_for(engine, req.image.as_deref(), req.version.as_deref()) else {
        return Err(BackendError::new(
            "SQLite needs no server: use --backend embedded",
        ));
    };
    let docker = engine::connect().await?;
    let env = HostEnv::from_process();
    let docker_host = env.docker_host(Path::exists);
    let gateway = match host::tcp_host(&docker_host) {
        None if env.in_container && env.host_override.is_none() => {
            engine::bridge_gateway(&docker).await
        }
        _ => None,
    };
    let host = host::connection_host(&env, &docker_host, gateway.as_deref());
    let cx = Context {
        docker,
        req,
        engine,
        image,
        host,
    };
    if req.reuse {
        provision_warm(&cx).await
    } else {
        provision_throwaway(&cx).await
    }
}

/// A container for this run only, removed on release.
async fn provision_throwaway(cx: &Context<'_>) -> Result<Server, BackendError> {
    let mut guard = InstanceGuard::new();
    let id = match start_container(cx, &guard.instance, None).await {
        Ok(id) => id,
        Err(e) => {
            // start_container removed whatever it created.
            guard.disarm();
            return Err(e.into());
        }
    };
    guard.created();
    let info = engine::inspect(&cx.docker, &id).await?;
    let ready = match connection_of(cx, &id, &info) {
        Ok(conn) => wait_ready(cx, &id, &conn)
            .await
            .map(|version| (conn, version)),
        Err(e) => Err(e),
    };
    let (conn, version) = match ready {
        Ok(r) => r,
        Err(e) => {
            let _ = engine::remove(&cx.docker, &id).await;
            guard.disarm();
            return Err(e);
        }
    };
    let description = format!(
        "{} in container {} ({}) on {}:{}",
        super::url::short_version(&version),
        engine::short_id(&id),
        cx.image,
        cx.host,
        conn.port
    );
    let admin_url = conn.url(&cx.host);
    let kept = cx
        .req
        .keep
        .then(|| kept_message(&id, &cx.image, &admin_url));
    let handle = ContainerHandle {
        docker: cx.docker.clone(),
        id,
        guard,
        keep: cx.req.keep,
    };
    let mut server = Server::new(
        Endpoint::Postgres { admin_url },
        BackendKind::Docker,
        description,
        true,
        Box::new(handle),
    );
    server.kept_message = kept;
    Ok(server)
}

/// The warm container for (engine, image): found running, restarted, or started now. It is
/// never removed by the run, so the server is not ephemeral (databases must be dropped).
async fn provision_warm(cx: &Context<'_>) -> Result<Server, BackendError> {
    let key = image::reuse_key(cx.engine, &cx.image);
    // Twice at most: a broken warm container is removed and replaced once, and a name
    // conflict (another run created it at the same moment) is resolved by finding it.
    for _ in 0..2 {
        let found = engine::list_labelled(&cx.docker, LABEL_REUSE, &key).await?;
        let Some(id) = found.into_iter().find_map(|c| c.id) else {
            let mut guard = InstanceGuard::new();
            let id = match start_container(cx, &guard.instance, Some(&key)).await {
                Ok(id) => id,
                Err(StartError::NameTaken) => {
                    guard.disarm();
                    continue;
                }
                Err(StartError::Backend(e)) => {
                    guard.disarm();
                    return Err(e);
                }
            };
            guard.created();
            let info = engine::inspect(&cx.docker, &id).await?;
            let conn = connection_of(cx, &id, &info)?;
            match wait_ready(cx, &id, &conn).await {
                Ok(version) => {
                    // From now on the container outlives the run on purpose.
                    guard.disarm();
                    return Ok(warm_server(cx, &id, &conn, &version, WarmState::Started));
                }
                Err(e) => {
                    let _ = engine::remove(&cx.docker, &id).await;
                    guard.disarm();
                    return Err(e);
                }
            }
        };
        let mut info = engine::inspect(&cx.docker, &id).await?;
        let mut state = WarmState::Reused;
        if !engine::running_state(&info).0 {
            // Stopped (engine restart): its tmpfs data is gone, so it starts as new.
            state = WarmState::Restarted;
            if cx
                .docker
                .start_container(&id, None::<StartContainerOptions>)
                .await
                .is_ok()
            {
                info = engine::inspect(&cx.docker, &id).await?;
            }
        }
        let ready = match connection_of(cx, &id, &info) {
            Ok(conn) => wait_ready(cx, &id, &conn).await.map(|v| (conn, v)),
            Err(e) => Err(e),
        };
        match ready {
            Ok((conn, version)) => return Ok(warm_server(cx, &id, &conn, &version, state)),
            Err(_) => engine::remove(&cx.docker, &id).await?,
        }
    }
    Err(BackendError::new(format!(
        "could not start or find the warm {} container for {}; remove leftovers with `sqltest clean` and retry",
        cx.engine.as_str(),
        cx.image
    )))
}

/// How the warm container was obtained; the description says it so people (and the run's
/// timing line) can tell a warm start from a cold one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum WarmState {
    /// Found running: databases kept in it (the template cache) are still there.
    Reused,
    /// Found stopped and started again: empty, like a new one.
    Restarted,
    /// Created by this run.
    Started,
}

impl WarmState {
    fn as_str(self) -> &'static str {
        match self {
            WarmState::Reused => "reused",
            WarmState::Restarted => "restarted",
            WarmState::Started => "started",
        }
    }
}

fn warm_server(
    cx: &Context<'_>,
    id: &str,
    conn: &PgConnection,
    version: &str,
    state: WarmState,
) -> Server {
    let admin_url = conn.url(&cx.host);
    let description = format!(
        "{} in warm container {} ({}) on {}:{}, {}",
        super::url::short_version(version),
        engine::short_id(id),
        cx.image,
        cx.host,
        conn.port,
        state.as_str()
    );
    let kept = cx.req.keep.then(|| kept_message(id, &cx.image, &admin_url));
    let mut server = Server::new(
        Endpoint::Postgres { admin_url },
        BackendKind::Docker,
        description,
        false,
        Box::new(KeepRunning),
    );
    server.kept_message = kept;
    server
}

/// The line printed for `--keep`. It includes the password: the user asked to connect, and
/// the container is a throwaway on their own engine. Normal output never shows it.
fn kept_message(id: &str, image: &str, admin_url: &str) -> String {
    format!(
        "kept container {} ({image}) running: psql '{admin_url}' (remove it with: docker rm -f {}, or sqltest clean)",
        engine::short_id(id),
        engine::short_id(id)
    )
}

/// How to log in to the container's server.
struct PgConnection {
    port: u16,
    password: String,
}

impl PgConnection {
    fn url(&self, host: &str) -> String {
        // The password is alphanumeric (we generate it), so it needs no escaping.
        format!(
            "postgres://postgres:{}@{host}:{}/postgres?sslmode=disable",
            self.password, self.port
        )
    }
}

fn connection_of(
    cx: &Context<'_>,
    id: &str,
    info: &testcontainers_modules::testcontainers::bollard::models::ContainerInspectResponse,
) -> Result<PgConnection, BackendError> {
    let port = engine::published_port(info, PG_PORT).ok_or_else(|| {
        BackendError::new(format!(
            "container {} ({}) has no published port for {PG_PORT}/tcp",
            engine::short_id(id),
            cx.image
        ))
    })?;
    let password = engine::env_value(info, "POSTGRES_PASSWORD").ok_or_else(|| {
        BackendError::new(format!(
            "container {} has no POSTGRES_PASSWORD",
            engine::short_id(id)
        ))
    })?;
    Ok(PgConnection { port, password })
}

enum StartError {
    /// The warm container's name is taken: another run just created it.
    NameTaken,
    Backend(BackendError),
}

impl From<StartError> for BackendError {
    fn from(e: StartError) -> BackendError {
        match e {
            StartError::NameTaken => {
                BackendError::new("a container with the same name already exists")
            }
            StartError::Backend(b) => b,
        }
    }
}

/// Creates and starts the container through testcontainers; returns its id. The container
/// carries `instance` so the guard can remove it even if this future is dropped midway.
async fn start_container(
    cx: &Context<'_>,
    instance: &str,
    reuse_key: Option<&str>,
) -> Result<String, StartError> {
    let password: String = rand::rng()
        .sample_iter(rand::distr::Alphanumeric)
        .take(24)
        .map(char::from)
        .collect();
    let (name, tag) = image::split_reference(&cx.image);
    let mut labels = vec![
        (LABEL_MANAGED, "true".to_string()),
        (LABEL_RUN_ID, cx.req.run_id.clone()),
        (LABEL_PROJECT, cx.req.project_root.to_string()),
        (LABEL_ENGINE, cx.engine.as_str().to_string()),
        (LABEL_INSTANCE, instance.to_string()),
    ];
    if let Some(key) = reuse_key {
        labels.push((LABEL_REUSE, key.to_string()));
    }
    // with_exposed_port must come before the ImageExt calls, which turn the image into a
    // ContainerRequest. No wait strategy: readiness is a working connection (wait_ready).
    let mut request = GenericImage::new(name, tag)
        .with_exposed_port(PG_PORT.tcp())
        .with_env_var("POSTGRES_PASSWORD", password)
        .with_env_var("POSTGRES_USER", "postgres")
        .with_env_var("POSTGRES_DB", "postgres")
        .with_env_var("PGDATA", PG_DATA)
        // initdb otherwise scans the zoneinfo tree for the machine's zone (~0.5 s); sessions
        // pin their own TimeZone anyway.
        .with_env_var("TZ", "UTC")
        .with_cmd(server_command())
        .with_mount(Mount::tmpfs_mount(PG_DATA))
        .with_shm_size(SHM_BYTES)
        .with_labels(labels);
    if let Some(key) = reuse_key {
        request = request.with_container_name(format!("sqltest-warm-{}-{key}", cx.engine.as_str()));
    }
    match request.start().await {
        Ok(container) => {
            let id = container.id().to_string();
            // testcontainers would remove the container when this value drops, but only
            // inside a tokio runtime (it panics outside one) and never for --keep or warm
            // containers. Our guard and handle own the container's lifetime instead.
            std::mem::forget(container);
            Ok(id)
        }
        Err(e) => {
            if reuse_key.is_some() && is_conflict(&e) {
                return Err(StartError::NameTaken);
            }
            // A container may exist even though starting it failed.
            engine::remove_labelled_settled(&cx.docker, LABEL_INSTANCE, instance, Duration::ZERO)
                .await;
            Err(StartError::Backend(start_error(&e, &cx.image)))
        }
    }
}

/// `postgres` with durability off: a crash loses nothing worth keeping in a test database.
fn server_command() -> Vec<&'static str> {
    vec![
        "postgres",
        "-c",
        "fsync=off",
        "-c",
        "synchronous_commit=off",
        "-c",
        "full_page_writes=off",
        "-c",
        "max_connections=200",
        "-c",
        "max_wal_size=4GB",
        "-c",
        "checkpoint_timeout=1h",
    ]
}

fn is_conflict(e: &TestcontainersError) -> bool {
    use testcontainers_modules::testcontainers::bollard::errors::Error as B;
    matches!(
        e,
        TestcontainersError::Client(ClientError::CreateContainer(B::DockerResponseServerError {
            status_code: 409,
            ..
        }))
    )
}

fn start_error(e: &TestcontainersError, image: &str) -> BackendError {
    match e {
        TestcontainersError::Client(ClientError::PullImage { err, .. }) => {
            let fix = if image::is_default_family(image) {
                "build it offline with scripts/build-offline-images.sh (it tags the image so this name resolves \
                 locally), or pull it where a registry is reachable: docker pull "
                    .to_string()
                    + image
            } else {
                format!(
                    "build or load it into this engine (docker build / docker load), or pull it: docker pull {image}"
                )
            };
            BackendError::new(format!(
                "the image {image} is not in the local Docker engine and could not be pulled ({}); {fix}",
                engine::error_chain(err)
            ))
        }
        other => BackendError::new(format!(
            "failed to start a container from {image}: {}",
            engine::error_chain(other)
        )),
    }
}

/// Polls until `select 1` succeeds; returns the server's version. Fails early, with the
/// container's last log lines, when the container stops.
async fn wait_ready(
    cx: &Context<'_>,
    id: &str,
    conn: &PgConnection,
) -> Result<String, BackendError> {
    let target = DbTarget::Postgres {
        url: conn.url(&cx.host),
        database: "postgres".into(),
    };
    let deadline = Instant::now() + READY_DEADLINE;
    loop {
        let last_error = match tokio::time::timeout(ATTEMPT_TIMEOUT, probe(&target)).await {
            Ok(Ok(version)) => return Ok(version),
            Ok(Err(e)) => e,
            Err(_) => format!("no answer within {}s", ATTEMPT_TIMEOUT.as_secs()),
        };
        let info = engine::inspect(&cx.docker, id).await?;
        if let (false, code) = engine::running_state(&info) {
            let code = code.map(|c| format!(" with code {c}")).unwrap_or_default();
            return Err(BackendError::new(format!(
                "container {} ({}) exited{code} before it was ready; its log ends with:\n{}",
                engine::short_id(id),
                cx.image,
                engine::log_tail(&cx.docker, id, LOG_LINES).await
            )));
        }
        if Instant::now() > deadline {
            return Err(BackendError::new(format!(
                "container {} ({}) was not ready after {}s (last attempt: {last_error}); check that {}:{} \
                 reaches the engine's published ports (set TESTCONTAINERS_HOST_OVERRIDE if not); its log ends with:\n{}",
                engine::short_id(id),
                cx.image,
                READY_DEADLINE.as_secs(),
                cx.host,
                conn.port,
                engine::log_tail(&cx.docker, id, LOG_LINES).await
            )));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn probe(target: &DbTarget) -> Result<String, String> {
    let mut conn = Conn::connect(target, &SessionOptions::default())
        .await
        .map_err(|e| e.to_string())?;
    let result = match conn.query("select 1").await {
        Ok(_) => Ok(conn.server_version().await.unwrap_or_default()),
        Err(e) => Err(e.to_string()),
    };
    conn.close().await;
    result
}

/// Removes the containers of one provisioning attempt when dropped while armed: covers a
/// panic, and a provisioning future dropped by Ctrl-C between create and hand-over.
struct InstanceGuard {
    instance: String,
    armed: bool,
    /// Until the create request has returned, a container may still appear after the
    /// future is dropped; cleanup then watches for it this long.
    appear_within: Duration,
}

impl InstanceGuard {
    fn new() -> InstanceGuard {
        let suffix: String = rand::rng()
            .sample_iter(rand::distr::Alphanumeric)
            .take(12)
            .map(char::from)
            .collect();
        InstanceGuard {
            instance: suffix.to_lowercase(),
            armed: true,
            appear_within: CREATE_IN_FLIGHT,
        }
    }

    /// The container exists (its create request returned): nothing more can appear.
    fn created(&mut self) {
        self.appear_within = Duration::ZERO;
    }

    fn disarm(&mut self) {
        self.armed = false;
    }
}

impl Drop for InstanceGuard {
    fn drop(&mut self) {
        if self.armed {
            engine::remove_labelled_blocking(
                LABEL_INSTANCE,
                self.instance.clone(),
                self.appear_within,
            );
        }
    }
}

/// A throwaway container: removed on release, left running with `--keep`, and removed by
/// the guard if the handle is dropped without release.
struct ContainerHandle {
    docker: Docker,
    id: String,
    guard: InstanceGuard,
    keep: bool,
}

impl ServerHandle for ContainerHandle {
    fn release(self: Box<Self>) -> BoxFuture<'static, Result<(), BackendError>> {
        let ContainerHandle {
            docker,
            id,
            mut guard,
            keep,
        } = *self;
        Box::pin(async move {
            if keep {
                guard.disarm();
                return Ok(());
            }
            let removed = engine::remove(&docker, &id).await;
            // Removed, or the guard tries once more synchronously when it drops.
            if removed.is_ok() {
                guard.disarm();
            }
            removed
        })
    }
}

/// The warm container stays up for the next run; `sqltest clean` stops it.
struct KeepRunning;

impl ServerHandle for KeepRunning {
    fn release(self: Box<Self>) -> BoxFuture<'static, Result<(), BackendError>> {
        Box::pin(async { Ok(()) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_postgres_runs_in_containers_for_now() {
        assert!(DockerBackend::for_engine(Engine::Postgres).is_ok());
        assert!(
            DockerBackend::for_engine(Engine::Sqlite)
                .unwrap_err()
                .message
                .contains("embedded")
        );
        assert!(
            DockerBackend::for_engine(Engine::Mysql)
                .unwrap_err()
                .message
                .contains("mysql")
        );
    }

    #[test]
    fn connection_url_carries_password_host_and_port() {
        let c = PgConnection {
            port: 49153,
            password: "abc123".into(),
        };
        assert_eq!(
            c.url("docker"),
            "postgres://postgres:abc123@docker:49153/postgres?sslmode=disable"
        );
    }

    #[test]
    fn server_command_turns_durability_off() {
        let cmd = server_command().join(" ");
        assert!(cmd.starts_with("postgres "));
        for setting in [
            "fsync=off",
            "synchronous_commit=off",
            "full_page_writes=off",
        ] {
            assert!(
                cmd.contains(&format!("-c {setting}")),
                "{setting} missing from {cmd}"
            );
        }
    }

    #[test]
    fn missing_default_image_points_at_the_offline_script() {
        use testcontainers_modules::testcontainers::bollard::errors::Error as B;
        let err = TestcontainersError::Client(ClientError::PullImage {
            descriptor: "postgres:16-alpine".into(),
            err: B::DockerResponseServerError {
                status_code: 500,
                message: "no such host".into(),
            },
        });
        let msg = start_error(&err, "postgres:16-alpine").message;
        assert!(msg.contains("postgres:16-alpine"), "{msg}");
        assert!(msg.contains("scripts/build-offline-images.sh"), "{msg}");
        let msg = start_error(&err, "acme/pg:1").message;
        assert!(
            msg.contains("acme/pg:1") && !msg.contains("build-offline"),
            "{msg}"
        );
    }

    #[test]
    fn kept_message_says_how_to_connect_and_remove() {
        let m = kept_message(
            "0123456789abcdef",
            "postgres:16-alpine",
            "postgres://postgres:pw@127.0.0.1:5/postgres",
        );
        assert!(m.contains("postgres://postgres:pw@127.0.0.1:5/postgres"));
        assert!(m.contains("docker rm -f 0123456789ab"));
        assert!(m.contains("sqltest clean"));
    }
}
