//! Loading `sqltest.yaml` and the spec files into the validated [`model`], with source locations.
//!
//! Each file is read by serde into the raw structs of `raw` (unknown keys rejected), then
//! converted by hand into the model so every semantic problem becomes a located
//! [`ConfigError`]; [`load`] returns all of them at once as [`LoadErrors`].

pub mod change;
mod check_fields;
mod config;
pub mod errors;
mod glob;
mod loader;
pub mod model;
pub mod natural;
mod node;
mod raw;
mod rules;
pub mod safety;
mod source;
mod spec;
#[cfg(test)]
mod tests;

pub use change::{ChangeSettings, HistoryPolicy, UpgradeSeeds};
pub use errors::{ConfigError, LoadErrors};
pub use loader::{PROJECT_FILE, find_project_file, load};
pub use model::*;
pub use natural::natural_cmp;
pub use safety::SafetySettings;
