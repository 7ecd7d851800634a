//! Sequence values are not transactional in PostgreSQL: a rolled-back test still advances
//! them. We snapshot every sequence once per worker and put back the ones a test moved, so
//! the next test sees exactly the template's values.

use crate::dialect::{Cell, Conn, ExecError, quote};
use crate::project::Engine;
use std::collections::HashMap;

/// `schema.sequence` → (last_value as pg_sequences shows it: None when not yet called).
#[derive(Debug, Default, Clone)]
pub struct SequenceSnapshot {
    visible: HashMap<String, Option<String>>,
    /// For each sequence: the `setval` arguments that restore it exactly.
    restore: HashMap<String, (String, bool)>,
}

const LIST: &str = "select schemaname::text, sequencename::text, last_value::text, start_value::text \
                    from pg_catalog.pg_sequences";

fn text(c: Option<&Cell>) -> Option<String> {
    match c {
        Some(Cell::Text(t)) => Some(t.clone()),
        _ => None,
    }
}

/// `"schema"."sequence"` from a row of [`LIST`].
fn qualified_name(row: &[Cell]) -> Option<String> {
    let (schema, name) = (text(row.first())?, text(row.get(1))?);
    Some(format!(
        "{}.{}",
        quote::ident(Engine::Postgres, &schema),
        quote::ident(Engine::Postgres, &name)
    ))
}

impl SequenceSnapshot {
    /// Reads every sequence of the database (PostgreSQL only; empty elsewhere).
    pub async fn take(conn: &mut Conn) -> Result<SequenceSnapshot, ExecError> {
        if conn.engine() != Engine::Postgres {
            return Ok(SequenceSnapshot::default());
        }
        let rs = conn.query(LIST).await?;
        let mut snap = SequenceSnapshot::default();
        for row in &rs.rows {
            let Some(qualified) = qualified_name(row) else {
                continue;
            };
            let last = text(row.get(2));
            let restore = match &last {
                Some(v) => (v.clone(), true),
                None => {
                    // Not called yet: read the raw value so setval(…, false) restores it exactly.
                    let raw = conn
                        .query(&format!("select last_value::text from {qualified}"))
                        .await?;
                    let v = raw.rows.first().and_then(|r| text(r.first()));
                    (
                        v.or_else(|| text(row.get(3))).unwrap_or_else(|| "1".into()),
                        false,
                    )
                }
            };
            snap.visible.insert(qualified.clone(), last);
            snap.restore.insert(qualified, restore);
        }
        Ok(snap)
    }

    /// Rolls the test's transaction back, then puts back every sequence whose value differs
    /// from the snapshot (setval is not transactional either). The rollback and the read of
    /// the sequences travel in one round trip.
    pub async fn rollback_and_restore(&self, conn: &mut Conn) -> Result<(), ExecError> {
        if self.visible.is_empty() {
            return conn.execute("ROLLBACK").await.map(|_| ());
        }
        let rs = conn.query(&format!("ROLLBACK; {LIST}")).await?;
        let mut fixes = Vec::new();
        for row in &rs.rows {
            let Some(qualified) = qualified_name(row) else {
                continue;
            };
            let now = text(row.get(2));
            match (self.visible.get(&qualified), self.restore.get(&qualified)) {
                (Some(before), Some((value, called))) if *before != now => fixes.push(format!(
                    "select pg_catalog.setval({}, {value}, {called})",
                    quote::literal(&qualified)
                )),
                _ => {}
            }
        }
        for fix in fixes {
            conn.execute(&fix).await?;
        }
        Ok(())
    }
}
