//! The throwaway databases a run creates, so every exit path can drop them (on a shared
//! `url` server they would otherwise outlive the run).

use crate::dialect::Endpoint;
use std::sync::{Arc, Mutex};

/// Names of databases created on the run's server; cheap to clone and share.
#[derive(Debug, Clone, Default)]
pub struct DbRegistry {
    names: Arc<Mutex<Vec<String>>>,
}

impl DbRegistry {
    /// Records `name` before it is created, so a cancelled creation is still cleaned up.
    pub fn record(&self, name: &str) {
        if let Ok(mut n) = self.names.lock() {
            n.push(name.to_string());
        }
    }

    /// Forgets `name` once it has been dropped.
    pub fn forget(&self, name: &str) {
        if let Ok(mut n) = self.names.lock() {
            n.retain(|x| x != name);
        }
    }

    /// Drops every recorded database (newest first, so clones go before their template).
    /// Returns the problems met, for the report.
    pub async fn drop_all(&self, endpoint: &Endpoint) -> Vec<String> {
        let names: Vec<String> = match self.names.lock() {
            Ok(mut n) => std::mem::take(&mut *n),
            Err(_) => Vec::new(),
        };
        let mut problems = Vec::new();
        for name in names.iter().rev() {
            if let Err(e) = endpoint.drop_database(name).await {
                problems.push(format!("failed to drop the temporary database {name}: {e}"));
            }
        }
        problems
    }
}
