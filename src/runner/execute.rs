//! One case, end to end: build the request, send it to the target, check the answer, report.

use serde_json::Value;

use super::ctx::Shared;
use super::instance::Instance;
use crate::case::Case;
use crate::check::{self, Answer, Exchange, Sent};
use crate::report::{CaseReport, ExchangeInfo, Outcome};
use crate::target::{Outgoing, RetryNote};

/// Rules whose failure is easier to understand next to the answer's body.
const SHOW_BODY_FOR: &[&str] =
    &["select", "schema", "enum.evolvable", "undocumented-property", "error.shape", "odata.context", "odata.id"];

/// Runs a case against the run's target. Never panics on what the server sends; a transport
/// problem is a failed case, not an error. The drivers [`finalize`] every report before anyone sees it.
pub async fn execute(shared: &Shared, inst: &Instance<'_>) -> CaseReport {
    let mut report = send_and_check(shared, inst).await;
    if report.outcome == Outcome::Failed && report.rerun.is_empty() {
        report.rerun = shared.config.rerun(&report.name, &inst.pins());
    }
    report
}

async fn send_and_check(shared: &Shared, inst: &Instance<'_>) -> CaseReport {
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
    let client_request_id = crate::request_id::fresh();
    let query = case.request.query.as_deref().filter(|q| !q.is_empty());
    let url = match query {
        Some(q) => format!("{}{}?{}", ctx.service_root, inst.path, q),
        None => format!("{}{}", ctx.service_root, inst.path),
    };
    if case.walk {
        return walk_case(shared, ctx, inst, url, report).await;
    }
    let mut headers: Vec<(String, String)> = case.request.headers.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    headers.push(("client-request-id".into(), client_request_id.clone()));
    headers.push(("Accept".into(), "application/json".into()));
    if ctx.server.is_some() && case.is_mutating() {
        // The embedded server keeps each write case's changes apart from every other case.
        headers.push((super::ctx::SANDBOX_HEADER.into(), inst.name.clone()));
    }
    let outgoing = Outgoing {
        method: case.request.method.to_ascii_uppercase(),
        url,
        headers,
        body: case.request.body.as_ref().map(|b| b.to_string().into_bytes()),
        auth: case.auth,
    };
    let on_retry = |note: &RetryNote| crate::report::term::errln!("note: {}: {note}", inst.name);
    let sent_result = ctx.http.send(&outgoing, &on_retry).await;
    let mut info = ExchangeInfo {
        method: outgoing.method.clone(),
        url: outgoing.url.clone(),
        client_request_id,
        ..Default::default()
    };
    let delivered = match sent_result {
        Ok(d) => d,
        Err(failure) => {
            report.findings.push(failure.finding());
            report.checked = crate::check::RuleSet::of(&["transport"]);
            report.request = Some(request_copy(&outgoing, ctx.http.has_credentials()));
            report.retries = failure.retries;
            if let Some(head) = failure.head {
                info.status = Some(head.status);
                info.request_id = head.request_id;
                info.date = head.date;
            }
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
        resource: crate::odata::ResourcePath::bind(case.resolved.as_deref(), &inst.path),
        expand: case.expand(),
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
    report.findings = check::check_all(&exchange, json_error.as_deref(), &shared.config.extra_checks);
    report.checked = check::rules_reached(&exchange, &report.findings);
    if let (Some(t), Some(body), true) =
        (case.resource_type.as_deref(), json.as_ref(), (200..300).contains(&answer.status))
        && !case.is_mutating()
    {
        let model = shared.schemas.model();
        let named = check::references::named(model, &shared.schemas.overlay().references, t, case.collection, body);
        if !named.is_empty() {
            report.findings.extend(follow_references(ctx, &outgoing, &named).await);
            report.checked.insert("reference.resolves");
        }
    }
    if let (Some(resolved), Some(body), true) =
        (case.resolved.as_deref(), json.as_ref(), (200..300).contains(&answer.status))
        && let Some(field) = check::counted::counting_field(resolved, &shared.schemas.overlay().functions)
        && !case.is_mutating()
    {
        let holds = bound_count(ctx, &outgoing, inst).await;
        report.findings.extend(check::counted::judge(field, body, holds));
        report.checked.insert("function.within-collection");
    }
    if let (Some(t), Some(body), true) =
        (case.resource_type.as_deref(), json.as_ref(), (200..300).contains(&answer.status))
        && !case.is_mutating()
        && !case.collection
    {
        let shown = check::totals::shown(shared.schemas.model(), &shared.schemas.overlay().totals, t, body);
        for s in &shown {
            let url = format!("{}{}/{}?$count=true&$top=1", ctx.service_root, inst.path, s.navigation);
            let (status, count) = match follow_up(ctx, &outgoing, url).await {
                Ok(d) => {
                    let count = check::parse_body(&d.answer).0.and_then(|v| v.get("@odata.count")?.as_u64());
                    (d.answer.status, count)
                }
                Err(_) => (0, None),
            };
            report.findings.extend(check::totals::judge(s, status, count));
            if check::totals::compared(status, count) {
                report.checked.insert("invariant.total-counts-rows");
            }
        }
    }
    if let Some(nav) = case.parent_shows.as_deref().filter(|_| !case.is_mutating()) {
        let found = parent_shows(ctx, &outgoing, inst, nav, answer.status, json.as_ref()).await;
        report.findings.extend(found);
        report.checked.insert("navigation.consistency");
    }
    report.exchange = Some(info);
    conclude(&mut report, case, json.as_ref(), shared.schemas.model());
    if report.outcome == Outcome::Failed {
        report.answer = Some(crate::report::AnswerCopy::of(&answer));
        report.request = Some(request_copy(&outgoing, ctx.http.has_credentials()));
    }
    report
}

/// A follow-up read a rule needs after the case's answer: GET `url` on the same target with the
/// case's credentials, retries reported by the case's own request only.
async fn follow_up(
    ctx: &super::ctx::Ctx,
    sent: &Outgoing,
    url: String,
) -> Result<crate::target::http::Delivered, crate::target::SendFailure> {
    let outgoing = Outgoing {
        method: "GET".into(),
        url,
        headers: vec![("Accept".into(), "application/json".into())],
        body: None,
        auth: sent.auth,
    };
    ctx.http.send(&outgoing, &|_: &RetryNote| {}).await
}

/// The `@odata.count` of the collection a call is bound to (the path without its last segment).
async fn bound_count(ctx: &super::ctx::Ctx, sent: &Outgoing, inst: &Instance<'_>) -> Option<u64> {
    let (collection, _) = inst.path.rsplit_once('/')?;
    let d = follow_up(ctx, sent, format!("{}{collection}?$count=true&$top=1", ctx.service_root)).await.ok()?;
    let (json, _) = check::parse_body(&d.answer);
    json?.get("@odata.count")?.as_u64()
}

/// Reads each entity an answer's declared references name (same credentials, same target).
async fn follow_references(
    ctx: &super::ctx::Ctx,
    sent: &Outgoing,
    named: &[check::references::Named],
) -> Vec<check::Finding> {
    let mut out = Vec::new();
    for n in named {
        let url = format!(
            "{}/{}/{}",
            ctx.service_root,
            n.target.trim_matches('/'),
            crate::odata::path::encode_segment(&n.key)
        );
        let status = match follow_up(ctx, sent, url).await {
            Ok(d) => d.answer.status,
            Err(_) => 0,
        };
        out.extend(check::references::judge(n, status));
    }
    out
}

/// Reads the parent of a single-valued navigation with `$expand=<nav>` (same credentials, same
/// target) and compares what it shows with the navigation's own answer.
async fn parent_shows(
    ctx: &super::ctx::Ctx,
    sent: &Outgoing,
    inst: &Instance<'_>,
    nav: &str,
    status: u16,
    own: Option<&Value>,
) -> Vec<check::Finding> {
    let Some((parent, _)) = inst.path.rsplit_once('/') else { return Vec::new() };
    match follow_up(ctx, sent, format!("{}{parent}?$expand={nav}", ctx.service_root)).await {
        Ok(d) => {
            let (json, _) = check::parse_body(&d.answer);
            check::related::compare(nav, status, own, d.answer.status, json.as_ref())
        }
        Err(failure) => vec![check::Finding::warning(
            "navigation.consistency",
            "",
            format!("the parent read with $expand={nav} could not be sent: {}", failure.finding().message),
        )],
    }
}

/// The request as sent, for `--verbose` and `--har`: the token is never copied, only said to be there.
fn request_copy(o: &Outgoing, with_token: bool) -> crate::report::RequestCopy {
    let mut headers = o.headers.clone();
    match o.auth {
        crate::case::AuthMode::Target if with_token => {
            headers.push(("Authorization".into(), "Bearer [REDACTED]".into()))
        }
        crate::case::AuthMode::EmptyBearer => headers.push(("Authorization".into(), "Bearer ".into())),
        _ => {}
    }
    crate::report::RequestCopy {
        method: o.method.clone(),
        url: o.url.clone(),
        headers,
        body: o.body.as_ref().map(|b| String::from_utf8_lossy(b).into_owned()),
    }
}

/// A list read page by page: the paging rules over the whole walk, each page's rows checked.
async fn walk_case(
    shared: &Shared,
    ctx: &super::ctx::Ctx,
    inst: &Instance<'_>,
    url: String,
    mut report: CaseReport,
) -> CaseReport {
    let case = inst.case;
    let type_name = case.resource_type.clone();
    let key = type_name.as_deref().map(|t| shared.schemas.model().key_of(t)).unwrap_or_default();
    let spec = super::walk::ItemSpec {
        key_edm: type_name.as_deref().map(|t| shared.schemas.model().key_type(t)).unwrap_or_default(),
        type_name,
        key: key.first().cloned().unwrap_or_else(|| "id".into()),
    };
    // A list case ends: by --max-entities (a page holds at least one), and by its deadline.
    let pages = shared.config.max_entities.map(|n| n.min(u32::MAX as usize) as u32);
    let mut walk = super::walk::ListWalk::new(url, spec).with_limits(pages, case_deadline(&shared.config));
    while let Some(rows) = walk.next_page(shared, ctx).await {
        for row in &rows {
            let _ = walk.key_of(row);
        }
    }
    let (findings, exchange, retries) = walk.finish();
    report.findings = findings;
    report.exchange = exchange;
    report.retries = retries;
    report.checked = super::walk::walk_rules();
    conclude(&mut report, case, None, shared.schemas.model());
    report
}

/// How long one case may take in all (a list walk's pages, retries included): four request
/// timeouts, and at least ten seconds.
pub fn case_deadline(config: &super::RunConfig) -> std::time::Duration {
    (config.http.timeout * 4).max(std::time::Duration::from_secs(10))
}

/// The last touches: the rerun command of a failed case, and secrets out of everything.
pub fn finalize(shared: &Shared, report: &mut CaseReport) {
    if report.outcome == Outcome::Failed && report.rerun.is_empty() {
        report.rerun = shared.config.rerun(&report.name, &[]);
    }
    report.redact(&shared.redactor);
}

/// Decides the outcome and attaches the diff or body excerpt that explains it.
pub fn conclude(report: &mut CaseReport, case: &Case, json: Option<&Value>, model: &crate::metadata::Model) {
    let failed: Vec<&'static str> = report.failed_rules();
    if failed.is_empty() {
        report.outcome = Outcome::Passed;
        return;
    }
    report.fail_with_sources(case);
    if (failed.contains(&"body.value") || failed.contains(&"list.consistency"))
        && let (Some(expected), Some(actual)) = (&case.expect.body, json)
    {
        let keys = check::body_values::row_keys(model, case.resource_type.as_deref());
        // Bounded copies: a report holds and prints a bounded part of any answer.
        let actual = crate::report::diff::bounded(actual);
        let normalized = check::body_values::normalized_actual(expected, &actual, case.expect.truncated, &keys);
        report.diff = Some((crate::report::diff::bounded(expected), normalized));
    } else if failed.iter().any(|r| SHOW_BODY_FOR.contains(r)) {
        report.excerpt = json.map(crate::report::diff::bounded);
    }
}

impl CaseReport {
    /// Marks the report failed and attaches what a failure message points at: the case's sources
    /// and notes (copied only for failures, which are rare).
    pub fn fail_with_sources(&mut self, case: &Case) {
        self.outcome = Outcome::Failed;
        self.origin = (*case.origin).clone();
        self.notes = (*case.notes).clone();
        if let Some(marks) = case.contradictions.known().filter(|m| !m.is_empty()) {
            self.notes.push(crate::case::contradictions::summary(marks));
        }
    }
}

/// The failed report of a case whose run panicked: the panic's message, so it is counted and shown
/// like any failure.
pub fn panicked(name: String, suite: String, payload: Box<dyn std::any::Any + Send>) -> CaseReport {
    let message = payload
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| payload.downcast_ref::<&str>().copied())
        .unwrap_or("(a panic without a message)");
    let mut r = CaseReport::new(name, suite);
    r.outcome = Outcome::Failed;
    r.error = Some(format!(
        "the harness panicked while running this case: {message}; this is a bug of graph-conformance, please report it with this case"
    ));
    r
}

/// A report with the case's identity filled in.
pub fn blank_report(case: &Case) -> CaseReport {
    CaseReport::new(case.full_name(), case.suite.clone())
}
