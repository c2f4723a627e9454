//! `graph-conformance diff`: the same reads to a baseline and a candidate, answers compared.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use libtest_mimic::{Arguments, FormatSetting};

use super::common::Common;
use crate::diff::DiffConfig;
use crate::runner::RunConfig;
use crate::runner::config::{parse_timeout, validate_target};
use crate::runner::stream::Display;
use crate::target::Secret;

#[derive(Args, Debug)]
#[command(after_help = "Examples:
  graph-conformance diff --baseline https://graph.microsoft.com/beta --candidate https://graph.contoso.test/beta --discover
  graph-conformance diff --baseline http://127.0.0.1:8080/beta --candidate http://127.0.0.1:9090/beta --token x
  graph-conformance diff --baseline URL --candidate URL --noise noise.json --json diff.json --html diff.html

Every selected read (GET) goes to both; answers are compared as data (status, media type, the body's
typed differences at JSON pointers; collections matched by key). Noise: built in (service roots,
next-link tokens, error trace fields), --noise FILE, and learned: each request goes to the baseline
twice (or to --baseline2), and what differs between those two answers is not compared.
Exit codes: 0 no difference, 101 a case differs, 2 a usage or setup error.")]
pub struct DiffArgs {
    /// The service root whose answers are the contract (real Graph, or a previous release).
    #[arg(long, value_name = "URL", help_heading = "Target")]
    baseline: String,
    /// The service root under test.
    #[arg(long, value_name = "URL", help_heading = "Target")]
    candidate: String,
    /// A second baseline: what differs between the two baselines is noise (instead of asking the
    /// baseline twice).
    #[arg(long, value_name = "URL", help_heading = "Target")]
    baseline2: Option<String>,
    /// Bearer token for both sides, unless a side has its own (else client credentials from AZURE_*).
    #[arg(long, env = "GRAPH_TOKEN", hide_env_values = true, help_heading = "Auth")]
    token: Option<String>,
    /// The environment variable holding the baseline's own token.
    #[arg(long, value_name = "VAR", help_heading = "Auth")]
    baseline_token_env: Option<String>,
    /// The environment variable holding the candidate's own token.
    #[arg(long, value_name = "VAR", help_heading = "Auth")]
    candidate_token_env: Option<String>,
    /// The candidate's own app: client credentials from PREFIX_TENANT_ID, PREFIX_CLIENT_ID and
    /// PREFIX_CLIENT_SECRET (the baseline keeps AZURE_*).
    #[arg(long, value_name = "PREFIX", help_heading = "Auth")]
    candidate_credentials_env: Option<String>,
    /// The servers need no credentials.
    #[arg(long, help_heading = "Auth")]
    no_auth: bool,
    #[command(flatten)]
    common: Common,
    /// Noise patterns: {"*": ["/value/*/lastModifiedDateTime"], "<suite>": ["/x"]}.
    #[arg(long, value_name = "FILE", help_heading = "Noise")]
    noise: Option<PathBuf>,
    /// Do not ask the baseline twice: only built-in and --noise noise is set aside.
    #[arg(long, help_heading = "Noise")]
    no_learn: bool,
    /// Write a JSON report.
    #[arg(long, value_name = "PATH", help_heading = "Output")]
    json: Option<PathBuf>,
    /// Write a JUnit XML report.
    #[arg(long, value_name = "PATH", help_heading = "Output")]
    junit: Option<PathBuf>,
    /// Write a self-contained HTML report.
    #[arg(long, value_name = "PATH", help_heading = "Output")]
    html: Option<PathBuf>,
    /// An older spelling of --format pretty.
    #[arg(long, hide = true)]
    pretty: bool,
    /// Seconds one request may take, body included [default: 30]
    #[arg(long, help_heading = "Limits")]
    timeout: Option<String>,
    /// Requests in flight at once, per side [default: 4]
    #[arg(long, help_heading = "Limits")]
    concurrency: Option<usize>,
}

fn token_from(var: Option<&str>, flag: &str) -> Result<Option<Secret>, String> {
    let Some(var) = var else { return Ok(None) };
    match std::env::var(var) {
        Ok(v) if !v.is_empty() => Ok(Some(Secret::new(v))),
        _ => Err(format!("{flag} {var}: that environment variable is not set")),
    }
}

pub fn diff(a: DiffArgs) -> Result<ExitCode, String> {
    let baseline = validate_target(&a.baseline).map_err(|e| e.replace("--target", "--baseline"))?;
    validate_target(&a.candidate).map_err(|e| e.replace("--target", "--candidate"))?;
    if let Some(b2) = &a.baseline2 {
        validate_target(b2).map_err(|e| e.replace("--target", "--baseline2"))?;
    }
    let concurrency = a.concurrency.unwrap_or(4);
    if concurrency == 0 || a.common.ids.max_entities == Some(0) {
        return Err("--concurrency and --max-entities must be at least 1".into());
    }
    let params = super::run::parse_params(&a.common.ids.params)?;
    let baseline_token = token_from(a.baseline_token_env.as_deref(), "--baseline-token-env")?;
    let mut config = RunConfig {
        cases_dir: a.common.sources.cases_dir(),
        schemas_dir: a.common.sources.schemas_dir(),
        target: Some(baseline.root),
        target_secrets: baseline.secrets,
        token: baseline_token.or(a.token.filter(|t| !t.is_empty()).map(Secret::new)),
        credentials: crate::target::AppCredentials::from_env().transpose()?,
        // Without discovery the cases' own (documented) ids are read on both sides.
        profile: Some(if a.common.ids.discover { crate::check::Profile::Live } else { crate::check::Profile::Reference }),
        json: a.json,
        junit: a.junit,
        html: a.html,
        discover: a.common.ids.discover,
        max_entities: a.common.ids.max_entities,
        color: a.common.shown.colored(),
        params,
        no_auth: a.no_auth,
        preflight: true,
        diff: Some(DiffConfig {
            candidate: a.candidate.trim_end_matches('/').to_string(),
            candidate_token: token_from(a.candidate_token_env.as_deref(), "--candidate-token-env")?,
            candidate_credentials: match a.candidate_credentials_env.as_deref() {
                Some(prefix) => Some(crate::target::AppCredentials::from_env_prefix(prefix).ok_or_else(|| {
                    format!("--candidate-credentials-env {prefix}: set {prefix}_TENANT_ID, {prefix}_CLIENT_ID and {prefix}_CLIENT_SECRET")
                })??),
                None => None,
            },
            baseline2: a.baseline2.map(|b| b.trim_end_matches('/').to_string()),
            learn: !a.no_learn,
            noise_file: a.noise,
        }),
        ..RunConfig::default()
    };
    config.http.timeout = parse_timeout(a.timeout.as_deref().unwrap_or("30"), "--timeout")?;
    config.http.concurrency = concurrency;
    config.http.ca_certs = a.common.tls.certificates()?;
    let args = Arguments {
        exact: a.common.pick.exact,
        skip: a.common.pick.skip,
        filter: a.common.pick.filter,
        format: Some(if a.pretty { FormatSetting::Pretty } else { a.common.shown.format_setting() }),
        color: a.common.shown.color_setting(),
        ..Arguments::default()
    };
    let display = Display::from_args(&args);
    let counts = if config.discover {
        crate::runner::discover::run_discovery(config, &args, display, |_| {})?
    } else {
        crate::runner::stream::run_cases(config, &args, display, |_| {})?
    };
    if counts.passed + counts.failed == 0 {
        return Err("no case was compared: the filter matched none, or every case was ignored".into());
    }
    Ok(if counts.failed > 0 { ExitCode::from(101) } else { ExitCode::SUCCESS })
}
