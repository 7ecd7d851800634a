//! GitHub Actions: workflow commands that annotate files
//! (<https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-commands>) and the
//! job summary (`$GITHUB_STEP_SUMMARY`).
//!
//! Each finding becomes `::error file=…,line=…,endLine=…,col=…,endColumn=…,title=…::message`
//! (`warning` and `notice` for rule severities warning and info). Values are escaped as
//! actions/toolkit's `command.ts` does: `%`, CR and LF in the message; also `:` and `,` in
//! properties. GitHub shows at most 10 annotations of each level per step and 50 per job; past
//! those, one notice says how many were not shown and where to find them.

use super::context::RenderContext;
use super::findings::{Finding, Level, findings};
use super::markdown::render_markdown;
use super::target::ReportError;
use super::text::{bounded, count, one_line};
use crate::results::RunResults;
use camino::Utf8PathBuf;
use std::fmt::Write as _;
use std::io::Write;

/// Annotations of one level GitHub shows per step.
pub(crate) const MAX_PER_LEVEL: usize = 10;
/// Annotations GitHub shows per job.
const MAX_PER_JOB: usize = 50;
/// Longest message, in bytes: the runner reportedly truncates annotations at about 4 KB.
const MAX_MESSAGE_BYTES: usize = 4000;
/// Longest title, in characters (check-run annotation titles allow 255).
const MAX_TITLE_CHARS: usize = 200;

/// The run as workflow commands, one per line (what `--report github` writes).
pub fn render_github(r: &RunResults, ctx: &RenderContext) -> String {
    let all = findings(r);
    let mut shown = [0usize; 3];
    let mut hidden = 0usize;
    let mut total = 0usize;
    let mut out = String::new();
    // Reserve a notice slot for the closing count when some will not fit.
    let overflow = {
        let mut per = [0usize; 3];
        for f in &all {
            per[slot(f.level)] += 1;
        }
        per.iter().any(|n| *n > MAX_PER_LEVEL) || all.len() > MAX_PER_JOB
    };
    let notice_cap = if overflow {
        MAX_PER_LEVEL - 1
    } else {
        MAX_PER_LEVEL
    };
    let job_cap = if overflow {
        MAX_PER_JOB - 1
    } else {
        MAX_PER_JOB
    };
    for f in &all {
        let s = slot(f.level);
        let cap = if f.level == Level::Note {
            notice_cap
        } else {
            MAX_PER_LEVEL
        };
        if shown[s] >= cap || total >= job_cap {
            hidden += 1;
            continue;
        }
        shown[s] += 1;
        total += 1;
        out.push_str(&command(f, ctx));
        out.push('\n');
    }
    if hidden > 0 {
        let text = format!(
            "{} not shown as annotations (GitHub shows at most {MAX_PER_LEVEL} errors and \
             {MAX_PER_LEVEL} warnings per step). The job summary and the reports list all of them.",
            count(hidden, "more finding")
        );
        let _ = writeln!(
            out,
            "::notice title={}::{}",
            escape_property("sqltest"),
            escape_data(&text)
        );
    }
    out
}

fn slot(level: Level) -> usize {
    match level {
        Level::Error => 0,
        Level::Warning => 1,
        Level::Note => 2,
    }
}

fn command(f: &Finding, ctx: &RenderContext) -> String {
    let name = match f.level {
        Level::Error => "error",
        Level::Warning => "warning",
        Level::Note => "notice",
    };
    let mut props = Vec::new();
    if let Some(l) = &f.location {
        props.push(format!("file={}", escape_property(&ctx.repo_path(&l.path))));
        props.push(format!("line={}", l.line));
        props.push(format!("endLine={}", l.line));
        props.push(format!("col={}", l.column));
        props.push(format!("endColumn={}", l.column + 1));
    }
    props.push(format!(
        "title={}",
        escape_property(&one_line(&f.title, MAX_TITLE_CHARS))
    ));
    let message = if f.body.trim().is_empty() {
        f.message.clone()
    } else {
        format!("{}\n\n{}", f.message, f.body)
    };
    format!(
        "::{name} {}::{}",
        props.join(","),
        escape_data(&fit_bytes(&message, MAX_MESSAGE_BYTES))
    )
}

/// `text` cut at line boundaries so it stays under `max` bytes, with a note when cut.
fn fit_bytes(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    // Characters bound bytes from below; shrink until the bytes fit.
    let mut chars = max;
    loop {
        let cut = bounded(text, usize::MAX, chars);
        if cut.len() <= max || chars < 100 {
            return cut;
        }
        chars = chars * 3 / 4;
    }
}

/// Escapes the message part of a workflow command (actions/toolkit `escapeData`).
pub(crate) fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value of a workflow command (actions/toolkit `escapeProperty`).
pub(crate) fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// What `sqltest run` does inside GitHub Actions (`GITHUB_ACTIONS=true`; otherwise nothing):
/// writes the workflow commands to `out` (the job log: the process's stdout) and appends the
/// Markdown summary to the file named by `GITHUB_STEP_SUMMARY`, when set.
///
/// `env` reads an environment variable; pass `|k| std::env::var(k).ok()`.
pub fn github_actions_outputs(
    r: &RunResults,
    env: &impl Fn(&str) -> Option<String>,
    out: &mut dyn Write,
) -> Result<(), ReportError> {
    if env("GITHUB_ACTIONS").as_deref() != Some("true") {
        return Ok(());
    }
    let ctx = RenderContext::detect(r, env);
    out.write_all(render_github(r, &ctx).as_bytes())
        .and_then(|()| out.flush())
        .map_err(|cause| ReportError::Stdout {
            what: "GitHub workflow commands",
            cause,
        })?;
    if let Some(path) = env("GITHUB_STEP_SUMMARY").filter(|p| !p.trim().is_empty()) {
        let path = Utf8PathBuf::from(path);
        append(&path, render_markdown(r, &ctx).as_bytes())
            .map_err(|cause| ReportError::StepSummary { path, cause })?;
    }
    Ok(())
}

fn append(path: &Utf8PathBuf, content: &[u8]) -> std::io::Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    // Other steps' summaries may precede ours in the same file; keep ours a separate block.
    file.write_all(b"\n")?;
    file.write_all(content)?;
    file.flush()
}

#[cfg(test)]
#[path = "github_tests.rs"]
mod tests;
