//! Tests of the rules on real databases: SQLite files and throwaway PostgreSQL clusters.

mod postgres;
mod scenario;
mod sqlite;
mod support;
