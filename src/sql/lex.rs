//! A minimal SQL tokenizer: just enough lexing (quotes, comments, dollar quotes, words) to find
//! statement boundaries without parsing SQL.
//!
//! Every token boundary falls on an ASCII byte or the end of the input: bytes `>= 0x80` only occur
//! inside words, quotes and comments, which are consumed whole. So every range this module hands
//! out is on a `char` boundary.

use super::split::{SplitError, SplitErrorKind};
use crate::project::Engine;
use std::ops::Range;

/// The lexical family of an engine: MariaDB lexes like MySQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    Postgres,
    Sqlite,
    Mysql,
}

impl Dialect {
    pub(crate) fn of(engine: Engine) -> Dialect {
        match engine {
            Engine::Postgres => Dialect::Postgres,
            Engine::Sqlite => Dialect::Sqlite,
            Engine::Mysql | Engine::Mariadb => Dialect::Mysql,
        }
    }
}

/// What a token is, as far as statement splitting cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenKind {
    /// An unquoted identifier or keyword.
    Word,
    Semicolon,
    OpenParen,
    CloseParen,
    /// A `\` outside quotes: a psql meta-command when it starts a statement.
    Backslash,
    /// Anything else: literals, quoted identifiers, operators, numbers, parameters.
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Token {
    pub kind: TokenKind,
    pub range: Range<usize>,
}

pub(crate) struct Lexer<'a> {
    bytes: &'a [u8],
    dialect: Dialect,
    /// The next byte to look at.
    pub pos: usize,
}

fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b >= 0x80
}

fn is_ident_cont(b: u8) -> bool {
    // `$` is an identifier character (not the first) in PostgreSQL, SQLite and MySQL alike.
    is_ident_start(b) || b.is_ascii_digit() || b == b'$'
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

/// Whether a dollar-quote tag may start with / continue with this byte (PostgreSQL's rules:
/// like an identifier, but without `$`).
fn is_tag_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b >= 0x80
}

fn is_tag_cont(b: u8) -> bool {
    is_tag_start(b) || b.is_ascii_digit()
}

impl<'a> Lexer<'a> {
    pub(crate) fn new(text: &'a str, dialect: Dialect) -> Self {
        Lexer {
            bytes: text.as_bytes(),
            dialect,
            pos: 0,
        }
    }

    fn peek(&self, ahead: usize) -> Option<u8> {
        self.bytes.get(self.pos + ahead).copied()
    }

    fn error(offset: usize, kind: SplitErrorKind) -> SplitError {
        SplitError { offset, kind }
    }

    /// Skips whitespace and comments. MySQL's `/*! … */` and `/*+ … */` are not skipped: they
    /// carry SQL (versioned code, optimizer hints) and are returned as tokens.
    pub(crate) fn skip_trivia(&mut self) -> Result<(), SplitError> {
        while let Some(b) = self.peek(0) {
            if is_space(b) {
                self.pos += 1;
            } else if self.line_comment_starts(b) {
                self.skip_to_line_end();
            } else if b == b'/' && self.peek(1) == Some(b'*') && !self.is_mysql_code_comment() {
                self.skip_block_comment()?;
            } else {
                break;
            }
        }
        Ok(())
    }

    /// `--` everywhere; `#` in MySQL.
    fn line_comment_starts(&self, b: u8) -> bool {
        (b == b'-' && self.peek(1) == Some(b'-') && self.dash_comment_starts())
            || (b == b'#' && self.dialect == Dialect::Mysql)
    }

    /// MySQL only treats `--` as a comment when a space or control character (or the end)
    /// follows, so `5--3` stays an expression there.
    fn dash_comment_starts(&self) -> bool {
        match self.dialect {
            Dialect::Postgres | Dialect::Sqlite => true,
            Dialect::Mysql => match self.peek(2) {
                None => true,
                Some(c) => c <= b' ',
            },
        }
    }

    fn is_mysql_code_comment(&self) -> bool {
        self.dialect == Dialect::Mysql && matches!(self.peek(2), Some(b'!' | b'+'))
    }

    fn skip_to_line_end(&mut self) {
        match self.bytes[self.pos..].iter().position(|&b| b == b'\n') {
            Some(i) => self.pos += i,
            None => self.pos = self.bytes.len(),
        }
    }

    /// Skips `/* … */`; PostgreSQL nests them, SQLite and MySQL do not.
    fn skip_block_comment(&mut self) -> Result<(), SplitError> {
        let start = self.pos;
        let nests = self.dialect == Dialect::Postgres;
        let mut depth = 1usize;
        self.pos += 2;
        while self.pos < self.bytes.len() {
            match (self.bytes[self.pos], self.peek(1)) {
                (b'*', Some(b'/')) => {
                    self.pos += 2;
                    depth -= 1;
                    if depth == 0 {
                        return Ok(());
                    }
                }
                (b'/', Some(b'*')) if nests => {
                    self.pos += 2;
                    depth += 1;
                }
                _ => self.pos += 1,
            }
        }
        Err(Self::error(start, SplitErrorKind::UnterminatedComment))
    }

    /// Skips trivia, then returns the next token, or `None` at the end of the input.
    pub(crate) fn next_token(&mut self) -> Result<Option<Token>, SplitError> {
        self.skip_trivia()?;
        let start = self.pos;
        let Some(b) = self.peek(0) else {
            return Ok(None);
        };
        let kind = match b {
            b';' => {
                self.pos += 1;
                TokenKind::Semicolon
            }
            b'(' => {
                self.pos += 1;
                TokenKind::OpenParen
            }
            b')' => {
                self.pos += 1;
                TokenKind::CloseParen
            }
            b'\\' => {
                self.pos += 1;
                TokenKind::Backslash
            }
            b'\'' => {
                let backslash = self.dialect == Dialect::Mysql;
                self.quoted(b'\'', backslash, SplitErrorKind::UnterminatedString)?;
                TokenKind::Other
            }
            b'"' => {
                // In MySQL (without ANSI_QUOTES) "…" is a string with backslash escapes.
                let (backslash, kind) = match self.dialect {
                    Dialect::Mysql => (true, SplitErrorKind::UnterminatedString),
                    Dialect::Postgres | Dialect::Sqlite => {
                        (false, SplitErrorKind::UnterminatedIdentifier)
                    }
                };
                self.quoted(b'"', backslash, kind)?;
                TokenKind::Other
            }
            b'`' if self.dialect != Dialect::Postgres => {
                self.quoted(b'`', false, SplitErrorKind::UnterminatedIdentifier)?;
                TokenKind::Other
            }
            b'[' if self.dialect == Dialect::Sqlite => {
                self.bracketed()?;
                TokenKind::Other
            }
            b'$' if self.dialect == Dialect::Postgres => {
                self.dollar()?;
                TokenKind::Other
            }
            b'/' if self.peek(1) == Some(b'*') => {
                // Only MySQL's `/*!`/`/*+` get here: skip_trivia ate every other comment.
                self.mysql_code_comment()?;
                TokenKind::Other
            }
            b if is_ident_start(b) => self.word()?,
            b if b.is_ascii_digit() => {
                while self.peek(0).is_some_and(|c| is_ident_cont(c) || c == b'.') {
                    self.pos += 1;
                }
                TokenKind::Other
            }
            _ => {
                // An ASCII operator or punctuation byte (non-ASCII bytes start words).
                self.pos += 1;
                TokenKind::Other
            }
        };
        Ok(Some(Token {
            kind,
            range: start..self.pos,
        }))
    }

    /// A word; in PostgreSQL `E'…'` (a word `E` glued to a quote) is an escape string instead.
    fn word(&mut self) -> Result<TokenKind, SplitError> {
        let start = self.pos;
        while self.peek(0).is_some_and(is_ident_cont) {
            self.pos += 1;
        }
        let is_e = self.pos - start == 1 && matches!(self.bytes[start], b'e' | b'E');
        if self.dialect == Dialect::Postgres && is_e && self.peek(0) == Some(b'\'') {
            self.quoted(b'\'', true, SplitErrorKind::UnterminatedString)
                .map_err(|e| Self::error(start, e.kind))?;
            return Ok(TokenKind::Other);
        }
        Ok(TokenKind::Word)
    }

    /// A run quoted by `quote`, where a doubled quote stands for itself and, if `backslash`,
    /// a backslash escapes the next byte. `self.pos` is on the opening quote.
    fn quoted(
        &mut self,
        quote: u8,
        backslash: bool,
        unterminated: SplitErrorKind,
    ) -> Result<(), SplitError> {
        let start = self.pos;
        self.pos += 1;
        while let Some(b) = self.peek(0) {
            if backslash && b == b'\\' {
                // Skipping one byte is enough: an escaped byte >= 0x80 is followed by more
                // bytes >= 0x80, which are never quotes or backslashes.
                self.pos += 2;
            } else if b == quote {
                if self.peek(1) == Some(quote) {
                    self.pos += 2;
                } else {
                    self.pos += 1;
                    return Ok(());
                }
            } else {
                self.pos += 1;
            }
        }
        self.pos = self.bytes.len();
        Err(Self::error(start, unterminated))
    }

    /// SQLite's `[identifier]`, which has no escape.
    fn bracketed(&mut self) -> Result<(), SplitError> {
        let start = self.pos;
        match self.bytes[start..].iter().position(|&b| b == b']') {
            Some(i) => {
                self.pos = start + i + 1;
                Ok(())
            }
            None => Err(Self::error(start, SplitErrorKind::UnterminatedIdentifier)),
        }
    }

    /// At a `$` in PostgreSQL: a positional parameter (`$1`), a dollar quote (`$tag$…$tag$`),
    /// or a lone `$`.
    fn dollar(&mut self) -> Result<(), SplitError> {
        let start = self.pos;
        self.pos += 1;
        if self.peek(0).is_some_and(|b| b.is_ascii_digit()) {
            while self.peek(0).is_some_and(|b| b.is_ascii_digit()) {
                self.pos += 1;
            }
            return Ok(());
        }
        let mut end = self.pos;
        if self.bytes.get(end).copied().is_some_and(is_tag_start) {
            end += 1;
            while self.bytes.get(end).copied().is_some_and(is_tag_cont) {
                end += 1;
            }
        }
        if self.bytes.get(end) != Some(&b'$') {
            // Not a dollar quote: a lone `$` (an operator character in some extensions).
            return Ok(());
        }
        let delimiter = &self.bytes[start..=end];
        let body = end + 1;
        match find(&self.bytes[body..], delimiter) {
            Some(i) => {
                self.pos = body + i + delimiter.len();
                Ok(())
            }
            None => {
                let tag = String::from_utf8_lossy(delimiter).into_owned();
                self.pos = self.bytes.len();
                Err(Self::error(
                    start,
                    SplitErrorKind::UnterminatedDollarQuote { tag },
                ))
            }
        }
    }

    /// MySQL's `/*! … */` or `/*+ … */`, kept as one token.
    fn mysql_code_comment(&mut self) -> Result<(), SplitError> {
        let start = self.pos;
        match find(&self.bytes[start + 2..], b"*/") {
            Some(i) => {
                self.pos = start + 2 + i + 2;
                Ok(())
            }
            None => Err(Self::error(start, SplitErrorKind::UnterminatedComment)),
        }
    }
}

/// The first index of `needle` in `haystack`.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || haystack.len() < needle.len() {
        return None;
    }
    let first = needle[0];
    let mut from = 0;
    while let Some(i) = haystack[from..].iter().position(|&b| b == first) {
        let at = from + i;
        if haystack.len() - at < needle.len() {
            return None;
        }
        if &haystack[at..at + needle.len()] == needle {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(dialect: Dialect, text: &str) -> Vec<(TokenKind, &str)> {
        let mut lx = Lexer::new(text, dialect);
        let mut out = Vec::new();
        while let Some(t) = lx.next_token().expect("lexes") {
            out.push((t.kind, &text[t.range]));
        }
        out
    }

    #[test]
    fn postgres_tokens_cover_quotes_parameters_and_dollar_quotes() {
        let toks = tokens(Dialect::Postgres, "a$b $1 $x$ ; $x$ E'\\'' \"q\"\"\" $ (");
        assert_eq!(
            toks,
            vec![
                (TokenKind::Word, "a$b"),
                (TokenKind::Other, "$1"),
                (TokenKind::Other, "$x$ ; $x$"),
                (TokenKind::Other, "E'\\''"),
                (TokenKind::Other, "\"q\"\"\""),
                (TokenKind::Other, "$"),
                (TokenKind::OpenParen, "("),
            ]
        );
    }

    #[test]
    fn mysql_keeps_code_comments_and_needs_a_space_after_dashes() {
        let toks = tokens(
            Dialect::Mysql,
            "/*!40101 SET x=1 */ 5--3\n-- c\n# c\n'a\\'b'",
        );
        let kinds: Vec<&str> = toks.iter().map(|t| t.1).collect();
        assert_eq!(
            kinds,
            vec!["/*!40101 SET x=1 */", "5", "-", "-", "3", "'a\\'b'"]
        );
    }

    #[test]
    fn find_locates_multibyte_needles() {
        assert_eq!(find(b"ab$x$cd$x$", b"$x$"), Some(2));
        assert_eq!(find(b"ab$x", b"$x$"), None);
        assert_eq!(find(b"", b"$"), None);
    }
}
