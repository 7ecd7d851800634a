//! The compiled form of the rules: one [`Subject`] per check (what the results show), checks
//! decided without a query ([`Ready`]), and the [`Job`]s a connection runs.

use crate::Location;
use crate::project::{CheckKind, Severity};
use camino::Utf8PathBuf;

/// One check (or custom rule) as the results will show it.
#[derive(Debug, Clone)]
pub(crate) struct Subject {
    pub id: String,
    pub kind: &'static str,
    pub table: Option<String>,
    pub spec: Utf8PathBuf,
    pub location: Location,
    pub severity: Severity,
    pub max_violations: Option<u64>,
    pub max_rate: Option<f64>,
    /// `None` for a custom SQL rule.
    pub check: Option<CheckKind>,
    /// Where a database error in this check's SQL points (the SQL text of a custom rule).
    pub sql_location: Location,
}

/// A check decided without a query.
#[derive(Debug, Clone)]
pub(crate) enum Ready {
    /// Passed: the named constraint guarantees it.
    Guaranteed(String),
    /// Cannot run (validation would have caught it): reported as an error.
    Broken(String),
}

/// A unit of work for one connection, with a cost estimate to start big work first.
#[derive(Debug)]
pub(crate) struct Job {
    pub weight: f64,
    pub work: Work,
}

#[derive(Debug)]
pub(crate) enum Work {
    Scan(Scan),
    Unique(UniqueJob),
    References(ReferencesJob),
    Custom(CustomJob),
}

/// One pass over a table computing every row-level check on it.
#[derive(Debug)]
pub(crate) struct Scan {
    pub from: String,
    /// The filter shared by every check, moved into the `where` clause.
    pub filter: Option<String>,
    /// Aggregate expressions; checks refer to them by index.
    pub select: Vec<String>,
    pub checks: Vec<ScanCheck>,
    /// On PostgreSQL, `references` to small parents folded into this scan as
    /// `not in (select …)`, to be replaced by the parent's keys as a constant list.
    pub inline: Vec<InlineKeys>,
    /// What to run instead if a folded subquery stays and the planner does not hash it (a
    /// plain subplan would rescan the parent for every row).
    pub fallback: Option<Box<Fallback>>,
}

/// A folded `references` whose subquery can become a list of the parent's keys, which
/// PostgreSQL hashes once (a cheaper probe than a hashed subplan).
#[derive(Debug, Clone)]
pub(crate) struct InlineKeys {
    /// The predicate as compiled (with the subquery), to be replaced in the aggregates.
    pub predicate: String,
    /// Fetches the parent's distinct keys as text, one more than [`INLINE_KEYS`] at most.
    pub keys: String,
    /// The child's column.
    pub column: String,
    /// The parent key's type, as `format_type` spells it.
    pub key_type: String,
}

/// The most parent keys written into a scan as a constant list.
pub(crate) const INLINE_KEYS: usize = 10_000;

/// The scan without the folded `references`, and those as anti-joins of their own.
#[derive(Debug)]
pub(crate) struct Fallback {
    pub scan: Option<Scan>,
    pub references: Vec<ReferencesJob>,
}

#[derive(Debug, Clone)]
pub(crate) struct ScanCheck {
    pub subject: usize,
    /// Index of the rows-considered count.
    pub total: usize,
    pub measure: ScanMeasure,
    /// Query for sample violating rows, run only when the check fails.
    pub samples: Option<String>,
}

#[derive(Debug, Clone)]
pub(crate) enum ScanMeasure {
    Violations(usize),
    RowCount,
    Freshness {
        newest: usize,
        age: usize,
        column: String,
    },
}

impl ScanCheck {
    /// The aggregate indexes this check reads.
    pub fn uses(&self) -> Vec<usize> {
        let mut v = vec![self.total];
        match &self.measure {
            ScanMeasure::Violations(i) => v.push(*i),
            ScanMeasure::RowCount => {}
            ScanMeasure::Freshness { newest, age, .. } => v.extend([*newest, *age]),
        }
        v
    }
}

#[derive(Debug)]
pub(crate) struct UniqueJob {
    pub subject: usize,
    pub counts: String,
    pub duplicates: String,
    pub key_len: usize,
}

#[derive(Debug, Clone)]
pub(crate) struct ReferencesJob {
    pub subject: usize,
    pub counts: String,
    pub samples: Option<String>,
}

#[derive(Debug)]
pub(crate) struct CustomJob {
    pub subject: usize,
    /// The query without trailing `;`, or why it cannot run.
    pub query: Result<String, String>,
}

pub(crate) struct Compiled {
    pub subjects: Vec<Subject>,
    pub ready: Vec<(usize, Ready)>,
    pub jobs: Vec<Job>,
}
