//! A canonical, order-independent description of a database's schema, read from the catalogue:
//! one line per object (tables with their columns sorted by name, constraints, indexes, views,
//! functions, triggers, sequences, enums, domains; SQLite from `sqlite_schema` and pragmas), so
//! a fresh install and an upgraded database can be compared object by object.

use crate::dialect::{Cell, Conn, ExecError};
use std::collections::BTreeMap;

/// Object (`table public.orders`) → its description.
pub type Schema = BTreeMap<String, String>;

const PG_USER_NS: &str = "n.nspname not in ('pg_catalog', 'information_schema') \
                          and n.nspname not like 'pg_toast%' and n.nspname not like 'pg_temp%'";

fn postgres_query() -> String {
    format!(
        "select 'table ' || c.oid::regclass::text,
                coalesce(string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
                  || case when a.attnotnull then ' not null' else '' end
                  || coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), ''), ', ' order by a.attname), '')
           from pg_class c join pg_namespace n on n.oid = c.relnamespace
           left join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
           left join pg_attrdef d on d.adrelid = c.oid and d.adnum = a.attnum
          where c.relkind in ('r', 'p', 'f') and {PG_USER_NS}
          group by c.oid
         union all
         select 'constraint ' || co.conrelid::regclass::text || ' ' || co.conname, pg_get_constraintdef(co.oid)
           from pg_constraint co join pg_namespace n on n.oid = co.connamespace
          where co.conrelid <> 0 and {PG_USER_NS}
         union all
         select 'index ' || n.nspname || '.' || i.relname, pg_get_indexdef(i.oid)
           from pg_index x join pg_class i on i.oid = x.indexrelid join pg_namespace n on n.oid = i.relnamespace
          where {PG_USER_NS}
         union all
         select case c.relkind when 'm' then 'materialized view ' else 'view ' end || c.oid::regclass::text,
                pg_get_viewdef(c.oid)
           from pg_class c join pg_namespace n on n.oid = c.relnamespace
          where c.relkind in ('v', 'm') and {PG_USER_NS}
         union all
         select 'function ' || p.oid::regprocedure::text,
                pg_get_function_result(p.oid) || ' ' || p.prokind::text || ' body md5 ' || md5(coalesce(p.prosrc, ''))
           from pg_proc p join pg_namespace n on n.oid = p.pronamespace
          where {PG_USER_NS}
            and not exists (select 1 from pg_depend dep where dep.objid = p.oid and dep.deptype = 'e')
         union all
         select 'trigger ' || t.tgrelid::regclass::text || ' ' || t.tgname, pg_get_triggerdef(t.oid)
           from pg_trigger t where not t.tgisinternal
         union all
         select 'sequence ' || s.schemaname || '.' || s.sequencename,
                s.data_type::text || ' start ' || s.start_value || ' increment ' || s.increment_by
           from pg_sequences s where s.schemaname not in ('pg_catalog', 'information_schema')
         union all
         select 'enum ' || t.oid::regtype::text, string_agg(e.enumlabel, ', ' order by e.enumsortorder)
           from pg_type t join pg_enum e on e.enumtypid = t.oid group by t.oid
         union all
         select 'domain ' || t.oid::regtype::text,
                format_type(t.typbasetype, t.typtypmod) || case when t.typnotnull then ' not null' else '' end
                || coalesce(' default ' || t.typdefault, '')
                || coalesce(' ' || (select string_agg(pg_get_constraintdef(k.oid), ' ' order by k.conname)
                                      from pg_constraint k where k.contypid = t.oid), '')
           from pg_type t join pg_namespace n on n.oid = t.typnamespace
          where t.typtype = 'd' and {PG_USER_NS}"
    )
}

const SQLITE_QUERY: &str = "
select 'table ' || m.name,
       (select group_concat(d, ', ') from (
          select p.name || ' ' || p.type || case when p.\"notnull\" then ' not null' else '' end
                 || coalesce(' default ' || p.dflt_value, '') || case when p.pk > 0 then ' primary key ' || p.pk else '' end as d
            from pragma_table_info(m.name) p order by p.name))
  from sqlite_schema m where m.type = 'table' and m.name not like 'sqlite\\_%' escape '\\'
union all
select 'index ' || m.name,
       m.tbl_name || ' (' || (select group_concat(i.name, ', ') from pragma_index_info(m.name) i) || ')'
       || coalesce(' ' || m.sql, '')
  from sqlite_schema m where m.type = 'index'
union all
select 'foreign key ' || m.name || ' ' || f.\"from\", f.\"table\" || '(' || coalesce(f.\"to\", '') || ') on update '
       || f.on_update || ' on delete ' || f.on_delete
  from sqlite_schema m, pragma_foreign_key_list(m.name) f where m.type = 'table'
union all
select m.type || ' ' || m.name, m.sql from sqlite_schema m where m.type in ('view', 'trigger')";

/// The schema of the database `conn` is connected to.
pub async fn describe(conn: &mut Conn) -> Result<Schema, ExecError> {
    let sql = match conn.engine() {
        crate::project::Engine::Sqlite => SQLITE_QUERY.to_string(),
        _ => postgres_query(),
    };
    let rows = conn.query(&sql).await?;
    let text = |c: &Cell| crate::rules::cells::text(c).unwrap_or_default();
    let mut schema = Schema::new();
    for row in &rows.rows {
        if let [k, v, ..] = row.as_slice() {
            // Whitespace is layout, not schema: stored SQL keeps what the file had.
            let v = text(v).split_whitespace().collect::<Vec<_>>().join(" ");
            schema.insert(text(k), v);
        }
    }
    Ok(schema)
}

/// The objects that differ: (object, upgraded, fresh), `None` where one side lacks it.
pub fn differences<'a>(
    upgraded: &'a Schema,
    fresh: &'a Schema,
) -> Vec<(&'a str, Option<&'a str>, Option<&'a str>)> {
    let mut keys: Vec<&String> = upgraded.keys().chain(fresh.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter_map(|k| {
            let (u, f) = (upgraded.get(k), fresh.get(k));
            (u != f).then(|| (k.as_str(), u.map(String::as_str), f.map(String::as_str)))
        })
        .collect()
}

/// The differences as people read them: each object, then both sides.
pub fn render_differences(
    diffs: &[(&str, Option<&str>, Option<&str>)],
    labels: (&str, &str),
) -> String {
    let width = labels.0.chars().count().max(labels.1.chars().count()) + 1;
    let mut out = String::new();
    for (object, left, right) in diffs.iter().take(30) {
        out.push_str(&format!(
            "{object}\n  {:<width$} {}\n  {:<width$} {}\n",
            format!("{}:", labels.0),
            left.unwrap_or("(missing)"),
            format!("{}:", labels.1),
            right.unwrap_or("(missing)")
        ));
    }
    if diffs.len() > 30 {
        out.push_str(&format!("… {} more objects differ\n", diffs.len() - 30));
    }
    out
}
