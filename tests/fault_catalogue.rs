//! The fault catalogue proves the checks: the suites pass against the faithful reference server,
//! and fail against each catalogued defect, naming the rule the catalogue says catches it. A fault
//! that goes undetected fails its trial: it is a missing check. A meta-trial requires every rule to
//! be caught end to end by some fault, or by the golden failing corpus (`tests/failing/`).

mod support;

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Duration;

use graph_conformance::check::RULES;
use graph_conformance::reference::{FAULTS, FaultInfo};
use graph_conformance::report::{CaseReport, Outcome};
use graph_conformance::runner::discover::run_discovery;
use graph_conformance::runner::stream::{Counts, Display, run_cases};
use graph_conformance::runner::{EmbeddedOptions, RunConfig};
use libtest_mimic::{Arguments, Failed, Trial};

fn config(fault: Option<&FaultInfo>) -> RunConfig {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut c = RunConfig {
        cases_dir: root.join("cases/beta"),
        schemas_dir: root.join("schemas/beta"),
        // Enough synthetic entities for several pages per list, so the paging faults show.
        embedded: EmbeddedOptions { fault: fault.map(|f| f.fault), entities: 250, page_size: 40 },
        ..RunConfig::default()
    };
    // The stall fault never answers; a short timeout keeps the test quick (2 s: a debug build on a
    // loaded 2-core machine answers a large entity in over 1 s).
    c.http.timeout = Duration::from_secs(2);
    // Against the stall fault itself, every plain read waits out its timeout: a shorter one is
    // enough to see it (a slow answer timing out too is caught by the same rule).
    if fault.is_some_and(|f| f.name == "stall") {
        c.http.timeout = Duration::from_millis(500);
    }
    c.http.retry.max_retries = 0;
    c.http.concurrency = 8;
    c
}

/// Runs the suites (and discovery, for the faults only it can see) and returns the failed reports
/// and the suites' counts. Against a fault, the run stops as soon as a case fails by the rule that
/// catches it (the verdict is known; the rest would only repeat it).
fn failures(fault: Option<&FaultInfo>) -> Result<(Vec<CaseReport>, Counts), String> {
    let args = Arguments::default();
    let failed = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let caught_by = fault.map(|f| f.caught_by);
    let keep = |into: std::sync::Arc<std::sync::Mutex<Vec<CaseReport>>>| {
        let stop = stop.clone();
        move |r: &CaseReport| {
            if r.outcome == Outcome::Failed {
                if caught_by.is_some_and(|rule| r.failed_rules().contains(&rule)) {
                    stop.store(true, std::sync::atomic::Ordering::Relaxed);
                }
                into.lock().unwrap().push(r.clone());
            }
        }
    };
    let with_stop = |mut c: RunConfig| {
        c.stop = Some(stop.clone());
        c
    };
    // A fault only discovery shows is looked for there alone (its walk runs the static cases too).
    let counts = if fault.is_some_and(|f| f.needs_discovery()) {
        Counts::default()
    } else {
        run_cases(with_stop(config(fault)), &args, Display::Silent, keep(failed.clone()))?
    };
    let caught = stop.load(std::sync::atomic::Ordering::Relaxed);
    if fault.is_none_or(|f| f.needs_discovery()) && !caught {
        let mut c = with_stop(config(fault));
        c.profile = Some(graph_conformance::check::Profile::Live);
        c.discover = true;
        // Discovery runs every entity case for each entity; a sample of them shows every fault.
        c.max_entities = Some(if fault.is_some() { 30 } else { 60 });
        run_discovery(c, &args, Display::Silent, keep(failed.clone()))?;
    }
    let mut collected = Vec::new();
    std::mem::swap(&mut collected, &mut *failed.lock().unwrap());
    Ok((collected, counts))
}

/// The faults that choose from the model what they break (a property of the answer's type, a
/// key of its path): run against the second area too. The others change control information,
/// headers or paging, whatever the area (`tests/integration/cli.rs` and the trials above show them).
const MODEL_CHOSEN: &[&str] = &[
    "select-drops-selected",
    "extra-unselected-property",
    "unknown-key-500",
    "enum-wrong-case",
    "date-without-offset",
    "null-non-nullable",
    "missing-required-property",
    "undocumented-property",
    "navigation-leak",
    "id-mismatch",
    "value-drift",
];

/// The failed reports of the access-package suites (v1.0) against `fault`.
fn em_failures(fault: &FaultInfo) -> Result<Vec<CaseReport>, String> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut c = config(Some(fault));
    c.cases_dir = root.join("cases/v1.0");
    c.schemas_dir = root.join("schemas/v1.0");
    // The documented data shows these faults; no synthetic rows to page through.
    c.embedded.entities = 0;
    // Its pages that read one entity: answers of every kind, at a fraction of the cost.
    let args = Arguments {
        filter: Some("-get::".into()),
        skip: vec!["v1.0/identitygovernance-".into(), "v1.0/metadata::".into()],
        ..Arguments::default()
    };
    let failed = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let into = failed.clone();
    run_cases(c, &args, Display::Silent, move |r: &CaseReport| {
        if r.outcome == Outcome::Failed {
            into.lock().unwrap().push(r.clone());
        }
    })?;
    let out = std::mem::take(&mut *failed.lock().unwrap());
    Ok(out)
}

/// The rules a failing-corpus golden file shows broken (`broken rules: a, b`).
fn golden_rules() -> BTreeSet<String> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/failing/golden");
    let mut out = BTreeSet::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
        for line in text.lines() {
            if let Some(rest) = line.strip_prefix("broken rules: ") {
                out.extend(rest.split(", ").map(str::to_string));
            }
        }
    }
    out
}

fn main() -> std::process::ExitCode {
    let args = Arguments::from_args();
    let mut trials = vec![
        Trial::test("faithful_server_passes_every_case", || {
            let (failed, counts) = failures(None)?;
            if !failed.is_empty() {
                let names: Vec<String> =
                    failed.iter().map(|r| format!("{} ({})", r.name, r.failed_rules().join(", "))).take(20).collect();
                return Err(Failed::from(format!(
                    "the faithful reference server fails {} case(s): {}",
                    failed.len(),
                    names.join("; ")
                )));
            }
            // Every planned case ran and passed, but those the plan skips (reads the metadata
            // derives where no example shows an entity): none was lost, none ignored otherwise.
            let plan = graph_conformance::runner::plan::plan(
                &config(None),
                &graph_conformance::schema::SchemaSet::load(&config(None).schemas_dir)?,
            )?
            .0;
            let planned = plan.len() as u64;
            let skipped =
                plan.iter().filter(|p| matches!(p, graph_conformance::runner::plan::Planned::Skip(..))).count() as u64;
            if counts.passed + counts.ignored != planned || counts.ignored != skipped || planned - skipped < 300 {
                return Err(Failed::from(format!(
                    "{} passed and {} ignored of {planned} planned cases, {skipped} of them skipped by the plan (at least 300 expected)",
                    counts.passed, counts.ignored
                )));
            }
            Ok(())
        }),
        Trial::test("every_rule_is_caught_end_to_end", || {
            let mut caught: BTreeSet<&str> = FAULTS.iter().map(|f| f.caught_by).collect();
            // The diff rules: `tests/integration/diff.rs` runs each catalogue fault through `diff`.
            caught.extend(support::DIFF_FAULTS.iter().map(|(_, rule)| *rule));
            caught.extend(support::DIFF_SHOWN_BY_TESTS.iter().copied());
            let golden = golden_rules();
            let missing: Vec<&str> =
                RULES.iter().map(|r| r.id).filter(|id| !caught.contains(id) && !golden.contains(*id)).collect();
            if missing.is_empty() {
                Ok(())
            } else {
                Err(Failed::from(format!(
                    "no fault of the catalogue and no golden failure shows these rules: {}; add a fault or a failing-corpus case",
                    missing.join(", ")
                )))
            }
        }),
    ];
    trials.push(Trial::test("the_catalogue_reaches_entitlement_management", || {
        // The access-package suites (v1.0) alone: each fault that picks what it breaks from the
        // model is caught there by its rule, as on lifecycle workflows.
        let mut missed = Vec::new();
        for info in FAULTS.iter().filter(|f| MODEL_CHOSEN.contains(&f.name)) {
            let failed = em_failures(info)?;
            if !failed.iter().any(|r| r.failed_rules().contains(&info.caught_by)) {
                missed.push(format!("{} ({} failed case(s), none by {})", info.name, failed.len(), info.caught_by));
            }
        }
        if missed.is_empty() {
            Ok(())
        } else {
            Err(Failed::from(format!("not caught on entitlement management: {}", missed.join("; "))))
        }
    }));
    for info in FAULTS {
        trials.push(Trial::test(format!("fault::{}", info.name), move || {
            let (failed, _) = failures(Some(info))?;
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
