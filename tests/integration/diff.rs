//! Differential mode end to end: `diff` between `serve` and `serve --fault F` reports each value
//! and shape fault of the catalogue under the diff rule it breaks (a changed count included, which
//! no conformance rule catches on a live profile), two faithful servers differ in nothing, and a
//! baseline whose timestamps change per request teaches the comparison its own noise.

use crate::support;

use std::process::Output;
use std::sync::Arc;

use graph_conformance::case::load_suites;
use graph_conformance::reference::{Faulty, ServerOptions, Store, from_wiremock};
use graph_conformance::schema::SchemaSet;
use serde_json::Value;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const BIN: &str = env!("CARGO_BIN_EXE_graph-conformance");

fn serve(extra: &[&str]) -> support::Serve {
    support::serve(BIN, extra)
}

fn tmp(name: &str) -> std::path::PathBuf {
    let p = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_file(&p);
    p
}

fn diff(baseline: &str, candidate: &str, json: &std::path::Path, extra: &[&str]) -> (Output, Value) {
    let out = support::clean_command(BIN)
        .args(["diff", "--baseline", baseline, "--candidate", candidate, "--token", "T"])
        .arg("--json")
        .arg(json)
        .args(extra)
        .output()
        .unwrap();
    let report = serde_json::from_str(&std::fs::read_to_string(json).unwrap_or_default()).unwrap_or(Value::Null);
    (out, report)
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

#[test]
fn each_value_and_shape_fault_is_a_difference_under_its_rule() {
    let baseline = serve(&[]);
    let faults = support::DIFF_FAULTS;
    let mut missed = Vec::new();
    for (fault, rule) in faults {
        let candidate = serve(&["--fault", fault]);
        let (out, report) = diff(&baseline.1, &candidate.1, &tmp(&format!("diff-{fault}.json")), &["--no-learn"]);
        let rules = &report["rules"];
        if out.status.code() != Some(101) || rules[*rule].is_null() {
            missed.push(format!("{fault}: expected {rule}, exit {:?}, rules {rules}", out.status.code()));
        }
    }
    assert!(missed.is_empty(), "faults diff did not report:\n{}", missed.join("\n"));
}

#[test]
fn two_faithful_servers_differ_in_nothing() {
    let (a, b) = (serve(&[]), serve(&["--entities", "0"]));
    let (out, report) = diff(&a.1, &b.1, &tmp("diff-faithful.json"), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(report["counts"]["failed"], 0);
    assert!(report["counts"]["passed"].as_u64() > Some(300), "{}", report["counts"]);
    // With discovery: the baseline's lists are walked and every entity compared on both sides.
    let (a, b) = (serve(&["--entities", "300"]), serve(&["--entities", "300"]));
    let (out, report) = diff(&a.1, &b.1, &tmp("diff-faithful-discover.json"), &["--discover", "--max-entities", "3"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let names: Vec<&str> = report["cases"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert!(names.iter().any(|n| n.contains("::discovered::list_consistency::")), "entities were compared");
}

/// The reference server, with every `lastModifiedDateTime` and `createdDateTime` set to the moment
/// of the request: two answers to the same request differ there.
struct Ticking(Faulty);

fn tick(v: &mut Value) {
    match v {
        Value::Object(o) => {
            for (k, x) in o.iter_mut() {
                if (k == "lastModifiedDateTime" || k == "createdDateTime") && x.is_string() {
                    *x = Value::String(jiff::Timestamp::now().to_string());
                } else {
                    tick(x);
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(tick),
        _ => {}
    }
}

impl Respond for Ticking {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let reply = self.0.reply(&from_wiremock(req)).into_http();
        let (parts, body) = reply.into_parts();
        let mut t = ResponseTemplate::new(parts.status.as_u16());
        for (k, v) in &parts.headers {
            if k != "content-length" {
                t = t.insert_header(k.as_str(), v.to_str().unwrap_or(""));
            }
        }
        match serde_json::from_slice::<Value>(&body) {
            Ok(mut v) => {
                tick(&mut v);
                t.set_body_raw(serde_json::to_vec(&v).unwrap(), "application/json;odata.metadata=minimal")
            }
            Err(_) => t.set_body_bytes(body.to_vec()),
        }
    }
}

#[test]
fn a_baseline_that_varies_teaches_its_own_noise() {
    let schemas = Arc::new(SchemaSet::load("schemas/beta".as_ref()).unwrap());
    let store = Arc::new(
        Store::from_suites(&load_suites("cases/beta".as_ref(), &schemas).unwrap(), schemas.clone(), 0).unwrap(),
    );
    let rt = tokio::runtime::Runtime::new().unwrap();
    let ticking = rt.block_on(async {
        let s = MockServer::builder().disable_request_recording().start().await;
        Mock::given(wiremock::matchers::any())
            .respond_with(Ticking(Faulty::new(store, &ServerOptions::default())))
            .mount(&s)
            .await;
        s
    });
    let baseline = format!("{}/beta", ticking.uri());
    let candidate = serve(&[]);
    let filter = "identitygovernance-customtaskextension-get::";
    let (out, report) = diff(&baseline, &candidate.1, &tmp("diff-learned.json"), &[filter]);
    let said = text(&out);
    assert_eq!(out.status.code(), Some(0), "learned noise is not a difference: {said}");
    assert!(
        said.contains("/lastModifiedDateTime: noise learned from the baseline"),
        "and the run says what it set aside: {said}"
    );
    assert!(report["counts"]["passed"].as_u64() > Some(0));
    let (out, _) = diff(&baseline, &candidate.1, &tmp("diff-unlearned.json"), &[filter, "--no-learn"]);
    assert_eq!(out.status.code(), Some(101), "without learning, the timestamps differ: {}", text(&out));
    let noise = tmp("noise.json");
    std::fs::write(&noise, r#"{"*": ["/lastModifiedDateTime", "/createdDateTime", "/value/*/lastModifiedDateTime", "/value/*/createdDateTime"]}"#).unwrap();
    let (out, _) = diff(
        &baseline,
        &candidate.1,
        &tmp("diff-noise-file.json"),
        &[filter, "--no-learn", "--noise", noise.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(0), "a noise file sets them aside too: {}", text(&out));
}

/// The reference server behind a proxy that drops `$orderby` (the reference answers it with
/// Graph's 400 where no page says it is supported) and, for the candidate, lists rows in reverse.
struct Ordering {
    inner: Faulty,
    reverse: bool,
}

impl Respond for Ordering {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let mut http = from_wiremock(req);
        let uri = http.uri().to_string();
        let kept: Vec<&str> = uri
            .split_once('?')
            .map(|(_, q)| q.split('&').filter(|p| !p.starts_with("$orderby")).collect())
            .unwrap_or_default();
        let base = uri.split('?').next().unwrap_or("").to_string();
        *http.uri_mut() = if kept.is_empty() { base } else { format!("{base}?{}", kept.join("&")) }.parse().unwrap();
        let (parts, body) = self.inner.reply(&http).into_http().into_parts();
        let mut v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        if self.reverse
            && let Some(rows) = v.get_mut("value").and_then(Value::as_array_mut)
        {
            rows.reverse();
        }
        let mut t = ResponseTemplate::new(parts.status.as_u16());
        for (k, val) in &parts.headers {
            if k != "content-length" {
                t = t.insert_header(k.as_str(), val.to_str().unwrap_or(""));
            }
        }
        t.set_body_raw(serde_json::to_vec(&v).unwrap(), "application/json;odata.metadata=minimal")
    }
}

#[test]
fn with_orderby_the_order_of_the_items_is_compared() {
    let schemas = Arc::new(SchemaSet::load("schemas/beta".as_ref()).unwrap());
    let suites = load_suites("cases/beta".as_ref(), &schemas).unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let start = |reverse: bool| {
        let store = Arc::new(Store::from_suites(&suites, schemas.clone(), 0).unwrap());
        rt.block_on(async {
            let s = MockServer::builder().disable_request_recording().start().await;
            let inner = Faulty::new(store, &ServerOptions::default());
            Mock::given(wiremock::matchers::any()).respond_with(Ordering { inner, reverse }).mount(&s).await;
            s
        })
    };
    let (baseline, candidate) = (start(false), start(true));
    // One case of our own: the documented list of workflows, ordered by name.
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("diff-orderby-cases");
    let suite = dir.join("workflows-ordered");
    std::fs::create_dir_all(&suite).unwrap();
    let source = "cases/beta/identitygovernance-lifecycleworkflowscontainer-list-workflows/lifecycleworkflows_list_workflow.json";
    let mut case: Value = serde_json::from_str(&std::fs::read_to_string(source).unwrap()).unwrap();
    case["request"]["query"] = Value::String("$orderby=displayName".into());
    std::fs::write(suite.join("ordered.json"), serde_json::to_string_pretty(&case).unwrap()).unwrap();
    let cases = dir.to_str().unwrap().to_string();
    let (b, c) = (format!("{}/beta", baseline.uri()), format!("{}/beta", candidate.uri()));
    let (out, report) = diff(
        &b,
        &c,
        &tmp("diff-order.json"),
        &["--cases", &cases, "--exact", "workflows-ordered::lifecycleworkflows_list_workflow"],
    );
    assert_eq!(out.status.code(), Some(101), "{}", text(&out));
    assert!(!report["rules"]["diff.order"].is_null(), "{}", report["rules"]);
    // Without $orderby the same reversed list is no difference: items are matched by key.
    let (out, _) = diff(
        &b,
        &c,
        &tmp("diff-unordered.json"),
        &[
            "--exact",
            "beta/identitygovernance-lifecycleworkflowscontainer-list-workflows::lifecycleworkflows_list_workflow",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}

/// The reference server, keeping the Authorization header of every request.
struct Listening(Faulty, Arc<std::sync::Mutex<Vec<String>>>);

impl Respond for Listening {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let auth = req.headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        self.1.lock().unwrap().push(auth);
        self.0.respond(req)
    }
}

#[test]
fn each_side_gets_its_own_token_and_neither_is_printed() {
    let schemas = Arc::new(SchemaSet::load("schemas/beta".as_ref()).unwrap());
    let store = Arc::new(
        Store::from_suites(&load_suites("cases/beta".as_ref(), &schemas).unwrap(), schemas.clone(), 0).unwrap(),
    );
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let rt = tokio::runtime::Runtime::new().unwrap();
    let candidate = rt.block_on(async {
        let s = MockServer::builder().disable_request_recording().start().await;
        let inner = Faulty::new(store, &ServerOptions::default());
        Mock::given(wiremock::matchers::any()).respond_with(Listening(inner, seen.clone())).mount(&s).await;
        s
    });
    let baseline = serve(&[]);
    let json = tmp("diff-tokens.json");
    let out = support::clean_command(BIN)
        .env("CANDIDATE_TOKEN", "candidate-canary-token")
        .args(["diff", "--baseline", &baseline.1, "--candidate", &format!("{}/beta", candidate.uri())])
        .args(["--token", "baseline-canary-token", "--candidate-token-env", "CANDIDATE_TOKEN"])
        .args(["--json", json.to_str().unwrap(), "identitygovernance-workflow-get::"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let seen = seen.lock().unwrap().clone();
    assert!(!seen.is_empty() && seen.iter().all(|a| a == "Bearer candidate-canary-token"), "{seen:?}");
    let report = std::fs::read_to_string(json).unwrap();
    for secret in ["candidate-canary-token", "baseline-canary-token"] {
        assert!(!text(&out).contains(secret) && !report.contains(secret));
    }
}
