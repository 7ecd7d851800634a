//! A small plain-text table renderer for failure details and terminal reports.
//!
//! Output is ASCII apart from the cell text itself, so it reads the same in a terminal, a CI log
//! and a Markdown code block. Column widths count terminal cells ([`display_width`]), so wide
//! (CJK, emoji) and zero-width (combining) characters keep the columns aligned.

/// Separator between two cells of a line.
const CELL_SEPARATOR: &str = " | ";
/// Separator between two column rules on the line under the header.
const RULE_SEPARATOR: &str = "-+-";

/// Renders `rows` under `headers` as aligned, left-justified columns.
///
/// The result has one line per row, each ending in `\n`: the header line, a rule line
/// (`---+----`), then one line per row in order, so callers may decorate lines by index.
/// Trailing spaces are trimmed. Control characters in cells are escaped (`\n` becomes `\\n`)
/// so a cell never breaks its line. A row shorter than `headers` is padded with empty cells;
/// cells beyond the headers are ignored. No headers gives an empty string.
pub fn render_table(headers: &[String], rows: &[Vec<String>]) -> String {
    if headers.is_empty() {
        return String::new();
    }
    let header_cells: Vec<String> = headers.iter().map(|h| escape_controls(h)).collect();
    let body: Vec<Vec<String>> = rows
        .iter()
        .map(|row| {
            (0..headers.len())
                .map(|i| row.get(i).map(|c| escape_controls(c)).unwrap_or_default())
                .collect()
        })
        .collect();

    let mut widths: Vec<usize> = header_cells.iter().map(|h| display_width(h)).collect();
    for row in &body {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(display_width(cell));
        }
    }

    let mut out = String::new();
    push_line(&mut out, &header_cells, &widths);
    let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
    out.push_str(&rule.join(RULE_SEPARATOR));
    out.push('\n');
    for row in &body {
        push_line(&mut out, row, &widths);
    }
    out
}

fn push_line(out: &mut String, cells: &[String], widths: &[usize]) {
    let mut line = String::new();
    for (i, (cell, width)) in cells.iter().zip(widths).enumerate() {
        if i > 0 {
            line.push_str(CELL_SEPARATOR);
        }
        line.push_str(cell);
        line.push_str(&" ".repeat(width.saturating_sub(display_width(cell))));
    }
    out.push_str(line.trim_end());
    out.push('\n');
}

/// Escapes characters that would break a line or move the cursor.
fn escape_controls(s: &str) -> String {
    if !s.chars().any(char::is_control) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// Terminal cells `s` takes: 2 for East Asian wide and emoji characters, 0 for combining marks
/// and zero-width characters, 1 otherwise.
///
/// An approximation of Unicode's East Asian Width covering the common ranges; exact enough to
/// keep tables aligned for the text people put in test data.
pub fn display_width(s: &str) -> usize {
    s.chars().map(char_width).sum()
}

fn char_width(c: char) -> usize {
    let cp = c as u32;
    let zero_width = matches!(cp,
        0x0300..=0x036F     // combining diacritical marks
        | 0x0483..=0x0489
        | 0x0591..=0x05BD
        | 0x1AB0..=0x1AFF
        | 0x1DC0..=0x1DFF
        | 0x200B..=0x200F   // zero-width space, joiners, direction marks
        | 0x20D0..=0x20FF
        | 0xFE00..=0xFE0F   // variation selectors
        | 0xFE20..=0xFE2F);
    if zero_width {
        return 0;
    }
    let wide = matches!(cp,
        0x1100..=0x115F     // Hangul Jamo
        | 0x2E80..=0x303E   // CJK radicals, punctuation
        | 0x3041..=0x33FF   // kana, CJK compatibility
        | 0x3400..=0x4DBF   // CJK extension A
        | 0x4E00..=0x9FFF   // CJK unified ideographs
        | 0xA000..=0xA4CF   // Yi
        | 0xAC00..=0xD7A3   // Hangul syllables
        | 0xF900..=0xFAFF   // CJK compatibility ideographs
        | 0xFE30..=0xFE4F
        | 0xFF00..=0xFF60   // fullwidth forms
        | 0xFFE0..=0xFFE6
        | 0x1F300..=0x1F64F // emoji
        | 0x1F900..=0x1F9FF
        | 0x20000..=0x3FFFD);
    if wide { 2 } else { 1 }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn aligns_columns_to_the_widest_cell() {
        let table = render_table(
            &strings(&["id", "name"]),
            &[strings(&["1", "Ann"]), strings(&["1000", "Bo"])],
        );
        assert_eq!(table, "id   | name\n-----+-----\n1    | Ann\n1000 | Bo\n");
    }

    #[test]
    fn header_wider_than_cells_sets_the_width() {
        let table = render_table(&strings(&["amount", "x"]), &[strings(&["5", "y"])]);
        assert_eq!(table, "amount | x\n-------+--\n5      | y\n");
    }

    #[test]
    fn escapes_newlines_and_tabs_so_each_row_stays_one_line() {
        let table = render_table(&strings(&["note"]), &[strings(&["a\nb\tc"])]);
        assert_eq!(table.lines().count(), 3);
        assert!(table.contains("a\\nb\\tc"), "{table}");
    }

    #[test]
    fn pads_short_rows_and_ignores_extra_cells() {
        let table = render_table(
            &strings(&["a", "b"]),
            &[strings(&["1"]), strings(&["2", "3", "4"])],
        );
        assert_eq!(table, "a | b\n--+--\n1 |\n2 | 3\n");
    }

    #[test]
    fn wide_characters_count_two_cells() {
        let table = render_table(
            &strings(&["name", "n"]),
            &[strings(&["日本", "1"]), strings(&["ab", "2"])],
        );
        let lines: Vec<&str> = table.lines().collect();
        // "日本" is four cells wide, like "name": the separators line up.
        assert_eq!(lines[2], "日本 | 1");
        assert_eq!(lines[3], "ab   | 2");
    }

    #[test]
    fn combining_marks_take_no_cell() {
        assert_eq!(display_width("e\u{301}"), 1);
        assert_eq!(display_width("héllo"), 5);
        assert_eq!(display_width("😀"), 2);
    }

    #[test]
    fn no_headers_renders_nothing() {
        assert_eq!(render_table(&[], &[vec!["x".to_string()]]), "");
    }
}
