//! GitHub publishing against a local wiremock server: method, path, headers and JSON body of
//! every request, with answers shaped like GitHub's.

mod publish_support;

use publish_support::*;
use serde_json::{Value, json};
use sqltest::publish::context::GitHubContext;
use sqltest::publish::forge::{CommentOutcome, Forge, ForgeErrorKind};
use sqltest::publish::github::GitHub;
use sqltest::publish::{CommentMode, PublishSettings, publish};
use std::time::Duration;
use wiremock::matchers::{body_partial_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const COMMENTS: &str = "/repos/octo/shop/issues/7/comments";

fn ctx(api: &str) -> GitHubContext {
    GitHubContext {
        api_url: api.to_owned(),
        owner: "octo".into(),
        repo: "shop".into(),
        pull_request: Some(7),
        head_sha: "abc123".into(),
        sarif_ref: "refs/pull/7/merge".into(),
        sarif_sha: "merge999".into(),
        step_summary: None,
        workspace: Some("/work/repo".into()),
        run_url: Some("https://github.com/octo/shop/actions/runs/42".into()),
    }
}

fn github(server: &MockServer) -> GitHub {
    let mut gh = GitHub::new(ctx(&server.uri()), TOKEN, fast().policy).expect("client");
    gh.sarif_poll_interval = Duration::from_millis(20);
    gh
}

fn settings(comment: CommentMode, check_run: bool) -> PublishSettings {
    PublishSettings {
        comment,
        check_run,
        check_name: "sqltest".into(),
        sarif_upload: false,
        sarif_wait: Duration::from_secs(2),
    }
}

const MARKER: &str = "<!-- sqltest:summary project=db -->";

async fn requests(server: &MockServer) -> Vec<Request> {
    server.received_requests().await.expect("recording is on")
}

fn assert_all_authenticated(reqs: &[Request]) {
    for r in reqs {
        let auth = r
            .headers
            .get("authorization")
            .map(|v| v.to_str().unwrap_or("").to_owned());
        assert_eq!(
            auth.as_deref(),
            Some(format!("Bearer {TOKEN}").as_str()),
            "{} {}",
            r.method,
            r.url
        );
        assert!(
            r.headers.get("user-agent").is_some(),
            "GitHub requires a user agent"
        );
        assert_eq!(
            r.headers.get("x-github-api-version").map(|v| v.as_bytes()),
            Some(&b"2022-11-28"[..])
        );
        assert!(!r.url.as_str().contains(TOKEN), "token in the URL");
    }
}

#[tokio::test]
async fn the_sticky_comment_on_a_later_page_is_updated_in_place() {
    let server = MockServer::start().await;
    let page1: Vec<Value> = (1..=100)
        .map(|i| comment(i, &format!("comment {i}")))
        .collect();
    let next = format!(
        "<{}{COMMENTS}?per_page=100&page=2>; rel=\"next\", <{}{COMMENTS}?per_page=100&page=2>; rel=\"last\"",
        server.uri(),
        server.uri()
    );
    Mock::given(method("GET"))
        .and(path(COMMENTS))
        .and(query_param("per_page", "100"))
        .and(query_param("page", "1"))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(page1)
                .insert_header("link", next.as_str()),
        )
        .expect(1)
        .mount(&server)
        .await;
    let page2 = vec![
        comment(
            501,
            "<!-- sqltest:summary project=other -->\nthe other project's comment",
        ),
        comment(555, &format!("{MARKER}\n### old summary")),
    ];
    Mock::given(method("GET"))
        .and(path(COMMENTS))
        .and(query_param("page", "2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(page2))
        .expect(1)
        .mount(&server)
        .await;
    // octocrab updates a comment with POST (GitHub accepts it as PATCH).
    Mock::given(method("POST"))
        .and(path("/repos/octo/shop/issues/comments/555"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(comment(555, &format!("{MARKER}\nnew"))),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(COMMENTS))
        .respond_with(ResponseTemplate::new(201))
        .expect(0)
        .mount(&server)
        .await;

    let gh = github(&server);
    let body = format!("{MARKER}\n### new summary");
    let outcome = gh
        .upsert_comment(MARKER, &body, true)
        .await
        .expect("upsert");
    assert!(
        matches!(outcome, Some(CommentOutcome::Updated { id: 555, .. })),
        "{outcome:?}"
    );
    let reqs = requests(&server).await;
    assert_all_authenticated(&reqs);
    let update = reqs
        .iter()
        .find(|r| r.url.path().ends_with("/comments/555"))
        .expect("update sent");
    assert_eq!(
        update.body_json::<Value>().expect("json"),
        json!({ "body": body })
    );
}

#[tokio::test]
async fn the_comment_is_created_once_when_absent_and_another_projects_comment_is_kept() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(COMMENTS))
        .respond_with(ResponseTemplate::new(200).set_body_json(vec![
            comment(9, "LGTM"),
            // Another project of the same repository: never ours to update.
            comment(10, "<!-- sqltest:summary project=. -->\nroot project"),
            // A person quoting our marker is not our comment either.
            comment(11, &format!("> {MARKER}\n> quoted")),
        ]))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(COMMENTS))
        .and(header("content-type", "application/json"))
        .respond_with(ResponseTemplate::new(201).set_body_json(comment(600, MARKER)))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/repos/octo/shop/issues/comments/10"))
        .respond_with(ResponseTemplate::new(500))
        .expect(0)
        .mount(&server)
        .await;

    let report = publish(
        &github(&server),
        &input(&results(1)),
        &settings(CommentMode::Always, false),
    )
    .await;
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
    let reqs = requests(&server).await;
    let create = reqs
        .iter()
        .find(|r| r.method.as_str() == "POST")
        .expect("create");
    let body: Value = create.body_json().expect("json");
    let text = body["body"].as_str().expect("body string");
    assert!(text.starts_with(&format!("{MARKER}\n")), "{text}");
    assert!(text.contains("failing 0"), "{text}");
    assert!(
        text.contains("db/sqltest/orders.yaml:10"),
        "repository-relative location: {text}"
    );
}

fn input(r: &sqltest::results::RunResults) -> sqltest::publish::publisher::PublishInput<'_> {
    // Leaked so the borrowed strings live long enough in a test.
    let ctx = sqltest::report::RenderContext {
        prefix: "db".into(),
        ..Default::default()
    };
    let markdown: &'static str =
        Box::leak(sqltest::report::render_markdown(r, &ctx).into_boxed_str());
    sqltest::publish::publisher::PublishInput {
        results: r,
        failed: true,
        prefix: "db".into(),
        markdown,
        sarif: None,
    }
}

#[tokio::test]
async fn on_failure_mode_does_not_create_a_comment_for_a_green_run() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(COMMENTS))
        .respond_with(ResponseTemplate::new(200).set_body_json(Vec::<Value>::new()))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(201))
        .expect(0)
        .mount(&server)
        .await;
    let r = results(0);
    let mut inp = input(&r);
    inp.failed = false;
    let report = publish(
        &github(&server),
        &inp,
        &settings(CommentMode::OnFailure, false),
    )
    .await;
    assert!(
        report.done.is_empty() && report.warnings.is_empty(),
        "{report:?}"
    );
}

#[tokio::test]
async fn a_huge_summary_is_capped_under_githubs_comment_limit() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(COMMENTS))
        .respond_with(ResponseTemplate::new(200).set_body_json(Vec::<Value>::new()))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(COMMENTS))
        .respond_with(ResponseTemplate::new(201).set_body_json(comment(600, MARKER)))
        .expect(1)
        .mount(&server)
        .await;
    let r = results(3_000);
    let report = publish(
        &github(&server),
        &input(&r),
        &settings(CommentMode::Always, false),
    )
    .await;
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
    let reqs = requests(&server).await;
    let body: Value = reqs
        .iter()
        .find(|r| r.method.as_str() == "POST")
        .expect("create")
        .body_json()
        .expect("json");
    let text = body["body"].as_str().expect("string");
    assert!(
        text.chars().count() <= 65_536,
        "{} characters",
        text.chars().count()
    );
    assert!(
        text.chars().count() > 40_000,
        "the budget is used, not wasted: {}",
        text.len()
    );
    assert!(text.starts_with(MARKER));
    assert!(text.contains("more not shown"), "says it was cut");
}

#[tokio::test]
async fn the_check_run_gets_annotations_in_batches_of_50() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/repos/octo/shop/check-runs"))
        .and(body_partial_json(
            json!({ "name": "sqltest (db)", "head_sha": "abc123", "status": "in_progress" }),
        ))
        .respond_with(ResponseTemplate::new(201).set_body_json(check_run(4, "in_progress", None)))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .and(path("/repos/octo/shop/check-runs/4"))
        .respond_with(ResponseTemplate::new(200).set_body_json(check_run(4, "in_progress", None)))
        .expect(2)
        .mount(&server)
        .await;
    // 119 failed tests + 1 failed check = 120 annotations: 50 + 50 + 20.
    let r = results(119);
    let report = publish(
        &github(&server),
        &input(&r),
        &settings(CommentMode::Off, true),
    )
    .await;
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
    assert!(!report.annotations_fallback);
    let reqs = requests(&server).await;
    assert_all_authenticated(&reqs);
    let bodies: Vec<Value> = reqs.iter().map(|r| r.body_json().expect("json")).collect();
    let counts: Vec<usize> = bodies
        .iter()
        .map(|b| b["output"]["annotations"].as_array().map_or(0, Vec::len))
        .collect();
    assert_eq!(counts, vec![50, 50, 20]);
    assert_eq!(
        bodies[0]["details_url"],
        "https://github.com/octo/shop/actions/runs/42"
    );
    assert!(
        bodies[1].get("conclusion").is_none(),
        "the middle batch does not complete the run"
    );
    assert_eq!(bodies[2]["status"], "completed");
    assert_eq!(bodies[2]["conclusion"], "failure");
    let first = &bodies[0]["output"]["annotations"][0];
    assert_eq!(first["path"], "db/sqltest/orders.yaml");
    assert_eq!(first["start_line"], 10);
    assert_eq!(first["annotation_level"], "failure");
    assert_eq!(first["title"], "test failed: failing 0");
    let warning = &bodies[2]["output"]["annotations"][19];
    assert_eq!(
        warning["annotation_level"], "warning",
        "a warning-severity check stays a warning"
    );
    assert!(
        bodies[0]["output"]["summary"]
            .as_str()
            .is_some_and(|s| s.contains("failing 0"))
    );
}

#[tokio::test]
async fn a_small_check_run_is_created_completed_in_one_request() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/repos/octo/shop/check-runs"))
        .and(body_partial_json(
            json!({ "status": "completed", "conclusion": "failure" }),
        ))
        .respond_with(ResponseTemplate::new(201).set_body_json(check_run(
            8,
            "completed",
            Some("failure"),
        )))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&server)
        .await;
    let r = results(2);
    let report = publish(
        &github(&server),
        &input(&r),
        &settings(CommentMode::Off, true),
    )
    .await;
    assert_eq!(report.warnings, Vec::<String>::new());
    assert!(
        report.done[0].contains("3 annotation(s)"),
        "{:?}",
        report.done
    );
}

#[tokio::test]
async fn sarif_is_uploaded_gzipped_and_base64_then_polled_until_complete() {
    use base64::Engine as _;
    use std::io::Read as _;
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/repos/octo/shop/code-scanning/sarifs"))
        .and(body_partial_json(json!({ "commit_sha": "merge999", "ref": "refs/pull/7/merge" })))
        .respond_with(ResponseTemplate::new(202).set_body_json(json!({
            "id": "47177e22-5596-11eb-80a1-c1e54ef945c6",
            "url": "https://api.github.com/repos/octo/shop/code-scanning/sarifs/47177e22-5596-11eb-80a1-c1e54ef945c6"
        })))
        .expect(1)
        .mount(&server)
        .await;
    let status = "/repos/octo/shop/code-scanning/sarifs/47177e22-5596-11eb-80a1-c1e54ef945c6";
    // Not yet visible, then pending, then complete.
    Mock::given(method("GET"))
        .and(path(status))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({"message": "Not Found"})))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(status))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({ "processing_status": "pending", "analyses_url": null, "errors": null }),
        ))
        .up_to_n_times(1)
        .with_priority(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(status))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "processing_status": "complete",
            "analyses_url": "https://api.github.com/repos/octo/shop/code-scanning/analyses?sarif_id=47177e22-5596-11eb-80a1-c1e54ef945c6",
            "errors": null
        })))
        .with_priority(3)
        .mount(&server)
        .await;
    let sarif = r#"{"$schema":"https://json.schemastore.org/sarif-2.1.0.json","version":"2.1.0","runs":[]}"#;
    let outcome = github(&server)
        .upload_sarif(sarif, Duration::from_secs(5))
        .await
        .expect("uploaded");
    assert!(
        outcome
            .analyses_url
            .is_some_and(|u| u.contains("sarif_id="))
    );
    let reqs = requests(&server).await;
    assert_all_authenticated(&reqs);
    assert_eq!(reqs.len(), 4, "upload + 3 polls");
    let upload: Value = reqs[0].body_json().expect("json");
    let gz = base64::engine::general_purpose::STANDARD
        .decode(upload["sarif"].as_str().expect("sarif"))
        .expect("base64");
    let mut text = String::new();
    flate2::read::GzDecoder::new(&gz[..])
        .read_to_string(&mut text)
        .expect("gzip");
    assert_eq!(text, sarif);
    assert_eq!(upload["tool_name"], "sqltest");
}

#[tokio::test]
async fn sarif_polling_stops_at_the_deadline_and_a_failed_processing_is_reported() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/repos/octo/shop/code-scanning/sarifs"))
        .respond_with(
            ResponseTemplate::new(202)
                .set_body_json(json!({ "id": "s1", "url": "https://api.github.com/x" })),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/repos/octo/shop/code-scanning/sarifs/s1"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({ "processing_status": "pending" })),
        )
        .mount(&server)
        .await;
    let started = std::time::Instant::now();
    let err = github(&server)
        .upload_sarif("{}", Duration::from_millis(300))
        .await
        .expect_err("still pending");
    assert!(
        matches!(err.kind, ForgeErrorKind::SarifPending { .. }),
        "{err}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "waited {:?}",
        started.elapsed()
    );

    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/repos/octo/shop/code-scanning/sarifs"))
        .respond_with(ResponseTemplate::new(202).set_body_json(json!({ "id": "s2" })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/repos/octo/shop/code-scanning/sarifs/s2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "processing_status": "failed", "errors": ["locationFromSarifResult: expected artifact location"]
        })))
        .mount(&server)
        .await;
    let err = github(&server)
        .upload_sarif("{}", Duration::from_secs(2))
        .await
        .expect_err("rejected");
    assert!(
        err.to_string().contains("expected artifact location"),
        "{err}"
    );
}

#[tokio::test]
async fn server_errors_and_rate_limits_are_retried() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(COMMENTS))
        .respond_with(ResponseTemplate::new(502).set_body_string("<html>Bad Gateway</html>"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(COMMENTS))
        .respond_with(ResponseTemplate::new(200).set_body_json(Vec::<Value>::new()))
        .with_priority(2)
        .mount(&server)
        .await;
    // A secondary rate limit: 403 with Retry-After, then success.
    Mock::given(method("POST"))
        .and(path(COMMENTS))
        .respond_with(
            ResponseTemplate::new(403)
                .insert_header("retry-after", "0")
                .set_body_json(json!({ "message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.", "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api" })),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(COMMENTS))
        .respond_with(
            ResponseTemplate::new(429)
                .set_body_json(json!({ "message": "API rate limit exceeded" })),
        )
        .up_to_n_times(1)
        .with_priority(2)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(COMMENTS))
        .respond_with(ResponseTemplate::new(201).set_body_json(comment(700, MARKER)))
        .with_priority(3)
        .mount(&server)
        .await;
    let outcome = github(&server)
        .upsert_comment(MARKER, MARKER, true)
        .await
        .expect("retried to success");
    assert!(matches!(
        outcome,
        Some(CommentOutcome::Created { id: 700, .. })
    ));
    let reqs = requests(&server).await;
    let methods: Vec<&str> = reqs.iter().map(|r| r.method.as_str()).collect();
    assert_eq!(methods, ["GET", "GET", "POST", "POST", "POST"]);
    assert_all_authenticated(&reqs);
}

#[tokio::test]
async fn persistent_server_errors_give_up_after_the_attempts() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(COMMENTS))
        .respond_with(
            ResponseTemplate::new(503).set_body_json(json!({ "message": "Service Unavailable" })),
        )
        .expect(3)
        .mount(&server)
        .await;
    let err = github(&server)
        .upsert_comment(MARKER, MARKER, true)
        .await
        .expect_err("gives up");
    assert!(
        matches!(err.kind, ForgeErrorKind::Status { status: 503, .. }),
        "{err}"
    );
    assert!(
        err.to_string()
            .starts_with("list the pull request's comments: HTTP 503"),
        "{err}"
    );
}

#[tokio::test]
async fn a_hanging_server_times_out() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(COMMENTS))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(Vec::<Value>::new())
                .set_delay(Duration::from_secs(10)),
        )
        .mount(&server)
        .await;
    let started = std::time::Instant::now();
    let err = github(&server)
        .upsert_comment(MARKER, MARKER, true)
        .await
        .expect_err("times out");
    assert!(
        matches!(
            err.kind,
            ForgeErrorKind::Timeout(_) | ForgeErrorKind::Transport(_)
        ),
        "{err}"
    );
    // 3 attempts of 0.8 s plus short backoffs: far below the server's 10 s delay.
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn github_enterprise_keeps_the_api_path_prefix() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("/api/v3{COMMENTS}")))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(vec![comment(3, &format!("{MARKER}\nold"))]),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v3/repos/octo/shop/issues/comments/3"))
        .respond_with(ResponseTemplate::new(200).set_body_json(comment(3, MARKER)))
        .expect(1)
        .mount(&server)
        .await;
    let gh = GitHub::new(
        ctx(&format!("{}/api/v3", server.uri())),
        TOKEN,
        fast().policy,
    )
    .expect("client");
    let outcome = gh
        .upsert_comment(MARKER, MARKER, true)
        .await
        .expect("upsert");
    assert!(matches!(
        outcome,
        Some(CommentOutcome::Updated { id: 3, .. })
    ));
}

#[tokio::test]
async fn a_push_without_a_pull_request_gets_a_check_run_and_no_comment() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(500))
        .expect(0)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/repos/octo/shop/check-runs"))
        .and(body_partial_json(
            json!({ "head_sha": "push123", "conclusion": "failure" }),
        ))
        .respond_with(ResponseTemplate::new(201).set_body_json(check_run(
            9,
            "completed",
            Some("failure"),
        )))
        .expect(1)
        .mount(&server)
        .await;
    let mut c = ctx(&server.uri());
    c.pull_request = None;
    c.head_sha = "push123".into();
    let gh = GitHub::new(c, TOKEN, fast().policy).expect("client");
    let r = results(1);
    let report = publish(&gh, &input(&r), &settings(CommentMode::Always, true)).await;
    assert_eq!(
        report.warnings,
        Vec::<String>::new(),
        "no pull request is not a problem"
    );
    assert_eq!(report.done.len(), 1, "{:?}", report.done);
}
