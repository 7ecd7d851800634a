//! TESTCONTAINERS_HOST_OVERRIDE (socket-mounted CI jobs: `host.docker.internal`) decides the
//! host in the connection URL; testcontainers-rs ignores it, sqltest does not. Its own test
//! binary because it sets the variable for the whole process.

use camino::Utf8PathBuf;
use sqltest::backend::docker::DockerBackend;
use sqltest::backend::{Backend, ProvisionRequest};
use sqltest::dialect::Endpoint;
use sqltest::project::Engine;

#[test]
fn the_host_override_is_the_host_in_the_connection_url() {
    // SAFETY: the only test in this binary; no other thread runs yet.
    unsafe { std::env::set_var("TESTCONTAINERS_HOST_OVERRIDE", "localhost") };
    let req = ProvisionRequest {
        engine: Engine::Postgres,
        database_url: None,
        image: Some("postgres:15-alpine".to_string()),
        version: None,
        keep: false,
        reuse: false,
        project_root: Utf8PathBuf::from("/tmp/sqltest-docker-tests/override"),
        run_id: format!("override-{}", std::process::id()),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let server = DockerBackend::for_engine(Engine::Postgres)
            .unwrap()
            .provision(&req)
            .await
            .expect("provision");
        let Endpoint::Postgres { admin_url } = &server.endpoint else {
            panic!("not postgres")
        };
        assert!(admin_url.contains("@localhost:"), "{admin_url}");
        server.release().await.expect("release");
    });
}
