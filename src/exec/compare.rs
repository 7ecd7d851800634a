//! Comparing the rows a statement returned against `expect.rows`.
//!
//! The compared columns are the keys of the expected rows; rows match when every compared
//! value matches by type ([`value_matches`]). Unordered, rows pair up as a multiset (a
//! maximum bipartite matching, so duplicates count and a loose expectation cannot steal the row
//! a stricter one needs); ordered, position by position. A mismatch carries one sentence, a
//! side-by-side table with a diff ([`details`]), and both row sets as JSON.

mod details;
mod json_form;
mod number;
mod pgarray;
mod temporal;
mod value;

pub use json_form::result_set_to_json;
pub use value::value_matches;

use crate::dialect::{Cell, ResultSet};
use crate::project::Row;
use serde_json::Value;
use value::Kind;

/// Rows kept in [`Mismatch::actual`], so a runaway query does not bloat the results file.
const MAX_JSON_ROWS: usize = 1000;
/// Longest row summary quoted in a message.
const MAX_SUMMARY_CHARS: usize = 60;

/// Why the returned rows do not match `expect.rows`.
#[derive(Debug, Clone, PartialEq)]
pub struct Mismatch {
    /// One standalone sentence, e.g. "expected 2 rows, got 3: 1 missing, 2 unexpected".
    pub message: String,
    /// Multi-line: expected and actual rows side by side, then a unified diff.
    pub details: String,
    /// The expected rows as written (an array of objects).
    pub expected: Value,
    /// The returned rows as [`result_set_to_json`] gives them (first 1000 rows).
    pub actual: Value,
}

/// Compare the rows a statement returned against `expect.rows`.
///
/// Compared columns are the union of the expected rows' keys; a row that leaves a key out does
/// not constrain that column. Extra result columns are ignored unless `exact_columns` (then the
/// result must have exactly the compared columns; with no expected rows there is nothing to
/// check them against). Rows compare as a multiset unless `ordered`.
#[allow(
    clippy::result_large_err,
    reason = "a mismatch is the rare, final outcome of a test; boxing it buys nothing"
)]
pub fn compare_rows(
    expected: &[Row],
    actual: &ResultSet,
    ordered: bool,
    exact_columns: bool,
) -> Result<(), Mismatch> {
    let names = compared_column_names(expected);
    let mut columns = Vec::with_capacity(names.len());
    let mut absent = Vec::new();
    for name in names {
        match actual.columns.iter().position(|c| c.name == name) {
            Some(index) => columns.push(Compared {
                kind: Kind::of(&actual.columns[index].type_name),
                name,
                index,
            }),
            None => absent.push(name),
        }
    }
    if !absent.is_empty() {
        let message = format!(
            "{} (it has {})",
            not_in_result(&absent),
            result_columns_phrase(actual)
        );
        return Err(mismatch(
            message,
            details::columns_text(actual),
            expected,
            actual,
        ));
    }
    if exact_columns && !expected.is_empty() {
        let mut extra: Vec<&str> = actual
            .columns
            .iter()
            .map(|c| c.name.as_str())
            .filter(|name| !columns.iter().any(|c| c.name == *name))
            .collect();
        extra.dedup();
        if !extra.is_empty() {
            let message = format!(
                "the result has {} not in expect.rows (columns: exact): {}",
                plural(extra.len(), "column", "columns"),
                extra.join(", ")
            );
            return Err(mismatch(
                message,
                details::columns_text(actual),
                expected,
                actual,
            ));
        }
    }

    let rows = Rows {
        columns,
        expected,
        actual,
    };
    let pairing = if ordered {
        rows.pair_in_order()
    } else {
        rows.pair_as_multiset()
    };
    if pairing.is_perfect() {
        return Ok(());
    }
    let message = if ordered {
        rows.ordered_message(&pairing)
    } else {
        rows.multiset_message(&pairing)
    };
    Err(mismatch(
        message,
        details::rows_text(&rows, &pairing, ordered),
        expected,
        actual,
    ))
}

fn mismatch(message: String, details: String, expected: &[Row], actual: &ResultSet) -> Mismatch {
    let expected = Value::Array(
        expected
            .iter()
            .map(|row| Value::Object(row.iter().map(|(k, v)| (k.clone(), v.clone())).collect()))
            .collect(),
    );
    Mismatch {
        message,
        details,
        expected,
        actual: json_form::rows_to_json(actual, MAX_JSON_ROWS),
    }
}

/// Keys of the expected rows, in order of first appearance.
fn compared_column_names(expected: &[Row]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for key in expected.iter().flat_map(|row| row.keys()) {
        if !names.contains(key) {
            names.push(key.clone());
        }
    }
    names
}

fn not_in_result(absent: &[String]) -> String {
    let quoted: Vec<String> = absent.iter().map(|n| format!("\"{n}\"")).collect();
    match quoted.as_slice() {
        [one] => format!("expected column {one} is not in the result"),
        many => format!("expected columns {} are not in the result", many.join(", ")),
    }
}

fn result_columns_phrase(actual: &ResultSet) -> String {
    if actual.columns.is_empty() {
        return "no columns".to_string();
    }
    let names: Vec<&str> = actual.columns.iter().map(|c| c.name.as_str()).collect();
    format!(
        "{}: {}",
        plural(names.len(), "column", "columns"),
        names.join(", ")
    )
}

/// `1 row`, `3 rows`.
fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// One compared column: its name, its position in the result, how its values compare.
struct Compared {
    name: String,
    index: usize,
    kind: Kind,
}

/// Both sides of a comparison, with the columns resolved.
struct Rows<'a> {
    columns: Vec<Compared>,
    expected: &'a [Row],
    actual: &'a ResultSet,
}

/// Which expected row each actual row stands for.
struct Pairing {
    /// For each expected row, the actual row it matched.
    expected_to_actual: Vec<Option<usize>>,
    /// For each actual row, the expected row it matched.
    actual_to_expected: Vec<Option<usize>>,
}

impl Pairing {
    fn new(expected: usize, actual: usize) -> Self {
        Pairing {
            expected_to_actual: vec![None; expected],
            actual_to_expected: vec![None; actual],
        }
    }

    fn link(&mut self, expected: usize, actual: usize) {
        self.expected_to_actual[expected] = Some(actual);
        self.actual_to_expected[actual] = Some(expected);
    }

    fn is_perfect(&self) -> bool {
        self.expected_to_actual.iter().all(Option::is_some)
            && self.actual_to_expected.iter().all(Option::is_some)
    }

    fn missing(&self) -> impl Iterator<Item = usize> + '_ {
        self.expected_to_actual
            .iter()
            .enumerate()
            .filter(|(_, a)| a.is_none())
            .map(|(e, _)| e)
    }

    fn unexpected(&self) -> impl Iterator<Item = usize> + '_ {
        self.actual_to_expected
            .iter()
            .enumerate()
            .filter(|(_, e)| e.is_none())
            .map(|(a, _)| a)
    }
}

impl Rows<'_> {
    /// The cell at `row` and result column `index`; NULL if the result set is ragged.
    fn cell(&self, row: usize, index: usize) -> &Cell {
        self.actual
            .rows
            .get(row)
            .and_then(|r| r.get(index))
            .unwrap_or(&Cell::Null)
    }

    /// Whether the values of one compared column match; a key the expected row leaves out matches.
    fn value_matches(&self, expected: usize, actual: usize, column: &Compared) -> bool {
        self.expected[expected]
            .get(&column.name)
            .is_none_or(|want| value::matches(want, &column.kind, self.cell(actual, column.index)))
    }

    fn row_matches(&self, expected: usize, actual: usize) -> bool {
        self.columns
            .iter()
            .all(|column| self.value_matches(expected, actual, column))
    }

    fn pair_in_order(&self) -> Pairing {
        let mut pairing = Pairing::new(self.expected.len(), self.actual.rows.len());
        for row in 0..self.expected.len().min(self.actual.rows.len()) {
            if self.row_matches(row, row) {
                pairing.link(row, row);
            }
        }
        pairing
    }

    /// A maximum matching of expected to actual rows (Kuhn's augmenting paths).
    fn pair_as_multiset(&self) -> Pairing {
        let actual_len = self.actual.rows.len();
        let candidates: Vec<Vec<usize>> = (0..self.expected.len())
            .map(|e| {
                (0..actual_len)
                    .filter(|&a| self.row_matches(e, a))
                    .collect()
            })
            .collect();
        let mut pairing = Pairing::new(self.expected.len(), actual_len);
        // Results usually come back in the written order: start from same-position pairs.
        for (e, options) in candidates.iter().enumerate() {
            if options.binary_search(&e).is_ok() {
                pairing.link(e, e);
            }
        }
        for e in 0..self.expected.len() {
            if pairing.expected_to_actual[e].is_none() {
                let mut visited = vec![false; actual_len];
                augment(e, &candidates, &mut visited, &mut pairing);
            }
        }
        pairing
    }

    /// `id=2 | total=5`: the compared values of an expected row (keys it leaves out skipped).
    fn expected_summary(&self, row: usize) -> String {
        let parts: Vec<String> = self
            .columns
            .iter()
            .filter_map(|c| {
                self.expected[row]
                    .get(&c.name)
                    .map(|v| format!("{}={}", c.name, details::show_expected(v)))
            })
            .collect();
        parts.join(" | ")
    }

    /// `id=2 | total=6.00`: the compared values of an actual row.
    fn actual_summary(&self, row: usize) -> String {
        let parts: Vec<String> = self
            .columns
            .iter()
            .map(|c| {
                format!(
                    "{}={}",
                    c.name,
                    details::show_cell(&c.kind, self.cell(row, c.index))
                )
            })
            .collect();
        parts.join(" | ")
    }

    fn multiset_message(&self, pairing: &Pairing) -> String {
        let missing: Vec<usize> = pairing.missing().collect();
        let unexpected: Vec<usize> = pairing.unexpected().collect();
        let mut parts = Vec::new();
        if let Some(&first) = missing.first() {
            parts.push(format!(
                "{} missing{}",
                missing.len(),
                self.hint(missing.len(), || self.expected_summary(first))
            ));
        }
        if let Some(&first) = unexpected.first() {
            parts.push(format!(
                "{} unexpected{}",
                unexpected.len(),
                self.hint(unexpected.len(), || self.actual_summary(first))
            ));
        }
        format!(
            "expected {}, got {}: {}",
            plural(self.expected.len(), "row", "rows"),
            self.actual.rows.len(),
            parts.join(", ")
        )
    }

    /// ` (id=2 | total=5)` when exactly one row is meant and it is short enough to quote.
    fn hint(&self, count: usize, summary: impl FnOnce() -> String) -> String {
        if count != 1 || self.columns.is_empty() {
            return String::new();
        }
        let summary = summary();
        if summary.chars().count() > MAX_SUMMARY_CHARS {
            let cut: String = summary.chars().take(MAX_SUMMARY_CHARS - 1).collect();
            format!(" ({cut}…)")
        } else {
            format!(" ({summary})")
        }
    }

    fn ordered_message(&self, pairing: &Pairing) -> String {
        let (n, m) = (self.expected.len(), self.actual.rows.len());
        let intro = format!("expected {} in order, got {m}", plural(n, "row", "rows"));
        let differing: Vec<usize> = (0..n.min(m))
            .filter(|&row| pairing.expected_to_actual[row].is_none())
            .collect();
        if n == m && self.pair_as_multiset().is_perfect() {
            let first = differing.first().map_or(0, |row| row + 1);
            return format!(
                "{intro}: the same rows in a different order, first out of place at row {first}"
            );
        }
        let mut parts = Vec::new();
        if let Some(&first) = differing.first() {
            let what = self.describe_difference(first);
            parts.push(match differing.len() {
                1 => format!("row {} differs ({what})", first + 1),
                count => format!("{count} rows differ, first row {} ({what})", first + 1),
            });
        }
        if n > m {
            parts.push(format!("{} missing at the end", n - m));
        }
        if m > n {
            parts.push(format!("{} unexpected at the end", m - n));
        }
        format!("{intro}: {}", parts.join(", "))
    }

    /// `total: expected 108, got 107.00` for up to two differing columns of one position.
    fn describe_difference(&self, row: usize) -> String {
        let differing: Vec<String> = self
            .columns
            .iter()
            .filter(|c| !self.value_matches(row, row, c))
            .filter_map(|c| {
                let want = self.expected[row].get(&c.name)?;
                let got = details::show_cell(&c.kind, self.cell(row, c.index));
                Some(format!(
                    "{}: expected {}, got {}",
                    c.name,
                    clip(&details::show_expected(want)),
                    clip(&got)
                ))
            })
            .collect();
        match differing.len() {
            0..=2 => differing.join("; "),
            more => format!(
                "{}; and {} more columns",
                differing[..2].join("; "),
                more - 2
            ),
        }
    }
}

/// Tries to give expected row `e` an actual row, moving earlier pairs along if needed.
fn augment(
    e: usize,
    candidates: &[Vec<usize>],
    visited: &mut [bool],
    pairing: &mut Pairing,
) -> bool {
    for &a in &candidates[e] {
        if visited[a] {
            continue;
        }
        visited[a] = true;
        let free = match pairing.actual_to_expected[a] {
            None => true,
            Some(other) => augment(other, candidates, visited, pairing),
        };
        if free {
            pairing.link(e, a);
            return true;
        }
    }
    false
}

/// Shortens a value quoted in a message.
fn clip(text: &str) -> String {
    const MAX: usize = 30;
    if text.chars().count() > MAX {
        format!("{}…", text.chars().take(MAX - 1).collect::<String>())
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests;
