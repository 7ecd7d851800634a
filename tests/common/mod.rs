//! Helpers for the integration tests: run the built binary on fixture projects, and start a
//! throwaway PostgreSQL server (for the `url` backend) with sqltest's own local backend code.
#![allow(dead_code)]

pub mod odd_names;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The path of a fixture project.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
}

/// A fresh directory for a test's outputs (reports), kept under target/ for inspection.
pub fn out_dir(test: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(test);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create test output dir");
    dir
}

/// Copies a directory tree (a fixture into a test's own directory).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let dest = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), dest).unwrap();
        }
    }
}

/// `sqltest` with colours off and no inherited DATABASE_URL or GitHub environment.
pub fn sqltest() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sqltest"));
    cmd.env_remove("DATABASE_URL")
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITHUB_STEP_SUMMARY")
        // CI variables name a base: the tests choose their own.
        .env_remove("GITHUB_BASE_REF")
        .env_remove("GITHUB_EVENT_PATH")
        .env_remove("GITLAB_CI")
        .env_remove("CI_MERGE_REQUEST_DIFF_BASE_SHA")
        .env_remove("CHANGE_TARGET")
        .env("NO_COLOR", "1");
    cmd
}

/// Runs sqltest with `args` and returns its output.
pub fn run(args: &[&str]) -> Output {
    sqltest().args(args).output().expect("run sqltest")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Both streams, for assertions that do not care where a line went.
pub fn all_output(o: &Output) -> String {
    format!("{}{}", stdout(o), stderr(o))
}

/// Asserts the exit code, showing the output when it differs.
#[track_caller]
pub fn assert_exit(o: &Output, code: i32) {
    assert_eq!(
        o.status.code(),
        Some(code),
        "unexpected exit code; output:\n{}",
        all_output(o)
    );
}

/// A throwaway PostgreSQL cluster for the tests (stopped and deleted on drop).
pub struct PgServer {
    cluster: Option<sqltest::backend::local::Cluster>,
    runtime: tokio::runtime::Runtime,
}

impl PgServer {
    pub fn start() -> PgServer {
        let runtime = tokio::runtime::Runtime::new().expect("runtime");
        let bindir = sqltest::backend::local::find_bindir()
            .expect("PostgreSQL server binaries (run .ci/run)");
        let cluster = runtime
            .block_on(sqltest::backend::local::start_cluster(&bindir))
            .expect("start cluster");
        PgServer {
            cluster: Some(cluster),
            runtime,
        }
    }

    /// URL of the `postgres` maintenance database (superuser, trust auth).
    pub fn url(&self) -> String {
        self.cluster.as_ref().expect("running").admin_url()
    }

    /// Runs a query through psql-free means: sqltest's own connection, returning text cells.
    pub fn query(&self, sql: &str) -> Vec<Vec<Option<String>>> {
        let url = self.url();
        self.runtime.block_on(async move {
            use sqltest::dialect::{Cell, Conn, DbTarget, SessionOptions};
            let target = DbTarget::Postgres {
                url,
                database: "postgres".into(),
            };
            let mut conn = Conn::connect(&target, &SessionOptions::default())
                .await
                .expect("connect");
            let rs = conn.query(sql).await.expect("query");
            conn.close().await;
            rs.rows
                .into_iter()
                .map(|r| {
                    r.into_iter()
                        .map(|c| match c {
                            Cell::Null => None,
                            Cell::Text(t) => Some(t),
                            Cell::Int(i) => Some(i.to_string()),
                            Cell::Real(f) => Some(f.to_string()),
                            Cell::Blob(b) => Some(format!("{b:?}")),
                        })
                        .collect()
                })
                .collect()
        })
    }

    /// Names of the databases on the server other than the built-in ones.
    pub fn user_databases(&self) -> Vec<String> {
        self.query("select datname from pg_database where datname not in ('postgres', 'template0', 'template1') order by 1")
            .into_iter()
            .filter_map(|r| r.into_iter().next().flatten())
            .collect()
    }
}

impl Drop for PgServer {
    fn drop(&mut self) {
        drop(self.cluster.take());
    }
}

/// Reads a JSON report.
pub fn read_json(path: &Path) -> serde_json::Value {
    let text =
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    serde_json::from_str(&text).expect("valid JSON report")
}

/// The statuses of tests in a JSON report, by id, sorted.
pub fn test_statuses(report: &serde_json::Value) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = report["tests"]
        .as_array()
        .expect("tests array")
        .iter()
        .map(|t| {
            (
                t["id"].as_str().unwrap().to_string(),
                t["status"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    v.sort();
    v
}

/// Validates a JUnit file against the XSD in ../shared/schemas with xmllint.
pub fn assert_junit_valid(path: &Path) {
    let xsd = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/schemas/junit-10.xsd");
    let out = Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(&xsd)
        .arg(path)
        .output()
        .expect("xmllint (apt-get install libxml2-utils)");
    assert!(
        out.status.success(),
        "JUnit does not validate:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
