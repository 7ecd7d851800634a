//! Converting `sqltest.yaml` into the project settings: engine, backend, paths, seeds, specs.

use super::errors::suggestion_help;
use super::glob::{GlobError, expand, normalize};
use super::model::{BackendKind, Engine};
use super::node::{Node, Yaml};
use super::raw::RawConfig;
use super::source::FileCtx;
use crate::Location;
use camino::{Utf8Path, Utf8PathBuf};
use serde_saphyr::Spanned;
use std::time::Duration;

/// The default `specs` glob.
pub(crate) const DEFAULT_SPECS: &str = "sqltest/**/*.yaml";

const ENGINES: [Engine; 4] = [
    Engine::Postgres,
    Engine::Mysql,
    Engine::Mariadb,
    Engine::Sqlite,
];
const BACKENDS: [BackendKind; 5] = [
    BackendKind::Auto,
    BackendKind::Docker,
    BackendKind::Local,
    BackendKind::Url,
    BackendKind::Embedded,
];

/// `sqltest.yaml` after validation; `engine` is `None` only when it was invalid (an error is
/// recorded then).
#[derive(Debug, Default)]
pub(crate) struct Config {
    pub engine: Option<Engine>,
    pub version: Option<String>,
    pub image: Option<String>,
    pub backend: Option<BackendKind>,
    pub migrations: Option<Utf8PathBuf>,
    pub migrations_at: Option<Location>,
    pub seeds: Vec<Utf8PathBuf>,
    /// Spec files to load, relative to the root, sorted naturally.
    pub specs: Vec<Utf8PathBuf>,
    pub jobs: Option<usize>,
    pub timeout: Option<Duration>,
    pub change: super::change::ChangeSettings,
}

/// Validates the parsed project file. `raw` is `None` for an empty file or after a parse
/// error (recorded already); the default specs are still listed so their errors show too.
pub(crate) fn convert_config(
    ctx: &mut FileCtx,
    raw: Option<RawConfig>,
    root: &Utf8Path,
    parsed: bool,
) -> Config {
    let mut config = Config::default();
    let Some(raw) = raw else {
        if parsed {
            ctx.error_help(
                Location::file(ctx.path.clone()),
                format!("`{}` is empty: `engine` is required", ctx.path),
                "add `engine: postgres` (or sqlite)",
            );
        }
        config.specs = spec_files(ctx, root, None);
        return config;
    };
    config.engine = match &raw.engine {
        Some(e) => engine(ctx, e),
        None => {
            ctx.error_help(
                Location::file(ctx.path.clone()),
                "missing required key `engine`",
                "add `engine: postgres` (or sqlite)",
            );
            None
        }
    };
    config.version = raw
        .version
        .as_ref()
        .and_then(|v| non_empty(ctx, v, "version"));
    config.image = raw.image.as_ref().and_then(|v| non_empty(ctx, v, "image"));
    config.backend = raw
        .backend
        .as_ref()
        .and_then(|b| backend(ctx, b, config.engine));
    config.migrations = raw
        .migrations
        .as_ref()
        .and_then(|m| migrations(ctx, root, m));
    config.migrations_at = raw.migrations.as_ref().map(|m| ctx.at(m));
    config.seeds = raw
        .seeds
        .as_ref()
        .map(|s| seeds(ctx, root, s))
        .unwrap_or_default();
    config.specs = spec_files(ctx, root, raw.specs.as_ref());
    config.jobs = raw.jobs.as_ref().and_then(|j| jobs(ctx, j));
    config.timeout = raw.timeout.as_ref().and_then(|t| timeout(ctx, t));
    config.change = super::change::convert(
        ctx,
        raw.base.as_ref(),
        raw.upgrade_seeds.as_ref(),
        raw.history.as_ref(),
        raw.baseline.as_ref(),
    );
    if let Some(node) = raw.safety.as_ref() {
        config.change.safety = super::safety::convert(ctx, node);
    }
    config
}

fn non_empty(ctx: &mut FileCtx, v: &Spanned<String>, key: &str) -> Option<String> {
    if v.value.trim().is_empty() {
        ctx.error(ctx.at(v), format!("`{key}` is empty"));
        return None;
    }
    Some(v.value.trim().to_owned())
}

fn engine(ctx: &mut FileCtx, written: &Spanned<String>) -> Option<Engine> {
    let name = written.value.trim();
    let Some(engine) = ENGINES.iter().copied().find(|e| e.as_str() == name) else {
        let names = ENGINES.map(Engine::as_str);
        ctx.error_help(
            ctx.at(written),
            format!("unknown engine `{name}`"),
            suggestion_help(name, &names, "engines"),
        );
        return None;
    };
    if !engine.is_supported() {
        let supported: Vec<&str> = ENGINES
            .iter()
            .filter(|e| e.is_supported())
            .map(|e| e.as_str())
            .collect();
        ctx.error_help(
            ctx.at(written),
            format!("engine `{name}` is not supported by this build yet"),
            format!("supported engines: {}", supported.join(", ")),
        );
        return None;
    }
    Some(engine)
}

fn backend(
    ctx: &mut FileCtx,
    written: &Spanned<String>,
    engine: Option<Engine>,
) -> Option<BackendKind> {
    let name = written.value.trim();
    let Some(backend) = BACKENDS.iter().copied().find(|b| b.as_str() == name) else {
        let names = BACKENDS.map(BackendKind::as_str);
        ctx.error_help(
            ctx.at(written),
            format!("unknown backend `{name}`"),
            suggestion_help(name, &names, "backends"),
        );
        return None;
    };
    // The combinations that cannot work, caught here with a location rather than at run time.
    let server_engine = engine.is_some_and(|e| e != Engine::Sqlite);
    let conflict = match backend {
        BackendKind::Embedded => server_engine,
        BackendKind::Docker | BackendKind::Local => engine == Some(Engine::Sqlite),
        BackendKind::Auto | BackendKind::Url => false,
    };
    if conflict {
        let engine = engine.map_or("", Engine::as_str);
        ctx.error_help(
            ctx.at(written),
            format!("backend `{name}` cannot run engine `{engine}`"),
            "`embedded` is for sqlite; postgres runs on `docker`, `local` or `url` (or leave `backend` out for `auto`)",
        );
        return None;
    }
    Some(backend)
}

fn migrations(
    ctx: &mut FileCtx,
    root: &Utf8Path,
    written: &Spanned<String>,
) -> Option<Utf8PathBuf> {
    let path = normalize(&written.value);
    if path.is_empty() {
        ctx.error(ctx.at(written), "`migrations` is empty");
        return None;
    }
    if Utf8Path::new(&path).is_absolute() {
        ctx.error_help(
            ctx.at(written),
            format!("`migrations` is an absolute path: `{path}`"),
            "write it relative to the directory of sqltest.yaml",
        );
        return None;
    }
    if let Some(boundary) = outside_project(root, Utf8Path::new(&path)) {
        ctx.error_help(
            ctx.at(written),
            format!("`migrations: {path}` points outside the project ({boundary})"),
            "keep migrations inside the repository; paths are relative to the directory of sqltest.yaml",
        );
        return None;
    }
    let full = root.join(&path);
    if !full.is_dir() {
        let message = if full.exists() {
            format!("migrations path `{path}` is not a directory")
        } else {
            format!("migrations directory `{path}` does not exist")
        };
        ctx.error_help(
            ctx.at(written),
            message,
            "the path is relative to the directory of sqltest.yaml",
        );
        return None;
    }
    Some(Utf8PathBuf::from(path))
}

/// The project's boundary: the enclosing git repository (a monorepo may keep its migrations
/// beside the directory of sqltest.yaml), else the directory of sqltest.yaml.
fn project_boundary(root: &Utf8Path) -> &Utf8Path {
    root.ancestors()
        .find(|dir| dir.join(".git").exists())
        .unwrap_or(root)
}

/// The boundary, when `path` (relative to `root`, `..` resolved lexically) leaves it.
fn outside_project(root: &Utf8Path, path: &Utf8Path) -> Option<Utf8PathBuf> {
    let mut resolved: Vec<&str> = root.components().map(|c| c.as_str()).collect();
    for part in path.components() {
        match part {
            camino::Utf8Component::ParentDir => {
                resolved.pop();
            }
            camino::Utf8Component::Normal(p) => resolved.push(p),
            _ => {}
        }
    }
    let resolved: Utf8PathBuf = resolved.iter().collect();
    let boundary = project_boundary(root);
    (!resolved.starts_with(boundary)).then(|| boundary.to_owned())
}

/// A glob or a list of globs, each with its node (for error locations).
fn patterns<'a>(ctx: &mut FileCtx, node: &'a Node, key: &str) -> Vec<(String, &'a Node)> {
    match &node.value {
        Yaml::Str(s) => vec![(s.clone(), node)],
        Yaml::Seq(items) => items
            .iter()
            .filter_map(|i| ctx.string(i, "a path or glob").map(|s| (s, i)))
            .collect(),
        Yaml::Null => Vec::new(),
        _ => {
            ctx.expected(node, &format!("`{key}` as a glob or a list of globs"));
            Vec::new()
        }
    }
}

/// Expands one written pattern; a pattern that cannot match or matches nothing is an error.
fn expand_written(
    ctx: &mut FileCtx,
    root: &Utf8Path,
    pattern: &str,
    node: &Node,
    what: &str,
) -> Vec<Utf8PathBuf> {
    if let Some(boundary) = outside_project(root, Utf8Path::new(&normalize(pattern))) {
        ctx.error_help(
            ctx.at(node),
            format!("`{pattern}` points outside the project ({boundary})"),
            format!("keep {what} files inside the repository; paths are relative to the directory of sqltest.yaml"),
        );
        return Vec::new();
    }
    match expand(root, pattern) {
        Ok(files) if files.is_empty() => {
            let message = if pattern.contains(['*', '?', '[', '{']) {
                format!("`{pattern}` matches no {what} file")
            } else {
                format!("{what} file `{pattern}` does not exist")
            };
            ctx.error_help(
                ctx.at(node),
                message,
                "paths are relative to the directory of sqltest.yaml",
            );
            Vec::new()
        }
        Ok(files) => files,
        Err(GlobError::Invalid(reason)) => {
            ctx.error(ctx.at(node), format!("invalid glob `{pattern}`: {reason}"));
            Vec::new()
        }
        Err(GlobError::Absolute) => {
            ctx.error_help(
                ctx.at(node),
                format!("`{pattern}` is an absolute path"),
                "write it relative to the directory of sqltest.yaml",
            );
            Vec::new()
        }
        Err(GlobError::Directory) => {
            ctx.error_help(
                ctx.at(node),
                format!("`{pattern}` is a directory"),
                format!("match its files, e.g. `{pattern}/*.sql`"),
            );
            Vec::new()
        }
    }
}

/// Seed files in application order: pattern by pattern, each pattern's matches sorted
/// naturally; a file matched twice is applied once, at its first place.
fn seeds(ctx: &mut FileCtx, root: &Utf8Path, node: &Node) -> Vec<Utf8PathBuf> {
    let mut out: Vec<Utf8PathBuf> = Vec::new();
    for (pattern, at) in patterns(ctx, node, "seeds") {
        for file in expand_written(ctx, root, &pattern, at, "seed") {
            if !out.contains(&file) {
                out.push(file);
            }
        }
    }
    out
}

/// Spec files: the union of the patterns (default [`DEFAULT_SPECS`], which may match nothing),
/// sorted naturally, without the project file itself.
fn spec_files(ctx: &mut FileCtx, root: &Utf8Path, node: Option<&Node>) -> Vec<Utf8PathBuf> {
    let mut out: Vec<Utf8PathBuf> = match node {
        Some(node) => patterns(ctx, node, "specs")
            .into_iter()
            .flat_map(|(pattern, at)| expand_written(ctx, root, &pattern, at, "spec"))
            .collect(),
        None => expand(root, DEFAULT_SPECS).unwrap_or_default(),
    };
    out.retain(|p| *p != ctx.path);
    out.sort_by(|a, b| super::natural::natural_cmp(a.as_str(), b.as_str()));
    out.dedup();
    out
}

fn jobs(ctx: &mut FileCtx, node: &Node) -> Option<usize> {
    let n = match &node.value {
        Yaml::Int(i) => u64::try_from(*i).ok(),
        Yaml::UInt(u) => Some(*u),
        _ => {
            ctx.expected(node, "a number of parallel workers");
            return None;
        }
    };
    match n.and_then(|n| usize::try_from(n).ok()) {
        Some(n) if n >= 1 => Some(n),
        _ => {
            ctx.error_help(
                ctx.at(node),
                "`jobs` must be at least 1",
                "leave it out to use one worker per CPU",
            );
            None
        }
    }
}

fn timeout(ctx: &mut FileCtx, written: &Spanned<String>) -> Option<Duration> {
    match humantime::parse_duration(written.value.trim()) {
        Ok(d) if !d.is_zero() => Some(d),
        Ok(_) => {
            ctx.error_help(
                ctx.at(written),
                "`timeout` must be more than zero",
                "leave it out for no statement timeout",
            );
            None
        }
        Err(e) => {
            ctx.error_help(
                ctx.at(written),
                format!("invalid duration `{}`: {e}", written.value.trim()),
                "write a number with a unit, like `30s` or `2m`",
            );
            None
        }
    }
}
