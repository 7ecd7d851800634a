//! Fresh install vs upgrade: with a base, the change's migrations are also applied to an empty
//! database and its schema compared with the upgraded template's; any difference is a
//! `schema-drift` finding listing the objects side by side. While that database is built, each
//! new migration that has a down script is checked for reversibility: up, down, up again, with
//! the schema after down equal to the schema before up.

use super::RunCtx;
use super::reversibility::{self, Built};
use crate::Location;
use crate::change::schema::{self, Schema};
use crate::dialect::Conn;
use crate::migrate::prepare::Script;
use crate::project::Severity;
use crate::results::{Finding, FindingCategory, Origin, ScriptKind};

/// The fresh-install database, built beside the upgrade path.
pub(super) struct Fresh {
    name: String,
    built: Result<Built, String>,
    /// Where findings point: the first new migration (the change), else the first migration.
    at: Option<Location>,
}

/// Applies the change's migrations to a new, empty database, checking the downs of the new ones.
pub(super) async fn build_fresh(ctx: &RunCtx<'_>, head: &[Script]) -> Fresh {
    let migrations: Vec<Script> = head
        .iter()
        .filter(|s| s.kind == ScriptKind::Migration)
        .cloned()
        .collect();
    let at = ctx
        .scripts
        .iter()
        .find(|s| s.origin == Some(Origin::New) && s.kind == ScriptKind::Migration)
        .or(migrations.first())
        .map(|s| Location::file(s.file.path.clone()));
    let name = format!("sqltest_{}_fresh", ctx.run_id);
    ctx.registry.record(&name);
    let new: Vec<&str> = ctx
        .scripts
        .iter()
        .filter(|s| s.origin == Some(Origin::New))
        .map(|s| s.file.path.as_str())
        .collect();
    let built = reversibility::build_checking_downs(ctx, &name, &migrations, &new).await;
    Fresh { name, built, at }
}

/// The reversibility findings, and the drift finding if the fresh install and the upgraded
/// template (when it was built) differ; the fresh database is dropped. Infrastructure trouble
/// goes to `errors`.
pub(super) async fn findings(
    ctx: &RunCtx<'_>,
    fresh: Fresh,
    upgraded_template: Option<&str>,
    errors: &mut Vec<String>,
) -> Vec<Finding> {
    let Fresh { name, built, at } = fresh;
    let result = match built {
        Err(e) => {
            errors.push(format!("fresh-install comparison: {e}"));
            Vec::new()
        }
        Ok(b) => {
            let mut found = b.findings;
            // Without an upgraded template (a migration failed on the upgrade path) there is
            // nothing to compare with, and that failure is already the run's result.
            if let Some(upgraded) = upgraded_template {
                match b.failed {
                    Some((path, error)) => found.push(finding(
                        at,
                        format!(
                            "The change's migrations do not install from scratch: {path} fails on an empty database although the upgrade path applies."
                        ),
                        Some(error),
                    )),
                    None if b.incomplete => {}
                    None => found.extend(compare(ctx, upgraded, &name, at, errors).await),
                }
            }
            found
        }
    };
    if ctx.server.endpoint.drop_database(&name).await.is_ok() {
        ctx.registry.forget(&name);
    }
    result
}

async fn compare(
    ctx: &RunCtx<'_>,
    upgraded: &str,
    fresh: &str,
    at: Option<Location>,
    errors: &mut Vec<String>,
) -> Vec<Finding> {
    let (up, fr) = match (read(ctx, upgraded).await, read(ctx, fresh).await) {
        (Ok(u), Ok(f)) => (u, f),
        (Err(e), _) | (_, Err(e)) => {
            errors.push(format!("fresh-install comparison: {e}"));
            return Vec::new();
        }
    };
    let diffs = schema::differences(&up, &fr);
    if diffs.is_empty() {
        return Vec::new();
    }
    let names: Vec<&str> = diffs.iter().take(5).map(|d| d.0).collect();
    vec![finding(
        at,
        format!(
            "A fresh install and the database upgraded from the base differ in {} object(s): {}{}.",
            diffs.len(),
            names.join(", "),
            if diffs.len() > 5 { ", …" } else { "" }
        ),
        Some(schema::render_differences(
            &diffs,
            ("upgraded from the base", "fresh install"),
        )),
    )]
}

async fn read(ctx: &RunCtx<'_>, name: &str) -> Result<Schema, String> {
    let target = ctx
        .server
        .endpoint
        .target(name)
        .map_err(|e| e.to_string())?;
    let mut conn = Conn::connect(&target, ctx.session)
        .await
        .map_err(|e| e.to_string())?;
    let schema = schema::describe(&mut conn).await.map_err(|e| e.to_string());
    conn.close().await;
    schema
}

fn finding(location: Option<Location>, message: String, details: Option<String>) -> Finding {
    Finding::new(
        FindingCategory::Drift,
        "schema-drift",
        Severity::Error,
        location,
        message,
        details,
    )
}
