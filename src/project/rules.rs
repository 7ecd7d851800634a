//! Converting `rules:` entries into [`Rule`]s: table entries with their checks (short form
//! `- not_null: [a]`, long form `- {not_null: [a], severity: warning}`) and custom SQL rules.

use super::check_fields::{Fields, MapKind, build};
use super::errors::suggestion_help;
use super::model::{ArgLocations, Check, CheckKind, CheckOptions, Rule, Severity, SqlRule, Value};
use super::node::{Node, Yaml};
use super::raw::RawRule;
use super::source::FileCtx;
use super::spec::Ids;
use crate::Location;
use serde_saphyr::Spanned;

/// The check kinds of the format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    NotNull,
    Unique,
    Expression,
    /// A kind written as a map of fields.
    Map(MapKind),
}

impl Kind {
    const ALL: [Kind; 9] = [
        Kind::NotNull,
        Kind::Unique,
        Kind::Map(MapKind::AcceptedValues),
        Kind::Map(MapKind::Range),
        Kind::Map(MapKind::Matches),
        Kind::Map(MapKind::References),
        Kind::Expression,
        Kind::Map(MapKind::RowCount),
        Kind::Map(MapKind::Freshness),
    ];

    /// As written in a spec and in generated ids.
    fn as_str(self) -> &'static str {
        match self {
            Kind::NotNull => "not_null",
            Kind::Unique => "unique",
            Kind::Expression => "expression",
            Kind::Map(m) => m.as_str(),
        }
    }

    fn parse(written: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == written)
    }

    fn names() -> [&'static str; 9] {
        Kind::ALL.map(Kind::as_str)
    }
}

/// Options any check may carry in long form.
const OPTIONS: [&str; 5] = [
    "name",
    "where",
    "severity",
    "max_violations",
    "max_violation_rate",
];

const SEVERITIES: [Severity; 3] = [Severity::Error, Severity::Warning, Severity::Info];

fn severity_name(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "info",
    }
}

/// Converts every entry of `rules:`; ids go into the file's shared id set.
pub(crate) fn convert_rules(
    ctx: &mut FileCtx,
    rules: &[Spanned<RawRule>],
    ids: &mut Ids,
) -> Vec<Rule> {
    rules
        .iter()
        .filter_map(|r| convert_rule(ctx, r, ids))
        .collect()
}

fn convert_rule(ctx: &mut FileCtx, entry: &Spanned<RawRule>, ids: &mut Ids) -> Option<Rule> {
    let location = ctx.at(entry);
    let raw = &entry.value;
    if raw.table.is_some() || raw.checks.is_some() {
        table_entry(ctx, raw, location, ids)
    } else if raw.sql.is_some() || raw.name.is_some() {
        sql_rule(ctx, raw, location, ids).map(Rule::Sql)
    } else {
        ctx.error_help(
            location,
            "rule entry has neither `table` nor `sql`",
            "write `table:` with `checks:`, or a custom rule with `name:` and `sql:`",
        );
        None
    }
}

fn table_entry(
    ctx: &mut FileCtx,
    raw: &RawRule,
    location: Location,
    ids: &mut Ids,
) -> Option<Rule> {
    let mut ok = true;
    let misplaced: [(&str, Option<Location>); 5] = [
        ("name", raw.name.as_ref().map(|n| ctx.at(n))),
        ("sql", raw.sql.as_ref().map(|n| ctx.sql_location(n))),
        ("severity", raw.severity.as_ref().map(|n| ctx.at(n))),
        (
            "max_violations",
            raw.max_violations.as_ref().map(|n| ctx.at(n)),
        ),
        (
            "max_violation_rate",
            raw.max_violation_rate.as_ref().map(|n| ctx.at(n)),
        ),
    ];
    for (key, at) in misplaced {
        let Some(at) = at else { continue };
        ok = false;
        if key == "sql" {
            ctx.error_help(
                at,
                "a table entry cannot have `sql`",
                "a custom SQL rule is its own entry with `name:` and `sql:`",
            );
        } else {
            ctx.error_help(
                at,
                format!("`{key}` belongs on a check, not on a table entry"),
                format!("use the long form: `- {{not_null: [column], {key}: ...}}`"),
            );
        }
    }
    let table = match &raw.table {
        Some(t) if t.value.trim().is_empty() => {
            ctx.error(ctx.at(t), "`table` is empty");
            None
        }
        Some(t) if !ctx.table_name(&t.value, ctx.at(t)) => None,
        Some(t) => Some(t.value.clone()),
        None => {
            ctx.error_help(
                location.clone(),
                "rule entry has `checks` but no `table`",
                "add `table: <table name>`",
            );
            None
        }
    };
    let where_ = raw
        .where_
        .as_ref()
        .and_then(|w| ctx.sql(w, "where"))
        .map(|s| s.sql);
    if raw.where_.is_some() && where_.is_none() {
        ok = false;
    }
    let Some(checks) = &raw.checks else {
        ctx.error_help(
            location,
            "table entry has no `checks`",
            "add `checks:` with a list such as `- not_null: [id]`",
        );
        return None;
    };
    if checks.is_empty() {
        ctx.error(location.clone(), "`checks` is empty");
        ok = false;
    }
    let table = table?;
    let mut out = Vec::new();
    for node in checks {
        match convert_check(ctx, node, &table) {
            Some(list) => out.extend(list),
            None => ok = false,
        }
    }
    out.retain(|c| ids.claim(ctx, &c.id, &c.location, "check id"));
    ok.then_some(Rule::Table {
        table,
        where_,
        checks: out,
        location,
    })
}

fn sql_rule(
    ctx: &mut FileCtx,
    raw: &RawRule,
    location: Location,
    ids: &mut Ids,
) -> Option<SqlRule> {
    let mut ok = true;
    if let Some(w) = &raw.where_ {
        ctx.error_help(
            ctx.at(w),
            "a custom SQL rule cannot have `where`",
            "filter inside its `sql`",
        );
        ok = false;
    }
    if let Some(rate) = &raw.max_violation_rate {
        ctx.error_help(
            ctx.at(rate),
            "`max_violation_rate` applies to table checks only",
            "a custom SQL rule has no row count to divide by; use `max_violations`",
        );
        ok = false;
    }
    let name = match &raw.name {
        Some(n) if n.value.trim().is_empty() => {
            ctx.error(ctx.at(n), "rule name is empty");
            None
        }
        Some(n) => Some(n.value.clone()),
        None => {
            ctx.error_help(
                location.clone(),
                "custom SQL rule has no `name`",
                "add `name: <what the rule checks>`",
            );
            None
        }
    };
    let sql = match &raw.sql {
        Some(s) => ctx.sql(s, "sql"),
        None => {
            ctx.error_help(
                location.clone(),
                "custom SQL rule has no `sql`",
                "add `sql:` returning the violating rows",
            );
            None
        }
    };
    let severity = match &raw.severity {
        Some(s) => severity(ctx, ctx.at(s), &s.value),
        None => Some(Severity::default()),
    };
    let max_violations = raw.max_violations.as_ref().map(|m| m.value);
    let (name, sql, severity) = (name?, sql?, severity?);
    let id = format!("{}::{}", ctx.path, name);
    if !ids.claim(ctx, &id, &location, "rule id") || !ok {
        return None;
    }
    let options = CheckOptions {
        name: Some(name.clone()),
        where_: None,
        severity,
        max_violations,
        max_violation_rate: None,
    };
    Some(SqlRule {
        id,
        name,
        sql,
        options,
        location,
    })
}

fn severity(ctx: &mut FileCtx, at: Location, written: &str) -> Option<Severity> {
    match SEVERITIES.iter().find(|s| severity_name(**s) == written) {
        Some(s) => Some(*s),
        None => {
            let names = SEVERITIES.map(severity_name);
            ctx.error_help(
                at,
                format!("unknown severity `{written}`"),
                suggestion_help(written, &names, "valid severities"),
            );
            None
        }
    }
}

/// One item of `checks:`, expanded to one [`Check`] per column (`not_null`) or key (`unique`).
fn convert_check(ctx: &mut FileCtx, node: &Node, table: &str) -> Option<Vec<Check>> {
    let Yaml::Map(entries) = &node.value else {
        ctx.error_help(
            ctx.at(node),
            format!("expected a check, found {}", node.value.describe()),
            "write a check as a map, e.g. `- not_null: [id]`",
        );
        return None;
    };
    let mut kind: Option<(Kind, &Node, &Node)> = None;
    let mut options = CheckOptions::default();
    let mut ok = true;
    let mut name_at = None;
    for (key, value) in entries {
        let Some(k) = key.value.scalar_text() else {
            ctx.expected(key, "a check kind");
            ok = false;
            continue;
        };
        match k.as_str() {
            "name" => {
                name_at = Some(ctx.at(key));
                options.name = ctx.name(value, "a check name");
                ok &= options.name.is_some();
            }
            "where" => match ctx.string(value, "a SQL condition") {
                Some(w) if !w.trim().is_empty() => options.where_ = Some(w),
                Some(_) => {
                    ctx.error(ctx.at(value), "`where` is empty");
                    ok = false;
                }
                None => ok = false,
            },
            "severity" => match ctx
                .string(value, "a severity")
                .and_then(|s| severity(ctx, ctx.at(value), &s))
            {
                Some(s) => options.severity = s,
                None => ok = false,
            },
            "max_violations" => match &value.value {
                Yaml::Int(n) if *n >= 0 => options.max_violations = u64::try_from(*n).ok(),
                Yaml::UInt(n) => options.max_violations = Some(*n),
                _ => {
                    ctx.expected(value, "a whole number of rows, 0 or more");
                    ok = false;
                }
            },
            "max_violation_rate" => match number(&value.value) {
                Some(r) if (0.0..=1.0).contains(&r) => options.max_violation_rate = Some(r),
                Some(r) => {
                    ctx.error_help(
                        ctx.at(value),
                        format!("`max_violation_rate` is {r}, outside 0..1"),
                        "write a fraction of rows, e.g. 0.01 for 1%",
                    );
                    ok = false;
                }
                None => {
                    ctx.expected(value, "a fraction between 0 and 1");
                    ok = false;
                }
            },
            other if Kind::parse(other).is_some() => {
                if let Some((first, _, _)) = kind {
                    ctx.error_help(
                        ctx.at(key),
                        format!("check has two kinds, `{}` and `{other}`", first.as_str()),
                        "write each check as its own list item",
                    );
                    ok = false;
                } else {
                    kind = Kind::parse(other).map(|k| (k, key, value));
                }
            }
            other => {
                let mut known: Vec<&str> = Kind::names().to_vec();
                known.extend(OPTIONS);
                let help = match super::errors::did_you_mean(other, &known) {
                    Some(near) => {
                        format!(
                            "did you mean `{near}`? check kinds: {}",
                            Kind::names().join(", ")
                        )
                    }
                    None => format!(
                        "check kinds: {}; options: {}",
                        Kind::names().join(", "),
                        OPTIONS.join(", ")
                    ),
                };
                ctx.error_help(ctx.at(key), format!("unknown check kind `{other}`"), help);
                ok = false;
            }
        }
    }
    if options.max_violations.is_some()
        && let Some(rate) = entries
            .iter()
            .find(|(k, _)| k.value == Yaml::Str("max_violation_rate".into()))
    {
        ctx.error_help(
            ctx.at(&rate.0),
            "a check has both `max_violations` and `max_violation_rate`",
            "keep one of them",
        );
        ok = false;
    }
    let Some((kind, key, value)) = kind else {
        if ok {
            ctx.error_help(
                ctx.at(node),
                "check has no kind",
                format!("add one of: {}", Kind::names().join(", ")),
            );
        }
        return None;
    };
    let parts = check_kinds(ctx, kind, value)?;
    let kind_name = kind.as_str();
    if parts.len() > 1
        && let Some(at) = name_at
    {
        ctx.error_help(
            at,
            format!(
                "`name` needs a check of one column or key, but this `{kind_name}` has {}",
                parts.len()
            ),
            "write one list item per column or key, each with its own `name`",
        );
        return None;
    }
    if !ok {
        return None;
    }
    let path = ctx.path.clone();
    let args_at = arg_locations(ctx, value);
    let checks = parts
        .into_iter()
        .map(|(check, at)| {
            let id = match &options.name {
                Some(name) => format!("{path}::{name}"),
                None => format!("{path}::{table}.{kind_name}({})", id_args(&check)),
            };
            let location = at.unwrap_or_else(|| ctx.at(key));
            Check {
                id,
                table: table.to_owned(),
                kind: check,
                options: options.clone(),
                location,
                args_at: args_at.clone(),
            }
        })
        .collect();
    Some(checks)
}

/// Where `min`, `max` and each of `values` are written in a kind's map (empty for other kinds).
fn arg_locations(ctx: &FileCtx, value: &Node) -> ArgLocations {
    let mut at = ArgLocations::default();
    let Yaml::Map(entries) = &value.value else {
        return at;
    };
    for (key, v) in entries {
        match key.value.scalar_text().as_deref() {
            Some("min") => at.min = Some(ctx.at(v)),
            Some("max") => at.max = Some(ctx.at(v)),
            Some("values") => {
                if let Yaml::Seq(items) = &v.value {
                    at.values = items.iter().map(|i| ctx.at(i)).collect();
                }
            }
            _ => {}
        }
    }
    at
}

/// The `<columns>` part of a generated check id.
fn id_args(kind: &CheckKind) -> String {
    match kind {
        CheckKind::NotNull { columns } | CheckKind::Unique { columns } => columns.join(", "),
        CheckKind::AcceptedValues { column, .. }
        | CheckKind::Range { column, .. }
        | CheckKind::Matches { column, .. }
        | CheckKind::References { column, .. }
        | CheckKind::Freshness { column, .. } => column.clone(),
        CheckKind::Expression { predicate } => predicate.clone(),
        CheckKind::RowCount { .. } => String::new(),
    }
}

fn number(y: &Yaml) -> Option<f64> {
    match y {
        Yaml::Int(i) => Some(*i as f64),
        Yaml::UInt(u) => Some(*u as f64),
        Yaml::Float(f) => Some(*f),
        Yaml::Null | Yaml::Bool(_) | Yaml::Str(_) | Yaml::Seq(_) | Yaml::Map(_) => None,
    }
}

/// The check(s) one kind's value stands for, each with a location when it is more precise than
/// the kind key (the column of a `not_null`, the key of a `unique`).
fn check_kinds(
    ctx: &mut FileCtx,
    kind: Kind,
    value: &Node,
) -> Option<Vec<(CheckKind, Option<Location>)>> {
    match kind {
        Kind::NotNull => {
            let columns = column_list(ctx, value, "not_null")?;
            Some(
                columns
                    .into_iter()
                    .map(|(c, at)| (CheckKind::NotNull { columns: vec![c] }, Some(at)))
                    .collect(),
            )
        }
        Kind::Unique => unique_keys(ctx, value),
        Kind::Expression => {
            let predicate = ctx.string(value, "a SQL predicate")?;
            if predicate.trim().is_empty() {
                ctx.error(ctx.at(value), "`expression` is empty");
                return None;
            }
            Some(vec![(CheckKind::Expression { predicate }, None)])
        }
        Kind::Map(kind) => {
            let fields = Fields::read(ctx, value, kind)?;
            let check = build(ctx, kind, value, fields)?;
            Some(vec![(check, None)])
        }
    }
}

/// `[a, b]` or a single `a`: columns with their locations.
fn column_list(ctx: &mut FileCtx, value: &Node, kind: &str) -> Option<Vec<(String, Location)>> {
    let items: Vec<&Node> = match &value.value {
        Yaml::Seq(items) => items.iter().collect(),
        Yaml::Str(_) => vec![value],
        _ => {
            ctx.expected(value, &format!("a list of columns for `{kind}`"));
            return None;
        }
    };
    if items.is_empty() {
        ctx.error(ctx.at(value), format!("`{kind}` lists no columns"));
        return None;
    }
    let columns: Vec<Option<(String, Location)>> = items
        .into_iter()
        .map(|n| ctx.name(n, "a column name").map(|c| (c, ctx.at(n))))
        .collect();
    columns.into_iter().collect()
}

/// `unique: [id]`, `unique: id`, `unique: [[a, b], c]`: one check per key.
fn unique_keys(ctx: &mut FileCtx, value: &Node) -> Option<Vec<(CheckKind, Option<Location>)>> {
    let items: Vec<&Node> = match &value.value {
        Yaml::Seq(items) => items.iter().collect(),
        Yaml::Str(_) => vec![value],
        _ => {
            ctx.expected(
                value,
                "a list of keys for `unique` (a column, or a list of columns for a composite key)",
            );
            return None;
        }
    };
    if items.is_empty() {
        ctx.error(ctx.at(value), "`unique` lists no keys");
        return None;
    }
    let keys: Vec<Option<(CheckKind, Option<Location>)>> = items
        .into_iter()
        .map(|item| {
            let columns = match &item.value {
                Yaml::Seq(_) => column_list(ctx, item, "unique")?
                    .into_iter()
                    .map(|(c, _)| c)
                    .collect(),
                _ => vec![ctx.name(item, "a column name or a list of columns")?],
            };
            Some((CheckKind::Unique { columns }, Some(ctx.at(item))))
        })
        .collect();
    keys.into_iter().collect()
}

/// A scalar usable as a bound or accepted value.
pub(crate) fn scalar_value(ctx: &mut FileCtx, node: &Node, what: &str) -> Option<Value> {
    match &node.value {
        Yaml::Bool(_) | Yaml::Int(_) | Yaml::UInt(_) | Yaml::Float(_) | Yaml::Str(_) => {
            match node.value.to_json() {
                Some(v) => Some(v),
                None => {
                    ctx.error(ctx.at(node), format!("{what} is not a finite number"));
                    None
                }
            }
        }
        Yaml::Null | Yaml::Seq(_) | Yaml::Map(_) => {
            ctx.expected(node, what);
            None
        }
    }
}
