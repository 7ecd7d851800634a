//! `--reuse`: a second run with unchanged migrations skips server start and migrations; a
//! changed migration rebuilds only the template; `sqltest clean` removes the warm state.

mod common;
use common::*;
use std::path::Path;

fn run_reuse(cache: &Path, project: &Path, extra: &[&str]) -> std::process::Output {
    sqltest()
        .env("XDG_CACHE_HOME", cache)
        .args(["run", project.to_str().unwrap(), "--reuse"])
        .args(extra)
        .output()
        .unwrap()
}

fn files_under(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = walk(dir);
    v.sort();
    v
}

fn walk(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        if e.file_type().unwrap().is_dir() {
            out.extend(walk(&e.path()));
        } else {
            out.push(e.file_name().to_string_lossy().into_owned());
        }
    }
    out
}

#[test]
fn sqlite_reuse_hits_then_misses_after_a_migration_changes() {
    let cache = out_dir("reuse_sqlite_cache");
    let project = out_dir("reuse_sqlite_project");
    copy_dir(&fixture("shop-sqlite"), &project);

    let first = run_reuse(&cache, &project, &[]);
    assert_exit(&first, 0);
    assert!(!all_output(&first).contains("reusing the cached template"));

    let second = run_reuse(&cache, &project, &[]);
    assert_exit(&second, 0);
    assert!(
        all_output(&second).contains("reusing the cached template"),
        "{}",
        all_output(&second)
    );
    let templates = files_under(&cache);
    assert_eq!(
        templates.len(),
        1,
        "only the template is kept, no worker clones: {templates:?}"
    );

    // A changed migration: the template is rebuilt (and replaces the old one).
    let v10 = project.join("db/migrations/V10__events_and_indexes.sql");
    let mut text = std::fs::read_to_string(&v10).unwrap();
    text.push_str("\ncreate table reuse_probe (id integer);\n");
    std::fs::write(&v10, text).unwrap();
    let third = run_reuse(&cache, &project, &[]);
    assert_exit(&third, 0);
    assert!(!all_output(&third).contains("reusing the cached template"));
    let after = files_under(&cache);
    assert_eq!(after.len(), 1, "{after:?}");
    assert_ne!(after, templates, "a new template replaced the old one");

    let clean = sqltest()
        .env("XDG_CACHE_HOME", &cache)
        .arg("clean")
        .output()
        .unwrap();
    assert_exit(&clean, 0);
    assert!(files_under(&cache).is_empty());
}

#[test]
fn local_reuse_keeps_a_warm_cluster_until_clean() {
    let cache = out_dir("reuse_local_cache");
    let project = fixture("shop-postgres");
    let first = run_reuse(&cache, &project, &["--backend", "local"]);
    assert_exit(&first, 0);
    let second = run_reuse(&cache, &project, &["--backend", "local"]);
    assert_exit(&second, 0);
    let text = all_output(&second);
    assert!(
        text.contains("(reused;"),
        "the cluster was found again: {text}"
    );
    assert!(text.contains("reusing the cached template"), "{text}");
    assert!(!text.contains("APPLIED ["), "no migration ran: {text}");

    let pidfile = walk_paths(&cache)
        .into_iter()
        .find(|p| p.ends_with("postmaster.pid"))
        .expect("warm cluster running");
    let pid: i32 = std::fs::read_to_string(&pidfile)
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let clean = sqltest()
        .env("XDG_CACHE_HOME", &cache)
        .arg("clean")
        .output()
        .unwrap();
    assert_exit(&clean, 0);
    assert!(!alive(pid), "the warm server is stopped");
    assert!(files_under(&cache).is_empty());
}

fn walk_paths(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        if e.file_type().unwrap().is_dir() {
            out.extend(walk_paths(&e.path()));
        } else {
            out.push(e.path());
        }
    }
    out
}

/// Whether `pid` is a live process (a zombie waiting for a reaper that is not ours counts as
/// gone: it has exited).
fn alive(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => !stat
            .rsplit(')')
            .next()
            .unwrap_or("")
            .trim_start()
            .starts_with('Z'),
        Err(_) => false,
    }
}

/// As root the server runs as the postgres user, which cannot enter a `0700` cache (root's
/// `/root/.cache`): the warm cluster then lives in the temp dir, and `clean` still finds it.
#[test]
fn a_warm_cluster_of_root_with_a_private_cache_lives_where_postgres_can_reach_it() {
    use std::os::unix::fs::PermissionsExt;
    let home = out_dir("reuse_private_home");
    std::fs::set_permissions(&home, std::fs::Permissions::from_mode(0o700)).unwrap();
    let cache = home.join(".cache");
    let project = fixture("shop-postgres");
    let first = run_reuse(&cache, &project, &["--backend", "local"]);
    assert_exit(&first, 0);
    let text = all_output(&first);
    // SAFETY: geteuid has no preconditions.
    let root = unsafe { libc::geteuid() } == 0;
    let data = text
        .split("data in ")
        .nth(1)
        .and_then(|t| t.split(')').next())
        .expect("the phase line names the data directory")
        .to_string();
    assert_eq!(
        !data.starts_with(cache.to_str().unwrap()),
        root,
        "as root the cluster leaves the private cache, otherwise it stays in it: {data}"
    );
    let clean = sqltest()
        .env("XDG_CACHE_HOME", &cache)
        .arg("clean")
        .output()
        .unwrap();
    assert_exit(&clean, 0);
    assert!(
        !Path::new(&data).exists(),
        "clean removed the warm cluster at {data}"
    );
}
