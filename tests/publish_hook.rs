//! The pre-push hook in real git repositories: installed next to (or refusing) an existing
//! hook, silent when a push changes no SQL or YAML of the project, running
//! `sqltest run --reuse --changed-since <remote sha>` in the project otherwise, and aborting the
//! push when the checks fail. A fake `sqltest` records how it was called.

use camino::{Utf8Path, Utf8PathBuf};
use sqltest::hook::{HookError, KEPT_HOOK, install};
use std::process::{Command, Output};

struct Repo {
    _tmp: tempfile::TempDir,
    top: Utf8PathBuf,
    remote: Utf8PathBuf,
    fake: Utf8PathBuf,
    calls: Utf8PathBuf,
}

fn git(dir: &Utf8Path, args: &[&str]) -> Output {
    Command::new("git")
        .arg("-C")
        .arg(dir)
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.com",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .output()
        .expect("git runs")
}

fn ok(dir: &Utf8Path, args: &[&str]) -> String {
    let out = git(dir, args);
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

fn write(path: &Utf8Path, text: &str) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

/// A repository with a project in `db/`, pushed once to a bare remote, and a fake sqltest
/// that logs its working directory and arguments and exits with $FAKE_EXIT.
fn repo() -> Repo {
    let tmp = tempfile::tempdir().expect("tempdir");
    let base = Utf8PathBuf::from_path_buf(tmp.path().to_owned()).expect("utf8");
    let remote = base.join("remote.git");
    let top = base.join("work");
    ok(
        &base,
        &["init", "-q", "--bare", "-b", "main", remote.as_str()],
    );
    ok(&base, &["init", "-q", "-b", "main", top.as_str()]);
    write(
        &top.join("db/sqltest.yaml"),
        "engine: sqlite\nmigrations: migrations\n",
    );
    write(
        &top.join("db/migrations/0001_init.sql"),
        "create table t (id int);\n",
    );
    write(&top.join("README.md"), "hello\n");
    ok(&top, &["add", "."]);
    ok(&top, &["commit", "-q", "-m", "init"]);
    ok(&top, &["remote", "add", "origin", remote.as_str()]);
    ok(&top, &["push", "-q", "origin", "main"]);
    let calls = base.join("calls.log");
    let fake = base.join("bin/sqltest");
    write(
        &fake,
        &format!("#!/bin/sh\necho \"$(pwd) $*\" >> '{calls}'\nexit ${{FAKE_EXIT:-0}}\n"),
    );
    Command::new("chmod")
        .args(["+x", fake.as_str()])
        .status()
        .expect("chmod");
    Repo {
        _tmp: tmp,
        top,
        remote,
        fake,
        calls,
    }
}

impl Repo {
    fn push(&self, fake_exit: &str) -> Output {
        Command::new("git")
            .arg("-C")
            .arg(&self.top)
            .args(["push", "-q", "origin", "HEAD"])
            .env("SQLTEST_BIN", &self.fake)
            .env("FAKE_EXIT", fake_exit)
            .output()
            .expect("push runs")
    }

    fn commit(&self, path: &str, text: &str) {
        write(&self.top.join(path), text);
        ok(&self.top, &["add", "."]);
        ok(&self.top, &["commit", "-q", "-m", path]);
    }

    fn calls(&self) -> String {
        std::fs::read_to_string(&self.calls).unwrap_or_default()
    }

    fn remote_head(&self) -> String {
        ok(&self.remote, &["rev-parse", "main"])
    }
}

#[test]
fn the_hook_runs_only_when_sql_or_yaml_of_the_project_changed() {
    let r = repo();
    let done = install(&r.top.join("db"), false, None).expect("install");
    assert_eq!(done.projects, vec!["db".to_owned()]);
    assert!(done.kept.is_none());

    r.commit("README.md", "changed docs\n");
    let out = r.push("0");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(r.calls(), "", "no SQL changed: sqltest is not run");

    let before = r.remote_head();
    r.commit(
        "db/migrations/0002_more.sql",
        "alter table t add column x int;\n",
    );
    let out = r.push("0");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let calls = r.calls();
    let db = r.top.join("db").canonicalize_utf8().expect("canonical");
    assert_eq!(
        calls.trim(),
        format!("{db} run --reuse --changed-since {before} --base {before}")
    );
}

#[test]
fn failing_checks_abort_the_push() {
    let r = repo();
    install(&r.top.join("db"), false, None).expect("install");
    let before = r.remote_head();
    r.commit("db/sqltest/orders.yaml", "tests: []\n");
    let out = r.push("1");
    assert!(!out.status.success(), "the push must be refused");
    assert_eq!(r.remote_head(), before, "nothing reached the remote");
    assert!(r.calls().contains("--changed-since"));
}

#[test]
fn a_foreign_hook_is_refused_then_kept_with_force() {
    let r = repo();
    let hooks = r.top.join(".git/hooks");
    let marker = r.top.join("foreign-ran");
    write(
        &hooks.join("pre-push"),
        &format!("#!/bin/sh\ncat > '{marker}'\nexit 0\n"),
    );
    Command::new("chmod")
        .args(["+x", hooks.join("pre-push").as_str()])
        .status()
        .expect("chmod");

    let err = install(&r.top.join("db"), false, None).expect_err("refused");
    assert!(matches!(err, HookError::Foreign { .. }), "{err}");
    assert!(err.to_string().contains("--force"), "{err}");
    let untouched = std::fs::read_to_string(hooks.join("pre-push")).expect("read");
    assert!(
        untouched.contains("foreign-ran"),
        "the foreign hook is left alone"
    );

    let done = install(&r.top.join("db"), true, None).expect("forced");
    assert_eq!(done.kept.as_deref(), Some(hooks.join(KEPT_HOOK).as_path()));
    r.commit("db/migrations/0002_more.sql", "select 1;\n");
    let out = r.push("0");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let seen = std::fs::read_to_string(&marker).expect("the kept hook ran");
    assert!(
        seen.contains(" refs/heads/main "),
        "it got the pushed refs on stdin: {seen}"
    );
    assert!(r.calls().contains("run --reuse --changed-since"));
}

#[test]
fn reinstalling_keeps_one_hook_for_several_projects() {
    let r = repo();
    write(&r.top.join("other/sqltest.yaml"), "engine: sqlite\n");
    install(&r.top.join("db"), false, None).expect("first");
    install(&r.top.join("db"), false, None).expect("again: ours, updated in place");
    let done = install(&r.top.join("other"), false, None).expect("second project");
    assert_eq!(done.projects, vec!["db".to_owned(), "other".to_owned()]);
    r.commit("other/sqltest/a.yml", "rules: []\n");
    let out = r.push("0");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let calls = r.calls();
    assert_eq!(
        calls.lines().count(),
        1,
        "only the changed project runs: {calls}"
    );
    assert!(calls.contains("/other run --reuse"), "{calls}");
}

#[test]
fn a_new_branch_is_compared_with_the_remote_default_branch() {
    let r = repo();
    ok(&r.top, &["remote", "set-head", "origin", "main"]);
    install(&r.top.join("db"), false, None).expect("install");
    let fork_point = ok(&r.top, &["rev-parse", "HEAD"]);
    ok(&r.top, &["checkout", "-q", "-b", "feature"]);
    r.commit("db/migrations/0003_x.sql", "select 2;\n");
    let out = r.push("0");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        r.calls().contains(&format!("--changed-since {fork_point}")),
        "{}",
        r.calls()
    );
}
