//! Builders for rules and helpers to run them.

use crate::Location;
use crate::dialect::{Conn, DbTarget, ResultSet, SessionOptions};
use crate::plan::PlannedRule;
use crate::project::{Check, CheckKind, CheckOptions, Rule, SqlRule, SqlText};
use crate::results::CheckResult;
use crate::rules::{AuditError, RulesOptions, audit};
use std::sync::Mutex;

pub const SPEC: &str = "rules.yaml";

/// A check named `name` (its id is `rules.yaml::name`) declared on `line`.
pub fn check_at(line: u32, name: &str, kind: CheckKind) -> Check {
    Check {
        id: format!("{SPEC}::{name}"),
        table: String::new(),
        kind,
        options: CheckOptions {
            name: Some(name.into()),
            ..CheckOptions::default()
        },
        location: Location::new(SPEC, line, 7),
        args_at: Default::default(),
    }
}

pub fn check(name: &str, kind: CheckKind) -> Check {
    check_at(1, name, kind)
}

/// The check with its options changed.
pub fn with(mut c: Check, f: impl FnOnce(&mut CheckOptions)) -> Check {
    f(&mut c.options);
    c
}

/// A table entry on line 1.
pub fn table(table: &str, where_: Option<&str>, checks: Vec<Check>) -> PlannedRule {
    table_at(1, table, where_, checks)
}

/// A table entry declared on `line`.
pub fn table_at(line: u32, table: &str, where_: Option<&str>, checks: Vec<Check>) -> PlannedRule {
    let checks = checks
        .into_iter()
        .map(|c| Check {
            table: table.into(),
            ..c
        })
        .collect();
    PlannedRule {
        rule: Rule::Table {
            table: table.into(),
            where_: where_.map(str::to_string),
            checks,
            location: Location::new(SPEC, line, 3),
        },
        spec: SPEC.into(),
    }
}

/// A custom SQL rule declared on `line`.
pub fn custom_at(
    line: u32,
    name: &str,
    sql: &str,
    f: impl FnOnce(&mut CheckOptions),
) -> PlannedRule {
    let mut options = CheckOptions {
        name: Some(name.into()),
        ..CheckOptions::default()
    };
    f(&mut options);
    PlannedRule {
        rule: Rule::Sql(SqlRule {
            id: format!("{SPEC}::{name}"),
            name: name.into(),
            sql: SqlText {
                sql: sql.into(),
                location: Location::new(SPEC, line + 1, 9),
            },
            options,
            location: Location::new(SPEC, line, 3),
        }),
        spec: SPEC.into(),
    }
}

pub fn custom(name: &str, sql: &str) -> PlannedRule {
    custom_at(1, name, sql, |_| {})
}

pub fn cols(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| s.to_string()).collect()
}

/// Runs statements on the database with a writable session.
pub async fn exec(target: &DbTarget, sql: &str) {
    let mut conn = Conn::connect(target, &SessionOptions::default())
        .await
        .expect("connect");
    conn.execute(sql)
        .await
        .unwrap_or_else(|e| panic!("setup failed: {e}\n{sql}"));
    conn.close().await;
}

pub async fn query(target: &DbTarget, sql: &str) -> ResultSet {
    let mut conn = Conn::connect(target, &SessionOptions::default())
        .await
        .expect("connect");
    let rs = conn
        .query(sql)
        .await
        .unwrap_or_else(|e| panic!("query failed: {e}\n{sql}"));
    conn.close().await;
    rs
}

/// Validates and runs the rules; also checks `on_done` saw every result exactly once.
pub async fn run(
    target: &DbTarget,
    rules: &[PlannedRule],
    opts: &RulesOptions,
) -> Result<Vec<CheckResult>, AuditError> {
    let seen: Mutex<Vec<String>> = Mutex::new(Vec::new());
    let on_done = |r: &CheckResult| seen.lock().unwrap().push(r.id.clone());
    let results = audit(target, rules, opts, &on_done).await?;
    let mut seen = seen.into_inner().unwrap();
    let mut ids: Vec<String> = results.iter().map(|r| r.id.clone()).collect();
    seen.sort();
    ids.sort();
    assert_eq!(seen, ids, "on_done reports every check once");
    Ok(results)
}

pub fn get<'a>(results: &'a [CheckResult], name: &str) -> &'a CheckResult {
    let id = format!("{SPEC}::{name}");
    results
        .iter()
        .find(|r| r.id == id)
        .unwrap_or_else(|| panic!("no result for {id}"))
}
