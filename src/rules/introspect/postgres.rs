//! PostgreSQL's catalogue: `pg_class` for relations (with the planner's row estimate),
//! `pg_attribute` + `pg_type` for columns, `pg_constraint` for primary, unique and foreign keys
//! (with `convalidated`), `pg_index` for unique indexes that back no constraint.

use super::Relation;
use crate::dialect::{Conn, ExecError};
use crate::rules::catalog::{ColumnInfo, ForeignKey, Key, RelationKind, TableInfo, TypeCategory};
use crate::rules::cells::{count, flag, float, text};
use std::collections::HashMap;

const RELATIONS: &str = "\
select n.nspname::text, c.relname::text, c.oid::int8, c.relkind::text,
       c.reltuples::float8, array_position(current_schemas(false), n.nspname)
from pg_catalog.pg_class c
join pg_catalog.pg_namespace n on n.oid = c.relnamespace
where c.relkind in ('r', 'p', 'v', 'm', 'f')
  and n.nspname not in ('pg_catalog', 'information_schema')
  and n.nspname !~ '^pg_(toast|temp_)'
order by 1, 2";

pub(super) async fn list_relations(conn: &mut Conn) -> Result<Vec<Relation>, ExecError> {
    let rs = conn.query(RELATIONS).await?;
    Ok(rs
        .rows
        .iter()
        .map(|r| Relation {
            schema: text(&r[0]).unwrap_or_default(),
            name: text(&r[1]).unwrap_or_default(),
            oid: count(&r[2]),
            kind: match text(&r[3]).as_deref() {
                Some("v") => RelationKind::View,
                _ => RelationKind::Table,
            },
            // -1: never vacuumed or analysed (PostgreSQL 14+).
            estimated_rows: float(&r[4]).filter(|n| *n >= 0.0),
            search_rank: text(&r[5]).and_then(|s| s.parse().ok()),
        })
        .collect())
}

pub(super) async fn describe(
    conn: &mut Conn,
    relations: &[&Relation],
) -> Result<Vec<TableInfo>, ExecError> {
    if relations.is_empty() {
        return Ok(Vec::new());
    }
    // Oids are numbers we read from the catalogue: safe to inline.
    let oids = relations
        .iter()
        .map(|r| r.oid.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let mut tables: HashMap<u64, TableInfo> = relations
        .iter()
        .map(|r| {
            (
                r.oid,
                TableInfo {
                    schema: r.schema.clone(),
                    name: r.name.clone(),
                    kind: r.kind,
                    columns: Vec::new(),
                    primary_key: None,
                    unique_keys: Vec::new(),
                    foreign_keys: Vec::new(),
                    estimated_rows: r.estimated_rows,
                },
            )
        })
        .collect();

    let columns = conn
        .query(&format!(
            "select a.attrelid::int8, a.attname::text, format_type(a.atttypid, a.atttypmod), t.typname::text,
                    t.typcategory::text, a.attnotnull
             from pg_catalog.pg_attribute a
             join pg_catalog.pg_type t on t.oid = a.atttypid
             where a.attrelid in ({oids}) and a.attnum > 0 and not a.attisdropped
             order by a.attrelid, a.attnum"
        ))
        .await?;
    for r in &columns.rows {
        let Some(table) = tables.get_mut(&count(&r[0])) else {
            continue;
        };
        let name = text(&r[1]).unwrap_or_default();
        let typname = text(&r[3]).unwrap_or_default();
        let not_null_by = flag(&r[5]).then(|| format!("NOT NULL ({name})"));
        table.columns.push(ColumnInfo {
            category: category(text(&r[4]).as_deref().unwrap_or(""), &typname),
            type_name: text(&r[2]).unwrap_or(typname),
            name,
            not_null_by,
        });
    }

    let constraints = conn
        .query(&format!(
            "select con.conrelid::int8, con.conname::text, con.contype::text, con.convalidated, a.attname::text,
                    rn.nspname::text, rc.relname::text, fa.attname::text
             from pg_catalog.pg_constraint con
             cross join lateral unnest(con.conkey) with ordinality as k(attnum, ord)
             join pg_catalog.pg_attribute a on a.attrelid = con.conrelid and a.attnum = k.attnum
             left join pg_catalog.pg_class rc on rc.oid = con.confrelid
             left join pg_catalog.pg_namespace rn on rn.oid = rc.relnamespace
             left join pg_catalog.pg_attribute fa
                    on fa.attrelid = con.confrelid and fa.attnum = con.confkey[k.ord::int]
             where con.conrelid in ({oids}) and con.contype in ('p', 'u', 'f')
             order by 1, 2, k.ord"
        ))
        .await?;
    for r in &constraints.rows {
        let Some(table) = tables.get_mut(&count(&r[0])) else {
            continue;
        };
        let name = text(&r[1]).unwrap_or_default();
        let column = text(&r[4]).unwrap_or_default();
        match text(&r[2]).as_deref() {
            Some("p") => table
                .primary_key
                .get_or_insert_with(|| key(&name))
                .columns
                .push(column),
            Some("u") => push_into(&mut table.unique_keys, &name, column),
            Some("f") => {
                let fk = match table.foreign_keys.iter_mut().find(|f| f.name == name) {
                    Some(fk) => fk,
                    None => {
                        table.foreign_keys.push(ForeignKey {
                            name: name.clone(),
                            columns: Vec::new(),
                            ref_schema: text(&r[5]).unwrap_or_default(),
                            ref_table: text(&r[6]).unwrap_or_default(),
                            ref_columns: Vec::new(),
                            validated: flag(&r[3]),
                        });
                        let last = table.foreign_keys.len() - 1;
                        &mut table.foreign_keys[last]
                    }
                };
                fk.columns.push(column);
                fk.ref_columns.push(text(&r[7]).unwrap_or_default());
            }
            _ => {}
        }
    }

    let indexes = conn
        .query(&format!(
            "select i.indrelid::int8, ic.relname::text, a.attname::text
             from pg_catalog.pg_index i
             join pg_catalog.pg_class ic on ic.oid = i.indexrelid
             cross join lateral unnest(i.indkey::int2[]) with ordinality as k(attnum, ord)
             join pg_catalog.pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.attnum
             where i.indrelid in ({oids}) and i.indisunique and i.indisvalid
               and i.indpred is null and i.indexprs is null and k.ord <= i.indnkeyatts
               and not exists (select 1 from pg_catalog.pg_constraint c
                               where c.conindid = i.indexrelid and c.contype in ('p', 'u'))
             order by 1, 2, k.ord"
        ))
        .await?;
    for r in &indexes.rows {
        let Some(table) = tables.get_mut(&count(&r[0])) else {
            continue;
        };
        push_into(
            &mut table.unique_keys,
            &text(&r[1]).unwrap_or_default(),
            text(&r[2]).unwrap_or_default(),
        );
    }

    // A primary key's columns are NOT NULL because of the key: name it.
    for table in tables.values_mut() {
        if let Some(pk) = &table.primary_key {
            for c in table
                .columns
                .iter_mut()
                .filter(|c| pk.columns.contains(&c.name) && c.not_null_by.is_some())
            {
                c.not_null_by = Some(pk.name.clone());
            }
        }
    }
    Ok(relations
        .iter()
        .filter_map(|r| tables.remove(&r.oid))
        .collect())
}

fn key(name: &str) -> Key {
    Key {
        name: name.to_string(),
        columns: Vec::new(),
    }
}

fn push_into(keys: &mut Vec<Key>, name: &str, column: String) {
    match keys.iter_mut().find(|k| k.name == name) {
        Some(k) => k.columns.push(column),
        None => keys.push(Key {
            name: name.to_string(),
            columns: vec![column],
        }),
    }
}

/// `pg_type.typcategory` → how literals compare. `time` is a date/time type that no timestamp
/// can be made of, so `freshness` cannot use it.
fn category(typcategory: &str, typname: &str) -> TypeCategory {
    match typcategory {
        "N" => TypeCategory::Numeric,
        "B" => TypeCategory::Boolean,
        "E" => TypeCategory::Enum,
        "D" if !matches!(typname, "time" | "timetz") => TypeCategory::DateTime,
        "S" => TypeCategory::Text,
        _ => TypeCategory::Other,
    }
}
