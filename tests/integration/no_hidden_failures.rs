//! No failure hides: a check that panics is a failed case, counted, with the panic's message, in
//! both drivers; a producer that dies ends the run with an error (exit 2 in the CLI).

use std::sync::{Arc, Mutex};

use graph_conformance::check::{Exchange, ExtraCheck, Finding};
use graph_conformance::report::{CaseReport, Outcome, RenderOptions};
use graph_conformance::runner::ctx::Shared;
use graph_conformance::runner::stream::{Display, run, run_cases};
use graph_conformance::runner::{RunConfig, run_libtest};
use libtest_mimic::Arguments;

const SUITE: &str = "identitygovernance-userprocessingresult-get::derived::select_";
const VICTIM: &str = "select_failedTasksCount";
const MESSAGE: &str = "a deliberate panic in a check";

/// A check that panics on one case and passes every other.
fn panicking_check() -> ExtraCheck {
    Arc::new(|x: &Exchange<'_>, _out: &mut Vec<Finding>| {
        if x.case.name.ends_with(VICTIM) {
            panic!("{MESSAGE}");
        }
    })
}

fn config(json: Option<std::path::PathBuf>) -> RunConfig {
    RunConfig {
        cases_dir: "cases/beta".into(),
        schemas_dir: "schemas/beta".into(),
        extra_checks: vec![panicking_check()],
        json,
        ..RunConfig::default()
    }
}

fn filter() -> Arguments {
    // The inner run's own output goes to a file: its "test result: FAILED" is expected here and
    // must not read as a failure in this test's log.
    let log = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("no-hidden-failures.log");
    Arguments {
        filter: Some(SUITE.to_string()),
        test_threads: Some(2),
        quiet: true,
        logfile: Some(log.to_string_lossy().into_owned()),
        ..Arguments::default()
    }
}

#[test]
fn a_panicking_check_fails_its_case_in_the_libtest_driver() {
    let json = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("panic-libtest.json");
    let summary = run_libtest(config(Some(json.clone())), &filter()).expect("the run starts");
    let c = summary.conclusion;
    assert_eq!(c.num_failed, 1, "the panicking case is one failed case");
    assert!(c.num_passed >= 5, "the other cases still ran: {c:?}");
    assert!(c.has_failed(), "the run's exit code says so");
    let report: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let failed: Vec<&serde_json::Value> =
        report["cases"].as_array().unwrap().iter().filter(|c| c["outcome"] == "failed").collect();
    assert_eq!(failed.len(), 1);
    assert!(failed[0]["name"].as_str().unwrap().ends_with(VICTIM));
    let message = failed[0]["message"].as_str().unwrap();
    assert!(message.contains("panicked") && message.contains(MESSAGE), "{message}");
    assert_eq!(report["counts"]["failed"], 1, "the report counts it");
}

#[test]
fn a_panicking_check_fails_its_case_in_the_streaming_driver() {
    let reports = Arc::new(Mutex::new(Vec::<CaseReport>::new()));
    let sink = reports.clone();
    let counts = run_cases(config(None), &filter(), Display::Silent, move |r| sink.lock().unwrap().push(r.clone()))
        .expect("the run starts");
    assert_eq!(counts.failed, 1, "counted: {counts:?}");
    assert!(counts.passed >= 5);
    let reports = reports.lock().unwrap();
    let failed: Vec<&CaseReport> = reports.iter().filter(|r| r.outcome == Outcome::Failed).collect();
    assert_eq!(failed.len(), 1);
    assert!(failed[0].name.ends_with(VICTIM));
    let text = graph_conformance::report::render_failure(failed[0], RenderOptions::default());
    assert!(text.contains(MESSAGE), "{text}");
}

#[test]
fn a_producer_that_dies_ends_the_run_with_an_error() {
    let config =
        RunConfig { cases_dir: "cases/beta".into(), schemas_dir: "schemas/beta".into(), ..RunConfig::default() };
    let schemas = Arc::new(graph_conformance::schema::SchemaSet::load(&config.schemas_dir).unwrap());
    let (planned, suites) = graph_conformance::runner::plan::plan(&config, &schemas).unwrap();
    let store = Arc::new(graph_conformance::reference::Store::from_suites(&suites, schemas.clone(), 0).unwrap());
    let shared = Arc::new(Shared::new(config, schemas, store, RenderOptions::default()).unwrap());
    let seen = Arc::new(Mutex::new(0usize));
    let count = seen.clone();
    let result = run(
        shared,
        &Arguments::default(),
        Display::Silent,
        2,
        |feed| async move {
            let mut planned = planned.into_iter();
            for _ in 0..3 {
                let p = planned.next().unwrap();
                feed.send(p).await;
            }
            panic!("the producer broke after three cases");
        },
        move |_| *count.lock().unwrap() += 1,
    );
    let err = result.expect_err("a dead producer is an error, not a short successful run");
    assert!(err.contains("the producer broke after three cases") && err.contains("incomplete"), "{err}");
    assert_eq!(*seen.lock().unwrap(), 3, "the cases it started still finished and were reported");
}
