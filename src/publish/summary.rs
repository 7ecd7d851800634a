//! The bodies sqltest publishes: the hidden marker that makes a comment sticky, the Markdown
//! summary of a run (until `report::markdown` exists, a compact local rendering), and capping
//! a body under a platform's size limit without breaking its Markdown.

use crate::project::Severity;
use crate::results::{RunResults, Status};
use camino::Utf8Path;
use std::fmt::Write as _;

/// GitHub rejects comment bodies over 65,536 characters and check-run summaries over 65,535;
/// we count bytes (never fewer than characters) and keep a margin.
pub const GITHUB_BODY_LIMIT: usize = 65_000;

/// GitLab accepts notes of up to 1,000,000 characters.
pub const GITLAB_BODY_LIMIT: usize = 999_000;

/// The hidden first line of a sticky comment. It names the project directory so that two
/// projects in one repository keep two comments.
pub fn marker(project_prefix: &Utf8Path) -> String {
    let key = if project_prefix.as_str().is_empty() {
        "."
    } else {
        project_prefix.as_str()
    };
    // `--` may not appear inside an HTML comment.
    format!(
        "<!-- sqltest:summary project={} -->",
        key.replace("--", "%2D%2D")
    )
}

/// The check run's name: `sqltest`, or `sqltest (db)` for a project in a subfolder.
pub fn check_name(base: &str, project_prefix: &Utf8Path) -> String {
    if project_prefix.as_str().is_empty() {
        base.to_owned()
    } else {
        format!("{base} ({project_prefix})")
    }
}

/// "2 failed, 31 passed, 1 skipped" over migrations, tests and checks.
pub fn headline(results: &RunResults) -> String {
    let s = results.summary();
    let sum =
        |f: fn(&crate::results::Counts) -> usize| f(&s.migrations) + f(&s.tests) + f(&s.checks);
    let mut parts = Vec::new();
    for (n, word) in [
        (sum(|c| c.failed), "failed"),
        (sum(|c| c.errors), "errored"),
        (sum(|c| c.passed), "passed"),
        (sum(|c| c.skipped), "skipped"),
    ] {
        if n > 0 {
            parts.push(format!("{n} {word}"));
        }
    }
    if !results.errors.is_empty() {
        parts.push(format!("{} infrastructure error(s)", results.errors.len()));
    }
    if parts.is_empty() {
        "nothing ran".into()
    } else {
        parts.join(", ")
    }
}

/// The severity as users write it in specs.
pub fn severity_word(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "info",
    }
}

/// Escapes text for a Markdown table cell or list item.
fn inline(text: &str) -> String {
    let one_line = text.lines().next().unwrap_or("");
    let mut out = String::with_capacity(one_line.len());
    for c in one_line.chars() {
        if matches!(c, '|' | '*' | '_' | '`' | '<' | '>' | '[' | ']' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A compact Markdown summary: status, counts, and each failure with its location.
pub fn render_markdown(results: &RunResults, failed: bool, project_prefix: &Utf8Path) -> String {
    let mut md = String::new();
    let icon = if failed { "❌" } else { "✅" };
    let project = if project_prefix.as_str().is_empty() {
        String::new()
    } else {
        format!(" — `{project_prefix}`")
    };
    let _ = writeln!(md, "### {icon} sqltest{project}: {}\n", headline(results));
    let s = results.summary();
    md.push_str("| | passed | failed | skipped | errors |\n|---|---:|---:|---:|---:|\n");
    for (name, c) in [
        ("migrations", s.migrations),
        ("tests", s.tests),
        ("checks", s.checks),
    ] {
        let _ = writeln!(
            md,
            "| {name} | {} | {} | {} | {} |",
            c.passed, c.failed, c.skipped, c.errors
        );
    }
    let at = |path: &Utf8Path, line: u32| -> String {
        let full = if project_prefix.as_str().is_empty() {
            path.to_owned()
        } else {
            project_prefix.join(path)
        };
        format!("`{full}:{line}`")
    };
    let mut items = Vec::new();
    for m in results
        .migrations
        .iter()
        .filter(|m| matches!(m.status, Status::Failed | Status::Error))
    {
        let (msg, line) = match &m.error {
            Some(e) => (
                e.message.as_str(),
                e.location.as_ref().map_or(1, |l| l.line),
            ),
            None => ("failed", 1),
        };
        items.push((
            format!("migration {}", at(&m.path, line)),
            msg.to_owned(),
            None,
        ));
    }
    for t in results
        .tests
        .iter()
        .filter(|t| matches!(t.status, Status::Failed | Status::Error))
    {
        let (msg, details) = match &t.failure {
            Some(f) => (f.message.clone(), f.details.clone()),
            None => ("failed".into(), None),
        };
        items.push((
            format!(
                "test **{}** {}",
                inline(&t.name),
                at(&t.location.path, t.location.line)
            ),
            msg,
            details,
        ));
    }
    for c in results
        .checks
        .iter()
        .filter(|c| matches!(c.status, Status::Failed | Status::Error))
    {
        let label = format!(
            "{} check `{}` {}",
            severity_word(c.severity),
            inline(&c.id).replace('`', ""),
            at(&c.location.path, c.location.line)
        );
        items.push((label, c.message.clone(), None));
    }
    if !items.is_empty() {
        md.push_str("\n#### Failures\n\n");
        for (label, msg, details) in items {
            let _ = writeln!(md, "- {label}: {}", inline(&msg));
            if let Some(d) = details {
                let fence = if d.contains("```") { "````" } else { "```" };
                let _ = writeln!(
                    md,
                    "  <details><summary>details</summary>\n\n{fence}text\n{}\n{fence}\n  </details>",
                    d.trim_end()
                );
            }
        }
    }
    for e in &results.errors {
        let _ = writeln!(md, "\n> **error:** {}", inline(e));
    }
    md
}

/// The note appended when a body was cut.
pub const TRUNCATED_NOTE: &str =
    "\n\n_… truncated: the full report is in the job summary and the report artifacts._\n";

/// Cuts `text` at a line boundary so that, with [`TRUNCATED_NOTE`] and any closing of an open
/// code fence or `<details>`, it fits in `max_bytes`. Text that fits is returned unchanged.
pub fn cap_markdown(text: &str, max_bytes: usize) -> String {
    if text.len() <= max_bytes {
        return text.to_owned();
    }
    // Room for the note and the closers we may add.
    let budget = max_bytes.saturating_sub(TRUNCATED_NOTE.len() + 64);
    let mut cut = budget.min(text.len());
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    let kept = match text[..cut].rfind('\n') {
        Some(i) => &text[..i],
        None => &text[..cut],
    };
    let mut out = kept.to_owned();
    let fences = kept
        .lines()
        .filter(|l| l.trim_start().starts_with("```"))
        .count();
    if fences % 2 == 1 {
        let open = kept
            .lines()
            .rev()
            .find(|l| l.trim_start().starts_with("```"))
            .unwrap_or("```");
        let ticks: String = open
            .trim_start()
            .chars()
            .take_while(|&c| c == '`')
            .collect();
        out.push('\n');
        out.push_str(&ticks);
    }
    let open_details = kept
        .matches("<details>")
        .count()
        .saturating_sub(kept.matches("</details>").count());
    for _ in 0..open_details {
        out.push_str("\n</details>");
    }
    out.push_str(TRUNCATED_NOTE);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_differ_per_project_and_stay_valid_html_comments() {
        assert_eq!(
            marker(Utf8Path::new("")),
            "<!-- sqltest:summary project=. -->"
        );
        assert_ne!(marker("db".into()), marker("other/db".into()));
        assert!(
            !marker("a--b".into())["<!--".len()..]
                .trim_end_matches("-->")
                .contains("--")
        );
        assert_eq!(check_name("sqltest", "".into()), "sqltest");
        assert_eq!(check_name("sqltest", "db".into()), "sqltest (db)");
    }

    #[test]
    fn capping_cuts_at_a_line_closes_fences_and_says_so() {
        let mut text = String::from("# head\n<details>\n```text\n");
        for i in 0..10_000 {
            text.push_str(&format!("row {i} é\n"));
        }
        let capped = cap_markdown(&text, 2_000);
        assert!(capped.len() <= 2_000, "{}", capped.len());
        assert!(capped.ends_with(TRUNCATED_NOTE));
        let fences = capped.lines().filter(|l| l.starts_with("```")).count();
        assert_eq!(fences % 2, 0, "fence left open:\n{capped}");
        assert!(capped.contains("</details>"));
        assert_eq!(cap_markdown("short", 2_000), "short");
    }

    #[test]
    fn inline_text_cannot_break_the_table_or_inject_html() {
        assert_eq!(inline("a|b <img> `x`\nsecond"), "a\\|b \\<img\\> \\`x\\`");
    }
}
