//! The live path, offline: client credentials against a local token endpoint, discovery over a
//! server that throttles, read-only safety, retries in both Retry-After forms, and no secret in any
//! output or report.

use crate::support;

use std::collections::HashSet;
use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use graph_conformance::case::load_suites;
use graph_conformance::reference::synthetic::{PARENTS, Synthetic, is_synthetic};
use graph_conformance::reference::{AuthPolicy, Fault, Faulty, ServerOptions, Store};
use graph_conformance::report::Outcome;
use graph_conformance::schema::SchemaSet;
use graph_conformance::target::auth::MIN_RENEWAL;
use graph_conformance::target::{AppCredentials, Redactor, Secret};
use serde_json::{Value, json};
use support::{E1, config_for, run};
use wiremock::matchers::{method, path_regex};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const SECRET: &str = "s3cr3t-canary-client-secret";
const BIN: &str = env!("CARGO_BIN_EXE_graph-conformance");

/// Issues a fresh token per request when the client secret is right; `invalid_client` otherwise.
struct TokenEndpoint {
    accepted: Arc<RwLock<HashSet<String>>>,
    expires_in: u64,
    calls: Arc<AtomicUsize>,
}

impl Respond for TokenEndpoint {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let form: Vec<(String, String)> = url::form_urlencoded::parse(&req.body).into_owned().collect();
        let get = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str()).unwrap_or("");
        let origin = format!("http://{}", req.headers.get("host").and_then(|h| h.to_str().ok()).unwrap_or(""));
        if get("grant_type") != "client_credentials"
            || get("client_secret") != SECRET
            || get("scope") != format!("{origin}/.default")
        {
            return ResponseTemplate::new(401).set_body_json(json!({
                "error": "invalid_client",
                "error_description": "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.\r\nTrace ID: 0000\r\nCorrelation ID: 1111",
                "error_codes": [7000215]
            }));
        }
        let token = format!("issued-{}", uuid::Uuid::new_v4());
        self.accepted.write().unwrap().insert(token.clone());
        ResponseTemplate::new(200).set_body_json(json!({"token_type": "Bearer", "expires_in": self.expires_in, "ext_expires_in": self.expires_in, "access_token": token}))
    }
}

/// Answers the first `throttle` requests 429 (Retry-After: 1), then delegates.
struct Throttled {
    inner: Faulty,
    throttle: AtomicUsize,
}

impl Respond for Throttled {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        if self.throttle.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok() {
            return ResponseTemplate::new(429)
                .insert_header("Retry-After", "1")
                .insert_header("request-id", "throttled")
                .set_body_json(json!({"error": {"code": "TooManyRequests", "message": "Too many requests from Identifier:x. Please try again later."}}));
        }
        self.inner.respond(req)
    }
}

struct Tenant {
    server: MockServer,
    accepted: Arc<RwLock<HashSet<String>>>,
    token_calls: Arc<AtomicUsize>,
    _rt: tokio::runtime::Runtime,
}

/// One local server: the token endpoint and the Graph API, throttling its first Graph requests.
fn tenant(fault: Option<Fault>, entities: usize, throttle: usize, expires_in: u64) -> Tenant {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let schemas = Arc::new(SchemaSet::load("schemas/beta".as_ref()).unwrap());
    let store = Arc::new(
        Store::from_suites(&load_suites("cases/beta".as_ref(), &schemas).unwrap(), schemas.clone(), entities).unwrap(),
    );
    let accepted = Arc::new(RwLock::new(HashSet::new()));
    let token_calls = Arc::new(AtomicUsize::new(0));
    let graph = Faulty::new(
        store,
        &ServerOptions {
            faults: fault.into_iter().collect(),
            auth: AuthPolicy::Tokens(accepted.clone()),
            page_size: 40,
            ..ServerOptions::default()
        },
    );
    let server = rt.block_on(async {
        let s = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path_regex(r"^/[^/]+/oauth2/v2\.0/token$"))
            .respond_with(TokenEndpoint { accepted: accepted.clone(), expires_in, calls: token_calls.clone() })
            .mount(&s)
            .await;
        Mock::given(path_regex("^/beta"))
            .respond_with(Throttled { inner: graph, throttle: AtomicUsize::new(throttle) })
            .mount(&s)
            .await;
        s
    });
    Tenant { server, accepted, token_calls, _rt: rt }
}

/// A file `tmp` made earlier in this run (not removed).
fn tmp_keep(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name)
}

fn tmp(name: &str) -> PathBuf {
    let p = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_file(&p);
    p
}

/// `graph-conformance run --discover` with the Azure SDK's variables, as the nightly smoke test runs it
/// (with every report: JSON, JUnit, and the HTML report and HAR file, read by `extra_reports`).
fn smoke_run(t: &Tenant, tag: &str) -> (i32, String, String, String) {
    let json = tmp(&format!("{tag}.json"));
    let junit = tmp(&format!("{tag}.xml"));
    let html = tmp(&format!("{tag}.html"));
    let har = tmp(&format!("{tag}.har"));
    let root = format!("{}/beta", t.server.uri());
    let out = Command::new(BIN)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("AZURE_TENANT_ID", "contoso-tenant")
        .env("AZURE_CLIENT_ID", "app-client-id")
        .env("AZURE_CLIENT_SECRET", SECRET)
        .env("AZURE_AUTHORITY_HOST", t.server.uri())
        .env_remove("GRAPH_TOKEN")
        .env_remove("GRAPH_CONFORMANCE_TARGET")
        .args(["run", "--target", &root, "--discover", "--profile", "live", "--timeout", "10", "--color", "never"])
        .args(["--verbose", "--format", "pretty"])
        .arg("--json")
        .arg(&json)
        .arg("--junit")
        .arg(&junit)
        .arg("--html")
        .arg(&html)
        .arg("--har")
        .arg(&har)
        .output()
        .unwrap();
    let mut output = format!("{}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    // The HTML report and the HAR file are checked for secrets with the terminal output.
    for extra in [&html, &har] {
        output.push_str(&std::fs::read_to_string(extra).unwrap_or_default());
    }
    (
        out.status.code().unwrap_or(-1),
        output,
        std::fs::read_to_string(json).unwrap_or_default(),
        std::fs::read_to_string(junit).unwrap_or_default(),
    )
}

fn assert_no_secret(t: &Tenant, texts: &[&str]) {
    let tokens = t.accepted.read().unwrap().clone();
    assert!(!tokens.is_empty(), "no token was issued");
    for text in texts {
        assert!(!text.contains(SECRET), "the client secret leaked");
        for tok in &tokens {
            assert!(!text.contains(tok.as_str()), "a token leaked");
        }
    }
}

#[test]
fn client_credentials_discovery_through_throttling_checks_every_entity() {
    // 24 top-level entities: every level of the tree still has synthetic entities (a debug build
    // walks them all, each case of each entity sent through the throttling proxy).
    let t = tenant(None, 24, 3, 3599);
    let (code, output, json, junit) = smoke_run(&t, "smoke-ok");
    assert_eq!(code, 0, "{output}");
    assert_no_secret(&t, &[&output, &json, &junit]);
    let report: Value = serde_json::from_str(&json).unwrap();
    let names: Vec<&str> = report["cases"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    let results: Vec<&&str> = names
        .iter()
        .filter(|n| n.starts_with("beta/identitygovernance-userprocessingresult-get::discovered::list_consistency::"))
        .collect();
    // The page reads results under runs: those of the synthetic runs that have children.
    let synthetic = results.iter().filter(|n| n.rsplit('/').next().is_some_and(is_synthetic)).count();
    let expected = PARENTS * PARENTS * Synthetic::new(24).rows_at(2);
    assert_eq!(synthetic, expected, "every synthetic result is read by key and compared with its row");
    assert!(results.len() > synthetic, "and the documented ones: {}", results.len());
    let levels: std::collections::BTreeSet<&str> = names
        .iter()
        .filter(|n| n.contains("::discovered::list_consistency::"))
        .filter_map(|n| n.split("::").next())
        .collect();
    assert!(levels.len() >= 6, "rows are compared at every level with a read by key: {levels:?}");
    assert_eq!(report["counts"]["failed"], 0);
    assert!(output.contains("429 answered, retried after 1.0 s (Retry-After: 1)"), "retries are reported:\n{output}");
    assert!(junit.contains("<testsuite name=\"beta/identitygovernance-userprocessingresult-get\""), "{junit}");
}

#[test]
fn a_faulty_server_fails_with_the_rule_the_ids_and_the_request_ids() {
    let t = tenant(Some(Fault::NegativeCount), 20, 0, 3599);
    let (code, output, json, junit) = smoke_run(&t, "smoke-fault");
    assert_eq!(code, 101, "{output}");
    assert_no_secret(&t, &[&output, &json, &junit]);
    assert!(output.contains("Bearer [REDACTED]"), "--verbose and the HAR file show that a token was sent");
    let har: Value = serde_json::from_str(&std::fs::read_to_string(tmp_keep("smoke-fault.har")).unwrap()).unwrap();
    let entries = har["log"]["entries"].as_array().unwrap();
    let report: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(entries.len() as u64, report["counts"]["failed"].as_u64().unwrap(), "one HAR entry per failed case");
    assert!(entries[0]["response"]["content"]["text"].as_str().unwrap().contains("failedTasksCount"));
    assert!(output.contains("invariant.counts-non-negative"), "{output}");
    assert!(output.contains("78b83505-6967-4168-a7ea-4921c0543ce9"), "the entity id is named");
    assert!(
        output.contains("trace: request-id ") && !output.contains("trace: request-id (none)"),
        "request ids are shown"
    );
}

#[test]
fn invalid_client_is_reported_with_the_aadsts_code_and_never_the_secret() {
    let t = tenant(None, 0, 0, 3599);
    let mut c = config_for(&format!("{}/beta", t.server.uri()), "unused");
    c.token = None;
    c.credentials = Some(AppCredentials {
        authority: t.server.uri(),
        tenant: "t".into(),
        client_id: "c".into(),
        secret: Secret::new("wrong-secret-value"),
    });
    let reports = run(c, E1, true);
    assert_eq!(reports[0].outcome, Outcome::Failed);
    let text = graph_conformance::report::render_failure(&reports[0], Default::default());
    assert!(text.contains("invalid_client: AADSTS7000215: Invalid client secret provided"), "{text}");
    assert!(!text.contains("wrong-secret-value") && !text.contains("Trace ID"), "{text}");
}

/// The command line with the Azure variables of `secret` against the tenant, `args` appended.
fn cli_with_secret(t: &Tenant, secret: &str, args: &[&str]) -> (Option<i32>, String) {
    let root = format!("{}/beta", t.server.uri());
    let out = support::clean_command(BIN)
        .env("AZURE_TENANT_ID", "contoso-tenant")
        .env("AZURE_CLIENT_ID", "app-client-id")
        .env("AZURE_CLIENT_SECRET", secret)
        .env("AZURE_AUTHORITY_HOST", t.server.uri())
        .args(["run", "--target", &root])
        .args(args)
        .output()
        .unwrap();
    (out.status.code(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

#[test]
fn setup_mistakes_are_one_message_and_exit_2_before_any_case() {
    let t = tenant(None, 0, 0, 3599);
    let (code, out) = cli_with_secret(&t, "wrong-secret-value", &["--discover"]);
    assert_eq!(code, Some(2), "{out}");
    assert!(out.contains("AADSTS7000215"), "the identity platform's reason: {out}");
    assert!(!out.contains("wrong-secret-value"), "{out}");
    assert!(!out.contains("test "), "no case ran: {out}");
    assert_eq!(out.trim().lines().count(), 1, "one message: {out}");
    // No credentials at all: an error unless --no-auth says the server needs none.
    let root = format!("{}/beta", t.server.uri());
    let out = support::clean_command(BIN).args(["run", "--target", &root, "select_id"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--no-auth"));
    // An unreachable service root and one without its version.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    for target in [format!("http://127.0.0.1:{port}/beta"), t.server.uri()] {
        let out = support::clean_command(BIN).args(["run", "--target", &target, "--token", "x"]).output().unwrap();
        let text = String::from_utf8_lossy(&out.stderr).into_owned() + &String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(2), "{target}: {text}");
        assert!(!text.contains("test "), "{target}: no case ran: {text}");
        assert_eq!(text.trim().lines().count(), 1, "{target}: one message: {text}");
    }
}

#[test]
fn tokens_are_cached_and_renewed_before_they_expire() {
    // (lifetime, pause, the shortest renewal, token requests): a one-second token is renewed; one
    // that says it lives 0 s is kept for the minimum, not asked for again on every read.
    for (expires_in, pause, min_renewal, expected_calls) in [
        (3599, Duration::ZERO, MIN_RENEWAL, 1),
        (1, Duration::from_millis(700), Duration::ZERO, 2),
        (0, Duration::from_millis(50), MIN_RENEWAL, 1),
    ] {
        let t = tenant(None, 0, 0, expires_in);
        let app = AppCredentials {
            authority: t.server.uri(),
            tenant: "t".into(),
            client_id: "c".into(),
            secret: Secret::new(SECRET),
        };
        let cc = app.for_target(&t.server.uri()).with_min_renewal(min_renewal);
        graph_conformance::target::install_tls_provider();
        let http = reqwest::Client::new();
        let redactor = Redactor::default();
        let rt = tokio::runtime::Runtime::new().unwrap();
        let first = rt.block_on(cc.token(&http, &redactor)).unwrap();
        std::thread::sleep(pause);
        let second = rt.block_on(cc.token(&http, &redactor)).unwrap();
        assert_eq!(t.token_calls.load(Ordering::SeqCst), expected_calls, "expires_in {expires_in}");
        assert_eq!(first == second, expected_calls == 1);
        assert_eq!(redactor.redact(first.expose()), "[REDACTED]", "issued tokens are redacted from then on");
    }
}

/// 429 with delta-seconds, then 503 with an HTTP-date, then the answer.
struct Sequence {
    calls: AtomicUsize,
    inner: Faulty,
}

impl Respond for Sequence {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        match self.calls.fetch_add(1, Ordering::SeqCst) {
            0 => ResponseTemplate::new(429).insert_header("Retry-After", "1"),
            1 => {
                let when = httpdate(std::time::SystemTime::now() + Duration::from_secs(2));
                ResponseTemplate::new(503).insert_header("Retry-After", when.as_str())
            }
            _ => self.inner.respond(req),
        }
    }
}

fn httpdate(t: std::time::SystemTime) -> String {
    let ts = jiff::Timestamp::try_from(t).unwrap();
    ts.strftime("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

fn reference(fault: Option<Fault>) -> Faulty {
    let schemas = Arc::new(SchemaSet::load("schemas/beta".as_ref()).unwrap());
    let store = Arc::new(
        Store::from_suites(&load_suites("cases/beta".as_ref(), &schemas).unwrap(), schemas.clone(), 0).unwrap(),
    );
    Faulty::new(store, &ServerOptions { faults: fault.into_iter().collect(), ..ServerOptions::default() })
}

fn serve_with(responder: impl Respond + 'static) -> (MockServer, tokio::runtime::Runtime) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let server = rt.block_on(async {
        let s = MockServer::start().await;
        Mock::given(wiremock::matchers::any()).respond_with(responder).mount(&s).await;
        s
    });
    (server, rt)
}

#[test]
fn retry_after_in_seconds_and_as_an_http_date_is_honoured() {
    let (server, _rt) = serve_with(Sequence { calls: AtomicUsize::new(0), inner: reference(None) });
    let mut c = config_for(&format!("{}/beta", server.uri()), "token");
    c.http.retry.max_retries = 3;
    let started = Instant::now();
    let reports = run(c, E1, true);
    assert_eq!(reports[0].outcome, Outcome::Passed, "{:?}", reports[0].findings);
    let bases: Vec<&str> = reports[0].retries.iter().map(|n| n.basis.as_str()).collect();
    assert_eq!(bases.len(), 2);
    assert_eq!(bases[0], "Retry-After: 1");
    assert!(bases[1].starts_with("Retry-After: ") && bases[1].ends_with("GMT"), "{bases:?}");
    assert!(started.elapsed() >= Duration::from_millis(1900), "the waits were honoured");
}

#[test]
fn throttling_gives_up_at_the_cap_and_says_so() {
    let (server, _rt) =
        serve_with(ResponseTemplate::new(429).insert_header("Retry-After", "0").insert_header("request-id", "r"));
    let mut c = config_for(&format!("{}/beta", server.uri()), "token");
    c.http.retry.max_retries = 2;
    let reports = run(c, E1, true);
    let r = &reports[0];
    assert_eq!(r.outcome, Outcome::Failed);
    assert_eq!(r.retries.len(), 2);
    assert_eq!(r.failed_rules()[0], "status");
    assert!(graph_conformance::report::render_failure(r, Default::default()).contains("retry: 429 answered"));
}

#[test]
fn a_stalling_server_fails_each_case_after_the_timeout() {
    let (server, _rt) = serve_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(30)));
    let mut c = config_for(&format!("{}/beta", server.uri()), "token");
    c.http.timeout = Duration::from_secs(1);
    let started = Instant::now();
    let reports = run(c, "identitygovernance-userprocessingresult-get::derived::select_", false);
    assert!(reports.len() > 10);
    assert!(reports.iter().all(|r| r.failed_rules() == ["transport"]));
    assert!(started.elapsed() < Duration::from_secs(15), "cases time out instead of hanging: {:?}", started.elapsed());
}

#[test]
fn writes_stay_off_live_targets_unless_allowed_and_each_request_has_its_own_client_request_id() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("write-cases");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("writes")).unwrap();
    std::fs::write(
        dir.join("writes/update.json"),
        r#"{"name": "update", "source": {"page": "p.md", "requestLine": 1, "responseLine": 9},
            "request": {"method": "PATCH", "path": "/identityGovernance/lifecycleWorkflows/workflows/w1", "body": {"description": "x"}},
            "response": {"status": 204}}"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("writes/read.json"),
        r#"{"name": "read", "source": {"page": "p.md", "requestLine": 1, "responseLine": 9},
            "request": {"method": "GET", "path": "/identityGovernance/lifecycleWorkflows/workflows"},
            "response": {"status": 200}}"#,
    )
    .unwrap();
    let (server, rt) = serve_with(ResponseTemplate::new(204).insert_header("request-id", "r"));
    for allow in [false, true] {
        let mut c = config_for(&format!("{}/beta", server.uri()), "token");
        c.cases_dir = dir.clone();
        c.allow_writes = allow;
        let reports = run(c, "writes::", false);
        let update = reports.iter().find(|r| r.name == "writes::update").unwrap();
        if allow {
            assert_eq!(update.outcome, Outcome::Passed, "{:?}", update.findings);
        } else {
            assert!(
                matches!(&update.outcome, Outcome::Ignored(reason) if reason.contains("--allow-writes")),
                "{:?}",
                update.outcome
            );
        }
    }
    let received = rt.block_on(server.received_requests()).unwrap();
    assert_eq!(
        received.iter().filter(|r| r.method.as_str() == "PATCH").count(),
        3,
        "PATCH went out only with --allow-writes: the case and its two derived authorization cases"
    );
    let ids: HashSet<String> =
        received.iter().map(|r| r.headers.get("client-request-id").unwrap().to_str().unwrap().to_string()).collect();
    assert_eq!(ids.len(), received.len(), "a fresh client-request-id per request");
}

#[test]
fn discovery_pages_through_a_serve_process() {
    // Every entity of the tenant is walked and every per-entity case runs for it (a debug build):
    // 60 top-level entities still page five times (12 a page) and reach every level.
    const ENTITIES: usize = 60;
    let mut serve = Command::new(BIN)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["serve", "--port", "0", "--entities", &ENTITIES.to_string(), "--page-size", "12"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(serve.stdout.take().unwrap()), &mut line).unwrap();
    let root = line.trim().to_string();
    let json = tmp("discovery-serve.json");
    let out = Command::new(BIN)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("AZURE_CLIENT_SECRET")
        .args(["run", "--target", &root, "--token", "x", "--discover", "--profile", "live", "-q", "--concurrency", "8"])
        .arg("--json")
        .arg(&json)
        .output()
        .unwrap();
    let _ = serve.kill();
    let _ = serve.wait();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    let report: Value = serde_json::from_str(&std::fs::read_to_string(json).unwrap()).unwrap();
    let cases = report["cases"].as_array().unwrap();
    let names: Vec<&str> = cases.iter().map(|c| c["name"].as_str().unwrap()).collect();
    let synthetic_results = names
        .iter()
        .filter(|n| n.contains("::discovered::list_consistency::") && n.rsplit('/').next().is_some_and(is_synthetic))
        .filter(|n| n.starts_with("beta/identitygovernance-userprocessingresult-get::"))
        .count();
    let tenant = Synthetic::new(ENTITIES);
    assert_eq!(synthetic_results, PARENTS * PARENTS * tenant.rows_at(2), "every synthetic result of a run");
    let synthetic_run_lists = names
        .iter()
        .filter(|n| n.starts_with("discovery::workflows.runs.userProcessingResults::"))
        .filter(|n| n.rsplit('/').next().is_some_and(is_synthetic))
        .count();
    assert_eq!(synthetic_run_lists, PARENTS * tenant.rows_at(1), "the results of every synthetic run were listed");
    let workflows =
        names.iter().filter(|n| n.starts_with("beta/identitygovernance-workflow-get::discovered::list_consistency::"));
    assert_eq!(
        workflows.filter(|n| n.rsplit("::").next().is_some_and(is_synthetic)).count(),
        tenant.rows_at(0),
        "every synthetic workflow, through pages of 12"
    );
    for level in [
        "workflows",
        "workflows.runs",
        "workflows.versions",
        "workflows.tasks",
        "workflows.taskReports",
        "taskDefinitions",
        "customTaskExtensions",
    ] {
        assert!(
            names
                .iter()
                .any(|n| *n == format!("discovery::{level}") || n.starts_with(&format!("discovery::{level}::"))),
            "the {level} lists were walked"
        );
    }
}
