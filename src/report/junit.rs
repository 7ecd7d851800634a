//! The JUnit XML report, written with quick-junit and valid against the Jenkins xunit-plugin
//! `junit-10.xsd` (<https://github.com/jenkinsci/xunit-plugin/blob/master/src/main/resources/org/jenkinsci/plugins/xunit/types/model/xsd/junit-10.xsd>),
//! the schema GitLab, Jenkins and the GitHub test-report actions accept.
//!
//! Layout (see `CI-FACTS.md` §5):
//! - a `migrations` testsuite first: one testcase per migration or seed
//!   (`classname` `sqltest.migrations` or `sqltest.seeds`, `name` the file path). A migration that
//!   does not apply is a `<failure>` (a broken migration is a failed check of the PR);
//! - one testsuite per spec file (`name` = the spec path) holding its tests and then its checks,
//!   `classname` = `sqltest.<spec path>`, `name` = the test name or the check id after `::`;
//! - a `run` testsuite, only when the run had infrastructure errors or was interrupted, so a JUnit
//!   consumer never shows a broken run as green.
//!
//! `<failure>` means the item ran and found a problem; `<error>` means infrastructure trouble
//! ([`Status::Error`]); `<skipped message=…>` carries the reason. A failed check of severity
//! warning or info is still a `<failure>` (it is a finding), its message starts with the severity.
//! Each testcase has `file` (repo-relative) and `line`, `time` is in seconds; `failure@message` is
//! one line, `failure@type` the failure kind or check kind, and the body (diff, violating rows,
//! database error) is bounded in size. Suite properties: engine, backend, server version, the
//! migration head (version of the last migration applied) and the sqltest version.

use super::text::{self, bounded, one_line};
use crate::project::Severity;
use crate::results::{
    CheckResult, FailureKind, MigrationResult, RunResults, ScriptKind, Status, TestResult,
};
use camino::Utf8PathBuf;
use indexmap::IndexMap;
use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
use std::collections::HashSet;

/// Longest `message` attribute, in characters.
const MAX_MESSAGE_CHARS: usize = 500;
/// Longest failure body, in lines and characters: enough for a diff or the sample rows, small
/// enough that hundreds of failures stay far below GitLab's 30 MB per file.
const MAX_BODY_LINES: usize = 200;
const MAX_BODY_CHARS: usize = 16_000;

/// The run as a JUnit XML document.
pub fn render_junit(r: &RunResults) -> String {
    let mut report = Report::new("sqltest");
    report.set_time(text::secs(r.duration_secs));
    // The XSD allows no `timestamp` on <testsuites>; it goes on every <testsuite> instead.
    let timestamp = r.started_at.fixed_offset();
    let mut names = UniqueNames::default();

    let mut suites = Vec::new();
    if !r.migrations.is_empty() {
        let mut suite = TestSuite::new("migrations");
        suite.add_test_cases(r.migrations.iter().map(|m| migration_case(m, &mut names)));
        suites.push(suite);
    }
    if !r.findings.is_empty() {
        suites.push(findings_suite(r, &mut names));
    }
    let mut by_spec: IndexMap<&Utf8PathBuf, (Vec<&TestResult>, Vec<&CheckResult>)> =
        IndexMap::new();
    for t in &r.tests {
        by_spec.entry(&t.spec).or_default().0.push(t);
    }
    for c in &r.checks {
        by_spec.entry(&c.spec).or_default().1.push(c);
    }
    for (spec, (tests, checks)) in by_spec {
        let mut suite = TestSuite::new(spec.as_str());
        suite.extra.insert("file".into(), spec.as_str().into());
        // Tests first so their names stay as written; a check whose name collides is renamed.
        suite.add_test_cases(tests.into_iter().map(|t| test_case(t, &mut names)));
        suite.add_test_cases(checks.into_iter().map(|c| check_case(c, &mut names)));
        suites.push(suite);
    }
    if !r.errors.is_empty() || r.interrupted {
        suites.push(run_suite(r, &mut names));
    }

    // The schema version the database reached: the last migration that applied.
    let migration_head = r
        .migrations
        .iter()
        .rev()
        .find(|m| m.kind == ScriptKind::Migration && m.status == Status::Passed)
        .and_then(|m| m.version.clone());
    for suite in &mut suites {
        suite.set_timestamp(timestamp);
        suite.add_property(("engine", r.project.engine.as_str()));
        suite.add_property(("backend", r.project.backend.as_str()));
        if let Some(version) = &r.project.server_version {
            suite.add_property(("server_version", version.as_str()));
        }
        if let Some(head) = &migration_head {
            suite.add_property(("migration_head", head.as_str()));
        }
        suite.add_property(("sqltest_version", r.tool.version.as_str()));
        // The time of a suite is the sum of its items; quick-junit leaves it unset otherwise.
        let total: f64 = suite
            .test_cases
            .iter()
            .filter_map(|c| c.time)
            .map(|d| d.as_secs_f64())
            .sum();
        suite.set_time(text::secs(total));
    }
    report.add_test_suites(suites);

    // quick-junit writes to an in-memory buffer here, which cannot fail; its only other error is
    // invalid UTF-8, impossible since every string it holds came from a Rust `String`.
    let xml = report
        .to_string()
        .expect("writing JUnit XML to memory cannot fail");
    drop_root_skipped(&xml)
}

/// quick-junit always writes `skipped="N"` on the root `<testsuites>`, but junit-10.xsd declares
/// only name, time, tests, failures and errors there and rejects it. Every `<testsuite>` carries
/// its own `skipped` count (allowed there), so nothing is lost by removing the root one.
fn drop_root_skipped(xml: &str) -> String {
    let Some(start) = xml.find("<testsuites ") else {
        return xml.to_string();
    };
    let Some(len) = xml[start..].find('>') else {
        return xml.to_string();
    };
    let root = &xml[start..start + len];
    // Counts are plain digits, and `name` is ours ("sqltest"), so this matches exactly one
    // attribute, never text inside another attribute's value.
    let Some(at) = root.find(" skipped=\"") else {
        return xml.to_string();
    };
    let value_start = at + " skipped=\"".len();
    let Some(value_len) = root[value_start..].find('"') else {
        return xml.to_string();
    };
    let attr_end = value_start + value_len + 1;
    format!(
        "{}{}{}",
        &xml[..start + at],
        &root[attr_end..],
        &xml[start + len..]
    )
}

/// Keeps `(classname, name)` unique: GitLab keeps only the first of duplicates, so a check that
/// shares a name with a test of the same file would vanish from its report.
#[derive(Default)]
struct UniqueNames {
    seen: HashSet<(String, String)>,
}

impl UniqueNames {
    fn claim(&mut self, classname: &str, name: &str, marker: &str) -> String {
        let mut candidate = name.to_string();
        let mut n = 1;
        while !self.seen.insert((classname.to_string(), candidate.clone())) {
            n += 1;
            candidate = if n == 2 {
                format!("{name} [{marker}]")
            } else {
                format!("{name} [{marker} {n}]")
            };
        }
        candidate
    }
}

fn new_case(
    names: &mut UniqueNames,
    classname: String,
    name: &str,
    marker: &str,
    status: TestCaseStatus,
) -> TestCase {
    let name = names.claim(&classname, name, marker);
    let mut case = TestCase::new(name, status);
    case.set_classname(classname);
    case
}

fn set_location(case: &mut TestCase, file: &str, line: u32) {
    // junit-10.xsd (as shipped in shared/schemas, with the local change CI-FACTS.md describes)
    // allows `file` and `line` on <testcase>; GitHub reporters need both for annotations, so
    // every case has both, line 1 when nothing more precise is known.
    case.extra.insert("file".into(), file.into());
    case.extra.insert("line".into(), line.to_string().into());
}

fn non_success(kind: NonSuccessKind, message: &str, ty: &str, body: &str) -> TestCaseStatus {
    let mut status = TestCaseStatus::non_success(kind);
    status.set_message(one_line(message, MAX_MESSAGE_CHARS));
    status.set_type(ty);
    let body = bounded(body, MAX_BODY_LINES, MAX_BODY_CHARS);
    if !body.is_empty() {
        status.set_description(body);
    }
    status
}

fn skipped(reason: Option<&str>) -> TestCaseStatus {
    let mut status = TestCaseStatus::skipped();
    if let Some(reason) = reason {
        status.set_message(one_line(reason, MAX_MESSAGE_CHARS));
    }
    status
}

fn migration_case(m: &MigrationResult, names: &mut UniqueNames) -> TestCase {
    let noun = text::script_noun(m.kind);
    let message = || match &m.error {
        Some(e) => match &e.sqlstate {
            Some(code) => format!("{noun} failed: {} [{code}]", e.message),
            None => format!("{noun} failed: {}", e.message),
        },
        None => format!("{noun} failed"),
    };
    let status = match m.status {
        Status::Passed => TestCaseStatus::success(),
        Status::Failed => non_success(
            NonSuccessKind::Failure,
            &message(),
            noun,
            &text::migration_body(m),
        ),
        Status::Error => non_success(
            NonSuccessKind::Error,
            &message(),
            noun,
            &text::migration_body(m),
        ),
        Status::Skipped => skipped(m.skip_reason.as_deref()),
    };
    let classname = match m.kind {
        ScriptKind::Migration => "sqltest.migrations",
        ScriptKind::Seed => "sqltest.seeds",
    };
    let mut case = new_case(names, classname.into(), m.path.as_str(), noun, status);
    case.set_time(text::secs(m.duration_secs));
    // The failing statement's line when the database pointed into this very file.
    let line = m
        .error
        .as_ref()
        .and_then(|e| e.location.as_ref())
        .filter(|l| l.path == m.path);
    set_location(&mut case, m.path.as_str(), line.map_or(1, |l| l.line));
    case
}

fn failure_kind_name(kind: FailureKind) -> &'static str {
    match kind {
        FailureKind::RowsMismatch => "rows_mismatch",
        FailureKind::CountMismatch => "count_mismatch",
        FailureKind::ErrorExpected => "error_expected",
        FailureKind::WrongError => "wrong_error",
        FailureKind::SqlError => "sql_error",
        FailureKind::Timeout => "timeout",
    }
}

fn test_case(t: &TestResult, names: &mut UniqueNames) -> TestCase {
    let problem = |kind: NonSuccessKind, fallback: &str| match &t.failure {
        Some(f) => {
            let message = match f.db_error.as_ref().and_then(|e| e.sqlstate.as_ref()) {
                Some(code) if !f.message.contains(code.as_str()) => {
                    format!("{} [{code}]", f.message)
                }
                _ => f.message.clone(),
            };
            non_success(
                kind,
                &message,
                failure_kind_name(f.kind),
                &text::failure_body(f),
            )
        }
        None => non_success(kind, fallback, fallback, ""),
    };
    let status = match t.status {
        Status::Passed => TestCaseStatus::success(),
        Status::Failed => problem(NonSuccessKind::Failure, "failed"),
        Status::Error => problem(NonSuccessKind::Error, "error"),
        Status::Skipped => skipped(t.skip_reason.as_deref()),
    };
    let mut case = new_case(
        names,
        format!("sqltest.{}", t.spec),
        &t.name,
        "test",
        status,
    );
    case.set_time(text::secs(t.duration_secs));
    set_location(&mut case, t.location.path.as_str(), t.location.line);
    case
}

/// The part of a check id after `<spec path>::`.
fn check_tail(c: &CheckResult) -> &str {
    let prefix = format!("{}::", c.spec);
    c.id.strip_prefix(&prefix).unwrap_or(&c.id)
}

fn check_case(c: &CheckResult, names: &mut UniqueNames) -> TestCase {
    let message = || match c.severity {
        Severity::Error => c.message.clone(),
        Severity::Warning => format!("warning: {}", c.message),
        Severity::Info => format!("info: {}", c.message),
    };
    let status = match c.status {
        Status::Passed => TestCaseStatus::success(),
        Status::Failed => non_success(
            NonSuccessKind::Failure,
            &message(),
            &c.kind,
            &text::check_body(c),
        ),
        Status::Error => {
            let message = match &c.db_error {
                Some(e) => format!("check could not run: {}", e.message),
                None => message(),
            };
            non_success(
                NonSuccessKind::Error,
                &message,
                &c.kind,
                &text::check_body(c),
            )
        }
        Status::Skipped => skipped(c.skip_reason.as_deref()),
    };
    let mut case = new_case(
        names,
        format!("sqltest.{}", c.spec),
        check_tail(c),
        "check",
        status,
    );
    case.set_time(text::secs(c.duration_secs));
    set_location(&mut case, c.location.path.as_str(), c.location.line);
    case
}

fn run_suite(r: &RunResults, names: &mut UniqueNames) -> TestSuite {
    let mut suite = TestSuite::new("run");
    for (i, error) in r.errors.iter().enumerate() {
        let status = non_success(NonSuccessKind::Error, error, "infrastructure", error);
        let name = format!("infrastructure error {}", i + 1);
        let mut case = new_case(names, "sqltest.run".into(), &name, "run", status);
        set_location(&mut case, r.project.config.as_str(), 1);
        suite.add_test_case(case);
    }
    if r.interrupted {
        let message = "the run was interrupted; results are partial";
        let status = non_success(NonSuccessKind::Error, message, "interrupted", "");
        let mut case = new_case(names, "sqltest.run".into(), "interrupted", "run", status);
        set_location(&mut case, r.project.config.as_str(), 1);
        suite.add_test_case(case);
    }
    suite
}

/// One testcase per finding about the change's migrations: a failure when its severity is
/// error (and it is not allowed), a passing case carrying the message otherwise.
fn findings_suite(r: &RunResults, names: &mut UniqueNames) -> TestSuite {
    let mut suite = TestSuite::new("migration findings");
    for f in &r.findings {
        let body = f.details.as_deref().unwrap_or_default();
        let status = if f.fails(crate::project::Severity::Error) {
            non_success(NonSuccessKind::Failure, &f.message, &f.rule, body)
        } else {
            TestCaseStatus::success()
        };
        let classname = format!("sqltest.{}", f.category.as_str());
        let mut case = new_case(names, classname, &f.id, &f.rule, status);
        if !f.fails(crate::project::Severity::Error) {
            let level = if f.suppressed.is_some() {
                "allowed"
            } else {
                f.severity.as_str()
            };
            case.set_system_out(format!("{level}: {}", f.message));
        }
        match &f.location {
            Some(l) => set_location(&mut case, l.path.as_str(), l.line),
            None => set_location(&mut case, r.project.config.as_str(), 1),
        }
        suite.add_test_case(case);
    }
    suite
}

#[cfg(test)]
#[path = "junit_tests.rs"]
mod tests;
