//! Migrations and seeds: discover layouts, apply in order, locate errors.

pub mod apply;
pub mod discover;
pub mod prepare;
