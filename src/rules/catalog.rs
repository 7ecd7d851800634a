//! What the rules know about the database: the tables and columns the checks name, their types,
//! and the constraints that make a check unnecessary. Filled by [`super::introspect`] and
//! checked by [`super::validate`]; [`super::run_rules`] reads only this.

use crate::dialect::quote;
use crate::project::Engine;
use std::collections::HashMap;

/// The tables the checks name, keyed by the name as written in the spec files.
#[derive(Debug, Clone)]
pub struct Catalog {
    pub engine: Engine,
    pub(crate) tables: HashMap<String, TableInfo>,
}

/// Whether a relation holds rows of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelationKind {
    Table,
    View,
}

/// One table or view.
#[derive(Debug, Clone)]
pub struct TableInfo {
    /// The schema, as the catalogue spells it (`public`; `main` on SQLite).
    pub schema: String,
    /// The name, as the catalogue spells it.
    pub name: String,
    pub kind: RelationKind,
    /// Columns in table order.
    pub columns: Vec<ColumnInfo>,
    pub primary_key: Option<Key>,
    /// UNIQUE constraints and unique indexes that cover every row (not partial, no expressions).
    pub unique_keys: Vec<Key>,
    pub foreign_keys: Vec<ForeignKey>,
    /// The planner's row estimate (`None` when the table was never analysed): used to start
    /// the biggest work first, and to fold a small parent's `references` into the child's scan.
    pub estimated_rows: Option<f64>,
}

/// A column and what the catalogue guarantees about it.
#[derive(Debug, Clone)]
pub struct ColumnInfo {
    pub name: String,
    /// The engine's type name (`int4`, `timestamptz`, `TEXT`).
    pub type_name: String,
    pub category: TypeCategory,
    /// The constraint that keeps NULL out of this column, described for people.
    pub not_null_by: Option<String>,
}

/// How values of a column compare, which decides how literals from specs are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TypeCategory {
    Numeric,
    Boolean,
    /// PostgreSQL enums: compared as text, so an unknown label is a violation, not an error.
    Enum,
    /// `date`, `timestamp`, `timestamptz`: usable by `freshness`.
    DateTime,
    Text,
    Other,
}

/// A unique key (PRIMARY KEY, UNIQUE constraint or unique index).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    /// Shown as "guaranteed by constraint NAME".
    pub name: String,
    pub columns: Vec<String>,
}

/// A foreign key of the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForeignKey {
    pub name: String,
    pub columns: Vec<String>,
    /// The referenced table's schema and name.
    pub ref_schema: String,
    pub ref_table: String,
    pub ref_columns: Vec<String>,
    /// Whether every existing row is known to satisfy it (PostgreSQL `convalidated`; never on
    /// SQLite, which neither checks existing rows nor enforces foreign keys unless each
    /// connection turns them on).
    pub validated: bool,
}

impl Catalog {
    pub(crate) fn new(engine: Engine) -> Catalog {
        Catalog {
            engine,
            tables: HashMap::new(),
        }
    }

    /// The table a spec names (as written), if validation found it.
    pub fn table(&self, written: &str) -> Option<&TableInfo> {
        self.tables.get(written)
    }

    pub(crate) fn insert(&mut self, written: &str, table: TableInfo) {
        self.tables.insert(written.to_string(), table);
    }
}

impl TableInfo {
    /// The column a spec names: the exact name, else the one name equal ignoring case (as an
    /// unquoted identifier would fold).
    pub fn column(&self, written: &str) -> Option<&ColumnInfo> {
        if let Some(c) = self.columns.iter().find(|c| c.name == written) {
            return Some(c);
        }
        let mut folded = self
            .columns
            .iter()
            .filter(|c| c.name.eq_ignore_ascii_case(written));
        match (folded.next(), folded.next()) {
            (Some(c), None) => Some(c),
            _ => None,
        }
    }

    /// `"schema"."name"` (just `"name"` for SQLite's `main`), quoted for the engine.
    pub fn sql_name(&self, engine: Engine) -> String {
        match engine {
            Engine::Sqlite if self.schema == "main" => quote::ident(engine, &self.name),
            Engine::Postgres | Engine::Sqlite | Engine::Mysql | Engine::Mariadb => {
                format!(
                    "{}.{}",
                    quote::ident(engine, &self.schema),
                    quote::ident(engine, &self.name)
                )
            }
        }
    }

    /// `name` or `schema.name` for messages, as a spec would write it
    /// ([`quote::spec_name`]: a part holding `.` is double-quoted).
    pub fn display_name(&self) -> String {
        match self.schema.as_str() {
            "public" | "main" => quote::spec_name(None, &self.name),
            schema => quote::spec_name(Some(schema), &self.name),
        }
    }

    /// The key (primary first) whose columns all appear in `columns`, so that `columns` is unique.
    pub fn unique_key_within(&self, columns: &[String]) -> Option<&Key> {
        self.primary_key
            .iter()
            .chain(self.unique_keys.iter())
            .find(|k| !k.columns.is_empty() && k.columns.iter().all(|c| columns.contains(c)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(columns: &[&str]) -> TableInfo {
        TableInfo {
            schema: "public".into(),
            name: "orders".into(),
            kind: RelationKind::Table,
            columns: columns
                .iter()
                .map(|c| ColumnInfo {
                    name: c.to_string(),
                    type_name: "int4".into(),
                    category: TypeCategory::Numeric,
                    not_null_by: None,
                })
                .collect(),
            primary_key: Some(Key {
                name: "orders_pkey".into(),
                columns: vec!["id".into()],
            }),
            unique_keys: vec![Key {
                name: "orders_a_b_key".into(),
                columns: vec!["a".into(), "b".into()],
            }],
            foreign_keys: vec![],
            estimated_rows: None,
        }
    }

    #[test]
    fn columns_resolve_exactly_then_ignoring_case() {
        let t = table(&["id", "Amount", "x", "X"]);
        assert_eq!(t.column("amount").map(|c| c.name.as_str()), Some("Amount"));
        assert_eq!(t.column("X").map(|c| c.name.as_str()), Some("X"));
        assert!(t.column("ID").is_some());
        assert!(t.column("nope").is_none());
    }

    #[test]
    fn keys_within_a_column_set_make_it_unique() {
        let t = table(&["id", "a", "b", "c"]);
        let cols = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            t.unique_key_within(&cols(&["id", "c"]))
                .map(|k| k.name.as_str()),
            Some("orders_pkey")
        );
        assert_eq!(
            t.unique_key_within(&cols(&["b", "a"]))
                .map(|k| k.name.as_str()),
            Some("orders_a_b_key")
        );
        assert!(
            t.unique_key_within(&cols(&["a"])).is_none(),
            "a key on (a, b) says nothing of a alone"
        );
    }
}
