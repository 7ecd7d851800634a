//! Helpers for the report tests: masking what changes between runs before snapshotting, and
//! validating output against the shared JSON schemas with Python's `jsonschema`.

use regex::Regex;
use std::process::Command;
use std::sync::LazyLock;

/// `text` with durations, ports, temp paths and timestamps of "now" masked, so snapshots of real
/// runs stay stable. The hand-built fixture has fixed values, but the same masking keeps its
/// snapshots honest about what is allowed to change.
pub(crate) fn mask(text: &str) -> String {
    static RULES: LazyLock<Vec<(Regex, &'static str)>> = LazyLock::new(|| {
        [
            // JSON numbers of seconds, JUnit `time="…"`.
            (
                r#""(duration_secs|[a-z]+_secs)": [0-9.e-]+"#,
                r#""$1": "[secs]""#,
            ),
            (r#"time="[0-9.]+""#, r#"time="[secs]""#),
            // Human durations: 11 ms, 1.23 s, 0.011s.
            (r"\b[0-9]+(\.[0-9]+)? ?(ms|µs|s)\b", "[duration]"),
            // Ports in URLs and host:port.
            (
                r"(localhost|127\.0\.0\.1|\[::1\]|0\.0\.0\.0):[0-9]{2,5}",
                "$1:[port]",
            ),
            // Temporary directories.
            (r"/tmp/[A-Za-z0-9._-]+", "[tmp]"),
            (r"/work/[A-Za-z0-9._-]+/fixtures", "[repo]/fixtures"),
        ]
        .into_iter()
        .map(|(re, to)| (Regex::new(re).expect("valid mask pattern"), to))
        .collect()
    });
    let mut out = text.to_string();
    for (re, to) in RULES.iter() {
        out = re.replace_all(&out, *to).into_owned();
    }
    out
}

/// Path of a schema in the shared folder next to the repository.
pub(crate) fn shared_schema(name: &str) -> String {
    format!("{}/../shared/schemas/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// Validates `instance` (JSON text) against the JSON schema at `schema_path` with Python's
/// `jsonschema` (draft picked from the schema's `$schema`). Returns the validator's messages on
/// failure. Needs `python3 -m pip install jsonschema` (installed by `.ci/run`).
pub(crate) fn validate_json(schema_path: &str, instance: &str) -> Result<(), String> {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("instance.json");
    std::fs::write(&file, instance).expect("write instance");
    let script = r#"
import json, sys
import jsonschema
schema = json.load(open(sys.argv[1]))
instance = json.load(open(sys.argv[2]))
cls = jsonschema.validators.validator_for(schema)
cls.check_schema(schema)
errors = sorted(cls(schema).iter_errors(instance), key=lambda e: list(e.path))
for e in errors[:20]:
    print("/".join(str(p) for p in e.path), ":", e.message[:300])
sys.exit(1 if errors else 0)
"#;
    let out = Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(schema_path)
        .arg(&file)
        .output()
        .expect(
            "python3 with jsonschema must be installed to validate reports \
             (python3 -m pip install jsonschema)",
        );
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

#[test]
fn masking_hides_what_changes_between_runs() {
    let text = r#"took 1.23 s, 11 ms; "duration_secs": 0.011, time="0.5" at localhost:54321 in /tmp/.tmpAbC/x and /work/wt-x/fixtures/shop"#;
    assert_eq!(
        mask(text),
        r#"took [duration], [duration]; "duration_secs": "[secs]", time="[secs]" at localhost:[port] in [tmp]/x and [repo]/fixtures/shop"#
    );
}
