//! The prepare step: create the template database, apply migrations then seeds in order,
//! and record a result per file. Later steps clone the template for each worker.

use super::apply::{ApplyFailure, apply_file_measured};
use super::discover::MigrationFile;
use crate::dialect::{Conn, Endpoint, SessionOptions};
use crate::project::Engine;
use crate::results::{MigrationResult, Origin, ScriptKind, Status};
use crate::safety::measure::Probe;
use std::time::Instant;

/// A file to apply, and whether it is a migration or a seed.
#[derive(Debug, Clone)]
pub struct Script {
    pub kind: ScriptKind,
    pub file: MigrationFile,
    /// With a base: whether the file is applied as the base had it or is new in the change.
    pub origin: Option<crate::results::Origin>,
}

/// The template database after preparation.
#[derive(Debug)]
pub struct Prepared {
    /// Name of the template database on the endpoint.
    pub template: String,
    pub results: Vec<MigrationResult>,
    /// The first file that failed (tests are then skipped).
    pub failed: Option<String>,
    /// An environment problem met while preparing (exit code 3).
    pub infra_error: Option<String>,
    pub server_version: Option<String>,
}

/// What the template database starts from before `scripts` are applied.
#[derive(Debug, Clone, Copy)]
pub enum Start<'a> {
    /// A new, empty database.
    Empty,
    /// A copy of this (cached) database, which already holds the scripts before these.
    CloneOf(&'a str),
    /// The database exists already (an earlier `prepare` left it).
    Existing,
}

/// Creates `template` on `endpoint` (or takes it as `start` says) and applies `scripts`,
/// reporting each result through `on_result` as it completes. The template's connection is
/// closed before returning, so it can be cloned.
pub async fn prepare(
    endpoint: &Endpoint,
    template: &str,
    start: Start<'_>,
    engine: Engine,
    scripts: &[Script],
    session: &SessionOptions,
    mut probe: Option<&mut Probe>,
    mut on_result: impl FnMut(&MigrationResult),
) -> Result<Prepared, String> {
    let target = match start {
        Start::Empty => endpoint.create_database(template).await,
        Start::CloneOf(from) => endpoint.clone_database(from, template).await,
        Start::Existing => endpoint.target(template),
    }
    .map_err(|e| format!("failed to create the template database {template}: {e}"))?;
    let mut conn = Conn::connect(&target, session)
        .await
        .map_err(|e| format!("failed to connect to the template database {template}: {e}"))?;
    let server_version = conn.server_version().await.ok();
    let mut prepared = Prepared {
        template: template.to_string(),
        results: Vec::with_capacity(scripts.len()),
        failed: None,
        infra_error: None,
        server_version,
    };
    for script in scripts {
        let path = script.file.path.clone();
        let version = script.file.version.clone();
        let result = if let Some(first) = prepared.failed.as_ref().or(prepared.infra_error.as_ref())
        {
            MigrationResult {
                kind: script.kind,
                path,
                version,
                status: Status::Skipped,
                duration_secs: 0.0,
                error: None,
                skip_reason: Some(format!("not applied: {first} failed before it")),
                origin: script.origin,
            }
        } else {
            let started = Instant::now();
            // The change's migrations are measured (all of them in a run without a base).
            let measured =
                script.kind == ScriptKind::Migration && script.origin != Some(Origin::Base);
            let probe = probe.as_deref_mut().filter(|_| measured);
            let outcome = apply_file_measured(&mut conn, engine, &script.file, probe).await;
            let duration_secs = started.elapsed().as_secs_f64();
            match outcome {
                Ok(()) => MigrationResult {
                    kind: script.kind,
                    path,
                    version,
                    status: Status::Passed,
                    duration_secs,
                    error: None,
                    skip_reason: None,
                    origin: script.origin,
                },
                Err(ApplyFailure::Sql(error)) => {
                    prepared.failed = Some(path.to_string());
                    MigrationResult {
                        kind: script.kind,
                        path,
                        version,
                        status: Status::Failed,
                        duration_secs,
                        error: Some(error),
                        skip_reason: None,
                        origin: script.origin,
                    }
                }
                Err(ApplyFailure::Connection(message)) => {
                    prepared.infra_error = Some(path.to_string());
                    MigrationResult {
                        kind: script.kind,
                        path,
                        version,
                        status: Status::Error,
                        duration_secs,
                        error: Some(crate::results::DbError {
                            message,
                            sqlstate: None,
                            detail: None,
                            hint: None,
                            location: None,
                        }),
                        skip_reason: None,
                        origin: script.origin,
                    }
                }
            }
        };
        on_result(&result);
        prepared.results.push(result);
    }
    conn.close().await;
    Ok(prepared)
}
