//! The bodies sqltest publishes: the hidden marker that makes a comment sticky, the check's
//! name and title, and capping a body (the Markdown of `report::render_markdown`) under a
//! platform's size limit without breaking its Markdown.

use crate::results::RunResults;
use camino::Utf8Path;

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
}
