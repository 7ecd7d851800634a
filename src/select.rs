//! Selection for CI scale: `--shard K/N` (a stable hash partition of test and rule ids) and
//! `--changed-since REF` (the files git says changed, and which specs that selects).
//!
//! Pure functions plus one `git` call; [`crate::plan`] applies them. The CI system runs the
//! shards in parallel and `sqltest merge` joins their results: we add no scheduler of our own.

use camino::{Utf8Path, Utf8PathBuf};
use std::collections::BTreeSet;
use std::fmt;
use std::process::Command;
use std::str::FromStr;
use xxhash_rust::xxh64::xxh64;

/// Seed of the shard hash. Changing it reshuffles every shard of every user: never do.
const SHARD_SEED: u64 = 0;

/// `--shard K/N`: this run executes the K-th of N disjoint parts (1-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// 1-based index, `1..=total`.
    pub index: u32,
    pub total: u32,
}

/// Why a `--shard` value could not be understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("read --shard `{given}`: {reason}")]
pub struct ShardParseError {
    pub given: String,
    pub reason: &'static str,
}

impl FromStr for Shard {
    type Err = ShardParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = |reason| ShardParseError {
            given: s.to_owned(),
            reason,
        };
        let (k, n) = s
            .split_once('/')
            .ok_or_else(|| err("expected K/N, e.g. 2/4"))?;
        let index: u32 = k
            .trim()
            .parse()
            .map_err(|_| err("K is not a whole number"))?;
        let total: u32 = n
            .trim()
            .parse()
            .map_err(|_| err("N is not a whole number"))?;
        if total == 0 {
            return Err(err("N must be at least 1"));
        }
        if index == 0 || index > total {
            return Err(err("K must be between 1 and N"));
        }
        Ok(Shard { index, total })
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.total)
    }
}

impl Shard {
    /// Whether the item with this id belongs to this shard. Depends only on the id, so it is
    /// the same on every machine, in every run, whatever else the project contains.
    pub fn contains(&self, id: &str) -> bool {
        shard_of(id, self.total) == self.index
    }
}

/// The 1-based shard of `n` an id falls in: xxh64 of its UTF-8 bytes, modulo `n`.
pub fn shard_of(id: &str, n: u32) -> u32 {
    let n = n.max(1);
    (xxh64(id.as_bytes(), SHARD_SEED) % u64::from(n)) as u32 + 1
}

/// The ids of shard `k` of `n` (1-based), in their given order.
pub fn shard<'a, I>(ids: I, k: u32, n: u32) -> Vec<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    ids.into_iter().filter(|id| shard_of(id, n) == k).collect()
}

/// Why the changed files could not be listed.
#[derive(Debug, thiserror::Error)]
pub enum ChangedFilesError {
    #[error("run git in {dir}: {source}")]
    Spawn {
        dir: Utf8PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "list files changed since `{since}` with git in {dir}: {stderr} (a shallow clone needs \
         `fetch-depth: 0` or `GIT_DEPTH: 0`)"
    )]
    Git {
        dir: Utf8PathBuf,
        since: String,
        stderr: String,
    },
    #[error("read git output in {dir}: a path is not UTF-8")]
    NotUtf8 { dir: Utf8PathBuf },
    #[error("list files changed since `{since}`: the revision must not start with `-`")]
    BadRevision { since: String },
}

fn git(root: &Utf8Path, args: &[&str], since: &str) -> Result<String, ChangedFilesError> {
    let out = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|source| ChangedFilesError::Spawn {
            dir: root.to_owned(),
            source,
        })?;
    if !out.status.success() {
        return Err(ChangedFilesError::Git {
            dir: root.to_owned(),
            since: since.to_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
        });
    }
    String::from_utf8(out.stdout).map_err(|_| ChangedFilesError::NotUtf8 {
        dir: root.to_owned(),
    })
}

/// Files added, copied, modified or renamed between the merge-base of `since_ref` and `HEAD`
/// (`git diff --name-only --diff-filter=ACMR <ref>...HEAD`), relative to the project `root`.
/// Files outside the project are left out. Deleted files are not listed: nothing runs them.
pub fn changed_files(
    root: &Utf8Path,
    since_ref: &str,
) -> Result<Vec<Utf8PathBuf>, ChangedFilesError> {
    if since_ref.starts_with('-') {
        // Would be read as an option by git.
        return Err(ChangedFilesError::BadRevision {
            since: since_ref.to_owned(),
        });
    }
    // git prints paths relative to the top of the work tree; the project may be a subfolder.
    let prefix = git(root, &["rev-parse", "--show-prefix"], since_ref)?;
    let prefix = prefix.trim_end_matches(['\n', '\r']);
    let range = format!("{since_ref}...HEAD");
    let listing = git(
        root,
        &[
            "-c",
            "core.quotePath=false",
            "diff",
            "--name-only",
            "--diff-filter=ACMR",
            &range,
            "--",
        ],
        since_ref,
    )?;
    Ok(listing
        .lines()
        .filter(|l| !l.is_empty())
        .filter_map(|l| l.strip_prefix(prefix))
        .map(Utf8PathBuf::from)
        .collect())
}

/// What `--changed-since` selects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChangeScope {
    /// A migration, seed or the project file changed: every test and rule may be affected.
    Everything,
    /// Only the specs whose files changed (possibly none).
    Specs(BTreeSet<Utf8PathBuf>),
}

impl ChangeScope {
    /// Whether the spec at `path` (relative to the project root) is selected.
    pub fn includes_spec(&self, path: &Utf8Path) -> bool {
        match self {
            ChangeScope::Everything => true,
            ChangeScope::Specs(specs) => specs.contains(path),
        }
    }

    /// Whether nothing at all is selected (the pre-push hook then skips the run).
    pub fn is_nothing(&self) -> bool {
        match self {
            ChangeScope::Everything => false,
            ChangeScope::Specs(specs) => specs.is_empty(),
        }
    }
}

/// What the project is made of, as paths relative to its root.
#[derive(Debug, Clone, Copy)]
pub struct ProjectFiles<'a> {
    /// `sqltest.yaml`.
    pub config: &'a Utf8Path,
    /// The migrations directory, if any.
    pub migrations: Option<&'a Utf8Path>,
    pub seeds: &'a [Utf8PathBuf],
    /// Every spec file of the project.
    pub specs: &'a [&'a Utf8Path],
}

/// Decides what the changed files (relative to the project root) select: everything when the
/// project file, a migration or a seed changed, otherwise the changed spec files.
pub fn change_scope(changed: &[Utf8PathBuf], project: ProjectFiles<'_>) -> ChangeScope {
    let mut specs = BTreeSet::new();
    for path in changed {
        let path = path.as_path();
        let is_migration = project.migrations.is_some_and(|dir| path.starts_with(dir));
        if path == project.config || is_migration || project.seeds.iter().any(|s| s == path) {
            return ChangeScope::Everything;
        }
        if project.specs.contains(&path) {
            specs.insert(path.to_owned());
        }
    }
    ChangeScope::Specs(specs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shard_parses_and_rejects_bad_values() {
        assert_eq!("2/4".parse::<Shard>(), Ok(Shard { index: 2, total: 4 }));
        for bad in ["0/4", "5/4", "1/0", "x/2", "2", "1/-1", ""] {
            assert!(bad.parse::<Shard>().is_err(), "{bad} should be rejected");
        }
        assert_eq!(Shard { index: 3, total: 8 }.to_string(), "3/8");
    }

    #[test]
    fn shards_partition_ids_disjointly_and_completely() {
        let ids: Vec<String> = (0..500)
            .map(|i| format!("sqltest/s{}.yaml::test {i}", i % 7))
            .collect();
        let n = 4;
        let mut seen = BTreeSet::new();
        let mut sizes = Vec::new();
        for k in 1..=n {
            let part = shard(ids.iter().map(String::as_str), k, n);
            sizes.push(part.len());
            for id in part {
                assert!(seen.insert(id), "{id} is in two shards");
            }
        }
        assert_eq!(seen.len(), ids.len());
        // A hash spreads 500 ids roughly evenly: no shard is empty or holds most of them.
        assert!(sizes.iter().all(|&s| s > 60 && s < 200), "{sizes:?}");
    }

    #[test]
    fn shard_of_is_stable_across_builds() {
        // Pinned values: a change here silently moves tests between CI shards.
        assert_eq!(xxh64(b"a", 0), 0xd24e_c4f1_a98c_6e5b);
        assert_eq!(shard_of("a", 1), 1);
        let k = shard_of("sqltest/orders.yaml::order total adds tax", 4);
        assert_eq!(k, shard_of("sqltest/orders.yaml::order total adds tax", 4));
        assert!(Shard { index: k, total: 4 }.contains("sqltest/orders.yaml::order total adds tax"));
    }

    fn files<'a>(specs: &'a [&'a Utf8Path], seeds: &'a [Utf8PathBuf]) -> ProjectFiles<'a> {
        ProjectFiles {
            config: Utf8Path::new("sqltest.yaml"),
            migrations: Some(Utf8Path::new("db/migrations")),
            seeds,
            specs,
        }
    }

    #[test]
    fn changed_specs_select_themselves_and_migrations_select_everything() {
        let specs = [
            Utf8Path::new("sqltest/a.yaml"),
            Utf8Path::new("sqltest/b.yaml"),
        ];
        let seeds = [Utf8PathBuf::from("db/seed.sql")];
        let p = files(&specs, &seeds);
        let only_a = change_scope(&["sqltest/a.yaml".into(), "README.md".into()], p);
        assert_eq!(only_a, ChangeScope::Specs(["sqltest/a.yaml".into()].into()));
        assert!(only_a.includes_spec("sqltest/a.yaml".into()));
        assert!(!only_a.includes_spec("sqltest/b.yaml".into()));
        assert!(change_scope(&["docs/x.md".into()], p).is_nothing());
        for everything in ["db/migrations/0002_x.sql", "db/seed.sql", "sqltest.yaml"] {
            assert_eq!(
                change_scope(&[everything.into()], p),
                ChangeScope::Everything,
                "{everything}"
            );
        }
        // A sibling directory whose name merely starts like the migrations dir is not one.
        assert!(change_scope(&["db/migrations_old/x.sql".into()], p).is_nothing());
    }

    fn run(dir: &Utf8Path, args: &[&str]) {
        let st = Command::new("git")
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
            .expect("git runs");
        assert!(
            st.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&st.stderr)
        );
    }

    #[test]
    fn changed_files_are_relative_to_a_project_in_a_subfolder() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let top = Utf8Path::from_path(tmp.path()).expect("utf8").to_owned();
        let project = top.join("db-project");
        std::fs::create_dir_all(project.join("sqltest")).expect("mkdir");
        std::fs::write(project.join("sqltest/a.yaml"), "tests: []\n").expect("write");
        std::fs::write(project.join("sqltest/gone.yaml"), "tests: []\n").expect("write");
        run(&top, &["init", "-q", "-b", "main"]);
        run(&top, &["add", "."]);
        run(&top, &["commit", "-q", "-m", "base"]);
        run(&top, &["checkout", "-q", "-b", "feature"]);
        std::fs::write(project.join("sqltest/a.yaml"), "tests: [] # changed\n").expect("write");
        std::fs::write(project.join("sqltest/new.yaml"), "rules: []\n").expect("write");
        std::fs::write(top.join("outside.txt"), "x").expect("write");
        std::fs::remove_file(project.join("sqltest/gone.yaml")).expect("rm");
        run(&top, &["add", "-A"]);
        run(&top, &["commit", "-q", "-m", "change"]);
        let changed = changed_files(&project, "main").expect("diff");
        assert_eq!(
            changed,
            vec![
                Utf8PathBuf::from("sqltest/a.yaml"),
                "sqltest/new.yaml".into()
            ]
        );
        assert!(matches!(
            changed_files(&project, "no-such-ref"),
            Err(ChangedFilesError::Git { .. })
        ));
        assert!(matches!(
            changed_files(&project, "--output=x"),
            Err(ChangedFilesError::BadRevision { .. })
        ));
    }
}
