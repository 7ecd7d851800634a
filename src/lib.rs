//! sqltest: CI checks for SQL databases.
//!
//! The flow is one module per step (see `PRODUCT.md`):
//! load ([`project`]) → plan ([`plan`]) → provision ([`backend`]) → prepare ([`migrate`])
//! → execute ([`exec`], [`rules`]) → results ([`results`]) → report ([`report`]).
//! The library never prints to the process's stdout/stderr directly and never exits;
//! [`app`] wires the steps together and returns an exit status.

pub mod app;
pub mod backend;
pub mod change;
pub mod cli;
pub mod dialect;
pub mod exec;
pub mod hook;
pub mod init;
pub mod location;
pub mod migrate;
pub mod plan;
pub mod project;
pub mod publish;
pub mod report;
pub mod results;
pub mod rules;
pub mod safety;
pub mod select;
pub mod sql;

pub use location::Location;
