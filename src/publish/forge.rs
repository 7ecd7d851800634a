//! The [`Forge`] trait (what sqltest asks of GitHub or GitLab) and its error type, so the
//! publishing logic can be tested against a fake and both forges behave alike.

use std::future::Future;
use std::time::Duration;

/// One operation on a forge, named for messages, with the permission it needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Op {
    /// What was being done, read after "failed to": "update the pull-request comment".
    pub action: &'static str,
    /// The token permission this needs, as the platform names it: `pull-requests: write`.
    pub permission: &'static str,
    /// What to do about a refusal, appended to the message (starts with `; ` when set).
    pub hint: &'static str,
}

/// Why a forge request failed.
#[derive(Debug, thiserror::Error)]
#[error("{action}: {kind}", action = op.action)]
pub struct ForgeError {
    pub op: Op,
    pub kind: ForgeErrorKind,
}

/// The closed set of ways a forge request fails.
#[derive(Debug, thiserror::Error)]
pub enum ForgeErrorKind {
    /// HTTP 401/403 that is no rate limit: the token cannot do this.
    #[error(
        "the token lacks the `{permission}` permission (HTTP {status}: {message}); pull requests \
         from forks only get a read-only token: publish from a `workflow_run` job instead"
    )]
    Forbidden {
        status: u16,
        permission: &'static str,
        message: String,
    },
    /// Any other HTTP error status, after retries where they apply.
    #[error("HTTP {status}: {message}")]
    Status { status: u16, message: String },
    /// No answer within the request timeout (after retries).
    #[error("no answer within {}", humantime::format_duration(*.0))]
    Timeout(Duration),
    /// The connection failed (after retries).
    #[error("connection failed: {0}")]
    Transport(String),
    /// The forge answered something we could not read.
    #[error("unexpected answer: {0}")]
    Decode(String),
    /// The forge processed the SARIF file and rejected it.
    #[error("code scanning rejected the SARIF file: {0}")]
    SarifRejected(String),
    /// Processing of the SARIF upload did not finish before the deadline.
    #[error("code scanning was still processing upload {id} after {}", humantime::format_duration(*.waited))]
    SarifPending { id: String, waited: Duration },
    /// The gzipped SARIF is over the platform's size limit.
    #[error("the gzipped SARIF is {size} bytes, over the {limit}-byte limit of code scanning")]
    SarifTooLarge { size: usize, limit: usize },
    /// The forge has no such feature (GitLab has no check runs).
    #[error("{0} does not support this")]
    Unsupported(&'static str),
}

impl ForgeError {
    pub fn new(op: Op, kind: ForgeErrorKind) -> Self {
        ForgeError { op, kind }
    }

    /// Whether this is a missing permission (a warning, not a failure, unless strict).
    pub fn is_forbidden(&self) -> bool {
        matches!(self.kind, ForgeErrorKind::Forbidden { .. })
    }
}

/// What happened to the sticky comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommentOutcome {
    Created { id: u64, url: Option<String> },
    Updated { id: u64, url: Option<String> },
}

/// Level of a check-run annotation (GitHub's `annotation_level`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnnotationLevel {
    Notice,
    Warning,
    Failure,
}

/// One annotation on a changed file, with a repository-relative path and 1-based lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Annotation {
    pub path: String,
    pub start_line: u32,
    pub end_line: u32,
    /// Only sent when the annotation spans one line (GitHub rejects columns otherwise).
    pub start_column: Option<u32>,
    pub end_column: Option<u32>,
    pub level: AnnotationLevel,
    pub title: String,
    pub message: String,
    pub raw_details: Option<String>,
}

/// The conclusion of a check run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conclusion {
    Success,
    Failure,
}

/// Everything a check run shows.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckReport {
    /// The check's name (shown in the pull request's checks list).
    pub name: String,
    pub conclusion: Conclusion,
    /// One line: "3 failed, 120 passed".
    pub title: String,
    /// Markdown, already capped under the platform limit.
    pub summary: String,
    /// In display order; sent in batches of [`ANNOTATIONS_PER_REQUEST`].
    pub annotations: Vec<Annotation>,
}

/// GitHub accepts at most 50 annotations per check-run request; later requests append.
pub const ANNOTATIONS_PER_REQUEST: usize = 50;

/// What the check-run publication did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckOutcome {
    pub id: u64,
    pub url: Option<String>,
    /// Number of requests sent (one create, then one update per further batch).
    pub requests: usize,
}

/// What the SARIF upload did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SarifOutcome {
    pub id: String,
    /// The analysis URL once processing completed.
    pub analyses_url: Option<String>,
}

/// What a forge can show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capabilities {
    pub check_runs: bool,
    pub sarif: bool,
    /// Whether there is a pull or merge request to comment on (not on a push to a branch).
    pub comments: bool,
    /// The longest comment body the forge accepts, in characters.
    pub comment_limit: usize,
}

/// A code host that sqltest publishes to. Implemented for GitHub (octocrab) and GitLab (REST);
/// tests implement it with a recording fake.
pub trait Forge {
    /// "GitHub" or "GitLab", for messages.
    fn name(&self) -> &'static str;

    fn capabilities(&self) -> Capabilities;

    /// Updates the comment whose body starts with `marker` (searching every page of the pull
    /// or merge request's comments), or creates it when `create` is set (`None` otherwise).
    /// `body` already starts with the marker.
    fn upsert_comment(
        &self,
        marker: &str,
        body: &str,
        create: bool,
    ) -> impl Future<Output = Result<Option<CommentOutcome>, ForgeError>> + Send;

    /// Creates a completed check run with all its annotations.
    fn publish_check(
        &self,
        check: &CheckReport,
    ) -> impl Future<Output = Result<CheckOutcome, ForgeError>> + Send;

    /// Uploads a SARIF document to code scanning and waits (at most `wait`) for processing.
    fn upload_sarif(
        &self,
        sarif: &str,
        wait: Duration,
    ) -> impl Future<Output = Result<SarifOutcome, ForgeError>> + Send;
}
