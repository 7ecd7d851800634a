//! Allowing a safety finding with a reason: `-- sqltest:allow <rule> <reason>` in the comment
//! lines directly above a statement (that statement), or in the file's leading comments (the
//! whole file), and `safety.allow` in `sqltest.yaml` (everywhere). An allowed finding stays in
//! every report as a note with its reason; it never silently vanishes.

use super::SafetyRule;
use crate::Location;
use crate::migrate::MigrationFile;
use crate::project::SafetySettings;
use crate::results::{Finding, FindingCategory, Warning};
use camino::Utf8PathBuf;
use std::collections::HashMap;

const MARKER: &str = "sqltest:allow";

/// One `-- sqltest:allow` comment.
#[derive(Debug, Clone, PartialEq)]
struct Allow {
    rule: SafetyRule,
    reason: String,
    /// 1-based line of the comment.
    line: u32,
}

/// The allow comments of one migration file.
#[derive(Debug, Clone, Default)]
pub struct Allowances {
    allows: Vec<Allow>,
    /// The file's lines: which are comments or blank, to find the block above a statement.
    comment_or_blank: Vec<bool>,
    /// Lines before the first statement: the file's leading comment block.
    leading_until: u32,
}

impl Allowances {
    /// The file's allow comments, and warnings for those without a reason or with an unknown
    /// rule (located at the comment).
    pub fn parse(file: &MigrationFile) -> (Allowances, Vec<Warning>) {
        let mut a = Allowances::default();
        let mut warnings = Vec::new();
        let mut leading = true;
        for (i, raw) in file.content.lines().enumerate() {
            let line = i as u32 + 1;
            let text = raw.trim();
            let comment = text.is_empty() || text.starts_with("--");
            a.comment_or_blank.push(comment);
            if leading && !comment {
                leading = false;
                a.leading_until = line;
            }
            let Some(rest) = text
                .strip_prefix("--")
                .map(str::trim_start)
                .and_then(|t| t.strip_prefix(MARKER))
            else {
                continue;
            };
            let at = Location::new(file.path.clone(), line, 1);
            let rest = rest.trim();
            let (id, reason) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
            let Some(rule) = SafetyRule::of_id(id) else {
                let known: Vec<&str> = SafetyRule::ALL.iter().map(|r| r.id()).collect();
                let hint = crate::project::errors::suggestion_help(id, &known, "safety rules");
                warnings.push(Warning {
                    message: format!("`-- {MARKER} {id}`: unknown safety rule; {hint}"),
                    location: Some(at),
                });
                continue;
            };
            let reason = reason.trim().to_string();
            if reason.is_empty() {
                warnings.push(Warning {
                    message: format!(
                        "`-- {MARKER} {id}` gives no reason: say why it is safe here (it is honoured)"
                    ),
                    location: Some(at),
                });
            }
            a.allows.push(Allow { rule, reason, line });
        }
        if leading {
            a.leading_until = a.comment_or_blank.len() as u32 + 1;
        }
        (a, warnings)
    }

    /// The reason `rule` is allowed for the statement starting on `line`, if it is.
    pub fn reason_for(&self, rule: SafetyRule, line: u32) -> Option<String> {
        // The comment block directly above the statement.
        let mut top = line;
        while top > 1 && self.comment_or_blank.get(top as usize - 2) == Some(&true) {
            top -= 1;
        }
        self.allows
            .iter()
            .find(|a| {
                a.rule == rule && ((a.line >= top && a.line < line) || a.line < self.leading_until)
            })
            .map(|a| {
                if a.reason.is_empty() {
                    "allowed in the migration (no reason given)".to_string()
                } else {
                    a.reason.clone()
                }
            })
    }
}

/// The allow comments of each measured file, and the warnings they raise.
pub fn parse_all<'a>(
    files: impl IntoIterator<Item = &'a MigrationFile>,
) -> (HashMap<Utf8PathBuf, Allowances>, Vec<Warning>) {
    let mut map = HashMap::new();
    let mut warnings = Vec::new();
    for f in files {
        let (a, w) = Allowances::parse(f);
        warnings.extend(w);
        map.insert(f.path.clone(), a);
    }
    (map, warnings)
}

/// Applies the project's policy to the safety findings: severities from `safety.severity`
/// (`off` removes the rule's findings), then `safety.allow` and the files' allow comments mark
/// findings suppressed with their reason.
pub fn apply_policy(
    findings: &mut Vec<Finding>,
    allowances: &HashMap<Utf8PathBuf, Allowances>,
    settings: &SafetySettings,
) {
    findings.retain_mut(|f| {
        if f.category != FindingCategory::Safety {
            return true;
        }
        let Some(rule) = SafetyRule::of_id(&f.rule) else {
            return true;
        };
        let Some(severity) = settings.severity_of(rule) else {
            return false;
        };
        f.severity = severity;
        if settings.allow.contains(&rule) {
            f.suppressed = Some("allowed in sqltest.yaml (safety.allow)".into());
        } else if let Some(l) = &f.location
            && let Some(a) = allowances.get(&l.path)
        {
            f.suppressed = a.reason_for(rule, l.line);
        }
        true
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migrate::Layout;

    fn file(content: &str) -> MigrationFile {
        MigrationFile {
            path: "db/migrations/1_x.sql".into(),
            version: None,
            description: String::new(),
            layout: Layout::Plain,
            content: content.into(),
            up: 0..content.len(),
            no_transaction: false,
            down: None,
        }
    }

    #[test]
    fn an_allow_covers_the_statement_below_it_and_the_leading_block_the_file() {
        let f = file(
            "-- sqltest:allow blocks-writes the table is tiny\n\
             create index a on t (x);\n\
             \n\
             -- sqltest:allow table-rewrite backfill window agreed\n\
             -- another comment\n\
             alter table t alter column x type bigint;\n\
             alter table u alter column y type bigint;\n",
        );
        let (a, w) = Allowances::parse(&f);
        assert!(w.is_empty(), "{w:?}");
        assert_eq!(
            a.reason_for(SafetyRule::BlocksWrites, 7).as_deref(),
            Some("the table is tiny"),
            "the leading block covers the whole file"
        );
        assert_eq!(
            a.reason_for(SafetyRule::TableRewrite, 6).as_deref(),
            Some("backfill window agreed")
        );
        assert_eq!(
            a.reason_for(SafetyRule::TableRewrite, 7),
            None,
            "only the statement directly below"
        );
        assert_eq!(a.reason_for(SafetyRule::ScanUnderLock, 2), None);
    }

    #[test]
    fn an_allow_without_reason_or_with_an_unknown_rule_warns_at_its_line() {
        let f = file(
            "create table t (x int);\n-- sqltest:allow drop-table\n-- sqltest:allow blocks-write x\ndrop table t;\n",
        );
        let (a, w) = Allowances::parse(&f);
        assert_eq!(w.len(), 2, "{w:?}");
        assert_eq!(w[0].location.as_ref().unwrap().line, 2);
        assert!(w[0].message.contains("no reason"), "{}", w[0].message);
        assert!(
            w[1].message.contains("blocks-writes"),
            "a suggestion: {}",
            w[1].message
        );
        assert!(
            a.reason_for(SafetyRule::DropTable, 4).is_some(),
            "still honoured"
        );
    }

    #[test]
    fn the_policy_sets_severities_turns_rules_off_and_suppresses_with_reasons() {
        let at = |line| Some(Location::new("db/migrations/1_x.sql", line, 1));
        let mk = |rule: SafetyRule, line| {
            Finding::new(
                FindingCategory::Safety,
                rule.id(),
                rule.default_severity(),
                at(line),
                "m".into(),
                None,
            )
        };
        let mut findings = vec![
            mk(SafetyRule::BlocksWrites, 2),
            mk(SafetyRule::TableRewrite, 6),
            mk(SafetyRule::MissingLockTimeout, 6),
            mk(SafetyRule::DropColumn, 7),
        ];
        let f = file(
            "create table t (x int);\n-- sqltest:allow blocks-writes small\ncreate index on t (x);\n",
        );
        let (a, _) = Allowances::parse(&f);
        let mut allowances = HashMap::new();
        allowances.insert(Utf8PathBuf::from("db/migrations/1_x.sql"), a);
        let mut settings = SafetySettings::default();
        settings.severity.insert("missing-lock-timeout", None);
        settings
            .severity
            .insert("table-rewrite", Some(crate::project::Severity::Warning));
        settings.allow.push(SafetyRule::DropColumn);
        findings[0].location = at(3);
        apply_policy(&mut findings, &allowances, &settings);
        let rules: Vec<&str> = findings.iter().map(|f| f.rule.as_str()).collect();
        assert_eq!(rules, ["blocks-writes", "table-rewrite", "drop-column"]);
        assert_eq!(findings[0].suppressed.as_deref(), Some("small"));
        assert_eq!(findings[1].severity, crate::project::Severity::Warning);
        assert!(findings[1].suppressed.is_none());
        assert!(
            findings[2]
                .suppressed
                .as_deref()
                .unwrap()
                .contains("sqltest.yaml")
        );
    }
}
