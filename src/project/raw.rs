//! The raw shapes of `sqltest.yaml` and spec files as serde reads them (`deny_unknown_fields`).
//!
//! Fixed-shape parts are typed here; the polymorphic parts are [`Node`]s converted by hand in
//! [`super::config`], [`super::spec`] and [`super::rules`]. Fields that are required by the
//! format are still `Option` here when a missing one can be reported next to other errors.

use super::node::Node;
use serde::Deserialize;
use serde_saphyr::Spanned;

/// `sqltest.yaml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawConfig {
    pub engine: Option<Spanned<String>>,
    pub version: Option<Spanned<String>>,
    pub image: Option<Spanned<String>>,
    pub backend: Option<Spanned<String>>,
    pub migrations: Option<Spanned<String>>,
    /// A glob or a list of globs.
    pub seeds: Option<Node>,
    /// A glob or a list of globs.
    pub specs: Option<Node>,
    pub jobs: Option<Node>,
    pub timeout: Option<Spanned<String>>,
    /// The change's base branch or commit.
    pub base: Option<Spanned<String>>,
    pub upgrade_seeds: Option<Spanned<String>>,
    pub history: Option<Node>,
    pub baseline: Option<Node>,
    /// Migration safety: allowed rules, severities, measurement.
    pub safety: Option<Node>,
}

/// A spec file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSpec {
    /// Table → list of rows.
    pub fixtures: Option<Node>,
    pub tests: Option<Vec<Spanned<RawTest>>>,
    pub rules: Option<Vec<Spanned<RawRule>>>,
}

/// An entry of `tests:`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawTest {
    pub name: Option<Spanned<String>>,
    /// Table → list of rows.
    pub given: Option<Node>,
    pub setup: Option<Spanned<String>>,
    pub sql: Option<Spanned<String>>,
    pub expect: Option<Spanned<RawExpect>>,
    pub tags: Option<Vec<Spanned<String>>>,
    /// A reason, or `true`.
    pub skip: Option<Node>,
    pub isolation: Option<Spanned<String>>,
}

/// A test's `expect:`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawExpect {
    pub rows: Option<Node>,
    pub ordered: Option<Spanned<bool>>,
    pub columns: Option<Spanned<String>>,
    pub count: Option<Spanned<u64>>,
    pub empty: Option<Spanned<bool>>,
    pub error: Option<Spanned<String>>,
    pub message: Option<Spanned<String>>,
}

/// An entry of `rules:`: either a table entry (`table`, `where`, `checks`) or a custom SQL rule
/// (`name`, `sql`, options). Both shapes share one struct so a misplaced key gets a precise
/// message instead of an untagged-enum "did not match any variant".
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRule {
    pub table: Option<Spanned<String>>,
    #[serde(rename = "where")]
    pub where_: Option<Spanned<String>>,
    pub checks: Option<Vec<Node>>,
    pub name: Option<Spanned<String>>,
    pub sql: Option<Spanned<String>>,
    pub severity: Option<Spanned<String>>,
    pub max_violations: Option<Spanned<u64>>,
    pub max_violation_rate: Option<Spanned<f64>>,
}
