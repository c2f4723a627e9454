//! `graph-conformance lint`: what is wrong with a doc page itself. Real pages have such bugs; finding
//! them is a feature, and Microsoft's docs team is a user.
//!
//! Beyond the importer's own diagnostics (invalid annotation or body JSON, duplicate names):
//! - the response annotation's `@odata.type` disagrees with what the body's `@odata.context` names;
//! - a `$select` example whose body has unselected properties, or whose context's select list is not
//!   the requested one;
//! - a response example invalid against the type's schema in `schemas/` (missing properties are
//!   allowed when the example is `truncated`);
//! - a URL template written with double braces (`{{workflow_id}}`).

use std::collections::BTreeSet;

use serde_json::Value;

use super::diagnostic::Diagnostic;
use super::page::{Pair, import_page};
use crate::odata::{ContextUrl, QueryOptions};
use crate::schema::{SchemaSet, Variant};

/// Every diagnostic for a page: the importer's and lint's own, sorted by line.
pub fn lint_page(text: &str, page: &str, schemas: Option<&SchemaSet>) -> Vec<Diagnostic> {
    let imported = import_page(text, page);
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
    for pair in &imported.pairs {
        type_vs_context(pair, page, &mut out);
        select_example(pair, page, &mut out);
        if let Some(s) = schemas {
            against_schema(pair, page, s, &mut out);
        }
    }
    out.sort_by_key(|d| d.line);
    out
}

fn context_of(pair: &Pair) -> Option<ContextUrl> {
    let ctx = pair.response.body.as_ref()?.get("@odata.context")?.as_str()?;
    ContextUrl::parse(ctx).ok()
}

/// The annotation's type against the context's entity set (or type, for function results).
fn type_vs_context(pair: &Pair, page: &str, out: &mut Vec<Diagnostic>) {
    let (Some(annotated), _) = pair.response_annotation.odata_type() else {
        return;
    };
    let Some(ctx) = context_of(pair) else { return };
    let Some(last) = ctx.segments.last() else {
        return;
    };
    let short = annotated.rsplit('.').next().unwrap_or(&annotated).to_ascii_lowercase();
    let named = last.name.rsplit('.').next().unwrap_or(&last.name).to_ascii_lowercase();
    let singular = named.strip_suffix('s').unwrap_or(&named);
    if short != named && short != singular {
        out.push(Diagnostic::warning(
            page,
            pair.response_annotation.line,
            format!("the annotation's @odata.type is {annotated}, but the body's @odata.context names {}", last.name),
        ));
    }
}

/// A `$select` example must show only selected properties, and its context the same list.
fn select_example(pair: &Pair, page: &str, out: &mut Vec<Diagnostic>) {
    let Some(select) = pair.request.query.as_deref().and_then(|q| QueryOptions::parse(q).select()) else {
        return;
    };
    if select.star {
        return;
    }
    let wanted: BTreeSet<&str> = select.items.iter().map(String::as_str).collect();
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
        match ctx.select {
            Some(list) if list.iter().map(String::as_str).collect::<BTreeSet<_>>() != wanted => {
                out.push(Diagnostic::warning(
                    page,
                    pair.response_line,
                    format!(
                        "the context's select list ({}) is not the request's ({})",
                        list.join(","),
                        select.items.join(",")
                    ),
                ))
            }
            None => out.push(Diagnostic::warning(
                page,
                pair.response_line,
                format!("the request selects {}, but the context has no select list", select.items.join(",")),
            )),
            _ => {}
        }
    }
}

/// The example against the annotated type's schema.
fn against_schema(pair: &Pair, page: &str, schemas: &SchemaSet, out: &mut Vec<Diagnostic>) {
    let (Some(type_name), collection) = pair.response_annotation.odata_type() else {
        return;
    };
    let Some(body) = &pair.response.body else {
        return;
    };
    if !schemas.knows(&type_name) || !(200..300).contains(&pair.response.status) {
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
    let declared: Vec<String> = schemas.properties(&type_name).iter().map(|p| p.name.clone()).collect();
    for e in validator.iter_errors(body) {
        match e.kind() {
            // Undeclared properties are reported once, below.
            jsonschema::error::ValidationErrorKind::AdditionalProperties { .. } => continue,
            jsonschema::error::ValidationErrorKind::Required { .. } if truncated => continue,
            _ => {}
        }
        let at = e.instance_path().to_string();
        let at = if at.is_empty() { "the top level".to_string() } else { at };
        out.push(Diagnostic::warning(
            page,
            pair.response_line,
            format!("the example is not a valid {type_name}: {e} at {at}"),
        ));
    }
    let objects: Vec<&serde_json::Map<String, Value>> = match body.get("value").and_then(Value::as_array) {
        Some(items) if collection => items.iter().filter_map(Value::as_object).collect(),
        _ => body.as_object().into_iter().collect(),
    };
    let undeclared: BTreeSet<&String> =
        objects.iter().flat_map(|o| o.keys()).filter(|k| !k.contains('@') && !declared.contains(k)).collect();
    if !undeclared.is_empty() {
        out.push(Diagnostic::warning(
            page,
            pair.response_line,
            format!(
                "{type_name} has no propert{} {} (undocumented for the annotated type)",
                if undeclared.len() == 1 { "y" } else { "ies" },
                join(&undeclared.into_iter().collect::<Vec<_>>())
            ),
        ));
    }
}

fn join(items: &[&String]) -> String {
    items.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
}
