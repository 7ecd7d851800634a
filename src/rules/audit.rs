//! `sqltest check --database-url URL [PATH]`: the project's rules only, against an existing
//! database (staging, production), strictly read-only — a read-only session and transaction,
//! the project's statement timeout, nothing created.

use super::execute::{RulesOptions, run_rules};
use super::validate::{ValidateError, validate};
use crate::dialect::{Conn, DbTarget, SessionOptions, postgres};
use crate::plan::PlannedRule;
use crate::project::{ConfigError, Engine};
use crate::results::CheckResult;
use camino::Utf8PathBuf;

/// Why an audit produced no results.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AuditError {
    /// The rules do not fit the database (unknown table or column, bad expression): exit 2.
    #[error("the rules do not match the database")]
    Invalid(Vec<ConfigError>),
    /// The database cannot be reached or read: exit 3.
    #[error("{0}")]
    Environment(String),
}

/// The engine and database a `--database-url` names: `postgres://…`/`postgresql://…`, or
/// `sqlite:PATH`, `sqlite://PATH` or the path of an existing SQLite file.
pub fn audit_target(url: &str) -> Result<(Engine, DbTarget), String> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let options = postgres::parse_url(url).map_err(|e| e.to_string())?;
        let database = options.get_database().unwrap_or_default().to_string();
        return Ok((
            Engine::Postgres,
            DbTarget::Postgres {
                url: url.to_string(),
                database,
            },
        ));
    }
    if url.starts_with("mysql://") || url.starts_with("mariadb://") {
        return Err("MySQL and MariaDB are not supported by this build yet".into());
    }
    let path = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url);
    let path = path.split('?').next().unwrap_or(path);
    if std::path::Path::new(path).is_file() {
        return Ok((
            Engine::Sqlite,
            DbTarget::Sqlite {
                path: Utf8PathBuf::from(path),
            },
        ));
    }
    if url.starts_with("sqlite:") {
        return Err(format!("no SQLite database at {path}"));
    }
    Err(format!(
        "cannot tell which database {} is: use postgres://user:pass@host:port/db or sqlite:PATH",
        postgres::redact_url(url)
    ))
}

/// Validates the rules against `target`, then runs them; what `sqltest check` does between
/// loading the project and reporting. The session is read-only whatever `opts` says.
pub async fn audit(
    target: &DbTarget,
    rules: &[PlannedRule],
    opts: &RulesOptions,
    on_done: &(dyn Fn(&CheckResult) + Sync),
) -> Result<Vec<CheckResult>, AuditError> {
    let session = SessionOptions {
        read_only: true,
        ..opts.session.clone()
    };
    let mut conn = Conn::connect(target, &session).await.map_err(|e| {
        AuditError::Environment(format!("cannot reach the database {}: {e}", target.name()))
    })?;
    let catalog = validate(&mut conn, rules).await;
    conn.close().await;
    let catalog = catalog.map_err(|e| match e {
        ValidateError::Invalid(errors) => AuditError::Invalid(errors),
        ValidateError::Database(m) => AuditError::Environment(m),
    })?;
    let opts = RulesOptions {
        session,
        ..opts.clone()
    };
    Ok(run_rules(target, rules, &catalog, &opts, on_done).await)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_name_their_engine() {
        let (engine, target) = audit_target("postgres://u:p@h:5432/shop?sslmode=disable").unwrap();
        assert_eq!(engine, Engine::Postgres);
        assert_eq!(target.name(), "shop");
        let file = tempfile::NamedTempFile::new().unwrap();
        let path = file.path().to_str().unwrap();
        assert_eq!(
            audit_target(&format!("sqlite:{path}")).unwrap().0,
            Engine::Sqlite
        );
        assert_eq!(audit_target(path).unwrap().0, Engine::Sqlite);
        assert!(
            audit_target("sqlite:/nonexistent/x.db")
                .unwrap_err()
                .contains("no SQLite database")
        );
        assert!(audit_target("mysql://h/db").is_err());
        assert!(
            audit_target("ftp://u:secret@h")
                .unwrap_err()
                .contains("***")
        );
    }
}
