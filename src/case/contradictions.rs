//! Where a page's example contradicts the metadata: a property the type does not declare
//! (`totalProcessedTasks` for `totalTasks`), a required property left out, a placeholder where a
//! value belongs (`"String (timestamp)"`, `"Boolean"`), an enum member in the wrong case
//! (`"Joiner"`), a list row that is a placeholder itself (`"id": "id-value"`). Real pages have such slips and `graph-conformance lint` names them; a server that
//! follows the metadata cannot match them, so `body.value` does not compare those values and the
//! case says why. The answer itself is still held to the schema.

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use serde_json::{Map, Value};

use crate::check::schema::{escape_pointer, named_type, schema_findings};
use crate::schema::SchemaSet;

/// Findings kept per example.
const CAP: usize = 200;

/// A case's documented values that contradict the metadata, found on first use (finding them
/// compiles the schemas of the documented types: a run that sends one case compiles only its own).
/// Derived cases share their example's, found with the example's own `$select`.
#[derive(Debug)]
pub struct Contradictions {
    expect: Arc<super::ExpectedResponse>,
    type_name: Option<String>,
    collection: bool,
    select: Option<Vec<String>>,
    /// The example reads a recycle bin (`deletedItems`), whose entities have a deletion time.
    binned: std::sync::atomic::AtomicBool,
    marks: OnceLock<BTreeMap<String, String>>,
}

impl Contradictions {
    /// For an example: its answer, the type of its entities, and its `$select` (star excluded).
    pub fn new(
        expect: Arc<super::ExpectedResponse>,
        type_name: Option<String>,
        collection: bool,
        select: Option<Vec<String>>,
    ) -> Self {
        Contradictions { expect, type_name, collection, select, binned: false.into(), marks: OnceLock::new() }
    }

    /// Marks the example as a read of a recycle bin (before its marks are first found).
    pub fn set_binned(&self, binned: bool) {
        self.binned.store(binned, std::sync::atomic::Ordering::Relaxed);
    }

    /// The marks, if something has asked for them already.
    pub fn known(&self) -> Option<&BTreeMap<String, String>> {
        self.marks.get()
    }

    /// Pointer → why the documented value there is not compared.
    pub fn marks(&self, schemas: &SchemaSet) -> &BTreeMap<String, String> {
        self.marks.get_or_init(|| self.find(schemas))
    }

    fn find(&self, schemas: &SchemaSet) -> BTreeMap<String, String> {
        let mut marks = BTreeMap::new();
        if let (Some(body), Some(type_name)) = (self.expect.body.as_ref(), self.type_name.as_deref())
            && self.expect.status.is_success()
            && schemas.knows(type_name)
        {
            mark_body(body, type_name, self.collection, self.select.as_deref(), schemas, &mut marks);
            if self.binned.load(std::sync::atomic::Ordering::Relaxed) {
                mark_undated_deletions(body, self.collection, &mut marks);
            }
        }
        marks
    }
}

/// Deleted items the example shows with `deletedDateTime: null`: an entity in a recycle bin was
/// deleted at some time (rule `invariant.deleted-has-time`).
fn mark_undated_deletions(body: &Value, collection: bool, marks: &mut BTreeMap<String, String>) {
    use crate::check::invariants::DELETED_AT;
    let rows: Vec<(String, &Value)> = match (collection, body.get("value").and_then(Value::as_array)) {
        (true, Some(rows)) => rows.iter().enumerate().map(|(i, v)| (format!("/value/{i}"), v)).collect(),
        (true, None) => Vec::new(),
        (false, _) => vec![(String::new(), body)],
    };
    for (base, row) in rows {
        if row.get(DELETED_AT).is_some_and(Value::is_null) {
            marks.insert(
                format!("{base}/{DELETED_AT}"),
                format!("the example shows a deleted item with {DELETED_AT} null, though it was deleted at some time; not compared"),
            );
        }
    }
}

/// A one-line summary of `marks` for a report.
pub fn summary(marks: &BTreeMap<String, String>) -> String {
    format!(
        "{} documented value(s) contradict the metadata and are not compared: {}",
        marks.len(),
        marks.keys().take(5).cloned().collect::<Vec<_>>().join(", ")
    )
}

/// The row's key when it is a page's placeholder: `id-value`, `<anything>-value`, `{id}`.
fn placeholder_key(row: &Map<String, Value>) -> Option<&str> {
    let id = row.get("id")?.as_str()?;
    let placeholder = id.eq_ignore_ascii_case("id-value")
        || (id.ends_with("-value") && !id.contains(|c: char| c.is_ascii_digit()))
        || (id.starts_with('{') && id.ends_with('}'));
    placeholder.then_some(id)
}

fn mark_body(
    body: &Value,
    type_name: &str,
    collection: bool,
    select: Option<&[String]>,
    schemas: &SchemaSet,
    marks: &mut BTreeMap<String, String>,
) {
    let rows: Vec<(String, &Map<String, Value>)> = match (collection, body.get("value").and_then(Value::as_array)) {
        (true, Some(rows)) => {
            rows.iter().enumerate().filter_map(|(i, v)| Some((format!("/value/{i}"), v.as_object()?))).collect()
        }
        (false, _) => body.as_object().map(|o| vec![(String::new(), o)]).unwrap_or_default(),
        (true, None) => return,
    };
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
        // An inline entity naming a type its navigation cannot hold (a page that pasted another
        // example's `@odata.type`).
        let model = schemas.model();
        for n in model.all_navigations(&row_type) {
            let items: Vec<(String, &Value)> = match row.get(&n.name) {
                Some(Value::Array(items)) => {
                    items.iter().enumerate().map(|(i, v)| (format!("{base}/{}/{i}", n.name), v)).collect()
                }
                Some(v) => vec![(format!("{base}/{}", n.name), v)],
                None => Vec::new(),
            };
            for (at, item) in items {
                let named = item.get("@odata.type").and_then(Value::as_str).map(|t| t.trim_start_matches('#'));
                if let Some(t) = named.filter(|t| !model.is_a(t, &n.target)) {
                    marks.insert(
                        format!("{at}/@odata.type"),
                        format!(
                            "the example names {t} in {}, which holds a {}: a slip of the page; not compared",
                            n.name,
                            crate::metadata::model::short_name(&n.target)
                        ),
                    );
                }
            }
        }
        let Ok(validator) = schemas.validator_for(&row_type, false, select, true) else { continue };
        for f in schema_findings(&validator, &Value::Object(row.clone()), &base, "schema", select, schemas, true, CAP) {
            marks.entry(f.at.clone()).or_insert_with(|| {
                format!(
                    "the example contradicts the metadata at {}: {} (`graph-conformance lint` names it); not compared",
                    f.at, f.message
                )
            });
        }
    }
}
