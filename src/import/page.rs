//! One doc page → its cases, paired as ApiDoctor pairs them: a response with a `name` pairs with
//! the request(s) of that name; one without pairs with the last request before it.

use std::collections::BTreeMap;

use super::diagnostic::Diagnostic;
use super::http_text::{ParsedRequest, ParsedResponse, parse_request, parse_response};
use super::scan::{Annotation, CodeBlock, scan};
use super::source::PageSource;
use crate::case::{CaseFile, DocSource, ExpectedResponse, RequestSpec, StatusSpec};
use crate::odata::path::{match_template, template_param};

/// What a page yields.
#[derive(Debug, Default)]
pub struct PageImport {
    pub cases: Vec<CaseFile>,
    pub diagnostics: Vec<Diagnostic>,
    /// The documented URL templates (`ignored` blocks), normalized to single braces.
    pub templates: Vec<String>,
    /// Each case's request and response blocks, for lint.
    pub pairs: Vec<Pair>,
}

/// A request and its documented response.
#[derive(Debug, Clone)]
pub struct Pair {
    pub request: ParsedRequest,
    pub request_annotation: Annotation,
    pub request_line: u32,
    pub response: ParsedResponse,
    pub response_annotation: Annotation,
    pub response_line: u32,
}

struct NamedRequest {
    name: Option<String>,
    parsed: ParsedRequest,
    annotation: Annotation,
    line: u32,
}

/// Imports `text`, the page shown as `page` in diagnostics and recorded in the cases as `source`.
pub fn import_page(text: &str, page: &str, source: &PageSource) -> PageImport {
    let mut out = PageImport::default();
    let options = query_options(text);
    let blocks: Vec<CodeBlock> = scan(text, page, &mut out.diagnostics);
    let mut requests: Vec<NamedRequest> = Vec::new();
    let mut used: BTreeMap<String, usize> = BTreeMap::new();
    for block in blocks {
        let Some(annotation) = block.annotation.clone().or_else(|| inferred_request(&block)) else {
            continue;
        };
        match annotation.block_type().as_str() {
            "ignored" => out.templates.extend(templates_in(&block.text)),
            "request" => {
                if let Some(parsed) = parse_request(&block.text, page, block.line, &mut out.diagnostics) {
                    let names = annotation.names();
                    requests.push(NamedRequest { name: names.first().cloned(), parsed, annotation, line: block.line });
                }
            }
            "response" => {
                let Some(response) = parse_response(&block.text, page, block.line, &mut out.diagnostics) else {
                    continue;
                };
                let names = annotation.names();
                let matched: Vec<usize> = if names.is_empty() {
                    requests.len().checked_sub(1).into_iter().collect()
                } else {
                    names
                        .iter()
                        .filter_map(|n| requests.iter().rposition(|r| r.name.as_deref() == Some(n.as_str())))
                        .collect()
                };
                if matched.is_empty() {
                    out.diagnostics.push(Diagnostic::error(
                        page,
                        annotation.line,
                        format!("response names {names:?}, but no request before it has that name; it is skipped"),
                    ));
                    continue;
                }
                for i in matched {
                    let r = &requests[i];
                    let pair = Pair {
                        request: r.parsed.clone(),
                        request_annotation: r.annotation.clone(),
                        request_line: r.line,
                        response: response.clone(),
                        response_annotation: annotation.clone(),
                        response_line: block.line,
                    };
                    let mut base =
                        r.name.clone().unwrap_or_else(|| format!("{}-example-{}", stem(page), out.cases.len() + 1));
                    // A name becomes a file and a test name: one that could leave its folder, hide a
                    // line or break a terminal is replaced by its safe form, and named.
                    let safe = crate::import::file_safe(&base);
                    if safe != base {
                        out.diagnostics.push(Diagnostic::warning(
                            page,
                            r.annotation.line,
                            format!(
                                "request name {:?} has characters a case name cannot hold (path separators, `..`, controls); the case is named '{safe}'",
                                crate::report::term::one_line(&base)
                            ),
                        ));
                        base = safe;
                    }
                    let count = used.entry(base.clone()).or_insert(0);
                    *count += 1;
                    let name = if *count == 1 {
                        base
                    } else {
                        out.diagnostics.push(Diagnostic::warning(
                            page,
                            r.annotation.line,
                            format!("request name '{base}' is used {} times on this page (ApiDoctor requires unique names); the case is named '{base}_{count}'", count),
                        ));
                        format!("{base}_{count}")
                    };
                    out.cases.push(case_file(&name, source, &pair, &out.templates, &options));
                    out.pairs.push(pair);
                }
            }
            _ => {}
        }
    }
    out.diagnostics.sort_by_key(|d| d.line);
    out
}

fn case_file(name: &str, source: &PageSource, pair: &Pair, templates: &[String], options: &[String]) -> CaseFile {
    let (odata_type, is_collection) = pair.response_annotation.odata_type();
    let path_template = templates.iter().find(|t| match_template(t, &pair.request.path).is_some()).cloned();
    let mut path_params =
        path_template.as_deref().and_then(|t| match_template(t, &pair.request.path)).unwrap_or_default();
    let a = &pair.response_annotation;
    let mut path = pair.request.path.clone();
    if let Some((param, id)) = placeholder_key(&path, pair) {
        let at = path.rfind(&format!("{{{param}}}")).unwrap_or(path.len());
        path = format!("{}{id}{}", &path[..at], &path[(at + param.len() + 2).min(path.len())..]);
        for v in path_params.values_mut().filter(|v| v.trim_matches(|c| c == '{' || c == '}') == param) {
            *v = id.clone();
        }
    }
    CaseFile {
        name: name.to_string(),
        source: DocSource {
            page: source.repo_path.clone(),
            url: source.url.clone(),
            content: source.content.clone(),
            request_line: pair.request_line,
            response_line: pair.response_line,
            recorded: None,
        },
        request: RequestSpec {
            method: pair.request.method.clone(),
            path,
            query: pair.request.query.as_deref().map(|q| filled_filter(q, pair)),
            headers: pair.request.headers.clone(),
            body: pair.request.body.clone(),
        },
        path_template,
        path_params,
        query_options: options.to_vec(),
        response: ExpectedResponse {
            status: StatusSpec::One(pair.response.status),
            headers: pair.response.headers.clone(),
            body: pair.response.body.clone(),
            truncated: a.flag("truncated"),
            odata_type,
            is_collection: is_collection || a.flag("isCollection"),
            is_empty: a.flag("isEmpty"),
            expect_error: a.flag("expectError"),
            nullable_properties: a.strings("nullableProperties"),
        },
    }
}

/// An example request whose last segment is a placeholder answered with one entity: the
/// placeholder's name and the value the request must have read. `assignments/{assignmentId}` reads
/// the answer's `id`; an alternate key `subjects(objectId='{objectIdOfUser}')` reads its property
/// (`objectId`). Placeholders elsewhere stay (no answer says what they stand for).
fn placeholder_key(path: &str, pair: &Pair) -> Option<(String, String)> {
    let last = path.rsplit('/').next()?;
    let (param, property) = match last.strip_prefix('{').and_then(|l| l.strip_suffix('}')) {
        Some(param) => (param, "id"),
        None => {
            let (_, args) = last.strip_suffix(')')?.split_once('(')?;
            let (property, value) = args.split_once('=')?;
            let param = value.trim().strip_prefix("'{")?.strip_suffix("}'")?;
            (param, property.trim())
        }
    };
    if param.is_empty() || param.contains(['{', '}', '/', '\'']) || !(200..300).contains(&pair.response.status) {
        return None;
    }
    let id = pair.response.body.as_ref()?.get(property)?.as_str()?;
    let plain = !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    plain.then(|| (param.to_string(), id.to_string()))
}

/// A query whose `$filter` compares a property with a placeholder (`id eq '{resourceId}'`) and
/// whose documented rows all hold one value for that property: the placeholder takes that value,
/// which the request must have sent to get those rows. Other placeholders stay.
fn filled_filter(query: &str, pair: &Pair) -> String {
    let rows: Vec<&serde_json::Map<String, serde_json::Value>> = match pair.response.body.as_ref() {
        Some(b) => match b.get("value").and_then(|v| v.as_array()) {
            Some(rows) => rows.iter().filter_map(|r| r.as_object()).collect(),
            None => return query.to_string(),
        },
        None => return query.to_string(),
    };
    let mut out = query.to_string();
    let mut from = 0;
    while let Some(open) = out[from..].find("'{").map(|i| i + from) {
        let Some(close) = out[open..].find("}'").map(|i| i + open) else { break };
        let before = out[..open].trim_end();
        let property = before
            .strip_suffix(" eq")
            .or_else(|| before.strip_suffix("+eq"))
            .map(|b| b.trim_end_matches(['+', ' ']))
            .and_then(|b| b.rsplit(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).next())
            .filter(|p| !p.is_empty());
        let value = property.and_then(|p| {
            let mut values = rows.iter().map(|r| r.get(p).and_then(|v| v.as_str()));
            let first = values.next()??;
            let plain =
                !first.is_empty() && first.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
            (plain && values.all(|v| v == Some(first))).then(|| first.to_string())
        });
        match value {
            Some(v) => {
                out.replace_range(open + 1..close + 1, &v);
                from = open + v.len() + 2;
            }
            None => from = close + 2,
        }
    }
    out
}

/// An http block without an annotation whose first line is a request to Graph: read as a request
/// (ApiDoctor infers the block type the same way); lint reports the missing annotation.
fn inferred_request(block: &CodeBlock) -> Option<Annotation> {
    if !matches!(block.info.as_str(), "http" | "msgraph-interactive") {
        return None;
    }
    let first = block.text.lines().next()?;
    let (method, url) = super::http_text::request_line(first)?;
    let is_request =
        ["GET", "POST", "PATCH", "PUT", "DELETE"].contains(&method) && url.contains("graph.microsoft.com/");
    is_request.then(|| {
        let mut json = serde_json::Map::new();
        json.insert("blockType".into(), serde_json::json!("request"));
        Annotation { json, line: block.line }
    })
}

/// URL templates in an `ignored` block: `GET /a/{id}/b` lines, braces normalized (`{{id}}` → `{id}`).
fn templates_in(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| {
            let mut parts = l.split_whitespace();
            let (method, url) = (parts.next()?, parts.next()?);
            if !method.chars().all(|c| c.is_ascii_uppercase()) {
                return None;
            }
            let (_, path, _) = super::http_text::split_url(url);
            let normalized: Vec<String> = path
                .split('/')
                .map(|s| match template_param(s) {
                    Some(p) => format!("{{{p}}}"),
                    None => s.to_string(),
                })
                .collect();
            Some(normalized.join("/"))
        })
        .filter(|t| t.contains('{'))
        .collect()
}

/// The query options the page's "Optional query parameters" section names (`$select`, `$filter`,
/// ...), in the page's order; none when it says the method supports none.
pub fn query_options(text: &str) -> Vec<String> {
    let mut section = String::new();
    let mut inside = false;
    for line in text.lines() {
        let t = line.trim();
        if let Some(title) = t.strip_prefix("## ") {
            inside = title.trim().eq_ignore_ascii_case("optional query parameters");
            continue;
        }
        if inside {
            section.push_str(t);
            section.push('\n');
        }
    }
    if section.to_ascii_lowercase().contains("does not support") {
        return Vec::new();
    }
    let mut out: Vec<String> = Vec::new();
    for part in section.split('`').skip(1).step_by(2) {
        // `$expand=roles,scopes` names `$expand`.
        let name = part.trim().split('=').next().unwrap_or("").trim();
        if name.starts_with('$')
            && name.len() > 1
            && name[1..].chars().all(|c| c.is_ascii_alphabetic())
            && !out.iter().any(|o| o.eq_ignore_ascii_case(name))
        {
            out.push(name.to_string());
        }
    }
    out
}

/// The page's file stem: the suite name.
pub fn stem(page: &str) -> String {
    std::path::Path::new(page).file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "page".into())
}
