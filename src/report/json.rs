//! The JSON report: [`RunResults`] as versioned, pretty-printed JSON, and reading it back.
//!
//! The layout is documented field by field in `docs/results-json.md` (JSON Schema:
//! `docs/results.schema.json`). `sqltest report --from` and `sqltest merge` read files written by
//! other runs, possibly by other sqltest versions, so [`parse_json`] checks `schema_version` before
//! anything else and refuses versions it does not understand with a message saying what to do.

use crate::results::{RunResults, SCHEMA_VERSION};
use serde::Deserialize;

/// Why a results file could not be read.
#[derive(Debug)]
pub enum JsonReportError {
    /// Not JSON at all (truncated, not an object, …).
    Syntax(serde_json::Error),
    /// JSON, but without a `schema_version`, so not written by sqltest.
    MissingVersion,
    /// A `schema_version` this build does not read.
    UnsupportedVersion {
        /// The version found in the file, as written.
        found: String,
    },
    /// The right version, but the content does not match the layout.
    Layout(serde_json::Error),
}

impl JsonReportError {
    /// The reason alone, to follow "read the results file PATH: ".
    pub fn reason(&self) -> String {
        match self {
            JsonReportError::Syntax(e) => format!("it is not valid JSON: {e}"),
            JsonReportError::MissingVersion => "it has no `schema_version`, so it was not written \
                by `sqltest run --report json=PATH`"
                .into(),
            JsonReportError::UnsupportedVersion { found } => format!(
                "its schema_version is {found}, but this sqltest ({tool}) reads only \
                 schema_version {SCHEMA_VERSION}; {advice}",
                tool = env!("CARGO_PKG_VERSION"),
                advice = version_advice(found)
            ),
            JsonReportError::Layout(e) => {
                format!("it does not match results schema_version {SCHEMA_VERSION}: {e}")
            }
        }
    }
}

// The cause is in the text (tools often print only the top message), so no `source()`.
impl std::fmt::Display for JsonReportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "read the results file: {}", self.reason())
    }
}

impl std::error::Error for JsonReportError {}

fn version_advice(found: &str) -> &'static str {
    match found.parse::<u64>() {
        Ok(v) if v > u64::from(SCHEMA_VERSION) => {
            "it was written by a newer sqltest: upgrade sqltest to read it"
        }
        Ok(_) => "it was written by an older sqltest: re-run the tests with this version",
        Err(_) => "schema_version must be a whole number",
    }
}

/// The run as pretty-printed JSON (two-space indent, fields in declaration order), ending in a
/// newline.
pub fn render_json(r: &RunResults) -> String {
    // Serialising the result model cannot fail: every map in it has string keys and every type
    // derives `Serialize`. (Non-finite floats become `null`, which only optional fields can hold;
    // durations come from `Duration::as_secs_f64` and are always finite.)
    let mut out = serde_json::to_string_pretty(r).expect("the result model always serialises");
    out.push('\n');
    out
}

/// Only the version, read before the rest so an incompatible file gets a clear message instead of
/// a confusing "missing field" from a layout that has moved on.
#[derive(Deserialize)]
struct VersionProbe {
    schema_version: Option<serde_json::Value>,
}

/// Reads a results file written by [`render_json`], refusing any `schema_version` other than
/// [`SCHEMA_VERSION`].
pub fn parse_json(s: &str) -> Result<RunResults, JsonReportError> {
    let probe: VersionProbe = serde_json::from_str(s).map_err(JsonReportError::Syntax)?;
    match probe.schema_version {
        None | Some(serde_json::Value::Null) => return Err(JsonReportError::MissingVersion),
        Some(serde_json::Value::Number(n)) if n.as_u64() == Some(u64::from(SCHEMA_VERSION)) => {}
        Some(other) => {
            let found = match other {
                serde_json::Value::String(s) => s,
                v => v.to_string(),
            };
            return Err(JsonReportError::UnsupportedVersion { found });
        }
    }
    // Parse the text again rather than converting the probe's value, so layout errors keep their
    // line and column.
    serde_json::from_str(s).map_err(JsonReportError::Layout)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixture::sample_run;

    #[test]
    fn render_then_parse_gives_the_same_run() {
        let run = sample_run();
        let text = render_json(&run);
        assert!(text.ends_with("}\n"));
        assert_eq!(parse_json(&text).unwrap(), run);
    }

    #[test]
    fn the_layout_uses_the_documented_names_and_units() {
        let value: serde_json::Value = serde_json::from_str(&render_json(&sample_run())).unwrap();
        assert_eq!(value["schema_version"], 1);
        assert_eq!(value["started_at"], "2026-11-22T10:30:00Z");
        assert_eq!(value["duration_secs"], 1.234);
        assert_eq!(value["project"]["engine"], "postgres");
        assert_eq!(value["migrations"][1]["status"], "failed");
        assert_eq!(value["migrations"][1]["error"]["sqlstate"], "42601");
        assert_eq!(value["migrations"][1]["error"]["location"]["line"], 4);
        assert_eq!(value["tests"][1]["failure"]["kind"], "rows_mismatch");
        assert_eq!(value["checks"][1]["severity"], "error");
        assert_eq!(value["checks"][1]["samples"][0]["id"], 3);
    }

    #[test]
    fn a_newer_schema_version_is_refused_with_advice() {
        let mut value: serde_json::Value =
            serde_json::from_str(&render_json(&sample_run())).unwrap();
        value["schema_version"] = 2.into();
        let err = parse_json(&value.to_string()).unwrap_err();
        assert!(matches!(&err, JsonReportError::UnsupportedVersion { found } if found == "2"));
        let msg = err.to_string();
        assert!(msg.contains("schema_version is 2"), "{msg}");
        assert!(msg.contains("reads only schema_version 1"), "{msg}");
        assert!(msg.contains("upgrade sqltest"), "{msg}");
    }

    #[test]
    fn an_older_or_odd_schema_version_is_refused() {
        let mut value: serde_json::Value =
            serde_json::from_str(&render_json(&sample_run())).unwrap();
        value["schema_version"] = 0.into();
        let msg = parse_json(&value.to_string()).unwrap_err().to_string();
        assert!(msg.contains("older sqltest"), "{msg}");
        value["schema_version"] = "one".into();
        let msg = parse_json(&value.to_string()).unwrap_err().to_string();
        assert!(msg.contains("schema_version is one"), "{msg}");
        assert!(msg.contains("whole number"), "{msg}");
    }

    #[test]
    fn files_that_are_not_results_say_so() {
        assert!(matches!(
            parse_json("{\"tests\": []}"),
            Err(JsonReportError::MissingVersion)
        ));
        assert!(matches!(
            parse_json("[1, 2]"),
            Err(JsonReportError::Syntax(_))
        ));
        assert!(matches!(
            parse_json("{\"schema_version\": 1, "),
            Err(JsonReportError::Syntax(_))
        ));
        let err = parse_json("{\"schema_version\": 1, \"tests\": []}").unwrap_err();
        assert!(matches!(err, JsonReportError::Layout(_)));
        assert!(err.to_string().contains("missing field"), "{err}");
    }

    /// The documented schema, checked against what is actually written so the docs cannot drift.
    const SCHEMA: &str = include_str!("../../docs/results.schema.json");
    const DOC: &str = include_str!("../../docs/results-json.md");

    fn resolve<'a>(
        schema: &'a serde_json::Value,
        node: &'a serde_json::Value,
    ) -> &'a serde_json::Value {
        match node.get("$ref").and_then(|r| r.as_str()) {
            Some(r) => {
                let name = r.strip_prefix("#/$defs/").unwrap();
                resolve(schema, &schema["$defs"][name])
            }
            None => node,
        }
    }

    /// Walks `value` and the schema `node` together; every object the schema describes must have
    /// exactly the documented properties (sqltest writes optional fields as `null`).
    fn conforms(
        schema: &serde_json::Value,
        node: &serde_json::Value,
        value: &serde_json::Value,
        at: &str,
    ) {
        let node = resolve(schema, node);
        if let Some(branches) = node.get("oneOf").and_then(|b| b.as_array()) {
            let want_null = value.is_null();
            let branch = branches
                .iter()
                .find(|b| (b.get("type") == Some(&"null".into())) == want_null)
                .unwrap();
            return conforms(schema, branch, value, at);
        }
        if let Some(allowed) = node.get("enum").and_then(|e| e.as_array()) {
            assert!(
                allowed.contains(value),
                "{at}: {value} is not one of {allowed:?}"
            );
        }
        if let Some(c) = node.get("const") {
            assert_eq!(c, value, "{at}");
        }
        if let (Some(props), Some(obj)) = (
            node.get("properties").and_then(|p| p.as_object()),
            value.as_object(),
        ) {
            // Fields marked `x-absent-when-empty` are left out of files when empty.
            let documented: Vec<&String> = props
                .iter()
                .filter(|(k, p)| obj.contains_key(*k) || p.get("x-absent-when-empty").is_none())
                .map(|(k, _)| k)
                .collect();
            let written: Vec<&String> = obj.keys().collect();
            assert_eq!(
                documented, written,
                "{at}: documented properties differ from written ones (or their order)"
            );
            for (key, sub) in props.iter().filter(|(k, _)| obj.contains_key(*k)) {
                conforms(schema, sub, &obj[key], &format!("{at}.{key}"));
            }
        }
        if let (Some(items), Some(arr)) = (node.get("items"), value.as_array()) {
            for (i, v) in arr.iter().enumerate() {
                conforms(schema, items, v, &format!("{at}[{i}]"));
            }
        }
        for key in node
            .get("required")
            .and_then(|r| r.as_array())
            .into_iter()
            .flatten()
        {
            assert!(
                value.get(key.as_str().unwrap()).is_some(),
                "{at}: required {key} missing"
            );
        }
    }

    #[test]
    fn the_json_schema_matches_what_is_written() {
        let schema: serde_json::Value = serde_json::from_str(SCHEMA).unwrap();
        let value: serde_json::Value = serde_json::from_str(&render_json(&sample_run())).unwrap();
        conforms(&schema, &schema, &value, "$");
        assert_eq!(
            schema["properties"]["schema_version"]["const"],
            SCHEMA_VERSION
        );
    }

    #[test]
    fn the_doc_describes_every_field_of_the_schema() {
        let schema: serde_json::Value = serde_json::from_str(SCHEMA).unwrap();
        let mut objects = vec![&schema];
        objects.extend(schema["$defs"].as_object().unwrap().values());
        objects.extend(["tool", "project"].map(|k| &schema["properties"][k]));
        for object in objects {
            for field in object
                .get("properties")
                .and_then(|p| p.as_object())
                .into_iter()
                .flatten()
                .map(|(k, _)| k)
            {
                assert!(
                    DOC.contains(&format!("| `{field}` |")),
                    "docs/results-json.md lacks a row for `{field}`"
                );
            }
        }
        assert!(DOC.contains(&format!("\"schema_version\": {SCHEMA_VERSION}")));
    }
}
