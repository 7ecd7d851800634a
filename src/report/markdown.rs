//! The Markdown summary (`--report markdown=PATH`, and the GitHub job summary): GitHub-flavoured
//! Markdown (<https://github.github.com/gfm/>) rendered from the embedded minijinja template
//! `templates/summary.md.j2`.
//!
//! A headline with the verdict and counts, a counts table, a table of failures linking to
//! `file:line`, then one collapsible `<details>` per failure with the diff, the violating rows
//! or the database error. The whole stays under [`MAX_CHARS`] (below the 65,536 characters of a
//! PR comment and far below the 1 MiB of a job summary): details are dropped from the end first,
//! then table rows, always whole, with a line saying how many were left out.
//!
//! All text from the results is escaped here, not in the template: table cells escape `|`,
//! Markdown punctuation and HTML (`<sums>` in a test name must not become a tag); code blocks use
//! a fence longer than any backtick run in their content.

use super::context::RenderContext;
use super::findings::{Finding, Level, Source, findings};
use super::text::bounded;
use super::view::{CountRow, Verdict, count_rows, headline, human_secs, render_template};
use crate::results::RunResults;
use serde::Serialize;

/// Longest summary, in characters.
pub(crate) const MAX_CHARS: usize = 60_000;
/// Longest body of one `<details>` block.
const MAX_DETAIL_LINES: usize = 80;
const MAX_DETAIL_CHARS: usize = 6_000;
/// Violating rows shown per check (the JSON report has all samples).
const MAX_SAMPLE_ROWS: usize = 20;

#[derive(Serialize)]
struct SummaryView {
    icon: &'static str,
    verdict: Verdict,
    headline: String,
    engine: String,
    server_version: Option<String>,
    duration: String,
    started_at: String,
    counts: Vec<CountRow>,
    /// With a base: the migrations this change adds, with their outcome.
    new_migrations: Vec<NewMigrationRow>,
    rows: Vec<RowView>,
    rows_hidden: usize,
    details: Vec<DetailView>,
    details_hidden: usize,
}

#[derive(Serialize, Clone)]
struct NewMigrationRow {
    path: String,
    status: &'static str,
    duration: String,
}

/// The migrations marked new in the change, in the order they were applied.
fn new_migration_rows(r: &RunResults) -> Vec<NewMigrationRow> {
    use crate::results::{Origin, Status};
    r.migrations
        .iter()
        .filter(|m| {
            m.kind == crate::results::ScriptKind::Migration && m.origin == Some(Origin::New)
        })
        .map(|m| NewMigrationRow {
            path: format!("`{}`", m.path.as_str().replace('`', "'")),
            status: match m.status {
                Status::Passed => "✅ applied on the base's database",
                Status::Failed => "❌ failed",
                Status::Skipped => "⏭️ not applied",
                Status::Error => "⚠️ error",
            },
            duration: human_secs(m.duration_secs),
        })
        .collect()
}

#[derive(Serialize, Clone)]
struct RowView {
    icon: &'static str,
    what: String,
    location: String,
    message: String,
}

#[derive(Serialize, Clone)]
struct DetailView {
    summary: String,
    /// Markdown paragraph (escaped) shown above the blocks.
    message: String,
    /// Violating rows as a Markdown table: header cells then rows, escaped.
    sample_header: Vec<String>,
    sample_rows: Vec<Vec<String>>,
    samples_hidden: usize,
    /// Fenced code block: fence, info string and content.
    fence: String,
    lang: &'static str,
    code: String,
}

/// The run as a GitHub-flavoured Markdown summary of at most [`MAX_CHARS`] characters.
pub fn render_markdown(r: &RunResults, ctx: &RenderContext) -> String {
    let all = findings(r);
    let verdict = Verdict::of(&all);
    let rows: Vec<RowView> = all.iter().map(|f| row(f, r, ctx)).collect();
    let details: Vec<DetailView> = all.iter().map(|f| detail(f, ctx)).collect();
    let view = |row_limit: usize, detail_limit: usize| SummaryView {
        icon: verdict.icon(),
        verdict,
        headline: escape_text(&headline(r, &all)),
        engine: escape_text(r.project.engine.as_str()),
        server_version: r.project.server_version.as_deref().map(escape_text),
        duration: human_secs(r.duration_secs),
        started_at: r
            .started_at
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        counts: count_rows(r),
        new_migrations: new_migration_rows(r),
        rows: rows[..row_limit].to_vec(),
        rows_hidden: rows.len() - row_limit,
        details: details[..detail_limit].to_vec(),
        details_hidden: details.len() - detail_limit,
    };
    let render = |rows: usize, details: usize| {
        let text = render_template("summary.md", &view(rows, details));
        format!("{}\n", text.trim_end())
    };
    let fits = |text: &str| text.chars().count() <= MAX_CHARS;

    let n = all.len();
    let full = render(n, n);
    if fits(&full) {
        return full;
    }
    // Drop details from the end, then table rows; binary search for the most that fit.
    let most = |limit: usize, try_with: &dyn Fn(usize) -> String| -> (usize, String) {
        let (mut lo, mut hi) = (0, limit);
        let mut best = try_with(0);
        if !fits(&best) {
            return (0, best);
        }
        while lo < hi {
            let mid = (lo + hi).div_ceil(2);
            let text = try_with(mid);
            if fits(&text) {
                lo = mid;
                best = text;
            } else {
                hi = mid - 1;
            }
        }
        (lo, best)
    };
    let (kept_details, text) = most(n, &|d| render(n, d));
    if kept_details > 0 || fits(&text) {
        return text;
    }
    most(n, &|rows| render(rows, 0)).1
}

fn row(f: &Finding, r: &RunResults, ctx: &RenderContext) -> RowView {
    RowView {
        icon: level_icon(f.level),
        what: escape_text(&super::view::capitalised(&f.subject)),
        location: location_md(f, r, ctx),
        message: escape_text(&f.message),
    }
}

fn level_icon(level: Level) -> &'static str {
    match level {
        Level::Error => "❌",
        Level::Warning => "⚠️",
        Level::Note => "ℹ️",
    }
}

/// `[path:line](link)` when a link base is known, else `path:line` as text.
fn location_md(f: &Finding, r: &RunResults, ctx: &RenderContext) -> String {
    let Some(l) = &f.location else {
        return escape_text(&ctx.repo_path(&r.project.config));
    };
    let label = escape_text(&format!("{}:{}", ctx.repo_path(&l.path), l.line));
    match ctx.link(&l.path, l.line) {
        Some(url) => format!("[{label}]({})", escape_url(&url)),
        None => label,
    }
}

fn detail(f: &Finding, ctx: &RenderContext) -> DetailView {
    let place = f
        .location
        .as_ref()
        .map(|l| format!(" — {}:{}", ctx.repo_path(&l.path), l.line))
        .unwrap_or_default();
    let summary = escape_html(&format!(
        "{} {}{place}",
        level_icon(f.level),
        super::view::capitalised(&f.subject)
    ));
    let (mut sample_header, mut sample_rows, mut samples_hidden) = (Vec::new(), Vec::new(), 0);
    let code = match f.source {
        Source::Check(c) if !c.samples.is_empty() => {
            let mut columns: Vec<&String> = Vec::new();
            for row in &c.samples {
                for key in row.keys() {
                    if !columns.contains(&key) {
                        columns.push(key);
                    }
                }
            }
            sample_header = columns.iter().map(|k| escape_text(k)).collect();
            sample_rows = c
                .samples
                .iter()
                .take(MAX_SAMPLE_ROWS)
                .map(|row| {
                    columns
                        .iter()
                        .map(|k| match row.get(*k) {
                            Some(serde_json::Value::String(s)) => escape_text(s),
                            Some(v) => escape_text(&v.to_string()),
                            None => String::new(),
                        })
                        .collect()
                })
                .collect();
            samples_hidden = c.samples.len().saturating_sub(MAX_SAMPLE_ROWS);
            // The rest of the body (violation count, database error) without the samples.
            let mut rest = vec![super::text::violations_text(c)];
            if let Some(e) = &c.db_error {
                rest.push(super::text::db_error_text(e));
            }
            rest.join("\n")
        }
        _ => f.body.clone(),
    };
    let code = bounded(code.trim_end(), MAX_DETAIL_LINES, MAX_DETAIL_CHARS);
    let lang = if code.contains("\n@@ ") || code.starts_with("--- ") {
        "diff"
    } else {
        "text"
    };
    DetailView {
        summary,
        message: escape_text(&f.message),
        sample_header,
        sample_rows,
        samples_hidden,
        fence: fence_for(&code),
        lang,
        code,
    }
}

/// A backtick fence longer than any backtick run in `code` (GFM: the closing fence must be at
/// least as long as the opening one, so content cannot close it early).
fn fence_for(code: &str) -> String {
    let longest = code.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    "`".repeat((longest + 1).max(3))
}

/// Text for a table cell or paragraph: one line, Markdown punctuation backslash-escaped, HTML
/// special characters as entities, `|` escaped so it cannot split a table cell.
pub(crate) fn escape_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut last_space = false;
    for c in s.trim().chars() {
        match c {
            '\r' | '\n' | '\t' => {
                if !last_space {
                    out.push(' ');
                }
                last_space = true;
                continue;
            }
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '#' | '~' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
        last_space = c == ' ';
    }
    out
}

/// Text inside raw HTML (`<summary>`): entities only, since Markdown is not parsed there.
fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace(['\r', '\n'], " ")
}

/// A URL inside `(…)` of a Markdown link: spaces and parentheses percent-encoded.
fn escape_url(url: &str) -> String {
    url.replace(' ', "%20")
        .replace('(', "%28")
        .replace(')', "%29")
        .replace('<', "%3C")
        .replace('>', "%3E")
}

#[cfg(test)]
#[path = "markdown_tests.rs"]
mod tests;
