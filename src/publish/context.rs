//! Where the run happens: the GitHub Actions or GitLab CI environment, read into plain values
//! (repository, pull or merge request, commit, API URL) before anything is sent.
//!
//! Variables: GitHub <https://docs.github.com/en/actions/reference/variables-reference>,
//! GitLab <https://docs.gitlab.com/ci/variables/predefined_variables/>.

use camino::{Utf8Path, Utf8PathBuf};
use serde_json::Value;

/// Reads one environment variable; tests pass a map instead of the process environment.
pub type EnvFn<'a> = &'a dyn Fn(&str) -> Option<String>;

/// The process environment, empty values treated as unset.
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// Why the CI environment could not be understood.
#[derive(Debug, thiserror::Error)]
pub enum ContextError {
    #[error("read the CI environment: `{0}` is not set")]
    Missing(&'static str),
    #[error("read the CI environment: `{name}` is `{value}`, expected {expected}")]
    Invalid {
        name: &'static str,
        value: String,
        expected: &'static str,
    },
    #[error("read the event file {path}: {source}")]
    EventRead {
        path: Utf8PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("read the event file {path}: {source}")]
    EventJson {
        path: Utf8PathBuf,
        #[source]
        source: serde_json::Error,
    },
}

/// A GitHub Actions run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitHubContext {
    /// `GITHUB_API_URL` (GitHub Enterprise: `https://host/api/v3`).
    pub api_url: String,
    pub owner: String,
    pub repo: String,
    /// The pull request, when the event has one.
    pub pull_request: Option<u64>,
    /// The commit check runs attach to: the pull request's head, or `GITHUB_SHA`.
    pub head_sha: String,
    /// `ref` and `commit_sha` of a SARIF upload (a pull-request ref shows results on the PR).
    pub sarif_ref: String,
    pub sarif_sha: String,
    /// `GITHUB_STEP_SUMMARY`: the job summary file, appended to.
    pub step_summary: Option<Utf8PathBuf>,
    /// `GITHUB_WORKSPACE`: the repository checkout, for repository-relative paths.
    pub workspace: Option<Utf8PathBuf>,
    /// Link to this workflow run, shown as the check run's details.
    pub run_url: Option<String>,
}

/// A GitLab CI job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitLabContext {
    /// `CI_API_V4_URL`: `https://gitlab.example.com/api/v4`.
    pub api_url: String,
    /// `CI_PROJECT_ID`.
    pub project_id: String,
    /// `CI_MERGE_REQUEST_IID`; only set in merge request pipelines.
    pub merge_request_iid: Option<u64>,
    /// `CI_PROJECT_DIR`: the checkout, for repository-relative paths.
    pub project_dir: Option<Utf8PathBuf>,
}

/// The CI platform a run is on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Platform {
    GitHub(GitHubContext),
    GitLab(GitLabContext),
}

/// Finds the platform from `GITHUB_ACTIONS` / `GITLAB_CI`; `None` outside both.
/// `event_file` overrides `GITHUB_EVENT_PATH` (the fork-safe `workflow_run` pattern passes the
/// pull request's event file downloaded with the results).
pub fn detect(
    env: EnvFn<'_>,
    event_file: Option<&Utf8Path>,
) -> Result<Option<Platform>, ContextError> {
    if env("GITHUB_ACTIONS").as_deref() == Some("true") {
        return github(env, event_file).map(|c| Some(Platform::GitHub(c)));
    }
    if env("GITLAB_CI").as_deref() == Some("true") {
        return gitlab(env).map(|c| Some(Platform::GitLab(c)));
    }
    Ok(None)
}

fn required(env: EnvFn<'_>, name: &'static str) -> Result<String, ContextError> {
    env(name).ok_or(ContextError::Missing(name))
}

/// Reads the GitHub Actions environment and event file.
pub fn github(
    env: EnvFn<'_>,
    event_file: Option<&Utf8Path>,
) -> Result<GitHubContext, ContextError> {
    let repository = required(env, "GITHUB_REPOSITORY")?;
    let (owner, repo) = repository
        .split_once('/')
        .filter(|(o, r)| !o.is_empty() && !r.is_empty() && !r.contains('/'))
        .ok_or_else(|| ContextError::Invalid {
            name: "GITHUB_REPOSITORY",
            value: repository.clone(),
            expected: "owner/repo",
        })?;
    let event_path = event_file
        .map(Utf8Path::to_owned)
        .or_else(|| env("GITHUB_EVENT_PATH").map(Utf8PathBuf::from));
    let event = match event_path {
        Some(path) => read_event(&path)?,
        None => Value::Null,
    };
    let pr = pull_request(&event);
    let sha = env("GITHUB_SHA");
    let head_sha = match (&pr, &sha) {
        (Some(p), _) => p.head_sha.clone(),
        (None, Some(s)) => s.clone(),
        (None, None) => return Err(ContextError::Missing("GITHUB_SHA")),
    };
    let github_ref = env("GITHUB_REF");
    let (sarif_ref, sarif_sha) = match (&pr, &github_ref, &sha) {
        // On the pull_request event itself, GITHUB_REF/GITHUB_SHA are the tested merge commit.
        (Some(p), Some(r), Some(s)) if *r == format!("refs/pull/{}/merge", p.number) => {
            (r.clone(), s.clone())
        }
        (Some(p), _, _) => (format!("refs/pull/{}/head", p.number), p.head_sha.clone()),
        (None, Some(r), Some(s)) => (r.clone(), s.clone()),
        (None, _, _) => (String::new(), head_sha.clone()),
    };
    let server = env("GITHUB_SERVER_URL").unwrap_or_else(|| "https://github.com".into());
    let run_url = env("GITHUB_RUN_ID").map(|id| {
        format!(
            "{}/{repository}/actions/runs/{id}",
            server.trim_end_matches('/')
        )
    });
    Ok(GitHubContext {
        api_url: env("GITHUB_API_URL").unwrap_or_else(|| "https://api.github.com".into()),
        owner: owner.to_owned(),
        repo: repo.to_owned(),
        pull_request: pr.as_ref().map(|p| p.number),
        head_sha,
        sarif_ref,
        sarif_sha,
        step_summary: env("GITHUB_STEP_SUMMARY").map(Utf8PathBuf::from),
        workspace: env("GITHUB_WORKSPACE").map(Utf8PathBuf::from),
        run_url,
    })
}

fn read_event(path: &Utf8Path) -> Result<Value, ContextError> {
    let text = std::fs::read_to_string(path).map_err(|source| ContextError::EventRead {
        path: path.to_owned(),
        source,
    })?;
    serde_json::from_str(&text).map_err(|source| ContextError::EventJson {
        path: path.to_owned(),
        source,
    })
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct EventPr {
    number: u64,
    head_sha: String,
}

/// The pull request of an event, by the event's shape rather than its name, so a
/// `pull_request` event file read in a `workflow_run` job still works.
fn pull_request(event: &Value) -> Option<EventPr> {
    if let Some(pr) = event.get("pull_request") {
        let number = pr.get("number")?.as_u64()?;
        let head_sha = pr.get("head")?.get("sha")?.as_str()?.to_owned();
        return Some(EventPr { number, head_sha });
    }
    if let Some(run) = event.get("workflow_run") {
        // Empty for pull requests from forks: pass their event file with --event-file.
        let number = run.get("pull_requests")?.get(0)?.get("number")?.as_u64()?;
        let head_sha = run.get("head_sha")?.as_str()?.to_owned();
        return Some(EventPr { number, head_sha });
    }
    None
}

/// Reads the GitLab CI environment.
pub fn gitlab(env: EnvFn<'_>) -> Result<GitLabContext, ContextError> {
    let merge_request_iid = match env("CI_MERGE_REQUEST_IID") {
        None => None,
        Some(v) => Some(v.parse::<u64>().map_err(|_| ContextError::Invalid {
            name: "CI_MERGE_REQUEST_IID",
            value: v.clone(),
            expected: "a number",
        })?),
    };
    Ok(GitLabContext {
        api_url: required(env, "CI_API_V4_URL")?,
        project_id: required(env, "CI_PROJECT_ID")?,
        merge_request_iid,
        project_dir: env("CI_PROJECT_DIR").map(Utf8PathBuf::from),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    fn event_file(dir: &tempfile::TempDir, json: &str) -> Utf8PathBuf {
        let path = Utf8PathBuf::from_path_buf(dir.path().join("event.json")).expect("utf8");
        std::fs::write(&path, json).expect("write event");
        path
    }

    #[test]
    fn a_pull_request_event_gives_the_head_for_checks_and_the_merge_ref_for_sarif() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = event_file(
            &dir,
            r#"{"action":"synchronize","number":7,"pull_request":{"number":7,"head":{"sha":"abc123","ref":"feature"}}}"#,
        );
        let env = env_of(&[
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_REPOSITORY", "octo/shop"),
            ("GITHUB_EVENT_PATH", path.as_str()),
            ("GITHUB_SHA", "merge999"),
            ("GITHUB_REF", "refs/pull/7/merge"),
            ("GITHUB_API_URL", "https://ghe.example.com/api/v3"),
            ("GITHUB_RUN_ID", "42"),
            ("GITHUB_SERVER_URL", "https://ghe.example.com"),
        ]);
        let Some(Platform::GitHub(c)) = detect(&env, None).expect("context") else {
            panic!("github expected")
        };
        assert_eq!((c.owner.as_str(), c.repo.as_str()), ("octo", "shop"));
        assert_eq!(c.pull_request, Some(7));
        assert_eq!(c.head_sha, "abc123");
        assert_eq!(
            (c.sarif_ref.as_str(), c.sarif_sha.as_str()),
            ("refs/pull/7/merge", "merge999")
        );
        assert_eq!(c.api_url, "https://ghe.example.com/api/v3");
        assert_eq!(
            c.run_url.as_deref(),
            Some("https://ghe.example.com/octo/shop/actions/runs/42")
        );
    }

    #[test]
    fn a_workflow_run_event_and_an_event_file_override_are_understood() {
        let dir = tempfile::tempdir().expect("tempdir");
        let run = event_file(
            &dir,
            r#"{"workflow_run":{"head_sha":"def456","pull_requests":[{"number":12}]}}"#,
        );
        let env = env_of(&[
            ("GITHUB_REPOSITORY", "octo/shop"),
            ("GITHUB_EVENT_PATH", run.as_str()),
            ("GITHUB_SHA", "main1"),
            ("GITHUB_REF", "refs/heads/main"),
        ]);
        let c = github(&env, None).expect("context");
        assert_eq!((c.pull_request, c.head_sha.as_str()), (Some(12), "def456"));
        assert_eq!(c.sarif_ref, "refs/pull/12/head");
        // A fork's workflow_run has no pull_requests: the uploaded pull_request event is passed instead.
        let dir2 = tempfile::tempdir().expect("tempdir");
        let pr = event_file(
            &dir2,
            r#"{"pull_request":{"number":3,"head":{"sha":"fork1"}}}"#,
        );
        let c = github(&env, Some(&pr)).expect("context");
        assert_eq!((c.pull_request, c.head_sha.as_str()), (Some(3), "fork1"));
        assert_eq!(c.api_url, "https://api.github.com");
    }

    #[test]
    fn a_push_has_no_pull_request_and_bad_values_are_named() {
        let env = env_of(&[
            ("GITHUB_REPOSITORY", "octo/shop"),
            ("GITHUB_SHA", "s1"),
            ("GITHUB_REF", "refs/heads/main"),
        ]);
        let c = github(&env, None).expect("context");
        assert_eq!(
            (c.pull_request, c.head_sha.as_str(), c.sarif_ref.as_str()),
            (None, "s1", "refs/heads/main")
        );
        let err = github(
            &env_of(&[("GITHUB_REPOSITORY", "nope"), ("GITHUB_SHA", "s")]),
            None,
        )
        .expect_err("invalid");
        assert!(err.to_string().contains("GITHUB_REPOSITORY"), "{err}");
        let err = github(&env_of(&[("GITHUB_REPOSITORY", "a/b")]), None).expect_err("missing sha");
        assert!(err.to_string().contains("GITHUB_SHA"), "{err}");
        let missing = Utf8Path::new("/nonexistent/event.json");
        let err = github(&env, Some(missing)).expect_err("unreadable");
        assert!(err.to_string().contains("/nonexistent/event.json"), "{err}");
    }

    #[test]
    fn gitlab_merge_request_pipelines_are_read() {
        let env = env_of(&[
            ("GITLAB_CI", "true"),
            ("CI_API_V4_URL", "https://gitlab.example.com/api/v4"),
            ("CI_PROJECT_ID", "99"),
            ("CI_MERGE_REQUEST_IID", "5"),
            ("CI_PROJECT_DIR", "/builds/g/p"),
        ]);
        let Some(Platform::GitLab(c)) = detect(&env, None).expect("context") else {
            panic!("gitlab expected")
        };
        assert_eq!(c.merge_request_iid, Some(5));
        assert_eq!(c.project_id, "99");
        assert!(detect(&env_of(&[]), None).expect("nothing").is_none());
        let err = gitlab(&env_of(&[
            ("CI_API_V4_URL", "u"),
            ("CI_PROJECT_ID", "1"),
            ("CI_MERGE_REQUEST_IID", "x"),
        ]))
        .expect_err("bad iid");
        assert!(err.to_string().contains("CI_MERGE_REQUEST_IID"), "{err}");
    }
}
