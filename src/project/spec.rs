//! Converting a raw spec file into a [`Spec`]: fixtures, tests and their expectations.
//! Rules are converted in [`super::rules`].

use super::errors::suggestion_help;
use super::model::{Expect, ExpectedError, Isolation, Row, Spec, TableRows, UnitTest};
use super::node::{Node, Yaml};
use super::raw::{RawExpect, RawSpec, RawTest};
use super::rules::convert_rules;
use super::source::FileCtx;
use crate::Location;
use crate::dialect::sqlstate;
use serde_saphyr::Spanned;
use std::collections::HashMap;

/// Ids already used in one spec file (tests and rules share the namespace, since reports and
/// `--filter` address both by id), with the line of their first use.
#[derive(Default)]
pub(crate) struct Ids {
    seen: HashMap<String, u32>,
}

impl Ids {
    /// Records `id`; a second use is an error at `location` naming the first one's line.
    pub fn claim(&mut self, ctx: &mut FileCtx, id: &str, location: &Location, what: &str) -> bool {
        if let Some(first) = self.seen.get(id) {
            ctx.error_help(
                location.clone(),
                format!("{what} `{id}` is already used at line {first}"),
                "ids must be unique within a spec file; rename one of them (or give the check a `name`)",
            );
            return false;
        }
        self.seen.insert(id.to_owned(), location.line);
        true
    }
}

/// Converts a parsed spec file. `None` (an empty file) is an empty spec.
pub(crate) fn convert_spec(ctx: &mut FileCtx, raw: Option<RawSpec>) -> Spec {
    let mut spec = Spec {
        path: ctx.path.clone(),
        fixtures: Vec::new(),
        tests: Vec::new(),
        rules: Vec::new(),
    };
    let Some(raw) = raw else { return spec };
    let mut ids = Ids::default();
    if let Some(fixtures) = &raw.fixtures {
        spec.fixtures = table_rows(ctx, fixtures, "fixtures");
    }
    let mut names: HashMap<String, u32> = HashMap::new();
    for test in raw.tests.iter().flatten() {
        if let Some(test) = convert_test(ctx, test, &mut names, &mut ids) {
            spec.tests.push(test);
        }
    }
    if let Some(rules) = &raw.rules {
        spec.rules = convert_rules(ctx, rules, &mut ids);
    }
    spec
}

fn convert_test(
    ctx: &mut FileCtx,
    test: &Spanned<RawTest>,
    names: &mut HashMap<String, u32>,
    ids: &mut Ids,
) -> Option<UnitTest> {
    let location = ctx.at(test);
    let raw = &test.value;
    let name = match &raw.name {
        Some(name) if name.value.trim().is_empty() => {
            ctx.error(ctx.at(name), "test name is empty");
            None
        }
        Some(name) => {
            let at = ctx.at(name);
            if let Some(first) = names.get(&name.value) {
                ctx.error_help(
                    at,
                    format!(
                        "duplicate test name `{}`: first used at line {first}",
                        name.value
                    ),
                    "test names must be unique within a spec file",
                );
                None
            } else {
                names.insert(name.value.clone(), at.line);
                Some(name.value.clone())
            }
        }
        None => {
            ctx.error_help(
                location.clone(),
                "test has no `name`",
                "add `name: <what the test checks>`",
            );
            None
        }
    };
    let sql = match &raw.sql {
        Some(sql) => ctx.sql(sql, "sql"),
        None => {
            let what = name
                .as_deref()
                .map_or("test".to_owned(), |n| format!("test `{n}`"));
            ctx.error_help(
                location.clone(),
                format!("{what} has no `sql`"),
                "add `sql: <the statement to test>`",
            );
            None
        }
    };
    let setup = raw.setup.as_ref().map(|s| ctx.sql(s, "setup"));
    let given = raw
        .given
        .as_ref()
        .map(|g| table_rows(ctx, g, "given"))
        .unwrap_or_default();
    let expect = match &raw.expect {
        Some(expect) => convert_expect(ctx, expect),
        None => Some(Expect::Success),
    };
    let tags = raw
        .tags
        .iter()
        .flatten()
        .filter_map(|t| {
            if t.value.trim().is_empty() {
                ctx.error(ctx.at(t), "tag is empty");
                None
            } else {
                Some(t.value.clone())
            }
        })
        .collect();
    let skip = match &raw.skip {
        None => Some(None),
        Some(node) => match &node.value {
            Yaml::Str(reason) => Some(Some(reason.clone())),
            // `skip: true` skips without a reason; `skip: false` is the same as no `skip`.
            Yaml::Bool(true) => Some(Some(String::new())),
            Yaml::Bool(false) | Yaml::Null => Some(None),
            _ => {
                ctx.expected(node, "a reason (a string) or `true`");
                None
            }
        },
    };
    let isolation = match &raw.isolation {
        None => Some(Isolation::default()),
        Some(i) => match i.value.as_str() {
            "transaction" => Some(Isolation::Transaction),
            "database" => Some(Isolation::Database),
            other => {
                let help = suggestion_help(other, &["transaction", "database"], "valid values");
                ctx.error_help(ctx.at(i), format!("unknown isolation `{other}`"), help);
                None
            }
        },
    };
    let name = name?;
    let id = format!("{}::{}", ctx.path, name);
    let claimed = ids.claim(ctx, &id, &location, "id");
    let (sql, expect, skip, isolation) = (sql?, expect?, skip?, isolation?);
    let setup = match setup {
        Some(s) => Some(s?),
        None => None,
    };
    claimed.then_some(UnitTest {
        id,
        name,
        location,
        given,
        setup,
        sql,
        expect,
        tags,
        skip,
        isolation,
    })
}

const EXPECT_KINDS: [&str; 4] = ["rows", "count", "empty", "error"];

fn convert_expect(ctx: &mut FileCtx, expect: &Spanned<RawExpect>) -> Option<Expect> {
    let raw = &expect.value;
    let kinds: Vec<(&str, Location)> = [
        raw.rows.as_ref().map(|n| ctx.at(n)),
        raw.count.as_ref().map(|n| ctx.at(n)),
        raw.empty.as_ref().map(|n| ctx.at(n)),
        raw.error.as_ref().map(|n| ctx.at(n)),
    ]
    .into_iter()
    .zip(EXPECT_KINDS)
    .filter_map(|(loc, kind)| loc.map(|l| (kind, l)))
    .collect();
    if let [(first, _), (second, at), ..] = kinds.as_slice() {
        ctx.error_help(
            at.clone(),
            format!("`expect` has both `{first}` and `{second}`"),
            "use one of `rows`, `count`, `empty` or `error`",
        );
        return None;
    }
    let mut ok = true;
    let kind = kinds.first().map(|(k, _)| *k);
    if kind != Some("rows") {
        for (key, at) in [
            ("ordered", raw.ordered.as_ref().map(|n| ctx.at(n))),
            ("columns", raw.columns.as_ref().map(|n| ctx.at(n))),
        ] {
            if let Some(at) = at {
                ctx.error_help(
                    at,
                    format!("`{key}` applies to `rows` only"),
                    "add `rows:` or remove it",
                );
                ok = false;
            }
        }
    }
    if kind != Some("error")
        && let Some(message) = &raw.message
    {
        ctx.error_help(
            ctx.at(message),
            "`message` applies to `error` only",
            "add `error: <SQLSTATE or condition name>` or remove it",
        );
        ok = false;
    }
    let expect = match kind {
        None => {
            if ok {
                ctx.error_help(
                    ctx.at(expect),
                    "`expect` is empty",
                    "add one of `rows`, `count`, `empty` or `error`; leave `expect` out to expect success",
                );
            }
            return None;
        }
        Some("rows") => {
            let rows = raw
                .rows
                .as_ref()
                .and_then(|n| row_list(ctx, n, "expected rows"));
            let exact_columns = match &raw.columns {
                None => Some(false),
                Some(c) if c.value == "exact" => Some(true),
                Some(c) => {
                    ctx.error_help(
                        ctx.at(c),
                        format!("unknown `columns` value `{}`", c.value),
                        "the only value is `exact`; leave it out to compare just the expected rows' keys",
                    );
                    None
                }
            };
            let ordered = raw.ordered.as_ref().is_some_and(|o| o.value);
            Expect::Rows {
                rows: rows?,
                ordered,
                exact_columns: exact_columns?,
            }
        }
        Some("count") => Expect::Count(raw.count.as_ref()?.value),
        Some("empty") => {
            let empty = raw.empty.as_ref()?;
            if !empty.value {
                ctx.error_help(
                    ctx.at(empty),
                    "`empty: false` is not an expectation",
                    "use `count: N` or `rows:` to expect rows",
                );
                return None;
            }
            Expect::Empty
        }
        Some(_) => Expect::Error(expected_error(
            ctx,
            raw.error.as_ref()?,
            raw.message.as_ref(),
        )?),
    };
    ok.then_some(expect)
}

fn expected_error(
    ctx: &mut FileCtx,
    error: &Spanned<String>,
    message: Option<&Spanned<String>>,
) -> Option<ExpectedError> {
    let written = error.value.trim().to_owned();
    let sqlstate = match sqlstate::sqlstate_for(&written) {
        Some(code) => Some(code.to_owned()),
        // A well-formed code PostgreSQL does not name is a user-defined one (`RAISE ... USING
        // ERRCODE = 'P0042'`); accept it as written.
        None if sqlstate::is_sqlstate_shaped(&written)
            && written.chars().any(|c| c.is_ascii_digit()) =>
        {
            Some(written.to_ascii_uppercase())
        }
        None => {
            let names: Vec<&str> = sqlstate::condition_names().collect();
            let help = match super::errors::did_you_mean(&written, &names) {
                Some(near) => format!("did you mean `{near}`? write an SQLSTATE code like `23514` or a PostgreSQL condition name like `check_violation`"),
                None => "write an SQLSTATE code like `23514` or a PostgreSQL condition name like `check_violation`".to_owned(),
            };
            ctx.error_help(
                ctx.at(error),
                format!("unknown error condition `{written}`"),
                help,
            );
            None
        }
    };
    let regex = match message {
        None => Some(None),
        Some(m) => match regex::Regex::new(&m.value) {
            Ok(r) => Some(Some(r)),
            Err(e) => {
                ctx.error(
                    ctx.sql_location(m),
                    format!("invalid regex in `message`: {}", regex_reason(&e)),
                );
                None
            }
        },
    };
    Some(ExpectedError {
        written,
        sqlstate: sqlstate?,
        message: regex?,
    })
}

/// The last line of a regex error (its Display is a multi-line diagram ending in `error: …`).
fn regex_reason(e: &regex::Error) -> String {
    let text = e.to_string();
    let last = text
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("invalid");
    last.trim().trim_start_matches("error: ").to_owned()
}

/// `table: [rows]` maps (`fixtures`, `given`), in written order.
pub(crate) fn table_rows(ctx: &mut FileCtx, node: &Node, key: &str) -> Vec<TableRows> {
    let entries = match &node.value {
        Yaml::Map(entries) => entries,
        Yaml::Null => return Vec::new(),
        _ => {
            ctx.expected(node, &format!("`{key}` to be a map of table name to rows"));
            return Vec::new();
        }
    };
    let mut out = Vec::new();
    for (table, rows) in entries {
        let Some(table_name) = ctx.name(table, "a table name") else {
            continue;
        };
        if !ctx.table_name(&table_name, ctx.at(table)) {
            continue;
        }
        let rows = match &rows.value {
            Yaml::Null => Some(Vec::new()),
            _ => row_list(ctx, rows, &format!("rows of `{table_name}`")),
        };
        if let Some(rows) = rows {
            out.push(TableRows {
                table: table_name,
                rows,
                location: ctx.at(table),
            });
        }
    }
    out
}

/// A list of row maps.
fn row_list(ctx: &mut FileCtx, node: &Node, what: &str) -> Option<Vec<Row>> {
    let Yaml::Seq(items) = &node.value else {
        ctx.expected(
            node,
            &format!("{what} as a list of maps (`- {{column: value}}`)"),
        );
        return None;
    };
    let rows: Vec<Option<Row>> = items.iter().map(|item| row(ctx, item)).collect();
    rows.into_iter().collect()
}

fn row(ctx: &mut FileCtx, node: &Node) -> Option<Row> {
    let Yaml::Map(entries) = &node.value else {
        ctx.expected(node, "a row (a map of column to value)");
        return None;
    };
    let mut row = Row::new();
    let mut ok = true;
    for (column, value) in entries {
        let Some(column) = column.value.scalar_text() else {
            ctx.expected(column, "a column name");
            ok = false;
            continue;
        };
        match value.value.to_json() {
            Some(v) => {
                row.insert(column, v);
            }
            None => {
                ctx.error(ctx.at(value), format!("value of `{column}` cannot be used (non-finite number or a non-scalar map key)"));
                ok = false;
            }
        }
    }
    ok.then_some(row)
}
