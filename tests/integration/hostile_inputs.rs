//! Hostile answers, pages, CSDL and settings, end to end through the binary (issue 17): secrets in
//! any encoding and in any field never reach an output; terminal controls are shown escaped;
//! every file stays under its output folder; bounded work; exit codes that say what happened.
//! Servers are loopback-only and bounded in time.

use crate::support;

use std::io::{BufRead, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use support::{E1, RawServer, graph_headers, respond};

const BIN: &str = env!("CARGO_BIN_EXE_graph-conformance");
const TOKEN: &str = "hostile-canary-Zx81Qw7Lp3Rt9Vb";

fn tmp(name: &str) -> PathBuf {
    let p = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&p);
    std::fs::create_dir_all(&p).unwrap();
    p
}

fn path(p: &Path) -> String {
    p.display().to_string()
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

fn cli_in(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = support::clean_command(BIN);
    c.current_dir(dir);
    for (k, v) in env {
        c.env(k, v);
    }
    c.args(args).stdin(Stdio::null()).output().unwrap()
}

/// `run --target ROOT --max-retries 0 EXTRA…` from the project's folder (its cases and schemas).
fn run_against(root: &str, extra: &[&str], env: &[(&str, &str)]) -> Output {
    let mut args = vec!["run", "--target", root, "--max-retries", "0"];
    args.extend_from_slice(extra);
    cli_in(Path::new(env!("CARGO_MANIFEST_DIR")), &args, env)
}

/// The seed's first case, under the reference profile (its documented values compared).
const SEED_CASE: &[&str] = &["--profile", "reference", "--exact", E1];

fn escaped(s: &str) -> String {
    s.chars().map(|c| format!("\\u{:04x}", c as u32)).collect()
}

/// Every form of the token that must not appear: itself, any 8 characters of it, its `\u` escapes.
fn assert_no_token(what: &str, out: &str) {
    assert!(!out.contains(&escaped(TOKEN)), "{what}: the escaped token leaked");
    for w in TOKEN.as_bytes().windows(8) {
        let w = std::str::from_utf8(w).unwrap();
        assert!(!out.contains(w), "{what}: a piece of the token ({w}) leaked:\n{}", &out[..out.len().min(3000)]);
    }
}

/// The seed's first case answered with `body`.
fn answering(status: &'static str, body: String) -> RawServer {
    let body: &'static [u8] = Box::leak(body.into_bytes().into_boxed_slice());
    RawServer::start(Arc::new(move |s: &mut TcpStream, head: &str| {
        respond(s, status, &graph_headers(head, body.len()), body)
    }))
}

#[test]
fn a_token_in_any_encoding_and_any_field_reaches_no_output() {
    // The token \u-escaped in a value, as a property name, as a key inside a row, and where a
    // 120-character cut would split it.
    let long_key = format!("{}{TOKEN}", "k".repeat(100));
    let body = format!(
        r#"{{"id": "78b83505-6967-4168-a7ea-4921c0543ce9", "note": "{}", "{TOKEN}": 1, "{long_key}": 2, "nested": {{"{TOKEN}": "{}"}}}}"#,
        escaped(TOKEN),
        escaped(TOKEN)
    );
    let server = answering("200 OK", body);
    let dir = tmp("hostile-token");
    let files: Vec<PathBuf> = ["r.json", "r.xml", "r.html", "r.har"].iter().map(|f| dir.join(f)).collect();
    let o = run_against(
        &server.root(),
        &[
            SEED_CASE,
            &[
                "-v",
                "--json",
                &path(&files[0]),
                "--junit",
                &path(&files[1]),
                "--html",
                &path(&files[2]),
                "--har",
                &path(&files[3]),
            ],
        ]
        .concat(),
        &[("GRAPH_TOKEN", TOKEN)],
    );
    assert_eq!(o.status.code(), Some(101), "{}", text(&o));
    assert_no_token("stdout and stderr", &text(&o));
    for f in &files {
        let content = std::fs::read_to_string(f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        assert_no_token(&f.display().to_string(), &content);
        assert!(content.contains("[REDACTED]"), "{}: the token's places are marked", f.display());
    }
}

#[test]
fn terminal_controls_from_a_server_are_shown_escaped() {
    let message = "\\u001b]0;pwned\\u0007\\u001b[2Kok\\r\\nverdict: ok: 619 cases passed \\u202egnp.exe";
    let body = format!(r#"{{"error": {{"code": "InvalidAuthenticationToken", "message": "{message}"}}}}"#);
    let server = answering("401 Unauthorized", body);
    let o = run_against(&server.root(), &[SEED_CASE, &["--color", "always"]].concat(), &[("GRAPH_TOKEN", TOKEN)]);
    let all = text(&o);
    assert_eq!(o.status.code(), Some(2), "a refused token fails the preflight: {all}");
    for bad in ['\r', '\u{7}', '\u{202e}'] {
        assert!(!all.contains(bad), "{bad:?} reached the terminal raw: {all:?}");
    }
    assert!(!all.contains("\u{1b}]") && !all.contains("\u{1b}[2K"), "escape sequences reached the terminal: {all:?}");
    assert!(!all.lines().any(|l| l.starts_with("verdict: ok")), "a forged verdict line: {all}");
    assert!(all.contains("\\u{1b}") && all.contains("\\n"), "shown escaped: {all}");
}

#[test]
fn the_token_endpoint_must_be_https_and_a_settings_file_found_by_chance_cannot_choose_the_target() {
    let server = answering("200 OK", "{}".into());
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let o = cli_in(
        here,
        &["run", "--target", &server.root(), "--exact", E1],
        &[
            ("AZURE_TENANT_ID", "t"),
            ("AZURE_CLIENT_ID", "c"),
            ("AZURE_CLIENT_SECRET", TOKEN),
            ("AZURE_AUTHORITY_HOST", "http://login.example.net"),
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("not https"), "{}", text(&o));
    assert_no_token("stderr", &text(&o));

    let dir = tmp("hostile-settings");
    std::fs::write(
        dir.join("graph-conformance.toml"),
        format!("target = \"{}\"\nallow-writes = true\n", server.root()),
    )
    .unwrap();
    let cases = here.join("cases");
    let schemas = here.join("schemas");
    let o = cli_in(
        &dir,
        &["run", "--cases", cases.to_str().unwrap(), "--schemas", schemas.to_str().unwrap()],
        &[("GRAPH_TOKEN", TOKEN)],
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("settings read from graph-conformance.toml"), "the file read is named: {}", text(&o));
    assert!(text(&o).contains("--config"), "{}", text(&o));
    assert!(server.requests.lock().unwrap().is_empty(), "no request went to the file's target");
    // Named explicitly, the same file is used.
    let o = cli_in(
        &dir,
        &[
            "run",
            "--config",
            "graph-conformance.toml",
            "--cases",
            cases.to_str().unwrap(),
            "--schemas",
            schemas.to_str().unwrap(),
            "--no-auth",
            "--exact",
            E1,
        ],
        &[],
    );
    assert!(!server.requests.lock().unwrap().is_empty(), "{}", text(&o));
}

const PAGE_HEAD: &str = "# Get thing\n\n## HTTP request\n\n";

fn page_with_names(names: &[&str]) -> String {
    let mut p = PAGE_HEAD.to_string();
    for n in names {
        p.push_str(&format!(
            "<!-- {{\"blockType\": \"request\", \"name\": \"{n}\"}} -->\n```http\nGET https://graph.microsoft.com/beta/identityGovernance/lifecycleWorkflows/workflows\n```\n\n<!-- {{\"blockType\": \"response\"}} -->\n```http\nHTTP/1.1 200 OK\nContent-Type: application/json\n\n{{\"value\": []}}\n```\n\n"
        ));
    }
    p
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        if e.path().is_dir() {
            out.extend(files_under(&e.path()));
        } else {
            out.push(e.path());
        }
    }
    out
}

#[test]
fn imported_names_stay_in_their_folder_apart_without_case_and_never_a_device() {
    let dir = tmp("hostile-import");
    let page = dir.join("thing-get.md");
    std::fs::write(&page, page_with_names(&["../../x", "/abs/y", "get_workflow", "Get_Workflow", "CON"])).unwrap();
    let out = dir.join("out");
    let o = cli_in(&dir, &["import", "--out", out.to_str().unwrap(), page.to_str().unwrap()], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let files = files_under(&out);
    assert_eq!(files.len(), 5, "{files:?}");
    let lower: std::collections::BTreeSet<String> =
        files.iter().map(|f| f.file_name().unwrap().to_string_lossy().to_lowercase()).collect();
    assert_eq!(lower.len(), 5, "one file per case on a case-insensitive file system: {files:?}");
    for f in &files {
        assert!(f.starts_with(&out), "{} is outside --out", f.display());
        let stem = f.file_stem().unwrap().to_string_lossy().to_ascii_lowercase();
        assert_ne!(stem, "con", "a device name: {}", f.display());
        let case: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(f).unwrap()).unwrap();
        let name = case["name"].as_str().unwrap();
        assert!(!name.contains('/') && !name.starts_with('.'), "the name inside the case is safe too: {name}");
    }
    assert!(text(&o).contains("cannot hold"), "the unsafe names are named: {}", text(&o));
    assert!(!dir.join("x.json").exists() && !Path::new("/abs").exists());
}

#[test]
fn a_page_too_large_or_with_errors_fails_import_and_lint() {
    let dir = tmp("hostile-page");
    let big = dir.join("big.md");
    let mut f = std::fs::File::create(&big).unwrap();
    f.write_all(b"```json\n").unwrap();
    for _ in 0..300_000 {
        f.write_all(b"{,,,,,,,,\n").unwrap();
    }
    drop(f);
    // `import --out out PAGE` and `lint PAGE`, in the test's folder.
    let both = |page: &Path| -> Vec<(&str, Output)> {
        let page = path(page);
        vec![
            ("import", cli_in(&dir, &["import", "--out", "out", &page], &[])),
            ("lint", cli_in(&dir, &["lint", &page], &[])),
        ]
    };
    for (cmd, o) in both(&big) {
        assert_eq!(o.status.code(), Some(2), "{cmd}: {}", text(&o));
        assert!(text(&o).contains("larger than 2 MiB"), "{cmd}: {}", text(&o));
        assert!(text(&o).lines().count() < 10, "{cmd}: one message: {}", text(&o));
    }
    let bad = dir.join("bad-get.md");
    std::fs::write(&bad, page_with_names(&["ok"]).replace("{\"value\": []}", "{\"value\": [}")).unwrap();
    for (cmd, o) in both(&bad) {
        assert_eq!(o.status.code(), Some(1), "{cmd}: an error diagnostic fails: {}", text(&o));
        assert!(text(&o).contains("error"), "{cmd}: {}", text(&o));
    }
}

fn csdl(types: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?>
<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">
  <edmx:DataServices>
    <Schema Namespace="hostile" xmlns="http://docs.oasis-open.org/odata/ns/edm">
      <EntityType Name="entity"><Key><PropertyRef Name="id" /></Key><Property Name="id" Type="Edm.String" Nullable="false" /></EntityType>
{types}
      <EntityContainer Name="c"><EntitySet Name="things" EntityType="hostile.entity" /></EntityContainer>
    </Schema>
  </edmx:DataServices>
</edmx:Edmx>
"#
    )
}

fn schemas(dir: &Path, csdl_text: &str) -> Output {
    let file = dir.join("m.csdl");
    std::fs::write(&file, csdl_text).unwrap();
    let out = dir.join("out");
    cli_in(
        dir,
        &["schemas", "--csdl", file.to_str().unwrap(), "--namespace", "hostile", "--out", out.to_str().unwrap()],
        &[],
    )
}

#[test]
fn hostile_csdl_gets_one_clear_error_and_flat_hierarchies_stay_linear() {
    let dir = tmp("hostile-csdl");
    let o = schemas(&dir, &csdl(r#"<EntityType Name="../../evil" BaseType="hostile.entity" />"#));
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("not an OData identifier"), "{}", text(&o));
    assert!(!dir.join("evil.json").exists() && !dir.parent().unwrap().join("evil.json").exists());

    let o = schemas(
        &dir,
        &csdl(r#"<EntityType Name="a" BaseType="hostile.b" /><EntityType Name="b" BaseType="hostile.a" />"#),
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("hostile.a → hostile.b → hostile.a"), "the cycle is named: {}", text(&o));

    let chain: String = (0..400)
        .map(|i| {
            let base = if i == 0 { "hostile.entity".to_string() } else { format!("hostile.t{}", i - 1) };
            format!("<EntityType Name=\"t{i}\" BaseType=\"{base}\" />\n")
        })
        .collect();
    let o = schemas(&dir, &csdl(&chain));
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("types deep"), "{}", text(&o));

    // 2,000 types derived from one base: the base's dispatch names each once, nothing nests.
    let flat: String =
        (0..2000).map(|i| format!("<EntityType Name=\"d{i}\" BaseType=\"hostile.entity\" />\n")).collect();
    let o = schemas(&dir, &csdl(&flat));
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let total: u64 = files_under(&dir.join("out")).iter().map(|f| f.metadata().unwrap().len()).sum();
    assert!(total < 40 * 1024 * 1024, "{total} bytes written for 2,000 flat types: not linear");
    let base = std::fs::read_to_string(dir.join("out").join("hostile.entity.json")).unwrap();
    let depth = base.lines().map(|l| l.len() - l.trim_start().len()).max().unwrap_or(0);
    assert!(depth < 40, "the base's schema nests {depth} spaces deep");
}

/// A list whose nextLink never ends.
fn endless_list() -> RawServer {
    RawServer::start(Arc::new(|s: &mut TcpStream, head: &str| {
        let path = head.split_whitespace().nth(1).unwrap_or("/").to_string();
        let n: u64 = path.rsplit("skiptoken=").next().and_then(|t| t.parse().ok()).unwrap_or(0);
        let host = head
            .lines()
            .find_map(|l| l.to_ascii_lowercase().strip_prefix("host:").map(|h| h.trim().to_string()))
            .unwrap_or_default();
        let base = path.split('?').next().unwrap_or("/");
        let body = format!(
            r#"{{"value": [{{"id": "row-{n}"}}], "@odata.nextLink": "http://{host}{base}?$skiptoken={}"}}"#,
            n + 1
        );
        respond(s, "200 OK", &graph_headers(head, body.len()), body.as_bytes())
    }))
}

#[test]
fn an_endless_next_link_chain_ends_the_case_by_max_entities() {
    let server = endless_list();
    let filter = "identitygovernance-lifecycleworkflowscontainer-list-workflows::derived::paging";
    let started = Instant::now();
    let o = run_against(&server.root(), &["--no-auth", "--max-entities", "5", filter], &[]);
    let requests = server.requests.lock().unwrap().len();
    assert!(requests > 0 && requests <= 12, "{requests} requests for a walk cut at 5 pages: {}", text(&o));
    assert!(started.elapsed() < Duration::from_secs(30), "{}", text(&o));
}

#[test]
fn serve_closes_half_sent_requests_and_answers_refusals_in_graphs_shape() {
    let s = support::serve(BIN, &["--header-timeout", "2"]);
    let addr = s.1.trim_start_matches("http://").split('/').next().unwrap().to_string();
    // Half-sent heads: closed by the server after its header timeout, while others are served.
    let mut half: Vec<TcpStream> = (0..20)
        .map(|_| {
            let mut c = TcpStream::connect(&addr).unwrap();
            c.write_all(b"GET /beta/identityGovernance HTTP/1.1\r\nHost: x\r\n").unwrap();
            c.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
            c
        })
        .collect();
    let get = |path: &str, extra: &str| -> String {
        let mut c = TcpStream::connect(&addr).unwrap();
        c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        write!(c, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer x\r\n{extra}Connection: close\r\n\r\n")
            .unwrap();
        let mut out = String::new();
        let _ = c.read_to_string(&mut out);
        out
    };
    let root = "/beta/identityGovernance/lifecycleWorkflows/workflows";
    for (path, extra, status) in [
        (format!("{root}?$count=maybe"), String::new(), "400"),
        (format!("{root}?$select="), String::new(), "400"),
        (format!("{root}('x')"), String::new(), "404"),
        (root.to_string(), format!("X-Big: {}\r\n", "a".repeat(40_000)), "431"),
    ] {
        let answer = get(&path, &extra);
        assert!(answer.starts_with(&format!("HTTP/1.1 {status}")), "{path}: {}", &answer[..answer.len().min(300)]);
        let body = answer.split("\r\n\r\n").nth(1).unwrap_or("");
        let v: serde_json::Value = serde_json::from_str(body).unwrap_or_else(|e| panic!("{path}: {e}: {body}"));
        assert!(v["error"]["code"].is_string() && v["error"]["message"].is_string(), "{path}: {v}");
    }
    let started = Instant::now();
    for c in &mut half {
        let mut buf = [0u8; 64];
        let n = c.read(&mut buf).unwrap_or(0);
        assert!(n == 0 || buf.starts_with(b"HTTP/1.1 408"), "a half-sent request is closed");
    }
    assert!(started.elapsed() < Duration::from_secs(15), "closed by the header timeout (2 s)");
}

#[test]
fn a_closed_or_full_standard_output_ends_quietly_with_an_exit_code_that_says_so() {
    let mut child = support::clean_command(BIN)
        .args(["run", "--list"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut first).unwrap();
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(first.ends_with(": test\n"), "{first}");
    assert_eq!(out.status.code(), Some(0), "a listing cut short by `| head` is not a failure: {err}");
    assert!(!err.contains("panicked"), "{err}");

    if Path::new("/dev/full").exists() {
        let full = std::fs::OpenOptions::new().write(true).open("/dev/full").unwrap();
        let out = support::clean_command(BIN).args(["run", "-q"]).stdout(full).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains("cannot write to standard output"), "{err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}

#[test]
fn a_failed_run_keeps_the_last_reports_junit_stays_xml_and_links_are_web_links() {
    let dir = tmp("hostile-reports");
    let json = dir.join("r.json");
    std::fs::write(&json, "the last good report").unwrap();
    let refusing =
        answering("401 Unauthorized", r#"{"error": {"code": "InvalidAuthenticationToken", "message": "no"}}"#.into());
    let o = run_against(&refusing.root(), &["--json", &path(&json)], &[("GRAPH_TOKEN", TOKEN)]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert_eq!(std::fs::read_to_string(&json).unwrap(), "the last good report");
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1, "no partial file is left");

    // A case file whose source URL is a script, against a server whose message holds U+FFFF.
    let cases = dir.join("cases");
    let suite = cases.join("identitygovernance-userprocessingresult-get");
    std::fs::create_dir_all(&suite).unwrap();
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let seed = here.join(
        "cases/beta/identitygovernance-userprocessingresult-get/lifecycleworkflows_get_run_userprocessingresult_e1.json",
    );
    let case = std::fs::read_to_string(seed).unwrap().replacen(
        "\"url\": \"https://learn.microsoft.com",
        "\"url\": \"javascript:alert(1)//",
        1,
    );
    std::fs::write(suite.join("e1.json"), case).unwrap();
    let server =
        answering("404 Not Found", "{\"error\": {\"code\": \"x\", \"message\": \"bad \u{ffff} char \u{1}\"}}".into());
    let (xml, html) = (dir.join("r.xml"), dir.join("r.html"));
    let o = run_against(
        &server.root(),
        &["--no-auth", "--cases", &path(&cases), "--junit", &path(&xml), "--html", &path(&html)],
        &[],
    );
    assert_eq!(o.status.code(), Some(101), "{}", text(&o));
    let junit = std::fs::read_to_string(&xml).unwrap();
    assert!(
        !junit.chars().any(|c| c == '\u{ffff}' || c == '\u{1}'),
        "characters XML forbids are written as text: {junit}"
    );
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(!page.to_ascii_lowercase().contains("href=\"javascript:"), "a script link in the HTML report");
}
