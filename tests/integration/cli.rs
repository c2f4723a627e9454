//! The command line as a user meets it: exit codes, `--list`, `--json`, a failing value against a
//! faulty `serve`, usage errors that never reach a case, reports that cannot be written, `import
//! --check` and `lint`, a page the project has never seen, sharding by workflow.

use crate::support;

use std::path::PathBuf;
use std::process::Output;

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_graph-conformance");
const E1: &str = "beta/identitygovernance-userprocessingresult-get::lifecycleworkflows_get_run_userprocessingresult_e1";
const TEMPLATE_PAGE: &str = "tests/pages/identitygovernance-workflowtemplate-get.md";

fn cli(args: &[&str]) -> Output {
    support::clean_command(BIN).args(args).output().unwrap()
}

fn cli_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = support::clean_command(BIN);
    for (k, v) in env {
        c.env(k, v);
    }
    c.args(args).output().unwrap()
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

fn tmp(name: &str) -> PathBuf {
    let p = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_file(&p);
    let _ = std::fs::remove_dir_all(&p);
    p
}

fn serve(extra: &[&str]) -> support::Serve {
    support::serve(BIN, extra)
}

fn listed(args: &[&str]) -> Vec<String> {
    let mut a = vec!["run", "--list"];
    a.extend_from_slice(args);
    let o = cli(&a);
    assert!(o.status.success(), "{}", text(&o));
    String::from_utf8_lossy(&o.stdout).lines().filter_map(|l| l.strip_suffix(": test")).map(str::to_string).collect()
}

#[test]
fn the_main_job_passes_every_listed_case_and_writes_the_json_report() {
    let names = listed(&[]);
    assert!(names.len() >= 300, "at least 300 cases: {}", names.len());
    let suites: std::collections::BTreeSet<&str> = names.iter().filter_map(|n| n.split("::").next()).collect();
    // Lifecycle workflows (33 beta, 40 v1.0 pages) and entitlement management (20 v1.0 pages), and
    // in each version the `metadata` suite: the GET paths of the tree no page documents.
    let pages = |v: &str| suites.iter().filter(|s| s.starts_with(v) && !s.ends_with("/metadata")).count();
    assert_eq!((pages("beta/"), pages("v1.0/")), (33, 60), "one suite per page, for each version");
    assert!(suites.contains("beta/metadata") && suites.contains("v1.0/metadata"), "{suites:?}");
    assert_eq!(suites.len(), 95, "every suite is named after its version");
    assert!(names.iter().any(|n| n == E1), "the seed's cases keep their names");
    let json = tmp("cli-main.json");
    let o = cli(&["run", "--json", json.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    let report: Value = serde_json::from_str(&std::fs::read_to_string(json).unwrap()).unwrap();
    let count = |k: &str| report["counts"][k].as_u64().unwrap_or(u64::MAX);
    assert_eq!(count("failed"), 0);
    assert_eq!(count("passed") + count("ignored"), names.len() as u64, "every listed case ran, or says why not");
    // What is not run, and why: one entitlement-management example names a collection the metadata
    // does not have (`accessPackageAssignmentPolicies`, lint names the page); reads the metadata
    // derives where no example shows an entity need --discover.
    let out = text(&o);
    let reasons: Vec<&str> =
        out.lines().skip_while(|l| !l.starts_with("ignored (")).skip(1).take_while(|l| !l.trim().is_empty()).collect();
    assert_eq!(reasons.len(), 2, "{out}");
    assert!(reasons.iter().any(|r| r.contains("accessPackageAssignmentPolicies")), "{out}");
    assert!(reasons.iter().any(|r| r.contains("no example shows an entity at this path: pass --discover")), "{out}");
}

#[test]
fn every_get_path_of_both_areas_is_read_by_some_case() {
    let json = tmp("cli-coverage.json");
    let o = cli(&["coverage", "--fail-on-none", "--json", json.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    let rows: Value = serde_json::from_str(&std::fs::read_to_string(json).unwrap()).unwrap();
    for v in ["beta", "v1.0"] {
        let of = rows[v].as_array().unwrap_or_else(|| panic!("no {v} rows: {rows}"));
        assert!(of.len() > 100, "{v}: {} paths", of.len());
        let with = |s: &str| of.iter().filter(|r| r["status"] == s).count();
        assert_eq!(with("none"), 0, "{v}");
        assert!(with("documented") > 20 && with("derived") > 20, "{v}: {}", text(&o));
    }
    // The paths the family's pages never read are read by cases derived from the metadata.
    let beta = rows["beta"].as_array().unwrap();
    for path in [
        "/identityGovernance/lifecycleWorkflows/workflowTemplates",
        "/identityGovernance/lifecycleWorkflows/workflows/{workflowId}/userProcessingResults/{userProcessingResultId}",
        "/identityGovernance/lifecycleWorkflows/insights/topTasksProcessedSummary(startDateTime={startDateTime},endDateTime={endDateTime})",
    ] {
        let row = beta.iter().find(|r| r["path"] == path).unwrap_or_else(|| panic!("{path} is not a row"));
        assert!(row["status"].as_str().is_some_and(|s| s.starts_with("derived")), "{row}");
    }
    assert!(text(&o).contains("v1.0: "), "{}", text(&o));
}

#[test]
fn a_wrong_value_fails_with_the_pointer_the_values_and_a_diff() {
    let bad = serve(&["--fault", "value-drift"]);
    let o =
        cli(&["run", "--target", &bad.1, "--token", "T", "--profile", "reference", "--exact", E1, "--color", "never"]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(101), "{out}");
    // The fault adds 1 to a total that no rule relates to the rows (so that only the value check sees it).
    assert!(out.contains("body.value at /totalUnprocessedTasksCount"), "{out}");
    assert!(out.contains("expected: 0") && out.contains("actual:   1"), "{out}");
    assert!(
        out.contains("-  \"totalUnprocessedTasksCount\": 0") && out.contains("+  \"totalUnprocessedTasksCount\": 1"),
        "a diff: {out}"
    );
    assert!(
        out.contains(&format!(
            "rerun: graph-conformance run --target {} --profile reference --exact {E1}   # with GRAPH_TOKEN set",
            bad.1
        )),
        "{out}"
    );
    assert!(!out.contains("Bearer T"), "the token is not printed");
    assert!(
        out.contains(
            "https://learn.microsoft.com/graph/api/identitygovernance-userprocessingresult-get?view=graph-rest-beta"
        ),
        "the page's address, where no local copy is: {out}"
    );
    let good = serve(&[]);
    let o = cli(&["run", "-q", "--target", &good.1, "--token", "T", "--profile", "reference"]);
    assert!(o.status.success(), "{}", text(&o));
}

/// One value fault across the family: each distinct failure prints in full once, the same failure
/// elsewhere is a line naming where it was printed, and the output ends with the broken rule (once,
/// with its case count) and the verdict.
#[test]
fn a_single_value_fault_ends_with_its_rule_once_and_the_verdict() {
    let bad = serve(&["--fault", "value-drift"]);
    let json = tmp("grouped.json");
    // The metadata's navigation reads are compared with their parent's $expand, which the fault
    // leaves alone: they would fail navigation.consistency too.
    let o = cli(&[
        "run",
        "--skip",
        "metadata",
        "--target",
        &bad.1,
        "--token",
        "T",
        "--profile",
        "reference",
        "--color",
        "never",
        "--json",
        json.to_str().unwrap(),
    ]);
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    assert_eq!(o.status.code(), Some(101), "{out}");
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let failed = report["counts"]["failed"].as_u64().unwrap();
    assert!(failed >= 10, "the fault shows in many cases: {failed}");
    let lines: Vec<&str> = out.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(lines.last().unwrap().starts_with(&format!("verdict: FAILED: {failed} of ")), "{out}");
    let table = out.split("\nbroken rules:\n").nth(1).expect("a table of broken rules");
    let rows: Vec<&str> = table.lines().take_while(|l| l.starts_with("  ")).collect();
    assert_eq!(rows.len(), 1, "one rule is broken: {rows:?}");
    assert!(rows[0].starts_with("  body.value ") && rows[0].contains(&format!(" {failed} cases ")), "{rows:?}");
    let blocks = out.lines().filter(|l| l.starts_with("---- ")).count() as u64;
    let repeats = out.matches("its block is printed there").count() as u64;
    assert_eq!(blocks, failed, "every failed case is named");
    assert!(repeats * 2 > failed, "most failures repeat an earlier one and are not printed again: {repeats}");
    // A block printed in full takes tens of lines, a repeat one: the output is that of the distinct failures.
    let bound = (failed - repeats) * 60 + repeats * 2 + 60;
    assert!(out.lines().count() < bound as usize, "repeats are not printed in full: {} lines", out.lines().count());
}

#[test]
fn list_starts_nothing_and_needs_no_reachable_target() {
    let names = listed(&["--target", "http://127.0.0.1:9/beta", "identitygovernance-userprocessingresult-get::"]);
    assert_eq!(names.len(), 30, "{names:?}");
    assert!(names.iter().filter(|n| n.contains("::derived::")).count() >= 25);
    assert!(names.windows(2).all(|w| w[0] <= w[1]), "sorted");
}

#[test]
fn usage_errors_exit_2_before_any_case() {
    let cases_root = tmp("empty-cases");
    std::fs::create_dir_all(&cases_root).unwrap();
    let empty = cases_root.to_str().unwrap();
    for args in [
        vec!["run", "--param", "runId"],
        vec!["run", "--param", "nosuchparameter=x"],
        vec!["run", "--timeout", "0"],
        vec!["run", "--timeout", "inf"],
        vec!["run", "--timeout", "-1"],
        vec!["run", "--timeout", "2e19"],
        vec!["run", "--timeout", "1e-300"],
        vec!["run", "--test-threads", "0"],
        vec!["run", "--max-entities", "0", "--discover"],
        vec!["run", "--concurrency", "0"],
        vec!["run", "--cases", "/nonexistent"],
        vec!["run", "--cases", empty],
        vec!["run", "--bogus"],
        vec!["run", "--target", "not a url"],
        vec!["run", "--target", "ftp://x"],
        vec!["serve", "--fault", "nope"],
        vec!["serve", "--entities", "2000000000000", "--port", "0"],
    ] {
        let o = cli(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", text(&o));
        assert!(!String::from_utf8_lossy(&o.stdout).contains("test "), "{args:?} ran a case: {}", text(&o));
    }
    let o = cli_env(&["run"], &[("GRAPH_CONFORMANCE_TIMEOUT", "inf")]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let o = cli(&["run", "--target", "https://someone:hunter22-secret@graph.example/beta"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!text(&o).contains("hunter22-secret"), "a password in the URL is never printed: {}", text(&o));
    assert!(text(&o).contains("--list-faults") || cli(&["serve", "--fault", "nope"]).status.code() == Some(2));
}

#[test]
fn reports_that_cannot_be_written_end_the_run_with_2() {
    for flag in ["--json", "--junit"] {
        let o = cli(&["run", "-q", flag, "/dev/full", "select_id"]);
        assert_eq!(o.status.code(), Some(2), "{flag} /dev/full: {}", text(&o));
        assert!(text(&o).contains("/dev/full"), "names the path: {}", text(&o));
        let o = cli(&["run", "-q", flag, "/nonexistent-dir/report", "select_id"]);
        assert_eq!(o.status.code(), Some(2), "{flag} in a missing folder: {}", text(&o));
        assert!(text(&o).contains("No such file or directory"), "the OS error: {}", text(&o));
    }
    let kept = tmp("kept-report.json");
    std::fs::write(&kept, "{\"earlier\": true}").unwrap();
    let o = cli(&["run", "--list", "--json", kept.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(std::fs::read_to_string(&kept).unwrap(), "{\"earlier\": true}", "--list writes no report");
}

#[test]
fn the_profile_variable_means_the_same_for_run() {
    let good = serve(&[]);
    let o =
        cli_env(&["run", "--target", &good.1, "--token", "T", "select_id"], &[("GRAPH_CONFORMANCE_PROFILE", "live")]);
    // The verdict counts the ignored cases by reason.
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    assert!(out.contains("  needs a real entity on a live target"), "live, as GRAPH_CONFORMANCE_PROFILE says: {out}");
}

#[test]
fn live_profile_without_ids_skips_entity_cases_with_the_reason() {
    let good = serve(&[]);
    let o = cli(&[
        "run",
        "--target",
        &good.1,
        "--token",
        "T",
        "--profile",
        "live",
        "--test-threads",
        "2",
        "--format",
        "pretty",
        "identitygovernance-userprocessingresult-get::",
    ]);
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    assert!(out.contains("ignored (needs a real entity on a live target: pass --discover"), "{out}");
    let no_auth = out.lines().find(|l| l.contains("derived::no_authorization ")).unwrap_or("");
    assert!(no_auth.ends_with("... ok"), "cases that need no entity still run: {out}");
}

#[test]
fn import_check_notices_a_stale_case_and_lint_reports_file_lines() {
    let dir = tmp("cli-import");
    let o = cli(&["import", "--out", dir.to_str().unwrap(), TEMPLATE_PAGE]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("2 case(s), 0 diagnostic(s)"), "{}", text(&o));
    assert_eq!(cli(&["import", "--check", "--out", dir.to_str().unwrap(), TEMPLATE_PAGE]).status.code(), Some(0));
    let file = dir.join("identitygovernance-workflowtemplate-get/conformance_get_workflowtemplate.json");
    let edited = std::fs::read_to_string(&file).unwrap().replace("\"leaver\"", "\"joiner\"");
    std::fs::write(&file, edited).unwrap();
    let o = cli(&["import", "--check", "--out", dir.to_str().unwrap(), TEMPLATE_PAGE]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("differs from what the page generates"), "{}", text(&o));

    let bugs = "tests/pages/doc-bugs.md";
    let o = cli(&["lint", bugs]);
    assert!(
        text(&o).contains(&format!(
            "{bugs}:25: warning: the annotation's @odata.type is microsoft.graph.identityGovernance.run"
        )),
        "{}",
        text(&o)
    );
    assert_eq!(cli(&["lint", "--deny-warnings", bugs]).status.code(), Some(1));
    assert_eq!(cli(&["lint", "--deny-warnings", TEMPLATE_PAGE]).status.code(), Some(0));
}

#[test]
fn a_page_the_project_has_never_seen_runs_and_is_served_with_no_hand_written_file() {
    let dir = tmp("never-seen");
    let o = cli(&["import", "--out", dir.to_str().unwrap(), TEMPLATE_PAGE]);
    assert!(o.status.success(), "{}", text(&o));
    let o = cli(&["run", "--cases", dir.to_str().unwrap(), "--color", "never", "--format", "pretty"]);
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    assert!(
        out.lines().any(|l| l.contains("identitygovernance-workflowtemplate-get::derived::select_displayName ")
            && l.ends_with("ok")),
        "{out}"
    );
    let n = out.lines().filter(|l| l.ends_with("... ok")).count();
    assert!(n >= 15, "derived cases for the new type: {n}");
    let served = serve(&["--cases", dir.to_str().unwrap()]);
    let o = cli(&[
        "run",
        "-q",
        "--cases",
        dir.to_str().unwrap(),
        "--target",
        &served.1,
        "--token",
        "T",
        "--profile",
        "reference",
    ]);
    assert!(o.status.success(), "serve --cases serves it: {}", text(&o));
}

#[test]
fn the_fault_catalogue_is_listed_with_how_each_shows() {
    let o = cli(&["serve", "--list-faults"]);
    let out = text(&o);
    for f in graph_conformance::reference::FAULTS {
        let line = out
            .lines()
            .find(|l| l.starts_with(&format!("{} ", f.name)))
            .unwrap_or_else(|| panic!("{} missing", f.name));
        assert!(line.contains(f.caught_by), "{line}");
        if f.needs_discovery() {
            assert!(line.contains("--discover"), "{line}");
        }
    }
}

#[test]
fn sharding_by_workflow_with_param_and_discover_works_as_readme_says() {
    let served = serve(&["--entities", "2000", "--page-size", "50"]);
    // The first two synthetic workflows (after the documented ones), which have runs.
    let ids: Vec<String> = served
        .ids("/identityGovernance/lifecycleWorkflows/workflows")
        .into_iter()
        .filter(|id| graph_conformance::reference::synthetic::is_synthetic(id))
        .collect();
    let (other, workflow) = (ids[0].as_str(), ids[1].as_str());
    let json = tmp("shard.json");
    let o = cli(&[
        "run",
        "--target",
        &served.1,
        "--token",
        "T",
        "--discover",
        "--param",
        &format!("workflowId={workflow}"),
        "--max-entities",
        "3",
        "-q",
        "--json",
        json.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let report: Value = serde_json::from_str(&std::fs::read_to_string(json).unwrap()).unwrap();
    let names: Vec<&str> = report["cases"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert!(
        names.iter().any(|n| n.contains(&format!("::{workflow}/"))),
        "cases under the pinned workflow ran: {names:?}"
    );
    assert!(names.iter().any(|n| n.ends_with(&format!("::{workflow}"))), "and the workflow's own cases");
    assert!(!names.iter().any(|n| n.contains(other)), "no other workflow was walked");
}

/// The `rerun:` line of the first failed case whose name satisfies `pick`, from a JSON report.
fn rerun_of(report: &std::path::Path, pick: impl Fn(&str) -> bool) -> (String, String) {
    let v: Value = serde_json::from_str(&std::fs::read_to_string(report).unwrap()).unwrap();
    let case = v["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["outcome"] == "failed" && pick(c["name"].as_str().unwrap()))
        .unwrap_or_else(|| panic!("no failed case to rerun in {}", report.display()));
    let message = case["message"].as_str().unwrap();
    let line = message
        .lines()
        .find_map(|l| l.trim().strip_prefix("rerun: "))
        .unwrap_or_else(|| panic!("no rerun line in {message}"));
    (case["name"].as_str().unwrap().to_string(), line.to_string())
}

/// Runs a printed rerun line in a shell, with the binary for `graph-conformance` and the token in
/// `GRAPH_TOKEN`.
fn run_rerun_line(line: &str) -> Output {
    let rest = line.strip_prefix("graph-conformance ").expect("the line starts with the command");
    let mut c = support::clean_command("sh");
    c.env("GRAPH_TOKEN", "T").arg("-c").arg(format!("'{BIN}' {rest}"));
    c.output().unwrap()
}

#[test]
fn the_rerun_line_of_a_discovered_case_reproduces_its_failure() {
    let served = serve(&["--fault", "negative-count", "--entities", "300", "--page-size", "40"]);
    let json = tmp("rerun-discovered.json");
    let o = cli_env(
        &["run", "--target", &served.1, "--discover", "--max-entities", "2", "-q", "--json", json.to_str().unwrap()],
        &[("GRAPH_TOKEN", "T")],
    );
    assert_eq!(o.status.code(), Some(101), "{}", text(&o));
    let (name, line) =
        rerun_of(&json, |n| n.starts_with("beta/identitygovernance-run-get::derived::select_failedTasksCount::"));
    assert!(line.contains("--discover") && line.contains("--param"), "{line}");
    assert!(!line.contains(" T ") && line.contains("GRAPH_TOKEN"), "names the variable, not the token: {line}");
    let again = run_rerun_line(&line);
    let out = text(&again);
    assert_eq!(again.status.code(), Some(101), "{line}\n{out}");
    assert!(out.contains(&format!("---- {name} ----")), "the same case failed again:\n{out}");
    assert!(out.contains("1 failed"), "and only it ran:\n{out}");
    assert!(out.contains("invariant.counts-non-negative"), "with the same rule:\n{out}");
}

#[test]
fn the_rerun_line_of_a_case_from_another_folder_reproduces_its_failure() {
    let served = serve(&["--fault", "value-drift"]);
    let dir = tmp("rerun-cases");
    let suite = dir.join("identitygovernance-userprocessingresult-get");
    std::fs::create_dir_all(&suite).unwrap();
    for f in std::fs::read_dir("cases/beta/identitygovernance-userprocessingresult-get").unwrap() {
        let f = f.unwrap().path();
        std::fs::copy(&f, suite.join(f.file_name().unwrap())).unwrap();
    }
    let json = tmp("rerun-cases.json");
    let o = cli_env(
        &[
            "run",
            "--cases",
            dir.to_str().unwrap(),
            "--target",
            &served.1,
            "--profile",
            "reference",
            "--timeout",
            "7",
            "-q",
            "--json",
            json.to_str().unwrap(),
        ],
        &[("GRAPH_TOKEN", "T")],
    );
    assert_eq!(o.status.code(), Some(101), "{}", text(&o));
    let (name, line) = rerun_of(&json, |n| n.ends_with("_e1"));
    assert!(line.contains("--cases") && line.contains("--timeout 7") && line.contains("--profile reference"), "{line}");
    // The curl line of the same failure fetches the same answer, with the token from the environment.
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let message = v["cases"].as_array().unwrap().iter().find(|c| c["name"] == name.as_str()).unwrap()["message"]
        .as_str()
        .unwrap()
        .to_string();
    let curl = message.lines().find_map(|l| l.trim().strip_prefix("curl: ")).expect("a curl line");
    assert!(curl.contains("$GRAPH_TOKEN") && !curl.contains("Bearer T"), "{curl}");
    if std::process::Command::new("curl").arg("--version").output().is_ok() {
        let fetched = support::clean_command("sh").env("GRAPH_TOKEN", "T").arg("-c").arg(curl).output().unwrap();
        let answer = String::from_utf8_lossy(&fetched.stdout);
        assert!(answer.starts_with("HTTP/1.1 200") && answer.contains("\"totalUnprocessedTasksCount\":1"), "{answer}");
    }
    let again = run_rerun_line(&line);
    let out = text(&again);
    assert_eq!(again.status.code(), Some(101), "{line}\n{out}");
    assert!(out.contains(&format!("---- {name} ----")), "{out}");
    assert!(out.contains("body.value"), "{out}");
}

#[test]
fn a_run_where_no_case_ran_fails_unless_told_otherwise() {
    // As nextest: one line that says so, and an exit code of its own, with no verdict.
    let o = cli(&["run", "no-case-has-this-name"]);
    assert_eq!(o.status.code(), Some(4), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("error: no case matches the filter `no-case-has-this-name`"), "{err}");
    assert!(!text(&o).contains("verdict:"), "{}", text(&o));
    let o = cli(&["run", "--no-tests", "pass", "no-case-has-this-name"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let o = cli(&["run", "--no-tests", "warn", "no-case-has-this-name"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(text(&o).contains("warning: no case ran"));
}

#[test]
fn max_failures_stops_starting_cases() {
    let bad = serve(&["--fault", "value-drift"]);
    for discover in [false, true] {
        let json = tmp(&format!("max-failures-{discover}.json"));
        let mut args = vec!["run", "--target", &bad.1, "--token", "T", "--profile", "reference", "--test-threads", "1"];
        args.extend(["--concurrency", "1", "--max-failures", "2", "--json", json.to_str().unwrap()]);
        if discover {
            args.push("--discover");
        }
        let o = cli(&args);
        let out = text(&o);
        assert_eq!(o.status.code(), Some(101), "{out}");
        let report: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
        assert_eq!(report["counts"]["failed"], 2, "one case at a time: exactly two failed ({discover})");
        if discover {
            assert!(out.contains("--max-failures 2 reached"), "{out}");
        } else {
            assert!(out.contains("not run: --max-failures 2 reached"), "{out}");
        }
    }
}

#[test]
fn the_json_report_validates_against_its_committed_schema() {
    let schema: Value = serde_json::from_str(&std::fs::read_to_string("docs/report-v2.schema.json").unwrap()).unwrap();
    let validator = graph_conformance::schema::Validator::standalone(&schema).expect("the schema compiles");
    let bad = serve(&["--fault", "value-drift", "--entities", "200"]);
    let runs: Vec<(&str, Vec<&str>)> = vec![
        ("embedded", vec!["run", "-q"]),
        ("faulty", vec!["run", "-q", "--target", &bad.1, "--token", "T", "--profile", "reference"]),
        ("discovery", vec!["run", "-q", "--target", &bad.1, "--token", "T", "--discover", "--max-entities", "2"]),
        ("failures-only", vec!["run", "-q", "--target", &bad.1, "--token", "T", "--report-failures-only"]),
    ];
    for (tag, mut args) in runs {
        let json = tmp(&format!("schema-{tag}.json"));
        args.extend(["--json", json.to_str().unwrap()]);
        let o = cli(&args);
        assert!(matches!(o.status.code(), Some(0) | Some(101)), "{tag}: {}", text(&o));
        let report: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
        let errors: Vec<String> =
            validator.errors(&report, 5).iter().map(|e| format!("{} at {}", e.message, e.instance_path)).collect();
        assert!(errors.is_empty(), "{tag}: the report does not match its schema: {errors:#?}");
        if tag == "embedded" {
            // Both versions' trees, every path read by some case.
            for version in ["beta", "v1.0"] {
                let c = &report["coverage"][version];
                assert!(c["paths"].as_u64() > Some(100) && c["none"] == 0, "{tag}: coverage of {version}: {c}");
                assert_eq!(c["rows"].as_array().map(Vec::len), c["paths"].as_u64().map(|n| n as usize));
            }
        }
        let cases = report["cases"].as_array().unwrap();
        let names: Vec<&str> = cases.iter().map(|c| c["name"].as_str().unwrap()).collect();
        assert!(names.windows(2).all(|w| w[0] <= w[1]), "{tag}: cases sorted by name");
        let counts = &report["counts"];
        let failed = cases.iter().filter(|c| c["outcome"] == "failed").count() as u64;
        assert_eq!(counts["failed"].as_u64(), Some(failed), "{tag}");
        if tag == "failures-only" {
            assert!(cases.iter().all(|c| c["outcome"] == "failed") && counts["passed"].as_u64() > Some(0));
        } else {
            assert_eq!(counts["total"].as_u64(), Some(cases.len() as u64), "{tag}");
        }
        if tag == "faulty" {
            let f = cases.iter().find(|c| c["outcome"] == "failed").unwrap();
            assert_eq!(f["findings"][0]["rule"], "body.value");
            assert!(f["findings"][0]["pointer"].as_str().unwrap().starts_with('/'));
            assert!(f["source"]["docUrl"].as_str().unwrap().starts_with("https://learn.microsoft.com/"));
            assert!(f["trace"]["clientRequestId"].is_string());
            assert!(report["rules"]["body.value"]["failedCases"].as_u64() > Some(0));
        }
    }
}

#[test]
fn a_baseline_names_new_failures_and_fixed_ones_and_gates_on_regressions() {
    let good = serve(&[]);
    let bad = serve(&["--fault", "value-drift"]);
    let run = |root: &str, json: &PathBuf, extra: &[&str]| {
        let mut args = vec!["run", "-q", "--target", root, "--token", "T", "--profile", "reference"];
        args.extend(["--json", json.to_str().unwrap()]);
        args.extend_from_slice(extra);
        cli(&args)
    };
    let faithful = tmp("baseline-faithful.json");
    let faulty = tmp("baseline-faulty.json");
    assert!(run(&good.1, &faithful, &[]).status.success());
    let o = run(&bad.1, &faulty, &["--baseline-report", faithful.to_str().unwrap(), "--fail-on", "new"]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(101), "a regression fails the gate: {out}");
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&faulty).unwrap()).unwrap();
    let failed = report["counts"]["failed"].as_u64().unwrap();
    assert!(failed > 0);
    assert!(out.contains(&format!("new failures ({failed}):")), "exactly the failures are new: {out}");
    assert!(!out.contains("fixed ("), "{out}");
    assert!(out.trim_end().ends_with(&format!("{failed} new against the baseline")), "{out}");
    // The other way round: the same cases are fixed, and nothing is new.
    let again = tmp("baseline-faithful-again.json");
    let o = run(&good.1, &again, &["--baseline-report", faulty.to_str().unwrap(), "--fail-on", "new"]);
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    assert!(out.contains(&format!("fixed ({failed}):")) && !out.contains("new failures ("), "{out}");
    // Failing as before is not a regression under --fail-on new, but is a failure under the default.
    let same = tmp("baseline-faulty-again.json");
    let junit = tmp("baseline-faulty-again.xml");
    let o = run(
        &bad.1,
        &same,
        &["--baseline-report", faulty.to_str().unwrap(), "--fail-on", "new", "--junit", junit.to_str().unwrap()],
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains(&format!("still failing: {failed}")));
    // The reports say so too: the JSON per case and as a whole, and JUnit agrees with the verdict.
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&same).unwrap()).unwrap();
    assert_eq!(report["version"], 2);
    assert_eq!(report["baseline"]["stillFailing"].as_u64(), Some(failed));
    assert_eq!(report["baseline"]["newFailures"].as_u64(), Some(0));
    let cases = report["cases"].as_array().unwrap();
    assert!(cases.iter().filter(|c| c["outcome"] == "failed").all(|c| c["baseline"] == "still-failing"));
    assert!(cases.iter().filter(|c| c["outcome"] == "passed").all(|c| c["baseline"] == "same"));
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(!xml.contains("<failure"), "JUnit is green when the gate is");
    assert!(xml.contains("still failing as in the baseline (body.value)"), "{}", &xml[..2000.min(xml.len())]);
    // A case that breaks another rule than before is a new failure, named by the new rule.
    let other = serve(&["--fault", "wrong-content-type"]);
    let o = run(
        &other.1,
        &tmp("baseline-other.json"),
        &["--baseline-report", faulty.to_str().unwrap(), "--fail-on", "new"],
    );
    assert_eq!(o.status.code(), Some(101), "{}", text(&o));
    assert!(text(&o).contains("(newly broken: content-type"), "{}", text(&o));
    // `--baseline` is the older spelling of the same flag.
    let o = run(&bad.1, &same, &["--baseline", faulty.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(101));
    // A file that is not a report is a setup error.
    let o = run(&good.1, &tmp("x.json"), &["--baseline-report", "Cargo.toml"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
}

#[test]
fn a_settings_file_is_read_flags_override_it_and_secrets_stay_out_of_it() {
    let bad = serve(&["--fault", "value-drift"]);
    let dir = tmp("settings");
    std::fs::create_dir_all(&dir).unwrap();
    let json = dir.join("from-file.json");
    let file = dir.join("graph-conformance.toml");
    std::fs::write(&file, format!("target = \"{}\"\nprofile = \"reference\"\njson = \"{}\"\n", bad.1, json.display()))
        .unwrap();
    let token = [("GRAPH_TOKEN", "T")];
    let o = cli_env(&["run", "-q", "--config", file.to_str().unwrap(), "select_id"], &token);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(report["target"].as_str(), Some(bad.1.as_str()), "the file's target was used");
    let o = cli_env(&["run", "-q", "--config", file.to_str().unwrap(), "--profile", "live", "select_id"], &token);
    assert!(o.status.success(), "{}", text(&o));
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(report["profile"], "live", "a flag overrides the file");
    std::fs::write(&file, "token = \"abc\"\n").unwrap();
    let o = cli(&["run", "--config", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("only from the environment") && !text(&o).contains("abc\""), "{}", text(&o));
}

#[test]
fn the_startup_benchmark_measures_both_starts_against_the_budget() {
    let o = cli(&["bench", "--startup"]);
    let out = text(&o);
    // Timing is not asserted (shared machines): only that both starts were measured and judged.
    assert!(matches!(o.status.code(), Some(0) | Some(1)), "{out}");
    for start in ["run --list", "serve"] {
        let line = out.lines().find(|l| l.starts_with(start)).unwrap_or_else(|| panic!("no {start} line:\n{out}"));
        let figures: Vec<f64> = line.split_whitespace().filter_map(|w| w.parse().ok()).collect();
        assert!(figures.len() == 2 && figures.iter().all(|f| *f > 0.0), "{line}");
        assert!(line.ends_with("within") || line.ends_with("OVER"), "{line}");
    }
    let bad = cli(&["bench", "--startup", "--cases", "no/such/folder"]);
    assert_eq!(bad.status.code(), Some(2), "{}", text(&bad));
}

#[test]
fn the_binary_runs_from_any_folder_with_its_built_in_cases_and_schemas() {
    // An installed binary, started where there is no `cases` or `schemas` folder.
    let away = tmp("away-from-the-checkout");
    std::fs::create_dir_all(&away).unwrap();
    let o = support::clean_command(BIN).current_dir(&away).args(["run", "-q", E1]).output().unwrap();
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("1 case passed") || text(&o).contains("1 cases passed"), "{}", text(&o));
    let listed = support::clean_command(BIN).current_dir(&away).args(["run", "--list"]).output().unwrap();
    let here = cli(&["run", "--list"]);
    assert_eq!(listed.stdout, here.stdout, "the built-in suites are the checkout's");
    // A failure points at the built-in file, which says where it came from.
    let bad = serve(&["--fault", "value-drift"]);
    let o = support::clean_command(BIN)
        .current_dir(&away)
        .args(["run", "--target", &bad.1, "--token", "t", "--profile", "reference", "--exact", E1])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(101), "{}", text(&o));
    assert!(text(&o).contains("(built-in)/cases/beta/identitygovernance-userprocessingresult-get/"), "{}", text(&o));
    assert!(std::fs::read_dir(&away).unwrap().next().is_none(), "nothing is written where it runs");
}

#[test]
fn completions_and_man_pages_are_generated() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let o = cli(&["completions", shell]);
        assert!(o.status.success() && String::from_utf8_lossy(&o.stdout).contains("graph-conformance"), "{shell}");
    }
    let dir = tmp("man-pages");
    let o = cli(&["man", "--out", dir.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    let page = std::fs::read_to_string(dir.join("graph-conformance-run.1")).unwrap();
    assert!(page.contains("\\-\\-target") && page.starts_with(".ie"), "{}", &page[..200.min(page.len())]);
    assert!(dir.join("graph-conformance.1").is_file());
}

/// `--ca-cert FILE`: a server whose certificate no system CA signed (`serve --tls-self-signed`) is
/// refused with a line that names the flag, and trusted with it; a file without a certificate is a
/// usage error naming the file.
#[test]
fn a_private_ca_is_trusted_with_ca_cert_and_only_then() {
    let mut child = support::clean_command(BIN)
        .args(["serve", "--port", "0", "--tls-self-signed"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let stderr = child.stderr.take().unwrap();
    let server = support::Serve(child, String::new());
    let mut root = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut root).unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufRead::lines(std::io::BufReader::new(stderr)).map_while(Result::ok) {
            if let Some(path) = line.split(": ").nth(1).filter(|_| line.contains("certificate")) {
                let _ = tx.send(path.trim().to_string());
            }
        }
    });
    let cert = rx.recv_timeout(std::time::Duration::from_secs(30)).expect("serve names its certificate");
    let root = root.trim();
    assert!(root.starts_with("https://localhost:"), "{root}");
    let base = ["run", "-q", "--target", root, "--token", "T", "--profile", "reference"];
    let run = |extra: &[&str]| {
        let mut a = base.to_vec();
        a.extend_from_slice(extra);
        a.push("userprocessingresult-get");
        cli(&a)
    };
    let o = run(&[]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("UnknownIssuer") && text(&o).contains("--ca-cert FILE"), "{}", text(&o));
    let o = run(&["--ca-cert", &cert]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("verdict: ok"), "{}", text(&o));
    let o = run(&["--ca-cert", "Cargo.toml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("--ca-cert Cargo.toml: no certificate in it"), "{}", text(&o));
    drop(server);
}
