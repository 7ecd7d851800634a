//! GitLab: the merge-request note, upserted by its hidden marker through the REST API
//! (<https://docs.gitlab.com/api/notes/#merge-requests>), with the token in `PRIVATE-TOKEN`.
//! `CI_JOB_TOKEN` cannot post notes: a project or group access token with `api` scope is needed.
//!
//! Requests go through the same client stack as GitHub's (octocrab's hyper + rustls service,
//! with our timeouts and retries); GitLab's JSON is read into our own small structs.

use super::context::GitLabContext;
use super::forge::{
    Capabilities, CheckOutcome, CheckReport, CommentOutcome, Forge, ForgeError, ForgeErrorKind, Op,
    SarifOutcome,
};
use super::http::{
    self, AttemptError, RetryPolicy, classify, is_rate_limit, retry_after, with_retry,
};
use super::summary::GITLAB_BODY_LIMIT;
use ::http::HeaderName;
use octocrab::Octocrab;
use serde::Deserialize;
use std::time::Duration;

const LIST_NOTES: Op = Op {
    action: "list the merge request's notes",
    permission: "api scope (read)",
    hint: TOKEN_HINT,
};
const CREATE_NOTE: Op = Op {
    action: "create the merge-request note",
    permission: "api scope",
    hint: TOKEN_HINT,
};
const UPDATE_NOTE: Op = Op {
    action: "update the merge-request note",
    permission: "api scope",
    hint: TOKEN_HINT,
};
const NO_MR: Op = Op {
    action: "comment on the merge request",
    permission: "api scope",
    hint: TOKEN_HINT,
};
const CHECKS: Op = Op {
    action: "create a check run",
    permission: "none",
    hint: TOKEN_HINT,
};

const PER_PAGE: u32 = 100;

/// Why a GitLab token is refused most often.
const TOKEN_HINT: &str = "; use a project or group access token with `api` scope in SQLTEST_GITLAB_TOKEN \
                          (CI_JOB_TOKEN cannot write notes)";

/// One note as the Notes API returns it (only the fields we read).
#[derive(Debug, Deserialize)]
struct Note {
    id: u64,
    body: String,
    #[serde(default)]
    system: bool,
}

/// A GitLab project's merge request, reached with one client.
pub struct GitLab {
    crab: Octocrab,
    ctx: GitLabContext,
    policy: RetryPolicy,
}

#[derive(Debug, Clone, Copy)]
enum Method {
    Get,
    Post,
    Put,
}

/// Percent-encodes a path segment (a project id may be `group/project`).
fn segment(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

impl GitLab {
    /// Builds the client for `ctx.api_url` with the token sent as `PRIVATE-TOKEN`.
    pub fn new(
        ctx: GitLabContext,
        token: &str,
        policy: RetryPolicy,
    ) -> Result<Self, http::ClientError> {
        let crab = http::client(
            &ctx.api_url,
            http::Auth::Header(HeaderName::from_static("private-token"), token),
            &policy,
        )?;
        Ok(GitLab { crab, ctx, policy })
    }

    fn notes_path(&self, iid: u64) -> String {
        format!(
            "/projects/{}/merge_requests/{iid}/notes",
            segment(&self.ctx.project_id)
        )
    }

    /// One request; an error status becomes an [`AttemptError`] with GitLab's message.
    async fn send(
        &self,
        method: Method,
        uri: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<(::http::HeaderMap, String), AttemptError> {
        let response = match method {
            Method::Get => self.crab._get(uri).await,
            Method::Post => self.crab._post(uri, body).await,
            Method::Put => self.crab._put(uri, body).await,
        }
        .map_err(classify)?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = self.crab.body_to_string(response).await.map_err(classify)?;
        if (200..300).contains(&status) {
            return Ok((headers, text));
        }
        // GitLab errors look like {"message": "403 Forbidden"} or {"error": "insufficient_scope", ...}.
        let message = serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .and_then(|v| {
                let pick = |k: &str| {
                    v.get(k)
                        .map(|m| m.as_str().map_or_else(|| m.to_string(), str::to_owned))
                };
                pick("message")
                    .or_else(|| pick("error_description"))
                    .or_else(|| pick("error"))
            })
            .unwrap_or_else(|| {
                text.lines()
                    .next()
                    .unwrap_or("")
                    .chars()
                    .take(200)
                    .collect()
            });
        Err(AttemptError::Status {
            status,
            retry_after: retry_after(&headers),
            rate_limited: is_rate_limit(status, &headers, &message),
            message,
        })
    }

    async fn find_note(&self, iid: u64, marker: &str) -> Result<Option<u64>, ForgeError> {
        let mut page = 1u32;
        loop {
            let uri = format!(
                "{}?per_page={PER_PAGE}&sort=asc&order_by=created_at&page={page}",
                self.notes_path(iid)
            );
            let (headers, text) = with_retry(&self.policy, LIST_NOTES, || {
                self.send(Method::Get, &uri, None)
            })
            .await?;
            let notes: Vec<Note> = serde_json::from_str(&text)
                .map_err(|e| ForgeError::new(LIST_NOTES, ForgeErrorKind::Decode(e.to_string())))?;
            if let Some(n) = notes
                .iter()
                .find(|n| !n.system && n.body.trim_start().starts_with(marker))
            {
                return Ok(Some(n.id));
            }
            // `x-next-page` is empty on the last page.
            let next = headers
                .get("x-next-page")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u32>().ok());
            match next {
                Some(n) if n > page && !notes.is_empty() => page = n,
                _ => return Ok(None),
            }
        }
    }
}

impl Forge for GitLab {
    fn name(&self) -> &'static str {
        "GitLab"
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            check_runs: false,
            sarif: false,
            comments: self.ctx.merge_request_iid.is_some(),
            comment_limit: GITLAB_BODY_LIMIT,
        }
    }

    async fn upsert_comment(
        &self,
        marker: &str,
        body: &str,
        create: bool,
    ) -> Result<Option<CommentOutcome>, ForgeError> {
        let iid = self.ctx.merge_request_iid.ok_or_else(|| {
            ForgeError::new(
                NO_MR,
                ForgeErrorKind::Unsupported("a pipeline outside a merge request"),
            )
        })?;
        let payload = serde_json::json!({ "body": body });
        let (op, method, uri) = match self.find_note(iid, marker).await? {
            Some(id) => (
                UPDATE_NOTE,
                Method::Put,
                format!("{}/{id}", self.notes_path(iid)),
            ),
            None if !create => return Ok(None),
            None => (CREATE_NOTE, Method::Post, self.notes_path(iid)),
        };
        let (_, text) =
            with_retry(&self.policy, op, || self.send(method, &uri, Some(&payload))).await?;
        let note: Note = serde_json::from_str(&text)
            .map_err(|e| ForgeError::new(op, ForgeErrorKind::Decode(e.to_string())))?;
        Ok(Some(match method {
            Method::Put => CommentOutcome::Updated {
                id: note.id,
                url: None,
            },
            Method::Post | Method::Get => CommentOutcome::Created {
                id: note.id,
                url: None,
            },
        }))
    }

    async fn publish_check(&self, _check: &CheckReport) -> Result<CheckOutcome, ForgeError> {
        Err(ForgeError::new(
            CHECKS,
            ForgeErrorKind::Unsupported("GitLab"),
        ))
    }

    async fn upload_sarif(
        &self,
        _sarif: &str,
        _wait: Duration,
    ) -> Result<SarifOutcome, ForgeError> {
        Err(ForgeError::new(
            Op {
                action: "upload SARIF",
                permission: "none",
                hint: "",
            },
            ForgeErrorKind::Unsupported("GitLab (use `artifacts:reports:codequality` or `sarif`)"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn project_paths_are_encoded_as_one_segment() {
        assert_eq!(segment("99"), "99");
        assert_eq!(segment("group/sub project"), "group%2Fsub%20project");
    }
}
