//! `sqltest init [PATH]`: writes a starting `sqltest.yaml` and a first spec for an existing
//! repository. It finds the migrations directory (and seeds) where the common tools keep them,
//! decides the engine from what the repository says (Prisma's provider, a `DATABASE_URL` in
//! `.env`, the SQL itself), and checks that the result loads. It never overwrites a file.

use crate::app::Exit;
use crate::migrate::discover::{Layout, discover};
use crate::project::Engine;
use camino::{Utf8Path, Utf8PathBuf};
use clap::Args;
use std::io::Write;

#[derive(Debug, Clone, Args)]
pub struct InitArgs {
    /// The repository (or directory) to set up (default: the working directory).
    pub path: Option<Utf8PathBuf>,

    /// The engine, when detection would guess wrong.
    #[arg(long, value_enum)]
    pub engine: Option<Engine>,

    /// The migrations directory, relative to PATH, when it is not in a usual place.
    #[arg(long, value_name = "DIR")]
    pub migrations: Option<Utf8PathBuf>,
}

/// Where migration tools keep their files, most specific first.
const MIGRATION_DIRS: &[&str] = &[
    "db/migrations",
    "migrations",
    "prisma/migrations",
    "supabase/migrations",
    "src/main/resources/db/migration",
    "sql/migrations",
    "database/migrations",
    "db/migration",
    // Sqitch: the deploy scripts beside sqitch.plan (plan order).
    "deploy",
    "migration",
    "schema",
    "sql",
];

/// Seed files and globs, as the tools name them.
const SEED_GLOBS: &[(&str, &str)] = &[
    ("db/seeds", "db/seeds/*.sql"),
    ("seeds", "seeds/*.sql"),
    ("db/seed.sql", "db/seed.sql"),
    ("supabase/seed.sql", "supabase/seed.sql"),
    ("seed.sql", "seed.sql"),
];

const SPEC_PATH: &str = "sqltest/example.yaml";

/// The migrations found: directory, number of files, layout.
struct Migrations {
    dir: Utf8PathBuf,
    files: usize,
    layout: Layout,
    /// All their SQL, for guessing the engine.
    sql: String,
    /// The engine whose files were read, when the file names say (popx's `.postgres.up.sql`).
    named_engine: Option<Engine>,
    /// `.sql` files the layout does not use.
    ignored: Vec<Utf8PathBuf>,
}

/// `sqltest init`.
pub fn init_command(args: InitArgs, out: &mut dyn Write, err: &mut dyn Write) -> Exit {
    let Some(root) = crate::app::start_path(args.path.clone(), err) else {
        return Exit::Invalid;
    };
    if !root.is_dir() {
        let _ = writeln!(err, "error: {root} is not a directory");
        return Exit::Invalid;
    }
    let config = root.join("sqltest.yaml");
    if config.exists() {
        let _ = writeln!(
            err,
            "error: {config} already exists; nothing was changed (edit it, or remove it to start over)"
        );
        return Exit::Invalid;
    }
    let migrations = match find_migrations(&root, args.migrations.as_deref(), args.engine, err) {
        Ok(m) => m,
        Err(message) => {
            let _ = writeln!(err, "error: {message}");
            return Exit::Invalid;
        }
    };
    let named = migrations.as_ref().and_then(|m| m.named_engine);
    let (engine, because) = match (args.engine, named) {
        (Some(e), _) => (e, "--engine".to_string()),
        (None, Some(e)) => (e, "the migrations' file names".to_string()),
        (None, None) => detect_engine(&root, migrations.as_ref()),
    };
    if !engine.is_supported() {
        let _ = writeln!(
            err,
            "error: the engine is {} (from {because}), which this build does not support yet \
             (postgres and sqlite are); pass --engine if that is wrong. Nothing was written.",
            engine.as_str()
        );
        return Exit::Invalid;
    }
    let seeds: Vec<&str> = SEED_GLOBS
        .iter()
        .filter(|(probe, _)| root.join(probe).exists())
        .map(|(_, glob)| *glob)
        .collect();

    let yaml = project_yaml(engine, &because, migrations.as_ref(), &seeds);
    if let Err(e) = create_new(&config, &yaml) {
        let _ = writeln!(err, "error: write {config}: {e}");
        return Exit::Environment;
    }
    let _ = writeln!(
        out,
        "created {config} (engine {}, from {because})",
        engine.as_str()
    );
    match &migrations {
        Some(m) => {
            let _ = writeln!(
                out,
                "        migrations: {} ({} {}, {} layout)",
                m.dir,
                m.files,
                if m.files == 1 { "file" } else { "files" },
                m.layout
            );
            if !m.ignored.is_empty() {
                let _ = writeln!(
                    err,
                    "warning: the {} layout does not use {} .sql file(s) there: {}",
                    m.layout,
                    m.ignored.len(),
                    few(&m.ignored)
                );
            }
        }
        None => {
            let _ = writeln!(
                out,
                "        no migrations directory found; set `migrations:` (or pass --migrations DIR)"
            );
        }
    }
    let spec = root.join(SPEC_PATH);
    let mut created = vec![config.clone()];
    if spec.exists() {
        let _ = writeln!(out, "kept the existing {spec}");
    } else {
        let written = std::fs::create_dir_all(root.join("sqltest"))
            .and_then(|()| create_new(&spec, &example_spec(engine, migrations.is_some())));
        if let Err(e) = written {
            let _ = writeln!(err, "error: write {spec}: {e}");
            let _ = std::fs::remove_file(&config);
            return Exit::Environment;
        }
        created.push(spec.clone());
        let _ = writeln!(
            out,
            "created {spec} (a first test; rules to adapt, commented out)"
        );
    }
    // What we wrote must load (an existing spec may not): show why, and take our files back.
    if let Err(errors) = crate::project::load(&root) {
        let _ = write!(err, "{}", errors.render(false));
        for file in &created {
            let _ = std::fs::remove_file(file);
        }
        let _ = writeln!(
            err,
            "removed the files init created; nothing else was changed"
        );
        return Exit::Invalid;
    }
    let _ = writeln!(
        out,
        "\nnext: `sqltest run` (Docker or a local PostgreSQL; SQLite needs nothing), \
         `sqltest hook install` for a pre-push check"
    );
    Exit::Success
}

/// Writes a file that must not exist yet.
fn create_new(path: &Utf8Path, content: &str) -> std::io::Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)?;
    file.write_all(content.as_bytes())
}

fn find_migrations(
    root: &Utf8Path,
    given: Option<&Utf8Path>,
    engine: Option<Engine>,
    err: &mut dyn Write,
) -> Result<Option<Migrations>, String> {
    if let Some(dir) = given {
        return match read_migrations(root, dir, engine)? {
            Some(m) => Ok(Some(m)),
            None => Err(format!("{dir} holds no migration (.sql) files")),
        };
    }
    for dir in MIGRATION_DIRS {
        if !root.join(dir).is_dir() {
            continue;
        }
        match read_migrations(root, Utf8Path::new(dir), engine) {
            Ok(Some(m)) => return Ok(Some(m)),
            Ok(None) => {}
            // Not silently: the user sees why this directory was passed over.
            Err(e) => {
                let _ = writeln!(err, "warning: skipped {dir}: {e}");
            }
        }
    }
    Ok(None)
}

/// The first few paths, for a message.
fn few(paths: &[Utf8PathBuf]) -> String {
    let mut shown: Vec<String> = paths.iter().take(3).map(|p| p.to_string()).collect();
    if paths.len() > shown.len() {
        shown.push("…".into());
    }
    shown.join(", ")
}

/// The migrations of `dir`, read for `engine` or, when it is not known, for the first engine
/// the files give migrations for (per-dialect file names decide it).
fn read_migrations(
    root: &Utf8Path,
    dir: &Utf8Path,
    engine: Option<Engine>,
) -> Result<Option<Migrations>, String> {
    let candidates = match engine {
        Some(e) => vec![e],
        None => vec![Engine::Postgres, Engine::Sqlite, Engine::Mysql],
    };
    let mut first_error = None;
    for candidate in candidates {
        match discover(root, dir, candidate) {
            Ok(found) => {
                let Some(first) = found.files.first() else {
                    return Ok(None);
                };
                let named_engine =
                    (engine.is_none() && first.layout == Layout::Popx).then_some(candidate);
                return Ok(Some(Migrations {
                    dir: dir.to_owned(),
                    files: found.files.len(),
                    layout: first.layout,
                    sql: found
                        .files
                        .iter()
                        .map(|f| f.up_sql())
                        .collect::<Vec<_>>()
                        .join("\n"),
                    named_engine,
                    ignored: found.ignored,
                }));
            }
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    Err(first_error.map_or_else(String::new, |e| e.to_string()))
}

/// The engine and what told us.
fn detect_engine(root: &Utf8Path, migrations: Option<&Migrations>) -> (Engine, String) {
    let prisma = root.join("prisma/schema.prisma");
    if let Some(e) = std::fs::read_to_string(&prisma)
        .ok()
        .and_then(|s| prisma_provider(&s))
    {
        return (e, "prisma/schema.prisma".into());
    }
    if let Some(e) = std::fs::read_to_string(root.join(".env"))
        .ok()
        .and_then(|s| env_database_url(&s))
    {
        return (e, "DATABASE_URL in .env".into());
    }
    if let Some(e) = migrations.and_then(|m| engine_from_sql(&m.sql)) {
        return (e, "the migrations' SQL".into());
    }
    (
        Engine::Postgres,
        "the default; pass --engine to change".into(),
    )
}

fn engine_from_url(url: &str) -> Option<Engine> {
    let scheme = url.trim().trim_matches(['"', '\'']).split(':').next()?;
    match scheme.to_ascii_lowercase().as_str() {
        "postgres" | "postgresql" => Some(Engine::Postgres),
        "sqlite" | "file" => Some(Engine::Sqlite),
        "mysql" => Some(Engine::Mysql),
        "mariadb" => Some(Engine::Mariadb),
        _ => None,
    }
}

/// `provider = "postgresql"` in the datasource block.
fn prisma_provider(schema: &str) -> Option<Engine> {
    let datasource = schema.split("datasource").nth(1)?;
    let block = datasource.split('}').next()?;
    block.lines().find_map(|line| {
        let (key, value) = line.split_once('=')?;
        let provider = value.trim().trim_matches(['"', '\'']);
        (key.trim() == "provider").then(|| engine_from_url(&format!("{provider}:")))?
    })
}

/// `DATABASE_URL=…` in a dotenv file (sqlx, diesel, Prisma).
fn env_database_url(dotenv: &str) -> Option<Engine> {
    dotenv.lines().find_map(|line| {
        let line = line.trim().trim_start_matches("export ");
        let value = line
            .strip_prefix("DATABASE_URL")?
            .trim_start()
            .strip_prefix('=')?;
        engine_from_url(value)
    })
}

/// Words only one engine's SQL uses; the engine with the most wins, none means no guess.
fn engine_from_sql(sql: &str) -> Option<Engine> {
    // Comments say anything (a backquoted name in prose is not MySQL); only code counts.
    let text: String = sql
        .lines()
        .map(|l| l.split("--").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
        .to_ascii_lowercase();
    let score = |words: &[&str]| -> usize { words.iter().map(|w| text.matches(w).count()).sum() };
    let postgres = score(&[
        "serial",
        "jsonb",
        "plpgsql",
        "timestamptz",
        "create extension",
        "$$",
        "::",
        "bytea",
        "uuid_generate",
        "gen_random_uuid",
    ]);
    let sqlite = score(&["autoincrement", "pragma ", "without rowid", "strict;"]);
    let mysql = score(&[
        "auto_increment",
        "engine=innodb",
        "engine = innodb",
        "unsigned",
        "`",
    ]);
    let best = postgres.max(sqlite).max(mysql);
    if best == 0 {
        None
    } else if best == postgres {
        Some(Engine::Postgres)
    } else if best == sqlite {
        Some(Engine::Sqlite)
    } else {
        Some(Engine::Mysql)
    }
}

fn project_yaml(
    engine: Engine,
    because: &str,
    migrations: Option<&Migrations>,
    seeds: &[&str],
) -> String {
    // Settings with their comments aligned in one column; a long setting still gets the space
    // YAML needs before `#` (without it the comment would be part of the value).
    let line = |setting: String, comment: &str| format!("{setting:<31} # {comment}\n");
    let mut y = String::from(
        "# sqltest: `sqltest run` applies the migrations and seeds to a throwaway database, then runs\n\
         # the tests and rules of the specs. The format is in sqltest's README.\n",
    );
    y += &line(
        format!("engine: {}", engine.as_str()),
        &format!("postgres | mysql | mariadb | sqlite (from {because})"),
    );
    y += &match migrations {
        Some(m) => line(
            format!("migrations: {}", yaml_string(m.dir.as_str())),
            &format!("{} layout, {} file(s)", m.layout, m.files),
        ),
        None => line(
            "# migrations: db/migrations".into(),
            "the directory of your migrations",
        ),
    };
    y += &if seeds.is_empty() {
        line(
            "# seeds: [db/seeds/*.sql]".into(),
            "fixture data applied after the migrations",
        )
    } else {
        let list: Vec<String> = seeds.iter().map(|s| yaml_string(s)).collect();
        line(
            format!("seeds: [{}]", list.join(", ")),
            "applied after the migrations, in order",
        )
    };
    y += &line("specs: [\"sqltest/**/*.yaml\"]".into(), "the spec files");
    y += &line(
        "# version: \"16\"".into(),
        "engine version: chooses the Docker image tag",
    );
    y += &line(
        "# backend: auto".into(),
        "auto | docker | local | url | embedded",
    );
    y += &line(
        "# timeout: 30s".into(),
        "statement timeout for every test and rule",
    );
    y
}

/// A YAML scalar for a path or glob: quoted when plain style would change its meaning.
fn yaml_string(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '_' | '-' | '.'))
        && !s.starts_with(['-', '.']);
    if plain {
        s.to_string()
    } else {
        format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
    }
}

fn example_spec(engine: Engine, has_migrations: bool) -> String {
    let (name, sql, expect) = match (engine, has_migrations) {
        (Engine::Postgres, true) => (
            "the migrations create the schema",
            "select exists (select from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname !~ '^(pg_|information_schema$)') or exists (select from pg_proc p join pg_namespace n on n.oid = p.pronamespace where n.nspname !~ '^(pg_|information_schema$)') as has_objects",
            "{has_objects: true}",
        ),
        (Engine::Sqlite, true) => (
            "the migrations create the schema",
            "select count(*) > 0 as has_objects from sqlite_master",
            "{has_objects: 1}",
        ),
        (Engine::Mysql | Engine::Mariadb, true) => (
            "the migrations create the schema",
            "select count(*) > 0 as has_objects from information_schema.tables where table_schema = database()",
            "{has_objects: 1}",
        ),
        (_, false) => ("the database answers", "select 1 + 1 as two", "{two: 2}"),
    };
    format!(
        "# A first spec: one test that passes once the migrations apply. Each test runs in a\n\
         # transaction rolled back afterwards, so tests never see each other's rows.\n\
         tests:\n  \
           - name: {name}\n    \
             sql: {sql}\n    \
             expect:\n      \
               rows: [{expect}]\n\
         \n\
         # Tests with rows of their own, and business rules on the seeded data — adapt and uncomment:\n\
         #\n\
         #   - name: order total adds tax\n\
         #     given:\n\
         #       orders: [{{id: 10, customer_id: 1, amount: 100.00}}]\n\
         #     sql: select order_total(10) as total\n\
         #     expect:\n\
         #       rows: [{{total: 108.00}}]\n\
         #\n\
         # rules:\n\
         #   - table: orders\n\
         #     checks:\n\
         #       - not_null: [customer_id, amount]\n\
         #       - unique: [id]\n\
         #       - references: {{column: customer_id, to: customers.id}}\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engines_come_from_prisma_dotenv_or_sql() {
        let schema = "generator client {\n  provider = \"prisma-client-js\"\n}\n\ndatasource db {\n  provider = \"postgresql\"\n  url = env(\"DATABASE_URL\")\n}\n";
        assert_eq!(prisma_provider(schema), Some(Engine::Postgres));
        assert_eq!(
            prisma_provider("datasource db {\n provider = \"sqlite\"\n}"),
            Some(Engine::Sqlite)
        );
        assert_eq!(
            env_database_url("# x\nexport DATABASE_URL=\"mysql://u@h/db\"\n"),
            Some(Engine::Mysql)
        );
        assert_eq!(
            env_database_url("DATABASE_URL=sqlite:app.db"),
            Some(Engine::Sqlite)
        );
        assert_eq!(env_database_url("OTHER=postgres://x"), None);
        assert_eq!(
            engine_from_sql("create table t (id integer primary key autoincrement);"),
            Some(Engine::Sqlite)
        );
        assert_eq!(
            engine_from_sql("create table t (id bigserial, doc jsonb);"),
            Some(Engine::Postgres)
        );
        assert_eq!(
            engine_from_sql("create table `t` (id int unsigned auto_increment) engine=innodb;"),
            Some(Engine::Mysql)
        );
        assert_eq!(engine_from_sql("create table t (id int);"), None);
        assert_eq!(
            engine_from_sql(
                "-- gives us `uuid_generate_v1mc()`, `unsigned` in prose\ncreate table t (id int);"
            ),
            None,
            "comments do not count"
        );
    }

    #[test]
    fn paths_needing_quotes_are_quoted() {
        assert_eq!(yaml_string("db/migrations"), "db/migrations");
        assert_eq!(yaml_string("db/seeds/*.sql"), "\"db/seeds/*.sql\"");
        assert_eq!(yaml_string("my dir: x"), "\"my dir: x\"");
    }
}
