//! What a renderer needs to know beyond the results: where the project sits in its repository and
//! how to link to a file. Detected once at the edge (file system and CI variables), then passed to
//! the pure renderers, so the same results render the same way in tests.

use crate::results::RunResults;
use camino::{Utf8Path, Utf8PathBuf};

/// How paths in the results map to the repository and to links.
///
/// Paths in [`RunResults`] are relative to the project root; SARIF, GitLab Code Quality and GitHub
/// annotations need them relative to the repository root, which differs when the project lives in
/// a subdirectory (`db/sqltest.yaml` in a monorepo).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RenderContext {
    /// The repository root, absolute, when known (SARIF `originalUriBaseIds`).
    pub repo_root: Option<Utf8PathBuf>,
    /// The project root relative to the repository root; empty when they are the same or the
    /// repository is unknown.
    pub prefix: Utf8PathBuf,
    /// Base of links to files at the commit under test, without a trailing slash, e.g.
    /// `https://github.com/o/r/blob/<sha>`; a link is `{blob_url}/{repo path}#L{line}`.
    pub blob_url: Option<String>,
}

impl RenderContext {
    /// Detects the repository root (the nearest ancestor of the project root holding `.git`, or
    /// else `GITHUB_WORKSPACE` / `CI_PROJECT_DIR` when they contain the project) and the link
    /// base from GitHub Actions or GitLab CI variables.
    ///
    /// `env` reads an environment variable; tests pass a closure over a fixed map.
    pub fn detect(r: &RunResults, env: &impl Fn(&str) -> Option<String>) -> Self {
        let root = &r.project.root;
        let repo_root = git_root(root).or_else(|| {
            ["GITHUB_WORKSPACE", "CI_PROJECT_DIR"]
                .into_iter()
                .filter_map(|name| env(name).filter(|v| !v.is_empty()))
                .map(Utf8PathBuf::from)
                .find(|dir| root.starts_with(dir))
        });
        let prefix = repo_root
            .as_deref()
            .and_then(|repo| root.strip_prefix(repo).ok())
            .map(Utf8Path::to_path_buf)
            .unwrap_or_default();
        RenderContext {
            repo_root,
            prefix,
            blob_url: blob_url(env),
        }
    }

    /// `path` (relative to the project root) relative to the repository root, with forward
    /// slashes.
    pub fn repo_path(&self, path: &Utf8Path) -> String {
        let joined = if self.prefix.as_str().is_empty() {
            path.to_path_buf()
        } else {
            self.prefix.join(path)
        };
        joined.as_str().replace('\\', "/")
    }

    /// A link to `path` (relative to the project root) at `line`, when a link base is known.
    pub fn link(&self, path: &Utf8Path, line: u32) -> Option<String> {
        self.blob_url
            .as_ref()
            .map(|base| format!("{base}/{}#L{line}", self.repo_path(path)))
    }
}

fn git_root(start: &Utf8Path) -> Option<Utf8PathBuf> {
    // `.git` is a directory in a clone and a file in a worktree or submodule; both mark the root.
    start
        .ancestors()
        .find(|dir| dir.join(".git").exists())
        .map(Utf8Path::to_path_buf)
}

fn blob_url(env: &impl Fn(&str) -> Option<String>) -> Option<String> {
    let get = |name: &str| env(name).filter(|v| !v.trim().is_empty());
    if let (Some(server), Some(repo), Some(sha)) = (
        get("GITHUB_SERVER_URL"),
        get("GITHUB_REPOSITORY"),
        get("GITHUB_SHA"),
    ) {
        return Some(format!(
            "{}/{repo}/blob/{sha}",
            server.trim_end_matches('/')
        ));
    }
    if let (Some(project), Some(sha)) = (get("CI_PROJECT_URL"), get("CI_COMMIT_SHA")) {
        return Some(format!("{}/-/blob/{sha}", project.trim_end_matches('/')));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixture::sample_run;
    use std::collections::HashMap;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn a_project_in_a_subdirectory_gets_a_prefix_from_the_git_root() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Utf8PathBuf::from_path_buf(dir.path().to_path_buf()).unwrap();
        std::fs::create_dir_all(repo.join(".git")).unwrap();
        std::fs::create_dir_all(repo.join("services/db")).unwrap();
        let mut run = sample_run();
        run.project.root = repo.join("services/db");
        let ctx = RenderContext::detect(&run, &env_of(&[]));
        assert_eq!(ctx.repo_root.as_deref(), Some(repo.as_path()));
        assert_eq!(ctx.prefix, "services/db");
        assert_eq!(
            ctx.repo_path(Utf8Path::new("sqltest/a.yaml")),
            "services/db/sqltest/a.yaml"
        );
        assert_eq!(ctx.link(Utf8Path::new("x.sql"), 3), None);
    }

    #[test]
    fn ci_variables_give_the_root_and_links() {
        let run = sample_run(); // root /home/ci/shop, which has no .git on this machine
        let ctx = RenderContext::detect(
            &run,
            &env_of(&[
                ("GITHUB_WORKSPACE", "/home/ci"),
                ("GITHUB_SERVER_URL", "https://github.com/"),
                ("GITHUB_REPOSITORY", "acme/shop"),
                ("GITHUB_SHA", "abc123"),
            ]),
        );
        assert_eq!(ctx.prefix, "shop");
        assert_eq!(
            ctx.link(Utf8Path::new("sqltest/orders.yaml"), 12).unwrap(),
            "https://github.com/acme/shop/blob/abc123/shop/sqltest/orders.yaml#L12"
        );
        let gitlab = RenderContext::detect(
            &run,
            &env_of(&[
                ("CI_PROJECT_DIR", "/home/ci/shop"),
                ("CI_PROJECT_URL", "https://gitlab.com/acme/shop"),
                ("CI_COMMIT_SHA", "def456"),
            ]),
        );
        assert_eq!(gitlab.prefix, "");
        assert_eq!(
            gitlab.link(Utf8Path::new("a.sql"), 1).unwrap(),
            "https://gitlab.com/acme/shop/-/blob/def456/a.sql#L1"
        );
        // A workspace that does not contain the project is not its repository.
        let elsewhere = RenderContext::detect(&run, &env_of(&[("GITHUB_WORKSPACE", "/srv")]));
        assert_eq!(elsewhere, RenderContext::default());
    }
}
