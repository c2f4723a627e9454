//! Where a page's example contradicts the metadata: a property the type does not declare
//! (`totalProcessedTasks` for `totalTasks`), a required property left out, a placeholder where a
//! value belongs (`"String (timestamp)"`, `"Boolean"`), an enum member in the wrong case
//! (`"Joiner"`), a list row that is a placeholder itself (`"id": "id-value"`). Real pages have such slips and `graph-conformance lint` names them; a server that
//! follows the metadata cannot match them, so `body.value` does not compare those values and the
//! case says why. The answer itself is still held to the schema.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::{Case, LoadedCase, Suite};
use crate::check::schema::{escape_pointer, named_type, schema_findings};
use crate::schema::SchemaSet;

/// Findings kept per example.
const CAP: usize = 200;

/// Marks, in every suite, the documented values that contradict the metadata.
pub fn mark(suites: &mut [Suite], schemas: &SchemaSet) {
    for suite in suites.iter_mut() {
        for c in suite.cases.iter_mut() {
            if let LoadedCase::Ready(c) = c {
                mark_case(c, schemas);
            }
        }
    }
}

/// The row's key when it is a page's placeholder: `id-value`, `<anything>-value`, `{id}`.
fn placeholder_key(row: &Map<String, Value>) -> Option<&str> {
    let id = row.get("id")?.as_str()?;
    let placeholder = id.eq_ignore_ascii_case("id-value")
        || (id.ends_with("-value") && !id.contains(|c: char| c.is_ascii_digit()))
        || (id.starts_with('{') && id.ends_with('}'));
    placeholder.then_some(id)
}

fn mark_case(c: &mut Case, schemas: &SchemaSet) {
    let (Some(body), Some(type_name)) = (c.expect.body.as_ref(), c.resource_type.as_deref()) else { return };
    if !c.expect.status.is_success() || !schemas.knows(type_name) {
        return;
    }
    let rows: Vec<(String, &Map<String, Value>)> = match (c.collection, body.get("value").and_then(Value::as_array)) {
        (true, Some(rows)) => {
            rows.iter().enumerate().filter_map(|(i, v)| Some((format!("/value/{i}"), v.as_object()?))).collect()
        }
        (false, _) => body.as_object().map(|o| vec![(String::new(), o)]).unwrap_or_default(),
        (true, None) => return,
    };
    let select: Option<Vec<String>> = c.select().filter(|s| !s.star).map(|s| s.items.clone());
    let mut marks: BTreeMap<String, String> = BTreeMap::new();
    for (base, row) in rows {
        if let Some(id) = placeholder_key(row).filter(|_| !base.is_empty()) {
            marks.insert(
                base.clone(),
                format!(
                    "the example's row {base} is a placeholder (its key is `{id}`), not an entity a server could hold; not compared"
                ),
            );
            continue;
        }
        let row_type = named_type(row).filter(|t| schemas.knows(t)).unwrap_or(type_name).to_string();
        for k in row.keys().filter(|k| !k.contains('@') && !schemas.declares(&row_type, k)) {
            marks.insert(
                format!("{base}/{}", escape_pointer(k)),
                format!(
                    "the example shows {k}, which {} does not declare (`graph-conformance lint` names it); not compared",
                    crate::metadata::model::short_name(&row_type)
                ),
            );
        }
        let Ok(validator) = schemas.validator_for(&row_type, false, select.as_deref(), true) else { continue };
        for f in schema_findings(
            &validator,
            &Value::Object(row.clone()),
            &base,
            "schema",
            select.as_deref(),
            schemas,
            true,
            CAP,
        ) {
            marks.entry(f.at.clone()).or_insert_with(|| {
                format!(
                    "the example contradicts the metadata at {}: {} (`graph-conformance lint` names it); not compared",
                    f.at, f.message
                )
            });
        }
    }
    if marks.is_empty() {
        return;
    }
    let notes = std::sync::Arc::make_mut(&mut c.notes);
    let summary = format!(
        "{} documented value(s) contradict the metadata and are not compared: {}",
        marks.len(),
        marks.keys().take(5).cloned().collect::<Vec<_>>().join(", ")
    );
    if !notes.contains(&summary) {
        notes.push(summary);
    }
    std::sync::Arc::make_mut(&mut c.unchecked).extend(marks);
}
