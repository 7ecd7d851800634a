//! Tests of the terminal reporter: the exact lines, colour only when asked, the progress bar.

use super::*;
use crate::report::fixture::sample_run;

/// A writer whose bytes the test can read after handing a clone to the reporter.
#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Buffer {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

/// Feeds the whole sample run through a reporter, as the runner would.
fn report_run(opts: TerminalOptions) -> String {
    let run = sample_run();
    let buf = Buffer::default();
    let mut rep = TerminalReporter::new(Box::new(buf.clone()), opts);
    rep.phase("provisioned local PostgreSQL 15.18 in 0.84s");
    for m in &run.migrations {
        rep.migration_done(m);
    }
    rep.start_tests(run.tests.len(), run.checks.len());
    for t in &run.tests {
        rep.test_done(t);
    }
    for c in &run.checks {
        rep.check_done(c);
    }
    rep.finish(&run);
    assert!(rep.take_error().is_none());
    buf.text()
}

const PLAIN: TerminalOptions = TerminalOptions {
    color: false,
    progress: false,
    verbose: false,
};

#[test]
fn each_item_gets_one_aligned_line() {
    let out = report_run(PLAIN);
    for line in [
        "     sqltest provisioned local PostgreSQL 15.18 in 0.84s\n",
        "     APPLIED [   0.012s] db/migrations/001_init.sql\n",
        "        FAIL [   0.003s] db/migrations/002_rename.sql\n",
        "        SKIP [   0.000s] db/seeds/customers.sql (an earlier migration failed)\n",
        "    Starting 5 tests and 4 checks\n",
        "        PASS [   0.003s] sqltest/orders.yaml::negative amounts are rejected\n",
        "        FAIL [   0.011s] sqltest/orders.yaml::order total adds tax\n",
        "        SKIP [   0.000s] sqltest/orders.yaml::empty month gives empty report (waiting for #123)\n",
        "       ERROR [  30.000s] sqltest/customers.yaml::emails are unique\n",
        "        PASS [   0.002s] sqltest/orders.yaml::orders.not_null(customer_id)\n",
        "        FAIL [   0.002s] sqltest/orders.yaml::orders.unique(id): 2 violating rows of 1500 (0.13%)\n",
        "        SKIP [   0.002s] sqltest/orders.yaml::orders.freshness(created_at) (table orders is empty)\n",
        "        WARN [   0.002s] sqltest/customers.yaml::every paid order has a payment: 1 violating row\n",
    ] {
        assert!(out.contains(line), "missing {line:?} in:\n{out}");
    }
}

#[test]
fn finish_details_every_problem_then_summarises() {
    let out = report_run(PLAIN);
    let expected_blocks = [
        "--- FAIL: db/migrations/002_rename.sql\n    migration failed\n    database error 42601: syntax error at or near \"tabel\"\n      at db/migrations/002_rename.sql:4:8\n",
        "--- FAIL: sqltest/orders.yaml::order total adds tax\n    at sqltest/orders.yaml:12:5\n    1 of 1 expected rows differs from the actual rows\n    expected        | actual\n",
        "    -108.00\n    +100.00\n",
        "--- FAIL: sqltest/orders.yaml::monthly report <sums> & \"groups\"\n    at sqltest/orders.yaml:30:5\n    the SQL failed: relation \"orderz\" does not exist\n    database error 42P01: relation \"orderz\" does not exist\n      at sqltest/orders.yaml:32:19\n      detail: the table was renamed in 002_rename.sql\n      hint: check the spelling\n",
        "--- ERROR: sqltest/customers.yaml::emails are unique\n    at sqltest/customers.yaml:8:5\n    the test ran past the project's timeout of 30s\n",
        "--- FAIL: sqltest/orders.yaml::orders.unique(id)\n    at sqltest/orders.yaml:52:9 (severity error)\n    2 rows of orders share an id\n    2 violating rows of 1500 (0.13%)\n    samples:\n      {id: 3, count: 2}\n      {id: 9, count: 2}\n",
        "--- WARN: sqltest/customers.yaml::every paid order has a payment\n    at sqltest/customers.yaml:20:9 (severity warning)\n",
        "      {id: 17, note: null}\n",
        "--- ERROR: infrastructure\n    lost the connection to the server while running sqltest/customers.yaml\n",
    ];
    for block in expected_blocks {
        assert!(out.contains(block), "missing {block:?} in:\n{out}");
    }
    let summary = "     Summary [   1.234s] 5 tests run: 1 passed, 2 failed, 1 errored, 1 skipped; \
                   1 migration applied, 1 failed; 0 seeds applied, 1 skipped; \
                   4 checks run: 1 passed, 2 failed (1 error, 1 warning), 1 skipped; \
                   1 infrastructure error\n";
    assert!(out.contains(summary), "missing summary in:\n{out}");
    // After the summary, each problem once more on one line, infrastructure last.
    let tail = out.split(summary).nth(1).unwrap();
    assert_eq!(
        tail,
        "        FAIL [   0.003s] db/migrations/002_rename.sql\n\
         \x20       FAIL [   0.011s] sqltest/orders.yaml::order total adds tax\n\
         \x20       FAIL [   0.004s] sqltest/orders.yaml::monthly report <sums> & \"groups\"\n\
         \x20      ERROR [  30.000s] sqltest/customers.yaml::emails are unique\n\
         \x20       FAIL [   0.002s] sqltest/orders.yaml::orders.unique(id)\n\
         \x20       WARN [   0.002s] sqltest/customers.yaml::every paid order has a payment\n\
         \x20      ERROR lost the connection to the server while running sqltest/customers.yaml\n"
    );
}

#[test]
fn no_escape_codes_without_colour_and_status_colours_with_it() {
    let plain = report_run(PLAIN);
    assert!(
        !plain.contains('\u{1b}'),
        "escape code in plain output:\n{plain}"
    );

    let coloured = report_run(TerminalOptions {
        color: true,
        ..PLAIN
    });
    assert!(
        coloured.contains("\u{1b}[32;1mPASS\u{1b}[0m") || coloured.contains("\u{1b}[1;32mPASS"),
        "{coloured:?}"
    );
    assert!(coloured.contains(&Painter { color: true }.paint("FAIL", styles::fail())));
    assert!(coloured.contains(&Painter { color: true }.paint("SKIP", styles::skip())));
    assert!(coloured.contains(&Painter { color: true }.paint("ERROR", styles::error())));
    // Padding stays outside the escape codes, so columns still line up.
    assert!(coloured.contains(&format!(
        "        {}",
        Painter { color: true }.paint("PASS", styles::pass())
    )));
}

#[test]
fn verbose_says_more_and_shortens_nothing() {
    let mut run = sample_run();
    let diff: String = (0..100).map(|i| format!("-row {i}\n")).collect();
    run.tests[1].failure.as_mut().unwrap().details = Some(diff);

    let render = |opts| {
        let buf = Buffer::default();
        let mut rep = TerminalReporter::new(Box::new(buf.clone()), opts);
        rep.test_done(&run.tests[1]);
        rep.check_done(&run.checks[0]);
        rep.finish(&run);
        buf.text()
    };
    let short = render(PLAIN);
    assert!(short.contains("more lines not shown"), "{short}");
    assert!(!short.contains("-row 99"));
    assert!(
        short.contains(
            "        PASS [   0.002s] sqltest/orders.yaml::orders.not_null(customer_id)\n"
        )
    );

    let long = render(TerminalOptions {
        verbose: true,
        ..PLAIN
    });
    assert!(long.contains("    -row 99\n"));
    assert!(
        long.contains("sqltest/orders.yaml::order total adds tax [money]\n"),
        "{long}"
    );
    assert!(
        long.contains("(guaranteed by column orders.customer_id is NOT NULL)"),
        "{long}"
    );
}

#[test]
fn a_clean_run_has_a_clean_summary() {
    let mut run = sample_run();
    run.tests.truncate(1);
    run.checks.truncate(1);
    run.migrations.truncate(1);
    run.errors.clear();
    let buf = Buffer::default();
    let mut rep = TerminalReporter::new(Box::new(buf.clone()), PLAIN);
    rep.finish(&run);
    assert_eq!(
        buf.text(),
        "------------\n     Summary [   1.234s] 1 test run: 1 passed, 0 failed, 0 skipped; \
         1 migration applied; 1 check run: 1 passed, 0 failed, 0 skipped\n"
    );
}

#[test]
fn an_interrupted_run_says_its_results_are_partial() {
    let mut run = sample_run();
    run.interrupted = true;
    let buf = Buffer::default();
    let mut rep = TerminalReporter::new(Box::new(buf.clone()), PLAIN);
    rep.finish(&run);
    assert!(
        buf.text()
            .contains(" Interrupted the run was interrupted; results are partial\n------------\n")
    );
}

#[test]
fn the_progress_bar_draws_into_the_writer_and_is_cleared_at_the_end() {
    let run = sample_run();
    let buf = Buffer::default();
    let mut rep = TerminalReporter::new(
        Box::new(buf.clone()),
        TerminalOptions {
            progress: true,
            ..PLAIN
        },
    );
    rep.start_tests(run.tests.len(), 0);
    for t in &run.tests {
        rep.test_done(t);
    }
    rep.finish(&run);
    let out = buf.text();
    assert!(out.contains("     Running ["), "no bar drawn:\n{out:?}");
    assert!(out.contains("\r\u{1b}[2K"), "bar never cleared:\n{out:?}");
    // Every result line is still there, whole.
    assert!(out.contains("        FAIL [   0.011s] sqltest/orders.yaml::order total adds tax\n"));
    assert!(out.contains("     Summary [   1.234s]"));
}

#[test]
fn write_errors_are_kept_not_fatal() {
    struct Broken;
    impl Write for Broken {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(io::Error::new(io::ErrorKind::BrokenPipe, "closed"))
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
    let mut rep = TerminalReporter::new(Box::new(Broken), PLAIN);
    rep.phase("provisioning");
    rep.finish(&sample_run());
    assert_eq!(
        rep.take_error().map(|e| e.kind()),
        Some(io::ErrorKind::BrokenPipe)
    );
    assert!(rep.take_error().is_none());
}

#[test]
fn the_reporter_can_be_shared_across_tasks() {
    fn assert_send<T: Send + 'static>() {}
    assert_send::<TerminalReporter>();
    let buf = Buffer::default();
    let rep = Arc::new(Mutex::new(TerminalReporter::new(
        Box::new(buf.clone()),
        PLAIN,
    )));
    let run = sample_run();
    std::thread::scope(|s| {
        for t in &run.tests {
            let rep = rep.clone();
            s.spawn(move || rep.lock().unwrap().test_done(t));
        }
    });
    assert_eq!(buf.text().lines().count(), run.tests.len());
}

#[test]
fn a_check_that_could_not_run_shows_the_database_error_not_a_count() {
    let mut run = sample_run();
    let c = &mut run.checks[1];
    c.status = Status::Error;
    c.samples.clear();
    c.message = "the check could not run".into();
    c.db_error = Some(crate::results::DbError {
        message: "canceling statement due to statement timeout".into(),
        sqlstate: Some("57014".into()),
        detail: None,
        hint: None,
        location: None,
    });
    let buf = Buffer::default();
    let mut rep = TerminalReporter::new(Box::new(buf.clone()), PLAIN);
    rep.check_done(&run.checks[1]);
    rep.finish(&run);
    let out = buf.text();
    assert!(out.starts_with(
        "       ERROR [   0.002s] sqltest/orders.yaml::orders.unique(id): canceling statement due to statement timeout\n"
    ), "{out}");
    assert!(out.contains(
        "--- ERROR: sqltest/orders.yaml::orders.unique(id)\n    at sqltest/orders.yaml:52:9 (severity error)\n    \
         the check could not run\n    database error 57014: canceling statement due to statement timeout\n"
    ), "{out}");
}

#[test]
fn dropping_the_reporter_clears_the_bar() {
    let buf = Buffer::default();
    let mut rep = TerminalReporter::new(
        Box::new(buf.clone()),
        TerminalOptions {
            progress: true,
            ..PLAIN
        },
    );
    rep.start_tests(3, 0);
    drop(rep);
    let out = buf.text();
    assert!(out.contains("     Running ["), "{out:?}");
    assert!(out.ends_with("\r\u{1b}[2K"), "bar left on screen: {out:?}");
}
