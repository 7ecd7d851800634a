//! Pieces the Markdown and HTML reports share: the verdict and headline of a run, the counts table,
//! human durations, and the minijinja environment holding the embedded templates.

use super::findings::{Finding, Level};
use super::text::{count, secs};
use crate::results::{Counts, RunResults};
use minijinja::Environment;
use serde::Serialize;
use std::sync::LazyLock;

/// The overall verdict a reader sees first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Verdict {
    /// Nothing failed.
    Passed,
    /// Only warnings or notes: rule checks below the default `--fail-on error`.
    Warnings,
    /// A migration, a test or an error-severity rule failed, or infrastructure trouble.
    Failed,
}

impl Verdict {
    pub(crate) fn of(findings: &[Finding]) -> Verdict {
        if findings.iter().any(|f| f.level == Level::Error) {
            Verdict::Failed
        } else if findings.is_empty() {
            Verdict::Passed
        } else {
            Verdict::Warnings
        }
    }

    pub(crate) fn icon(self) -> &'static str {
        match self {
            Verdict::Passed => "✅",
            Verdict::Warnings => "⚠️",
            Verdict::Failed => "❌",
        }
    }
}

/// `3 failed · 1 warning · 1 error · 12 passed · 2 skipped` (zero counts left out), or
/// `all 12 passed` / `nothing ran`.
pub(crate) fn headline(r: &RunResults, findings: &[Finding]) -> String {
    let s = r.summary();
    let items = [s.migrations, s.tests, s.checks];
    let passed: usize = items.iter().map(|c| c.passed).sum();
    let skipped: usize = items.iter().map(|c| c.skipped).sum();
    let errors: usize = items.iter().map(|c| c.errors).sum::<usize>() + r.errors.len();
    let failed = s.migrations.failed + s.tests.failed + s.failed_errors;
    let mut parts = Vec::new();
    if failed > 0 {
        parts.push(format!("{failed} failed"));
    }
    if s.failed_warnings > 0 {
        parts.push(count(s.failed_warnings, "warning"));
    }
    if s.failed_infos > 0 {
        parts.push(count(s.failed_infos, "note"));
    }
    if errors > 0 {
        parts.push(count(errors, "error"));
    }
    if parts.is_empty() && skipped == 0 {
        return if passed == 0 {
            "nothing ran".into()
        } else {
            format!("all {passed} passed")
        };
    }
    if passed > 0 {
        parts.push(format!("{passed} passed"));
    }
    if skipped > 0 {
        parts.push(format!("{skipped} skipped"));
    }
    let mut line = parts.join(" · ");
    if findings
        .iter()
        .any(|f| f.rule == super::findings::RuleId::Interrupted)
    {
        line.push_str(" · interrupted, results are partial");
    }
    line
}

/// One row of the counts table.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct CountRow {
    pub what: &'static str,
    pub passed: usize,
    pub failed: usize,
    pub skipped: usize,
    pub errors: usize,
    pub total: usize,
}

/// Migrations and seeds, unit tests, business rules (rows with no items left out).
pub(crate) fn count_rows(r: &RunResults) -> Vec<CountRow> {
    let s = r.summary();
    [
        ("Migrations and seeds", s.migrations),
        ("Unit tests", s.tests),
        ("Business rules", s.checks),
    ]
    .into_iter()
    .filter(|(_, c)| c.total() > 0)
    .map(|(what, c): (&'static str, Counts)| CountRow {
        what,
        passed: c.passed,
        failed: c.failed,
        skipped: c.skipped,
        errors: c.errors,
        total: c.total(),
    })
    .collect()
}

/// A duration for people: `11 ms`, `1.23 s`.
pub(crate) fn human_secs(value: f64) -> String {
    let d = secs(value);
    if d.as_millis() < 1000 {
        format!("{} ms", d.as_millis())
    } else {
        format!("{:.2} s", d.as_secs_f64())
    }
}

/// `Test`, `Check`, `Migration`, … for a finding's subject, capitalised for table cells.
pub(crate) fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Text as HTML content or a quoted attribute value.
pub(crate) fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const SUMMARY_MD: &str = include_str!("templates/summary.md.j2");
const REPORT_HTML: &str = include_str!("templates/report.html.j2");

static TEMPLATES: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    // Block tags on their own lines leave no blank lines behind; Markdown tables need that.
    if let Ok(syntax) = minijinja::syntax::SyntaxConfig::builder()
        .trim_blocks(true)
        .lstrip_blocks(true)
        .build()
    {
        env.set_syntax(syntax);
    }
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    // minijinja's HTML escaping also turns `/` into `&#x2f;`, which makes paths and URLs
    // unreadable in the page source; `&`, `<`, `>`, `"` and `'` are all that HTML needs.
    env.set_formatter(
        |out, state, value| match (state.auto_escape(), value.as_str()) {
            (minijinja::AutoEscape::Html, Some(s)) if !value.is_safe() => out
                .write_str(&escape_html(s))
                .map_err(minijinja::Error::from),
            _ => minijinja::escape_formatter(out, state, value),
        },
    );
    // The names choose auto-escaping: none for `.md`, HTML for `.html`.
    for (name, source) in [("summary.md", SUMMARY_MD), ("report.html", REPORT_HTML)] {
        if let Err(e) = env.add_template(name, source) {
            // Embedded templates are checked by the tests; keep the environment usable anyway.
            let _ = env.add_template_owned(name, format!("template {name} is broken: {e}"));
        }
    }
    env
});

/// Renders an embedded template with `view`. Templates are part of the binary and tested, so an
/// error is a bug; it is returned as the text of the report rather than a panic.
pub(crate) fn render_template(name: &str, view: &impl Serialize) -> String {
    TEMPLATES
        .get_template(name)
        .and_then(|t| t.render(minijinja::value::Serde(view)))
        .unwrap_or_else(|e| format!("sqltest could not render its {name} template: {e:#}\n"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::findings::findings;
    use crate::report::fixture::sample_run;

    #[test]
    fn headlines_count_what_matters() {
        let run = sample_run();
        let f = findings(&run);
        assert_eq!(Verdict::of(&f), Verdict::Failed);
        assert_eq!(
            headline(&run, &f),
            "4 failed · 1 warning · 2 errors · 3 passed · 3 skipped"
        );
        let mut clean = sample_run();
        clean.migrations.truncate(1);
        clean.tests.truncate(1);
        clean.checks.truncate(1);
        clean.errors.clear();
        let f = findings(&clean);
        assert_eq!(Verdict::of(&f), Verdict::Passed);
        assert_eq!(headline(&clean, &f), "all 3 passed");
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(human_secs(0.011), "11 ms");
        assert_eq!(human_secs(1.234), "1.23 s");
        assert_eq!(human_secs(f64::NAN), "0 ms");
    }
}
