//! `sqltest publish --from results.json` and the publishing step of `sqltest run --publish`:
//! find the CI platform, write the job summary, publish to the forge, fall back to workflow
//! commands for annotations, and report what happened on the passed-in writers.

use super::context::{self, EnvFn, Platform};
use super::github::GitHub;
use super::gitlab::GitLab;
use super::http::RetryPolicy;
use super::options::ForgeOptions;
use super::publisher::{PublishInput, PublishReport, PublishSettings, publish};
use super::summary::cap_markdown;
use crate::app::Exit;
use crate::project::Severity;
use crate::report::{RenderContext, render_github, render_markdown, render_sarif};
use crate::results::RunResults;
use camino::{Utf8Path, Utf8PathBuf};
use clap::Args;
use std::io::Write;
use std::time::Duration;

/// `sqltest publish`: publish a finished run (the fork-safe `workflow_run` job, or the final
/// job after `sqltest merge` of shards).
#[derive(Debug, Clone, Args)]
pub struct PublishArgs {
    /// The results JSON written by `sqltest run --report json=PATH` (or `sqltest merge`).
    #[arg(long, value_name = "PATH")]
    pub from: Utf8PathBuf,

    /// SARIF report to upload with `--sarif-upload` (written by `--report sarif=PATH`).
    #[arg(long, value_name = "PATH")]
    pub sarif: Option<Utf8PathBuf>,

    /// Lowest rule severity that counts as failed (for the comment and check conclusion).
    #[arg(long, value_enum, default_value_t = Severity::Error)]
    pub fail_on: Severity,

    #[command(flatten)]
    pub forge: ForgeOptions,
}

/// Client tuning; tests shorten it.
#[derive(Debug, Clone, Copy)]
pub struct Tuning {
    pub policy: RetryPolicy,
    pub sarif_poll_interval: Duration,
}

impl Default for Tuning {
    fn default() -> Self {
        Tuning {
            policy: RetryPolicy::default(),
            sarif_poll_interval: Duration::from_secs(3),
        }
    }
}

/// GitHub shows at most 1 MiB of job summary per step; we leave room for other writers.
const STEP_SUMMARY_LIMIT: usize = 900 * 1024;

fn settings(opts: &ForgeOptions) -> PublishSettings {
    PublishSettings {
        comment: opts.comment,
        check_run: opts.check_run,
        check_name: opts.check_name.clone(),
        sarif_upload: opts.sarif_upload,
        sarif_wait: opts.sarif_wait,
    }
}

fn append_step_summary(path: &Utf8Path, markdown: &str) -> Result<(), String> {
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| format!("write the job summary {path}: {e}"))?;
    let text = cap_markdown(markdown, STEP_SUMMARY_LIMIT);
    writeln!(file, "{text}").map_err(|e| format!("write the job summary {path}: {e}"))
}

/// Step outputs for the action: `conclusion`, `passed`, `failed` (migrations, tests, checks).
fn append_outputs(path: &Utf8Path, results: &RunResults, failed: bool) -> Result<(), String> {
    let s = results.summary();
    let passed = s.migrations.passed + s.tests.passed + s.checks.passed;
    let failures = s.migrations.failed + s.tests.failed + s.checks.failed;
    let conclusion = if failed { "failure" } else { "success" };
    let text = format!("conclusion={conclusion}\npassed={passed}\nfailed={failures}\n");
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .and_then(|mut f| f.write_all(text.as_bytes()))
        .map_err(|e| format!("write the step outputs {path}: {e}"))
}

/// One publication of a run.
pub struct PublishCall<'a> {
    pub results: &'a RunResults,
    /// `--fail-on`: decides the comment mode, the check's conclusion and the step outputs.
    pub fail_on: Severity,
    /// The SARIF to upload with `--sarif-upload`; rendered from the results when `None`.
    pub sarif: Option<&'a str>,
    pub options: &'a ForgeOptions,
    /// Write the GitHub job summary, and workflow-command annotations when they cannot go to a
    /// check run. `sqltest run` has already written both (`report::github_actions_outputs`)
    /// and passes `false`; `sqltest publish` passes `true`.
    pub job_outputs: bool,
}

/// Publishes a run where the environment says it is (GitHub Actions or GitLab CI). Nothing
/// here fails the run: problems come back as warnings in the report (already printed to `err`
/// as `warning: failed to …`); under `--publish-strict` the caller turns them into exit code 3
/// with [`strict_exit`]. Workflow-command annotations, when needed, go to `out`.
pub async fn publish_results(
    call: PublishCall<'_>,
    env: EnvFn<'_>,
    tuning: Tuning,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> PublishReport {
    let report = publish_inner(&call, env, tuning, out).await;
    for line in &report.done {
        let _ = writeln!(err, "published: {line}");
    }
    for line in &report.warnings {
        let _ = writeln!(err, "warning: failed to {line}");
    }
    report
}

async fn publish_inner(
    call: &PublishCall<'_>,
    env: EnvFn<'_>,
    tuning: Tuning,
    out: &mut dyn Write,
) -> PublishReport {
    let (results, opts) = (call.results, call.options);
    let mut report = PublishReport::default();
    let platform = match context::detect(env, opts.event_file.as_deref()) {
        Ok(Some(p)) => p,
        Ok(None) => {
            report.warnings.push("publish: neither GitHub Actions nor GitLab CI was detected (GITHUB_ACTIONS and GITLAB_CI are unset)".into());
            return report;
        }
        Err(e) => {
            report.warnings.push(e.to_string());
            return report;
        }
    };
    let render = RenderContext::detect(results, &env);
    let failed = results.has_failures(call.fail_on) || results.has_infra_errors();
    let markdown = render_markdown(results, &render);
    let rendered_sarif;
    let sarif = match call.sarif {
        Some(s) => Some(s),
        None if opts.sarif_upload => {
            rendered_sarif = render_sarif(results, &render);
            Some(rendered_sarif.as_str())
        }
        None => None,
    };
    let input = PublishInput {
        results,
        failed,
        prefix: &render.prefix,
        markdown: &markdown,
        sarif,
    };
    let settings = settings(opts);
    match platform {
        Platform::GitHub(ctx) => {
            if let Some(path) = env("GITHUB_OUTPUT")
                && let Err(e) = append_outputs(Utf8Path::new(&path), results, failed)
            {
                report.warnings.push(e);
            }
            // The job summary needs no token: it is written whatever happens to the API calls.
            if let Some(path) = ctx.step_summary.as_ref().filter(|_| call.job_outputs) {
                match append_step_summary(path, &markdown) {
                    Ok(()) => report.done.push("wrote the job summary".into()),
                    Err(e) => report.warnings.push(e),
                }
            }
            let token = opts
                .github_token
                .as_ref()
                .map(|t| t.expose())
                .filter(|t| !t.is_empty());
            let published = match token {
                None => {
                    report.warnings.push(
                        "publish to GitHub: no token (set GITHUB_TOKEN or --github-token)".into(),
                    );
                    PublishReport {
                        annotations_fallback: true,
                        ..PublishReport::default()
                    }
                }
                Some(token) => match GitHub::new(ctx, token, tuning.policy) {
                    Ok(mut gh) => {
                        gh.sarif_poll_interval = tuning.sarif_poll_interval;
                        publish(&gh, &input, &settings).await
                    }
                    Err(e) => {
                        report.warnings.push(format!("publish to GitHub: {e}"));
                        PublishReport {
                            annotations_fallback: true,
                            ..PublishReport::default()
                        }
                    }
                },
            };
            report.done.extend(published.done);
            report.warnings.extend(published.warnings);
            if published.annotations_fallback {
                report.annotations_fallback = true;
                if call.job_outputs {
                    let _ = out.write_all(render_github(results, &render).as_bytes());
                }
            }
        }
        Platform::GitLab(ctx) => {
            if ctx.merge_request_iid.is_none() {
                // Not an error: branch pipelines have no merge request to comment on.
                report
                    .done
                    .push("skipped the merge-request note: not a merge request pipeline".into());
                return report;
            }
            let token = opts
                .gitlab_token
                .as_ref()
                .map(|t| t.expose())
                .filter(|t| !t.is_empty());
            let Some(token) = token else {
                report.warnings.push(
                    "publish to GitLab: no token (set SQLTEST_GITLAB_TOKEN to a project access token with `api` scope; CI_JOB_TOKEN cannot post notes)".into(),
                );
                return report;
            };
            match GitLab::new(ctx, token, tuning.policy) {
                Ok(gl) => {
                    let published = publish(&gl, &input, &settings).await;
                    report.done.extend(published.done);
                    report.warnings.extend(published.warnings);
                }
                Err(e) => report.warnings.push(format!("publish to GitLab: {e}")),
            }
        }
    }
    report
}

/// The exit status publishing imposes: [`Exit::Environment`] when it failed under
/// `--publish-strict`, otherwise none (the checks decide).
pub fn strict_exit(report: &PublishReport, opts: &ForgeOptions) -> Option<Exit> {
    (opts.publish_strict && report.has_failures()).then_some(Exit::Environment)
}

/// Runs `sqltest publish`.
pub async fn publish_command(args: PublishArgs, out: &mut dyn Write, err: &mut dyn Write) -> Exit {
    publish_command_with(args, &context::process_env, Tuning::default(), out, err).await
}

/// [`publish_command`] with an explicit environment and tuning (tests).
pub async fn publish_command_with(
    args: PublishArgs,
    env: EnvFn<'_>,
    tuning: Tuning,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Exit {
    let results = match crate::report::read_results(&args.from) {
        Ok(r) => r,
        Err(e) => {
            let _ = writeln!(err, "error: {e}");
            return Exit::Invalid;
        }
    };
    let sarif = match &args.sarif {
        Some(path) => match std::fs::read_to_string(path) {
            Ok(s) => Some(s),
            Err(e) => {
                let _ = writeln!(err, "error: read the SARIF report {path}: {e}");
                return Exit::Invalid;
            }
        },
        None => None,
    };
    let call = PublishCall {
        results: &results,
        fail_on: args.fail_on,
        sarif: sarif.as_deref(),
        options: &args.forge,
        job_outputs: true,
    };
    let report = publish_results(call, env, tuning, out, err).await;
    // `sqltest publish` exists to publish: without --publish-strict a failure still warns only,
    // so a fork's read-only token does not turn a green run red.
    strict_exit(&report, &args.forge).unwrap_or(Exit::Success)
}
