//! The libtest-mimic driver: every planned case is a trial; `cargo test`, `cargo nextest` and
//! `graph-conformance run` all go through here.

use std::sync::Arc;

use libtest_mimic::{Arguments, Completion, Conclusion, Failed, Trial};

use super::config::RunConfig;
use super::ctx::Shared;
use super::execute::{blank_report, execute, finalize};
use super::instance::Instance;
use super::plan::{Planned, plan};
use crate::reference::Store;
use crate::report::{CaseReport, Outcome, Palette, RenderOptions, render_failure};
use crate::schema::SchemaSet;

/// What a finished run printed after libtest's summary, for callers that test it.
#[derive(Debug)]
pub struct RunSummary {
    pub conclusion: Conclusion,
    pub warnings: Vec<String>,
}

/// Loads, plans and runs the cases as trials. `Err` is a usage or setup error (no trial ran).
pub fn run_libtest(config: RunConfig, args: &Arguments) -> Result<RunSummary, String> {
    let schemas = Arc::new(SchemaSet::load(&config.schemas_dir)?);
    let (planned, suites) = plan(&config, &schemas)?;
    let store = Arc::new(Store::from_suites(&suites, config.embedded.entities));
    let render = RenderOptions { palette: Palette { color: config.color }, diff_lines: config.diff_lines };
    let shared = Arc::new(Shared::new(config, schemas, store, render)?);
    let trials: Vec<Trial> = planned.into_iter().map(|p| trial(shared.clone(), p)).collect();
    let conclusion = libtest_mimic::run(args, trials);
    let mut warnings = Vec::new();
    if let Some(sinks) = shared.take_sinks()
        && !args.list
    {
        let (w, errors) = sinks.finish(&shared.config);
        for e in errors {
            eprintln!("error: {e}");
        }
        if !w.is_empty() {
            println!("warnings ({}), which do not fail a case:", w.len());
            for line in &w {
                println!("  {line}");
            }
        }
        warnings = w;
    }
    Ok(RunSummary { conclusion, warnings })
}

fn trial(shared: Arc<Shared>, planned: Planned) -> Trial {
    let name = planned.name();
    match planned {
        Planned::Run(case) => Trial::test(name, move || {
            let report = match shared.ctx() {
                Ok(ctx) => ctx.rt.block_on(execute(&shared, &Instance::of(&case))),
                Err(e) => {
                    let mut r = blank_report(&case);
                    r.fail_with_sources(&case);
                    r.error = Some(e);
                    r
                }
            };
            finish(&shared, report)
        }),
        Planned::Skip(case, reason) => Trial::ignorable_test(name, move || {
            let mut report = blank_report(&case);
            report.outcome = Outcome::Ignored(reason.clone());
            shared.record(&report);
            Ok(Completion::ignored_with(reason))
        }),
        Planned::Done(report) => Trial::test(name, move || finish(&shared, *report)),
        Planned::Bound(bound) => Trial::test(name, move || {
            let report = match shared.ctx() {
                Ok(ctx) => ctx.rt.block_on(execute(&shared, &Instance::bound(&bound))),
                Err(e) => {
                    let mut r = CaseReport::new(bound.name(), bound.case.suite.clone());
                    r.fail_with_sources(&bound.case);
                    r.error = Some(e);
                    r
                }
            };
            finish(&shared, report)
        }),
        Planned::Broken(broken) => Trial::test(name, move || finish(&shared, CaseReport::broken(&broken))),
    }
}

/// Records the report and turns it into the trial's result, redacted.
fn finish(shared: &Shared, mut report: CaseReport) -> Result<(), Failed> {
    finalize(shared, &mut report);
    let report = &report;
    shared.record(report);
    match report.outcome {
        Outcome::Failed => Err(Failed::from(shared.redactor.redact(&render_failure(report, shared.render)))),
        _ => Ok(()),
    }
}
