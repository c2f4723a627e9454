//! The HTML report in a real browser: headless Chromium loads the report of a faulty run (its
//! script runs: the filter line is filled in), and the page's counts equal the JSON report's.
//! Without Chromium the test is reported as ignored with the reason; `.ci/run` installs Debian's
//! `chromium`, so CI always runs it (and under `CI=true` a missing browser fails).

mod support;

use std::io::BufRead;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use libtest_mimic::{Arguments, Completion, Failed, Trial};
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_graph-conformance");

fn main() -> std::process::ExitCode {
    let args = Arguments::from_args();
    let trial =
        Trial::ignorable_test("html_report::chromium_shows_the_counts_of_the_json_report", || match browser() {
            Some(b) => check(&b).map(|()| Completion::Completed).map_err(Failed::from),
            None if std::env::var("CI").is_ok_and(|v| v == "true") => {
                Err(Failed::from("no chromium: .ci/run installs Debian's chromium package"))
            }
            None => Ok(Completion::ignored_with("chromium is not installed (.ci/run installs it)")),
        });
    libtest_mimic::run(&args, vec![trial]).exit_code()
}

/// The browser: `$CHROMIUM`, else the first of Debian's and others' names that runs.
fn browser() -> Option<String> {
    let candidates = std::env::var("CHROMIUM")
        .into_iter()
        .chain(["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"].iter().map(|s| s.to_string()));
    candidates.into_iter().find(|c| {
        Command::new(c).arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok_and(|s| s.success())
    })
}

struct Served(std::process::Child);

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn number(dom: &str, id: &str) -> Option<u64> {
    let at = dom.find(&format!("id=\"{id}\">"))? + id.len() + 6;
    dom[at..].split('<').next()?.trim().parse().ok()
}

fn check(browser: &str) -> Result<(), String> {
    let mut child = support::clean_command(BIN)
        .args(["serve", "--port", "0", "--fault", "value-drift"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| e.to_string())?;
    let mut root = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut root).map_err(|e| e.to_string())?;
    let served = Served(child);
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("html-report");
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let (json, html) = (dir.join("report.json"), dir.join("report.html"));
    let out = support::clean_command(BIN)
        .args(["run", "-q", "--target", root.trim(), "--token", "canary-html-token", "--profile", "reference"])
        .arg("--json")
        .arg(&json)
        .arg("--html")
        .arg(&html)
        .output()
        .map_err(|e| e.to_string())?;
    drop(served);
    if out.status.code() != Some(101) {
        return Err(format!("the faulty run should fail: {}", String::from_utf8_lossy(&out.stdout)));
    }
    let page = std::fs::read_to_string(&html).map_err(|e| e.to_string())?;
    if page.contains("canary-html-token") {
        return Err("the token reached the HTML report".into());
    }
    if page.contains("src=\"http") || page.contains("href=\"http://127") || page.contains("<link") {
        return Err("the page loads something from elsewhere".into());
    }
    let dom = Command::new(browser)
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=2000", "--dump-dom"])
        .arg(format!("file://{}", html.display()))
        .output()
        .map_err(|e| format!("{browser} cannot start: {e}"))?;
    let dom = String::from_utf8_lossy(&dom.stdout).into_owned();
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(&json).map_err(|e| e.to_string())?).map_err(|e| e.to_string())?;
    let counts = &report["counts"];
    for key in ["total", "passed", "failed", "ignored"] {
        let shown = number(&dom, &format!("count-{key}"));
        if shown != counts[key].as_u64() {
            return Err(format!("the page shows {key} = {shown:?}, the JSON report {}", counts[key]));
        }
    }
    let failed_rows = dom.matches("data-outcome=\"failed\"").count() as u64;
    if Some(failed_rows) != counts["failed"].as_u64() {
        return Err(format!("{failed_rows} failed rows on the page, {} in the JSON report", counts["failed"]));
    }
    let total = counts["total"].as_u64().unwrap_or(0);
    if !dom.contains(&format!("{total} of {total} listed")) {
        return Err("the page's script did not run in the browser (no filter count)".into());
    }
    let broken = report["rules"]["body.value"]["failedCases"].as_u64().unwrap_or(0);
    if !dom.contains(&format!("data-rule=\"body.value\" data-failed=\"{broken}\"")) || broken == 0 {
        return Err(format!("the body.value bar does not show its {broken} failed cases"));
    }
    Ok(())
}
