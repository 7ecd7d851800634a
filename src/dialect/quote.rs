//! Quoting identifiers and literals from specs, so no name written in a spec can inject SQL.

use crate::project::Engine;

/// Quotes one identifier part: `a"b` → `"a""b"` (PostgreSQL, SQLite) or `` `a``b` `` (MySQL).
pub fn ident(engine: Engine, name: &str) -> String {
    match engine {
        Engine::Postgres | Engine::Sqlite => format!("\"{}\"", name.replace('"', "\"\"")),
        Engine::Mysql | Engine::Mariadb => format!("`{}`", name.replace('`', "``")),
    }
}

/// Quotes a possibly schema-qualified name as a spec writes it (see [`split_qualified`]):
/// `shop.orders` → `"shop"."orders"`, `a"b` → `"a""b"`, `"odd.name"` → `"odd.name"`.
/// A malformed name (see [`SpecNameError`]) is quoted whole, so it names nothing rather than
/// something else; the spec loader reports it first.
pub fn qualified(engine: Engine, name: &str) -> String {
    match split_qualified(name) {
        Ok(parts) => parts
            .iter()
            .map(|part| ident(engine, part))
            .collect::<Vec<_>>()
            .join("."),
        Err(_) => ident(engine, name),
    }
}

/// Why a table name written in a spec cannot be split into its parts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpecNameError {
    #[error("a quoted part has no closing `\"`")]
    Unclosed,
    #[error("text follows a quoted part (a quoted part ends at `.` or at the end)")]
    TextAfterQuote,
    #[error("part {0} of the name is empty")]
    EmptyPart(usize),
}

/// Splits a table name written in a spec (`table`, `schema.table`) into its parts.
///
/// A part is taken literally up to the next `.`, so `a"b`, `first name` and `prénom` name
/// themselves; only a part that *starts* with `"` is a quoted identifier, as in SQL, running to
/// its closing `"` with `""` for a quote inside: that is how a name holding a `.` is written
/// (`"my.schema"."t"`, or `"a.b"` for a table named `a.b`).
pub fn split_qualified(name: &str) -> Result<Vec<String>, SpecNameError> {
    let chars: Vec<char> = name.chars().collect();
    let mut parts = Vec::new();
    let mut i = 0;
    loop {
        let mut part = String::new();
        if chars.get(i) == Some(&'"') {
            i += 1;
            loop {
                match (chars.get(i), chars.get(i + 1)) {
                    (Some('"'), Some('"')) => {
                        part.push('"');
                        i += 2;
                    }
                    (Some('"'), _) => {
                        i += 1;
                        break;
                    }
                    (Some(c), _) => {
                        part.push(*c);
                        i += 1;
                    }
                    (None, _) => return Err(SpecNameError::Unclosed),
                }
            }
            if !matches!(chars.get(i), None | Some('.')) {
                return Err(SpecNameError::TextAfterQuote);
            }
        } else {
            while let Some(c) = chars.get(i).filter(|c| **c != '.') {
                part.push(*c);
                i += 1;
            }
            if part.is_empty() {
                return Err(SpecNameError::EmptyPart(parts.len() + 1));
            }
        }
        parts.push(part);
        match chars.get(i) {
            Some('.') => i += 1,
            _ => return Ok(parts),
        }
    }
}

/// One part of a name as a spec writes it: itself, or quoted when it holds a `.` or starts
/// with `"` (the inverse of [`split_qualified`]), so messages suggest what can be pasted.
pub fn spec_part(part: &str) -> String {
    if part.contains('.') || part.starts_with('"') || part.is_empty() {
        format!("\"{}\"", part.replace('"', "\"\""))
    } else {
        part.to_string()
    }
}

/// `schema.name` (or `name` alone) as a spec writes it.
pub fn spec_name(schema: Option<&str>, name: &str) -> String {
    match schema {
        Some(s) => format!("{}.{}", spec_part(s), spec_part(name)),
        None => spec_part(name),
    }
}

/// Quotes a string literal: `it's` → `'it''s'`. Standard-conforming strings are assumed
/// (the PostgreSQL default since 9.1), so backslashes are not special.
pub fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_cannot_break_out_of_quotes() {
        let evil = r#"x"; drop table y; --"#;
        assert_eq!(ident(Engine::Postgres, evil), r#""x""; drop table y; --""#);
        assert_eq!(ident(Engine::Mysql, "a`b"), "`a``b`");
    }

    #[test]
    fn qualified_names_split_on_unquoted_dots() {
        assert_eq!(
            qualified(Engine::Postgres, "shop.orders"),
            r#""shop"."orders""#
        );
        assert_eq!(
            qualified(Engine::Postgres, r#""odd.name""#),
            r#""odd.name""#
        );
        assert_eq!(
            split_qualified(r#"s."a""b""#),
            Ok(vec!["s".to_string(), "a\"b".to_string()])
        );
        assert_eq!(
            split_qualified(r#""my.schema"."t""#),
            Ok(vec!["my.schema".to_string(), "t".to_string()])
        );
    }

    /// Regression (issue 10, item 5): a table named `a"b` was looked up as `ab`.
    #[test]
    fn a_quote_inside_a_bare_part_is_literal() {
        assert_eq!(split_qualified(r#"a"b"#), Ok(vec![r#"a"b"#.to_string()]));
        assert_eq!(qualified(Engine::Sqlite, r#"a"b"#), r#""a""b""#);
        assert_eq!(qualified(Engine::Postgres, "first name"), r#""first name""#);
        assert_eq!(
            split_qualified("shop.prénom's"),
            Ok(vec!["shop".to_string(), "prénom's".to_string()])
        );
    }

    #[test]
    fn malformed_names_are_errors_and_quote_whole() {
        assert_eq!(split_qualified(r#""abc"#), Err(SpecNameError::Unclosed));
        assert_eq!(
            split_qualified(r#""a"b"#),
            Err(SpecNameError::TextAfterQuote)
        );
        assert_eq!(split_qualified("a..b"), Err(SpecNameError::EmptyPart(2)));
        assert_eq!(split_qualified("a."), Err(SpecNameError::EmptyPart(2)));
        assert_eq!(qualified(Engine::Postgres, r#""abc"#), r#""""abc""#);
    }

    #[test]
    fn spec_names_round_trip() {
        for name in [r#"a"b"#, "a.b", r#""q""#, "first name", "prénom"] {
            let written = spec_name(Some("my.schema"), name);
            assert_eq!(
                split_qualified(&written),
                Ok(vec!["my.schema".to_string(), name.to_string()]),
                "{written}"
            );
        }
        assert_eq!(spec_name(None, r#"a"b"#), r#"a"b"#);
        assert_eq!(spec_name(None, "a.b"), r#""a.b""#);
    }

    #[test]
    fn literals_double_single_quotes() {
        assert_eq!(literal("it's"), "'it''s'");
    }
}
