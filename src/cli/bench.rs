//! `graph-conformance bench`: the harness against a raw HTTP loop.

use std::process::ExitCode;

use clap::Args;

/// Flags of `bench`.
#[derive(Args, Debug)]
#[command(after_help = "Examples:
  graph-conformance bench                                  N = 1,000 and 10,000 over a `serve` process
  graph-conformance bench --in-process --rounds 3          the reference server inside each measuring process
  graph-conformance bench --entities 1000,100000 --max-entities 300   memory flatness, CPU against wrk
  graph-conformance bench --startup --cases DIR --schemas DIR   run --list and serve: seconds and peak MiB")]
pub struct BenchArgs {
    /// Entity counts to measure, comma-separated.
    #[arg(long, value_delimiter = ',', default_values_t = [1000, 10000])]
    entities: Vec<usize>,
    /// Requests in flight, the same for both sides.
    #[arg(long, default_value_t = 16)]
    concurrency: usize,
    /// Rounds per N; the median round is shown.
    #[arg(long, default_value_t = 1)]
    rounds: usize,
    /// Start the reference server inside each measuring process instead of a `serve` process.
    #[arg(long)]
    in_process: bool,
    /// Also measure what output costs: -q (a character per case) against the default output with a
    /// JSON report, and against a line per case with a JSON report.
    #[arg(long)]
    output: bool,
    /// Measure start-up instead: `run --list` and `serve` over --cases and --schemas, against the
    /// budget (2 s, 200 MiB); exit 1 when over it.
    #[arg(long)]
    startup: bool,
    /// The cases folder for --startup.
    #[arg(long, value_name = "DIR", default_value = "cases", requires = "startup")]
    cases: std::path::PathBuf,
    /// The schemas folder for --startup.
    #[arg(long, value_name = "DIR", default_value = "schemas", requires = "startup")]
    schemas: std::path::PathBuf,
    /// Each list of the walk takes at most N entities, on both sides (as `run --max-entities`):
    /// large tenants in bounded time.
    #[arg(long, value_name = "N")]
    max_entities: Option<usize>,
    /// Seconds wrk (when installed) spends on one entity URL of the `serve` process, the per-request
    /// floor the CPU figures are compared with; 0 skips it.
    #[arg(long, value_name = "SECONDS", default_value_t = 10)]
    wrk_seconds: u64,
    /// Internal: measure one side (raw or checked) against --target and print it as JSON.
    #[arg(long, hide = true)]
    mode: Option<String>,
    #[arg(long, hide = true)]
    target: Option<String>,
}

pub fn bench(a: BenchArgs) -> Result<ExitCode, String> {
    if a.concurrency == 0 || a.rounds == 0 || a.entities.is_empty() {
        return Err("bench: --concurrency and --rounds must be at least 1, and --entities must name a count".into());
    }
    if a.startup {
        return crate::bench::startup::startup(&a.cases, &a.schemas, a.rounds);
    }
    let opts = crate::bench::BenchOptions {
        concurrency: a.concurrency,
        rounds: a.rounds,
        in_process: a.in_process,
        output: a.output,
        max_entities: a.max_entities,
        wrk_seconds: a.wrk_seconds,
    };
    crate::bench::bench(&a.entities, &opts, a.mode.as_deref(), a.target.as_deref())
}
