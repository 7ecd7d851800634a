//! Executing unit tests on worker clones: isolation, comparison, workers.

pub mod compare;
pub mod runner;
pub mod sequences;
pub mod table;
pub mod unit;
