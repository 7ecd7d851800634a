//! Quoting identifiers and literals from specs, so no name written in a spec can inject SQL.

use crate::project::Engine;

/// Quotes one identifier part: `a"b` → `"a""b"` (PostgreSQL, SQLite) or `` `a``b` `` (MySQL).
pub fn ident(engine: Engine, name: &str) -> String {
    match engine {
        Engine::Postgres | Engine::Sqlite => format!("\"{}\"", name.replace('"', "\"\"")),
        Engine::Mysql | Engine::Mariadb => format!("`{}`", name.replace('`', "``")),
    }
}

/// Quotes a possibly schema-qualified name: `shop.orders` → `"shop"."orders"`.
/// A name already written in double quotes is kept whole (`"odd.name"`).
pub fn qualified(engine: Engine, name: &str) -> String {
    split_qualified(name)
        .iter()
        .map(|part| ident(engine, part))
        .collect::<Vec<_>>()
        .join(".")
}

/// Splits `schema.table` at dots outside double quotes, unquoting quoted parts.
pub fn split_qualified(name: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut in_quotes = false;
    let mut chars = name.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if in_quotes && chars.peek() == Some(&'"') => {
                current.push('"');
                chars.next();
            }
            '"' => in_quotes = !in_quotes,
            '.' if !in_quotes => parts.push(std::mem::take(&mut current)),
            c => current.push(c),
        }
    }
    parts.push(current);
    parts
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
            vec!["s".to_string(), "a\"b".to_string()]
        );
    }

    #[test]
    fn literals_double_single_quotes() {
        assert_eq!(literal("it's"), "'it''s'");
    }
}
