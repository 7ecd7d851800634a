//! The HTML report (`--report html=PATH`): one self-contained file (inline CSS, no scripts, fonts
//! or images from elsewhere) rendered from the embedded template `templates/report.html.j2`,
//! HTML-escaped by minijinja.
//!
//! A summary (verdict, counts, run facts), filters by status (radio buttons and CSS `:has()`, so
//! they work without JavaScript and everything shows when a browser lacks `:has()`), then every
//! migration, test and check with its location and duration; failures open to their message,
//! the diff (coloured by line), the violating rows as a table and the database error.

use super::context::RenderContext;
use super::findings::{Finding, Level, Source, findings};
use super::text::{self, bounded};
use super::view::{CountRow, Verdict, count_rows, headline, human_secs, render_template};
use crate::Location;
use crate::results::{CheckResult, MigrationResult, RunResults, Status, TestResult};
use serde::Serialize;
use std::collections::HashMap;

/// Longest body shown per item (the JSON report has everything).
const MAX_BODY_LINES: usize = 400;
const MAX_BODY_CHARS: usize = 32_000;
/// Violating rows shown per check.
const MAX_SAMPLE_ROWS: usize = 50;

#[derive(Serialize)]
struct HtmlView {
    verdict: Verdict,
    /// A text symbol rather than an emoji: it renders without an emoji font.
    symbol: &'static str,
    headline: String,
    project: String,
    engine: &'static str,
    backend: &'static str,
    server_version: Option<String>,
    tool: String,
    started_at: String,
    duration: String,
    counts: Vec<CountRow>,
    filters: Vec<FilterView>,
    problems: Vec<ProblemView>,
    sections: Vec<SectionView>,
}

#[derive(Serialize)]
struct FilterView {
    id: &'static str,
    label: &'static str,
    count: usize,
}

#[derive(Serialize)]
struct ProblemView {
    level: &'static str,
    subject: String,
    message: String,
    location: Option<String>,
    anchor: Option<String>,
}

#[derive(Serialize)]
struct SectionView {
    title: &'static str,
    items: Vec<ItemView>,
}

#[derive(Serialize)]
struct ItemView {
    anchor: String,
    status: &'static str,
    /// `error`, `warning` or `note` for failed items, else empty.
    level: &'static str,
    name: String,
    detail_line: Option<String>,
    location: String,
    link: Option<String>,
    duration: String,
    tags: Vec<String>,
    message: Option<String>,
    lines: Vec<LineView>,
    sample_header: Vec<String>,
    sample_rows: Vec<Vec<String>>,
    samples_hidden: usize,
}

#[derive(Serialize)]
struct LineView {
    class: &'static str,
    text: String,
}

/// The run as one self-contained HTML page.
pub fn render_html(r: &RunResults, ctx: &RenderContext) -> String {
    let all = findings(r);
    let verdict = Verdict::of(&all);
    // Findings by the item they are about, so each item shows its own explanation.
    let mut by_item: HashMap<String, &Finding> = HashMap::new();
    for f in &all {
        if let Some(key) = item_key(f) {
            by_item.insert(key, f);
        }
    }

    let mut sections = Vec::new();
    if !r.migrations.is_empty() {
        sections.push(SectionView {
            title: "Migrations and seeds",
            items: r
                .migrations
                .iter()
                .enumerate()
                .map(|(i, m)| migration_item(i, m, &by_item, ctx))
                .collect(),
        });
    }
    if !r.tests.is_empty() {
        sections.push(SectionView {
            title: "Unit tests",
            items: r
                .tests
                .iter()
                .enumerate()
                .map(|(i, t)| test_item(i, t, &by_item, ctx))
                .collect(),
        });
    }
    if !r.checks.is_empty() {
        sections.push(SectionView {
            title: "Business rules",
            items: r
                .checks
                .iter()
                .enumerate()
                .map(|(i, c)| check_item(i, c, &by_item, ctx))
                .collect(),
        });
    }

    let mut per_status: HashMap<&'static str, usize> = HashMap::new();
    for item in sections.iter().flat_map(|s| &s.items) {
        *per_status.entry(item.status).or_default() += 1;
    }
    let total: usize = per_status.values().sum();
    let filters = vec![
        FilterView {
            id: "all",
            label: "All",
            count: total,
        },
        FilterView {
            id: "failed",
            label: "Failed",
            count: per_status.get("failed").copied().unwrap_or(0),
        },
        FilterView {
            id: "error",
            label: "Errors",
            count: per_status.get("error").copied().unwrap_or(0),
        },
        FilterView {
            id: "skipped",
            label: "Skipped",
            count: per_status.get("skipped").copied().unwrap_or(0),
        },
        FilterView {
            id: "passed",
            label: "Passed",
            count: per_status.get("passed").copied().unwrap_or(0),
        },
    ];

    let problems = all
        .iter()
        .map(|f| ProblemView {
            level: level_name(f.level),
            subject: super::view::capitalised(&f.subject),
            message: f.message.clone(),
            location: f
                .location
                .as_ref()
                .map(|l| format!("{}:{}", ctx.repo_path(&l.path), l.line)),
            anchor: anchor_of(f, r),
        })
        .collect();

    let view = HtmlView {
        verdict,
        symbol: match verdict {
            Verdict::Passed => "✔",
            Verdict::Warnings => "⚠",
            Verdict::Failed => "✖",
        },
        headline: headline(r, &all),
        project: r.project.root.to_string(),
        engine: r.project.engine.as_str(),
        backend: r.project.backend.as_str(),
        server_version: r.project.server_version.clone(),
        tool: format!("{} {}", r.tool.name, r.tool.version),
        started_at: r
            .started_at
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        duration: human_secs(r.duration_secs),
        counts: count_rows(r),
        filters,
        problems,
        sections,
    };
    render_template("report.html", &view)
}

fn level_name(level: Level) -> &'static str {
    match level {
        Level::Error => "error",
        Level::Warning => "warning",
        Level::Note => "note",
    }
}

/// The identity linking a finding to the item it is about.
fn item_key(f: &Finding) -> Option<String> {
    match f.source {
        Source::Migration(m) => Some(format!("m\0{}", m.path)),
        Source::Test(t) => Some(format!("t\0{}", t.id)),
        Source::Check(c) => Some(format!("c\0{}", c.id)),
        Source::Change(f) => Some(format!("f\0{}", f.id)),
        Source::RunError | Source::Interrupted => None,
    }
}

/// The `id` of the item a finding is about, for in-page links.
fn anchor_of(f: &Finding, r: &RunResults) -> Option<String> {
    match f.source {
        Source::Migration(m) => r
            .migrations
            .iter()
            .position(|x| std::ptr::eq(x, m))
            .map(|i| format!("migration-{i}")),
        Source::Test(t) => r
            .tests
            .iter()
            .position(|x| std::ptr::eq(x, t))
            .map(|i| format!("test-{i}")),
        Source::Check(c) => r
            .checks
            .iter()
            .position(|x| std::ptr::eq(x, c))
            .map(|i| format!("check-{i}")),
        Source::Change(_) | Source::RunError | Source::Interrupted => None,
    }
}

struct Common<'a> {
    anchor: String,
    status: Status,
    name: String,
    location: &'a Location,
    duration_secs: f64,
    skip_reason: Option<&'a str>,
}

fn item(
    common: Common,
    finding: Option<&&Finding>,
    ctx: &RenderContext,
    tags: Vec<String>,
    detail_line: Option<String>,
) -> ItemView {
    let body = finding.map(|f| f.body.as_str()).unwrap_or_default();
    let message = match (finding, common.skip_reason) {
        (Some(f), _) => Some(f.message.clone()),
        (None, Some(reason)) => Some(format!("Skipped: {}", reason.trim())),
        (None, None) => None,
    };
    ItemView {
        anchor: common.anchor,
        status: common.status.as_str(),
        level: finding.map(|f| level_name(f.level)).unwrap_or(""),
        name: common.name,
        detail_line,
        location: format!(
            "{}:{}",
            ctx.repo_path(&common.location.path),
            common.location.line
        ),
        link: ctx.link(&common.location.path, common.location.line),
        duration: human_secs(common.duration_secs),
        tags,
        message,
        lines: diff_lines(body),
        sample_header: Vec::new(),
        sample_rows: Vec::new(),
        samples_hidden: 0,
    }
}

fn migration_item(
    i: usize,
    m: &MigrationResult,
    by_item: &HashMap<String, &Finding>,
    ctx: &RenderContext,
) -> ItemView {
    let location = Location::file(m.path.clone());
    let detail = m
        .version
        .as_ref()
        .map(|v| format!("{} version {v}", text::script_noun(m.kind)))
        .or_else(|| Some(text::script_noun(m.kind).to_string()));
    let mut view = item(
        Common {
            anchor: format!("migration-{i}"),
            status: m.status,
            name: m.path.to_string(),
            location: &location,
            duration_secs: m.duration_secs,
            skip_reason: m.skip_reason.as_deref(),
        },
        by_item.get(&format!("m\0{}", m.path)),
        ctx,
        Vec::new(),
        detail,
    );
    // Point at the failing statement, not the top of the file.
    if let Some(l) = m.error.as_ref().and_then(|e| e.location.as_ref()) {
        view.location = format!("{}:{}", ctx.repo_path(&l.path), l.line);
        view.link = ctx.link(&l.path, l.line);
    }
    view
}

fn test_item(
    i: usize,
    t: &TestResult,
    by_item: &HashMap<String, &Finding>,
    ctx: &RenderContext,
) -> ItemView {
    item(
        Common {
            anchor: format!("test-{i}"),
            status: t.status,
            name: t.name.clone(),
            location: &t.location,
            duration_secs: t.duration_secs,
            skip_reason: t.skip_reason.as_deref(),
        },
        by_item.get(&format!("t\0{}", t.id)),
        ctx,
        t.tags.clone(),
        Some(t.spec.to_string()),
    )
}

fn check_item(
    i: usize,
    c: &CheckResult,
    by_item: &HashMap<String, &Finding>,
    ctx: &RenderContext,
) -> ItemView {
    let name = c.id.rsplit_once("::").map_or(c.id.as_str(), |(_, n)| n);
    let finding = by_item.get(&format!("c\0{}", c.id));
    let mut line = format!("{} · severity {}", c.kind, severity_name(c));
    if let Some(g) = &c.guaranteed_by {
        line.push_str(&format!(" · guaranteed by {g}"));
    }
    let mut view = item(
        Common {
            anchor: format!("check-{i}"),
            status: c.status,
            name: name.to_string(),
            location: &c.location,
            duration_secs: c.duration_secs,
            skip_reason: c.skip_reason.as_deref(),
        },
        finding,
        ctx,
        Vec::new(),
        Some(line),
    );
    if finding.is_some() && !c.samples.is_empty() {
        let mut columns: Vec<&String> = Vec::new();
        for row in &c.samples {
            for key in row.keys() {
                if !columns.contains(&key) {
                    columns.push(key);
                }
            }
        }
        view.sample_header = columns.iter().map(|k| k.to_string()).collect();
        view.sample_rows = c
            .samples
            .iter()
            .take(MAX_SAMPLE_ROWS)
            .map(|row| {
                columns
                    .iter()
                    .map(|k| match row.get(*k) {
                        Some(serde_json::Value::String(s)) => s.clone(),
                        Some(v) => v.to_string(),
                        None => String::new(),
                    })
                    .collect()
            })
            .collect();
        view.samples_hidden = c.samples.len().saturating_sub(MAX_SAMPLE_ROWS);
        // The table shows the rows; the text keeps the count and any database error.
        let mut rest = vec![text::violations_text(c)];
        if let Some(e) = &c.db_error {
            rest.push(text::db_error_text(e));
        }
        view.lines = diff_lines(&rest.join("\n"));
    }
    view
}

fn severity_name(c: &CheckResult) -> &'static str {
    match c.severity {
        crate::project::Severity::Error => "error",
        crate::project::Severity::Warning => "warning",
        crate::project::Severity::Info => "info",
    }
}

/// The body as lines classed for colouring: unified-diff additions, removals and hunk headers.
fn diff_lines(body: &str) -> Vec<LineView> {
    let body = bounded(body.trim_end(), MAX_BODY_LINES, MAX_BODY_CHARS);
    if body.is_empty() {
        return Vec::new();
    }
    let in_diff_from = body.find("\n--- ").map(|i| i + 1).or_else(|| {
        if body.starts_with("--- ") {
            Some(0)
        } else {
            None
        }
    });
    let mut offset = 0;
    body.lines()
        .map(|line| {
            let start = offset;
            offset += line.len() + 1;
            let in_diff = in_diff_from.is_some_and(|d| start >= d);
            let class = match line.as_bytes().first() {
                _ if !in_diff => "",
                Some(b'+') if line.starts_with("+++ ") => "file",
                Some(b'-') if line.starts_with("--- ") => "file",
                Some(b'+') => "add",
                Some(b'-') => "del",
                Some(b'@') if line.starts_with("@@") => "hunk",
                _ => "",
            };
            LineView {
                class,
                text: line.to_string(),
            }
        })
        .collect()
}

#[cfg(test)]
#[path = "html_tests.rs"]
mod tests;
