//! The validated project model: what `sqltest.yaml` and the spec files mean, with source locations.
//!
//! Built by [`super::load`] from raw YAML structs; every later step reads only these types.

use crate::Location;
use camino::Utf8PathBuf;
use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// A database engine of the format. One enum serves clap and serde.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Engine {
    Postgres,
    Mysql,
    Mariadb,
    Sqlite,
}

impl Engine {
    pub fn as_str(self) -> &'static str {
        match self {
            Engine::Postgres => "postgres",
            Engine::Mysql => "mysql",
            Engine::Mariadb => "mariadb",
            Engine::Sqlite => "sqlite",
        }
    }

    /// Whether this build can run the engine (MySQL and MariaDB arrive in a later issue).
    pub fn is_supported(self) -> bool {
        match self {
            Engine::Postgres | Engine::Sqlite => true,
            Engine::Mysql | Engine::Mariadb => false,
        }
    }
}

/// How a database server is obtained. `--backend` overrides the project's `backend:`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum BackendKind {
    Auto,
    Docker,
    Local,
    Url,
    Embedded,
}

impl BackendKind {
    pub fn as_str(self) -> &'static str {
        match self {
            BackendKind::Auto => "auto",
            BackendKind::Docker => "docker",
            BackendKind::Local => "local",
            BackendKind::Url => "url",
            BackendKind::Embedded => "embedded",
        }
    }
}

/// A value from YAML (fixtures, given rows, expected rows). Numbers, strings, booleans,
/// null, lists and maps; maps keep their written order.
pub type Value = serde_json::Value;

/// One row as written: column → value, in written order.
pub type Row = IndexMap<String, Value>;

/// Rows for one table (`fixtures` or `given`), inserted in the listed order.
#[derive(Debug, Clone, PartialEq)]
pub struct TableRows {
    pub table: String,
    pub rows: Vec<Row>,
    pub location: Location,
}

/// SQL text written in a spec, with the location of its first character.
#[derive(Debug, Clone, PartialEq)]
pub struct SqlText {
    pub sql: String,
    pub location: Location,
}

/// The whole project after loading and validation.
#[derive(Debug, Clone)]
pub struct Project {
    /// Absolute path of the directory holding `sqltest.yaml`; every other path is relative to it.
    pub root: Utf8PathBuf,
    /// `sqltest.yaml`, relative to `root`.
    pub config_path: Utf8PathBuf,
    pub engine: Engine,
    pub version: Option<String>,
    pub image: Option<String>,
    pub backend: Option<BackendKind>,
    /// The migrations directory, relative to `root`, if the project has one.
    pub migrations: Option<Utf8PathBuf>,
    /// Where `migrations:` is written in the project file (errors about the set point there).
    pub migrations_at: Option<crate::Location>,
    /// Seed files, relative to `root`, in application order (globs expanded, each sorted naturally).
    pub seeds: Vec<Utf8PathBuf>,
    pub specs: Vec<Spec>,
    pub jobs: Option<usize>,
    pub timeout: Option<Duration>,
    /// How the change is judged against its base branch.
    pub change: super::change::ChangeSettings,
}

/// One spec file.
#[derive(Debug, Clone)]
pub struct Spec {
    /// Relative to the project root.
    pub path: Utf8PathBuf,
    /// Rows inserted before every test of this file.
    pub fixtures: Vec<TableRows>,
    pub tests: Vec<UnitTest>,
    pub rules: Vec<Rule>,
}

/// Whether a test runs in a rolled-back transaction on the shared worker clone, or on a fresh clone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Isolation {
    #[default]
    Transaction,
    Database,
}

/// A SQL unit test.
#[derive(Debug, Clone)]
pub struct UnitTest {
    /// `<spec path>::<test name>`: stable, used by reports, `--filter` and `--shard`.
    pub id: String,
    pub name: String,
    /// Where the test's list item starts (the `- name:` line).
    pub location: Location,
    pub given: Vec<TableRows>,
    pub setup: Option<SqlText>,
    pub sql: SqlText,
    pub expect: Expect,
    pub tags: Vec<String>,
    pub skip: Option<String>,
    pub isolation: Isolation,
}

/// What a test expects of its last statement.
#[derive(Debug, Clone, PartialEq)]
pub enum Expect {
    /// No `expect`: the SQL must run without error.
    Success,
    Rows {
        rows: Vec<Row>,
        ordered: bool,
        exact_columns: bool,
    },
    Count(u64),
    Empty,
    Error(ExpectedError),
}

/// `expect.error` (+ optional `message` regex).
#[derive(Debug, Clone)]
pub struct ExpectedError {
    /// As written: an SQLSTATE code (`23514`) or a condition name (`check_violation`).
    pub written: String,
    /// The five-character SQLSTATE it stands for.
    pub sqlstate: String,
    pub message: Option<regex::Regex>,
}

impl PartialEq for ExpectedError {
    fn eq(&self, other: &Self) -> bool {
        self.written == other.written
            && self.sqlstate == other.sqlstate
            && self.message.as_ref().map(|r| r.as_str())
                == other.message.as_ref().map(|r| r.as_str())
    }
}

/// Severity of a rule check.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    Default,
    clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    #[default]
    Error,
}

impl Severity {
    /// The severity as specs and reports write it.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// Options any check may carry.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CheckOptions {
    /// An explicit `name`, replacing the generated id's last part.
    pub name: Option<String>,
    /// This check's own row filter; the entry's `where` is AND-ed with it when the check runs.
    pub where_: Option<String>,
    pub severity: Severity,
    /// Inclusive: passes with at most this many violating rows (default 0).
    pub max_violations: Option<u64>,
    /// Passes when violations / rows considered ≤ this (table checks).
    pub max_violation_rate: Option<f64>,
}

/// The kinds of check in a table rule entry.
#[derive(Debug, Clone, PartialEq)]
pub enum CheckKind {
    NotNull {
        columns: Vec<String>,
    },
    /// The columns of one key (one column, or several for a composite key).
    Unique {
        columns: Vec<String>,
    },
    AcceptedValues {
        column: String,
        values: Vec<Value>,
    },
    Range {
        column: String,
        min: Option<Value>,
        max: Option<Value>,
    },
    Matches {
        column: String,
        pattern: String,
    },
    References {
        column: String,
        to_table: String,
        to_column: String,
    },
    Expression {
        predicate: String,
    },
    RowCount {
        min: Option<u64>,
        max: Option<u64>,
    },
    Freshness {
        column: String,
        max_age: Duration,
    },
}

/// One check on a table. `not_null: [a, b]` becomes one check per column, and
/// `unique: [[a, b], c]` one check per key, so each has its own id and result.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    /// `<spec path>::<table>.<kind>(<columns>)` or `<spec path>::<name>`.
    pub id: String,
    pub table: String,
    pub kind: CheckKind,
    pub options: CheckOptions,
    pub location: Location,
    /// Where the values the column's type must hold are written.
    pub args_at: ArgLocations,
}

/// Where a check's typed arguments are written (`range` bounds, `accepted_values` items), so a
/// value the column's type cannot hold is reported at the value itself. Empty when unknown.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ArgLocations {
    pub min: Option<Location>,
    pub max: Option<Location>,
    /// One per item of `values`, in order.
    pub values: Vec<Location>,
}

/// A custom SQL rule: the query returns violating rows.
#[derive(Debug, Clone, PartialEq)]
pub struct SqlRule {
    pub id: String,
    pub name: String,
    pub sql: SqlText,
    pub options: CheckOptions,
    pub location: Location,
}

/// An entry of `rules:`.
#[derive(Debug, Clone, PartialEq)]
pub enum Rule {
    Table {
        table: String,
        where_: Option<String>,
        checks: Vec<Check>,
        location: Location,
    },
    Sql(SqlRule),
}
