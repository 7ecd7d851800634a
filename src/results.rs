//! The one result model of a run, serialised as versioned JSON (`--report json=PATH`).
//!
//! Every renderer in [`crate::report`] is a pure function of [`RunResults`]; `sqltest report
//! --from` and `sqltest merge` read it back. The JSON layout is documented in
//! `docs/results-json.md`; bump [`SCHEMA_VERSION`] on any incompatible change.

use crate::Location;
use crate::project::{BackendKind, Engine, Severity};
use camino::Utf8PathBuf;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Version of the JSON layout written by this build.
pub const SCHEMA_VERSION: u32 = 1;

/// Everything a run found.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RunResults {
    pub schema_version: u32,
    pub tool: ToolInfo,
    pub project: ProjectInfo,
    pub started_at: DateTime<Utc>,
    /// Wall time of the whole run, in seconds.
    pub duration_secs: f64,
    /// Migrations then seeds, in application order.
    pub migrations: Vec<MigrationResult>,
    /// Unit tests, in spec-file order (deterministic whatever the number of workers).
    pub tests: Vec<TestResult>,
    /// Business-rule checks, in spec-file order.
    #[serde(default)]
    pub checks: Vec<CheckResult>,
    /// Infrastructure problems met during the run (the run's exit code is then 3).
    #[serde(default)]
    pub errors: Vec<String>,
    /// Set when the run was interrupted (Ctrl-C, SIGTERM): results are partial.
    #[serde(default)]
    pub interrupted: bool,
    /// Where the time went.
    #[serde(default)]
    pub timings: Timings,
    /// Problems of the change itself rather than of a test or check: migration history,
    /// fresh-install vs upgrade drift, reversibility, migration safety. Failed findings at or
    /// above `--fail-on` fail the run (exit 1); suppressed ones are kept as notes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<Finding>,
    /// Things the user should know that fail nothing (files a layout ignored, a base that
    /// could not be used, …), shown in the terminal and kept in the JSON.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<Warning>,
}

/// A warning of the run: it fails nothing.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Warning {
    /// One sentence that stands alone.
    pub message: String,
    /// Where it applies, when one place does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
}

/// What a finding is about: each category owns its rule ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingCategory {
    /// Base vs HEAD migration files: `edited`, `deleted`, `renamed`, `out-of-order`,
    /// `duplicate-version`, `whitespace-edit`.
    History,
    /// The schema of a fresh install differs from the upgraded one: `schema-drift`.
    Drift,
    /// A down migration fails or does not restore the schema: `irreversible`, `down-failed`.
    Reversibility,
    /// Locks, rewrites and scans a new migration takes, and static rules.
    Safety,
}

impl FindingCategory {
    pub fn as_str(self) -> &'static str {
        match self {
            FindingCategory::History => "history",
            FindingCategory::Drift => "drift",
            FindingCategory::Reversibility => "reversibility",
            FindingCategory::Safety => "safety",
        }
    }
}

/// One finding about the change: stable id `<file>::<rule>`, located at file:line where it can be.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Finding {
    /// `<file>::<rule>` (a suffix `::<n>` when one file has the same rule more than once);
    /// stable across runs, used for fingerprints.
    pub id: String,
    pub category: FindingCategory,
    /// The rule id, kebab-case (`edited`, `schema-drift`, `blocks-writes`, …).
    pub rule: String,
    pub severity: Severity,
    /// Where it is: the migration file (and line, column) it is about.
    pub location: Option<Location>,
    /// One sentence that stands alone (annotation, SARIF message, JUnit message).
    pub message: String,
    /// Multi-line explanation for people (a side-by-side schema difference, the rows a
    /// statement failed on, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
    /// Set when the finding was allowed (`-- sqltest:allow`, `safety.allow`): the reason. A
    /// suppressed finding fails nothing and is reported as a note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suppressed: Option<String>,
    /// For a measured safety finding: the statement, lock, table and times it is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measured: Option<Measurement>,
}

/// What sqltest measured while a statement of a new migration ran (PostgreSQL).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Measurement {
    /// The statement's first line, shortened.
    pub statement: String,
    /// The lock mode (`AccessExclusiveLock`, …), when the finding is about a lock.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lock: Option<String>,
    /// The existing table (`public.orders`) the finding is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table: Option<String>,
    /// The table's rows in the fixture database before the change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rows: Option<i64>,
    /// The table's size in bytes (with indexes and TOAST) before the change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes: Option<i64>,
    /// How long the lock was held in this run: from the statement that took it to the end of
    /// the transaction (or of the statement outside one), in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub held_ms: Option<f64>,
    /// The statement's own duration, in milliseconds.
    pub statement_ms: f64,
}

impl Finding {
    /// A finding about the file at `location` (id `<file>::<rule>`; `migrations::<rule>` when
    /// no file is known), not suppressed.
    pub fn new(
        category: FindingCategory,
        rule: &str,
        severity: Severity,
        location: Option<crate::Location>,
        message: String,
        details: Option<String>,
    ) -> Finding {
        let file = location
            .as_ref()
            .map_or_else(|| "migrations".to_string(), |l| l.path.to_string());
        Finding {
            id: format!("{file}::{rule}"),
            category,
            rule: rule.to_string(),
            severity,
            location,
            message,
            details,
            suppressed: None,
            measured: None,
        }
    }

    /// Whether this finding fails the run under `--fail-on`.
    pub fn fails(&self, fail_on: Severity) -> bool {
        self.suppressed.is_none() && severity_at_least(self.severity, fail_on)
    }
}

/// `s` is at least as serious as `threshold` (error > warning > info).
pub fn severity_at_least(s: Severity, threshold: Severity) -> bool {
    let rank = |s: Severity| match s {
        Severity::Error => 2,
        Severity::Warning => 1,
        Severity::Info => 0,
    };
    rank(s) >= rank(threshold)
}

/// Whether a migration came with the base branch or is new in the change (upgrade mode).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    /// Applied as the base branch had it, to build the database production has.
    Base,
    /// New in the change: the migrations this pull request adds.
    New,
}

/// Wall time of each phase of a run, in seconds (0 when the phase did not run).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Timings {
    /// Obtaining the server (start a cluster or container, or reach the URL).
    pub provision_secs: f64,
    /// Creating the template database and applying migrations and seeds.
    pub prepare_secs: f64,
    /// Cloning the template for workers (the slowest worker's clone).
    pub clone_secs: f64,
    /// From the template being ready to the last test done (clones included).
    pub tests_secs: f64,
    /// Running the business rules.
    pub rules_secs: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ToolInfo {
    pub name: String,
    pub version: String,
}

impl ToolInfo {
    pub fn current() -> Self {
        ToolInfo {
            name: "sqltest".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ProjectInfo {
    /// Absolute path of the project root on the machine that ran it.
    pub root: Utf8PathBuf,
    /// `sqltest.yaml`, relative to the root.
    pub config: Utf8PathBuf,
    pub engine: Engine,
    pub backend: BackendKind,
    /// What the server said of itself (`select version()`), when one was reached.
    pub server_version: Option<String>,
}

/// Outcome of one item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Passed,
    Failed,
    Skipped,
    /// Infrastructure trouble while running the item (lost connection, timeout of the harness).
    Error,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Passed => "passed",
            Status::Failed => "failed",
            Status::Skipped => "skipped",
            Status::Error => "error",
        }
    }
}

/// Whether a migration-step file was a migration or a seed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ScriptKind {
    Migration,
    Seed,
}

/// One migration or seed file.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct MigrationResult {
    pub kind: ScriptKind,
    /// Relative to the project root.
    pub path: Utf8PathBuf,
    /// The version the layout gives it (`20240101120000`, `1.2`), if any.
    pub version: Option<String>,
    pub status: Status,
    pub duration_secs: f64,
    /// Why it failed, with the failing statement's location.
    pub error: Option<DbError>,
    /// Why it was skipped (an earlier one failed).
    pub skip_reason: Option<String>,
    /// In upgrade mode (`--base`): whether the file came with the base or is new in the
    /// change; absent in a plain run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<Origin>,
}

/// An error reported by the database.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DbError {
    pub message: String,
    /// Five-character SQLSTATE (PostgreSQL, MySQL) or the SQLSTATE sqltest maps a SQLite code to.
    pub sqlstate: Option<String>,
    pub detail: Option<String>,
    pub hint: Option<String>,
    /// Where in the project's files the error is: the failing statement, or the exact
    /// character the database pointed at.
    pub location: Option<Location>,
}

/// One unit test's outcome.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TestResult {
    /// `<spec path>::<test name>`.
    pub id: String,
    pub name: String,
    /// The spec file, relative to the project root.
    pub spec: Utf8PathBuf,
    pub location: Location,
    #[serde(default)]
    pub tags: Vec<String>,
    pub status: Status,
    pub duration_secs: f64,
    pub failure: Option<Failure>,
    pub skip_reason: Option<String>,
}

/// Why a test failed.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Failure {
    pub kind: FailureKind,
    /// One sentence that stands alone (used as annotation and SARIF message).
    pub message: String,
    /// Multi-line explanation for people: expected and actual side by side, then a diff.
    pub details: Option<String>,
    /// Expected rows (or value) as JSON, when the test compared rows.
    pub expected: Option<serde_json::Value>,
    /// Actual rows (or value) as JSON.
    pub actual: Option<serde_json::Value>,
    pub db_error: Option<DbError>,
}

/// The closed set of ways a test can fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    /// The rows differ from `expect.rows`.
    RowsMismatch,
    /// The row count differs from `expect.count` or `expect.empty`.
    CountMismatch,
    /// `expect.error` was set but the SQL succeeded.
    ErrorExpected,
    /// An error came, but not the expected one.
    WrongError,
    /// The SQL (or `setup`, `given`, `fixtures`) failed unexpectedly.
    SqlError,
    /// The test ran past the project's `timeout`.
    Timeout,
}

/// One business-rule check's outcome.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CheckResult {
    /// `<spec path>::<table>.<kind>(<columns>)` or `<spec path>::<name>`.
    pub id: String,
    /// Check kind (`not_null`, `unique`, …, or `sql`).
    pub kind: String,
    pub table: Option<String>,
    pub spec: Utf8PathBuf,
    pub location: Location,
    pub severity: Severity,
    pub status: Status,
    pub duration_secs: f64,
    /// Rows violating the check.
    pub violations: u64,
    /// Rows considered (after `where`), where a table total exists.
    pub total_rows: Option<u64>,
    /// violations / total_rows.
    pub violation_rate: Option<f64>,
    /// One sentence that stands alone.
    pub message: String,
    /// Up to `--samples` violating rows, with the key or checked columns.
    #[serde(default)]
    pub samples: Vec<serde_json::Map<String, serde_json::Value>>,
    /// Set when the check passed without a scan because a constraint guarantees it.
    pub guaranteed_by: Option<String>,
    pub db_error: Option<DbError>,
    pub skip_reason: Option<String>,
}

/// Counts over a run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub passed: usize,
    pub failed: usize,
    pub skipped: usize,
    pub errors: usize,
}

impl Counts {
    pub fn add(&mut self, status: Status) {
        match status {
            Status::Passed => self.passed += 1,
            Status::Failed => self.failed += 1,
            Status::Skipped => self.skipped += 1,
            Status::Error => self.errors += 1,
        }
    }

    pub fn total(&self) -> usize {
        self.passed + self.failed + self.skipped + self.errors
    }
}

/// Summary of a run, derived from the items (never stored separately, so it cannot disagree).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub migrations: Counts,
    pub tests: Counts,
    /// Failed checks are counted by severity below; `failed` counts every failed check.
    pub checks: Counts,
    pub failed_errors: usize,
    pub failed_warnings: usize,
    pub failed_infos: usize,
}

impl RunResults {
    pub fn summary(&self) -> Summary {
        let mut s = Summary::default();
        for m in &self.migrations {
            s.migrations.add(m.status);
        }
        for t in &self.tests {
            s.tests.add(t.status);
        }
        for c in &self.checks {
            s.checks.add(c.status);
            if c.status == Status::Failed {
                match c.severity {
                    Severity::Error => s.failed_errors += 1,
                    Severity::Warning => s.failed_warnings += 1,
                    Severity::Info => s.failed_infos += 1,
                }
            }
        }
        s
    }

    /// Whether the run counts as failed checks (exit code 1), given `--fail-on`.
    pub fn has_failures(&self, fail_on: Severity) -> bool {
        let s = self.summary();
        let checks_fail = match fail_on {
            Severity::Error => s.failed_errors > 0,
            Severity::Warning => s.failed_errors + s.failed_warnings > 0,
            Severity::Info => s.failed_errors + s.failed_warnings + s.failed_infos > 0,
        };
        let findings_fail = self.findings.iter().any(|f| f.fails(fail_on));
        s.migrations.failed > 0 || s.tests.failed > 0 || checks_fail || findings_fail
    }

    /// Whether infrastructure trouble happened (exit code 3).
    pub fn has_infra_errors(&self) -> bool {
        !self.errors.is_empty()
            || self.tests.iter().any(|t| t.status == Status::Error)
            || self.checks.iter().any(|c| c.status == Status::Error)
            || self.migrations.iter().any(|m| m.status == Status::Error)
    }
}
