//! The change under review, judged as production will see it: the base commit's migrations
//! and seeds build the database production has, the change's new migrations are applied on
//! top, and the migration history is compared file by file (see [`history`]).

pub mod base;
mod git;
pub mod history;
pub mod schema;

use crate::migrate::discover::{self, DiscoverErrorKind, MigrationFile};
use crate::migrate::prepare::Script;
use crate::project::{Project, UpgradeSeeds};
use crate::results::{Finding, Origin, ScriptKind};
use camino::{Utf8Path, Utf8PathBuf};
use std::collections::HashSet;

pub use base::{Base, BaseError, BaseSource, find_base};

/// The upgrade path and what the history says about the change.
#[derive(Debug)]
pub struct Change {
    pub base: Base,
    /// Base migrations, base seeds (unless `upgrade_seeds: head`), the new migrations, then the
    /// change's seeds with `upgrade_seeds: head`; each marked with its origin.
    pub scripts: Vec<Script>,
    pub findings: Vec<Finding>,
    /// How many migrations the change adds.
    pub new_migrations: usize,
}

/// Reads the base's files from git objects and composes the upgrade path. `head` is the
/// change's scripts as the work tree has them (migrations then seeds).
pub fn prepare_change(project: &Project, head: &[Script], base: Base) -> Result<Change, BaseError> {
    let top = git::top_level(&project.root).ok_or_else(|| {
        BaseError::Invalid(format!("{} is not in a git repository", project.root))
    })?;
    let prefix = project
        .root
        .strip_prefix(&top)
        .map(Utf8Path::to_path_buf)
        .unwrap_or_default();
    let tmp = tempfile::tempdir()
        .map_err(|e| BaseError::Environment(format!("cannot create a temporary directory: {e}")))?;
    let dest = Utf8Path::from_path(tmp.path())
        .ok_or_else(|| BaseError::Environment("the temporary directory is not UTF-8".into()))?;
    let mut wanted: Vec<Utf8PathBuf> = vec![prefix.join("sqitch.conf")];
    wanted.extend(project.migrations.iter().map(|m| prefix.join(m)));
    wanted.extend(project.seeds.iter().map(|s| prefix.join(s)));
    git::extract(&top, &base.commit, &wanted, dest).map_err(BaseError::Environment)?;
    let base_root = dest.join(&prefix);

    let base_migrations = match &project.migrations {
        None => Vec::new(),
        Some(dir) => base_migrations(&base_root, dir, project, &base)?,
    };
    let base_seeds: Vec<MigrationFile> = project
        .seeds
        .iter()
        .filter(|s| base_root.join(s).is_file())
        .map(|s| discover::load_script(&base_root, s))
        .collect::<Result<_, _>>()
        .map_err(|e| BaseError::Invalid(format!("at the base {}: {e}", short(&base.commit))))?;

    let head_migrations: Vec<&MigrationFile> = head
        .iter()
        .filter(|s| s.kind == ScriptKind::Migration)
        .map(|s| &s.file)
        .collect();
    let owned_head: Vec<MigrationFile> = head_migrations.iter().map(|f| (*f).clone()).collect();
    let findings = history::history_findings(
        &base_migrations,
        &owned_head,
        &project.change.history,
        project.change.baseline.as_deref(),
    );

    let at_base: HashSet<&Utf8Path> = base_migrations.iter().map(|f| f.path.as_path()).collect();
    // A new file within the baseline is the squashed history itself: databases upgraded from
    // the base already have its objects, so it is not applied on top of them.
    let baseline = project.change.baseline.as_deref();
    let new: Vec<&MigrationFile> = head_migrations
        .iter()
        .copied()
        .filter(|f| !at_base.contains(f.path.as_path()))
        .filter(|f| !history::within_baseline(f, baseline))
        .collect();
    let new_migrations = new.len();
    let script = |kind, file: &MigrationFile, origin| Script {
        kind,
        file: file.clone(),
        origin: Some(origin),
    };
    let mut scripts: Vec<Script> = base_migrations
        .iter()
        .map(|f| script(ScriptKind::Migration, f, Origin::Base))
        .collect();
    if project.change.upgrade_seeds == UpgradeSeeds::Base {
        scripts.extend(
            base_seeds
                .iter()
                .map(|f| script(ScriptKind::Seed, f, Origin::Base)),
        );
    }
    scripts.extend(
        new.iter()
            .map(|f| script(ScriptKind::Migration, f, Origin::New)),
    );
    if project.change.upgrade_seeds == UpgradeSeeds::Head {
        scripts.extend(
            head.iter()
                .filter(|s| s.kind == ScriptKind::Seed)
                .map(|s| script(ScriptKind::Seed, &s.file, Origin::New)),
        );
    }
    Ok(Change {
        base,
        scripts,
        findings,
        new_migrations,
    })
}

/// The base's migrations in layout order; a base without the directory (or without any
/// migration yet) has none, so every migration of the change is new.
fn base_migrations(
    base_root: &Utf8Path,
    dir: &Utf8Path,
    project: &Project,
    base: &Base,
) -> Result<Vec<MigrationFile>, BaseError> {
    match discover::discover(base_root, dir, project.engine) {
        Ok(found) => Ok(found.files),
        Err(e) if matches!(e.kind, DiscoverErrorKind::MissingDir) => Ok(Vec::new()),
        Err(e) => Err(BaseError::Invalid(format!(
            "the migrations at the base {} ({}) cannot be read: {e}",
            short(&base.commit),
            base.requested
        ))),
    }
}

/// A commit as people quote it.
pub fn short(commit: &str) -> &str {
    commit.get(..10).unwrap_or(commit)
}
