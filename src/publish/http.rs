//! The HTTP client both forges use (octocrab's: one hyper + rustls stack, built once per run),
//! with a timeout on every request and retries with exponential backoff for 5xx, 429 and
//! secondary rate limits. octocrab's own retry layer is off so the policy lives in one place.

use super::forge::{ForgeError, ForgeErrorKind, Op};
use http::{HeaderMap, HeaderName};
use octocrab::Octocrab;
use octocrab::service::middleware::retry::RetryConfig;
use std::future::Future;
use std::time::Duration;

/// Timeouts and retries for every forge request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts per request, the first included.
    pub attempts: u32,
    /// Delay before the first retry; doubled for each further one.
    pub base_delay: Duration,
    /// No single wait is longer, even when the server asks for more (`Retry-After`); a longer
    /// demand ends the retries instead of stalling the CI job.
    pub max_delay: Duration,
    /// Time allowed for one attempt, connection and body included.
    pub request_timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 4,
            base_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(60),
            request_timeout: Duration::from_secs(30),
        }
    }
}

/// The classified failure of one attempt.
#[derive(Debug)]
pub enum AttemptError {
    /// An HTTP error status, with what the headers say about waiting.
    Status {
        status: u16,
        message: String,
        retry_after: Option<Duration>,
        rate_limited: bool,
    },
    Timeout,
    Transport(String),
    Decode(String),
}

impl AttemptError {
    fn retryable(&self) -> bool {
        match self {
            AttemptError::Status {
                status,
                rate_limited,
                ..
            } => *status >= 500 || *status == 429 || *rate_limited,
            AttemptError::Timeout | AttemptError::Transport(_) => true,
            AttemptError::Decode(_) => false,
        }
    }

    /// The final error, naming the permission when the token was refused.
    fn into_forge(self, op: Op, timeout: Duration) -> ForgeError {
        let kind = match self {
            AttemptError::Status {
                status: status @ (401 | 403),
                message,
                rate_limited: false,
                ..
            } => ForgeErrorKind::Forbidden {
                status,
                permission: op.permission,
                message,
            },
            AttemptError::Status {
                status, message, ..
            } => ForgeErrorKind::Status { status, message },
            AttemptError::Timeout => ForgeErrorKind::Timeout(timeout),
            AttemptError::Transport(m) => ForgeErrorKind::Transport(m),
            AttemptError::Decode(m) => ForgeErrorKind::Decode(m),
        };
        ForgeError::new(op, kind)
    }
}

/// Reads `Retry-After` (seconds) or, when the rate limit is used up, `x-ratelimit-reset`.
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let num = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<i64>().ok())
    };
    if let Some(secs) = num("retry-after") {
        return Some(Duration::from_secs(secs.max(0) as u64));
    }
    if num("x-ratelimit-remaining") == Some(0) {
        let reset = num("x-ratelimit-reset")?;
        let wait = reset - chrono::Utc::now().timestamp();
        return Some(Duration::from_secs(wait.max(1) as u64));
    }
    None
}

/// Whether a 403 or 429 answer is a rate limit (primary or secondary) rather than a refusal.
pub fn is_rate_limit(status: u16, headers: &HeaderMap, message: &str) -> bool {
    status == 429
        || (status == 403
            && (headers.contains_key("retry-after")
                || headers
                    .get("x-ratelimit-remaining")
                    .is_some_and(|v| v.as_bytes() == b"0")
                || message.to_ascii_lowercase().contains("rate limit")))
}

/// Classifies an octocrab error. Its messages never contain the token (octocrab marks the
/// authorization header sensitive and errors carry the response, not the request).
pub fn classify(err: octocrab::Error) -> AttemptError {
    match err {
        octocrab::Error::GitHub { source, .. } => {
            let status = source.status_code.as_u16();
            let empty = HeaderMap::new();
            let headers = source.headers.as_ref().unwrap_or(&empty);
            AttemptError::Status {
                status,
                retry_after: retry_after(headers),
                rate_limited: is_rate_limit(status, headers, &source.message),
                message: first_line(&source.message),
            }
        }
        octocrab::Error::Serde { source, .. } => AttemptError::Decode(source.to_string()),
        octocrab::Error::Json { source, .. } => {
            AttemptError::Decode(format!("{} at `{}`", source.inner(), source.path()))
        }
        other => AttemptError::Transport(first_line(&other.to_string())),
    }
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or("").trim().to_owned()
}

/// Runs `attempt` until it succeeds, fails for good, or the attempts run out. Each attempt is
/// cut off after `policy.request_timeout`. Waits `Retry-After` when the server gives one,
/// otherwise `base_delay * 2^n` with up to 25% jitter so parallel shards do not retry in step.
///
/// Creating a comment or check run is retried too: GitHub and GitLab answer 5xx before
/// writing far more often than after, and a rare duplicate beats a missing report.
pub async fn with_retry<T, F, Fut>(
    policy: &RetryPolicy,
    op: Op,
    mut attempt: F,
) -> Result<T, ForgeError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, AttemptError>>,
{
    let attempts = policy.attempts.max(1);
    let mut n = 0;
    loop {
        n += 1;
        let result = match tokio::time::timeout(policy.request_timeout, attempt()).await {
            Ok(r) => r,
            Err(_) => Err(AttemptError::Timeout),
        };
        let err = match result {
            Ok(v) => return Ok(v),
            Err(e) => e,
        };
        if n >= attempts || !err.retryable() {
            return Err(err.into_forge(op, policy.request_timeout));
        }
        let asked = match &err {
            AttemptError::Status { retry_after, .. } => *retry_after,
            AttemptError::Timeout | AttemptError::Transport(_) | AttemptError::Decode(_) => None,
        };
        let delay = match asked {
            Some(d) if d > policy.max_delay => {
                return Err(err.into_forge(op, policy.request_timeout));
            }
            Some(d) => d,
            None => backoff(policy, n),
        };
        tokio::time::sleep(delay).await;
    }
}

fn backoff(policy: &RetryPolicy, retry: u32) -> Duration {
    use rand::Rng;
    let exp = policy
        .base_delay
        .saturating_mul(1u32 << (retry - 1).min(16));
    let jitter = rand::rng().random_range(0.0..0.25);
    exp.mul_f64(1.0 + jitter).min(policy.max_delay)
}

/// Why the HTTP client could not be built.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("use API URL `{url}`: it is not a valid URL")]
    BadUrl { url: String },
    #[error("build the HTTP client: {0}")]
    Build(String),
    #[error("use the token: it contains characters not allowed in an HTTP header")]
    BadToken,
}

/// How the client authenticates.
pub enum Auth<'a> {
    /// `Authorization: Bearer <token>` (GitHub).
    Bearer(&'a str),
    /// A custom header holding the token (GitLab's `PRIVATE-TOKEN`).
    Header(HeaderName, &'a str),
}

/// Builds the one client of a run: base URL (keeping a path prefix such as `/api/v3` or
/// `/api/v4`), authentication, connect and read timeouts, and no retry layer of its own.
pub fn client(
    base_url: &str,
    auth: Auth<'_>,
    policy: &RetryPolicy,
) -> Result<Octocrab, ClientError> {
    let bad_url = || ClientError::BadUrl {
        url: base_url.to_owned(),
    };
    let base = base_url.trim_end_matches('/');
    if !(base.starts_with("https://") || base.starts_with("http://")) {
        return Err(bad_url());
    }
    let builder = Octocrab::builder()
        .base_uri(base)
        .map_err(|_| bad_url())?
        .add_retry_config(RetryConfig::None)
        .set_connect_timeout(Some(policy.request_timeout))
        .set_read_timeout(Some(policy.request_timeout))
        .set_write_timeout(Some(policy.request_timeout));
    let builder = match auth {
        Auth::Bearer(token) => builder
            .add_header(
                HeaderName::from_static("x-github-api-version"),
                "2022-11-28".into(),
            )
            .personal_token(token.to_owned()),
        Auth::Header(name, token) => {
            if http::HeaderValue::from_str(token).is_err() {
                return Err(ClientError::BadToken);
            }
            builder.add_header(name, token.to_owned())
        }
    };
    builder
        .build()
        .map_err(|e| ClientError::Build(first_line(&e.to_string())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    const OP: Op = Op {
        action: "do the thing",
        permission: "things: write",
        hint: "",
    };

    fn fast() -> RetryPolicy {
        RetryPolicy {
            attempts: 3,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(50),
            request_timeout: Duration::from_millis(200),
        }
    }

    fn status(status: u16, rate_limited: bool) -> AttemptError {
        AttemptError::Status {
            status,
            message: "nope".into(),
            retry_after: None,
            rate_limited,
        }
    }

    #[tokio::test]
    async fn server_errors_are_retried_until_success() {
        let calls = AtomicU32::new(0);
        let r = with_retry(&fast(), OP, || async {
            if calls.fetch_add(1, Ordering::SeqCst) < 2 {
                Err(status(502, false))
            } else {
                Ok(7)
            }
        })
        .await;
        assert_eq!(r.expect("third attempt succeeds"), 7);
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn a_refusal_is_not_retried_and_names_the_permission() {
        let calls = AtomicU32::new(0);
        let r: Result<(), _> = with_retry(&fast(), OP, || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(status(403, false))
        })
        .await;
        let err = r.expect_err("403 fails");
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        assert!(err.is_forbidden());
        assert!(err.to_string().contains("`things: write`"), "{err}");
        assert!(err.to_string().starts_with("do the thing: "), "{err}");
    }

    #[tokio::test]
    async fn rate_limits_are_retried_and_give_up_after_the_attempts() {
        let calls = AtomicU32::new(0);
        let r: Result<(), _> = with_retry(&fast(), OP, || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(status(403, true))
        })
        .await;
        assert_eq!(calls.load(Ordering::SeqCst), 3);
        let err = r.expect_err("gives up");
        assert!(
            matches!(err.kind, ForgeErrorKind::Status { status: 403, .. }),
            "{err}"
        );
    }

    #[tokio::test]
    async fn a_retry_after_longer_than_the_cap_ends_the_retries() {
        let calls = AtomicU32::new(0);
        let r: Result<(), _> = with_retry(&fast(), OP, || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(AttemptError::Status {
                status: 429,
                message: "slow down".into(),
                retry_after: Some(Duration::from_secs(3600)),
                rate_limited: true,
            })
        })
        .await;
        assert!(r.is_err());
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_slow_attempt_times_out() {
        let r: Result<(), _> = with_retry(&fast(), OP, || async {
            tokio::time::sleep(Duration::from_secs(5)).await;
            Ok(())
        })
        .await;
        assert!(matches!(
            r.expect_err("times out").kind,
            ForgeErrorKind::Timeout(_)
        ));
    }

    #[test]
    fn rate_limit_headers_are_read() {
        let mut h = HeaderMap::new();
        h.insert("retry-after", "7".parse().expect("header"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(7)));
        assert!(is_rate_limit(403, &h, "whatever"));
        let mut h = HeaderMap::new();
        assert!(!is_rate_limit(
            403,
            &h,
            "Resource not accessible by integration"
        ));
        assert!(is_rate_limit(
            403,
            &h,
            "You have exceeded a secondary rate limit."
        ));
        h.insert("x-ratelimit-remaining", "0".parse().expect("header"));
        let reset = chrono::Utc::now().timestamp() + 30;
        h.insert(
            "x-ratelimit-reset",
            reset.to_string().parse().expect("header"),
        );
        let wait = retry_after(&h).expect("reset");
        assert!(
            wait <= Duration::from_secs(30) && wait >= Duration::from_secs(28),
            "{wait:?}"
        );
    }

    #[test]
    fn backoff_doubles_and_is_capped() {
        let p = RetryPolicy {
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(350),
            ..fast()
        };
        let first = backoff(&p, 1);
        let second = backoff(&p, 2);
        assert!(
            first >= Duration::from_millis(100) && first < Duration::from_millis(126),
            "{first:?}"
        );
        assert!(
            second >= Duration::from_millis(200) && second < Duration::from_millis(251),
            "{second:?}"
        );
        assert_eq!(backoff(&p, 6), Duration::from_millis(350));
    }
}
