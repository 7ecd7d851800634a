//! The settings about the change under review: `base:`, `upgrade_seeds:`, `history:` and
//! `baseline:` in `sqltest.yaml`, validated with located errors.

use super::errors::suggestion_help;
use super::model::Severity;
use super::node::{Node, Yaml};
use super::source::FileCtx;
use serde_saphyr::Spanned;

/// How the change is judged against its base branch.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChangeSettings {
    /// The base to compare with (`--base` overrides it; CI variables are used when neither is set).
    pub base: Option<String>,
    /// Whose seeds the upgraded database gets.
    pub upgrade_seeds: UpgradeSeeds,
    pub history: HistoryPolicy,
    /// Migrations up to this version were folded into a baseline: deleting them is not reported.
    pub baseline: Option<String>,
    /// `safety:` — the migration-safety policy.
    pub safety: super::safety::SafetySettings,
}

/// Whose seeds the upgraded database gets: the base's (production has the old data; the
/// default) or the change's, applied after the new migrations.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum UpgradeSeeds {
    #[default]
    Base,
    Head,
}

/// The severity of each history finding; `None` turns a finding off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HistoryPolicy {
    pub edited: Option<Severity>,
    pub whitespace_edit: Option<Severity>,
    pub deleted: Option<Severity>,
    pub renamed: Option<Severity>,
    pub out_of_order: Option<Severity>,
    pub duplicate_version: Option<Severity>,
}

impl Default for HistoryPolicy {
    fn default() -> Self {
        HistoryPolicy {
            edited: Some(Severity::Error),
            whitespace_edit: Some(Severity::Info),
            deleted: Some(Severity::Error),
            renamed: Some(Severity::Warning),
            out_of_order: Some(Severity::Warning),
            duplicate_version: Some(Severity::Error),
        }
    }
}

/// The keys of `history:`, as written.
const HISTORY_KEYS: [&str; 6] = [
    "edited",
    "whitespace_edit",
    "deleted",
    "renamed",
    "out_of_order",
    "duplicate_version",
];
const LEVELS: [&str; 4] = ["error", "warning", "info", "off"];

pub(crate) fn convert(
    ctx: &mut FileCtx,
    base: Option<&Spanned<String>>,
    upgrade_seeds: Option<&Spanned<String>>,
    history: Option<&Node>,
    baseline: Option<&Node>,
) -> ChangeSettings {
    let mut s = ChangeSettings::default();
    if let Some(b) = base {
        if b.value.trim().is_empty() {
            ctx.error(ctx.at(b), "`base` is empty: name a branch, tag or commit");
        } else {
            s.base = Some(b.value.trim().to_string());
        }
    }
    if let Some(u) = upgrade_seeds {
        match u.value.trim() {
            "base" => s.upgrade_seeds = UpgradeSeeds::Base,
            "head" => s.upgrade_seeds = UpgradeSeeds::Head,
            other => ctx.error_help(
                ctx.at(u),
                format!("unknown `upgrade_seeds` value `{other}`"),
                "write `base` (the base branch's seeds, the default) or `head`",
            ),
        }
    }
    if let Some(h) = history {
        history_policy(ctx, h, &mut s.history);
    }
    if let Some(b) = baseline {
        match b.value.scalar_text().filter(|t| !t.trim().is_empty()) {
            Some(text) if !matches!(b.value, Yaml::Bool(_)) => s.baseline = Some(text),
            _ => ctx.expected(b, "a migration version, e.g. `baseline: 20240101000000`"),
        }
    }
    s
}

fn history_policy(ctx: &mut FileCtx, node: &Node, policy: &mut HistoryPolicy) {
    let Yaml::Map(entries) = &node.value else {
        ctx.expected(
            node,
            "a map of history finding to severity, e.g. `{edited: error}`",
        );
        return;
    };
    for (key, value) in entries {
        let name = key.value.scalar_text().unwrap_or_default();
        let slot = match name.as_str() {
            "edited" => &mut policy.edited,
            "whitespace_edit" => &mut policy.whitespace_edit,
            "deleted" => &mut policy.deleted,
            "renamed" => &mut policy.renamed,
            "out_of_order" => &mut policy.out_of_order,
            "duplicate_version" => &mut policy.duplicate_version,
            _ => {
                ctx.error_help(
                    ctx.at(key),
                    format!("unknown history finding `{name}`"),
                    suggestion_help(&name, &HISTORY_KEYS, "history findings"),
                );
                continue;
            }
        };
        let level = value.value.scalar_text().unwrap_or_default();
        *slot = match level.as_str() {
            "error" => Some(Severity::Error),
            "warning" => Some(Severity::Warning),
            "info" => Some(Severity::Info),
            // `off`, and `false` for YAML 1.1 readers that turn `off` into a boolean.
            "off" | "false" => None,
            _ => {
                ctx.error_help(
                    ctx.at(value),
                    format!("unknown severity `{level}` for `history.{name}`"),
                    suggestion_help(&level, &LEVELS, "values"),
                );
                continue;
            }
        };
    }
}
