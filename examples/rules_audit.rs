//! What `sqltest check --database-url URL [PATH]` does, until the subcommand is wired into the
//! CLI: load the project, validate its rules against the database, run them read-only, print
//! one line per check. Used by `bench/rules.sh`.
//!
//!     cargo run --release --example rules_audit -- URL [PATH]
//!
//! Exit codes as the CLI's: 0 passed, 1 a check failed, 2 invalid rules, 3 environment.

use camino::Utf8PathBuf;
use sqltest::dialect::SessionOptions;
use sqltest::plan::{Selection, plan};
use sqltest::results::{CheckResult, Status};
use sqltest::rules::{AuditError, RulesOptions, audit, audit_target};

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(url) = args.first() else {
        eprintln!("usage: rules_audit DATABASE_URL [PROJECT_PATH]");
        std::process::exit(2);
    };
    let start = Utf8PathBuf::from(args.get(1).map(String::as_str).unwrap_or("."));
    let project = match sqltest::project::load(&start) {
        Ok(p) => p,
        Err(e) => {
            eprint!("{}", e.render(false));
            std::process::exit(2);
        }
    };
    let (engine, target) = match audit_target(url) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    };
    if engine != project.engine {
        eprintln!(
            "error: the project's engine is {} but the URL is {}",
            project.engine.as_str(),
            engine.as_str()
        );
        std::process::exit(2);
    }
    let rules = plan(&project, &Selection::default()).rules;
    let opts = RulesOptions {
        concurrency: project
            .jobs
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get())),
        session: SessionOptions {
            statement_timeout: project.timeout,
            read_only: true,
        },
        ..RulesOptions::default()
    };
    let print = |r: &CheckResult| {
        let extra = r
            .guaranteed_by
            .as_ref()
            .map(|_| String::new())
            .unwrap_or_else(|| format!(" [{:.2}s]", r.duration_secs));
        println!("{:<6} {} — {}{extra}", r.status.as_str(), r.id, r.message);
    };
    match audit(&target, &rules, &opts, &print).await {
        Ok(results) => {
            let failed = results.iter().any(|r| r.status == Status::Failed);
            let errors = results.iter().any(|r| r.status == Status::Error);
            std::process::exit(if errors {
                3
            } else if failed {
                1
            } else {
                0
            });
        }
        Err(AuditError::Invalid(errors)) => {
            for e in errors {
                eprintln!("error: {e}");
            }
            std::process::exit(2);
        }
        Err(AuditError::Environment(e)) => {
            eprintln!("error: {e}");
            std::process::exit(3);
        }
    }
}
