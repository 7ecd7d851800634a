//! Reports: pure renderers of [`RunResults`](crate::results::RunResults) (one file per format),
//! writing them atomically to `--report FORMAT=PATH`, and the live terminal reporter.

mod color;
mod json;
mod junit;
mod progress;
mod target;
mod terminal;
mod text;

#[cfg(test)]
mod fixture;

pub use color::{ColorChoice, color_choice};
pub use json::{JsonReportError, parse_json, render_json};
pub use junit::render_junit;
pub use target::{
    ReportError, ReportFormat, ReportTarget, ReportTargetError, read_results, write_report,
};
pub use terminal::{TerminalOptions, TerminalReporter};
