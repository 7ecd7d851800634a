//! Tests of the Markdown summary: content, escaping, links and the size cap.

use super::*;
use crate::report::fixture::sample_run;
use crate::report::test_support::mask;

fn plain() -> RenderContext {
    RenderContext::default()
}

#[test]
fn the_summary_has_headline_counts_failures_and_details() {
    let md = render_markdown(&sample_run(), &plain());
    assert!(
        md.starts_with("## ❌ sqltest: 4 failed · 1 warning · 2 errors · 3 passed · 3 skipped\n"),
        "{md}"
    );
    assert!(md.contains("| Unit tests | 1 | 2 | 1 | 1 | 5 |"), "{md}");
    assert!(md.contains("### Failures"));
    // The failing test's row links nowhere without a link base, but names file:line.
    assert!(
        md.contains("| ❌ | Test \"order total adds tax\" | sqltest/orders.yaml:12 | Test \"order total adds tax\" failed: 1 of 1 expected rows differs from the actual rows. |"),
        "{md}"
    );
    // The diff is in a collapsible block, as a diff.
    assert!(
        md.contains(
            "<details><summary>❌ Test \"order total adds tax\" — sqltest/orders.yaml:12</summary>"
        ),
        "{md}"
    );
    assert!(md.contains("```diff\nexpected        | actual\n"), "{md}");
    // Violating rows are a table.
    assert!(
        md.contains("| id | count |\n|:--|:--|\n| 3 | 2 |\n| 9 | 2 |\n"),
        "{md}"
    );
    assert!(
        md.contains("| id | note |\n|:--|:--|\n| 17 | null |\n"),
        "{md}"
    );
    // No line is left over from template whitespace: no three blank lines in a row.
    assert!(!md.contains("\n\n\n"), "{md}");
}

#[test]
fn table_cells_cannot_break_the_table_or_inject_html() {
    let mut run = sample_run();
    run.tests[1].name = "a | b <script>x</script>\nsecond line".into();
    let md = render_markdown(&run, &plain());
    let row = md
        .lines()
        .find(|l| l.contains("Test \"a"))
        .unwrap_or_else(|| panic!("{md}"));
    assert!(
        row.contains(r"a \| b &lt;script&gt;x&lt;/script&gt; second line"),
        "{row}"
    );
    assert!(!md.contains("<script>"), "{md}");
    // The fixture's `<sums> & "groups"` stays text.
    assert!(
        md.contains("monthly report &lt;sums&gt; &amp; \"groups\""),
        "{md}"
    );
}

#[test]
fn locations_link_to_the_commit_when_a_base_is_known() {
    let ctx = RenderContext {
        blob_url: Some("https://github.com/acme/shop/blob/abc".into()),
        ..RenderContext::default()
    };
    let md = render_markdown(&sample_run(), &ctx);
    assert!(
        md.contains("[sqltest/orders.yaml:12](https://github.com/acme/shop/blob/abc/sqltest/orders.yaml#L12)"),
        "{md}"
    );
}

#[test]
fn code_fences_outgrow_backticks_in_the_content() {
    assert_eq!(fence_for("plain"), "```");
    assert_eq!(fence_for("has ``` inside"), "````");
    let mut run = sample_run();
    run.tests[1].failure.as_mut().unwrap().details = Some("a\n```\nb".into());
    let md = render_markdown(&run, &plain());
    assert!(md.contains("````text\na\n```\nb\n````"), "{md}");
}

#[test]
fn a_clean_run_is_short() {
    let mut run = sample_run();
    run.migrations.truncate(1);
    run.tests.truncate(1);
    run.checks.truncate(1);
    run.errors.clear();
    let md = render_markdown(&run, &plain());
    assert!(md.starts_with("## ✅ sqltest: all 3 passed\n"), "{md}");
    assert!(!md.contains("### Failures"));
    assert!(!md.contains("<details>"));
}

fn many_failures(n: usize, body_lines: usize) -> RunResults {
    let mut run = sample_run();
    let template = run.tests[1].clone();
    run.tests = (0..n)
        .map(|i| {
            let mut t = template.clone();
            t.id = format!("sqltest/many.yaml::test {i}");
            t.name = format!("test {i}");
            t.failure.as_mut().unwrap().details = Some(
                (0..body_lines)
                    .map(|l| format!("-expected line {l} of test {i}"))
                    .collect::<Vec<_>>()
                    .join("\n"),
            );
            t
        })
        .collect();
    run
}

#[test]
fn over_the_cap_details_go_first_and_the_rest_is_counted() {
    let md = render_markdown(&many_failures(200, 40), &plain());
    assert!(md.chars().count() <= MAX_CHARS, "{}", md.chars().count());
    // Every table row is kept; some details are dropped with a count.
    let rows = md
        .lines()
        .filter(|l| l.starts_with("| ❌ | Test \"test "))
        .count();
    assert_eq!(rows, 200);
    let shown = md.matches("<details><summary>").count();
    // The fixture's tests are replaced; its migration, 2 checks and run error remain.
    let hidden = 200 + 4 - shown;
    assert!(shown > 0 && shown < 204, "{shown}");
    assert!(
        md.contains(&format!(
            "_{hidden} more not shown: the summary is capped at 60,000 characters."
        )),
        "{md}"
    );
    // Blocks are whole: every opened details block is closed.
    assert_eq!(shown, md.matches("</details>").count());
}

#[test]
fn over_the_cap_table_rows_are_dropped_whole() {
    let md = render_markdown(&many_failures(2000, 1), &plain());
    assert!(md.chars().count() <= MAX_CHARS, "{}", md.chars().count());
    assert!(!md.contains("<details>"));
    let rows: Vec<&str> = md
        .lines()
        .filter(|l| l.starts_with("| ❌ |") || l.starts_with("| ⚠️ |"))
        .collect();
    assert!(rows.len() > 100 && rows.len() < 2004, "{}", rows.len());
    // Each kept row is complete: it ends the way every row ends.
    assert!(rows.iter().all(|r| r.ends_with(" |")));
    let hidden = 2004 - rows.len();
    assert!(
        md.contains(&format!("_{hidden} more not shown: the summary is capped")),
        "{hidden}"
    );
    // The table is followed by a blank line, never cut off mid-row.
    let after_table = md.split("|:-:|:--|:--|:--|\n").nth(1).unwrap();
    let table_end = after_table.find("\n\n").unwrap();
    assert!(
        after_table[..table_end]
            .lines()
            .all(|l| l.starts_with("| "))
    );
}

#[test]
fn snapshot() {
    insta::assert_snapshot!(mask(&render_markdown(&sample_run(), &plain())));
}
