//! The warm template cache behind `--reuse`: a prepared template database is kept on the
//! reused server under a name derived from a content hash of everything that shapes it
//! (engine, image, every migration and seed file's path and bytes). A later run with the
//! same hash clones it directly and skips migrations; any change builds a new one.
//! With a base (`--base`), two more kinds are kept beside it: the base branch's template (base
//! migrations and seeds) and the fresh install's common prefix (the HEAD migrations before the
//! first new one), so a warm upgrade run re-applies only the change's new migrations.

use super::prepare::Script;
use crate::project::Engine;
use sha2::{Digest, Sha256};

/// Prefix of every cached template's name.
pub const TEMPLATE_PREFIX: &str = "sqltest_tpl_";

/// Which database of a run a cached template stands for; each kind keeps one per project.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Every script of the run: the template the tests clone.
    Full,
    /// The base branch's migrations and seeds (the upgrade path's starting point).
    Base,
    /// The HEAD migrations before the first new one, applied from scratch (no seeds).
    FreshPrefix,
}

impl Kind {
    /// The letter that tells the kinds apart in a template's name.
    pub fn tag(self) -> char {
        match self {
            Kind::Full => 'f',
            Kind::Base => 'b',
            Kind::FreshPrefix => 'p',
        }
    }
}

/// `sqltest_tpl_<project tag>_<kind>` — the prefix of this project's cached templates of a kind.
pub fn project_prefix(project_root: &str, kind: Kind) -> String {
    format!(
        "{TEMPLATE_PREFIX}{}_{}",
        &hex_digest(project_root.as_bytes())[..8],
        kind.tag()
    )
}

/// The cached template's name for this content: `sqltest_tpl_<project>_<kind><content hash>`.
/// PostgreSQL names are at most 63 bytes; this one is 12 + 8 + 1 + 1 + 24 = 46.
pub fn template_name(
    project_root: &str,
    kind: Kind,
    engine: Engine,
    image: Option<&str>,
    scripts: &[Script],
) -> String {
    let mut h = Sha256::new();
    h.update(engine.as_str().as_bytes());
    h.update([0]);
    h.update(image.unwrap_or("").as_bytes());
    h.update([0]);
    for s in scripts {
        h.update(s.file.path.as_str().as_bytes());
        h.update([0]);
        h.update(s.file.content.as_bytes());
        h.update([0]);
    }
    let digest = hex::encode(h.finalize());
    format!("{}{}", project_prefix(project_root, kind), &digest[..24])
}

fn hex_digest(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migrate::{Layout, MigrationFile};
    use crate::results::ScriptKind;

    fn script(path: &str, content: &str) -> Script {
        Script {
            kind: ScriptKind::Migration,
            file: MigrationFile {
                path: path.into(),
                version: None,
                description: String::new(),
                layout: Layout::Plain,
                content: content.into(),
                up: 0..content.len(),
                no_transaction: false,
                down: None,
            },
            origin: None,
        }
    }

    #[test]
    fn the_name_changes_with_any_migration_byte_and_stays_otherwise() {
        let a = template_name(
            "/p",
            Kind::Full,
            Engine::Postgres,
            Some("postgres:16-alpine"),
            &[script("1.sql", "create table t()")],
        );
        let same = template_name(
            "/p",
            Kind::Full,
            Engine::Postgres,
            Some("postgres:16-alpine"),
            &[script("1.sql", "create table t()")],
        );
        let changed = template_name(
            "/p",
            Kind::Full,
            Engine::Postgres,
            Some("postgres:16-alpine"),
            &[script("1.sql", "create table t ()")],
        );
        let other_image = template_name(
            "/p",
            Kind::Full,
            Engine::Postgres,
            Some("postgres:15-alpine"),
            &[script("1.sql", "create table t()")],
        );
        assert_eq!(a, same);
        assert_ne!(a, changed);
        assert_ne!(a, other_image);
        assert!(a.starts_with(&project_prefix("/p", Kind::Full)));
        assert!(a.len() <= 63);
    }

    #[test]
    fn kinds_of_one_project_have_disjoint_prefixes() {
        let scripts = [script("1.sql", "create table t()")];
        let full = template_name("/p", Kind::Full, Engine::Sqlite, None, &scripts);
        let base = template_name("/p", Kind::Base, Engine::Sqlite, None, &scripts);
        let prefix = template_name("/p", Kind::FreshPrefix, Engine::Sqlite, None, &scripts);
        for (name, kind) in [
            (&full, Kind::Full),
            (&base, Kind::Base),
            (&prefix, Kind::FreshPrefix),
        ] {
            for other in [Kind::Full, Kind::Base, Kind::FreshPrefix] {
                assert_eq!(
                    name.starts_with(&project_prefix("/p", other)),
                    other == kind
                );
            }
            assert!(name.len() <= 63);
        }
    }
}
