//! Shared pieces of the forge tests: a realistic run, GitHub/GitLab JSON shaped like the real
//! API answers (octocrab's models are strict), and fast client tuning.
#![allow(dead_code)]

use camino::Utf8PathBuf;
use serde_json::{Value, json};
use sqltest::Location;
use sqltest::project::{BackendKind, Engine, Severity};
use sqltest::publish::Tuning;
use sqltest::publish::http::RetryPolicy;
use sqltest::results::*;
use std::time::Duration;

pub const TOKEN: &str = "ghs_TopSecretToken123";
pub const GITLAB_TOKEN: &str = "glpat-TopSecret456";

/// Retries fast enough for tests, with a short request timeout.
pub fn fast() -> Tuning {
    Tuning {
        policy: RetryPolicy {
            attempts: 3,
            base_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(200),
            request_timeout: Duration::from_millis(800),
        },
        sarif_poll_interval: Duration::from_millis(20),
    }
}

fn test(name: &str, line: u32, status: Status) -> TestResult {
    let spec = "sqltest/orders.yaml";
    TestResult {
        id: format!("{spec}::{name}"),
        name: name.into(),
        spec: spec.into(),
        location: Location::new(spec, line, 5),
        tags: vec![],
        status,
        duration_secs: 0.01,
        failure: (status == Status::Failed).then(|| Failure {
            kind: FailureKind::RowsMismatch,
            message: format!("{name}: rows differ"),
            details: Some("- expected | total: 108.00\n+ actual   | total: 100.00".into()),
            expected: None,
            actual: None,
            db_error: None,
        }),
        skip_reason: None,
    }
}

/// A run of the project at `/work/repo/db` with `failing` failed tests, two passing tests and
/// one failed warning check.
pub fn results(failing: usize) -> RunResults {
    let mut tests: Vec<TestResult> = (0..failing)
        .map(|i| test(&format!("failing {i}"), 10 + i as u32, Status::Failed))
        .collect();
    tests.push(test("order total adds tax", 3, Status::Passed));
    tests.push(test("newest orders first", 7, Status::Passed));
    RunResults {
        schema_version: SCHEMA_VERSION,
        tool: ToolInfo::current(),
        project: ProjectInfo {
            root: Utf8PathBuf::from("/work/repo/db"),
            config: "sqltest.yaml".into(),
            engine: Engine::Postgres,
            backend: BackendKind::Local,
            server_version: Some("PostgreSQL 15.8".into()),
        },
        started_at: chrono::DateTime::parse_from_rfc3339("2026-01-02T03:04:05Z")
            .expect("date")
            .to_utc(),
        duration_secs: 1.5,
        migrations: vec![],
        tests,
        checks: vec![CheckResult {
            id: "sqltest/orders.yaml::orders.not_null(note)".into(),
            kind: "not_null".into(),
            table: Some("orders".into()),
            spec: "sqltest/orders.yaml".into(),
            location: Location::new("sqltest/orders.yaml", 40, 9),
            severity: Severity::Warning,
            status: Status::Failed,
            duration_secs: 0.002,
            violations: 3,
            total_rows: Some(10),
            violation_rate: Some(0.3),
            message: "3 of 10 rows have a NULL note".into(),
            samples: vec![],
            guaranteed_by: None,
            db_error: None,
            skip_reason: None,
        }],
        errors: vec![],
        interrupted: false,
        timings: Timings::default(),
        findings: vec![],
        warnings: vec![],
    }
}

fn user(login: &str, id: u64, kind: &str) -> Value {
    json!({
        "login": login,
        "id": id,
        "node_id": "MDM6Qm90NDE4OTgyODI=",
        "avatar_url": "https://avatars.githubusercontent.com/in/15368?v=4",
        "gravatar_id": "",
        "url": format!("https://api.github.com/users/{login}"),
        "html_url": format!("https://github.com/apps/{login}"),
        "followers_url": format!("https://api.github.com/users/{login}/followers"),
        "following_url": format!("https://api.github.com/users/{login}/following{{/other_user}}"),
        "gists_url": format!("https://api.github.com/users/{login}/gists{{/gist_id}}"),
        "starred_url": format!("https://api.github.com/users/{login}/starred{{/owner}}{{/repo}}"),
        "subscriptions_url": format!("https://api.github.com/users/{login}/subscriptions"),
        "organizations_url": format!("https://api.github.com/users/{login}/orgs"),
        "repos_url": format!("https://api.github.com/users/{login}/repos"),
        "events_url": format!("https://api.github.com/users/{login}/events{{/privacy}}"),
        "received_events_url": format!("https://api.github.com/users/{login}/received_events"),
        "type": kind,
        "user_view_type": "public",
        "site_admin": false
    })
}

/// An issue comment as `GET /repos/{o}/{r}/issues/{n}/comments` returns it.
pub fn comment(id: u64, body: &str) -> Value {
    json!({
        "url": format!("https://api.github.com/repos/octo/shop/issues/comments/{id}"),
        "html_url": format!("https://github.com/octo/shop/pull/7#issuecomment-{id}"),
        "issue_url": "https://api.github.com/repos/octo/shop/issues/7",
        "id": id,
        "node_id": "IC_kwDOABCD5M5xyz",
        "user": if body.starts_with("<!-- sqltest") { user("github-actions[bot]", 41898282, "Bot") } else { user("octocat", 1, "User") },
        "created_at": "2026-01-02T03:04:05Z",
        "updated_at": "2026-01-02T03:04:05Z",
        "author_association": "CONTRIBUTOR",
        "body": body,
        "reactions": {
            "url": format!("https://api.github.com/repos/octo/shop/issues/comments/{id}/reactions"),
            "total_count": 0, "+1": 0, "-1": 0, "laugh": 0, "hooray": 0,
            "confused": 0, "heart": 0, "rocket": 0, "eyes": 0
        },
        "performed_via_github_app": null
    })
}

/// A check run as `POST /repos/{o}/{r}/check-runs` returns it.
pub fn check_run(id: u64, status: &str, conclusion: Option<&str>) -> Value {
    json!({
        "id": id,
        "name": "sqltest (db)",
        "node_id": "CR_kwDOABCD5M8AAAAB",
        "head_sha": "abc123",
        "external_id": "",
        "url": format!("https://api.github.com/repos/octo/shop/check-runs/{id}"),
        "html_url": format!("https://github.com/octo/shop/runs/{id}"),
        "details_url": "https://github.com/octo/shop/actions/runs/42",
        "status": status,
        "conclusion": conclusion,
        "started_at": "2026-01-02T03:04:05Z",
        "completed_at": if status == "completed" { json!("2026-01-02T03:04:09Z") } else { Value::Null },
        "output": {
            "title": "51 failed, 2 passed",
            "summary": "…",
            "text": null,
            "annotations_count": 0,
            "annotations_url": format!("https://api.github.com/repos/octo/shop/check-runs/{id}/annotations")
        },
        "check_suite": { "id": 5 },
        "app": { "id": 15368, "slug": "github-actions", "name": "GitHub Actions" },
        "pull_requests": []
    })
}

/// The environment of a `pull_request` job for PR 7 of octo/shop, with the API at `api`.
pub fn github_env(api: &str, event_path: &str, summary: &str) -> Vec<(String, String)> {
    [
        ("GITHUB_ACTIONS", "true"),
        ("GITHUB_REPOSITORY", "octo/shop"),
        ("GITHUB_EVENT_PATH", event_path),
        ("GITHUB_SHA", "merge999"),
        ("GITHUB_REF", "refs/pull/7/merge"),
        ("GITHUB_API_URL", api),
        ("GITHUB_WORKSPACE", "/work/repo"),
        ("GITHUB_STEP_SUMMARY", summary),
        ("GITHUB_RUN_ID", "42"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

pub const PR_EVENT: &str = r#"{"action":"synchronize","number":7,"pull_request":{"number":7,"head":{"sha":"abc123","ref":"feature"},"base":{"sha":"base000","ref":"main"}}}"#;

/// Asserts that no request carried the token anywhere but its auth header, and that `text`
/// (what the run printed) does not contain it.
pub fn assert_no_leak(text: &str, token: &str) {
    assert!(
        !text.contains(token),
        "the token leaked into output:\n{text}"
    );
}
