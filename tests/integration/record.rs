//! Recording: `record` against `serve` whose data carries canary values (a user principal name, a
//! person's name, a tenant id, the very token the recording uses) writes case files in which none
//! of them appears, with a redaction report; the recording replays offline against the embedded
//! server, and against the served "tenant" with discovery binding real ids again.

use crate::support;

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_graph-conformance");
const TOKEN: &str = "CanaryToken-5f1e9";
const UPN: &str = "canary.person@contoso-canary.com";
const NAME: &str = "Canary Person";
const TENANT: &str = "ca11ab1e-0000-4bad-b0b0-000000000042";

fn serve(extra: &[&str]) -> support::Serve {
    support::serve(BIN, extra)
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        let target = to.join(p.file_name().unwrap());
        if p.is_dir() {
            copy_dir(&p, &target);
        } else {
            std::fs::copy(&p, &target).unwrap();
        }
    }
}

fn edit(path: &Path, change: impl FnOnce(&mut Value)) {
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    change(&mut v);
    std::fs::write(path, serde_json::to_string_pretty(&v).unwrap()).unwrap();
}

/// The project's cases with canaries planted in the documented data the server is seeded from.
fn planted_cases(root: &Path) -> PathBuf {
    let dir = root.join("cases");
    let _ = std::fs::remove_dir_all(&dir);
    copy_dir(Path::new("cases/beta"), &dir);
    edit(
        &dir.join(
            "identitygovernance-userprocessingresult-get/lifecycleworkflows_get_run_userprocessingresult_e1.json",
        ),
        |v| {
            v["response"]["body"]["subject"] = serde_json::json!({
                "id": "ea09ac2e-77e3-4134-85f2-25ccf3c33387",
                "displayName": NAME,
                "userPrincipalName": UPN,
                "mail": UPN,
                "tenantId": TENANT,
            });
        },
    );
    edit(&dir.join("identitygovernance-workflow-get/lifecycleworkflows_get_workflow.json"), |v| {
        v["response"]["body"]["description"] = Value::String(format!("ask {UPN} (tenant {TENANT}); token {TOKEN}"));
    });
    dir
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(files_under(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn a_recording_holds_no_canary_and_replays_offline_and_on_the_tenant() {
    let root = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("record");
    let cases = planted_cases(&root);
    let served = serve(&["--cases", cases.to_str().unwrap(), "--entities", "50"]);
    for (tag, extra) in [("documented", vec![]), ("discovered", vec!["--discover", "--max-entities", "3"])] {
        let out = root.join(format!("recorded-{tag}"));
        let _ = std::fs::remove_dir_all(&out);
        let o = support::clean_command(BIN)
            .args(["record", "--target", &served.1, "--token", TOKEN, "--cases", cases.to_str().unwrap()])
            .arg("--out")
            .arg(&out)
            .args(&extra)
            .output()
            .unwrap();
        assert!(o.status.success(), "{tag}: {}", text(&o));
        assert!(!text(&o).contains(TOKEN), "{tag}: the token was printed");
        let files = files_under(&out);
        assert!(files.len() > 30, "{tag}: {} files", files.len());
        for f in &files {
            let content = std::fs::read_to_string(f).unwrap();
            for canary in [TOKEN, UPN, NAME, TENANT, "contoso-canary", "ea09ac2e-77e3"] {
                assert!(!content.contains(canary), "{tag}: {canary} is in {}", f.display());
            }
        }
        let report: Value =
            serde_json::from_str(&std::fs::read_to_string(out.join("redaction-report.json")).unwrap()).unwrap();
        let kinds: Vec<&str> =
            report["kinds"].as_array().unwrap().iter().map(|k| k["kind"].as_str().unwrap()).collect();
        if tag == "documented" {
            for kind in ["object id (GUID)", "mail address", "user principal name", "person's name", "secret or token"]
            {
                assert!(kinds.contains(&kind), "{tag}: the report counts {kind}: {kinds:?}");
            }
        }
        // Offline, against the embedded server seeded from the recording itself.
        let o = support::clean_command(BIN).args(["run", "-q", "--cases"]).arg(&out).output().unwrap();
        assert!(o.status.success(), "{tag}: the recording replays offline: {}", text(&o));
        // Against the same tenant: discovery binds its real ids to the recorded cases.
        let o = support::clean_command(BIN)
            .args([
                "run",
                "-q",
                "--target",
                &served.1,
                "--token",
                TOKEN,
                "--discover",
                "--max-entities",
                "2",
                "--cases",
            ])
            .arg(&out)
            .output()
            .unwrap();
        assert!(o.status.success(), "{tag}: the recording replays on the tenant: {}", text(&o));
    }
}
