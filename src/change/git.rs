//! Reading the base commit from git objects only: resolving revisions, the merge base, and the
//! base's files extracted with `git archive` into a temporary directory (the work tree and the
//! index are never touched).

use camino::{Utf8Path, Utf8PathBuf};
use std::process::{Command, Stdio};

/// Runs git in `dir`; stdout trimmed, or git's stderr as the error.
pub(crate) fn git(dir: &Utf8Path, args: &[&str]) -> Result<String, String> {
    let out = Command::new("git")
        .current_dir(dir)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("could not run git ({e}); install git to compare with a base"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).trim().to_string())
    }
}

/// The repository's top directory, when `dir` is inside a work tree.
pub(crate) fn top_level(dir: &Utf8Path) -> Option<Utf8PathBuf> {
    git(dir, &["rev-parse", "--show-toplevel"])
        .ok()
        .map(Utf8PathBuf::from)
        .map(|p| p.canonicalize_utf8().unwrap_or(p))
}

/// The commit a revision names, if this repository has it.
pub(crate) fn commit_of(dir: &Utf8Path, rev: &str) -> Option<String> {
    let spec = format!("{rev}^{{commit}}");
    git(
        dir,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            "--end-of-options",
            &spec,
        ],
    )
    .ok()
}

pub(crate) fn is_shallow(dir: &Utf8Path) -> bool {
    git(dir, &["rev-parse", "--is-shallow-repository"]).is_ok_and(|s| s == "true")
}

pub(crate) fn merge_base(dir: &Utf8Path, a: &str, b: &str) -> Option<String> {
    git(dir, &["merge-base", a, b]).ok()
}

/// Extracts `paths` (relative to the repository top) as they are in `commit` into `dest`,
/// keeping their paths. Paths absent at that commit are skipped, not an error.
pub(crate) fn extract(
    top: &Utf8Path,
    commit: &str,
    paths: &[Utf8PathBuf],
    dest: &Utf8Path,
) -> Result<(), String> {
    let mut present = Vec::new();
    for p in paths {
        let listed = git(top, &["ls-tree", "--name-only", commit, "--", p.as_str()])?;
        if !listed.is_empty() {
            present.push(p.as_str());
        }
    }
    if present.is_empty() {
        return Ok(());
    }
    let mut archive = Command::new("git")
        .current_dir(top)
        .args(["archive", "--format=tar", commit, "--"])
        .args(&present)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("could not run git archive: {e}"))?;
    let stdout = archive.stdout.take().ok_or("git archive gave no output")?;
    let untar = Command::new("tar")
        .arg("-x")
        .arg("-C")
        .arg(dest)
        .stdin(stdout)
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| format!("could not run tar to read git archive's output: {e}"))?;
    let archived = archive
        .wait_with_output()
        .map_err(|e| format!("git archive failed: {e}"))?;
    if !archived.status.success() {
        return Err(format!(
            "git archive {commit} failed: {}",
            String::from_utf8_lossy(&archived.stderr).trim()
        ));
    }
    if !untar.status.success() {
        return Err(format!(
            "tar could not unpack the base's files: {}",
            String::from_utf8_lossy(&untar.stderr).trim()
        ));
    }
    Ok(())
}
