//! Finding `sqltest.yaml` and loading the whole project, collecting every error.

use super::config::convert_config;
use super::errors::{ConfigError, LoadErrors};
use super::model::{Engine, Project};
use super::raw::{RawConfig, RawSpec};
use super::source::FileCtx;
use super::spec::convert_spec;
use camino::{Utf8Path, Utf8PathBuf};

/// The project file's name.
pub const PROJECT_FILE: &str = "sqltest.yaml";

/// Finds the project file from `start`: `start` itself if it is a file named `sqltest.yaml`;
/// otherwise `sqltest.yaml` in `start` (or, when `start` is another file such as a spec, in its
/// directory) or in the nearest parent directory that has one. Returns an absolute path.
pub fn find_project_file(start: &Utf8Path) -> Result<Utf8PathBuf, LoadErrors> {
    let start = absolute(start)?;
    if start.is_file() {
        if start.file_name() == Some(PROJECT_FILE) {
            return Ok(start);
        }
        return match start.parent() {
            Some(dir) => find_project_file(dir),
            None => Err(not_found(&start)),
        };
    }
    if !start.exists() {
        return Err(LoadErrors::single(ConfigError::unlocated(format!(
            "`{start}` does not exist"
        ))));
    }
    let mut dir = Some(start.as_path());
    while let Some(d) = dir {
        let candidate = d.join(PROJECT_FILE);
        if candidate.is_file() {
            return Ok(candidate);
        }
        dir = d.parent();
    }
    Err(not_found(&start))
}

fn not_found(start: &Utf8Path) -> LoadErrors {
    LoadErrors::single(
        ConfigError::unlocated(format!(
            "no {PROJECT_FILE} in `{start}` or any parent directory"
        ))
        .with_help("run `sqltest init` to create one, or pass the project directory"),
    )
}

fn absolute(path: &Utf8Path) -> Result<Utf8PathBuf, LoadErrors> {
    if path.is_absolute() {
        return Ok(path.to_owned());
    }
    let cwd = std::env::current_dir().map_err(|e| {
        LoadErrors::single(ConfigError::unlocated(format!(
            "cannot read the current directory: {e}"
        )))
    })?;
    let cwd = Utf8PathBuf::from_path_buf(cwd).map_err(|p| {
        LoadErrors::single(ConfigError::unlocated(format!(
            "the current directory `{}` is not UTF-8",
            p.display()
        )))
    })?;
    Ok(if path.as_str().is_empty() || path == "." {
        cwd
    } else {
        cwd.join(path)
    })
}

/// Loads and validates the project found from `start` (see [`find_project_file`]) and every
/// spec file its `specs` globs match. All errors of all files are returned together.
pub fn load(start: &Utf8Path) -> Result<Project, LoadErrors> {
    let config_file = find_project_file(start)?;
    let Some(root) = config_file.parent().map(Utf8Path::to_owned) else {
        return Err(LoadErrors::single(ConfigError::unlocated(format!(
            "`{config_file}` has no parent directory"
        ))));
    };
    // Canonical so the same project always gets the same root (symlinked checkouts, `..`).
    let root = root.canonicalize_utf8().unwrap_or(root);
    let config_path = Utf8PathBuf::from(config_file.file_name().unwrap_or(PROJECT_FILE));
    let mut failed = LoadErrors::new(Vec::new());

    let text = read(&config_file, &config_path)?;
    let mut ctx = FileCtx::new(config_path.clone(), text);
    let raw: Option<RawConfig> = ctx.parse();
    let parsed = ctx.errors.is_empty();
    let config = convert_config(&mut ctx, raw, &root, parsed);
    collect(&mut failed, ctx);

    let mut specs = Vec::new();
    for path in &config.specs {
        let mut ctx = match read(&root.join(path), path) {
            Ok(text) => FileCtx::new(path.clone(), text),
            Err(e) => {
                failed.errors.extend(e.errors);
                continue;
            }
        };
        let raw: Option<RawSpec> = ctx.parse();
        specs.push(convert_spec(&mut ctx, raw));
        collect(&mut failed, ctx);
    }

    if !failed.errors.is_empty() {
        return Err(failed);
    }
    let engine = config.engine.unwrap_or(Engine::Postgres);
    Ok(Project {
        root,
        config_path,
        engine,
        version: config.version,
        image: config.image,
        backend: config.backend,
        migrations: config.migrations,
        migrations_at: config.migrations_at,
        seeds: config.seeds,
        specs,
        jobs: config.jobs,
        timeout: config.timeout,
        change: config.change,
    })
}

/// Moves a file's errors (sorted by position) and its text into `failed`.
fn collect(failed: &mut LoadErrors, mut ctx: FileCtx) {
    if ctx.errors.is_empty() {
        return;
    }
    ctx.errors
        .sort_by_key(|e| e.location.as_ref().map(|l| (l.line, l.column)));
    failed.errors.append(&mut ctx.errors);
    failed.add_source(ctx.path, ctx.text);
}

fn read(full: &Utf8Path, relative: &Utf8Path) -> Result<String, LoadErrors> {
    let bytes = std::fs::read(full).map_err(|e| {
        LoadErrors::single(ConfigError::unlocated(format!(
            "cannot read `{relative}`: {e}"
        )))
    })?;
    String::from_utf8(bytes).map_err(|e| {
        let at = crate::Location::new(relative.to_owned(), 1, 1);
        LoadErrors::single(ConfigError::at(
            at,
            format!(
                "`{relative}` is not UTF-8 (invalid byte at offset {})",
                e.utf8_error().valid_up_to()
            ),
        ))
    })
}
