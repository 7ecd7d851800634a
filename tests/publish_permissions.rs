//! The whole publishing step (`sqltest publish --from`) in a fake GitHub Actions environment
//! against a local server: a read-only token (a fork's pull request) turns into warnings that
//! name the missing permission, while the job summary and workflow-command annotations still
//! carry the results; `--publish-strict` makes that exit 3. The token never appears in output.

mod publish_support;

use camino::Utf8PathBuf;
use clap::Parser;
use publish_support::*;
use serde_json::json;
use sqltest::app::Exit;
use sqltest::publish::{PublishArgs, publish_command_with};
use std::collections::HashMap;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[derive(Parser)]
struct Cli {
    #[command(flatten)]
    args: PublishArgs,
}

struct Run {
    exit: Exit,
    out: String,
    err: String,
    summary: String,
    outputs: String,
}

async fn run_publish(server: &MockServer, extra: &[&str]) -> Run {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = Utf8PathBuf::from_path_buf(dir.path().to_owned()).expect("utf8");
    let results_path = root.join("results.json");
    std::fs::write(&results_path, sqltest::report::render_json(&results(2)))
        .expect("write results");
    let event = root.join("event.json");
    std::fs::write(&event, PR_EVENT).expect("write event");
    let summary = root.join("summary.md");
    let outputs = root.join("outputs.txt");
    let mut env: HashMap<String, String> =
        github_env(&server.uri(), event.as_str(), summary.as_str())
            .into_iter()
            .collect();
    env.insert("GITHUB_OUTPUT".into(), outputs.to_string());
    let mut argv = vec![
        "publish",
        "--from",
        results_path.as_str(),
        "--github-token",
        TOKEN,
    ];
    argv.extend_from_slice(extra);
    let cli = Cli::try_parse_from(argv).expect("arguments parse");
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let lookup = move |k: &str| env.get(k).cloned();
    let exit = publish_command_with(cli.args, &lookup, fast(), &mut out, &mut err).await;
    Run {
        exit,
        out: String::from_utf8(out).expect("utf8"),
        err: String::from_utf8(err).expect("utf8"),
        summary: std::fs::read_to_string(&summary).unwrap_or_default(),
        outputs: std::fs::read_to_string(&outputs).unwrap_or_default(),
    }
}

async fn forbidden_github() -> MockServer {
    let server = MockServer::start().await;
    let refusal = json!({
        "message": "Resource not accessible by integration",
        "documentation_url": "https://docs.github.com/rest/checks/runs#create-a-check-run",
        "status": "403"
    });
    Mock::given(method("GET"))
        .and(path("/repos/octo/shop/issues/7/comments"))
        .respond_with(ResponseTemplate::new(200).set_body_json(Vec::<serde_json::Value>::new()))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/repos/octo/shop/issues/7/comments"))
        .respond_with(ResponseTemplate::new(403).set_body_json(&refusal))
        .expect(1) // a refusal is not retried
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/repos/octo/shop/check-runs"))
        .respond_with(ResponseTemplate::new(403).set_body_json(&refusal))
        .expect(1)
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn a_read_only_token_warns_names_the_permissions_and_falls_back() {
    let server = forbidden_github().await;
    let run = run_publish(&server, &[]).await;
    assert_eq!(
        run.exit,
        Exit::Success,
        "publishing problems do not fail the job: {}",
        run.err
    );
    assert!(run.err.contains("warning: failed to create the pull-request comment: the token lacks the `pull-requests: write` permission (HTTP 403: Resource not accessible by integration)"), "{}", run.err);
    assert!(run.err.contains("warning: failed to create the check run: the token lacks the `checks: write` permission"), "{}", run.err);
    // The results still reach the job summary and the annotations.
    assert!(
        run.summary.contains("failing 0") && run.summary.contains("## ❌ sqltest"),
        "{}",
        run.summary
    );
    assert!(
        run.out
            .contains("::error file=db/sqltest/orders.yaml,line=10,"),
        "{}",
        run.out
    );
    assert!(
        run.out
            .contains("::warning file=db/sqltest/orders.yaml,line=40"),
        "{}",
        run.out
    );
    assert_eq!(
        run.outputs, "conclusion=failure\npassed=2\nfailed=3\n",
        "step outputs for action.yml"
    );
    assert_no_leak(&run.out, TOKEN);
    assert_no_leak(&run.err, TOKEN);
    assert_no_leak(&run.summary, TOKEN);
}

#[tokio::test]
async fn publish_strict_turns_a_publishing_failure_into_exit_3() {
    let server = forbidden_github().await;
    let run = run_publish(&server, &["--publish-strict"]).await;
    assert_eq!(run.exit, Exit::Environment);
}

#[tokio::test]
async fn a_missing_token_still_writes_the_summary_and_annotations() {
    let server = MockServer::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let root = Utf8PathBuf::from_path_buf(dir.path().to_owned()).expect("utf8");
    let results_path = root.join("results.json");
    std::fs::write(&results_path, sqltest::report::render_json(&results(1))).expect("write");
    let summary = root.join("summary.md");
    let env: HashMap<String, String> =
        github_env(&server.uri(), "/nonexistent-is-not-read", summary.as_str())
            .into_iter()
            .filter(|(k, _)| k != "GITHUB_EVENT_PATH")
            .collect();
    let cli = Cli::try_parse_from(["publish", "--from", results_path.as_str()]).expect("parse");
    let mut args = cli.args;
    args.forge.github_token = None; // the process environment may hold one
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let lookup = move |k: &str| env.get(k).cloned();
    let exit = publish_command_with(args, &lookup, fast(), &mut out, &mut err).await;
    let err = String::from_utf8(err).expect("utf8");
    assert_eq!(exit, Exit::Success);
    assert!(
        err.contains("no token (set GITHUB_TOKEN or --github-token)"),
        "{err}"
    );
    assert!(
        String::from_utf8(out)
            .expect("utf8")
            .contains("::error file=db/sqltest/orders.yaml")
    );
    assert!(
        std::fs::read_to_string(&summary)
            .expect("summary")
            .contains("failing 0")
    );
    assert!(
        server
            .received_requests()
            .await
            .expect("recording")
            .is_empty(),
        "no request without a token"
    );
}
