//! The per-layout rules: how each tool names its files, which ones it applies, in what order.

use super::{
    DiscoverError, DiscoverErrorKind, DownScript, Found, Layout, MigrationFile, description, error,
    sort_versioned, sqltest_no_transaction, sqlx_no_transaction, strip_suffix_ci, whole_file,
};
use crate::migrate::order::natural_cmp;
use crate::project::Engine;
use camino::{Utf8Path, Utf8PathBuf};
use std::ops::Range;

// ---- plain ------------------------------------------------------------------------------------

pub(super) fn plain_file(found: &Found) -> Result<MigrationFile, DiscoverError> {
    let stem = strip_suffix_ci(&found.name, ".sql")
        .unwrap_or(&found.name)
        .to_owned();
    whole_file(found, Layout::Plain, None, stem, sqltest_no_transaction)
}

pub(super) fn plain(top: &[Found]) -> Result<Vec<MigrationFile>, DiscoverError> {
    let mut files: Vec<&Found> = top
        .iter()
        .filter(|f| strip_suffix_ci(&f.name, ".down.sql").is_none())
        .collect();
    files.sort_by(|a, b| natural_cmp(&a.name, &b.name));
    files.into_iter().map(plain_file).collect()
}

// ---- sqlx and golang-migrate ---------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Direction {
    Simple,
    Up,
    Down,
}

pub(super) struct SqlxName<'a> {
    version: &'a str,
    description: &'a str,
    pub(super) direction: Direction,
}

/// `<digits>_<desc>.sql`, `.up.sql` or `.down.sql`.
pub(super) fn sqlx_name(name: &str) -> Option<SqlxName<'_>> {
    let stem = strip_suffix_ci(name, ".sql")?;
    let (stem, direction) = match (strip_suffix_ci(stem, ".up"), strip_suffix_ci(stem, ".down")) {
        (Some(s), _) => (s, Direction::Up),
        (None, Some(s)) => (s, Direction::Down),
        (None, None) => (stem, Direction::Simple),
    };
    let (version, description) = stem.split_once('_')?;
    let digits = !version.is_empty() && version.bytes().all(|b| b.is_ascii_digit());
    digits.then_some(SqlxName {
        version,
        description,
        direction,
    })
}

pub(super) fn sqlx_like(top: &[Found]) -> Result<Vec<MigrationFile>, DiscoverError> {
    let mut applied = Vec::new();
    let mut all_up_down = true;
    let mut sqlx_marker = false;
    for found in top {
        let Some(name) = sqlx_name(&found.name) else {
            continue;
        };
        match name.direction {
            Direction::Down => continue,
            Direction::Simple => all_up_down = false,
            Direction::Up => {}
        }
        let file = whole_file(
            found,
            Layout::Sqlx,
            Some(name.version.to_owned()),
            description(name.description),
            |c| sqltest_no_transaction(c) || sqlx_no_transaction(c),
        )?;
        sqlx_marker |= sqlx_no_transaction(&file.content);
        let mut file = file;
        if name.direction == Direction::Up {
            file.down = sqlx_down(top, name.version)?;
        }
        applied.push(file);
    }
    if all_up_down && !sqlx_marker {
        for file in &mut applied {
            file.layout = Layout::GolangMigrate;
        }
    }
    sort_versioned(applied)
}

/// The `<version>_*.down.sql` beside an up file, if any.
fn sqlx_down(top: &[Found], version: &str) -> Result<Option<DownScript>, DiscoverError> {
    let Some(found) = top.iter().find(|f| {
        sqlx_name(&f.name).is_some_and(|n| n.direction == Direction::Down && n.version == version)
    }) else {
        return Ok(None);
    };
    let content = found.text()?;
    Ok(Some(DownScript {
        path: found.path.clone(),
        range: 0..content.len(),
        no_transaction: sqltest_no_transaction(&content) || sqlx_no_transaction(&content),
        content,
    }))
}

// ---- Flyway -----------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FlywayKind {
    Versioned,
    Undo,
    Baseline,
    Repeatable,
}

pub(super) struct FlywayName {
    kind: FlywayKind,
    /// Normalised with `.` separators, as Flyway shows it.
    version: Option<String>,
    description: String,
}

/// `V<ver>__<desc>.sql`, `U…`, `B…` or `R__<desc>.sql`.
pub(super) fn flyway_name(name: &str) -> Option<FlywayName> {
    let stem = strip_suffix_ci(name, ".sql")?;
    let prefix = *stem.as_bytes().first()?;
    let rest = stem.get(1..)?;
    let kind = match prefix {
        b'V' => FlywayKind::Versioned,
        b'U' => FlywayKind::Undo,
        b'B' => FlywayKind::Baseline,
        b'R' => {
            let desc = rest.strip_prefix("__")?;
            return Some(FlywayName {
                kind: FlywayKind::Repeatable,
                version: None,
                description: description(desc),
            });
        }
        _ => return None,
    };
    let (version, desc) = rest.split_once("__")?;
    let valid = version
        .split(['.', '_'])
        .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()));
    valid.then(|| FlywayName {
        kind,
        version: Some(version.replace('_', ".")),
        description: description(desc),
    })
}

/// Flyway callbacks (`beforeMigrate.sql`, `afterEachMigrate__log.sql`, …): not migrations.
fn is_flyway_callback(name: &str) -> bool {
    let stem = strip_suffix_ci(name, ".sql").unwrap_or(name);
    ["before", "after"].iter().any(|event| {
        stem.strip_prefix(event)
            .and_then(|rest| rest.bytes().next())
            .is_some_and(|b| b.is_ascii_uppercase())
    })
}

/// Files a Flyway project holds that are not migrations to apply: undo and baseline scripts,
/// callbacks.
pub(super) fn flyway_skips(name: &str) -> bool {
    is_flyway_callback(name)
        || flyway_name(name)
            .is_some_and(|n| matches!(n.kind, FlywayKind::Undo | FlywayKind::Baseline))
}

/// Flyway files in subdirectories, at any depth (Flyway scans its locations recursively).
pub(super) fn nested_flyway(
    root: &Utf8Path,
    dir: &Utf8Path,
    subdirs: &[Utf8PathBuf],
) -> Result<Vec<Found>, DiscoverError> {
    let mut found = Vec::new();
    for subdir in subdirs {
        let walker = walkdir::WalkDir::new(root.join(subdir))
            .follow_links(true)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| !e.file_name().to_string_lossy().starts_with('.'));
        for entry in walker {
            let entry = entry.map_err(|e| error(subdir, DiscoverErrorKind::Io(e.into())))?;
            if !entry.file_type().is_file() {
                continue;
            }
            let Some(name) = entry.file_name().to_str() else {
                let parent = entry.path().parent().unwrap_or(entry.path());
                let parent = Utf8Path::from_path(parent).unwrap_or(subdir);
                return Err(error(parent, DiscoverErrorKind::NonUtf8Name));
            };
            if flyway_name(name).is_none() {
                continue;
            }
            let relative = entry
                .path()
                .strip_prefix(root.as_std_path())
                .ok()
                .and_then(Utf8Path::from_path)
                .map_or_else(|| dir.join(name), Utf8Path::to_owned);
            found.push(Found::read(root, relative, name.to_owned())?);
        }
    }
    Ok(found)
}

/// Flyway's per-script configuration `<script>.conf` may turn the transaction off.
fn flyway_conf_no_transaction(root: &Utf8Path, path: &Utf8Path) -> bool {
    let conf = root.join(format!("{path}.conf"));
    std::fs::read_to_string(conf).is_ok_and(|text| {
        text.lines().any(|line| {
            line.split_once('=').is_some_and(|(k, v)| {
                k.trim() == "executeInTransaction" && v.trim().eq_ignore_ascii_case("false")
            })
        })
    })
}

pub(super) fn flyway(
    root: &Utf8Path,
    top: &[Found],
    nested: &[Found],
    detected_from: &Utf8Path,
) -> Result<Vec<MigrationFile>, DiscoverError> {
    let mut versioned = Vec::new();
    let mut repeatable = Vec::new();
    for found in top.iter().chain(nested) {
        let Some(name) = flyway_name(&found.name) else {
            if is_flyway_callback(&found.name) {
                continue;
            }
            let kind = DiscoverErrorKind::MixedLayout {
                layout: Layout::Flyway,
                other: detected_from.to_owned(),
            };
            return Err(error(&found.path, kind));
        };
        let no_transaction =
            |c: &str| sqltest_no_transaction(c) || flyway_conf_no_transaction(root, &found.path);
        match name.kind {
            FlywayKind::Versioned => versioned.push(whole_file(
                found,
                Layout::Flyway,
                name.version,
                name.description,
                no_transaction,
            )?),
            FlywayKind::Repeatable => repeatable.push(whole_file(
                found,
                Layout::Flyway,
                None,
                name.description,
                no_transaction,
            )?),
            FlywayKind::Undo | FlywayKind::Baseline => {}
        }
    }
    let mut files = sort_versioned(versioned)?;
    repeatable.sort_by(|a, b| {
        a.description
            .cmp(&b.description)
            .then_with(|| a.path.cmp(&b.path))
    });
    for pair in repeatable.windows(2) {
        if pair[0].description == pair[1].description {
            let kind = DiscoverErrorKind::DuplicateRepeatable {
                description: pair[1].description.clone(),
                other: pair[0].path.clone(),
            };
            return Err(error(&pair[1].path, kind));
        }
    }
    files.extend(repeatable);
    Ok(files)
}

// ---- dbmate and goose: up and down sections in one file -----------------------------------

/// How a tool marks the sections of a migration file.
pub(super) struct Sections {
    pub layout: Layout,
    /// The up marker as the docs spell it (for messages).
    pub up_marker: &'static str,
    /// The options after the up marker, if `line` is one.
    up: fn(&str) -> Option<&str>,
    down: fn(&str) -> bool,
    /// Whether the file opts out of the transaction: from the up line's options, or the file.
    no_transaction: fn(options: &str, content: &str) -> bool,
}

/// dbmate: `-- migrate:up [transaction:false]` and `-- migrate:down`.
pub(super) const DBMATE: Sections = Sections {
    layout: Layout::Dbmate,
    up_marker: "-- migrate:up",
    up: |line| dbmate_directive(line, "up"),
    down: |line| dbmate_directive(line, "down").is_some(),
    no_transaction: |options, _| options.split_whitespace().any(|o| o == "transaction:false"),
};

/// goose: `-- +goose Up` and `-- +goose Down`; `-- +goose NO TRANSACTION` anywhere in the file.
/// `-- +goose StatementBegin` / `StatementEnd` are comments to us: the splitter already keeps
/// dollar-quoted bodies whole.
pub(super) const GOOSE: Sections = Sections {
    layout: Layout::Goose,
    up_marker: "-- +goose Up",
    up: |line| goose_directive(line, "up").then_some(""),
    down: |line| goose_directive(line, "down"),
    no_transaction: |_, content| {
        lines_with_offsets(content).any(|(_, line)| goose_directive(line, "no transaction"))
    },
};

/// A `-- migrate:up` / `-- migrate:down` line (as dbmate matches it: at the start of a line);
/// returns the options after the directive.
fn dbmate_directive<'a>(line: &'a str, which: &str) -> Option<&'a str> {
    let rest = line
        .strip_prefix("--")?
        .trim_start()
        .strip_prefix("migrate:")?;
    let rest = rest.strip_prefix(which)?;
    (rest.is_empty() || rest.starts_with(char::is_whitespace)).then(|| rest.trim())
}

/// A `-- +goose <command>` line (goose: at the start of a line; the command compared without
/// regard to case, as older goose versions did).
fn goose_directive(line: &str, command: &str) -> bool {
    line.strip_prefix("--")
        .map(str::trim_start)
        .and_then(|rest| rest.strip_prefix("+goose"))
        .is_some_and(|rest| {
            let rest = rest.trim();
            rest.eq_ignore_ascii_case(command)
        })
}

/// Lines of `text` with their byte offsets.
fn lines_with_offsets(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.split_inclusive('\n').scan(0, |offset, line| {
        let start = *offset;
        *offset += line.len();
        Some((start, line.trim_end_matches(['\n', '\r'])))
    })
}

/// Whether a file has the up marker of `sections`.
pub(super) fn has_up_marker(bytes: &[u8], sections: &Sections) -> bool {
    let text = String::from_utf8_lossy(bytes);
    lines_with_offsets(&text).any(|(_, line)| (sections.up)(line).is_some())
}

/// The up section of a migration, whether it opts out of the transaction, and where its down
/// section starts (its marker line), if it has one.
fn up_section(
    content: &str,
    sections: &Sections,
) -> Result<(Range<usize>, bool, Option<usize>), DiscoverErrorKind> {
    let (layout, marker) = (sections.layout, sections.up_marker);
    let mut up = None;
    let mut down = None;
    for (offset, line) in lines_with_offsets(content) {
        if up.is_none()
            && let Some(options) = (sections.up)(line)
        {
            up = Some((offset, (sections.no_transaction)(options, content)));
        }
        if down.is_none() && (sections.down)(line) {
            down = Some(offset);
        }
    }
    let (start, no_transaction) = up.ok_or(DiscoverErrorKind::MissingUp { layout, marker })?;
    let end = down.unwrap_or(content.len());
    if end < start {
        return Err(DiscoverErrorKind::DownBeforeUp { layout, marker });
    }
    // Like both tools: only blank lines and comments may precede the up section.
    let before = lines_with_offsets(&content[..start])
        .enumerate()
        .find(|(_, (_, line))| {
            let line = line.trim();
            !(line.is_empty() || line.starts_with("--"))
        });
    if let Some((index, _)) = before {
        let line = index + 1;
        return Err(DiscoverErrorKind::StatementBeforeUp {
            layout,
            marker,
            line,
        });
    }
    Ok((start..end, no_transaction, down))
}

/// Every top-level file is `<version>_<name>.sql` with an up section.
pub(super) fn sectioned(
    top: &[Found],
    sections: &Sections,
    detected_from: &Utf8Path,
    env: Env<'_>,
) -> Result<Vec<MigrationFile>, DiscoverError> {
    let mut files = Vec::new();
    for found in top {
        let digits = found.name.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            let kind = DiscoverErrorKind::MixedLayout {
                layout: sections.layout,
                other: detected_from.to_owned(),
            };
            return Err(error(&found.path, kind));
        }
        let (version, rest) = found.name.split_at(digits);
        let rest = strip_suffix_ci(rest, ".sql").unwrap_or(rest);
        let mut content = found.text()?;
        if sections.layout == Layout::Goose {
            // Substitution keeps every line where it was, so locations still point into the
            // file on disk (columns may shift by the length of a value).
            content = goose_envsub(&content, env);
        }
        let (up, tool_no_transaction, down_start) =
            up_section(&content, sections).map_err(|kind| error(&found.path, kind))?;
        // The marker may head the file or the up section.
        let section_first_line = content[up.clone()].lines().nth(1).unwrap_or("");
        let no_transaction = tool_no_transaction
            || sqltest_no_transaction(&content)
            || sqltest_no_transaction(section_first_line);
        let down = down_start.map(|start| DownScript {
            path: found.path.clone(),
            content: content.clone(),
            range: start..content.len(),
            no_transaction,
        });
        files.push(MigrationFile {
            path: found.path.clone(),
            version: Some(version.to_owned()),
            description: description(rest.trim_start_matches('_')),
            layout: sections.layout,
            content,
            up,
            no_transaction,
            down,
        });
    }
    sort_versioned(files)
}

// ---- Sqitch -----------------------------------------------------------------------------------

/// The plan and deploy directory (relative to the root) when `dir` is a Sqitch project (it
/// holds `sqitch.plan` and `deploy/`) or its `deploy` directory.
pub(super) fn sqitch_project(
    root: &Utf8Path,
    dir: &Utf8Path,
) -> Option<(Utf8PathBuf, Utf8PathBuf)> {
    let plan = dir.join("sqitch.plan");
    if root.join(&plan).is_file() && root.join(dir).join("deploy").is_dir() {
        return Some((plan, dir.join("deploy")));
    }
    if dir.file_name() == Some("deploy") {
        let plan = dir
            .parent()
            .unwrap_or(Utf8Path::new(""))
            .join("sqitch.plan");
        if root.join(&plan).is_file() {
            return Some((plan, dir.to_owned()));
        }
    }
    None
}

/// One deploy step of a plan: the change, its line, and the script that deploys it.
struct PlannedChange {
    name: String,
    line: usize,
    script: String,
}

/// The changes of `sqitch.plan` in order. A reworked change (listed again later) deploys its
/// earlier versions from `<name>@<tag>.sql`, the tag being the latest one between that version
/// and the rework, as Sqitch stores them.
fn sqitch_changes(plan: &str) -> Vec<PlannedChange> {
    let mut changes: Vec<(String, usize)> = Vec::new();
    // (number of changes before the tag, tag name)
    let mut tags: Vec<(usize, String)> = Vec::new();
    for (index, raw) in plan.lines().enumerate() {
        let line = raw.trim();
        let Some(token) = line.split_whitespace().next() else {
            continue;
        };
        match token.chars().next() {
            Some('#' | '%') => {}
            Some('@') => tags.push((changes.len(), token[1..].to_owned())),
            // Old plans mark reverts with `-name`: not a deploy.
            Some('-') => {}
            Some(_) => changes.push((token.trim_start_matches('+').to_owned(), index + 1)),
            None => {}
        }
    }
    let mut planned = Vec::with_capacity(changes.len());
    for (i, (name, line)) in changes.iter().enumerate() {
        let reworked_later = changes[i + 1..].iter().position(|(n, _)| n == name);
        let script = match reworked_later {
            Some(offset) => {
                let next = i + 1 + offset;
                // `sqitch rework` names the copy after the latest tag before the rework.
                let tag = tags
                    .iter()
                    .rfind(|(after, _)| *after > i && *after <= next)
                    .map(|(_, t)| t.as_str());
                match tag {
                    Some(tag) => format!("{name}@{tag}.sql"),
                    None => format!("{name}.sql"),
                }
            }
            None => format!("{name}.sql"),
        };
        planned.push(PlannedChange {
            name: name.clone(),
            line: *line,
            script,
        });
    }
    planned
}

pub(super) fn sqitch(
    root: &Utf8Path,
    plan: &Utf8Path,
    deploy: &Utf8Path,
) -> Result<Vec<MigrationFile>, DiscoverError> {
    let text = std::fs::read(root.join(plan))
        .map_err(|e| error(plan, super::io_kind(e)))
        .and_then(|bytes| super::decode(plan, bytes))?;
    let mut files = Vec::new();
    for change in sqitch_changes(&text) {
        let path = deploy.join(&change.script);
        if !root.join(&path).is_file() {
            let kind = DiscoverErrorKind::PlannedScriptMissing {
                plan: plan.to_owned(),
                line: change.line,
            };
            return Err(error(&path, kind));
        }
        let found = Found::read(root, path, change.script.clone())?;
        files.push(whole_file(
            &found,
            Layout::Sqitch,
            None,
            change.name,
            sqltest_no_transaction,
        )?);
    }
    Ok(files)
}

// ---- Prisma -----------------------------------------------------------------------------------

pub(super) fn prisma_file(found: &Found) -> Result<MigrationFile, DiscoverError> {
    let (version, desc) = match found.name.split_once('_') {
        Some((v, d)) if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) => {
            (Some(v.to_owned()), d)
        }
        _ => (None, found.name.as_str()),
    };
    whole_file(
        found,
        Layout::Prisma,
        version,
        description(desc),
        sqltest_no_transaction,
    )
}

// ---- Diesel -----------------------------------------------------------------------------------

/// A Diesel migration directory `<version>_<name>/` holding `up.sql` (and usually `down.sql`,
/// sometimes `metadata.toml`). `found` is its `up.sql`, named after the directory.
pub(super) fn diesel_file(root: &Utf8Path, found: &Found) -> Result<MigrationFile, DiscoverError> {
    // Diesel's version is the directory name up to the first `_`, dashes removed
    // (`2019-02-26-002946_create_users` is version 20190226002946), compared as a string;
    // the digits all have one length in a Diesel project, so numeric order is the same.
    let (version, desc) = found
        .name
        .split_once('_')
        .unwrap_or((found.name.as_str(), ""));
    let version = version.replace('-', "");
    let dir = found.path.parent().unwrap_or(Utf8Path::new(""));
    let no_transaction = diesel_no_transaction(root, dir);
    let mut file = whole_file(
        found,
        Layout::Diesel,
        Some(version),
        description(desc),
        |c| no_transaction || sqltest_no_transaction(c),
    )?;
    let down_path = dir.join("down.sql");
    if root.join(&down_path).is_file() {
        let down = Found::read(root, down_path, "down.sql".to_owned())?;
        let content = down.text()?;
        file.down = Some(DownScript {
            path: down.path,
            range: 0..content.len(),
            no_transaction: no_transaction || sqltest_no_transaction(&content),
            content,
        });
    }
    Ok(file)
}

/// Diesel's `metadata.toml` beside `up.sql`: `run_in_transaction = false` runs the migration
/// outside a transaction.
fn diesel_no_transaction(root: &Utf8Path, dir: &Utf8Path) -> bool {
    std::fs::read_to_string(root.join(dir).join("metadata.toml")).is_ok_and(|text| {
        text.lines().any(|line| {
            let line = line.split('#').next().unwrap_or("");
            line.split_once('=').is_some_and(|(k, v)| {
                k.trim() == "run_in_transaction" && v.trim().eq_ignore_ascii_case("false")
            })
        })
    })
}

pub(super) fn diesel(root: &Utf8Path, dirs: &[Found]) -> Result<Vec<MigrationFile>, DiscoverError> {
    let files = dirs
        .iter()
        .map(|f| diesel_file(root, f))
        .collect::<Result<Vec<_>, _>>()?;
    sort_versioned(files)
}

// ---- per-dialect file names (ory's popx) --------------------------------------------------

/// The dialect names popx uses in file names, and the engine each belongs to.
const DIALECTS: [(&str, Option<Engine>); 5] = [
    ("postgres", Some(Engine::Postgres)),
    ("sqlite3", Some(Engine::Sqlite)),
    ("sqlite", Some(Engine::Sqlite)),
    ("mysql", Some(Engine::Mysql)),
    // CockroachDB is not an engine of ours: its files are never applied.
    ("cockroach", None),
];

/// The dialect names whose files apply to `engine` (MariaDB reads MySQL's, as popx does).
fn dialects_of(engine: Engine) -> Vec<&'static str> {
    let engine = match engine {
        Engine::Mariadb => Engine::Mysql,
        other => other,
    };
    DIALECTS
        .iter()
        .filter(|(_, e)| *e == Some(engine))
        .map(|(name, _)| *name)
        .collect()
}

/// `<version>_<name>.<dialect>.up.sql` (or `.down.sql`): the name without the dialect and the
/// dialect, when `name` has a known dialect infix.
pub(super) fn dialect_name(name: &str) -> Option<(SqlxName<'_>, &str)> {
    let parsed = sqlx_name(name)?;
    if parsed.direction == Direction::Simple {
        return None;
    }
    let (desc, dialect) = parsed.description.rsplit_once('.')?;
    let known = DIALECTS
        .iter()
        .any(|(d, _)| d.eq_ignore_ascii_case(dialect));
    known.then_some((
        SqlxName {
            version: parsed.version,
            description: desc,
            direction: parsed.direction,
        },
        dialect,
    ))
}

/// popx: per version, the file for the engine's dialect if there is one, else the file for all
/// dialects (`<version>_<name>.up.sql`), else nothing (a version may exist for other engines
/// only). Returns the migrations and the other dialects' files (skipped on purpose).
pub(super) fn per_dialect(
    top: &[Found],
    engine: Engine,
    detected_from: &Utf8Path,
) -> Result<(Vec<MigrationFile>, Vec<Utf8PathBuf>), DiscoverError> {
    let ours = dialects_of(engine);
    let mut skipped = Vec::new();
    // (version, is dialect-specific, file) of every up file that applies to the engine.
    let mut candidates: Vec<(&str, bool, &Found, &str)> = Vec::new();
    let mut downs: Vec<(&str, bool, &Found)> = Vec::new();
    for found in top {
        let (name, specific) = match dialect_name(&found.name) {
            Some((name, dialect)) => {
                if !ours.iter().any(|d| d.eq_ignore_ascii_case(dialect)) {
                    skipped.push(found.path.clone());
                    continue;
                }
                (name, true)
            }
            None => match sqlx_name(&found.name) {
                Some(name) if name.direction != Direction::Simple => (name, false),
                _ => {
                    let kind = DiscoverErrorKind::MixedLayout {
                        layout: Layout::Popx,
                        other: detected_from.to_owned(),
                    };
                    return Err(error(&found.path, kind));
                }
            },
        };
        match name.direction {
            Direction::Down => downs.push((name.version, specific, found)),
            _ => candidates.push((name.version, specific, found, name.description)),
        }
    }
    let mut files = Vec::new();
    for &(version, specific, found, desc) in &candidates {
        // A generic file gives way to a dialect-specific one of the same version.
        let overridden = !specific
            && candidates
                .iter()
                .any(|(v, s, ..)| *s && super::version_cmp(v, version).is_eq());
        if overridden {
            skipped.push(found.path.clone());
            continue;
        }
        let mut file = whole_file(
            found,
            Layout::Popx,
            Some(version.to_owned()),
            description(desc),
            sqltest_no_transaction,
        )?;
        let down = downs
            .iter()
            .filter(|(v, ..)| super::version_cmp(v, version).is_eq())
            .max_by_key(|(_, s, _)| *s);
        if let Some((_, _, down)) = down {
            let content = down.text()?;
            file.down = Some(DownScript {
                path: down.path.clone(),
                range: 0..content.len(),
                no_transaction: sqltest_no_transaction(&content),
                content,
            });
        }
        files.push(file);
    }
    Ok((sort_versioned(files)?, skipped))
}

// ---- goose ENVSUB -----------------------------------------------------------------------------

/// Looks up an environment variable (the process environment in a run; a map in tests).
pub(crate) type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

/// goose's `-- +goose ENVSUB ON` / `OFF`: between them, `${VAR}`, `${VAR:-default}`,
/// `${VAR-default}` and `$VAR` are replaced from the environment (unset: empty, as goose does)
/// and `$$` is a literal `$`. Lines outside such a region, and files without one, are unchanged.
pub(super) fn goose_envsub(content: &str, env: Env<'_>) -> String {
    if !lines_with_offsets(content).any(|(_, line)| goose_directive(line, "envsub on")) {
        return content.to_owned();
    }
    let mut out = String::with_capacity(content.len());
    let mut on = false;
    for line in content.split_inclusive('\n') {
        let bare = line.trim_end_matches(['\n', '\r']);
        if goose_directive(bare, "envsub on") {
            on = true;
        } else if goose_directive(bare, "envsub off") {
            on = false;
        } else if on {
            out.push_str(&substitute(line, env));
            continue;
        }
        out.push_str(line);
    }
    out
}

fn is_name_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Shell-style expansion of one line.
fn substitute(line: &str, env: Env<'_>) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        if let Some(tail) = after.strip_prefix('$') {
            out.push('$');
            rest = tail;
        } else if let Some(braced) = after.strip_prefix('{')
            && let Some(close) = braced.find('}')
        {
            let inner = &braced[..close];
            let (name, default) = match inner.find([':', '-']) {
                Some(i) if inner[i..].starts_with(":-") => {
                    (&inner[..i], Some((&inner[i + 2..], true)))
                }
                Some(i) if inner[i..].starts_with('-') => {
                    (&inner[..i], Some((&inner[i + 1..], false)))
                }
                _ => (inner, None),
            };
            let value = env(name);
            let text = match (value, default) {
                // `:-` also replaces an empty value; `-` only an unset one.
                (Some(v), Some((d, true))) if v.is_empty() => d.to_owned(),
                (Some(v), _) => v,
                (None, Some((d, _))) => d.to_owned(),
                (None, None) => String::new(),
            };
            out.push_str(&text);
            rest = &braced[close + 1..];
        } else if after.starts_with(is_name_start) {
            let end = after.find(|c| !is_name_char(c)).unwrap_or(after.len());
            out.push_str(&env(&after[..end]).unwrap_or_default());
            rest = &after[end..];
        } else {
            // `$1`, a lone `$`: not a variable.
            out.push('$');
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

// ---- Sqitch's sqitch.conf ---------------------------------------------------------------------

/// The plan file and deploy directory that `sqitch.conf` in `dir` names (`[core]` `top_dir`,
/// `plan_file`, `deploy_dir`, each relative to the directory of `sqitch.conf`), if the file
/// exists and the plan it names does.
pub(super) fn sqitch_conf(root: &Utf8Path, dir: &Utf8Path) -> Option<(Utf8PathBuf, Utf8PathBuf)> {
    let text = std::fs::read_to_string(root.join(dir).join("sqitch.conf")).ok()?;
    let core = ini_section(&text, "core");
    let get = |key: &str| {
        core.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.clone())
    };
    let top = match get("top_dir") {
        Some(t) => dir.join(conf_path(&t)),
        None => dir.to_owned(),
    };
    let plan = get("plan_file")
        .map(|p| dir.join(conf_path(&p)))
        .unwrap_or_else(|| top.join("sqitch.plan"));
    let deploy = get("deploy_dir")
        .map(|p| dir.join(conf_path(&p)))
        .unwrap_or_else(|| top.join("deploy"));
    (root.join(&plan).is_file() && root.join(&deploy).is_dir()).then_some((plan, deploy))
}

/// A path written in `sqitch.conf`, without `./` or a trailing `/`.
fn conf_path(written: &str) -> &str {
    let mut p = written.trim().trim_end_matches('/');
    while let Some(rest) = p.strip_prefix("./") {
        p = rest;
    }
    if p == "." { "" } else { p }
}

/// The `key = value` pairs of one `[section]` of a git-config style file (quotes stripped).
fn ini_section(text: &str, section: &str) -> Vec<(String, String)> {
    let mut inside = false;
    let mut pairs = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            let name = line.trim_matches(|c| c == '[' || c == ']').trim();
            inside = name.eq_ignore_ascii_case(section);
        } else if inside
            && !line.starts_with(['#', ';'])
            && let Some((k, v)) = line.split_once('=')
        {
            let v = v.trim().trim_matches('"');
            pairs.push((k.trim().to_owned(), v.to_owned()));
        }
    }
    pairs
}
