//! Tests of loading: one file per area, sharing the helpers here.

mod config;
mod happy;
mod props;
mod rules;
mod spec;

use super::errors::ConfigError;
use super::model::Spec;
use super::raw::RawSpec;
use super::source::FileCtx;
use super::spec::convert_spec;
use super::{LoadErrors, Project, load};
use camino::Utf8PathBuf;
use std::fs;

/// A project written to a temporary directory; the directory lives as long as this value.
pub(super) struct TempProject {
    _dir: tempfile::TempDir,
    pub root: Utf8PathBuf,
}

impl TempProject {
    pub fn new(files: &[(&str, &str)]) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = Utf8PathBuf::from_path_buf(dir.path().to_owned()).expect("utf8 tempdir");
        let root = root.canonicalize_utf8().expect("canonical tempdir");
        for (path, text) in files {
            let full = root.join(path);
            if path.ends_with('/') {
                fs::create_dir_all(&full).expect("mkdir");
                continue;
            }
            fs::create_dir_all(full.parent().expect("parent")).expect("mkdir");
            fs::write(&full, text).expect("write");
        }
        TempProject { _dir: dir, root }
    }

    pub fn load(&self) -> Result<Project, LoadErrors> {
        load(&self.root)
    }

    /// The errors of a project that must fail to load.
    pub fn errors(&self) -> LoadErrors {
        match self.load() {
            Ok(p) => panic!("expected errors, loaded: {p:#?}"),
            Err(e) => e,
        }
    }
}

/// Loads one spec file's text (at `sqltest/a.yaml`) without touching the file system.
pub(super) fn spec(text: &str) -> Result<Spec, Vec<ConfigError>> {
    let mut ctx = FileCtx::new("sqltest/a.yaml", text);
    let raw: Option<RawSpec> = ctx.parse();
    let spec = convert_spec(&mut ctx, raw);
    if ctx.errors.is_empty() {
        Ok(spec)
    } else {
        Err(ctx.errors)
    }
}

/// The errors of a spec that must fail.
pub(super) fn spec_errors(text: &str) -> Vec<ConfigError> {
    match spec(text) {
        Ok(s) => panic!("expected errors, loaded: {s:#?}"),
        Err(e) => e,
    }
}

/// Asserts that an error at `path:line:col` has a message containing `message`; returns it.
#[track_caller]
pub(super) fn find<'a>(
    errors: &'a [ConfigError],
    path: &str,
    line: u32,
    col: u32,
    message: &str,
) -> &'a ConfigError {
    errors
        .iter()
        .find(|e| {
            e.location
                .as_ref()
                .is_some_and(|l| l.path == path && l.line == line && l.column == col)
                && e.message.contains(message)
        })
        .unwrap_or_else(|| {
            let list: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
            panic!(
                "no error at {path}:{line}:{col} containing {message:?}; got:\n{}",
                list.join("\n")
            )
        })
}

/// [`find`] in `sqltest/a.yaml`, also checking the help text contains `help`.
#[track_caller]
pub(super) fn spec_error(text: &str, line: u32, col: u32, message: &str, help: Option<&str>) {
    let errors = spec_errors(text);
    let e = find(&errors, "sqltest/a.yaml", line, col, message);
    if let Some(help) = help {
        let got = e.help.as_deref().unwrap_or("");
        assert!(got.contains(help), "help {got:?} should contain {help:?}");
    }
}
