//! One case, end to end: build the request, send it to the target, check the answer, report.

use serde_json::Value;

use super::ctx::Shared;
use crate::case::Case;
use crate::check::{self, Answer, Exchange, Finding, Sent};
use crate::odata::QueryOptions;
use crate::report::{CaseReport, ExchangeInfo, Outcome};
use crate::target::{Outgoing, RetryNote};

/// Rules whose failure is easier to understand next to the answer's body.
const SHOW_BODY_FOR: &[&str] =
    &["select", "schema", "enum.evolvable", "undocumented-property", "error.shape", "odata.context", "odata.id"];

/// Runs `case` against the run's target. Never panics on what the server sends; a transport problem
/// is a failed case, not an error. The drivers [`finalize`] every report before anyone sees it.
pub async fn execute(shared: &Shared, case: &Case) -> CaseReport {
    let mut report = blank_report(case);
    let ctx = match shared.ctx() {
        Ok(c) => c,
        Err(e) => {
            report.fail_with_sources(case);
            report.error = Some(e);
            return report;
        }
    };
    let client_request_id = uuid::Uuid::new_v4().to_string();
    let query = case.request.query.clone().filter(|q| !q.is_empty());
    let url = match &query {
        Some(q) => format!("{}{}?{}", ctx.service_root, case.request.path, q),
        None => format!("{}{}", ctx.service_root, case.request.path),
    };
    let mut headers: Vec<(String, String)> = case.request.headers.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    headers.push(("client-request-id".into(), client_request_id.clone()));
    headers.push(("Accept".into(), "application/json".into()));
    let outgoing = Outgoing {
        method: case.request.method.to_ascii_uppercase(),
        url: url.clone(),
        headers,
        body: case.request.body.as_ref().map(|b| b.to_string().into_bytes()),
        auth: case.auth,
    };
    let mut info = ExchangeInfo {
        method: outgoing.method.clone(),
        url: url.clone(),
        client_request_id: client_request_id.clone(),
        ..Default::default()
    };
    let redactor = &shared.redactor;
    let on_retry = |note: &RetryNote| eprintln!("{}", redactor.redact(&format!("note: {}: {note}", case.full_name())));
    let delivered = match ctx.http.send(&outgoing, &on_retry).await {
        Ok(d) => d,
        Err(failure) => {
            report.retries = failure.retries;
            if let Some(head) = &failure.head {
                info.status = Some(head.status);
                info.request_id = head.request_id.clone();
                info.date = head.date.clone();
            }
            report.findings.push(Finding::failure("transport", "", failure.error.to_string()));
            report.fail_with_sources(case);
            report.exchange = Some(info);
            return report;
        }
    };
    report.retries = delivered.retries;
    let answer: Answer = delivered.answer;
    info.status = Some(answer.status);
    info.request_id = answer.header("request-id").map(str::to_string);
    info.date = answer.header("date").map(str::to_string);
    info.elapsed = delivered.elapsed;
    report.exchange = Some(info);

    let (json, json_error) = check::parse_body(&answer);
    let options = query.as_deref().map(QueryOptions::parse).unwrap_or_default();
    let sent = Sent {
        method: outgoing.method.clone(),
        path: case.request.path.clone(),
        query,
        select: options.select(),
        prefer_unknown_enum_members: case.request.headers.iter().any(|(k, v)| {
            k.eq_ignore_ascii_case("prefer")
                && v.to_ascii_lowercase().contains(crate::case::derive::PREFER_UNKNOWN_ENUM_MEMBERS)
        }),
        client_request_id,
        resource: crate::odata::ResourcePath::parse(&case.request.path, case.path_template.as_deref()),
    };
    let exchange = Exchange {
        case,
        sent: &sent,
        answer: &answer,
        json: json.as_ref(),
        service_root: &ctx.service_root,
        profile: ctx.profile,
        schemas: &shared.schemas,
    };
    report.findings = check::check_all(&exchange, json_error.as_deref());
    conclude(&mut report, case, json.as_ref());
    report
}

/// The last touches: the rerun command of a failed case, and secrets out of everything.
pub fn finalize(shared: &Shared, report: &mut CaseReport) {
    if report.outcome == Outcome::Failed && report.rerun.is_empty() {
        report.rerun = shared.config.rerun(&report.name);
    }
    report.redact(&shared.redactor);
}

/// Decides the outcome and attaches the diff or body excerpt that explains it.
pub fn conclude(report: &mut CaseReport, case: &Case, json: Option<&Value>) {
    let failed: Vec<&'static str> = report.failed_rules();
    if failed.is_empty() {
        report.outcome = Outcome::Passed;
        return;
    }
    report.fail_with_sources(case);
    if (failed.contains(&"body.value") || failed.contains(&"list.consistency"))
        && let (Some(expected), Some(actual)) = (&case.expect.body, json)
    {
        let normalized = check::body_values::normalized_actual(expected, actual, case.expect.truncated);
        report.diff = Some((expected.clone(), normalized));
    } else if failed.iter().any(|r| SHOW_BODY_FOR.contains(r)) {
        report.excerpt = json.cloned();
    }
}

impl CaseReport {
    /// Marks the report failed and attaches what a failure message points at: the case's sources
    /// and notes (copied only for failures, which are rare).
    pub fn fail_with_sources(&mut self, case: &Case) {
        self.outcome = Outcome::Failed;
        self.origin = (*case.origin).clone();
        self.notes = (*case.notes).clone();
    }
}

/// A report with the case's identity filled in.
pub fn blank_report(case: &Case) -> CaseReport {
    CaseReport::new(case.full_name(), case.suite.clone())
}
