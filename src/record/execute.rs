//! One case in recording mode: the request sent as `run` would send it, and a 2xx answer written
//! as a case file, redacted.

use std::collections::BTreeMap;

use serde_json::Value;

use super::RecordConfig;
use crate::case::{AuthMode, CaseFile, DocSource, ExpectedResponse, Recorded, RequestSpec, StatusSpec};
use crate::report::{CaseReport, Outcome};
use crate::runner::ctx::Shared;
use crate::runner::instance::Instance;

/// The root recorded bodies name, as the docs do (the target's own root is replaced by it).
const DOC_ROOT: &str = "https://graph.microsoft.com/beta";

fn ignored(mut r: CaseReport, why: impl Into<String>) -> CaseReport {
    r.outcome = Outcome::Ignored(why.into());
    r
}

/// Sends `inst` and records a successful answer under `OUT/<suite>/`.
pub async fn execute(shared: &Shared, rec: &RecordConfig, inst: &Instance<'_>) -> CaseReport {
    let case = inst.case;
    let report = CaseReport::new(inst.name.clone(), case.suite.clone());
    if case.name.starts_with("derived::") || case.name.starts_with("discovered::") {
        return ignored(report, "derived cases are not recorded: a recorded suite derives its own");
    }
    if !case.request.method.eq_ignore_ascii_case("GET") || case.auth != AuthMode::Target {
        return ignored(report, "only reads are recorded");
    }
    let ctx = match shared.ctx() {
        Ok(c) => c,
        Err(e) => {
            let mut r = report;
            r.outcome = Outcome::Failed;
            r.error = Some(e);
            return r;
        }
    };
    let (answer, info) = match crate::diff::execute::send(&ctx.http, &ctx.service_root, inst, &inst.name).await {
        Ok(a) => a,
        Err(f) => {
            let mut r = report;
            r.findings.push(f);
            r.outcome = Outcome::Failed;
            return r;
        }
    };
    let mut report = report;
    report.exchange = Some(info);
    if !(200..300).contains(&answer.status) {
        return ignored(report, format!("answered {}: only successful answers are recorded", answer.status));
    }
    let Ok(mut body) = crate::json_strict::parse(&answer.body) else {
        return ignored(report, "the answer is not JSON: not recorded");
    };
    rooted(&mut body, &ctx.service_root);
    let file = {
        let mut state = rec.state.lock().unwrap_or_else(|p| p.into_inner());
        let n = state.per_case.entry((case.suite.clone(), case.name.clone())).or_default();
        *n += 1;
        let name = if inst.ids.is_some() { format!("{}_{}", case.name, n) } else { case.name.clone() };
        let p = &mut state.placeholders;
        p.value(&mut body);
        let path = p.text(&inst.path);
        let keys = case.key_params();
        let mut path_params = BTreeMap::new();
        for (k, v) in &case.path_params {
            let value = match (inst.ids, keys.iter().position(|x| x == k)) {
                (Some(ids), Some(i)) if !case.pinned_params.contains(k) => {
                    ids.get(i).cloned().unwrap_or_else(|| v.clone())
                }
                _ => v.clone(),
            };
            path_params.insert(k.clone(), p.text(&value));
        }
        let query = case.request.query.as_deref().map(|q| p.text(q));
        let doc = case.origin.doc.clone();
        let recorded = Recorded { target: state.target.clone(), at: state.at.clone(), from: case.full_name() };
        let source = match doc {
            Some(d) => DocSource { recorded: Some(recorded), ..d },
            None => DocSource {
                page: String::new(),
                url: String::new(),
                content: String::new(),
                request_line: 0,
                response_line: 0,
                recorded: Some(recorded),
            },
        };
        CaseFile {
            name,
            source,
            request: RequestSpec {
                method: "GET".into(),
                path,
                query,
                headers: case.request.headers.clone(),
                body: None,
            },
            path_template: case.path_template.clone(),
            path_params,
            query_options: case.query_options.as_ref().clone(),
            response: ExpectedResponse {
                status: StatusSpec::One(answer.status),
                headers: BTreeMap::from([("Content-Type".to_string(), "application/json".to_string())]),
                body: Some(body),
                // A live page of a list may hold rows the replaying server pages otherwise: the
                // recorded values are compared where they are shown.
                truncated: true,
                odata_type: case.expect.odata_type.clone(),
                is_collection: case.expect.is_collection,
                is_empty: false,
                expect_error: false,
                nullable_properties: Vec::new(),
            },
        }
    };
    // Names come from case files and servers: each is made one plain component (so the path stays
    // under --out), unique without case in its folder.
    let (dir, path) = {
        let mut state = rec.state.lock().unwrap_or_else(|p| p.into_inner());
        let suite = crate::safe_path::component(&case.suite);
        let file = state.names.entry(suite.clone()).or_default().unique(&crate::import::file_safe(&file.name));
        let dir = rec.out.join(suite);
        let path = dir.join(format!("{file}.json"));
        (dir, path)
    };
    let written = std::fs::create_dir_all(&dir)
        .and_then(|()| serde_json::to_string_pretty(&file).map_err(std::io::Error::other))
        .and_then(|text| {
            crate::report::file::AtomicFile::write(
                &path,
                (crate::target::secret::redact(&text).into_owned() + "\n").as_bytes(),
            )
        });
    if let Err(e) = written {
        report.outcome = Outcome::Failed;
        report.error = Some(format!("cannot write {}: {e}", path.display()));
        return report;
    }
    rec.state.lock().unwrap_or_else(|p| p.into_inner()).files.push(path.clone());
    report.notes.push(format!("recorded to {}", path.display()));
    report
}

/// The target's own service root becomes the docs' root in every string.
fn rooted(v: &mut Value, root: &str) {
    match v {
        Value::String(s) if s.contains(root) => *s = s.replace(root, DOC_ROOT),
        Value::Array(a) => a.iter_mut().for_each(|x| rooted(x, root)),
        Value::Object(o) => o.values_mut().for_each(|x| rooted(x, root)),
        _ => {}
    }
}
