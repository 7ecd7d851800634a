//! Tests of the HTML report: rendered in headless Chromium (Debian's `chromium` package), with a
//! screenshot kept in the test output folder, plus escaping and self-containment checks.

use super::*;
use crate::report::fixture::sample_run;
use crate::report::test_support::mask;
use std::path::{Path, PathBuf};
use std::process::Command;

/// `<target>/tmp/report-html`: Cargo's `CARGO_TARGET_TMPDIR` for integration tests, found from the
/// test binary's path (`<target>/debug/deps/…`) since unit tests do not get the variable.
fn output_dir() -> PathBuf {
    let dir = std::env::var_os("CARGO_TARGET_TMPDIR")
        .map(PathBuf::from)
        .or_else(|| {
            let exe = std::env::current_exe().ok()?;
            Some(exe.parent()?.parent()?.parent()?.join("tmp"))
        })
        .unwrap_or_else(std::env::temp_dir)
        .join("report-html");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs headless Chromium on `page` with `args`; returns stdout. Chromium needs `--no-sandbox`
/// as root (CI containers) and its own profile directory so parallel runs do not collide.
fn chromium(page: &Path, args: &[&str]) -> String {
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new("timeout")
        .arg("120")
        .arg("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium must be installed to test the HTML report (apt-get install -y chromium)");
    assert!(
        out.status.success(),
        "chromium failed: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn chromium_renders_the_report_with_every_failed_test_name() {
    let run = sample_run();
    let html = render_html(&run, &RenderContext::default());
    let dir = output_dir();
    let page = dir.join("sample.html");
    std::fs::write(&page, &html).unwrap();

    let dom = chromium(&page, &["--dump-dom"]);
    assert!(dom.contains("<h1>✖ sqltest: 4 failed"), "{dom}");
    for t in run.tests.iter().filter(|t| t.status != Status::Passed) {
        // Names are HTML-escaped in the DOM as serialised.
        let escaped = t
            .name
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;");
        assert!(dom.contains(&escaped), "{} missing from the DOM", t.name);
    }
    // The item rows carry their status, so the filters have something to select on.
    assert_eq!(dom.matches("class=\"item status-failed\"").count(), 5);
    assert!(
        dom.contains("<span class=\"add\">+100.00</span>"),
        "diff lines are classed"
    );

    let shot = dir.join("sample.png");
    let _ = std::fs::remove_file(&shot);
    chromium(
        &page,
        &[
            &format!("--screenshot={}", shot.display()),
            "--window-size=1280,2200",
        ],
    );
    let png = std::fs::read(&shot).expect("chromium wrote the screenshot");
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    assert!(
        png.len() > 20_000,
        "a blank page would be tiny: {} bytes",
        png.len()
    );
}

#[test]
fn the_page_is_self_contained() {
    let html = render_html(&sample_run(), &RenderContext::default());
    for banned in [
        "<script", "<link", "<img", "src=", "url(", "@import", "http://", "https://",
    ] {
        assert!(!html.contains(banned), "{banned} in the page");
    }
}

#[test]
fn text_from_the_results_is_escaped() {
    let mut run = sample_run();
    run.tests[1].name = "<img src=x onerror=alert(1)>".into();
    let html = render_html(&run, &RenderContext::default());
    assert!(!html.contains("<img"), "raw tag in the page");
    assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"));
    assert!(html.contains("monthly report &lt;sums&gt; &amp; &quot;groups&quot;"));
}

#[test]
fn failures_show_diffs_samples_and_links() {
    let ctx = RenderContext {
        blob_url: Some("https://github.com/acme/shop/blob/abc".into()),
        ..RenderContext::default()
    };
    let html = render_html(&sample_run(), &ctx);
    assert!(html.contains(
        "<a href=\"https://github.com/acme/shop/blob/abc/sqltest/orders.yaml#L12\"><code>sqltest/orders.yaml:12</code></a>"
    ));
    // The migration links to its failing statement, not line 1.
    assert!(html.contains("db/migrations/002_rename.sql#L4"));
    assert!(html.contains("<span class=\"del\">-108.00</span>"));
    assert!(
        html.contains("<table class=\"samples\"><thead><tr><th>id</th><th>count</th></tr></thead>")
    );
    assert!(html.contains("Skipped: waiting for #123"));
    assert!(html.contains("guaranteed by column orders.customer_id is NOT NULL"));
    for id in ["all", "failed", "error", "skipped", "passed"] {
        assert!(html.contains(&format!("id=\"filter-{id}\"")), "{id}");
    }
    assert!(html.contains("<label for=\"filter-failed\">Failed (5)</label>"));
}

#[test]
fn snapshot() {
    insta::assert_snapshot!(mask(&render_html(&sample_run(), &RenderContext::default())));
}
