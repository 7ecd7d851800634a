//! Validation before running: every table and column a check names is looked up in the
//! catalogue, every `range` bound and `accepted_values` value is checked against its column's
//! type ([`super::typed`]), and every user-written fragment and generated predicate is probed with a query
//! that reads no row (`… where 1 = 0 and …`), so a typo is a located config error with a
//! "did you mean", not an SQL error halfway through the run.

use super::catalog::{Catalog, ColumnInfo, TableInfo, TypeCategory};
use super::introspect::{Relation, describe, list_relations, resolve};
use super::lex;
use super::sqlgen::{RuleSql, and_all, fragment};
use super::typed;
use crate::Location;
use crate::dialect::{Conn, ExecError, SqlError};
use crate::plan::PlannedRule;
use crate::project::errors::did_you_mean;
use crate::project::{Check, CheckKind, ConfigError, Engine, Rule, Value};
use std::collections::BTreeMap;

/// Why validation could not produce a catalogue.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ValidateError {
    /// The rules name things the database lacks, or do not compile against it (exit 2).
    #[error("{} rule error(s): {}", .0.len(), .0.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<ConfigError>),
    /// The catalogue could not be read (exit 3).
    #[error("failed to read the database catalogue: {0}")]
    Database(String),
}

/// Looks up every table and column named by the rules, and probes every expression, `where`
/// and predicate against the database. All errors are collected, in rule order.
pub async fn validate(conn: &mut Conn, rules: &[PlannedRule]) -> Result<Catalog, ValidateError> {
    let engine = conn.engine();
    let mut v = Validator {
        engine,
        sql: RuleSql::new(engine),
        errors: Vec::new(),
    };
    let mut catalog = Catalog::new(engine);
    if rules.is_empty() {
        return Ok(catalog);
    }
    match engine {
        Engine::Postgres | Engine::Sqlite => {}
        Engine::Mysql | Engine::Mariadb => {
            let at = rule_location(&rules[0].rule).clone();
            return Err(ValidateError::Invalid(vec![ConfigError::at(
                at,
                format!(
                    "rules on {} are not supported by this build yet",
                    engine.as_str()
                ),
            )]));
        }
    }
    let relations = list_relations(conn).await.map_err(db)?;

    // Resolve every table name, as written, once.
    let mut wanted: BTreeMap<String, Option<&Relation>> = BTreeMap::new();
    for planned in rules {
        let Rule::Table {
            table,
            checks,
            location,
            ..
        } = &planned.rule
        else {
            continue;
        };
        v.resolve_into(&relations, &mut wanted, table, location, "");
        for check in checks {
            if let CheckKind::References { to_table, .. } = &check.kind {
                v.resolve_into(
                    &relations,
                    &mut wanted,
                    to_table,
                    &check.location,
                    " (the `to` of this check)",
                );
            }
        }
    }
    let mut found: Vec<&Relation> = wanted.values().flatten().copied().collect();
    found.sort_by(|a, b| (&a.schema, &a.name).cmp(&(&b.schema, &b.name)));
    found.dedup_by(|a, b| a.schema == b.schema && a.name == b.name);
    let infos = describe(conn, &found).await.map_err(db)?;
    for (written, relation) in &wanted {
        let Some(r) = relation else { continue };
        if let Some(info) = infos
            .iter()
            .find(|t| t.schema == r.schema && t.name == r.name)
        {
            catalog.insert(written, info.clone());
        }
    }

    for planned in rules {
        match &planned.rule {
            Rule::Table {
                table,
                where_,
                checks,
                location,
            } => {
                let Some(info) = catalog.table(table).cloned() else {
                    continue;
                };
                let entry_filter = where_
                    .as_ref()
                    .and_then(|w| v.fragment(w, location, "the `where` of this rule entry"))
                    .map(fragment);
                if let Some(f) = &entry_filter {
                    v.probe(conn, &info, f, location, "the `where` of this rule entry")
                        .await?;
                }
                for check in checks {
                    v.check(conn, &catalog, &info, check, entry_filter.as_deref())
                        .await?;
                }
            }
            Rule::Sql(rule) => {
                if let Some(body) = v.fragment(&rule.sql.sql, &rule.sql.location, "a custom rule")
                    && let Some(word) = lex::not_a_query(engine, body)
                {
                    v.error(
                        &rule.sql.location,
                        not_a_query_message(&word),
                        Some(NOT_A_QUERY_HELP.into()),
                    );
                }
            }
        }
    }
    if v.errors.is_empty() {
        Ok(catalog)
    } else {
        Err(ValidateError::Invalid(v.errors))
    }
}

/// Why a custom rule that is not a query is refused.
pub(crate) fn not_a_query_message(word: &str) -> String {
    format!("a custom rule must be a query, not `{word}`")
}

const NOT_A_QUERY_HELP: &str = "write a SELECT (or WITH … SELECT) returning the violating rows; rules only read, in one read-only transaction";

fn db(e: ExecError) -> ValidateError {
    ValidateError::Database(e.to_string())
}

fn rule_location(rule: &Rule) -> &Location {
    match rule {
        Rule::Table { location, .. } => location,
        Rule::Sql(r) => &r.location,
    }
}

struct Validator {
    engine: Engine,
    sql: RuleSql,
    errors: Vec<ConfigError>,
}

impl Validator {
    fn error(&mut self, location: &Location, message: String, help: Option<String>) {
        let e = ConfigError::at(location.clone(), message);
        self.errors.push(match help {
            Some(h) => e.with_help(h),
            None => e,
        });
    }

    fn resolve_into<'r>(
        &mut self,
        relations: &'r [Relation],
        wanted: &mut BTreeMap<String, Option<&'r Relation>>,
        written: &str,
        location: &Location,
        role: &str,
    ) {
        let resolved = resolve(relations, written);
        if let Err(help) = &resolved {
            self.error(
                location,
                format!("table `{written}`{role} does not exist in the database"),
                Some(help.clone()),
            );
        }
        wanted.entry(written.to_string()).or_insert(resolved.ok());
    }

    /// A user-written fragment, if it is one statement.
    fn fragment<'s>(&mut self, text: &'s str, location: &Location, what: &str) -> Option<&'s str> {
        match lex::one_statement(self.engine, text) {
            Ok(body) if body.trim().is_empty() => {
                self.error(location, format!("{what} is empty"), None);
                None
            }
            Ok(body) => Some(body),
            Err(_) => {
                self.error(
                    location,
                    format!("{what} holds more than one SQL statement"),
                    Some("remove the `;`: rules run one statement at a time, read-only".into()),
                );
                None
            }
        }
    }

    /// The column a check names, or an error with a suggestion.
    fn column<'t>(
        &mut self,
        table: &'t TableInfo,
        written: &str,
        location: &Location,
    ) -> Option<&'t super::ColumnInfo> {
        let found = table.column(written);
        if found.is_none() {
            let names: Vec<&str> = table.columns.iter().map(|c| c.name.as_str()).collect();
            let help = match did_you_mean(written, &names) {
                Some(near) => format!("did you mean `{near}`?"),
                None => format!(
                    "columns of {}: {}",
                    table.display_name(),
                    names
                        .iter()
                        .map(|n| format!("`{n}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            self.error(
                location,
                format!(
                    "column `{written}` does not exist in table `{}`",
                    table.display_name()
                ),
                Some(help),
            );
        }
        found
    }

    /// Whether every value fits the column's type ([`typed`]); an error at each one that does
    /// not, located at the value when known (else at the check). Checked before the probe,
    /// which on SQLite would compare text with numbers without complaint.
    fn typed(
        &mut self,
        table: &TableInfo,
        column: &ColumnInfo,
        values: &[(&Value, Option<&Location>, &str)],
        check_at: &Location,
    ) -> bool {
        let kind = typed::kind_of(self.engine, column);
        let mut ok = true;
        for (value, at, what) in values {
            if let Err(misfit) = typed::check_value(self.engine, kind, value) {
                let shown = match value {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                self.error(
                    at.unwrap_or(check_at),
                    format!(
                        "{what} `{shown}` is not {}: column `{}.{}` is {}",
                        misfit.expected,
                        table.display_name(),
                        column.name,
                        column.type_name
                    ),
                    Some(misfit.help),
                );
                ok = false;
            }
        }
        ok
    }

    /// Runs `select 1 from table where 1 = 0 and predicate`; an SQL error becomes a config error.
    async fn probe(
        &mut self,
        conn: &mut Conn,
        table: &TableInfo,
        predicate: &str,
        location: &Location,
        what: &str,
    ) -> Result<(), ValidateError> {
        let sql = self.sql.probe(&table.sql_name(self.engine), predicate);
        self.run_probe(conn, &sql, table, location, what).await
    }

    async fn run_probe(
        &mut self,
        conn: &mut Conn,
        sql: &str,
        table: &TableInfo,
        location: &Location,
        what: &str,
    ) -> Result<(), ValidateError> {
        match conn.query(sql).await {
            Ok(_) => Ok(()),
            Err(ExecError::Sql(e)) => {
                let help = column_help(&e, table).or_else(|| e.hint.clone());
                self.error(
                    location,
                    format!(
                        "{what} does not run on `{}`: {}",
                        table.display_name(),
                        e.message
                    ),
                    help,
                );
                Ok(())
            }
            Err(e @ ExecError::Connection(_)) => Err(db(e)),
        }
    }

    async fn check(
        &mut self,
        conn: &mut Conn,
        catalog: &Catalog,
        table: &TableInfo,
        check: &Check,
        entry_filter: Option<&str>,
    ) -> Result<(), ValidateError> {
        let at = &check.location;
        let own_filter = match &check.options.where_ {
            Some(w) => match self.fragment(w, at, "the `where` of this check") {
                Some(f) => Some(fragment(f)),
                None => return Ok(()),
            },
            None => None,
        };
        if let Some(f) = &own_filter {
            self.probe(conn, table, f, at, "the `where` of this check")
                .await?;
        }
        let filter = and_all([entry_filter.map(str::to_string), own_filter]);
        let sql = self.sql;
        match &check.kind {
            CheckKind::NotNull { columns } | CheckKind::Unique { columns } => {
                for c in columns {
                    self.column(table, c, at);
                }
            }
            CheckKind::AcceptedValues { column, values } => {
                if let Some(c) = self.column(table, column, at) {
                    let written: Vec<_> = values
                        .iter()
                        .enumerate()
                        .map(|(i, v)| (v, check.args_at.values.get(i), "value"))
                        .collect();
                    if !self.typed(table, c, &written, at) {
                        return Ok(());
                    }
                    let p = sql.accepted_values(&c.name, c.category, values);
                    self.probe(conn, table, &p, at, "this `accepted_values` check")
                        .await?;
                }
            }
            CheckKind::Range { column, min, max } => {
                if let Some(c) = self.column(table, column, at) {
                    let written: Vec<_> = [
                        (min.as_ref(), check.args_at.min.as_ref(), "`min`"),
                        (max.as_ref(), check.args_at.max.as_ref(), "`max`"),
                    ]
                    .into_iter()
                    .filter_map(|(v, loc, what)| v.map(|v| (v, loc, what)))
                    .collect();
                    if !self.typed(table, c, &written, at) {
                        return Ok(());
                    }
                    let p = sql.range(&c.name, c.category, min.as_ref(), max.as_ref());
                    self.probe(conn, table, &p, at, "this `range` check")
                        .await?;
                }
            }
            CheckKind::Matches { column, pattern } => {
                let Some(c) = self.column(table, column, at) else {
                    return Ok(());
                };
                if let Some(probe) = sql.regex_probe(pattern) {
                    self.run_probe(conn, &probe, table, at, "the `pattern` of this check")
                        .await?;
                } else if let Err(e) = regex::Regex::new(pattern) {
                    // SQLite's `regexp` is the regex crate: its own parser says what is wrong.
                    self.error(
                        at,
                        format!("`pattern` is not a valid regular expression: {e}"),
                        None,
                    );
                    return Ok(());
                }
                let p = sql.matches(&c.name, pattern);
                self.probe(conn, table, &p, at, "this `matches` check")
                    .await?;
            }
            CheckKind::References {
                column,
                to_table,
                to_column,
            } => {
                let child = self.column(table, column, at).cloned();
                let Some(parent) = catalog.table(to_table) else {
                    return Ok(());
                };
                let key = self.column(parent, to_column, at).cloned();
                if let (Some(child), Some(key)) = (child, key) {
                    let q = sql.references(
                        &table.sql_name(self.engine),
                        &child.name,
                        &parent.sql_name(self.engine),
                        &key.name,
                        true,
                        Some("1 = 0"),
                    );
                    self.run_probe(conn, &q, table, at, "this `references` check")
                        .await?;
                }
            }
            CheckKind::Expression { predicate } => {
                if let Some(body) = self.fragment(predicate, at, "this `expression`") {
                    let p = sql.expression(body);
                    self.probe(conn, table, &p, at, "this `expression`").await?;
                }
            }
            CheckKind::RowCount { .. } => {}
            CheckKind::Freshness { column, .. } => {
                let Some(c) = self.column(table, column, at) else {
                    return Ok(());
                };
                match c.category {
                    TypeCategory::DateTime | TypeCategory::Numeric | TypeCategory::Text => {
                        let (newest, age) = sql.freshness(&c.name, c.category, filter.as_deref());
                        let q = format!(
                            "select {newest}, {age} from {} where 1 = 0",
                            table.sql_name(self.engine)
                        );
                        self.run_probe(conn, &q, table, at, "this `freshness` check")
                            .await?;
                    }
                    TypeCategory::Boolean | TypeCategory::Enum | TypeCategory::Other => {
                        let message = format!(
                            "`freshness` needs a date or timestamp column (or seconds since the epoch), \
                             but `{}.{}` is {}",
                            table.display_name(),
                            c.name,
                            c.type_name
                        );
                        self.error(at, message, None);
                    }
                }
            }
        }
        Ok(())
    }
}

/// "did you mean" for an error naming an unknown column (PostgreSQL: `column "x" does not
/// exist`; SQLite: `no such column: x`).
fn column_help(e: &SqlError, table: &TableInfo) -> Option<String> {
    let m = &e.message;
    let name = if let Some(rest) = m.strip_prefix("no such column: ") {
        rest.trim().to_string()
    } else if let (Some(start), true) = (m.find("column \""), m.ends_with("does not exist")) {
        let rest = &m[start + 8..];
        rest[..rest.find('"')?].to_string()
    } else {
        return None;
    };
    let name = name.rsplit('.').next().unwrap_or(&name).to_string();
    let names: Vec<&str> = table.columns.iter().map(|c| c.name.as_str()).collect();
    did_you_mean(&name, &names).map(|near| format!("did you mean `{near}`?"))
}
