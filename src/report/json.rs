//! `--json PATH`: one JSON document, written as cases finish (nothing is held), counts at the end:
//! `{"cases": [{"name", "outcome", "message", "rules", "warnings", "requestId", ...}], "passed", "failed", "ignored"}`.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use serde_json::json;

use super::{CaseReport, Outcome, RenderOptions, render_failure};
use crate::target::Redactor;

/// A JSON report being written.
pub struct JsonReport {
    out: BufWriter<File>,
    path: std::path::PathBuf,
    first: bool,
    passed: u64,
    failed: u64,
    ignored: u64,
}

impl JsonReport {
    pub fn create(path: &Path) -> Result<Self, String> {
        let file = File::create(path).map_err(|e| format!("cannot write the JSON report {}: {e}", path.display()))?;
        let mut out = BufWriter::new(file);
        let fail = |e: std::io::Error| format!("cannot write the JSON report {}: {e}", path.display());
        out.write_all(b"{\"cases\":[\n").map_err(fail)?;
        Ok(JsonReport { out, path: path.to_path_buf(), first: true, passed: 0, failed: 0, ignored: 0 })
    }

    /// Appends one case (its message rendered plain and redacted).
    pub fn add(&mut self, r: &CaseReport, redactor: &Redactor) -> Result<(), String> {
        let message = match &r.outcome {
            Outcome::Passed => None,
            Outcome::Failed => Some(redactor.redact(&render_failure(r, RenderOptions::default()))),
            Outcome::Ignored(reason) => Some(reason.clone()),
        };
        match r.outcome {
            Outcome::Passed => self.passed += 1,
            Outcome::Failed => self.failed += 1,
            Outcome::Ignored(_) => self.ignored += 1,
        }
        let x = r.exchange.as_ref();
        let item = json!({
            "name": r.name,
            "outcome": r.outcome.label(),
            "message": message,
            "rules": r.failed_rules(),
            "warnings": r.warnings().map(|f| format!("{}: {}", f.rule, redactor.redact(&f.message))).collect::<Vec<_>>(),
            "status": x.and_then(|x| x.status),
            "requestId": x.and_then(|x| x.request_id.clone()),
            "clientRequestId": x.map(|x| x.client_request_id.clone()),
            "date": x.and_then(|x| x.date.clone()),
            "retries": r.retries.iter().map(|n| n.to_string()).collect::<Vec<_>>(),
            "elapsedMs": x.map(|x| x.elapsed.as_millis() as u64),
        });
        let path = self.path.display().to_string();
        let fail = |e: &dyn std::fmt::Display| format!("cannot write the JSON report {path}: {e}");
        if !self.first {
            self.out.write_all(b",\n").map_err(|e| fail(&e))?;
        }
        self.first = false;
        serde_json::to_writer(&mut self.out, &item).map_err(|e| fail(&e))
    }

    /// Writes the counts and closes the document.
    pub fn finish(mut self) -> Result<(), String> {
        let path = self.path.display().to_string();
        let fail = |e: std::io::Error| format!("cannot write the JSON report {path}: {e}");
        write!(self.out, "\n],\"passed\":{},\"failed\":{},\"ignored\":{}}}\n", self.passed, self.failed, self.ignored)
            .map_err(fail)?;
        self.out.flush().map_err(fail)
    }
}
