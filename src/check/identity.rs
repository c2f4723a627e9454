//! `odata.id`: an entity read by key is that entity.

use serde_json::Value;

use super::{Exchange, Finding};

/// The key's property (`id`, or the one an alternate key names: `subjects(objectId='…')`) holds
/// the requested value.
pub fn check(x: &Exchange<'_>, out: &mut Vec<Finding>) {
    let path = &x.sent.resource;
    let Some(last) = path.segments.last().filter(|_| path.is_keyed_entity()) else { return };
    let Some(requested) = last.key.as_deref() else { return };
    let property = last.key_property.as_deref().unwrap_or("id");
    let Some(actual) = x.json.and_then(|b| b.get(property)) else {
        return;
    };
    if !render(actual).eq_ignore_ascii_case(requested) {
        out.push(
            Finding::failure("odata.id", format!("/{property}"), "the answer is not the entity that was requested")
                .with_values(requested, render(actual)),
        );
    }
}

/// `odata.id` where the check compares: a read by key whose answer holds the key's property.
pub fn reached(x: &Exchange<'_>) -> Option<&'static str> {
    let path = &x.sent.resource;
    let last = path.segments.last().filter(|_| path.is_keyed_entity())?;
    last.key.as_ref()?;
    let property = last.key_property.as_deref().unwrap_or("id");
    x.json?.get(property).map(|_| "odata.id")
}

fn render(v: &Value) -> String {
    v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string())
}
