//! The warm template cache behind `--reuse`: a prepared template database is kept on the
//! reused server under a name derived from a content hash of everything that shapes it
//! (engine, image, every migration and seed file's path and bytes). A later run with the
//! same hash clones it directly and skips migrations; any change builds a new one.

use super::prepare::Script;
use crate::project::Engine;
use sha2::{Digest, Sha256};

/// Prefix of every cached template's name.
pub const TEMPLATE_PREFIX: &str = "sqltest_tpl_";

/// `sqltest_tpl_<project tag>_` — the prefix of this project's cached templates.
pub fn project_prefix(project_root: &str) -> String {
    format!(
        "{TEMPLATE_PREFIX}{}_",
        &hex_digest(project_root.as_bytes())[..8]
    )
}

/// The cached template's name for this content: `sqltest_tpl_<project>_<content hash>`.
/// PostgreSQL names are at most 63 bytes; this one is 8 + 1 + 8 + 1 + 24 = 42 + prefix.
pub fn template_name(
    project_root: &str,
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
    format!("{}{}", project_prefix(project_root), &digest[..24])
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
            Engine::Postgres,
            Some("postgres:16-alpine"),
            &[script("1.sql", "create table t()")],
        );
        let same = template_name(
            "/p",
            Engine::Postgres,
            Some("postgres:16-alpine"),
            &[script("1.sql", "create table t()")],
        );
        let changed = template_name(
            "/p",
            Engine::Postgres,
            Some("postgres:16-alpine"),
            &[script("1.sql", "create table t ()")],
        );
        let other_image = template_name(
            "/p",
            Engine::Postgres,
            Some("postgres:15-alpine"),
            &[script("1.sql", "create table t()")],
        );
        assert_eq!(a, same);
        assert_ne!(a, changed);
        assert_ne!(a, other_image);
        assert!(a.starts_with(&project_prefix("/p")));
        assert!(a.len() <= 63);
    }
}
