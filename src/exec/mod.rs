//! Executing unit tests on worker clones: isolation, comparison, workers.

pub mod compare;
pub mod table;
