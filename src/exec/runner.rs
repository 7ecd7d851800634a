//! Workers: each gets its own clone of the prepared template and pulls tests from a shared
//! queue; a test runs in a transaction that is rolled back (and sequences put back), or on a
//! fresh clone of its own (`isolation: database`). Results come back in plan order, so they
//! are the same whatever the number of workers.

use super::sequences::SequenceSnapshot;
use super::unit::{Outcome, run_body};
use crate::backend::databases::DbRegistry;
use crate::dialect::{Conn, Endpoint, ExecError, SessionOptions};
use crate::plan::PlannedTest;
use crate::project::Isolation;
use crate::results::{Status, TestResult};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

/// Where and how the workers run.
pub struct ExecContext<'a> {
    pub endpoint: &'a Endpoint,
    pub template: &'a str,
    /// Prefix for the names of clones (unique per run).
    pub db_prefix: &'a str,
    pub session: SessionOptions,
    pub jobs: usize,
    pub registry: &'a DbRegistry,
}

/// What the workers produced.
pub struct TestsOutput {
    /// One result per test, in the order given.
    pub results: Vec<TestResult>,
    /// Environment problems (a worker could not get its clone).
    pub errors: Vec<String>,
    /// The slowest worker's time to clone the template and connect, in seconds.
    pub clone_secs: f64,
}

/// Runs `tests` and returns one result per test, in the order given. `on_done` sees each
/// result as soon as it exists (for the live reporter).
pub async fn run_tests(
    ctx: &ExecContext<'_>,
    tests: &[PlannedTest],
    on_done: &(dyn Fn(&TestResult) + Sync),
) -> TestsOutput {
    let slots: Vec<Mutex<Option<TestResult>>> = tests.iter().map(|_| Mutex::new(None)).collect();
    let mut runnable = Vec::new();
    for (i, t) in tests.iter().enumerate() {
        match &t.test.skip {
            Some(reason) => {
                let r = skipped(t, reason.clone());
                on_done(&r);
                store(&slots[i], r);
            }
            None => runnable.push(i),
        }
    }
    let next = AtomicUsize::new(0);
    let errors = Mutex::new(Vec::new());
    let clone_micros = AtomicUsize::new(0);
    let jobs = ctx.jobs.max(1).min(runnable.len().max(1));
    let workers = (0..jobs).map(|w| {
        worker(
            ctx,
            w,
            tests,
            &runnable,
            &next,
            &slots,
            &errors,
            &clone_micros,
            on_done,
        )
    });
    futures::future::join_all(workers).await;
    let mut results = Vec::with_capacity(tests.len());
    for (i, slot) in slots.into_iter().enumerate() {
        let r = slot.into_inner().ok().flatten().unwrap_or_else(|| {
            errored(
                &tests[i],
                "not run: no worker could reach the database".into(),
                0.0,
            )
        });
        results.push(r);
    }
    TestsOutput {
        results,
        errors: errors.into_inner().unwrap_or_default(),
        clone_secs: clone_micros.load(Ordering::SeqCst) as f64 / 1e6,
    }
}

fn store(slot: &Mutex<Option<TestResult>>, r: TestResult) {
    if let Ok(mut s) = slot.lock() {
        *s = Some(r);
    }
}

#[allow(clippy::too_many_arguments)]
async fn worker(
    ctx: &ExecContext<'_>,
    index: usize,
    tests: &[PlannedTest],
    runnable: &[usize],
    next: &AtomicUsize,
    slots: &[Mutex<Option<TestResult>>],
    errors: &Mutex<Vec<String>>,
    clone_micros: &AtomicUsize,
    on_done: &(dyn Fn(&TestResult) + Sync),
) {
    let name = format!("{}_w{index}", ctx.db_prefix);
    // The worker's clone is made lazily: a run whose tests all need their own database
    // never pays for it.
    let mut shared: Option<(Conn, SequenceSnapshot)> = None;
    loop {
        let n = next.fetch_add(1, Ordering::SeqCst);
        let Some(&i) = runnable.get(n) else { break };
        let t = &tests[i];
        let started = Instant::now();
        let outcome = match t.test.isolation {
            Isolation::Database => run_on_own_clone(ctx, i, t).await,
            Isolation::Transaction => {
                if shared.is_none() {
                    let clone_started = Instant::now();
                    match open_clone(ctx, &name).await {
                        Ok(s) => {
                            clone_micros.fetch_max(
                                clone_started.elapsed().as_micros() as usize,
                                Ordering::SeqCst,
                            );
                            shared = Some(s)
                        }
                        Err(e) => {
                            let r = errored(t, e.clone(), 0.0);
                            on_done(&r);
                            store(&slots[i], r);
                            if let Ok(mut errs) = errors.lock() {
                                errs.push(e);
                            }
                            // Give this test back to nobody: the other workers carry on.
                            break;
                        }
                    }
                }
                let (conn, snapshot) = shared.as_mut().expect("opened above");
                let outcome = run_in_transaction(conn, snapshot, t).await;
                if let Outcome::Broken(_) = outcome {
                    // The session is unusable; the next test reopens the clone.
                    if let Some((c, _)) = shared.take() {
                        c.close().await;
                    }
                }
                outcome
            }
        };
        let r = finish(t, outcome, started.elapsed().as_secs_f64());
        on_done(&r);
        store(&slots[i], r);
    }
    if let Some((c, _)) = shared {
        c.close().await;
    }
}

async fn open_clone(ctx: &ExecContext<'_>, name: &str) -> Result<(Conn, SequenceSnapshot), String> {
    ctx.registry.record(name);
    let target = ctx
        .endpoint
        .clone_database(ctx.template, name)
        .await
        .map_err(|e| format!("failed to clone the template database for a worker: {e}"))?;
    let mut conn = Conn::connect(&target, &ctx.session)
        .await
        .map_err(|e| format!("failed to connect to the worker database {name}: {e}"))?;
    let snapshot = SequenceSnapshot::take(&mut conn)
        .await
        .map_err(|e| format!("failed to read the sequences of {name}: {e}"))?;
    Ok((conn, snapshot))
}

async fn run_in_transaction(
    conn: &mut Conn,
    snapshot: &SequenceSnapshot,
    t: &PlannedTest,
) -> Outcome {
    if let Err(e) = conn.execute("BEGIN").await {
        return Outcome::Broken(e.to_string());
    }
    let outcome = run_body(conn, t).await;
    match snapshot.rollback_and_restore(conn).await {
        Ok(()) => {}
        Err(ExecError::Connection(m)) => return Outcome::Broken(m),
        // A test that ended the transaction itself (COMMIT in its SQL) leaves nothing to roll
        // back; the clone may now hold its changes, so say so instead of hiding it.
        Err(ExecError::Sql(e)) => {
            return Outcome::Broken(format!("could not roll back the test: {}", e.message));
        }
    }
    outcome
}

async fn run_on_own_clone(ctx: &ExecContext<'_>, i: usize, t: &PlannedTest) -> Outcome {
    let name = format!("{}_t{i}", ctx.db_prefix);
    ctx.registry.record(&name);
    let outcome = match ctx.endpoint.clone_database(ctx.template, &name).await {
        Err(e) => Outcome::Broken(format!(
            "failed to clone the template database for the test: {e}"
        )),
        Ok(target) => match Conn::connect(&target, &ctx.session).await {
            Err(e) => Outcome::Broken(e.to_string()),
            Ok(mut conn) => {
                let o = run_body(&mut conn, t).await;
                conn.close().await;
                o
            }
        },
    };
    if ctx.endpoint.drop_database(&name).await.is_ok() {
        ctx.registry.forget(&name);
    }
    outcome
}

fn base(t: &PlannedTest, status: Status, duration_secs: f64) -> TestResult {
    TestResult {
        id: t.test.id.clone(),
        name: t.test.name.clone(),
        spec: t.spec.clone(),
        location: t.test.location.clone(),
        tags: t.test.tags.clone(),
        status,
        duration_secs,
        failure: None,
        skip_reason: None,
    }
}

/// A result for a test that is not run, with the reason.
pub fn skipped(t: &PlannedTest, reason: String) -> TestResult {
    TestResult {
        skip_reason: Some(reason),
        ..base(t, Status::Skipped, 0.0)
    }
}

fn errored(t: &PlannedTest, message: String, duration_secs: f64) -> TestResult {
    TestResult {
        failure: Some(crate::results::Failure {
            kind: crate::results::FailureKind::SqlError,
            message,
            details: None,
            expected: None,
            actual: None,
            db_error: None,
        }),
        ..base(t, Status::Error, duration_secs)
    }
}

fn finish(t: &PlannedTest, outcome: Outcome, duration_secs: f64) -> TestResult {
    match outcome {
        Outcome::Passed => base(t, Status::Passed, duration_secs),
        Outcome::Failed(f) => {
            let mut failure = *f;
            if let Some(db) = &failure.db_error
                && db.sqlstate.as_deref() == Some("57014")
            {
                failure.kind = crate::results::FailureKind::Timeout;
            }
            TestResult {
                failure: Some(failure),
                ..base(t, Status::Failed, duration_secs)
            }
        }
        Outcome::Broken(m) => errored(t, m, duration_secs),
    }
}
