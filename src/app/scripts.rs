//! Reading the project's scripts: the migrations (layout detected) then the seeds, with the
//! warnings about files the layout leaves unused and a located error for a set that yields
//! no migration at all.

use crate::Location;
use crate::migrate::discover::{self, DiscoverError, DiscoverErrorKind, KNOWN_LAYOUTS};
use crate::migrate::prepare::Script;
use crate::project::{ConfigError, LoadErrors, Project};
use crate::results::{ScriptKind, Warning};

/// The scripts to apply and what the run should warn about.
pub(crate) struct Scripts {
    pub list: Vec<Script>,
    pub warnings: Vec<Warning>,
}

/// Migrations (in layout order) then seeds (in the order the project lists them). The error
/// is rendered for the terminal.
pub(crate) fn read_scripts(project: &Project, color: bool) -> Result<Scripts, String> {
    let mut list = Vec::new();
    let mut warnings = Vec::new();
    if let Some(dir) = &project.migrations {
        let found = discover::discover(&project.root, dir, project.engine)
            .map_err(|e| render_discover_error(project, &e, color))?;
        if !found.ignored.is_empty() {
            warnings.push(ignored_warning(&found));
        }
        list.extend(found.files.into_iter().map(|file| Script {
            kind: ScriptKind::Migration,
            file,
            origin: None,
        }));
    }
    if project.migrations.is_none()
        && let Some(warning) = unset_migrations_warning(project)
    {
        warnings.push(warning);
    }
    for seed in &project.seeds {
        let file =
            discover::load_script(&project.root, seed).map_err(|e| format!("error: {e}\n"))?;
        list.push(Script {
            kind: ScriptKind::Seed,
            file,
            origin: None,
        });
    }
    Ok(Scripts { list, warnings })
}

fn ignored_warning(found: &discover::Discovered) -> Warning {
    let layout = found.layout().map_or("detected", |l| l.as_str());
    let mut names: Vec<String> = found
        .ignored
        .iter()
        .take(5)
        .map(|p| p.to_string())
        .collect();
    if found.ignored.len() > names.len() {
        names.push(format!("and {} more", found.ignored.len() - names.len()));
    }
    Warning {
        message: format!(
            "the {layout} layout does not apply {} .sql file(s) in the migrations directory: {}",
            found.ignored.len(),
            names.join(", ")
        ),
        location: found.ignored.first().map(|p| Location::file(p.clone())),
    }
}

/// An empty set is the user's `migrations:` setting at fault: shown at that key, with the
/// line. Other discovery errors point at a file already.
fn render_discover_error(project: &Project, e: &DiscoverError, color: bool) -> String {
    let (DiscoverErrorKind::NoMigrations { .. }, Some(at)) = (&e.kind, &project.migrations_at)
    else {
        return format!("error: {e}\n");
    };
    let message = e.kind.to_string();
    let message = message
        .split_once("; the layouts it knows")
        .map_or(message.as_str(), |(head, _)| head);
    let error = ConfigError::at(
        at.clone(),
        format!("`migrations: {}` gives no migration: {message}", e.path),
    )
    .with_help(format!("sqltest reads these layouts: {KNOWN_LAYOUTS}"));
    let mut errors = LoadErrors::single(error);
    if let Ok(text) = std::fs::read_to_string(project.root.join(&project.config_path)) {
        errors.add_source(project.config_path.clone(), text);
    }
    errors.render(color)
}

/// Where projects usually keep migrations: a project without `migrations:` that has `.sql`
/// files in one of these is told, rather than silently run on an empty database.
const USUAL_DIRS: [&str; 3] = ["migrations", "db/migrations", "db/migrate"];

fn unset_migrations_warning(project: &Project) -> Option<Warning> {
    USUAL_DIRS.iter().find_map(|dir| {
        let full = project.root.join(dir);
        let count = walkdir::WalkDir::new(&full)
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| {
                e.file_type().is_file()
                    && e.file_name().to_string_lossy().to_ascii_lowercase().ends_with(".sql")
            })
            .count();
        (full.is_dir() && count > 0).then(|| Warning {
            message: format!(
                "{} sets no `migrations:`, so the {count} .sql file(s) under {dir}/ are not applied; add `migrations: {dir}` if they are the schema",
                project.config_path
            ),
            location: Some(Location::file(project.config_path.clone())),
        })
    })
}
