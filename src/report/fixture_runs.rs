//! Every format on the results of real runs of the demo and broken fixture projects
//! (`fixtures/`), saved in `testdata/` with `sqltest run … --report json=PATH` (project root
//! rewritten to `/home/ci/sqltest/fixtures/…`): snapshots with durations masked, and each output
//! checked against its schema (JUnit XSD, SARIF schema) or shape.
//!
//! Regenerate after a change of the result model: run the fixture again with `--report json=…`,
//! rewrite the root, and review the snapshots with `cargo insta review`.

use super::context::RenderContext;
use super::json::parse_json;
use super::target::ReportFormat;
use super::test_support::{mask, shared_schema, validate_json};
use crate::results::{RunResults, Status};
use std::process::Command;

/// Name and saved results of each fixture run.
const RUNS: [(&str, &str); 6] = [
    ("shop-sqlite", include_str!("testdata/shop-sqlite.json")),
    ("shop-postgres", include_str!("testdata/shop-postgres.json")),
    (
        "broken-failing-test",
        include_str!("testdata/broken-failing-test.json"),
    ),
    (
        "broken-migration",
        include_str!("testdata/broken-migration.json"),
    ),
    (
        "broken-migration-sqlite",
        include_str!("testdata/broken-migration-sqlite.json"),
    ),
    (
        "broken-sql-in-test",
        include_str!("testdata/broken-sql-in-test.json"),
    ),
];

fn runs() -> Vec<(&'static str, RunResults)> {
    RUNS.iter()
        .map(|(name, text)| {
            let r = parse_json(text).unwrap_or_else(|e| panic!("testdata/{name}.json: {e}"));
            (*name, r)
        })
        .collect()
}

fn validate_junit(xml: &str) -> Result<(), String> {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("report.xml");
    std::fs::write(&file, xml).unwrap();
    let out = Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(shared_schema("junit-10.xsd"))
        .arg(&file)
        .output()
        .expect(
            "xmllint must be installed to validate JUnit output (apt-get install -y libxml2-utils)",
        );
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

#[test]
fn junit_of_every_fixture_run_validates_against_the_xsd() {
    for (name, r) in runs() {
        let xml = ReportFormat::Junit.render(&r, &RenderContext::default());
        if let Err(e) = validate_junit(&xml) {
            panic!("{name}: xmllint rejected the JUnit report:\n{e}\n{xml}");
        }
    }
}

#[test]
fn sarif_of_every_fixture_run_validates_against_the_schema() {
    for (name, r) in runs() {
        let sarif = ReportFormat::Sarif.render(&r, &RenderContext::default());
        if let Err(e) = validate_json(&shared_schema("sarif-schema-2.1.0.json"), &sarif) {
            panic!("{name}: the SARIF schema rejects the log:\n{e}");
        }
    }
}

#[test]
fn broken_fixtures_report_their_one_problem_where_expected_md_says() {
    let runs = runs();
    let get = |n: &str| &runs.iter().find(|(name, _)| *name == n).unwrap().1;
    let ctx = RenderContext::default();

    // broken-migration: 2nd of 3 migrations fails at …_add_indexes.sql:7:44, SQLSTATE 42703.
    let github = ReportFormat::Github.render(get("broken-migration"), &ctx);
    assert_eq!(github.lines().count(), 1, "{github}");
    assert!(
        github.starts_with(
            "::error file=db/migrations/20240102000000_add_indexes.sql,line=7,endLine=7,col=44,"
        ),
        "{github}"
    );
    let gitlab: serde_json::Value =
        serde_json::from_str(&ReportFormat::Gitlab.render(get("broken-migration-sqlite"), &ctx))
            .unwrap();
    assert_eq!(gitlab.as_array().unwrap().len(), 1);
    assert_eq!(
        gitlab[0]["location"]["path"],
        "db/migrations/V2__add_indexes.sql"
    );
    assert_eq!(gitlab[0]["location"]["lines"]["begin"], 7);

    // broken-sql-in-test: the SQL error maps to sqltest/items.yaml:10:11.
    let sarif: serde_json::Value =
        serde_json::from_str(&ReportFormat::Sarif.render(get("broken-sql-in-test"), &ctx)).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 1);
    let region = &results[0]["locations"][0]["physicalLocation"]["region"];
    assert_eq!(
        (region["startLine"].as_u64(), region["startColumn"].as_u64()),
        (Some(10), Some(11))
    );

    // broken-failing-test: one failure with a diff, one pass.
    let md = ReportFormat::Markdown.render(get("broken-failing-test"), &ctx);
    assert!(
        md.starts_with("## ❌ sqltest: 1 failed · 2 passed\n"),
        "{md}"
    );
    assert!(md.contains("```diff\n"), "{md}");

    // The demo projects pass: nothing to report anywhere.
    for demo in ["shop-sqlite", "shop-postgres"] {
        let r = get(demo);
        assert!(r.tests.iter().all(|t| t.status != Status::Failed));
        assert_eq!(ReportFormat::Github.render(r, &ctx), "");
        assert_eq!(ReportFormat::Gitlab.render(r, &ctx), "[]\n");
        let md = ReportFormat::Markdown.render(r, &ctx);
        assert!(md.starts_with("## ✅ sqltest: "), "{md}");
    }
}

#[test]
fn snapshots_of_every_format_for_every_fixture_run() {
    for (name, r) in runs() {
        for format in ReportFormat::ALL {
            let text = format.render(&r, &RenderContext::default());
            insta::assert_snapshot!(format!("{name}.{format}"), mask(&text));
        }
    }
}
