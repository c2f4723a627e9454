//! `graph-conformance record`: a target's answers to the documented reads, as redacted case files.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use libtest_mimic::Arguments;

use super::common::Common;
use crate::record::RecordConfig;
use crate::runner::RunConfig;
use crate::runner::config::{parse_timeout, validate_target};
use crate::runner::stream::Display;
use crate::target::Secret;

#[derive(Args, Debug)]
#[command(after_help = "Examples:
  graph-conformance record --target https://graph.microsoft.com/beta --out recorded --discover --max-entities 5
  graph-conformance run --cases recorded                  the recording, replayed offline on the embedded server
  graph-conformance run --cases recorded --target https://graph.microsoft.com/beta --discover   and on the tenant

Each documented read is sent (with --discover, once per entity found) and every successful answer is
written as a case file under OUT/<suite>/, in the imported format, after ids, mail addresses, user
principal names, people's names, the tenant id and domain names are replaced by stable placeholders
(the same value is the same placeholder in every file) and secrets are dropped. OUT/redaction-report.json
lists what was replaced, by kind, with counts.")]
pub struct RecordArgs {
    /// The service root to record, e.g. https://graph.microsoft.com/beta.
    #[arg(long, env = "GRAPH_CONFORMANCE_TARGET", help_heading = "Target")]
    target: String,
    /// Bearer token (else client credentials from AZURE_TENANT_ID/AZURE_CLIENT_ID/AZURE_CLIENT_SECRET).
    #[arg(long, env = "GRAPH_TOKEN", hide_env_values = true, help_heading = "Auth")]
    token: Option<String>,
    /// The target needs no credentials.
    #[arg(long, help_heading = "Auth")]
    no_auth: bool,
    #[command(flatten)]
    common: Common,
    /// Where the recorded suites go (one folder per suite).
    #[arg(long, value_name = "DIR", help_heading = "Output")]
    out: PathBuf,
    /// Seconds one request may take [default: 30]
    #[arg(long, help_heading = "Limits")]
    timeout: Option<String>,
}

pub fn record(a: RecordArgs) -> Result<ExitCode, String> {
    let target = validate_target(&a.target)?;
    if a.common.ids.max_entities == Some(0) {
        return Err("--max-entities 0: give at least 1".into());
    }
    if a.out.exists()
        && std::fs::read_dir(&a.out).map_err(|e| format!("--out {}: {e}", a.out.display()))?.next().is_some()
    {
        return Err(format!("--out {}: the folder is not empty; record into a new one", a.out.display()));
    }
    std::fs::create_dir_all(&a.out).map_err(|e| format!("--out {}: {e}", a.out.display()))?;
    let params = super::run::parse_params(&a.common.ids.params)?;
    let credentials = crate::target::AppCredentials::from_env().transpose()?;
    let token = a.token.filter(|t| !t.is_empty());
    let mut secrets: Vec<String> = token.iter().cloned().collect();
    if let Some(c) = &credentials {
        secrets.push(c.secret.expose().to_string());
    }
    let tenant = std::env::var("AZURE_TENANT_ID").ok().filter(|t| !t.is_empty());
    let rec = RecordConfig::new(a.out.clone(), &target.root, tenant.as_deref(), &secrets);
    let mut config = RunConfig {
        cases_dir: a.common.sources.cases_dir(),
        schemas_dir: a.common.sources.schemas_dir(),
        target: Some(target.root),
        target_secrets: target.secrets,
        token: token.map(Secret::new),
        credentials,
        profile: Some(if a.common.ids.discover { crate::check::Profile::Live } else { crate::check::Profile::Reference }),
        discover: a.common.ids.discover,
        max_entities: a.common.ids.max_entities,
        color: a.common.shown.colored(),
        params,
        no_auth: a.no_auth,
        preflight: true,
        record: Some(rec.clone()),
        ..RunConfig::default()
    };
    config.http.timeout = parse_timeout(a.timeout.as_deref().unwrap_or("30"), "--timeout")?;
    config.http.ca_certs = a.common.tls.certificates()?;
    let args = Arguments {
        filter: a.common.pick.filter,
        exact: a.common.pick.exact,
        skip: a.common.pick.skip,
        format: Some(a.common.shown.format_setting()),
        color: a.common.shown.color_setting(),
        ..Arguments::default()
    };
    let display = Display::from_args(&args);
    let counts = if config.discover {
        crate::runner::discover::run_discovery(config, &args, display, |_| {})?
    } else {
        crate::runner::stream::run_cases(config, &args, display, |_| {})?
    };
    let state = rec.state.lock().unwrap_or_else(|p| p.into_inner());
    let report = a.out.join("redaction-report.json");
    let mut text = serde_json::to_string_pretty(&state.placeholders.report()).map_err(|e| e.to_string())?;
    text.push('\n');
    std::fs::write(&report, text).map_err(|e| format!("cannot write {}: {e}", report.display()))?;
    crate::report::term::outln!(
        "recorded {} cases under {}; what was replaced: {}",
        state.files.len(),
        a.out.display(),
        report.display()
    );
    for (kind, n) in &state.placeholders.counts {
        crate::report::term::outln!("  {:>6}  {}", n, kind.label());
    }
    if state.files.is_empty() {
        return Err("nothing was recorded: no read answered with success".into());
    }
    Ok(if counts.failed > 0 { ExitCode::from(101) } else { ExitCode::SUCCESS })
}
