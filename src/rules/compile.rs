//! Compiling checks into jobs: one fused scan per table for every row-level check (not_null,
//! accepted_values, range, matches, expression, row_count, freshness, each with its own
//! filter inside its aggregate), one job per `unique` key, per `references` and per custom
//! rule. Checks a validated constraint guarantees are decided here, without a query.

use super::catalog::{Catalog, ColumnInfo, TableInfo};
use super::jobs::{
    Compiled, CustomJob, Fallback, INLINE_KEYS, InlineKeys, Job, Ready, ReferencesJob, Scan,
    ScanCheck, ScanMeasure, Subject, UniqueJob, Work,
};
use super::lex;
use super::sqlgen::{RuleSql, and_all, fragment};
use crate::plan::PlannedRule;
use crate::project::{Check, CheckKind, Engine, Rule};
use std::collections::HashMap;

/// Parents with at most this many rows (by the planner's estimate) have their `references`
/// folded into the child's scan on PostgreSQL, when the planner hashes their keys.
const SMALL_PARENT_ROWS: f64 = 100_000.0;

/// Settings of compilation.
pub(crate) struct CompileOptions {
    pub samples: usize,
    pub constraint_shortcuts: bool,
}

/// A row-level check waiting for its table's scan to be assembled.
#[derive(Clone)]
struct Pending {
    subject: usize,
    filter: Option<String>,
    kind: PendingKind,
    samples: Option<(Vec<String>, Vec<String>)>,
    /// For a `references` folded into the scan on PostgreSQL: the anti-join to run instead
    /// if the planner will not hash the parent's keys.
    fallback: Option<ReferencesJob>,
    /// For the same: how to replace the subquery by the parent's keys.
    inline: Option<InlineKeys>,
}

#[derive(Clone)]
enum PendingKind {
    Violation(String),
    RowCount,
    Freshness(ColumnInfo),
}

pub(crate) fn compile(rules: &[PlannedRule], catalog: &Catalog, opts: &CompileOptions) -> Compiled {
    let sql = RuleSql::new(catalog.engine);
    let mut out = Compiled {
        subjects: Vec::new(),
        ready: Vec::new(),
        jobs: Vec::new(),
    };
    // Scans by table, in order of first appearance.
    let mut scans: Vec<(String, f64, Vec<Pending>)> = Vec::new();
    let mut biggest: f64 = 1.0;

    for planned in rules {
        match &planned.rule {
            Rule::Table {
                table,
                where_,
                checks,
                ..
            } => {
                let entry_filter = where_
                    .as_deref()
                    .map(|w| user_fragment(catalog, w))
                    .transpose();
                for check in checks {
                    let subject = out.subjects.len();
                    out.subjects.push(subject_of(planned, check));
                    let Some(info) = catalog.table(table) else {
                        out.ready.push((
                            subject,
                            Ready::Broken(format!(
                                "table `{table}` was not found in the catalogue"
                            )),
                        ));
                        continue;
                    };
                    biggest = biggest.max(info.estimated_rows.unwrap_or(0.0));
                    let own = check
                        .options
                        .where_
                        .as_deref()
                        .map(|w| user_fragment(catalog, w))
                        .transpose();
                    let filter = match (&entry_filter, own) {
                        (Ok(entry), Ok(own)) => and_all([entry.clone(), own]),
                        (Err(e), _) => {
                            out.ready.push((subject, Ready::Broken(e.clone())));
                            continue;
                        }
                        (_, Err(e)) => {
                            out.ready.push((subject, Ready::Broken(e)));
                            continue;
                        }
                    };
                    match plan_check(&sql, catalog, info, check, filter, subject, opts) {
                        Planned::Ready(r) => out.ready.push((subject, r)),
                        Planned::Job(job) => out.jobs.push(job),
                        Planned::Scan(p) => {
                            let from = info.sql_name(catalog.engine);
                            match scans.iter_mut().find(|(f, _, _)| *f == from) {
                                Some((_, _, list)) => list.push(p),
                                None => {
                                    scans.push((from, info.estimated_rows.unwrap_or(0.0), vec![p]))
                                }
                            }
                        }
                    }
                }
            }
            Rule::Sql(rule) => {
                let subject = out.subjects.len();
                out.subjects.push(Subject {
                    id: rule.id.clone(),
                    kind: "sql",
                    table: None,
                    spec: planned.spec.clone(),
                    location: rule.location.clone(),
                    severity: rule.options.severity,
                    max_violations: rule.options.max_violations,
                    max_rate: rule.options.max_violation_rate,
                    check: None,
                    sql_location: rule.sql.location.clone(),
                });
                let query = match lex::one_statement(catalog.engine, &rule.sql.sql) {
                    Err(_) => Err("the rule holds more than one SQL statement".to_string()),
                    Ok(q) => match lex::not_a_query(catalog.engine, q) {
                        Some(word) => Err(super::validate::not_a_query_message(&word)),
                        None => Ok(q.to_string()),
                    },
                };
                out.jobs.push(Job {
                    weight: f64::NAN,
                    work: Work::Custom(CustomJob { subject, query }),
                });
            }
        }
    }
    for (from, rows, pending) in scans {
        let fallback = pending.iter().any(|p| p.fallback.is_some()).then(|| {
            let (folded, rest): (Vec<Pending>, Vec<Pending>) =
                pending.iter().cloned().partition(|p| p.fallback.is_some());
            Box::new(Fallback {
                scan: (!rest.is_empty()).then(|| assemble(&sql, from.clone(), rest, opts.samples)),
                references: folded.into_iter().filter_map(|p| p.fallback).collect(),
            })
        });
        let mut scan = assemble(&sql, from, pending, opts.samples);
        scan.fallback = fallback;
        out.jobs.push(Job {
            weight: rows + 1.0,
            work: Work::Scan(scan),
        });
    }
    // Custom rules cost what we cannot know: count them as the biggest table.
    for job in &mut out.jobs {
        if job.weight.is_nan() {
            job.weight = biggest;
        }
    }
    out.jobs.sort_by(|a, b| b.weight.total_cmp(&a.weight));
    out
}

/// A `where` as SQL, refused when it holds more than one statement.
fn user_fragment(catalog: &Catalog, text: &str) -> Result<String, String> {
    lex::one_statement(catalog.engine, text)
        .map(fragment)
        .map_err(|_| "a `where` holds more than one SQL statement".to_string())
}

fn subject_of(planned: &PlannedRule, check: &Check) -> Subject {
    Subject {
        id: check.id.clone(),
        kind: kind_name(&check.kind),
        table: Some(check.table.clone()),
        spec: planned.spec.clone(),
        location: check.location.clone(),
        severity: check.options.severity,
        max_violations: check.options.max_violations,
        max_rate: check.options.max_violation_rate,
        check: Some(check.kind.clone()),
        sql_location: check.location.clone(),
    }
}

/// The kind's name as written in specs and shown in results.
pub fn kind_name(kind: &CheckKind) -> &'static str {
    match kind {
        CheckKind::NotNull { .. } => "not_null",
        CheckKind::Unique { .. } => "unique",
        CheckKind::AcceptedValues { .. } => "accepted_values",
        CheckKind::Range { .. } => "range",
        CheckKind::Matches { .. } => "matches",
        CheckKind::References { .. } => "references",
        CheckKind::Expression { .. } => "expression",
        CheckKind::RowCount { .. } => "row_count",
        CheckKind::Freshness { .. } => "freshness",
    }
}

enum Planned {
    Ready(Ready),
    Job(Job),
    Scan(Pending),
}

/// Real column names for the written ones, or a broken check.
fn columns<'t>(info: &'t TableInfo, written: &[String]) -> Result<Vec<&'t ColumnInfo>, Ready> {
    written
        .iter()
        .map(|w| {
            info.column(w).ok_or_else(|| {
                Ready::Broken(format!(
                    "column `{w}` was not found in `{}`",
                    info.display_name()
                ))
            })
        })
        .collect()
}

/// Columns shown in samples: the primary key then the checked columns, or every column of a
/// table without a key (so a person can find the row); ordered by the key when there is one.
fn sample_columns(info: &TableInfo, checked: &[&str], all: bool) -> (Vec<String>, Vec<String>) {
    let order: Vec<String> = info
        .primary_key
        .as_ref()
        .map(|k| k.columns.clone())
        .unwrap_or_default();
    if all || order.is_empty() {
        return (info.columns.iter().map(|c| c.name.clone()).collect(), order);
    }
    let mut select = order.clone();
    for c in checked {
        if !select.iter().any(|s| s == c) {
            select.push(c.to_string());
        }
    }
    (select, order)
}

fn plan_check(
    sql: &RuleSql,
    catalog: &Catalog,
    info: &TableInfo,
    check: &Check,
    filter: Option<String>,
    subject: usize,
    opts: &CompileOptions,
) -> Planned {
    let engine = catalog.engine;
    let from = info.sql_name(engine);
    let rows = info.estimated_rows.unwrap_or(0.0);
    let shortcuts = opts.constraint_shortcuts;
    let scan = |kind: PendingKind, samples: Option<(Vec<String>, Vec<String>)>| {
        Planned::Scan(Pending {
            subject,
            filter: filter.clone(),
            kind,
            samples,
            fallback: None,
            inline: None,
        })
    };
    match &check.kind {
        CheckKind::NotNull { columns: written } => {
            let cols = match columns(info, written) {
                Ok(c) => c,
                Err(r) => return Planned::Ready(r),
            };
            let by: Vec<&str> = cols
                .iter()
                .filter_map(|c| c.not_null_by.as_deref())
                .collect();
            if shortcuts && by.len() == cols.len() {
                let mut by: Vec<&str> = by;
                by.dedup();
                return Planned::Ready(Ready::Guaranteed(by.join(", ")));
            }
            let pred = cols
                .iter()
                .map(|c| sql.not_null(&c.name))
                .collect::<Vec<_>>()
                .join(" or ");
            let names: Vec<&str> = cols.iter().map(|c| c.name.as_str()).collect();
            scan(
                PendingKind::Violation(pred),
                Some(sample_columns(info, &names, false)),
            )
        }
        CheckKind::Unique { columns: written } => {
            let cols = match columns(info, written) {
                Ok(c) => c,
                Err(r) => return Planned::Ready(r),
            };
            let names: Vec<String> = cols.iter().map(|c| c.name.clone()).collect();
            if shortcuts && let Some(key) = info.unique_key_within(&names) {
                return Planned::Ready(Ready::Guaranteed(key.name.clone()));
            }
            let f = filter.as_deref();
            Planned::Job(Job {
                weight: 3.0 * (rows + 1.0),
                work: Work::Unique(UniqueJob {
                    subject,
                    counts: sql.unique_counts(&from, &names, f),
                    duplicates: sql.duplicates(&from, &names, f, opts.samples.max(1)),
                    key_len: names.len(),
                }),
            })
        }
        CheckKind::AcceptedValues { column, values } => {
            let cols = match columns(info, std::slice::from_ref(column)) {
                Ok(c) => c,
                Err(r) => return Planned::Ready(r),
            };
            let c = cols[0];
            scan(
                PendingKind::Violation(sql.accepted_values(&c.name, c.category, values)),
                Some(sample_columns(info, &[&c.name], false)),
            )
        }
        CheckKind::Range { column, min, max } => {
            let cols = match columns(info, std::slice::from_ref(column)) {
                Ok(c) => c,
                Err(r) => return Planned::Ready(r),
            };
            let c = cols[0];
            scan(
                PendingKind::Violation(sql.range(&c.name, c.category, min.as_ref(), max.as_ref())),
                Some(sample_columns(info, &[&c.name], false)),
            )
        }
        CheckKind::Matches { column, pattern } => {
            let cols = match columns(info, std::slice::from_ref(column)) {
                Ok(c) => c,
                Err(r) => return Planned::Ready(r),
            };
            let c = cols[0];
            let (select, order) = sample_columns(info, &[&c.name], false);
            // Where the engine cannot check the pattern itself (SQLite's `regexp` is the regex
            // crate), a bad pattern is reported here rather than as an error mid-scan.
            if sql.regex_probe(pattern).is_none()
                && let Err(e) = regex::Regex::new(pattern)
            {
                return Planned::Ready(Ready::Broken(format!(
                    "`pattern` is not a valid regular expression: {e}"
                )));
            }
            let pred = sql.matches(&c.name, pattern);
            scan(PendingKind::Violation(pred), Some((select, order)))
        }
        CheckKind::References {
            column,
            to_table,
            to_column,
        } => {
            let cols = match columns(info, std::slice::from_ref(column)) {
                Ok(c) => c,
                Err(r) => return Planned::Ready(r),
            };
            let c = cols[0];
            let Some(parent) = catalog.table(to_table) else {
                return Planned::Ready(Ready::Broken(format!(
                    "table `{to_table}` was not found in the catalogue"
                )));
            };
            let keys = match columns(parent, std::slice::from_ref(to_column)) {
                Ok(k) => k,
                Err(r) => return Planned::Ready(r),
            };
            let key = keys[0];
            if shortcuts
                && let Some(fk) = info.foreign_keys.iter().find(|fk| {
                    fk.validated
                        && fk.columns == [c.name.clone()]
                        && fk.ref_columns == [key.name.clone()]
                        && fk.ref_schema == parent.schema
                        && fk.ref_table == parent.name
                })
            {
                return Planned::Ready(Ready::Guaranteed(fk.name.clone()));
            }
            let parent_unique = parent
                .unique_key_within(std::slice::from_ref(&key.name))
                .is_some();
            let parent_sql = parent.sql_name(engine);
            let f = filter.as_deref();
            let samples = (opts.samples > 0).then(|| {
                let (select, order) = sample_columns(info, &[&c.name], false);
                sql.references_samples(
                    &from,
                    &c.name,
                    &parent_sql,
                    &key.name,
                    parent_unique,
                    f,
                    &select,
                    &order,
                    opts.samples,
                )
            });
            let anti_join = ReferencesJob {
                subject,
                counts: sql.references(&from, &c.name, &parent_sql, &key.name, parent_unique, f),
                samples,
            };
            // A small parent's keys fit in a hash table: check them during the child's scan
            // instead of a second pass. SQLite indexes an IN subquery once, whatever its size.
            let small_parent = parent
                .estimated_rows
                .is_some_and(|n| n <= SMALL_PARENT_ROWS);
            let fold = match engine {
                Engine::Sqlite => true,
                Engine::Postgres => small_parent,
                Engine::Mysql | Engine::Mariadb => false,
            };
            if !fold {
                return Planned::Job(Job {
                    weight: 1.5 * (rows + parent.estimated_rows.unwrap_or(0.0)) + 1.0,
                    work: Work::References(anti_join),
                });
            }
            let pred = sql.not_in_parent(&c.name, &parent_sql, &key.name);
            let postgres = matches!(engine, Engine::Postgres);
            let inline = postgres.then(|| InlineKeys {
                predicate: pred.clone(),
                keys: sql.parent_keys(&parent_sql, &key.name, INLINE_KEYS + 1),
                column: c.name.clone(),
                key_type: key.type_name.clone(),
            });
            Planned::Scan(Pending {
                subject,
                filter: filter.clone(),
                kind: PendingKind::Violation(pred),
                samples: Some(sample_columns(info, &[&c.name], false)),
                fallback: postgres.then_some(anti_join),
                inline,
            })
        }
        CheckKind::Expression { predicate } => match lex::one_statement(engine, predicate) {
            Ok(body) => scan(
                PendingKind::Violation(sql.expression(body)),
                Some(sample_columns(info, &[], true)),
            ),
            Err(_) => Planned::Ready(Ready::Broken(
                "the `expression` holds more than one SQL statement".into(),
            )),
        },
        CheckKind::RowCount { .. } => scan(PendingKind::RowCount, None),
        CheckKind::Freshness { column, .. } => {
            let cols = match columns(info, std::slice::from_ref(column)) {
                Ok(c) => c,
                Err(r) => return Planned::Ready(r),
            };
            scan(PendingKind::Freshness(cols[0].clone()), None)
        }
    }
}

/// Builds one table's scan: aggregates are shared between checks with the same expression, and
/// a filter common to every check moves into the `where` clause.
fn assemble(sql: &RuleSql, from: String, pending: Vec<Pending>, samples: usize) -> Scan {
    let shared = pending.first().map(|p| p.filter.clone()).unwrap_or(None);
    let hoist = pending.iter().all(|p| p.filter == shared);
    let mut select: Vec<String> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut add = |expr: String| -> usize {
        if let Some(i) = index.get(&expr) {
            return *i;
        }
        select.push(expr.clone());
        index.insert(expr, select.len() - 1);
        select.len() - 1
    };
    let mut checks = Vec::with_capacity(pending.len());
    let inline: Vec<InlineKeys> = pending.iter().filter_map(|p| p.inline.clone()).collect();
    for p in pending {
        let inside = if hoist { None } else { p.filter.clone() };
        let total = add(sql.count_if(inside.as_deref()));
        let mut sample_sql = None;
        let measure = match p.kind {
            PendingKind::Violation(pred) => {
                let counted = and_all([inside.clone(), Some(pred.clone())]);
                if let (Some((select_cols, order)), true) = (&p.samples, samples > 0) {
                    sample_sql = Some(sql.samples(
                        &from,
                        select_cols,
                        p.filter.as_deref(),
                        &pred,
                        order,
                        samples,
                    ));
                }
                ScanMeasure::Violations(add(sql.count_if(counted.as_deref())))
            }
            PendingKind::RowCount => ScanMeasure::RowCount,
            PendingKind::Freshness(column) => {
                let (newest, age) = sql.freshness(&column.name, column.category, inside.as_deref());
                ScanMeasure::Freshness {
                    newest: add(newest),
                    age: add(age),
                    column: column.name,
                }
            }
        };
        checks.push(ScanCheck {
            subject: p.subject,
            total,
            measure,
            samples: sample_sql,
        });
    }
    Scan {
        from,
        filter: if hoist { shared } else { None },
        select,
        checks,
        inline,
        fallback: None,
    }
}
