//! The one list of problems a run found, shared by every format that reports problems rather than
//! every item (SARIF, GitLab Code Quality, GitHub annotations, the Markdown and HTML failure
//! lists), so they agree on what a failure is, its rule, level, wording, location and fingerprint.

use super::text::{self, count, one_line};
use crate::Location;
use crate::project::Severity;
use crate::results::{
    CheckResult, Finding as ChangeFinding, MigrationResult, RunResults, ScriptKind, Status,
    TestResult,
};
use std::collections::HashMap;
use std::fmt::Write as _;

/// How serious a finding is, in SARIF's words (GitHub: error, warning, notice).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Level {
    Error,
    Warning,
    Note,
}

impl Level {
    /// SARIF `level`.
    pub(crate) fn sarif(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warning => "warning",
            Level::Note => "note",
        }
    }

    pub(crate) fn of_severity(s: Severity) -> Level {
        match s {
            Severity::Error => Level::Error,
            Severity::Warning => Level::Warning,
            Severity::Info => Level::Note,
        }
    }
}

/// The kinds of business-rule check, each its own SARIF rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum CheckRule {
    NotNull,
    Unique,
    AcceptedValues,
    Range,
    Matches,
    References,
    Expression,
    RowCount,
    Freshness,
    Sql,
    /// A kind this build does not know (results written by another version).
    Other,
}

impl CheckRule {
    pub(crate) const ALL: [CheckRule; 11] = [
        CheckRule::NotNull,
        CheckRule::Unique,
        CheckRule::AcceptedValues,
        CheckRule::Range,
        CheckRule::Matches,
        CheckRule::References,
        CheckRule::Expression,
        CheckRule::RowCount,
        CheckRule::Freshness,
        CheckRule::Sql,
        CheckRule::Other,
    ];

    /// The kind as the results (and spec files) write it.
    pub(crate) fn kind(self) -> &'static str {
        match self {
            CheckRule::NotNull => "not_null",
            CheckRule::Unique => "unique",
            CheckRule::AcceptedValues => "accepted_values",
            CheckRule::Range => "range",
            CheckRule::Matches => "matches",
            CheckRule::References => "references",
            CheckRule::Expression => "expression",
            CheckRule::RowCount => "row_count",
            CheckRule::Freshness => "freshness",
            CheckRule::Sql => "sql",
            CheckRule::Other => "other",
        }
    }

    fn of_kind(kind: &str) -> CheckRule {
        CheckRule::ALL
            .into_iter()
            .find(|r| r.kind() == kind)
            .unwrap_or(CheckRule::Other)
    }
}

/// The findings about the change's migrations (history, drift, reversibility), each its own
/// SARIF rule. The rule names are those of [`crate::results::Finding::rule`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum ChangeRule {
    Edited,
    WhitespaceEdit,
    Deleted,
    Renamed,
    OutOfOrder,
    DuplicateVersion,
    SchemaDrift,
    Irreversible,
    DownFailed,
    /// A rule this build does not know (results written by another version).
    Other,
    /// Migration safety: measured locks, rewrites and scans, and static rules.
    Safety(crate::safety::SafetyRule),
}

impl ChangeRule {
    /// Every rule; the safety rules come after the others so older positions do not move.
    pub(crate) fn all() -> Vec<ChangeRule> {
        let mut all = ChangeRule::BASIC.to_vec();
        all.extend(crate::safety::SafetyRule::ALL.map(ChangeRule::Safety));
        all
    }

    const BASIC: [ChangeRule; 10] = [
        ChangeRule::Edited,
        ChangeRule::WhitespaceEdit,
        ChangeRule::Deleted,
        ChangeRule::Renamed,
        ChangeRule::OutOfOrder,
        ChangeRule::DuplicateVersion,
        ChangeRule::SchemaDrift,
        ChangeRule::Irreversible,
        ChangeRule::DownFailed,
        ChangeRule::Other,
    ];

    /// The rule as the results write it.
    pub(crate) fn rule(self) -> &'static str {
        match self {
            ChangeRule::Edited => "edited",
            ChangeRule::WhitespaceEdit => "whitespace-edit",
            ChangeRule::Deleted => "deleted",
            ChangeRule::Renamed => "renamed",
            ChangeRule::OutOfOrder => "out-of-order",
            ChangeRule::DuplicateVersion => "duplicate-version",
            ChangeRule::SchemaDrift => "schema-drift",
            ChangeRule::Irreversible => "irreversible",
            ChangeRule::DownFailed => "down-failed",
            ChangeRule::Other => "other",
            ChangeRule::Safety(r) => r.id(),
        }
    }

    fn category(self) -> &'static str {
        match self {
            ChangeRule::SchemaDrift => "drift",
            ChangeRule::Irreversible | ChangeRule::DownFailed => "reversibility",
            ChangeRule::Other => "change",
            ChangeRule::Safety(_) => "safety",
            _ => "history",
        }
    }

    fn of_rule(rule: &str) -> ChangeRule {
        ChangeRule::all()
            .into_iter()
            .find(|r| r.rule() == rule)
            .unwrap_or(ChangeRule::Other)
    }
}

/// What kind of problem a finding is: the SARIF rule, the GitLab `check_name`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum RuleId {
    MigrationFailed,
    SeedFailed,
    TestFailed,
    Check(CheckRule),
    /// A finding about the change's migrations.
    Change(ChangeRule),
    /// An item could not run properly (lost connection, harness timeout), or the run itself had
    /// trouble.
    Infrastructure,
    /// The run was interrupted; results are partial.
    Interrupted,
}

impl RuleId {
    /// Every rule, in a fixed order (SARIF `ruleIndex` is a position in this list).
    pub(crate) fn all() -> Vec<RuleId> {
        let mut all = vec![
            RuleId::MigrationFailed,
            RuleId::SeedFailed,
            RuleId::TestFailed,
        ];
        all.extend(CheckRule::ALL.into_iter().map(RuleId::Check));
        all.extend([RuleId::Infrastructure, RuleId::Interrupted]);
        // Appended, so the positions of the older rules do not move.
        all.extend(ChangeRule::all().into_iter().map(RuleId::Change));
        all
    }

    /// Stable id, never changed between versions (GitHub keys alerts on it).
    pub(crate) fn id(self) -> String {
        match self {
            RuleId::MigrationFailed => "migration/failed".into(),
            RuleId::SeedFailed => "seed/failed".into(),
            RuleId::TestFailed => "test/failed".into(),
            RuleId::Check(c) => format!("check/{}", c.kind()),
            RuleId::Change(c) => format!("{}/{}", c.category(), c.rule()),
            RuleId::Infrastructure => "run/infrastructure".into(),
            RuleId::Interrupted => "run/interrupted".into(),
        }
    }
}

/// Which result a finding comes from.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Source<'a> {
    Migration(&'a MigrationResult),
    Test(&'a TestResult),
    Check(&'a CheckResult),
    /// A finding about the change's migrations (history, drift, reversibility).
    Change(&'a ChangeFinding),
    /// One of the run's infrastructure errors.
    RunError,
    Interrupted,
}

/// One problem, worded once for every format.
#[derive(Debug, Clone)]
pub(crate) struct Finding<'a> {
    pub rule: RuleId,
    pub level: Level,
    pub status: Status,
    pub source: Source<'a>,
    /// What the problem is about, short: `test "order total adds tax"`, `migration
    /// db/migrations/002_rename.sql`, `check sqltest/orders.yaml::orders.unique(id)`.
    pub subject: String,
    /// One line for titles (GitHub annotation title, table rows), at most 200 characters.
    pub title: String,
    /// One sentence that stands alone and ends with a period (SARIF shows only the first
    /// sentence; GitLab only this).
    pub message: String,
    /// The full explanation (diff, violating rows, database error); may be empty.
    pub body: String,
    /// Where, relative to the project root; `None` for problems of the run as a whole.
    pub location: Option<Location>,
    /// Identity for fingerprints: the rule and the item's stable id, never a line number, so the
    /// fingerprint survives edits that move the item.
    pub key: String,
}

impl Finding<'_> {
    /// A stable fingerprint, unique within the run: xxh64 of the key, hex (SARIF
    /// `primaryLocationLineHash`, with the occurrence appended there).
    pub(crate) fn hash64(&self) -> String {
        format!("{:016x}", xxhash_rust::xxh64::xxh64(self.key.as_bytes(), 0))
    }

    /// SHA-256 of the key, hex (GitLab `fingerprint`).
    pub(crate) fn sha256(&self) -> String {
        use sha2::Digest as _;
        hex::encode(sha2::Sha256::digest(self.key.as_bytes()))
    }
}

/// Every problem of the run in report order: migrations, tests, checks, then run errors.
///
/// Failed and errored items are findings; failed checks of severity warning or info are findings
/// at that level; passed and skipped items are not. Keys are made unique (a repeated key gets
/// `#2`, `#3`) so fingerprints never collide.
pub(crate) fn findings(r: &RunResults) -> Vec<Finding<'_>> {
    let mut out = Vec::new();
    for m in &r.migrations {
        if let Some(f) = migration_finding(m) {
            out.push(f);
        }
    }
    out.extend(r.findings.iter().map(change_finding));
    for t in &r.tests {
        if let Some(f) = test_finding(t) {
            out.push(f);
        }
    }
    for c in &r.checks {
        if let Some(f) = check_finding(c) {
            out.push(f);
        }
    }
    for e in &r.errors {
        let message = sentence(&format!(
            "sqltest had an infrastructure problem: {}",
            one_line(e, 300)
        ));
        out.push(Finding {
            rule: RuleId::Infrastructure,
            level: Level::Error,
            status: Status::Error,
            source: Source::RunError,
            subject: "the run".into(),
            title: one_line(&format!("infrastructure error: {e}"), 200),
            message,
            // The message already holds a short error in full.
            body: if e.trim().lines().count() > 1 || e.trim().chars().count() > 300 {
                e.trim().to_string()
            } else {
                String::new()
            },
            location: None,
            key: format!("run/infrastructure\0{}", e.trim()),
        });
    }
    if r.interrupted {
        out.push(Finding {
            rule: RuleId::Interrupted,
            level: Level::Warning,
            status: Status::Error,
            source: Source::Interrupted,
            subject: "the run".into(),
            title: "the run was interrupted".into(),
            message: "The run was interrupted before it finished, so these results are partial."
                .into(),
            body: String::new(),
            location: None,
            key: "run/interrupted".into(),
        });
    }
    make_keys_unique(&mut out);
    out
}

fn make_keys_unique(findings: &mut [Finding<'_>]) {
    let mut seen: HashMap<String, usize> = HashMap::new();
    for f in findings {
        let n = seen.entry(f.key.clone()).or_insert(0);
        *n += 1;
        if *n > 1 {
            f.key = format!("{}#{n}", f.key);
        }
    }
}

fn migration_finding(m: &MigrationResult) -> Option<Finding<'_>> {
    let noun = text::script_noun(m.kind);
    let (rule, level) = match m.status {
        Status::Passed | Status::Skipped => return None,
        Status::Failed => (
            match m.kind {
                ScriptKind::Migration => RuleId::MigrationFailed,
                ScriptKind::Seed => RuleId::SeedFailed,
            },
            Level::Error,
        ),
        Status::Error => (RuleId::Infrastructure, Level::Error),
    };
    let cause = m
        .error
        .as_ref()
        .map(|e| one_line(&e.message, 300))
        .unwrap_or_else(|| "it did not apply".into());
    let message = match m.status {
        Status::Error => sentence(&format!(
            "The {noun} {} could not be applied because of an infrastructure problem: {cause}",
            m.path
        )),
        _ => sentence(&format!("The {noun} {} failed: {cause}", m.path)),
    };
    Some(Finding {
        rule,
        level,
        status: m.status,
        source: Source::Migration(m),
        subject: format!("{noun} {}", m.path),
        title: one_line(&format!("{noun} {} failed: {cause}", m.path), 200),
        message,
        body: text::migration_body(m),
        location: Some(
            m.error
                .as_ref()
                .and_then(|e| e.location.clone())
                .unwrap_or_else(|| Location::file(m.path.clone())),
        ),
        key: format!("{}\0{}", rule.id(), m.path),
    })
}

fn change_finding(f: &ChangeFinding) -> Finding<'_> {
    let rule = RuleId::Change(ChangeRule::of_rule(&f.rule));
    let level = if f.suppressed.is_some() {
        Level::Note
    } else {
        Level::of_severity(f.severity)
    };
    let subject = match &f.location {
        Some(l) => format!("migration {}", l.path),
        None => "the migrations".to_string(),
    };
    let mut body = f.details.clone().unwrap_or_default();
    if let Some(reason) = &f.suppressed {
        body = format!("Allowed: {reason}\n{body}");
    }
    Finding {
        rule,
        level,
        status: Status::Failed,
        source: Source::Change(f),
        subject,
        title: one_line(&f.message, 200),
        message: sentence(&f.message),
        body,
        location: f.location.clone(),
        key: format!("{}\0{}", rule.id(), f.id),
    }
}

fn test_finding(t: &TestResult) -> Option<Finding<'_>> {
    let name = flat(&t.name);
    let (rule, level) = match t.status {
        Status::Passed | Status::Skipped => return None,
        Status::Failed => (RuleId::TestFailed, Level::Error),
        Status::Error => (RuleId::Infrastructure, Level::Error),
    };
    let cause = t
        .failure
        .as_ref()
        .map(|f| one_line(&f.message, 300))
        .unwrap_or_else(|| "no reason was recorded".into());
    let message = match t.status {
        Status::Error => sentence(&format!(
            "Test \"{name}\" could not run to the end: {cause}"
        )),
        _ => sentence(&format!("Test \"{name}\" failed: {cause}")),
    };
    // An SQL error points at the exact character in the spec's SQL; other failures at the test.
    let location = t
        .failure
        .as_ref()
        .and_then(|f| f.db_error.as_ref())
        .and_then(|e| e.location.clone())
        .unwrap_or_else(|| t.location.clone());
    Some(Finding {
        rule,
        level,
        status: t.status,
        source: Source::Test(t),
        subject: format!("test \"{name}\""),
        title: one_line(&format!("{name}: {cause}"), 200),
        message,
        body: t
            .failure
            .as_ref()
            .map(text::failure_body)
            .unwrap_or_default(),
        location: Some(location),
        key: format!("{}\0{}", rule.id(), t.id),
    })
}

fn check_finding(c: &CheckResult) -> Option<Finding<'_>> {
    let (rule, level) = match c.status {
        Status::Passed | Status::Skipped => return None,
        Status::Failed => (
            RuleId::Check(CheckRule::of_kind(&c.kind)),
            Level::of_severity(c.severity),
        ),
        Status::Error => (RuleId::Infrastructure, Level::Error),
    };
    let name = flat(c.id.rsplit_once("::").map_or(c.id.as_str(), |(_, n)| n));
    let message = match c.status {
        Status::Error => sentence(&format!(
            "Check {name} could not run: {}",
            c.db_error
                .as_ref()
                .map(|e| one_line(&e.message, 300))
                .unwrap_or_else(|| one_line(&c.message, 300))
        )),
        _ => {
            let mut m = format!("Check {name} failed: {}", one_line(&c.message, 300));
            let n = usize::try_from(c.violations).unwrap_or(usize::MAX);
            if !c.message.contains(&c.violations.to_string()) {
                let _ = write!(m, " ({})", count(n, "violating row"));
            }
            sentence(&m)
        }
    };
    let location = c
        .db_error
        .as_ref()
        .and_then(|e| e.location.clone())
        .unwrap_or_else(|| c.location.clone());
    Some(Finding {
        rule,
        level,
        status: c.status,
        source: Source::Check(c),
        subject: format!("check {name}"),
        title: one_line(&format!("{name}: {}", c.message), 200),
        message,
        // The body repeats the message as its first line; the message is already shown.
        body: {
            let body = text::check_body(c);
            match body.strip_prefix(c.message.trim()) {
                Some(rest) => rest.trim_start().to_string(),
                None => body,
            }
        },
        location: Some(location),
        key: format!("{}\0{}", rule.id(), c.id),
    })
}

/// `s` on one line: runs of whitespace (newlines included) become one space. Names go into
/// one-line titles and first sentences.
fn flat(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `text` as one sentence: first letter as written, ending with a period unless it already ends
/// with sentence punctuation.
fn sentence(text: &str) -> String {
    let t = text.trim();
    match t.chars().last() {
        Some('.' | '!' | '?' | '…') | None => t.to_string(),
        Some(_) => format!("{t}."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixture::sample_run;

    #[test]
    fn every_failure_and_warning_is_a_finding_in_report_order() {
        let run = sample_run();
        let f = findings(&run);
        let rules: Vec<String> = f.iter().map(|f| f.rule.id()).collect();
        assert_eq!(
            rules,
            [
                "migration/failed",
                "test/failed",
                "test/failed",
                "run/infrastructure",
                "check/unique",
                "check/sql",
                "run/infrastructure",
            ]
        );
        let levels: Vec<Level> = f.iter().map(|f| f.level).collect();
        assert_eq!(levels[5], Level::Warning, "a warning check stays a warning");
        assert!(f.iter().all(|f| f.message.ends_with('.')));
        assert_eq!(
            f[1].message,
            "Test \"order total adds tax\" failed: 1 of 1 expected rows differs from the actual rows."
        );
        assert_eq!(
            f[4].message,
            "Check orders.unique(id) failed: 2 rows of orders share an id."
        );
    }

    #[test]
    fn sql_errors_point_at_the_failing_character() {
        let run = sample_run();
        let f = findings(&run);
        let sql = f.iter().find(|f| f.subject.contains("monthly")).unwrap();
        assert_eq!(
            sql.location,
            Some(Location::new("sqltest/orders.yaml", 32, 19))
        );
        let migration = &f[0];
        assert_eq!(
            migration.location,
            Some(Location::new("db/migrations/002_rename.sql", 4, 8))
        );
    }

    #[test]
    fn fingerprints_ignore_lines_and_never_collide() {
        let run = sample_run();
        let mut moved = run.clone();
        moved.tests[1].location.line += 40;
        let a: Vec<String> = findings(&run).iter().map(|f| f.hash64()).collect();
        let b: Vec<String> = findings(&moved).iter().map(|f| f.hash64()).collect();
        assert_eq!(a, b);

        let mut twice = run.clone();
        twice.errors.push(twice.errors[0].clone());
        let f = findings(&twice);
        let mut hashes: Vec<String> = f.iter().map(|f| f.sha256()).collect();
        hashes.sort();
        hashes.dedup();
        assert_eq!(hashes.len(), f.len());
    }

    #[test]
    fn interrupted_runs_say_results_are_partial() {
        let mut run = sample_run();
        run.interrupted = true;
        let f = findings(&run);
        let last = f.last().unwrap();
        assert_eq!(last.rule, RuleId::Interrupted);
        assert!(last.message.contains("partial"));
    }

    #[test]
    fn rule_ids_are_unique_and_unknown_kinds_map_to_other() {
        let ids: Vec<String> = RuleId::all().iter().map(|r| r.id()).collect();
        let mut unique = ids.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), ids.len());
        assert_eq!(CheckRule::of_kind("row_count"), CheckRule::RowCount);
        assert_eq!(CheckRule::of_kind("brand_new"), CheckRule::Other);
    }
}
