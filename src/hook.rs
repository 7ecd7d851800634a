//! `sqltest hook install`: the git pre-push hook. It reads the pushed ranges from stdin (see
//! `githooks(5)`), does nothing when a push changes no SQL or YAML file of the project, and
//! otherwise runs `sqltest run --reuse --changed-since <remote sha> --base <remote sha>` in the
//! project, so the pushed migrations are judged on the database the remote's commit builds.
//!
//! The hook is a POSIX shell script we write and recognise by a marker line; a hook we did not
//! write is never overwritten unless `--force`, and then it is kept and run first.

use crate::app::Exit;
use camino::{Utf8Path, Utf8PathBuf};
use clap::{Args, Subcommand};
use std::io::Write;
use std::process::Command;

/// The line that marks a hook as ours.
const MARKER: &str = "# sqltest:pre-push-hook v1";
/// Where `--force` moves a hook we did not write; ours runs it first.
pub const KEPT_HOOK: &str = "pre-push.before-sqltest";
const PROJECTS_BEGIN: &str = "# sqltest:projects-begin";
const PROJECTS_END: &str = "# sqltest:projects-end";

/// `sqltest hook`.
#[derive(Debug, Clone, Args)]
pub struct HookArgs {
    #[command(subcommand)]
    pub command: HookCommand,
}

#[derive(Debug, Clone, Subcommand)]
pub enum HookCommand {
    /// Install a git pre-push hook that runs the project's checks when a push changes them.
    Install(HookInstallArgs),
}

#[derive(Debug, Clone, Args)]
pub struct HookInstallArgs {
    /// The project directory or its sqltest.yaml (default: the working directory).
    pub path: Option<Utf8PathBuf>,

    /// Install even if a pre-push hook sqltest did not write exists; that hook is kept as
    /// `pre-push.before-sqltest` and runs first.
    #[arg(long)]
    pub force: bool,
}

/// Why the hook could not be installed.
#[derive(Debug, thiserror::Error)]
pub enum HookError {
    #[error("find the git repository of {dir}: {message}")]
    NotARepository { dir: Utf8PathBuf, message: String },
    #[error("find the project: no sqltest.yaml in {0} or above")]
    NoProject(Utf8PathBuf),
    #[error(
        "install the pre-push hook: {path} exists and was not written by sqltest; rerun with \
         --force to keep it as {KEPT_HOOK} (run before sqltest's checks)"
    )]
    Foreign { path: Utf8PathBuf },
    #[error("install the pre-push hook: {path} and {kept} both exist; remove one of them")]
    AlreadyKept {
        path: Utf8PathBuf,
        kept: Utf8PathBuf,
    },
    #[error("install the pre-push hook: the project {project} is outside the repository {top}")]
    Outside {
        project: Utf8PathBuf,
        top: Utf8PathBuf,
    },
    #[error("install the pre-push hook at {path}: {source}")]
    Io {
        path: Utf8PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// What `install` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Installed {
    pub hook: Utf8PathBuf,
    /// The projects the hook checks (relative to the repository top; `.` for the top).
    pub projects: Vec<String>,
    /// Where a foreign hook was moved, when `--force` kept one.
    pub kept: Option<Utf8PathBuf>,
}

fn git(dir: &Utf8Path, args: &[&str]) -> Result<String, HookError> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| HookError::NotARepository {
            dir: dir.to_owned(),
            message: e.to_string(),
        })?;
    if !out.status.success() {
        let message = String::from_utf8_lossy(&out.stderr).trim().to_owned();
        return Err(HookError::NotARepository {
            dir: dir.to_owned(),
            message,
        });
    }
    Ok(String::from_utf8_lossy(&out.stdout)
        .trim_end_matches(['\n', '\r'])
        .to_owned())
}

/// Quotes a string for a POSIX shell.
fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// The projects listed in a hook we wrote.
fn listed_projects(script: &str) -> Vec<String> {
    let mut inside = false;
    let mut out = Vec::new();
    for line in script.lines() {
        match line.trim() {
            PROJECTS_BEGIN => inside = true,
            PROJECTS_END => inside = false,
            l if inside => {
                if let Some(q) = l.strip_prefix("check_project ") {
                    out.push(unquote(q));
                }
            }
            _ => {}
        }
    }
    out
}

fn unquote(q: &str) -> String {
    let q = q.trim();
    q.strip_prefix('\'')
        .and_then(|r| r.strip_suffix('\''))
        .unwrap_or(q)
        .replace(r"'\''", "'")
}

/// The hook script for these projects. `fallback_exe` is used when `sqltest` is not on PATH
/// at push time (and `SQLTEST_BIN` is unset).
pub fn script(projects: &[String], fallback_exe: Option<&Utf8Path>) -> String {
    let fallback = fallback_exe.map_or_else(|| "sqltest".to_owned(), |p| sh_quote(p.as_str()));
    let mut calls = String::new();
    for p in projects {
        calls.push_str(&format!("  check_project {}\n", sh_quote(p)));
    }
    format!(
        r#"#!/bin/sh
{MARKER}
# Written by `sqltest hook install` (run it again to update; delete this file to remove).
# Runs the SQL checks of the projects listed below when a push changes their SQL or YAML
# files. Skip once with `git push --no-verify` or SQLTEST_SKIP=1.
[ -n "${{SQLTEST_SKIP:-}}" ] && exit 0
hook_dir=$(dirname "$0")
input=$(cat)
if [ -x "$hook_dir/{KEPT_HOOK}" ]; then
  printf '%s\n' "$input" | "$hook_dir/{KEPT_HOOK}" "$@" || exit $?
fi
remote=${{1:-origin}}
sqltest=${{SQLTEST_BIN:-sqltest}}
command -v "$sqltest" >/dev/null 2>&1 || sqltest={fallback}
top=$(git rev-parse --show-toplevel) || exit 1
head=$(git rev-parse --verify -q HEAD)
zero=0000000000000000000000000000000000000000
status=0

# $1: project directory relative to the top; uses $base (empty: check everything).
check_project() {{
  dir=$1
  if [ -n "$base" ]; then
    changed=$(git -C "$top" diff --name-only --diff-filter=ACMR "$base" "$head" -- "$dir" </dev/null |
      grep -E '\.(sql|ya?ml)$')
    [ -n "$changed" ] || return 0
    echo "sqltest: checking $dir (SQL or YAML changed since $base)" >&2
    (cd "$top/$dir" && "$sqltest" run --reuse --changed-since "$base" --base "$base" </dev/null) || status=1
  else
    echo "sqltest: checking $dir (no common base with $remote: everything)" >&2
    (cd "$top/$dir" && "$sqltest" run --reuse </dev/null) || status=1
  fi
}}

while read -r local_ref local_oid remote_ref remote_oid; do
  [ -n "$local_oid" ] || continue
  [ "$local_oid" = "$zero" ] && continue  # a deleted branch
  if [ "$local_oid" != "$head" ]; then
    echo "sqltest: not checking $local_ref: it is not the checked-out commit" >&2
    continue
  fi
  if [ "$remote_oid" = "$zero" ]; then
    # A new branch: compare with where it forked from the remote's default branch.
    base=$(git merge-base "$local_oid" "refs/remotes/$remote/HEAD" 2>/dev/null </dev/null) || base=
  else
    base=$remote_oid
  fi
  if [ -n "$base" ] && ! git cat-file -e "$base^{{commit}}" 2>/dev/null </dev/null; then
    base=
  fi
{PROJECTS_BEGIN}
{calls}{PROJECTS_END}
done <<SQLTEST_REFS
$input
SQLTEST_REFS
exit $status
"#
    )
}

/// Installs (or updates) the pre-push hook of the repository holding `project_root`, adding
/// the project to the ones an existing sqltest hook already checks.
pub fn install(
    project_root: &Utf8Path,
    force: bool,
    fallback_exe: Option<&Utf8Path>,
) -> Result<Installed, HookError> {
    let top = Utf8PathBuf::from(git(project_root, &["rev-parse", "--show-toplevel"])?);
    let hooks_dir = git(
        project_root,
        &["rev-parse", "--path-format=absolute", "--git-path", "hooks"],
    )?;
    let hooks_dir = Utf8PathBuf::from(hooks_dir);
    // Compare canonical paths: the top may be reached through a symlink (/tmp on macOS).
    let canon = |p: &Utf8Path| p.canonicalize_utf8().unwrap_or_else(|_| p.to_owned());
    let (top_c, root_c) = (canon(&top), canon(project_root));
    let rel = root_c
        .strip_prefix(&top_c)
        .map_err(|_| HookError::Outside {
            project: project_root.to_owned(),
            top: top.clone(),
        })?;
    let project = if rel.as_str().is_empty() {
        ".".to_owned()
    } else {
        rel.as_str().to_owned()
    };

    let hook = hooks_dir.join("pre-push");
    let kept_path = hooks_dir.join(KEPT_HOOK);
    let io = |path: &Utf8Path| {
        let path = path.to_owned();
        move |source| HookError::Io { path, source }
    };
    let mut projects = Vec::new();
    let mut kept = None;
    match std::fs::read_to_string(&hook) {
        Ok(existing) if existing.contains(MARKER) => projects = listed_projects(&existing),
        Ok(_) if !force => return Err(HookError::Foreign { path: hook }),
        Ok(_) => {
            if kept_path.exists() {
                return Err(HookError::AlreadyKept {
                    path: hook,
                    kept: kept_path,
                });
            }
            std::fs::rename(&hook, &kept_path).map_err(io(&hook))?;
            kept = Some(kept_path);
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => {
            return Err(HookError::Io {
                path: hook,
                source: e,
            });
        }
    }
    if !projects.contains(&project) {
        projects.push(project);
    }
    std::fs::create_dir_all(&hooks_dir).map_err(io(&hooks_dir))?;
    std::fs::write(&hook, script(&projects, fallback_exe)).map_err(io(&hook))?;
    make_executable(&hook)?;
    Ok(Installed {
        hook,
        projects,
        kept,
    })
}

fn make_executable(path: &Utf8Path) -> Result<(), HookError> {
    use std::os::unix::fs::PermissionsExt;
    let perms = std::fs::Permissions::from_mode(0o755);
    std::fs::set_permissions(path, perms).map_err(|source| HookError::Io {
        path: path.to_owned(),
        source,
    })
}

/// Runs `sqltest hook …`.
pub fn hook_command(args: HookArgs, out: &mut dyn Write, err: &mut dyn Write) -> Exit {
    match args.command {
        HookCommand::Install(a) => {
            let start = match a.path {
                Some(p) => p,
                None => match std::env::current_dir()
                    .ok()
                    .and_then(|d| Utf8PathBuf::from_path_buf(d).ok())
                {
                    Some(d) => d,
                    None => {
                        let _ =
                            writeln!(err, "error: the working directory is not readable as UTF-8");
                        return Exit::Invalid;
                    }
                },
            };
            let Some(root) = crate::app::project_root(&start) else {
                let _ = writeln!(err, "error: {}", HookError::NoProject(start));
                return Exit::Invalid;
            };
            let exe = std::env::current_exe()
                .ok()
                .and_then(|p| Utf8PathBuf::from_path_buf(p).ok());
            match install(&root, a.force, exe.as_deref()) {
                Ok(done) => {
                    let _ = writeln!(
                        out,
                        "installed {} (checks: {})",
                        done.hook,
                        done.projects.join(", ")
                    );
                    if let Some(k) = done.kept {
                        let _ = writeln!(out, "kept the previous hook as {k}; it runs first");
                    }
                    Exit::Success
                }
                Err(
                    e @ (HookError::Foreign { .. }
                    | HookError::AlreadyKept { .. }
                    | HookError::Outside { .. }),
                ) => {
                    let _ = writeln!(err, "error: {e}");
                    Exit::Invalid
                }
                Err(
                    e @ (HookError::NotARepository { .. }
                    | HookError::NoProject(_)
                    | HookError::Io { .. }),
                ) => {
                    let _ = writeln!(err, "error: {e}");
                    Exit::Environment
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn project_lists_round_trip_through_the_script() {
        let projects = vec![".".to_owned(), "db/it's here".to_owned()];
        let s = script(&projects, Some("/opt/sqltest bin/sqltest".into()));
        assert_eq!(listed_projects(&s), projects);
        assert!(s.contains("sqltest='/opt/sqltest bin/sqltest'"), "{s}");
        assert!(s.starts_with("#!/bin/sh\n# sqltest:pre-push-hook v1\n"));
    }

    #[test]
    fn the_script_is_valid_posix_shell() {
        let s = script(&[".".to_owned()], None);
        let out = Command::new("sh")
            .args(["-n", "-c", &s])
            .output()
            .expect("sh runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
