//! `navigation.expanded`: a navigation property is in a full answer only when `$expand` asked for it
//! or the endpoint returns it by default. Which ones an endpoint returns by default comes from its
//! documented answers (`subject` on a processing result, `tasks` on a workflow read by key) and the
//! overlay; the metadata says which properties are navigations.

use serde_json::Value;

use super::{Exchange, Finding};
use crate::schema::Navigation;

/// Rows of a collection checked per answer.
const MAX_ROWS: usize = 1_000;

pub fn check(x: &Exchange<'_>, out: &mut Vec<Finding>) {
    let (Some(type_name), Some(body)) = (x.case.resource_type.as_deref(), x.json) else { return };
    if x.sent.select.is_some() {
        // A $select names what comes back; the select rule checks it.
        return;
    }
    let navs: Vec<&str> =
        x.schemas.properties(type_name).iter().filter(|p| p.navigation.is_some()).map(|p| p.name.as_str()).collect();
    if navs.is_empty() {
        return;
    }
    let rows: Vec<(String, &Value)> = if x.case.collection {
        body.get("value")
            .and_then(Value::as_array)
            .map(|a| a.iter().take(MAX_ROWS).enumerate().map(|(i, v)| (format!("/value/{i}"), v)).collect())
            .unwrap_or_default()
    } else {
        vec![(String::new(), body)]
    };
    for (base, row) in rows {
        let Some(obj) = row.as_object() else { continue };
        for nav in &navs {
            if obj.contains_key(*nav)
                && !x.sent.expand.iter().any(|e| e == nav)
                && !x.case.default_navigations.contains(*nav)
            {
                let kind =
                    match x.schemas.properties(type_name).iter().find(|p| p.name == *nav).and_then(|p| p.navigation) {
                        Some(Navigation::Collection) => "collection",
                        _ => "single-valued",
                    };
                out.push(Finding::failure(
                    "navigation.expanded",
                    format!("{base}/{nav}"),
                    format!(
                        "{nav} is a {kind} navigation property: it comes back when $expand asks for it, and this endpoint's documented answers do not return it by default"
                    ),
                ));
                return;
            }
        }
    }
}
