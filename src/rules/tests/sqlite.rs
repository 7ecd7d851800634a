//! Rules on SQLite database files.

use super::scenario;
use super::support::*;
use crate::dialect::{DbTarget, Endpoint, SessionOptions};
use crate::plan::PlannedRule;
use crate::project::{CheckKind, Engine};
use crate::results::Status;
use crate::rules::{AuditError, Catalog, RulesOptions, run_rules, validate};
use camino::Utf8PathBuf;
use serde_json::json;

/// A fresh database file holding `setup`.
async fn database(setup: &str) -> (tempfile::TempDir, DbTarget) {
    let dir = tempfile::tempdir().unwrap();
    let endpoint = Endpoint::Sqlite {
        dir: Utf8PathBuf::from_path_buf(dir.path().to_path_buf()).unwrap(),
    };
    let target = endpoint.create_database("rules").await.unwrap();
    exec(&target, setup).await;
    (dir, target)
}

async fn catalog(target: &DbTarget, rules: &[PlannedRule]) -> Catalog {
    let mut conn = crate::dialect::Conn::connect(target, &SessionOptions::default())
        .await
        .unwrap();
    let c = validate(&mut conn, rules).await.expect("valid rules");
    conn.close().await;
    c
}

#[tokio::test]
async fn every_check_kind_passes_and_fails() {
    let (_dir, target) = database(&scenario::setup(Engine::Sqlite)).await;
    let results = run(&target, &scenario::rules(), &RulesOptions::default())
        .await
        .unwrap();
    scenario::assert_results(&results);
}

#[tokio::test]
async fn samples_are_capped_and_can_be_turned_off() {
    let (_dir, target) = database(&scenario::setup(Engine::Sqlite)).await;
    let rules = vec![table(
        "orders",
        None,
        vec![
            check(
                "range",
                CheckKind::Range {
                    column: "amount".into(),
                    min: Some(json!(0)),
                    max: Some(json!(100)),
                },
            ),
            check(
                "email",
                CheckKind::Matches {
                    column: "email".into(),
                    pattern: "^[a-z]+@".into(),
                },
            ),
        ],
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
    assert_eq!(get(&one, "range").violations, 2);
    assert_eq!(get(&one, "range").samples.len(), 1);
    assert_eq!(
        get(&one, "email").samples,
        vec![
            json!({"id": 3, "email": "not-an-email"})
                .as_object()
                .unwrap()
                .clone()
        ]
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
    assert_eq!(get(&none, "range").violations, 2);
    assert!(none.iter().all(|r| r.samples.is_empty()));
}

#[tokio::test]
async fn constraints_shortcut_checks_unless_turned_off() {
    let (_dir, target) = database(
        "create table parents (id integer primary key, code text not null);
         create unique index parents_code on parents (code);
         create table kids (id integer primary key, parent_id integer not null references parents (id), tag text,
                            unique (tag, parent_id));
         insert into parents values (1, 'a');
         insert into kids values (1, 1, 'x');",
    )
    .await;
    let rules = vec![
        table(
            "parents",
            None,
            vec![
                check(
                    "pk_nn",
                    CheckKind::NotNull {
                        columns: cols(&["id"]),
                    },
                ),
                check(
                    "pk_uq",
                    CheckKind::Unique {
                        columns: cols(&["id"]),
                    },
                ),
                check(
                    "code_nn",
                    CheckKind::NotNull {
                        columns: cols(&["code"]),
                    },
                ),
                check(
                    "code_uq",
                    CheckKind::Unique {
                        columns: cols(&["code"]),
                    },
                ),
            ],
        ),
        table(
            "kids",
            None,
            vec![
                check(
                    "fk_nn",
                    CheckKind::NotNull {
                        columns: cols(&["parent_id"]),
                    },
                ),
                check(
                    "pair_uq",
                    CheckKind::Unique {
                        columns: cols(&["parent_id", "tag"]),
                    },
                ),
                check(
                    "tag_uq",
                    CheckKind::Unique {
                        columns: cols(&["tag"]),
                    },
                ),
                check(
                    "fk_ref",
                    CheckKind::References {
                        column: "parent_id".into(),
                        to_table: "parents".into(),
                        to_column: "id".into(),
                    },
                ),
            ],
        ),
    ];
    let results = run(&target, &rules, &RulesOptions::default())
        .await
        .unwrap();
    let by = |n: &str| get(&results, n).guaranteed_by.clone();
    assert_eq!(by("pk_nn").as_deref(), Some("PRIMARY KEY (id)"));
    assert_eq!(by("pk_uq").as_deref(), Some("PRIMARY KEY (id)"));
    assert_eq!(by("code_nn").as_deref(), Some("NOT NULL (code)"));
    assert_eq!(by("code_uq").as_deref(), Some("parents_code"));
    assert_eq!(by("fk_nn").as_deref(), Some("NOT NULL (parent_id)"));
    assert_eq!(by("pair_uq").as_deref(), Some("UNIQUE (tag, parent_id)"));
    assert_eq!(
        get(&results, "pair_uq").message,
        "guaranteed by constraint UNIQUE (tag, parent_id)"
    );
    assert_eq!(
        by("tag_uq"),
        None,
        "a key on (tag, parent_id) says nothing of tag alone"
    );
    // SQLite neither validates existing rows nor always enforces foreign keys: no shortcut.
    assert_eq!(by("fk_ref"), None);
    assert!(results.iter().all(|r| r.status == Status::Passed));

    let off = RulesOptions {
        constraint_shortcuts: false,
        ..RulesOptions::default()
    };
    let scanned = run(&target, &rules, &off).await.unwrap();
    assert!(
        scanned
            .iter()
            .all(|r| r.guaranteed_by.is_none() && r.status == Status::Passed)
    );
    assert_eq!(get(&scanned, "pk_uq").total_rows, Some(1));
}

#[tokio::test]
async fn typos_are_located_config_errors_with_suggestions() {
    let (_dir, target) = database(&scenario::setup(Engine::Sqlite)).await;
    let rules = vec![
        table_at(
            10,
            "ordrs",
            None,
            vec![check_at(
                11,
                "a",
                CheckKind::RowCount {
                    min: None,
                    max: None,
                },
            )],
        ),
        table_at(
            12,
            "orders",
            None,
            vec![
                check_at(
                    13,
                    "b",
                    CheckKind::NotNull {
                        columns: cols(&["amuont"]),
                    },
                ),
                check_at(
                    14,
                    "c",
                    CheckKind::References {
                        column: "customer_id".into(),
                        to_table: "custmers".into(),
                        to_column: "id".into(),
                    },
                ),
                check_at(
                    15,
                    "d",
                    CheckKind::References {
                        column: "customer_id".into(),
                        to_table: "customers".into(),
                        to_column: "idd".into(),
                    },
                ),
                check_at(
                    16,
                    "e",
                    CheckKind::Expression {
                        predicate: "amuont > 0".into(),
                    },
                ),
                with(
                    check_at(
                        17,
                        "f",
                        CheckKind::RowCount {
                            min: None,
                            max: None,
                        },
                    ),
                    |o| o.where_ = Some("id > 1; delete from orders".into()),
                ),
                check_at(
                    18,
                    "g",
                    CheckKind::Matches {
                        column: "email".into(),
                        pattern: "(".into(),
                    },
                ),
                check_at(
                    19,
                    "h",
                    CheckKind::Unique {
                        columns: cols(&["id", "Status"]),
                    },
                ),
            ],
        ),
        table_at(
            20,
            "orders",
            Some("statuss = 'x'"),
            vec![check_at(
                21,
                "i",
                CheckKind::RowCount {
                    min: None,
                    max: None,
                },
            )],
        ),
        custom_at(30, "j", "commit", |_| {}),
        custom_at(32, "k", "select 1; select 2", |_| {}),
    ];
    let Err(AuditError::Invalid(errors)) = run(&target, &rules, &RulesOptions::default()).await
    else {
        panic!("expected config errors");
    };
    let got: Vec<(u32, String, Option<String>)> = errors
        .iter()
        .map(|e| {
            (
                e.location.as_ref().map_or(0, |l| l.line),
                e.message.clone(),
                e.help.clone(),
            )
        })
        .collect();
    let s = |t: &str| t.to_string();
    assert_eq!(
        got,
        vec![
            (
                10,
                s("table `ordrs` does not exist in the database"),
                Some(s("did you mean `orders`?"))
            ),
            (
                14,
                s("table `custmers` (the `to` of this check) does not exist in the database"),
                Some(s("did you mean `customers`?"))
            ),
            (
                13,
                s("column `amuont` does not exist in table `orders`"),
                Some(s("did you mean `amount`?"))
            ),
            (
                15,
                s("column `idd` does not exist in table `customers`"),
                Some(s("did you mean `id`?"))
            ),
            (
                16,
                s("this `expression` does not run on `orders`: no such column: amuont"),
                Some(s("did you mean `amount`?"))
            ),
            (
                17,
                s("the `where` of this check holds more than one SQL statement"),
                Some(s(
                    "remove the `;`: rules run one statement at a time, read-only"
                ))
            ),
            (18, errors[6].message.clone(), None),
            (
                20,
                s(
                    "the `where` of this rule entry does not run on `orders`: no such column: statuss"
                ),
                Some(s("did you mean `status`?"))
            ),
            (
                31,
                s("a custom rule must be a query, not `commit`"),
                Some(s(
                    "write a SELECT (or WITH … SELECT) returning the violating rows; rules only read, in one read-only transaction"
                ))
            ),
            (
                33,
                s("a custom rule holds more than one SQL statement"),
                Some(s(
                    "remove the `;`: rules run one statement at a time, read-only"
                ))
            ),
        ]
    );
    assert!(
        errors[6]
            .message
            .starts_with("`pattern` is not a valid regular expression"),
        "{}",
        errors[6].message
    );
    assert_eq!(
        errors[0].to_string(),
        "rules.yaml:10:3: table `ordrs` does not exist in the database (help: did you mean `orders`?)"
    );
}

#[tokio::test]
async fn hostile_names_are_quoted_not_executed() {
    let (_dir, target) = database(scenario::HOSTILE_SETUP).await;
    let results = run(
        &target,
        &scenario::hostile_rules(),
        &RulesOptions::default(),
    )
    .await
    .unwrap();
    scenario::assert_hostile(&results);
    assert_eq!(
        query(&target, "select a from y").await.rows.len(),
        1,
        "table y survived"
    );
}

#[tokio::test]
async fn writing_rules_fail_clearly_and_change_nothing() {
    let (_dir, target) = database(&scenario::setup(Engine::Sqlite)).await;
    // Statements that are not queries are refused before they reach the database…
    let rules = vec![
        custom_at(5, "update", "update orders set amount = 0", |_| {}),
        custom("pragma", "pragma query_only = 0"),
    ];
    let Err(AuditError::Invalid(errors)) = run(&target, &rules, &RulesOptions::default()).await
    else {
        panic!("expected config errors");
    };
    assert_eq!(
        errors[0].message,
        "a custom rule must be a query, not `update`"
    );
    assert_eq!(
        errors[0].location.as_ref().map(|l| l.line),
        Some(6),
        "the error points at the rule's SQL"
    );
    assert_eq!(
        errors[1].message,
        "a custom rule must be a query, not `pragma`"
    );
    let catalog = catalog(&target, &[]).await;
    let results = run_rules(&target, &rules, &catalog, &RulesOptions::default(), &|_| {}).await;
    assert_eq!(results[0].status, Status::Failed);
    assert_eq!(
        results[0].message,
        "the rule's query failed: a custom rule must be a query, not `update`"
    );

    // …and a write dressed as a query is refused by the read-only session.
    let rules = vec![
        custom(
            "update",
            "with x as (select 1) update orders set amount = 0",
        ),
        custom(
            "delete",
            "with x as (select 1) delete from orders returning id",
        ),
        custom(
            "insert",
            "with x as (select 1) insert into statuses select name from statuses",
        ),
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
    for name in ["update", "delete", "insert"] {
        let r = get(&results, name);
        assert_eq!(r.status, Status::Failed, "{name}: {}", r.message);
        assert_eq!(
            r.message,
            "the rule tried to change data, but rules run read-only: attempt to write a readonly database",
            "{name}"
        );
        assert_eq!(
            r.db_error
                .as_ref()
                .and_then(|e| e.location.as_ref())
                .map(|l| l.line),
            Some(2)
        );
    }
    let rs = query(&target, "select count(*), sum(amount) from orders").await;
    assert_eq!(
        rs.rows[0],
        vec![
            crate::dialect::Cell::Int(5),
            crate::dialect::Cell::Int(200025)
        ]
    );
    assert_eq!(query(&target, "select * from statuses").await.rows.len(), 4);
}

#[tokio::test]
async fn a_failing_expression_does_not_take_its_table_scan_down() {
    let (_dir, target) = database(&scenario::setup(Engine::Sqlite)).await;
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
            // Valid SQL, but `note` holds text that is not JSON: fails only when rows are read.
            check(
                "json",
                CheckKind::Expression {
                    predicate: "json_extract(note, '$.a') is null".into(),
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
    let results = run(&target, &rules, &RulesOptions::default())
        .await
        .unwrap();
    assert_eq!(get(&results, "nn").violations, 1);
    assert_eq!(get(&results, "rows").status, Status::Passed);
    let bad = get(&results, "json");
    assert_eq!(bad.status, Status::Failed);
    assert_eq!(
        bad.db_error.as_ref().map(|e| e.message.as_str()),
        Some("malformed JSON")
    );
    assert_eq!(bad.message, "the check's query failed: malformed JSON");
}

#[tokio::test]
async fn an_unreachable_database_errors_every_check() {
    let (dir, target) = database(&scenario::setup(Engine::Sqlite)).await;
    let rules = vec![
        table(
            "orders",
            None,
            vec![check(
                "nn",
                CheckKind::NotNull {
                    columns: cols(&["customer_id"]),
                },
            )],
        ),
        table(
            "customers",
            None,
            vec![check(
                "pk",
                CheckKind::Unique {
                    columns: cols(&["id"]),
                },
            )],
        ),
    ];
    let catalog = catalog(&target, &rules).await;
    drop(dir);
    let results = run_rules(&target, &rules, &catalog, &RulesOptions::default(), &|_| {}).await;
    assert_eq!(results[0].status, Status::Error);
    assert!(
        results[0]
            .message
            .starts_with("not run: could not open SQLite database"),
        "{}",
        results[0].message
    );
    assert_eq!(
        results[1].status,
        Status::Passed,
        "a guaranteed check needs no connection"
    );
    let missing = DbTarget::Sqlite {
        path: "/nonexistent/dir/x.db".into(),
    };
    assert!(matches!(
        run(&missing, &rules, &RulesOptions::default()).await,
        Err(AuditError::Environment(_))
    ));
}
