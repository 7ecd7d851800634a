//! Running compiled jobs: `concurrency` connections, each inside one read-only transaction
//! (on PostgreSQL all sharing one exported snapshot, so every check sees the same data), pull
//! jobs biggest first. Each statement runs inside a savepoint on PostgreSQL, so one failing
//! check neither aborts the transaction nor lets a rule change its mode. Samples are fetched
//! only for failed checks.

use super::catalog::Catalog;
use super::cells::{count, first, float, sample_rows, text};
use super::compile::{CompileOptions, compile};
use super::jobs::{
    CustomJob, INLINE_KEYS, Job, Ready, ReferencesJob, Scan, ScanCheck, ScanMeasure, Subject,
    UniqueJob, Work,
};
use super::sqlgen::RuleSql;
use super::verdict::{Detail, Measured, broken, checked, errored, guaranteed, passes};
use super::worker::Worker;
use crate::dialect::{Cell, DbTarget, ExecError, SessionOptions, SqlError};
use crate::plan::PlannedRule;
use crate::results::CheckResult;
use serde_json::{Map, Value};
use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Distinct keys above which a failing `unique` groups them by sorting (see
/// [`RuleSql::many_groups`]).
const MANY_GROUPS: u64 = 100_000;

/// How rules run.
#[derive(Debug, Clone)]
pub struct RulesOptions {
    /// Sample violating rows kept per failed check (`--samples N`; 0 fetches none).
    pub samples: usize,
    /// Report checks a validated constraint guarantees as passed without scanning
    /// (`--no-constraint-shortcuts` turns this off).
    pub constraint_shortcuts: bool,
    /// Connections running jobs at once.
    pub concurrency: usize,
    /// Session settings; `read_only` is forced on whatever is given here.
    pub session: SessionOptions,
}

impl Default for RulesOptions {
    fn default() -> Self {
        RulesOptions {
            samples: 5,
            constraint_shortcuts: true,
            concurrency: 2,
            session: SessionOptions {
                statement_timeout: None,
                read_only: true,
            },
        }
    }
}

/// What every job needs to know.
struct Ctx<'a> {
    subjects: &'a [Subject],
    sql: RuleSql,
    samples: usize,
    emit: &'a (dyn Fn(usize, CheckResult) + Sync),
}

/// Runs every check of `rules` read-only against `target` and returns one result per check,
/// in plan order. `on_done` is called as each check finishes (guaranteed ones first).
/// `catalog` comes from [`super::validate`] on the same database.
pub async fn run_rules(
    target: &DbTarget,
    rules: &[PlannedRule],
    catalog: &Catalog,
    opts: &RulesOptions,
    on_done: &(dyn Fn(&CheckResult) + Sync),
) -> Vec<CheckResult> {
    let compiled = compile(
        rules,
        catalog,
        &CompileOptions {
            samples: opts.samples,
            constraint_shortcuts: opts.constraint_shortcuts,
        },
    );
    let slots: Mutex<Vec<Option<CheckResult>>> = Mutex::new(vec![None; compiled.subjects.len()]);
    let emit = |i: usize, r: CheckResult| {
        on_done(&r);
        if let Some(slot) = lock(&slots).get_mut(i) {
            *slot = Some(r);
        }
    };
    for (i, ready) in &compiled.ready {
        let subject = &compiled.subjects[*i];
        emit(
            *i,
            match ready {
                Ready::Guaranteed(by) => guaranteed(subject, by),
                Ready::Broken(m) => broken(subject, m.clone()),
            },
        );
    }

    let mut not_run = String::from("not run");
    if !compiled.jobs.is_empty() {
        let ctx = Ctx {
            subjects: &compiled.subjects,
            sql: RuleSql::new(catalog.engine),
            samples: opts.samples,
            emit: &emit,
        };
        let workers = opts.concurrency.max(1).min(compiled.jobs.len());
        let queue = Mutex::new(compiled.jobs.into_iter().collect::<VecDeque<_>>());
        let session = SessionOptions {
            read_only: true,
            ..opts.session.clone()
        };
        let last_error: Mutex<Option<String>> = Mutex::new(None);

        // The first connection exports its snapshot before the others open and import it.
        let mut leader = Worker::new(target, &session, catalog.engine, true);
        if let Err(e) = leader.open().await {
            *lock(&last_error) = Some(e.to_string());
        }
        let snapshot = leader.snapshot.clone();
        let mut all = vec![leader];
        for _ in 1..workers {
            let mut w = Worker::new(target, &session, catalog.engine, false);
            w.snapshot = snapshot.clone();
            all.push(w);
        }
        futures::future::join_all(all.into_iter().map(|w| work(w, &queue, &ctx, &last_error)))
            .await;

        if let Some(e) = lock(&last_error).take() {
            not_run = format!("not run: {e}");
        }
    }
    let slots = slots.into_inner().unwrap_or_else(|p| p.into_inner());
    slots
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            r.unwrap_or_else(|| {
                let b = broken(&compiled.subjects[i], not_run.clone());
                on_done(&b);
                b
            })
        })
        .collect()
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// One connection's loop: open (or reopen after a lost connection), take the next job, run it.
async fn work(
    mut w: Worker<'_>,
    queue: &Mutex<VecDeque<Job>>,
    ctx: &Ctx<'_>,
    last_error: &Mutex<Option<String>>,
) {
    loop {
        if w.conn.is_none()
            && let Err(e) = w.open().await
        {
            *lock(last_error) = Some(e.to_string());
            break;
        }
        let Some(job) = lock(queue).pop_front() else {
            break;
        };
        match job.work {
            Work::Scan(s) => scan(&mut w, s, ctx).await,
            Work::Unique(u) => unique(&mut w, u, ctx).await,
            Work::References(r) => references(&mut w, r, ctx).await,
            Work::Custom(c) => custom(&mut w, c, ctx).await,
        }
    }
    w.close().await;
}

fn scan_sql(from: &str, filter: Option<&str>, select: &[&str]) -> String {
    let w = filter.map(|f| format!(" where {f}")).unwrap_or_default();
    format!("select {} from {from}{w}", select.join(", "))
}

/// One fused scan (see [`run_scan`]); on PostgreSQL, first makes sure folded `references`
/// are hashed, else runs the scan without them and them as anti-joins.
async fn scan(w: &mut Worker<'_>, mut s: Scan, ctx: &Ctx<'_>) {
    // Replace folded subqueries by the parent's keys where there are few enough.
    let mut subqueries_left = false;
    for inline in std::mem::take(&mut s.inline) {
        let keys = match w.query(&inline.keys).await {
            Ok(rs) if rs.rows.len() <= INLINE_KEYS => rs,
            // Too many keys, or an error the scan itself will report: keep the subquery.
            Ok(_) | Err(_) => {
                subqueries_left = true;
                continue;
            }
        };
        let keys: Vec<String> = keys
            .rows
            .iter()
            .filter_map(|r| r.first().and_then(text))
            .collect();
        let list = ctx.sql.not_among(&inline.column, &keys, &inline.key_type);
        for expr in &mut s.select {
            *expr = expr.replace(&inline.predicate, &list);
        }
    }
    if !subqueries_left {
        s.fallback = None;
    }
    if let Some(fallback) = s.fallback.take() {
        let all: Vec<&str> = s.select.iter().map(String::as_str).collect();
        let explain = format!(
            "explain (verbose, costs off) {}",
            scan_sql(&s.from, s.filter.as_deref(), &all)
        );
        // A plain (not hashed) subplan would rescan the parent for every row of the child.
        let rescans = match w.query(&explain).await {
            Ok(plan) => plan
                .rows
                .iter()
                .filter_map(|r| r.first().and_then(text))
                .any(|line| line.contains("(SubPlan ")),
            // The scan itself will report the error.
            Err(_) => false,
        };
        if rescans {
            if let Some(rest) = fallback.scan {
                run_scan(w, rest, ctx).await;
            }
            for r in fallback.references {
                references(w, r, ctx).await;
            }
            return;
        }
    }
    run_scan(w, s, ctx).await;
}

/// Runs a fused scan. If it fails, each check runs on its own so the error lands on the check
/// at fault and the others still get their result.
async fn run_scan(w: &mut Worker<'_>, s: Scan, ctx: &Ctx<'_>) {
    let start = Instant::now();
    let all: Vec<&str> = s.select.iter().map(String::as_str).collect();
    match w.query(&scan_sql(&s.from, s.filter.as_deref(), &all)).await {
        Ok(rs) => {
            let values = rs.rows.into_iter().next().unwrap_or_default();
            for check in &s.checks {
                scan_result(w, check, &values, ctx, start).await;
            }
        }
        Err(ExecError::Sql(_)) if s.checks.len() > 1 => {
            for check in &s.checks {
                let start = Instant::now();
                let uses = check.uses();
                let select: Vec<&str> = uses.iter().map(|i| s.select[*i].as_str()).collect();
                match w
                    .query(&scan_sql(&s.from, s.filter.as_deref(), &select))
                    .await
                {
                    Ok(rs) => {
                        let row = rs.rows.into_iter().next().unwrap_or_default();
                        let mut values = vec![Cell::Null; s.select.len()];
                        for (pos, i) in uses.iter().enumerate() {
                            values[*i] = row.get(pos).cloned().unwrap_or(Cell::Null);
                        }
                        scan_result(w, check, &values, ctx, start).await;
                    }
                    Err(e) => (ctx.emit)(
                        check.subject,
                        errored(&ctx.subjects[check.subject], &e, start.elapsed()),
                    ),
                }
            }
        }
        Err(e) => {
            for check in &s.checks {
                (ctx.emit)(
                    check.subject,
                    errored(&ctx.subjects[check.subject], &e, start.elapsed()),
                );
            }
        }
    }
}

async fn scan_result(
    w: &mut Worker<'_>,
    check: &ScanCheck,
    values: &[Cell],
    ctx: &Ctx<'_>,
    start: Instant,
) {
    let subject = &ctx.subjects[check.subject];
    let cell = |i: usize| values.get(i).unwrap_or(&Cell::Null);
    let total = Some(count(cell(check.total)));
    let mut m = match &check.measure {
        ScanMeasure::Violations(i) => Measured::rows(count(cell(*i)), total),
        ScanMeasure::RowCount => Measured::rows(0, total),
        ScanMeasure::Freshness { newest, age, .. } => Measured {
            violations: 0,
            total,
            detail: Detail::Freshness {
                newest: text(cell(*newest)),
                age_secs: float(cell(*age)),
            },
        },
    };
    let failed = !passes(subject, &m);
    let mut samples = Vec::new();
    let mut samples_error = None;
    match &check.measure {
        ScanMeasure::Violations(_) => {
            if failed && let Some(sql) = &check.samples {
                match w.query(sql).await {
                    Ok(rs) => samples = sample_rows(&rs, 0),
                    Err(e) => samples_error = Some(e.to_string()),
                }
            }
        }
        ScanMeasure::RowCount => m.violations = u64::from(failed),
        ScanMeasure::Freshness { column, .. } => {
            m.violations = u64::from(failed);
            if let (
                true,
                Detail::Freshness {
                    newest: Some(n), ..
                },
                true,
            ) = (failed, &m.detail, ctx.samples > 0)
            {
                samples.push(Map::from_iter([(column.clone(), Value::String(n.clone()))]));
            }
        }
    }
    (ctx.emit)(
        check.subject,
        checked(subject, &m, samples, start.elapsed(), samples_error),
    );
}

/// `unique`: counts first; the duplicated keys (with exact counts and samples) only when the
/// counts show duplicates.
async fn unique(w: &mut Worker<'_>, job: UniqueJob, ctx: &Ctx<'_>) {
    let start = Instant::now();
    let subject = &ctx.subjects[job.subject];
    let memory = ctx.sql.sort_memory();
    if let Some((more, _)) = memory
        && let Err(e) = w.query(more).await
    {
        return (ctx.emit)(job.subject, errored(subject, &e, start.elapsed()));
    }
    let measured = unique_measure(w, &job, ctx).await;
    if let Some((_, back)) = memory {
        // Best effort: a failure here only leaves the larger setting until the transaction ends.
        let _ = w.query(back).await;
    }
    let result = match measured {
        Ok((m, samples)) => checked(subject, &m, samples, start.elapsed(), None),
        Err(e) => errored(subject, &e, start.elapsed()),
    };
    (ctx.emit)(job.subject, result);
}

async fn unique_measure(
    w: &mut Worker<'_>,
    job: &UniqueJob,
    ctx: &Ctx<'_>,
) -> Result<(Measured, Vec<Map<String, Value>>), ExecError> {
    let counts = w.query(&job.counts).await?;
    let total = count(first(&counts, 0));
    if count(first(&counts, 1)) == 0 {
        return Ok((Measured::rows(0, Some(total)), Vec::new()));
    }
    let settings = ctx
        .sql
        .many_groups()
        .filter(|_| count(first(&counts, 2)) > MANY_GROUPS);
    if let Some((set, _)) = settings {
        w.query(set).await?;
    }
    let dups = w.query(&job.duplicates).await;
    if let Some((_, reset)) = settings {
        let _ = w.query(reset).await;
    }
    let dups = dups?;
    let m = Measured {
        violations: count(first(&dups, job.key_len + 2)),
        total: Some(total),
        detail: Detail::Duplicates {
            keys: count(first(&dups, job.key_len + 1)),
        },
    };
    let mut samples = sample_rows(&dups, 2);
    samples.truncate(ctx.samples);
    for row in &mut samples {
        // The per-key row count, under a plain name unless a key column already has it.
        if !row.contains_key("rows")
            && let Some(n) = row.remove("sqltest_rows")
        {
            row.insert("rows".to_string(), n);
        }
    }
    Ok((m, samples))
}

/// `references`: one anti-join for the counts, then samples if it fails.
async fn references(w: &mut Worker<'_>, job: ReferencesJob, ctx: &Ctx<'_>) {
    let start = Instant::now();
    let subject = &ctx.subjects[job.subject];
    let rs = match w.query(&job.counts).await {
        Ok(rs) => rs,
        Err(e) => return (ctx.emit)(job.subject, errored(subject, &e, start.elapsed())),
    };
    let m = Measured::rows(count(first(&rs, 1)), Some(count(first(&rs, 0))));
    let (samples, samples_error) = match (&job.samples, passes(subject, &m)) {
        (Some(sql), false) => fetch_samples(w, sql).await,
        _ => (Vec::new(), None),
    };
    (ctx.emit)(
        job.subject,
        checked(subject, &m, samples, start.elapsed(), samples_error),
    );
}

async fn fetch_samples(w: &mut Worker<'_>, sql: &str) -> (Vec<Map<String, Value>>, Option<String>) {
    match w.query(sql).await {
        Ok(rs) => (sample_rows(&rs, 0), None),
        Err(e) => (Vec::new(), Some(e.to_string())),
    }
}

/// A custom rule: the query is counted as a subquery (samples only if it fails). A query that
/// cannot be wrapped (`with … update …`) runs as written, so the database's own message (such
/// as "cannot execute UPDATE in a read-only transaction") reaches the report.
async fn custom(w: &mut Worker<'_>, job: CustomJob, ctx: &Ctx<'_>) {
    let start = Instant::now();
    let subject = &ctx.subjects[job.subject];
    let query = match &job.query {
        Ok(q) => q.as_str(),
        Err(reason) => {
            let e = ExecError::Sql(SqlError::new(reason.clone()));
            return (ctx.emit)(job.subject, errored(subject, &e, Duration::ZERO));
        }
    };
    match w.query(&ctx.sql.custom_count(query)).await {
        Ok(rs) => {
            let m = Measured::rows(count(first(&rs, 0)), None);
            let (samples, samples_error) = if !passes(subject, &m) && ctx.samples > 0 {
                fetch_samples(w, &ctx.sql.custom_samples(query, ctx.samples)).await
            } else {
                (Vec::new(), None)
            };
            return (ctx.emit)(
                job.subject,
                checked(subject, &m, samples, start.elapsed(), samples_error),
            );
        }
        Err(ExecError::Sql(e)) if e.sqlstate.as_deref() != Some("57014") => {}
        Err(e) => return (ctx.emit)(job.subject, errored(subject, &e, start.elapsed())),
    }
    match w.query(query).await {
        Ok(rs) => {
            let m = Measured::rows(rs.rows.len() as u64, None);
            let mut samples = sample_rows(&rs, 0);
            samples.truncate(ctx.samples);
            (ctx.emit)(
                job.subject,
                checked(subject, &m, samples, start.elapsed(), None),
            );
        }
        Err(e) => (ctx.emit)(job.subject, errored(subject, &e, start.elapsed())),
    }
}
