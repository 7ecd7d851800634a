//! `--report FORMAT=PATH`: which renderer writes where, and writing a report file atomically.

use super::{
    JsonReportError, RenderContext, parse_json, render_github, render_gitlab, render_html,
    render_json, render_junit, render_markdown, render_sarif,
};
use crate::results::RunResults;
use camino::{Utf8Path, Utf8PathBuf};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::io::Write as _;
use std::str::FromStr;

/// A file format sqltest can write a run in. One enum serves clap and serde.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum ReportFormat {
    /// JUnit XML for GitLab, Jenkins and GitHub test reporters.
    Junit,
    /// The versioned results JSON (`docs/results-json.md`), read back by `sqltest report --from`.
    Json,
    /// SARIF 2.1.0 for GitHub code scanning and Jenkins Warnings NG.
    Sarif,
    /// A GitHub-flavoured Markdown summary (job summary, PR comment), at most 60,000 characters.
    Markdown,
    /// One self-contained HTML page.
    Html,
    /// GitLab Code Quality JSON (`artifacts:reports:codequality`).
    Gitlab,
    /// GitHub workflow commands (`::error file=…::…`); `github` alone or `github=-` means stdout.
    Github,
}

impl ReportFormat {
    /// Every format, in the order help texts list them.
    pub const ALL: &'static [ReportFormat] = &[
        ReportFormat::Junit,
        ReportFormat::Json,
        ReportFormat::Sarif,
        ReportFormat::Markdown,
        ReportFormat::Html,
        ReportFormat::Gitlab,
        ReportFormat::Github,
    ];

    /// The name used on the command line and in config.
    pub fn as_str(self) -> &'static str {
        match self {
            ReportFormat::Junit => "junit",
            ReportFormat::Json => "json",
            ReportFormat::Sarif => "sarif",
            ReportFormat::Markdown => "markdown",
            ReportFormat::Html => "html",
            ReportFormat::Gitlab => "gitlab",
            ReportFormat::Github => "github",
        }
    }

    /// The report's content for a run. `ctx` places project paths in the repository (SARIF,
    /// GitLab, GitHub) and gives file links (Markdown, HTML); JUnit and JSON ignore it.
    pub fn render(self, r: &RunResults, ctx: &RenderContext) -> String {
        match self {
            ReportFormat::Junit => render_junit(r),
            ReportFormat::Json => render_json(r),
            ReportFormat::Sarif => render_sarif(r, ctx),
            ReportFormat::Markdown => render_markdown(r, ctx),
            ReportFormat::Html => render_html(r, ctx),
            ReportFormat::Gitlab => render_gitlab(r, ctx),
            ReportFormat::Github => render_github(r, ctx),
        }
    }

    fn valid_names() -> String {
        ReportFormat::ALL
            .iter()
            .map(|f| f.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl fmt::Display for ReportFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One `--report FORMAT=PATH`: a format and the file to write it to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ReportTarget {
    pub format: ReportFormat,
    /// As given: relative paths are relative to the working directory, not the project root.
    /// `-` means standard output ([`ReportTarget::is_stdout`]).
    pub path: Utf8PathBuf,
}

impl ReportTarget {
    /// Whether the report goes to standard output (`FORMAT=-`, or `github` alone).
    pub fn is_stdout(&self) -> bool {
        self.path == "-"
    }
}

/// Why a `--report` value could not be understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReportTargetError {
    #[error("read --report `{given}`: expected FORMAT=PATH, e.g. `junit=reports/sqltest.xml`")]
    MissingPath { given: String },
    #[error("read --report `{given}`: the path after `=` is empty")]
    EmptyPath { given: String },
    #[error("read --report `{given}`: unknown format `{format}`; valid formats: {valid}")]
    UnknownFormat {
        given: String,
        format: String,
        valid: String,
    },
}

impl FromStr for ReportTarget {
    type Err = ReportTargetError;

    /// Parses `FORMAT=PATH`; the format is case-insensitive, the path is taken verbatim (it may
    /// itself contain `=`).
    fn from_str(given: &str) -> Result<Self, Self::Err> {
        // Workflow commands only work on stdout, so `github` needs no path.
        if given.trim().eq_ignore_ascii_case("github") {
            return Ok(ReportTarget {
                format: ReportFormat::Github,
                path: "-".into(),
            });
        }
        let Some((format, path)) = given.split_once('=') else {
            return Err(ReportTargetError::MissingPath {
                given: given.into(),
            });
        };
        let format_name = format.trim();
        let Some(format) = ReportFormat::ALL
            .iter()
            .copied()
            .find(|f| f.as_str().eq_ignore_ascii_case(format_name))
        else {
            return Err(ReportTargetError::UnknownFormat {
                given: given.into(),
                format: format_name.into(),
                valid: ReportFormat::valid_names(),
            });
        };
        if path.trim().is_empty() {
            return Err(ReportTargetError::EmptyPath {
                given: given.into(),
            });
        }
        Ok(ReportTarget {
            format,
            path: path.into(),
        })
    }
}

impl fmt::Display for ReportTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}", self.format, self.path)
    }
}

/// What went wrong writing a report or reading a results file; always names the file.
///
/// The cause is part of the message (not a separate `source`), so a caller printing only the top
/// error still shows it.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("create the directory {dir} for the {} report {}: {cause}", target.format, target.path)]
    CreateDir {
        target: ReportTarget,
        dir: Utf8PathBuf,
        cause: std::io::Error,
    },
    #[error("write the {} report {}: {cause}", target.format, target.path)]
    Write {
        target: ReportTarget,
        cause: std::io::Error,
    },
    #[error("read the results file {path}: {cause}")]
    Read {
        path: Utf8PathBuf,
        cause: std::io::Error,
    },
    #[error("read the results file {path}: {}", cause.reason())]
    Parse {
        path: Utf8PathBuf,
        cause: JsonReportError,
    },
    #[error("write the {what} to standard output: {cause}")]
    Stdout {
        what: &'static str,
        cause: std::io::Error,
    },
    #[error(
        "write the {} report to standard output: this command writes reports to files only; \
         give a path ({}=PATH)", target.format, target.format
    )]
    NoStdout { target: ReportTarget },
    #[error("append the job summary to {path}: {cause}")]
    StepSummary {
        path: Utf8PathBuf,
        cause: std::io::Error,
    },
}

/// Renders the run in the target's format and writes it to the target's path.
///
/// The content goes to a temporary file in the same directory, is flushed to disk, then renamed
/// over the path: an interrupted run (Ctrl-C, a killed CI job) leaves either the previous report
/// or the new one, never half a file that a CI parser would choke on. Missing parent directories
/// are created.
///
/// Paths and links come from [`RenderContext::detect`] with the process environment. A target
/// of `-` (standard output) needs a writer: use [`write_report_to`].
pub fn write_report(r: &RunResults, target: &ReportTarget) -> Result<(), ReportError> {
    if target.is_stdout() {
        return Err(ReportError::NoStdout {
            target: target.clone(),
        });
    }
    let ctx = RenderContext::detect(r, &|name: &str| std::env::var(name).ok());
    write_report_to(r, target, &ctx, &mut std::io::sink())
}

/// [`write_report`] with a given [`RenderContext`]; a target of `-` is written to `stdout`.
pub fn write_report_to(
    r: &RunResults,
    target: &ReportTarget,
    ctx: &RenderContext,
    stdout: &mut dyn std::io::Write,
) -> Result<(), ReportError> {
    let content = target.format.render(r, ctx);
    if target.is_stdout() {
        return stdout
            .write_all(content.as_bytes())
            .and_then(|()| stdout.flush())
            .map_err(|cause| ReportError::Stdout {
                what: report_noun(target.format),
                cause,
            });
    }
    write_atomically(&target.path, content.as_bytes()).map_err(|e| match e {
        AtomicWriteError::CreateDir(dir, cause) => ReportError::CreateDir {
            target: target.clone(),
            dir,
            cause,
        },
        AtomicWriteError::Write(cause) => ReportError::Write {
            target: target.clone(),
            cause,
        },
    })
}

fn report_noun(format: ReportFormat) -> &'static str {
    match format {
        ReportFormat::Junit => "JUnit report",
        ReportFormat::Json => "JSON results",
        ReportFormat::Sarif => "SARIF report",
        ReportFormat::Markdown => "Markdown summary",
        ReportFormat::Html => "HTML report",
        ReportFormat::Gitlab => "GitLab Code Quality report",
        ReportFormat::Github => "GitHub workflow commands",
    }
}

/// Reads a results file written by `--report json=PATH` (for `sqltest report --from` and
/// `sqltest merge`).
pub fn read_results(path: &Utf8Path) -> Result<RunResults, ReportError> {
    let text = std::fs::read_to_string(path).map_err(|cause| ReportError::Read {
        path: path.to_owned(),
        cause,
    })?;
    parse_json(&text).map_err(|cause| ReportError::Parse {
        path: path.to_owned(),
        cause,
    })
}

enum AtomicWriteError {
    CreateDir(Utf8PathBuf, std::io::Error),
    Write(std::io::Error),
}

fn write_atomically(path: &Utf8Path, content: &[u8]) -> Result<(), AtomicWriteError> {
    // `report.xml` has the parent "", which means the working directory.
    let dir = match path.parent() {
        Some(p) if !p.as_str().is_empty() => p.to_owned(),
        _ => Utf8PathBuf::from("."),
    };
    std::fs::create_dir_all(&dir).map_err(|e| AtomicWriteError::CreateDir(dir.clone(), e))?;
    let file_name = path.file_name().unwrap_or("report");
    let prefix = format!(".{file_name}.");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp");
    // tempfile creates files readable by the owner only; a report is an ordinary artifact that
    // CI uploaders and other users should read like any file the job writes.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        builder.permissions(std::fs::Permissions::from_mode(0o644));
    }
    let mut tmp = builder.tempfile_in(&dir).map_err(AtomicWriteError::Write)?;
    tmp.write_all(content).map_err(AtomicWriteError::Write)?;
    tmp.as_file().sync_all().map_err(AtomicWriteError::Write)?;
    // On failure the temporary file is removed when `PersistError` (holding it) is dropped.
    tmp.persist(path)
        .map_err(|e| AtomicWriteError::Write(e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixture::sample_run;

    #[test]
    fn targets_parse_as_format_equals_path() {
        let t: ReportTarget = "junit=reports/sqltest.xml".parse().unwrap();
        assert_eq!(
            t,
            ReportTarget {
                format: ReportFormat::Junit,
                path: "reports/sqltest.xml".into()
            }
        );
        let t: ReportTarget = "JSON=out/a=b.json".parse().unwrap();
        assert_eq!(
            (t.format, t.path.as_str()),
            (ReportFormat::Json, "out/a=b.json")
        );
        assert_eq!(t.to_string(), "json=out/a=b.json");
    }

    #[test]
    fn bad_targets_say_what_is_wrong() {
        let err = "pdf=x.pdf".parse::<ReportTarget>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "read --report `pdf=x.pdf`: unknown format `pdf`; valid formats: junit, json, sarif, \
             markdown, html, gitlab, github"
        );
        let err = "reports/sqltest.xml".parse::<ReportTarget>().unwrap_err();
        assert!(matches!(err, ReportTargetError::MissingPath { .. }));
        assert_eq!(
            err.to_string(),
            "read --report `reports/sqltest.xml`: expected FORMAT=PATH, e.g. `junit=reports/sqltest.xml`"
        );
        let err = "junit=".parse::<ReportTarget>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "read --report `junit=`: the path after `=` is empty"
        );
    }

    #[test]
    fn clap_takes_repeated_targets_and_shows_our_errors() {
        use clap::Parser as _;
        #[derive(clap::Parser, Debug)]
        struct Args {
            #[arg(long)]
            report: Vec<ReportTarget>,
        }
        let args =
            Args::try_parse_from(["x", "--report", "junit=a.xml", "--report", "json=b.json"])
                .unwrap();
        assert_eq!(args.report.len(), 2);
        let err = Args::try_parse_from(["x", "--report", "pdf=r.pdf"])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("unknown format `pdf`; valid formats: junit, json, sarif"),
            "{err}"
        );
    }

    #[test]
    fn github_alone_and_dash_paths_mean_standard_output() {
        let t: ReportTarget = "github".parse().unwrap();
        assert_eq!((t.format, t.is_stdout()), (ReportFormat::Github, true));
        assert_eq!(t.to_string(), "github=-");
        let t: ReportTarget = "markdown=-".parse().unwrap();
        assert!(t.is_stdout());
        let t: ReportTarget = "github=annotations.txt".parse().unwrap();
        assert!(!t.is_stdout());
        // Other formats still need a path.
        assert!(matches!(
            "sarif".parse::<ReportTarget>(),
            Err(ReportTargetError::MissingPath { .. })
        ));
    }

    #[test]
    fn stdout_targets_go_to_the_given_writer_only() {
        let target: ReportTarget = "gitlab=-".parse().unwrap();
        let mut out = Vec::new();
        write_report_to(&sample_run(), &target, &RenderContext::default(), &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.starts_with("[\n  {\n    \"type\": \"issue\""),
            "{text}"
        );
        let err = write_report(&sample_run(), &target).unwrap_err();
        assert_eq!(
            err.to_string(),
            "write the gitlab report to standard output: this command writes reports to files \
             only; give a path (gitlab=PATH)"
        );
    }

    #[test]
    fn every_format_renders_something_for_the_sample() {
        for f in ReportFormat::ALL {
            let text = f.render(&sample_run(), &RenderContext::default());
            assert!(text.len() > 100, "{f}: {text}");
        }
    }

    #[test]
    fn every_format_is_listed_and_named_like_clap_names_it() {
        use clap::ValueEnum as _;
        assert_eq!(ReportFormat::ALL, ReportFormat::value_variants());
        for f in ReportFormat::ALL {
            assert_eq!(f.to_possible_value().unwrap().get_name(), f.as_str());
        }
    }

    #[test]
    fn reports_are_written_into_new_directories_without_leftovers() {
        let dir = tempfile::tempdir().unwrap();
        let root = Utf8PathBuf::from_path_buf(dir.path().to_path_buf()).unwrap();
        let path = root.join("reports/nested/run.json");
        let target = ReportTarget {
            format: ReportFormat::Json,
            path: path.clone(),
        };
        write_report(&sample_run(), &target).unwrap();
        assert_eq!(read_results(&path).unwrap(), sample_run());
        // Overwriting replaces the file; no temporary file is left beside it.
        write_report(&sample_run(), &target).unwrap();
        let names: Vec<String> = std::fs::read_dir(root.join("reports/nested"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["run.json"]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(
                mode & 0o044,
                0o044,
                "report not readable by others: {mode:o}"
            );
        }
    }

    #[test]
    fn write_errors_name_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let root = Utf8PathBuf::from_path_buf(dir.path().to_path_buf()).unwrap();
        // A file where a directory is needed.
        std::fs::write(root.join("blocker"), "x").unwrap();
        let target = ReportTarget {
            format: ReportFormat::Junit,
            path: root.join("blocker/sub/r.xml"),
        };
        let msg = write_report(&sample_run(), &target)
            .unwrap_err()
            .to_string();
        assert!(msg.starts_with(&format!("create the directory {root}/blocker/sub for the junit report {root}/blocker/sub/r.xml: ")), "{msg}");

        // A directory where the file should go.
        std::fs::create_dir(root.join("taken.xml")).unwrap();
        let target = ReportTarget {
            format: ReportFormat::Junit,
            path: root.join("taken.xml"),
        };
        let msg = write_report(&sample_run(), &target)
            .unwrap_err()
            .to_string();
        assert!(
            msg.starts_with(&format!("write the junit report {root}/taken.xml: ")),
            "{msg}"
        );
    }

    #[test]
    fn reading_results_names_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let root = Utf8PathBuf::from_path_buf(dir.path().to_path_buf()).unwrap();
        let missing = root.join("none.json");
        let msg = read_results(&missing).unwrap_err().to_string();
        assert!(
            msg.starts_with(&format!("read the results file {missing}: ")),
            "{msg}"
        );
        let future = root.join("future.json");
        std::fs::write(&future, "{\"schema_version\": 7}").unwrap();
        let msg = read_results(&future).unwrap_err().to_string();
        assert!(
            msg.starts_with(&format!(
                "read the results file {future}: its schema_version is 7"
            )),
            "{msg}"
        );
    }

    #[test]
    fn a_bare_file_name_goes_to_the_working_directory() {
        // `report.json` has an empty parent; writing must not try to create "".
        let dir = tempfile::tempdir().unwrap();
        let path = Utf8PathBuf::from_path_buf(dir.path().join("bare.json")).unwrap();
        assert!(write_atomically(&path, b"{}").is_ok());
        let cwd_relative = Utf8Path::new("bare.json");
        assert_eq!(cwd_relative.parent().map(|p| p.as_str()), Some(""));
    }
}
