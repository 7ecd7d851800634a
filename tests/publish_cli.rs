//! The real binary: `sqltest publish --from results.json` in a fake GitHub Actions job against a
//! local server (token from GITHUB_TOKEN, never printed), `--help` hiding the token's value,
//! and `sqltest hook install` refusing a foreign hook with exit code 2.

mod publish_support;

use publish_support::*;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn sqltest() -> std::process::Command {
    std::process::Command::new(env!("CARGO_BIN_EXE_sqltest"))
}

#[tokio::test]
async fn publish_from_results_posts_the_comment_and_the_check_run() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/repos/octo/shop/issues/7/comments"))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(Vec::<serde_json::Value>::new()))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/repos/octo/shop/issues/7/comments"))
        .respond_with(
            ResponseTemplate::new(201)
                .set_body_json(comment(901, "<!-- sqltest:summary project=db -->")),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/repos/octo/shop/check-runs"))
        .respond_with(ResponseTemplate::new(201).set_body_json(check_run(
            77,
            "completed",
            Some("failure"),
        )))
        .expect(1)
        .mount(&server)
        .await;

    let dir = tempfile::tempdir().expect("tempdir");
    let results_path = dir.path().join("results.json");
    std::fs::write(&results_path, sqltest::report::render_json(&results(1))).expect("write");
    let event = dir.path().join("event.json");
    std::fs::write(&event, PR_EVENT).expect("write");
    let summary = dir.path().join("summary.md");
    let mut cmd = sqltest();
    cmd.args(["publish", "--from"])
        .arg(&results_path)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("GITHUB_TOKEN", TOKEN);
    for (k, v) in github_env(
        &server.uri(),
        event.to_str().expect("utf8"),
        summary.to_str().expect("utf8"),
    ) {
        cmd.env(k, v);
    }
    let out = tokio::task::spawn_blocking(move || cmd.output())
        .await
        .expect("join")
        .expect("runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("published: created the GitHub comment https://github.com/octo/shop/pull/7#issuecomment-901"), "{stderr}");
    assert!(
        stderr.contains("published: created the check run `sqltest (db)` with 2 annotation(s)"),
        "{stderr}"
    );
    assert!(
        std::fs::read_to_string(&summary)
            .expect("summary")
            .contains("failing 0")
    );
    assert!(
        !stdout.contains("::error"),
        "the check run carries the annotations: no duplicates\n{stdout}"
    );
    assert_no_leak(&stdout, TOKEN);
    assert_no_leak(&stderr, TOKEN);
}

#[test]
fn help_names_the_token_variables_without_their_values() {
    let out = sqltest()
        .args(["run", "--help"])
        .env("GITHUB_TOKEN", "ghs_value_from_env")
        .env("SQLTEST_GITLAB_TOKEN", "glpat_value_from_env")
        .output()
        .expect("runs");
    let help = String::from_utf8_lossy(&out.stdout);
    // `run --publish` is wired by the lead; `publish --help` always has the options.
    let out = sqltest()
        .args(["publish", "--help"])
        .env("GITHUB_TOKEN", "ghs_value_from_env")
        .env("SQLTEST_GITLAB_TOKEN", "glpat_value_from_env")
        .output()
        .expect("runs");
    let publish_help = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(
        publish_help.contains("GITHUB_TOKEN") && publish_help.contains("SQLTEST_GITLAB_TOKEN"),
        "{publish_help}"
    );
    for text in [help.as_ref(), publish_help.as_ref()] {
        assert!(
            !text.contains("ghs_value_from_env") && !text.contains("glpat_value_from_env"),
            "{text}"
        );
    }
}

#[test]
fn hook_install_refuses_a_foreign_hook_with_exit_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    let git = |args: &[&str]| {
        let st = std::process::Command::new("git")
            .arg("-C")
            .arg(dir.path())
            .args(args)
            .output()
            .expect("git");
        assert!(st.status.success());
    };
    git(&["init", "-q"]);
    std::fs::write(dir.path().join("sqltest.yaml"), "engine: sqlite\n").expect("write");
    std::fs::create_dir_all(dir.path().join(".git/hooks")).expect("mkdir");
    std::fs::write(
        dir.path().join(".git/hooks/pre-push"),
        "#!/bin/sh\nexit 0\n",
    )
    .expect("write");
    let out = sqltest()
        .args(["hook", "install"])
        .current_dir(dir.path())
        .output()
        .expect("runs");
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("--force"));
    let out = sqltest()
        .args(["hook", "install", "--force"])
        .current_dir(dir.path())
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let hook = std::fs::read_to_string(dir.path().join(".git/hooks/pre-push")).expect("hook");
    assert!(hook.contains("sqltest:pre-push-hook"));
    assert!(
        dir.path()
            .join(".git/hooks/pre-push.before-sqltest")
            .exists()
    );
}
