//! Answers that try to break the harness. Each must give one failed case with a clear message,
//! within the timeout: no panic, no hang, no unbounded memory, no token sent to another origin,
//! and the token printed nowhere.

use crate::support;

use std::io::Write;
use std::net::TcpStream;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use graph_conformance::report::{Outcome, RenderOptions, render_failure};
use support::{E1, RawServer, config_for, graph_headers, respond, run};

const CANARY: &str = "canary-token-7f3a9c";

/// Runs E1 against a raw server and returns the rendered failure, checking the common promises.
fn failure_against(behaviour: support::Behaviour) -> (String, RawServer) {
    let server = RawServer::start(behaviour);
    let started = Instant::now();
    let reports = run(config_for(&server.root(), CANARY), E1, true);
    let elapsed = started.elapsed();
    assert_eq!(reports.len(), 1, "one case, one report");
    let r = &reports[0];
    assert_eq!(r.outcome, Outcome::Failed, "{:?}", r.findings);
    assert!(elapsed < Duration::from_secs(8), "took {elapsed:?}: the 2 s timeout did not hold");
    let text = render_failure(r, RenderOptions::default());
    assert!(!text.contains(CANARY), "the token leaked into the report:\n{text}");
    (text, server)
}

fn body_with(bytes: &'static [u8]) -> support::Behaviour {
    Arc::new(move |s: &mut TcpStream, head: &str| respond(s, "200 OK", &graph_headers(head, bytes.len()), bytes))
}

#[test]
fn truncated_json() {
    let (text, _) =
        failure_against(body_with(br#"{"id": "78b83505-6967-4168-a7ea-4921c0543ce9", "failedTasksCount": "#));
    assert!(text.contains("body.json") && text.contains("EOF while parsing"), "{text}");
}

#[test]
fn invalid_utf8() {
    let (text, _) = failure_against(body_with(b"{\"id\": \"\xff\xfe\"}"));
    assert!(text.contains("body.json") && text.contains("UTF-8"), "{text}");
}

#[test]
fn duplicate_keys() {
    let (text, _) = failure_against(body_with(br#"{"id": "78b83505-6967-4168-a7ea-4921c0543ce9", "id": "other"}"#));
    assert!(text.contains("duplicate key \"id\""), "{text}");
}

#[test]
fn json_nested_100000_deep() {
    let deep: &'static [u8] = Box::leak(("[".repeat(100_000) + &"]".repeat(100_000)).into_bytes().into_boxed_slice());
    let (text, _) = failure_against(body_with(deep));
    assert!(text.contains("nested deeper than 128 levels"), "{text}");
}

#[test]
fn a_50_mb_body() {
    let (text, _) = failure_against(Arc::new(|s: &mut TcpStream, head: &str| {
        let mut h = graph_headers(head, 50 * 1024 * 1024);
        h.retain(|(k, _)| *k != "Content-Length");
        h.push(("Transfer-Encoding", "chunked".into()));
        respond(s, "200 OK", &h, b"");
        let chunk = vec![b' '; 1024 * 1024];
        for _ in 0..50 {
            if s.write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
                .and_then(|_| s.write_all(&chunk))
                .and_then(|_| s.write_all(b"\r\n"))
                .is_err()
            {
                return;
            }
        }
        let _ = s.write_all(b"0\r\n\r\n");
    }));
    assert!(text.contains("larger than 10485760 bytes") && text.contains("--max-body-bytes"), "{text}");
}

#[test]
fn a_declared_50_mb_body_is_refused_before_reading() {
    let (text, _) = failure_against(Arc::new(|s: &mut TcpStream, head: &str| {
        respond(s, "200 OK", &graph_headers(head, 50 * 1024 * 1024), b"{");
        thread::sleep(Duration::from_secs(3));
    }));
    assert!(text.contains("larger than 10485760 bytes"), "{text}");
}

#[test]
fn a_body_that_never_ends() {
    let (text, _) = failure_against(Arc::new(|s: &mut TcpStream, head: &str| {
        let mut h = graph_headers(head, 0);
        h.retain(|(k, _)| *k != "Content-Length");
        h.push(("Transfer-Encoding", "chunked".into()));
        respond(s, "200 OK", &h, b"");
        for _ in 0..600 {
            if s.write_all(b"1\r\n \r\n").is_err() {
                return;
            }
            thread::sleep(Duration::from_millis(50));
        }
    }));
    assert!(text.contains("transport") && text.contains("no complete answer within 2 s"), "{text}");
}

#[test]
fn a_connection_reset_mid_body() {
    let (text, _) = failure_against(Arc::new(|s: &mut TcpStream, head: &str| {
        let mut h = graph_headers(head, 5000);
        h.push(("X-Note", "reset follows".into()));
        respond(s, "200 OK", &h, br#"{"id": "78b83505"#);
        // SO_LINGER 0 turns the close into a TCP reset.
        let sock = socket2::SockRef::from(&*s);
        let _ = sock.set_linger(Some(Duration::ZERO));
    }));
    assert!(text.contains("transport"), "{text}");
}

#[test]
fn a_content_length_longer_than_the_body() {
    let (text, _) = failure_against(Arc::new(|s: &mut TcpStream, head: &str| {
        respond(s, "200 OK", &graph_headers(head, 1000), br#"{"id": "x"}"#);
        let _ = s.shutdown(std::net::Shutdown::Write);
    }));
    assert!(text.contains("transport"), "{text}");
}

#[test]
fn a_content_length_shorter_than_the_body() {
    let (text, _) = failure_against(Arc::new(|s: &mut TcpStream, head: &str| {
        let body = br#"{"id": "78b83505-6967-4168-a7ea-4921c0543ce9"}"#;
        respond(s, "200 OK", &graph_headers(head, 10), body);
    }));
    assert!(text.contains("body.json"), "{text}");
}

#[test]
fn a_redirect_to_another_origin_is_not_followed_and_gets_no_token() {
    let elsewhere = RawServer::start(Arc::new(|s: &mut TcpStream, head: &str| {
        respond(s, "200 OK", &graph_headers(head, 2), b"{}")
    }));
    let target = format!("http://{}/steal", elsewhere.addr);
    let (text, server) = failure_against(Arc::new(move |s: &mut TcpStream, _head: &str| {
        respond(
            s,
            "302 Found",
            &[("Location", target.clone()), ("Content-Length", "0".into()), ("request-id", "r".into())],
            b"",
        );
    }));
    assert!(text.contains("redirects to http://") && text.contains("never follows"), "{text}");
    assert!(elsewhere.requests.lock().unwrap().is_empty(), "the other origin was contacted");
    assert!(server.requests.lock().unwrap()[0].contains(CANARY), "the target itself did get the token");
}

#[test]
fn a_server_that_echoes_the_token_cannot_get_it_printed() {
    let (text, _) = failure_against(Arc::new(|s: &mut TcpStream, head: &str| {
        let auth =
            head.lines().find(|l| l.to_ascii_lowercase().starts_with("authorization:")).unwrap_or("").to_string();
        let body = serde_json::json!({"error": {"code": "Echo", "message": auth}}).to_string();
        respond(s, "401 Unauthorized", &graph_headers(head, body.len()), body.as_bytes());
    }));
    assert!(text.contains("Bearer [REDACTED]"), "{text}");
    assert!(!text.contains(CANARY));
}

/// Runs `case` against a raw server answering `body`; the one failed report and its rendering.
fn list_failure(case: &str, body: &'static [u8]) -> (graph_conformance::report::CaseReport, String) {
    let server = RawServer::start(body_with(body));
    let reports = run(config_for(&server.root(), CANARY), case, true);
    assert_eq!(reports.len(), 1, "one case, one report");
    let r = reports.into_iter().next().unwrap();
    assert_eq!(r.outcome, Outcome::Failed);
    let text = render_failure(&r, RenderOptions::default());
    (r, text)
}

#[test]
fn a_page_of_a_million_empty_rows_gives_a_bounded_report() {
    let body = format!("{{\"value\": [{}{{}}]}}", "{},".repeat(999_999));
    let body: &'static [u8] = Box::leak(body.into_bytes().into_boxed_slice());
    let (r, text) = list_failure("beta/identitygovernance-workflow-list-runs::lifecycleworkflows_list_run", body);
    assert!(r.findings.len() <= 50, "findings are capped while they are made: {}", r.findings.len());
    assert!(text.len() < 64 * 1024, "the rendered failure is {} bytes", text.len());
    // A million objects would take about 600 MB once parsed: the answer is refused as too large to
    // check, a failure that names the limit, instead of being held in memory.
    assert!(text.contains("JSON objects in one document"), "{}", &text[..text.len().min(2000)]);
}

#[test]
fn an_entity_with_200000_unknown_keys_gives_a_bounded_report() {
    let mut body = String::from(r#"{"id": "78b83505-6967-4168-a7ea-4921c0543ce9""#);
    for i in 0..200_000 {
        body.push_str(&format!(r#", "unknownProperty{i}": {i}"#));
    }
    body.push('}');
    let body: &'static [u8] = Box::leak(body.into_bytes().into_boxed_slice());
    let server = RawServer::start(body_with(body));
    let reports = run(config_for(&server.root(), CANARY), E1, true);
    let r = &reports[0];
    assert_eq!(r.outcome, Outcome::Failed);
    assert!(r.findings.len() <= 50, "findings are capped: {}", r.findings.len());
    let text = render_failure(r, RenderOptions::default());
    assert!(text.len() < 64 * 1024, "the rendered failure is {} bytes", text.len());
    assert!(text.contains("more") || text.contains("…"), "the report says findings were left out:\n{}", &text[..2000]);
}
