//! Microsoft's JavaScript Graph client against `serve --tls-self-signed --entities 300`, as an
//! application developer would use `serve` as a local Graph: every GET the suites know in both
//! versions (lifecycle workflows and entitlement management; functions with their arguments
//! percent-encoded as URI-template clients send them), each answer's status and schema judged
//! here; lists paged through its PageIterator (which follows `@odata.nextLink` only over https);
//! `$select`, `$expand`, navigations against their parent's `$expand`, reads against list rows,
//! declared references and deleted items, in tests/js/graph_client.cjs. The
//! client comes from npm, installed by this test into `target/js-client/`. Without node and npm the
//! test is reported as ignored with the reason; `.ci/run` installs them, so CI always runs it.

mod support;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use graph_conformance::case::{LoadedCase, StatusSpec, load_suites};
use graph_conformance::check::schema::schema_findings;
use graph_conformance::schema::SchemaSet;
use libtest_mimic::{Arguments, Completion, Failed, Trial};

const BIN: &str = env!("CARGO_BIN_EXE_graph-conformance");
const PACKAGE: &str = "@microsoft/microsoft-graph-client@3";

fn main() -> std::process::ExitCode {
    let args = Arguments::from_args();
    let trial =
        Trial::ignorable_test("js_client::microsoft_graph_client_reads_both_areas_typed_and_consistent", || {
            match prepare() {
                Ok(dir) => drive(&dir).map(|()| Completion::Completed).map_err(Failed::from),
                Err(Unready::Ignore(reason)) => Ok(Completion::ignored_with(reason)),
                Err(Unready::Fail(e)) => Err(Failed::from(e)),
            }
        });
    libtest_mimic::run(&args, vec![trial]).exit_code()
}

fn works(cmd: &str) -> bool {
    Command::new(cmd).arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok_and(|s| s.success())
}

/// Why the client cannot be driven: ignored on a developer's machine without node or the npm
/// registry; under CI (`CI=true`, where `.ci/run` installs both) a missing registry fails.
enum Unready {
    Ignore(String),
    Fail(String),
}

impl From<String> for Unready {
    fn from(e: String) -> Self {
        Unready::Fail(e)
    }
}

/// `target/js-client/` with the client installed and the script beside it.
fn prepare() -> Result<PathBuf, Unready> {
    if !works("node") || !works("npm") {
        return Err(Unready::Ignore("node and npm are not installed (.ci/run installs them)".into()));
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    let dir = target.join("js-client");
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    if !dir.join("node_modules/@microsoft/microsoft-graph-client/package.json").exists() {
        std::fs::write(dir.join("package.json"), "{\"private\": true}\n").map_err(|e| e.to_string())?;
        let out = Command::new("npm")
            .current_dir(&dir)
            .args(["install", "--no-audit", "--no-fund", "--loglevel", "error", PACKAGE])
            .output()
            .map_err(|e| format!("npm cannot start: {e}"))?;
        if !out.status.success() {
            let why =
                format!("npm install {PACKAGE} failed in {}: {}", dir.display(), String::from_utf8_lossy(&out.stderr));
            let ci = std::env::var("CI").is_ok_and(|v| v == "true");
            return Err(if ci { Unready::Fail(why) } else { Unready::Ignore(why) });
        }
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/js/graph_client.cjs");
    std::fs::copy(&script, dir.join("graph_client.cjs")).map_err(|e| format!("{}: {e}", script.display()))?;
    Ok(dir)
}

struct Served(std::process::Child);

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// One GET the suites know, for the client's sweep.
struct Known {
    version: &'static str,
    path: String,
    type_name: Option<String>,
    collection: bool,
    status: StatusSpec,
    name: String,
}

/// Every GET of the suites of both versions that needs no discovery: the documented reads and
/// calls, and the metadata's paths with documented keys (not derived variations).
fn known_reads() -> Result<Vec<Known>, String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    for version in ["beta", "v1.0"] {
        let schemas = SchemaSet::load(&root.join("schemas").join(version))?;
        let mut suites = load_suites(&root.join("cases").join(version), &schemas)?;
        let source = root.join("schemas").join(version).join("metadata.json");
        suites.extend(graph_conformance::case::from_metadata::suite(&suites, &schemas, &source));
        for suite in &suites {
            for c in suite.cases.iter().filter_map(|c| match c {
                LoadedCase::Ready(c) => Some(c),
                LoadedCase::Broken(_) => None,
            }) {
                let plain = c.request.method.eq_ignore_ascii_case("GET")
                    && c.request.query.is_none()
                    && c.request.headers.is_empty()
                    && c.expect.status.is_success()
                    && c.unresolved.is_none()
                    && !c.unfilled
                    && c.origin.derived.as_deref().is_none_or(|d| !d.contains(" (from "))
                    && !c.request.path.contains('{');
                if plain {
                    out.push(Known {
                        version,
                        path: c.request.path.clone(),
                        type_name: c.resource_type.clone().filter(|t| schemas.knows(t)),
                        collection: c.collection,
                        status: c.expect.status.clone(),
                        name: c.full_name(),
                    });
                }
            }
        }
    }
    Ok(out)
}

fn drive(dir: &Path) -> Result<(), String> {
    let known = known_reads()?;
    let sweep: Vec<serde_json::Value> =
        known.iter().map(|k| serde_json::json!({"version": k.version, "path": k.path})).collect();
    let sweep_file = dir.join("sweep.json");
    let seen_file = dir.join("seen.json");
    std::fs::write(&sweep_file, serde_json::to_vec(&sweep).unwrap()).map_err(|e| e.to_string())?;
    let _ = std::fs::remove_file(&seen_file);
    let mut child = support::clean_command(BIN)
        .args(["serve", "--port", "0", "--tls-self-signed", "--entities", "300", "--page-size", "50"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| e.to_string())?;
    let stdout = child.stdout.take().unwrap();
    let stderr = child.stderr.take().unwrap();
    let served = Served(child);
    let mut root = String::new();
    BufReader::new(stdout).read_line(&mut root).map_err(|e| e.to_string())?;
    let root = root.trim().to_string();
    // stderr is drained for as long as the server runs: a closed pipe would end it.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(path) = line.split(": ").nth(1).filter(|_| line.contains("certificate")) {
                let _ = tx.send(path.trim().to_string());
            }
        }
    });
    let cert = rx.recv_timeout(std::time::Duration::from_secs(30)).map_err(|_| "serve printed no certificate path")?;
    let Some(origin) = root.strip_prefix("https://").and_then(|r| r.split('/').next()).map(|h| format!("https://{h}"))
    else {
        return Err(format!("serve --tls-self-signed printed {root}"));
    };
    let out = Command::new("node")
        .current_dir(dir)
        .arg("graph_client.cjs")
        .env("GRAPH_ORIGIN", &origin)
        .env("SWEEP", &sweep_file)
        .env("SEEN", &seen_file)
        .env("NODE_EXTRA_CA_CERTS", &cert)
        .output()
        .map_err(|e| format!("node cannot start: {e}"))?;
    drop(served);
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        return Err(format!("the JavaScript client failed:\n{stdout}\n{}", String::from_utf8_lossy(&out.stderr)));
    }
    let summary: serde_json::Value =
        serde_json::from_str(stdout.trim()).map_err(|e| format!("the script printed {stdout}: {e}"))?;
    let seen: serde_json::Value = serde_json::from_slice(&std::fs::read(&seen_file).map_err(|e| e.to_string())?)
        .map_err(|e| format!("{}: {e}", seen_file.display()))?;
    // Every answer the client got in the sweep: the status the case accepts, a body its type's
    // schema accepts.
    let answers = seen["sweep"].as_array().cloned().unwrap_or_default();
    if answers.len() != known.len() {
        return Err(format!("the client answered {} of {} reads", answers.len(), known.len()));
    }
    let mut schemas = std::collections::BTreeMap::new();
    let mut problems = Vec::new();
    for (k, a) in known.iter().zip(&answers) {
        let status = a["status"].as_u64().unwrap_or(0) as u16;
        if !k.status.accepts(status) {
            problems.push(format!("{} ({}): {status} {}", k.name, a["path"], a["error"]));
            continue;
        }
        let (Some(t), Some(body)) = (&k.type_name, a.get("body").filter(|b| !b.is_null())) else { continue };
        if !schemas.contains_key(k.version) {
            let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas").join(k.version);
            schemas.insert(k.version, SchemaSet::load(&dir)?);
        }
        let set = &schemas[k.version];
        let validator = set.validator_for(t, k.collection, None, false)?;
        let found = schema_findings(&validator, body, "", "schema", None, set, false, 5);
        if let Some(f) = found.first() {
            problems.push(format!("{} ({}): {} at {}", k.name, a["path"], f.message, f.at));
        }
    }
    if !problems.is_empty() {
        return Err(format!(
            "{} of {} reads through the JavaScript client were wrong:\n{}",
            problems.len(),
            known.len(),
            problems.iter().take(20).cloned().collect::<Vec<_>>().join("\n")
        ));
    }
    let n = |k: &str| summary[k].as_u64().unwrap_or(0);
    if n("navigations") < 7
        || n("references") == 0
        || n("functions") < 10
        || n("deleted") == 0
        || n("totals") < 2
        || n("paged") < 100
    {
        return Err(format!("the client saw less than the family: {summary}"));
    }
    if summary["select"] != serde_json::json!(["displayName", "id"]) {
        return Err(format!("unexpected $select answer: {summary}"));
    }
    eprintln!("graph-client: {} reads of {} paths, typed by the schemas; {summary}", answers.len(), known.len());
    Ok(())
}
