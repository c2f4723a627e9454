//! Reports: a case's result as data ([`CaseReport`]), rendered for people ([`render_failure`]) and
//! written for machines ([`json::JsonReport`], [`junit::JunitReport`]).

pub mod baseline;
pub mod diff;
pub mod file;
pub mod har;
pub mod html;
pub mod json;
pub mod junit;
pub mod locate;
pub mod style;
pub mod term;
pub mod verdict;

use std::fmt::Write as _;
use std::time::Duration;

use serde_json::Value;

use crate::case::Origin;
use crate::check::{Finding, Severity, rule};
use crate::target::{Redactor, RetryNote};

pub use style::Palette;

/// How a case ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Passed,
    Failed,
    Ignored(String),
}

impl Outcome {
    pub fn label(&self) -> &'static str {
        match self {
            Outcome::Passed => "passed",
            Outcome::Failed => "failed",
            Outcome::Ignored(_) => "ignored",
        }
    }
}

/// The identifiers support needs to trace one answer.
#[derive(Debug, Clone, Default)]
pub struct ExchangeInfo {
    pub method: String,
    pub url: String,
    pub status: Option<u16>,
    pub request_id: Option<String>,
    pub client_request_id: String,
    pub date: Option<String>,
    pub elapsed: Duration,
}

/// Everything known about one case's run.
#[derive(Debug, Clone)]
pub struct CaseReport {
    pub name: String,
    pub suite: String,
    pub outcome: Outcome,
    pub findings: Vec<Finding>,
    /// Documented body and the normalized answer, when a documented value differs.
    pub diff: Option<(Value, Value)>,
    /// The answer's body, when a shape rule failed and there is nothing to diff against.
    pub excerpt: Option<Value>,
    pub exchange: Option<ExchangeInfo>,
    /// The harness could not get an answer (timeout, connection, limits, a broken case file).
    pub error: Option<String>,
    pub retries: Vec<RetryNote>,
    pub origin: Origin,
    pub notes: Vec<String>,
    /// The command that reruns exactly this case.
    pub rerun: String,
    /// The rules whose checks looked at this case's answer (the HTML report's "exercised").
    pub checked: crate::check::RuleSet,
    /// A failed case's answer as it came: headers and (the start of) the body.
    pub answer: Option<AnswerCopy>,
    /// A failed case's request as it was sent (the token shown as `[REDACTED]`).
    pub request: Option<RequestCopy>,
    /// Its [`Sources`], found once (they read the case file and the local page) for every report
    /// that shows them.
    located: std::sync::OnceLock<Sources>,
}

/// What a failed case sent, for `--verbose` and `--har`.
#[derive(Debug, Clone, Default)]
pub struct RequestCopy {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
}

/// What a failed case's answer looked like, for reports that show it (`--html`, `--har`).
#[derive(Debug, Clone, Default)]
pub struct AnswerCopy {
    pub headers: Vec<(String, String)>,
    /// The body as text, cut at [`AnswerCopy::MAX_BODY`] bytes.
    pub body: String,
    pub truncated: bool,
}

impl AnswerCopy {
    pub const MAX_BODY: usize = 64 * 1024;

    pub fn of(answer: &crate::check::Answer) -> Self {
        let headers = answer
            .headers
            .iter()
            .map(|(k, v)| (k.as_str().to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
            .collect();
        let cut = answer.body.len().min(Self::MAX_BODY);
        let mut end = cut;
        let text = loop {
            match std::str::from_utf8(&answer.body[..end]) {
                Ok(t) => break t.to_string(),
                Err(e) if e.valid_up_to() > 0 && end > e.valid_up_to() && end - e.valid_up_to() < 4 => {
                    end = e.valid_up_to()
                }
                Err(_) => break String::from_utf8_lossy(&answer.body[..cut]).into_owned(),
            }
        };
        AnswerCopy { headers, body: text, truncated: answer.body.len() > cut }
    }
}

impl CaseReport {
    /// A passed report with nothing in it yet.
    pub fn new(name: String, suite: String) -> Self {
        CaseReport {
            name,
            suite,
            outcome: Outcome::Passed,
            findings: Vec::new(),
            diff: None,
            excerpt: None,
            exchange: None,
            error: None,
            retries: Vec::new(),
            origin: Origin::default(),
            notes: Vec::new(),
            rerun: String::new(),
            checked: crate::check::RuleSet::default(),
            answer: None,
            request: None,
            located: std::sync::OnceLock::new(),
        }
    }

    /// The failed report of a case file (or suite file) that cannot be used.
    pub fn broken(b: &crate::case::load::BrokenCase) -> Self {
        let mut r = CaseReport::new(format!("{}::{}", b.suite, b.name), b.suite.clone());
        r.outcome = Outcome::Failed;
        r.error = Some(b.message.clone());
        r.origin = Origin { file: Some(b.file.clone()), ..Default::default() };
        r
    }

    pub fn failures(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.severity == Severity::Failure)
    }
    pub fn warnings(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.severity == Severity::Warning)
    }
    /// Replaces every known secret in everything the report holds, so no printer, report file or
    /// caller can leak one, whatever the server echoed; and escapes the control and bidi characters
    /// of every one-line field (names, pointers, messages, ids), so no server can forge a line.
    pub fn redact(&mut self, redactor: &Redactor) {
        // One-line fields: redacted first (a secret is never cut or escaped apart), then escaped.
        let line = |s: &mut String| {
            redactor.redact_in_place(s);
            term::one_line_in_place(s);
        };
        // A block of text (a body, a request): redacted; the printers escape what they show.
        let r = |s: &mut String| redactor.redact_in_place(s);
        // A name carries ids a server sent: a server that puts a secret into an id must not get
        // it printed through the case's name.
        line(&mut self.name);
        line(&mut self.suite);
        line(&mut self.rerun);
        for f in &mut self.findings {
            line(&mut f.at);
            line(&mut f.message);
            f.expected.iter_mut().for_each(line);
            f.actual.iter_mut().for_each(line);
        }
        if let Some((a, b)) = self.diff.as_mut() {
            redact_value(a, redactor);
            redact_value(b, redactor);
        }
        if let Some(v) = self.excerpt.as_mut() {
            redact_value(v, redactor);
        }
        if let Some(x) = self.exchange.as_mut() {
            line(&mut x.url);
            line(&mut x.method);
            x.request_id.iter_mut().for_each(line);
            line(&mut x.client_request_id);
            x.date.iter_mut().for_each(line);
        }
        // The error is this program's own text (it may span lines); what it quotes was clipped, so
        // escaped, where it was quoted.
        self.error.iter_mut().for_each(|s| {
            redactor.redact_in_place(s);
            term::lines_in_place(s);
        });
        self.notes.iter_mut().for_each(line);
        self.origin.derived.iter_mut().for_each(line);
        for note in &mut self.retries {
            note.redact();
        }
        if let Some(q) = self.request.as_mut() {
            line(&mut q.url);
            q.body.iter_mut().for_each(r);
            for (k, v) in &mut q.headers {
                if k.eq_ignore_ascii_case("authorization") && v.len() > "Bearer ".len() {
                    *v = "Bearer [REDACTED]".into();
                }
                line(k);
                line(v);
            }
        }
        if let Some(a) = self.answer.as_mut() {
            r(&mut a.body);
            for (k, v) in &mut a.headers {
                if k.eq_ignore_ascii_case("authorization") || k.eq_ignore_ascii_case("set-cookie") {
                    *v = "[REDACTED]".into();
                }
                line(k);
                line(v);
            }
        }
    }

    /// The rule ids that failed, deduplicated in order.
    pub fn failed_rules(&self) -> Vec<&'static str> {
        let mut ids: Vec<&'static str> = Vec::new();
        for f in self.failures() {
            if !ids.contains(&f.rule) {
                ids.push(f.rule);
            }
        }
        ids
    }
}

/// Rendering limits.
#[derive(Debug, Clone, Copy)]
pub struct RenderOptions {
    pub palette: Palette,
    /// Lines of diff (or body excerpt) shown; 0 = all.
    pub diff_lines: usize,
    /// Append the full request and answer (`--verbose`).
    pub verbose: bool,
}

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions { palette: Palette::PLAIN, diff_lines: 60, verbose: false }
    }
}

/// Redacts every string of a JSON value, the keys of its objects included (a server may use a
/// secret as a property name).
pub fn redact_value(v: &mut Value, redactor: &Redactor) {
    match v {
        Value::String(s) => redactor.redact_in_place(s),
        Value::Array(items) => items.iter_mut().for_each(|i| redact_value(i, redactor)),
        Value::Object(map) => {
            let dirty = map.keys().any(|k| matches!(crate::target::secret::redact(k), std::borrow::Cow::Owned(_)));
            if dirty {
                let old = std::mem::take(map);
                for (mut k, mut x) in old {
                    redactor.redact_in_place(&mut k);
                    redact_value(&mut x, redactor);
                    map.insert(k, x);
                }
            } else {
                map.values_mut().for_each(|i| redact_value(i, redactor));
            }
        }
        _ => {}
    }
}

/// The failure message of a case: what broke, where, the diff, how to trace and rerun it.
pub fn render_failure(r: &CaseReport, opts: RenderOptions) -> String {
    let p = opts.palette;
    let mut out = String::new();
    if let Some(x) = &r.exchange {
        let status = match (x.status, &r.error, r.failed_rules().contains(&"transport")) {
            (Some(s), _, true) => format!("{s}, then the answer broke off"),
            (Some(s), _, false) => s.to_string(),
            (None, _, _) => "no answer".to_string(),
        };
        let _ = writeln!(out, "{} {} -> {status}", x.method, x.url);
    }
    if let Some(e) = &r.error {
        let _ = writeln!(out, "{} {e}", p.rule("error:"));
    }
    let rules = r.failed_rules();
    if !rules.is_empty() {
        let _ = writeln!(out, "{} {}", p.rule("broken rules:"), rules.join(", "));
    }
    for f in r.failures().chain(r.warnings()) {
        let (mark, sev) = match f.severity {
            Severity::Failure => ("✗", String::new()),
            Severity::Warning => ("!", p.warn(" (warning)")),
        };
        let at = if f.at.is_empty() { String::new() } else { format!(" at {}", f.at) };
        let _ = writeln!(out, "  {mark} {}{at}{sev}: {}", p.rule(f.rule), f.message);
        if let (Some(e), Some(a)) = (&f.expected, &f.actual) {
            let _ = writeln!(out, "      expected: {e}");
            let _ = writeln!(out, "      actual:   {a}");
        }
    }
    let differential = rules.iter().any(|r| r.starts_with("diff."));
    let labels = if differential { ("baseline", "candidate") } else { ("documented", "answer") };
    if let Some((expected, actual)) = &r.diff
        && let Some(d) = diff::json_diff_labeled(expected, actual, labels, opts.diff_lines, p)
    {
        let title = if differential {
            "baseline's answer (-) vs candidate's (+), keys sorted, each side's service root and next-link token normalized:"
        } else {
            "documented body (-) vs answer (+), keys sorted, equivalent values and undocumented properties of a truncated example normalized:"
        };
        let _ = writeln!(out, "\n  {title}");
        for line in d.lines() {
            let _ = writeln!(out, "  {line}");
        }
    } else if let Some(body) = &r.excerpt {
        let _ = writeln!(out, "\n  the answer's body:");
        for line in diff::json_excerpt(body, opts.diff_lines).lines() {
            let _ = writeln!(out, "  {line}");
        }
    }
    out.push('\n');
    if let Some(x) = &r.exchange {
        let _ = writeln!(
            out,
            "  trace: request-id {}, client-request-id {}, date {}",
            x.request_id.as_deref().unwrap_or("(none)"),
            x.client_request_id,
            x.date.as_deref().unwrap_or("(none)")
        );
    }
    for note in &r.retries {
        let _ = writeln!(out, "  retry: {note}");
    }
    for note in &r.notes {
        let _ = writeln!(out, "  note: {note}");
    }
    for line in source_lines(r) {
        let _ = writeln!(out, "  {}", p.dim(&line));
    }
    for id in rules {
        if let Some(rule) = rule(id) {
            let _ = writeln!(out, "  {}", p.dim(&format!("rule {id}: {} [{}]", rule.requires, rule.source)));
        }
    }
    if opts.verbose {
        traffic(&mut out, r);
    }
    if let Some(q) = &r.request {
        let _ = writeln!(out, "  curl: {}", curl(q));
    }
    let _ = write!(out, "  rerun: {}", r.rerun);
    out
}

/// The request as a `curl` command line; the token is `$GRAPH_TOKEN`, expanded by the shell.
pub fn curl(q: &RequestCopy) -> String {
    let quote = |s: &str| format!("'{}'", s.replace('\'', "'\\''"));
    let mut line = String::from("curl -sS -i");
    if q.method != "GET" {
        line.push_str(&format!(" -X {}", q.method));
    }
    for (k, v) in &q.headers {
        if k.eq_ignore_ascii_case("authorization") && v.len() > "Bearer ".len() {
            line.push_str(" -H \"Authorization: Bearer $GRAPH_TOKEN\"");
        } else if !k.eq_ignore_ascii_case("client-request-id") {
            line.push_str(&format!(" -H {}", quote(&format!("{k}: {v}"))));
        }
    }
    if let Some(b) = &q.body {
        line.push_str(&format!(" -H 'Content-Type: application/json' --data {}", quote(b)));
    }
    line.push(' ');
    line.push_str(&quote(&q.url));
    line
}

/// The full request and answer of a failed case (`--verbose`), redacted like everything else.
fn traffic(out: &mut String, r: &CaseReport) {
    if let Some(q) = &r.request {
        let _ = writeln!(out, "\n  request:\n    {} {}", q.method, q.url);
        for (k, v) in &q.headers {
            let _ = writeln!(out, "    {k}: {v}");
        }
        if let Some(b) = &q.body {
            let _ = writeln!(out, "\n    {}", b.replace('\n', "\n    "));
        }
    }
    if let Some(a) = &r.answer {
        let status = r.exchange.as_ref().and_then(|x| x.status).map(|s| s.to_string()).unwrap_or_default();
        let _ = writeln!(out, "\n  answer:\n    HTTP {status}");
        for (k, v) in &a.headers {
            let _ = writeln!(out, "    {k}: {v}");
        }
        if !a.body.is_empty() {
            let cut = if a.truncated { "\n    … (cut at 64 KiB)" } else { "" };
            let _ = writeln!(out, "\n    {}{cut}", a.body.replace('\n', "\n    "));
        }
    }
    out.push('\n');
}

/// Where a case's expectation comes from, with lines: the case file (at the first failing value
/// when it is documented there), the doc page's example, or the generator of a derived case.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    pub case_file: Option<(std::path::PathBuf, u32)>,
    pub doc: Option<DocPointer>,
    pub derived: Option<String>,
}

/// A doc page's example, by its repository path and public URL; `local` is this very version of
/// the page on this machine (`GRAPH_DOCS_DIR`), whose `line` points at the failing value.
#[derive(Debug, Clone)]
pub struct DocPointer {
    pub page: String,
    pub url: String,
    pub line: u32,
    pub request_line: u32,
    pub local: Option<std::path::PathBuf>,
}

/// The sources of a finished report (the case file and a local page are read the first time).
pub fn sources(r: &CaseReport) -> Sources {
    r.located.get_or_init(|| locate_sources(r)).clone()
}

/// Finds a report's sources: reads the case file and a local page to find lines.
fn locate_sources(r: &CaseReport) -> Sources {
    let first_value = r.failures().find(|f| f.at.starts_with('/')).map(|f| f.at.clone());
    let case_file = r.origin.file.as_ref().map(|file| {
        let text = std::fs::read_to_string(file).unwrap_or_default();
        let response = locate::line_of(&text, "\"response\"");
        let line = first_value.as_deref().and_then(|p| locate::line_of_pointer(&text, response, p)).unwrap_or(response);
        (file.clone(), line)
    });
    let doc = r.origin.doc.as_ref().map(|doc| {
        let local = locate::local_page(doc);
        let line = local
            .as_ref()
            .and_then(|(_, text)| {
                first_value.as_deref().and_then(|p| locate::line_of_pointer(text, doc.response_line, p))
            })
            .unwrap_or(doc.response_line);
        let local = local.map(|(path, _)| path);
        DocPointer { page: doc.page.clone(), url: doc.url.clone(), line, request_line: doc.request_line, local }
    });
    Sources { case_file, doc, derived: r.origin.derived.clone() }
}

/// `--> file:line` pointers, as the failure block prints them.
fn source_lines(r: &CaseReport) -> Vec<String> {
    let s = sources(r);
    let mut lines = Vec::new();
    if let Some((file, line)) = &s.case_file {
        lines.push(format!("--> {}:{line}", file.display()));
    }
    if let Some(d) = &s.doc {
        match &d.local {
            Some(page) => lines.push(format!(
                "--> doc {}:{} (example request at line {})",
                page.display(),
                d.line,
                d.request_line
            )),
            None => lines
                .push(format!("--> doc {}:{} (example request at line {}) {}", d.page, d.line, d.request_line, d.url)),
        }
    }
    if let Some(d) = &s.derived {
        lines.push(format!("--> derived: {d}"));
    }
    lines
}
