//! `odata.id`: an entity read by key is that entity.

use serde_json::Value;

use super::{Exchange, Finding};

pub fn check(x: &Exchange<'_>, out: &mut Vec<Finding>) {
    let path = &x.sent.resource;
    let (true, Some(requested)) = (path.is_keyed_entity(), path.segments.last().and_then(|s| s.key.as_deref())) else {
        return;
    };
    let Some(actual) = x.json.and_then(|b| b.get("id")) else {
        return;
    };
    match actual.as_str() {
        Some(id) if id.eq_ignore_ascii_case(requested) => {}
        _ => out.push(
            Finding::failure("odata.id", "/id", "the answer is not the entity that was requested")
                .with_values(requested, render(actual)),
        ),
    }
}

fn render(v: &Value) -> String {
    v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string())
}
