//! The relation listing shared by both engines, and resolving a name written in a spec to one
//! relation the way the engine would (search path first, then ignoring case).

use super::{postgres, sqlite};
use crate::dialect::{Conn, ExecError, quote};
use crate::project::errors::did_you_mean;
use crate::rules::catalog::{RelationKind, TableInfo};

/// A table or view visible to the session.
#[derive(Debug, Clone, PartialEq)]
pub struct Relation {
    pub schema: String,
    pub name: String,
    pub kind: RelationKind,
    /// Position in the search order for unqualified names (`None`: only reachable qualified).
    pub search_rank: Option<u32>,
    /// PostgreSQL's oid (0 on SQLite).
    pub oid: u64,
    /// The planner's row estimate, when the table was analysed.
    pub estimated_rows: Option<f64>,
}

/// Every relation outside the system schemas.
pub async fn list_relations(conn: &mut Conn) -> Result<Vec<Relation>, ExecError> {
    match conn {
        Conn::Postgres(_) => postgres::list_relations(conn).await,
        Conn::Sqlite(_) => sqlite::list_relations(conn).await,
    }
}

/// Columns, keys and foreign keys of the given relations, in the same order.
pub async fn describe(
    conn: &mut Conn,
    relations: &[&Relation],
) -> Result<Vec<TableInfo>, ExecError> {
    match conn {
        Conn::Postgres(_) => postgres::describe(conn, relations).await,
        Conn::Sqlite(_) => sqlite::describe(conn, relations).await,
    }
}

/// The relation a spec's table name means, or a help text for the error.
///
/// `orders` is looked up in search order, `shop.orders` in schema `shop` (parts split as
/// [`quote::split_qualified`] says); an exact match wins, otherwise a single match ignoring
/// case (an unquoted identifier folds case in SQL).
pub fn resolve<'a>(relations: &'a [Relation], written: &str) -> Result<&'a Relation, String> {
    let parts = quote::split_qualified(written).map_err(|e| {
        format!("{e}; write a name holding `.` or starting with `\"` in double quotes, with `\"\"` for a quote: `\"a.b\"`")
    })?;
    let (schema, name) = match parts.as_slice() {
        [name] => (None, name.as_str()),
        [schema, name] => (Some(schema.as_str()), name.as_str()),
        _ => {
            return Err(
                "write a table as `table` or `schema.table` (a name holding `.` in double quotes: `\"a.b\"`)"
                    .into(),
            );
        }
    };
    let in_scope = |r: &&Relation| match schema {
        Some(s) => r.schema == s || r.schema.eq_ignore_ascii_case(s),
        None => r.search_rank.is_some(),
    };
    let schema_exact = |r: &&Relation| schema.is_none_or(|s| r.schema == s);
    let best = |list: Vec<&'a Relation>| {
        list.into_iter()
            .min_by_key(|r| r.search_rank.unwrap_or(u32::MAX))
    };
    let exact: Vec<&Relation> = relations
        .iter()
        .filter(in_scope)
        .filter(schema_exact)
        .filter(|r| r.name == name)
        .collect();
    if let Some(r) = best(exact) {
        return Ok(r);
    }
    let folded: Vec<&Relation> = relations
        .iter()
        .filter(in_scope)
        .filter(|r| r.name.eq_ignore_ascii_case(name))
        .collect();
    let spellings: std::collections::BTreeSet<(&str, &str)> = folded
        .iter()
        .map(|r| (r.schema.as_str(), r.name.as_str()))
        .collect();
    if spellings.len() == 1
        && let Some(r) = best(folded)
    {
        return Ok(r);
    }
    Err(suggest(relations, schema, name))
}

fn suggest(relations: &[Relation], schema: Option<&str>, name: &str) -> String {
    // Compare like with like (bare names, or `schema.name` when one was written); show a
    // relation outside the search path qualified.
    let key = |r: &Relation| match schema {
        Some(_) => format!("{}.{}", r.schema, r.name),
        None => r.name.clone(),
    };
    // As a spec would write it, so the suggestion can be pasted back.
    let display = |r: &Relation| match (schema, r.search_rank) {
        (None, Some(_)) => quote::spec_name(None, &r.name),
        _ => quote::spec_name(Some(&r.schema), &r.name),
    };
    let written = match schema {
        Some(s) => format!("{s}.{name}"),
        None => name.to_string(),
    };
    let keys: Vec<String> = relations.iter().map(key).collect();
    let key_refs: Vec<&str> = keys.iter().map(String::as_str).collect();
    if let Some(near) = did_you_mean(&written, &key_refs)
        && let Some(r) = relations.iter().find(|r| key(r) == near)
    {
        return format!("did you mean `{}`?", display(r));
    }
    let candidates: Vec<String> = relations.iter().map(display).collect();
    if candidates.is_empty() {
        return "the database has no tables: did the migrations run?".into();
    }
    if candidates.len() <= 12 {
        let list = candidates
            .iter()
            .map(|c| format!("`{c}`"))
            .collect::<Vec<_>>()
            .join(", ");
        return format!("tables: {list}");
    }
    "check the name and the schema (write `schema.table` outside the search path)".into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rel(schema: &str, name: &str, rank: Option<u32>) -> Relation {
        Relation {
            schema: schema.into(),
            name: name.into(),
            kind: RelationKind::Table,
            search_rank: rank,
            oid: 0,
            estimated_rows: None,
        }
    }

    #[test]
    fn unqualified_names_follow_the_search_order() {
        let rels = [
            rel("audit", "orders", None),
            rel("b", "orders", Some(2)),
            rel("public", "orders", Some(1)),
        ];
        assert_eq!(
            resolve(&rels, "orders").map(|r| r.schema.as_str()),
            Ok("public")
        );
        assert_eq!(
            resolve(&rels, "audit.orders").map(|r| r.schema.as_str()),
            Ok("audit")
        );
    }

    #[test]
    fn case_folds_only_when_unambiguous() {
        let rels = [
            rel("public", "orders", Some(1)),
            rel("public", "Items", Some(1)),
            rel("public", "items", Some(1)),
        ];
        assert_eq!(
            resolve(&rels, "Orders").map(|r| r.name.as_str()),
            Ok("orders")
        );
        assert_eq!(
            resolve(&rels, "items").map(|r| r.name.as_str()),
            Ok("items")
        );
        assert!(resolve(&rels, "ITEMS").is_err());
    }

    /// Regression (issue 10, item 5): `a"b` was reported missing with the suggestion `a"b`.
    #[test]
    fn odd_names_resolve_exactly_and_suggest_pastable_names() {
        let rels = [
            rel("public", "a\"b", Some(1)),
            rel("public", "first name", Some(1)),
            rel("public", "prénom", Some(1)),
            rel("my.schema", "t.x", None),
        ];
        for name in ["a\"b", "first name", "prénom"] {
            assert_eq!(resolve(&rels, name).map(|r| r.name.as_str()), Ok(name));
        }
        assert_eq!(
            resolve(&rels, "\"a\"\"b\"").map(|r| r.name.as_str()),
            Ok("a\"b")
        );
        assert_eq!(
            resolve(&rels, "\"my.schema\".\"t.x\"").map(|r| r.name.as_str()),
            Ok("t.x")
        );
        assert_eq!(
            resolve(&rels, "a\"c"),
            Err("did you mean `a\"b`?".to_string())
        );
        assert_eq!(
            resolve(&rels, "\"my.schema\".\"t.y\""),
            Err("did you mean `\"my.schema\".\"t.x\"`?".to_string())
        );
        assert!(resolve(&rels, "\"a").unwrap_err().contains("no closing"));
    }

    #[test]
    fn misses_suggest_the_closest_table() {
        let rels = [
            rel("public", "orders", Some(1)),
            rel("public", "customers", Some(1)),
        ];
        assert_eq!(
            resolve(&rels, "ordrs"),
            Err("did you mean `orders`?".to_string())
        );
        assert_eq!(
            resolve(&rels, "zzz"),
            Err("tables: `orders`, `customers`".to_string())
        );
        let hidden = [rel("shop", "Items", None)];
        assert_eq!(
            resolve(&hidden, "items"),
            Err("did you mean `shop.Items`?".to_string())
        );
        assert_eq!(
            resolve(&[], "zzz"),
            Err("the database has no tables: did the migrations run?".to_string())
        );
    }
}
