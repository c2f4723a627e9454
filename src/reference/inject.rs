//! Applying a catalogued [`Fault`] to the faithful answer: each hook runs at one stage of answering
//! and changes only what its faults are about.

use serde_json::{Value, json};

use super::faults::Fault;
use super::fixtures::derived_guid;
use super::reply::{Body, Ordered, Reply, get, remove, set};
use super::responder::Incoming;
use crate::odata::{ResourcePath, Select};

/// Faults of one entity answer: values, `$select`, `@odata.context`, status.
pub fn on_entity(
    fault: Option<Fault>,
    x: &Incoming<'_>,
    reply: &mut Reply,
    select: Option<&Select>,
    path: &ResourcePath,
) {
    let Some(fault) = fault else { return };
    let full = select.is_none_or(|s| s.star);
    let is_result = path.segments.last().is_some_and(|s| s.name.eq_ignore_ascii_case("userProcessingResults"));
    if fault == Fault::Stall && is_result && x.query.pairs.is_empty() {
        reply.delay = Some(std::time::Duration::from_secs(3600));
    }
    if fault == Fault::Status201 {
        reply.status = 201;
    }
    let Some(body) = reply.object_mut() else {
        return;
    };
    match fault {
        Fault::ExtraUnselectedProperty if !full && !select.is_some_and(|s| s.contains("workflowVersion")) => {
            set(body, "workflowVersion", json!(1))
        }
        Fault::SelectDropsSubject if !full => remove(body, "subject"),
        Fault::ContextMissing => remove(body, "@odata.context"),
        Fault::ContextWithoutSelect | Fault::ContextWrongRoot | Fault::ContextWrongKey | Fault::ContextNotEntity => {
            let context = crate::odata::ContextUrl::expected(
                if fault == Fault::ContextWrongRoot { "https://graph.microsoft.com/beta" } else { &x.root },
                &wrong_path(fault, path),
                if fault == Fault::ContextWithoutSelect { None } else { select.filter(|s| !s.star) },
            );
            let context = if fault == Fault::ContextNotEntity {
                context.trim_end_matches("/$entity").to_string()
            } else {
                context
            };
            set(body, "@odata.context", json!(context));
        }
        _ if is_result => result_values(fault, body, full),
        _ => {}
    }
}

/// The path a context fault names: the run id in the workflow's place.
fn wrong_path(fault: Fault, path: &ResourcePath) -> ResourcePath {
    let mut p = path.clone();
    if fault == Fault::ContextWrongKey && p.segments.len() >= 4 {
        let run_key = p.segments[3].key.clone();
        p.segments[2].key = run_key;
    }
    p
}

/// Value faults of a userProcessingResult (where the property is in the answer).
fn result_values(fault: Fault, body: &mut Ordered, full: bool) {
    let int = |b: &Ordered, k: &str| get(b, k).and_then(Value::as_i64);
    let present = |b: &Ordered, k: &str| get(b, k).is_some();
    match fault {
        Fault::EnumWrongCase => {
            if let Some(s) = get(body, "processingStatus").and_then(Value::as_str) {
                let mut c = s.chars();
                let upper: String = c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default();
                set(body, "processingStatus", json!(upper));
            }
        }
        Fault::DateWithoutOffset => {
            if let Some(s) = get(body, "scheduledDateTime").and_then(Value::as_str) {
                let bare = s.trim_end_matches('Z').to_string();
                set(body, "scheduledDateTime", json!(bare));
            }
        }
        Fault::NullWorkflowVersion if present(body, "workflowVersion") => set(body, "workflowVersion", Value::Null),
        Fault::CountAsString => {
            if let Some(n) = int(body, "totalTasksCount") {
                set(body, "totalTasksCount", json!(n.to_string()));
            }
        }
        Fault::Int32Overflow if present(body, "workflowVersion") => {
            set(body, "workflowVersion", json!(2_147_483_648_i64))
        }
        Fault::MissingRequiredProperty if full => remove(body, "scheduledDateTime"),
        Fault::UndocumentedProperty if full => set(body, "processingDetail", json!("reference")),
        Fault::NegativeCount if present(body, "failedTasksCount") => set(body, "failedTasksCount", json!(-1)),
        Fault::FailedExceedsTotal => {
            if let (Some(total), true) = (int(body, "totalTasksCount"), present(body, "failedTasksCount")) {
                set(body, "failedTasksCount", json!(total + 1));
            }
        }
        Fault::UnprocessedExceedsTotal => {
            if let (Some(total), true) = (int(body, "totalTasksCount"), present(body, "totalUnprocessedTasksCount")) {
                set(body, "totalUnprocessedTasksCount", json!(total + 1));
            }
        }
        Fault::StartedAfterCompleted => {
            if let Some(done) = get(body, "completedDateTime").and_then(Value::as_str) {
                let later = super::fixtures::shift(done, 60);
                if get(body, "startedDateTime").is_some() {
                    set(body, "startedDateTime", json!(later));
                }
            }
        }
        Fault::IdMismatch => {
            if let Some(id) = get(body, "id").and_then(Value::as_str) {
                let other = derived_guid(id, 0x1d);
                set(body, "id", json!(other));
            }
        }
        Fault::ValueDrift => {
            for k in ["failedTasksCount", "totalTasksCount"] {
                if let Some(n) = int(body, k) {
                    set(body, k, json!(n + 1));
                }
            }
        }
        _ => {}
    }
}

/// Faults of one row of a list.
pub fn on_list_row(fault: Option<Fault>, row: &mut Ordered) {
    if fault == Some(Fault::ListRowDiffers)
        && let Some(n) = get(row, "totalTasksCount").and_then(Value::as_i64)
    {
        set(row, "totalTasksCount", json!(n + 1));
    }
}

/// Paging faults of the results list.
pub fn on_list(fault: Option<Fault>, x: &Incoming<'_>, reply: &mut Reply, rel: &str, results: bool) {
    if !results {
        return;
    }
    let Some(body) = reply.object_mut() else {
        return;
    };
    match fault {
        Some(Fault::PagingLoop)
            if get(body, "@odata.nextLink").is_some() || x.query.system_option("skiptoken").is_some() =>
        {
            let first = super::responder::next_link(x, rel, 0);
            set(body, "@odata.nextLink", json!(first));
        }
        Some(Fault::PagingTruncated) => remove(body, "@odata.nextLink"),
        _ => {}
    }
}

/// Faults of any answer: auth, headers, error bodies.
pub fn on_reply(fault: Option<Fault>, reply: &mut Reply) {
    let Some(fault) = fault else { return };
    match fault {
        Fault::WrongContentType if reply.status < 300 => reply.set_header("Content-Type", "text/plain; charset=utf-8"),
        Fault::NoRequestId => reply.remove_header("request-id"),
        Fault::ClientRequestIdNotEchoed => reply.set_header("client-request-id", &uuid::Uuid::new_v4().to_string()),
        Fault::ODataVersion3 => reply.set_header("OData-Version", "3.0"),
        Fault::PlainText404 if reply.status == 404 => {
            reply.body = Some(Body::Raw { text: "Not Found".into(), content_type: "text/plain".into() });
            reply.remove_header("Content-Type");
        }
        Fault::ErrorWithoutCode if reply.status >= 400 => {
            if let Some(body) = reply.object_mut()
                && let Some(Value::Object(err)) = body.iter_mut().find(|(k, _)| k == "error").map(|(_, v)| v)
            {
                err.remove("code");
            }
        }
        _ => {}
    }
}
