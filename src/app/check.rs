//! `sqltest check --database-url URL [PATH]`: the project's rules only, against an existing
//! database (staging, production), strictly read-only.

use super::rules_step::{check_count, in_plan_order, options, with_sources};
use super::{Exit, Io, SharedWriter, deliver_reports, exit_for, load, lock};
use crate::cli::CheckArgs;
use crate::plan::{Selection, plan};
use crate::project::BackendKind;
use crate::report::{self, TerminalOptions, TerminalReporter};
use crate::results::{CheckResult, ProjectInfo, RunResults, SCHEMA_VERSION, Timings, ToolInfo};
use crate::rules::{AuditError, audit, audit_target};
use std::io::Write;
use std::sync::Mutex;
use std::time::Instant;

pub async fn check(args: CheckArgs, mut io: Io) -> Exit {
    let started_at = chrono::Utc::now();
    let clock = Instant::now();
    let err_color = report::color_choice(args.color, io.err_is_terminal);
    let project = match load(args.path.clone(), err_color, &mut io) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let (engine, target) = match audit_target(&args.database_url) {
        Ok(t) => t,
        Err(e) => {
            let _ = writeln!(io.err, "error: {e}");
            return Exit::Invalid;
        }
    };
    if engine != project.engine {
        let _ = writeln!(
            io.err,
            "error: the project's engine is {} but the database URL is for {}",
            project.engine.as_str(),
            engine.as_str()
        );
        return Exit::Invalid;
    }
    let selection = Selection {
        filters: args.filters.clone(),
        ..Selection::default()
    };
    let plan = plan(&project, &selection);
    let color = report::color_choice(args.color, io.out_is_terminal);
    let shared_out = SharedWriter(std::sync::Arc::new(Mutex::new(io.out)));
    let reporter = Mutex::new(TerminalReporter::new(
        Box::new(shared_out.clone()),
        TerminalOptions {
            color,
            progress: io.err_is_terminal,
            verbose: false,
        },
    ));
    let mut err = io.err;
    lock(&reporter).phase(&format!("auditing {} read-only", target.name()));
    lock(&reporter).start_tests(0, check_count(&plan));
    let done: Mutex<Vec<CheckResult>> = Mutex::new(Vec::new());
    let on_done = |c: &CheckResult| {
        lock(&reporter).check_done(c);
        if let Ok(mut d) = done.lock() {
            d.push(c.clone());
        }
    };
    let opts = options(&project, &args.rules, None);
    let rules_clock = Instant::now();
    let outcome = audit(&target, &plan.rules, &opts, &on_done).await;
    let mut errors = Vec::new();
    match outcome {
        Ok(_) => {}
        Err(AuditError::Invalid(e)) => {
            let _ = write!(err, "{}", with_sources(&project, e).render(err_color));
            return Exit::Invalid;
        }
        Err(AuditError::Environment(m)) => errors.push(m),
    }
    let results = RunResults {
        schema_version: SCHEMA_VERSION,
        tool: ToolInfo::current(),
        project: ProjectInfo {
            root: project.root.clone(),
            config: project.config_path.clone(),
            engine: project.engine,
            backend: BackendKind::Url,
            server_version: None,
        },
        started_at,
        duration_secs: clock.elapsed().as_secs_f64(),
        migrations: Vec::new(),
        tests: Vec::new(),
        checks: in_plan_order(&plan, done.into_inner().unwrap_or_default()),
        errors,
        interrupted: false,
        timings: Timings {
            rules_secs: rules_clock.elapsed().as_secs_f64(),
            ..Timings::default()
        },
        findings: Vec::new(),
        warnings: Vec::new(),
    };
    lock(&reporter).finish(&results);
    let mut exit = exit_for(&results, args.fail_on);
    let mut stdout = shared_out;
    if !deliver_reports(&results, &args.reports, &mut stdout, &mut err) {
        exit = Exit::Environment;
    }
    exit
}
