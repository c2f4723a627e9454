//! One case, end to end: build the request, send it to the target, check the answer, report.

use serde_json::Value;

use super::ctx::Shared;
use super::instance::Instance;
use crate::case::Case;
use crate::check::{self, Answer, Exchange, Finding, Sent};
use crate::report::{CaseReport, ExchangeInfo, Outcome};
use crate::target::{Outgoing, RetryNote};

/// Rules whose failure is easier to understand next to the answer's body.
const SHOW_BODY_FOR: &[&str] =
    &["select", "schema", "enum.evolvable", "undocumented-property", "error.shape", "odata.context", "odata.id"];

/// Runs a case against the run's target. Never panics on what the server sends; a transport
/// problem is a failed case, not an error. The drivers [`finalize`] every report before anyone sees it.
pub async fn execute(shared: &Shared, inst: &Instance<'_>) -> CaseReport {
    let case = inst.case;
    let mut report = CaseReport::new(inst.name.clone(), case.suite.clone());
    let ctx = match shared.ctx() {
        Ok(c) => c,
        Err(e) => {
            report.fail_with_sources(case);
            report.error = Some(e);
            return report;
        }
    };
    let client_request_id = uuid::Uuid::new_v4().to_string();
    let query = case.request.query.as_deref().filter(|q| !q.is_empty());
    let url = match query {
        Some(q) => format!("{}{}?{}", ctx.service_root, inst.path, q),
        None => format!("{}{}", ctx.service_root, inst.path),
    };
    let mut headers: Vec<(String, String)> = case.request.headers.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    headers.push(("client-request-id".into(), client_request_id.clone()));
    headers.push(("Accept".into(), "application/json".into()));
    let outgoing = Outgoing {
        method: case.request.method.to_ascii_uppercase(),
        url,
        headers,
        body: case.request.body.as_ref().map(|b| b.to_string().into_bytes()),
        auth: case.auth,
    };
    let redactor = &shared.redactor;
    let on_retry = |note: &RetryNote| eprintln!("{}", redactor.redact(&format!("note: {}: {note}", inst.name)));
    let sent_result = ctx.http.send(&outgoing, &on_retry).await;
    let Outgoing { method, url, .. } = outgoing;
    let mut info = ExchangeInfo { method, url, client_request_id, ..Default::default() };
    let delivered = match sent_result {
        Ok(d) => d,
        Err(failure) => {
            report.retries = failure.retries;
            if let Some(head) = failure.head {
                info.status = Some(head.status);
                info.request_id = head.request_id;
                info.date = head.date;
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

    let (json, json_error) = check::parse_body(&answer);
    let sent = Sent {
        method: &info.method,
        path: &inst.path,
        query,
        select: case.select(),
        prefer_unknown_enum_members: case.prefers_unknown_enum_members(),
        client_request_id: &info.client_request_id,
        resource: crate::odata::ResourcePath::parse(&inst.path, case.path_template.as_deref()),
    };
    let exchange = Exchange {
        case,
        values: inst.values,
        sent: &sent,
        answer: &answer,
        json: json.as_ref(),
        service_root: &ctx.service_root,
        profile: ctx.profile,
        schemas: &shared.schemas,
    };
    report.findings = check::check_all(&exchange, json_error.as_deref());
    report.exchange = Some(info);
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
