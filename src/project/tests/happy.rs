//! The happy path: a realistic project on disk loads into the expected model.

use super::TempProject;
use crate::project::model::{BackendKind, Engine, Expect, Isolation, Rule};
use serde_json::json;
use std::time::Duration;

const CONFIG: &str = "\
engine: postgres            # postgres | mysql | mariadb | sqlite
version: \"16\"
image: postgres:16-alpine
backend: auto
migrations: db/migrations
seeds: [db/seeds/*.sql]
specs: [\"sqltest/**/*.yaml\"]
jobs: 4
timeout: 30s
";

const ORDERS: &str = "\
fixtures:                       # rows inserted before every test of this file
  customers:
    - {id: 1, name: Ann, email: ann@example.com}

tests:
  - name: order total adds tax
    given:
      orders:
        - {id: 10, customer_id: 1, amount: 100.00}
    setup: \"select set_config('app.tax_rate', '0.08', true)\"
    sql: select order_total(10) as total
    expect:
      rows:
        - {total: 108.00}
  - name: negative amounts are rejected
    sql: insert into orders (id, customer_id, amount) values (11, 1, -5)
    expect:
      error: check_violation
      message: orders_amount
  - name: newest orders first
    given: {orders: [{id: 1, customer_id: 1, amount: 5}, {id: 2, customer_id: 1, amount: 7}]}
    sql: select id from recent_orders
    expect: {ordered: true, rows: [{id: 2}, {id: 1}]}
  - name: empty month gives empty report
    sql: select * from monthly_report
    expect: {empty: true}
    tags: [reports]
    skip: \"waiting for #123\"
    isolation: database

rules:
  - table: orders
    where: \"status <> 'cancelled'\"
    checks:
      - not_null: [customer_id, amount]
      - unique: [id]
      - {not_null: [note], severity: warning, max_violations: 10}
  - name: every paid order has a payment
    severity: warning
    sql: |
      select o.id from orders o left join payments p on p.order_id = o.id
      where o.status = 'paid' and p.id is null
    max_violations: 0
";

#[test]
fn realistic_project_loads() {
    let p = TempProject::new(&[
        ("sqltest.yaml", CONFIG),
        (
            "db/migrations/20240101_init.sql",
            "create table t (id int);",
        ),
        ("db/seeds/10_orders.sql", ""),
        ("db/seeds/9_customers.sql", ""),
        ("sqltest/orders.yaml", ORDERS),
        (
            "sqltest/reports/monthly.yaml",
            "tests:\n  - {name: one, sql: select 1, expect: {count: 1}}\n",
        ),
        ("sqltest/2.yaml", ""),
    ]);
    let project = p.load().unwrap_or_else(|e| panic!("{}", e.render(false)));
    assert_eq!(project.root, p.root);
    assert_eq!(project.config_path, "sqltest.yaml");
    assert_eq!(project.engine, Engine::Postgres);
    assert_eq!(project.version.as_deref(), Some("16"));
    assert_eq!(project.image.as_deref(), Some("postgres:16-alpine"));
    assert_eq!(project.backend, Some(BackendKind::Auto));
    assert_eq!(
        project.migrations.as_deref().map(|m| m.as_str()),
        Some("db/migrations")
    );
    assert_eq!(
        project.seeds,
        ["db/seeds/9_customers.sql", "db/seeds/10_orders.sql"]
    );
    assert_eq!(project.jobs, Some(4));
    assert_eq!(project.timeout, Some(Duration::from_secs(30)));
    let paths: Vec<&str> = project.specs.iter().map(|s| s.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "sqltest/2.yaml",
            "sqltest/orders.yaml",
            "sqltest/reports/monthly.yaml"
        ]
    );

    let orders = &project.specs[1];
    assert_eq!(orders.fixtures[0].table, "customers");
    assert_eq!(
        orders.fixtures[0].rows[0]["email"],
        json!("ann@example.com")
    );
    let ids: Vec<&str> = orders.tests.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "sqltest/orders.yaml::order total adds tax",
            "sqltest/orders.yaml::negative amounts are rejected",
            "sqltest/orders.yaml::newest orders first",
            "sqltest/orders.yaml::empty month gives empty report",
        ]
    );
    let tax = &orders.tests[0];
    assert_eq!(tax.given[0].rows[0]["amount"], json!(100.0));
    assert_eq!(
        tax.setup
            .as_ref()
            .map(|s| (s.location.line, s.location.column)),
        Some((10, 13))
    );
    assert_eq!((tax.sql.location.line, tax.sql.location.column), (11, 10));
    assert_eq!(
        tax.expect,
        Expect::Rows {
            rows: vec![[("total".to_owned(), json!(108.0))].into_iter().collect()],
            ordered: false,
            exact_columns: false
        }
    );
    let Expect::Error(e) = &orders.tests[1].expect else {
        panic!("error expectation")
    };
    assert_eq!(
        (e.written.as_str(), e.sqlstate.as_str()),
        ("check_violation", "23514")
    );
    assert_eq!(
        e.message.as_ref().map(|r| r.as_str()),
        Some("orders_amount")
    );
    assert!(matches!(
        &orders.tests[2].expect,
        Expect::Rows { ordered: true, .. }
    ));
    let report = &orders.tests[3];
    assert_eq!(
        (report.expect.clone(), report.isolation),
        (Expect::Empty, Isolation::Database)
    );
    assert_eq!(report.tags, ["reports"]);

    assert_eq!(orders.rules.len(), 2);
    let Rule::Table { checks, .. } = &orders.rules[0] else {
        panic!("table entry")
    };
    assert_eq!(checks.len(), 4);
    let Rule::Sql(paid) = &orders.rules[1] else {
        panic!("sql rule")
    };
    assert_eq!(
        paid.id,
        "sqltest/orders.yaml::every paid order has a payment"
    );
    assert_eq!((paid.sql.location.line, paid.sql.location.column), (41, 7));
    assert!(
        paid.sql
            .sql
            .starts_with("select o.id from orders o left join payments")
    );

    let monthly = &project.specs[2];
    assert_eq!(monthly.tests[0].expect, Expect::Count(1));
    assert!(project.specs[0].tests.is_empty());
}
