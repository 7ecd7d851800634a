//! The oracle for measured migration safety on PostgreSQL: statements whose lock mode and
//! rewrite behaviour the PostgreSQL documentation states ("Explicit Locking", ALTER TABLE's
//! notes), each applied by `sqltest run` to a table holding rows, and checked on what sqltest
//! measured — the findings' rules, tables and lock modes — never on the statement's text.

mod common;
use common::*;
use std::collections::BTreeSet;

/// (file, statement(s), what the documentation says sqltest must measure: (rule, table, lock)).
/// Every table has 500 rows; `lock` is the mode in pg_locks, `-` when the rule has none.
const CASES: &[(&str, &str, &[(&str, &str, &str)])] = &[
    // ADD COLUMN with a constant default: a catalogue change since PostgreSQL 11, no rewrite.
    (
        "add_column_default_0",
        "alter table t01 add column c int default 0",
        &[("blocks-reads", "t01", "AccessExclusiveLock")],
    ),
    // A volatile default is computed per row: rewrite.
    (
        "add_column_random",
        "alter table t02 add column c float8 default random()",
        &[
            ("blocks-reads", "t02", "AccessExclusiveLock"),
            ("table-rewrite", "t02", "AccessExclusiveLock"),
        ],
    ),
    (
        "type_bigint",
        "alter table t03 alter column v type bigint",
        &[
            ("blocks-reads", "t03", "AccessExclusiveLock"),
            ("table-rewrite", "t03", "AccessExclusiveLock"),
        ],
    ),
    // Raising a varchar limit is binary-coercible: no rewrite, no scan.
    (
        "varchar_wider",
        "alter table t04 alter column s type varchar(20)",
        &[("blocks-reads", "t04", "AccessExclusiveLock")],
    ),
    (
        "create_index",
        "create index on t05 (v)",
        &[("blocks-writes", "t05", "ShareLock")],
    ),
    // SHARE UPDATE EXCLUSIVE blocks neither reads nor writes: nothing to report.
    (
        "create_index_concurrently",
        "-- sqltest:no-transaction\ncreate index concurrently on t06 (v)",
        &[],
    ),
    // A foreign key takes SHARE ROW EXCLUSIVE on both tables and validates by scanning.
    (
        "add_foreign_key",
        "alter table t07 add constraint t07_fk foreign key (p) references p07 (id)",
        &[
            ("blocks-writes", "t07", "ShareRowExclusiveLock"),
            ("blocks-writes", "p07", "ShareRowExclusiveLock"),
            ("scan-under-lock", "t07", "ShareRowExclusiveLock"),
            ("scan-under-lock", "p07", "ShareRowExclusiveLock"),
        ],
    ),
    (
        "add_foreign_key_not_valid",
        "alter table t08 add constraint t08_fk foreign key (p) references p08 (id) not valid",
        &[
            ("blocks-writes", "t08", "ShareRowExclusiveLock"),
            ("blocks-writes", "p08", "ShareRowExclusiveLock"),
        ],
    ),
    // VALIDATE CONSTRAINT scans under SHARE UPDATE EXCLUSIVE: writes go on.
    (
        "validate_constraint",
        "alter table t09 validate constraint t09_check",
        &[],
    ),
    (
        "set_not_null",
        "alter table t10 alter column v set not null",
        &[
            ("blocks-reads", "t10", "AccessExclusiveLock"),
            ("scan-under-lock", "t10", "AccessExclusiveLock"),
        ],
    ),
    (
        "add_check",
        "alter table t11 add constraint t11_ck check (v >= 0)",
        &[
            ("blocks-reads", "t11", "AccessExclusiveLock"),
            ("scan-under-lock", "t11", "AccessExclusiveLock"),
        ],
    ),
    (
        "add_check_not_valid",
        "alter table t12 add constraint t12_ck check (v >= 0) not valid",
        &[("blocks-reads", "t12", "AccessExclusiveLock")],
    ),
    // DROP INDEX takes ACCESS EXCLUSIVE on the index's table.
    (
        "drop_index",
        "drop index t13_v_idx",
        &[("blocks-reads", "t13", "AccessExclusiveLock")],
    ),
    (
        "set_fillfactor",
        "alter table t14 set (fillfactor = 70)",
        &[],
    ),
    // REFRESH swaps in a new heap under ACCESS EXCLUSIVE; CONCURRENTLY takes EXCLUSIVE and
    // updates in place.
    (
        "refresh_matview",
        "refresh materialized view mv15",
        &[
            ("blocks-reads", "mv15", "AccessExclusiveLock"),
            ("table-rewrite", "mv15", "AccessExclusiveLock"),
        ],
    ),
    (
        "refresh_matview_concurrently",
        "refresh materialized view concurrently mv16",
        &[("blocks-writes", "mv16", "ExclusiveLock")],
    ),
    // VACUUM FULL cannot run in a transaction; its new relfilenode is seen after it.
    (
        "vacuum_full",
        "-- sqltest:no-transaction\nvacuum full t17",
        &[("table-rewrite", "t17", "-")],
    ),
    (
        "cluster",
        "cluster t18 using t18_pkey",
        &[
            ("blocks-reads", "t18", "AccessExclusiveLock"),
            ("table-rewrite", "t18", "AccessExclusiveLock"),
        ],
    ),
    (
        "rename_column",
        "alter table t20 rename column v to w",
        &[("blocks-reads", "t20", "AccessExclusiveLock")],
    ),
    (
        "add_column_nullable",
        "alter table t21 add column c int",
        &[("blocks-reads", "t21", "AccessExclusiveLock")],
    ),
    (
        "drop_not_null",
        "alter table t22 alter column v drop not null",
        &[("blocks-reads", "t22", "AccessExclusiveLock")],
    ),
    (
        "create_unique_index",
        "create unique index on t24 (id)",
        &[("blocks-writes", "t24", "ShareLock")],
    ),
    // varchar to text is binary-coercible too.
    (
        "varchar_to_text",
        "alter table t25 alter column s type text",
        &[("blocks-reads", "t25", "AccessExclusiveLock")],
    ),
    (
        "lock_share_row_exclusive",
        "lock table t26 in share row exclusive mode",
        &[("blocks-writes", "t26", "ShareRowExclusiveLock")],
    ),
    (
        "set_default",
        "alter table t27 alter column v set default 5",
        &[("blocks-reads", "t27", "AccessExclusiveLock")],
    ),
    ("comment", "comment on table t28 is 'orders placed'", &[]),
    (
        "set_statistics",
        "alter table t29 alter column v set statistics 100",
        &[],
    ),
    // REINDEX TABLE: SHARE on the table, and every index gets a new relfilenode.
    (
        "reindex_table",
        "reindex table t30",
        &[
            ("blocks-writes", "t30", "ShareLock"),
            ("table-rewrite", "t30", "ShareLock"),
        ],
    ),
    (
        "lock_exclusive",
        "lock table t31 in exclusive mode",
        &[("blocks-writes", "t31", "ExclusiveLock")],
    ),
];

fn setup_sql() -> String {
    let mut sql = String::new();
    for n in 1..=31 {
        let t = format!("t{n:02}");
        sql.push_str(&format!(
            "create table {t} (id int not null, v int, s varchar(10), p int);\n\
             insert into {t} select g, g, 'x', g from generate_series(1, 500) g;\n"
        ));
    }
    for p in ["p07", "p08"] {
        sql.push_str(&format!(
            "create table {p} (id int primary key);\ninsert into {p} select g from generate_series(1, 500) g;\n"
        ));
    }
    sql.push_str(
        "alter table t09 add constraint t09_check check (v > 0) not valid;\n\
         create index t13_v_idx on t13 (v);\n\
         create materialized view mv15 as select id, v from t15;\n\
         create materialized view mv16 as select id, v from t16;\n\
         create unique index on mv16 (id);\n\
         alter table t18 add constraint t18_pkey primary key (id);\n\
         create index on t30 (v);\n",
    );
    sql
}

/// The measured findings of one case file: (rule, table without schema, lock or `-`).
fn measured(report: &serde_json::Value, file: &str) -> BTreeSet<(String, String, String)> {
    let measured_rules = [
        "blocks-reads",
        "blocks-writes",
        "table-rewrite",
        "scan-under-lock",
    ];
    report["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| {
            f["location"]["path"]
                .as_str()
                .is_some_and(|p| p.ends_with(file))
        })
        .filter(|f| measured_rules.contains(&f["rule"].as_str().unwrap()))
        .map(|f| {
            let m = &f["measured"];
            let table = m["table"].as_str().unwrap_or("?");
            (
                f["rule"].as_str().unwrap().to_string(),
                table.rsplit('.').next().unwrap().to_string(),
                m["lock"].as_str().unwrap_or("-").to_string(),
            )
        })
        .collect()
}

#[test]
fn measured_locks_and_rewrites_match_the_postgresql_documentation() {
    let dir = out_dir("safety_oracle");
    let migrations = dir.join("db/migrations");
    std::fs::create_dir_all(&migrations).unwrap();
    std::fs::write(
        dir.join("sqltest.yaml"),
        "engine: postgres\nmigrations: db/migrations\n",
    )
    .unwrap();
    std::fs::write(migrations.join("000_setup.sql"), setup_sql()).unwrap();
    for (i, (name, sql, _)) in CASES.iter().enumerate() {
        std::fs::write(
            migrations.join(format!("{:03}_{name}.sql", i + 1)),
            format!("{sql};\n"),
        )
        .unwrap();
    }
    let json = dir.join("results.json");
    let o = run(&[
        "run",
        dir.to_str().unwrap(),
        "--backend",
        "local",
        "--report",
        &format!("json={}", json.display()),
    ]);
    let report = read_json(&json);
    assert!(
        report["migrations"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["status"] == "passed"),
        "{}",
        all_output(&o)
    );
    let mut wrong = Vec::new();
    for (i, (name, _, expected)) in CASES.iter().enumerate() {
        let file = format!("{:03}_{name}.sql", i + 1);
        let got = measured(&report, &file);
        let want: BTreeSet<(String, String, String)> = expected
            .iter()
            .map(|(r, t, l)| (r.to_string(), t.to_string(), l.to_string()))
            .collect();
        if got != want {
            wrong.push(format!("{file}:\n  measured {got:?}\n  expected {want:?}"));
        }
    }
    assert!(CASES.len() >= 25);
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    // The setup file created the tables: nothing in it had rows before it ran.
    assert!(measured(&report, "000_setup.sql").is_empty());
}
