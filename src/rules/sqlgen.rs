//! The SQL of every check, per engine. This is the only place where rule SQL differs between
//! engines: conditional counts (`count(*) filter (where …)` on PostgreSQL, `count(case when …
//! then 1 end)` elsewhere — `count` rather than `sum` so an empty table gives 0, not NULL),
//! regular expressions (`!~` on PostgreSQL, `regexp` on SQLite, registered by sqltest's SQLite
//! sessions, see [`RuleSql::matches`]), date arithmetic for `freshness`, and literals.
//!
//! Every identifier is quoted with [`crate::dialect::quote`]; every user-written fragment
//! (`where`, `expression`, custom SQL) is parenthesised on lines of its own, so a trailing `--`
//! comment cannot swallow what follows, and is checked to be one statement beforehand.

use crate::dialect::quote;
use crate::project::{Engine, Value};
use crate::rules::catalog::TypeCategory;

/// Alias of the referenced key in `references` queries: the only name the joined side exposes,
/// so a `where` on the child table cannot become ambiguous.
const PARENT_KEY: &str = "sqltest_key";
/// Alias of the per-key row count in `unique` queries.
const KEY_ROWS: &str = "sqltest_rows";

/// Rule SQL for one engine.
#[derive(Debug, Clone, Copy)]
pub struct RuleSql {
    pub engine: Engine,
}

/// A user-written fragment, parenthesised on lines of its own.
pub fn fragment(text: &str) -> String {
    format!("(\n{text}\n)")
}

/// `a and b and …` of the present parts (`None` when none is).
pub fn and_all<I: IntoIterator<Item = Option<String>>>(parts: I) -> Option<String> {
    let parts: Vec<String> = parts.into_iter().flatten().collect();
    match parts.len() {
        0 => None,
        1 => parts.into_iter().next(),
        _ => Some(
            parts
                .iter()
                .map(|p| format!("({p})"))
                .collect::<Vec<_>>()
                .join(" and "),
        ),
    }
}

fn where_clause(filter: Option<&str>) -> String {
    filter.map(|f| format!(" where {f}")).unwrap_or_default()
}

impl RuleSql {
    pub fn new(engine: Engine) -> RuleSql {
        RuleSql { engine }
    }

    pub fn ident(&self, name: &str) -> String {
        quote::ident(self.engine, name)
    }

    fn idents(&self, names: &[String]) -> String {
        names
            .iter()
            .map(|n| self.ident(n))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Rows for which `pred` is true (all rows when `None`).
    pub fn count_if(&self, pred: Option<&str>) -> String {
        match (pred, self.engine) {
            (None, _) => "count(*)".into(),
            (Some(p), Engine::Postgres) => format!("count(*) filter (where {p})"),
            (Some(p), Engine::Sqlite | Engine::Mysql | Engine::Mariadb) => {
                format!("count(case when {p} then 1 end)")
            }
        }
    }

    /// The largest `expr` among rows for which `filter` is true.
    pub fn max_if(&self, expr: &str, filter: Option<&str>) -> String {
        match (filter, self.engine) {
            (None, _) => format!("max({expr})"),
            (Some(f), Engine::Postgres) => format!("max({expr}) filter (where {f})"),
            (Some(f), Engine::Sqlite | Engine::Mysql | Engine::Mariadb) => {
                format!("max(case when {f} then {expr} end)")
            }
        }
    }

    /// A value from a spec as a literal comparable with a column of `category`. On PostgreSQL
    /// numbers stay numbers only against numeric columns; elsewhere they are quoted, so the
    /// literal takes the column's type (`'5'` against text, a date, an enum).
    pub fn literal(&self, value: &Value, category: TypeCategory) -> String {
        match value {
            Value::Null => "null".into(),
            Value::Number(n) => match (self.engine, category) {
                (Engine::Postgres, TypeCategory::Numeric) => n.to_string(),
                (Engine::Postgres, _) => quote::literal(&n.to_string()),
                (Engine::Sqlite | Engine::Mysql | Engine::Mariadb, _) => n.to_string(),
            },
            Value::Bool(b) => match (self.engine, category) {
                (Engine::Postgres, TypeCategory::Boolean) => b.to_string(),
                (Engine::Postgres, _) => quote::literal(&b.to_string()),
                (Engine::Sqlite | Engine::Mysql | Engine::Mariadb, _) => {
                    if *b { "1" } else { "0" }.into()
                }
            },
            Value::String(s) => quote::literal(s),
            Value::Array(_) | Value::Object(_) => quote::literal(&value.to_string()),
        }
    }

    /// Violation of `not_null`.
    pub fn not_null(&self, column: &str) -> String {
        format!("{} is null", self.ident(column))
    }

    /// Violation of `accepted_values`: NULL for a NULL value, so it never counts. PostgreSQL
    /// enums compare as text, so a value that is no label of the enum is not an error.
    pub fn accepted_values(
        &self,
        column: &str,
        category: TypeCategory,
        values: &[Value],
    ) -> String {
        let col = match (self.engine, category) {
            (Engine::Postgres, TypeCategory::Enum) => {
                format!("cast({} as text)", self.ident(column))
            }
            _ => self.ident(column),
        };
        let literal_category = match category {
            TypeCategory::Enum => TypeCategory::Text,
            other => other,
        };
        let list: Vec<String> = values
            .iter()
            .filter(|v| !v.is_null())
            .map(|v| self.literal(v, literal_category))
            .collect();
        if list.is_empty() {
            return format!("{col} is not null");
        }
        format!("{col} not in ({})", list.join(", "))
    }

    /// Violation of `range` (bounds inclusive).
    pub fn range(
        &self,
        column: &str,
        category: TypeCategory,
        min: Option<&Value>,
        max: Option<&Value>,
    ) -> String {
        let col = self.ident(column);
        let below = min.map(|m| format!("{col} < {}", self.literal(m, category)));
        let above = max.map(|m| format!("{col} > {}", self.literal(m, category)));
        match (below, above) {
            (Some(b), Some(a)) => format!("({b} or {a})"),
            (Some(one), None) | (None, Some(one)) => one,
            (None, None) => "false".into(),
        }
    }

    /// Violation of `matches`. SQLite has no regular expressions of its own: sqltest's SQLite
    /// sessions register `regexp` (the `regex` crate, through sqlx), so the check is fused into
    /// the table scan like on the other engines.
    pub fn matches(&self, column: &str, pattern: &str) -> String {
        let col = self.ident(column);
        match self.engine {
            Engine::Postgres => format!("cast({col} as text) !~ {}", quote::literal(pattern)),
            Engine::Sqlite | Engine::Mysql | Engine::Mariadb => {
                format!("not ({col} regexp {})", quote::literal(pattern))
            }
        }
    }

    /// Violation of `expression`: NULL (unknown) is no violation, as in CHECK constraints.
    pub fn expression(&self, predicate: &str) -> String {
        format!("not {}", fragment(predicate))
    }

    /// A query that proves a PostgreSQL regular expression compiles.
    pub fn regex_probe(&self, pattern: &str) -> Option<String> {
        match self.engine {
            Engine::Postgres => Some(format!("select '' ~ {}", quote::literal(pattern))),
            Engine::Sqlite | Engine::Mysql | Engine::Mariadb => None,
        }
    }

    /// `freshness`: the newest value (as the engine shows it) and its age in seconds.
    /// Numeric columns hold seconds since the Unix epoch.
    pub fn freshness(
        &self,
        column: &str,
        category: TypeCategory,
        filter: Option<&str>,
    ) -> (String, String) {
        let newest = self.max_if(&self.ident(column), filter);
        let age = match (self.engine, category) {
            (Engine::Postgres, TypeCategory::Numeric) => {
                format!("(extract(epoch from now()) - ({newest}))::float8")
            }
            (Engine::Postgres, _) => {
                format!("extract(epoch from (now() - ({newest})::timestamptz))::float8")
            }
            (Engine::Sqlite, _) => format!(
                "(julianday('now') - case when typeof({newest}) in ('integer', 'real') \
                 then julianday({newest}, 'unixepoch') else julianday({newest}) end) * 86400.0"
            ),
            (Engine::Mysql | Engine::Mariadb, TypeCategory::Numeric) => {
                format!("unix_timestamp() - ({newest})")
            }
            (Engine::Mysql | Engine::Mariadb, _) => {
                format!("timestampdiff(second, {newest}, utc_timestamp())")
            }
        };
        let shown = match self.engine {
            Engine::Postgres => format!("({newest})::text"),
            Engine::Sqlite | Engine::Mysql | Engine::Mariadb => newest,
        };
        (shown, age)
    }

    /// `unique`, first pass: rows considered, how many rows are surplus to distinct keys
    /// (`count(*)` against `count(distinct …)`), and the number of distinct keys; rows with a
    /// NULL in the key are not compared, as in UNIQUE constraints.
    pub fn unique_counts(&self, table: &str, columns: &[String], filter: Option<&str>) -> String {
        let w = where_clause(filter);
        let not_null = self.all_not_null(columns);
        match (self.engine, columns) {
            (_, [one]) => {
                let c = self.ident(one);
                format!(
                    "select count(*), count({c}) - count(distinct {c}), count(distinct {c}) from {table}{w}"
                )
            }
            (Engine::Postgres, _) => {
                let nn = self.count_if(Some(&not_null));
                let distinct = format!(
                    "count(distinct ({})) filter (where {not_null})",
                    self.idents(columns)
                );
                format!("select count(*), {nn} - {distinct}, {distinct} from {table}{w}")
            }
            (Engine::Sqlite | Engine::Mysql | Engine::Mariadb, _) => format!(
                "select coalesce(sum(n), 0), coalesce(sum(case when k then n - 1 else 0 end), 0), \
                 count(case when k then 1 end) \
                 from (select count(*) as n, {not_null} as k from {table}{w} group by {}) as g",
                self.idents(columns)
            ),
        }
    }

    /// `unique`, second pass (only when there are duplicates): the most duplicated keys with
    /// their row counts, then the number of duplicated keys and of rows sharing them.
    pub fn duplicates(
        &self,
        table: &str,
        columns: &[String],
        filter: Option<&str>,
        limit: usize,
    ) -> String {
        let cols = self.idents(columns);
        let w = and_all([Some(self.all_not_null(columns)), filter.map(str::to_string)])
            .unwrap_or_default();
        let n = self.ident(KEY_ROWS);
        format!(
            "select {cols}, {n}, count(*) over (), sum({n}) over () from \
             (select {cols}, count(*) as {n} from {table} where {w} group by {cols} having count(*) > 1) as d \
             order by {n} desc, {cols} limit {limit}"
        )
    }

    fn all_not_null(&self, columns: &[String]) -> String {
        columns
            .iter()
            .map(|c| format!("{} is not null", self.ident(c)))
            .collect::<Vec<_>>()
            .join(" and ")
    }

    /// The joined side of `references`: the parent's key under one alias, deduplicated unless
    /// a constraint already makes it unique.
    fn parent_side(&self, parent: &str, key: &str, parent_unique: bool) -> String {
        let distinct = if parent_unique { "" } else { "distinct " };
        format!(
            "left join (select {distinct}{} as {} from {parent}) as sqltest_parent on sqltest_parent.{} = ",
            self.ident(key),
            self.ident(PARENT_KEY),
            self.ident(PARENT_KEY)
        )
    }

    fn orphan(&self, column: &str) -> String {
        format!(
            "{} is not null and sqltest_parent.{} is null",
            self.ident(column),
            self.ident(PARENT_KEY)
        )
    }

    /// `references` in one anti-join: rows considered and rows whose non-NULL value has no
    /// parent row.
    pub fn references(
        &self,
        child: &str,
        column: &str,
        parent: &str,
        key: &str,
        parent_unique: bool,
        filter: Option<&str>,
    ) -> String {
        format!(
            "select count(*), {} from {child} {}{}{}",
            self.count_if(Some(&self.orphan(column))),
            self.parent_side(parent, key, parent_unique),
            self.ident(column),
            where_clause(filter)
        )
    }

    /// Violation of `references` inside the child's scan: a non-NULL value that is not among
    /// the parent's keys (NULL keys left out, or `not in` would never be true).
    pub fn not_in_parent(&self, column: &str, parent: &str, key: &str) -> String {
        let k = self.ident(key);
        format!(
            "{} not in (select {k} from {parent} where {k} is not null)",
            self.ident(column)
        )
    }

    /// The parent's distinct non-NULL keys as text, at most `limit`.
    pub fn parent_keys(&self, parent: &str, key: &str, limit: usize) -> String {
        let k = self.ident(key);
        format!(
            "select distinct cast({k} as text) from {parent} where {k} is not null limit {limit}"
        )
    }

    /// Violation of `references` against the parent's keys written out: a constant list that
    /// PostgreSQL hashes once per scan. Every key is a quoted literal cast to the key's type
    /// (`type_name` comes from the catalogue's `format_type`).
    pub fn not_among(&self, column: &str, keys: &[String], type_name: &str) -> String {
        let list = keys
            .iter()
            .map(|k| quote::literal(k))
            .collect::<Vec<_>>()
            .join(", ");
        format!(
            "{} <> all(cast(array[{list}] as {type_name}[]))",
            self.ident(column)
        )
    }

    /// Statements around a `unique` count on PostgreSQL: enough sort memory for the
    /// `count(distinct …)` to sort in memory rather than on disk (for the transaction only).
    pub fn sort_memory(&self) -> Option<(&'static str, &'static str)> {
        match self.engine {
            Engine::Postgres => Some((
                "set local work_mem = '256MB'",
                "set local work_mem to default",
            )),
            Engine::Sqlite | Engine::Mysql | Engine::Mariadb => None,
        }
    }

    /// Statements around the `unique` second pass on PostgreSQL when the first pass counted
    /// many distinct keys: grouping them by sorting in one process. The planner's estimate of
    /// the number of groups can be far too low (a column with many unique values and one
    /// frequent one), and a hash aggregate then spills over and over, and a parallel plan
    /// funnels every group through one merge: both several times slower than one sort.
    pub fn many_groups(&self) -> Option<(&'static str, &'static str)> {
        match self.engine {
            Engine::Postgres => Some((
                "set local enable_hashagg = off; set local max_parallel_workers_per_gather = 0",
                "set local enable_hashagg to default; set local max_parallel_workers_per_gather to default",
            )),
            Engine::Sqlite | Engine::Mysql | Engine::Mariadb => None,
        }
    }

    /// Sample rows violating `references`.
    #[allow(clippy::too_many_arguments)]
    pub fn references_samples(
        &self,
        child: &str,
        column: &str,
        parent: &str,
        key: &str,
        parent_unique: bool,
        filter: Option<&str>,
        select: &[String],
        order: &[String],
        limit: usize,
    ) -> String {
        let w =
            and_all([filter.map(str::to_string), Some(self.orphan(column))]).unwrap_or_default();
        format!(
            "select {} from {child} {}{} where {w}{} limit {limit}",
            self.idents(select),
            self.parent_side(parent, key, parent_unique),
            self.ident(column),
            self.order_by(order)
        )
    }

    /// Sample rows of `table` for which `violation` holds.
    pub fn samples(
        &self,
        table: &str,
        select: &[String],
        filter: Option<&str>,
        violation: &str,
        order: &[String],
        limit: usize,
    ) -> String {
        let w =
            and_all([filter.map(str::to_string), Some(violation.to_string())]).unwrap_or_default();
        format!(
            "select {} from {table} where {w}{} limit {limit}",
            self.idents(select),
            self.order_by(order)
        )
    }

    fn order_by(&self, order: &[String]) -> String {
        if order.is_empty() {
            String::new()
        } else {
            format!(" order by {}", self.idents(order))
        }
    }

    /// The number of rows a custom rule's query returns.
    pub fn custom_count(&self, query: &str) -> String {
        format!("select count(*) from {} as sqltest_rule", fragment(query))
    }

    /// The first rows a custom rule's query returns.
    pub fn custom_samples(&self, query: &str, limit: usize) -> String {
        format!(
            "select * from {} as sqltest_rule limit {limit}",
            fragment(query)
        )
    }

    /// A query that fails, without reading a row, when `predicate` does not compile against
    /// `table` (unknown column, wrong type, bad literal).
    pub fn probe(&self, table: &str, predicate: &str) -> String {
        format!("select 1 from {table} where 1 = 0 and {predicate}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const PG: RuleSql = RuleSql {
        engine: Engine::Postgres,
    };
    const LITE: RuleSql = RuleSql {
        engine: Engine::Sqlite,
    };

    #[test]
    fn conditional_counts_differ_by_engine() {
        assert_eq!(PG.count_if(Some("x")), "count(*) filter (where x)");
        assert_eq!(LITE.count_if(Some("x")), "count(case when x then 1 end)");
        assert_eq!(LITE.count_if(None), "count(*)");
    }

    #[test]
    fn literals_take_the_column_type_on_postgres() {
        assert_eq!(PG.literal(&json!(5), TypeCategory::Numeric), "5");
        assert_eq!(PG.literal(&json!(5), TypeCategory::Text), "'5'");
        assert_eq!(PG.literal(&json!(true), TypeCategory::Boolean), "true");
        assert_eq!(LITE.literal(&json!(true), TypeCategory::Boolean), "1");
        assert_eq!(PG.literal(&json!("it's"), TypeCategory::Text), "'it''s'");
    }

    #[test]
    fn value_checks_leave_nulls_alone() {
        assert_eq!(
            PG.accepted_values(
                "status",
                TypeCategory::Enum,
                &[json!("new"), json!(null), json!("paid")]
            ),
            "cast(\"status\" as text) not in ('new', 'paid')"
        );
        assert_eq!(
            PG.accepted_values("s", TypeCategory::Text, &[]),
            "\"s\" is not null"
        );
        assert_eq!(
            PG.range(
                "amount",
                TypeCategory::Numeric,
                Some(&json!(0)),
                Some(&json!(10))
            ),
            "(\"amount\" < 0 or \"amount\" > 10)"
        );
        assert_eq!(PG.expression("a > b -- note"), "not (\na > b -- note\n)");
        assert_eq!(LITE.matches("email", "^x"), "not (\"email\" regexp '^x')");
    }

    #[test]
    fn hostile_identifiers_stay_quoted() {
        let evil = "x\"; drop table y; --";
        let sql = PG.samples(
            "\"t\"",
            &[evil.to_string()],
            None,
            &PG.not_null(evil),
            &[],
            5,
        );
        assert_eq!(
            sql,
            "select \"x\"\"; drop table y; --\" from \"t\" where \"x\"\"; drop table y; --\" is null limit 5"
        );
    }
}
