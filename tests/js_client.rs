//! Microsoft's JavaScript Graph client against `serve --tls-self-signed`: a get, a `$select` and a
//! paged list through its PageIterator (which follows `@odata.nextLink` only over https). The
//! client comes from npm, installed by this test into `target/js-client/`. Without node and npm the
//! test is reported as ignored with the reason; `.ci/run` installs them, so CI always runs it.

mod support;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use libtest_mimic::{Arguments, Completion, Failed, Trial};

const BIN: &str = env!("CARGO_BIN_EXE_graph-conformance");
const PACKAGE: &str = "@microsoft/microsoft-graph-client@3";

fn main() -> std::process::ExitCode {
    let args = Arguments::from_args();
    let trial =
        Trial::ignorable_test(
            "js_client::microsoft_graph_client_gets_selects_and_pages_over_https",
            || match prepare() {
                Ok(dir) => drive(&dir).map(|()| Completion::Completed).map_err(Failed::from),
                Err(Unready::Ignore(reason)) => Ok(Completion::ignored_with(reason)),
                Err(Unready::Fail(e)) => Err(Failed::from(e)),
            },
        );
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

fn drive(dir: &Path) -> Result<(), String> {
    let mut child = support::clean_command(BIN)
        .args(["serve", "--port", "0", "--tls-self-signed", "--entities", "3000", "--page-size", "50"])
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
    if !root.starts_with("https://localhost:") {
        return Err(format!("serve --tls-self-signed printed {root}"));
    }
    let out = Command::new("node")
        .current_dir(dir)
        .arg("graph_client.cjs")
        .env("GRAPH_ROOT", &root)
        .env("NODE_EXTRA_CA_CERTS", &cert)
        .output()
        .map_err(|e| format!("node cannot start: {e}"))?;
    drop(served);
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        return Err(format!("the JavaScript client failed:\n{stdout}\n{}", String::from_utf8_lossy(&out.stderr)));
    }
    let seen: serde_json::Value =
        serde_json::from_str(stdout.trim()).map_err(|e| format!("the script printed {stdout}: {e}"))?;
    let paged = seen["paged"].as_u64().unwrap_or(0);
    if paged < 3 || seen["select"] != serde_json::json!(["displayName", "id"]) {
        return Err(format!("unexpected: {seen}"));
    }
    eprintln!("graph-client: {seen}");
    Ok(())
}
