//! Failures as check-run annotations (GitHub REST `output.annotations`,
//! <https://docs.github.com/en/rest/checks/runs#create-a-check-run>). When no check run can be
//! created, `report::render_github` prints the same failures as workflow commands instead.

use super::forge::{Annotation, AnnotationLevel};
use crate::Location;
use crate::project::Severity;
use crate::results::{RunResults, Status};
use camino::Utf8Path;

/// At most this many annotations are sent: beyond it a check run is unreadable anyway, and
/// every 50 cost a request. The summary still lists every failure.
pub const MAX_ANNOTATIONS: usize = 1_000;

/// GitHub limits `message` and `raw_details` to 64 KB and `title` to 255 characters.
const MESSAGE_LIMIT: usize = 60_000;
const TITLE_LIMIT: usize = 255;

fn clip(text: &str, max_bytes: usize) -> String {
    if text.len() <= max_bytes {
        return text.to_owned();
    }
    let mut cut = max_bytes.saturating_sub(3);
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}...", &text[..cut])
}

fn annotation(
    prefix: &Utf8Path,
    loc: &Location,
    level: AnnotationLevel,
    title: String,
    message: &str,
    details: Option<&str>,
) -> Annotation {
    let path = if prefix.as_str().is_empty() {
        loc.path.clone()
    } else {
        prefix.join(&loc.path)
    };
    Annotation {
        path: path.into_string(),
        start_line: loc.line,
        end_line: loc.line,
        start_column: Some(loc.column),
        end_column: Some(loc.column),
        level,
        title: clip(&title, TITLE_LIMIT),
        message: clip(
            if message.is_empty() {
                "failed"
            } else {
                message
            },
            MESSAGE_LIMIT,
        ),
        raw_details: details.map(|d| clip(d, MESSAGE_LIMIT)),
    }
}

fn level_of(severity: Severity) -> AnnotationLevel {
    match severity {
        Severity::Error => AnnotationLevel::Failure,
        Severity::Warning => AnnotationLevel::Warning,
        Severity::Info => AnnotationLevel::Notice,
    }
}

/// One annotation per failed migration, test and check (in that order), with paths made
/// repository-relative by `prefix`, at most [`MAX_ANNOTATIONS`].
pub fn annotations(results: &RunResults, prefix: &Utf8Path) -> Vec<Annotation> {
    let mut out = Vec::new();
    let failed = |s: Status| matches!(s, Status::Failed | Status::Error);
    for m in results.migrations.iter().filter(|m| failed(m.status)) {
        let loc = m
            .error
            .as_ref()
            .and_then(|e| e.location.clone())
            .unwrap_or_else(|| Location::file(m.path.clone()));
        let message = m
            .error
            .as_ref()
            .map_or("the migration failed", |e| e.message.as_str());
        let details = m.error.as_ref().and_then(|e| e.detail.as_deref());
        out.push(annotation(
            prefix,
            &loc,
            AnnotationLevel::Failure,
            format!("migration {} failed", m.path),
            message,
            details,
        ));
    }
    for t in results.tests.iter().filter(|t| failed(t.status)) {
        let (message, details) = match &t.failure {
            Some(f) => (f.message.as_str(), f.details.as_deref()),
            None => ("the test failed", None),
        };
        out.push(annotation(
            prefix,
            &t.location,
            AnnotationLevel::Failure,
            format!("test failed: {}", t.name),
            message,
            details,
        ));
    }
    for c in results.checks.iter().filter(|c| failed(c.status)) {
        let level = if c.status == Status::Error {
            AnnotationLevel::Failure
        } else {
            level_of(c.severity)
        };
        out.push(annotation(
            prefix,
            &c.location,
            level,
            format!("check failed: {}", c.id),
            &c.message,
            None,
        ));
    }
    out.truncate(MAX_ANNOTATIONS);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_messages_are_clipped_on_a_char_boundary() {
        let s = "é".repeat(40_000);
        let c = clip(&s, MESSAGE_LIMIT);
        assert!(c.len() <= MESSAGE_LIMIT && c.ends_with("..."));
    }
}
