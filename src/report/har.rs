//! `--har PATH`: the failed cases' requests and answers as an HTTP Archive (HAR 1.2), for a
//! browser's network panel or any HAR viewer. Entries are written as cases finish; every value went
//! through the redactor, and the token shows only as `Bearer [REDACTED]`.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use super::{CaseReport, Outcome};
use crate::target::Redactor;

pub struct HarReport {
    path: PathBuf,
    out: BufWriter<super::file::AtomicFile>,
    entries: u64,
}

fn pairs(headers: &[(String, String)]) -> Vec<Value> {
    headers.iter().map(|(k, v)| json!({ "name": k, "value": v })).collect()
}

impl HarReport {
    pub fn create(path: &Path) -> Result<Self, String> {
        let fail = |e: std::io::Error| format!("cannot write the HAR file {}: {e}", path.display());
        let mut out = BufWriter::new(super::file::AtomicFile::create(path).map_err(fail)?);
        write!(
            out,
            "{{\"log\":{{\"version\":\"1.2\",\"creator\":{{\"name\":\"graph-conformance\",\"version\":\"{}\"}},\"entries\":[",
            env!("CARGO_PKG_VERSION")
        )
        .map_err(fail)?;
        Ok(HarReport { path: path.to_path_buf(), out, entries: 0 })
    }

    fn fail(&self, e: impl std::fmt::Display) -> String {
        format!("cannot write the HAR file {}: {e}", self.path.display())
    }

    /// Adds a failed case's exchange (others are not traffic anyone needs to debug).
    pub fn add(&mut self, r: &CaseReport, redactor: &Redactor) -> Result<(), String> {
        let (Outcome::Failed, Some(q)) = (&r.outcome, &r.request) else { return Ok(()) };
        let x = r.exchange.as_ref();
        let url = redactor.redact(&q.url);
        let query: Vec<Value> = reqwest::Url::parse(&url)
            .map(|u| u.query_pairs().map(|(k, v)| json!({ "name": k, "value": v })).collect())
            .unwrap_or_default();
        let a = r.answer.clone().unwrap_or_default();
        let mime = a
            .headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("content-type"))
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
        let elapsed = x.map(|x| x.elapsed.as_secs_f64() * 1000.0).unwrap_or(0.0);
        let started = x
            .and_then(|x| x.date.as_deref())
            .and_then(|d| jiff::fmt::rfc2822::parse(d).ok())
            .map(|z| z.timestamp())
            .unwrap_or_else(jiff::Timestamp::now);
        let mut request = json!({
            "method": q.method,
            "url": url,
            "httpVersion": "HTTP/1.1",
            "headers": pairs(&q.headers),
            "queryString": query,
            "cookies": [],
            "headersSize": -1,
            "bodySize": q.body.as_ref().map(|b| b.len() as i64).unwrap_or(0),
        });
        if let Some(b) = &q.body {
            request["postData"] = json!({ "mimeType": "application/json", "text": redactor.redact(b) });
        }
        let entry = json!({
            "pageref": r.name,
            "startedDateTime": started.to_string(),
            "time": elapsed,
            "request": request,
            "response": {
                "status": x.and_then(|x| x.status).unwrap_or(0),
                "statusText": "",
                "httpVersion": "HTTP/1.1",
                "headers": pairs(&a.headers),
                "cookies": [],
                "content": { "size": a.body.len(), "mimeType": mime, "text": a.body },
                "redirectURL": "",
                "headersSize": -1,
                "bodySize": a.body.len(),
            },
            "cache": {},
            "timings": { "send": 0, "wait": elapsed, "receive": 0 },
            "comment": format!("{}: {}", r.name, super::json::failed_rules(r).join(", ")),
        });
        let sep: &[u8] = if self.entries == 0 { b"\n" } else { b",\n" };
        self.out.write_all(sep).map_err(|e| self.fail(e))?;
        // The entry as written, redacted again: escaped forms of a secret are caught here too.
        let text = serde_json::to_string(&entry).map_err(|e| self.fail(e))?;
        self.out.write_all(crate::target::secret::redact(&text).as_bytes()).map_err(|e| self.fail(e))?;
        self.entries += 1;
        Ok(())
    }

    pub fn finish(mut self) -> Result<(), String> {
        self.out.write_all(b"\n]}}\n").map_err(|e| self.fail(e))?;
        let file = self
            .out
            .into_inner()
            .map_err(|e| format!("cannot write the HAR file {}: {}", self.path.display(), e.error()))?;
        file.commit().map_err(|e| format!("cannot write the HAR file {}: {e}", self.path.display()))
    }
}
