//! Deciding a check from what was measured (thresholds: `max_violations` inclusive,
//! `max_violation_rate` against the rows considered), and writing its result and message.

use super::jobs::Subject;
use crate::dialect::{ExecError, SqlError};
use crate::project::CheckKind;
use crate::results::{CheckResult, DbError, Status};
use serde_json::{Map, Value};
use std::time::Duration;

/// What a check's queries found.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Measured {
    /// Violating rows.
    pub violations: u64,
    /// Rows considered (after `where`), where a table total exists.
    pub total: Option<u64>,
    pub detail: Detail,
}

/// Kind-specific findings, for the verdict of table-level checks and for messages.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Detail {
    Plain,
    /// `unique`: how many key values occur more than once.
    Duplicates {
        keys: u64,
    },
    /// `freshness`: the newest value as the engine shows it, and its age in seconds.
    Freshness {
        newest: Option<String>,
        age_secs: Option<f64>,
    },
}

impl Measured {
    pub fn rows(violations: u64, total: Option<u64>) -> Measured {
        Measured {
            violations,
            total,
            detail: Detail::Plain,
        }
    }
}

/// Whether the check passes.
pub(crate) fn passes(subject: &Subject, m: &Measured) -> bool {
    match (&subject.check, &m.detail) {
        (Some(CheckKind::RowCount { min, max }), _) => {
            let rows = m.total.unwrap_or(0);
            min.is_none_or(|min| rows >= min) && max.is_none_or(|max| rows <= max)
        }
        (Some(CheckKind::Freshness { max_age, .. }), Detail::Freshness { age_secs, .. }) => {
            age_secs.is_some_and(|age| age <= max_age.as_secs_f64())
        }
        _ => within_thresholds(subject, m.violations, m.total),
    }
}

/// `max_violations` (inclusive, default 0) and `max_violation_rate` (against the rows
/// considered; an empty table has rate 0).
fn within_thresholds(subject: &Subject, violations: u64, total: Option<u64>) -> bool {
    let by_count = match (subject.max_violations, subject.max_rate) {
        (Some(max), _) => violations <= max,
        (None, Some(_)) => true,
        (None, None) => violations == 0,
    };
    let by_rate = match (subject.max_rate, total) {
        (None, _) => true,
        (Some(rate), Some(total)) if total > 0 => violations as f64 / total as f64 <= rate,
        (Some(_), Some(_)) => true,
        // No total to divide by (a custom rule): only zero violations keep under any rate.
        (Some(_), None) => violations == 0,
    };
    by_count && by_rate
}

/// The result of a check that ran.
pub(crate) fn checked(
    subject: &Subject,
    m: &Measured,
    samples: Vec<Map<String, Value>>,
    duration: Duration,
    samples_error: Option<String>,
) -> CheckResult {
    let passed = passes(subject, m);
    let mut message = describe(subject, m, passed);
    if let Some(e) = samples_error {
        message.push_str(&format!(" (samples unavailable: {e})"));
    }
    let table_level = matches!(
        subject.check,
        Some(CheckKind::RowCount { .. } | CheckKind::Freshness { .. })
    );
    let rate = match (m.total, table_level) {
        (Some(t), false) if t > 0 => Some(m.violations as f64 / t as f64),
        _ => None,
    };
    CheckResult {
        status: if passed {
            Status::Passed
        } else {
            Status::Failed
        },
        violations: m.violations,
        total_rows: m.total,
        violation_rate: rate,
        message,
        samples: if passed { Vec::new() } else { samples },
        ..base(subject, duration)
    }
}

/// Passed without a scan because a constraint guarantees it.
pub(crate) fn guaranteed(subject: &Subject, by: &str) -> CheckResult {
    CheckResult {
        status: Status::Passed,
        message: format!("guaranteed by constraint {by}"),
        guaranteed_by: Some(by.to_string()),
        ..base(subject, Duration::ZERO)
    }
}

/// A check that could not run at all (an infrastructure problem or an inconsistent catalogue).
pub(crate) fn broken(subject: &Subject, message: String) -> CheckResult {
    CheckResult {
        status: Status::Error,
        message,
        ..base(subject, Duration::ZERO)
    }
}

/// A check whose query failed. A statement the database refused fails the check (its SQL is
/// wrong or it tried to write); a lost connection is an error of the run.
pub(crate) fn errored(subject: &Subject, err: &ExecError, duration: Duration) -> CheckResult {
    match err {
        ExecError::Sql(e) => CheckResult {
            status: Status::Failed,
            message: sql_failure(subject, e),
            db_error: Some(DbError {
                message: e.message.clone(),
                sqlstate: e.sqlstate.clone(),
                detail: e.detail.clone(),
                hint: e.hint.clone(),
                location: Some(subject.sql_location.clone()),
            }),
            ..base(subject, duration)
        },
        ExecError::Connection(m) => CheckResult {
            status: Status::Error,
            message: format!("lost the database connection: {m}"),
            ..base(subject, duration)
        },
    }
}

/// Whether the database refused a write because the session is read-only.
pub(crate) fn is_read_only_refusal(e: &SqlError) -> bool {
    e.sqlstate.as_deref() == Some("25006")
        || e.message.contains("attempt to write a readonly database")
        || e.message.contains("read-only transaction")
}

fn sql_failure(subject: &Subject, e: &SqlError) -> String {
    let what = if subject.check.is_none() {
        "the rule"
    } else {
        "the check"
    };
    if is_read_only_refusal(e) {
        format!(
            "{what} tried to change data, but rules run read-only: {}",
            e.message
        )
    } else if e.sqlstate.as_deref() == Some("57014") {
        format!("{what} ran past the statement timeout: {}", e.message)
    } else {
        format!("{what}'s query failed: {}", e.message)
    }
}

fn base(subject: &Subject, duration: Duration) -> CheckResult {
    CheckResult {
        id: subject.id.clone(),
        kind: subject.kind.to_string(),
        table: subject.table.clone(),
        spec: subject.spec.clone(),
        location: subject.location.clone(),
        severity: subject.severity,
        status: Status::Passed,
        duration_secs: duration.as_secs_f64(),
        violations: 0,
        total_rows: None,
        violation_rate: None,
        message: String::new(),
        samples: Vec::new(),
        guaranteed_by: None,
        db_error: None,
        skip_reason: None,
    }
}

fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn of_rows(m: &Measured) -> String {
    match m.total {
        Some(t) => format!("{} of {}", m.violations, plural(t, "row", "rows")),
        None => plural(m.violations, "row", "rows"),
    }
}

fn percent(rate: f64) -> String {
    let p = rate * 100.0;
    if p == p.trunc() {
        format!("{p:.0}%")
    } else {
        format!("{p:.2}%")
    }
}

fn one_line(text: &str) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() > 80 {
        format!("{}…", flat.chars().take(79).collect::<String>())
    } else {
        flat
    }
}

fn bound(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn age(secs: f64) -> String {
    let d = Duration::from_secs(secs.max(0.0).round() as u64);
    humantime::format_duration(d).to_string()
}

/// One sentence for people.
fn describe(subject: &Subject, m: &Measured, passed: bool) -> String {
    let table = subject.table.clone().unwrap_or_default();
    let v = m.violations;
    match &subject.check {
        Some(CheckKind::RowCount { min, max }) => {
            let rows = m.total.unwrap_or(0);
            let expected = match (min, max) {
                (Some(a), Some(b)) => format!("between {a} and {b}"),
                (Some(a), None) => format!("at least {a}"),
                (None, Some(b)) => format!("at most {b}"),
                (None, None) => "any number".into(),
            };
            if passed {
                format!("{table} has {}", plural(rows, "row", "rows"))
            } else {
                format!(
                    "{table} has {}, expected {expected}",
                    plural(rows, "row", "rows")
                )
            }
        }
        Some(CheckKind::Freshness { column, max_age }) => {
            let allowed = humantime::format_duration(*max_age);
            match &m.detail {
                Detail::Freshness { newest: None, .. } => {
                    format!("no {column} value to judge freshness by")
                }
                Detail::Freshness {
                    newest: Some(n),
                    age_secs: None,
                } => {
                    format!("the newest {column} ({n}) cannot be read as a timestamp")
                }
                Detail::Freshness {
                    newest: Some(n),
                    age_secs: Some(a),
                } if passed => {
                    format!(
                        "the newest {column} ({n}) is {} old, within {allowed}",
                        age(*a)
                    )
                }
                Detail::Freshness {
                    newest: Some(n),
                    age_secs: Some(a),
                } => {
                    format!(
                        "the newest {column} ({n}) is {} old, older than {allowed}",
                        age(*a)
                    )
                }
                Detail::Plain | Detail::Duplicates { .. } => {
                    format!("no {column} value to judge freshness by")
                }
            }
        }
        _ if passed => {
            if v == 0 {
                "no violations".into()
            } else {
                format!(
                    "{}, within the threshold{}",
                    plural(v, "violation", "violations"),
                    threshold(subject)
                )
            }
        }
        check => {
            let what = match check {
                Some(CheckKind::NotNull { columns }) => {
                    format!("{} with NULL in {}", of_rows(m), columns.join(" or "))
                }
                Some(CheckKind::Unique { columns }) => {
                    let key = if columns.len() == 1 {
                        columns[0].clone()
                    } else {
                        format!("({})", columns.join(", "))
                    };
                    let keys = match m.detail {
                        Detail::Duplicates { keys } => format!(
                            " ({})",
                            plural(keys, "duplicated value", "duplicated values")
                        ),
                        Detail::Plain | Detail::Freshness { .. } => String::new(),
                    };
                    format!(
                        "{} share their {key} with another row{keys}",
                        plural(v, "row", "rows")
                    )
                }
                Some(CheckKind::AcceptedValues { column, .. }) => {
                    format!("{} with {column} outside the accepted values", of_rows(m))
                }
                Some(CheckKind::Range { column, min, max }) => {
                    let range = match (min, max) {
                        (Some(a), Some(b)) => format!("outside [{}, {}]", bound(a), bound(b)),
                        (Some(a), None) => format!("below {}", bound(a)),
                        (None, Some(b)) => format!("above {}", bound(b)),
                        (None, None) => "out of range".into(),
                    };
                    format!("{} with {column} {range}", of_rows(m))
                }
                Some(CheckKind::Matches { column, pattern }) => {
                    format!("{} with {column} not matching /{pattern}/", of_rows(m))
                }
                Some(CheckKind::References {
                    column,
                    to_table,
                    to_column,
                }) => {
                    format!(
                        "{} with {column} not found in {to_table}.{to_column}",
                        of_rows(m)
                    )
                }
                Some(CheckKind::Expression { predicate }) => {
                    format!("{} violate `{}`", of_rows(m), one_line(predicate))
                }
                Some(CheckKind::RowCount { .. } | CheckKind::Freshness { .. }) => of_rows(m),
                None => format!("the rule returned {}", plural(v, "row", "rows")),
            };
            format!("{what}{}", exceeded(subject, m))
        }
    }
}

fn threshold(subject: &Subject) -> String {
    match (subject.max_violations, subject.max_rate) {
        (Some(n), _) => format!(" of {n}"),
        (None, Some(r)) => format!(" of {}", percent(r)),
        (None, None) => String::new(),
    }
}

fn exceeded(subject: &Subject, m: &Measured) -> String {
    match (subject.max_violations, subject.max_rate, m.total) {
        (Some(n), _, _) if n > 0 => format!(", more than the {n} allowed"),
        (_, Some(r), Some(t)) if t > 0 => {
            format!(
                " ({} of rows, above the {} allowed)",
                percent(m.violations as f64 / t as f64),
                percent(r)
            )
        }
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Location;
    use crate::project::Severity;

    fn subject(
        check: Option<CheckKind>,
        max_violations: Option<u64>,
        max_rate: Option<f64>,
    ) -> Subject {
        Subject {
            id: "s.yaml::orders.x".into(),
            kind: "not_null",
            table: Some("orders".into()),
            spec: "s.yaml".into(),
            location: Location::new("s.yaml", 3, 5),
            severity: Severity::Error,
            max_violations,
            max_rate,
            check,
            sql_location: Location::new("s.yaml", 3, 5),
        }
    }

    fn not_null() -> Option<CheckKind> {
        Some(CheckKind::NotNull {
            columns: vec!["note".into()],
        })
    }

    #[test]
    fn max_violations_is_inclusive() {
        let s = subject(not_null(), Some(2), None);
        assert!(passes(&s, &Measured::rows(2, Some(10))));
        assert!(!passes(&s, &Measured::rows(3, Some(10))));
        assert!(!passes(
            &subject(not_null(), None, None),
            &Measured::rows(1, Some(10))
        ));
    }

    #[test]
    fn rates_divide_by_the_rows_considered() {
        let s = subject(not_null(), None, Some(0.1));
        assert!(passes(&s, &Measured::rows(10, Some(100))));
        assert!(!passes(&s, &Measured::rows(11, Some(100))));
        assert!(passes(&s, &Measured::rows(0, Some(0))));
    }

    #[test]
    fn row_count_and_freshness_judge_the_table() {
        let rc = subject(
            Some(CheckKind::RowCount {
                min: Some(1),
                max: Some(3),
            }),
            None,
            None,
        );
        assert!(!passes(&rc, &Measured::rows(0, Some(0))));
        assert!(passes(&rc, &Measured::rows(0, Some(3))));
        let fresh = subject(
            Some(CheckKind::Freshness {
                column: "at".into(),
                max_age: Duration::from_secs(3600),
            }),
            None,
            None,
        );
        let m = |age: Option<f64>| Measured {
            violations: 0,
            total: Some(1),
            detail: Detail::Freshness {
                newest: Some("x".into()),
                age_secs: age,
            },
        };
        assert!(passes(&fresh, &m(Some(3599.0))));
        assert!(!passes(&fresh, &m(Some(3601.0))));
        assert!(!passes(&fresh, &m(None)));
    }

    #[test]
    fn failure_messages_say_what_and_how_much() {
        let s = subject(not_null(), Some(1), None);
        let r = checked(
            &s,
            &Measured::rows(3, Some(10)),
            vec![],
            Duration::ZERO,
            None,
        );
        assert_eq!(r.status, Status::Failed);
        assert_eq!(
            r.message,
            "3 of 10 rows with NULL in note, more than the 1 allowed"
        );
        assert_eq!(r.violation_rate, Some(0.3));
        let ok = checked(
            &s,
            &Measured::rows(1, Some(10)),
            vec![Map::new()],
            Duration::ZERO,
            None,
        );
        assert_eq!(ok.message, "1 violation, within the threshold of 1");
        assert!(ok.samples.is_empty(), "a passing check carries no samples");
    }
}
