//! The failure report is the product's face, so it is tested: every case of the failing corpus
//! (`tests/failing/cases/`, one per failure kind) runs against canned answers
//! (`tests/failing/responses.json`) and its rendered failure must equal `tests/failing/golden/<case>.txt`,
//! with the port, the generated client-request-id and the date normalized.
//! `UPDATE_GOLDEN=1 cargo test --test integration failure_reports` rewrites the golden files; review the diff.

use std::collections::BTreeMap;
use std::path::Path;

use graph_conformance::report::{Outcome, RenderOptions, render_failure};
use graph_conformance::runner::RunConfig;
use graph_conformance::runner::stream::{Display, run_cases};
use graph_conformance::target::Secret;
use serde_json::Value;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const GOLDEN: &str = "tests/failing/golden";

/// Answers each case's path with its canned response, echoing client-request-id like Graph.
fn canned(responses: BTreeMap<String, Value>) -> impl Fn(&Request) -> ResponseTemplate {
    move |req: &Request| {
        let uid = req.url.path().rsplit('/').next().unwrap_or("");
        let root = format!(
            "{}://{}/beta",
            req.url.scheme(),
            req.headers.get("host").and_then(|h| h.to_str().ok()).unwrap_or("")
        );
        let canned = responses.values().find(|r| {
            r.get("body").and_then(|b| b.get("id")).and_then(Value::as_str) == Some(uid)
                || r.get("uid").and_then(Value::as_str) == Some(uid)
        });
        let Some(r) = canned.or_else(|| responses.get("status").filter(|_| uid.ends_with("0001"))) else {
            return ResponseTemplate::new(404);
        };
        let echo = req.headers.get("client-request-id").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        let text = match (r.get("text"), r.get("body")) {
            (Some(Value::String(t)), _) => t.clone(),
            (_, Some(b)) => b.to_string().replace("{root}", &root),
            _ => String::new(),
        };
        ResponseTemplate::new(r["status"].as_u64().unwrap_or(200) as u16)
            .insert_header("request-id", "golden-request-id")
            .insert_header("client-request-id", echo.as_str())
            .insert_header("OData-Version", "4.0")
            .set_body_raw(text, r["contentType"].as_str().unwrap_or("application/json"))
    }
}

fn normalize(text: &str, server: &str) -> String {
    text.replace(server, "http://127.0.0.1:PORT")
        .lines()
        .map(|l| {
            if l.trim_start().starts_with("trace: ") {
                "  trace: request-id golden-request-id, client-request-id [uuid], date [date]"
            } else {
                l
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

#[test]
fn every_failure_kind_renders_as_its_golden_file() {
    let responses: BTreeMap<String, Value> =
        serde_json::from_str(&std::fs::read_to_string("tests/failing/responses.json").unwrap()).unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let server = rt.block_on(async {
        let s = MockServer::start().await;
        Mock::given(any()).respond_with(canned(responses)).mount(&s).await;
        s
    });
    let root = format!("{}/beta", server.uri());
    let config = RunConfig {
        cases_dir: "tests/failing/cases".into(),
        target: Some(root.clone()),
        token: Some(Secret::new("golden-token")),
        profile: Some(graph_conformance::check::Profile::Reference),
        // The corpus is of failures, one per kind: the reads the metadata would add are not.
        no_metadata_cases: true,
        ..RunConfig::default()
    };
    let reports = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = reports.clone();
    run_cases(config, &Default::default(), Display::Silent, move |r| sink.lock().unwrap().push(r.clone())).unwrap();
    let mut rendered: BTreeMap<String, String> = BTreeMap::new();
    let mut passed = Vec::new();
    for r in reports.lock().unwrap().iter() {
        match r.outcome {
            Outcome::Failed => {
                let short = r.name.rsplit("::").next().unwrap_or(&r.name).to_string();
                rendered.insert(short, normalize(&render_failure(r, RenderOptions::default()), &server.uri()));
            }
            _ => passed.push(r.name.clone()),
        }
    }
    assert!(passed.is_empty(), "every corpus case must fail, but these passed: {passed:?}");

    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let mut problems = Vec::new();
    let corpus: Vec<String> = std::fs::read_dir("tests/failing/cases")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .flat_map(|dir| {
            std::fs::read_dir(dir)
                .unwrap()
                .map(|e| e.unwrap().path().file_stem().unwrap().to_string_lossy().into_owned())
        })
        .collect();
    for name in &corpus {
        let Some(actual) = rendered.get(name) else {
            problems.push(format!("{name}: no failure was reported"));
            continue;
        };
        let path = Path::new(GOLDEN).join(format!("{name}.txt"));
        if update {
            std::fs::write(&path, actual).unwrap();
            continue;
        }
        let expected = std::fs::read_to_string(&path).unwrap_or_default();
        if &expected != actual {
            let diff = similar::TextDiff::from_lines(&expected, actual)
                .unified_diff()
                .header("golden", "rendered")
                .to_string();
            problems.push(format!(
                "{}: the rendered failure differs from the golden file (UPDATE_GOLDEN=1 rewrites it):\n{diff}",
                path.display()
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
