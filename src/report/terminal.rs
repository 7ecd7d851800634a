//! The live terminal reporter, in the manner of cargo-nextest: one aligned line per migration,
//! test and check as they finish, an optional progress bar, then every problem in detail and a
//! summary line.
//!
//! ```text
//!      sqltest provisioned local PostgreSQL 15.18 in 0.84s
//!      APPLIED [   0.012s] db/migrations/001_init.sql
//!     Starting 20 tests and 3 checks
//!         PASS [   0.003s] sqltest/orders.yaml::order total adds tax
//! ------------
//!      Summary [   1.234s] 20 tests run: 19 passed, 1 failed, 0 skipped; 3 migrations applied
//! ```
//!
//! Everything goes to the writer passed in (never to the process's stdout or stderr), and write
//! errors never stop a run: the first one is kept for [`TerminalReporter::take_error`].

use super::color::{Painter, styles};
use super::progress::{SharedOut, lock, new_bar};
use super::text::{self, bounded, count};
use crate::project::Severity;
use crate::results::{
    CheckResult, Counts, MigrationResult, RunResults, ScriptKind, Status, TestResult,
};
use indicatif::ProgressBar;
use owo_colors::Style;
use std::fmt::Write as _;
use std::io::{self, Write};
use std::sync::{Arc, Mutex};

/// How the terminal reporter writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TerminalOptions {
    /// Colour status words (see [`super::color_choice`]).
    pub color: bool,
    /// Show a progress bar while tests and checks run; set only when the writer is a terminal.
    pub progress: bool,
    /// Say more on each line (tags, why a check passed without a scan) and never shorten details.
    pub verbose: bool,
}

/// Width the status word is right-aligned to, as nextest does.
const STATUS_WIDTH: usize = 12;
/// Detail lines shown per problem unless verbose; the JSON report has everything.
const DETAIL_LINES: usize = 60;
const DETAIL_CHARS: usize = 8_000;

/// Reports a run as it happens. `Send`, so workers can share it behind a `Mutex`.
pub struct TerminalReporter {
    out: SharedOut,
    opts: TerminalOptions,
    paint: Painter,
    bar: Option<ProgressBar>,
    failed: usize,
    error: Option<io::Error>,
}

impl TerminalReporter {
    /// A reporter writing to `out` (normally stderr).
    pub fn new(out: Box<dyn Write + Send>, opts: TerminalOptions) -> Self {
        TerminalReporter {
            out: Arc::new(Mutex::new(out)),
            opts,
            paint: Painter { color: opts.color },
            bar: None,
            failed: 0,
            error: None,
        }
    }

    /// The first write error met, if any (a closed pipe must not abort the run, but the caller
    /// may want to know).
    pub fn take_error(&mut self) -> Option<io::Error> {
        self.error.take()
    }

    /// A step of the run, e.g. "provisioned local PostgreSQL 15.18 in 0.84s".
    pub fn phase(&mut self, text: &str) {
        let line = format!(
            "{} {}\n",
            self.word("sqltest", styles::label()),
            text.trim()
        );
        self.emit(&line);
    }

    /// One migration or seed finished.
    pub fn migration_done(&mut self, m: &MigrationResult) {
        let (word, style) = match m.status {
            Status::Passed => ("APPLIED", styles::pass()),
            Status::Failed => ("FAIL", styles::fail()),
            Status::Skipped => ("SKIP", styles::skip()),
            Status::Error => ("ERROR", styles::error()),
        };
        let mut rest = self.paint.paint(m.path.as_str(), styles::id());
        if let (ScriptKind::Seed, true) = (m.kind, self.opts.verbose) {
            rest.push_str(" (seed)");
        }
        match m.origin {
            Some(crate::results::Origin::Base) => rest.push_str(" (base)"),
            Some(crate::results::Origin::New) => rest.push_str(" (new in this change)"),
            None => {}
        }
        if let Some(reason) = m
            .skip_reason
            .as_deref()
            .filter(|_| m.status == Status::Skipped)
        {
            let _ = write!(rest, " ({})", reason.trim());
        }
        let line = self.status_line(word, style, m.duration_secs, &rest);
        self.emit(&line);
    }

    /// Tests and checks are about to run; shows the progress bar when enabled.
    pub fn start_tests(&mut self, tests: usize, checks: usize) {
        let mut what = count(tests, "test");
        if checks > 0 {
            let _ = write!(what, " and {}", count(checks, "check"));
        }
        let line = format!("{} {what}\n", self.word("Starting", styles::pass()));
        self.emit(&line);
        let total = tests + checks;
        if self.opts.progress && total > 0 && self.bar.is_none() {
            self.bar = Some(new_bar(self.out.clone(), total as u64, self.paint));
        }
    }

    /// One test finished.
    pub fn test_done(&mut self, t: &TestResult) {
        let (word, style) = status_word(t.status);
        let mut rest = self.paint.paint(&t.id, styles::id());
        if self.opts.verbose && !t.tags.is_empty() {
            let _ = write!(rest, " [{}]", t.tags.join(", "));
        }
        if let Some(reason) = t
            .skip_reason
            .as_deref()
            .filter(|_| t.status == Status::Skipped)
        {
            let _ = write!(rest, " ({})", reason.trim());
        }
        let line = self.status_line(word, style, t.duration_secs, &rest);
        self.emit(&line);
        self.advance(t.status);
    }

    /// One check finished.
    pub fn check_done(&mut self, c: &CheckResult) {
        let (word, style) = check_word(c);
        let mut rest = self.paint.paint(&c.id, styles::id());
        match c.status {
            Status::Failed => {
                let _ = write!(rest, ": {}", text::violations_text(c));
            }
            Status::Skipped => {
                if let Some(reason) = &c.skip_reason {
                    let _ = write!(rest, " ({})", reason.trim());
                }
            }
            Status::Passed => {
                if let (true, Some(by)) = (self.opts.verbose, &c.guaranteed_by) {
                    let _ = write!(rest, " (guaranteed by {})", by.trim());
                }
            }
            Status::Error => {
                if let Some(e) = &c.db_error {
                    let _ = write!(rest, ": {}", text::one_line(&e.message, 200));
                }
            }
        }
        let line = self.status_line(word, style, c.duration_secs, &rest);
        self.emit(&line);
        self.advance(c.status);
    }

    /// The end of the run: every problem in detail, the summary line, then the problems again as
    /// one line each so the last screen says what to look at.
    pub fn finish(&mut self, r: &RunResults) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
        let mut out = String::new();
        for block in self.problem_blocks(r) {
            out.push('\n');
            out.push_str(&block);
        }
        for f in &r.findings {
            out.push_str(&self.finding_block(f));
        }
        for warning in &r.warnings {
            let _ = writeln!(
                out,
                "{} {}",
                self.word("Warning", styles::warn()),
                warning.message
            );
        }
        if r.interrupted {
            let _ = writeln!(
                out,
                "{} the run was interrupted; results are partial",
                self.word("Interrupted", styles::error())
            );
        }
        out.push_str("------------\n");
        let s = r.summary();
        let style =
            if s.tests.failed + s.migrations.failed + s.failed_errors > 0 || r.has_infra_errors() {
                styles::fail()
            } else if s.failed_warnings + s.failed_infos > 0 {
                styles::warn()
            } else {
                styles::pass()
            };
        out.push_str(&self.status_line("Summary", style, r.duration_secs, &summary_text(r)));
        out.push_str(&self.problem_lines(r));
        self.emit(&out);
    }

    /// A finding about the change: its level, rule and place, then its details indented.
    fn finding_block(&self, f: &crate::results::Finding) -> String {
        let (word, style) = match (f.suppressed.is_some(), f.severity) {
            (true, _) | (_, crate::project::Severity::Info) => ("Note", styles::skip()),
            (_, crate::project::Severity::Warning) => ("Warning", styles::warn()),
            (_, crate::project::Severity::Error) => ("Error", styles::fail()),
        };
        let place = f
            .location
            .as_ref()
            .map(|l| format!(" {}:{}", l.path, l.line))
            .unwrap_or_default();
        let mut out = format!(
            "{} [{}/{}]{place} {}\n",
            self.word(word, style),
            f.category.as_str(),
            f.rule,
            f.message
        );
        if let Some(reason) = &f.suppressed {
            let _ = writeln!(out, "    allowed: {reason}");
        }
        for line in f.details.iter().flat_map(|d| d.lines()).take(40) {
            let _ = writeln!(out, "    {line}");
        }
        out
    }

    fn advance(&mut self, status: Status) {
        if matches!(status, Status::Failed | Status::Error) {
            self.failed += 1;
        }
        if let Some(bar) = &self.bar {
            bar.inc(1);
            if self.failed > 0 {
                bar.set_message(format!("{} failed", self.failed));
            }
        }
    }

    /// Writes whole lines; above the progress bar when there is one.
    fn emit(&mut self, text: &str) {
        let write = || {
            let mut out = lock(&self.out);
            out.write_all(text.as_bytes()).and_then(|()| out.flush())
        };
        let result = match &self.bar {
            Some(bar) => bar.suspend(write),
            None => write(),
        };
        if let (Err(e), None) = (result, &self.error) {
            self.error = Some(e);
        }
    }

    /// `word` right-aligned to the status column (padded before painting, since escape codes
    /// would count towards the width).
    fn word(&self, word: &str, style: Style) -> String {
        let pad = STATUS_WIDTH.saturating_sub(word.chars().count());
        format!("{}{}", " ".repeat(pad), self.paint.paint(word, style))
    }

    fn status_line(&self, word: &str, style: Style, secs: f64, rest: &str) -> String {
        let time = text::secs(secs).as_secs_f64();
        format!("{} [{time:>8.3}s] {rest}\n", self.word(word, style))
    }

    fn detail(&self, body: &str) -> String {
        let body = if self.opts.verbose {
            body.to_string()
        } else {
            bounded(body, DETAIL_LINES, DETAIL_CHARS)
        };
        body.lines()
            .map(|l| {
                if l.is_empty() {
                    "\n".to_string()
                } else {
                    format!("    {l}\n")
                }
            })
            .collect()
    }

    fn header(&self, word: &str, style: Style, id: &str) -> String {
        format!(
            "{} {}\n",
            self.paint.paint(&format!("--- {word}:"), style),
            self.paint.paint(id, styles::id())
        )
    }

    fn problem_blocks(&self, r: &RunResults) -> Vec<String> {
        let mut blocks = Vec::new();
        for m in r.migrations.iter().filter(|m| is_problem(m.status)) {
            let (word, style) = status_word(m.status);
            let mut b = self.header(word, style, m.path.as_str());
            let _ = writeln!(
                b,
                "    {} {}",
                text::script_noun(m.kind),
                status_verb(m.status)
            );
            b.push_str(&self.detail(&text::migration_body(m)));
            blocks.push(b);
        }
        for t in r.tests.iter().filter(|t| is_problem(t.status)) {
            let (word, style) = status_word(t.status);
            let mut b = self.header(word, style, &t.id);
            let _ = writeln!(b, "    at {}", t.location);
            match &t.failure {
                Some(f) => {
                    let _ = writeln!(b, "    {}", f.message.trim());
                    b.push_str(&self.detail(&text::failure_body(f)));
                }
                None => {
                    let _ = writeln!(b, "    the test {}", status_verb(t.status));
                }
            }
            blocks.push(b);
        }
        for c in r.checks.iter().filter(|c| is_problem(c.status)) {
            let (word, style) = check_word(c);
            let mut b = self.header(word, style, &c.id);
            let _ = writeln!(
                b,
                "    at {} (severity {})",
                c.location,
                severity_name(c.severity)
            );
            b.push_str(&self.detail(&text::check_body(c)));
            blocks.push(b);
        }
        for e in &r.errors {
            let mut b = self.header("ERROR", styles::error(), "infrastructure");
            b.push_str(&self.detail(e));
            blocks.push(b);
        }
        blocks
    }

    fn problem_lines(&self, r: &RunResults) -> String {
        let mut out = String::new();
        for m in r.migrations.iter().filter(|m| is_problem(m.status)) {
            let (word, style) = status_word(m.status);
            out.push_str(&self.status_line(
                word,
                style,
                m.duration_secs,
                &self.paint.paint(m.path.as_str(), styles::id()),
            ));
        }
        for t in r.tests.iter().filter(|t| is_problem(t.status)) {
            let (word, style) = status_word(t.status);
            out.push_str(&self.status_line(
                word,
                style,
                t.duration_secs,
                &self.paint.paint(&t.id, styles::id()),
            ));
        }
        for c in r.checks.iter().filter(|c| is_problem(c.status)) {
            let (word, style) = check_word(c);
            out.push_str(&self.status_line(
                word,
                style,
                c.duration_secs,
                &self.paint.paint(&c.id, styles::id()),
            ));
        }
        for e in &r.errors {
            let _ = writeln!(
                out,
                "{} {}",
                self.word("ERROR", styles::error()),
                text::one_line(e, 200)
            );
        }
        out
    }
}

impl Drop for TerminalReporter {
    /// A run that ends early (an error before `finish`) must not leave the bar on screen or its
    /// ticking thread drawing.
    fn drop(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

fn is_problem(status: Status) -> bool {
    match status {
        Status::Failed | Status::Error => true,
        Status::Passed | Status::Skipped => false,
    }
}

fn status_word(status: Status) -> (&'static str, Style) {
    match status {
        Status::Passed => ("PASS", styles::pass()),
        Status::Failed => ("FAIL", styles::fail()),
        Status::Skipped => ("SKIP", styles::skip()),
        Status::Error => ("ERROR", styles::error()),
    }
}

fn status_verb(status: Status) -> &'static str {
    match status {
        Status::Passed => "passed",
        Status::Failed => "failed",
        Status::Skipped => "was skipped",
        Status::Error => "could not run (infrastructure error)",
    }
}

/// A failed check says how much it matters: FAIL for errors, WARN and INFO for the rest, which do
/// not fail the run under the default `--fail-on error`.
fn check_word(c: &CheckResult) -> (&'static str, Style) {
    match (c.status, c.severity) {
        (Status::Failed, Severity::Error) => ("FAIL", styles::fail()),
        (Status::Failed, Severity::Warning) => ("WARN", styles::warn()),
        (Status::Failed, Severity::Info) => ("INFO", styles::info()),
        (status, _) => status_word(status),
    }
}

fn severity_name(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "info",
    }
}

/// `20 tests run: 19 passed, 1 failed, 0 skipped; 3 migrations applied; 4 checks run: …`.
fn summary_text(r: &RunResults) -> String {
    let s = r.summary();
    let mut parts = vec![format!(
        "{} run: {}",
        count(s.tests.total(), "test"),
        counts_text(&s.tests, "")
    )];
    for kind in [ScriptKind::Migration, ScriptKind::Seed] {
        let mut c = Counts::default();
        r.migrations
            .iter()
            .filter(|m| m.kind == kind)
            .for_each(|m| c.add(m.status));
        if c.total() > 0 {
            let mut part = format!("{} applied", count(c.passed, text::script_noun(kind)));
            for (n, what) in [
                (c.failed, "failed"),
                (c.errors, "errored"),
                (c.skipped, "skipped"),
            ] {
                if n > 0 {
                    let _ = write!(part, ", {n} {what}");
                }
            }
            parts.push(part);
        }
    }
    if !r.checks.is_empty() {
        let mut by_severity = Vec::new();
        if s.failed_warnings + s.failed_infos > 0 {
            for (n, what) in [
                (s.failed_errors, "error"),
                (s.failed_warnings, "warning"),
                (s.failed_infos, "info"),
            ] {
                if n > 0 {
                    by_severity.push(if what == "info" {
                        format!("{n} info")
                    } else {
                        count(n, what)
                    });
                }
            }
        }
        let detail = if by_severity.is_empty() {
            String::new()
        } else {
            format!(" ({})", by_severity.join(", "))
        };
        parts.push(format!(
            "{} run: {}",
            count(s.checks.total(), "check"),
            counts_text(&s.checks, &detail)
        ));
    }
    if !r.findings.is_empty() {
        parts.push(count(r.findings.len(), "migration finding"));
    }
    if !r.errors.is_empty() {
        parts.push(count(r.errors.len(), "infrastructure error"));
    }
    parts.join("; ")
}

/// `19 passed, 1 failed{failed_detail}, 0 skipped`, with `N errored` only when some did.
fn counts_text(c: &Counts, failed_detail: &str) -> String {
    let mut out = format!("{} passed, {} failed{failed_detail}", c.passed, c.failed);
    if c.errors > 0 {
        let _ = write!(out, ", {} errored", c.errors);
    }
    let _ = write!(out, ", {} skipped", c.skipped);
    out
}

#[cfg(test)]
#[path = "terminal_tests.rs"]
mod tests;
