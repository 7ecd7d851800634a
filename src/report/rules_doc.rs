//! The words describing each kind of finding (SARIF `reportingDescriptor`s, HTML tooltips): a
//! name, a one-line and a full description, and help on what to do.

use super::findings::{ChangeRule, CheckRule, Level, RuleId};

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
        RuleId::Change(c) => change_doc(c),
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

fn change_doc(c: ChangeRule) -> RuleDoc {
    if let ChangeRule::Safety(r) = c {
        return safety_doc(r);
    }
    let base_help = "Production already ran the base's migrations: leave applied files as they \
                     are and put every change in a new migration that sorts after them.";
    let (name, short, full, help, level): (_, _, _, &'static str, _) = match c {
        ChangeRule::Edited => (
            "MigrationEdited",
            "A migration the base branch already has was edited.",
            "Databases migrated from the base branch ran the old content and will not run the \
             file again (or the migration tool refuses a changed checksum), so the edit never \
             reaches them and fresh installs and upgraded databases diverge.",
            base_help,
            Level::Error,
        ),
        ChangeRule::WhitespaceEdit => (
            "MigrationWhitespaceEdited",
            "Only whitespace or line endings of an applied migration changed.",
            "The statements are the same, but tools that checksum migration files (sqlx, \
             Flyway) see a different file.",
            "Restore the file's original whitespace and line endings (check `.gitattributes` \
             for `eol` settings) unless your tool ignores whitespace.",
            Level::Note,
        ),
        ChangeRule::Deleted => (
            "MigrationDeleted",
            "A migration the base branch already has was deleted.",
            "Databases that ran it keep its effects; fresh installs no longer get them.",
            "Restore the file, or, when the history was squashed into a baseline, declare \
             `baseline: <version>` in sqltest.yaml.",
            Level::Error,
        ),
        ChangeRule::Renamed => (
            "MigrationRenamed",
            "A migration the base branch already has was renamed.",
            "Tools that track applied migrations by name or version will run the renamed file \
             again on databases that already ran it.",
            "Keep the original file name.",
            Level::Warning,
        ),
        ChangeRule::OutOfOrder => (
            "MigrationOutOfOrder",
            "A new migration sorts before one the base branch already applied.",
            "Databases migrated from the base branch are past this version: most tools skip \
             it or refuse to run it, and fresh installs apply it in another order.",
            "Rename the new migration so its version sorts after the newest one at the base.",
            Level::Warning,
        ),
        ChangeRule::DuplicateVersion => (
            "MigrationVersionReused",
            "A new migration reuses the version of one the base branch already applied.",
            "Databases that ran the base's migration of that version skip the new file.",
            "Give the new migration a version of its own, after the newest one at the base.",
            Level::Error,
        ),
        ChangeRule::SchemaDrift => (
            "SchemaDrift",
            "A fresh install and an upgraded database end with different schemas.",
            "Applying all migrations from scratch and upgrading the base's database with the \
             new migrations give different schemas.",
            "Make the new migration produce the same schema on both paths.",
            Level::Error,
        ),
        ChangeRule::Irreversible => (
            "MigrationIrreversible",
            "A down migration does not restore the schema the up migration started from.",
            "After up then down, the schema differs from the schema before up.",
            "Make the down migration undo every object the up migration creates or changes.",
            Level::Error,
        ),
        ChangeRule::DownFailed => (
            "DownMigrationFailed",
            "A down migration fails to apply after its up migration.",
            "Rolling the migration back would fail in production too.",
            "Fix the down migration at the reported line.",
            Level::Error,
        ),
        ChangeRule::Safety(_) => unreachable!("handled above"),
        ChangeRule::Other => (
            "MigrationFinding",
            "A finding about the change's migrations.",
            "A finding written by another version of sqltest.",
            "See the finding's message.",
            Level::Warning,
        ),
    };
    RuleDoc {
        name,
        short,
        full,
        help,
        example: None,
        default_level: level,
        tags: &["migration", "history"],
    }
}

/// A safety rule's help: what it reports, the safe pattern and where the README explains it.
fn safety_doc(r: crate::safety::SafetyRule) -> RuleDoc {
    let level = Level::of_severity(r.default_severity());
    let how = match r.basis() {
        crate::safety::Basis::Measured => {
            "Measured while the change's migration ran on the fixture database (the locks the \
             session held, relfilenodes, the transaction's scan counters): production, with \
             more rows, holds the lock longer."
        }
        crate::safety::Basis::Static => "Read from the statement's text.",
    };
    // RuleDoc holds 'static text; these two are composed once per rule and report, a few
    // hundred bytes each, so leaking them is cheaper than making every RuleDoc own its text.
    let full: &'static str = Box::leak(format!("{}. {how}", r.summary()).into_boxed_str());
    let help: &'static str = Box::leak(
        format!(
            "{} Allow it with `-- sqltest:allow {} <reason>` on the line before the statement. \
             See https://github.com/sqltest/sqltest#migration-safety",
            r.safe_pattern(),
            r.id()
        )
        .into_boxed_str(),
    );
    RuleDoc {
        name: r.name(),
        short: r.summary(),
        full,
        help,
        example: None,
        default_level: level,
        tags: &["migration", "safety"],
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
