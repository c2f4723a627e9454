//! The streaming driver: cases flow from a producer through N workers to the report sinks, so a run
//! over 100,000 discovered entities holds only what is in flight. It prints libtest's format
//! (`test NAME ... ok`, the failures, `test result: ...`), so CI log parsers read it the same way.

use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::time::Instant;

use libtest_mimic::{Arguments, FormatSetting, Trial};
use tokio::sync::Semaphore;

use super::ctx::Shared;
use super::execute::{blank_report, execute, finalize};
use super::instance::Instance;
use super::plan::Planned;
use crate::report::{CaseReport, Outcome, render_failure};

/// Failure messages kept for the end of the run; later ones are only counted (and in --json).
const MAX_FAILURE_MESSAGES: usize = 100;

/// How results are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Display {
    /// libtest's lines.
    Pretty,
    /// One character per case.
    Terse,
    /// Nothing (benchmarks, tests).
    Silent,
}

impl Display {
    pub fn from_args(args: &Arguments) -> Self {
        match args.format {
            Some(FormatSetting::Terse) => Display::Terse,
            _ if args.quiet => Display::Terse,
            _ => Display::Pretty,
        }
    }
}

/// Plans the static cases (as `run` without `--discover` does) and streams them; `observe` sees
/// every report. For tests, benchmarks and tools that want reports rather than libtest's output.
pub fn run_cases(
    config: super::RunConfig,
    args: &Arguments,
    display: Display,
    observe: impl FnMut(&CaseReport) + Send + 'static,
) -> Result<Counts, String> {
    let config = super::versions::single(&config)?;
    let schemas = Arc::new(crate::schema::SchemaSet::load(&config.schemas_dir)?);
    let (planned, suites) = super::plan::plan(&config, &schemas)?;
    let store = Arc::new(
        crate::reference::Store::from_suites(&suites, schemas.clone(), config.embedded.entities)?
            .with_version(&config.version),
    );
    let render = config.render();
    let concurrency = config.http.concurrency;
    let shared = Arc::new(Shared::new(config, schemas, store, render)?);
    shared.cover(&suites);
    if shared.config.preflight && !args.list {
        super::preflight::preflight(&shared, &planned)?;
    }
    let counts = run(
        shared.clone(),
        args,
        display,
        concurrency,
        |feed| async move {
            for p in planned {
                if !feed.send(p).await {
                    return;
                }
            }
        },
        observe,
    )?;
    let mut counts = counts;
    close(&shared, display, args.quiet, &mut counts)?;
    Ok(counts)
}

/// Writes the reports of a streamed run and prints its verdict; a report that cannot be written
/// is the run's error.
pub fn close(shared: &Shared, display: Display, quiet: bool, counts: &mut Counts) -> Result<(), String> {
    let Some(sinks) = shared.take_sinks() else { return Ok(()) };
    let (verdict, errors) = sinks.finish(&shared.config);
    if !errors.is_empty() {
        return Err(errors.join("\n"));
    }
    counts.new_failures = verdict.baseline.as_ref().map(|(_, n)| *n);
    if display != Display::Silent {
        for line in if quiet { verdict.brief_lines() } else { verdict.lines() } {
            crate::report::term::outln!("{line}");
        }
    }
    Ok(())
}

/// Counts of a streamed run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub passed: u64,
    pub failed: u64,
    pub ignored: u64,
    pub filtered_out: u64,
    /// HTTP requests sent (list pages and retries included).
    pub requests: u64,
    /// With `--baseline`: failures the baseline did not have.
    pub new_failures: Option<u64>,
}

/// Starts planned cases, at most `concurrency` at a time, skipping those the libtest filters exclude.
#[derive(Clone)]
pub struct Feed {
    shared: Arc<Shared>,
    permits: Arc<Semaphore>,
    collector: Arc<std::sync::Mutex<Collector>>,
    args: Arc<Arguments>,
    /// Whether any filter is set (a name is only built when one is).
    filtering: bool,
    filtered: Arc<std::sync::atomic::AtomicU64>,
}

impl Feed {
    /// Starts a case as soon as a slot is free; waits while all are busy (backpressure keeps memory
    /// flat). Returns false when the run is over (nobody reads the reports any more).
    pub async fn send(&self, planned: Planned) -> bool {
        if self.shared.stopped().is_some() {
            return false;
        }
        if self.filtering && is_filtered_out(&self.args, &planned.name()) {
            self.filtered.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            return true;
        }
        let Ok(permit) = self.permits.clone().acquire_owned().await else { return false };
        let (shared, collector) = (self.shared.clone(), self.collector.clone());
        tokio::spawn(async move {
            // The case runs in a task of its own: a panic there is a failed report, not a lost one.
            let (name, suite) = (planned.name(), suite_of(&planned));
            // Each poll of the case runs under catch_unwind: a panic ends the case (it is not
            // polled again) without a second task per case.
            let outcome = {
                // On the heap: the case's future is large, and a task's future is moved by value.
                let mut case = Box::pin(run_one(&shared, planned));
                std::future::poll_fn(|cx| {
                    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| case.as_mut().poll(cx))) {
                        Ok(std::task::Poll::Ready(r)) => std::task::Poll::Ready(Ok(r)),
                        Ok(std::task::Poll::Pending) => std::task::Poll::Pending,
                        Err(payload) => std::task::Poll::Ready(Err(payload)),
                    }
                })
                .await
            };
            let mut report = match outcome {
                Ok(r) => r,
                Err(payload) => super::execute::panicked(name, suite, payload),
            };
            // Reports are finished where they are made: no hand-off to another thread per case.
            finalize(&shared, &mut report);
            let same_as = shared.record(&report);
            collector.lock().unwrap_or_else(|p| p.into_inner()).take(&shared, &report, same_as.is_some());
            // The run owns the runtime through `shared`: release it before the permit, so that the
            // caller, once every permit is back, holds the last reference and drops the runtime
            // outside of it.
            drop(collector);
            drop(shared);
            drop(permit);
        });
        true
    }
}

fn suite_of(p: &Planned) -> String {
    match p {
        Planned::Run(c) | Planned::Skip(c, _) => c.suite.clone(),
        Planned::Broken(b) => b.suite.clone(),
        Planned::Done(r) => r.suite.clone(),
        Planned::Bound(b) => b.case.suite.clone(),
    }
}

/// Whether libtest's filter, `--skip`, `--exact` and `--ignored` exclude a case name.
pub fn is_filtered_out(args: &Arguments, name: &str) -> bool {
    args.is_filtered_out(&Trial::test(name, || Ok(())))
}

/// Where finished reports go: the counts, the progress lines, the kept failure messages, and the
/// caller's observer.
struct Collector {
    counts: Counts,
    failures: Vec<(String, String)>,
    failures_dropped: usize,
    display: Display,
    observe: Box<dyn FnMut(&CaseReport) + Send>,
    /// Per-case output: line-buffered on a terminal, block-buffered otherwise (a line per case
    /// must not cost a system call each).
    out: Box<dyn Write + Send>,
}

impl Collector {
    /// Counts and shows a finished case; `repeat`: it failed exactly as an earlier case did, whose
    /// block stands for both.
    fn take(&mut self, shared: &Shared, report: &CaseReport, repeat: bool) {
        (self.observe)(report);
        let progress = &shared.progress;
        progress.done(report);
        let line = match (&report.outcome, self.display) {
            (_, Display::Silent) => None,
            // The status line stands for the marks.
            (_, Display::Terse) if progress.active() => None,
            (o, Display::Terse) => {
                let mark = match o {
                    Outcome::Passed => '.',
                    Outcome::Failed => 'F',
                    Outcome::Ignored(_) => 'i',
                };
                let _ = write!(self.out, "{mark}");
                if (self.counts.passed + self.counts.failed + self.counts.ignored + 1).is_multiple_of(88) {
                    let _ = writeln!(self.out);
                }
                None
            }
            (Outcome::Passed, Display::Pretty) => Some(format!("test {} ... ok", report.name)),
            (Outcome::Failed, Display::Pretty) => Some(format!("test {} ... FAILED", report.name)),
            (Outcome::Ignored(reason), Display::Pretty) => Some(format!("test {} ... ignored ({reason})", report.name)),
        };
        if let Some(line) = line {
            if progress.active() {
                progress.println(&line);
            } else {
                let _ = writeln!(self.out, "{line}");
            }
        }
        match report.outcome {
            Outcome::Passed => self.counts.passed += 1,
            Outcome::Ignored(_) => self.counts.ignored += 1,
            Outcome::Failed => {
                self.counts.failed += 1;
                if repeat {
                    // Listed under the first case that failed this way.
                } else if self.failures.len() < MAX_FAILURE_MESSAGES {
                    let message = shared.redactor.redact(&render_failure(report, shared.render));
                    self.failures.push((report.name.clone(), message));
                } else {
                    self.failures_dropped += 1;
                }
            }
        }
    }
}

/// Runs what `produce` feeds, `concurrency` at a time, recording every report in the sinks and
/// handing it to `observe`. Prints per `display`. Must be called from outside the runtime.
pub fn run<P, F>(
    shared: Arc<Shared>,
    args: &Arguments,
    display: Display,
    concurrency: usize,
    produce: P,
    observe: impl FnMut(&CaseReport) + Send + 'static,
) -> Result<Counts, String>
where
    P: FnOnce(Feed) -> F,
    F: std::future::Future<Output = ()> + Send + 'static,
{
    let ctx = shared.ctx()?;
    let started = Instant::now();
    let slots = concurrency.max(1);
    let permits = Arc::new(Semaphore::new(slots));
    let collector = Arc::new(std::sync::Mutex::new(Collector {
        counts: Counts::default(),
        failures: Vec::new(),
        failures_dropped: 0,
        display,
        observe: Box::new(observe),
        out: if std::io::stdout().is_terminal() {
            Box::new(std::io::stdout())
        } else {
            Box::new(std::io::BufWriter::with_capacity(64 * 1024, std::io::stdout()))
        },
    }));
    if display != Display::Silent && super::progress::wanted(args.quiet) {
        shared.progress.start();
    }
    let filtered = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let filtering = args.filter.is_some() || !args.skip.is_empty() || args.ignored;
    let feed = Feed {
        shared: shared.clone(),
        permits: permits.clone(),
        collector: collector.clone(),
        args: Arc::new(args.clone()),
        filtering,
        filtered: filtered.clone(),
    };
    if display == Display::Pretty {
        crate::report::term::outln!("\nrunning cases as they are discovered on {}", ctx.service_root);
    }
    let produced = ctx.rt.block_on(async {
        let produced = tokio::spawn(produce(feed)).await;
        // Every permit back means every case has finished and been collected.
        let _ = permits.acquire_many(slots as u32).await;
        produced
    });
    if let Err(e) = produced {
        let why = match e.try_into_panic() {
            Ok(p) => p
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "a panic without a message".into()),
            Err(e) => e.to_string(),
        };
        return Err(format!(
            "the run stopped: the part that lists the cases failed ({why}); the results are incomplete"
        ));
    }
    shared.progress.finish();
    let mut c = collector.lock().unwrap_or_else(|p| p.into_inner());
    let _ = c.out.flush();
    if let Some(why) = shared.stopped() {
        crate::report::term::outln!("\nthe run stopped early: {why}; the cases after that point were not run");
    }
    if display == Display::Terse {
        crate::report::term::outln!();
    }
    c.counts.filtered_out = filtered.load(std::sync::atomic::Ordering::Relaxed);
    c.counts.requests = ctx.http.attempts();
    if display != Display::Silent {
        let sinks = shared.sinks.lock().unwrap_or_else(|p| p.into_inner());
        let verdict = sinks.as_ref().map(|s| &s.verdict);
        print_summary(&c.counts, &c.failures, c.failures_dropped, verdict, started.elapsed());
    }
    Ok(c.counts)
}

async fn run_one(shared: &Shared, planned: Planned) -> CaseReport {
    match planned {
        Planned::Done(report) => *report,
        Planned::Run(case) => run_instance(shared, &Instance::of(&case)).await,
        Planned::Bound(bound) => run_instance(shared, &Instance::bound(&bound)).await,
        Planned::Skip(case, reason) => {
            let mut r = blank_report(&case);
            r.outcome = Outcome::Ignored(reason);
            r
        }
        Planned::Broken(b) => CaseReport::broken(&b),
    }
}

/// Sends a case and checks it, or in differential mode compares its two answers.
async fn run_instance(shared: &Shared, inst: &Instance<'_>) -> CaseReport {
    if let Some(rec) = &shared.config.record {
        return crate::record::execute::execute(shared, rec, inst).await;
    }
    match shared.ctx().ok().and_then(|c| c.diff.as_ref()) {
        Some(d) => {
            let mut r = crate::diff::execute::execute(shared, d, inst).await;
            if r.outcome == Outcome::Failed && r.rerun.is_empty() {
                r.rerun = shared.config.rerun(&r.name, &inst.pins());
            }
            r
        }
        None => execute(shared, inst).await,
    }
}

fn print_summary(
    c: &Counts,
    failures: &[(String, String)],
    dropped: usize,
    verdict: Option<&crate::report::verdict::Verdict>,
    elapsed: std::time::Duration,
) {
    if !failures.is_empty() {
        crate::report::term::outln!("\nfailures:\n");
        for (name, message) in failures {
            crate::report::term::outln!("---- {name} ----\n{message}\n");
            if let Some((same, more)) = verdict.and_then(|v| v.same_as(name)) {
                let extra = if more > 0 { format!(" (and {more} more, all in --json)") } else { String::new() };
                crate::report::term::outln!("  the same failure in {} more cases{extra}:", same.len() as u64 + more);
                for n in same {
                    crate::report::term::outln!("    {n}");
                }
                crate::report::term::outln!();
            }
        }
        if dropped > 0 {
            crate::report::term::outln!(
                "… {dropped} more failures are not shown here; --json and --junit have all of them\n"
            );
        }
        crate::report::term::outln!("failures:");
        for (name, _) in failures {
            crate::report::term::outln!("    {name}");
        }
    }
    let verdict = if c.failed > 0 { "FAILED" } else { "ok" };
    crate::report::term::outln!(
        "\ntest result: {verdict}. {} passed; {} failed; {} ignored; 0 measured; {} filtered out; finished in {:.2}s\n",
        c.passed,
        c.failed,
        c.ignored,
        c.filtered_out,
        elapsed.as_secs_f64()
    );
}
