//! Just enough SQL lexing to keep user-written SQL (`where`, `expression`, custom rules) to a
//! single statement: quotes, quoted identifiers, comments and dollar quotes are skipped, and a
//! `;` outside them ends the statement.
//!
//! Why: statements run over the simple query protocol, which accepts several statements at
//! once, so `true); commit; set default_transaction_read_only = off; delete …` would otherwise
//! leave the read-only transaction. One statement cannot.

use crate::project::Engine;

/// Why a text is not one statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NotOneStatement {
    /// Byte offset of the `;` that starts the second statement.
    pub offset: usize,
}

/// The text without trailing `;`, whitespace and comments after it, or an error when another
/// statement follows a top-level `;`.
pub(crate) fn one_statement(engine: Engine, sql: &str) -> Result<&str, NotOneStatement> {
    let mut scanner = Scanner {
        engine,
        text: sql.as_bytes(),
        pos: 0,
    };
    let mut first_semicolon: Option<usize> = None;
    while let Some(token) = scanner.next_token() {
        match token {
            Token::Semicolon(at) => {
                if first_semicolon.is_none() {
                    first_semicolon = Some(at);
                }
            }
            Token::Code(_) => {
                if let Some(semi) = first_semicolon {
                    return Err(NotOneStatement { offset: semi });
                }
            }
            Token::Trivia => {}
        }
    }
    let body = match first_semicolon {
        Some(at) => &sql[..at],
        None => sql,
    };
    Ok(body.trim_end())
}

/// Whether the statement is a query that can be wrapped as a subquery (`select`, `with`,
/// `values`, `table`, or a parenthesised query).
pub(crate) fn is_query(engine: Engine, sql: &str) -> bool {
    matches!(
        first_word(engine, sql).as_deref(),
        Some("(" | "select" | "with" | "values" | "table")
    )
}

/// The first word of a statement that is not a query (`update`, `commit`, `lock`), for
/// refusing it as a custom rule: a rule returns violating rows, and anything else could change
/// data, end the read-only transaction, or take locks on a production database (PostgreSQL
/// allows `LOCK TABLE … ACCESS EXCLUSIVE` in a read-only transaction).
pub(crate) fn not_a_query(engine: Engine, sql: &str) -> Option<String> {
    if is_query(engine, sql) {
        None
    } else {
        Some(first_word(engine, sql).unwrap_or_default())
    }
}

/// The first word of the statement, lowercase, after whitespace and comments (`(` for a
/// parenthesised statement).
fn first_word(engine: Engine, sql: &str) -> Option<String> {
    let mut scanner = Scanner {
        engine,
        text: sql.as_bytes(),
        pos: 0,
    };
    while let Some(token) = scanner.next_token() {
        match token {
            Token::Trivia => continue,
            Token::Semicolon(_) => return None,
            Token::Code(at) => {
                let rest = &sql[at..];
                if rest.starts_with('(') {
                    return Some("(".into());
                }
                let word: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphabetic())
                    .collect();
                return Some(word.to_lowercase());
            }
        }
    }
    None
}

enum Token {
    /// Whitespace or a comment.
    Trivia,
    /// A top-level `;` at this byte offset.
    Semicolon(usize),
    /// Anything else, starting at this byte offset.
    Code(usize),
}

struct Scanner<'a> {
    engine: Engine,
    text: &'a [u8],
    pos: usize,
}

impl Scanner<'_> {
    fn peek(&self, ahead: usize) -> Option<u8> {
        self.text.get(self.pos + ahead).copied()
    }

    fn next_token(&mut self) -> Option<Token> {
        let start = self.pos;
        let c = self.peek(0)?;
        let postgres = matches!(self.engine, Engine::Postgres);
        let mysql = matches!(self.engine, Engine::Mysql | Engine::Mariadb);
        match c {
            b';' => {
                self.pos += 1;
                Some(Token::Semicolon(start))
            }
            c if c.is_ascii_whitespace() => {
                self.pos += 1;
                Some(Token::Trivia)
            }
            b'-' if self.peek(1) == Some(b'-') => {
                self.skip_line();
                Some(Token::Trivia)
            }
            b'#' if mysql => {
                self.skip_line();
                Some(Token::Trivia)
            }
            b'/' if self.peek(1) == Some(b'*') => {
                self.skip_block_comment(postgres);
                Some(Token::Trivia)
            }
            b'\'' => {
                // PostgreSQL E'…' strings and MySQL strings treat backslash as an escape.
                let escaped = mysql
                    || (postgres
                        && start > 0
                        && matches!(self.text[start - 1], b'e' | b'E')
                        && (start < 2 || !is_word(self.text[start - 2])));
                self.skip_quoted(b'\'', escaped);
                Some(Token::Code(start))
            }
            b'"' => {
                self.skip_quoted(b'"', mysql);
                Some(Token::Code(start))
            }
            b'`' if !postgres => {
                self.skip_quoted(b'`', false);
                Some(Token::Code(start))
            }
            b'[' if matches!(self.engine, Engine::Sqlite) => {
                self.pos += 1;
                while let Some(c) = self.peek(0) {
                    self.pos += 1;
                    if c == b']' {
                        break;
                    }
                }
                Some(Token::Code(start))
            }
            b'$' if postgres && (start == 0 || !is_word(self.text[start - 1])) => {
                if let Some(tag_len) = self.dollar_tag() {
                    let tag = self.text[start..start + tag_len].to_vec();
                    self.pos += tag_len;
                    while self.pos < self.text.len() {
                        if self.text[self.pos..].starts_with(&tag) {
                            self.pos += tag_len;
                            break;
                        }
                        self.pos += 1;
                    }
                } else {
                    self.pos += 1;
                }
                Some(Token::Code(start))
            }
            _ => {
                self.pos += 1;
                Some(Token::Code(start))
            }
        }
    }

    fn skip_line(&mut self) {
        while let Some(c) = self.peek(0) {
            self.pos += 1;
            if c == b'\n' {
                break;
            }
        }
    }

    /// `/* … */`, nested on PostgreSQL.
    fn skip_block_comment(&mut self, nested: bool) {
        self.pos += 2;
        let mut depth = 1;
        while self.pos < self.text.len() {
            if self.peek(0) == Some(b'*') && self.peek(1) == Some(b'/') {
                self.pos += 2;
                depth -= 1;
                if depth == 0 {
                    return;
                }
            } else if nested && self.peek(0) == Some(b'/') && self.peek(1) == Some(b'*') {
                self.pos += 2;
                depth += 1;
            } else {
                self.pos += 1;
            }
        }
    }

    /// A quoted run whose quote doubles to escape itself (and, when `backslash`, `\` escapes).
    fn skip_quoted(&mut self, quote: u8, backslash: bool) {
        self.pos += 1;
        while let Some(c) = self.peek(0) {
            self.pos += 1;
            if backslash && c == b'\\' {
                self.pos += 1;
            } else if c == quote {
                if self.peek(0) == Some(quote) {
                    self.pos += 1;
                } else {
                    return;
                }
            }
        }
    }

    /// The length of a `$tag$` opening at `pos`, if one is there.
    fn dollar_tag(&self) -> Option<usize> {
        let mut len = 1;
        while let Some(c) = self.peek(len) {
            if c == b'$' {
                return Some(len + 1);
            }
            if !(c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80)
                || (len == 1 && c.is_ascii_digit())
            {
                return None;
            }
            len += 1;
        }
        None
    }
}

fn is_word(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80
}

#[cfg(test)]
mod tests {
    use super::*;

    const PG: Engine = Engine::Postgres;

    #[test]
    fn trailing_semicolons_and_comments_are_dropped() {
        assert_eq!(one_statement(PG, "select 1;  \n"), Ok("select 1"));
        assert_eq!(one_statement(PG, "select 1; -- done\n;"), Ok("select 1"));
        assert_eq!(
            one_statement(PG, "select 1 -- note"),
            Ok("select 1 -- note")
        );
    }

    #[test]
    fn a_second_statement_is_refused() {
        assert_eq!(
            one_statement(PG, "true); commit; delete from t"),
            Err(NotOneStatement { offset: 5 })
        );
        assert!(one_statement(Engine::Sqlite, "select 1; pragma query_only = 0").is_err());
    }

    #[test]
    fn semicolons_inside_quotes_comments_and_dollar_quotes_are_text() {
        assert_eq!(
            one_statement(PG, "a = ';' and \"x;y\" = 1").map(str::len),
            Ok(21)
        );
        assert!(one_statement(PG, "a = 1 /* ; /* nested ; */ ; */ and b = 2").is_ok());
        assert!(one_statement(PG, "a = $f$ ; $f$ and b = $$;$$").is_ok());
        assert!(one_statement(PG, "a = E'\\'; drop' and 1 = 1").is_ok());
        assert!(
            one_statement(PG, "a = '\\'; drop table t; --'").is_err(),
            "standard strings: \\ is not an escape"
        );
        assert!(one_statement(Engine::Sqlite, "[a;b] = 1").is_ok());
        assert!(
            one_statement(PG, "x = $1; drop table t").is_err(),
            "$1 is a parameter, not a dollar quote"
        );
    }

    #[test]
    fn queries_are_recognised_after_comments() {
        assert!(is_query(PG, "-- why\n  SELECT 1"));
        assert!(is_query(PG, "/* c */ with x as (select 1) select * from x"));
        assert!(is_query(PG, "(select 1)"));
        assert!(!is_query(PG, "update t set a = 1"));
        assert!(!is_query(PG, "selector()"));
    }

    #[test]
    fn statements_other_than_queries_are_named() {
        assert_eq!(not_a_query(PG, "  COMMIT"), Some("commit".into()));
        assert_eq!(
            not_a_query(PG, "lock table t in access exclusive mode"),
            Some("lock".into())
        );
        assert_eq!(not_a_query(PG, "update t set a = 1"), Some("update".into()));
        assert_eq!(not_a_query(PG, "select 1"), None);
        assert_eq!(
            not_a_query(
                PG,
                "with x as (update t set a = 1 returning a) select * from x"
            ),
            None
        );
    }
}
