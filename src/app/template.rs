//! The prepare step of `run`: builds the template database the tests clone, or with `--reuse`
//! finds it in the server's cache by content hash. With a base, the base branch's part of the
//! upgrade path (its migrations and seeds) is cached on its own, so a warm run whose new
//! migrations changed clones the base and re-applies only those.

use super::{Body, RunCtx, lock};
use crate::migrate::cache::{self, Kind};
use crate::migrate::prepare::{Script, Start, prepare};
use crate::results::{MigrationResult, Origin, Status};
use crate::safety::measure::{Probe, Scope};

/// The template to clone, once prepared (or found in the cache).
pub(super) enum Template {
    Ready(String),
    /// A migration or seed failed: the tests are skipped with this reason.
    Failed(String),
    /// Preparation could not run (environment).
    Unavailable,
}

/// Builds the template database, or with `--reuse` finds it in the server's cache: a cached
/// template whose content hash matches is used as is (no migration runs); otherwise a new one
/// is built under a temporary name and renamed into the cache only once it fully succeeded.
pub(super) async fn prepare_template(ctx: &RunCtx<'_>, outcome: &mut Body) -> Template {
    let with_base = ctx.scripts.iter().any(|s| s.origin.is_some());
    // With a base the change's migrations always run (on the cached base): they are the checks
    // of this change, and their measurement must not vanish on a warm run.
    let full = (ctx.reuse && !with_base).then(|| name_of(ctx, Kind::Full, ctx.scripts));
    let mut probe = measuring(ctx).then(|| {
        Probe::new(if with_base {
            Scope::BeforeFirstNew
        } else {
            Scope::BeforeEachFileWithRows
        })
    });
    let template = build(ctx, outcome, full, probe.as_mut()).await;
    if let Some(p) = probe {
        let mut found = p.into_findings();
        crate::safety::allow::apply_policy(&mut found, ctx.allowances, &ctx.project.change.safety);
        crate::change::history::number_repeats(&mut found);
        outcome.findings.extend(found);
    }
    template
}

/// Whether the change's statements are measured: PostgreSQL, unless `safety.measure` is off.
fn measuring(ctx: &RunCtx<'_>) -> bool {
    ctx.project.engine == crate::project::Engine::Postgres && ctx.project.change.safety.measure
}

async fn build(
    ctx: &RunCtx<'_>,
    outcome: &mut Body,
    full: Option<String>,
    mut probe: Option<&mut Probe>,
) -> Template {
    if let Some(name) = &full {
        match is_cached(ctx, name, outcome).await {
            Some(true) => {
                lock(ctx.reporter).phase(&format!(
                    "reusing the cached template {name}: migrations and seeds are unchanged"
                ));
                report_skipped(
                    ctx,
                    ctx.scripts,
                    "unchanged: already in the cached template",
                );
                return Template::Ready(name.clone());
            }
            Some(false) => {}
            None => return Template::Unavailable,
        }
    }
    let building = format!("sqltest_{}_tpl", ctx.run_id);
    ctx.registry.record(&building);
    let base_len = if ctx.reuse { base_part(ctx.scripts) } else { 0 };
    let (base, change) = ctx.scripts.split_at(base_len);
    let base_name = name_of(ctx, Kind::Base, base);
    let mut start = Start::Empty;
    if !base.is_empty() {
        match is_cached(ctx, &base_name, outcome).await {
            Some(true) => {
                lock(ctx.reporter).phase(&format!(
                    "reusing the cached base template {base_name}: the base's migrations and seeds are unchanged"
                ));
                report_skipped(ctx, base, "unchanged: already in the cached base template");
                start = Start::CloneOf(&base_name);
            }
            Some(false) => {
                // The base's part first, copied into the cache before the change goes on top.
                if let Err(t) = apply(ctx, outcome, &building, Start::Empty, base, None).await {
                    if let Template::Failed(first) = &t {
                        let reason = format!("not applied: {first} failed before it");
                        report_skipped(ctx, change, &reason);
                    }
                    return t;
                }
                keep_copy(ctx, outcome, &building, &base_name, Kind::Base).await;
                start = Start::Existing;
            }
            None => return Template::Unavailable,
        }
    }
    if let Err(t) = apply(ctx, outcome, &building, start, change, probe.as_deref_mut()).await {
        return t;
    }
    let Some(name) = full else {
        return Template::Ready(building);
    };
    drop_older(ctx, Kind::Full).await;
    match ctx.server.endpoint.rename_database(&building, &name).await {
        Ok(()) => {
            ctx.registry.forget(&building);
            Template::Ready(name)
        }
        Err(e) => {
            outcome
                .errors
                .push(format!("failed to keep the template in the cache: {e}"));
            Template::Ready(building)
        }
    }
}

/// How many leading scripts are the base's own (migrations and seeds as the base had them).
/// Only a strict prefix counts: with nothing new after it there is no change to re-apply.
fn base_part(scripts: &[Script]) -> usize {
    let n = scripts
        .iter()
        .take_while(|s| s.origin == Some(Origin::Base))
        .count();
    if n == scripts.len() { 0 } else { n }
}

pub(super) fn name_of(ctx: &RunCtx<'_>, kind: Kind, scripts: &[Script]) -> String {
    cache::template_name(
        ctx.project.root.as_str(),
        kind,
        ctx.project.engine,
        ctx.image,
        scripts,
    )
}

/// Whether `name` is on the server; `None` (the error recorded) when it cannot be told.
async fn is_cached(ctx: &RunCtx<'_>, name: &str, outcome: &mut Body) -> Option<bool> {
    match cached(ctx, name).await {
        Ok(found) => Some(found),
        Err(e) => {
            outcome.errors.push(e);
            None
        }
    }
}

/// Whether the cached template `name` is on the server.
pub(super) async fn cached(ctx: &RunCtx<'_>, name: &str) -> Result<bool, String> {
    match ctx.server.endpoint.list_databases(name).await {
        Ok(found) => Ok(found.iter().any(|n| n == name)),
        Err(e) => Err(format!("failed to look for the cached template: {e}")),
    }
}

fn report_skipped(ctx: &RunCtx<'_>, scripts: &[Script], reason: &str) {
    for s in scripts {
        ctx.migration_done(&MigrationResult {
            kind: s.kind,
            path: s.file.path.clone(),
            version: s.file.version.clone(),
            status: Status::Skipped,
            duration_secs: 0.0,
            error: None,
            skip_reason: Some(reason.into()),
            origin: s.origin,
        });
    }
}

/// Applies `scripts` to `building`; `Err` with what the run does when one fails.
async fn apply(
    ctx: &RunCtx<'_>,
    outcome: &mut Body,
    building: &str,
    start: Start<'_>,
    scripts: &[Script],
    probe: Option<&mut Probe>,
) -> Result<(), Template> {
    let prepared = prepare(
        &ctx.server.endpoint,
        building,
        start,
        ctx.project.engine,
        scripts,
        ctx.session,
        probe,
        |m| ctx.migration_done(m),
    )
    .await;
    let prepared = match prepared {
        Ok(p) => p,
        Err(e) => {
            outcome.errors.push(e);
            return Err(Template::Unavailable);
        }
    };
    if prepared.server_version.is_some() {
        outcome.server_version = prepared.server_version.clone();
    }
    match prepared.failed.or(prepared.infra_error) {
        Some(first) => Err(Template::Failed(first)),
        None => Ok(()),
    }
}

/// Copies `from` (no open connection) into the cache as `name`, through a temporary name so a
/// half-made copy never carries a cache name. Older templates of the same kind go.
async fn keep_copy(ctx: &RunCtx<'_>, outcome: &mut Body, from: &str, name: &str, kind: Kind) {
    if let Err(e) = copy_into_cache(ctx, from, name, kind).await {
        outcome.errors.push(e);
    }
}

/// [`keep_copy`], with the failure returned.
pub(super) async fn copy_into_cache(
    ctx: &RunCtx<'_>,
    from: &str,
    name: &str,
    kind: Kind,
) -> Result<(), String> {
    let endpoint = &ctx.server.endpoint;
    // The base and the fresh prefix may be copied at the same time: one name per kind.
    let copying = format!("sqltest_{}_keep_{}", ctx.run_id, kind.tag());
    ctx.registry.record(&copying);
    let kept = async {
        endpoint.clone_database(from, &copying).await?;
        drop_older(ctx, kind).await;
        endpoint.rename_database(&copying, name).await
    }
    .await;
    if kept.is_err() {
        let _ = endpoint.drop_database(&copying).await;
    }
    ctx.registry.forget(&copying);
    kept.map_err(|e| format!("failed to keep {name} in the template cache: {e}"))
}

/// Drops this project's cached templates of `kind` (one of each kind is kept).
async fn drop_older(ctx: &RunCtx<'_>, kind: Kind) {
    let endpoint = &ctx.server.endpoint;
    let prefix = cache::project_prefix(ctx.project.root.as_str(), kind);
    if let Ok(old) = endpoint.list_databases(&prefix).await {
        for o in old {
            let _ = endpoint.drop_database(&o).await;
        }
    }
}
