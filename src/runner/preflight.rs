//! Before any case: the target is a service root, credentials are there and work, and one probe
//! request gets an answer. A setup mistake (a bad URL, an expired secret, no credentials) is one
//! message and exit 2, never a page of conformance failures.

use serde_json::Value;

use super::ctx::Shared;
use super::plan::Planned;
use crate::case::AuthMode;
use crate::check::status::clip;
use crate::target::Outgoing;

/// Checks a remote target before the run. Nothing to do for the embedded server.
pub fn preflight(shared: &Shared, planned: &[Planned]) -> Result<(), String> {
    let config = &shared.config;
    if config.target.is_none() {
        return Ok(());
    }
    if config.token.is_none() && config.credentials.is_none() && !config.no_auth {
        return Err("no credentials for --target: give a token (--token or GRAPH_TOKEN), or client credentials \
             (AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET), or --no-auth for a server that needs none"
            .into());
    }
    let ctx = shared.ctx()?;
    let path = probe_path(planned);
    probe(shared, &ctx.http, &ctx.service_root, &path, "")?;
    if let Some(d) = &ctx.diff {
        probe(shared, &d.candidate.http, &d.candidate.root, &path, "the candidate: ")?;
        if let Some(b2) = &d.baseline2 {
            probe(shared, &b2.http, &b2.root, &path, "the second baseline: ")?;
        }
    }
    Ok(())
}

/// One probe read of `root`; `which` names the side in the message.
fn probe(shared: &Shared, http: &crate::target::HttpClient, root: &str, path: &str, which: &str) -> Result<(), String> {
    let config = &shared.config;
    let ctx = shared.ctx()?;
    let url = format!("{root}{path}");
    let out = Outgoing {
        method: "GET".into(),
        url: url.clone(),
        headers: vec![
            ("client-request-id".into(), crate::request_id::fresh()),
            ("Accept".into(), "application/json".into()),
        ],
        body: None,
        auth: AuthMode::Target,
    };
    let redact = |s: String| shared.redactor.redact(&s);
    let on_retry = |note: &crate::target::RetryNote| crate::report::term::errln!("note: preflight: {note}");
    let answer = match ctx.rt.block_on(http.send(&out, &on_retry)) {
        Ok(d) => d.answer,
        Err(failure) => {
            return Err(redact(format!(
                "preflight: {which}GET {url} failed: {}; check --target (a service root such as \
                 https://graph.microsoft.com/beta) and the credentials",
                failure.error
            )));
        }
    };
    if matches!(answer.status, 401 | 403) {
        let said = crate::json_strict::parse(&answer.body)
            .ok()
            .and_then(|v| {
                let e = v.get("error")?.clone();
                let code = e.get("code").and_then(Value::as_str).unwrap_or("?").to_string();
                let message = e.get("message").and_then(Value::as_str).unwrap_or("").to_string();
                Some(format!(" ({code}: {})", clip(&message, 200)))
            })
            .unwrap_or_default();
        let advice = if config.token.is_some() {
            "the token (GRAPH_TOKEN or --token) was refused: get a fresh one"
        } else if config.credentials.is_some() {
            // The areas' files say which application permission reads them.
            let permissions = crate::area::permissions_for(&config.cases_dir, &config.version);
            return Err(redact(format!(
                "preflight: {which}GET {url} answered {}{said}: the app's token was refused: check that the app has {} with admin consent, and that the tenant holds the licence the API needs (README, Quick starts)",
                answer.status,
                if permissions.is_empty() {
                    "the application permission that reads these suites (an area file's `permission`)".to_string()
                } else {
                    permissions.join(" and ")
                }
            )));
        } else {
            "the server wants credentials: drop --no-auth and give a token"
        };
        return Err(redact(format!("preflight: {which}GET {url} answered {}{said}: {advice}", answer.status)));
    }
    Ok(())
}

/// A cheap read every server of the selected suites should answer: the first documented GET
/// without keys (a list), else the service document.
fn probe_path(planned: &[Planned]) -> String {
    planned
        .iter()
        .filter_map(|p| match p {
            Planned::Run(c) | Planned::Skip(c, _) => Some(c),
            _ => None,
        })
        .filter(|c| c.request.method.eq_ignore_ascii_case("GET") && c.auth == AuthMode::Target)
        .filter(|c| c.key_params().is_empty() && !c.request.path.contains('('))
        .map(|c| c.request.path.clone())
        .min()
        .unwrap_or_else(|| "/".into())
}
