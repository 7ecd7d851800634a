//! Where engines differ: connecting, quoting, cloning databases, decoding values, error codes.
//!
//! Everything engine-specific lives under this module; the rest of sqltest speaks [`Conn`],
//! [`ResultSet`] and [`SqlError`].

pub mod sqlstate;

use serde::{Deserialize, Serialize};

/// A column of a result set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Column {
    pub name: String,
    /// The engine's type name, lowercase: PostgreSQL's `typname` (`int4`, `numeric`, `timestamptz`,
    /// `_text` for arrays, `jsonb`, or a user type such as an enum), SQLite's declared type or
    /// storage class (`integer`, `real`, `text`, `blob`, `null`).
    pub type_name: String,
}

/// One value of a result row, as the engine gave it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Cell {
    Null,
    /// The server's canonical text form (PostgreSQL's text wire format; SQLite TEXT).
    Text(String),
    /// SQLite INTEGER.
    Int(i64),
    /// SQLite REAL.
    Real(f64),
    /// Binary data.
    Blob(Vec<u8>),
}

/// Rows returned by a statement.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ResultSet {
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Cell>>,
}

/// An error a statement got from the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqlError {
    pub message: String,
    /// Five-character SQLSTATE; for SQLite, the SQLSTATE we map its result code to.
    pub sqlstate: Option<String>,
    pub detail: Option<String>,
    pub hint: Option<String>,
    /// 1-based character position in the statement text the database pointed at (PostgreSQL).
    pub position: Option<usize>,
}
