//! Migrations and seeds: discover layouts, apply in order, locate errors.

pub mod apply;
pub mod cache;
pub mod discover;
pub mod order;
pub mod prepare;

pub use discover::{
    DiscoverError, DiscoverErrorKind, DownScript, Layout, MigrationFile, discover, load_script,
};
