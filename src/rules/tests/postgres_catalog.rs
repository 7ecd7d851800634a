//! PostgreSQL's catalogue: constraint shortcuts and typos reported as config errors.

use super::support::*;
use super::support_pg::{cluster, database};
use crate::project::CheckKind;
use crate::results::Status;
use crate::rules::{AuditError, RulesOptions};
use serde_json::json;
use std::time::Duration;

#[tokio::test]
async fn constraints_shortcut_checks_and_typos_are_config_errors() {
    let pg = cluster().await;
    let target = database(
        &pg,
        "constraints",
        "create table parents (id integer primary key, code text not null, tag text, flag boolean, at timestamp);
         create unique index parents_tag on parents (tag);
         create unique index parents_code_partial on parents (code) where id > 0;
         create table kids (id integer primary key, parent_id integer not null references parents (id),
                            other_id integer, tag text, unique (tag, parent_id));
         insert into parents values (1, 'a', 'x', true, now()), (2, 'b', null, false, now());
         insert into kids values (1, 1, 1, 'x'), (2, 2, 2, 'x');
         alter table kids add constraint kids_other_fk foreign key (other_id) references parents (id) not valid;
         create schema shop;
         create table shop.\"Items\" (sku text);",
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
                check(
                    "tag_uq",
                    CheckKind::Unique {
                        columns: cols(&["tag"]),
                    },
                ),
            ],
        ),
        table(
            "kids",
            Some("id > 0"),
            vec![
                check(
                    "pair_uq",
                    CheckKind::Unique {
                        columns: cols(&["parent_id", "tag"]),
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
                check(
                    "not_valid_ref",
                    CheckKind::References {
                        column: "other_id".into(),
                        to_table: "parents".into(),
                        to_column: "id".into(),
                    },
                ),
            ],
        ),
        table(
            "shop.Items",
            None,
            vec![check(
                "items",
                CheckKind::RowCount {
                    min: None,
                    max: Some(0),
                },
            )],
        ),
    ];
    let results = run(&target, &rules, &RulesOptions::default())
        .await
        .unwrap();
    let by = |n: &str| get(&results, n).guaranteed_by.clone();
    assert_eq!(by("pk_nn").as_deref(), Some("parents_pkey"));
    assert_eq!(by("pk_uq").as_deref(), Some("parents_pkey"));
    assert_eq!(by("code_nn").as_deref(), Some("NOT NULL (code)"));
    assert_eq!(
        by("code_uq"),
        None,
        "a partial unique index guarantees nothing for every row"
    );
    assert_eq!(by("tag_uq").as_deref(), Some("parents_tag"));
    assert_eq!(by("pair_uq").as_deref(), Some("kids_tag_parent_id_key"));
    assert_eq!(by("fk_ref").as_deref(), Some("kids_parent_id_fkey"));
    assert_eq!(
        get(&results, "fk_ref").message,
        "guaranteed by constraint kids_parent_id_fkey"
    );
    assert_eq!(
        by("not_valid_ref"),
        None,
        "a NOT VALID foreign key does not vouch for old rows"
    );
    assert_eq!(get(&results, "not_valid_ref").total_rows, Some(2));
    assert!(
        results.iter().all(|r| r.status == Status::Passed),
        "{results:#?}"
    );

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

    let typos = vec![
        table_at(
            10,
            "parents",
            None,
            vec![
                check_at(
                    11,
                    "a",
                    CheckKind::Freshness {
                        column: "flag".into(),
                        max_age: Duration::from_secs(60),
                    },
                ),
                check_at(
                    12,
                    "b",
                    CheckKind::Matches {
                        column: "code".into(),
                        pattern: "(".into(),
                    },
                ),
                check_at(
                    13,
                    "c",
                    CheckKind::Range {
                        column: "at".into(),
                        min: Some(json!("abc")),
                        max: None,
                    },
                ),
                check_at(
                    14,
                    "d",
                    CheckKind::Expression {
                        predicate: "parents.amuont > 0".into(),
                    },
                ),
                check_at(
                    15,
                    "e",
                    CheckKind::Expression {
                        predicate: "code".into(),
                    },
                ),
                check_at(
                    16,
                    "f",
                    CheckKind::References {
                        column: "code".into(),
                        to_table: "kids".into(),
                        to_column: "id".into(),
                    },
                ),
                check_at(
                    17,
                    "g",
                    CheckKind::NotNull {
                        columns: cols(&["Code"]),
                    },
                ),
            ],
        ),
        table_at(
            20,
            "shop.items",
            None,
            vec![check_at(
                21,
                "h",
                CheckKind::NotNull {
                    columns: cols(&["sku"]),
                },
            )],
        ),
        table_at(
            22,
            "items",
            None,
            vec![check_at(
                23,
                "i",
                CheckKind::NotNull {
                    columns: cols(&["sku"]),
                },
            )],
        ),
    ];
    let Err(AuditError::Invalid(errors)) = run(&target, &typos, &RulesOptions::default()).await
    else {
        panic!("expected config errors");
    };
    let got: Vec<(u32, &str, Option<&str>)> = errors
        .iter()
        .map(|e| {
            (
                e.location.as_ref().map_or(0, |l| l.line),
                e.message.as_str(),
                e.help.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (
                22,
                "table `items` does not exist in the database",
                Some("did you mean `shop.Items`?")
            ),
            (
                11,
                "`freshness` needs a date or timestamp column (or seconds since the epoch), but `parents.flag` is boolean",
                None
            ),
            (
                12,
                "the `pattern` of this check does not run on `parents`: invalid regular expression: parentheses () not balanced",
                None
            ),
            (
                13,
                // Typed before any SQL runs (issue 10, item 4), not left to the database.
                "`min` `abc` is not a timestamp: column `parents.at` is timestamp without time zone",
                Some("write an ISO 8601 timestamp, like 2024-01-31 or 2024-01-31T12:00:00Z")
            ),
            (
                14,
                "this `expression` does not run on `parents`: column parents.amuont does not exist",
                None
            ),
            (
                15,
                "this `expression` does not run on `parents`: argument of NOT must be type boolean, not type text",
                None
            ),
            (
                16,
                "this `references` check does not run on `parents`: operator does not exist: integer = text",
                Some(
                    "No operator matches the given name and argument types. You might need to add explicit type casts."
                )
            ),
        ]
    );
}
