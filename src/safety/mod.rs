//! Migration safety: what each statement of the change's new migrations makes production
//! suffer — measured on PostgreSQL (locks, rewrites, scans under lock) and read from the text
//! where running cannot show it (dropped or renamed objects, statements that cannot run in a
//! transaction) — each a rule with a severity, help text and the safe pattern.

pub mod allow;
pub mod measure;

/// The safety rules. The ids are those of [`crate::results::Finding::rule`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SafetyRule {
    BlocksReads,
    BlocksWrites,
    TableRewrite,
    ScanUnderLock,
    LockHeldLong,
    MissingLockTimeout,
    DropColumn,
    DropTable,
    RenameColumn,
    RenameTable,
    AddColumnNotNullWithoutDefault,
    ConcurrentlyInTransaction,
    EnumValueInTransaction,
    SerialVsIdentity,
}

/// How a rule finds what it reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basis {
    /// From the locks, relfilenodes and scan counters read while the statement ran.
    Measured,
    /// From the statement's text.
    Static,
}

impl SafetyRule {
    pub const ALL: [SafetyRule; 14] = [
        SafetyRule::BlocksReads,
        SafetyRule::BlocksWrites,
        SafetyRule::TableRewrite,
        SafetyRule::ScanUnderLock,
        SafetyRule::LockHeldLong,
        SafetyRule::MissingLockTimeout,
        SafetyRule::DropColumn,
        SafetyRule::DropTable,
        SafetyRule::RenameColumn,
        SafetyRule::RenameTable,
        SafetyRule::AddColumnNotNullWithoutDefault,
        SafetyRule::ConcurrentlyInTransaction,
        SafetyRule::EnumValueInTransaction,
        SafetyRule::SerialVsIdentity,
    ];

    /// The rule id, kebab-case, as the results, `-- sqltest:allow` and `safety:` write it.
    pub fn id(self) -> &'static str {
        match self {
            SafetyRule::BlocksReads => "blocks-reads",
            SafetyRule::BlocksWrites => "blocks-writes",
            SafetyRule::TableRewrite => "table-rewrite",
            SafetyRule::ScanUnderLock => "scan-under-lock",
            SafetyRule::LockHeldLong => "lock-held-long",
            SafetyRule::MissingLockTimeout => "missing-lock-timeout",
            SafetyRule::DropColumn => "drop-column",
            SafetyRule::DropTable => "drop-table",
            SafetyRule::RenameColumn => "rename-column",
            SafetyRule::RenameTable => "rename-table",
            SafetyRule::AddColumnNotNullWithoutDefault => "add-column-not-null-without-default",
            SafetyRule::ConcurrentlyInTransaction => "concurrently-in-transaction",
            SafetyRule::EnumValueInTransaction => "enum-value-in-transaction",
            SafetyRule::SerialVsIdentity => "serial-vs-identity",
        }
    }

    /// PascalCase, for SARIF's rule `name`.
    pub fn name(self) -> &'static str {
        match self {
            SafetyRule::BlocksReads => "BlocksReads",
            SafetyRule::BlocksWrites => "BlocksWrites",
            SafetyRule::TableRewrite => "TableRewrite",
            SafetyRule::ScanUnderLock => "ScanUnderLock",
            SafetyRule::LockHeldLong => "LockHeldLong",
            SafetyRule::MissingLockTimeout => "MissingLockTimeout",
            SafetyRule::DropColumn => "DropColumn",
            SafetyRule::DropTable => "DropTable",
            SafetyRule::RenameColumn => "RenameColumn",
            SafetyRule::RenameTable => "RenameTable",
            SafetyRule::AddColumnNotNullWithoutDefault => "AddColumnNotNullWithoutDefault",
            SafetyRule::ConcurrentlyInTransaction => "ConcurrentlyInTransaction",
            SafetyRule::EnumValueInTransaction => "EnumValueInTransaction",
            SafetyRule::SerialVsIdentity => "SerialVsIdentity",
        }
    }

    pub fn of_id(id: &str) -> Option<SafetyRule> {
        SafetyRule::ALL.into_iter().find(|r| r.id() == id)
    }

    pub fn basis(self) -> Basis {
        match self {
            SafetyRule::BlocksReads
            | SafetyRule::BlocksWrites
            | SafetyRule::TableRewrite
            | SafetyRule::ScanUnderLock
            | SafetyRule::LockHeldLong
            | SafetyRule::MissingLockTimeout => Basis::Measured,
            _ => Basis::Static,
        }
    }

    /// The severity when `safety.severity` does not say otherwise.
    pub fn default_severity(self) -> crate::project::Severity {
        use crate::project::Severity::*;
        match self {
            SafetyRule::TableRewrite
            | SafetyRule::ScanUnderLock
            | SafetyRule::DropColumn
            | SafetyRule::DropTable
            | SafetyRule::RenameColumn
            | SafetyRule::RenameTable
            | SafetyRule::AddColumnNotNullWithoutDefault
            | SafetyRule::ConcurrentlyInTransaction
            | SafetyRule::EnumValueInTransaction => Error,
            // Every ALTER TABLE takes ACCESS EXCLUSIVE, mostly for microseconds: the danger is
            // the queue behind it (missing-lock-timeout) or holding it long (lock-held-long); what
            // makes it long on big tables, rewrites and scans, are errors.
            SafetyRule::BlocksReads
            | SafetyRule::BlocksWrites
            | SafetyRule::LockHeldLong
            | SafetyRule::MissingLockTimeout => Warning,
            SafetyRule::SerialVsIdentity => Info,
        }
    }

    /// One line: what the rule reports.
    pub fn summary(self) -> &'static str {
        match self {
            SafetyRule::BlocksReads => {
                "The statement takes an ACCESS EXCLUSIVE lock on an existing table: reads and writes wait"
            }
            SafetyRule::BlocksWrites => {
                "The statement takes a SHARE, SHARE ROW EXCLUSIVE or EXCLUSIVE lock on an existing table: writes wait"
            }
            SafetyRule::TableRewrite => {
                "The statement rewrites an existing table or index (its relfilenode changed)"
            }
            SafetyRule::ScanUnderLock => {
                "The statement scans a whole existing table while holding a strong lock on it"
            }
            SafetyRule::LockHeldLong => {
                "A strong lock is held across later statements of the same transaction"
            }
            SafetyRule::MissingLockTimeout => {
                "A strong lock is taken on an existing table with no lock_timeout set"
            }
            SafetyRule::DropColumn => {
                "A column is dropped: the running application may still use it"
            }
            SafetyRule::DropTable => "A table is dropped: the running application may still use it",
            SafetyRule::RenameColumn => {
                "A column is renamed: the running application still uses the old name"
            }
            SafetyRule::RenameTable => {
                "A table is renamed: the running application still uses the old name"
            }
            SafetyRule::AddColumnNotNullWithoutDefault => {
                "A NOT NULL column is added without a default: it fails on a table with rows"
            }
            SafetyRule::ConcurrentlyInTransaction => {
                "CONCURRENTLY cannot run inside a transaction block"
            }
            SafetyRule::EnumValueInTransaction => {
                "ALTER TYPE … ADD VALUE cannot run (or the value cannot be used) inside a transaction on this PostgreSQL version"
            }
            SafetyRule::SerialVsIdentity => {
                "serial columns are legacy: identity columns are the SQL-standard replacement"
            }
        }
    }

    /// The safe pattern, for help texts (SARIF, README).
    pub fn safe_pattern(self) -> &'static str {
        match self {
            SafetyRule::BlocksReads => {
                "Set a short lock_timeout (SET lock_timeout = '2s') and retry; prefer forms that take weaker locks: CREATE INDEX CONCURRENTLY, ADD CONSTRAINT … NOT VALID then VALIDATE CONSTRAINT, and split long migrations so the lock is held briefly."
            }
            SafetyRule::BlocksWrites => {
                "Use CREATE INDEX CONCURRENTLY (in a file run outside a transaction: -- sqltest:no-transaction), and ADD CONSTRAINT … NOT VALID followed by VALIDATE CONSTRAINT, which takes SHARE UPDATE EXCLUSIVE."
            }
            SafetyRule::TableRewrite => {
                "Add the column without a volatile default and backfill in batches; change a type by adding a new column, backfilling, and swapping; avoid VACUUM FULL and CLUSTER on live tables (pg_repack does it online)."
            }
            SafetyRule::ScanUnderLock => {
                "Add the constraint NOT VALID (no scan, brief lock), then VALIDATE CONSTRAINT in a later statement or migration (SHARE UPDATE EXCLUSIVE: writes go on). For SET NOT NULL, first add and validate CHECK (col IS NOT NULL): PostgreSQL 12+ then skips the scan."
            }
            SafetyRule::LockHeldLong => {
                "Put the statement that takes the strong lock last in its transaction, or in its own migration, so the lock is released as soon as it is taken."
            }
            SafetyRule::MissingLockTimeout => {
                "Start the migration with SET lock_timeout = '2s' (and retry on failure): waiting behind a long query, the migration would block every query queued behind it."
            }
            SafetyRule::DropColumn => {
                "Deploy the application without the column first, then drop it in a later release (expand, then contract)."
            }
            SafetyRule::DropTable => {
                "Deploy the application without the table first, then drop it in a later release."
            }
            SafetyRule::RenameColumn => {
                "Add the new column, write both, backfill, move reads, then drop the old column (or use a view) across releases."
            }
            SafetyRule::RenameTable => {
                "Create the new table name as a view of the old one (or the reverse) while both application versions run."
            }
            SafetyRule::AddColumnNotNullWithoutDefault => {
                "Add the column with a constant DEFAULT (no rewrite since PostgreSQL 11), or add it nullable, backfill, then SET NOT NULL behind a validated CHECK."
            }
            SafetyRule::ConcurrentlyInTransaction => {
                "Put the statement in its own file marked -- sqltest:no-transaction (Diesel: run_in_transaction = false; golang-migrate runs files without a transaction)."
            }
            SafetyRule::EnumValueInTransaction => {
                "Add the enum value in its own migration run outside a transaction, before the migration that uses it."
            }
            SafetyRule::SerialVsIdentity => {
                "Use GENERATED BY DEFAULT AS IDENTITY (or ALWAYS) instead of serial/bigserial."
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_kebab_case_and_found_again() {
        let mut seen = std::collections::HashSet::new();
        for r in SafetyRule::ALL {
            assert!(seen.insert(r.id()), "{} twice", r.id());
            assert!(r.id().chars().all(|c| c.is_ascii_lowercase() || c == '-'));
            assert_eq!(SafetyRule::of_id(r.id()), Some(r));
            assert!(!r.summary().is_empty() && !r.safe_pattern().is_empty());
        }
        assert_eq!(SafetyRule::of_id("blocks-everything"), None);
    }
}
