//! `sqltest clean` at the library level: every container labelled `org.sqltest.managed=true`
//! goes, kept and warm ones included. Its own test binary, because it removes the
//! containers of any sqltest run on the engine (cargo runs test binaries one at a time).

use camino::Utf8PathBuf;
use sqltest::backend::docker::{self, DockerBackend, engine};
use sqltest::backend::{Backend, ProvisionRequest};
use sqltest::project::Engine;

fn request(test: &str, keep: bool, reuse: bool) -> ProvisionRequest {
    ProvisionRequest {
        engine: Engine::Postgres,
        database_url: None,
        image: Some("postgres:15-alpine".to_string()),
        version: None,
        keep,
        reuse,
        project_root: Utf8PathBuf::from("/tmp/sqltest-docker-tests/clean"),
        run_id: format!("{test}-{}", std::process::id()),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn clean_removes_kept_and_warm_containers() {
    let backend = DockerBackend::for_engine(Engine::Postgres).unwrap();
    let kept = request("clean-kept", true, false);
    let warm = request("clean-warm", false, true);
    backend
        .provision(&kept)
        .await
        .expect("kept server")
        .release()
        .await
        .unwrap();
    backend
        .provision(&warm)
        .await
        .expect("warm server")
        .release()
        .await
        .unwrap();

    let docker = engine::connect().await.unwrap();
    let ours = |run_id: String| {
        let docker = docker.clone();
        async move {
            engine::list_labelled(&docker, engine::LABEL_RUN_ID, &run_id)
                .await
                .unwrap()
                .len()
        }
    };
    let leftovers = ours(kept.run_id.clone()).await + ours(warm.run_id.clone()).await;
    // The warm container may have been created by an earlier run (then it carries that run's id).
    assert!(leftovers >= 1, "nothing left behind to clean");

    let removed = docker::clean().await.expect("clean");
    assert!(
        removed >= leftovers,
        "clean removed {removed} of {leftovers}"
    );
    let managed = engine::list_labelled(&docker, engine::LABEL_MANAGED, "true")
        .await
        .unwrap();
    assert!(
        managed.is_empty(),
        "clean left {} containers",
        managed.len()
    );
}
