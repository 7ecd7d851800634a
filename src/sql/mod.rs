//! SQL text handling that needs no database: splitting scripts into statements per engine.

mod lex;
pub mod split;

pub use split::{SplitError, SplitErrorKind, Statement, StatementKind, first_keyword, split};
