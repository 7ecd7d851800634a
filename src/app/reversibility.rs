//! Reversibility of the change's new migrations, checked while the fresh-install database is
//! built: for each new migration with a down script (sqlx and golang-migrate `.down.sql`,
//! dbmate and goose down sections, Diesel `down.sql`), up → down → up, and the schema after down
//! must be the schema before up. A failing down or a difference is a finding in the down file.

use super::{RunCtx, template};
use crate::Location;
use crate::change::schema::{self, Schema};
use crate::dialect::{Conn, DbTarget};
use crate::migrate::apply::{ApplyFailure, apply_file};
use crate::migrate::cache::Kind;
use crate::migrate::discover::MigrationFile;
use crate::migrate::prepare::Script;
use crate::project::Severity;
use crate::results::{Finding, FindingCategory};

/// The fresh database after building: reversibility findings, and the first migration that
/// did not apply from scratch (path, error) if any.
pub(super) struct Built {
    pub findings: Vec<Finding>,
    pub failed: Option<(String, String)>,
    /// A down broke the build: the database is not a fresh install to compare.
    pub incomplete: bool,
}

/// Creates `name` and applies `migrations` in order, checking the downs of those in `new`.
/// With `--reuse`, the migrations before the first new one come from the template cache (and
/// go into it when missing), so only the change's part is re-applied.
pub(super) async fn build_checking_downs(
    ctx: &RunCtx<'_>,
    name: &str,
    migrations: &[Script],
    new: &[&str],
) -> Result<Built, String> {
    let engine = ctx.project.engine;
    let mut built = Built {
        findings: Vec::new(),
        failed: None,
        incomplete: false,
    };
    let prefix_len = if ctx.reuse {
        migrations
            .iter()
            .take_while(|s| !new.contains(&s.file.path.as_str()))
            .count()
    } else {
        0
    };
    let (prefix, migrations) = migrations.split_at(prefix_len);
    let endpoint = &ctx.server.endpoint;
    let target = if prefix.is_empty() {
        endpoint.create_database(name).await
    } else {
        let cached = template::name_of(ctx, Kind::FreshPrefix, prefix);
        if template::cached(ctx, &cached).await? {
            endpoint.clone_database(&cached, name).await
        } else {
            let target = endpoint
                .create_database(name)
                .await
                .map_err(|e| format!("failed to create {name}: {e}"))?;
            let mut conn = connect(&target, ctx, name).await?;
            for script in prefix {
                if let Err(e) = apply(&mut conn, engine, &script.file).await? {
                    built.failed = Some((script.file.path.to_string(), e));
                    return finish(conn, built).await;
                }
            }
            conn.close().await;
            template::copy_into_cache(ctx, name, &cached, Kind::FreshPrefix).await?;
            Ok(target)
        }
    }
    .map_err(|e| format!("failed to create {name}: {e}"))?;
    let mut conn = connect(&target, ctx, name).await?;
    for script in migrations {
        let file = &script.file;
        let down = file
            .down
            .as_ref()
            .filter(|_| new.contains(&file.path.as_str()));
        let before = match down {
            Some(_) => Some(describe(&mut conn).await?),
            None => None,
        };
        if let Err(e) = apply(&mut conn, engine, file).await? {
            built.failed = Some((file.path.to_string(), e));
            break;
        }
        let (Some(down), Some(before)) = (down, before) else {
            continue;
        };
        let down_file = MigrationFile {
            path: down.path.clone(),
            content: down.content.clone(),
            up: down.range.clone(),
            no_transaction: down.no_transaction,
            down: None,
            ..file.clone()
        };
        if let Err(e) = apply(&mut conn, engine, &down_file).await? {
            built.findings.push(finding(
                "down-failed",
                Location::file(down.path.clone()),
                format!(
                    "The down migration of {} fails after its up: {e}",
                    file.path
                ),
                None,
            ));
            // The database is now in an unknown state: stop, and compare nothing.
            built.incomplete = true;
            return finish(conn, built).await;
        }
        let after = describe(&mut conn).await?;
        let diffs = schema::differences(&before, &after);
        if !diffs.is_empty() {
            let rendered = schema::render_differences(&diffs, ("before up", "after up then down"));
            built.findings.push(finding(
                "irreversible",
                Location::file(down.path.clone()),
                format!(
                    "The down migration of {} does not restore the schema: {} object(s) differ after up then down.",
                    file.path,
                    diffs.len()
                ),
                Some(rendered),
            ));
            // Up cannot apply again over what down left: stop, and compare nothing.
            built.incomplete = true;
            return finish(conn, built).await;
        }
        if let Err(e) = apply(&mut conn, engine, file).await? {
            built.findings.push(finding(
                "irreversible",
                Location::file(file.path.clone()),
                format!(
                    "{} does not apply again after its down migration: {e}",
                    file.path
                ),
                None,
            ));
            built.incomplete = true;
            return finish(conn, built).await;
        }
    }
    finish(conn, built).await
}

async fn connect(target: &DbTarget, ctx: &RunCtx<'_>, name: &str) -> Result<Conn, String> {
    Conn::connect(target, ctx.session)
        .await
        .map_err(|e| format!("failed to connect to {name}: {e}"))
}

async fn finish(conn: Conn, built: Built) -> Result<Built, String> {
    conn.close().await;
    Ok(built)
}

async fn describe(conn: &mut Conn) -> Result<Schema, String> {
    schema::describe(conn).await.map_err(|e| e.to_string())
}

/// Ok(Err(message)) when the SQL failed; Err for a broken connection.
async fn apply(
    conn: &mut Conn,
    engine: crate::project::Engine,
    file: &MigrationFile,
) -> Result<Result<(), String>, String> {
    match apply_file(conn, engine, file).await {
        Ok(()) => Ok(Ok(())),
        Err(ApplyFailure::Sql(e)) => Ok(Err(match &e.location {
            Some(l) => format!("{} (at {}:{}:{})", e.message, l.path, l.line, l.column),
            None => e.message,
        })),
        Err(ApplyFailure::Connection(m)) => Err(m),
    }
}

fn finding(rule: &str, location: Location, message: String, details: Option<String>) -> Finding {
    Finding::new(
        FindingCategory::Reversibility,
        rule,
        Severity::Error,
        Some(location),
        message,
        details,
    )
}
