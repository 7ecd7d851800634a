//! `safety:` in `sqltest.yaml`: which migration-safety rules are allowed project-wide, their
//! severities, and whether the change's statements are measured — validated with located errors.

use super::errors::suggestion_help;
use super::model::Severity;
use super::node::{Node, Yaml};
use super::source::FileCtx;
use crate::safety::SafetyRule;
use std::collections::BTreeMap;

/// The project's migration-safety policy.
#[derive(Debug, Clone, PartialEq)]
pub struct SafetySettings {
    /// Rules allowed everywhere (reported as notes, with the reason "allowed in sqltest.yaml").
    pub allow: Vec<SafetyRule>,
    /// Severity per rule where it differs from the default; `None` turns the rule off.
    pub severity: BTreeMap<&'static str, Option<Severity>>,
    /// Whether statements are measured (PostgreSQL); on by default.
    pub measure: bool,
}

impl Default for SafetySettings {
    fn default() -> Self {
        SafetySettings {
            allow: Vec::new(),
            severity: BTreeMap::new(),
            measure: true,
        }
    }
}

impl SafetySettings {
    /// The severity `rule` has in this project; `None` when it is off.
    pub fn severity_of(&self, rule: SafetyRule) -> Option<Severity> {
        match self.severity.get(rule.id()) {
            Some(s) => *s,
            None => Some(rule.default_severity()),
        }
    }
}

const KEYS: [&str; 3] = ["allow", "severity", "measure"];
const LEVELS: [&str; 4] = ["error", "warning", "info", "off"];

fn rule_ids() -> Vec<&'static str> {
    SafetyRule::ALL.iter().map(|r| r.id()).collect()
}

pub(crate) fn convert(ctx: &mut FileCtx, node: &Node) -> SafetySettings {
    let mut s = SafetySettings::default();
    let Yaml::Map(entries) = &node.value else {
        ctx.expected(
            node,
            "a map, e.g. `{allow: [drop-column], severity: {blocks-writes: error}}`",
        );
        return s;
    };
    for (key, value) in entries {
        let name = key.value.scalar_text().unwrap_or_default();
        match name.as_str() {
            "allow" => allow(ctx, value, &mut s),
            "severity" => severity(ctx, value, &mut s),
            "measure" => match value.value {
                Yaml::Bool(b) => s.measure = b,
                _ => ctx.expected(value, "`true` or `false`"),
            },
            _ => ctx.error_help(
                ctx.at(key),
                format!("unknown key `safety.{name}`"),
                suggestion_help(&name, &KEYS, "keys"),
            ),
        }
    }
    s
}

/// A rule id at `node`, or a located error with a suggestion.
fn rule_at(ctx: &mut FileCtx, node: &Node) -> Option<SafetyRule> {
    let id = node.value.scalar_text().unwrap_or_default();
    let rule = SafetyRule::of_id(&id);
    if rule.is_none() {
        ctx.error_help(
            ctx.at(node),
            format!("unknown safety rule `{id}`"),
            suggestion_help(&id, &rule_ids(), "safety rules"),
        );
    }
    rule
}

fn allow(ctx: &mut FileCtx, node: &Node, s: &mut SafetySettings) {
    let Yaml::Seq(items) = &node.value else {
        ctx.expected(node, "a list of rules, e.g. `[drop-column, rename-table]`");
        return;
    };
    for item in items {
        if let Some(r) = rule_at(ctx, item) {
            s.allow.push(r);
        }
    }
}

fn severity(ctx: &mut FileCtx, node: &Node, s: &mut SafetySettings) {
    let Yaml::Map(entries) = &node.value else {
        ctx.expected(
            node,
            "a map of rule to severity, e.g. `{blocks-writes: error}`",
        );
        return;
    };
    for (key, value) in entries {
        let Some(rule) = rule_at(ctx, key) else {
            continue;
        };
        let level = value.value.scalar_text().unwrap_or_default();
        let severity = match level.as_str() {
            "error" => Some(Severity::Error),
            "warning" => Some(Severity::Warning),
            "info" => Some(Severity::Info),
            // `off`, and `false` for YAML 1.1 readers that turn `off` into a boolean.
            "off" | "false" => None,
            _ => {
                ctx.error_help(
                    ctx.at(value),
                    format!(
                        "unknown severity `{level}` for `safety.severity.{}`",
                        rule.id()
                    ),
                    suggestion_help(&level, &LEVELS, "values"),
                );
                continue;
            }
        };
        s.severity.insert(rule.id(), severity);
    }
}
