//! Finding the migration files of a directory, detecting their layout, and ordering them.
//!
//! The layout is detected from the directory's entries, first match wins:
//! 0. **Sqitch**: the directory holds `sqitch.plan` and `deploy/`, or it is the `deploy/`
//!    directory beside `sqitch.plan`. The plan's changes are applied in plan order from
//!    `deploy/<change>.sql` (a reworked change's earlier versions from `<change>@<tag>.sql`);
//!    revert and verify scripts are not run. A `sqitch.conf` in the directory may move them:
//!    `[core]` `top_dir`, `plan_file` and `deploy_dir` are honoured.
//! 1. **Prisma**: a subdirectory holds a `migration.sql` (`<timestamp>_<name>/migration.sql`).
//!    Applied in directory-name order, as Prisma does; `migration_lock.toml` is ignored.
//!    **Diesel**: a subdirectory holds an `up.sql` (`<version>_<name>/up.sql`, `down.sql`
//!    beside it; versions like `2019-02-26-002946`, dashes ignored as Diesel does, or
//!    `00000000000000`). `metadata.toml` with `run_in_transaction = false` runs it outside a
//!    transaction.
//! 2. **dbmate**: a top-level `.sql` file has a line `-- migrate:up`. Files are
//!    `<version>_<name>.sql`; only the up section is applied (from its `-- migrate:up` line up
//!    to the `-- migrate:down` line, or the end).
//!    **goose**: a top-level `.sql` file has a line `-- +goose Up`. Files are
//!    `<version>_<name>.sql`; only the up section is applied (to `-- +goose Down`), and
//!    `-- +goose NO TRANSACTION` runs the file outside a transaction, and between
//!    `-- +goose ENVSUB ON` and `OFF` lines `${VAR}`-style references are substituted from the
//!    environment, as goose does.
//! 3. **Flyway**: a top-level `.sql` file is named `V<ver>__<desc>.sql` or `R__<desc>.sql` (or
//!    there are no top-level files but subdirectories hold such files: Flyway searches
//!    recursively). `<ver>` is like `1`, `1.1`, `1_1`, `2.0.3`. Versioned files run in version
//!    order, then repeatable (`R__`) ones by description. Undo (`U`) and baseline (`B`) files and
//!    callbacks (`beforeMigrate.sql`, `afterMigrate__x.sql`, …) are not applied.
//!    **popx** (ory), after Flyway: a top-level file is `<version>_<name>.<dialect>.up.sql`
//!    with a dialect `postgres`, `sqlite3`, `mysql` or `cockroach`. Per version, the engine's
//!    file is applied (MariaDB reads `mysql`), else the dialect-less `<version>_<name>.up.sql`,
//!    else nothing.
//! 4. **golang-migrate**: every top-level `.sql` file is `<ver>_<name>.up.sql` or `.down.sql`
//!    (the same names as reversible sqlx migrations; a `-- no-transaction` first line, which only
//!    sqlx knows, makes it sqlx).
//! 5. **sqlx**: every top-level `.sql` file is `<ver>_<desc>.sql`, `.up.sql` or `.down.sql`.
//! 6. **Plain**: anything else: every top-level `*.sql` in natural order (`2` before `10`).
//!
//! `.sql` files anywhere under the directory that give no migration at all are an error, never
//! an empty run; those the detected layout leaves unused are listed in [`Discovered::ignored`].
//!
//! `.down.sql` files are never applied, in any layout. Names are matched with a case-insensitive
//! `.sql`; hidden entries and non-`.sql` files are ignored. Versions compare numerically part by
//! part ([`version_cmp`]); two files with the same version are an error naming both.
//!
//! A migration runs outside a transaction when its first line is `-- sqltest:no-transaction`
//! (any layout), or `-- no-transaction` (sqlx), or its up line is `-- migrate:up
//! transaction:false` (dbmate), or it has a `-- +goose NO TRANSACTION` line (goose), or its
//! Flyway `<file>.conf` sets `executeInTransaction=false`.

mod layouts;

use super::order::version_cmp;
use crate::project::Engine;
use camino::{Utf8Path, Utf8PathBuf};
pub(crate) use layouts::Env;
use layouts::{
    DBMATE, Direction, GOOSE, dialect_name, diesel, flyway, flyway_name, flyway_skips,
    has_up_marker, nested_flyway, per_dialect, plain, plain_file, prisma_file, sectioned, sqitch,
    sqitch_conf, sqitch_project, sqlx_like, sqlx_name,
};
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::collections::HashSet;
use std::fmt;
use std::io;
use std::ops::Range;

/// A migration tool's directory layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Layout {
    Sqlx,
    Flyway,
    GolangMigrate,
    Dbmate,
    Goose,
    Sqitch,
    Prisma,
    Diesel,
    /// ory's popx: `<version>_<name>.<dialect>.up.sql`, one file per engine.
    Popx,
    Plain,
}

impl Layout {
    pub fn as_str(self) -> &'static str {
        match self {
            Layout::Sqlx => "sqlx",
            Layout::Flyway => "flyway",
            Layout::GolangMigrate => "golang-migrate",
            Layout::Dbmate => "dbmate",
            Layout::Goose => "goose",
            Layout::Sqitch => "sqitch",
            Layout::Prisma => "prisma",
            Layout::Diesel => "diesel",
            Layout::Popx => "popx",
            Layout::Plain => "plain",
        }
    }
}

impl fmt::Display for Layout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One migration (or seed) file, read and ready to apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationFile {
    /// Relative to the project root.
    pub path: Utf8PathBuf,
    /// The version as the layout spells it (`"001"`, `"1.1"` for Flyway's `V1_1__`); `None` for
    /// Flyway repeatables and plain files.
    pub version: Option<String>,
    /// The name part, underscores shown as spaces (plain files: the file stem).
    pub description: String,
    pub layout: Layout,
    /// The whole file, without a UTF-8 byte order mark.
    pub content: String,
    /// The byte range of `content` to apply: the up section (dbmate, goose), else the whole file.
    pub up: Range<usize>,
    /// Run outside a transaction (see the module docs for the markers).
    pub no_transaction: bool,
    /// The down (revert) script, for layouts that have one: sqlx and golang-migrate
    /// `.down.sql`, dbmate and goose down sections (used by the reversibility check only;
    /// down scripts are never applied by a plain run).
    pub down: Option<DownScript>,
}

/// The down half of a migration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DownScript {
    /// Relative to the project root: the `.down.sql` file, or the migration's own file for a
    /// down section.
    pub path: Utf8PathBuf,
    /// The whole file, without a UTF-8 byte order mark.
    pub content: String,
    /// The byte range of `content` that is the down SQL (the section after the down marker,
    /// else the whole file).
    pub range: Range<usize>,
    /// Run outside a transaction.
    pub no_transaction: bool,
}

impl DownScript {
    /// The SQL to apply (`content[range]`).
    pub fn sql(&self) -> &str {
        self.content.get(self.range.clone()).unwrap_or("")
    }
}

impl MigrationFile {
    /// The SQL to apply (`content[up]`).
    pub fn up_sql(&self) -> &str {
        self.content.get(self.up.clone()).unwrap_or("")
    }
}

/// Why migrations could not be discovered; `path` is relative to the project root.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {kind}")]
pub struct DiscoverError {
    pub path: Utf8PathBuf,
    pub kind: DiscoverErrorKind,
}

/// The kinds of [`DiscoverError`].
#[derive(Debug, thiserror::Error)]
pub enum DiscoverErrorKind {
    #[error("no such directory")]
    MissingDir,
    #[error("not a directory")]
    NotADirectory,
    #[error("no such file")]
    MissingFile,
    #[error("{0}")]
    Io(io::Error),
    #[error("a file name in this directory is not valid UTF-8")]
    NonUtf8Name,
    #[error("not valid UTF-8 text")]
    NotUtf8,
    #[error("duplicate migration version {version} (also {other})")]
    DuplicateVersion { version: String, other: Utf8PathBuf },
    #[error("duplicate repeatable migration {description:?} (also {other})")]
    DuplicateRepeatable {
        description: String,
        other: Utf8PathBuf,
    },
    #[error("file name does not fit the {layout} layout detected from {other}")]
    MixedLayout { layout: Layout, other: Utf8PathBuf },
    #[error("no such file ({plan} line {line} deploys it)")]
    PlannedScriptMissing { plan: Utf8PathBuf, line: usize },
    #[error(
        "{count} .sql file(s) here ({}), but none is a migration sqltest applies for engine {}; the layouts it knows: {KNOWN_LAYOUTS}",
        examples.join(", "), engine.as_str()
    )]
    NoMigrations {
        /// The first few files found, relative to the root (with `…` when there are more).
        examples: Vec<String>,
        count: usize,
        engine: Engine,
    },
    #[error("{layout} migration has no `{marker}` line")]
    MissingUp {
        layout: Layout,
        marker: &'static str,
    },
    #[error("{layout} migration has its down section before `{marker}`")]
    DownBeforeUp {
        layout: Layout,
        marker: &'static str,
    },
    #[error("{layout} migration has a statement before `{marker}` (line {line})")]
    StatementBeforeUp {
        layout: Layout,
        marker: &'static str,
        line: usize,
    },
}

/// The layouts, as the empty-set error lists them.
pub const KNOWN_LAYOUTS: &str = "sqlx (<version>_<name>.sql, .up.sql/.down.sql), golang-migrate (<version>_<name>.up.sql), \
Flyway (V<version>__<name>.sql, R__<name>.sql), dbmate (-- migrate:up), goose (-- +goose Up), \
Diesel (<version>_<name>/up.sql), Prisma (<timestamp>_<name>/migration.sql), \
Sqitch (sqitch.plan + deploy/), popx (<version>_<name>.<dialect>.up.sql), plain (*.sql at the top level)";

fn error(path: &Utf8Path, kind: DiscoverErrorKind) -> DiscoverError {
    DiscoverError {
        path: path.to_owned(),
        kind,
    }
}

/// A `.sql` file found in the directory, not yet decoded.
struct Found {
    /// Relative to the project root.
    path: Utf8PathBuf,
    /// The file name (Prisma: the migration's directory name).
    name: String,
    bytes: Vec<u8>,
}

impl Found {
    fn read(root: &Utf8Path, path: Utf8PathBuf, name: String) -> Result<Found, DiscoverError> {
        let bytes = std::fs::read(root.join(&path)).map_err(|e| error(&path, io_kind(e)))?;
        Ok(Found { path, name, bytes })
    }

    fn text(&self) -> Result<String, DiscoverError> {
        decode(&self.path, self.bytes.clone())
    }
}

fn io_kind(e: io::Error) -> DiscoverErrorKind {
    match e.kind() {
        io::ErrorKind::NotFound => DiscoverErrorKind::MissingFile,
        _ => DiscoverErrorKind::Io(e),
    }
}

fn decode(path: &Utf8Path, bytes: Vec<u8>) -> Result<String, DiscoverError> {
    let text = String::from_utf8(bytes).map_err(|_| error(path, DiscoverErrorKind::NotUtf8))?;
    Ok(match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_owned(),
        None => text,
    })
}

/// The migrations of a directory, and what in it was not used.
#[derive(Debug)]
pub struct Discovered {
    /// In application order.
    pub files: Vec<MigrationFile>,
    /// `.sql` files under the directory (at any depth) that the detected layout neither
    /// applies, nor uses as down scripts, nor skips by its own rules (Flyway undo files, other
    /// dialects' files, Sqitch revert/verify scripts): relative to the root, for a warning.
    pub ignored: Vec<Utf8PathBuf>,
}

impl Discovered {
    /// The layout detected, when there is a migration.
    pub fn layout(&self) -> Option<Layout> {
        self.files.first().map(|f| f.layout)
    }
}

/// Finds, reads and orders the migrations in `dir` (relative to `project_root`) for `engine`,
/// with goose's ENVSUB from the process environment. A directory without any `.sql` file has
/// no migrations; one whose `.sql` files give no migration is an error
/// ([`DiscoverErrorKind::NoMigrations`]), and so is a missing one.
pub fn discover(
    project_root: &Utf8Path,
    dir: &Utf8Path,
    engine: Engine,
) -> Result<Discovered, DiscoverError> {
    discover_with(project_root, dir, engine, &|name| std::env::var(name).ok())
}

/// [`discover`] with the environment given (tests).
pub fn discover_with(
    project_root: &Utf8Path,
    dir: &Utf8Path,
    engine: Engine,
    env: Env<'_>,
) -> Result<Discovered, DiscoverError> {
    let (files, skipped) = detect(project_root, dir, engine, env)?;
    let all = sql_files_below(project_root, dir)?;
    if files.is_empty() && !all.is_empty() {
        let mut examples: Vec<String> = all.iter().take(3).map(|p| p.to_string()).collect();
        if all.len() > examples.len() {
            examples.push("…".to_owned());
        }
        let kind = DiscoverErrorKind::NoMigrations {
            examples,
            count: all.len(),
            engine,
        };
        return Err(error(dir, kind));
    }
    let layout = files.first().map(|f| f.layout);
    let mut used: HashSet<&Utf8Path> = skipped.iter().map(Utf8PathBuf::as_path).collect();
    for file in &files {
        used.insert(&file.path);
        if let Some(down) = &file.down {
            used.insert(&down.path);
        }
    }
    let ignored = all
        .iter()
        .filter(|p| !used.contains(p.as_path()) && !skipped_by_layout(layout, p))
        .cloned()
        .collect();
    Ok(Discovered { files, ignored })
}

/// Files every layout leaves alone by design: down scripts, and the layout's own non-migrations.
fn skipped_by_layout(layout: Option<Layout>, path: &Utf8Path) -> bool {
    let name = path.file_name().unwrap_or("");
    if strip_suffix_ci(name, ".down.sql").is_some() {
        return true;
    }
    match layout {
        Some(Layout::Flyway) => flyway_skips(name),
        Some(Layout::Sqitch) => path
            .components()
            .any(|c| matches!(c.as_str(), "revert" | "verify")),
        Some(Layout::Diesel) => name == "down.sql",
        _ => false,
    }
}

/// Every `.sql` file under `dir`, at any depth (hidden entries skipped), in natural order.
fn sql_files_below(root: &Utf8Path, dir: &Utf8Path) -> Result<Vec<Utf8PathBuf>, DiscoverError> {
    let mut found = Vec::new();
    let walker = walkdir::WalkDir::new(root.join(dir))
        .follow_links(true)
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'));
    for entry in walker {
        let entry = entry.map_err(|e| error(dir, DiscoverErrorKind::Io(e.into())))?;
        let Some(relative) = entry
            .path()
            .strip_prefix(root.as_std_path())
            .ok()
            .and_then(Utf8Path::from_path)
        else {
            continue;
        };
        if entry.file_type().is_file() && has_sql_extension(relative.as_str()) {
            found.push(relative.to_owned());
        }
    }
    found.sort_by(|a, b| super::order::natural_cmp(a.as_str(), b.as_str()));
    Ok(found)
}

/// The migrations of the detected layout, and the files it skipped on purpose.
fn detect(
    project_root: &Utf8Path,
    dir: &Utf8Path,
    engine: Engine,
    env: Env<'_>,
) -> Result<(Vec<MigrationFile>, Vec<Utf8PathBuf>), DiscoverError> {
    let none = Vec::new;
    if let Some((plan, deploy)) =
        sqitch_project(project_root, dir).or_else(|| sqitch_conf(project_root, dir))
    {
        return Ok((sqitch(project_root, &plan, &deploy)?, none()));
    }
    let listing = list(project_root, dir)?;
    if let Some(first) = listing.prisma.first() {
        if let Some(top) = listing.top.first() {
            let kind = DiscoverErrorKind::MixedLayout {
                layout: Layout::Prisma,
                other: first.path.clone(),
            };
            return Err(error(&top.path, kind));
        }
        if let Some(diesel) = listing.diesel.first() {
            let kind = DiscoverErrorKind::MixedLayout {
                layout: Layout::Prisma,
                other: first.path.clone(),
            };
            return Err(error(&diesel.path, kind));
        }
        let files = listing
            .prisma
            .iter()
            .map(prisma_file)
            .collect::<Result<_, _>>()?;
        return Ok((files, none()));
    }
    if !listing.diesel.is_empty() {
        // Diesel reads only its directories; stray top-level files are listed as ignored.
        return Ok((diesel(project_root, &listing.diesel)?, none()));
    }
    for sections in [&DBMATE, &GOOSE] {
        if let Some(marked) = listing
            .top
            .iter()
            .find(|f| has_up_marker(&f.bytes, sections))
        {
            return Ok((
                sectioned(&listing.top, sections, &marked.path, env)?,
                none(),
            ));
        }
    }
    let flyway_named = listing.top.iter().find(|f| flyway_name(&f.name).is_some());
    if flyway_named.is_some() || listing.top.is_empty() {
        let nested = nested_flyway(project_root, dir, &listing.subdirs)?;
        if let Some(first) = flyway_named.or(nested.first()) {
            let other = first.path.clone();
            return Ok((flyway(project_root, &listing.top, &nested, &other)?, none()));
        }
    }
    if let Some(first) = listing.top.iter().find(|f| dialect_name(&f.name).is_some()) {
        return per_dialect(&listing.top, engine, &first.path);
    }
    let up_down = listing.top.iter().find(|f| {
        sqlx_name(&f.name).is_some_and(|n| matches!(n.direction, Direction::Up | Direction::Down))
    });
    let all_sqlx = listing.top.iter().all(|f| sqlx_name(&f.name).is_some());
    if let Some(up_down) = up_down {
        if let Some(odd) = listing.top.iter().find(|f| sqlx_name(&f.name).is_none()) {
            let kind = DiscoverErrorKind::MixedLayout {
                layout: Layout::Sqlx,
                other: up_down.path.clone(),
            };
            return Err(error(&odd.path, kind));
        }
        return Ok((sqlx_like(&listing.top)?, none()));
    }
    if all_sqlx && !listing.top.is_empty() {
        return Ok((sqlx_like(&listing.top)?, none()));
    }
    Ok((plain(&listing.top)?, none()))
}

/// Reads one script (a seed file) whole, as a [`Layout::Plain`] file.
pub fn load_script(
    project_root: &Utf8Path,
    path: &Utf8Path,
) -> Result<MigrationFile, DiscoverError> {
    let name = path.file_name().unwrap_or(path.as_str()).to_owned();
    let found = Found::read(project_root, path.to_owned(), name)?;
    plain_file(&found)
}

/// The entries of a migrations directory that matter for detection.
struct Listing {
    /// Top-level `*.sql` files, sorted by name.
    top: Vec<Found>,
    /// Prisma migrations: `<dir>/migration.sql`, sorted by directory name.
    prisma: Vec<Found>,
    /// Diesel migrations: `<dir>/up.sql`, named after the directory.
    diesel: Vec<Found>,
    /// Other subdirectories (relative to the root), searched only for Flyway files.
    subdirs: Vec<Utf8PathBuf>,
}

fn list(root: &Utf8Path, dir: &Utf8Path) -> Result<Listing, DiscoverError> {
    let absolute = root.join(dir);
    match std::fs::metadata(&absolute) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => return Err(error(dir, DiscoverErrorKind::NotADirectory)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(error(dir, DiscoverErrorKind::MissingDir));
        }
        Err(e) => return Err(error(dir, DiscoverErrorKind::Io(e))),
    }
    let entries = std::fs::read_dir(&absolute).map_err(|e| error(dir, DiscoverErrorKind::Io(e)))?;
    let mut names = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| error(dir, DiscoverErrorKind::Io(e)))?;
        let name = entry
            .file_name()
            .into_string()
            .map_err(|_| error(dir, DiscoverErrorKind::NonUtf8Name))?;
        if !name.starts_with('.') {
            names.push(name);
        }
    }
    names.sort();
    let mut listing = Listing {
        top: Vec::new(),
        prisma: Vec::new(),
        diesel: Vec::new(),
        subdirs: Vec::new(),
    };
    for name in names {
        let path = dir.join(&name);
        // `metadata` follows symlinks, so a linked file or directory counts as one.
        let meta = std::fs::metadata(root.join(&path)).map_err(|e| error(&path, io_kind(e)))?;
        if meta.is_dir() {
            let migration = path.join("migration.sql");
            if root.join(&migration).is_file() {
                listing.prisma.push(Found::read(root, migration, name)?);
            } else if root.join(&path).join("up.sql").is_file() {
                listing
                    .diesel
                    .push(Found::read(root, path.join("up.sql"), name)?);
            } else {
                listing.subdirs.push(path);
            }
        } else if meta.is_file() && has_sql_extension(&name) {
            listing.top.push(Found::read(root, path, name)?);
        }
    }
    Ok(listing)
}

fn has_sql_extension(name: &str) -> bool {
    strip_suffix_ci(name, ".sql").is_some()
}

fn strip_suffix_ci<'a>(s: &'a str, suffix: &str) -> Option<&'a str> {
    let cut = s.len().checked_sub(suffix.len())?;
    let (head, tail) = (s.get(..cut)?, s.get(cut..)?);
    tail.eq_ignore_ascii_case(suffix).then_some(head)
}

fn first_line(content: &str) -> &str {
    content.lines().next().unwrap_or("").trim_end()
}

/// `-- sqltest:no-transaction` on the first line.
fn sqltest_no_transaction(content: &str) -> bool {
    let line = first_line(content).trim_start();
    line.strip_prefix("--")
        .is_some_and(|rest| rest.trim() == "sqltest:no-transaction")
}

/// sqlx's marker, matched the way sqlx does.
fn sqlx_no_transaction(content: &str) -> bool {
    content.starts_with("-- no-transaction")
}

fn description(raw: &str) -> String {
    raw.replace('_', " ")
}

/// Sorts versioned migrations and rejects duplicate versions.
fn sort_versioned(mut files: Vec<MigrationFile>) -> Result<Vec<MigrationFile>, DiscoverError> {
    let version = |f: &MigrationFile| f.version.clone().unwrap_or_default();
    files.sort_by(|a, b| version_cmp(&version(a), &version(b)).then_with(|| a.path.cmp(&b.path)));
    for pair in files.windows(2) {
        if version_cmp(&version(&pair[0]), &version(&pair[1])) == Ordering::Equal {
            let kind = DiscoverErrorKind::DuplicateVersion {
                version: version(&pair[1]),
                other: pair[0].path.clone(),
            };
            return Err(error(&pair[1].path, kind));
        }
    }
    Ok(files)
}

fn whole_file(
    found: &Found,
    layout: Layout,
    version: Option<String>,
    description: String,
    no_transaction: impl Fn(&str) -> bool,
) -> Result<MigrationFile, DiscoverError> {
    let content = found.text()?;
    Ok(MigrationFile {
        path: found.path.clone(),
        version,
        description,
        layout,
        up: 0..content.len(),
        no_transaction: no_transaction(&content),
        content,
        down: None,
    })
}

#[cfg(test)]
mod tests;
