//! A `tcp://` DOCKER_HOST, as with GitLab's docker:dind: the engine is reached over TCP and
//! the connection URL uses DOCKER_HOST's host. A small TCP-to-socket proxy stands in for the
//! dind service. Its own test binary because it sets DOCKER_HOST for the whole process.

use camino::Utf8PathBuf;
use sqltest::backend::docker::{self, DockerBackend};
use sqltest::backend::{Backend, ProvisionRequest};
use sqltest::dialect::Endpoint;
use sqltest::project::Engine;
use std::net::TcpListener;
use std::os::unix::net::UnixStream;

/// Forwards every TCP connection on 127.0.0.1:<port> to the local Docker socket.
fn start_proxy() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for tcp in listener.incoming().flatten() {
            let Ok(unix) = UnixStream::connect("/var/run/docker.sock") else {
                continue;
            };
            let (mut tcp_r, mut unix_w) = (tcp.try_clone().unwrap(), unix.try_clone().unwrap());
            std::thread::spawn(move || {
                let _ = std::io::copy(&mut tcp_r, &mut unix_w);
                let _ = unix_w.shutdown(std::net::Shutdown::Write);
            });
            let (mut unix_r, mut tcp_w) = (unix, tcp);
            std::thread::spawn(move || {
                let _ = std::io::copy(&mut unix_r, &mut tcp_w);
                let _ = tcp_w.shutdown(std::net::Shutdown::Write);
            });
        }
    });
    port
}

#[test]
fn a_tcp_docker_host_is_used_for_the_engine_and_the_connection_url() {
    let port = start_proxy();
    // `localhost` (not the 127.0.0.1 a local socket would give) shows whose host the URL uses.
    // SAFETY: the only test in this binary; the proxy thread does not read the environment.
    unsafe {
        std::env::set_var("DOCKER_HOST", format!("tcp://localhost:{port}"));
        std::env::remove_var("TESTCONTAINERS_HOST_OVERRIDE");
    }
    assert!(docker::engine_available(), "the engine answers over tcp");

    let req = ProvisionRequest {
        engine: Engine::Postgres,
        database_url: None,
        image: Some("postgres:15-alpine".to_string()),
        version: None,
        keep: false,
        reuse: false,
        project_root: Utf8PathBuf::from("/tmp/sqltest-docker-tests/tcp"),
        run_id: format!("tcp-{}", std::process::id()),
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
        assert!(
            server.description.contains("on localhost:"),
            "{}",
            server.description
        );
        server.release().await.expect("release");
    });
}
