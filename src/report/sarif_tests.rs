//! Tests of the SARIF renderer: schema validity, GitHub's display rules and limits, fingerprints.

use super::*;
use crate::report::fixture::sample_run;
use crate::report::test_support::{mask, shared_schema, validate_json};
use camino::Utf8PathBuf;
use serde_json::Value;

fn render(r: &RunResults) -> Value {
    serde_json::from_str(&render_sarif(r, &RenderContext::default())).unwrap()
}

#[test]
fn the_log_validates_against_the_sarif_schema() {
    let text = render_sarif(&sample_run(), &RenderContext::default());
    if let Err(messages) = validate_json(&shared_schema("sarif-schema-2.1.0.json"), &text) {
        panic!("the SARIF schema rejects the log:\n{messages}");
    }
    // A run with nothing to report is valid too.
    let mut empty = sample_run();
    empty.migrations.clear();
    empty.tests.clear();
    empty.checks.clear();
    empty.errors.clear();
    let text = render_sarif(&empty, &RenderContext::default());
    validate_json(&shared_schema("sarif-schema-2.1.0.json"), &text).unwrap();
}

#[test]
fn the_schema_check_catches_a_broken_log() {
    // Guards the validator itself: a result without a message must be rejected.
    let mut log = render(&sample_run());
    log["runs"][0]["results"][0]
        .as_object_mut()
        .unwrap()
        .remove("message");
    let err =
        validate_json(&shared_schema("sarif-schema-2.1.0.json"), &log.to_string()).unwrap_err();
    assert!(err.contains("'message' is a required property"), "{err}");
}

#[test]
fn the_driver_describes_every_rule_within_githubs_limits() {
    let log = render(&sample_run());
    assert_eq!(log["version"], "2.1.0");
    assert_eq!(log["runs"].as_array().unwrap().len(), 1);
    let driver = &log["runs"][0]["tool"]["driver"];
    assert_eq!(driver["name"], "sqltest");
    assert_eq!(driver["semanticVersion"], "0.1.0");
    assert_eq!(
        driver["informationUri"],
        "https://github.com/sqltest/sqltest"
    );
    let rules = driver["rules"].as_array().unwrap();
    assert_eq!(rules.len(), RuleId::all().len());
    for rule in rules {
        let id = rule["id"].as_str().unwrap();
        assert!(rule["name"].as_str().unwrap().len() <= 255, "{id}");
        for key in ["shortDescription", "fullDescription"] {
            let text = rule[key]["text"].as_str().unwrap();
            assert!(
                !text.is_empty() && text.chars().count() <= 1024,
                "{id} {key}"
            );
        }
        assert!(!rule["help"]["text"].as_str().unwrap().is_empty(), "{id}");
        assert!(
            !rule["help"]["markdown"].as_str().unwrap().is_empty(),
            "{id}"
        );
        assert!(
            ["error", "warning", "note"]
                .contains(&rule["defaultConfiguration"]["level"].as_str().unwrap())
        );
        let tags = rule["properties"]["tags"].as_array().unwrap();
        assert!(tags.len() <= 10 && tags[0] == "sqltest", "{id}");
        // Real security rules only; these are not, so no alert is marked as security.
        assert!(rule["properties"].get("security-severity").is_none());
    }
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    for expected in [
        "migration/failed",
        "test/failed",
        "check/not_null",
        "check/unique",
        "check/sql",
    ] {
        assert!(ids.contains(&expected), "{expected} missing from {ids:?}");
    }
}

#[test]
fn each_failure_is_a_result_at_its_repo_relative_location() {
    let log = render(&sample_run());
    let run = &log["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let results = run["results"].as_array().unwrap();
    // Failed migration, 2 failed tests, 1 errored test, 2 failed checks; the run-level error is a
    // notification instead (it has no location).
    assert_eq!(results.len(), 6);
    for result in results {
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(
            rules[index]["id"], result["ruleId"],
            "ruleIndex must point at ruleId"
        );
        let location = &result["locations"][0]["physicalLocation"];
        let uri = location["artifactLocation"]["uri"].as_str().unwrap();
        assert!(!uri.starts_with('/') && !uri.contains("://"), "{uri}");
        assert_eq!(location["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        let region = &location["region"];
        for key in ["startLine", "startColumn", "endLine", "endColumn"] {
            assert!(region[key].as_u64().unwrap() >= 1, "{key}");
        }
        let hash = result["partialFingerprints"]["primaryLocationLineHash"]
            .as_str()
            .unwrap();
        assert!(hash.ends_with(":1") && hash.len() == 18, "{hash}");
        let first = result["message"]["text"]
            .as_str()
            .unwrap()
            .lines()
            .next()
            .unwrap();
        assert!(first.ends_with('.'), "first sentence stands alone: {first}");
    }
    let migration = &results[0];
    assert_eq!(migration["ruleId"], "migration/failed");
    assert_eq!(migration["level"], "error");
    let loc = &migration["locations"][0]["physicalLocation"];
    assert_eq!(
        loc["artifactLocation"]["uri"],
        "db/migrations/002_rename.sql"
    );
    assert_eq!(loc["region"]["startLine"], 4);
    assert_eq!(loc["region"]["startColumn"], 8);
    assert_eq!(loc["region"]["endLine"], 4);
    assert_eq!(loc["region"]["endColumn"], 9);
    let warning = results.iter().find(|r| r["ruleId"] == "check/sql").unwrap();
    assert_eq!(warning["level"], "warning");
    let diff = &results[1]["message"]["text"];
    assert!(
        diff.as_str().unwrap().contains("-108.00\n+100.00"),
        "{diff}"
    );

    let invocation = &run["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    let notes = invocation["toolExecutionNotifications"].as_array().unwrap();
    assert_eq!(notes.len(), 1);
    assert!(
        notes[0]["message"]["text"]
            .as_str()
            .unwrap()
            .contains("lost the connection")
    );
    assert_eq!(run["automationDetails"]["id"], "sqltest/postgres/");
}

#[test]
fn fingerprints_survive_line_moves_and_differ_between_items() {
    let run = sample_run();
    let mut moved = run.clone();
    for t in &mut moved.tests {
        t.location.line += 7;
    }
    moved.migrations[1]
        .error
        .as_mut()
        .unwrap()
        .location
        .as_mut()
        .unwrap()
        .line += 3;
    let hashes = |log: &Value| -> Vec<String> {
        log["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                r["partialFingerprints"]["primaryLocationLineHash"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect()
    };
    let before = hashes(&render(&run));
    assert_eq!(before, hashes(&render(&moved)));
    let mut unique = before.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), before.len());
}

#[test]
fn a_project_in_a_subdirectory_gets_repo_paths_and_its_own_category() {
    let ctx = RenderContext {
        repo_root: Some("/home/ci/mono repo".into()),
        prefix: Utf8PathBuf::from("services/db"),
        blob_url: None,
    };
    let log: Value = serde_json::from_str(&render_sarif(&sample_run(), &ctx)).unwrap();
    let run = &log["runs"][0];
    assert_eq!(
        run["results"][1]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "services/db/sqltest/orders.yaml"
    );
    assert_eq!(
        run["originalUriBaseIds"]["%SRCROOT%"]["uri"],
        "file:///home/ci/mono%20repo/"
    );
    assert_eq!(
        run["automationDetails"]["id"],
        "sqltest/postgres/services/db/"
    );
    validate_json(&shared_schema("sarif-schema-2.1.0.json"), &log.to_string()).unwrap();
}

#[test]
fn paths_are_percent_encoded_as_uri_references() {
    assert_eq!(uri_path("sqltest/a b#c%.yaml"), "sqltest/a%20b%23c%25.yaml");
    assert_eq!(uri_path("sqltest/é.yaml"), "sqltest/%C3%A9.yaml");
}

#[test]
fn over_githubs_result_limit_the_most_severe_are_kept_and_the_rest_counted() {
    let mut run = sample_run();
    let template = run.checks[3].clone(); // a failed warning check
    run.checks = (0..MAX_RESULTS + 2)
        .map(|i| {
            let mut c = template.clone();
            c.id = format!("sqltest/w.yaml::w{i}");
            c
        })
        .collect();
    let log = render(&run);
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), MAX_RESULTS);
    // The failed migration and tests (errors) are kept although they come first anyway; the
    // dropped ones are warnings.
    assert_eq!(results[0]["ruleId"], "migration/failed");
    assert!(results.iter().filter(|r| r["level"] == "error").count() >= 4);
    let notes = log["runs"][0]["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .unwrap();
    let last = notes.last().unwrap()["message"]["text"].as_str().unwrap();
    assert!(
        last.starts_with("6 less severe findings were left out"),
        "{last}"
    );
}

#[test]
fn huge_details_are_bounded() {
    let mut run = sample_run();
    let failure = run.tests[1].failure.as_mut().unwrap();
    failure.details = Some("x\n".repeat(50_000));
    let log = render(&run);
    let text = log["runs"][0]["results"][1]["message"]["text"]
        .as_str()
        .unwrap();
    assert!(
        text.chars().count() < MAX_MESSAGE_CHARS + 200,
        "{}",
        text.len()
    );
    assert!(text.contains("more lines not shown"));
}

#[test]
fn snapshot() {
    insta::assert_snapshot!(mask(&render_sarif(
        &sample_run(),
        &RenderContext::default()
    )));
}
