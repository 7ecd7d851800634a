//! `sqltest run --backend docker` end to end on the real engine with the offline image:
//! the PostgreSQL demo fixture passes and its container is gone afterwards, Ctrl-C mid-test
//! leaves no container and complete reports, `--keep` prints how to connect, and a missing
//! image is an environment error (exit 3) naming the image.

mod common;
use common::*;
use sqltest::backend::docker::engine;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

/// Containers (running or not) that a run on `project` started.
fn containers_for(project: &Path) -> Vec<String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let docker = engine::connect().await.expect("a Docker engine");
        let mut ids = Vec::new();
        let canonical = project
            .canonicalize()
            .unwrap_or_else(|_| project.to_path_buf());
        for p in [project.to_path_buf(), canonical] {
            let label = p.to_string_lossy().trim_end_matches('/').to_string();
            for c in engine::list_labelled(&docker, engine::LABEL_PROJECT, &label)
                .await
                .unwrap()
            {
                ids.extend(c.id);
            }
        }
        ids.sort();
        ids.dedup();
        ids
    })
}

fn remove_containers(ids: &[String]) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let docker = engine::connect().await.unwrap();
        for id in ids {
            engine::remove(&docker, id).await.unwrap();
        }
    });
}

#[test]
fn shop_postgres_passes_in_a_container_and_removes_it() {
    let project = fixture("shop-postgres");
    let json = out_dir("docker_shop").join("r.json");
    let clock = Instant::now();
    let o = sqltest()
        .args(["run", project.to_str().unwrap(), "--backend", "docker"])
        .arg("--report")
        .arg(format!("json={}", json.display()))
        .output()
        .unwrap();
    eprintln!(
        "docker run of shop-postgres: {:.2}s\n{}",
        clock.elapsed().as_secs_f64(),
        stdout(&o)
    );
    assert_exit(&o, 0);
    let report = read_json(&json);
    assert_eq!(report["project"]["backend"], "docker");
    assert!(
        report["project"]["server_version"]
            .as_str()
            .unwrap()
            .starts_with("PostgreSQL 15")
    );
    assert!(test_statuses(&report).len() >= 20);
    assert_eq!(
        containers_for(&project),
        Vec::<String>::new(),
        "the container is gone"
    );
    let text = all_output(&o);
    let password_shown = text
        .lines()
        .any(|l| l.contains("postgres://postgres:") && !l.contains(":***@"));
    assert!(
        !password_shown,
        "the password appears in normal output:\n{text}"
    );
}

#[test]
fn ctrl_c_mid_test_removes_the_container_and_writes_complete_reports() {
    let project = out_dir("docker_sigint_project");
    std::fs::create_dir_all(project.join("sqltest")).unwrap();
    std::fs::write(
        project.join("sqltest.yaml"),
        "engine: postgres\nversion: \"15\"\n",
    )
    .unwrap();
    std::fs::write(
        project.join("sqltest/slow.yaml"),
        "tests:\n  - name: sleeps\n    sql: select pg_sleep(60)\n",
    )
    .unwrap();
    let reports = out_dir("docker_sigint");
    let (json, junit) = (reports.join("r.json"), reports.join("r.xml"));
    let mut child = sqltest()
        .args(["run", project.to_str().unwrap(), "--backend", "docker"])
        .arg("--report")
        .arg(format!("json={}", json.display()))
        .arg("--report")
        .arg(format!("junit={}", junit.display()))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    // Wait until the run is in its tests (the template is prepared), then interrupt it.
    let deadline = Instant::now() + Duration::from_secs(90);
    while Instant::now() < deadline {
        match lines.next() {
            Some(Ok(l)) if l.contains("prepared") => break,
            Some(_) => continue,
            None => break,
        }
    }
    assert_eq!(
        containers_for(&project).len(),
        1,
        "the run's container is up"
    );
    std::thread::sleep(Duration::from_millis(500));
    // SAFETY: sending a signal to our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    assert_eq!(
        containers_for(&project),
        Vec::<String>::new(),
        "a container was left behind"
    );
    let report = read_json(&json);
    assert_eq!(report["interrupted"], true);
    let xml = std::fs::read_to_string(&junit).expect("the JUnit report was written");
    assert!(
        xml.trim_end().ends_with("</testsuites>"),
        "JUnit file is incomplete:\n{xml}"
    );
}

#[test]
fn keep_leaves_the_container_and_prints_its_url() {
    let project = out_dir("docker_keep_project");
    std::fs::create_dir_all(project.join("sqltest")).unwrap();
    std::fs::write(
        project.join("sqltest.yaml"),
        "engine: postgres\nversion: \"15\"\n",
    )
    .unwrap();
    std::fs::write(
        project.join("sqltest/one.yaml"),
        "tests:\n  - name: one\n    sql: select 1\n",
    )
    .unwrap();
    let o = run(&[
        "run",
        project.to_str().unwrap(),
        "--backend",
        "docker",
        "--keep",
    ]);
    let ids = containers_for(&project);
    remove_containers(&ids);
    assert_exit(&o, 0);
    assert_eq!(ids.len(), 1, "--keep left one container");
    let text = all_output(&o);
    assert!(text.contains("kept container"), "{text}");
    assert!(
        text.contains("postgres://postgres:"),
        "the URL to connect with is printed: {text}"
    );
}

#[test]
fn a_missing_image_is_an_environment_error_naming_it() {
    let o = run(&[
        "run",
        fixture("shop-postgres").to_str().unwrap(),
        "--backend",
        "docker",
        "--image",
        "postgres:0-sqltest-missing",
    ]);
    assert_exit(&o, 3);
    let text = all_output(&o);
    assert!(text.contains("postgres:0-sqltest-missing"), "{text}");
    assert!(text.contains("scripts/build-offline-images.sh"), "{text}");
}
