//! Wires the steps together for each subcommand and decides the exit status. The flow of
//! `run` is: load → plan → provision → prepare → execute → results → report, with the
//! server released on every path (including Ctrl-C and SIGTERM).

mod check;
mod drift;
mod reversibility;
mod rules_step;
mod scripts;
mod template;
mod upgrade;

use template::Template;

use crate::backend::databases::DbRegistry;
use crate::backend::{self, ProvisionRequest, Server};
use crate::cli::{Cli, Command, ListArgs, RunArgs};
use crate::dialect::SessionOptions;
use crate::exec::runner::{ExecContext, run_tests, skipped};
use crate::migrate::prepare::Script;
use crate::plan::{Plan, Selection, plan};
use crate::project::{self, BackendKind, Project};
use crate::report::{self, TerminalOptions, TerminalReporter};
use crate::results::{
    CheckResult, MigrationResult, Origin, ProjectInfo, RunResults, SCHEMA_VERSION, ScriptKind,
    TestResult, ToolInfo,
};
use camino::{Utf8Path, Utf8PathBuf};
use std::io::{IsTerminal, Write};
use std::sync::Mutex;
use std::time::Instant;

/// The process exit status, as documented in `--help` and the README.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Success = 0,
    ChecksFailed = 1,
    Invalid = 2,
    Environment = 3,
    /// Interrupted by SIGINT (128 + 2), as shells report it.
    Interrupted = 130,
}

/// Where output goes: the library never writes to the process's streams itself.
pub struct Io {
    pub out: Box<dyn Write + Send>,
    pub err: Box<dyn Write + Send>,
    pub out_is_terminal: bool,
    pub err_is_terminal: bool,
}

impl Io {
    /// The process's stdout and stderr.
    pub fn std() -> Io {
        Io {
            out_is_terminal: std::io::stdout().is_terminal(),
            err_is_terminal: std::io::stderr().is_terminal(),
            out: Box::new(std::io::stdout()),
            err: Box::new(std::io::stderr()),
        }
    }
}

/// Runs one command line.
pub async fn main(cli: Cli, mut io: Io) -> Exit {
    match cli.command {
        Command::Run(args) => run(args, io).await,
        Command::Check(args) => check::check(args, io).await,
        Command::List(args) => list(args, &mut io),
        Command::Init(args) => crate::init::init_command(args, &mut io.out, &mut io.err),
        Command::Clean => clean(&mut io).await,
        Command::Report(args) => {
            report::report_command(&args, &|k| std::env::var(k).ok(), &mut io.out, &mut io.err)
        }
        Command::Merge(args) => {
            report::merge_command(&args, &|k| std::env::var(k).ok(), &mut io.out, &mut io.err)
        }
        Command::Publish(args) => {
            crate::publish::publish_command(args, &mut io.out, &mut io.err).await
        }
        Command::Hook(args) => crate::hook::hook_command(args, &mut io.out, &mut io.err),
    }
}

/// `sqltest clean`: stops warm servers and deletes cached templates.
async fn clean(io: &mut Io) -> Exit {
    let mut exit = Exit::Success;
    match crate::backend::local_warm::clean() {
        Ok(n) => {
            let _ = writeln!(io.out, "removed {n} warm local PostgreSQL cluster(s)");
        }
        Err(e) => {
            let _ = writeln!(io.err, "error: {e}");
            exit = Exit::Environment;
        }
    }
    match crate::backend::docker::clean().await {
        Ok(n) => {
            let _ = writeln!(
                io.out,
                "removed {n} container(s) labelled org.sqltest.managed"
            );
        }
        // No Docker engine here: nothing of ours can be running in one.
        Err(e) if !crate::backend::docker::engine_available() => {
            let _ = writeln!(
                io.out,
                "no Docker engine answered; no container to remove ({e})"
            );
        }
        Err(e) => {
            let _ = writeln!(io.err, "error: {e}");
            exit = Exit::Environment;
        }
    }
    let sqlite = crate::backend::cache_dir().join("sqlite");
    if sqlite.exists() {
        match std::fs::remove_dir_all(&sqlite) {
            Ok(()) => {
                let _ = writeln!(io.out, "removed cached SQLite templates in {sqlite}");
            }
            Err(e) => {
                let _ = writeln!(io.err, "error: failed to remove {sqlite}: {e}");
                exit = Exit::Environment;
            }
        }
    }
    exit
}

/// The path given, else the working directory; `None` (the error written) when that is not UTF-8.
pub(crate) fn start_path(path: Option<Utf8PathBuf>, err: &mut dyn Write) -> Option<Utf8PathBuf> {
    match path {
        Some(p) => Some(p),
        None => match std::env::current_dir().map(Utf8PathBuf::from_path_buf) {
            Ok(Ok(p)) => Some(p),
            _ => {
                let _ = writeln!(err, "error: the working directory is not readable as UTF-8");
                None
            }
        },
    }
}

pub(crate) fn load(path: Option<Utf8PathBuf>, color: bool, io: &mut Io) -> Result<Project, Exit> {
    let start = start_path(path, &mut io.err).ok_or(Exit::Invalid)?;
    project::load(&start).map_err(|errors| {
        let _ = write!(io.err, "{}", errors.render(color));
        Exit::Invalid
    })
}

fn list(args: ListArgs, io: &mut Io) -> Exit {
    let color = report::color_choice(report::ColorChoice::Auto, io.err_is_terminal);
    let project = match load(args.path, color, io) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let p = plan(&project, &Selection::default());
    for t in &p.tests {
        let _ = writeln!(io.out, "test  {}", t.test.id);
    }
    for r in &p.rules {
        match &r.rule {
            project::Rule::Table { checks, .. } => {
                for c in checks {
                    let _ = writeln!(io.out, "check {}", c.id);
                }
            }
            project::Rule::Sql(s) => {
                let _ = writeln!(io.out, "check {}", s.id);
            }
        }
    }
    Exit::Success
}

fn run_id() -> String {
    use rand::Rng;
    let n: u32 = rand::rng().random();
    format!("{n:08x}")
}

async fn run(args: RunArgs, mut io: Io) -> Exit {
    let started_at = chrono::Utc::now();
    let clock = Instant::now();
    let color = report::color_choice(args.color, io.out_is_terminal);
    let err_color = report::color_choice(args.color, io.err_is_terminal);
    let project = match load(args.path.clone(), err_color, &mut io) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let (scripts, mut warnings) = match scripts::read_scripts(&project, err_color) {
        Ok(s) => (s.list, s.warnings),
        Err(rendered) => {
            let _ = write!(io.err, "{rendered}");
            return Exit::Invalid;
        }
    };
    let change = match upgrade::change_of(&project, &scripts, args.base.as_deref(), &mut warnings) {
        Ok(c) => c,
        Err(code) => {
            let _ = writeln!(io.err, "error: {}", code.1);
            return code.0;
        }
    };
    let upgrade_note = change.as_ref().map(upgrade::describe);
    // With a base, the change's own scripts are kept for the fresh-install comparison.
    let (scripts, findings, fresh) = match change {
        Some(c) => (c.scripts, c.findings, Some(scripts)),
        None => (scripts, Vec::new(), None),
    };
    // Allow comments of the migrations that are measured (the change's; all without a base).
    let (allowances, allow_warnings) = crate::safety::allow::parse_all(
        scripts
            .iter()
            .filter(|s| s.kind == ScriptKind::Migration && s.origin != Some(Origin::Base))
            .map(|s| &s.file),
    );
    warnings.extend(allow_warnings);
    let changed = match &args.changed_since {
        None => None,
        Some(rev) => match changed_scope(&project, rev) {
            Ok(scope) => Some(scope),
            Err(e) => {
                let _ = writeln!(io.err, "error: {e}");
                return Exit::Environment;
            }
        },
    };
    if let (Some(scope), Some(rev)) = (&changed, &args.changed_since)
        && scope.is_nothing()
    {
        let _ = writeln!(
            io.out,
            "sqltest: no migration, seed or spec changed since {rev}; nothing to run"
        );
        return Exit::Success;
    }
    let selection = Selection {
        filters: args.filters.clone(),
        tags: args.tags.clone(),
        shard: args.shard,
        changed,
    };
    let plan = plan(&project, &selection);
    let kind = args
        .backend
        .or(project.backend)
        .unwrap_or(BackendKind::Auto);
    let id = run_id();
    let request = ProvisionRequest {
        engine: project.engine,
        database_url: args.database_url.clone(),
        image: args.image.clone().or(project.image.clone()),
        version: project.version.clone(),
        keep: args.keep,
        reuse: args.reuse,
        project_root: project.root.clone(),
        run_id: id.clone(),
    };
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
    if let Some(note) = &upgrade_note {
        lock(&reporter).phase(note);
    }

    let provision_clock = Instant::now();
    let server = match backend::select(kind, &request) {
        Ok(b) => match with_signals(b.provision(&request)).await {
            Ok(Ok(s)) => s,
            Ok(Err(e)) => {
                let _ = writeln!(err, "error: {e}");
                return Exit::Environment;
            }
            Err(exit) => return exit,
        },
        Err(e) => {
            let _ = writeln!(err, "error: {e}");
            return Exit::Environment;
        }
    };
    lock(&reporter).phase(&format!(
        "started {} in {:.2}s",
        server.description,
        provision_clock.elapsed().as_secs_f64()
    ));

    let session = SessionOptions {
        statement_timeout: project.timeout,
        read_only: false,
    };
    let registry = DbRegistry::default();
    let migrations_done: Mutex<Vec<MigrationResult>> = Mutex::new(Vec::new());
    let tests_done: Mutex<Vec<TestResult>> = Mutex::new(Vec::new());
    let checks_done: Mutex<Vec<CheckResult>> = Mutex::new(Vec::new());
    let mut outcome = Body {
        server_version: None,
        errors: Vec::new(),
        timings: Default::default(),
        rule_errors: None,
        findings,
    };
    outcome.timings.provision_secs = provision_clock.elapsed().as_secs_f64();
    let image = request.image.clone();
    let ctx = RunCtx {
        project: &project,
        plan: &plan,
        scripts: &scripts,
        server: &server,
        run_id: &id,
        session: &session,
        registry: &registry,
        jobs: args.jobs,
        reuse: args.reuse,
        image: image.as_deref(),
        reporter: &reporter,
        migrations_done: &migrations_done,
        tests_done: &tests_done,
        checks_done: &checks_done,
        rules: &args.rules,
        fresh: fresh.as_deref(),
        allowances: &allowances,
    };
    let body = execute(&ctx, &mut outcome);
    let interrupted = with_signals(body).await.err();

    // Teardown on every path: databases on a shared server, then the server itself.
    // A server that outlives the run (url, --reuse) must not keep our clones; --keep keeps
    // everything for debugging.
    if !server.ephemeral && !args.keep {
        outcome
            .errors
            .extend(registry.drop_all(&server.endpoint).await);
    }
    let kept = server.kept_message.clone();
    let endpoint_kind = server.kind;
    if let Err(e) = release(server).await {
        outcome.errors.push(e);
    }
    if let Some(k) = kept {
        lock(&reporter).phase(&k);
    }

    let mut tests = migrations_done.into_inner().unwrap_or_default();
    let migrations = std::mem::take(&mut tests);
    let mut tests = tests_done.into_inner().unwrap_or_default();
    let order: std::collections::HashMap<&str, usize> = plan
        .tests
        .iter()
        .enumerate()
        .map(|(i, t)| (t.test.id.as_str(), i))
        .collect();
    tests.sort_by_key(|t| order.get(t.id.as_str()).copied().unwrap_or(usize::MAX));
    let results = RunResults {
        schema_version: SCHEMA_VERSION,
        tool: ToolInfo::current(),
        project: ProjectInfo {
            root: project.root.clone(),
            config: project.config_path.clone(),
            engine: project.engine,
            backend: endpoint_kind,
            server_version: outcome.server_version.clone(),
        },
        started_at,
        duration_secs: clock.elapsed().as_secs_f64(),
        migrations,
        tests,
        checks: rules_step::in_plan_order(&plan, checks_done.into_inner().unwrap_or_default()),
        errors: outcome.errors.clone(),
        interrupted: interrupted.is_some(),
        timings: outcome.timings,
        findings: outcome.findings.clone(),
        warnings,
    };
    lock(&reporter).finish(&results);
    let mut exit = exit_for(&results, args.fail_on);
    if let Some(errors) = &outcome.rule_errors {
        let _ = write!(err, "{}", errors.render(err_color));
        exit = Exit::Invalid;
    }
    let mut stdout = shared_out.clone();
    if !deliver_reports(&results, &args.reports, &mut stdout, &mut err) {
        exit = Exit::Environment;
    }
    if args.publish.publish {
        let call = crate::publish::PublishCall {
            results: &results,
            fail_on: args.fail_on,
            sarif: None,
            options: &args.publish.forge,
            // github_actions_outputs above already wrote the summary and the commands.
            job_outputs: false,
        };
        let published = crate::publish::publish_results(
            call,
            &crate::publish::context::process_env,
            crate::publish::Tuning::default(),
            &mut stdout,
            &mut err,
        )
        .await;
        if let Some(e) = crate::publish::strict_exit(&published, &args.publish.forge) {
            exit = e;
        }
    }
    interrupted.unwrap_or(exit)
}

/// Writes the `--report` targets and, on GitHub Actions, the workflow commands and the job
/// summary (a no-op elsewhere). False when a report could not be written (the error is on
/// `err`); a job summary that cannot be written is only a warning.
pub(crate) fn deliver_reports(
    results: &RunResults,
    reports: &[report::ReportTarget],
    stdout: &mut dyn Write,
    err: &mut dyn Write,
) -> bool {
    let env = |k: &str| std::env::var(k).ok();
    if let Err(e) = report::github_actions_outputs(results, &env, stdout) {
        let _ = writeln!(err, "warning: {e}");
    }
    let ctx = report::RenderContext::detect(results, &env);
    let on_actions = env("GITHUB_ACTIONS").as_deref() == Some("true");
    let mut written = true;
    for target in reports {
        // On Actions the workflow commands are already on stdout; twice would annotate twice.
        if on_actions && target.format == report::ReportFormat::Github && target.is_stdout() {
            continue;
        }
        if let Err(e) = report::write_report_to(results, target, &ctx, stdout) {
            let _ = writeln!(err, "error: {e}");
            written = false;
        }
    }
    written
}

/// Which specs `--changed-since REV` selects.
fn changed_scope(project: &Project, rev: &str) -> Result<crate::select::ChangeScope, String> {
    let files = crate::select::changed_files(&project.root, rev).map_err(|e| e.to_string())?;
    let specs: Vec<&Utf8Path> = project.specs.iter().map(|s| s.path.as_path()).collect();
    Ok(crate::select::change_scope(
        &files,
        crate::select::ProjectFiles {
            config: &project.config_path,
            migrations: project.migrations.as_deref(),
            seeds: &project.seeds,
            specs: &specs,
        },
    ))
}

pub(crate) struct Body {
    server_version: Option<String>,
    errors: Vec<String>,
    timings: crate::results::Timings,
    /// Rules that do not fit the migrated database (unknown table or column): exit 2.
    rule_errors: Option<crate::project::LoadErrors>,
    /// Findings about the change: history (found before the run) and schema drift.
    findings: Vec<crate::results::Finding>,
}

/// What the run body shares with its steps.
pub(crate) struct RunCtx<'a> {
    project: &'a Project,
    plan: &'a Plan,
    scripts: &'a [Script],
    server: &'a Server,
    run_id: &'a str,
    session: &'a SessionOptions,
    registry: &'a DbRegistry,
    jobs: Option<usize>,
    reuse: bool,
    image: Option<&'a str>,
    reporter: &'a Mutex<TerminalReporter>,
    migrations_done: &'a Mutex<Vec<MigrationResult>>,
    tests_done: &'a Mutex<Vec<TestResult>>,
    checks_done: &'a Mutex<Vec<CheckResult>>,
    rules: &'a crate::cli::RulesArgs,
    /// With a base: the change's own scripts, applied from scratch for the drift comparison.
    fresh: Option<&'a [Script]>,
    /// The `-- sqltest:allow` comments of the measured migrations, by path.
    allowances: &'a std::collections::HashMap<Utf8PathBuf, crate::safety::allow::Allowances>,
}

impl RunCtx<'_> {
    fn check_done(&self, c: &CheckResult) {
        lock(self.reporter).check_done(c);
        if let Ok(mut done) = self.checks_done.lock() {
            done.push(c.clone());
        }
    }

    fn migration_done(&self, m: &MigrationResult) {
        lock(self.reporter).migration_done(m);
        if let Ok(mut done) = self.migrations_done.lock() {
            done.push(m.clone());
        }
    }

    fn test_done(&self, t: &TestResult) {
        lock(self.reporter).test_done(t);
        if let Ok(mut done) = self.tests_done.lock() {
            done.push(t.clone());
        }
    }
}

/// The run's body: the template, the tests, the rules; with a base, the fresh install is built
/// at the same time (it is another database and needs nothing from the template) and compared
/// with the upgraded template at the end.
async fn execute(ctx: &RunCtx<'_>, outcome: &mut Body) {
    let fresh = async {
        match ctx.fresh {
            Some(head) => Some(drift::build_fresh(ctx, head).await),
            None => None,
        }
    };
    let (template, fresh) = tokio::join!(upgrade_and_test(ctx, outcome), fresh);
    if let Some(fresh) = fresh {
        if template.is_some() {
            lock(ctx.reporter).phase("comparing the upgraded schema with a fresh install");
        }
        let found = drift::findings(ctx, fresh, template.as_deref(), &mut outcome.errors).await;
        outcome.findings.extend(found);
    }
}

/// Prepares the template, runs the tests on its clones and the rules on it; the template's
/// name once it is ready.
async fn upgrade_and_test(ctx: &RunCtx<'_>, outcome: &mut Body) -> Option<String> {
    let prepare_clock = Instant::now();
    let template = template::prepare_template(ctx, outcome).await;
    outcome.timings.prepare_secs = prepare_clock.elapsed().as_secs_f64();
    let template = match template {
        Template::Ready(t) => t,
        Template::Failed(first) => {
            let reason = format!("not run: migration {first} failed");
            for t in &ctx.plan.tests {
                ctx.test_done(&skipped(t, reason.clone()));
            }
            for c in rules_step::skipped_checks(ctx.plan, &reason) {
                ctx.check_done(&c);
            }
            return None;
        }
        Template::Unavailable => return None,
    };
    lock(ctx.reporter).phase(&format!(
        "prepared the template database in {:.2}s",
        prepare_clock.elapsed().as_secs_f64()
    ));
    let jobs = ctx.jobs.or(ctx.project.jobs).unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2)
    });
    let prefix = format!("sqltest_{}", ctx.run_id);
    let exec = ExecContext {
        endpoint: &ctx.server.endpoint,
        template: &template,
        db_prefix: &prefix,
        session: ctx.session.clone(),
        jobs,
        registry: ctx.registry,
    };
    lock(ctx.reporter).start_tests(ctx.plan.tests.len(), rules_step::check_count(ctx.plan));
    let tests_clock = Instant::now();
    let on_done = |t: &TestResult| ctx.test_done(t);
    let output = run_tests(&exec, &ctx.plan.tests, &on_done).await;
    outcome.timings.tests_secs = tests_clock.elapsed().as_secs_f64();
    outcome.timings.clone_secs = output.clone_secs;
    outcome.errors.extend(output.errors);
    // Rules read the template itself, read-only, once no clone is being made from it.
    let rules_clock = Instant::now();
    rules_step::run(ctx, &template, outcome).await;
    outcome.timings.rules_secs = rules_clock.elapsed().as_secs_f64();
    Some(template)
}

/// One output stream shared by the live reporter and what is written after it.
#[derive(Clone)]
struct SharedWriter(std::sync::Arc<Mutex<Box<dyn Write + Send>>>);

impl Write for SharedWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).flush()
    }
}

pub(crate) fn lock<'a>(
    r: &'a Mutex<TerminalReporter>,
) -> std::sync::MutexGuard<'a, TerminalReporter> {
    r.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

async fn release(server: Server) -> Result<(), String> {
    server.release().await.map_err(|e| e.to_string())
}

/// Runs `fut` unless SIGINT or SIGTERM comes first; then the future is dropped (closing its
/// connections) and the caller cleans up.
async fn with_signals<F: std::future::Future>(fut: F) -> Result<F::Output, Exit> {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut int), Ok(mut term)) = (
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
    ) else {
        return Ok(fut.await);
    };
    tokio::select! {
        out = fut => Ok(out),
        _ = int.recv() => Err(Exit::Interrupted),
        _ = term.recv() => Err(Exit::Interrupted),
    }
}

/// The exit status a finished run deserves.
pub fn exit_for(results: &RunResults, fail_on: project::Severity) -> Exit {
    // Infrastructure trouble wins: the results are incomplete, whatever else failed.
    if results.has_infra_errors() {
        Exit::Environment
    } else if results.has_failures(fail_on) {
        Exit::ChecksFailed
    } else {
        Exit::Success
    }
}

/// The project root for a path, used by commands that need no full load.
pub fn project_root(start: &Utf8Path) -> Option<Utf8PathBuf> {
    project::find_project_file(start)
        .ok()
        .and_then(|f| f.parent().map(Utf8Path::to_path_buf))
}
