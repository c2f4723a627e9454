//! Ids a server sends are hostile until checked. A tampering proxy in front of the reference server
//! renames the ids of chosen lists (and maps them back on the way in, so the server answers the
//! resolved path correctly); discovery must keep every id inside one path segment, never print a
//! secret or a control character it carries, name every case uniquely, and report unusable keys as
//! findings on the list that produced them.

use crate::support;

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Output;
use std::sync::{Arc, Mutex};

use graph_conformance::case::load_suites;
use graph_conformance::odata::path::{decode, encode_segment};
use graph_conformance::reference::{Faulty, ServerOptions, Store, from_wiremock};
use graph_conformance::schema::SchemaSet;
use serde_json::Value;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const BIN: &str = env!("CARGO_BIN_EXE_graph-conformance");
const TOKEN: &str = "t0ken-canary-in-an-id";

/// How a list's row ids are renamed: (the list's real collection path, the row's position among the
/// ids first seen in that collection, the real id) → the hostile id, or `None` to keep it.
type Rename = Box<dyn Fn(&str, usize, &str) -> Option<String> + Send + Sync>;

#[derive(Default)]
struct Names {
    /// (real collection path, hostile id) → real id.
    to_real: HashMap<(String, String), String>,
    /// (real collection path, real id) → hostile id.
    to_hostile: HashMap<(String, String), String>,
    /// Ids first seen per collection, in order.
    seen: HashMap<String, Vec<String>>,
}

struct Tamper {
    inner: Faulty,
    rename: Rename,
    names: Mutex<Names>,
    /// Every request as it arrived: raw path and query.
    log: Arc<Mutex<Vec<String>>>,
}

impl Tamper {
    /// The real path of a request (hostile segments mapped back) and the (real, hostile) pairs used.
    fn real_path(&self, raw: &str) -> (String, Vec<(String, String)>) {
        let names = self.names.lock().unwrap();
        let mut real = String::new();
        let mut pairs = Vec::new();
        for seg in raw.split('/').filter(|s| !s.is_empty()) {
            let decoded = decode(seg);
            match names.to_real.get(&(real.to_lowercase(), decoded.clone())) {
                Some(r) => {
                    pairs.push((r.clone(), decoded));
                    real.push('/');
                    real.push_str(r);
                }
                None => {
                    real.push('/');
                    real.push_str(&decoded);
                }
            }
        }
        (real, pairs)
    }

    /// The hostile name of a row's id. Rows are numbered in the collection's own order, as its plain
    /// pages list them (`in_order`); a filtered or reordered answer only reuses names already given,
    /// whichever request the concurrent run happens to send first.
    fn hostile_for(&self, collection: &str, real: &str, in_order: bool) -> Option<String> {
        let mut names = self.names.lock().unwrap();
        if let Some(h) = names.to_hostile.get(&(collection.to_string(), real.to_string())) {
            return Some(h.clone());
        }
        if !in_order {
            return None;
        }
        let seen = names.seen.entry(collection.to_string()).or_default();
        if !seen.iter().any(|s| s == real) {
            seen.push(real.to_string());
        }
        let index = seen.iter().position(|s| s == real).unwrap();
        let hostile = (self.rename)(collection, index, real)?;
        names.to_real.insert((collection.to_string(), hostile.clone()), real.to_string());
        names.to_hostile.insert((collection.to_string(), real.to_string()), hostile.clone());
        Some(hostile)
    }
}

/// Rewrites the strings of an answer: ids equal to a real one, `('real')` keys in contexts, and
/// `/real` segments of next links (percent-encoded there).
fn rewrite_strings(v: &mut Value, key: Option<&str>, pairs: &[(String, String)]) {
    match v {
        Value::String(s) => {
            for (real, hostile) in pairs {
                if key == Some("@odata.nextLink") {
                    *s = s.replace(&format!("/{real}"), &format!("/{}", encode_segment(hostile)));
                } else if s == real {
                    *s = hostile.clone();
                } else {
                    *s = s.replace(&format!("('{real}')"), &format!("('{}')", hostile.replace('\'', "''")));
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| rewrite_strings(x, None, pairs)),
        Value::Object(o) => o.iter_mut().for_each(|(k, x)| rewrite_strings(x, Some(k), pairs)),
        _ => {}
    }
}

impl Respond for Tamper {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let raw_path = req.url.path().to_string();
        self.log.lock().unwrap().push(format!("{}?{}", raw_path, req.url.query().unwrap_or("")));
        let (real, mut pairs) = self.real_path(&raw_path);
        let mut http = from_wiremock(req);
        let query = req.url.query().map(|q| format!("?{q}")).unwrap_or_default();
        let encoded: Vec<String> = real.split('/').filter(|s| !s.is_empty()).map(encode_segment).collect();
        let origin = format!("{}://{}", req.url.scheme(), req.url.host_str().unwrap_or(""));
        let port = req.url.port().map(|p| format!(":{p}")).unwrap_or_default();
        *http.uri_mut() = format!("{origin}{port}/{}{query}", encoded.join("/")).parse().unwrap();
        let response = self.inner.reply(&http).into_http();
        let (parts, body) = response.into_parts();
        let mut template = ResponseTemplate::new(parts.status.as_u16());
        for (k, v) in &parts.headers {
            if k != "content-length" {
                template = template.insert_header(k.as_str(), v.to_str().unwrap_or(""));
            }
        }
        let Ok(mut json) = serde_json::from_slice::<Value>(&body) else {
            return template.set_body_bytes(body.to_vec());
        };
        // Graph's paths are case-insensitive: the docs spell IdentityGovernance both ways.
        let collection = real.to_lowercase();
        let options = query.to_lowercase();
        let in_order = !["filter", "orderby", "search", "skip="].iter().any(|o| options.contains(o));
        if let Some(rows) = json.get_mut("value").and_then(Value::as_array_mut) {
            for row in rows {
                let Some(id) = row.get("id").and_then(Value::as_str).map(str::to_string) else { continue };
                if let Some(h) = self.hostile_for(&collection, &id, in_order) {
                    row["id"] = Value::String(h.clone());
                    pairs.push((id, h));
                }
            }
        }
        rewrite_strings(&mut json, None, &pairs);
        template.set_body_raw(serde_json::to_vec(&json).unwrap(), "application/json;odata.metadata=minimal")
    }
}

struct Proxy {
    server: MockServer,
    log: Arc<Mutex<Vec<String>>>,
    _rt: tokio::runtime::Runtime,
}

fn proxy(rename: Rename) -> Proxy {
    let schemas = Arc::new(SchemaSet::load("schemas/beta".as_ref()).unwrap());
    let store = Arc::new(
        Store::from_suites(&load_suites("cases/beta".as_ref(), &schemas).unwrap(), schemas.clone(), 0).unwrap(),
    );
    let inner = Faulty::new(store, &ServerOptions::default());
    let log = Arc::new(Mutex::new(Vec::new()));
    let tamper = Tamper { inner, rename, names: Mutex::new(Names::default()), log: log.clone() };
    let rt = tokio::runtime::Runtime::new().unwrap();
    let server = rt.block_on(async {
        let s = MockServer::builder().disable_request_recording().start().await;
        Mock::given(wiremock::matchers::any()).respond_with(tamper).mount(&s).await;
        s
    });
    Proxy { server, log, _rt: rt }
}

fn tmp(name: &str) -> PathBuf {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("hostile-ids");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// `run --discover` against the proxy; returns the process output, the JSON and the JUnit report.
fn discover(p: &Proxy, tag: &str, extra: &[&str]) -> (Output, String, String) {
    let json = tmp(&format!("{tag}.json"));
    let junit = tmp(&format!("{tag}.xml"));
    let root = format!("{}/beta", p.server.uri());
    let out = support::clean_command(BIN)
        .args(["run", "--target", &root, "--token", TOKEN, "--discover", "--profile", "live", "--concurrency", "4"])
        .args(["--timeout", "10", "--max-retries", "0"])
        .args(extra)
        .arg("--json")
        .arg(&json)
        .arg("--junit")
        .arg(&junit)
        .output()
        .unwrap();
    let json = std::fs::read_to_string(json).unwrap_or_default();
    let junit = std::fs::read_to_string(junit).unwrap_or_default();
    (out, json, junit)
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr)
}

fn case_names(json: &str) -> Vec<String> {
    let v: Value = serde_json::from_str(json).expect("the JSON report parses");
    v["cases"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap().to_string()).collect()
}

fn failed_rules(json: &str) -> Vec<(String, String)> {
    let v: Value = serde_json::from_str(json).unwrap();
    let mut out = Vec::new();
    for c in v["cases"].as_array().unwrap() {
        if c["outcome"] == "failed" {
            for r in c["rules"].as_array().into_iter().flatten() {
                out.push((c["name"].as_str().unwrap().to_string(), r.as_str().unwrap_or("").to_string()));
            }
        }
    }
    out
}

fn is_collection(collection: &str, name: &str) -> bool {
    collection.ends_with(&format!("/{}", name.to_lowercase()))
}

#[test]
fn path_and_query_characters_in_ids_stay_inside_one_segment() {
    let p = proxy(Box::new(|collection, index, _| {
        if is_collection(collection, "lifecycleWorkflows/workflows") && index == 0 {
            Some("../../../../v1.0/me".to_string())
        } else if is_collection(collection, "runs") && index == 0 {
            Some("x?y=1#frag %41 50%".to_string())
        } else {
            None
        }
    }));
    let (out, json, _) = discover(&p, "segments", &["--max-entities", "2"]);
    let text = stdout(&out);
    let log = p.log.lock().unwrap().clone();
    assert!(!log.is_empty());
    for line in &log {
        assert!(line.starts_with("/beta/"), "every request stays under the service root: {line}");
        assert!(!line.contains("/v1.0/"), "an id rewrote the path: {line}");
        assert!(!line.contains("y=1") || line.contains("x%3Fy=1"), "an id grew a query: {line}");
        assert!(!line.contains('#'), "an id added a fragment: {line}");
    }
    assert!(log.iter().any(|l| l.contains("/workflows/..%2F..%2F..%2F..%2Fv1.0%2Fme")), "{log:#?}");
    assert!(log.iter().any(|l| l.contains("/runs/x%3Fy=1%23frag%20%2541%2050%25")), "{log:#?}");
    let failures = failed_rules(&json);
    assert!(failures.is_empty(), "the server answered every resolved path correctly: {failures:#?}\n{text}");
    assert!(out.status.success(), "{text}");
    let names = case_names(&json);
    assert!(names.iter().any(|n| n.contains("../../../../v1.0/me")), "the id names its cases as it is");
}

#[test]
fn a_token_in_an_id_and_control_characters_never_reach_the_output() {
    let forged = "w\n\u{1b}[2Ktest result: ok. 999 passed; 0 failed\r";
    let p = proxy(Box::new(move |collection, index, _| {
        if is_collection(collection, "lifecycleWorkflows/workflows") {
            match index {
                0 => Some(format!("id-{TOKEN}-x")),
                1 => Some(forged.to_string()),
                _ => None,
            }
        } else {
            None
        }
    }));
    let (out, json, junit) = discover(&p, "secrets", &["--max-entities", "3"]);
    let text = stdout(&out);
    for (what, s) in [("stdout", &text), ("JSON", &json), ("JUnit", &junit)] {
        assert!(!s.is_empty(), "{what} was written");
        let leak: Vec<&str> = s.lines().filter(|l| l.contains(TOKEN)).take(3).collect();
        assert!(leak.is_empty(), "the token reached the {what}: {leak:#?}");
        assert!(!s.contains('\u{1b}'), "an escape character reached the {what}");
    }
    assert!(
        !text.lines().any(|l| l.trim_start().starts_with("test result: ok. 999")),
        "an id forged a summary line:\n{text}"
    );
    assert!(text.contains("[REDACTED]") || json.contains("[REDACTED]"), "the redacted id is still shown");
    // The id with control characters is not a usable key: a finding on the list, no entity cases.
    let failures = failed_rules(&json);
    assert!(failures.iter().any(|(n, r)| n.starts_with("discovery::workflows") && r == "list.ids"), "{failures:#?}");
    assert_eq!(out.status.code(), Some(101), "{text}");
}

#[test]
fn empty_overlong_and_dot_segment_ids_are_findings_on_their_list() {
    let p = proxy(Box::new(|collection, index, _| {
        if is_collection(collection, "lifecycleWorkflows/workflows") {
            match index {
                0 => Some(String::new()),
                1 => Some("x".repeat(600)),
                2 => Some("..".to_string()),
                _ => None,
            }
        } else {
            None
        }
    }));
    let (out, json, _) = discover(&p, "bad-keys", &["--max-entities", "4", "--skip", "::derived::"]);
    let text = stdout(&out);
    let v: Value = serde_json::from_str(&json).unwrap();
    let list = v["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"].as_str() == Some("discovery::workflows"))
        .expect("the workflows list has its report");
    let message = list["message"].as_str().unwrap_or("");
    let messages: Vec<&str> = message.lines().filter(|l| l.trim_start().starts_with("✗ list.ids")).collect();
    assert_eq!(messages.len(), 3, "one finding per unusable key: {messages:#?}\n{message}");
    let log = p.log.lock().unwrap().clone();
    assert!(!log.iter().any(|l| l.contains("/workflows//") || l.contains("/workflows/../")), "{log:#?}");
    assert!(!log.iter().any(|l| l.contains(&"x".repeat(600))), "an overlong key was used");
    assert_eq!(out.status.code(), Some(101), "{text}");
}

#[test]
fn the_same_id_under_two_parents_gives_unique_case_names() {
    let p = proxy(Box::new(|collection, index, _| {
        is_collection(collection, "userProcessingResults").then(|| format!("same-{index}"))
    }));
    let (out, json, _) = discover(&p, "same-ids", &["--max-entities", "3"]);
    let text = stdout(&out);
    let names = case_names(&json);
    let mut sorted = names.clone();
    sorted.sort();
    let twice: Vec<&String> = sorted.windows(2).filter(|w| w[0] == w[1]).map(|w| &w[0]).collect();
    assert!(twice.is_empty(), "duplicate case names: {twice:?}");
    let consistency: Vec<&String> =
        names.iter().filter(|n| n.contains("discovered::list_consistency") && n.contains("same-0")).collect();
    assert!(consistency.len() >= 2, "same-0 was found under two parents: {consistency:#?}");
    assert!(failed_rules(&json).is_empty(), "{:#?}", failed_rules(&json));
    assert!(out.status.success(), "{text}");
}
