//! The rules step of `sqltest run`: validate the rules against the migrated template and run
//! them read-only; plus the small helpers both `run` and `check` need.

use super::{Body, RunCtx};
use crate::cli::RulesArgs;
use crate::dialect::SessionOptions;
use crate::plan::Plan;
use crate::project::{LoadErrors, Project, Rule};
use crate::results::{CheckResult, Status};
use crate::rules::{AuditError, RulesOptions, audit, kind_name};

/// How many checks the plan holds.
pub fn check_count(plan: &Plan) -> usize {
    plan.rules
        .iter()
        .map(|r| match &r.rule {
            Rule::Table { checks, .. } => checks.len(),
            Rule::Sql(_) => 1,
        })
        .sum()
}

/// The rules' options from the command line and the project. `--jobs` (or `jobs:`), when
/// given, is also the number of connections running rules; otherwise the default stays small,
/// since each connection scans whole tables.
pub fn options(project: &Project, args: &RulesArgs, jobs: Option<usize>) -> RulesOptions {
    let defaults = RulesOptions::default();
    RulesOptions {
        samples: args.samples,
        constraint_shortcuts: !args.no_constraint_shortcuts,
        concurrency: jobs.or(project.jobs).unwrap_or(defaults.concurrency).max(1),
        session: SessionOptions {
            statement_timeout: project.timeout,
            read_only: true,
        },
    }
}

/// Runs the plan's rules on the template database.
pub async fn run(ctx: &RunCtx<'_>, template: &str, outcome: &mut Body) {
    if ctx.plan.rules.is_empty() {
        return;
    }
    let target = match ctx.server.endpoint.target(template) {
        Ok(t) => t,
        Err(e) => {
            outcome
                .errors
                .push(format!("failed to reach the template for the rules: {e}"));
            return;
        }
    };
    let opts = options(ctx.project, ctx.rules, ctx.jobs);
    let on_done = |c: &CheckResult| ctx.check_done(c);
    match audit(&target, &ctx.plan.rules, &opts, &on_done).await {
        Ok(_) => {}
        Err(AuditError::Invalid(errors)) => {
            outcome.rule_errors = Some(with_sources(ctx.project, errors))
        }
        Err(AuditError::Environment(m)) => outcome.errors.push(m),
    }
}

/// Rule errors with the spec files' text, so they render with the offending line.
pub fn with_sources(project: &Project, errors: Vec<crate::project::ConfigError>) -> LoadErrors {
    let mut all = LoadErrors::new(errors);
    for spec in &project.specs {
        if let Ok(text) = std::fs::read_to_string(project.root.join(&spec.path)) {
            all.add_source(spec.path.clone(), text);
        }
    }
    all
}

/// A skipped result for every planned check (an earlier migration failed).
pub fn skipped_checks(plan: &Plan, reason: &str) -> Vec<CheckResult> {
    let mut out = Vec::new();
    for r in &plan.rules {
        let checks: Vec<(
            String,
            String,
            Option<String>,
            crate::Location,
            crate::project::Severity,
        )> = match &r.rule {
            Rule::Table { table, checks, .. } => checks
                .iter()
                .map(|c| {
                    (
                        c.id.clone(),
                        kind_name(&c.kind).to_string(),
                        Some(table.clone()),
                        c.location.clone(),
                        c.options.severity,
                    )
                })
                .collect(),
            Rule::Sql(s) => vec![(
                s.id.clone(),
                "sql".into(),
                None,
                s.location.clone(),
                s.options.severity,
            )],
        };
        for (id, kind, table, location, severity) in checks {
            out.push(CheckResult {
                id,
                kind,
                table,
                spec: r.spec.clone(),
                location,
                severity,
                status: Status::Skipped,
                duration_secs: 0.0,
                violations: 0,
                total_rows: None,
                violation_rate: None,
                message: reason.to_string(),
                samples: Vec::new(),
                guaranteed_by: None,
                db_error: None,
                skip_reason: Some(reason.to_string()),
            });
        }
    }
    out
}

/// Check results sorted in plan order (they finish in any order).
pub fn in_plan_order(plan: &Plan, mut checks: Vec<CheckResult>) -> Vec<CheckResult> {
    let mut order = std::collections::HashMap::new();
    for r in &plan.rules {
        match &r.rule {
            Rule::Table { checks, .. } => {
                for c in checks {
                    let n = order.len();
                    order.entry(c.id.clone()).or_insert(n);
                }
            }
            Rule::Sql(s) => {
                let n = order.len();
                order.entry(s.id.clone()).or_insert(n);
            }
        }
    }
    checks.sort_by_key(|c| order.get(&c.id).copied().unwrap_or(usize::MAX));
    checks
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::project::Engine;

    fn project(jobs: Option<usize>) -> Project {
        Project {
            root: "/p".into(),
            config_path: "sqltest.yaml".into(),
            engine: Engine::Postgres,
            version: None,
            image: None,
            backend: None,
            migrations: None,
            migrations_at: None,
            change: Default::default(),
            seeds: Vec::new(),
            specs: Vec::new(),
            jobs,
            timeout: Some(std::time::Duration::from_secs(7)),
        }
    }

    #[test]
    fn jobs_bound_the_rule_connections_when_given() {
        let args = RulesArgs {
            samples: 3,
            no_constraint_shortcuts: true,
        };
        let default = RulesOptions::default().concurrency;
        assert_eq!(options(&project(None), &args, None).concurrency, default);
        assert_eq!(options(&project(Some(6)), &args, None).concurrency, 6);
        assert_eq!(options(&project(Some(6)), &args, Some(1)).concurrency, 1);
        assert_eq!(options(&project(None), &args, Some(0)).concurrency, 1);
        let o = options(&project(None), &args, None);
        assert!(o.session.read_only && !o.constraint_shortcuts && o.samples == 3);
        assert_eq!(
            o.session.statement_timeout,
            Some(std::time::Duration::from_secs(7))
        );
    }
}
