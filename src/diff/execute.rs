//! One case in differential mode: the same request to the baseline (twice, or to a second baseline,
//! to learn its noise) and to the candidate, then [`super::answers::compare`].

use std::collections::BTreeSet;

use super::DiffTargets;
use super::answers::{Side, compare};
use super::compare::Options;
use crate::case::AuthMode;
use crate::check::{Answer, Finding, RuleSet};
use crate::report::{CaseReport, ExchangeInfo, Outcome};
use crate::runner::ctx::Shared;
use crate::runner::instance::Instance;
use crate::target::{HttpClient, Outgoing, RetryNote};

/// The rules a comparison checks.
pub const DIFF_RULES: &[&str] =
    &["transport", "diff.status", "diff.missing", "diff.extra", "diff.type", "diff.value", "diff.order"];

/// Sends `inst`'s request to `root`: the answer and what support needs to trace it.
pub async fn send(
    http: &HttpClient,
    root: &str,
    inst: &Instance<'_>,
    name: &str,
) -> Result<(Answer, ExchangeInfo), Finding> {
    let case = inst.case;
    let url = match case.request.query.as_deref().filter(|q| !q.is_empty()) {
        Some(q) => format!("{root}{}?{q}", inst.path),
        None => format!("{root}{}", inst.path),
    };
    let client_request_id = crate::request_id::fresh();
    let mut headers: Vec<(String, String)> = case.request.headers.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    headers.push(("client-request-id".into(), client_request_id.clone()));
    headers.push(("Accept".into(), "application/json".into()));
    let out = Outgoing {
        method: case.request.method.to_ascii_uppercase(),
        url: url.clone(),
        headers,
        body: None,
        auth: case.auth,
    };
    let on_retry = |note: &RetryNote| crate::report::term::errln!("note: {name}: {note}");
    let mut info = ExchangeInfo { method: out.method.clone(), url, client_request_id, ..Default::default() };
    match http.send(&out, &on_retry).await {
        Ok(d) => {
            info.status = Some(d.answer.status);
            info.request_id = d.answer.header("request-id").map(str::to_string);
            info.date = d.answer.header("date").map(str::to_string);
            info.elapsed = d.elapsed;
            Ok((d.answer, info))
        }
        Err(failure) => Err(failure.finding()),
    }
}

/// Runs `inst` against both sides and compares the answers.
pub async fn execute(shared: &Shared, d: &DiffTargets, inst: &Instance<'_>) -> CaseReport {
    let case = inst.case;
    let mut report = CaseReport::new(inst.name.clone(), case.suite.clone());
    report.origin = (*case.origin).clone();
    if !matches!(case.request.method.to_ascii_uppercase().as_str(), "GET" | "HEAD") {
        report.outcome = Outcome::Ignored(format!("{} changes the target: diff sends reads only", case.request.method));
        return report;
    }
    if case.auth != AuthMode::Target {
        report.outcome =
            Outcome::Ignored("an authorization case: diff compares answers to the same credentials".into());
        return report;
    }
    let ctx = match shared.ctx() {
        Ok(c) => c,
        Err(e) => {
            report.outcome = Outcome::Failed;
            report.error = Some(e);
            return report;
        }
    };
    report.checked = RuleSet::of(DIFF_RULES);
    let baseline = send(&ctx.http, &ctx.service_root, inst, &inst.name);
    let candidate = send(&d.candidate.http, &d.candidate.root, inst, &inst.name);
    let (baseline, candidate) = tokio::join!(baseline, candidate);
    let again = if !d.learn {
        None
    } else {
        Some(match &d.baseline2 {
            Some(b2) => (send(&b2.http, &b2.root, inst, &inst.name).await, b2.root.as_str()),
            None => (send(&ctx.http, &ctx.service_root, inst, &inst.name).await, ctx.service_root.as_str()),
        })
    };
    let (b, c) = match (baseline, candidate) {
        (Ok(b), Ok(c)) => (b, c),
        (b, c) => {
            for (side, r) in [("baseline", b.err()), ("candidate", c.err())] {
                if let Some(mut f) = r {
                    f.message = format!("the {side}: {}", f.message);
                    report.findings.push(f);
                }
            }
            report.outcome = Outcome::Failed;
            report.fail_with_sources(case);
            return report;
        }
    };
    let keys = case.resource_type.as_deref().map(|t| shared.schemas.model().key_of(t)).unwrap_or_default();
    let opts = Options {
        keys: std::iter::once("id".to_string()).chain(keys).collect(),
        ordered: case.request.query.as_deref().is_some_and(|q| q.contains("orderby")),
        limit: crate::check::MAX_FINDINGS,
    };
    let again_side = match &again {
        Some((Ok((a, _)), root)) => Some(Side { answer: a, root }),
        _ => None,
    };
    let outcome = compare(
        &case.suite,
        &Side { answer: &b.0, root: &ctx.service_root },
        &Side { answer: &c.0, root: &d.candidate.root },
        again_side.as_ref(),
        &opts,
        &d.noise,
    );
    report.findings = outcome.findings;
    report.exchange = Some(c.1);
    noise_notes(&mut report, &outcome.learned, &outcome.ruled_noise);
    if report.failures().next().is_some() {
        report.outcome = Outcome::Failed;
        report.fail_with_sources(case);
        // Bounded copies, as `run` keeps them: a report holds a bounded part of any answer.
        report.diff = outcome.bodies.map(|(b, c)| (crate::report::diff::bounded(&b), crate::report::diff::bounded(&c)));
        report.answer = Some(crate::report::AnswerCopy::of(&c.0));
    }
    report
}

/// Says what was set aside as noise: a warning per place (they do not fail the case, and the run's
/// summary counts each once), and a note on a failure.
fn noise_notes(report: &mut CaseReport, learned: &BTreeSet<String>, ruled: &BTreeSet<String>) {
    for p in learned.iter().take(10) {
        report.findings.push(Finding::warning(
            "diff.value",
            p.as_str(),
            "noise learned from the baseline (it answered this differently itself): not compared",
        ));
    }
    let list = |s: &BTreeSet<String>| {
        let mut v: Vec<&str> = s.iter().map(String::as_str).take(8).collect();
        if s.len() > 8 {
            v.push("…");
        }
        v.join(", ")
    };
    if !ruled.is_empty() {
        report.notes.push(format!("noise by rule (built in or --noise), not compared: {}", list(ruled)));
    }
}
