//! The SARIF 2.1.0 report (<https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html>),
//! shaped for GitHub code scanning
//! (<https://docs.github.com/en/code-security/code-scanning/integrating-with-code-scanning/sarif-support-for-code-scanning>)
//! and Jenkins Warnings NG.
//!
//! One run. `tool.driver` lists every rule sqltest has (a fixed catalogue, so `ruleIndex` never
//! moves); each failure or warning is a result with a repo-relative location (`%SRCROOT%`), a
//! one-line region, and `partialFingerprints.primaryLocationLineHash` computed from the rule and
//! the item's id (not its line), so an alert survives edits that move it. Infrastructure errors of
//! the run as a whole have no location: they are `toolExecutionNotifications` of the invocation.
//!
//! Only a subset of SARIF is modelled, as plain serde structs (the full generated model in
//! serde-sarif costs a build script for fields we never set). GitHub's limits are respected: at
//! most [`MAX_RESULTS`] results (the most severe kept), messages bounded in size, one location
//! per result, fewer than 20 tags per rule, descriptions under 1024 characters.

use super::context::RenderContext;
use super::findings::{Finding, Level, RuleId, findings};
use super::rules_doc::{RuleDoc, rule_doc};
use super::text::bounded;
use crate::results::RunResults;
use indexmap::IndexMap;
use serde::Serialize;

/// GitHub reads at most 25,000 results per run.
pub(crate) const MAX_RESULTS: usize = 25_000;
/// Longest result message: the first sentence and the details, bounded like JUnit bodies.
const MAX_MESSAGE_LINES: usize = 200;
const MAX_MESSAGE_CHARS: usize = 16_000;

const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const SRCROOT: &str = "%SRCROOT%";

#[derive(Serialize)]
struct Log {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run {
    tool: Tool,
    automation_details: AutomationDetails,
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    original_uri_base_ids: IndexMap<&'static str, ArtifactLocation>,
    invocations: Vec<Invocation>,
    results: Vec<SarifResult>,
    column_kind: &'static str,
    properties: RunProperties,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: String,
    version: String,
    semantic_version: String,
    information_uri: &'static str,
    rules: Vec<Rule>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    id: String,
    name: &'static str,
    short_description: Text,
    full_description: Text,
    help: Help,
    default_configuration: Configuration,
    properties: RuleProperties,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct Help {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct RuleProperties {
    tags: Vec<&'static str>,
    precision: &'static str,
    #[serde(rename = "problem.severity")]
    problem_severity: &'static str,
}

#[derive(Serialize)]
struct AutomationDetails {
    id: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    execution_successful: bool,
    start_time_utc: String,
    end_time_utc: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tool_execution_notifications: Vec<Notification>,
}

#[derive(Serialize)]
struct Notification {
    level: &'static str,
    message: Text,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: String,
    rule_index: usize,
    level: &'static str,
    message: Text,
    locations: Vec<ResultLocation>,
    partial_fingerprints: Fingerprints,
    properties: ResultProperties,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResultLocation {
    physical_location: PhysicalLocation,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
    start_column: u32,
    end_line: u32,
    end_column: u32,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Fingerprints {
    primary_location_line_hash: String,
}

#[derive(Serialize)]
struct ResultProperties {
    /// The item's stable id (test or check id, migration path).
    #[serde(rename = "sqltest/subject")]
    subject: String,
    #[serde(rename = "sqltest/status")]
    status: &'static str,
}

#[derive(Serialize)]
struct RunProperties {
    engine: &'static str,
    backend: &'static str,
    #[serde(rename = "serverVersion", skip_serializing_if = "Option::is_none")]
    server_version: Option<String>,
}

/// The run as a SARIF 2.1.0 log, pretty-printed, ending in a newline.
pub fn render_sarif(r: &RunResults, ctx: &RenderContext) -> String {
    let rules = RuleId::all();
    let index: IndexMap<RuleId, usize> = rules.iter().enumerate().map(|(i, r)| (*r, i)).collect();
    let all = findings(r);
    let (located, run_level): (Vec<&Finding>, Vec<&Finding>) =
        all.iter().partition(|f| f.location.is_some());

    // Keep the most severe when over GitHub's limit (it would keep the top ones anyway, but
    // silently); the sort is stable, so report order holds within a level.
    let mut kept = located;
    let dropped = kept.len().saturating_sub(MAX_RESULTS);
    if dropped > 0 {
        kept.sort_by_key(|f| f.level);
        kept.truncate(MAX_RESULTS);
    }

    let results = kept
        .iter()
        .filter_map(|f| {
            let location = f.location.as_ref()?;
            Some(SarifResult {
                rule_id: f.rule.id(),
                rule_index: index.get(&f.rule).copied().unwrap_or(0),
                level: f.level.sarif(),
                message: Text {
                    text: message_text(f),
                },
                locations: vec![ResultLocation {
                    physical_location: PhysicalLocation {
                        artifact_location: ArtifactLocation {
                            uri: uri_path(&ctx.repo_path(&location.path)),
                            uri_base_id: Some(SRCROOT),
                        },
                        // sqltest knows where an item starts, not where it ends: the region is
                        // its first character, on one line (what GitHub shows best in a diff).
                        region: Region {
                            start_line: location.line,
                            start_column: location.column,
                            end_line: location.line,
                            end_column: location.column + 1,
                        },
                    },
                }],
                partial_fingerprints: Fingerprints {
                    primary_location_line_hash: format!("{}:1", f.hash64()),
                },
                properties: ResultProperties {
                    subject: subject_id(f),
                    status: f.status.as_str(),
                },
            })
        })
        .collect();

    let mut notifications: Vec<Notification> = run_level
        .iter()
        .map(|f| Notification {
            level: f.level.sarif(),
            message: Text {
                text: message_text(f),
            },
        })
        .collect();
    if dropped > 0 {
        notifications.push(Notification {
            level: "warning",
            message: Text {
                text: format!(
                    "{dropped} less severe findings were left out: GitHub reads at most \
                     {MAX_RESULTS} results per run. The JSON report has all of them."
                ),
            },
        });
    }

    let mut base_ids = IndexMap::new();
    if let Some(root) = &ctx.repo_root {
        base_ids.insert(
            SRCROOT,
            ArtifactLocation {
                uri: format!("file://{}/", uri_path(root.as_str().trim_end_matches('/'))),
                uri_base_id: None,
            },
        );
    }

    let end = r.started_at
        + chrono::Duration::from_std(super::text::secs(r.duration_secs))
            .unwrap_or(chrono::Duration::zero());
    let log = Log {
        schema: SCHEMA_URI,
        version: "2.1.0",
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: r.tool.name.clone(),
                    version: r.tool.version.clone(),
                    semantic_version: r.tool.version.clone(),
                    information_uri: env!("CARGO_PKG_REPOSITORY"),
                    rules: rules.iter().map(|id| rule(*id, rule_doc(*id))).collect(),
                },
            },
            automation_details: AutomationDetails {
                id: automation_id(r, ctx),
            },
            original_uri_base_ids: base_ids,
            invocations: vec![Invocation {
                execution_successful: r.errors.is_empty() && !r.interrupted,
                start_time_utc: r
                    .started_at
                    .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                end_time_utc: end.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                tool_execution_notifications: notifications,
            }],
            results,
            // Location columns count characters (crate::Location), i.e. Unicode code points.
            column_kind: "unicodeCodePoints",
            properties: RunProperties {
                engine: r.project.engine.as_str(),
                backend: r.project.backend.as_str(),
                server_version: r.project.server_version.clone(),
            },
        }],
    };
    // Serialising plain structs of strings and numbers cannot fail.
    let mut out = serde_json::to_string_pretty(&log).expect("the SARIF model always serialises");
    out.push('\n');
    out
}

/// `sqltest/<engine>/<project dir in the repo>/`: GitHub's category is everything before the last
/// `/`, so each project and engine of a repository keeps its own alerts, and an upload of one does
/// not close the alerts of another.
fn automation_id(r: &RunResults, ctx: &RenderContext) -> String {
    let mut id = format!("sqltest/{}/", r.project.engine.as_str());
    let dir = ctx.prefix.as_str().replace('\\', "/");
    let dir = dir.trim_matches('/');
    if !dir.is_empty() {
        id.push_str(dir);
        id.push('/');
    }
    id
}

fn subject_id(f: &Finding) -> String {
    // The key is `<rule>\0<id>` (plus `#n` when repeated); the id part is what people know.
    f.key
        .split_once('\0')
        .map_or(f.key.as_str(), |(_, id)| id)
        .to_string()
}

fn message_text(f: &Finding) -> String {
    if f.body.trim().is_empty() {
        f.message.clone()
    } else {
        bounded(
            &format!("{}\n\n{}", f.message, f.body),
            MAX_MESSAGE_LINES,
            MAX_MESSAGE_CHARS,
        )
    }
}

fn rule(id: RuleId, doc: RuleDoc) -> Rule {
    let mut tags = vec!["sqltest"];
    tags.extend(doc.tags);
    let mut markdown = format!("{}\n\n{}", doc.full, doc.help);
    if let Some(example) = doc.example {
        markdown.push_str(&format!("\n\n```yaml\n{example}\n```"));
    }
    Rule {
        id: id.id(),
        name: doc.name,
        short_description: Text {
            text: doc.short.into(),
        },
        full_description: Text {
            text: doc.full.into(),
        },
        help: Help {
            text: format!("{} {}", doc.full, doc.help),
            markdown,
        },
        default_configuration: Configuration {
            level: doc.default_level.sarif(),
        },
        properties: RuleProperties {
            tags,
            precision: "very-high",
            problem_severity: match doc.default_level {
                Level::Error => "error",
                Level::Warning => "warning",
                Level::Note => "recommendation",
            },
        },
    }
}

/// A path as a URI reference: unreserved characters and `/` kept, everything else
/// percent-encoded (spaces, `#`, `%`, non-ASCII), as RFC 3986 requires.
fn uri_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
#[path = "sarif_tests.rs"]
mod tests;
