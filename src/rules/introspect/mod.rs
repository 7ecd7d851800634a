//! Reading the catalogue: which relations exist (for name resolution and "did you mean"), and,
//! for the tables the checks name, their columns, keys and foreign keys.

pub mod postgres;
pub mod relations;
pub mod sqlite;

pub use relations::{Relation, describe, list_relations, resolve};
