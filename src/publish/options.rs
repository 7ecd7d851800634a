//! Command-line options of publishing (clap derive only): [`PublishOptions`] is flattened into
//! `sqltest run`, [`ForgeOptions`] into `sqltest publish` as well.

use super::publisher::CommentMode;
use camino::Utf8PathBuf;
use clap::{ArgAction, Args};
use std::fmt;
use std::str::FromStr;
use std::time::Duration;

/// A token from the command line or the environment. Its `Debug` never shows the value, so
/// printing the parsed arguments cannot leak it.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    /// The secret itself, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(***)")
    }
}

impl FromStr for Token {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Token(s.trim().to_owned()))
    }
}

/// `sqltest run` options: whether to publish, and how.
#[derive(Debug, Clone, Args)]
pub struct PublishOptions {
    /// After the run, publish the results to the pull or merge request: sticky comment, check
    /// run with annotations, job summary (GitHub Actions, GitLab CI).
    #[arg(long, help_heading = "Publishing")]
    pub publish: bool,

    #[command(flatten)]
    pub forge: ForgeOptions,
}

/// How to publish (shared by `sqltest run --publish` and `sqltest publish`).
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Publishing")]
pub struct ForgeOptions {
    /// When to write the sticky pull-request comment or merge-request note.
    #[arg(long, value_enum, default_value_t = CommentMode::Always)]
    pub comment: CommentMode,

    /// Create a GitHub check run with the conclusion and annotations (needs `checks: write`).
    #[arg(long, value_name = "BOOL", default_value_t = true, action = ArgAction::Set)]
    pub check_run: bool,

    /// Name of the check run; ` (<project dir>)` is added for a project in a subfolder.
    #[arg(long, value_name = "NAME", default_value = "sqltest")]
    pub check_name: String,

    /// Upload the SARIF report to GitHub code scanning (needs `security-events: write`;
    /// public repositories or GitHub Code Security).
    #[arg(long)]
    pub sarif_upload: bool,

    /// How long to wait for code scanning to process the SARIF upload.
    #[arg(long, value_name = "DURATION", default_value = "2m", value_parser = humantime::parse_duration)]
    pub sarif_wait: Duration,

    /// Fail the run (exit 3) when publishing fails; by default a failure to publish is a
    /// warning and the exit code reflects the checks only.
    #[arg(long)]
    pub publish_strict: bool,

    /// GitHub token (Actions: `${{ github.token }}`).
    #[arg(
        long,
        value_name = "TOKEN",
        env = "GITHUB_TOKEN",
        hide_env_values = true
    )]
    pub github_token: Option<Token>,

    /// GitLab project or group access token with `api` scope (CI_JOB_TOKEN cannot post notes).
    #[arg(
        long,
        value_name = "TOKEN",
        env = "SQLTEST_GITLAB_TOKEN",
        hide_env_values = true
    )]
    pub gitlab_token: Option<Token>,

    /// GitHub event file to read the pull request from, instead of GITHUB_EVENT_PATH (the
    /// `workflow_run` job of the fork-safe pattern passes the pull request's event file).
    #[arg(long, value_name = "PATH")]
    pub event_file: Option<Utf8PathBuf>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Debug, Parser)]
    struct Cli {
        #[command(flatten)]
        publish: PublishOptions,
    }

    #[test]
    fn defaults_and_values_parse() {
        let cli = Cli::try_parse_from(["x"]).expect("parse");
        assert!(!cli.publish.publish);
        assert_eq!(cli.publish.forge.comment, CommentMode::Always);
        assert!(cli.publish.forge.check_run);
        assert_eq!(cli.publish.forge.sarif_wait, Duration::from_secs(120));
        let cli = Cli::try_parse_from([
            "x",
            "--publish",
            "--comment",
            "on-failure",
            "--check-run",
            "false",
            "--github-token",
            "ghs_secret",
            "--sarif-wait",
            "30s",
        ])
        .expect("parse");
        assert_eq!(cli.publish.forge.comment, CommentMode::OnFailure);
        assert!(!cli.publish.forge.check_run);
        assert_eq!(
            cli.publish.forge.github_token.as_ref().map(Token::expose),
            Some("ghs_secret")
        );
        assert!(
            !format!("{cli:?}").contains("ghs_secret"),
            "Debug must not show the token"
        );
    }

    #[test]
    fn help_hides_token_values_from_the_environment() {
        use clap::CommandFactory;
        // SAFETY: tests in this module do not read GITHUB_TOKEN concurrently.
        unsafe { std::env::set_var("GITHUB_TOKEN", "ghs_from_env_123") };
        let help = Cli::command().render_long_help().to_string();
        unsafe { std::env::remove_var("GITHUB_TOKEN") };
        assert!(help.contains("GITHUB_TOKEN"), "{help}");
        assert!(!help.contains("ghs_from_env_123"), "{help}");
    }
}
