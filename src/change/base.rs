//! Which commit the change is judged against: `--base`, then `base:` in `sqltest.yaml`, then
//! what the CI system says (GitHub Actions, GitLab merge requests, Jenkins multibranch). The
//! merge base of that commit and HEAD is used, so commits merged into the base branch after
//! the change forked are not mistaken for part of the change.

use super::git;
use camino::Utf8Path;

/// The environment, as a lookup (tests pass their own).
pub use crate::publish::context::EnvFn as Env;

/// Where the base came from, for messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BaseSource {
    Flag,
    Config,
    GithubEvent,
    GithubBaseRef,
    Gitlab,
    Jenkins,
}

impl BaseSource {
    pub fn describe(self) -> &'static str {
        match self {
            BaseSource::Flag => "--base",
            BaseSource::Config => "`base:` in sqltest.yaml",
            BaseSource::GithubEvent => "the pull request event's base.sha",
            BaseSource::GithubBaseRef => "GITHUB_BASE_REF",
            BaseSource::Gitlab => "CI_MERGE_REQUEST_DIFF_BASE_SHA",
            BaseSource::Jenkins => "CHANGE_TARGET",
        }
    }

    /// The user typed it: a revision that does not exist is their mistake (exit 2), not the
    /// environment's.
    fn is_written(self) -> bool {
        matches!(self, BaseSource::Flag | BaseSource::Config)
    }
}

/// The resolved base of the change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Base {
    /// The revision as given (`main`, `origin/main`, a sha).
    pub requested: String,
    pub source: BaseSource,
    /// The merge base of the requested revision and HEAD: the files read as "the base".
    pub commit: String,
}

/// Why no base could be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BaseError {
    /// The revision written by the user does not exist, or the project is not in git (exit 2).
    Invalid(String),
    /// The clone lacks the history (shallow), or git cannot run (exit 3).
    Environment(String),
}

/// The fix for a clone without the base's history, for every CI system we document.
pub const FETCH_HISTORY_HELP: &str = "fetch the full history: `fetch-depth: 0` for actions/checkout, \
`GIT_DEPTH: 0` in GitLab CI variables, `git fetch --unshallow` elsewhere";

/// The base to use, or `None` when neither the command line, the project nor the CI names one.
///
/// A base the CI names but this checkout cannot use (the project is not in git, or the commit
/// was not fetched in a full clone) gives a plain run and a warning, so pipelines that worked
/// before keep working; a shallow clone without it is the error the fix is known for.
pub fn find_base(
    root: &Utf8Path,
    flag: Option<&str>,
    config: Option<&str>,
    env: Env<'_>,
) -> Result<(Option<Base>, Option<String>), BaseError> {
    match resolve(root, flag, config, env) {
        Ok(b) => Ok((b, None)),
        Err((BaseError::Environment(m), source))
            if !source.is_written() && !git::is_shallow(root) =>
        {
            Ok((None, Some(format!("{m}; running without the upgrade path"))))
        }
        Err((e, _)) => Err(e),
    }
}

fn resolve(
    root: &Utf8Path,
    flag: Option<&str>,
    config: Option<&str>,
    env: Env<'_>,
) -> Result<Option<Base>, (BaseError, BaseSource)> {
    let candidates = match (flag, config) {
        (Some(f), _) => vec![(f.to_string(), BaseSource::Flag)],
        (None, Some(c)) => vec![(c.to_string(), BaseSource::Config)],
        (None, None) => from_ci(env),
    };
    let Some((first, source)) = candidates.first().cloned() else {
        return Ok(None);
    };
    let Some(_top) = git::top_level(root) else {
        let e = if source.is_written() {
            BaseError::Invalid(format!(
                "{} asks to compare with `{first}`, but {root} is not in a git repository",
                source.describe()
            ))
        } else {
            BaseError::Environment(format!(
                "{} names the base `{first}`, but {root} is not in a git repository",
                source.describe()
            ))
        };
        return Err((e, source));
    };
    let found = candidates
        .iter()
        .find_map(|(rev, src)| git::commit_of(root, rev).map(|c| (rev.clone(), *src, c)));
    let Some((requested, source, commit)) = found else {
        return Err((missing(root, &first, source), source));
    };
    let Some(head) = git::commit_of(root, "HEAD") else {
        return Err((
            BaseError::Invalid(format!(
                "the repository at {root} has no commit yet; commit the change to compare it with `{requested}`"
            )),
            source,
        ));
    };
    let Some(commit) = git::merge_base(root, &commit, &head) else {
        let e = if git::is_shallow(root) {
            BaseError::Environment(format!(
                "the clone is shallow: HEAD and `{requested}` ({}) have no common commit in it; {FETCH_HISTORY_HELP}",
                source.describe()
            ))
        } else {
            BaseError::Invalid(format!(
                "HEAD and `{requested}` ({}) have no common history",
                source.describe()
            ))
        };
        return Err((e, source));
    };
    Ok(Some(Base {
        requested,
        source,
        commit,
    }))
}

fn missing(root: &Utf8Path, rev: &str, source: BaseSource) -> BaseError {
    if git::is_shallow(root) {
        BaseError::Environment(format!(
            "the base `{rev}` ({}) is not in this shallow clone; {FETCH_HISTORY_HELP}",
            source.describe()
        ))
    } else if source.is_written() {
        BaseError::Invalid(format!(
            "the base `{rev}` ({}) names no commit in this repository; give a branch, tag or commit (e.g. `origin/main`)",
            source.describe()
        ))
    } else {
        BaseError::Environment(format!(
            "the base `{rev}` ({}) is not in this clone; fetch it (`git fetch origin {rev}`), or {FETCH_HISTORY_HELP}",
            source.describe()
        ))
    }
}

/// The base the CI system names, most precise first; a branch name is tried as the remote's
/// branch first (CI clones rarely have the local branch).
fn from_ci(env: Env<'_>) -> Vec<(String, BaseSource)> {
    let set = |k: &str| env(k).filter(|v| !v.trim().is_empty());
    let mut out = Vec::new();
    if set("GITHUB_ACTIONS").as_deref() == Some("true") {
        if let Some(sha) = set("GITHUB_EVENT_PATH").and_then(|p| event_base_sha(&p)) {
            out.push((sha, BaseSource::GithubEvent));
        }
        if let Some(r) = set("GITHUB_BASE_REF") {
            out.push((format!("origin/{r}"), BaseSource::GithubBaseRef));
            out.push((r, BaseSource::GithubBaseRef));
        }
    } else if set("GITLAB_CI").is_some() {
        if let Some(sha) = set("CI_MERGE_REQUEST_DIFF_BASE_SHA") {
            out.push((sha, BaseSource::Gitlab));
        }
    } else if let Some(target) = set("CHANGE_TARGET") {
        out.push((format!("origin/{target}"), BaseSource::Jenkins));
        out.push((target, BaseSource::Jenkins));
    }
    out
}

/// `pull_request.base.sha` of the GitHub event file (absent for pushes and other events).
fn event_base_sha(path: &str) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    let event: serde_json::Value = serde_json::from_str(&text).ok()?;
    event["pull_request"]["base"]["sha"]
        .as_str()
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env_of(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn ci(pairs: &[(&str, &str)]) -> Vec<(String, BaseSource)> {
        let map = env_of(pairs);
        from_ci(&|k| map.get(k).cloned())
    }

    #[test]
    fn each_ci_system_names_its_base() {
        let dir = tempfile::tempdir().unwrap();
        let event = dir.path().join("event.json");
        std::fs::write(&event, r#"{"pull_request":{"base":{"sha":"abc123"}}}"#).unwrap();
        let github = ci(&[
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_EVENT_PATH", event.to_str().unwrap()),
            ("GITHUB_BASE_REF", "main"),
        ]);
        assert_eq!(github[0], ("abc123".into(), BaseSource::GithubEvent));
        assert_eq!(github[1], ("origin/main".into(), BaseSource::GithubBaseRef));
        let push = ci(&[("GITHUB_ACTIONS", "true"), ("GITHUB_BASE_REF", "")]);
        assert!(push.is_empty(), "{push:?}");
        let gitlab = ci(&[
            ("GITLAB_CI", "true"),
            ("CI_MERGE_REQUEST_DIFF_BASE_SHA", "def"),
        ]);
        assert_eq!(gitlab, vec![("def".into(), BaseSource::Gitlab)]);
        let jenkins = ci(&[("JENKINS_URL", "http://j"), ("CHANGE_TARGET", "develop")]);
        assert_eq!(jenkins[0], ("origin/develop".into(), BaseSource::Jenkins));
        assert!(ci(&[]).is_empty());
    }
}
