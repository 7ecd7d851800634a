//! Splitting a SQL script into statements without parsing SQL, the way each engine's own client
//! does it (psql, the sqlite3 shell, the mysql client).
//!
//! What is recognised, per engine:
//! - PostgreSQL (as psql): `'…'` with `''`, `E'…'` with backslash escapes, `$tag$…$tag$` dollar
//!   quotes (`$1` is a parameter), `"…"` identifiers, `--` and nested `/* */` comments, `;` inside
//!   parentheses (multi-action rules), `BEGIN ATOMIC … END` bodies of `CREATE [OR REPLACE]
//!   FUNCTION|PROCEDURE` (with `CASE … END` inside), `COPY … FROM stdin;` followed by data lines
//!   up to a line `\.`, and psql meta-command lines (`\connect`, `\restrict KEY`, …).
//! - SQLite (as `sqlite3_complete`): `'…'`, `"…"`, `[…]`, `` `…` ``, `--` and `/* */` comments,
//!   and `CREATE [TEMP|TEMPORARY] TRIGGER … BEGIN … END;`, which ends at `; END ;` (so a
//!   `CASE … END` inside the body does not end it).
//! - MySQL and MariaDB (as the mysql client, without `DELIMITER`): `'…'` and `"…"` with
//!   backslash escapes, `` `…` ``, `#`, `-- ` and `/* */` comments (`/*! … */` is SQL), and
//!   `BEGIN … END` bodies of `CREATE … PROCEDURE|FUNCTION|TRIGGER|EVENT` (with `END IF`,
//!   `END LOOP`, `CASE … END [CASE]` inside). A `DELIMITER` line is an error.

use super::lex::{Dialect, Lexer, Token, TokenKind};
use crate::Location;
use crate::project::Engine;
use camino::Utf8Path;
use std::ops::Range;

/// What a statement is, so the caller knows how to run it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatementKind {
    /// Plain SQL, to send to the server as is.
    Sql,
    /// `COPY … FROM stdin` (PostgreSQL); `data` is the byte range of the rows that follow it,
    /// from the line after the statement up to (not including) the line `\.`.
    CopyFromStdin { data: Range<usize> },
    /// A psql meta-command line such as `\connect db` or `\restrict KEY`; `range` covers the
    /// line without its line break. Not SQL: callers skip it (or reject it).
    PsqlMeta,
}

/// One statement of a script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// Byte range in the input, without leading whitespace/comments and without the
    /// terminating `;` (nor whitespace/comments before it).
    pub range: Range<usize>,
    pub kind: StatementKind,
}

impl Statement {
    /// The statement's text in `script`, the text it was split from.
    pub fn text<'a>(&self, script: &'a str) -> &'a str {
        script.get(self.range.clone()).unwrap_or("")
    }
}

/// Why a script could not be split, at byte `offset` of the input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind} (at byte {offset})")]
pub struct SplitError {
    /// Byte offset in the input where the problem starts (e.g. the opening quote).
    pub offset: usize,
    pub kind: SplitErrorKind,
}

impl SplitError {
    /// Where the error is in the file `path` whose (split) content is `text`.
    pub fn location(&self, path: &Utf8Path, text: &str) -> Location {
        Location::at_offset(path, text, self.offset)
    }
}

/// The kinds of [`SplitError`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SplitErrorKind {
    #[error("unterminated quoted string")]
    UnterminatedString,
    #[error("unterminated quoted identifier")]
    UnterminatedIdentifier,
    #[error("unterminated dollar-quoted string: no closing {tag}")]
    UnterminatedDollarQuote { tag: String },
    #[error("unterminated /* comment")]
    UnterminatedComment,
    #[error("COPY … FROM stdin data is not ended by a line `\\.`")]
    UnterminatedCopyData,
    #[error("unexpected text after COPY … FROM stdin; its data must start on the next line")]
    TextAfterCopy,
    #[error(
        "DELIMITER is a command of the mysql client, not SQL: remove it and end each statement \
         with `;` (procedure and trigger bodies may contain `;`)"
    )]
    MysqlDelimiter,
    #[error("`\\copy … from stdin` is a psql command; use `COPY … FROM stdin;` instead")]
    PsqlCopyFromStdin,
}

/// Splits `text` into statements for `engine`. Empty statements (only whitespace, comments or
/// `;`) are dropped; a last statement without `;` is kept.
pub fn split(engine: Engine, text: &str) -> Result<Vec<Statement>, SplitError> {
    let dialect = Dialect::of(engine);
    let mut lexer = Lexer::new(text, dialect);
    let mut out = Vec::new();
    while let Some(first) = lexer.next_token()? {
        match first.kind {
            TokenKind::Semicolon => continue,
            TokenKind::Backslash if dialect == Dialect::Postgres => {
                out.push(psql_meta(text, &mut lexer, first.range.start)?);
                continue;
            }
            TokenKind::Word
                if dialect == Dialect::Mysql
                    && text[first.range.clone()].eq_ignore_ascii_case("delimiter") =>
            {
                return Err(SplitError {
                    offset: first.range.start,
                    kind: SplitErrorKind::MysqlDelimiter,
                });
            }
            TokenKind::Word
            | TokenKind::Backslash
            | TokenKind::OpenParen
            | TokenKind::CloseParen
            | TokenKind::Other => {}
        }
        let start = first.range.start;
        let mut state = StatementState::new(dialect);
        let mut end = first.range.end;
        state.observe(text, &first);
        let mut terminated = false;
        while let Some(token) = lexer.next_token()? {
            if token.kind == TokenKind::Semicolon && state.ends_at_semicolon(text) {
                terminated = true;
                break;
            }
            end = token.range.end;
            state.observe(text, &token);
        }
        let kind = if state.copy_from_stdin {
            if !terminated {
                return Err(SplitError {
                    offset: start,
                    kind: SplitErrorKind::UnterminatedCopyData,
                });
            }
            let (data, next) = copy_data(text, lexer.pos, start)?;
            lexer.pos = next;
            StatementKind::CopyFromStdin { data }
        } else {
            StatementKind::Sql
        };
        out.push(Statement {
            range: start..end,
            kind,
        });
    }
    Ok(out)
}

/// A psql meta-command: from the backslash to the end of its line.
fn psql_meta(text: &str, lexer: &mut Lexer<'_>, start: usize) -> Result<Statement, SplitError> {
    let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    let line = text[start..line_end].trim_end();
    let mut words = line.split_whitespace().map(str::to_ascii_lowercase);
    if words.next().as_deref() == Some("\\copy") {
        let words: Vec<String> = words.collect();
        let from_stdin = words
            .windows(2)
            .any(|w| w[0] == "from" && matches!(w[1].as_str(), "stdin" | "pstdin"));
        if from_stdin {
            return Err(SplitError {
                offset: start,
                kind: SplitErrorKind::PsqlCopyFromStdin,
            });
        }
    }
    lexer.pos = line_end;
    Ok(Statement {
        range: start..start + line.len(),
        kind: StatementKind::PsqlMeta,
    })
}

/// The data of `COPY … FROM stdin`: the lines after the statement up to a line `\.`.
/// `after` is just past the statement's `;`. Returns the data range and where to resume.
fn copy_data(
    text: &str,
    after: usize,
    statement: usize,
) -> Result<(Range<usize>, usize), SplitError> {
    let line_end = text[after..].find('\n').map(|i| after + i);
    let rest = &text[after..line_end.unwrap_or(text.len())];
    let trimmed = rest.trim_start();
    if !(trimmed.trim_end().is_empty() || trimmed.starts_with("--")) {
        let offset = after + (rest.len() - trimmed.len());
        return Err(SplitError {
            offset,
            kind: SplitErrorKind::TextAfterCopy,
        });
    }
    let unterminated = SplitError {
        offset: statement,
        kind: SplitErrorKind::UnterminatedCopyData,
    };
    let data_start = line_end.ok_or_else(|| unterminated.clone())? + 1;
    let mut line_start = data_start;
    while line_start < text.len() {
        let next_newline = text[line_start..].find('\n').map(|i| line_start + i);
        let line = &text[line_start..next_newline.unwrap_or(text.len())];
        if line.strip_suffix('\r').unwrap_or(line) == "\\." {
            return Ok((
                data_start..line_start,
                next_newline.map_or(text.len(), |i| i + 1),
            ));
        }
        match next_newline {
            Some(i) => line_start = i + 1,
            None => break,
        }
    }
    Err(unterminated)
}

/// How many leading words of a statement are remembered to recognise its kind.
const LEADING_WORDS: usize = 8;

/// What the splitter tracks inside one statement to decide whether a `;` ends it.
struct StatementState {
    dialect: Dialect,
    /// Byte ranges of the first [`LEADING_WORDS`] unquoted words.
    leading: Vec<Range<usize>>,
    paren_depth: usize,
    /// Nesting of `BEGIN … END` (and `CASE … END` inside it) in a routine body.
    block_depth: usize,
    /// The statement creates a routine whose body may be a `BEGIN … END` block.
    routine: bool,
    /// SQLite: the statement is `CREATE [TEMP] TRIGGER`, which ends at `; END ;`.
    sqlite_trigger: bool,
    /// The last two tokens, most recent last.
    previous: [Option<Token>; 2],
    /// MySQL: the last `END` closed a block (so `END IF` must reopen it).
    end_closed_block: bool,
    /// PostgreSQL: `COPY … FROM STDIN`.
    copy_from_stdin: bool,
}

fn is(text: &str, range: &Range<usize>, keyword: &str) -> bool {
    text[range.clone()].eq_ignore_ascii_case(keyword)
}

impl StatementState {
    fn new(dialect: Dialect) -> Self {
        StatementState {
            dialect,
            leading: Vec::with_capacity(LEADING_WORDS),
            paren_depth: 0,
            block_depth: 0,
            routine: false,
            sqlite_trigger: false,
            previous: [None, None],
            end_closed_block: false,
            copy_from_stdin: false,
        }
    }

    fn ends_at_semicolon(&self, text: &str) -> bool {
        match self.dialect {
            // psql: `;` ends a statement only outside parentheses and BEGIN blocks.
            Dialect::Postgres => self.paren_depth == 0 && self.block_depth == 0,
            Dialect::Mysql => self.block_depth == 0,
            Dialect::Sqlite => {
                !self.sqlite_trigger
                    || match &self.previous {
                        [Some(a), Some(b)] => {
                            a.kind == TokenKind::Semicolon
                                && b.kind == TokenKind::Word
                                && is(text, &b.range, "end")
                        }
                        _ => false,
                    }
            }
        }
    }

    fn previous_word_is(&self, text: &str, keyword: &str) -> bool {
        self.previous[1]
            .as_ref()
            .is_some_and(|t| t.kind == TokenKind::Word && is(text, &t.range, keyword))
    }

    fn observe(&mut self, text: &str, token: &Token) {
        match token.kind {
            TokenKind::OpenParen => self.paren_depth += 1,
            TokenKind::CloseParen => self.paren_depth = self.paren_depth.saturating_sub(1),
            TokenKind::Word => self.observe_word(text, &token.range),
            TokenKind::Semicolon | TokenKind::Backslash | TokenKind::Other => {}
        }
        self.previous = [self.previous[1].take(), Some(token.clone())];
    }

    fn observe_word(&mut self, text: &str, range: &Range<usize>) {
        if self.leading.len() < LEADING_WORDS {
            self.leading.push(range.clone());
            self.recognise(text);
        }
        match self.dialect {
            Dialect::Postgres => {
                if self.routine && self.paren_depth == 0 {
                    // psql's heuristic (psqlscan.l): BEGIN opens, CASE opens inside a block,
                    // END closes.
                    let opens = is(text, range, "begin")
                        || (is(text, range, "case") && self.block_depth >= 1);
                    if opens {
                        self.block_depth += 1;
                    } else if is(text, range, "end") {
                        self.block_depth = self.block_depth.saturating_sub(1);
                    }
                }
                let leads_with_copy = self.leading.first().is_some_and(|w| is(text, w, "copy"));
                if leads_with_copy
                    && self.paren_depth == 0
                    && is(text, range, "stdin")
                    && self.previous_word_is(text, "from")
                {
                    self.copy_from_stdin = true;
                }
            }
            Dialect::Mysql => {
                if self.routine && self.paren_depth == 0 {
                    self.observe_mysql_block_word(text, range);
                }
            }
            Dialect::Sqlite => {}
        }
    }

    /// MySQL compound statements: BEGIN and CASE open; END closes; `END IF|LOOP|WHILE|REPEAT|FOR`
    /// close constructs that were never counted, so the END's close is undone.
    fn observe_mysql_block_word(&mut self, text: &str, range: &Range<usize>) {
        let after_end = self.previous_word_is(text, "end");
        if is(text, range, "begin") {
            self.block_depth += 1;
        } else if is(text, range, "case") {
            if self.block_depth >= 1 && !after_end {
                self.block_depth += 1;
            }
        } else if is(text, range, "end") {
            self.end_closed_block = self.block_depth > 0;
            self.block_depth = self.block_depth.saturating_sub(1);
        } else if ["if", "loop", "while", "repeat", "for"]
            .iter()
            .any(|k| is(text, range, k))
            && after_end
            && self.end_closed_block
        {
            self.block_depth += 1;
            self.end_closed_block = false;
        }
    }

    /// Recognises the statement kinds that change how `;` is treated, from the leading words.
    fn recognise(&mut self, text: &str) {
        let words: Vec<&str> = self.leading.iter().map(|r| &text[r.clone()]).collect();
        let kw = |i: usize, k: &str| words.get(i).is_some_and(|w| w.eq_ignore_ascii_case(k));
        let routine_word = |i: usize| kw(i, "function") || kw(i, "procedure");
        match self.dialect {
            Dialect::Postgres => {
                self.routine = self.routine
                    || (kw(0, "create")
                        && (routine_word(1)
                            || (kw(1, "or") && kw(2, "replace") && routine_word(3))));
            }
            Dialect::Mysql => {
                // `CREATE [OR REPLACE] [DEFINER = …] [AGGREGATE] PROCEDURE|FUNCTION|TRIGGER|EVENT`
                self.routine = self.routine
                    || (kw(0, "create")
                        && (1..words.len())
                            .any(|i| routine_word(i) || kw(i, "trigger") || kw(i, "event")));
                // MariaDB's anonymous block `BEGIN NOT ATOMIC … END`: its BEGIN came before
                // the statement was recognised, so count it now.
                if !self.routine
                    && words.len() == 3
                    && kw(0, "begin")
                    && kw(1, "not")
                    && kw(2, "atomic")
                {
                    self.routine = true;
                    self.block_depth = 1;
                }
            }
            Dialect::Sqlite => {
                // `[EXPLAIN [QUERY PLAN]] CREATE [TEMP|TEMPORARY] TRIGGER`
                let mut i = 0;
                if kw(i, "explain") {
                    i += 1;
                    if kw(i, "query") && kw(i + 1, "plan") {
                        i += 2;
                    }
                }
                if kw(i, "create") {
                    i += 1;
                    if kw(i, "temp") || kw(i, "temporary") {
                        i += 1;
                    }
                    self.sqlite_trigger = self.sqlite_trigger || kw(i, "trigger");
                }
            }
        }
    }
}

/// The first word of `stmt` after whitespace and comments, uppercased (`"SELECT"`), or `None`
/// if it does not start with a word.
pub fn first_keyword(stmt: &str) -> Option<String> {
    let mut rest = stmt;
    loop {
        rest = rest.trim_start();
        if let Some(after) = rest.strip_prefix("--") {
            rest = after.find('\n').map_or("", |i| &after[i..]);
        } else if rest.starts_with("/*") {
            rest = skip_nested_comment(rest)?;
        } else {
            break;
        }
    }
    let end = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    let word = &rest[..end];
    match word.chars().next() {
        Some(c) if c.is_ascii_alphabetic() || c == '_' => Some(word.to_ascii_uppercase()),
        _ => None,
    }
}

/// `text` after the nested `/* */` comment it starts with; `None` if it is unterminated.
fn skip_nested_comment(text: &str) -> Option<&str> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i + 1 < bytes.len() {
        match (bytes[i], bytes[i + 1]) {
            (b'/', b'*') => {
                depth += 1;
                i += 2;
            }
            (b'*', b'/') => {
                depth -= 1;
                i += 2;
                if depth == 0 {
                    return Some(&text[i..]);
                }
            }
            _ => i += 1,
        }
    }
    None
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod properties;
