//! Merging the results of shards (`sqltest merge a.json b.json … -o all.json`) into one run.
//!
//! Shards of one project split the tests and rules between jobs; each applies every migration. The
//! merge refuses inputs that cannot be one run: results of different projects (another engine,
//! project file or directory), written by different sqltest versions, or whose migrations differ
//! (the shards ran different commits). A test or check appearing in two inputs means the shards
//! overlap, which is refused too, since one of the outcomes would be silently lost.
//!
//! The merged run starts when the first shard started and lasts until the last one ended; phase
//! timings are the slowest shard's; items are ordered by spec file and position, as one run
//! orders them.

use crate::results::{MigrationResult, RunResults, Status, Timings};
use camino::Utf8PathBuf;
use std::collections::HashMap;

/// One input of a merge: where it was read from (for messages) and its results.
#[derive(Debug, Clone)]
pub struct MergeInput {
    pub path: Utf8PathBuf,
    pub results: RunResults,
}

/// Why results could not be merged. Messages name both files involved.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MergeError {
    #[error("merge results: no results files given")]
    Empty,
    #[error(
        "merge {first} and {other}: they are results of different projects ({what}: `{a}` in \
         {first}, `{b}` in {other}); merge only the shards of one project"
    )]
    DifferentProjects {
        first: Utf8PathBuf,
        other: Utf8PathBuf,
        what: &'static str,
        a: String,
        b: String,
    },
    #[error(
        "merge {first} and {other}: they were written by different sqltest versions ({a} and \
         {b}); run every shard with the same version"
    )]
    DifferentVersions {
        first: Utf8PathBuf,
        other: Utf8PathBuf,
        a: String,
        b: String,
    },
    #[error(
        "merge {first} and {other}: their migrations differ ({detail}); the shards ran different \
         versions of the project"
    )]
    DifferentMigrations {
        first: Utf8PathBuf,
        other: Utf8PathBuf,
        detail: String,
    },
    #[error(
        "merge {first} and {other}: both contain the {what} `{id}`; shards must not overlap \
         (give each shard its own --shard K/N)"
    )]
    Overlap {
        first: Utf8PathBuf,
        other: Utf8PathBuf,
        what: &'static str,
        id: String,
    },
}

/// Merges shard results into one run (see the module doc for what is refused).
pub fn merge_results(inputs: &[MergeInput]) -> Result<RunResults, MergeError> {
    let Some((head, rest)) = inputs.split_first() else {
        return Err(MergeError::Empty);
    };
    for other in rest {
        same_run(head, other)?;
    }

    let mut merged = head.results.clone();
    let mut test_owner: HashMap<&str, &Utf8PathBuf> = HashMap::new();
    let mut check_owner: HashMap<&str, &Utf8PathBuf> = HashMap::new();
    for input in inputs {
        for t in &input.results.tests {
            if let Some(first) = test_owner.insert(&t.id, &input.path) {
                return Err(MergeError::Overlap {
                    first: first.clone(),
                    other: input.path.clone(),
                    what: "test",
                    id: t.id.clone(),
                });
            }
        }
        for c in &input.results.checks {
            if let Some(first) = check_owner.insert(&c.id, &input.path) {
                return Err(MergeError::Overlap {
                    first: first.clone(),
                    other: input.path.clone(),
                    what: "check",
                    id: c.id.clone(),
                });
            }
        }
    }

    let runs: Vec<&RunResults> = inputs.iter().map(|i| &i.results).collect();
    merged.started_at = runs
        .iter()
        .map(|r| r.started_at)
        .min()
        .unwrap_or(head.results.started_at);
    let end = runs
        .iter()
        .map(|r| {
            r.started_at
                + chrono::Duration::from_std(super::text::secs(r.duration_secs)).unwrap_or_default()
        })
        .max()
        .unwrap_or(merged.started_at);
    merged.duration_secs = (end - merged.started_at)
        .to_std()
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0);
    merged.migrations = merge_migrations(&runs);
    merged.tests = interleave(&runs, |r| &r.tests, |t| (&t.spec, &t.location));
    merged.checks = interleave(&runs, |r| &r.checks, |c| (&c.spec, &c.location));
    merged.errors = inputs
        .iter()
        .flat_map(|i| {
            i.results.errors.iter().map(move |e| {
                if inputs.len() > 1 {
                    format!("{} (shard {})", e, i.path)
                } else {
                    e.clone()
                }
            })
        })
        .collect();
    merged.interrupted = runs.iter().any(|r| r.interrupted);
    merged.timings = slowest(&runs);
    merged.project.server_version = runs.iter().find_map(|r| r.project.server_version.clone());
    Ok(merged)
}

fn same_run(head: &MergeInput, other: &MergeInput) -> Result<(), MergeError> {
    let (a, b) = (&head.results, &other.results);
    let differ = |what: &'static str, x: String, y: String| {
        Err(MergeError::DifferentProjects {
            first: head.path.clone(),
            other: other.path.clone(),
            what,
            a: x,
            b: y,
        })
    };
    if a.project.engine != b.project.engine {
        return differ(
            "engine",
            a.project.engine.as_str().into(),
            b.project.engine.as_str().into(),
        );
    }
    if a.project.config != b.project.config {
        return differ(
            "project file",
            a.project.config.to_string(),
            b.project.config.to_string(),
        );
    }
    // CI runners may check out to different absolute paths, but the project directory's name
    // is the repository's (or its subdirectory's) on every runner.
    if a.project.root.file_name() != b.project.root.file_name() {
        return differ(
            "project directory",
            a.project.root.to_string(),
            b.project.root.to_string(),
        );
    }
    if a.schema_version != b.schema_version || a.tool.version != b.tool.version {
        return Err(MergeError::DifferentVersions {
            first: head.path.clone(),
            other: other.path.clone(),
            a: format!("{} {}", a.tool.name, a.tool.version),
            b: format!("{} {}", b.tool.name, b.tool.version),
        });
    }
    let paths = |r: &RunResults| -> Vec<Utf8PathBuf> {
        r.migrations.iter().map(|m| m.path.clone()).collect()
    };
    let (pa, pb) = (paths(a), paths(b));
    if pa != pb {
        let detail = match pa.iter().zip(&pb).position(|(x, y)| x != y) {
            Some(i) => format!("#{}: {} against {}", i + 1, pa[i], pb[i]),
            None => format!("{} files against {}", pa.len(), pb.len()),
        };
        return Err(MergeError::DifferentMigrations {
            first: head.path.clone(),
            other: other.path.clone(),
            detail,
        });
    }
    Ok(())
}

/// Every shard applied the same migrations; keep, per file, the worst outcome (a failure in any
/// shard is a failure of the run) and the slowest time.
fn merge_migrations(runs: &[&RunResults]) -> Vec<MigrationResult> {
    let Some(first) = runs.first() else {
        return Vec::new();
    };
    first
        .migrations
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let candidates = runs.iter().filter_map(|r| r.migrations.get(i));
            let worst = candidates
                .clone()
                .max_by_key(|c| severity_rank(c.status))
                .unwrap_or(m);
            let mut out = worst.clone();
            out.duration_secs = candidates.map(|c| c.duration_secs).fold(0.0, f64::max);
            out
        })
        .collect()
}

/// The items of every run in one list, in the order one run would have: each shard's list is
/// already in that order, so this is a k-way merge that never reorders a shard's own items. Heads
/// are compared by spec file (in the order the shards list them) then by position in the file.
fn interleave<T: Clone>(
    runs: &[&RunResults],
    items: impl Fn(&RunResults) -> &Vec<T>,
    place: impl Fn(&T) -> (&Utf8PathBuf, &crate::Location),
) -> Vec<T> {
    // Merge each shard's sequence of spec files into one order: a spec not seen yet goes right
    // after the previous spec of the same shard.
    let mut specs: Vec<&Utf8PathBuf> = Vec::new();
    for r in runs {
        let mut cursor: Option<usize> = None;
        for item in items(r) {
            let spec = place(item).0;
            match specs.iter().position(|s| *s == spec) {
                Some(i) => cursor = Some(i),
                None => {
                    let at = cursor.map_or(0, |c| c + 1);
                    specs.insert(at, spec);
                    cursor = Some(at);
                }
            }
        }
    }
    let rank = |item: &T| {
        let (spec, location) = place(item);
        let spec_rank = specs.iter().position(|s| *s == spec).unwrap_or(usize::MAX);
        (spec_rank, location.line, location.column)
    };
    let lists: Vec<&Vec<T>> = runs.iter().map(|r| items(r)).collect();
    let mut heads = vec![0usize; lists.len()];
    let mut out = Vec::with_capacity(lists.iter().map(|l| l.len()).sum());
    loop {
        let next = (0..lists.len())
            .filter(|&i| heads[i] < lists[i].len())
            .min_by_key(|&i| rank(&lists[i][heads[i]]));
        let Some(i) = next else { break };
        out.push(lists[i][heads[i]].clone());
        heads[i] += 1;
    }
    out
}

fn severity_rank(s: Status) -> u8 {
    match s {
        Status::Passed => 0,
        Status::Skipped => 1,
        Status::Failed => 2,
        Status::Error => 3,
    }
}

fn slowest(runs: &[&RunResults]) -> Timings {
    let max = |f: fn(&Timings) -> f64| runs.iter().map(|r| f(&r.timings)).fold(0.0, f64::max);
    Timings {
        provision_secs: max(|t| t.provision_secs),
        prepare_secs: max(|t| t.prepare_secs),
        clone_secs: max(|t| t.clone_secs),
        tests_secs: max(|t| t.tests_secs),
        rules_secs: max(|t| t.rules_secs),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::project::Engine;
    use crate::report::fixture::sample_run;

    /// The sample run split in two shards: tests and checks alternate.
    fn shards() -> (MergeInput, MergeInput) {
        let run = sample_run();
        let mut a = run.clone();
        let mut b = run.clone();
        a.tests = run.tests.iter().step_by(2).cloned().collect();
        b.tests = run.tests.iter().skip(1).step_by(2).cloned().collect();
        a.checks = run.checks.iter().step_by(2).cloned().collect();
        b.checks = run.checks.iter().skip(1).step_by(2).cloned().collect();
        b.errors.clear();
        b.started_at = run.started_at + chrono::Duration::seconds(2);
        b.duration_secs = 3.0;
        b.timings.tests_secs = 2.5;
        a.timings.tests_secs = 1.0;
        (
            MergeInput {
                path: "shard-1.json".into(),
                results: a,
            },
            MergeInput {
                path: "shard-2.json".into(),
                results: b,
            },
        )
    }

    #[test]
    fn shards_merge_back_into_the_whole_run() {
        let (a, b) = shards();
        let merged = merge_results(&[b.clone(), a.clone()]).unwrap();
        let whole = sample_run();
        let names: Vec<&str> = merged.tests.iter().map(|t| t.name.as_str()).collect();
        // Spec files in the order the shards list them, then by line; each shard's own order
        // is kept (b holds lines 12 and 40 of orders.yaml, a lines 20, 30 and customers.yaml).
        assert_eq!(
            names,
            [
                "order total adds tax",
                "negative amounts are rejected",
                "monthly report <sums> & \"groups\"",
                "empty month gives empty report",
                "emails are unique",
            ]
        );
        assert_eq!(merged.checks.len(), whole.checks.len());
        assert_eq!(merged.summary(), whole.summary());
        assert_eq!(merged.migrations, whole.migrations);
        // From the first start to the last end: b started 2 s later and ran 3 s.
        assert_eq!(merged.started_at, whole.started_at);
        assert!(
            (merged.duration_secs - 5.0).abs() < 1e-9,
            "{}",
            merged.duration_secs
        );
        assert_eq!(merged.timings.tests_secs, 2.5);
        assert_eq!(
            merged.errors,
            [
                "lost the connection to the server while running sqltest/customers.yaml (shard shard-1.json)"
            ]
        );
    }

    #[test]
    fn a_migration_failing_in_any_shard_fails_the_merge() {
        let (mut a, b) = shards();
        a.results.migrations[1].status = Status::Passed;
        a.results.migrations[1].error = None;
        let merged = merge_results(&[a, b.clone()]).unwrap();
        assert_eq!(merged.migrations[1].status, Status::Failed);
        assert_eq!(merged.migrations[1].error, b.results.migrations[1].error);
    }

    #[test]
    fn results_of_different_projects_are_refused() {
        let (a, mut b) = shards();
        b.results.project.engine = Engine::Sqlite;
        assert_eq!(
            merge_results(&[a.clone(), b]).unwrap_err().to_string(),
            "merge shard-1.json and shard-2.json: they are results of different projects \
             (engine: `postgres` in shard-1.json, `sqlite` in shard-2.json); merge only the shards \
             of one project"
        );
        let (_, mut b) = shards();
        b.results.project.root = "/home/ci/other".into();
        let err = merge_results(&[a.clone(), b]).unwrap_err();
        assert!(
            matches!(
                &err,
                MergeError::DifferentProjects {
                    what: "project directory",
                    ..
                }
            ),
            "{err}"
        );
        // Another checkout path of the same repository is fine.
        let (_, mut b) = shards();
        b.results.project.root = "/builds/runner-7/shop".into();
        assert!(merge_results(&[a, b]).is_ok());
    }

    #[test]
    fn results_of_other_versions_or_migrations_are_refused() {
        let (a, mut b) = shards();
        b.results.tool.version = "0.2.0".into();
        let msg = merge_results(&[a.clone(), b]).unwrap_err().to_string();
        assert!(
            msg.contains("different sqltest versions (sqltest 0.1.0 and sqltest 0.2.0)"),
            "{msg}"
        );

        let (_, mut b) = shards();
        b.results.migrations[1].path = "db/migrations/002_other.sql".into();
        let msg = merge_results(&[a.clone(), b]).unwrap_err().to_string();
        assert_eq!(
            msg,
            "merge shard-1.json and shard-2.json: their migrations differ (#2: \
             db/migrations/002_rename.sql against db/migrations/002_other.sql); the shards ran \
             different versions of the project"
        );
        let (_, mut b) = shards();
        b.results.migrations.pop();
        let msg = merge_results(&[a, b]).unwrap_err().to_string();
        assert!(msg.contains("(3 files against 2)"), "{msg}");
    }

    #[test]
    fn overlapping_shards_are_refused() {
        let (a, mut b) = shards();
        b.results.tests.push(a.results.tests[0].clone());
        let msg = merge_results(&[a, b]).unwrap_err().to_string();
        assert_eq!(
            msg,
            "merge shard-1.json and shard-2.json: both contain the test \
             `sqltest/orders.yaml::negative amounts are rejected`; shards must not overlap (give \
             each shard its own --shard K/N)"
        );
    }

    #[test]
    fn one_input_is_returned_as_is_and_none_is_an_error() {
        let run = sample_run();
        let merged = merge_results(&[MergeInput {
            path: "only.json".into(),
            results: run.clone(),
        }])
        .unwrap();
        assert_eq!(merged, run);
        assert_eq!(merge_results(&[]), Err(MergeError::Empty));
    }
}
