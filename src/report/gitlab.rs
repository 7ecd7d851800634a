//! The GitLab Code Quality report (`artifacts:reports:codequality`): a JSON array of CodeClimate
//! issues as GitLab reads them
//! (<https://docs.gitlab.com/ci/testing/code_quality/#code-quality-report-format>).
//!
//! Each finding becomes one object with `description` (its standalone sentence), `check_name`
//! (the rule id), `fingerprint` (SHA-256 of the rule and the item's id: stable across runs and
//! line moves, unique within the report, since GitLab collapses identical fingerprints),
//! `severity` and `location.path` (repo-relative) with `location.lines.begin`. Problems of the
//! run as a whole point at the project's `sqltest.yaml`, line 1, because GitLab needs a path.

use super::context::RenderContext;
use super::findings::{Finding, Level, RuleId, findings};
use crate::results::RunResults;
use serde::Serialize;

/// Longest `description`: the MR widget shows one line per issue.
const MAX_DESCRIPTION_CHARS: usize = 1000;

#[derive(Serialize)]
struct Issue {
    /// CodeClimate requires it; GitLab ignores it.
    #[serde(rename = "type")]
    ty: &'static str,
    description: String,
    check_name: String,
    fingerprint: String,
    severity: &'static str,
    location: IssueLocation,
}

#[derive(Serialize)]
struct IssueLocation {
    path: String,
    lines: Lines,
}

#[derive(Serialize)]
struct Lines {
    begin: u32,
}

/// The run as a GitLab Code Quality JSON array, pretty-printed, ending in a newline (no BOM).
pub fn render_gitlab(r: &RunResults, ctx: &RenderContext) -> String {
    let issues: Vec<Issue> = findings(r)
        .iter()
        .map(|f| {
            let (path, line) = match &f.location {
                Some(l) => (ctx.repo_path(&l.path), l.line),
                None => (ctx.repo_path(&r.project.config), 1),
            };
            Issue {
                ty: "issue",
                description: super::text::one_line(&f.message, MAX_DESCRIPTION_CHARS),
                check_name: f.rule.id(),
                fingerprint: f.sha256(),
                severity: severity(f),
                location: IssueLocation {
                    path,
                    lines: Lines { begin: line },
                },
            }
        })
        .collect();
    // A vector of plain structs always serialises.
    let mut out =
        serde_json::to_string_pretty(&issues).expect("the Code Quality model always serialises");
    out.push('\n');
    out
}

/// GitLab's scale is info < minor < major < critical < blocker. A broken migration blocks every
/// deployment, so it is a blocker; failed tests and error-severity rules are critical.
fn severity(f: &Finding) -> &'static str {
    match (f.rule, f.level) {
        (RuleId::MigrationFailed | RuleId::SeedFailed, _) => "blocker",
        (RuleId::Infrastructure | RuleId::Interrupted, _) => "major",
        (RuleId::TestFailed | RuleId::Check(_) | RuleId::Change(_), Level::Error) => "critical",
        (RuleId::TestFailed | RuleId::Check(_) | RuleId::Change(_), Level::Warning) => "major",
        (RuleId::TestFailed | RuleId::Check(_) | RuleId::Change(_), Level::Note) => "info",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixture::sample_run;
    use crate::report::test_support::mask;
    use camino::Utf8PathBuf;
    use serde_json::Value;

    fn render(r: &RunResults, ctx: &RenderContext) -> Vec<Value> {
        let text = render_gitlab(r, ctx);
        assert!(!text.starts_with('\u{feff}'), "no BOM");
        serde_json::from_str::<Value>(&text)
            .unwrap()
            .as_array()
            .unwrap()
            .clone()
    }

    #[test]
    fn each_finding_is_an_issue_with_the_fields_gitlab_reads() {
        let issues = render(&sample_run(), &RenderContext::default());
        assert_eq!(issues.len(), 7);
        for issue in &issues {
            for key in ["description", "check_name", "fingerprint", "severity"] {
                assert!(!issue[key].as_str().unwrap().is_empty(), "{key} in {issue}");
            }
            assert!(
                ["info", "minor", "major", "critical", "blocker"]
                    .contains(&issue["severity"].as_str().unwrap())
            );
            assert!(issue["location"]["lines"]["begin"].as_u64().unwrap() >= 1);
            assert!(!issue["description"].as_str().unwrap().contains('\n'));
        }
        assert_eq!(issues[0]["check_name"], "migration/failed");
        assert_eq!(issues[0]["severity"], "blocker");
        assert_eq!(
            issues[0]["location"]["path"],
            "db/migrations/002_rename.sql"
        );
        assert_eq!(issues[0]["location"]["lines"]["begin"], 4);
        assert_eq!(issues[1]["severity"], "critical");
        let warning = issues
            .iter()
            .find(|i| i["check_name"] == "check/sql")
            .unwrap();
        assert_eq!(warning["severity"], "major");
        // The run's infrastructure error points at the project file.
        let last = issues.last().unwrap();
        assert_eq!(last["check_name"], "run/infrastructure");
        assert_eq!(last["location"]["path"], "sqltest.yaml");
        assert_eq!(last["location"]["lines"]["begin"], 1);
    }

    #[test]
    fn fingerprints_are_unique_and_survive_line_moves() {
        let run = sample_run();
        let mut moved = run.clone();
        moved.checks[1].location.line += 10;
        let prints = |issues: Vec<Value>| -> Vec<String> {
            issues
                .iter()
                .map(|i| i["fingerprint"].as_str().unwrap().to_string())
                .collect()
        };
        let a = prints(render(&run, &RenderContext::default()));
        assert_eq!(a, prints(render(&moved, &RenderContext::default())));
        let mut unique = a.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), a.len());
        assert!(a.iter().all(|p| p.len() == 64));
    }

    #[test]
    fn paths_are_relative_to_the_repository() {
        let ctx = RenderContext {
            prefix: Utf8PathBuf::from("db"),
            ..RenderContext::default()
        };
        let issues = render(&sample_run(), &ctx);
        assert_eq!(issues[1]["location"]["path"], "db/sqltest/orders.yaml");
        assert_eq!(
            issues.last().unwrap()["location"]["path"],
            "db/sqltest.yaml"
        );
    }

    #[test]
    fn a_clean_run_is_an_empty_array() {
        let mut run = sample_run();
        run.migrations.truncate(1);
        run.tests.truncate(1);
        run.checks.truncate(1);
        run.errors.clear();
        assert_eq!(render_gitlab(&run, &RenderContext::default()), "[]\n");
    }

    #[test]
    fn snapshot() {
        insta::assert_snapshot!(mask(&render_gitlab(
            &sample_run(),
            &RenderContext::default()
        )));
    }
}
