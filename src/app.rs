//! Wires the steps together for each subcommand and decides the exit status. The flow of
//! `run` is: load → plan → provision → prepare → execute → results → report, with the
//! server released on every path (including Ctrl-C and SIGTERM).

use crate::backend::databases::DbRegistry;
use crate::backend::{self, ProvisionRequest, Server};
use crate::cli::{Cli, Command, ListArgs, RunArgs};
use crate::dialect::SessionOptions;
use crate::exec::runner::{ExecContext, run_tests, skipped};
use crate::migrate::discover::{self, MigrationFile};
use crate::migrate::prepare::{Script, prepare};
use crate::plan::{Plan, Selection, plan};
use crate::project::{self, BackendKind, Project};
use crate::report::{self, TerminalOptions, TerminalReporter};
use crate::results::{
    MigrationResult, ProjectInfo, RunResults, SCHEMA_VERSION, ScriptKind, TestResult, ToolInfo,
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
        Command::List(args) => list(args, &mut io),
    }
}

fn start_path(path: Option<Utf8PathBuf>, io: &mut Io) -> Option<Utf8PathBuf> {
    match path {
        Some(p) => Some(p),
        None => match std::env::current_dir().map(Utf8PathBuf::from_path_buf) {
            Ok(Ok(p)) => Some(p),
            _ => {
                let _ = writeln!(
                    io.err,
                    "error: the working directory is not readable as UTF-8"
                );
                None
            }
        },
    }
}

fn load(path: Option<Utf8PathBuf>, color: bool, io: &mut Io) -> Result<Project, Exit> {
    let start = start_path(path, io).ok_or(Exit::Invalid)?;
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

/// Migrations (in layout order) then seeds (in the order the project lists them).
fn scripts(project: &Project) -> Result<Vec<Script>, String> {
    let mut scripts = Vec::new();
    if let Some(dir) = &project.migrations {
        let files = discover::discover(&project.root, dir).map_err(|e| e.to_string())?;
        scripts.extend(files.into_iter().map(|file| Script {
            kind: ScriptKind::Migration,
            file,
        }));
    }
    for seed in &project.seeds {
        let file: MigrationFile =
            discover::load_script(&project.root, seed).map_err(|e| e.to_string())?;
        scripts.push(Script {
            kind: ScriptKind::Seed,
            file,
        });
    }
    Ok(scripts)
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
    let scripts = match scripts(&project) {
        Ok(s) => s,
        Err(e) => {
            let _ = writeln!(io.err, "error: {e}");
            return Exit::Invalid;
        }
    };
    let selection = Selection {
        filters: args.filters.clone(),
        tags: args.tags.clone(),
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
        reuse: false,
        project_root: project.root.clone(),
        run_id: id.clone(),
    };
    let reporter = Mutex::new(TerminalReporter::new(
        io.out,
        TerminalOptions {
            color,
            progress: io.err_is_terminal,
            verbose: false,
        },
    ));
    let mut err = io.err;

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
    let mut outcome = Body {
        server_version: None,
        errors: Vec::new(),
        timings: Default::default(),
    };
    outcome.timings.provision_secs = provision_clock.elapsed().as_secs_f64();
    let body = execute(
        &project,
        &plan,
        &scripts,
        &server,
        &id,
        &session,
        &registry,
        args.jobs,
        &reporter,
        &migrations_done,
        &tests_done,
        &mut outcome,
    );
    let interrupted = with_signals(body).await.err();

    // Teardown on every path: databases on a shared server, then the server itself.
    if !server.ephemeral || args.keep {
        if !args.keep {
            outcome
                .errors
                .extend(registry.drop_all(&server.endpoint).await);
        }
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
        checks: Vec::new(),
        errors: outcome.errors.clone(),
        interrupted: interrupted.is_some(),
        timings: outcome.timings,
    };
    lock(&reporter).finish(&results);
    let mut exit = exit_for(&results, args.fail_on);
    for target in &args.reports {
        if let Err(e) = report::write_report(&results, target) {
            let _ = writeln!(err, "error: {e}");
            exit = Exit::Environment;
        }
    }
    interrupted.unwrap_or(exit)
}

struct Body {
    server_version: Option<String>,
    errors: Vec<String>,
    timings: crate::results::Timings,
}

#[allow(clippy::too_many_arguments)]
async fn execute(
    project: &Project,
    plan: &Plan,
    scripts: &[Script],
    server: &Server,
    run_id: &str,
    session: &SessionOptions,
    registry: &DbRegistry,
    jobs: Option<usize>,
    reporter: &Mutex<TerminalReporter>,
    migrations_done: &Mutex<Vec<MigrationResult>>,
    tests_done: &Mutex<Vec<TestResult>>,
    outcome: &mut Body,
) {
    let prefix = format!("sqltest_{run_id}");
    let template = format!("{prefix}_tpl");
    registry.record(&template);
    let prepare_clock = Instant::now();
    let prepared = prepare(
        &server.endpoint,
        &template,
        project.engine,
        scripts,
        session,
        |m| {
            lock(reporter).migration_done(m);
            if let Ok(mut done) = migrations_done.lock() {
                done.push(m.clone());
            }
        },
    )
    .await;
    let prepared = match prepared {
        Ok(p) => p,
        Err(e) => {
            outcome.errors.push(e);
            return;
        }
    };
    outcome.server_version = prepared.server_version.clone();
    outcome.timings.prepare_secs = prepare_clock.elapsed().as_secs_f64();
    let on_done = |t: &TestResult| {
        lock(reporter).test_done(t);
        if let Ok(mut done) = tests_done.lock() {
            done.push(t.clone());
        }
    };
    if let Some(first) = prepared.failed.as_ref().or(prepared.infra_error.as_ref()) {
        for t in &plan.tests {
            on_done(&skipped(t, format!("not run: migration {first} failed")));
        }
        return;
    }
    lock(reporter).phase(&format!(
        "prepared the template database in {:.2}s",
        prepare_clock.elapsed().as_secs_f64()
    ));
    let jobs = jobs.or(project.jobs).unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2)
    });
    let ctx = ExecContext {
        endpoint: &server.endpoint,
        template: &template,
        db_prefix: &prefix,
        session: session.clone(),
        jobs,
        registry,
    };
    lock(reporter).start_tests(plan.tests.len(), 0);
    let tests_clock = Instant::now();
    let output = run_tests(&ctx, &plan.tests, &on_done).await;
    outcome.timings.tests_secs = tests_clock.elapsed().as_secs_f64();
    outcome.timings.clone_secs = output.clone_secs;
    outcome.errors.extend(output.errors);
}

fn lock<'a>(r: &'a Mutex<TerminalReporter>) -> std::sync::MutexGuard<'a, TerminalReporter> {
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
