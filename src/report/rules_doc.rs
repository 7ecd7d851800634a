//! The words describing each kind of finding (SARIF `reportingDescriptor`s, HTML tooltips): a
//! name, a one-line and a full description, and help on what to do.

use super::findings::{CheckRule, Level, RuleId};

/// How a rule is described to people.
pub(crate) struct RuleDoc {
    /// PascalCase name (SARIF `name`, at most 255 characters).
    pub name: &'static str,
    /// One line (SARIF `shortDescription`).
    pub short: &'static str,
    /// A paragraph (SARIF `fullDescription`, at most 1024 characters).
    pub full: &'static str,
    /// What to do about it, as plain text; the Markdown help adds the spec snippet.
    pub help: &'static str,
    /// A YAML or shell example shown in the Markdown help, if any.
    pub example: Option<&'static str>,
    /// The level a finding of this rule has unless its severity says otherwise.
    pub default_level: Level,
    /// Extra SARIF tags (the first tag is always `sqltest`).
    pub tags: &'static [&'static str],
}

pub(crate) fn rule_doc(rule: RuleId) -> RuleDoc {
    match rule {
        RuleId::MigrationFailed => RuleDoc {
            name: "MigrationFailed",
            short: "A migration does not apply to a fresh database.",
            full: "sqltest applied the project's migrations in order to a throwaway database and \
                   this one failed. Later migrations, seeds, tests and rules did not run.",
            help: "Fix the statement at the reported line so the migration applies to a database \
                   migrated up to the previous version; run `sqltest run` locally to check.",
            example: None,
            default_level: Level::Error,
            tags: &["migration", "correctness"],
        },
        RuleId::SeedFailed => RuleDoc {
            name: "SeedFailed",
            short: "A seed file does not load into the migrated database.",
            full: "Seeds are the fixture data loaded after the migrations. This seed failed, so \
                   the tests did not run; usually the seed no longer matches the schema.",
            help: "Update the seed to the current schema (the database error names the column \
                   or constraint), or fix the migration that changed it unintentionally.",
            example: None,
            default_level: Level::Error,
            tags: &["seed", "correctness"],
        },
        RuleId::TestFailed => RuleDoc {
            name: "SqlUnitTestFailed",
            short: "A SQL unit test gives a result other than the one it expects.",
            full: "The test's given rows, setup and SQL ran in a rolled-back transaction on a copy \
                   of the migrated database and the result differs from `expect` (other rows, \
                   another row count, an unexpected error, or no error where one was expected).",
            help: "Read the diff of expected and actual rows in the details. Either the SQL under \
                   test changed behaviour, or the expectation in the spec file is out of date.",
            example: Some(
                "tests:\n  - name: order total adds tax\n    sql: select order_total(10) as total\n    expect:\n      rows: [{total: 108.00}]",
            ),
            default_level: Level::Error,
            tags: &["test", "correctness"],
        },
        RuleId::Check(c) => check_doc(c),
        RuleId::Infrastructure => RuleDoc {
            name: "InfrastructureError",
            short: "sqltest could not run an item to the end.",
            full: "The database connection was lost, an item ran past the project's timeout, or \
                   the server could not be provisioned. The item's outcome is unknown; this is \
                   not a finding about the SQL itself.",
            help: "Re-run the job. If it repeats, raise `timeout:` in sqltest.yaml or look at the \
                   database server's logs.",
            example: None,
            default_level: Level::Error,
            tags: &["infrastructure"],
        },
        RuleId::Interrupted => RuleDoc {
            name: "RunInterrupted",
            short: "The run was interrupted; results are partial.",
            full: "sqltest received SIGINT or SIGTERM (a cancelled CI job, Ctrl-C) before the run \
                   finished. Items that did not run are missing from the results.",
            help: "Re-run the job to get complete results.",
            example: None,
            default_level: Level::Warning,
            tags: &["infrastructure"],
        },
    }
}

fn check_doc(c: CheckRule) -> RuleDoc {
    let (name, short, full, example) = match c {
        CheckRule::NotNull => (
            "NotNullCheckFailed",
            "Rows have NULL in a column that must always be set.",
            "A `not_null` business rule found rows whose column is NULL.",
            "- table: orders\n  checks:\n    - not_null: [customer_id]",
        ),
        CheckRule::Unique => (
            "UniqueCheckFailed",
            "Rows share a value (or key) that must be unique.",
            "A `unique` business rule found values, or composite keys, held by more than one row.",
            "- table: orders\n  checks:\n    - unique: [id]",
        ),
        CheckRule::AcceptedValues => (
            "AcceptedValuesCheckFailed",
            "A column holds a value outside its accepted list.",
            "An `accepted_values` business rule found values not in the list (NULL never violates it).",
            "- table: orders\n  checks:\n    - accepted_values: {column: status, values: [new, paid]}",
        ),
        CheckRule::Range => (
            "RangeCheckFailed",
            "A column holds a value outside its allowed range.",
            "A `range` business rule found values below `min` or above `max`.",
            "- table: orders\n  checks:\n    - range: {column: amount, min: 0}",
        ),
        CheckRule::Matches => (
            "MatchesCheckFailed",
            "A column holds text that does not match its pattern.",
            "A `matches` business rule found values its regular expression rejects.",
            "- table: customers\n  checks:\n    - matches: {column: email, pattern: '^[^@ ]+@[^@ ]+$'}",
        ),
        CheckRule::References => (
            "ReferencesCheckFailed",
            "Rows point at rows that do not exist.",
            "A `references` business rule found values with no matching row in the referenced table.",
            "- table: orders\n  checks:\n    - references: {column: customer_id, to: customers.id}",
        ),
        CheckRule::Expression => (
            "ExpressionCheckFailed",
            "Rows make a required condition false.",
            "An `expression` business rule found rows for which its SQL condition is false.",
            "- table: orders\n  checks:\n    - expression: \"shipped_at is null or shipped_at >= created_at\"",
        ),
        CheckRule::RowCount => (
            "RowCountCheckFailed",
            "A table has fewer or more rows than allowed.",
            "A `row_count` business rule found the table's row count outside `min`..`max`.",
            "- table: orders\n  checks:\n    - row_count: {min: 1}",
        ),
        CheckRule::Freshness => (
            "FreshnessCheckFailed",
            "A table's newest row is older than allowed.",
            "A `freshness` business rule found the newest timestamp older than `max_age`.",
            "- table: orders\n  checks:\n    - freshness: {column: created_at, max_age: 24h}",
        ),
        CheckRule::Sql => (
            "SqlRuleFailed",
            "A custom SQL rule returned violating rows.",
            "A business rule written as SQL returned more violating rows than it allows.",
            "- name: every paid order has a payment\n  sql: select o.id from orders o left join payments p on p.order_id = o.id where p.id is null",
        ),
        CheckRule::Other => (
            "CheckFailed",
            "A business rule found violating rows.",
            "A business rule of a kind this sqltest version does not describe found violating rows.",
            "- table: orders\n  checks:\n    - not_null: [id]",
        ),
    };
    RuleDoc {
        name,
        short,
        full,
        help: "The details list sample violating rows. Fix the data (or the code writing it), or \
               relax the rule with `max_violations`, `max_violation_rate` or `severity` in the \
               spec file.",
        example: Some(example),
        default_level: Level::Error,
        tags: &["business-rule", "data-quality"],
    }
}
