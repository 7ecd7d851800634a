//! What gets published for a run, on any [`Forge`]: the sticky comment (per `--comment`), the
//! check run with annotations, the SARIF upload. Every failure becomes a warning naming what
//! was lost and why; the caller decides whether warnings fail the job (`--publish-strict`).

use super::annotations::annotations;
use super::forge::{CheckReport, CommentOutcome, Conclusion, Forge};
use super::summary::{GITHUB_BODY_LIMIT, cap_markdown, check_name, headline, marker};
use crate::results::RunResults;
use camino::Utf8Path;
use std::time::Duration;

/// When to write the sticky comment (`--comment`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum CommentMode {
    /// Create or update the comment on every run.
    #[default]
    Always,
    /// Create it only when checks fail; an existing comment is still updated, so a fixed pull
    /// request does not keep showing an old failure.
    OnFailure,
    /// Never comment.
    Off,
}

/// The publishing choices of one run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishSettings {
    pub comment: CommentMode,
    pub check_run: bool,
    /// Base check-run name; the project directory is appended for projects in subfolders.
    pub check_name: String,
    pub sarif_upload: bool,
    /// How long to wait for code scanning to process the SARIF upload.
    pub sarif_wait: Duration,
}

/// What is published, already rendered.
pub struct PublishInput<'a> {
    pub results: &'a RunResults,
    /// Whether the checks failed (per `--fail-on`): the comment mode and conclusion follow it.
    pub failed: bool,
    /// The project directory relative to the repository (empty at the top).
    pub prefix: &'a Utf8Path,
    /// The Markdown summary of the run (uncapped).
    pub markdown: &'a str,
    /// The SARIF document, when one is to be uploaded.
    pub sarif: Option<&'a str>,
}

/// What publishing did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PublishReport {
    /// One line per thing published: "updated the pull-request comment https://…".
    pub done: Vec<String>,
    /// One line per thing that could not be published, with the reason.
    pub warnings: Vec<String>,
    /// Annotations did not reach a check run: the caller prints them as workflow commands.
    pub annotations_fallback: bool,
}

impl PublishReport {
    /// Whether anything failed to publish (which fails the job under `--publish-strict`).
    pub fn has_failures(&self) -> bool {
        !self.warnings.is_empty()
    }
}

/// The comment body: the marker line, then the summary capped so the whole fits in `limit`.
pub fn comment_body(marker: &str, markdown: &str, limit: usize) -> String {
    let head = format!("{marker}\n");
    let mut body = head.clone();
    body.push_str(&cap_markdown(markdown, limit.saturating_sub(head.len())));
    body
}

/// Publishes a run to `forge`.
pub async fn publish<F: Forge>(
    forge: &F,
    input: &PublishInput<'_>,
    settings: &PublishSettings,
) -> PublishReport {
    let mut report = PublishReport::default();
    let caps = forge.capabilities();

    match settings.comment {
        CommentMode::Off => {}
        // A push to a branch: nothing to comment on, and nothing wrong either.
        CommentMode::Always | CommentMode::OnFailure if !caps.comments => {}
        mode @ (CommentMode::Always | CommentMode::OnFailure) => {
            let create = mode == CommentMode::Always || input.failed;
            let marker = marker(input.prefix);
            let body = comment_body(&marker, input.markdown, caps.comment_limit);
            match forge.upsert_comment(&marker, &body, create).await {
                Ok(Some(CommentOutcome::Created { url, .. })) => report.done.push(
                    format!(
                        "created the {} comment {}",
                        forge.name(),
                        url.unwrap_or_default()
                    )
                    .trim_end()
                    .to_owned(),
                ),
                Ok(Some(CommentOutcome::Updated { url, .. })) => report.done.push(
                    format!(
                        "updated the {} comment {}",
                        forge.name(),
                        url.unwrap_or_default()
                    )
                    .trim_end()
                    .to_owned(),
                ),
                Ok(None) => {}
                Err(e) => report.warnings.push(e.to_string()),
            }
        }
    }

    if caps.check_runs && settings.check_run {
        let check = CheckReport {
            name: check_name(&settings.check_name, input.prefix),
            conclusion: if input.failed {
                Conclusion::Failure
            } else {
                Conclusion::Success
            },
            title: headline(input.results),
            summary: cap_markdown(input.markdown, GITHUB_BODY_LIMIT),
            annotations: annotations(input.results, input.prefix),
        };
        match forge.publish_check(&check).await {
            Ok(outcome) => report.done.push(
                format!(
                    "created the check run `{}` with {} annotation(s) {}",
                    check.name,
                    check.annotations.len(),
                    outcome.url.unwrap_or_default()
                )
                .trim_end()
                .to_owned(),
            ),
            Err(e) => {
                report.warnings.push(e.to_string());
                report.annotations_fallback = true;
            }
        }
    } else if caps.check_runs {
        // No check run asked for: annotations still belong on the files.
        report.annotations_fallback = true;
    }

    if settings.sarif_upload {
        if !caps.sarif {
            report.warnings.push(format!(
                "upload SARIF: {} has no SARIF upload endpoint",
                forge.name()
            ));
        } else if let Some(sarif) = input.sarif {
            match forge.upload_sarif(sarif, settings.sarif_wait).await {
                Ok(o) => report
                    .done
                    .push(format!("uploaded SARIF to code scanning (upload {})", o.id)),
                Err(e) => report.warnings.push(e.to_string()),
            }
        } else {
            report
                .warnings
                .push("upload SARIF: no SARIF report was rendered".into());
        }
    }
    report
}
