//! One YAML file being loaded: parsing it with serde-saphyr, turning its locations into
//! [`Location`]s, and collecting the errors found in it.

use super::errors::{ConfigError, suggestion_help};
use super::model::SqlText;
use super::node::{Node, Yaml};
use crate::Location;
use camino::Utf8PathBuf;
use serde::de::DeserializeOwned;
use serde_saphyr::{Error as YamlError, MessageFormatter, Spanned, UserMessageFormatter};

/// How a table name holding `.` (or starting with `"`) is written.
const TABLE_NAME_HELP: &str = "a name is taken as written up to each `.`; write a part holding `.` in double quotes, with `\"\"` for a quote inside: `\"my.schema\".\"a.b\"`";

/// A file of the project and the errors found in it so far.
pub(crate) struct FileCtx {
    /// Relative to the project root, forward slashes.
    pub path: Utf8PathBuf,
    pub text: String,
    pub errors: Vec<ConfigError>,
}

impl FileCtx {
    pub fn new(path: impl Into<Utf8PathBuf>, text: impl Into<String>) -> Self {
        FileCtx {
            path: path.into(),
            text: text.into(),
            errors: Vec::new(),
        }
    }

    /// Parses the whole file into `T`. An empty file (or one with only comments) gives `None`.
    /// A YAML or shape error is recorded and also gives `None`: serde stops at the first one.
    pub fn parse<T: DeserializeOwned>(&mut self) -> Option<T> {
        match serde_saphyr::from_str_with_options::<Option<T>>(&self.text, yaml_options()) {
            Ok(value) => value,
            Err(e) => {
                let error = self.yaml_error(&e);
                self.errors.push(error);
                None
            }
        }
    }

    /// Converts a serde-saphyr error into a located [`ConfigError`] with our wording for the
    /// common cases (unknown and missing keys, duplicate keys).
    fn yaml_error(&self, error: &YamlError) -> ConfigError {
        let mut inner = error;
        while let YamlError::AliasError { error, .. } | YamlError::WithSnippet { error, .. } = inner
        {
            inner = error;
        }
        let location = error
            .location()
            .or_else(|| inner.location())
            .filter(|l| l.line() > 0)
            .map(|l| self.location(&l))
            .unwrap_or_else(|| Location::file(self.path.clone()));
        match inner {
            YamlError::SerdeUnknownField {
                field, expected, ..
            } => {
                let error = ConfigError::at(location, format!("unknown key `{field}`"));
                if expected.is_empty() {
                    error.with_help("no keys are allowed here")
                } else {
                    error.with_help(suggestion_help(field, expected, "valid keys here"))
                }
            }
            YamlError::SerdeMissingField { field, .. } => {
                ConfigError::at(location, format!("missing required key `{field}`"))
            }
            YamlError::DuplicateMappingKey { key, .. } => match key {
                Some(key) => ConfigError::at(location, format!("duplicate key `{key}`")),
                None => ConfigError::at(location, "duplicate key"),
            },
            YamlError::Unexpected { expected, .. } => {
                ConfigError::at(location, format!("expected {}", plain_shape(expected)))
            }
            YamlError::InvalidScalar { ty, .. } => {
                ConfigError::at(location, format!("expected {}", plain_shape(ty)))
            }
            other => {
                let message = UserMessageFormatter.format_message(other);
                ConfigError::at(location, clean_message(&message))
            }
        }
    }

    /// The project location of a serde-saphyr location in this file.
    pub fn location(&self, at: &serde_saphyr::Location) -> Location {
        Location::new(
            self.path.clone(),
            at.line().try_into().unwrap_or(u32::MAX),
            at.column().try_into().unwrap_or(u32::MAX),
        )
    }

    /// The location of a spanned value.
    pub fn at<T>(&self, spanned: &Spanned<T>) -> Location {
        self.location(&spanned.referenced)
    }

    /// Records an error at `location`.
    pub fn error(&mut self, location: Location, message: impl Into<String>) {
        self.errors.push(ConfigError::at(location, message));
    }

    /// Records an error with a help line.
    pub fn error_help(
        &mut self,
        location: Location,
        message: impl Into<String>,
        help: impl Into<String>,
    ) {
        self.errors
            .push(ConfigError::at(location, message).with_help(help));
    }

    /// Records "expected X, found Y" at a node.
    pub fn expected(&mut self, node: &Node, what: &str) {
        let message = format!("expected {what}, found {}", node.value.describe());
        self.error(self.at(node), message);
    }

    /// A string node's text, or an error naming what was expected.
    pub fn string(&mut self, node: &Node, what: &str) -> Option<String> {
        match &node.value {
            Yaml::Str(s) => Some(s.clone()),
            _ => {
                self.expected(node, what);
                None
            }
        }
    }

    /// A non-empty identifier-like string (a column or table name).
    pub fn name(&mut self, node: &Node, what: &str) -> Option<String> {
        let text = self.string(node, what)?;
        if text.trim().is_empty() {
            self.error(self.at(node), format!("{what} is empty"));
            return None;
        }
        Some(text)
    }

    /// A table name as a spec writes it (`t`, `schema.t`, `"a.b"`): non-empty and splitting
    /// into parts ([`crate::dialect::quote::split_qualified`]), else an error at `at`.
    pub fn table_name(&mut self, written: &str, at: Location) -> bool {
        match crate::dialect::quote::split_qualified(written) {
            Ok(_) => true,
            Err(e) => {
                self.error_help(
                    at,
                    format!("table name `{written}` is malformed: {e}"),
                    TABLE_NAME_HELP,
                );
                false
            }
        }
    }

    /// SQL text from a spanned string, located at its first character (see [`Self::sql_location`]).
    /// Empty or blank SQL is an error naming `key`.
    pub fn sql(&mut self, spanned: &Spanned<String>, key: &str) -> Option<SqlText> {
        let location = self.sql_location(spanned);
        if spanned.value.trim().is_empty() {
            self.error(location, format!("`{key}` is empty"));
            return None;
        }
        Some(SqlText {
            sql: spanned.value.clone(),
            location,
        })
    }

    /// Where the first character of a scalar's *value* is in the file.
    ///
    /// serde-saphyr locates a scalar at its first source character: the opening quote of a
    /// quoted scalar, and the first content character of a block scalar (`|`, `>`), after any
    /// leading blank lines. This shifts quoted scalars one column right (past the quote) and
    /// moves block scalars that start with blank lines back to the first blank line, so that
    /// line `k` (0-based) of a `|` literal block is file line `location.line + k` (and, for
    /// any `k`, its 0-based character `c` is file column `location.column + c` when the block has
    /// no leading blank lines). A single-line plain scalar maps columns exactly, and so does a
    /// quoted one without escapes. Folded
    /// (`>`) and multi-line plain or quoted scalars join lines, so only the first line maps exactly.
    pub fn sql_location(&self, spanned: &Spanned<String>) -> Location {
        let at = &spanned.referenced;
        let (mut line, mut column) = (at.line(), at.column());
        let first = at
            .span()
            .byte_offset()
            .and_then(|b| usize::try_from(b).ok())
            .and_then(|b| self.text.get(b..))
            .and_then(|rest| rest.chars().next());
        match first {
            Some('"' | '\'') => column += 1,
            _ => {
                let blank = spanned.value.chars().take_while(|&c| c == '\n').count() as u64;
                if blank > 0 && line > blank {
                    line -= blank;
                    column = 1;
                }
            }
        }
        Location::new(
            self.path.clone(),
            line.try_into().unwrap_or(u32::MAX),
            column.try_into().unwrap_or(u32::MAX),
        )
    }
}

/// How every project file is parsed: YAML 1.2 booleans only (`no`, `y` and `off` stay strings,
/// which matters for accepted values and column names), and numbers with leading zeros stay
/// strings (`007` is a code, not 7). Errors come without the library's snippet: we render our own.
pub(crate) fn yaml_options() -> serde_saphyr::Options {
    serde_saphyr::options! {
        strict_booleans: true,
        leading_zero_numbers_as_strings: true,
        with_snippet: false,
    }
}

/// Our words for the library's names of YAML shapes and Rust scalar types.
fn plain_shape(shape: &str) -> String {
    match shape {
        "sequence start" => "a list here".to_owned(),
        "mapping start" => "a map here".to_owned(),
        "string scalar" => "a string here".to_owned(),
        "u8" | "u16" | "u32" | "u64" | "usize" => "a whole number, 0 or more".to_owned(),
        "i8" | "i16" | "i32" | "i64" | "isize" => "a whole number".to_owned(),
        "f32" | "f64" => "a number".to_owned(),
        other => other.to_owned(),
    }
}

/// Lowercases the first letter of a library message and drops a trailing period, to match our
/// message style.
fn clean_message(message: &str) -> String {
    let trimmed = message.trim().trim_end_matches('.');
    let mut chars = trimmed.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => "invalid YAML".to_owned(),
    }
}
