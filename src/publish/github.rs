//! GitHub through octocrab: the sticky pull-request comment, the check run with annotations,
//! and the SARIF upload to code scanning.
//!
//! REST: issue comments <https://docs.github.com/en/rest/issues/comments>, check runs
//! <https://docs.github.com/en/rest/checks/runs>, SARIF uploads
//! <https://docs.github.com/en/rest/code-scanning/code-scanning#upload-an-analysis-as-sarif-data>.

use super::context::GitHubContext;
use super::forge::{
    ANNOTATIONS_PER_REQUEST, Annotation, AnnotationLevel, Capabilities, CheckOutcome, CheckReport,
    CommentOutcome, Conclusion, Forge, ForgeError, ForgeErrorKind, Op, SarifOutcome,
};
use super::http::{self, AttemptError, RetryPolicy, classify, with_retry};
use super::summary::GITHUB_BODY_LIMIT;
use base64::Engine as _;
use octocrab::Octocrab;
use octocrab::models::CommentId;
use octocrab::models::code_scannings::UploadSarif;
use octocrab::params::checks::{
    CheckRunConclusion, CheckRunOutput, CheckRunOutputAnnotation, CheckRunOutputAnnotationLevel,
    CheckRunStatus,
};
use std::io::Write as _;
use std::time::{Duration, Instant};

const LIST_COMMENTS: Op = Op {
    action: "list the pull request's comments",
    permission: "pull-requests: read",
    hint: FORK_HINT,
};
const CREATE_COMMENT: Op = Op {
    action: "create the pull-request comment",
    permission: "pull-requests: write",
    hint: FORK_HINT,
};
const UPDATE_COMMENT: Op = Op {
    action: "update the pull-request comment",
    permission: "pull-requests: write",
    hint: FORK_HINT,
};
const CREATE_CHECK: Op = Op {
    action: "create the check run",
    permission: "checks: write",
    hint: FORK_HINT,
};
const UPDATE_CHECK: Op = Op {
    action: "add annotations to the check run",
    permission: "checks: write",
    hint: FORK_HINT,
};
const UPLOAD_SARIF: Op = Op {
    action: "upload SARIF to code scanning",
    permission: "security-events: write",
    hint: FORK_HINT,
};
const POLL_SARIF: Op = Op {
    action: "read the SARIF processing status",
    permission: "security-events: read",
    hint: FORK_HINT,
};
const NO_PR: Op = Op {
    action: "comment on the pull request",
    permission: "pull-requests: write",
    hint: FORK_HINT,
};

/// Why a `GITHUB_TOKEN` is refused most often.
const FORK_HINT: &str = "; a pull request from a fork only gets a read-only token: publish from a `workflow_run` job \
                         (see the README), or grant the permission in the workflow's `permissions:`";

/// Code scanning rejects SARIF files over 10 MB once gzipped.
pub const SARIF_GZIP_LIMIT: usize = 10 * 1024 * 1024;

/// Comments per page when searching for the sticky comment (the API maximum).
const PER_PAGE: u8 = 100;

/// A repository on GitHub (or GitHub Enterprise Server), reached with one octocrab client.
pub struct GitHub {
    crab: Octocrab,
    ctx: GitHubContext,
    policy: RetryPolicy,
    /// How often to ask whether a SARIF upload is processed.
    pub sarif_poll_interval: Duration,
}

impl GitHub {
    /// Builds the client for `ctx.api_url` with the token (sent as `Authorization: Bearer`).
    pub fn new(
        ctx: GitHubContext,
        token: &str,
        policy: RetryPolicy,
    ) -> Result<Self, http::ClientError> {
        let crab = http::client(&ctx.api_url, http::Auth::Bearer(token), &policy)?;
        Ok(GitHub {
            crab,
            ctx,
            policy,
            sarif_poll_interval: Duration::from_secs(3),
        })
    }

    fn pr(&self) -> Result<u64, ForgeError> {
        self.ctx.pull_request.ok_or_else(|| {
            ForgeError::new(
                NO_PR,
                ForgeErrorKind::Unsupported("an event without a pull request"),
            )
        })
    }

    /// Finds our comment, asking page by page with relative URLs: octocrab drops the token when
    /// it follows a `Link` URL whose host is not api.github.com, which breaks GitHub Enterprise.
    async fn find_comment(&self, pr: u64, marker: &str) -> Result<Option<CommentId>, ForgeError> {
        let issues = &self.crab.issues(&self.ctx.owner, &self.ctx.repo);
        for page_number in 1u32.. {
            let page = with_retry(&self.policy, LIST_COMMENTS, || async move {
                issues
                    .list_comments(pr)
                    .per_page(PER_PAGE)
                    .page(page_number)
                    .send()
                    .await
                    .map_err(classify)
            })
            .await?;
            let found = page.items.iter().find(|c| {
                c.body
                    .as_deref()
                    .is_some_and(|b| b.trim_start().starts_with(marker))
            });
            if let Some(c) = found {
                return Ok(Some(c.id));
            }
            if page.next.is_none() || page.items.is_empty() {
                break;
            }
        }
        Ok(None)
    }
}

fn level(l: AnnotationLevel) -> CheckRunOutputAnnotationLevel {
    match l {
        AnnotationLevel::Notice => CheckRunOutputAnnotationLevel::Notice,
        AnnotationLevel::Warning => CheckRunOutputAnnotationLevel::Warning,
        AnnotationLevel::Failure => CheckRunOutputAnnotationLevel::Failure,
    }
}

fn to_octocrab(a: &Annotation) -> CheckRunOutputAnnotation {
    // Columns are only allowed when the annotation starts and ends on one line.
    let same_line = a.start_line == a.end_line;
    CheckRunOutputAnnotation {
        path: a.path.clone(),
        start_line: a.start_line,
        end_line: a.end_line,
        start_column: a.start_column.filter(|_| same_line),
        end_column: a.end_column.filter(|_| same_line),
        annotation_level: level(a.level),
        message: a.message.clone(),
        title: Some(a.title.clone()),
        raw_details: a.raw_details.clone(),
    }
}

fn output(check: &CheckReport, batch: &[Annotation]) -> CheckRunOutput {
    CheckRunOutput {
        title: check.title.clone(),
        summary: check.summary.clone(),
        text: None,
        annotations: batch.iter().map(to_octocrab).collect(),
        images: Vec::new(),
    }
}

fn conclusion(c: Conclusion) -> CheckRunConclusion {
    match c {
        Conclusion::Success => CheckRunConclusion::Success,
        Conclusion::Failure => CheckRunConclusion::Failure,
    }
}

/// gzip then base64, as the SARIF upload endpoint wants.
pub fn encode_sarif(sarif: &str) -> std::io::Result<String> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(sarif.as_bytes())?;
    let bytes = gz.finish()?;
    Ok(base64::engine::general_purpose::STANDARD.encode(bytes))
}

impl Forge for GitHub {
    fn name(&self) -> &'static str {
        "GitHub"
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            check_runs: true,
            sarif: true,
            comments: self.ctx.pull_request.is_some(),
            comment_limit: GITHUB_BODY_LIMIT,
        }
    }

    async fn upsert_comment(
        &self,
        marker: &str,
        body: &str,
        create: bool,
    ) -> Result<Option<CommentOutcome>, ForgeError> {
        let pr = self.pr()?;
        let issues = &self.crab.issues(&self.ctx.owner, &self.ctx.repo);
        match self.find_comment(pr, marker).await? {
            Some(id) => {
                // octocrab sends this as POST /repos/{o}/{r}/issues/comments/{id}, which GitHub accepts.
                let c = with_retry(&self.policy, UPDATE_COMMENT, || async move {
                    issues.update_comment(id, body).await.map_err(classify)
                })
                .await?;
                Ok(Some(CommentOutcome::Updated {
                    id: c.id.0,
                    url: Some(c.html_url.to_string()),
                }))
            }
            None if !create => Ok(None),
            None => {
                let c = with_retry(&self.policy, CREATE_COMMENT, || async move {
                    issues.create_comment(pr, body).await.map_err(classify)
                })
                .await?;
                Ok(Some(CommentOutcome::Created {
                    id: c.id.0,
                    url: Some(c.html_url.to_string()),
                }))
            }
        }
    }

    async fn publish_check(&self, check: &CheckReport) -> Result<CheckOutcome, ForgeError> {
        let checks = &self.crab.checks(&self.ctx.owner, &self.ctx.repo);
        let batches: Vec<&[Annotation]> =
            check.annotations.chunks(ANNOTATIONS_PER_REQUEST).collect();
        let single = batches.len() <= 1;
        let first = batches.first().copied().unwrap_or(&[]);
        let run = with_retry(&self.policy, CREATE_CHECK, || async move {
            let mut b = checks
                .create_check_run(check.name.clone(), self.ctx.head_sha.clone())
                .output(output(check, first));
            if let Some(url) = &self.ctx.run_url {
                b = b.details_url(url.clone());
            }
            b = if single {
                // Everything fits in one request: create the run already completed.
                b.status(CheckRunStatus::Completed)
                    .conclusion(conclusion(check.conclusion))
                    .completed_at(chrono::Utc::now())
            } else {
                b.status(CheckRunStatus::InProgress)
            };
            b.send().await.map_err(classify)
        })
        .await?;
        let run_id = run.id;
        let mut requests = 1;
        let rest = batches.len().saturating_sub(1);
        for (i, batch) in batches.iter().skip(1).enumerate() {
            let last = i + 1 == rest;
            with_retry(&self.policy, UPDATE_CHECK, || async move {
                // Annotations of each update are appended to the run's.
                let mut b = checks.update_check_run(run_id).output(output(check, batch));
                if last {
                    b = b
                        .status(CheckRunStatus::Completed)
                        .conclusion(conclusion(check.conclusion))
                        .completed_at(chrono::Utc::now());
                }
                b.send().await.map_err(classify)
            })
            .await?;
            requests += 1;
        }
        Ok(CheckOutcome {
            id: run.id.0,
            url: run.html_url.clone(),
            requests,
        })
    }

    async fn upload_sarif(&self, sarif: &str, wait: Duration) -> Result<SarifOutcome, ForgeError> {
        let encoded = encode_sarif(sarif)
            .map_err(|e| ForgeError::new(UPLOAD_SARIF, ForgeErrorKind::Decode(e.to_string())))?;
        // base64 is 4/3 of the gzipped size.
        let gz_size = encoded.len() / 4 * 3;
        if gz_size > SARIF_GZIP_LIMIT {
            return Err(ForgeError::new(
                UPLOAD_SARIF,
                ForgeErrorKind::SarifTooLarge {
                    size: gz_size,
                    limit: SARIF_GZIP_LIMIT,
                },
            ));
        }
        let body = UploadSarif {
            commit_sha: self.ctx.sarif_sha.clone(),
            ref_field: self.ctx.sarif_ref.clone(),
            sarif: encoded,
            checkout_uri: None,
            started_at: None,
            tool_name: Some("sqltest".into()),
            validate: None,
        };
        let scanning = &self
            .crab
            .code_scannings(self.ctx.owner.clone(), self.ctx.repo.clone());
        let body = &body;
        let receipt = with_retry(&self.policy, UPLOAD_SARIF, || async move {
            scanning.upload_sarif(body).await.map_err(classify)
        })
        .await?;
        let id = receipt.id.as_str();
        let started = Instant::now();
        loop {
            let status = with_retry(&self.policy, POLL_SARIF, || async move {
                match scanning.get_sarif(id).await.map_err(classify) {
                    // Just after the upload the id may not be readable yet.
                    Err(AttemptError::Status { status: 404, .. }) => Ok(None),
                    other => other.map(Some),
                }
            })
            .await?;
            if let Some(s) = status {
                match s.processing_status.as_str() {
                    "complete" => {
                        return Ok(SarifOutcome {
                            id: receipt.id.clone(),
                            analyses_url: s.analyses_url.map(|u| u.to_string()),
                        });
                    }
                    "failed" => {
                        let errors = s.errors.unwrap_or_default().join("; ");
                        return Err(ForgeError::new(
                            POLL_SARIF,
                            ForgeErrorKind::SarifRejected(errors),
                        ));
                    }
                    _ => {}
                }
            }
            let waited = started.elapsed();
            if waited + self.sarif_poll_interval > wait {
                return Err(ForgeError::new(
                    POLL_SARIF,
                    ForgeErrorKind::SarifPending {
                        id: receipt.id.clone(),
                        waited,
                    },
                ));
            }
            tokio::time::sleep(self.sarif_poll_interval).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read as _;

    #[test]
    fn sarif_is_gzipped_then_base64_encoded() {
        let sarif = r#"{"version":"2.1.0","runs":[]}"#;
        let encoded = encode_sarif(sarif).expect("encode");
        let gz = base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .expect("base64");
        assert_eq!(&gz[..2], &[0x1f, 0x8b], "gzip magic");
        let mut text = String::new();
        flate2::read::GzDecoder::new(&gz[..])
            .read_to_string(&mut text)
            .expect("gunzip");
        assert_eq!(text, sarif);
    }

    #[test]
    fn columns_are_dropped_on_multi_line_annotations() {
        let a = Annotation {
            path: "a.sql".into(),
            start_line: 1,
            end_line: 4,
            start_column: Some(2),
            end_column: Some(9),
            level: AnnotationLevel::Warning,
            title: "t".into(),
            message: "m".into(),
            raw_details: None,
        };
        let json = serde_json::to_value(to_octocrab(&a)).expect("serialize");
        assert!(json.get("start_column").is_none(), "{json}");
        assert_eq!(json["annotation_level"], "warning");
    }
}
