//! Configuration errors with source locations, collected across files and rendered with a snippet.

use crate::Location;
use camino::Utf8PathBuf;
use owo_colors::OwoColorize;
use std::collections::BTreeMap;
use std::fmt::{self, Write as _};

/// One problem in `sqltest.yaml` or a spec file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// Where the problem is; `None` only when there is no file to point at (no project file found).
    pub location: Option<Location>,
    /// Lowercase, without a trailing period.
    pub message: String,
    /// How to fix it, when we can tell.
    pub help: Option<String>,
}

impl ConfigError {
    /// An error at `location`.
    pub fn at(location: Location, message: impl Into<String>) -> Self {
        ConfigError {
            location: Some(location),
            message: message.into(),
            help: None,
        }
    }

    /// An error that points at no file.
    pub fn unlocated(message: impl Into<String>) -> Self {
        ConfigError {
            location: None,
            message: message.into(),
            help: None,
        }
    }

    /// Adds a help line.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(location) = &self.location {
            write!(f, "{location}: ")?;
        }
        f.write_str(&self.message)?;
        if let Some(help) = &self.help {
            write!(f, " (help: {help})")?;
        }
        Ok(())
    }
}

/// Every error found while loading a project, with the text of the files they point into so
/// [`LoadErrors::render`] can show the offending lines.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{}", list(&self.errors))]
pub struct LoadErrors {
    /// In report order: the project file first, then spec files in load order; by position
    /// within a file.
    pub errors: Vec<ConfigError>,
    /// File text by path relative to the project root.
    sources: BTreeMap<Utf8PathBuf, String>,
}

fn list(errors: &[ConfigError]) -> String {
    let mut out = String::new();
    for (i, e) in errors.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let _ = write!(out, "{e}");
    }
    out
}

impl LoadErrors {
    /// Errors without source text (the snippet is left out when rendering).
    pub fn new(errors: Vec<ConfigError>) -> Self {
        LoadErrors {
            errors,
            sources: BTreeMap::new(),
        }
    }

    /// A single unlocated error.
    pub fn single(error: ConfigError) -> Self {
        LoadErrors::new(vec![error])
    }

    /// Records the text of a file the errors may point into.
    pub fn add_source(&mut self, path: impl Into<Utf8PathBuf>, text: impl Into<String>) {
        self.sources.insert(path.into(), text.into());
    }

    /// Renders every error as `error: <message>`, ` --> path:line:col`, the source line with a
    /// caret under the column, and `= help: …`, then a count line. Without `color` the output
    /// is plain text and deterministic (used by tests and non-terminal output).
    pub fn render(&self, color: bool) -> String {
        let mut out = String::new();
        for error in &self.errors {
            self.render_one(&mut out, error, color);
            out.push('\n');
        }
        let n = self.errors.len();
        let count = format!(
            "found {n} error{} while loading the project",
            if n == 1 { "" } else { "s" }
        );
        if color {
            let _ = writeln!(out, "{}", count.bold());
        } else {
            let _ = writeln!(out, "{count}");
        }
        out
    }

    fn render_one(&self, out: &mut String, error: &ConfigError, color: bool) {
        let paint = Paint { color };
        let _ = writeln!(
            out,
            "{}{}",
            paint.error("error"),
            paint.bold(&format!(": {}", error.message))
        );
        let snippet = error.location.as_ref().and_then(|l| {
            let text = self.sources.get(&l.path)?;
            let line = text
                .lines()
                .nth(usize::try_from(l.line).ok()?.checked_sub(1)?)?;
            Some((l, line))
        });
        let width = match &snippet {
            Some((l, _)) => l.line.to_string().len(),
            None => 1,
        };
        let pad = " ".repeat(width);
        if let Some(location) = &error.location {
            let _ = writeln!(out, "{pad}{} {location}", paint.blue("-->"));
        }
        if let Some((location, line)) = snippet {
            // Tabs become one space each so the caret lines up with the character column.
            let shown: String = line
                .chars()
                .map(|c| if c == '\t' { ' ' } else { c })
                .collect();
            let column = usize::try_from(location.column).unwrap_or(1).max(1);
            let indent = " ".repeat(column - 1);
            let marks = "^".repeat(token_width(&shown, column - 1));
            let bar = paint.blue("|");
            let _ = writeln!(out, "{pad} {bar}");
            let _ = writeln!(
                out,
                "{} {bar} {shown}",
                paint.blue(&location.line.to_string())
            );
            let _ = writeln!(out, "{pad} {bar} {indent}{}", paint.error(&marks));
        }
        if let Some(help) = &error.help {
            let _ = writeln!(
                out,
                "{pad} {} {}",
                paint.blue("="),
                paint.help(&format!("help: {help}"))
            );
        }
    }
}

/// How many characters to underline at `start` (0-based character index): a quoted scalar up
/// to its closing quote, a word up to the next space or YAML punctuation, otherwise one.
fn token_width(line: &str, start: usize) -> usize {
    let rest: Vec<char> = line.chars().skip(start).collect();
    match rest.first() {
        None => 1,
        Some(&q @ ('"' | '\'')) => rest
            .iter()
            .skip(1)
            .position(|&c| c == q)
            .map_or(rest.len(), |i| i + 2),
        Some('{' | '[' | '-' | '|' | '>') => 1,
        Some(_) => rest
            .iter()
            .position(|&c| c.is_whitespace() || matches!(c, ':' | ',' | ']' | '}' | '#'))
            .unwrap_or(rest.len())
            .max(1),
    }
}

/// Optional ANSI styling; plain text when `color` is false.
struct Paint {
    color: bool,
}

impl Paint {
    fn error(&self, s: &str) -> String {
        if self.color {
            s.red().bold().to_string()
        } else {
            s.to_owned()
        }
    }
    fn bold(&self, s: &str) -> String {
        if self.color {
            s.bold().to_string()
        } else {
            s.to_owned()
        }
    }
    fn blue(&self, s: &str) -> String {
        if self.color {
            s.blue().bold().to_string()
        } else {
            s.to_owned()
        }
    }
    fn help(&self, s: &str) -> String {
        if self.color {
            s.cyan().to_string()
        } else {
            s.to_owned()
        }
    }
}

/// The candidate closest to `word` by edit distance, if it is close enough to be a likely typo.
pub(crate) fn did_you_mean<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let lower = word.to_lowercase();
    let limit = (word.chars().count() / 3).max(1);
    candidates
        .iter()
        .map(|c| (edit_distance(&lower, &c.to_lowercase()), *c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// `help` text: "did you mean `x`? " when one is close, then the list of what is valid.
pub(crate) fn suggestion_help(word: &str, candidates: &[&str], what: &str) -> String {
    let list = candidates
        .iter()
        .map(|c| format!("`{c}`"))
        .collect::<Vec<_>>()
        .join(", ");
    match did_you_mean(word, candidates) {
        Some(near) => format!("did you mean `{near}`? {what}: {list}"),
        None => format!("{what}: {list}"),
    }
}

/// Edit distance over characters where swapping two neighbours counts as one edit
/// (optimal string alignment), so `tabel` is one edit from `table`.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // d[i][j]: distance between the first i chars of a and the first j chars of b.
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_pick_the_closest_candidate() {
        assert_eq!(
            did_you_mean("engin", &["engine", "version"]),
            Some("engine")
        );
        assert_eq!(
            did_you_mean("not_nul", &["not_null", "unique"]),
            Some("not_null")
        );
        assert_eq!(did_you_mean("xyz", &["engine", "version"]), None);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("tabel", "table"), 1);
        assert_eq!(did_you_mean("tabel", &["table", "where"]), Some("table"));
    }

    #[test]
    fn render_shows_location_line_caret_help_and_count() {
        let mut errors = LoadErrors::new(vec![
            ConfigError::at(Location::new("sqltest.yaml", 2, 1), "unknown key `engin`")
                .with_help("did you mean `engine`?"),
            ConfigError::at(
                Location::new("specs/a.yaml", 3, 12),
                "unknown condition name `check_violaton`",
            ),
            ConfigError::unlocated("no spec files"),
        ]);
        errors.add_source("sqltest.yaml", "# project\nengin: postgres\n");
        errors.add_source(
            "specs/a.yaml",
            "tests:\n  - name: x\n    error: check_violaton\n",
        );
        let expected = "\
error: unknown key `engin`
 --> sqltest.yaml:2:1
  |
2 | engin: postgres
  | ^^^^^
  = help: did you mean `engine`?

error: unknown condition name `check_violaton`
 --> specs/a.yaml:3:12
  |
3 |     error: check_violaton
  |            ^^^^^^^^^^^^^^

error: no spec files

found 3 errors while loading the project
";
        assert_eq!(errors.render(false), expected);
        assert!(
            errors.render(true).contains("\u{1b}["),
            "color output uses ANSI escapes"
        );
        assert_eq!(
            errors.to_string(),
            "sqltest.yaml:2:1: unknown key `engin` (help: did you mean `engine`?)\n\
             specs/a.yaml:3:12: unknown condition name `check_violaton`\nno spec files"
        );
    }

    #[test]
    fn token_width_handles_quotes_and_words() {
        assert_eq!(token_width("a: 'x y' z", 3), 5);
        assert_eq!(token_width("a: {b: 1}", 3), 1);
        assert_eq!(token_width("engine: x", 0), 6);
        assert_eq!(token_width("", 4), 1);
    }
}
