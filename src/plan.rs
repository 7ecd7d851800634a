//! The plan step: which tests and rules of the project this run executes (`--filter`, `--tag`).

use crate::project::{Project, Rule, TableRows, UnitTest};
use camino::Utf8PathBuf;

/// What the user asked to select.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Keep items whose id contains any of these (all when empty).
    pub filters: Vec<String>,
    /// Keep tests carrying any of these tags (all when empty).
    pub tags: Vec<String>,
}

/// A unit test with what it needs from its spec file.
#[derive(Debug, Clone)]
pub struct PlannedTest {
    pub test: UnitTest,
    /// The spec file's `fixtures`, inserted before the test's `given`.
    pub fixtures: Vec<TableRows>,
    pub spec: Utf8PathBuf,
}

/// A rule entry with the spec it came from.
#[derive(Debug, Clone)]
pub struct PlannedRule {
    pub rule: Rule,
    pub spec: Utf8PathBuf,
}

/// The selected work, in spec-file order.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub tests: Vec<PlannedTest>,
    pub rules: Vec<PlannedRule>,
}

impl Selection {
    fn keeps_id(&self, id: &str) -> bool {
        self.filters.is_empty() || self.filters.iter().any(|f| id.contains(f.as_str()))
    }

    fn keeps_tags(&self, tags: &[String]) -> bool {
        self.tags.is_empty() || tags.iter().any(|t| self.tags.contains(t))
    }
}

/// Selects the tests and rules to run. Rules have no tags: `--tag` selects tests only, and
/// leaves rules out unless no tag is given.
pub fn plan(project: &Project, selection: &Selection) -> Plan {
    let mut plan = Plan::default();
    for spec in &project.specs {
        for test in &spec.tests {
            if selection.keeps_id(&test.id) && selection.keeps_tags(&test.tags) {
                plan.tests.push(PlannedTest {
                    test: test.clone(),
                    fixtures: spec.fixtures.clone(),
                    spec: spec.path.clone(),
                });
            }
        }
        if !selection.tags.is_empty() {
            continue;
        }
        for rule in &spec.rules {
            // Table entries keep only their selected checks.
            let kept = match rule {
                Rule::Table {
                    table,
                    where_,
                    checks,
                    location,
                } => {
                    let checks: Vec<_> = checks
                        .iter()
                        .filter(|c| selection.keeps_id(&c.id))
                        .cloned()
                        .collect();
                    (!checks.is_empty()).then(|| Rule::Table {
                        table: table.clone(),
                        where_: where_.clone(),
                        checks,
                        location: location.clone(),
                    })
                }
                Rule::Sql(r) => selection.keeps_id(&r.id).then(|| rule.clone()),
            };
            if let Some(rule) = kept {
                plan.rules.push(PlannedRule {
                    rule,
                    spec: spec.path.clone(),
                });
            }
        }
    }
    plan
}
