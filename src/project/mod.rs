//! Loading `sqltest.yaml` and the spec files into the validated [`model`], with source locations.

pub mod model;

pub use model::*;
