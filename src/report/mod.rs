//! Reports: pure renderers of [`RunResults`](crate::results::RunResults) (one file per format),
//! writing them atomically to `--report FORMAT=PATH`, and the live terminal reporter.

mod color;
mod commands;
mod context;
mod findings;
mod github;
mod gitlab;
mod html;
mod json;
mod junit;
mod markdown;
mod merge;
mod progress;
mod rules_doc;
mod sarif;
mod target;
mod terminal;
mod text;
mod view;

#[cfg(test)]
mod fixture;
#[cfg(test)]
mod fixture_runs;
#[cfg(test)]
mod test_support;

pub use color::{ColorChoice, color_choice};
pub use commands::{merge_command, report_command};
pub use context::RenderContext;
pub use github::{github_actions_outputs, render_github};
pub use gitlab::render_gitlab;
pub use html::render_html;
pub use json::{JsonReportError, parse_json, render_json};
pub use junit::render_junit;
pub use markdown::render_markdown;
pub use merge::{MergeError, MergeInput, merge_results};
pub use sarif::render_sarif;
pub use target::{
    ReportError, ReportFormat, ReportTarget, ReportTargetError, read_results, write_report,
    write_report_to,
};
pub use terminal::{TerminalOptions, TerminalReporter};
