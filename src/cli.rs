//! The command line: `run`, `serve`, `import`, `lint`, `bench`.
//!
//! Exit codes: 0 when everything passed, 101 when a case failed (libtest's code), 2 for a usage or
//! setup error (bad flag, unreadable `cases/` or `schemas/`, a port in use).

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use libtest_mimic::{Arguments, ColorSetting, FormatSetting};

use crate::check::Profile;
use crate::runner::{RunConfig, run_libtest};
use crate::target::Secret;

#[derive(Parser, Debug)]
#[command(
    name = "graph-conformance",
    version,
    about = "Conformance harness for Microsoft Graph: Get userProcessingResult (beta)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the suite: against the embedded reference server, or a service root with --target.
    Run(Box<RunArgs>),
    /// Serve the reference implementation of the endpoint on loopback.
    Serve(ServeArgs),
    /// Write one case file per documented request/response pair under OUT/<page-stem>/.
    Import(ImportArgs),
    /// Report what is wrong with doc pages themselves (warnings with file:line).
    Lint(LintArgs),
    /// Measure the harness against a raw HTTP loop over `serve --entities N`.
    Bench(BenchArgs),
}

#[derive(Args, Debug)]
struct BenchArgs {
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
    /// Internal: measure one side (raw or checked) against --target and print it as JSON.
    #[arg(long, hide = true)]
    mode: Option<String>,
    #[arg(long, hide = true)]
    target: Option<String>,
}

#[derive(Args, Debug)]
struct ImportArgs {
    /// The cases directory; each page's cases go to OUT/<page-stem>/.
    #[arg(long, default_value = "cases")]
    out: PathBuf,
    /// Write nothing; exit 1 when regenerating would change, add or remove a file.
    #[arg(long)]
    check: bool,
    /// Graph doc pages (markdown).
    #[arg(required = true)]
    pages: Vec<PathBuf>,
}

#[derive(Args, Debug)]
struct LintArgs {
    /// Schemas to validate response examples against.
    #[arg(long, default_value = "schemas")]
    schemas: PathBuf,
    /// Exit 1 when there is any warning.
    #[arg(long)]
    deny_warnings: bool,
    #[arg(required = true)]
    pages: Vec<PathBuf>,
}

/// Flags of `run`, including libtest's own (`--list`, `--exact`, `--skip`, ...).
#[derive(Args, Debug)]
struct RunArgs {
    /// Service root to test, e.g. https://graph.microsoft.com/beta. Default: the embedded reference server.
    #[arg(long, env = "GRAPH_CONFORMANCE_TARGET")]
    target: Option<String>,
    /// Bearer token for --target (else AZURE_TENANT_ID/AZURE_CLIENT_ID/AZURE_CLIENT_SECRET client credentials).
    #[arg(long, env = "GRAPH_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// reference: the server holds the documented examples (values compared); live: a real tenant (shape and semantics only).
    #[arg(long, value_parser = ["reference", "live"])]
    profile: Option<String>,
    /// Seconds one request may take, body included.
    #[arg(long, default_value_t = 30.0)]
    timeout: f64,
    /// Bodies larger than this fail the case.
    #[arg(long, default_value_t = 10 * 1024 * 1024)]
    max_body_bytes: usize,
    /// Retries of a throttled (429) or unavailable (503, 504) answer.
    #[arg(long, default_value_t = 5)]
    max_retries: u32,
    /// Requests in flight at once (and default test threads).
    #[arg(long, default_value_t = 4)]
    concurrency: usize,
    /// Write a JSON report: {"passed", "failed", "ignored", "cases": [{"name", "outcome", "message", ...}]}.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Write a JUnit XML report.
    #[arg(long)]
    junit: Option<PathBuf>,
    /// Walk workflows → runs → userProcessingResults and check every discovered entity.
    #[arg(long)]
    discover: bool,
    /// Embedded server only: add N synthetic entities (for --discover at scale).
    #[arg(long, default_value_t = 0)]
    entities: usize,
    /// Embedded server only: items per list page.
    #[arg(long, default_value_t = 100)]
    page_size: usize,
    /// Stop discovery after this many entities.
    #[arg(long)]
    max_entities: Option<usize>,
    /// Real ids for the entity cases: --param workflow_id=... --param runId=... --param userProcessingResultId=...
    #[arg(long = "param", value_name = "NAME=VALUE")]
    params: Vec<String>,
    /// Send cases with POST/PATCH/PUT/DELETE to a target other than the embedded server.
    #[arg(long)]
    allow_writes: bool,
    /// Lines of diff per failure; 0 shows all.
    #[arg(long, env = "GRAPH_CONFORMANCE_DIFF_LINES", default_value_t = 60)]
    diff_lines: usize,
    #[arg(long, default_value = "cases")]
    cases: PathBuf,
    #[arg(long, default_value = "schemas")]
    schemas: PathBuf,
    /// List the cases without running them (starts nothing).
    #[arg(long)]
    list: bool,
    /// The filter must match a case name exactly.
    #[arg(long)]
    exact: bool,
    /// Skip cases whose name contains this (repeatable).
    #[arg(long)]
    skip: Vec<String>,
    /// Run only ignored cases.
    #[arg(long)]
    ignored: bool,
    /// Run ignored cases too.
    #[arg(long)]
    include_ignored: bool,
    /// Threads running cases (default: --concurrency).
    #[arg(long)]
    test_threads: Option<usize>,
    /// One character per case.
    #[arg(short, long)]
    quiet: bool,
    #[arg(long, value_enum)]
    format: Option<FormatSetting>,
    #[arg(long, value_enum)]
    color: Option<ColorSetting>,
    /// Run only cases whose name contains this.
    filter: Option<String>,
}

#[derive(Args, Debug)]
struct ServeArgs {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// Add N deterministic synthetic entities, 100 per run and 10 runs per workflow.
    #[arg(long, default_value_t = 0)]
    entities: usize,
    /// Serve with one catalogued defect (see --list-faults).
    #[arg(long)]
    fault: Option<String>,
    /// Print the fault catalogue and exit.
    #[arg(long)]
    list_faults: bool,
    /// Items per list page without $top.
    #[arg(long, default_value_t = 100)]
    page_size: usize,
    #[arg(long, default_value = "cases")]
    cases: PathBuf,
    #[arg(long, default_value = "schemas")]
    schemas: PathBuf,
}

/// Entry point of the binary.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(a) => run(*a),
        Command::Serve(a) => crate::reference::serve::serve(
            a.port,
            a.entities,
            a.fault.as_deref(),
            a.list_faults,
            a.page_size,
            &a.cases,
            &a.schemas,
        ),
        Command::Import(a) => import(a),
        Command::Lint(a) => lint(a),
        Command::Bench(a) => crate::bench::bench(
            &a.entities,
            a.concurrency.max(1),
            a.rounds,
            a.in_process,
            a.mode.as_deref(),
            a.target.as_deref(),
        ),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

fn run(a: RunArgs) -> Result<ExitCode, String> {
    let profile = a.profile.as_deref().map(str::parse::<Profile>).transpose()?;
    if !(a.timeout > 0.0 && a.timeout.is_finite()) {
        return Err(format!("--timeout {}: give a positive number of seconds", a.timeout));
    }
    let params = parse_params(&a.params)?;
    let color = match a.color.unwrap_or(ColorSetting::Auto) {
        ColorSetting::Always => true,
        ColorSetting::Never => false,
        ColorSetting::Auto => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    };
    let mut rerun = String::from("graph-conformance run");
    if let Some(t) = &a.target {
        rerun.push_str(&format!(" --target {t}"));
    }
    if let Some(p) = &a.profile {
        rerun.push_str(&format!(" --profile {p}"));
    }
    let mut config = RunConfig {
        cases_dir: a.cases,
        schemas_dir: a.schemas,
        target: a.target,
        token: a.token.filter(|t| !t.is_empty()).map(Secret::new),
        credentials: crate::target::AppCredentials::from_env().transpose()?,
        profile,
        json: a.json,
        junit: a.junit,
        discover: a.discover,
        max_entities: a.max_entities,
        params,
        allow_writes: a.allow_writes,
        diff_lines: a.diff_lines,
        rerun_prefix: rerun,
        color,
        ..RunConfig::default()
    };
    config.http.timeout = Duration::from_secs_f64(a.timeout);
    config.http.max_body_bytes = a.max_body_bytes;
    config.http.retry.max_retries = a.max_retries;
    config.http.concurrency = a.concurrency.max(1);
    config.embedded.entities = a.entities;
    config.embedded.page_size = a.page_size.max(1);
    let args = Arguments {
        list: a.list,
        exact: a.exact,
        skip: a.skip,
        ignored: a.ignored,
        include_ignored: a.include_ignored,
        test_threads: a.test_threads.or(Some(config.http.concurrency)),
        quiet: a.quiet,
        format: a.format,
        color: a.color,
        filter: a.filter,
        ..Arguments::default()
    };
    if config.discover {
        let display = crate::runner::stream::Display::from_args(&args);
        let counts = crate::runner::discover::run_discovery(config, &args, display, |_| {})?;
        return Ok(if counts.failed > 0 { ExitCode::from(101) } else { ExitCode::SUCCESS });
    }
    let summary = run_libtest(config, &args)?;
    Ok(if summary.conclusion.has_failed() { ExitCode::from(101) } else { ExitCode::SUCCESS })
}

/// `name=value` pairs; the error names the malformed one.
fn parse_params(raw: &[String]) -> Result<BTreeMap<String, String>, String> {
    raw.iter()
        .map(|p| match p.split_once('=') {
            Some((k, v)) if !k.is_empty() && !v.is_empty() => Ok((k.to_string(), v.to_string())),
            _ => Err(format!("--param {p}: write NAME=VALUE, e.g. --param runId=dad77a47-6eda-4de7-bc37-fe8eb5aaf17d")),
        })
        .collect()
}

fn import(a: ImportArgs) -> Result<ExitCode, String> {
    let outcome = crate::import::import(&a.pages, &a.out, a.check);
    for line in &outcome.lines {
        println!("{line}");
    }
    if outcome.unreadable > 0 {
        return Err(format!("{} page(s) could not be read", outcome.unreadable));
    }
    if a.check && !outcome.out_of_date.is_empty() {
        println!(
            "{} file(s) are out of date with the pages: run `graph-conformance import --out {} {}` and review the change",
            outcome.out_of_date.len(),
            a.out.display(),
            a.pages.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(" ")
        );
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

fn lint(a: LintArgs) -> Result<ExitCode, String> {
    let schemas = match crate::schema::SchemaSet::load(&a.schemas) {
        Ok(s) => Some(s),
        Err(e) => {
            eprintln!("note: {e}; response examples are not checked against schemas");
            None
        }
    };
    let mut total = 0;
    for page in &a.pages {
        let text = std::fs::read_to_string(page).map_err(|e| format!("{}: cannot read: {e}", page.display()))?;
        let found = crate::import::lint::lint_page(&text, &page.display().to_string(), schemas.as_ref());
        for d in &found {
            println!("{d}");
        }
        total += found.len();
    }
    println!("{total} warning(s) in {} page(s)", a.pages.len());
    Ok(if a.deny_warnings && total > 0 { ExitCode::from(1) } else { ExitCode::SUCCESS })
}
