//! The CI integration files outside `action.yml`: the GitLab template and example, the
//! pre-commit hooks, the Jenkins shared-library step and Jenkinsfile, the release workflow.
//! YAML must parse, every `$[[ inputs.x ]]` must be a declared input, the reports the platforms
//! read must be wired, the pre-commit entry must pass the pushed range on, and releases must
//! hold a binary for every runner the action installs on.

use camino::Utf8PathBuf;
use regex::Regex;
use serde_json::Value;
use std::process::Command;

fn read(rel: &str) -> String {
    let path = Utf8PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {path}: {e}"))
}

fn gitlab_template() -> (Value, Value) {
    let docs: Vec<Value> = serde_saphyr::from_multiple(&read("gitlab/sqltest.yml"))
        .expect("gitlab/sqltest.yml is valid YAML");
    assert_eq!(docs.len(), 2, "a spec header, `---`, then the jobs");
    (docs[0].clone(), docs[1].clone())
}

#[test]
fn the_gitlab_template_declares_every_input_it_uses() {
    let (header, _) = gitlab_template();
    let inputs = header["spec"]["inputs"].as_object().expect("spec:inputs");
    let text = read("gitlab/sqltest.yml");
    let body = text.split("\n---\n").nth(1).expect("body");
    let re = Regex::new(r"\$\[\[\s*inputs\.([A-Za-z0-9_-]+)\s*\]\]").expect("regex");
    let used: Vec<String> = re.captures_iter(body).map(|c| c[1].to_owned()).collect();
    assert!(!used.is_empty());
    for name in &used {
        assert!(
            inputs.contains_key(name),
            "`{name}` is used but not declared"
        );
    }
    for (name, spec) in inputs {
        assert!(used.contains(name), "input `{name}` is declared but unused");
        assert!(
            spec.get("description").is_some(),
            "input `{name}` has no description"
        );
    }
    assert_eq!(inputs["comment"]["type"], "boolean");
    assert_eq!(
        inputs["fail-on"]["options"],
        serde_json::json!(["error", "warning", "info"])
    );
}

#[test]
fn the_gitlab_job_wires_dind_reports_and_the_note() {
    let (_, jobs) = gitlab_template();
    let (name, job) = jobs
        .as_object()
        .and_then(|m| m.iter().next())
        .expect("one job");
    assert_eq!(name, "$[[ inputs.job-name ]]");
    let service = &job["services"][0];
    assert!(
        service["name"]
            .as_str()
            .is_some_and(|n| n.ends_with("-dind"))
    );
    assert_eq!(service["command"], serde_json::json!(["--tls=false"]));
    assert_eq!(job["variables"]["DOCKER_HOST"], "tcp://docker:2375");
    assert_eq!(job["variables"]["DOCKER_TLS_CERTDIR"], "");
    assert_eq!(job["variables"]["GIT_DEPTH"], "0");
    let reports = &job["artifacts"]["reports"];
    assert!(
        reports["junit"]
            .as_str()
            .is_some_and(|p| p.ends_with("reports/junit.xml"))
    );
    assert!(
        reports["codequality"]
            .as_str()
            .is_some_and(|p| p.ends_with("reports/codequality.json"))
    );
    assert_eq!(
        job["artifacts"]["when"], "always",
        "reports upload even when checks fail"
    );
    let script = job["script"][0].as_str().expect("script");
    for needed in [
        "--report junit=reports/junit.xml",
        "--report gitlab=reports/codequality.json",
        "--publish",
        "CI_MERGE_REQUEST_IID",
    ] {
        assert!(script.contains(needed), "script lacks {needed}");
    }
    assert!(
        !script.contains("$[["),
        "inputs reach the script through variables only"
    );
}

#[test]
fn the_gitlab_script_builds_the_arguments_it_should() {
    let (_, jobs) = gitlab_template();
    let job = jobs
        .as_object()
        .and_then(|m| m.values().next())
        .expect("job")
        .clone();
    let script = job["script"][0].as_str().expect("script").to_owned();
    let tmp = tempfile::tempdir().expect("tempdir");
    let bin = tmp.path().join("bin");
    std::fs::create_dir_all(&bin).expect("mkdir");
    std::fs::create_dir_all(tmp.path().join("db")).expect("mkdir");
    let log = tmp.path().join("log");
    std::fs::write(
        bin.join("sqltest"),
        format!(
            "#!/bin/sh\nfor a in \"$@\"; do echo \"$a\"; done > '{}'\n",
            log.display()
        ),
    )
    .expect("write");
    Command::new("chmod")
        .arg("+x")
        .arg(bin.join("sqltest"))
        .status()
        .expect("chmod");
    let out = Command::new("sh")
        .args(["-c", &script])
        .current_dir(tmp.path())
        .env("PATH", format!("{}:/usr/bin:/bin", bin.display()))
        .env("SQLTEST_DIR", "db")
        .env("SQLTEST_ARGS", "--tag slow $(touch PWNED)")
        .env("SQLTEST_ENGINE_IMAGE", "postgres:16-alpine")
        .env("SQLTEST_COMMENT", "true")
        .env("SQLTEST_FAIL_ON", "warning")
        .env("CI_MERGE_REQUEST_IID", "5")
        .output()
        .expect("sh runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let args = std::fs::read_to_string(&log).expect("log");
    let args: Vec<&str> = args.lines().collect();
    assert!(
        args.windows(2)
            .any(|w| w == ["--image", "postgres:16-alpine"]),
        "{args:?}"
    );
    assert!(
        args.windows(2).any(|w| w == ["--fail-on", "warning"]),
        "{args:?}"
    );
    assert!(args.contains(&"--publish"));
    assert!(
        args.ends_with(&["--tag", "slow", "$(touch", "PWNED)"]),
        "{args:?}"
    );
    assert!(!tmp.path().join("db/PWNED").exists());
}

#[test]
fn the_gitlab_example_uses_declared_inputs_only() {
    let (header, _) = gitlab_template();
    let declared = header["spec"]["inputs"]
        .as_object()
        .expect("inputs")
        .clone();
    let example: Value =
        serde_saphyr::from_str(&read("gitlab/example.gitlab-ci.yml")).expect("valid YAML");
    let includes = example["include"].as_array().expect("include list");
    assert!(!includes.is_empty());
    for inc in includes {
        assert_eq!(inc["file"], "gitlab/sqltest.yml");
        for (name, _) in inc["inputs"].as_object().expect("inputs") {
            assert!(
                declared.contains_key(name),
                "example passes unknown input `{name}`"
            );
        }
    }
    let shards = &example["sqltest-shards"];
    assert_eq!(shards["parallel"], 4);
    assert!(
        shards["script"][0]
            .as_str()
            .is_some_and(|s| s.contains("--shard \"$CI_NODE_INDEX/$CI_NODE_TOTAL\""))
    );
}

#[test]
fn the_pre_commit_hooks_run_at_pre_push_with_the_pushed_range() {
    let hooks: Vec<Value> =
        serde_saphyr::from_str(&read(".pre-commit-hooks.yaml")).expect("valid YAML");
    assert!(hooks.iter().any(|h| h["id"] == "sqltest"));
    for h in &hooks {
        assert_eq!(h["stages"], serde_json::json!(["pre-push"]));
        assert_eq!(h["pass_filenames"], false);
        assert_eq!(
            h["minimum_pre_commit_version"], "3.2.0",
            "the pre-push stage name needs 3.2.0"
        );
        Regex::new(h["files"].as_str().expect("files")).expect("files is a regex");
    }
    // Run the entry the way pre-commit does (shlex-split, no shell), with a fake sqltest.
    let entry = hooks[0]["entry"].as_str().expect("entry");
    let (program, script) = entry.split_once(" -c ").expect("sh -c '…'");
    let script = script
        .trim()
        .trim_start_matches('\'')
        .trim_end_matches('\'');
    let tmp = tempfile::tempdir().expect("tempdir");
    let log = tmp.path().join("log");
    std::fs::write(
        tmp.path().join("sqltest"),
        format!("#!/bin/sh\necho \"$*\" > '{}'\n", log.display()),
    )
    .expect("write");
    Command::new("chmod")
        .arg("+x")
        .arg(tmp.path().join("sqltest"))
        .status()
        .expect("chmod");
    let run = |from: Option<&str>| {
        let mut cmd = Command::new(program);
        cmd.args(["-c", script])
            .env("PATH", format!("{}:/usr/bin:/bin", tmp.path().display()));
        cmd.env_remove("PRE_COMMIT_FROM_REF");
        if let Some(f) = from {
            cmd.env("PRE_COMMIT_FROM_REF", f);
        }
        assert!(cmd.status().expect("runs").success());
        std::fs::read_to_string(&log)
            .expect("log")
            .trim()
            .to_owned()
    };
    assert_eq!(
        run(Some("abc123")),
        "run --reuse --changed-since abc123 --base abc123"
    );
    assert_eq!(
        run(None),
        "run --reuse",
        "a new remote branch checks everything"
    );
}

/// Braces, brackets and parentheses balance outside strings and comments: a cheap guard
/// against a broken edit where no Groovy parser is available.
fn balanced(src: &str) -> Result<(), String> {
    let mut stack = Vec::new();
    let mut chars = src.chars().peekable();
    let mut line = 1;
    while let Some(c) = chars.next() {
        match c {
            '\n' => line += 1,
            '/' if chars.peek() == Some(&'/') => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        line += 1;
                        break;
                    }
                }
            }
            '\'' | '"' => {
                let mut escaped = false;
                for d in chars.by_ref() {
                    if d == '\n' {
                        line += 1;
                    }
                    if escaped {
                        escaped = false;
                    } else if d == '\\' {
                        escaped = true;
                    } else if d == c {
                        break;
                    }
                }
            }
            '{' | '[' | '(' => stack.push((c, line)),
            '}' | ']' | ')' => {
                let want = match c {
                    '}' => '{',
                    ']' => '[',
                    _ => '(',
                };
                match stack.pop() {
                    Some((open, _)) if open == want => {}
                    other => return Err(format!("line {line}: `{c}` closes {other:?}")),
                }
            }
            _ => {}
        }
    }
    match stack.pop() {
        None => Ok(()),
        Some((open, l)) => Err(format!("`{open}` opened on line {l} is never closed")),
    }
}

#[test]
fn the_jenkins_files_are_well_formed_and_publish_junit_and_sarif() {
    let step = read("jenkins/vars/sqltest.groovy");
    balanced(&step).expect("vars/sqltest.groovy");
    assert!(step.contains("def call(Map cfg = [:])"));
    assert!(step.contains("junit testResults:"));
    assert!(step.contains("recordIssues") && step.contains("sarif(pattern:"));
    let help = read("jenkins/vars/sqltest.txt");
    assert!(help.contains("failOn") && help.contains("<code>dir</code>"));
    let example = read("jenkins/Jenkinsfile.example");
    balanced(&example).expect("Jenkinsfile.example");
    assert!(example.contains("junit testResults:") && example.contains("sarif(pattern:"));
    assert!(
        balanced("a { b ( } )").is_err(),
        "the check catches a broken nesting"
    );
}

#[test]
fn the_ci_guide_yaml_examples_parse_and_use_real_action_inputs() {
    let action: Value = serde_saphyr::from_str(&read("action.yml")).expect("action.yml");
    let inputs = action["inputs"].as_object().expect("inputs").clone();
    let mut blocks = 0;
    let mut workflows = Vec::new();
    for file in ["README.md", "docs/ci.md"] {
        for block in read(file).split("```yaml\n").skip(1) {
            let yaml = block.split("```").next().expect("closed block").to_owned();
            workflows.push((file, yaml));
        }
    }
    for (file, yaml) in &workflows {
        let doc: Value = serde_saphyr::from_str(yaml)
            .unwrap_or_else(|e| panic!("{file} block {blocks}: {e}\n{yaml}"));
        blocks += 1;
        // Every `uses: sqltest/sqltest@…` step passes only inputs action.yml declares.
        for job in doc["jobs"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(_, j)| j)
        {
            for step in job["steps"].as_array().into_iter().flatten() {
                if step["uses"]
                    .as_str()
                    .is_some_and(|u| u.starts_with("sqltest/sqltest@"))
                {
                    for (name, _) in step["with"].as_object().into_iter().flatten() {
                        assert!(
                            inputs.contains_key(name),
                            "{file} uses unknown input `{name}`"
                        );
                    }
                }
            }
        }
    }
    assert!(
        blocks >= 5,
        "the guide shows the workflows ({blocks} YAML blocks)"
    );
    // The README itself shows the permissions, the fork-safe pair and the shard matrix.
    let readme: Vec<Value> = workflows
        .iter()
        .filter(|(file, _)| *file == "README.md")
        .map(|(_, yaml)| serde_saphyr::from_str(yaml).expect("parsed above"))
        .collect();
    assert!(readme.iter().any(|w| {
        w["permissions"]["checks"] == "write" && w["permissions"]["pull-requests"] == "write"
    }));
    assert!(readme.iter().any(|w| w["on"]["workflow_run"].is_object()));
    assert!(readme.iter().any(|w| {
        w["jobs"]["shard"]["strategy"]["matrix"]["shard"].is_array()
            && w["jobs"]["publish"]["needs"] == "shard"
    }));
}

/// The targets `action.yml` downloads a release binary for (`target=…` in its install step).
fn targets_the_action_downloads() -> Vec<String> {
    let re = Regex::new(r"\btarget=([a-z0-9_]+-[a-z0-9_]+-[a-z0-9_-]+)\s*;;").expect("regex");
    let mut targets: Vec<String> = re
        .captures_iter(&read("action.yml"))
        .map(|c| c[1].to_owned())
        .collect();
    targets.sort();
    targets
}

#[test]
fn the_release_workflow_builds_every_binary_the_action_downloads() {
    let text = read(".github/workflows/release.yml");
    let workflow: Value = serde_saphyr::from_str(&text).expect("release.yml is valid YAML");
    let jobs = workflow["jobs"].as_object().expect("jobs");
    let mut built: Vec<String> = jobs["binaries"]["strategy"]["matrix"]["include"]
        .as_array()
        .expect("a target matrix")
        .iter()
        .map(|m| m["target"].as_str().expect("target").to_owned())
        .collect();
    built.sort();
    let wanted = targets_the_action_downloads();
    assert_eq!(wanted.len(), 4, "action.yml maps four runners: {wanted:?}");
    assert_eq!(
        built, wanted,
        "every runner the action supports has a release binary"
    );
    let mut packaged = false;
    for (name, job) in jobs {
        for step in job["steps"].as_array().expect("steps") {
            let Some(run) = step["run"].as_str() else {
                continue;
            };
            assert!(
                !run.contains("${{"),
                "job {name} puts an expression inside run: (script injection)"
            );
            packaged |= run.contains("scripts/package-release.sh");
        }
    }
    assert!(
        packaged,
        "assets are made by scripts/package-release.sh, as the action's tests do"
    );
    assert_eq!(workflow["on"]["push"]["tags"][0], "v*");
    assert_eq!(jobs["release"]["permissions"]["contents"], "write");
    assert_eq!(jobs["image"]["permissions"]["packages"], "write");
}

#[test]
fn the_image_the_ci_templates_use_is_the_one_the_release_pushes() {
    let release = read(".github/workflows/release.yml");
    assert!(release.contains(r#"image="ghcr.io/${REPOSITORY,,}""#));
    let (header, _) = gitlab_template();
    assert_eq!(
        header["spec"]["inputs"]["image"]["default"],
        "ghcr.io/sqltest/sqltest:latest"
    );
    assert!(read("jenkins/Jenkinsfile.example").contains("image 'ghcr.io/sqltest/sqltest:latest'"));
}
