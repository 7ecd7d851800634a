//! Rules on a throwaway PostgreSQL cluster (the machine's server binaries, run as the
//! `postgres` user when the tests run as root). Each test starts its own cluster, which is
//! stopped and deleted when it is dropped.

use super::scenario;
use super::support::*;
use super::support_pg::{cluster, database};
use crate::dialect::Cell;
use crate::project::{CheckKind, Engine};
use crate::results::Status;
use crate::rules::{AuditError, RulesOptions, run_rules};
use serde_json::json;
use std::time::Duration;

#[tokio::test]
async fn every_check_kind_passes_and_fails() {
    let pg = cluster().await;
    let target = database(&pg, "scenario", &scenario::setup(Engine::Postgres)).await;
    // Three connections sharing one exported snapshot.
    let opts = RulesOptions {
        concurrency: 3,
        ..RulesOptions::default()
    };
    let results = run(&target, &scenario::rules(), &opts).await.unwrap();
    scenario::assert_results(&results);

    // Samples: capped, or none at all.
    let rules = vec![table(
        "orders",
        None,
        vec![check(
            "range",
            CheckKind::Range {
                column: "amount".into(),
                min: Some(json!(0)),
                max: Some(json!(100)),
            },
        )],
    )];
    let one = run(
        &target,
        &rules,
        &RulesOptions {
            samples: 1,
            ..RulesOptions::default()
        },
    )
    .await
    .unwrap();
    assert_eq!((one[0].violations, one[0].samples.len()), (2, 1));
    assert_eq!(
        one[0].samples[0],
        json!({"id": 3, "amount": "-5"})
            .as_object()
            .unwrap()
            .clone()
    );
    let none = run(
        &target,
        &rules,
        &RulesOptions {
            samples: 0,
            ..RulesOptions::default()
        },
    )
    .await
    .unwrap();
    assert_eq!((none[0].violations, none[0].samples.len()), (2, 0));

    // A runtime error in one check of a fused scan lands on that check only.
    let rules = vec![table(
        "orders",
        None,
        vec![
            check(
                "nn",
                CheckKind::NotNull {
                    columns: cols(&["customer_id"]),
                },
            ),
            check(
                "div",
                CheckKind::Expression {
                    predicate: "1 / (amount - 10) > 0".into(),
                },
            ),
        ],
    )];
    let results = run(&target, &rules, &RulesOptions::default())
        .await
        .unwrap();
    assert_eq!(get(&results, "nn").violations, 1);
    let div = get(&results, "div");
    assert_eq!(div.status, Status::Failed);
    assert_eq!(div.message, "the check's query failed: division by zero");
    assert_eq!(
        div.db_error.as_ref().and_then(|e| e.sqlstate.as_deref()),
        Some("22012")
    );

    // Enums compare as text: a value that is no label of the type is simply not accepted.
    exec(&target, "create type mood as enum ('ok', 'sad'); create table moods (m mood); insert into moods values ('ok'), ('sad'), (null);").await;
    let rules = vec![table(
        "moods",
        None,
        vec![check(
            "mood",
            CheckKind::AcceptedValues {
                column: "m".into(),
                values: vec![json!("ok"), json!("happy")],
            },
        )],
    )];
    let results = run(&target, &rules, &RulesOptions::default())
        .await
        .unwrap();
    assert_eq!(
        (results[0].status, results[0].violations),
        (Status::Failed, 1)
    );

    // `references` to a small analysed parent are folded into the child's scan when the
    // planner hashes the parent's keys, and run as an anti-join when it would not (here: too
    // little work_mem for 20,000 keys). Same results either way.
    let folded = database(
        &pg,
        "folded",
        "create table small (id int); insert into small select generate_series(1, 10);
         create table wide (id int); insert into wide select generate_series(1, 20000);
         create table nothing (id bigint);
         create table named (code varchar(3)); insert into named values ('a'), ('b''c');
         create table kid (small_id int, wide_id int, nothing_id int, code text);
         insert into kid values (1, 1, 1, 'a'), (11, 20001, 2, 'x'), (null, null, null, 'b''c'),
                                (2, 20002, 3, null);
         analyze small, wide, nothing, named, kid;",
    )
    .await;
    exec(&folded, "alter database folded set work_mem = '64kB'").await;
    let refs = |to: &str, column: &str| {
        check(
            column,
            CheckKind::References {
                column: column.into(),
                to_table: to.into(),
                to_column: "id".into(),
            },
        )
    };
    let rules = vec![table(
        "kid",
        None,
        vec![
            refs("small", "small_id"),
            refs("wide", "wide_id"),
            refs("nothing", "nothing_id"),
            check(
                "code",
                CheckKind::References {
                    column: "code".into(),
                    to_table: "named".into(),
                    to_column: "code".into(),
                },
            ),
            check(
                "rows",
                CheckKind::RowCount {
                    min: Some(1),
                    max: None,
                },
            ),
        ],
    )];
    let results = run(&folded, &rules, &RulesOptions::default())
        .await
        .unwrap();
    assert_eq!(get(&results, "small_id").violations, 1);
    assert_eq!(get(&results, "small_id").samples[0]["small_id"], json!(11));
    assert_eq!(get(&results, "wide_id").violations, 2);
    assert_eq!(get(&results, "wide_id").total_rows, Some(4));
    assert_eq!(
        get(&results, "nothing_id").violations,
        3,
        "an empty parent has no keys"
    );
    assert_eq!(get(&results, "code").violations, 1);
    assert_eq!(get(&results, "code").samples[0]["code"], json!("x"));
    assert_eq!(get(&results, "rows").status, Status::Passed);

    // A failing `unique` over many distinct keys groups them by sorting.
    exec(
        &folded,
        "create table many (k int); insert into many select generate_series(1, 150000);
         insert into many values (7), (7), (9);",
    )
    .await;
    let rules = vec![table(
        "many",
        None,
        vec![check(
            "k",
            CheckKind::Unique {
                columns: cols(&["k"]),
            },
        )],
    )];
    let results = run(&folded, &rules, &RulesOptions::default())
        .await
        .unwrap();
    assert_eq!(results[0].violations, 5);
    assert_eq!(
        results[0].message,
        "5 rows share their k with another row (2 duplicated values)"
    );
    assert_eq!(
        results[0].samples[0],
        json!({"k": 7, "rows": 3}).as_object().unwrap().clone()
    );

    // Statement timeout: reported on the check, not the run.
    let slow = vec![custom("slow", "select 1 from pg_sleep(2)")];
    let opts = RulesOptions {
        session: crate::dialect::SessionOptions {
            statement_timeout: Some(Duration::from_millis(200)),
            read_only: true,
        },
        ..RulesOptions::default()
    };
    let results = run(&target, &slow, &opts).await.unwrap();
    assert_eq!(results[0].status, Status::Failed);
    assert!(
        results[0]
            .message
            .starts_with("the rule ran past the statement timeout"),
        "{}",
        results[0].message
    );
}

#[tokio::test]
async fn hostile_names_and_writing_rules_change_nothing() {
    let pg = cluster().await;
    let target = database(&pg, "hostile", scenario::HOSTILE_SETUP).await;
    let results = run(
        &target,
        &scenario::hostile_rules(),
        &RulesOptions::default(),
    )
    .await
    .unwrap();
    scenario::assert_hostile(&results);
    assert_eq!(
        query(&target, "select a from y").await.rows,
        vec![vec![Cell::Text("42".into())]],
        "table y survived"
    );

    let target = database(
        &pg,
        "writes",
        &(scenario::setup(Engine::Postgres) + "; create sequence s;"),
    )
    .await;
    // Statements that are not queries are refused before they reach the database: LOCK TABLE
    // would even be allowed in a read-only transaction.
    let refused = vec![
        custom("update", "update orders set amount = 0"),
        custom("lock", "lock table orders in access exclusive mode"),
        custom("set", "set default_transaction_read_only = off"),
    ];
    let Err(AuditError::Invalid(errors)) = run(&target, &refused, &RulesOptions::default()).await
    else {
        panic!("expected config errors");
    };
    let messages: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            "a custom rule must be a query, not `update`",
            "a custom rule must be a query, not `lock`",
            "a custom rule must be a query, not `set`"
        ]
    );

    // Writes dressed as queries are refused by the read-only transaction.
    let rules = vec![
        custom(
            "with_update",
            "with x as (select 1) update orders set amount = 0",
        ),
        custom(
            "cte",
            "with changed as (update orders set amount = 0 returning id) select * from changed",
        ),
        custom("nextval", "select nextval('s')"),
    ];
    let results = run(
        &target,
        &rules,
        &RulesOptions {
            concurrency: 1,
            ..RulesOptions::default()
        },
    )
    .await
    .unwrap();
    for (name, statement) in [
        ("with_update", "UPDATE"),
        ("cte", "SELECT"),
        ("nextval", "nextval()"),
    ] {
        let r = get(&results, name);
        assert_eq!(r.status, Status::Failed, "{name}");
        assert_eq!(
            r.message,
            format!(
                "the rule tried to change data, but rules run read-only: cannot execute {statement} in a read-only transaction"
            ),
        );
        assert_eq!(
            r.db_error.as_ref().and_then(|e| e.sqlstate.as_deref()),
            Some("25006")
        );
    }

    // Without validation (which refuses them), transaction control and multi-statement
    // fragments still never reach the database.
    let sneaky = vec![
        custom("commit", "commit"),
        table(
            "orders",
            None,
            vec![with(
                check(
                    "where",
                    CheckKind::RowCount {
                        min: None,
                        max: None,
                    },
                ),
                |o| o.where_ = Some("true); delete from orders; --".into()),
            )],
        ),
        custom("after", "select 1 where false"),
    ];
    let mut conn = crate::dialect::Conn::connect(&target, &Default::default())
        .await
        .unwrap();
    let valid = [table(
        "orders",
        None,
        vec![check(
            "x",
            CheckKind::RowCount {
                min: None,
                max: None,
            },
        )],
    )];
    let catalog = crate::rules::validate(&mut conn, &valid)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    conn.close().await;
    let results = run_rules(
        &target,
        &sneaky,
        &catalog,
        &RulesOptions::default(),
        &|_| {},
    )
    .await;
    assert_eq!(results[0].status, Status::Failed);
    assert_eq!(
        results[0].message,
        "the rule's query failed: a custom rule must be a query, not `commit`"
    );
    assert_eq!(results[1].status, Status::Error);
    assert_eq!(
        results[1].message,
        "a `where` holds more than one SQL statement"
    );
    assert_eq!(results[2].status, Status::Passed);

    let rs = query(&target, "select count(*), sum(amount)::text from orders").await;
    assert_eq!(
        rs.rows[0],
        vec![Cell::Text("5".into()), Cell::Text("200025".into())]
    );
}
