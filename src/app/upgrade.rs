//! The upgrade step of `run`: finds the change's base and swaps the plain script list for the
//! upgrade path (base migrations and seeds, then the new migrations).

use super::Exit;
use crate::change::{self, BaseError, Change};
use crate::migrate::prepare::Script;
use crate::project::Project;
use crate::results::Warning;

/// The change to judge, or `None` when no base is named anywhere (the run is a plain one).
pub(super) fn change_of(
    project: &Project,
    head: &[Script],
    flag: Option<&str>,
    warnings: &mut Vec<Warning>,
) -> Result<Option<Change>, (Exit, String)> {
    let env = |k: &str| std::env::var(k).ok();
    let (base, warning) =
        change::find_base(&project.root, flag, project.change.base.as_deref(), &env)
            .map_err(exit_of)?;
    warnings.extend(warning.map(|message| Warning {
        message,
        location: None,
    }));
    let Some(base) = base else {
        return Ok(None);
    };
    change::prepare_change(project, head, base)
        .map(Some)
        .map_err(exit_of)
}

fn exit_of(e: BaseError) -> (Exit, String) {
    match e {
        BaseError::Invalid(m) => (Exit::Invalid, m),
        BaseError::Environment(m) => (Exit::Environment, m),
    }
}

/// One line saying what the run compares with.
pub(super) fn describe(c: &Change) -> String {
    let base = &c.base;
    let at = if base.requested.starts_with(&base.commit) || base.commit.starts_with(&base.requested)
    {
        change::short(&base.commit).to_string()
    } else {
        format!(
            "{} (merge base {})",
            base.requested,
            change::short(&base.commit)
        )
    };
    format!(
        "Upgrade path: the database as {at} has it ({}), then {} new migration(s) of this change",
        base.source.describe(),
        c.new_migrations
    )
}
