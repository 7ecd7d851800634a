//! PostgreSQL's array text form: `{1,2,NULL}`, `{"a b","c\"d"}`, `{{1,2},{3,4}}`.
//!
//! Grammar from the PostgreSQL manual, "8.15.6 Array Input and Output Syntax": elements are
//! separated by commas; an element is quoted when it is empty, is `NULL` as text, or holds
//! braces, commas, quotes, backslashes or surrounding whitespace; inside quotes a backslash
//! escapes the next character. An unquoted `NULL` is SQL NULL. A dimension prefix
//! (`[0:1]={…}`, printed when a lower bound is not 1) is skipped.

use std::iter::Peekable;
use std::str::Chars;

/// Deepest nesting accepted. PostgreSQL allows 6 dimensions; the limit keeps text written in
/// a spec from recursing without bound.
const MAX_DEPTH: usize = 16;

/// One element of a parsed array.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Item {
    Null,
    Text(String),
    /// A sub-array of a multi-dimensional array.
    Array(Vec<Item>),
}

/// Parses a whole array literal; `None` when the text is not one.
pub(crate) fn parse(text: &str) -> Option<Vec<Item>> {
    let text = text.trim();
    let body = if text.starts_with('[') {
        &text[text.find('=')? + 1..]
    } else {
        text
    };
    let mut chars = body.chars().peekable();
    let items = parse_array(&mut chars, 0)?;
    chars.all(char::is_whitespace).then_some(items)
}

fn parse_array(chars: &mut Peekable<Chars<'_>>, depth: usize) -> Option<Vec<Item>> {
    if depth >= MAX_DEPTH || chars.next()? != '{' {
        return None;
    }
    let mut items = Vec::new();
    skip_whitespace(chars);
    if chars.peek() == Some(&'}') {
        chars.next();
        return Some(items);
    }
    loop {
        skip_whitespace(chars);
        let item = match chars.peek()? {
            '{' => Item::Array(parse_array(chars, depth + 1)?),
            '"' => Item::Text(parse_quoted(chars)?),
            _ => parse_unquoted(chars)?,
        };
        items.push(item);
        skip_whitespace(chars);
        match chars.next()? {
            ',' => continue,
            '}' => return Some(items),
            _ => return None,
        }
    }
}

fn parse_quoted(chars: &mut Peekable<Chars<'_>>) -> Option<String> {
    chars.next(); // the opening quote
    let mut out = String::new();
    loop {
        match chars.next()? {
            '\\' => out.push(chars.next()?),
            '"' => return Some(out),
            c => out.push(c),
        }
    }
}

fn parse_unquoted(chars: &mut Peekable<Chars<'_>>) -> Option<Item> {
    let mut out = String::new();
    let mut escaped = false;
    // Where the text ends before trailing whitespace; escaped whitespace is kept.
    let mut kept_len = 0;
    while let Some(&c) = chars.peek() {
        match c {
            ',' | '}' => break,
            '{' | '"' => return None,
            '\\' => {
                chars.next();
                out.push(chars.next()?);
                escaped = true;
                kept_len = out.len();
            }
            c => {
                chars.next();
                out.push(c);
                if !c.is_whitespace() {
                    kept_len = out.len();
                }
            }
        }
    }
    out.truncate(kept_len);
    if out.is_empty() {
        return None;
    }
    if !escaped && out.eq_ignore_ascii_case("null") {
        return Some(Item::Null);
    }
    Some(Item::Text(out))
}

fn skip_whitespace(chars: &mut Peekable<Chars<'_>>) {
    while chars.next_if(|c| c.is_whitespace()).is_some() {}
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> Item {
        Item::Text(s.to_string())
    }

    #[test]
    fn flat_array_with_null() {
        assert_eq!(
            parse("{1,2,NULL}"),
            Some(vec![text("1"), text("2"), Item::Null])
        );
    }

    #[test]
    fn quoted_elements_with_escapes() {
        assert_eq!(
            parse(r#"{"a b","c\"d","e\\f","NULL",""}"#),
            Some(vec![
                text("a b"),
                text("c\"d"),
                text("e\\f"),
                text("NULL"),
                text("")
            ])
        );
    }

    #[test]
    fn nested_arrays() {
        assert_eq!(
            parse("{{1,2},{3,4}}"),
            Some(vec![
                Item::Array(vec![text("1"), text("2")]),
                Item::Array(vec![text("3"), text("4")])
            ])
        );
    }

    #[test]
    fn empty_and_whitespace() {
        assert_eq!(parse("{}"), Some(vec![]));
        assert_eq!(parse(" { a , b } "), Some(vec![text("a"), text("b")]));
        assert_eq!(parse(r"{a\ }"), Some(vec![text("a ")]));
    }

    #[test]
    fn dimension_prefix_is_skipped() {
        assert_eq!(parse("[0:1]={7,8}"), Some(vec![text("7"), text("8")]));
    }

    #[test]
    fn escaped_null_is_text() {
        assert_eq!(parse(r"{N\ULL}"), Some(vec![text("NULL")]));
    }

    #[test]
    fn json_elements_keep_their_text() {
        assert_eq!(parse(r#"{"{\"a\": 1}"}"#), Some(vec![text(r#"{"a": 1}"#)]));
    }

    #[test]
    fn deep_nesting_is_refused_not_overflowed() {
        let deep = format!("{}1{}", "{".repeat(100_000), "}".repeat(100_000));
        assert_eq!(parse(&deep), None);
        let six = format!("{}1{}", "{".repeat(6), "}".repeat(6));
        assert!(parse(&six).is_some());
    }

    #[test]
    fn rejects_malformed_text() {
        for s in [
            "",
            "1,2",
            "{1,2",
            "{1,,2}",
            "{1,2}x",
            r#"{"a}"#,
            "{a\"b}",
            "{1}{2}",
            "[1:2]{1,2}",
            "{,}",
        ] {
            assert_eq!(parse(s), None, "{s:?}");
        }
    }
}
