//! SQLite's catalogue: `sqlite_schema` of each attached database for relations, and the
//! table-valued pragmas `table_xinfo` (columns, NOT NULL, primary key), `index_list` and
//! `index_info` (unique indexes) and `foreign_key_list`.

use super::Relation;
use crate::dialect::{Conn, ExecError, quote};
use crate::project::Engine;
use crate::rules::catalog::{ColumnInfo, ForeignKey, Key, RelationKind, TableInfo, TypeCategory};
use crate::rules::cells::{count, flag, text};

pub(super) async fn list_relations(conn: &mut Conn) -> Result<Vec<Relation>, ExecError> {
    let schemas = conn
        .query("select seq, name from pragma_database_list order by seq")
        .await?;
    let mut relations = Vec::new();
    for row in &schemas.rows {
        let Some(schema) = text(&row[1]) else {
            continue;
        };
        // SQLite looks unqualified names up in temp, then main, then attached databases.
        let rank = match schema.as_str() {
            "temp" => 0,
            "main" => 1,
            _ => u32::try_from(count(&row[0]))
                .unwrap_or(u32::MAX - 2)
                .saturating_add(2),
        };
        let sql = format!(
            "select name, type from {}.sqlite_schema \
             where type in ('table', 'view') and name not like 'sqlite\\_%' escape '\\' order by name",
            quote::ident(Engine::Sqlite, &schema)
        );
        for r in conn.query(&sql).await?.rows {
            relations.push(Relation {
                schema: schema.clone(),
                name: text(&r[0]).unwrap_or_default(),
                kind: if text(&r[1]).as_deref() == Some("view") {
                    RelationKind::View
                } else {
                    RelationKind::Table
                },
                search_rank: Some(rank),
                oid: 0,
                estimated_rows: None,
            });
        }
    }
    Ok(relations)
}

pub(super) async fn describe(
    conn: &mut Conn,
    relations: &[&Relation],
) -> Result<Vec<TableInfo>, ExecError> {
    let mut out = Vec::with_capacity(relations.len());
    for r in relations {
        out.push(describe_one(conn, r).await?);
    }
    Ok(out)
}

async fn describe_one(conn: &mut Conn, r: &Relation) -> Result<TableInfo, ExecError> {
    let name = quote::literal(&r.name);
    let schema = quote::literal(&r.schema);
    let cols = conn
        .query(&format!(
            "select name, type, \"notnull\", pk from pragma_table_xinfo({name}, {schema}) where hidden <> 1 order by cid"
        ))
        .await?;
    let mut pk: Vec<(u64, String)> = Vec::new();
    let mut columns = Vec::new();
    for c in &cols.rows {
        let col = text(&c[0]).unwrap_or_default();
        let declared = text(&c[1]).unwrap_or_default();
        if count(&c[3]) > 0 {
            pk.push((count(&c[3]), col.clone()));
        }
        columns.push(ColumnInfo {
            not_null_by: flag(&c[2]).then(|| format!("NOT NULL ({col})")),
            category: category(&declared),
            type_name: declared,
            name: col,
        });
    }
    pk.sort();
    let primary_key = (!pk.is_empty()).then(|| {
        let cols: Vec<String> = pk.into_iter().map(|(_, c)| c).collect();
        Key {
            name: format!("PRIMARY KEY ({})", cols.join(", ")),
            columns: cols,
        }
    });
    // An INTEGER PRIMARY KEY is the rowid (or, WITHOUT ROWID, a NOT NULL key): never NULL.
    if let Some(key) = &primary_key
        && let [only] = key.columns.as_slice()
        && let Some(c) = columns
            .iter_mut()
            .find(|c| &c.name == only && c.type_name.eq_ignore_ascii_case("integer"))
    {
        c.not_null_by = Some(key.name.clone());
    }

    let mut unique_keys = Vec::new();
    let indexes = conn
        .query(&format!(
            "select name, \"unique\", origin, partial from pragma_index_list({name}, {schema})"
        ))
        .await?;
    for ix in &indexes.rows {
        if !flag(&ix[1]) || flag(&ix[3]) {
            continue;
        }
        let index = text(&ix[0]).unwrap_or_default();
        let info = conn
            .query(&format!(
                "select name from pragma_index_info({}, {schema}) order by seqno",
                quote::literal(&index)
            ))
            .await?;
        let cols: Option<Vec<String>> = info.rows.iter().map(|c| text(&c[0])).collect();
        // A NULL name is an expression: the index says nothing about plain columns.
        let Some(cols) = cols else { continue };
        let key_name = match text(&ix[2]).as_deref() {
            Some("pk") => format!("PRIMARY KEY ({})", cols.join(", ")),
            Some("u") => format!("UNIQUE ({})", cols.join(", ")),
            _ => index,
        };
        unique_keys.push(Key {
            name: key_name,
            columns: cols,
        });
    }

    let fks = conn
        .query(&format!(
            "select id, \"table\", \"from\", \"to\" from pragma_foreign_key_list({name}, {schema}) order by id, seq"
        ))
        .await?;
    let mut foreign_keys: Vec<(u64, ForeignKey)> = Vec::new();
    for f in &fks.rows {
        let id = count(&f[0]);
        if foreign_keys.last().is_none_or(|(last, _)| *last != id) {
            let parent = text(&f[1]).unwrap_or_default();
            foreign_keys.push((
                id,
                ForeignKey {
                    name: format!("FOREIGN KEY {id} → {parent}"),
                    columns: Vec::new(),
                    ref_schema: r.schema.clone(),
                    ref_table: parent,
                    ref_columns: Vec::new(),
                    validated: false,
                },
            ));
        }
        if let Some((_, fk)) = foreign_keys.last_mut() {
            fk.columns.push(text(&f[2]).unwrap_or_default());
            // NULL `to` means the parent's primary key; left empty, it matches no check.
            fk.ref_columns.push(text(&f[3]).unwrap_or_default());
        }
    }

    Ok(TableInfo {
        schema: r.schema.clone(),
        name: r.name.clone(),
        kind: r.kind,
        columns,
        primary_key,
        unique_keys,
        foreign_keys: foreign_keys.into_iter().map(|(_, fk)| fk).collect(),
        estimated_rows: r.estimated_rows,
    })
}

/// SQLite's type affinity rules (section 3.1 of "Datatypes In SQLite"), with dates and booleans
/// told apart by name since they are stored as text or numbers.
fn category(declared: &str) -> TypeCategory {
    let t = declared.to_ascii_uppercase();
    if t.contains("DATE") || t.contains("TIME") {
        TypeCategory::DateTime
    } else if t.contains("BOOL") {
        TypeCategory::Boolean
    } else if t.contains("INT")
        || t.contains("REAL")
        || t.contains("FLOA")
        || t.contains("DOUB")
        || t.contains("NUM")
        || t.contains("DEC")
    {
        TypeCategory::Numeric
    } else if t.contains("CHAR") || t.contains("CLOB") || t.contains("TEXT") {
        TypeCategory::Text
    } else {
        TypeCategory::Other
    }
}
