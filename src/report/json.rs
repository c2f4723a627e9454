//! `--json PATH`: the run as data, format version 2, described by `docs/report-v2.schema.json`:
//! the tool, the target (redacted), the profile, when and how long, counts per outcome and per
//! rule, and every case (sorted by name) with its request, status, findings, sources and trace ids.
//!
//! Memory stays flat however many cases a run has: cases are serialized as they finish, sorted in
//! chunks spilled to temporary files, and merged into the report at the end.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::json;

use super::file::ReportFile;
use super::{CaseReport, Outcome, RenderOptions, render_failure, sources};
use crate::check::Severity;
use crate::target::Redactor;

/// The report format's version; bumped on any change a reader could notice.
pub const FORMAT_VERSION: u32 = 2;
/// Cases held in memory before a sorted chunk is spilled.
const CHUNK_CASES: usize = 20_000;
/// Bytes held in memory before a sorted chunk is spilled.
const CHUNK_BYTES: usize = 16 * 1024 * 1024;
/// Chunk files merged at once; more are merged into one first.
const MAX_RUNS: usize = 128;

/// What the report says about the run as a whole.
#[derive(Debug, Clone)]
pub struct RunInfo {
    /// The service root (redacted), or `embedded`; in `diff`, the baseline.
    pub target: String,
    /// In `diff`: the candidate compared with the baseline (`target`).
    pub candidate: Option<String>,
    pub profile: String,
    /// Only failed cases are written (the counts still cover every case).
    pub failures_only: bool,
}

/// A JSON report being written.
pub struct JsonReport {
    head: ReportFile,
    rules: BTreeMap<&'static str, u64>,
    chunk: Vec<(String, String)>,
    chunk_bytes: usize,
    /// Where sorted chunks go when the cases outgrow memory: a hidden folder beside the report
    /// (never outside the report's own folder), removed when the report is finished or dropped.
    parts: PathBuf,
    spill_dir: Option<PathBuf>,
    runs: Vec<PathBuf>,
    /// Per version: which GET paths of the tree the loaded cases read.
    coverage: serde_json::Map<String, serde_json::Value>,
    /// The comparison with `--baseline`, when there is one.
    baseline: Option<serde_json::Value>,
}

impl JsonReport {
    pub fn create(path: &Path, info: RunInfo) -> Result<Self, String> {
        let name = path.file_name().map_or_else(|| "report".into(), |n| n.to_string_lossy().into_owned());
        let parts = path.with_file_name(format!(".{name}.parts-{}", std::process::id()));
        Ok(JsonReport {
            head: ReportFile::create("JSON report", path, info)?,
            rules: BTreeMap::new(),
            chunk: Vec::new(),
            chunk_bytes: 0,
            parts,
            spill_dir: None,
            runs: Vec::new(),
            coverage: serde_json::Map::new(),
            baseline: None,
        })
    }

    /// Sets the comparison with `--baseline` (before [`JsonReport::finish`]).
    pub fn set_baseline(&mut self, summary: serde_json::Value) {
        self.baseline = Some(summary);
    }

    fn fail(&self, e: impl std::fmt::Display) -> String {
        self.head.fail(e)
    }

    /// Adds a version's coverage (what its loaded cases read, not what ran: see the cases).
    pub fn add_coverage(&mut self, version: &str, rows: &[crate::case::coverage::Row]) {
        self.coverage.insert(version.to_string(), crate::case::coverage::to_json(rows));
    }

    /// Adds one finished case (already redacted where it was made; rendered text is redacted again).
    pub fn add(
        &mut self,
        r: &CaseReport,
        redactor: &Redactor,
        delta: Option<&super::baseline::Delta>,
    ) -> Result<(), String> {
        self.head.count(r);
        for rule in failed_rules(r) {
            *self.rules.entry(rule).or_default() += 1;
        }
        if self.head.info.failures_only && r.outcome != Outcome::Failed {
            return Ok(());
        }
        let text = serde_json::to_string(&case_json(r, redactor, delta)).map_err(|e| self.fail(e))?;
        // The case as written, redacted again: a secret in any field, escaped or not, never lands.
        let text = crate::target::secret::redact(&text).into_owned();
        self.chunk_bytes += text.len() + r.name.len();
        self.chunk.push((r.name.clone(), text));
        if self.chunk.len() >= CHUNK_CASES || self.chunk_bytes >= CHUNK_BYTES {
            self.spill()?;
        }
        Ok(())
    }

    /// Writes the held cases, sorted, to a chunk file.
    fn spill(&mut self) -> Result<(), String> {
        if self.chunk.is_empty() {
            return Ok(());
        }
        let dir = match &self.spill_dir {
            Some(d) => d.clone(),
            None => {
                let d = self.parts.clone();
                std::fs::create_dir_all(&d).map_err(|e| self.fail(format!("{}: {e}", d.display())))?;
                self.spill_dir = Some(d.clone());
                d
            }
        };
        self.chunk.sort_by(|a, b| a.0.cmp(&b.0));
        let path = dir.join(format!("run-{}.jsonl", self.runs.len()));
        let mut out = BufWriter::new(File::create(&path).map_err(|e| self.fail(format!("{}: {e}", path.display())))?);
        for (name, text) in self.chunk.drain(..) {
            let key = serde_json::to_string(&name).map_err(|e| format!("{e}"))?;
            writeln!(out, "{key}\t{text}").map_err(|e| format!("{}: {e}", path.display()))?;
        }
        out.flush().map_err(|e| self.fail(format!("{}: {e}", path.display())))?;
        self.chunk_bytes = 0;
        self.runs.push(path);
        if self.runs.len() >= MAX_RUNS {
            let merged = dir.join(format!("merged-{}.jsonl", self.runs.len()));
            let runs = std::mem::take(&mut self.runs);
            let mut out = BufWriter::new(File::create(&merged).map_err(|e| self.fail(e))?);
            merge(&runs, |key, text| writeln!(out, "{key}\t{text}")).map_err(|e| self.fail(e))?;
            out.flush().map_err(|e| self.fail(e))?;
            for r in runs {
                let _ = std::fs::remove_file(r);
            }
            self.runs.push(merged);
        }
        Ok(())
    }

    /// Writes the whole document and removes the chunk files.
    pub fn finish(mut self) -> Result<(), String> {
        let result = self.write_document();
        if let Some(d) = self.spill_dir.take() {
            let _ = std::fs::remove_dir_all(d);
        }
        result
    }


    fn write_document(&mut self) -> Result<(), String> {
        let file = self.head.take()?;
        let mut out = BufWriter::new(file);
        let [passed, failed, ignored] = self.head.counts;
        let head = json!({
            "format": "graph-conformance-report",
            "version": FORMAT_VERSION,
            "tool": { "name": "graph-conformance", "version": env!("CARGO_PKG_VERSION") },
            "target": self.head.info.target,
            "candidate": self.head.info.candidate,
            "profile": self.head.info.profile,
            "started": self.head.started.to_string(),
            "durationMs": self.head.clock.elapsed().as_millis() as u64,
            "counts": { "total": passed + failed + ignored, "passed": passed, "failed": failed, "ignored": ignored },
            "rules": self.rules.iter().map(|(k, v)| (k.to_string(), json!({ "failedCases": v }))).collect::<serde_json::Map<_, _>>(),
            "failuresOnly": self.head.info.failures_only,
            "baseline": self.baseline,
            "coverage": self.coverage,
        });
        let head = serde_json::to_string_pretty(&head).map_err(|e| self.fail(e))?;
        // The head without its closing brace, then the cases.
        let open = head.trim_end().strip_suffix('}').unwrap_or(&head).trim_end();
        write!(out, "{open},\n  \"cases\": [").map_err(|e| self.fail(e))?;
        {
            let mut first = true;
            let mut put = |text: &str| -> std::io::Result<()> {
                out.write_all(if first { b"\n    " } else { b",\n    " })?;
                first = false;
                out.write_all(text.as_bytes())
            };
            if self.runs.is_empty() {
                self.chunk.sort_by(|a, b| a.0.cmp(&b.0));
                for (_, text) in &self.chunk {
                    put(text).map_err(|e| self.fail(e))?;
                }
            } else {
                self.spill()?;
                merge(&self.runs, |_, text| put(text)).map_err(|e| self.fail(e))?;
            }
        }
        out.write_all(b"\n  ]\n}\n").map_err(|e| self.fail(e))?;
        let file = out.into_inner().map_err(|e| self.fail(e.error()))?;
        file.commit().map_err(|e| self.fail(e))
    }
}

impl Drop for JsonReport {
    /// A run that ends without finishing its report (a setup error after it began) leaves no chunks.
    fn drop(&mut self) {
        if let Some(d) = self.spill_dir.take() {
            let _ = std::fs::remove_dir_all(d);
        }
    }
}

/// Merges sorted chunk files (lines `"<name as JSON>"\t<case>`) in name order.
fn merge(runs: &[PathBuf], mut put: impl FnMut(&str, &str) -> std::io::Result<()>) -> Result<(), String> {
    let mut readers: Vec<std::io::Lines<BufReader<File>>> = Vec::with_capacity(runs.len());
    for r in runs {
        let f = File::open(r).map_err(|e| format!("{}: {e}", r.display()))?;
        readers.push(BufReader::new(f).lines());
    }
    let mut heap: BinaryHeap<Reverse<(String, usize, String)>> = BinaryHeap::new();
    let next =
        |readers: &mut Vec<std::io::Lines<BufReader<File>>>, i: usize| -> Result<Option<(String, String)>, String> {
            match readers[i].next() {
                None => Ok(None),
                Some(Err(e)) => Err(e.to_string()),
                Some(Ok(line)) => {
                    let (key, text) = line.split_once('\t').ok_or("a chunk line without its key")?;
                    let name: String = serde_json::from_str(key).map_err(|e| e.to_string())?;
                    Ok(Some((name, format!("{key}\t{text}"))))
                }
            }
        };
    for i in 0..readers.len() {
        if let Some((name, line)) = next(&mut readers, i)? {
            heap.push(Reverse((name, i, line)));
        }
    }
    while let Some(Reverse((_, i, line))) = heap.pop() {
        let (key, text) = line.split_once('\t').unwrap_or(("", &line));
        put(key, text).map_err(|e| e.to_string())?;
        if let Some((name, line)) = next(&mut readers, i)? {
            heap.push(Reverse((name, i, line)));
        }
    }
    Ok(())
}

/// The rules a failed case broke (`harness` when it broke none: a case file that cannot be read, a
/// panic).
pub fn failed_rules(r: &CaseReport) -> Vec<&'static str> {
    let mut rules = r.failed_rules();
    if r.outcome == Outcome::Failed && rules.is_empty() {
        rules.push("harness");
    }
    rules
}

/// One case as the report holds it: borrowed from the report, serialized straight to text (no
/// intermediate `Value`; this runs once per case).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CaseJson<'a> {
    name: &'a str,
    suite: &'a str,
    outcome: &'static str,
    duration_ms: Option<u64>,
    request: Option<RequestJson<'a>>,
    status: Option<u16>,
    rules: Vec<&'static str>,
    findings: Vec<FindingJson<'a>>,
    error: Option<String>,
    source: SourceJson,
    trace: Option<TraceJson<'a>>,
    retries: Vec<String>,
    reason: Option<&'a str>,
    message: Option<String>,
    rerun: Option<&'a str>,
    /// Against `--baseline`: new-failure, fixed, still-failing, new-case or same.
    baseline: Option<&'static str>,
    new_rules: Vec<&'static str>,
    fixed_rules: Vec<String>,
}

#[derive(Serialize)]
struct RequestJson<'a> {
    method: &'a str,
    url: String,
}

#[derive(Serialize)]
struct FindingJson<'a> {
    rule: &'static str,
    severity: &'static str,
    pointer: &'a str,
    expected: Option<&'a str>,
    actual: Option<&'a str>,
    message: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SourceJson {
    case_file: Option<String>,
    case_line: Option<u32>,
    doc_page: Option<String>,
    doc_line: Option<u32>,
    doc_url: Option<String>,
    derived: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TraceJson<'a> {
    request_id: Option<&'a str>,
    client_request_id: &'a str,
    date: Option<&'a str>,
}

/// One case as the report holds it.
pub fn case_json<'a>(r: &'a CaseReport, redactor: &Redactor, delta: Option<&super::baseline::Delta>) -> CaseJson<'a> {
    let x = r.exchange.as_ref();
    let findings = r
        .findings
        .iter()
        .map(|f| FindingJson {
            rule: f.rule,
            severity: if f.severity == Severity::Failure { "failure" } else { "warning" },
            pointer: &f.at,
            expected: f.expected.as_deref(),
            actual: f.actual.as_deref(),
            message: redactor.redact(&f.message),
        })
        .collect();
    let non_empty = |u: &String| (!u.is_empty()).then(|| u.clone());
    let source = if r.outcome == Outcome::Failed {
        let s = sources(r);
        SourceJson {
            case_file: s.case_file.as_ref().map(|(f, _)| f.display().to_string()),
            case_line: s.case_file.as_ref().map(|(_, l)| *l),
            doc_page: s.doc.as_ref().map(|d| d.page.clone()),
            doc_line: s.doc.as_ref().map(|d| d.line),
            doc_url: s.doc.as_ref().and_then(|d| non_empty(&d.url)),
            derived: s.derived,
        }
    } else {
        SourceJson {
            case_file: r.origin.file.as_ref().map(|f| f.display().to_string()),
            case_line: None,
            doc_page: r.origin.doc.as_ref().map(|d| d.page.clone()),
            doc_line: r.origin.doc.as_ref().map(|d| d.response_line),
            doc_url: r.origin.doc.as_ref().and_then(|d| non_empty(&d.url)),
            derived: r.origin.derived.clone(),
        }
    };
    let (reason, message) = match &r.outcome {
        Outcome::Passed => (None, None),
        Outcome::Failed => (None, Some(redactor.redact(&render_failure(r, RenderOptions::default())))),
        Outcome::Ignored(reason) => (Some(reason.as_str()), None),
    };
    CaseJson {
        name: &r.name,
        suite: &r.suite,
        outcome: r.outcome.label(),
        duration_ms: x.map(|x| x.elapsed.as_millis() as u64),
        request: x.map(|x| RequestJson { method: &x.method, url: redactor.redact(&x.url) }),
        status: x.and_then(|x| x.status),
        rules: failed_rules(r),
        findings,
        error: r.error.as_ref().map(|e| redactor.redact(e)),
        source,
        trace: x.map(|x| TraceJson {
            request_id: x.request_id.as_deref(),
            client_request_id: &x.client_request_id,
            date: x.date.as_deref(),
        }),
        retries: r.retries.iter().map(|n| n.to_string()).collect(),
        reason,
        message,
        rerun: (!r.rerun.is_empty()).then_some(r.rerun.as_str()),
        baseline: delta.map(|d| d.change.as_str()),
        new_rules: delta.map(|d| d.new_rules.clone()).unwrap_or_default(),
        fixed_rules: delta.map(|d| d.fixed_rules.clone()).unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(name: &str, failed: bool) -> CaseReport {
        let mut r = CaseReport::new(name.into(), "s".into());
        if failed {
            r.outcome = Outcome::Failed;
            r.findings.push(crate::check::Finding::failure("status", "", "expected 200, got 500"));
        }
        r
    }

    #[test]
    fn cases_come_out_sorted_through_spilled_chunks() {
        let path = std::env::temp_dir().join(format!("gc-json-{}.json", std::process::id()));
        let info =
            RunInfo { target: "embedded".into(), candidate: None, profile: "reference".into(), failures_only: false };
        let mut j = JsonReport::create(&path, info).unwrap();
        let redactor = Redactor::default();
        let n = CHUNK_CASES * 2 + 17;
        for i in 0..n {
            // Names arrive out of order.
            let k = (i * 7919) % n;
            j.add(&report(&format!("case-{k:06}"), k.is_multiple_of(1000)), &redactor, None).unwrap();
        }
        assert_eq!(j.runs.len(), 2, "two chunks were spilled");
        let spill = j.spill_dir.clone().unwrap();
        assert_eq!(spill.parent(), path.parent(), "the chunks are beside the report, not in a shared folder");
        j.finish().unwrap();
        assert!(!spill.exists(), "the chunk files are removed");
        let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let names: Vec<&str> = v["cases"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
        assert_eq!(names.len(), n);
        assert!(names.windows(2).all(|w| w[0] < w[1]), "sorted by name");
        assert_eq!(v["counts"]["failed"], (n as u64).div_ceil(1000));
        assert_eq!(v["rules"]["status"]["failedCases"], v["counts"]["failed"]);
        assert_eq!(v["version"], 2);
        assert!(v["baseline"].is_null() && v["cases"][0]["baseline"].is_null(), "no baseline, no comparison");
        let _ = std::fs::remove_file(path);
    }
}
