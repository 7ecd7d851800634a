//! The docker backend when no engine answers: a clear error (exit 3 in the CLI) saying how
//! to start Docker or run without it, and `auto` does not pick docker. Its own test binary
//! because it sets DOCKER_HOST for the whole process.

use camino::Utf8PathBuf;
use sqltest::backend::docker::{self, DockerBackend};
use sqltest::backend::{Backend, ProvisionRequest, select};
use sqltest::project::{BackendKind, Engine};

#[test]
fn an_unreachable_engine_gives_a_fix_and_auto_skips_docker() {
    // SAFETY: the only test in this binary; no other thread reads the environment yet.
    unsafe { std::env::set_var("DOCKER_HOST", "unix:///nonexistent/sqltest/docker.sock") };
    assert!(!docker::engine_available());

    let req = ProvisionRequest {
        engine: Engine::Postgres,
        database_url: None,
        image: None,
        version: None,
        keep: false,
        reuse: false,
        project_root: Utf8PathBuf::from("/tmp/sqltest-docker-tests/unreachable"),
        run_id: "unreachable".to_string(),
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let err = runtime
        .block_on(
            DockerBackend::for_engine(Engine::Postgres)
                .unwrap()
                .provision(&req),
        )
        .err()
        .expect("no engine there");
    eprintln!("{}", err.message);
    assert!(
        err.message
            .contains("cannot reach the Docker engine at unix:///nonexistent/sqltest/docker.sock")
    );
    assert!(err.message.contains("--backend local"), "{}", err.message);
    assert!(err.message.contains("--database-url"), "{}", err.message);

    if let Ok(backend) = select(BackendKind::Auto, &req) {
        assert_ne!(backend.kind(), BackendKind::Docker);
    }
}
