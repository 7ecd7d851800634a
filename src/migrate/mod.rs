//! Migrations and seeds: discover layouts, apply in order, locate errors.

pub mod discover;
pub mod order;

pub use discover::{
    DiscoverError, DiscoverErrorKind, Layout, MigrationFile, discover, load_script,
};
