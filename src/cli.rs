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
    /// List the tests and rules of the project without running them.
    List(ListArgs),
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

    /// Write a report: junit=PATH or json=PATH (repeatable).
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
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// The project directory or its sqltest.yaml.
    pub path: Option<Utf8PathBuf>,
}
