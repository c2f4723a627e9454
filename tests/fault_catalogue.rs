//! The fault catalogue proves the checks: the suite passes against the faithful reference server,
//! and fails against each catalogued defect, naming the rule the catalogue says catches it. A fault
//! that goes undetected fails its trial: it is a missing check.

use std::path::PathBuf;
use std::time::Duration;

use graph_conformance::reference::{FAULTS, FaultInfo};
use graph_conformance::report::{CaseReport, Outcome};
use graph_conformance::runner::discover::run_discovery;
use graph_conformance::runner::stream::{Display, run_cases};
use graph_conformance::runner::{EmbeddedOptions, RunConfig};
use libtest_mimic::{Arguments, Failed, Trial};

fn config(fault: Option<&FaultInfo>) -> RunConfig {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut c = RunConfig {
        cases_dir: root.join("cases"),
        schemas_dir: root.join("schemas"),
        // Enough synthetic entities for several pages per list, so the paging faults show.
        embedded: EmbeddedOptions { fault: fault.map(|f| f.fault), entities: 250, page_size: 40 },
        ..RunConfig::default()
    };
    // The stall fault never answers; a short timeout keeps the test quick.
    c.http.timeout = Duration::from_secs(1);
    c.http.retry.max_retries = 0;
    c.http.concurrency = 8;
    c
}

/// Runs the suite (and discovery, for paging faults) and returns the failed reports.
fn failures(fault: Option<&FaultInfo>) -> Result<Vec<CaseReport>, String> {
    let args = Arguments::default();
    let failed = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let keep = |into: std::sync::Arc<std::sync::Mutex<Vec<CaseReport>>>| {
        move |r: &CaseReport| {
            if r.outcome == Outcome::Failed {
                into.lock().unwrap().push(r.clone());
            }
        }
    };
    run_cases(config(fault), &args, Display::Silent, keep(failed.clone()))?;
    if fault.is_none_or(|f| f.needs_discovery) {
        let mut c = config(fault);
        c.profile = Some(graph_conformance::check::Profile::Live);
        c.discover = true;
        // Discovery runs every entity case for each entity; a sample of them shows every fault.
        c.max_entities = Some(if fault.is_some() { 120 } else { 250 });
        run_discovery(c, &args, Display::Silent, keep(failed.clone()))?;
    }
    let mut collected = Vec::new();
    std::mem::swap(&mut collected, &mut *failed.lock().unwrap());
    Ok(collected)
}

fn main() -> std::process::ExitCode {
    let args = Arguments::from_args();
    let mut trials = vec![Trial::test("faithful_server_passes_every_case", || {
        let failed = failures(None)?;
        if failed.is_empty() {
            return Ok(());
        }
        let names: Vec<String> =
            failed.iter().map(|r| format!("{} ({})", r.name, r.failed_rules().join(", "))).collect();
        Err(Failed::from(format!("the faithful reference server fails {} case(s): {}", failed.len(), names.join("; "))))
    })];
    for info in FAULTS {
        trials.push(Trial::test(format!("fault::{}", info.name), move || {
            let failed = failures(Some(info))?;
            if failed.is_empty() {
                return Err(format!(
                    "fault {} ({}) went undetected: every case passed; add the check that catches it",
                    info.name, info.description
                )
                .into());
            }
            if failed.iter().any(|r| r.failed_rules().contains(&info.caught_by)) {
                return Ok(());
            }
            let seen: Vec<String> =
                failed.iter().map(|r| format!("{}: {}", r.name, r.failed_rules().join(", "))).take(8).collect();
            Err(Failed::from(format!(
                "fault {} was caught, but not by rule {}; failures: {}",
                info.name,
                info.caught_by,
                seen.join("; ")
            )))
        }));
    }
    libtest_mimic::run(&args, trials).exit_code()
}
