//! The HTTP text of doc examples: a request line (absolute Graph URL or relative path), headers and
//! a JSON body; a status line, headers and a JSON body (or none, for 204).

use std::collections::BTreeMap;

use serde_json::Value;

use super::diagnostic::Diagnostic;
use super::recover::repair;

/// A documented request.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedRequest {
    pub method: String,
    /// `beta` or `v1.0` when the URL names it.
    pub api_version: Option<String>,
    /// Below the service root, starting with `/`.
    pub path: String,
    /// As documented (readable, not percent-encoded), without `?`.
    pub query: Option<String>,
    pub headers: BTreeMap<String, String>,
    pub body: Option<Value>,
}

/// A documented response.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedResponse {
    pub status: u16,
    pub headers: BTreeMap<String, String>,
    pub body: Option<Value>,
}

/// Headers a doc shows that a client must not copy: the client computes them, or they carry credentials.
const NOT_REPLAYED: &[&str] = &["content-length", "host", "authorization"];

/// Parses a request block; `line` is the block's first line. `None` (with a diagnostic) when the
/// first line is not `METHOD URL`.
pub fn parse_request(text: &str, file: &str, line: u32, diags: &mut Vec<Diagnostic>) -> Option<ParsedRequest> {
    let (head, body_text, body_line) = split_head(text, line);
    let mut head_lines = head.iter();
    let Some((first_line, first)) = head_lines.next() else {
        diags.push(Diagnostic::error(file, line, "the request block is empty"));
        return None;
    };
    let Some((method, url)) = request_line(first) else {
        diags.push(Diagnostic::error(file, *first_line, format!("'{first}' is not a request line (METHOD URL)")));
        return None;
    };
    if !method.chars().all(|c| c.is_ascii_alphabetic()) {
        diags.push(Diagnostic::error(file, *first_line, format!("'{method}' is not an HTTP method")));
        return None;
    }
    let (api_version, path, query) = split_url(url);
    let mut headers = BTreeMap::new();
    for (l, h) in head_lines {
        match h.split_once(':') {
            Some((k, _)) if NOT_REPLAYED.contains(&k.trim().to_ascii_lowercase().as_str()) => {
                diags.push(Diagnostic::warning(
                    file,
                    *l,
                    format!("the documented {} header is not replayed (the client computes it)", k.trim()),
                ));
            }
            Some((k, v)) => {
                headers.insert(k.trim().to_string(), v.trim().to_string());
            }
            None => diags.push(Diagnostic::warning(file, *l, format!("'{h}' is not a header line; ignored"))),
        }
    }
    let body = parse_body(body_text, file, body_line, diags);
    Some(ParsedRequest { method: method.to_ascii_uppercase(), api_version, path, query, headers, body })
}

/// `METHOD URL [HTTP/x.y]` → (method, URL). The URL runs to the end of the line: doc examples
/// write `$filter=category eq 'leaver'` with its spaces.
pub fn request_line(line: &str) -> Option<(&str, &str)> {
    let line = line.trim();
    let (method, rest) = line.split_once(char::is_whitespace)?;
    let rest = rest.trim();
    let url = match rest.rsplit_once(char::is_whitespace) {
        Some((u, proto)) if proto.to_ascii_uppercase().starts_with("HTTP/") => u.trim(),
        _ => rest,
    };
    (!url.is_empty()).then_some((method, url))
}

/// Parses a response block. `None` (with a diagnostic) when there is no `HTTP/x y` status line.
pub fn parse_response(text: &str, file: &str, line: u32, diags: &mut Vec<Diagnostic>) -> Option<ParsedResponse> {
    let (head, body_text, body_line) = split_head(text, line);
    let mut head_lines = head.iter();
    let Some((first_line, first)) = head_lines.next() else {
        diags.push(Diagnostic::error(file, line, "the response block is empty"));
        return None;
    };
    let mut parts = first.split_whitespace();
    let status = match (parts.next(), parts.next().map(str::parse::<u16>)) {
        (Some(proto), Some(Ok(code)))
            if proto.to_ascii_uppercase().starts_with("HTTP") && (100..600).contains(&code) =>
        {
            code
        }
        _ => {
            diags.push(Diagnostic::error(
                file,
                *first_line,
                format!("'{first}' is not a status line (HTTP/1.1 200 OK)"),
            ));
            return None;
        }
    };
    let mut headers = BTreeMap::new();
    for (l, h) in head_lines {
        match h.split_once(':') {
            Some((k, v)) => {
                headers.insert(k.trim().to_string(), v.trim().to_string());
            }
            None => diags.push(Diagnostic::warning(file, *l, format!("'{h}' is not a header line; ignored"))),
        }
    }
    let body = parse_body(body_text, file, body_line, diags);
    Some(ParsedResponse { status, headers, body })
}

/// The start line and headers (numbered), the body text, and the body's first line.
fn split_head(text: &str, line: u32) -> (Vec<(u32, String)>, String, u32) {
    let mut head = Vec::new();
    let mut body = String::new();
    let mut body_line = line;
    let mut in_body = false;
    for (i, l) in text.lines().enumerate() {
        let n = line + i as u32;
        if in_body {
            body.push_str(l);
            body.push('\n');
        } else if l.trim().is_empty() {
            if !head.is_empty() {
                in_body = true;
                body_line = n + 1;
            }
        } else if head.is_empty() || !looks_like_json_start(l) {
            head.push((n, l.trim().to_string()));
        } else {
            // A body without the blank line before it.
            in_body = true;
            body_line = n;
            body.push_str(l);
            body.push('\n');
        }
    }
    (head, body, body_line)
}

fn looks_like_json_start(l: &str) -> bool {
    matches!(l.trim_start().chars().next(), Some('{') | Some('['))
}

/// A JSON body; a trailing comma or a raw line break in a string is recovered with a warning,
/// anything else is an error.
fn parse_body(text: String, file: &str, line: u32, diags: &mut Vec<Diagnostic>) -> Option<Value> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return None;
    }
    let e = match serde_json::from_str::<Value>(trimmed) {
        Ok(v) => {
            if let Err(strict) = crate::json_strict::parse(trimmed.as_bytes())
                && strict.contains("duplicate key")
            {
                diags.push(Diagnostic::warning(
                    file,
                    line,
                    format!("body JSON has a {strict}; the last value is kept"),
                ));
            }
            return Some(v);
        }
        Err(e) => e,
    };
    let at = line + e.line().saturating_sub(1) as u32;
    let (fixed, what) = repair(trimmed);
    match serde_json::from_str::<Value>(&fixed) {
        Ok(v) if !what.is_empty() => {
            if let Err(strict) = crate::json_strict::parse(fixed.as_bytes())
                && strict.contains("duplicate key")
            {
                diags.push(Diagnostic::warning(file, at, format!("body JSON has a {strict}; the last value is kept")));
            }
            diags.push(Diagnostic::warning(
                file,
                at,
                format!("body JSON has {} ({e}); read as intended", what.join(" and ")),
            ));
            Some(v)
        }
        _ => {
            diags.push(Diagnostic::error(
                file,
                at,
                format!("body is not valid JSON ({e}); the case has no documented body"),
            ));
            None
        }
    }
}

/// `https://graph.microsoft.com/beta/a/b?$select=x` → (`beta`, `/a/b`, `$select=x`); relative URLs
/// keep their path.
pub fn split_url(url: &str) -> (Option<String>, String, Option<String>) {
    let (no_query, query) = match url.split_once('?') {
        Some((p, q)) => (p, Some(q.to_string()).filter(|q| !q.is_empty())),
        None => (url, None),
    };
    let after_host = match no_query.split_once("://") {
        Some((_, rest)) => rest.find('/').map(|i| &rest[i..]).unwrap_or("/"),
        None => no_query,
    };
    let path = if after_host.starts_with('/') { after_host.to_string() } else { format!("/{after_host}") };
    let mut segments = path.splitn(3, '/');
    let _ = segments.next();
    match (segments.next(), segments.next()) {
        (Some(v), rest) if v.eq_ignore_ascii_case("beta") || v.eq_ignore_ascii_case("v1.0") => {
            (Some(v.to_ascii_lowercase()), format!("/{}", rest.unwrap_or("")), query)
        }
        _ => (None, path, query),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absolute_and_relative_urls() {
        assert_eq!(
            split_url("https://graph.microsoft.com/beta/identityGovernance/x?$select=id,subject"),
            (Some("beta".into()), "/identityGovernance/x".into(), Some("$select=id,subject".into()))
        );
        assert_eq!(split_url("/identityGovernance/x/"), (None, "/identityGovernance/x/".into(), None));
        assert_eq!(split_url("https://graph.microsoft.com/v1.0"), (Some("v1.0".into()), "/".into(), None));
    }

    #[test]
    fn request_with_headers_and_recovered_body() {
        let mut d = Vec::new();
        let r = parse_request("PATCH https://graph.microsoft.com/beta/a/b\nContent-Type: application/json\nContent-length: 454\n\n{\n  \"x\": 1,\n}\n", "f.md", 10, &mut d).unwrap();
        assert_eq!(r.method, "PATCH");
        assert_eq!(r.headers.len(), 1);
        assert_eq!(r.body, Some(serde_json::json!({"x": 1})));
        assert_eq!(d.len(), 2, "{d:?}");
        assert_eq!(d[1].line, 16, "the line where the parser met the trailing comma's closing brace");
    }

    #[test]
    fn responses_with_and_without_body() {
        let mut d = Vec::new();
        let r = parse_response("HTTP/1.1 204 No Content\n", "f.md", 1, &mut d).unwrap();
        assert_eq!((r.status, r.body), (204, None));
        let r = parse_response("HTTP/1.1 200 OK\nContent-Type: application/json\n\n{\"a\": [1]}", "f.md", 1, &mut d)
            .unwrap();
        assert_eq!(r.body, Some(serde_json::json!({"a": [1]})));
        assert!(parse_response("200 OK", "f.md", 7, &mut d).is_none());
        assert_eq!(d.last().unwrap().line, 7);
    }

    #[test]
    fn invalid_json_is_an_error_not_a_panic() {
        let mut d = Vec::new();
        let r = parse_response("HTTP/1.1 200 OK\n\n{\"a\": ...}", "f.md", 1, &mut d).unwrap();
        assert_eq!(r.body, None);
        assert!(d[0].message.contains("not valid JSON"));
    }
}
