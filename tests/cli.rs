//! The command line as a user meets it: exit codes, `--list`, `--json`, a failing value against a
//! faulty `serve`, `import --check` and `lint`.

use std::io::BufRead;
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_graph-conformance");
const E1: &str = "identitygovernance-userprocessingresult-get::lifecycleworkflows_get_run_userprocessingresult_e1";

fn cli(args: &[&str]) -> Output {
    Command::new(BIN)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("GRAPH_CONFORMANCE_TARGET")
        .env_remove("GRAPH_TOKEN")
        .env_remove("AZURE_CLIENT_SECRET")
        .args(args)
        .output()
        .unwrap()
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

struct Serve(Child, String);

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve(extra: &[&str]) -> Serve {
    let mut child = Command::new(BIN)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["serve", "--port", "0"])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    Serve(child, line.trim().to_string())
}

#[test]
fn the_main_job_passes_and_writes_the_json_report() {
    let json = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cli-main.json");
    let o = cli(&["run", "--json", json.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("test result: ok. 29 passed; 0 failed"), "{}", text(&o));
    let report: Value = serde_json::from_str(&std::fs::read_to_string(json).unwrap()).unwrap();
    assert_eq!(
        (report["passed"].as_u64(), report["failed"].as_u64(), report["ignored"].as_u64()),
        (Some(29), Some(0), Some(0))
    );
    let first = &report["cases"][0];
    assert!(first["name"].is_string() && first["outcome"] == "passed" && first["message"].is_null(), "{first}");
}

#[test]
fn a_wrong_value_fails_with_the_pointer_the_values_and_a_diff() {
    let bad = serve(&["--fault", "value-drift"]);
    let o =
        cli(&["run", "--target", &bad.1, "--token", "T", "--profile", "reference", "--exact", E1, "--color", "never"]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(101), "{out}");
    assert!(out.contains("body.value at /failedTasksCount"), "{out}");
    assert!(out.contains("expected: 0") && out.contains("actual:   1"), "{out}");
    assert!(
        out.contains("-  \"failedTasksCount\": 0,") && out.contains("+  \"failedTasksCount\": 1,"),
        "a diff: {out}"
    );
    assert!(
        out.contains(&format!("rerun: graph-conformance run --target {} --profile reference --exact '{E1}'", bad.1)),
        "{out}"
    );
    assert!(!out.contains("Bearer T"), "the token is not printed");

    let good = serve(&[]);
    let o = cli(&["run", "--target", &good.1, "--token", "T", "--profile", "reference"]);
    assert!(o.status.success(), "{}", text(&o));
}

#[test]
fn list_starts_nothing_and_needs_no_reachable_target() {
    let o =
        cli(&["run", "--list", "--target", "http://127.0.0.1:9/beta", "identitygovernance-userprocessingresult-get"]);
    let out = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(o.status.success(), "{}", text(&o));
    let names: Vec<&str> = out.lines().filter(|l| l.ends_with(": test")).collect();
    assert_eq!(names.len(), 29, "{out}");
    assert!(names.iter().filter(|n| n.contains("::derived::")).count() >= 25);
    assert!(names.windows(2).all(|w| w[0] <= w[1]), "sorted");
}

#[test]
fn usage_errors_are_distinct_from_failures() {
    assert_eq!(cli(&["run", "--param", "runId"]).status.code(), Some(2));
    assert_eq!(cli(&["run", "--timeout", "0"]).status.code(), Some(2));
    assert_eq!(cli(&["run", "--cases", "/nonexistent"]).status.code(), Some(2));
    assert_eq!(cli(&["run", "--bogus"]).status.code(), Some(2));
    let o = cli(&["serve", "--fault", "nope"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("--list-faults"), "{}", text(&o));
}

#[test]
fn live_profile_without_ids_skips_entity_cases_with_the_reason() {
    let good = serve(&[]);
    let o = cli(&["run", "--target", &good.1, "--token", "T", "--profile", "live", "--test-threads", "2"]);
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    assert!(out.contains("ignored (needs a real entity on a live target: pass --discover"), "{out}");
    let no_auth = out.lines().find(|l| l.contains("derived::no_authorization ")).unwrap_or("");
    assert!(no_auth.ends_with("... ok"), "cases that need no entity still run: {out}");
}

#[test]
fn import_check_notices_a_stale_case_and_lint_reports_file_lines() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cli-import");
    let _ = std::fs::remove_dir_all(&dir);
    let seed = "../shared/seed/identitygovernance-userprocessingresult-get.md";
    let o = cli(&["import", "--out", dir.to_str().unwrap(), seed]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("2 case(s), 0 diagnostic(s)"));
    assert_eq!(cli(&["import", "--check", "--out", dir.to_str().unwrap(), seed]).status.code(), Some(0));
    let file =
        dir.join("identitygovernance-userprocessingresult-get/lifecycleworkflows_get_run_userprocessingresult_e1.json");
    let edited = std::fs::read_to_string(&file).unwrap().replace("\"failedTasksCount\": 0", "\"failedTasksCount\": 7");
    std::fs::write(&file, edited).unwrap();
    let o = cli(&["import", "--check", "--out", dir.to_str().unwrap(), seed]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("differs from what the page generates"), "{}", text(&o));

    let o = cli(&["lint", seed]);
    let out = text(&o);
    assert!(
        out.contains(&format!(
            "{seed}:114: warning: the annotation's @odata.type is microsoft.graph.identityGovernance.run"
        )),
        "{out}"
    );
    assert_eq!(cli(&["lint", "--deny-warnings", seed]).status.code(), Some(1));
}

#[test]
fn the_fault_catalogue_is_listed() {
    let o = cli(&["serve", "--list-faults"]);
    let out = text(&o);
    for f in graph_conformance::reference::FAULTS {
        assert!(out.contains(f.name) && out.contains(f.caught_by), "{}", f.name);
    }
}
