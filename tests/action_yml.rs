//! `action.yml`: inputs reach the shell only through `env:` (no `${{ }}` inside `run:`), every
//! expression names a real input or step, and running the action's shell steps locally — with a
//! fake GitHub runner environment and a fake `sqltest` — proves the inputs reach the binary
//! intact (quoted arguments kept, nothing expanded), the exit code is kept, and a release
//! download is checksum-verified.

use camino::{Utf8Path, Utf8PathBuf};
use regex::Regex;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::process::Command;

fn repo_root() -> Utf8PathBuf {
    Utf8PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn action() -> Value {
    let text = std::fs::read_to_string(repo_root().join("action.yml")).expect("read action.yml");
    serde_saphyr::from_str(&text).expect("action.yml is valid YAML")
}

fn expr() -> Regex {
    Regex::new(r"\$\{\{\s*(.*?)\s*\}\}").expect("regex")
}

fn steps(a: &Value) -> Vec<Value> {
    a["runs"]["steps"].as_array().expect("runs.steps").clone()
}

#[test]
fn no_run_script_interpolates_expressions() {
    let a = action();
    assert_eq!(a["runs"]["using"], "composite");
    for step in steps(&a) {
        if let Some(run) = step.get("run").and_then(Value::as_str) {
            assert!(
                !run.contains("${{"),
                "step {} puts an expression inside run: (script injection)",
                step["id"]
            );
            assert_eq!(
                step["shell"], "bash",
                "composite run steps need an explicit shell"
            );
        }
    }
}

#[test]
fn expressions_name_existing_inputs_steps_and_outputs() {
    let a = action();
    let inputs = a["inputs"].as_object().expect("inputs");
    let ids: Vec<String> = steps(&a)
        .iter()
        .filter_map(|s| s["id"].as_str().map(str::to_owned))
        .collect();
    let text = std::fs::read_to_string(repo_root().join("action.yml")).expect("read");
    // Comments may mention the syntax; only YAML content counts.
    let content: String = text
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .collect::<Vec<_>>()
        .join("\n");
    for cap in expr().captures_iter(&content) {
        let e = &cap[1];
        if let Some(name) = e.strip_prefix("inputs.") {
            assert!(inputs.contains_key(name), "unknown input `{name}`");
        } else if let Some(rest) = e.strip_prefix("steps.") {
            let id = rest.split('.').next().unwrap_or("");
            assert!(ids.iter().any(|i| i == id), "unknown step `{id}`");
        } else {
            assert!(e.starts_with("github."), "unexpected expression `{e}`");
        }
    }
    let re = Regex::new(r"^[a-z_][a-z0-9-]*$").expect("regex");
    for (name, _) in inputs {
        assert!(re.is_match(name), "input ids are kebab-case: {name}");
    }
    for (name, out) in a["outputs"].as_object().expect("outputs") {
        assert!(
            out["value"]
                .as_str()
                .is_some_and(|v| v.starts_with("${{ steps.")),
            "output {name} needs value: ${{{{ steps… }}}}"
        );
    }
}

/// A fake runner: a workspace, a temp dir, a bin dir with fakes first on PATH.
struct Runner {
    _tmp: tempfile::TempDir,
    root: Utf8PathBuf,
    workspace: Utf8PathBuf,
    bin: Utf8PathBuf,
    log: Utf8PathBuf,
}

fn write_exe(path: &Utf8Path, text: &str) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
    let status = Command::new("chmod")
        .args(["+x", path.as_str()])
        .status()
        .expect("chmod");
    assert!(status.success());
}

const FAKE_SQLTEST: &str = r#"#!/bin/sh
if [ "$1" = --version ]; then echo "sqltest 0.0.0-fake"; exit 0; fi
{
  echo "cwd=$(pwd)"
  echo "token=${GITHUB_TOKEN:-}"
  for a in "$@"; do echo "arg=$a"; done
} >> "$FAKE_LOG"
exit "${FAKE_EXIT:-0}"
"#;

impl Runner {
    fn new() -> Runner {
        let tmp = tempfile::tempdir().expect("tempdir");
        let root = Utf8PathBuf::from_path_buf(tmp.path().to_owned()).expect("utf8");
        let workspace = root.join("workspace");
        std::fs::create_dir_all(workspace.join("db")).expect("mkdir");
        let bin = root.join("bin");
        let log = root.join("fake.log");
        write_exe(&bin.join("sqltest"), FAKE_SQLTEST);
        Runner {
            _tmp: tmp,
            root,
            workspace,
            bin,
            log,
        }
    }

    /// Runs every step like the runner does (`bash --noprofile --norc -eo pipefail`), with the
    /// step's `env:` evaluated from `inputs`. Returns the exit code and the collected outputs.
    fn run(
        &self,
        inputs: &[(&str, &str)],
        extra_env: &[(&str, &str)],
    ) -> (i32, BTreeMap<String, String>, String) {
        let a = action();
        let mut values: HashMap<String, String> = HashMap::from([
            ("github.action_path".into(), repo_root().to_string()),
            ("github.action_ref".into(), "main".into()),
            ("github.action_repository".into(), "sqltest/sqltest".into()),
            ("github.token".into(), "ghs_default_token".into()),
        ]);
        for (name, spec) in a["inputs"].as_object().expect("inputs") {
            let default = spec["default"].as_str().unwrap_or("").to_owned();
            values.insert(format!("inputs.{name}"), default);
        }
        for (k, v) in inputs {
            values.insert(format!("inputs.{k}"), (*v).to_owned());
        }
        let re = expr();
        let eval = |s: &str, values: &HashMap<String, String>| -> String {
            let mut out = s.to_owned();
            // Twice: an input's default may itself be an expression (`${{ github.token }}`).
            for _ in 0..2 {
                out = re
                    .replace_all(&out, |c: &regex::Captures| {
                        values.get(&c[1]).cloned().unwrap_or_default()
                    })
                    .into_owned();
            }
            out
        };
        let mut outputs = BTreeMap::new();
        let mut stderr = String::new();
        for (i, step) in steps(&a).iter().enumerate() {
            let id = step["id"]
                .as_str()
                .expect("every step has an id")
                .to_owned();
            let script = self.root.join(format!("step{i}.sh"));
            std::fs::write(&script, step["run"].as_str().expect("run")).expect("write script");
            let output_file = self.root.join(format!("output{i}.txt"));
            std::fs::write(&output_file, "").expect("touch");
            let cwd = match step.get("working-directory").and_then(Value::as_str) {
                Some(w) => self.workspace.join(eval(w, &values)),
                None => self.workspace.clone(),
            };
            let mut cmd = Command::new("bash");
            cmd.args(["--noprofile", "--norc", "-eo", "pipefail", script.as_str()])
                .current_dir(&cwd)
                .env_clear()
                .env("PATH", format!("{}:/usr/bin:/bin", self.bin))
                .env("HOME", self.root.as_str())
                .env("RUNNER_TEMP", self.root.join("runner-temp").as_str())
                .env("RUNNER_OS", "Linux")
                .env("RUNNER_ARCH", "X64")
                .env("GITHUB_SERVER_URL", "https://github.com")
                .env("GITHUB_OUTPUT", output_file.as_str())
                .env("GITHUB_PATH", self.root.join("github_path.txt").as_str())
                .env("FAKE_LOG", self.log.as_str());
            for (k, v) in extra_env {
                cmd.env(k, v);
            }
            for (k, v) in step["env"].as_object().into_iter().flatten() {
                cmd.env(
                    k,
                    eval(v.as_str().expect("env values are strings"), &values),
                );
            }
            let out = cmd.output().expect("bash runs");
            stderr.push_str(&String::from_utf8_lossy(&out.stderr));
            stderr.push_str(&String::from_utf8_lossy(&out.stdout));
            for line in std::fs::read_to_string(&output_file)
                .expect("outputs")
                .lines()
            {
                if let Some((k, v)) = line.split_once('=') {
                    outputs.insert(format!("{id}.{k}"), v.to_owned());
                    values.insert(format!("steps.{id}.outputs.{k}"), v.to_owned());
                }
            }
            let code = out.status.code().unwrap_or(-1);
            if code != 0 {
                return (code, outputs, stderr);
            }
        }
        (0, outputs, stderr)
    }

    fn log(&self) -> Vec<String> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect()
    }
}

#[test]
fn inputs_reach_the_binary_through_env_and_nothing_is_expanded() {
    let r = Runner::new();
    let args = r#"--filter 'order total' --tag "slow" $(touch PWNED) ;rm -rf x `id`"#;
    let (code, outputs, stderr) = r.run(
        &[
            ("version", "system"),
            ("working-directory", "db"),
            ("args", args),
            ("comment", "on-failure"),
            ("check-run", "false"),
            ("sarif-upload", "true"),
            ("fail-on", "warning"),
            ("token", "ghs_input_token"),
        ],
        &[],
    );
    assert_eq!(code, 0, "{stderr}");
    let reports = r.root.join("runner-temp/sqltest-reports");
    let log = r.log();
    let cwd = log
        .iter()
        .find_map(|l| l.strip_prefix("cwd="))
        .expect("cwd logged");
    assert_eq!(
        Utf8Path::new(cwd).file_name(),
        Some("db"),
        "working-directory is honoured"
    );
    assert!(log.contains(&"token=ghs_input_token".to_owned()), "{log:?}");
    let argv: Vec<&str> = log.iter().filter_map(|l| l.strip_prefix("arg=")).collect();
    let expected = vec![
        "run".to_owned(),
        "--report".into(),
        format!("json={reports}/results.json"),
        "--report".into(),
        format!("junit={reports}/junit.xml"),
        "--report".into(),
        format!("sarif={reports}/sqltest.sarif"),
        "--publish".into(),
        "--comment".into(),
        "on-failure".into(),
        "--check-run".into(),
        "false".into(),
        "--fail-on".into(),
        "warning".into(),
        "--sarif-upload".into(),
        "--filter".into(),
        "order total".into(),
        "--tag".into(),
        "slow".into(),
        "$(touch".into(),
        "PWNED)".into(),
        ";rm".into(),
        "-rf".into(),
        "x".into(),
        "`id`".into(),
    ];
    assert_eq!(argv, expected);
    assert!(
        !r.workspace.join("db/PWNED").exists() && !r.workspace.join("PWNED").exists(),
        "args were executed"
    );
    assert_eq!(
        outputs.get("install.bin").map(String::as_str),
        Some(r.bin.join("sqltest").as_str())
    );
    assert_eq!(outputs.get("run.exit-code").map(String::as_str), Some("0"));
    assert_eq!(
        outputs.get("run.results"),
        Some(&format!("{reports}/results.json"))
    );
}

#[test]
fn the_exit_code_of_a_failing_run_is_kept_and_reported() {
    let r = Runner::new();
    let (code, outputs, stderr) = r.run(&[("version", "system")], &[("FAKE_EXIT", "1")]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(outputs.get("run.exit-code").map(String::as_str), Some("1"));
    // Defaults: comment always, check run on, fail-on error, the workflow token.
    let log = r.log();
    assert!(
        log.contains(&"token=ghs_default_token".to_owned()),
        "{log:?}"
    );
    let argv: Vec<&str> = log.iter().filter_map(|l| l.strip_prefix("arg=")).collect();
    assert!(
        argv.windows(2).any(|w| w == ["--comment", "always"]),
        "{argv:?}"
    );
    assert!(!argv.contains(&"--sarif-upload"));
}

fn sha256(path: &Utf8Path) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(std::fs::read(path).expect("read")))
}

/// A fake `curl` that serves files from $FAKE_RELEASES by name and logs the URLs.
const FAKE_CURL: &str = r#"#!/bin/sh
out=
while [ $# -gt 0 ]; do
  case $1 in -o) out=$2; shift 2 ;; -*) shift ;; *) url=$1; shift ;; esac
done
echo "url=$url" >> "$FAKE_LOG"
cp "$FAKE_RELEASES/${url##*/}" "$out"
"#;

/// A release of a fake sqltest, packaged by the script the release workflow uses, so the asset
/// names and checksum format the action expects are the ones releases have.
fn release(r: &Runner, good_checksum: bool) -> Utf8PathBuf {
    let releases = r.root.join("releases");
    let built = r.root.join("build/sqltest");
    write_exe(&built, FAKE_SQLTEST);
    let target = "x86_64-unknown-linux-musl";
    let out = Command::new(repo_root().join("scripts/package-release.sh"))
        .args([built.as_str(), "v1.2.3", target, releases.as_str()])
        .output()
        .expect("run package-release.sh");
    assert!(
        out.status.success(),
        "package-release.sh: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let asset = format!("sqltest-v1.2.3-{target}.tar.gz");
    let checksum = releases.join(format!("{asset}.sha256"));
    assert_eq!(
        std::fs::read_to_string(&checksum).expect("the .sha256 file"),
        format!("{}  {asset}\n", sha256(&releases.join(&asset))),
        "the checksum file is what sha256sum prints"
    );
    if !good_checksum {
        std::fs::write(&checksum, format!("{}  {asset}\n", "0".repeat(64))).expect("write");
    }
    write_exe(&r.root.join("netbin/curl"), FAKE_CURL);
    releases
}

#[test]
fn a_release_is_downloaded_for_the_runner_and_checksum_verified() {
    let r = Runner::new();
    std::fs::remove_file(r.bin.join("sqltest")).expect("no sqltest on PATH");
    let releases = release(&r, true);
    let path = format!("{}:{}:/usr/bin:/bin", r.root.join("netbin"), r.bin);
    let (code, outputs, stderr) = r.run(
        &[("version", "v1.2.3")],
        &[
            ("FAKE_RELEASES", releases.as_str()),
            ("PATH", path.as_str()),
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let log = r.log();
    assert!(
        log.contains(&"url=https://github.com/sqltest/sqltest/releases/download/v1.2.3/sqltest-v1.2.3-x86_64-unknown-linux-musl.tar.gz".to_owned()),
        "{log:?}"
    );
    let bin = outputs.get("install.bin").expect("bin output");
    assert!(bin.ends_with("/sqltest-bin/sqltest"), "{bin}");
    assert!(
        log.iter().any(|l| l == "arg=run"),
        "the downloaded binary ran: {log:?}"
    );
}

#[test]
fn a_checksum_mismatch_stops_the_action() {
    let r = Runner::new();
    let releases = release(&r, false);
    let path = format!("{}:{}:/usr/bin:/bin", r.root.join("netbin"), r.bin);
    let (code, _, stderr) = r.run(
        &[("version", "v1.2.3")],
        &[
            ("FAKE_RELEASES", releases.as_str()),
            ("PATH", path.as_str()),
        ],
    );
    assert_ne!(code, 0);
    assert!(stderr.contains("checksum mismatch"), "{stderr}");
    assert!(!r.log().iter().any(|l| l == "arg=run"), "nothing ran");
}

#[test]
fn publish_from_merges_shards_then_publishes_without_running() {
    let r = Runner::new();
    for k in 1..=2 {
        let dir = r.workspace.join(format!("shards/shard-{k}"));
        std::fs::create_dir_all(&dir).expect("mkdir");
        std::fs::write(dir.join("results.json"), "{}").expect("write");
    }
    std::fs::write(r.workspace.join("event.json"), "{}").expect("write");
    let (code, outputs, stderr) = r.run(
        &[
            ("version", "system"),
            ("publish-from", "shards/*/results.json"),
            ("event-file", "event.json"),
            ("sarif-upload", "true"),
            ("comment", "off"),
        ],
        &[],
    );
    assert_eq!(code, 0, "{stderr}");
    let reports = r.root.join("runner-temp/sqltest-reports");
    let log = r.log();
    let argv: Vec<&str> = log.iter().filter_map(|l| l.strip_prefix("arg=")).collect();
    let merge_end = argv
        .iter()
        .position(|a| *a == "publish")
        .expect("publish ran");
    let expected_merge = [
        "merge".to_owned(),
        "shards/shard-1/results.json".into(),
        "shards/shard-2/results.json".into(),
        "--output".into(),
        format!("{reports}/results.json"),
        "--report".into(),
        format!("sarif={reports}/sqltest.sarif"),
    ];
    assert_eq!(argv[..merge_end], expected_merge[..]);
    let expected_publish = [
        "publish".to_owned(),
        "--from".into(),
        format!("{reports}/results.json"),
        "--comment".into(),
        "off".into(),
        "--check-run".into(),
        "true".into(),
        "--fail-on".into(),
        "error".into(),
        "--event-file".into(),
        "event.json".into(),
        "--sarif-upload".into(),
        "--sarif".into(),
        format!("{reports}/sqltest.sarif"),
    ];
    assert_eq!(argv[merge_end..], expected_publish[..]);
    assert!(!argv.contains(&"run"), "publish-from never runs the checks");
    assert_eq!(
        outputs.get("run.results"),
        Some(&format!("{reports}/results.json"))
    );
    let path =
        std::fs::read_to_string(r.root.join("github_path.txt")).expect("GITHUB_PATH written");
    assert_eq!(
        path.trim(),
        r.bin.as_str(),
        "sqltest is on PATH for later steps"
    );
}
