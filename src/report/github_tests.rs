//! Tests of the GitHub workflow commands and the job summary.

use super::*;
use crate::report::fixture::sample_run;
use crate::report::test_support::mask;
use std::collections::HashMap;

fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |k| map.get(k).cloned()
}

/// Undoes the escaping the way the runner does (actions/runner `ActionCommand.Unescape`).
fn unescape(s: &str) -> String {
    s.replace("%0D", "\r")
        .replace("%0A", "\n")
        .replace("%3A", ":")
        .replace("%2C", ",")
        .replace("%25", "%")
}

/// Splits `::name k=v,k=v::data` as the runner does.
fn parse(line: &str) -> (String, HashMap<String, String>, String) {
    let rest = line.strip_prefix("::").unwrap();
    let (head, data) = rest.split_once("::").unwrap();
    let (name, props) = head.split_once(' ').unwrap_or((head, ""));
    let props = props
        .split(',')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap();
            (k.to_string(), unescape(v))
        })
        .collect();
    (name.to_string(), props, unescape(data))
}

#[test]
fn each_finding_is_one_command_line_with_its_location() {
    let out = render_github(&sample_run(), &RenderContext::default());
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 7, "{out}");
    assert!(lines.iter().all(|l| l.starts_with("::")));
    let (name, props, data) = parse(lines[0]);
    assert_eq!(name, "error");
    assert_eq!(props["file"], "db/migrations/002_rename.sql");
    assert_eq!(props["line"], "4");
    assert_eq!(props["endLine"], "4");
    assert_eq!(props["col"], "8");
    assert_eq!(props["endColumn"], "9");
    assert!(props["title"].starts_with("migration db/migrations/002_rename.sql failed"));
    assert!(data.starts_with("The migration db/migrations/002_rename.sql failed: "));
    let (name, _, data) = parse(lines[1]);
    assert_eq!(name, "error");
    assert!(data.contains("\n-108.00\n+100.00"), "{data}");
    let (name, props, _) = parse(lines[5]);
    assert_eq!(name, "warning", "a warning check is a warning annotation");
    assert_eq!(props["file"], "sqltest/customers.yaml");
    // The run's infrastructure error has no file.
    let (name, props, _) = parse(lines[6]);
    assert_eq!(name, "error");
    assert!(!props.contains_key("file"));
}

#[test]
fn data_and_properties_are_escaped_as_the_toolkit_does() {
    assert_eq!(escape_data("100% done\r\nnext"), "100%25 done%0D%0Anext");
    assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
    let mut run = sample_run();
    run.tests[1].name = "x, y: 50%\n::error::injected".into();
    let out = render_github(&run, &RenderContext::default());
    // One command per line, whatever the name holds, and it survives the round trip.
    assert_eq!(out.lines().count(), 7);
    let line = out.lines().nth(1).unwrap();
    assert!(!line[2..].contains("\n"));
    let (_, props, data) = parse(line);
    assert!(
        props["title"].starts_with("x, y: 50% ::error::injected: 1 of 1"),
        "{}",
        props["title"]
    );
    assert!(
        data.starts_with("Test \"x, y: 50% ::error::injected\" failed"),
        "{data}"
    );
}

#[test]
fn paths_are_relative_to_the_repository() {
    let ctx = RenderContext {
        prefix: "db".into(),
        ..RenderContext::default()
    };
    let out = render_github(&sample_run(), &ctx);
    let (_, props, _) = parse(out.lines().next().unwrap());
    assert_eq!(props["file"], "db/db/migrations/002_rename.sql");
}

#[test]
fn past_githubs_display_limits_one_notice_counts_the_rest() {
    let mut run = sample_run();
    let error_check = run.checks[1].clone();
    let warn_check = run.checks[3].clone();
    let mut info_check = run.checks[3].clone();
    info_check.severity = crate::project::Severity::Info;
    run.checks.clear();
    for (i, template) in [(0, &error_check), (1, &warn_check), (2, &info_check)] {
        for n in 0..15 {
            let mut c = template.clone();
            c.id = format!("sqltest/x.yaml::c{i}-{n}");
            run.checks.push(c);
        }
    }
    let out = render_github(&run, &RenderContext::default());
    let names: Vec<String> = out.lines().map(|l| parse(l).0).collect();
    let count = |n: &str| names.iter().filter(|x| *x == n).count();
    assert_eq!(count("error"), MAX_PER_LEVEL);
    assert_eq!(count("warning"), MAX_PER_LEVEL);
    // 9 info findings plus the closing notice.
    assert_eq!(count("notice"), MAX_PER_LEVEL);
    // 5 fixture findings (its checks were replaced) + 45 checks; 29 shown.
    let (_, props, data) = parse(out.lines().last().unwrap());
    assert_eq!(props["title"], "sqltest");
    assert!(
        data.starts_with("21 more findings not shown as annotations"),
        "{data}"
    );
}

#[test]
fn long_messages_are_cut_below_four_kilobytes() {
    let mut run = sample_run();
    run.tests[1].failure.as_mut().unwrap().details = Some("é\n".repeat(10_000));
    let out = render_github(&run, &RenderContext::default());
    let (_, _, data) = parse(out.lines().nth(1).unwrap());
    assert!(data.len() <= MAX_MESSAGE_BYTES, "{}", data.len());
    assert!(data.contains("more lines not shown"));
}

#[test]
fn outside_github_actions_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("summary.md");
    let summary_path = summary.to_str().unwrap().to_string();
    let env = env_of(&[("GITHUB_STEP_SUMMARY", summary_path.as_str())]);
    let mut out = Vec::new();
    github_actions_outputs(&sample_run(), &env, &mut out).unwrap();
    assert!(out.is_empty());
    assert!(!summary.exists());
}

#[test]
fn in_github_actions_commands_go_to_the_log_and_the_summary_is_appended() {
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("summary.md");
    let summary_path = summary.to_str().unwrap().to_string();
    std::fs::write(&summary, "# earlier step\n").unwrap();
    let env = env_of(&[
        ("GITHUB_ACTIONS", "true"),
        ("GITHUB_STEP_SUMMARY", summary_path.as_str()),
    ]);
    let mut out = Vec::new();
    github_actions_outputs(&sample_run(), &env, &mut out).unwrap();
    let log = String::from_utf8(out).unwrap();
    assert!(
        log.starts_with("::error file=db/migrations/002_rename.sql,"),
        "{log}"
    );
    let text = std::fs::read_to_string(&summary).unwrap();
    assert!(
        text.starts_with("# earlier step\n\n## ❌ sqltest: "),
        "{text}"
    );
    // A second run appends again rather than replacing.
    github_actions_outputs(&sample_run(), &env, &mut Vec::new()).unwrap();
    let again = std::fs::read_to_string(&summary).unwrap();
    assert_eq!(again.matches("## ❌ sqltest: ").count(), 2);
}

#[test]
fn an_unwritable_summary_is_an_error_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("missing-dir/summary.md");
    let summary_path = summary.to_str().unwrap().to_string();
    let env = env_of(&[
        ("GITHUB_ACTIONS", "true"),
        ("GITHUB_STEP_SUMMARY", summary_path.as_str()),
    ]);
    let err = github_actions_outputs(&sample_run(), &env, &mut Vec::new()).unwrap_err();
    assert!(
        err.to_string().starts_with(&format!(
            "append the job summary to {}: ",
            summary.display()
        )),
        "{err}"
    );
}

#[test]
fn snapshot() {
    insta::assert_snapshot!(mask(&render_github(
        &sample_run(),
        &RenderContext::default()
    )));
}
