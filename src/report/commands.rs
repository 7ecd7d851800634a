//! The `sqltest report` and `sqltest merge` subcommands: rendering saved results again, and
//! merging the results of shards. Both only read and write files; they never start a database.
//!
//! Exit status: 0 when every file was written; 2 when an input cannot be used (unreadable,
//! not results, another schema version, results that cannot be merged); 3 when a report cannot
//! be written. The status of the run itself is not repeated: the run's own job reports it.

use super::context::RenderContext;
use super::merge::{MergeInput, merge_results};
use super::target::{ReportFormat, ReportTarget, read_results, write_report_to};
use crate::app::Exit;
use crate::cli::{MergeArgs, ReportArgs};
use crate::results::RunResults;
use std::io::Write;

/// `sqltest report --from RESULTS.json --report FORMAT=PATH …`.
///
/// `env` reads environment variables (CI variables give repository paths and file links);
/// `out` receives reports whose path is `-`; `err` receives error messages.
pub fn report_command(
    args: &ReportArgs,
    env: &impl Fn(&str) -> Option<String>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Exit {
    let results = match read_results(&args.from) {
        Ok(r) => r,
        Err(e) => {
            let _ = writeln!(err, "error: {e}");
            return Exit::Invalid;
        }
    };
    write_all(&results, &args.reports, env, out, err)
}

/// `sqltest merge A.json B.json … -o ALL.json [--report FORMAT=PATH …]`.
pub fn merge_command(
    args: &MergeArgs,
    env: &impl Fn(&str) -> Option<String>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Exit {
    let mut inputs = Vec::with_capacity(args.inputs.len());
    let mut unreadable = false;
    // Read every input before giving up, so one run of the command names every bad file.
    for path in &args.inputs {
        match read_results(path) {
            Ok(results) => inputs.push(MergeInput {
                path: path.clone(),
                results,
            }),
            Err(e) => {
                let _ = writeln!(err, "error: {e}");
                unreadable = true;
            }
        }
    }
    if unreadable {
        return Exit::Invalid;
    }
    let merged = match merge_results(&inputs) {
        Ok(m) => m,
        Err(e) => {
            let _ = writeln!(err, "error: {e}");
            return Exit::Invalid;
        }
    };
    let mut targets = vec![ReportTarget {
        format: ReportFormat::Json,
        path: args.output.clone(),
    }];
    targets.extend(args.reports.iter().cloned());
    write_all(&merged, &targets, env, out, err)
}

fn write_all(
    results: &RunResults,
    targets: &[ReportTarget],
    env: &impl Fn(&str) -> Option<String>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Exit {
    let ctx = RenderContext::detect(results, env);
    let mut exit = Exit::Success;
    // Write every report even when one fails, so a full disk or a typo in one path does not
    // cost the others.
    for target in targets {
        if let Err(e) = write_report_to(results, target, &ctx, out) {
            let _ = writeln!(err, "error: {e}");
            exit = Exit::Environment;
        }
    }
    exit
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixture::sample_run;
    use crate::report::render_json;
    use camino::Utf8PathBuf;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    fn temp() -> (tempfile::TempDir, Utf8PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let root = Utf8PathBuf::from_path_buf(dir.path().to_path_buf()).unwrap();
        (dir, root)
    }

    fn run_report(args: &ReportArgs) -> (Exit, String, String) {
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let exit = report_command(args, &no_env, &mut out, &mut err);
        (
            exit,
            String::from_utf8(out).unwrap(),
            String::from_utf8(err).unwrap(),
        )
    }

    #[test]
    fn saved_results_render_into_any_format() {
        let (_dir, root) = temp();
        let from = root.join("results.json");
        std::fs::write(&from, render_json(&sample_run())).unwrap();
        let args = ReportArgs {
            from: from.clone(),
            reports: vec![
                format!("sarif={root}/out/r.sarif").parse().unwrap(),
                format!("html={root}/out/r.html").parse().unwrap(),
                "markdown=-".parse().unwrap(),
            ],
        };
        let (exit, out, err) = run_report(&args);
        assert_eq!(exit, Exit::Success, "{err}");
        assert!(out.starts_with("## ❌ sqltest: 4 failed"), "{out}");
        let sarif = std::fs::read_to_string(root.join("out/r.sarif")).unwrap();
        assert_eq!(
            sarif,
            crate::report::render_sarif(&sample_run(), &RenderContext::default())
        );
        assert!(root.join("out/r.html").exists());
    }

    #[test]
    fn unreadable_results_are_a_usage_error_naming_the_file() {
        let (_dir, root) = temp();
        let args = ReportArgs {
            from: root.join("missing.json"),
            reports: vec!["github".parse().unwrap()],
        };
        let (exit, out, err) = run_report(&args);
        assert_eq!(exit, Exit::Invalid);
        assert!(out.is_empty());
        assert!(
            err.starts_with(&format!(
                "error: read the results file {root}/missing.json: "
            )),
            "{err}"
        );
    }

    #[test]
    fn a_report_that_cannot_be_written_does_not_stop_the_others() {
        let (_dir, root) = temp();
        let from = root.join("results.json");
        std::fs::write(&from, render_json(&sample_run())).unwrap();
        std::fs::write(root.join("file"), "x").unwrap();
        let args = ReportArgs {
            from,
            reports: vec![
                format!("junit={root}/file/r.xml").parse().unwrap(),
                format!("gitlab={root}/cq.json").parse().unwrap(),
            ],
        };
        let (exit, _, err) = run_report(&args);
        assert_eq!(exit, Exit::Environment);
        assert!(err.contains("for the junit report"), "{err}");
        assert!(root.join("cq.json").exists());
    }

    fn write_shard(root: &Utf8PathBuf, name: &str, r: &RunResults) -> Utf8PathBuf {
        let path = root.join(name);
        std::fs::write(&path, render_json(r)).unwrap();
        path
    }

    #[test]
    fn shards_merge_into_one_results_file_and_reports() {
        let (_dir, root) = temp();
        let run = sample_run();
        let mut a = run.clone();
        let mut b = run.clone();
        a.tests.truncate(2);
        b.tests.drain(..2);
        a.checks.clear();
        let args = MergeArgs {
            inputs: vec![
                write_shard(&root, "a.json", &a),
                write_shard(&root, "b.json", &b),
            ],
            output: root.join("all.json"),
            reports: vec![format!("junit={root}/all.xml").parse().unwrap()],
        };
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let exit = merge_command(&args, &no_env, &mut out, &mut err);
        assert_eq!(exit, Exit::Success, "{}", String::from_utf8_lossy(&err));
        let merged = read_results(&root.join("all.json")).unwrap();
        assert_eq!(merged.tests.len(), run.tests.len());
        assert_eq!(merged.checks, run.checks);
        assert!(root.join("all.xml").exists());
    }

    #[test]
    fn merging_names_every_bad_input_and_refuses_other_projects() {
        let (_dir, root) = temp();
        let args = MergeArgs {
            inputs: vec![root.join("x.json"), root.join("y.json")],
            output: root.join("all.json"),
            reports: vec![],
        };
        let (mut out, mut err) = (Vec::new(), Vec::new());
        assert_eq!(
            merge_command(&args, &no_env, &mut out, &mut err),
            Exit::Invalid
        );
        let err = String::from_utf8(err).unwrap();
        assert!(err.contains("x.json") && err.contains("y.json"), "{err}");

        let mut other = sample_run();
        other.project.engine = crate::project::Engine::Sqlite;
        let args = MergeArgs {
            inputs: vec![
                write_shard(&root, "a.json", &sample_run()),
                write_shard(&root, "b.json", &other),
            ],
            output: root.join("all.json"),
            reports: vec![],
        };
        let (mut out, mut err) = (Vec::new(), Vec::new());
        assert_eq!(
            merge_command(&args, &no_env, &mut out, &mut err),
            Exit::Invalid
        );
        let err = String::from_utf8(err).unwrap();
        assert!(
            err.contains("they are results of different projects"),
            "{err}"
        );
        assert!(
            !root.join("all.json").exists(),
            "nothing written on refusal"
        );
    }
}
