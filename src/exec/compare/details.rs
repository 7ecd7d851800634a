//! The multi-line explanation of a mismatch: expected and actual rows as two tables side by
//! side (stacked when too wide), rows that did not pair marked `-`/`+`, then a unified diff.
//!
//! In the diff every paired row is written the same on both sides (as returned), so only real
//! differences show; unordered rows are sorted first so their order does not show either.

use super::json_form::cell_to_json;
use super::value::Kind;
use super::{Pairing, Rows};
use crate::dialect::{Cell, ResultSet};
use crate::exec::table::{display_width, render_table};
use serde_json::Value;
use similar::TextDiff;
use std::cmp::Ordering;
use std::time::Duration;

/// Rows shown per table; the rest are summarised as "… N more rows".
const MAX_TABLE_ROWS: usize = 50;
/// Longest cell text shown in a table (the diff shows values whole).
const MAX_CELL_CHARS: usize = 40;
/// Widest side-by-side output before the tables are stacked instead.
const MAX_WIDTH: usize = 120;
/// Between the two tables side by side.
const GUTTER: &str = "    ";
/// Lines of diff shown; the rest are summarised.
const MAX_DIFF_LINES: usize = 100;
/// Past this the diff approximates rather than keep a failing test waiting.
const DIFF_TIMEOUT: Duration = Duration::from_secs(2);
/// Shown in the expected table where a row leaves a compared column out.
const NOT_COMPARED: &str = "(any)";

/// A value as written in YAML, for tables and diffs: `NULL`, `108`, `Ann`, `[1,2]`.
pub(super) fn show_expected(value: &Value) -> String {
    match value {
        Value::Null => "NULL".to_string(),
        Value::String(s) => quote_if_needed(s),
        Value::Bool(_) | Value::Number(_) | Value::Array(_) | Value::Object(_) => value.to_string(),
    }
}

/// A returned value, for tables and diffs: the database's text, with booleans, JSON and
/// arrays written like YAML values so they read the same as the expected side.
pub(super) fn show_cell(kind: &Kind, cell: &Cell) -> String {
    match cell {
        Cell::Null => "NULL".to_string(),
        Cell::Int(i) => i.to_string(),
        Cell::Real(f) => f.to_string(),
        Cell::Blob(bytes) => format!("\\x{}", hex::encode(bytes)),
        Cell::Text(text) => match kind {
            Kind::Bool | Kind::Json | Kind::Array(_) => match cell_to_json(kind, cell) {
                Value::String(_) => quote_if_needed(text),
                typed => typed.to_string(),
            },
            Kind::Int
            | Kind::Numeric
            | Kind::Float4
            | Kind::Float8
            | Kind::Money
            | Kind::Date
            | Kind::Time
            | Kind::TimeTz
            | Kind::Timestamp
            | Kind::Uuid
            | Kind::Bytea
            | Kind::Char
            | Kind::Text => quote_if_needed(text),
        },
    }
}

/// Text as is, or JSON-quoted when it could be mistaken: empty, `NULL`, padded, holding `|`
/// (the diff's separator) or control characters.
fn quote_if_needed(text: &str) -> String {
    let ambiguous = text.is_empty()
        || text == "NULL"
        || text.trim() != text
        || text.contains('|')
        || text.chars().any(char::is_control);
    if ambiguous {
        Value::String(text.to_string()).to_string()
    } else {
        text.to_string()
    }
}

/// Details for a column problem: the result's columns with their types, then its rows.
pub(super) fn columns_text(actual: &ResultSet) -> String {
    let described: Vec<String> = actual
        .columns
        .iter()
        .map(|c| format!("{} ({})", c.name, c.type_name))
        .collect();
    let mut out = format!(
        "Result columns: {}\n",
        if described.is_empty() {
            "none".into()
        } else {
            described.join(", ")
        }
    );
    if actual.columns.is_empty() {
        return out;
    }
    let headers: Vec<String> = actual.columns.iter().map(|c| c.name.clone()).collect();
    let kinds: Vec<Kind> = actual
        .columns
        .iter()
        .map(|c| Kind::of(&c.type_name))
        .collect();
    let shown: Vec<Vec<String>> = actual
        .rows
        .iter()
        .take(MAX_TABLE_ROWS)
        .map(|row| {
            kinds
                .iter()
                .zip(row)
                .map(|(kind, cell)| clip(&show_cell(kind, cell)))
                .collect()
        })
        .collect();
    out.push_str(&format!("\nActual ({}):\n", rows_phrase(actual.rows.len())));
    for line in render_table(&headers, &shown).lines() {
        out.push_str(&format!("  {line}\n"));
    }
    if actual.rows.len() > MAX_TABLE_ROWS {
        out.push_str(&format!(
            "  … {} more rows\n",
            actual.rows.len() - MAX_TABLE_ROWS
        ));
    }
    out
}

/// A column shown in the tables: the compared columns, or every result column when nothing
/// is compared (no expected rows) so the unexpected rows still show their values.
struct Shown {
    name: String,
    index: usize,
    kind: Kind,
}

/// One line of the tables: an expected row beside an actual row (either may be absent).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Line {
    Pair {
        expected: Option<usize>,
        actual: Option<usize>,
    },
    /// Lines left out to keep the tables short.
    Gap { expected: usize, actual: usize },
}

/// Details for rows that do not match.
pub(super) fn rows_text(rows: &Rows<'_>, pairing: &Pairing, ordered: bool) -> String {
    let shown: Vec<Shown> = if rows.columns.is_empty() {
        let columns = rows.actual.columns.iter().enumerate();
        columns
            .map(|(index, c)| Shown {
                name: c.name.clone(),
                index,
                kind: Kind::of(&c.type_name),
            })
            .collect()
    } else {
        rows.columns
            .iter()
            .map(|c| Shown {
                name: c.name.clone(),
                index: c.index,
                kind: c.kind.clone(),
            })
            .collect()
    };
    let lines = cap(plan(pairing, ordered), pairing);
    let mut out = tables(rows, pairing, &shown, &lines, ordered);
    out.push('\n');
    out.push_str(&diff(rows, pairing, &shown, ordered));
    out
}

/// Which rows share a line. In order: position by position. As a multiset: paired rows side
/// by side in the expected order, each missing row beside an unexpected one, the rest after.
fn plan(pairing: &Pairing, ordered: bool) -> Vec<(Option<usize>, Option<usize>)> {
    let (n, m) = (
        pairing.expected_to_actual.len(),
        pairing.actual_to_expected.len(),
    );
    if ordered {
        return (0..n.max(m))
            .map(|k| ((k < n).then_some(k), (k < m).then_some(k)))
            .collect();
    }
    let mut unexpected = pairing.unexpected();
    let mut lines: Vec<(Option<usize>, Option<usize>)> = pairing
        .expected_to_actual
        .iter()
        .enumerate()
        .map(|(e, paired)| (Some(e), paired.or_else(|| unexpected.next())))
        .collect();
    lines.extend(unexpected.map(|a| (None, Some(a))));
    lines
}

/// Keeps at most [`MAX_TABLE_ROWS`] lines, those with a mark first, and summarises the others.
fn cap(plan: Vec<(Option<usize>, Option<usize>)>, pairing: &Pairing) -> Vec<Line> {
    let marked = |&(e, a): &(Option<usize>, Option<usize>)| {
        e.is_some_and(|e| pairing.expected_to_actual[e].is_none())
            || a.is_some_and(|a| pairing.actual_to_expected[a].is_none())
    };
    let mut keep = vec![false; plan.len()];
    let mut budget = MAX_TABLE_ROWS;
    for want_marked in [true, false] {
        for (k, line) in plan.iter().enumerate() {
            if budget > 0 && !keep[k] && marked(line) == want_marked {
                keep[k] = true;
                budget -= 1;
            }
        }
    }
    // A gap of one line takes as much room as the line: show the line instead.
    for k in 0..keep.len() {
        let before = k == 0 || keep[k - 1];
        let after = k + 1 == keep.len() || keep[k + 1];
        if before && after {
            keep[k] = true;
        }
    }
    let mut lines = Vec::new();
    for (k, &(expected, actual)) in plan.iter().enumerate() {
        if keep[k] {
            lines.push(Line::Pair { expected, actual });
            continue;
        }
        let (e, a) = (
            usize::from(expected.is_some()),
            usize::from(actual.is_some()),
        );
        match lines.last_mut() {
            Some(Line::Gap { expected, actual }) => {
                *expected += e;
                *actual += a;
            }
            _ => lines.push(Line::Gap {
                expected: e,
                actual: a,
            }),
        }
    }
    lines
}

/// The two tables, side by side when they fit in [`MAX_WIDTH`], else one above the other.
fn tables(
    rows: &Rows<'_>,
    pairing: &Pairing,
    shown: &[Shown],
    lines: &[Line],
    ordered: bool,
) -> String {
    let headers: Vec<String> = shown.iter().map(|s| s.name.clone()).collect();
    let order = if ordered { ", in order" } else { "" };

    let left_title = format!("Expected ({}{order})", rows_phrase(rows.expected.len()));
    let left = side(left_title, &headers, lines, |line| match line {
        Line::Pair {
            expected: Some(e), ..
        } => {
            let cells = shown
                .iter()
                .map(|s| {
                    rows.expected[e]
                        .get(&s.name)
                        .map_or_else(|| NOT_COMPARED.to_string(), |v| clip(&show_expected(v)))
                })
                .collect();
            let mark = if pairing.expected_to_actual[e].is_none() {
                '-'
            } else {
                ' '
            };
            Slot::Row(mark, cells)
        }
        Line::Pair { expected: None, .. } | Line::Gap { expected: 0, .. } => Slot::Blank,
        Line::Gap { expected, .. } => Slot::Gap(expected),
    });
    let right_title = format!("Actual ({}{order})", rows_phrase(rows.actual.rows.len()));
    let right = side(right_title, &headers, lines, |line| match line {
        Line::Pair {
            actual: Some(a), ..
        } => {
            let cells = shown
                .iter()
                .map(|s| clip(&show_cell(&s.kind, rows.cell(a, s.index))))
                .collect();
            let mark = if pairing.actual_to_expected[a].is_none() {
                '+'
            } else {
                ' '
            };
            Slot::Row(mark, cells)
        }
        Line::Pair { actual: None, .. } | Line::Gap { actual: 0, .. } => Slot::Blank,
        Line::Gap { actual, .. } => Slot::Gap(actual),
    });

    let left_width = left
        .iter()
        .flatten()
        .map(|l| display_width(l))
        .max()
        .unwrap_or(0);
    let right_width = right
        .iter()
        .flatten()
        .map(|l| display_width(l))
        .max()
        .unwrap_or(0);
    let mut out = String::new();
    if left_width + GUTTER.len() + right_width <= MAX_WIDTH {
        for (l, r) in left.iter().zip(&right) {
            let l = l.as_deref().unwrap_or("");
            let padding = " ".repeat(left_width - display_width(l));
            let line = format!("{l}{padding}{GUTTER}{}", r.as_deref().unwrap_or(""));
            out.push_str(line.trim_end());
            out.push('\n');
        }
    } else {
        for line in left.iter().flatten() {
            out.push_str(&format!("{line}\n"));
        }
        out.push('\n');
        for line in right.iter().flatten() {
            out.push_str(&format!("{line}\n"));
        }
    }
    out
}

/// What one side shows on one line.
enum Slot {
    Row(char, Vec<String>),
    Blank,
    Gap(usize),
}

/// One table as lines: title, header, rule, then one entry per [`Line`] (`None` = blank, kept
/// so the two sides stay level).
fn side(
    title: String,
    headers: &[String],
    lines: &[Line],
    slot: impl Fn(Line) -> Slot,
) -> Vec<Option<String>> {
    let slots: Vec<Slot> = lines.iter().map(|&line| slot(line)).collect();
    let cells: Vec<Vec<String>> = slots
        .iter()
        .filter_map(|s| {
            if let Slot::Row(_, cells) = s {
                Some(cells.clone())
            } else {
                None
            }
        })
        .collect();
    let rendered = render_table(headers, &cells);
    let mut table = rendered.lines();
    let mut out = vec![Some(title)];
    out.extend(table.by_ref().take(2).map(|l| Some(format!("  {l}"))));
    for slot in slots {
        out.push(match slot {
            Slot::Row(mark, _) => table.next().map(|l| format!("{mark} {l}")),
            Slot::Blank => None,
            Slot::Gap(count) => Some(format!(
                "  … {count} more {}",
                if count == 1 { "row" } else { "rows" }
            )),
        });
    }
    out
}

/// The unified diff of the rows written one per line.
fn diff(rows: &Rows<'_>, pairing: &Pairing, shown: &[Shown], ordered: bool) -> String {
    let actual_line = |a: usize| -> String {
        let parts: Vec<String> = shown
            .iter()
            .map(|s| format!("{}={}", s.name, show_cell(&s.kind, rows.cell(a, s.index))))
            .collect();
        parts.join(" | ")
    };
    let expected_line = |e: usize| -> String {
        let parts: Vec<String> = shown
            .iter()
            .filter_map(|s| {
                rows.expected[e]
                    .get(&s.name)
                    .map(|v| format!("{}={}", s.name, show_expected(v)))
            })
            .collect();
        parts.join(" | ")
    };
    // A paired row is written as returned on both sides, so it never shows as a change.
    let mut old: Vec<String> = pairing
        .expected_to_actual
        .iter()
        .enumerate()
        .map(|(e, paired)| paired.map_or_else(|| expected_line(e), actual_line))
        .collect();
    let mut new: Vec<String> = (0..pairing.actual_to_expected.len())
        .map(actual_line)
        .collect();
    if !ordered {
        old.sort_by(|a, b| natural_cmp(a, b));
        new.sort_by(|a, b| natural_cmp(a, b));
    }
    let old_text: String = old.iter().map(|l| format!("{l}\n")).collect();
    let new_text: String = new.iter().map(|l| format!("{l}\n")).collect();
    let text_diff = TextDiff::configure()
        .timeout(DIFF_TIMEOUT)
        .diff_lines(&old_text, &new_text);
    let unified = text_diff
        .unified_diff()
        .context_radius(3)
        .header("expected", "actual")
        .to_string();
    let total = unified.lines().count();
    let mut out: String = unified
        .lines()
        .take(MAX_DIFF_LINES)
        .map(|l| format!("{l}\n"))
        .collect();
    if total > MAX_DIFF_LINES {
        out.push_str(&format!("… {} more diff lines\n", total - MAX_DIFF_LINES));
    }
    out
}

/// Orders text with runs of digits compared as numbers, so `n=9` sorts before `n=10`.
fn natural_cmp(a: &str, b: &str) -> Ordering {
    let (mut a, mut b) = (a, b);
    loop {
        let (Some(x), Some(y)) = (a.chars().next(), b.chars().next()) else {
            return a.len().cmp(&b.len());
        };
        let ordering = if x.is_ascii_digit() && y.is_ascii_digit() {
            let (da, ra) = split_digits(a);
            let (db, rb) = split_digits(b);
            (a, b) = (ra, rb);
            let (ta, tb) = (da.trim_start_matches('0'), db.trim_start_matches('0'));
            ta.len()
                .cmp(&tb.len())
                .then_with(|| ta.cmp(tb))
                .then_with(|| da.len().cmp(&db.len()))
        } else {
            (a, b) = (&a[x.len_utf8()..], &b[y.len_utf8()..]);
            x.cmp(&y)
        };
        if ordering != Ordering::Equal {
            return ordering;
        }
    }
}

/// Splits off the leading run of ASCII digits.
fn split_digits(text: &str) -> (&str, &str) {
    text.split_at(
        text.find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len()),
    )
}

fn rows_phrase(n: usize) -> String {
    super::plural(n, "row", "rows")
}

/// Shortens a table cell to [`MAX_CELL_CHARS`].
fn clip(text: &str) -> String {
    if text.chars().count() > MAX_CELL_CHARS {
        format!(
            "{}…",
            text.chars().take(MAX_CELL_CHARS - 1).collect::<String>()
        )
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn natural_order_compares_digit_runs_as_numbers() {
        let mut lines = vec![
            "n=10",
            "n=9",
            "n=100",
            "a=2 | b=x",
            "a=2 | b=10",
            "n=09",
            "m=1",
        ];
        lines.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(
            lines,
            [
                "a=2 | b=10",
                "a=2 | b=x",
                "m=1",
                "n=9",
                "n=09",
                "n=10",
                "n=100"
            ]
        );
        assert_eq!(natural_cmp("é1", "é2"), Ordering::Less);
        assert_eq!(natural_cmp("x", "x"), Ordering::Equal);
        assert_eq!(natural_cmp("x", "x1"), Ordering::Less);
    }

    #[test]
    fn expected_values_are_written_like_yaml() {
        assert_eq!(show_expected(&json!(null)), "NULL");
        assert_eq!(show_expected(&json!("Ann")), "Ann");
        assert_eq!(show_expected(&json!("NULL")), r#""NULL""#);
        assert_eq!(show_expected(&json!("")), r#""""#);
        assert_eq!(show_expected(&json!(108.5)), "108.5");
        assert_eq!(show_expected(&json!(true)), "true");
        assert_eq!(show_expected(&json!({"a": [1, 2]})), r#"{"a":[1,2]}"#);
    }

    #[test]
    fn returned_values_read_like_the_expected_side() {
        let text = |s: &str| Cell::Text(s.to_string());
        assert_eq!(show_cell(&Kind::Bool, &text("t")), "true");
        assert_eq!(
            show_cell(&Kind::Json, &text(r#"{"a": [1, 2]}"#)),
            r#"{"a":[1,2]}"#
        );
        assert_eq!(
            show_cell(&Kind::Array(Box::new(Kind::Int)), &text("{1,NULL}")),
            "[1,null]"
        );
        assert_eq!(show_cell(&Kind::Numeric, &text("108.00")), "108.00");
        assert_eq!(show_cell(&Kind::Text, &text("a | b")), r#""a | b""#);
        assert_eq!(show_cell(&Kind::Json, &text("{broken")), "{broken");
        assert_eq!(show_cell(&Kind::Text, &Cell::Null), "NULL");
        assert_eq!(show_cell(&Kind::Int, &Cell::Int(-3)), "-3");
        assert_eq!(show_cell(&Kind::Float8, &Cell::Real(1.5)), "1.5");
        assert_eq!(
            show_cell(&Kind::Bytea, &Cell::Blob(vec![0, 255])),
            "\\x00ff"
        );
    }
}
