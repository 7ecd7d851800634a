//! History checks: the migration files at the base against those of the change. Production
//! already ran the base's files, so editing, deleting or renaming one, adding a file that sorts
//! before them, or reusing an applied version is reported at the file and line.

use crate::Location;
use crate::migrate::discover::{Layout, MigrationFile};
use crate::project::{HistoryPolicy, Severity, natural_cmp};
use crate::results::{Finding, FindingCategory};
use std::collections::HashSet;
use std::time::Duration;

/// The history findings of a change, in file order.
pub fn history_findings(
    base: &[MigrationFile],
    head: &[MigrationFile],
    policy: &HistoryPolicy,
    baseline: Option<&str>,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let base_paths: HashSet<&str> = base.iter().map(|f| f.path.as_str()).collect();
    let new: Vec<&MigrationFile> = head
        .iter()
        .filter(|f| !base_paths.contains(f.path.as_str()))
        .collect();
    let mut explained: HashSet<&str> = HashSet::new();
    let push = |out: &mut Vec<Finding>, sev: Option<Severity>, f: Draft| {
        if let Some(severity) = sev {
            out.push(f.finish(severity));
        }
    };

    for b in base {
        if let Some(h) = head.iter().find(|h| h.path == b.path) {
            if b.content == h.content || is_repeatable(h) {
                continue;
            }
            let (rule, sev, what) = if squeeze(&b.content) == squeeze(&h.content) {
                (
                    "whitespace-edit",
                    policy.whitespace_edit,
                    "only its whitespace or line endings changed",
                )
            } else {
                (
                    "edited",
                    policy.edited,
                    "it was edited, but databases that already ran it will not run it again",
                )
            };
            let line = first_different_line(&b.content, &h.content);
            push(
                &mut out,
                sev,
                Draft {
                    rule,
                    location: Location::new(h.path.clone(), line, 1),
                    message: format!("Migration {} is applied at the base and {what}.", h.path),
                    details: Some(diff(&b.content, &h.content)),
                },
            );
            continue;
        }
        if let Some(renamed) = new
            .iter()
            .find(|n| squeeze(&n.content) == squeeze(&b.content))
        {
            explained.insert(renamed.path.as_str());
            push(
                &mut out,
                policy.renamed,
                Draft {
                    rule: "renamed",
                    location: Location::file(renamed.path.clone()),
                    message: format!(
                        "Migration {} was renamed to {}; tools that track applied files by name will run it again.",
                        b.path, renamed.path
                    ),
                    details: None,
                },
            );
            continue;
        }
        if let Some(reused) = new
            .iter()
            .find(|n| n.version.is_some() && n.version == b.version)
        {
            explained.insert(reused.path.as_str());
            push(
                &mut out,
                policy.duplicate_version,
                Draft {
                    rule: "duplicate-version",
                    location: Location::file(reused.path.clone()),
                    message: format!(
                        "Migration {} reuses version {} of {}, which the base already applied; databases that ran it will skip this file.",
                        reused.path,
                        reused.version.as_deref().unwrap_or_default(),
                        b.path
                    ),
                    details: Some(diff(&b.content, &reused.content)),
                },
            );
            continue;
        }
        if !within_baseline(b, baseline) {
            push(
                &mut out,
                policy.deleted,
                Draft {
                    rule: "deleted",
                    location: Location::file(b.path.clone()),
                    message: format!(
                        "Migration {} is applied at the base but deleted in this change; declare `baseline: <version>` if the history was squashed.",
                        b.path
                    ),
                    details: None,
                },
            );
        }
    }

    // A new file the layout orders before a file the base already applied would run out of
    // order (or never, with tools that only run versions above the highest applied one).
    let position = |p: &str| head.iter().position(|h| h.path == p);
    let last_base = base
        .iter()
        .filter_map(|b| position(b.path.as_str()).map(|i| (i, b)))
        .max_by_key(|(i, _)| *i);
    if let Some((last_index, last)) = last_base {
        for n in &new {
            if explained.contains(n.path.as_str())
                || is_repeatable(n)
                || within_baseline(n, baseline)
            {
                continue;
            }
            if position(n.path.as_str()).is_some_and(|i| i < last_index) {
                push(
                    &mut out,
                    policy.out_of_order,
                    Draft {
                        rule: "out-of-order",
                        location: Location::file(n.path.clone()),
                        message: format!(
                            "New migration {} sorts before {}, which the base already applied; rename it to sort after it.",
                            n.path, last.path
                        ),
                        details: None,
                    },
                );
            }
        }
    }
    number_repeats(&mut out);
    out
}

/// A finding before its severity is known.
struct Draft {
    rule: &'static str,
    location: Location,
    message: String,
    details: Option<String>,
}

impl Draft {
    fn finish(self, severity: Severity) -> Finding {
        Finding::new(
            FindingCategory::History,
            self.rule,
            severity,
            Some(self.location),
            self.message,
            self.details,
        )
    }
}

/// Whether a migration is part of the history squashed into `baseline: <version>`: the base's
/// files folded into it, and the baseline file itself.
pub fn within_baseline(f: &MigrationFile, baseline: Option<&str>) -> bool {
    match (baseline, &f.version) {
        (Some(line), Some(v)) => natural_cmp(v, line).is_le(),
        _ => false,
    }
}

/// Flyway's repeatable migrations are re-run whenever they change: editing them is their use.
fn is_repeatable(f: &MigrationFile) -> bool {
    f.layout == Layout::Flyway && f.version.is_none()
}

/// The text with every run of whitespace (line endings included) made one space.
fn squeeze(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn first_different_line(a: &str, b: &str) -> u32 {
    let (a, b) = (a.replace("\r\n", "\n"), b.replace("\r\n", "\n"));
    let mut i = 0u32;
    let mut la = a.lines();
    let mut lb = b.lines();
    loop {
        i += 1;
        match (la.next(), lb.next()) {
            (Some(x), Some(y)) if x.trim_end() == y.trim_end() => continue,
            (None, None) => return 1,
            _ => return i,
        }
    }
}

/// A unified diff of the base's file against the change's, bounded for reports.
fn diff(base: &str, head: &str) -> String {
    let text = similar::TextDiff::configure()
        .timeout(Duration::from_millis(200))
        .diff_lines(base, head)
        .unified_diff()
        .context_radius(2)
        .header("base", "this change")
        .to_string();
    const MAX_LINES: usize = 60;
    let total = text.lines().count();
    if total <= MAX_LINES {
        return text;
    }
    let mut kept: String = text
        .lines()
        .take(MAX_LINES)
        .flat_map(|l| [l, "\n"])
        .collect();
    kept.push_str(&format!("… {} more diff lines\n", total - MAX_LINES));
    kept
}

/// Two findings of one rule on one file get `::2`, `::3` so ids stay unique.
pub(crate) fn number_repeats(findings: &mut [Finding]) {
    let mut seen = std::collections::HashMap::<String, usize>::new();
    for f in findings {
        let n = seen.entry(f.id.clone()).or_insert(0);
        *n += 1;
        if *n > 1 {
            f.id = format!("{}::{n}", f.id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, version: &str, content: &str) -> MigrationFile {
        MigrationFile {
            path: path.into(),
            version: Some(version.into()),
            description: String::new(),
            layout: Layout::Sqlx,
            content: content.into(),
            up: 0..content.len(),
            no_transaction: false,
            down: None,
        }
    }

    fn rules(f: &[Finding]) -> Vec<(&str, &str, Severity)> {
        f.iter()
            .map(|f| {
                (
                    f.rule.as_str(),
                    f.location.as_ref().unwrap().path.as_str(),
                    f.severity,
                )
            })
            .collect()
    }

    #[test]
    fn edits_deletions_renames_reused_versions_and_order_are_found() {
        let base = vec![
            file("m/001_a.sql", "001", "create table a (id int);\n"),
            file(
                "m/002_b.sql",
                "002",
                "create table b (id int);\nselect 1;\n",
            ),
            file("m/003_c.sql", "003", "create table c (id int);\n"),
            file("m/004_d.sql", "004", "create table d (id int);\n"),
            file("m/006_f.sql", "006", "create table f (id int);\n"),
        ];
        let head = vec![
            file("m/001_a.sql", "001", "create table a (id int);\r\n"),
            file(
                "m/002_b.sql",
                "002",
                "create table b (id int);\nselect 2;\n",
            ),
            file("m/004_dd.sql", "004", "create table dd (id int);\n"),
            file("m/005_e.sql", "005", "create table e (id int);\n"),
            file("m/006_f.sql", "006", "create table f (id int);\n"),
            file("m/007_c.sql", "007", "create table c (id int);\n"),
        ];
        let f = history_findings(&base, &head, &HistoryPolicy::default(), None);
        assert_eq!(
            rules(&f),
            vec![
                ("whitespace-edit", "m/001_a.sql", Severity::Info),
                ("edited", "m/002_b.sql", Severity::Error),
                ("renamed", "m/007_c.sql", Severity::Warning),
                ("duplicate-version", "m/004_dd.sql", Severity::Error),
                ("out-of-order", "m/005_e.sql", Severity::Warning),
            ]
        );
        assert_eq!(f[1].location.as_ref().unwrap().line, 2);
        assert!(
            f[1].details.as_deref().unwrap().contains("+select 2;"),
            "{f:?}"
        );
        assert_eq!(f[1].id, "m/002_b.sql::edited");
    }

    #[test]
    fn deletions_up_to_the_baseline_are_squashed_history() {
        let base = vec![
            file("m/001_a.sql", "001", "a"),
            file("m/002_b.sql", "002", "b"),
            file("m/003_c.sql", "003", "c"),
        ];
        let head = vec![file("m/003_c.sql", "003", "c")];
        let f = history_findings(&base, &head, &HistoryPolicy::default(), None);
        assert_eq!(f.len(), 2);
        assert!(f.iter().all(|f| f.rule == "deleted"));
        let f = history_findings(&base, &head, &HistoryPolicy::default(), Some("002"));
        assert!(f.is_empty(), "{f:?}");
    }

    #[test]
    fn severities_follow_the_policy_and_off_removes() {
        let base = vec![file("m/001_a.sql", "001", "a")];
        let head = vec![file("m/001_a.sql", "001", "b")];
        let policy = HistoryPolicy {
            edited: Some(Severity::Warning),
            ..HistoryPolicy::default()
        };
        assert_eq!(
            history_findings(&base, &head, &policy, None)[0].severity,
            Severity::Warning
        );
        let off = HistoryPolicy {
            edited: None,
            ..HistoryPolicy::default()
        };
        assert!(history_findings(&base, &head, &off, None).is_empty());
    }
}
