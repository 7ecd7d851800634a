//! Business rules: data-quality checks compiled into as few table scans as possible and run
//! read-only.
//!
//! The flow is [`validate`] (look every table and column up in the catalogue, probe every
//! user-written expression; typos become located config errors) → [`run_rules`] (compile the
//! checks into jobs: one fused scan per table, one query per `unique` key and per `references`,
//! one per custom rule; run them concurrently inside read-only transactions; fetch samples only
//! for failed checks) → one [`crate::results::CheckResult`] per check, in plan order.
//! [`audit`] is the whole of `sqltest check`.
//!
//! Engines differ only in [`sqlgen`] (the SQL of each check) and [`introspect`] (reading the
//! catalogue).

pub mod audit;
pub mod catalog;
pub(crate) mod cells;
mod compile;
mod execute;
pub mod introspect;
mod jobs;
mod lex;
pub mod sqlgen;
pub mod typed;
pub mod validate;
mod verdict;
mod worker;

#[cfg(test)]
mod tests;

pub use audit::{AuditError, audit, audit_target};
pub use catalog::{Catalog, ColumnInfo, Key, TableInfo, TypeCategory};
pub use compile::kind_name;
pub use execute::{RulesOptions, run_rules};
pub use validate::{ValidateError, validate};
