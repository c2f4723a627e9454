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
use crate::report::verdict::Verdict;
use crate::report::{CaseReport, Outcome, render_failure};
use crate::error::Error;
use crate::schema::SchemaSet;

/// What a finished run printed after libtest's summary, for callers that test it.
#[derive(Debug)]
pub struct RunSummary {
    pub conclusion: Conclusion,
    /// The tally of the run (none with `--list`).
    pub verdict: Option<crate::report::verdict::Verdict>,
}

/// The run's trials and the state that collects their reports: the cases loaded and planned, the
/// target checked first (unless `args` only lists). With cases laid out by version (`cases/beta`,
/// `cases/v1.0`), every version's suites are trials of the one run, each against its own root.
pub fn prepare(config: RunConfig, args: &Arguments) -> Result<(Arc<Shared>, Vec<Trial>), Error> {
    let render = config.render();
    let mut parts: Vec<(Arc<Shared>, Vec<Planned>)> = Vec::new();
    // `--exact beta/…` (as nextest runs one case per process) needs only that version's part.
    // When no version matches, every part is kept and the filter matches nothing, as libtest says.
    let only = args.filter.as_deref().filter(|_| args.exact).and_then(|f| f.split_once('/')).map(|(v, _)| v);
    let mut bundles = super::versions::bundles(&config).map_err(Error::Cases)?;
    if bundles.iter().any(|b| b.prefixed && only == Some(b.version.as_str())) {
        bundles.retain(|b| only == Some(b.version.as_str()));
    }
    for bundle in bundles {
        let config = super::versions::narrowed(&config, &bundle);
        let schemas = Arc::new(SchemaSet::load(&config.schemas_dir).map_err(Error::Cases)?);
        let (planned, suites) = plan(&config, &schemas).map_err(Error::Cases)?;
        let store = Arc::new(
            Store::from_suites(&suites, schemas.clone(), config.embedded.entities)
                .map_err(Error::Cases)?
                .with_version(&config.version),
        );
        let shared = match parts.first() {
            None => Shared::new(config, schemas, store, render).map_err(Error::Output)?,
            Some((first, _)) => first.sibling(config, schemas, store),
        };
        shared.cover(&suites);
        parts.push((Arc::new(shared), planned));
    }
    let Some(shared) = parts.first().map(|(s, _)| s.clone()) else {
        return Err(Error::Cases(format!("no suites under {}", config.cases_dir.display())));
    };
    if parts.iter().all(|(_, p)| p.is_empty()) {
        return Err(Error::Cases(format!(
            "no case under {}: import doc pages there first (`graph-conformance import --out {} PAGE.md`)",
            config.cases_dir.display(),
            config.cases_dir.display()
        )));
    }
    if shared.config.preflight && !args.list {
        for (shared, planned) in &parts {
            if !planned.is_empty() {
                super::preflight::preflight(shared, planned).map_err(Error::Target)?;
            }
        }
    }
    let mut trials: Vec<Trial> = Vec::new();
    for (shared, planned) in parts {
        trials.extend(planned.into_iter().map(|p| trial(shared.clone(), p)));
    }
    Ok((shared, trials))
}

/// Loads, plans and runs the cases as trials. `Err` is a usage or setup error (no trial ran).
pub fn run_libtest(config: RunConfig, args: &Arguments) -> Result<RunSummary, Error> {
    let (shared, trials) = prepare(config, args)?;
    // libtest-mimic's printer panics when standard output is closed or full: a listing cut short
    // (`--list | head`) has done its job; a run that could not finish is a setup error, never "a
    // case failed".
    let Some(conclusion) = crate::report::term::guard_printer(|| libtest_mimic::run(args, trials)) else {
        if args.list {
            let none =
                Conclusion { num_filtered_out: 0, num_passed: 0, num_failed: 0, num_ignored: 0, num_measured: 0 };
            return Ok(RunSummary { conclusion: none, verdict: None });
        }
        return Err(Error::Output(crate::report::term::STDOUT_STOPPED.to_string()));
    };
    let mut verdict = None;
    if let Some(sinks) = shared.take_sinks()
        && !args.list
    {
        let (v, errors) = sinks.finish(&shared.config);
        if !errors.is_empty() {
            return Err(Error::Output(errors.join("\n")));
        }
        // Nothing matched the filter: no verdict (the caller says so in one line).
        if conclusion.num_passed + conclusion.num_failed + conclusion.num_ignored > 0 {
            for line in if args.quiet { v.brief_lines() } else { v.lines() } {
                crate::report::term::outln!("{line}");
            }
        }
        verdict = Some(v);
    }
    Ok(RunSummary { conclusion, verdict })
}

/// A trial whose body runs `work`; a panic in it becomes a failed report with the panic's message,
/// recorded like any other failure.
fn guarded(
    shared: Arc<Shared>,
    name: String,
    suite: String,
    work: impl FnOnce(&Shared) -> CaseReport + Send + 'static,
) -> Trial {
    Trial::ignorable_test(name.clone(), move || {
        if let Some(reason) = shared.stopped() {
            let mut report = CaseReport::new(name, suite);
            report.outcome = Outcome::Ignored(reason.clone());
            shared.record(&report);
            return Ok(Completion::ignored_with(reason));
        }
        let report = match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| work(&shared))) {
            Ok(r) => r,
            Err(payload) => super::execute::panicked(name, suite, payload),
        };
        finish(&shared, report).map(|()| Completion::Completed)
    })
}

fn trial(shared: Arc<Shared>, planned: Planned) -> Trial {
    // libtest prints the name itself: a pinned id holding a secret is redacted here too.
    let name = shared.redactor.redact(&planned.name());
    match planned {
        Planned::Run(case) => {
            let suite = case.suite.clone();
            guarded(shared, name, suite, move |shared| match shared.ctx() {
                Ok(ctx) => ctx.rt.block_on(execute(shared, &Instance::of(&case))),
                Err(e) => {
                    let mut r = blank_report(&case);
                    r.fail_with_sources(&case);
                    r.error = Some(e);
                    r
                }
            })
        }
        Planned::Skip(case, reason) => Trial::ignorable_test(name, move || {
            let mut report = blank_report(&case);
            report.outcome = Outcome::Ignored(reason.clone());
            shared.record(&report);
            Ok(Completion::ignored_with(reason))
        }),
        Planned::Done(report) => Trial::test(name, move || finish(&shared, *report)),
        Planned::Bound(bound) => {
            let suite = bound.case.suite.clone();
            guarded(shared, name, suite, move |shared| match shared.ctx() {
                Ok(ctx) => ctx.rt.block_on(execute(shared, &Instance::bound(&bound))),
                Err(e) => {
                    let mut r = CaseReport::new(bound.name(), bound.case.suite.clone());
                    r.fail_with_sources(&bound.case);
                    r.error = Some(e);
                    r
                }
            })
        }
        Planned::Broken(broken) => Trial::test(name, move || finish(&shared, CaseReport::broken(&broken))),
    }
}

/// Records the report and turns it into the trial's result, redacted.
fn finish(shared: &Shared, mut report: CaseReport) -> Result<(), Failed> {
    finalize(shared, &mut report);
    let report = &report;
    let same_as = shared.record(report);
    match (&report.outcome, same_as) {
        (Outcome::Failed, Some(first)) => Err(Failed::from(Verdict::brief(report, &first))),
        (Outcome::Failed, None) => Err(Failed::from(shared.redactor.redact(&render_failure(report, shared.render)))),
        _ => Ok(()),
    }
}
