//! Measuring, on PostgreSQL, what each statement of a new migration makes production suffer:
//! after every statement the same session reads the relation locks it holds (`pg_locks`), the
//! `relfilenode` of each existing table and index (a new one is a rewrite) and the
//! transaction's own scan counters (`pg_stat_xact_user_tables`), plus `lock_timeout`. The
//! probe only reads catalogue views, so the migration does exactly what it does unmeasured.

use super::SafetyRule;
use crate::Location;
use crate::dialect::{Cell, Conn, ExecError};
use crate::migrate::MigrationFile;
use crate::results::{Finding, FindingCategory, Measurement};
use std::collections::BTreeMap;
use std::time::Instant;

/// Which tables count as existing, whose locks and rewrites production would feel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// With a base: the tables present before the change's first new migration.
    BeforeFirstNew,
    /// Without one: before each file, the tables that already hold rows (an empty table
    /// created by an earlier file of the same run costs nothing to lock).
    BeforeEachFileWithRows,
}

/// A table (or materialised view) present before the change.
#[derive(Debug, Clone)]
struct Existing {
    name: String,
    rows: i64,
    bytes: i64,
}

/// One measured statement of the file being applied.
#[derive(Debug, Clone)]
struct Step {
    first_line: String,
    started: Instant,
    ms: f64,
}

/// A strong lock the file's transaction took on an existing table.
#[derive(Debug, Clone)]
struct Held {
    mode: String,
    /// The statement that first took it.
    step: usize,
}

#[derive(Debug, Default)]
struct FileState {
    path: camino::Utf8PathBuf,
    content: String,
    in_tx: bool,
    steps: Vec<Step>,
    held: BTreeMap<i64, Held>,
    /// (seq_scan, seq_tup_read) per table after the previous statement of this transaction.
    scans: BTreeMap<i64, (i64, i64)>,
    /// Findings that wait for the transaction's end to know how long their lock was held.
    pending: Vec<(usize, i64, Finding)>,
    lock_timeout_reported: bool,
}

/// The measurement of a run's new migrations.
#[derive(Debug)]
pub struct Probe {
    scope: Scope,
    taken: bool,
    existing: BTreeMap<i64, Existing>,
    /// relfilenode of each existing table and index, and the table an index belongs to.
    files: BTreeMap<i64, (i64, i64)>,
    file: Option<FileState>,
    findings: Vec<Finding>,
    /// Statements measured and the time the probe queries took, for the benchmark.
    pub statements: usize,
    pub probe_secs: f64,
}

/// Strong modes: they block writes (SHARE and up) or reads too (ACCESS EXCLUSIVE).
fn strength(mode: &str) -> Option<u8> {
    match mode {
        "ShareLock" => Some(1),
        "ShareRowExclusiveLock" => Some(2),
        "ExclusiveLock" => Some(3),
        "AccessExclusiveLock" => Some(4),
        _ => None,
    }
}

/// `AccessExclusiveLock` → `ACCESS EXCLUSIVE`.
pub fn mode_name(mode: &str) -> String {
    let base = mode.strip_suffix("Lock").unwrap_or(mode);
    let mut out = String::new();
    for (i, c) in base.char_indices() {
        if c.is_uppercase() && i > 0 {
            out.push(' ');
        }
        out.push(c.to_ascii_uppercase());
    }
    out
}

const USER_NS: &str = "n.nspname not in ('pg_catalog', 'information_schema') \
                       and n.nspname not like 'pg_toast%' and n.nspname not like 'pg_temp%'";

impl Probe {
    pub fn new(scope: Scope) -> Probe {
        Probe {
            scope,
            taken: false,
            existing: BTreeMap::new(),
            files: BTreeMap::new(),
            file: None,
            findings: Vec::new(),
            statements: 0,
            probe_secs: 0.0,
        }
    }

    /// Before `file` is applied (outside its transaction): takes the snapshot of existing
    /// tables when the scope asks for one now.
    pub async fn begin_file(
        &mut self,
        conn: &mut Conn,
        file: &MigrationFile,
        in_tx: bool,
    ) -> Result<(), ExecError> {
        let clock = Instant::now();
        if !self.taken || self.scope == Scope::BeforeEachFileWithRows {
            self.snapshot(conn).await?;
            self.taken = true;
        }
        self.file = Some(FileState {
            path: file.path.clone(),
            content: file.content.clone(),
            in_tx,
            ..FileState::default()
        });
        self.probe_secs += clock.elapsed().as_secs_f64();
        Ok(())
    }

    async fn snapshot(&mut self, conn: &mut Conn) -> Result<(), ExecError> {
        let rels = conn
            .query(&format!(
                "select c.oid::int8, c.relkind::text, quote_ident(n.nspname) || '.' || quote_ident(c.relname),
                        c.relfilenode::int8, pg_total_relation_size(c.oid)::int8,
                        coalesce(x.indrelid::int8, c.oid::int8)
                   from pg_class c join pg_namespace n on n.oid = c.relnamespace
                   left join pg_index x on x.indexrelid = c.oid
                  where c.relkind in ('r', 'p', 'm', 'i') and {USER_NS}"
            ))
            .await?;
        self.existing.clear();
        self.files.clear();
        let mut tables = Vec::new();
        for r in &rels.rows {
            let (oid, kind, name) = (int(&r[0]), text(&r[1]), text(&r[2]));
            self.files.insert(oid, (int(&r[3]), int(&r[5])));
            if kind != "i" {
                tables.push((oid, name, int(&r[4])));
            }
        }
        // Exact row counts, in one round trip: fixture tables are small, and estimates are
        // unknown (-1) until the table is analysed.
        let counts = if tables.is_empty() {
            Vec::new()
        } else {
            let sql = tables
                .iter()
                .map(|(oid, name, _)| format!("select {oid}::int8, count(*)::int8 from {name}"))
                .collect::<Vec<_>>()
                .join(" union all ");
            conn.query(&sql).await?.rows
        };
        let rows: BTreeMap<i64, i64> = counts.iter().map(|r| (int(&r[0]), int(&r[1]))).collect();
        for (oid, name, bytes) in tables {
            let n = rows.get(&oid).copied().unwrap_or(0);
            if self.scope == Scope::BeforeEachFileWithRows && n == 0 {
                continue;
            }
            self.existing.insert(
                oid,
                Existing {
                    name,
                    rows: n,
                    bytes,
                },
            );
        }
        Ok(())
    }

    /// Right after the file's BEGIN: the scan counters to measure from. Inside a transaction
    /// block the server does not flush them (it does when idle outside one), so the
    /// differences from here on are this transaction's own.
    pub async fn baseline(&mut self, conn: &mut Conn) -> Result<(), ExecError> {
        let clock = Instant::now();
        let rs = conn
            .query(&format!(
                "select s.relid::int8, s.seq_scan::int8, s.seq_tup_read::int8
                   from pg_stat_xact_user_tables s where s.relid in ({})",
                self.oid_list()
            ))
            .await?;
        if let Some(file) = self.file.as_mut() {
            file.scans = rs
                .rows
                .iter()
                .map(|r| (int(&r[0]), (int(&r[1]), int(&r[2]))))
                .collect();
        }
        self.probe_secs += clock.elapsed().as_secs_f64();
        Ok(())
    }

    fn oid_list(&self) -> String {
        if self.files.is_empty() {
            "0".to_string()
        } else {
            self.files
                .keys()
                .map(|o| o.to_string())
                .collect::<Vec<_>>()
                .join(",")
        }
    }

    /// After a statement of the file succeeded: what it locked, rewrote and scanned.
    pub async fn after_statement(
        &mut self,
        conn: &mut Conn,
        offset: usize,
        sql: &str,
        started: Instant,
    ) -> Result<(), ExecError> {
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        let clock = Instant::now();
        let oids = self.oid_list();
        let rs = conn
            .query(&format!(
                "select 'L', l.relation::int8, l.mode, 0::int8, 0::int8 from pg_locks l
                  where l.pid = pg_backend_pid() and l.locktype = 'relation' and l.granted
                    and l.relation in ({oids})
                 union all
                 select 'F', c.oid::int8, '', c.relfilenode::int8, 0 from pg_class c where c.oid in ({oids})
                 union all
                 select 'S', s.relid::int8, '', s.seq_scan::int8, s.seq_tup_read::int8
                   from pg_stat_xact_user_tables s where s.relid in ({oids})
                 union all
                 select 'T', 0, current_setting('lock_timeout'), 0, 0"
            ))
            .await?;
        self.probe_secs += clock.elapsed().as_secs_f64();
        self.statements += 1;
        let Some(file) = self.file.as_mut() else {
            return Ok(());
        };
        let step = file.steps.len();
        file.steps.push(Step {
            first_line: first_line(sql),
            started,
            ms,
        });
        let mut strongest: BTreeMap<i64, String> = BTreeMap::new();
        let mut rewritten: Vec<i64> = Vec::new();
        let mut lock_timeout = String::new();
        let mut scans: BTreeMap<i64, (i64, i64)> = BTreeMap::new();
        for r in &rs.rows {
            let (tag, oid) = (text(&r[0]), int(&r[1]));
            match tag.as_str() {
                "L" => {
                    let mode = text(&r[2]);
                    if self.existing.contains_key(&oid)
                        && strength(&mode) > strongest.get(&oid).and_then(|m| strength(m))
                    {
                        strongest.insert(oid, mode);
                    }
                }
                "F" => {
                    if let Some((node, table)) = self.files.get_mut(&oid) {
                        let now = int(&r[3]);
                        if *node != now {
                            *node = now;
                            if self.existing.contains_key(table) && !rewritten.contains(table) {
                                rewritten.push(*table);
                            }
                        }
                    }
                }
                "S" => {
                    scans.insert(oid, (int(&r[3]), int(&r[4])));
                }
                _ => lock_timeout = text(&r[2]),
            }
        }
        let here = Location::at_offset(&file.path, &file.content, offset);
        for (oid, mode) in &strongest {
            let newly = match file.held.get(oid) {
                Some(h) => strength(mode) > strength(&h.mode),
                None => true,
            };
            if !newly {
                continue;
            }
            file.held.insert(
                *oid,
                Held {
                    mode: mode.clone(),
                    step,
                },
            );
            let rule = if mode == "AccessExclusiveLock" {
                SafetyRule::BlocksReads
            } else {
                SafetyRule::BlocksWrites
            };
            let t = &self.existing[oid];
            let what = if rule == SafetyRule::BlocksReads {
                "reads and writes"
            } else {
                "writes"
            };
            let f = finding(
                rule,
                here.clone(),
                format!(
                    "`{}` takes {} on {} ({}): {what} on it wait while it is held.",
                    file.steps[step].first_line,
                    mode_name(mode),
                    t.name,
                    scale(t)
                ),
                measurement(&file.steps[step], Some(mode), t, None),
            );
            file.pending.push((step, *oid, f));
            if lock_timeout == "0" && !file.lock_timeout_reported {
                file.lock_timeout_reported = true;
                let f = finding(
                    SafetyRule::MissingLockTimeout,
                    here.clone(),
                    format!(
                        "`{}` takes {} on {} with lock_timeout 0: queued behind a long query, it would block every query queued behind it.",
                        file.steps[step].first_line,
                        mode_name(mode),
                        t.name
                    ),
                    measurement(&file.steps[step], Some(mode), t, None),
                );
                file.pending.push((step, *oid, f));
            }
        }
        for oid in &rewritten {
            let t = &self.existing[oid];
            self.findings.push(finding(
                SafetyRule::TableRewrite,
                here.clone(),
                format!(
                    "`{}` rewrites {} ({}; time grows with the table).",
                    file.steps[step].first_line,
                    t.name,
                    scale(t)
                ),
                measurement(
                    &file.steps[step],
                    strongest.get(oid).map(String::as_str),
                    t,
                    None,
                ),
            ));
        }
        for (oid, (seq, _)) in &scans {
            let (before_seq, _) = file.scans.get(oid).copied().unwrap_or((0, 0));
            let Some(t) = self.existing.get(oid) else {
                continue;
            };
            let strong = file.held.get(oid).map(|h| h.mode.clone());
            // Outside a transaction the counters may be flushed between statements: no delta.
            if file.in_tx
                && *seq > before_seq
                && strong.is_some()
                && !rewritten.contains(oid)
                && !builds(sql)
            {
                let mode = strong.unwrap_or_default();
                self.findings.push(finding(
                    SafetyRule::ScanUnderLock,
                    here.clone(),
                    format!(
                        "`{}` scans all of {} ({}) while holding {} on it: the scan's time grows with the table.",
                        file.steps[step].first_line,
                        t.name,
                        scale(t),
                        mode_name(&mode)
                    ),
                    measurement(&file.steps[step], Some(&mode), t, None),
                ));
            }
        }
        file.scans = scans;
        // Outside a transaction each statement commits on its own: its locks end with it.
        if !file.in_tx {
            settle(file, &mut self.findings, Instant::now(), step + 1);
        }
        Ok(())
    }

    /// The file's transaction committed (or, without one, its last statement ended).
    pub fn end_file(&mut self) {
        if let Some(mut file) = self.file.take() {
            let n = file.steps.len();
            settle(&mut file, &mut self.findings, Instant::now(), n);
        }
    }

    /// The file failed: what it measured is not the change's (it did not apply).
    pub fn abort_file(&mut self) {
        self.file = None;
    }

    /// The findings, in file order.
    pub fn into_findings(mut self) -> Vec<Finding> {
        let at = |f: &Finding| {
            f.location
                .as_ref()
                .map(|l| (l.path.clone(), l.line, l.column))
        };
        self.findings.sort_by_key(at);
        self.findings
    }
}

/// Gives the pending findings their held time (from the statement that took the lock to
/// `ended`) and reports locks held across the later statements `… < upto`.
fn settle(file: &mut FileState, out: &mut Vec<Finding>, ended: Instant, upto: usize) {
    for (step, oid, mut f) in std::mem::take(&mut file.pending) {
        let held_ms = ended
            .saturating_duration_since(file.steps[step].started)
            .as_secs_f64()
            * 1000.0;
        if let Some(m) = f.measured.as_mut() {
            m.held_ms = Some(held_ms);
        }
        f.message = format!("{} Held {:.1} ms in this run.", f.message, held_ms);
        let later: Vec<&Step> = file.steps[step + 1..upto].iter().collect();
        if f.rule == SafetyRule::BlocksReads.id() || f.rule == SafetyRule::BlocksWrites.id() {
            if !later.is_empty() && file.in_tx {
                let names: Vec<String> = later
                    .iter()
                    .take(3)
                    .map(|s| format!("`{}` ({:.1} ms)", s.first_line, s.ms))
                    .collect();
                let mut long = f.clone();
                long.rule = SafetyRule::LockHeldLong.id().to_string();
                long.severity = SafetyRule::LockHeldLong.default_severity();
                long.id =
                    f.id.replace(&format!("::{}", f.rule), &format!("::{}", long.rule));
                long.details = Some(SafetyRule::LockHeldLong.safe_pattern().to_string());
                long.message = format!(
                    "The {} lock taken by `{}` on table {oid_name} is held while {} later statement(s) of the transaction run: {}{}; {:.1} ms in this run.",
                    f.measured
                        .as_ref()
                        .and_then(|m| m.lock.as_deref())
                        .map(mode_name)
                        .unwrap_or_default(),
                    file.steps[step].first_line,
                    later.len(),
                    names.join(", "),
                    if later.len() > 3 { ", …" } else { "" },
                    held_ms,
                    oid_name = f
                        .measured
                        .as_ref()
                        .and_then(|m| m.table.clone())
                        .unwrap_or_else(|| oid.to_string()),
                );
                out.push(f);
                out.push(long);
                continue;
            }
        }
        out.push(f);
    }
    file.held.retain(|_, h| h.step >= upto);
}

fn measurement(step: &Step, mode: Option<&str>, t: &Existing, held_ms: Option<f64>) -> Measurement {
    Measurement {
        statement: step.first_line.clone(),
        lock: mode.map(str::to_string),
        table: Some(t.name.clone()),
        rows: Some(t.rows),
        bytes: Some(t.bytes),
        held_ms,
        statement_ms: step.ms,
    }
}

fn finding(rule: SafetyRule, at: Location, message: String, measured: Measurement) -> Finding {
    let mut f = Finding::new(
        FindingCategory::Safety,
        rule.id(),
        rule.default_severity(),
        Some(at),
        message,
        Some(rule.safe_pattern().to_string()),
    );
    f.measured = Some(measured);
    f
}

/// "12,000 rows, 2.1 MB here".
fn scale(t: &Existing) -> String {
    format!("{} rows, {} here", thousands(t.rows), bytes(t.bytes))
}

fn thousands(n: i64) -> String {
    let s = n.abs().to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

fn bytes(n: i64) -> String {
    let n = n as f64;
    if n >= 1024.0 * 1024.0 * 1024.0 {
        format!("{:.1} GB", n / (1024.0 * 1024.0 * 1024.0))
    } else if n >= 1024.0 * 1024.0 {
        format!("{:.1} MB", n / (1024.0 * 1024.0))
    } else {
        format!("{:.0} kB", (n / 1024.0).max(0.0))
    }
}

/// Statements whose full scan is the work itself (building an index, a heap, a view), not a
/// validation that a weaker form would avoid: their lock is what they are reported for.
fn builds(sql: &str) -> bool {
    matches!(
        crate::sql::split::first_keyword(sql).as_deref(),
        Some("CREATE" | "REINDEX" | "CLUSTER" | "VACUUM" | "REFRESH")
    )
}

/// The statement's first non-blank line, shortened to 80 characters.
fn first_line(sql: &str) -> String {
    let line = sql
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with("--"))
        .unwrap_or("");
    let line = line.trim_end_matches(';');
    if line.chars().count() > 80 {
        format!("{}…", line.chars().take(79).collect::<String>())
    } else {
        line.to_string()
    }
}

fn text(c: &Cell) -> String {
    crate::rules::cells::text(c).unwrap_or_default()
}

fn int(c: &Cell) -> i64 {
    text(c).trim().parse().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_read_as_the_documentation_writes_them() {
        assert_eq!(mode_name("AccessExclusiveLock"), "ACCESS EXCLUSIVE");
        assert_eq!(mode_name("ShareRowExclusiveLock"), "SHARE ROW EXCLUSIVE");
        assert_eq!(mode_name("ShareLock"), "SHARE");
        assert!(strength("ShareUpdateExclusiveLock").is_none());
        assert!(strength("AccessExclusiveLock") > strength("ShareLock"));
    }

    #[test]
    fn sizes_and_counts_read_well() {
        assert_eq!(thousands(12000), "12,000");
        assert_eq!(thousands(999), "999");
        assert_eq!(bytes(2_200_000), "2.1 MB");
        assert_eq!(bytes(8192), "8 kB");
        assert_eq!(
            first_line("\n  -- why\n alter table t\n add x int;"),
            "alter table t"
        );
    }
}
