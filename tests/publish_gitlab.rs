//! GitLab merge-request notes against a local wiremock server: found by marker across pages
//! (system notes skipped), updated with PUT or created with POST, `PRIVATE-TOKEN` on every
//! request, answers shaped like the Notes API's.

mod publish_support;

use publish_support::*;
use serde_json::{Value, json};
use sqltest::publish::context::GitLabContext;
use sqltest::publish::forge::{CommentOutcome, Forge};
use sqltest::publish::gitlab::GitLab;
use std::collections::HashMap;
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const NOTES: &str = "/api/v4/projects/99/merge_requests/5/notes";
const MARKER: &str = "<!-- sqltest:summary project=db -->";

fn note(id: u64, body: &str, system: bool) -> Value {
    json!({
        "id": id,
        "type": null,
        "body": body,
        "attachment": null,
        "author": {
            "id": 1, "username": "project_99_bot", "name": "sqltest bot", "state": "active",
            "locked": false, "avatar_url": "https://gitlab.example.com/uploads/-/system/user/avatar/1/avatar.png",
            "web_url": "https://gitlab.example.com/project_99_bot"
        },
        "created_at": "2026-01-02T03:04:05.000Z",
        "updated_at": "2026-01-02T03:04:05.000Z",
        "system": system,
        "noteable_id": 1234,
        "noteable_type": "MergeRequest",
        "project_id": 99,
        "resolvable": false,
        "confidential": false,
        "internal": false,
        "imported": false,
        "imported_from": "none",
        "noteable_iid": 5,
        "commands_changes": {}
    })
}

fn gitlab(server: &MockServer) -> GitLab {
    let ctx = GitLabContext {
        api_url: format!("{}/api/v4", server.uri()),
        project_id: "99".into(),
        merge_request_iid: Some(5),
        project_dir: Some("/work/repo".into()),
    };
    GitLab::new(ctx, GITLAB_TOKEN, fast().policy).expect("client")
}

#[tokio::test]
async fn the_note_on_a_later_page_is_updated_and_system_notes_are_skipped() {
    let server = MockServer::start().await;
    let mut page1: Vec<Value> = (1..=99)
        .map(|i| note(i, &format!("review comment {i}"), false))
        .collect();
    // A system note quoting our marker (e.g. "changed the description") is never ours.
    page1.push(note(100, &format!("{MARKER}\nsystem"), true));
    Mock::given(method("GET"))
        .and(path(NOTES))
        .and(query_param("per_page", "100"))
        .and(query_param("sort", "asc"))
        .and(query_param("page", "1"))
        .and(header("private-token", GITLAB_TOKEN))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(page1)
                .insert_header("x-next-page", "2")
                .insert_header("x-total-pages", "2"),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(NOTES))
        .and(query_param("page", "2"))
        .and(header("private-token", GITLAB_TOKEN))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(vec![note(177, &format!("{MARKER}\nold"), false)])
                .insert_header("x-next-page", ""),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path(format!("{NOTES}/177")))
        .and(header("private-token", GITLAB_TOKEN))
        .and(header("content-type", "application/json"))
        .respond_with(ResponseTemplate::new(200).set_body_json(note(177, MARKER, false)))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(201))
        .expect(0)
        .mount(&server)
        .await;

    let body = format!("{MARKER}\n### new");
    let outcome = gitlab(&server)
        .upsert_comment(MARKER, &body, true)
        .await
        .expect("upsert");
    assert!(
        matches!(outcome, Some(CommentOutcome::Updated { id: 177, .. })),
        "{outcome:?}"
    );
    let reqs = server.received_requests().await.expect("recording");
    let put = reqs
        .iter()
        .find(|r| r.method.as_str() == "PUT")
        .expect("put");
    assert_eq!(
        put.body_json::<Value>().expect("json"),
        json!({ "body": body })
    );
    for r in &reqs {
        assert!(
            r.headers.get("authorization").is_none(),
            "no bearer header is sent to GitLab"
        );
    }
}

#[tokio::test]
async fn the_note_is_created_when_absent() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(NOTES))
        .respond_with(ResponseTemplate::new(200).set_body_json(vec![note(1, "looks good", false)]))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(NOTES))
        .and(header("private-token", GITLAB_TOKEN))
        .respond_with(ResponseTemplate::new(201).set_body_json(note(300, MARKER, false)))
        .expect(1)
        .mount(&server)
        .await;
    let outcome = gitlab(&server)
        .upsert_comment(MARKER, MARKER, true)
        .await
        .expect("create");
    assert!(matches!(
        outcome,
        Some(CommentOutcome::Created { id: 300, .. })
    ));
}

#[tokio::test]
async fn the_whole_gitlab_step_warns_about_a_token_without_api_scope() {
    use clap::Parser;
    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        args: sqltest::publish::PublishArgs,
    }
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(NOTES))
        .respond_with(ResponseTemplate::new(403).set_body_json(json!({ "error": "insufficient_scope", "error_description": "The request requires higher privileges than provided by the access token.", "scope": "api" })))
        .expect(1)
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().expect("tempdir");
    let results_path = dir.path().join("results.json");
    std::fs::write(&results_path, sqltest::report::render_json(&results(1))).expect("write");
    let env: HashMap<&str, String> = HashMap::from([
        ("GITLAB_CI", "true".to_owned()),
        ("CI_API_V4_URL", format!("{}/api/v4", server.uri())),
        ("CI_PROJECT_ID", "99".into()),
        ("CI_MERGE_REQUEST_IID", "5".into()),
        ("CI_PROJECT_DIR", "/work/repo".into()),
    ]);
    let cli = Cli::try_parse_from([
        "publish",
        "--from",
        results_path.to_str().expect("utf8"),
        "--gitlab-token",
        GITLAB_TOKEN,
    ])
    .expect("parse");
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let lookup = move |k: &str| env.get(k).cloned();
    let exit = sqltest::publish::command::publish_command_with(
        cli.args,
        &lookup,
        fast(),
        &mut out,
        &mut err,
    )
    .await;
    let err = String::from_utf8(err).expect("utf8");
    assert_eq!(exit, sqltest::app::Exit::Success);
    assert!(err.contains("warning: failed to list the merge request's notes: the token lacks the `api scope (read)` permission (HTTP 403: The request requires higher privileges"), "{err}");
    assert_no_leak(&err, GITLAB_TOKEN);
}
