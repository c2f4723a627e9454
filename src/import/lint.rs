//! `graph-conformance lint`: what is wrong with a doc page itself. Real pages have such bugs; finding
//! them is a feature, and Microsoft's docs team is a user.
//!
//! Beyond the importer's own diagnostics (invalid annotation or body JSON, duplicate keys and names):
//! - a URL (template or example) the metadata does not know, naming the segment; a singular/plural
//!   slip (`workflow` for `workflows`) is named with the model's spelling;
//! - a trailing slash in a URL;
//! - a request block without its annotation;
//! - the response annotation's `@odata.type` disagreeing with the type the path resolves to;
//! - a `$select` example whose body has unselected properties, or whose context's select list is not
//!   the requested one;
//! - a response example invalid against the resolved type's schema (missing properties are
//!   allowed when the example is `truncated`);
//! - a URL template written with double braces (`{{workflow_id}}`).

use std::collections::BTreeSet;

use serde_json::Value;

use super::diagnostic::Diagnostic;
use super::page::{Pair, import_page};
use super::scan::scan;
use super::source::PageSource;
use crate::metadata::resolve::Shape;
use crate::odata::{ContextUrl, QueryOptions};
use crate::schema::{SchemaSet, Variant};

/// Every diagnostic for a page: the importer's and lint's own, sorted by line.
pub fn lint_page(text: &str, page: &str, schemas: Option<&SchemaSet>) -> Vec<Diagnostic> {
    let imported = import_page(text, page, &PageSource::of(std::path::Path::new(page), text, None));
    let mut out = imported.diagnostics.clone();
    for (i, l) in text.lines().enumerate() {
        if l.contains("{{") && l.contains("}}") && l.trim_start().starts_with(|c: char| c.is_ascii_uppercase()) {
            out.push(Diagnostic::warning(
                page,
                i as u32 + 1,
                "the URL template uses double braces ({{...}}); write {name}",
            ));
        }
    }
    unannotated_requests(text, page, &mut out);
    if let Some(s) = schemas {
        for (line, url) in urls(text) {
            path_against_model(&url, page, line, s, &mut out);
        }
    }
    for pair in &imported.pairs {
        select_example(pair, page, &mut out);
        if let Some(s) = schemas {
            context_vs_url(pair, page, s, &mut out);
            key_vs_url(pair, page, s, &mut out);
            type_vs_path(pair, page, s, &mut out);
            against_schema(pair, page, s, &mut out);
        }
    }
    out.sort_by_key(|d| d.line);
    out.dedup();
    out
}

/// Every request line of the page (templates and examples), with its line.
fn urls(text: &str) -> Vec<(u32, String)> {
    let mut out = Vec::new();
    for block in scan(text, "", &mut Vec::new()) {
        for (i, l) in block.text.lines().enumerate() {
            let Some((method, url)) = super::http_text::request_line(l) else { continue };
            if ["GET", "POST", "PATCH", "PUT", "DELETE"].contains(&method) {
                let (_, path, _) = super::http_text::split_url(url);
                out.push((block.line + i as u32, path));
            }
        }
    }
    out
}

/// A path the metadata does not know, a slip it can read, or a trailing slash.
fn path_against_model(path: &str, page: &str, line: u32, schemas: &SchemaSet, out: &mut Vec<Diagnostic>) {
    let normalized: String = path
        .split('/')
        .map(|s| match crate::odata::path::template_param(s) {
            Some(p) => format!("{{{p}}}"),
            None => s.to_string(),
        })
        .collect::<Vec<_>>()
        .join("/");
    if path.len() > 1 && path.ends_with('/') {
        out.push(Diagnostic::warning(page, line, format!("the URL {path} ends with '/'")));
    }
    match schemas.model().resolve(&normalized) {
        Ok(r) => {
            for (written, model) in &r.corrections {
                out.push(Diagnostic::warning(
                    page,
                    line,
                    format!("the URL names '{written}', which the metadata does not know; it has '{model}'"),
                ));
            }
        }
        Err(e) => out.push(Diagnostic::warning(
            page,
            line,
            format!("the URL {path} does not resolve against the metadata: {e}"),
        )),
    }
}

/// A fenced block that reads as a request but has no annotation before it.
fn unannotated_requests(text: &str, page: &str, out: &mut Vec<Diagnostic>) {
    for block in scan(text, "", &mut Vec::new()) {
        if block.annotation.is_some() || !matches!(block.info.as_str(), "http" | "msgraph-interactive") {
            continue;
        }
        let first = block.text.lines().next().unwrap_or("");
        let method = first.split_whitespace().next().unwrap_or("");
        if ["GET", "POST", "PATCH", "PUT", "DELETE"].contains(&method) && first.contains("graph.microsoft.com") {
            out.push(Diagnostic::warning(
                page,
                block.line,
                "a request example without its annotation (<!-- { \"blockType\": \"request\", \"name\": ... } -->): the importer reads it as a request and names it after the page",
            ));
        }
    }
}

/// The example's `@odata.context` against its own request: the path, keys and shape it names
/// (select lists are `select_example`'s).
fn context_vs_url(pair: &Pair, page: &str, schemas: &SchemaSet, out: &mut Vec<Diagnostic>) {
    let Some(ctx) = pair.response.body.as_ref().and_then(|b| b.get("@odata.context")).and_then(Value::as_str) else {
        return;
    };
    let Ok(r) = schemas.model().resolve(&pair.request.path) else { return };
    let path = crate::odata::ResourcePath::bind(Some(&r), &pair.request.path);
    let root = ctx.split("/$metadata#").next().unwrap_or("");
    let request = crate::check::context::Request { select: None, expand: &[], key: Vec::new() };
    for problem in crate::check::context::problems(ctx, root, &path, &request) {
        if problem.contains("select list") {
            continue;
        }
        out.push(Diagnostic::warning(
            page,
            pair.response_line,
            format!("the example's @odata.context does not fit its request: {problem}"),
        ));
    }
}

/// An entity read by key whose example shows another key than its URL asks for.
fn key_vs_url(pair: &Pair, page: &str, schemas: &SchemaSet, out: &mut Vec<Diagnostic>) {
    let Ok(r) = schemas.model().resolve(&pair.request.path) else { return };
    let Some(crate::metadata::resolve::StepKind::Key { property, value: Some(asked), .. }) =
        r.steps.last().map(|s| &s.kind).filter(|_| r.is_keyed_entity())
    else {
        return;
    };
    let shown = match pair.response.body.as_ref().and_then(|b| b.get(property)) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => return,
    };
    if !shown.eq_ignore_ascii_case(asked) {
        out.push(Diagnostic::warning(
            page,
            pair.response_line,
            format!("the example shows {property} {shown}, but its request reads {asked}"),
        ));
    }
}

/// The annotation's `@odata.type` against the type the request's path resolves to.
fn type_vs_path(pair: &Pair, page: &str, schemas: &SchemaSet, out: &mut Vec<Diagnostic>) {
    let (Some(annotated), _) = pair.response_annotation.odata_type() else { return };
    let Ok(r) = schemas.model().resolve(&pair.request.path) else { return };
    let resolved = match &r.shape {
        Shape::Entity(t) | Shape::Collection(t) => t.clone(),
        Shape::Value { type_name, .. } => type_name.clone(),
        _ => return,
    };
    let annotated = annotated.trim_start_matches('#');
    if annotated != resolved && !schemas.model().is_a(&resolved, annotated) {
        out.push(Diagnostic::warning(
            page,
            pair.response_annotation.line,
            format!("the annotation's @odata.type is {annotated}, but the request's path returns {resolved}"),
        ));
    }
}

fn context_of(pair: &Pair) -> Option<ContextUrl> {
    let ctx = pair.response.body.as_ref()?.get("@odata.context")?.as_str()?;
    ContextUrl::parse(ctx).ok()
}

/// A `$select` example must show only selected properties, and its context the same list.
fn select_example(pair: &Pair, page: &str, out: &mut Vec<Diagnostic>) {
    let Some(select) = pair.request.query.as_deref().and_then(|q| QueryOptions::parse(q).select()) else {
        return;
    };
    if select.star {
        return;
    }
    let expand: Vec<String> = pair
        .request
        .query
        .as_deref()
        .and_then(|q| QueryOptions::parse(q).system_option("expand").map(crate::odata::query::expand_items))
        .unwrap_or_default();
    let wanted: BTreeSet<&str> =
        select.items.iter().map(String::as_str).chain(expand.iter().map(String::as_str)).collect();
    let Some(body) = &pair.response.body else {
        return;
    };
    let entities: Vec<&Value> = match body.get("value").and_then(Value::as_array) {
        Some(items) => items.iter().collect(),
        None => vec![body],
    };
    for e in entities {
        let Some(obj) = e.as_object() else { continue };
        let extra: Vec<&String> = obj.keys().filter(|k| !k.contains('@') && !wanted.contains(k.as_str())).collect();
        if !extra.is_empty() {
            out.push(Diagnostic::warning(
                page,
                pair.response_line,
                format!("the $select example shows unselected properties: {}", join(&extra)),
            ));
        }
    }
    if let Some(ctx) = context_of(pair) {
        let listed: Option<BTreeSet<&str>> =
            ctx.select.as_ref().map(|l| l.iter().map(String::as_str).filter(|i| !i.ends_with("()")).collect());
        let requested: BTreeSet<&str> = select.items.iter().map(String::as_str).collect();
        match listed {
            Some(list) if list != requested => out.push(Diagnostic::warning(
                page,
                pair.response_line,
                format!(
                    "the context's select list ({}) is not the request's ({})",
                    list.into_iter().collect::<Vec<_>>().join(","),
                    select.items.join(",")
                ),
            )),
            None => out.push(Diagnostic::warning(
                page,
                pair.response_line,
                format!("the request selects {}, but the context has no select list", select.items.join(",")),
            )),
            _ => {}
        }
    }
}

/// The example against the resolved type's schema.
fn against_schema(pair: &Pair, page: &str, schemas: &SchemaSet, out: &mut Vec<Diagnostic>) {
    let Some(body) = &pair.response.body else {
        return;
    };
    if !(200..300).contains(&pair.response.status) {
        return;
    }
    let Ok(r) = schemas.model().resolve(&pair.request.path) else { return };
    let (type_name, collection) = match &r.shape {
        Shape::Entity(t) => (t.clone(), false),
        Shape::Collection(t) => (t.clone(), true),
        Shape::Value { type_name, collection } => (type_name.clone(), *collection),
        _ => return,
    };
    if !schemas.knows(&type_name) {
        return;
    }
    let select = pair
        .request
        .query
        .as_deref()
        .and_then(|q| QueryOptions::parse(q).select())
        .filter(|s| !s.star)
        .map(|s| s.items);
    let variant = Variant { type_name: type_name.clone(), collection, select, include_unknown_enum_members: true };
    let Ok(validator) = schemas.validator(&variant) else {
        return;
    };
    let truncated = pair.response_annotation.flag("truncated");
    for e in validator.errors(body, 20) {
        match e.kind {
            // Undeclared properties are reported once, below.
            crate::schema::ErrorKind::AdditionalProperties { .. } => continue,
            crate::schema::ErrorKind::Required { .. } if truncated => continue,
            _ => {}
        }
        let at = if e.instance_path.is_empty() { "the top level".to_string() } else { e.instance_path.clone() };
        out.push(Diagnostic::warning(
            page,
            pair.response_line,
            format!("the example is not a valid {type_name}: {} at {at}", e.message),
        ));
    }
    let objects: Vec<&serde_json::Map<String, Value>> = match body.get("value").and_then(Value::as_array) {
        Some(items) if collection => items.iter().filter_map(Value::as_object).collect(),
        _ => body.as_object().into_iter().collect(),
    };
    let mut undeclared: BTreeSet<&String> = BTreeSet::new();
    for o in &objects {
        let actual = crate::check::schema::named_type(o).filter(|t| schemas.knows(t)).unwrap_or(&type_name).to_string();
        undeclared.extend(o.keys().filter(|k| !k.contains('@') && !schemas.declares(&actual, k)));
    }
    if !undeclared.is_empty() {
        out.push(Diagnostic::warning(
            page,
            pair.response_line,
            format!(
                "{type_name} has no propert{} {} (undeclared in the metadata)",
                if undeclared.len() == 1 { "y" } else { "ies" },
                join(&undeclared.into_iter().collect::<Vec<_>>())
            ),
        ));
    }
}

fn join(items: &[&String]) -> String {
    items.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
}
