//! Helpers shared by the integration tests: a raw TCP server for answers no HTTP library would
//! send, and a one-case run against any target.

#![allow(dead_code)]

// The tests reach the pipeline's modules, which only the `internals` feature makes public.
#[cfg(not(all(feature = "internals", feature = "tls-self-signed")))]
compile_error!(
    "the project's tests need the `internals` and `tls-self-signed` features: run `cargo test` in the checkout's root, \
     where the default member test-features/ turns them on (with `-p graph-conformance`, add `--features internals,tls-self-signed`)"
);

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use graph_conformance::report::CaseReport;
use graph_conformance::runner::RunConfig;
use graph_conformance::runner::stream::{Display, run_cases};
use graph_conformance::target::Secret;
use libtest_mimic::Arguments;

/// A folder of the team's shared resources (`../shared/...`), found through `var` (for example
/// `GRAPH_DOCS_DIR`), else at `default` when it exists. `Err` says why the tests that need it are
/// skipped: a clone of the project passes its tests without it.
pub fn shared_dir(var: &str, default: &str) -> Result<std::path::PathBuf, String> {
    if let Some(v) = std::env::var_os(var).filter(|v| !v.is_empty()) {
        let p = std::path::PathBuf::from(v);
        return if p.is_dir() { Ok(p) } else { Err(format!("{var}={} is not a folder", p.display())) };
    }
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(default);
    if p.is_dir() {
        Ok(p)
    } else {
        Err(format!("{var} is not set and {default} does not exist: this test needs Microsoft's pages or metadata"))
    }
}

/// The binary, with no `AZURE_*` or `GRAPH_*` variable of the developer's shell: a test's outcome
/// must not depend on who runs it.
pub fn clean_command(bin: &str) -> std::process::Command {
    let mut c = std::process::Command::new(bin);
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    for (k, _) in std::env::vars_os() {
        let k = k.to_string_lossy();
        if k.starts_with("AZURE_") || k.starts_with("GRAPH_") {
            c.env_remove(k.as_ref());
        }
    }
    c
}

/// Which catalogue fault `diff` (between `serve` and `serve --fault F`) reports under which diff rule;
/// `tests/integration/diff.rs` runs every row, and the fault catalogue's meta-test counts them as the end-to-end
/// detections of the diff rules (`diff.order` is shown by `tests/integration/diff.rs` with an `$orderby` case).
pub const DIFF_FAULTS: &[(&str, &str)] = &[
    ("value-drift", "diff.value"),
    ("count-wrong", "diff.value"),
    ("summary-arithmetic", "diff.value"),
    ("negative-count", "diff.value"),
    ("enum-wrong-case", "diff.value"),
    ("date-without-offset", "diff.value"),
    ("id-mismatch", "diff.value"),
    ("context-wrong-key", "diff.value"),
    ("top-ignored", "diff.value"),
    ("count-as-string", "diff.type"),
    ("null-non-nullable", "diff.type"),
    ("missing-required-property", "diff.missing"),
    ("select-drops-selected", "diff.missing"),
    ("context-missing", "diff.missing"),
    ("undocumented-property", "diff.extra"),
    ("extra-unselected-property", "diff.extra"),
    ("ignore-select", "diff.extra"),
    ("navigation-leak", "diff.extra"),
    ("wrong-odata-type", "diff.extra"),
    ("status-201", "diff.status"),
    ("wrong-content-type", "diff.status"),
    ("unknown-id-200", "diff.status"),
    ("plain-text-404", "diff.status"),
];

/// Diff rules shown end to end by a test of their own rather than by a catalogue fault.
pub const DIFF_SHOWN_BY_TESTS: &[&str] = &["diff.order"];

/// The seed's first example: the case the hostile-server tests send.
pub const E1: &str =
    "beta/identitygovernance-userprocessingresult-get::lifecycleworkflows_get_run_userprocessingresult_e1";

/// What a raw server does with one connection after reading the request head.
pub type Behaviour = Arc<dyn Fn(&mut TcpStream, &str) + Send + Sync>;

/// A loopback server that hands every connection to `behaviour`; it records the request heads.
pub struct RawServer {
    pub addr: SocketAddr,
    pub requests: Arc<Mutex<Vec<String>>>,
}

impl RawServer {
    pub fn start(behaviour: Behaviour) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let log = requests.clone();
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let behaviour = behaviour.clone();
                let log = log.clone();
                thread::spawn(move || {
                    let head = read_head(&mut stream);
                    log.lock().unwrap().push(head.clone());
                    behaviour(&mut stream, &head);
                });
            }
        });
        RawServer { addr, requests }
    }

    pub fn root(&self) -> String {
        format!("http://{}/beta", self.addr)
    }
}

fn read_head(stream: &mut TcpStream) -> String {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") && buf.len() < 64 * 1024 {
        match stream.read(&mut byte) {
            Ok(1) => buf.push(byte[0]),
            _ => break,
        }
    }
    String::from_utf8_lossy(&buf).into_owned()
}

/// A complete response with the given head lines and body.
pub fn respond(stream: &mut TcpStream, status: &str, headers: &[(&str, String)], body: &[u8]) {
    let mut out = format!("HTTP/1.1 {status}\r\n");
    for (k, v) in headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str("\r\n");
    let _ = stream.write_all(out.as_bytes());
    let _ = stream.write_all(body);
    let _ = stream.flush();
}

/// Graph-like headers for a JSON body of `len` bytes, echoing the client-request-id of `head`.
pub fn graph_headers(head: &str, len: usize) -> Vec<(&'static str, String)> {
    let echo = head
        .lines()
        .find_map(|l| l.to_ascii_lowercase().starts_with("client-request-id:").then(|| l[18..].trim().to_string()))
        .unwrap_or_default();
    vec![
        ("Content-Type", "application/json;odata.metadata=minimal;charset=utf-8".to_string()),
        ("Content-Length", len.to_string()),
        ("request-id", "hostile-request-id".to_string()),
        ("client-request-id", echo),
        ("Connection", "close".to_string()),
    ]
}

/// A `serve --port 0` process and its service root; stopped when dropped.
pub struct Serve(pub std::process::Child, pub String);

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `bin serve --port 0 <extra>` and reads the service root it prints.
pub fn serve(bin: &str, extra: &[&str]) -> Serve {
    let mut child = clean_command(bin)
        .args(["serve", "--port", "0"])
        .args(extra)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(child.stdout.take().unwrap()), &mut line).unwrap();
    Serve(child, line.trim().to_string())
}

impl Serve {
    /// The JSON answer of a GET of `path` (from the service root, with its query) with a token.
    pub fn get_json(&self, path: &str) -> serde_json::Value {
        use std::io::{Read, Write};
        let rest = self.1.trim_start_matches("http://");
        let (addr, base) = rest.split_once('/').unwrap_or((rest, ""));
        let mut c = std::net::TcpStream::connect(addr).unwrap();
        c.set_read_timeout(Some(std::time::Duration::from_secs(10))).unwrap();
        write!(c, "GET /{base}{path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer T\r\nConnection: close\r\n\r\n")
            .unwrap();
        let mut out = String::new();
        let _ = c.read_to_string(&mut out);
        let body = out.split_once("\r\n\r\n").map_or("", |(_, b)| b);
        serde_json::from_str(body).unwrap_or_else(|e| panic!("GET {path}: {e}: {out}"))
    }

    /// The keys (`id`) of the first page of the list at `path`.
    pub fn ids(&self, path: &str) -> Vec<String> {
        let v = self.get_json(path);
        v["value"].as_array().unwrap().iter().filter_map(|r| r["id"].as_str().map(str::to_string)).collect()
    }
}

/// The run configuration for a remote target with a token.
pub fn config_for(root: &str, token: &str) -> RunConfig {
    let mut c = RunConfig {
        cases_dir: "cases".into(),
        schemas_dir: "schemas".into(),
        target: Some(root.to_string()),
        token: Some(Secret::new(token)),
        profile: Some(graph_conformance::check::Profile::Reference),
        ..RunConfig::default()
    };
    c.http.timeout = Duration::from_secs(2);
    c.http.retry.max_retries = 0;
    c
}

/// Runs the cases whose name contains `filter` (exactly `filter` with `exact`) and returns their reports.
pub fn run(config: RunConfig, filter: &str, exact: bool) -> Vec<CaseReport> {
    let args = Arguments { filter: Some(filter.to_string()), exact, ..Arguments::default() };
    let reports = std::sync::Arc::new(Mutex::new(Vec::new()));
    let sink = reports.clone();
    run_cases(config, &args, Display::Silent, move |r| sink.lock().unwrap().push(r.clone())).expect("the run starts");
    let mut collected = Vec::new();
    std::mem::swap(&mut collected, &mut *reports.lock().unwrap());
    collected
}
