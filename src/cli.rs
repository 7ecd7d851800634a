//! The command line (clap derive only). `main` parses it and hands it to [`crate::app`],
//! which turns it into validated options before doing anything.

use crate::project::{BackendKind, Severity};
use crate::report::{ColorChoice, ReportTarget};
use camino::Utf8PathBuf;
use clap::{Args, Parser, Subcommand};

const EXIT_CODES: &str = "\
Exit codes:
  0  everything passed
  1  checks failed: a migration, a unit test, or a rule at --fail-on severity
  2  invalid project, spec or usage (the errors name file:line:col)
  3  environment problem: no database backend, server unreachable, Docker missing";

/// CI checks for SQL databases: migrations, SQL unit tests and business rules on a
/// throwaway database.
#[derive(Debug, Parser)]
#[command(name = "sqltest", version, about, after_help = EXIT_CODES, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start a throwaway database, apply migrations and seeds, run unit tests and rules, report.
    #[command(after_help = EXIT_CODES)]
    Run(RunArgs),
    /// Audit an existing database with the project's rules only, strictly read-only
    /// (read-only transaction or PRAGMA query_only, statement timeout from `timeout:`).
    #[command(after_help = EXIT_CODES)]
    Check(CheckArgs),
    /// List the tests and rules of the project without running them.
    List(ListArgs),
    /// Write a starting sqltest.yaml and a first spec for an existing repository (migrations
    /// and engine detected; no file is overwritten).
    Init(crate::init::InitArgs),
    /// Remove what `--reuse` keeps between runs (warm servers, cached templates) and any
    /// leftover container labelled by sqltest.
    Clean,
    /// Render reports from a results file saved with `--report json=PATH`.
    Report(ReportArgs),
    /// Merge the results files of shards into one results file (and reports).
    Merge(MergeArgs),
    /// Publish a finished run to the pull or merge request: sticky comment, check run with
    /// annotations, SARIF upload, job summary (GitHub Actions, GitLab CI).
    Publish(crate::publish::PublishArgs),
    /// Git hooks: `sqltest hook install` adds a pre-push hook that checks pushed SQL changes.
    Hook(crate::hook::HookArgs),
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The project directory or its sqltest.yaml (searched upwards; default: the working directory).
    pub path: Option<Utf8PathBuf>,

    /// How to get a database server (overrides `backend:` in sqltest.yaml).
    #[arg(long, value_enum)]
    pub backend: Option<BackendKind>,

    /// An existing server to use (the url backend); sqltest creates and drops its own databases there.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,

    /// Docker image for the fixture database (overrides `image:`).
    #[arg(long)]
    pub image: Option<String>,

    /// Parallel workers, each on its own clone of the prepared database (default: `jobs:` or the number of CPUs).
    #[arg(long, short = 'j')]
    pub jobs: Option<usize>,

    /// Run only tests and rules whose id contains this text (repeatable).
    #[arg(long = "filter", value_name = "TEXT")]
    pub filters: Vec<String>,

    /// Run only tests with this tag (repeatable).
    #[arg(long = "tag", value_name = "TAG")]
    pub tags: Vec<String>,

    /// Write a report: FORMAT=PATH with FORMAT junit, json, sarif, markdown, html, gitlab or github (repeatable).
    #[arg(long = "report", value_name = "FORMAT=PATH")]
    pub reports: Vec<ReportTarget>,

    /// Lowest rule severity that fails the run.
    #[arg(long, value_enum, default_value_t = Severity::Error)]
    pub fail_on: Severity,

    /// Keep the database server running after the run and print how to connect.
    #[arg(long)]
    pub keep: bool,

    /// Keep a warm server and the migrated template between runs (for pre-push): a second run
    /// with unchanged migrations and seeds skips both. `sqltest clean` removes them.
    #[arg(long)]
    pub reuse: bool,

    /// When to use colours (NO_COLOR is honoured with auto).
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    #[command(flatten)]
    pub rules: RulesArgs,

    /// Run only shard K of N: tests and rules are split by a stable hash of their ids.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<crate::select::Shard>,

    /// Run only the specs changed since REF (everything when a migration, seed or sqltest.yaml
    /// changed); nothing to do exits 0 at once.
    #[arg(long, value_name = "REF")]
    pub changed_since: Option<String>,

    /// Judge the change against this base branch or commit: build the database from the
    /// base's migrations and seeds (read from git, the work tree is untouched), apply only the
    /// new migrations on top, and report history problems. Default: `base:` in sqltest.yaml,
    /// else the pull request's base in GitHub Actions, GitLab CI and Jenkins.
    #[arg(long, value_name = "REF")]
    pub base: Option<String>,

    #[command(flatten)]
    pub publish: crate::publish::PublishOptions,
}

/// Options of the business rules, shared by `run` and `check`.
#[derive(Debug, Clone, Args)]
pub struct RulesArgs {
    /// Violating rows kept as samples for each failed check.
    #[arg(long, default_value_t = 5, value_name = "N")]
    pub samples: usize,

    /// Scan even checks a validated constraint (NOT NULL, UNIQUE, FOREIGN KEY) already guarantees.
    #[arg(long)]
    pub no_constraint_shortcuts: bool,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The project directory or its sqltest.yaml (its rules are checked).
    pub path: Option<Utf8PathBuf>,

    /// The database to audit (postgres://… or a SQLite file); nothing is written to it.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: String,

    /// Check only rules whose id contains this text (repeatable).
    #[arg(long = "filter", value_name = "TEXT")]
    pub filters: Vec<String>,

    /// Write a report (repeatable): junit, json, sarif, markdown, html, gitlab, github.
    #[arg(long = "report", value_name = "FORMAT=PATH")]
    pub reports: Vec<ReportTarget>,

    /// Lowest rule severity that fails the run.
    #[arg(long, value_enum, default_value_t = Severity::Error)]
    pub fail_on: Severity,

    /// When to use colours (NO_COLOR is honoured with auto).
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    #[command(flatten)]
    pub rules: RulesArgs,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// The project directory or its sqltest.yaml.
    pub path: Option<Utf8PathBuf>,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The results file written by `sqltest run --report json=PATH` or `sqltest merge`.
    #[arg(long, value_name = "RESULTS.json")]
    pub from: Utf8PathBuf,

    /// Write a report: FORMAT=PATH (junit, json, sarif, markdown, html, gitlab, github); PATH `-` is stdout (repeatable).
    #[arg(long = "report", value_name = "FORMAT=PATH", required = true)]
    pub reports: Vec<ReportTarget>,
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Results files of the shards of one run.
    #[arg(required = true, value_name = "RESULTS.json")]
    pub inputs: Vec<Utf8PathBuf>,

    /// Where to write the merged results (JSON; `-` is stdout).
    #[arg(short = 'o', long = "output", value_name = "PATH")]
    pub output: Utf8PathBuf,

    /// Also write a report of the merged results: FORMAT=PATH (repeatable).
    #[arg(long = "report", value_name = "FORMAT=PATH")]
    pub reports: Vec<ReportTarget>,
}
