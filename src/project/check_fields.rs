//! The map-valued check kinds: `accepted_values`, `range`, `matches`, `references`,
//! `row_count` and `freshness` (`{column: ..., ...}`).

use super::errors::suggestion_help;
use super::model::CheckKind;
use super::node::{Node, Yaml};
use super::rules::scalar_value;
use super::source::FileCtx;
use std::fmt;

/// The check kinds written as a map of fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MapKind {
    AcceptedValues,
    Range,
    Matches,
    References,
    RowCount,
    Freshness,
}

impl MapKind {
    /// As written in a spec.
    pub fn as_str(self) -> &'static str {
        match self {
            MapKind::AcceptedValues => "accepted_values",
            MapKind::Range => "range",
            MapKind::Matches => "matches",
            MapKind::References => "references",
            MapKind::RowCount => "row_count",
            MapKind::Freshness => "freshness",
        }
    }

    /// The keys the kind's map accepts.
    fn keys(self) -> &'static [&'static str] {
        match self {
            MapKind::AcceptedValues => &["column", "values"],
            MapKind::Range => &["column", "min", "max"],
            MapKind::Matches => &["column", "pattern"],
            MapKind::References => &["column", "to"],
            MapKind::RowCount => &["min", "max"],
            MapKind::Freshness => &["column", "max_age"],
        }
    }
}

impl fmt::Display for MapKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The keys of one check's map, checked against what its kind accepts.
pub(crate) struct Fields<'a> {
    entries: Vec<(String, &'a Node)>,
}

impl<'a> Fields<'a> {
    /// Reads `value` as the map of `kind`; unknown keys are errors.
    pub fn read(ctx: &mut FileCtx, value: &'a Node, kind: MapKind) -> Option<Fields<'a>> {
        let keys = kind.keys();
        let example = format!(
            "{{{}}}",
            keys.iter()
                .map(|k| format!("{k}: ..."))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let Yaml::Map(map) = &value.value else {
            ctx.error_help(
                ctx.at(value),
                format!(
                    "expected a map for `{kind}`, found {}",
                    value.value.describe()
                ),
                format!("write `{kind}: {example}`"),
            );
            return None;
        };
        let mut entries = Vec::new();
        let mut ok = true;
        for (k, v) in map {
            let Some(name) = k.value.scalar_text() else {
                ctx.expected(k, "a key");
                ok = false;
                continue;
            };
            if keys.contains(&name.as_str()) {
                entries.push((name, v));
            } else {
                ctx.error_help(
                    ctx.at(k),
                    format!("unknown key `{name}` in `{kind}`"),
                    suggestion_help(&name, keys, "valid keys"),
                );
                ok = false;
            }
        }
        ok.then_some(Fields { entries })
    }

    fn get(&self, key: &str) -> Option<&'a Node> {
        self.entries.iter().find(|(k, _)| k == key).map(|(_, v)| *v)
    }

    /// A required key; missing is an error at the kind's map.
    fn require(&self, ctx: &mut FileCtx, map: &Node, kind: MapKind, key: &str) -> Option<&'a Node> {
        let found = self.get(key);
        if found.is_none() {
            ctx.error(ctx.at(map), format!("`{kind}` needs `{key}`"));
        }
        found
    }
}

/// Builds the [`CheckKind`] of a map-valued kind.
pub(crate) fn build(
    ctx: &mut FileCtx,
    kind: MapKind,
    map: &Node,
    f: Fields<'_>,
) -> Option<CheckKind> {
    let column = if kind == MapKind::RowCount {
        None
    } else {
        let node = f.require(ctx, map, kind, "column");
        Some(node.and_then(|n| ctx.name(n, "a column name")))
    };
    match kind {
        MapKind::AcceptedValues => {
            let values = f.require(ctx, map, kind, "values").and_then(|n| {
                let Yaml::Seq(items) = &n.value else {
                    ctx.expected(n, "a list of values");
                    return None;
                };
                if items.is_empty() {
                    ctx.error(ctx.at(n), "`values` is empty");
                    return None;
                }
                let values: Vec<Option<_>> = items
                    .iter()
                    .map(|i| scalar_value(ctx, i, "a value"))
                    .collect();
                values.into_iter().collect::<Option<Vec<_>>>()
            });
            Some(CheckKind::AcceptedValues {
                column: column??,
                values: values?,
            })
        }
        MapKind::Range => {
            let min = f.get("min").map(|n| scalar_value(ctx, n, "a lower bound"));
            let max = f.get("max").map(|n| scalar_value(ctx, n, "an upper bound"));
            if min.is_none() && max.is_none() {
                ctx.error_help(
                    ctx.at(map),
                    "`range` needs `min`, `max` or both",
                    "e.g. `range: {column: amount, min: 0}`",
                );
                return None;
            }
            let (min, max) = (
                min.map_or(Some(None), |v| v.map(Some))?,
                max.map_or(Some(None), |v| v.map(Some))?,
            );
            if let (Some(lo), Some(hi)) = (
                min.as_ref().and_then(|v| v.as_f64()),
                max.as_ref().and_then(|v| v.as_f64()),
            ) && lo > hi
                && let Some(at) = f.get("min")
            {
                ctx.error(
                    ctx.at(at),
                    format!("`min` ({lo}) is greater than `max` ({hi})"),
                );
                return None;
            }
            Some(CheckKind::Range {
                column: column??,
                min,
                max,
            })
        }
        MapKind::Matches => {
            let pattern = f
                .require(ctx, map, kind, "pattern")
                .and_then(|n| ctx.string(n, "a pattern"));
            if let (Some(p), Some(n)) = (&pattern, f.get("pattern"))
                && p.is_empty()
            {
                ctx.error(ctx.at(n), "`pattern` is empty");
                return None;
            }
            Some(CheckKind::Matches {
                column: column??,
                pattern: pattern?,
            })
        }
        MapKind::References => {
            let to = f.require(ctx, map, kind, "to").and_then(|n| {
                let text = ctx.string(n, "`table.column`")?;
                // The last part is the column, so `schema.table.column` works; parts split as
                // table names do, so `"a.b".id` names column `id` of table `a.b`.
                let parts = crate::dialect::quote::split_qualified(&text);
                match parts.as_deref() {
                    Ok([table @ .., column]) if !table.is_empty() && !column.trim().is_empty() => {
                        let table: Vec<String> = table
                            .iter()
                            .map(|p| crate::dialect::quote::spec_part(p))
                            .collect();
                        Some((table.join("."), column.clone()))
                    }
                    Err(e) => {
                        ctx.error_help(
                            ctx.at(n),
                            format!("`to: {text}` is malformed: {e}"),
                            "write `to: table.column`; a part holding `.` in double quotes: `\"a.b\".id`",
                        );
                        None
                    }
                    Ok(_) => {
                        ctx.error_help(
                            ctx.at(n),
                            format!("`to: {text}` does not name a column"),
                            "write `to: table.column` (or `schema.table.column`)",
                        );
                        None
                    }
                }
            });
            let (to_table, to_column) = to?;
            Some(CheckKind::References {
                column: column??,
                to_table,
                to_column,
            })
        }
        MapKind::RowCount => {
            let bound = |ctx: &mut FileCtx, key: &str| -> Option<Option<u64>> {
                let Some(n) = f.get(key) else {
                    return Some(None);
                };
                match &n.value {
                    Yaml::UInt(u) => Some(Some(*u)),
                    Yaml::Int(i) if *i >= 0 => Some(u64::try_from(*i).ok()),
                    _ => {
                        ctx.expected(n, "a whole number of rows, 0 or more");
                        None
                    }
                }
            };
            let (min, max) = (bound(ctx, "min"), bound(ctx, "max"));
            let (min, max) = (min?, max?);
            match (min, max) {
                (None, None) => {
                    ctx.error_help(
                        ctx.at(map),
                        "`row_count` needs `min`, `max` or both",
                        "e.g. `row_count: {min: 1}`",
                    );
                    None
                }
                (Some(lo), Some(hi)) if lo > hi => {
                    let at = f.get("min").map_or_else(|| ctx.at(map), |n| ctx.at(n));
                    ctx.error(at, format!("`min` ({lo}) is greater than `max` ({hi})"));
                    None
                }
                _ => Some(CheckKind::RowCount { min, max }),
            }
        }
        MapKind::Freshness => {
            let max_age = f.require(ctx, map, kind, "max_age").and_then(|n| {
                let text = n.value.scalar_text();
                match text.as_deref().map(humantime::parse_duration) {
                    Some(Ok(d)) if !d.is_zero() => Some(d),
                    Some(Ok(_)) => {
                        ctx.error(ctx.at(n), "`max_age` must be more than zero");
                        None
                    }
                    Some(Err(e)) => {
                        ctx.error_help(
                            ctx.at(n),
                            format!("invalid duration `{}`: {e}", text.unwrap_or_default()),
                            "write a number with a unit, like `24h` or `90m`",
                        );
                        None
                    }
                    None => {
                        ctx.expected(n, "a duration like `24h`");
                        None
                    }
                }
            });
            Some(CheckKind::Freshness {
                column: column??,
                max_age: max_age?,
            })
        }
    }
}
