//! Tests of the rules on real databases: SQLite files and throwaway PostgreSQL clusters.

mod postgres;
mod postgres_catalog;
mod scenario;
mod sqlite;
mod support;
mod support_pg;
