//! A throwaway PostgreSQL cluster per test (the machine's server binaries, run as the
//! `postgres` user when the tests run as root), stopped and deleted when dropped.

use super::support::exec;
use crate::backend::local::{Cluster, start_cluster};
use crate::dialect::{DbTarget, Endpoint};
use camino::Utf8PathBuf;

/// Starts a cluster from `SQLTEST_PG_BINDIR` (default: PostgreSQL 15's Debian location).
pub async fn cluster() -> Cluster {
    let bindir =
        std::env::var("SQLTEST_PG_BINDIR").unwrap_or_else(|_| "/usr/lib/postgresql/15/bin".into());
    start_cluster(&Utf8PathBuf::from(bindir))
        .await
        .expect("start a PostgreSQL cluster")
}

/// A new database on the cluster holding `setup`.
pub async fn database(cluster: &Cluster, name: &str, setup: &str) -> DbTarget {
    let endpoint = Endpoint::Postgres {
        admin_url: cluster.admin_url(),
    };
    let target = endpoint.create_database(name).await.unwrap();
    exec(&target, setup).await;
    target
}
