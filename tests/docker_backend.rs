//! The docker backend on the real Docker engine, with the offline PostgreSQL image
//! (`scripts/build-offline-images.sh` builds `postgres:15-alpine`): start and `select 1`,
//! labels and tuning, release, `--keep`, drop and cancellation cleanup, warm reuse, and the
//! error cases (missing image, container exiting before it is ready).

use camino::Utf8PathBuf;
use sqltest::backend::docker::{self, DockerBackend, engine};
use sqltest::backend::{Backend, ProvisionRequest, Server, select};
use sqltest::dialect::{Conn, DbTarget, Endpoint, SessionOptions};
use sqltest::project::{BackendKind, Engine};
use std::time::{Duration, Instant};

/// The PostgreSQL major version the offline image provides (Debian bookworm ships 15).
const VERSION: &str = "15";

fn request(test: &str) -> ProvisionRequest {
    ProvisionRequest {
        engine: Engine::Postgres,
        database_url: None,
        image: None,
        version: Some(VERSION.to_string()),
        keep: false,
        reuse: false,
        project_root: Utf8PathBuf::from(format!("/tmp/sqltest-docker-tests/{test}")),
        run_id: format!("{test}-{}", std::process::id()),
    }
}

async fn provision(req: &ProvisionRequest) -> Result<Server, sqltest::backend::BackendError> {
    DockerBackend::for_engine(req.engine)?.provision(req).await
}

fn admin_url(server: &Server) -> String {
    match &server.endpoint {
        Endpoint::Postgres { admin_url } => admin_url.clone(),
        other => panic!("expected a PostgreSQL endpoint, got {other:?}"),
    }
}

async fn query_one(url: &str, sql: &str) -> String {
    let target = DbTarget::Postgres {
        url: url.to_string(),
        database: "postgres".into(),
    };
    let mut conn = Conn::connect(&target, &SessionOptions::default())
        .await
        .expect("connect");
    let rows = conn.query(sql).await.expect("query");
    conn.close().await;
    format!("{rows:?}")
}

/// Ids of the containers of one run (running or not).
async fn containers_of(run_id: &str) -> Vec<String> {
    let docker = engine::connect().await.expect("docker engine");
    engine::list_labelled(&docker, engine::LABEL_RUN_ID, run_id)
        .await
        .expect("list")
        .into_iter()
        .filter_map(|c| c.id)
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn starts_a_labelled_tuned_container_and_release_removes_it() {
    assert!(
        docker::engine_available(),
        "these tests need a Docker engine"
    );
    let req = request("release");
    let clock = Instant::now();
    let server = provision(&req).await.expect("provision");
    eprintln!(
        "provision (create + start + ready): {:.2}s; {}",
        clock.elapsed().as_secs_f64(),
        server.description
    );
    assert_eq!(server.kind, BackendKind::Docker);
    assert!(server.ephemeral);
    assert!(server.kept_message.is_none());
    assert!(
        server.description.contains("PostgreSQL 15"),
        "{}",
        server.description
    );
    let url = admin_url(&server);
    assert!(
        !server
            .description
            .contains(url.split('@').next().unwrap_or("")),
        "description leaks the password"
    );
    assert!(query_one(&url, "select 1").await.contains('1'));
    assert!(query_one(&url, "show fsync").await.contains("off"));
    assert!(
        query_one(&url, "show synchronous_commit")
            .await
            .contains("off")
    );
    assert!(
        query_one(&url, "show full_page_writes")
            .await
            .contains("off")
    );

    let ids = containers_of(&req.run_id).await;
    assert_eq!(ids.len(), 1, "one container per run");
    let docker = engine::connect().await.unwrap();
    let info = engine::inspect(&docker, &ids[0]).await.unwrap();
    let labels = info
        .config
        .as_ref()
        .and_then(|c| c.labels.clone())
        .unwrap_or_default();
    assert_eq!(
        labels.get(engine::LABEL_MANAGED).map(String::as_str),
        Some("true")
    );
    assert_eq!(labels.get(engine::LABEL_RUN_ID), Some(&req.run_id));
    assert_eq!(
        labels.get(engine::LABEL_PROJECT).map(String::as_str),
        Some(req.project_root.as_str())
    );
    let mounts = info.mounts.unwrap_or_default();
    assert!(
        mounts.iter().any(
            |m| m.destination.as_deref() == Some("/var/lib/postgresql/data")
                && format!("{:?}", m.typ).to_lowercase().contains("tmpfs")
        ),
        "PGDATA is not on tmpfs: {mounts:?}"
    );

    server.release().await.expect("release");
    assert!(
        containers_of(&req.run_id).await.is_empty(),
        "release left the container"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn keep_leaves_the_container_running_and_says_how_to_connect() {
    let mut req = request("keep");
    req.keep = true;
    let server = provision(&req).await.expect("provision");
    let url = admin_url(&server);
    let kept = server.kept_message.clone().expect("a kept message");
    assert!(
        kept.contains(&url),
        "the kept message gives the full URL: {kept}"
    );
    server.release().await.expect("release");
    let ids = containers_of(&req.run_id).await;
    assert_eq!(ids.len(), 1, "--keep removed the container");
    assert!(
        query_one(&url, "select 1").await.contains('1'),
        "the kept server answers"
    );
    let docker = engine::connect().await.unwrap();
    engine::remove(&docker, &ids[0]).await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn dropping_the_server_without_release_removes_the_container() {
    let req = request("drop");
    let server = provision(&req).await.expect("provision");
    assert_eq!(containers_of(&req.run_id).await.len(), 1);
    drop(server);
    assert!(
        containers_of(&req.run_id).await.is_empty(),
        "Drop left the container"
    );
}

#[test]
fn dropping_the_server_after_its_runtime_is_gone_removes_the_container() {
    // The panic path: the runtime may be gone when the last value drops.
    let req = request("drop-late");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let server = runtime.block_on(provision(&req)).expect("provision");
    drop(runtime);
    drop(server);
    let check = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    assert!(
        check.block_on(containers_of(&req.run_id)).is_empty(),
        "Drop outside a runtime left the container"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cancelled_provisioning_leaves_no_container() {
    // Ctrl-C during provisioning drops the future; whatever it created must go.
    let req = request("cancel");
    let run_id = req.run_id.clone();
    let created = async {
        loop {
            if !containers_of(&run_id).await.is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    };
    tokio::select! {
        r = provision(&req) => panic!("provisioning finished before it could be cancelled: {:?}", r.map(|s| s.description)),
        _ = created => {}
    }
    assert!(
        containers_of(&req.run_id).await.is_empty(),
        "a cancelled provisioning left its container"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn provisioning_cancelled_at_any_moment_leaves_no_container() {
    // Before the create request, while it is in flight, during start and during readiness.
    for (i, after_ms) in [0u64, 20, 60, 150, 400, 900].into_iter().enumerate() {
        let req = request(&format!("cancel-at-{i}"));
        let cancelled = tokio::time::timeout(Duration::from_millis(after_ms), provision(&req))
            .await
            .is_err();
        assert!(cancelled, "provisioning finished within {after_ms} ms");
        assert!(
            containers_of(&req.run_id).await.is_empty(),
            "cancelled after {after_ms} ms: a container was left"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_image_names_the_image_and_the_offline_script() {
    let mut req = request("missing");
    req.version = Some("0".to_string());
    let err = provision(&req)
        .await
        .err()
        .expect("no postgres:0-alpine image exists");
    eprintln!("{}", err.message);
    assert!(err.message.contains("postgres:0-alpine"), "{}", err.message);
    assert!(
        err.message.contains("scripts/build-offline-images.sh"),
        "{}",
        err.message
    );
    assert!(containers_of(&req.run_id).await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_container_exiting_before_ready_shows_its_last_log_lines() {
    // A derived image whose initdb fails: the real entrypoint logs why and exits.
    let image = "sqltest-test/postgres-initdb-fails:1";
    let dockerfile = format!(
        "FROM postgres:{VERSION}-alpine\nENV POSTGRES_INITDB_ARGS=--sqltest-no-such-option\n"
    );
    let mut build = std::process::Command::new("docker")
        .args(["build", "-q", "-t", image, "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("docker CLI");
    use std::io::Write;
    build
        .stdin
        .take()
        .unwrap()
        .write_all(dockerfile.as_bytes())
        .unwrap();
    let built = build.wait_with_output().unwrap();
    assert!(
        built.status.success(),
        "docker build of the failing image: {}",
        String::from_utf8_lossy(&built.stderr)
    );

    let mut req = request("exits");
    req.image = Some(image.to_string());
    let clock = Instant::now();
    let err = provision(&req)
        .await
        .err()
        .expect("the container cannot get ready");
    eprintln!("{}", err.message);
    assert!(
        clock.elapsed() < Duration::from_secs(30),
        "the exit was not noticed early"
    );
    assert!(err.message.contains("exited"), "{}", err.message);
    assert!(
        err.message.contains("before it was ready"),
        "{}",
        err.message
    );
    assert!(
        err.message.contains("sqltest-no-such-option"),
        "the log lines are missing: {}",
        err.message
    );
    assert!(
        containers_of(&req.run_id).await.is_empty(),
        "the dead container was left behind"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn reuse_keeps_one_warm_container_and_finds_it_again() {
    // Its own image spelling gives it its own reuse key, apart from other runs' warm container.
    let image = format!("docker.io/library/postgres:{VERSION}-alpine");
    let mut first = request("reuse-1");
    first.reuse = true;
    first.image = Some(image.clone());
    let mut second = request("reuse-2");
    second.reuse = true;
    second.image = Some(image.clone());

    let docker = engine::connect().await.unwrap();
    let key = docker::image::reuse_key(Engine::Postgres, &image);
    engine::remove_labelled(&docker, engine::LABEL_REUSE, &key)
        .await
        .unwrap();

    let cold = Instant::now();
    let a = provision(&first).await.expect("first provision");
    let cold = cold.elapsed();
    assert!(
        !a.ephemeral,
        "a warm server keeps its databases; they must be dropped"
    );
    assert!(a.description.contains("started"), "{}", a.description);
    let url = admin_url(&a);
    query_one(&url, "create database sqltest_reuse_marker").await;
    a.release().await.unwrap();

    let warm = Instant::now();
    let b = provision(&second).await.expect("second provision");
    let warm = warm.elapsed();
    eprintln!(
        "warm container: cold {:.2}s, found again {:.3}s",
        cold.as_secs_f64(),
        warm.as_secs_f64()
    );
    assert!(b.description.contains("reused"), "{}", b.description);
    assert_eq!(admin_url(&b), url, "the same server");
    assert!(
        query_one(
            &url,
            "select datname from pg_database where datname = 'sqltest_reuse_marker'"
        )
        .await
        .contains("sqltest_reuse_marker")
    );
    b.release().await.unwrap();
    let warm_ones = engine::list_labelled(&docker, engine::LABEL_REUSE, &key)
        .await
        .unwrap();
    assert_eq!(warm_ones.len(), 1, "exactly one warm container");
    engine::remove_labelled(&docker, engine::LABEL_REUSE, &key)
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn auto_picks_docker_when_an_engine_answers() {
    let req = request("auto");
    let backend = select(BackendKind::Auto, &req).expect("select");
    assert_eq!(backend.kind(), BackendKind::Docker);
}
