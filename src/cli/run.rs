//! `graph-conformance run`: the suites against the embedded reference server or a service root.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use libtest_mimic::Arguments;

use super::common::Common;

use crate::check::Profile;
use crate::runner::config::{parse_timeout, validate_target};
use crate::runner::{RunConfig, run_libtest};
use crate::target::Secret;

/// Flags of `run`, including libtest's own (`--list`, `--exact`, `--skip`, ...).
#[derive(Args, Debug)]
#[command(after_help = "Examples:
  graph-conformance run                                     every suite against the embedded reference server
  graph-conformance run --list                              the case names; starts nothing
  graph-conformance run select_                             cases whose name contains select_
  graph-conformance run --target https://graph.microsoft.com/beta --discover --max-entities 200
  graph-conformance run --target http://127.0.0.1:8080/beta --token x --profile reference --junit conformance.xml

Environment: GRAPH_CONFORMANCE_TARGET, GRAPH_TOKEN, GRAPH_CONFORMANCE_PROFILE, GRAPH_CONFORMANCE_TIMEOUT,
GRAPH_CONFORMANCE_DIFF_LINES stand for the flags of the same meaning; AZURE_TENANT_ID, AZURE_CLIENT_ID,
AZURE_CLIENT_SECRET (and AZURE_AUTHORITY_HOST) give client credentials.
Exit codes: 0 passed, 101 a case failed, 2 a usage or setup error.")]
pub struct RunArgs {
    /// Service root to test, e.g. https://graph.microsoft.com/beta [default: the embedded reference server]
    #[arg(long, env = "GRAPH_CONFORMANCE_TARGET", help_heading = "Target")]
    target: Option<String>,
    /// reference: the server holds the documented examples (values compared); live: a real tenant
    /// (shape and semantics only) [default: reference for the embedded server, live with --target]
    #[arg(long, env = "GRAPH_CONFORMANCE_PROFILE", value_parser = ["reference", "live"], help_heading = "Target")]
    profile: Option<String>,
    /// Embedded server only: add N synthetic results (for --discover at scale).
    #[arg(long, default_value_t = 0, help_heading = "Target")]
    entities: usize,
    /// Embedded server only: rows per list page.
    #[arg(long, default_value_t = 100, help_heading = "Target")]
    page_size: usize,
    /// Bearer token for --target (else client credentials from AZURE_TENANT_ID/AZURE_CLIENT_ID/AZURE_CLIENT_SECRET).
    #[arg(long, env = "GRAPH_TOKEN", hide_env_values = true, help_heading = "Auth")]
    token: Option<String>,
    /// The target needs no credentials (a local server under test); without it, --target needs a
    /// token or client credentials.
    #[arg(long, help_heading = "Auth")]
    no_auth: bool,
    #[command(flatten)]
    common: Common,
    /// Run the pages' suites only: leave out each version's `metadata` suite (the reads of the
    /// tree's GET paths no page documents).
    #[arg(long, help_heading = "Selection")]
    no_metadata_cases: bool,
    /// Send cases with POST/PATCH/PUT/DELETE to a target other than the embedded server.
    #[arg(long, help_heading = "Selection")]
    allow_writes: bool,
    /// Run only ignored cases.
    #[arg(long, help_heading = "Selection")]
    ignored: bool,
    /// Run ignored cases too.
    #[arg(long, help_heading = "Selection")]
    include_ignored: bool,
    /// When no case runs: fail (exit 4 when the filter matched none, 2 when every match was ignored), warn, or pass.
    #[arg(long, value_name = "WHAT", value_parser = ["fail", "warn", "pass"], default_value = "fail", help_heading = "Selection")]
    no_tests: String,
    /// List the cases without running them (starts nothing).
    #[arg(long, help_heading = "Selection")]
    list: bool,
    /// Write a JSON report.
    #[arg(long, value_name = "PATH", help_heading = "Output")]
    json: Option<PathBuf>,
    /// Write a JUnit XML report.
    #[arg(long, value_name = "PATH", help_heading = "Output")]
    junit: Option<PathBuf>,
    /// Print the full request and answer of each failed case (redacted).
    #[arg(short, long, help_heading = "Output")]
    verbose: bool,
    /// Write the failed cases' requests and answers as an HTTP Archive (HAR 1.2, redacted).
    #[arg(long, value_name = "PATH", help_heading = "Output")]
    har: Option<PathBuf>,
    /// Write a self-contained HTML report (totals, rules, rules × suites, cases with their failures).
    #[arg(long, value_name = "PATH", help_heading = "Output")]
    html: Option<PathBuf>,
    /// Compare with an earlier --json report: new failures, fixed, still failing, new and vanished
    /// cases (`--baseline` is an older spelling).
    #[arg(long, alias = "baseline", value_name = "PREV.json", help_heading = "Output")]
    baseline_report: Option<PathBuf>,
    /// With --baseline-report: fail on any failed case, or only on new ones (a regression gate).
    #[arg(long, value_name = "WHEN", value_parser = ["any", "new"], help_heading = "Output")]
    fail_on: Option<String>,
    /// Reports (--json, --junit) hold only the failed cases; their counts still cover every case.
    #[arg(long, help_heading = "Output")]
    report_failures_only: bool,
    /// Lines of diff per failure; 0 shows all.
    #[arg(long, env = "GRAPH_CONFORMANCE_DIFF_LINES", help_heading = "Output")]
    diff_lines: Option<usize>,
    /// One character per case.
    #[arg(short, long, help_heading = "Output")]
    quiet: bool,
    /// Seconds one request may take, body included (0.001 to 86400) [default: 30]
    #[arg(long, env = "GRAPH_CONFORMANCE_TIMEOUT", help_heading = "Limits")]
    timeout: Option<String>,
    /// Bodies larger than this fail the case.
    #[arg(long, default_value_t = 10 * 1024 * 1024, help_heading = "Limits")]
    max_body_bytes: usize,
    /// Retries of a throttled (429) or unavailable (503, 504) answer [default: 5]
    #[arg(long, help_heading = "Limits")]
    max_retries: Option<u32>,
    /// Requests in flight at once (and default test threads) [default: 4]
    #[arg(long, help_heading = "Limits")]
    concurrency: Option<usize>,
    /// Threads running cases [default: --concurrency]
    #[arg(long, help_heading = "Limits")]
    test_threads: Option<usize>,
    /// Start no further case after this many have failed.
    #[arg(long, value_name = "N", help_heading = "Limits")]
    max_failures: Option<u64>,
    /// Settings file [default: graph-conformance.toml when it exists]; flags override it. A
    /// `target` or `allow-writes` in it counts only when the file is named here (or in
    /// GRAPH_CONFORMANCE_CONFIG): a file found in the working directory cannot send your token elsewhere.
    #[arg(long, value_name = "PATH", env = "GRAPH_CONFORMANCE_CONFIG", help_heading = "Selection")]
    config: Option<PathBuf>,
}

impl RunArgs {
    /// Fills what the flags (and their environment variables) left unset from the settings file.
    fn with_file(mut self) -> Result<Self, String> {
        let explicit = self.config.is_some();
        let Some((f, path)) = super::config_file::load(self.config.as_deref())? else { return Ok(self) };
        crate::report::term::errln!("note: settings read from {}", path.display());
        if !explicit {
            // A file that happens to be in the working directory (a cloned repository's) may not
            // choose where the token goes, nor allow writes.
            for (key, set) in [("target", f.target.is_some()), ("allow-writes", f.allow_writes == Some(true))] {
                if set {
                    return Err(format!(
                        "{}: sets `{key}`, but it was read only because it is in the working directory; a file found by chance may not choose where your credentials go or allow writes: name it with --config {} (or GRAPH_CONFORMANCE_CONFIG) to use it, or remove `{key}`",
                        path.display(),
                        path.display()
                    ));
                }
            }
        }
        self.target = self.target.or(f.target);
        self.profile = self.profile.or(f.profile);
        self.no_auth |= f.no_auth.unwrap_or(false);
        self.common.sources.cases = self.common.sources.cases.or(f.cases);
        self.common.sources.schemas = self.common.sources.schemas.or(f.schemas);
        self.common.ids.discover |= f.discover.unwrap_or(false);
        for (k, v) in f.params {
            if !self.common.ids.params.iter().any(|p| p.split_once('=').is_some_and(|(name, _)| name == k)) {
                self.common.ids.params.push(format!("{k}={v}"));
            }
        }
        self.allow_writes |= f.allow_writes.unwrap_or(false);
        self.common.ids.max_entities = self.common.ids.max_entities.or(f.max_entities);
        self.max_failures = self.max_failures.or(f.max_failures);
        self.timeout = self.timeout.or(f.timeout.map(|t| t.to_string()));
        self.concurrency = self.concurrency.or(f.concurrency);
        self.max_retries = self.max_retries.or(f.max_retries);
        self.json = self.json.or(f.json);
        self.junit = self.junit.or(f.junit);
        self.html = self.html.or(f.html);
        self.har = self.har.or(f.har);
        self.report_failures_only |= f.report_failures_only.unwrap_or(false);
        self.baseline_report = self.baseline_report.or(f.baseline_report);
        self.fail_on = self.fail_on.or(f.fail_on);
        self.diff_lines = self.diff_lines.or(f.diff_lines);
        Ok(self)
    }
}

pub fn run(a: RunArgs) -> Result<ExitCode, String> {
    let a = a.with_file()?;
    let profile = a.profile.as_deref().map(str::parse::<Profile>).transpose()?;
    let timeout = parse_timeout(a.timeout.as_deref().unwrap_or("30"), "--timeout")?;
    let params = parse_params(&a.common.ids.params)?;
    let concurrency = a.concurrency.unwrap_or(4);
    let fail_on = a.fail_on.clone().unwrap_or_else(|| "any".into());
    if fail_on != "any" && fail_on != "new" {
        return Err(format!("fail-on = \"{fail_on}\": use any or new"));
    }
    for (flag, value) in [
        ("--concurrency", Some(concurrency)),
        ("--test-threads", a.test_threads),
        ("--max-entities", a.common.ids.max_entities),
        ("--page-size", Some(a.page_size)),
        ("--max-failures", a.max_failures.map(|n| n as usize)),
    ] {
        if value == Some(0) {
            return Err(format!("{flag} 0: give at least 1"));
        }
    }
    let target = a.target.as_deref().map(validate_target).transpose()?;
    let color = a.common.shown.colored();
    let mut config = RunConfig {
        cases_dir: a.common.sources.cases_dir(),
        schemas_dir: a.common.sources.schemas_dir(),
        target: target.as_ref().map(|t| t.root.clone()),
        token: a.token.filter(|t| !t.is_empty()).map(Secret::new),
        credentials: crate::target::AppCredentials::from_env().transpose()?,
        profile,
        json: if a.list { None } else { a.json },
        junit: if a.list { None } else { a.junit },
        report_failures_only: a.report_failures_only,
        html: if a.list { None } else { a.html.clone() },
        har: if a.list { None } else { a.har.clone() },
        verbose: a.verbose,
        baseline: a.baseline_report.clone(),
        fail_on_new: fail_on == "new",
        discover: a.common.ids.discover,
        max_entities: a.common.ids.max_entities,
        params,
        allow_writes: a.allow_writes,
        no_auth: a.no_auth,
        no_metadata_cases: a.no_metadata_cases,
        max_failures: a.max_failures,
        preflight: true,
        diff_lines: a.diff_lines.unwrap_or(60),
        color,
        ..RunConfig::default()
    };
    if let Some(t) = &target {
        config.target_secrets = t.secrets.clone();
    }
    config.http.timeout = timeout;
    config.http.ca_certs = a.common.tls.certificates()?;
    config.http.max_body_bytes = a.max_body_bytes;
    config.http.retry.max_retries = a.max_retries.unwrap_or(5);
    config.http.concurrency = concurrency;
    config.embedded.entities = a.entities;
    config.embedded.page_size = a.page_size;
    let args = Arguments {
        list: a.list,
        exact: a.common.pick.exact,
        skip: a.common.pick.skip,
        ignored: a.ignored,
        include_ignored: a.include_ignored,
        test_threads: a.test_threads.or(Some(config.http.concurrency)),
        quiet: a.quiet,
        // A character per case: the failures, the broken rules and the verdict are what a run is
        // read for (`--format pretty` lists every case).
        // A character per case: the failures, the broken rules and the verdict are what a run is
        // read for (`--format pretty` lists every case).
        format: Some(a.common.shown.format_setting()),
        color: a.common.shown.color_setting(),
        filter: a.common.pick.filter,
        ..Arguments::default()
    };
    if fail_on == "new" && a.baseline_report.is_none() {
        return Err("--fail-on new compares with a baseline: give --baseline-report PREV.json".into());
    }
    let fail_on_new = fail_on == "new";
    let config_discovers = config.discover;
    let (ran, matched, failed) = if config.discover {
        let display = crate::runner::stream::Display::from_args(&args);
        let counts = crate::runner::discover::run_discovery(config, &args, display, |_| {})?;
        let failed = match counts.new_failures {
            Some(n) if fail_on_new => n > 0,
            _ => counts.failed > 0,
        };
        (counts.passed + counts.failed, counts.passed + counts.failed + counts.ignored, failed)
    } else {
        let summary = run_libtest(config, &args)?;
        let c = &summary.conclusion;
        let new = summary.verdict.as_ref().and_then(|v| v.baseline.as_ref()).map(|(_, n)| *n);
        let failed = match new {
            Some(n) if fail_on_new => n > 0,
            _ => c.has_failed(),
        };
        (c.num_passed + c.num_failed, c.num_passed + c.num_failed + c.num_ignored, failed)
    };
    if matched == 0 && !args.list && a.no_tests == "fail" && !config_discovers {
        // As nextest does: one line, and an exit code of its own.
        let which = args.filter.as_deref().map_or_else(String::new, |f| format!(" `{f}`"));
        crate::report::term::errln!(
            "error: no case matches the filter{which} (`graph-conformance run --list` lists them; --skip and --exact narrow too); --no-tests=pass accepts that"
        );
        return Ok(ExitCode::from(NO_CASE_MATCHED));
    }
    if ran == 0 && !args.list {
        let what = "no case ran: the filter matched none, or every case was ignored (see the reasons above)";
        match a.no_tests.as_str() {
            "fail" => return Err(format!("{what}; --no-tests=pass accepts that")),
            "warn" => crate::report::term::errln!("warning: {what}"),
            _ => {}
        }
    }
    Ok(if failed { ExitCode::from(101) } else { ExitCode::SUCCESS })
}

/// The exit code when the filter matches no case (nextest's `NO_TESTS_RUN`).
pub const NO_CASE_MATCHED: u8 = 4;

/// `name=value` pairs; the error names the malformed one.
pub(crate) fn parse_params(raw: &[String]) -> Result<BTreeMap<String, String>, String> {
    raw.iter()
        .map(|p| match p.split_once('=') {
            Some((k, v)) if !k.is_empty() && !v.is_empty() => Ok((k.to_string(), v.to_string())),
            _ => Err(format!("--param {p}: write NAME=VALUE, e.g. --param runId=dad77a47-6eda-4de7-bc37-fe8eb5aaf17d")),
        })
        .collect()
}
