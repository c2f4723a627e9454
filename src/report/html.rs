//! `--html PATH`: one self-contained page (no network, no external script or style): totals, a
//! bar per rule, a rule × suite matrix (exercised, passed, failed), and a filterable list of cases
//! with the failures first, each with its request, the answer's headers and body, the rendered
//! failure (diff included) and links to its case file and doc page.
//!
//! What it holds is bounded: every count, but at most [`MAX_FAILURES`] failure details and
//! [`MAX_OTHERS`] other rows (the page says how many it leaves out; `--json` has them all).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use super::file::ReportFile;
use super::json::{RunInfo, failed_rules};
use super::{CaseReport, Outcome, RenderOptions, render_failure, sources};
use crate::check::RULES;
use crate::target::Redactor;

pub const MAX_FAILURES: usize = 1_000;
pub const MAX_OTHERS: usize = 20_000;

struct Failure {
    name: String,
    suite: String,
    rules: Vec<&'static str>,
    request: Option<(String, String)>,
    status: Option<u16>,
    headers: Vec<(String, String)>,
    body: String,
    body_truncated: bool,
    message: String,
    case_file: Option<PathBuf>,
    doc_url: Option<String>,
    /// Against `--baseline`: new-failure or still-failing, and the newly broken rules.
    change: Option<(&'static str, Vec<&'static str>)>,
}

/// An HTML report being collected.
pub struct HtmlReport {
    head: ReportFile,
    /// Per suite, per rule (index in [`RULES`]): (exercised, failed).
    matrix: BTreeMap<String, Vec<(u64, u64)>>,
    failures: Vec<Failure>,
    failures_left: u64,
    others: Vec<(String, &'static str, String)>,
    others_left: u64,
    /// Per version: which GET paths of the tree the loaded cases read.
    coverage: Vec<(String, Vec<crate::case::coverage::Row>)>,
    /// The comparison with `--baseline`, as the terminal shows it.
    baseline: Option<Vec<String>>,
}

impl HtmlReport {
    pub fn create(path: &Path, info: RunInfo) -> Result<Self, String> {
        Ok(HtmlReport {
            head: ReportFile::create("HTML report", path, info)?,
            matrix: BTreeMap::new(),
            failures: Vec::new(),
            failures_left: 0,
            others: Vec::new(),
            others_left: 0,
            coverage: Vec::new(),
            baseline: None,
        })
    }

    /// Adds a version's coverage (what its loaded cases read).
    pub fn add_coverage(&mut self, version: &str, rows: &[crate::case::coverage::Row]) {
        self.coverage.push((version.to_string(), rows.to_vec()));
    }

    /// Sets the comparison with `--baseline` (before [`HtmlReport::finish`]).
    pub fn set_baseline(&mut self, lines: Vec<String>) {
        self.baseline = Some(lines);
    }

    pub fn add(&mut self, r: &CaseReport, redactor: &Redactor, delta: Option<&super::baseline::Delta>) {
        self.head.count(r);
        let rules = failed_rules(r);
        if !matches!(r.outcome, Outcome::Ignored(_)) {
            let row = self.matrix.entry(r.suite.clone()).or_insert_with(|| vec![(0, 0); RULES.len()]);
            for (k, rule) in RULES.iter().enumerate() {
                let failed = rules.contains(&rule.id);
                if failed || r.checked.contains(rule.id) {
                    row[k].0 += 1;
                }
                if failed {
                    row[k].1 += 1;
                }
            }
        }
        match &r.outcome {
            Outcome::Failed if self.failures.len() < MAX_FAILURES => {
                let s = sources(r);
                let answer = r.answer.clone().unwrap_or_default();
                self.failures.push(Failure {
                    name: r.name.clone(),
                    suite: r.suite.clone(),
                    rules,
                    request: r.exchange.as_ref().map(|x| (x.method.clone(), redactor.redact(&x.url))),
                    status: r.exchange.as_ref().and_then(|x| x.status),
                    headers: answer.headers,
                    body: redactor.redact(&answer.body),
                    body_truncated: answer.truncated,
                    message: redactor.redact(&render_failure(r, RenderOptions::default())),
                    case_file: s.case_file.map(|(f, _)| f),
                    doc_url: s.doc.map(|d| d.url).filter(|u| !u.is_empty()),
                    change: delta.map(|d| (d.change.as_str(), d.new_rules.clone())),
                });
            }
            Outcome::Failed => self.failures_left += 1,
            other if self.others.len() < MAX_OTHERS => {
                let reason = if let Outcome::Ignored(why) = other { why.clone() } else { String::new() };
                self.others.push((r.name.clone(), other.label(), reason));
            }
            _ => self.others_left += 1,
        }
    }

    /// Writes the page.
    pub fn finish(mut self) -> Result<(), String> {
        let page = self.page();
        // The page as written, redacted again (the bodies were pretty-printed, escapes decoded).
        let page = crate::target::secret::redact(&page);
        let mut file = self.head.take()?;
        file.write_all(page.as_bytes()).and_then(|()| file.commit()).map_err(|e| self.head.fail(e))
    }

    fn page(&mut self) -> String {
        let [passed, failed, ignored] = self.head.counts;
        let total = passed + failed + ignored;
        let mut h = String::with_capacity(64 * 1024);
        let verdict = if failed > 0 { "failed" } else { "passed" };
        let _ = write!(
            h,
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
             <title>graph-conformance: {} {}</title><style>{STYLE}</style></head><body>\n",
            esc(&self.head.info.target),
            verdict
        );
        let _ = writeln!(
            h,
            "<header class=\"{verdict}\"><h1>graph-conformance</h1><p class=\"meta\">{} · profile \
             <code>{}</code> · started {} · {:.1} s · graph-conformance {}</p>\
             <div class=\"totals\"><div><span id=\"count-total\">{total}</span> cases</div>\
             <div class=\"passed\"><span id=\"count-passed\">{passed}</span> passed</div>\
             <div class=\"failed\"><span id=\"count-failed\">{failed}</span> failed</div>\
             <div class=\"ignored\"><span id=\"count-ignored\">{ignored}</span> ignored</div></div></header>",
            match &self.head.info.candidate {
                Some(c) =>
                    format!("baseline <code>{}</code> · candidate <code>{}</code>", esc(&self.head.info.target), esc(c)),
                None => format!("target <code>{}</code>", esc(&self.head.info.target)),
            },
            esc(&self.head.info.profile),
            esc(&self.head.started.strftime("%Y-%m-%d %H:%M:%S UTC").to_string()),
            self.head.clock.elapsed().as_secs_f64(),
            env!("CARGO_PKG_VERSION"),
        );
        if let Some(lines) = &self.baseline {
            let text: Vec<&str> = lines.iter().map(|l| l.as_str()).filter(|l| !l.is_empty()).collect();
            let _ = writeln!(h, "<section><h2>Against the baseline</h2><pre>{}</pre></section>", esc(&text.join("\n")));
        }
        self.rules_section(&mut h);
        self.matrix_section(&mut h);
        self.coverage_section(&mut h);
        self.cases_section(&mut h);
        let _ = writeln!(h, "<script>{SCRIPT}</script></body></html>");
        h
    }

    fn coverage_section(&self, h: &mut String) {
        if self.coverage.is_empty() {
            return;
        }
        h.push_str("<section><h2>Coverage</h2><p class=\"hint\">Every GET path of each version's tree and what the loaded cases read there: a page's example (documented), a case from the metadata (derived; needs --discover when no example shows an entity there), or nothing. What ran is in the cases below.</p>\n");
        for (version, rows) in &self.coverage {
            let _ = writeln!(
                h,
                "<details><summary><code>{}</code>: {} GET paths: {}</summary><table class=\"ruletable\"><thead><tr><th>status</th><th>kind</th><th>path</th><th>suites</th></tr></thead><tbody>",
                esc(version),
                rows.len(),
                esc(&crate::case::coverage::totals(rows))
            );
            for r in rows {
                let cls = if r.status == crate::case::coverage::Status::None { "failed" } else { "" };
                let _ = writeln!(
                    h,
                    "<tr><td class=\"{cls}\">{}</td><td>{}</td><td><code>{}</code></td><td>{}</td></tr>",
                    esc(r.status.label()),
                    esc(r.kind),
                    esc(&r.path),
                    esc(&r.suites.join(", "))
                );
            }
            h.push_str("</tbody></table></details>\n");
        }
        h.push_str("</section>\n");
    }

    /// Whether rule `k` belongs in this report: a `run` report shows the run's rules, a `diff`
    /// report the comparison's.
    fn shown(&self, k: usize) -> bool {
        let id = RULES[k].id;
        match self.head.info.candidate {
            Some(_) => crate::diff::execute::DIFF_RULES.contains(&id),
            None => !id.starts_with("diff."),
        }
    }

    fn rule_totals(&self) -> Vec<(u64, u64)> {
        let mut t = vec![(0u64, 0u64); RULES.len()];
        for row in self.matrix.values() {
            for (k, (e, f)) in row.iter().enumerate() {
                t[k].0 += e;
                t[k].1 += f;
            }
        }
        t
    }

    fn rules_section(&self, h: &mut String) {
        h.push_str("<section><h2>Rules</h2><table class=\"ruletable\"><thead><tr><th>rule</th><th>exercised</th><th>passed</th><th>failed</th><th></th></tr></thead><tbody>\n");
        // Broken rules first, then the table's order.
        let mut totals: Vec<(usize, (u64, u64))> = self.rule_totals().into_iter().enumerate().collect();
        totals.sort_by_key(|(k, (_, failed))| (std::cmp::Reverse(*failed), *k));
        for (k, (exercised, failed)) in totals.into_iter().filter(|(k, _)| self.shown(*k)) {
            let rule = &RULES[k];
            let pct = |n: u64| if exercised == 0 { 0.0 } else { n as f64 * 100.0 / exercised as f64 };
            let _ = writeln!(
                h,
                "<tr data-rule=\"{id}\" data-failed=\"{failed}\"><td><code title=\"{req}\">{id}</code></td><td>{exercised}</td>\
                 <td>{}</td><td class=\"{cls}\">{failed}</td><td class=\"bar\"><span class=\"ok\" style=\"width:{:.1}%\"></span>\
                 <span class=\"ko\" style=\"width:{:.1}%\"></span></td></tr>",
                exercised - failed,
                pct(exercised - failed),
                pct(failed),
                id = esc(rule.id),
                req = esc(&format!("{} [{}]", rule.requires, rule.source)),
                cls = if failed > 0 { "failed" } else { "" },
            );
        }
        h.push_str("</tbody></table></section>\n");
    }

    fn matrix_section(&self, h: &mut String) {
        h.push_str("<section><h2>Rules × suites</h2><p class=\"hint\">Each cell: cases failed / cases whose answer the rule checked; empty where the rule did not apply.</p><div class=\"scroll\"><table class=\"matrix\"><thead><tr><th>suite</th>");
        let columns: Vec<usize> = (0..RULES.len()).filter(|k| self.shown(*k)).collect();
        for (n, k) in columns.iter().enumerate() {
            let _ = write!(h, "<th title=\"{}\"><span>{}</span></th>", esc(RULES[*k].id), n + 1);
        }
        h.push_str("</tr></thead><tbody>\n");
        for (suite, row) in &self.matrix {
            let _ = write!(h, "<tr><th>{}</th>", esc(suite));
            for (k, (e, f)) in row.iter().enumerate().filter(|(k, _)| self.shown(*k)) {
                let title = esc(&format!("{} in {suite}: {f} failed of {e}", RULES[k].id));
                match (e, f) {
                    (0, _) => h.push_str("<td></td>"),
                    (_, 0) => {
                        let _ = write!(h, "<td class=\"ok\" title=\"{title}\">0/{e}</td>");
                    }
                    _ => {
                        let _ = write!(h, "<td class=\"ko\" title=\"{title}\">{f}/{e}</td>");
                    }
                }
            }
            h.push_str("</tr>\n");
        }
        h.push_str("</tbody></table></div><p class=\"hint\">Columns: ");
        for (n, k) in columns.iter().enumerate() {
            let last = n + 1 == columns.len();
            let _ = write!(h, "{} <code>{}</code>{}", n + 1, esc(RULES[*k].id), if last { "." } else { ", " });
        }
        h.push_str("</p></section>\n");
    }

    fn cases_section(&self, h: &mut String) {
        h.push_str(
            "<section><h2>Cases</h2><div class=\"filters\"><input id=\"filter\" type=\"search\" placeholder=\"filter by name or rule\">\
             <select id=\"outcome\"><option value=\"\">all outcomes</option><option>failed</option><option>passed</option><option>ignored</option></select>\
             <span id=\"shown\"></span></div><table class=\"cases\"><tbody>\n",
        );
        for f in &self.failures {
            let rules = f.rules.join(", ");
            let change = match &f.change {
                Some((c, new)) if new.is_empty() => format!(" <span class=\"reason\">{c}</span>"),
                Some((c, new)) => format!(" <span class=\"reason\">{c}: {}</span>", esc(&new.join(", "))),
                None => String::new(),
            };
            let _ = write!(
                h,
                "<tr class=\"case\" data-outcome=\"failed\" data-text=\"{}\"><td class=\"failed\">failed</td><td><details><summary><code>{}</code> <span class=\"rules\">{}</span>{change}</summary>",
                esc(&format!("{} {rules} {}", f.name, f.change.as_ref().map_or("", |c| c.0)).to_lowercase()),
                esc(&f.name),
                esc(&rules)
            );
            if let Some((method, url)) = &f.request {
                let status = f.status.map(|s| s.to_string()).unwrap_or_else(|| "no answer".into());
                let _ = write!(h, "<p><b>{}</b> <code>{}</code> → {status}</p>", esc(method), esc(url));
            }
            let mut links = Vec::new();
            if let Some(file) = &f.case_file {
                // Relative to the report, so the link works wherever the two travel together (a CI
                // artifact); a built-in file has no link, only its name.
                match relative_link(&self.head.path, file) {
                    Some(href) => links.push(format!(
                        "<a href=\"{}\">case file {}</a>",
                        esc(&href),
                        esc(&file.display().to_string())
                    )),
                    None => links.push(format!("case file <code>{}</code>", esc(&file.display().to_string()))),
                }
            }
            if let Some(url) = f.doc_url.as_ref().filter(|u| is_web_link(u)) {
                links.push(format!("<a href=\"{}\">doc page</a>", esc(url)));
            }
            if !links.is_empty() {
                let _ =
                    write!(h, "<p class=\"links\">{} · suite <code>{}</code></p>", links.join(" · "), esc(&f.suite));
            }
            let _ = write!(h, "<h4>failure</h4><pre>{}</pre>", esc(&f.message));
            if !f.headers.is_empty() {
                let headers: String = f.headers.iter().map(|(k, v)| format!("{k}: {v}\n")).collect();
                let _ = write!(h, "<h4>answer headers</h4><pre>{}</pre>", esc(&headers));
            }
            if !f.body.is_empty() {
                let cut = if f.body_truncated { " (cut at 64 KiB)" } else { "" };
                let _ = write!(
                    h,
                    "<h4>answer body{cut}</h4><pre>{}</pre>",
                    esc(&crate::target::secret::redact(&pretty(&f.body)))
                );
            }
            h.push_str("</details></td></tr>\n");
        }
        for (name, outcome, reason) in &self.others {
            let why = if reason.is_empty() {
                String::new()
            } else {
                format!(" <span class=\"reason\">{}</span>", esc(reason))
            };
            let _ = writeln!(
                h,
                "<tr class=\"case\" data-outcome=\"{outcome}\" data-text=\"{}\"><td class=\"{outcome}\">{outcome}</td><td><code>{}</code>{why}</td></tr>",
                esc(&name.to_lowercase()),
                esc(name)
            );
        }
        h.push_str("</tbody></table>");
        if self.failures_left + self.others_left > 0 {
            let _ = write!(
                h,
                "<p class=\"hint\" id=\"left-out\">{} more failures and {} more cases are not listed here; --json has every case.</p>",
                self.failures_left, self.others_left
            );
        }
        h.push_str("</section>\n");
    }
}

/// A JSON body indented, anything else as it is.
fn pretty(body: &str) -> String {
    serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or_else(|| body.to_string())
}

/// Whether a link may be shown as one: only `http:` and `https:` URLs (a case file is anyone's to
/// write, and a `javascript:` or `data:` link would run in the reader's browser).
pub fn is_web_link(url: &str) -> bool {
    let lower = url.trim_start().to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://")) && !url.chars().any(|c| c.is_control() || c == '"')
}

/// Text for HTML content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = r#"
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#1b1f24;background:#f6f8fa}
header{padding:18px 28px;color:#fff;background:#1f883d}header.failed{background:#cf222e}
h1{margin:0 0 4px;font-size:22px}.meta{margin:0 0 12px;opacity:.9}.meta code{color:#fff}
.totals{display:flex;gap:12px}.totals div{background:rgba(255,255,255,.16);padding:8px 14px;border-radius:6px;font-size:15px}
.totals span{font-size:22px;font-weight:600;margin-right:4px}
section{background:#fff;margin:16px 28px;padding:14px 18px;border:1px solid #d0d7de;border-radius:8px}
h2{margin:0 0 10px;font-size:17px}h4{margin:10px 0 4px}
table{border-collapse:collapse;width:100%}td,th{padding:4px 8px;border-bottom:1px solid #eaeef2;text-align:left;vertical-align:top}
td.failed{color:#cf222e;font-weight:600}td.passed{color:#1f883d}td.ignored{color:#9a6700}
.ruletable td.bar{width:40%}.bar span{display:inline-block;height:12px}.bar .ok{background:#2da44e}.bar .ko{background:#cf222e}
.scroll{overflow-x:auto}.matrix td,.matrix thead th{text-align:center;font-size:12px;white-space:nowrap}
.matrix td.ok{background:#dafbe1}.matrix td.ko{background:#ffebe9;color:#cf222e;font-weight:600}
.matrix tbody th{font-weight:normal;white-space:nowrap}
.hint{color:#57606a;font-size:12px}.filters{display:flex;gap:8px;margin-bottom:8px;align-items:center}
.filters input{flex:1;padding:6px 8px;border:1px solid #d0d7de;border-radius:6px}
pre{background:#f6f8fa;padding:8px;border-radius:6px;overflow-x:auto;white-space:pre-wrap;word-break:break-word;font-size:12px}
.rules{color:#cf222e}.reason{color:#57606a;font-size:12px}summary{cursor:pointer}code{font-size:12.5px}
"#;

const SCRIPT: &str = r#"
(function(){
  var rows=[].slice.call(document.querySelectorAll('tr.case'));
  var f=document.getElementById('filter'), o=document.getElementById('outcome'), shown=document.getElementById('shown');
  function apply(){
    var q=f.value.toLowerCase(), w=o.value, n=0;
    rows.forEach(function(r){
      var ok=(!w||r.dataset.outcome===w)&&(!q||r.dataset.text.indexOf(q)>=0);
      r.style.display=ok?'':'none'; if(ok)n++;
    });
    shown.textContent=n+' of '+rows.length+' listed';
  }
  f.addEventListener('input',apply); o.addEventListener('change',apply); apply();
})();
"#;

/// The path of `file` relative to the folder of `report`, as a URL path (`../cases/beta/x.json`);
/// none for a built-in file or one that cannot be resolved.
fn relative_link(report: &Path, file: &Path) -> Option<String> {
    if crate::bundled::is_built_in(file) {
        return None;
    }
    let absolute = |p: &Path| std::fs::canonicalize(p).ok();
    let dir = absolute(report.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new(".")))?;
    let file = absolute(file)?;
    let common = dir.components().zip(file.components()).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = dir.components().skip(common).map(|_| "..".to_string()).collect();
    parts.extend(file.components().skip(common).map(|c| {
        c.as_os_str()
            .to_string_lossy()
            .bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
                _ => format!("%{b:02X}"),
            })
            .collect::<String>()
    }));
    Some(parts.join("/"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn case_links_are_relative_to_the_report() {
        let root = std::env::temp_dir().join(format!("gc-links-{}", std::process::id()));
        std::fs::create_dir_all(root.join("out/html")).unwrap();
        std::fs::create_dir_all(root.join("cases/beta")).unwrap();
        std::fs::write(root.join("cases/beta/a b.json"), "{}").unwrap();
        let link = super::relative_link(&root.join("out/html/report.html"), &root.join("cases/beta/a b.json"));
        assert_eq!(link.as_deref(), Some("../../cases/beta/a%20b.json"));
        assert_eq!(
            super::relative_link(&root.join("r.html"), std::path::Path::new("(built-in)/cases/beta/x.json")),
            None
        );
        let _ = std::fs::remove_dir_all(root);
    }

    use super::*;

    #[test]
    fn text_is_escaped_and_failures_come_first() {
        let path = std::env::temp_dir().join(format!("gc-html-{}.html", std::process::id()));
        let info =
            RunInfo { target: "http://x/<beta>".into(), candidate: None, profile: "live".into(), failures_only: false };
        let mut h = HtmlReport::create(&path, info).unwrap();
        let redactor = Redactor::default();
        h.add(&CaseReport::new("a-passing<script>".into(), "s".into()), &redactor, None);
        let mut bad = CaseReport::new("b-failing".into(), "s".into());
        bad.outcome = Outcome::Failed;
        bad.findings.push(crate::check::Finding::failure("status", "", "expected 200, got 500"));
        bad.checked = crate::check::RuleSet::of(&["status", "schema"]);
        h.add(&bad, &redactor, None);
        h.finish().unwrap();
        let page = std::fs::read_to_string(&path).unwrap();
        assert!(!page.contains("<script>alert") && page.contains("a-passing&lt;script&gt;"));
        assert!(page.find("b-failing").unwrap() < page.find("a-passing").unwrap(), "failures first");
        assert!(page.contains("<span id=\"count-failed\">1</span>"));
        assert!(page.contains("title=\"status in s: 1 failed of 1\">1/1</td>"), "the matrix cell");
        assert!(!page.contains("http://") || !page.contains("src=\"http"), "nothing is loaded from the network");
        let _ = std::fs::remove_file(path);
    }
}
