//! Plain-text pieces shared by the renderers: one-line messages, bounded bodies, database errors,
//! violation samples and durations. Kept in one place so JUnit and the terminal say the same thing.

use crate::results::{CheckResult, DbError, Failure, MigrationResult, ScriptKind, Status};
use std::fmt::Write as _;
use std::time::Duration;

/// The first line of `text`, trimmed and cut to at most `max_chars` characters (with `…`).
///
/// Annotation titles, `failure@message` and one-line summaries must not spill over lines.
pub(crate) fn one_line(text: &str, max_chars: usize) -> String {
    let first = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
    let more_lines = text.trim().lines().count() > 1;
    if first.chars().count() > max_chars {
        let cut: String = first.chars().take(max_chars.saturating_sub(1)).collect();
        format!("{}…", cut.trim_end())
    } else if more_lines && !first.ends_with('…') {
        // Say that there is more, so a reader looks at the body.
        format!("{first} …")
    } else {
        first.to_string()
    }
}

/// `text` cut to at most `max_lines` lines and `max_chars` characters, with a closing note saying
/// how much was left out. Bodies (diffs, samples) can be huge; reports must stay small.
pub(crate) fn bounded(text: &str, max_lines: usize, max_chars: usize) -> String {
    let total_lines = text.lines().count();
    let mut out = String::new();
    let mut kept_lines = 0;
    let mut used_chars = 0;
    for line in text.lines() {
        let cost = line.chars().count() + 1;
        if kept_lines == max_lines || used_chars + cost > max_chars {
            break;
        }
        out.push_str(line);
        out.push('\n');
        kept_lines += 1;
        used_chars += cost;
    }
    if kept_lines < total_lines {
        let left = total_lines - kept_lines;
        let _ = writeln!(
            out,
            "… {left} more line{} not shown (see the JSON report)",
            plural(left)
        );
    }
    while out.ends_with('\n') {
        out.pop();
    }
    out
}

/// `"s"` unless `n` is 1.
pub(crate) fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// `n noun` or `n nouns`.
pub(crate) fn count(n: usize, noun: &str) -> String {
    format!("{n} {noun}{}", plural(n))
}

/// A duration read from the results (seconds as `f64`); negative, NaN or huge values (from a
/// hand-edited JSON file) become zero instead of panicking in `Duration::from_secs_f64`.
pub(crate) fn secs(value: f64) -> Duration {
    Duration::try_from_secs_f64(value).unwrap_or(Duration::ZERO)
}

/// A database error as indented lines:
/// ```text
/// database error 42P01: relation "orderz" does not exist
///   at sqltest/orders.yaml:14:15
///   detail: …
///   hint: …
/// ```
pub(crate) fn db_error_text(e: &DbError) -> String {
    let mut out = String::from("database error");
    if let Some(code) = &e.sqlstate {
        let _ = write!(out, " {code}");
    }
    let _ = write!(out, ": {}", e.message.trim());
    if let Some(location) = &e.location {
        let _ = write!(out, "\n  at {location}");
    }
    if let Some(detail) = &e.detail {
        let _ = write!(out, "\n  detail: {}", detail.trim());
    }
    if let Some(hint) = &e.hint {
        let _ = write!(out, "\n  hint: {}", hint.trim());
    }
    out
}

/// The full explanation of a test failure: details (expected, actual, diff), then the database
/// error if there was one.
pub(crate) fn failure_body(f: &Failure) -> String {
    let mut parts = Vec::new();
    if let Some(details) = &f.details {
        parts.push(details.trim_end().to_string());
    }
    if let Some(e) = &f.db_error {
        parts.push(db_error_text(e));
    }
    parts.join("\n")
}

/// One violating row as a YAML-like flow map, `{id: 3, email: "a@b"}`: the same notation spec
/// files use, and values keep their JSON types (strings quoted, `null` bare). A column name
/// other than letters, digits and `_` is quoted (`"first name": 1`), so the map stays one.
pub(crate) fn sample_text(row: &serde_json::Map<String, serde_json::Value>) -> String {
    let fields: Vec<String> = row
        .iter()
        .map(|(k, v)| {
            let plain = !k.is_empty() && k.chars().all(|c| c.is_alphanumeric() || c == '_');
            if plain {
                format!("{k}: {v}")
            } else {
                format!("{}: {v}", serde_json::Value::from(k.as_str()))
            }
        })
        .collect();
    format!("{{{}}}", fields.join(", "))
}

/// How many rows violated a check, with the share of rows considered when known.
pub(crate) fn violations_text(c: &CheckResult) -> String {
    let mut out = count(
        usize::try_from(c.violations).unwrap_or(usize::MAX),
        "violating row",
    );
    if let Some(total) = c.total_rows {
        let _ = write!(out, " of {total}");
        if let Some(rate) = c.violation_rate.filter(|r| r.is_finite()) {
            let _ = write!(out, " ({:.2}%)", rate * 100.0);
        }
    }
    out
}

/// The full explanation of a failed check: violations, samples, then the database error. A check
/// that could not run ([`Status::Error`]) has no meaningful count, so none is shown.
pub(crate) fn check_body(c: &CheckResult) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}", c.message.trim());
    if c.status != Status::Error {
        let _ = writeln!(out, "{}", violations_text(c));
    }
    if !c.samples.is_empty() {
        let _ = writeln!(out, "samples:");
        for row in &c.samples {
            let _ = writeln!(out, "  {}", sample_text(row));
        }
    }
    if let Some(e) = &c.db_error {
        let _ = writeln!(out, "{}", db_error_text(e));
    }
    out.trim_end().to_string()
}

/// The full explanation of a failed migration or seed.
pub(crate) fn migration_body(m: &MigrationResult) -> String {
    match &m.error {
        Some(e) => db_error_text(e),
        None => format!("the {} {} did not apply", script_noun(m.kind), m.path),
    }
}

/// `migration` or `seed`.
pub(crate) fn script_noun(kind: ScriptKind) -> &'static str {
    match kind {
        ScriptKind::Migration => "migration",
        ScriptKind::Seed => "seed",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_keeps_the_first_non_empty_line_and_marks_the_rest() {
        assert_eq!(one_line("\n  rows differ  \nmore", 80), "rows differ …");
        assert_eq!(one_line("short", 80), "short");
        assert_eq!(one_line("abcdefghij", 5), "abcd…");
        assert_eq!(one_line("", 5), "");
    }

    #[test]
    fn bounded_cuts_lines_and_says_how_many_were_dropped() {
        let text = (1..=10)
            .map(|i| format!("line {i}"))
            .collect::<Vec<_>>()
            .join("\n");
        let cut = bounded(&text, 3, 10_000);
        assert!(cut.starts_with("line 1\nline 2\nline 3\n"));
        assert!(cut.ends_with("7 more lines not shown (see the JSON report)"));
        assert!(!cut.contains("line 4"));
        let by_chars = bounded(&text, 100, 15);
        assert!(by_chars.starts_with("line 1\nline 2\n…"), "{by_chars}");
        assert_eq!(bounded("a\nb", 5, 100), "a\nb");
    }

    #[test]
    fn secs_never_panics_on_bad_numbers() {
        assert_eq!(secs(-1.0), Duration::ZERO);
        assert_eq!(secs(f64::NAN), Duration::ZERO);
        assert_eq!(secs(f64::INFINITY), Duration::ZERO);
        assert_eq!(secs(0.25), Duration::from_millis(250));
    }

    #[test]
    fn samples_read_like_spec_flow_maps() {
        let row: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(r#"{"id": 3, "email": "a@b", "note": null}"#).unwrap();
        assert_eq!(sample_text(&row), r#"{id: 3, email: "a@b", note: null}"#);
        let odd: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(r#"{"first name": 1, "prénom": 2, "a\"b": 3, "x:y": 4}"#).unwrap();
        assert_eq!(
            sample_text(&odd),
            r#"{"first name": 1, prénom: 2, "a\"b": 3, "x:y": 4}"#
        );
    }
}
