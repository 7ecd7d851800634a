//! Expanding the `seeds` and `specs` globs relative to the project root.

use super::natural::natural_cmp;
use camino::{Utf8Path, Utf8PathBuf};
use globset::GlobBuilder;
use walkdir::WalkDir;

/// Why a pattern could not be expanded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum GlobError {
    /// Not a valid glob; the text says why.
    Invalid(String),
    /// Absolute paths would make the project depend on the machine.
    Absolute,
    /// A literal path that names a directory.
    Directory,
}

/// Files under `root` matching `pattern` (relative to `root`; `*` stays within a directory,
/// `**` crosses directories), as root-relative paths with forward slashes, sorted naturally.
/// A pattern without glob characters is a plain path: it matches itself if it is a file.
/// No match is `Ok(vec![])`; the caller decides whether that is an error.
pub(crate) fn expand(root: &Utf8Path, pattern: &str) -> Result<Vec<Utf8PathBuf>, GlobError> {
    let pattern = normalize(pattern);
    if pattern.starts_with('/') || Utf8Path::new(&pattern).is_absolute() {
        return Err(GlobError::Absolute);
    }
    if !has_glob_chars(&pattern) {
        let path = root.join(&pattern);
        return if path.is_file() {
            Ok(vec![Utf8PathBuf::from(pattern)])
        } else if path.is_dir() {
            Err(GlobError::Directory)
        } else {
            Ok(Vec::new())
        };
    }
    let matcher = GlobBuilder::new(&pattern)
        .literal_separator(true)
        .build()
        .map_err(|e| GlobError::Invalid(e.kind().to_string()))?
        .compile_matcher();
    // Walk only below the literal directory prefix (`db/seeds` for `db/seeds/*.sql`).
    let prefix: Vec<&str> = pattern
        .split('/')
        .take_while(|c| !has_glob_chars(c))
        .collect();
    let prefix = prefix.join("/");
    let base = if prefix.is_empty() {
        root.to_owned()
    } else {
        root.join(&prefix)
    };
    if !base.is_dir() {
        return Ok(Vec::new());
    }
    let mut found = Vec::new();
    let walker = WalkDir::new(&base)
        .follow_links(true)
        .into_iter()
        .filter_entry(|e| e.file_name() != ".git");
    // Unreadable entries are skipped: a pattern cannot name what cannot be read.
    for entry in walker.flatten() {
        if !entry.file_type().is_file() {
            continue;
        }
        let Ok(rel) = entry.path().strip_prefix(&base) else {
            continue;
        };
        let Some(rel) = rel.to_str() else { continue };
        let rel = rel.replace('\\', "/");
        let path = if prefix.is_empty() {
            rel
        } else {
            format!("{prefix}/{rel}")
        };
        if matcher.is_match(&path) {
            found.push(Utf8PathBuf::from(path));
        }
    }
    found.sort_by(|a, b| natural_cmp(a.as_str(), b.as_str()));
    Ok(found)
}

/// Forward slashes, no leading `./`, no trailing `/`.
pub(crate) fn normalize(path: &str) -> String {
    let mut p = path.trim().replace('\\', "/");
    while let Some(rest) = p.strip_prefix("./") {
        p = rest.to_owned();
    }
    while p.len() > 1 && p.ends_with('/') {
        p.pop();
    }
    p
}

fn has_glob_chars(s: &str) -> bool {
    s.contains(['*', '?', '[', '{'])
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn tree(files: &[&str]) -> (tempfile::TempDir, Utf8PathBuf) {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = Utf8PathBuf::from_path_buf(dir.path().to_owned()).expect("utf8 tempdir");
        for f in files {
            let path = root.join(f);
            fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            fs::write(&path, "x").expect("write");
        }
        (dir, root)
    }

    #[test]
    fn globs_match_relative_to_root_and_sort_naturally() {
        let (_dir, root) = tree(&[
            "db/seeds/10_b.sql",
            "db/seeds/2_a.sql",
            "db/seeds/x.txt",
            "db/seeds/sub/1.sql",
        ]);
        let got = expand(&root, "./db/seeds/*.sql").expect("expand");
        assert_eq!(got, ["db/seeds/2_a.sql", "db/seeds/10_b.sql"]);
        let deep = expand(&root, "db/**/*.sql").expect("expand");
        assert_eq!(
            deep,
            [
                "db/seeds/2_a.sql",
                "db/seeds/10_b.sql",
                "db/seeds/sub/1.sql"
            ]
        );
        assert_eq!(expand(&root, "nothing/*.sql"), Ok(vec![]));
    }

    #[test]
    fn literal_paths_and_bad_patterns() {
        let (_dir, root) = tree(&["seed.sql", "db/x.sql"]);
        assert_eq!(
            expand(&root, "seed.sql"),
            Ok(vec![Utf8PathBuf::from("seed.sql")])
        );
        assert_eq!(expand(&root, "missing.sql"), Ok(vec![]));
        assert_eq!(expand(&root, "db"), Err(GlobError::Directory));
        assert_eq!(expand(&root, "/etc/*.sql"), Err(GlobError::Absolute));
        assert!(matches!(
            expand(&root, "db/[x.sql"),
            Err(GlobError::Invalid(_))
        ));
    }
}
