//! Where the docs contradict themselves. Pages are written independently: the same entity can be
//! shown with different values on two pages (a customTaskExtension's lastModifiedDateTime in its
//! read and in the list), or an example can show an id other than the key its own URL asks for.
//! No server can satisfy both, so those values are not compared (`body.value`) and each case says
//! why; the rules that hold whatever the values (schema, `odata.id`, invariants) still apply.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::Value;

use super::{Case, LoadedCase, Suite};
use crate::check::body_values::{is_control, same_value};
use crate::check::schema::escape_pointer;
use crate::metadata::Model;
use crate::metadata::resolve::{Shape, StepKind};

/// One documented occurrence of an entity: the case, and where the entity is in its body.
struct Occurrence {
    case: String,
    /// The entity's pointer in the case's documented body (`` or `/value/3`).
    base: String,
    entity: serde_json::Map<String, Value>,
}

/// Marks, in every suite, the documented values the docs contradict.
pub fn mark(suites: &mut [Suite], model: &Model) {
    let mut seen: BTreeMap<(String, String), Vec<Occurrence>> = BTreeMap::new();
    for suite in suites.iter_mut() {
        for c in suite.cases.iter_mut() {
            let LoadedCase::Ready(c) = c else { continue };
            self_consistency(c, model);
            for (key, occ) in occurrences(c, model) {
                seen.entry(key).or_default().push(occ);
            }
        }
    }
    let mut unchecked: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for ((type_name, key), occs) in &seen {
        if occs.len() < 2 {
            continue;
        }
        let mut leaves: BTreeMap<String, Vec<(usize, Value)>> = BTreeMap::new();
        for (i, o) in occs.iter().enumerate() {
            flatten(&Value::Object(o.entity.clone()), "", &mut |p, v| {
                leaves.entry(p.to_string()).or_default().push((i, v.clone()))
            });
        }
        for (pointer, values) in leaves {
            let first = &values[0].1;
            let Some((j, other)) = values.iter().find(|(_, v)| !same_value(first, v)) else { continue };
            let (a, b) = (&occs[values[0].0], &occs[*j]);
            let why = format!(
                "the docs disagree on {} {key}{pointer}: {} shows {}, {} shows {}; no server can match both, so it is not compared",
                crate::metadata::model::short_name(type_name),
                a.case,
                first,
                b.case,
                other
            );
            for (i, _) in &values {
                let o = &occs[*i];
                unchecked.entry(o.case.clone()).or_default().insert(format!("{}{pointer}", o.base), why.clone());
            }
        }
    }
    for suite in suites.iter_mut() {
        for c in suite.cases.iter_mut() {
            let LoadedCase::Ready(c) = c else { continue };
            if let Some(marks) = unchecked.remove(&c.full_name()) {
                apply(c, marks);
            }
        }
    }
}

fn apply(c: &mut Case, marks: BTreeMap<String, String>) {
    let notes = Arc::make_mut(&mut c.notes);
    for why in marks.values() {
        if !notes.contains(why) {
            notes.push(why.clone());
        }
    }
    Arc::make_mut(&mut c.unchecked).extend(marks);
}

/// An entity read by key whose documented key is not the one its URL asks for; properties a
/// `$select` example shows without selecting them.
fn self_consistency(c: &mut Case, model: &Model) {
    let Some(Value::Object(body)) = c.expect.body.clone() else { return };
    let body = &body;
    let Ok(r) = model.resolve(&c.request.path) else { return };
    if let Some(select) = c.select().filter(|s| !s.star) {
        let expand = c.expand();
        let key = r.entity_type().map(|t| model.key_of(t)).unwrap_or_default();
        let allowed = |k: &str| {
            k.contains('@') || select.contains(k) || expand.iter().any(|e| e == k) || key.iter().any(|x| x == k)
        };
        let rows: Vec<(String, &serde_json::Map<String, Value>)> = match body.get("value").and_then(Value::as_array) {
            Some(rows) => {
                rows.iter().enumerate().filter_map(|(i, v)| Some((format!("/value/{i}"), v.as_object()?))).collect()
            }
            None => vec![(String::new(), body)],
        };
        let mut marks = BTreeMap::new();
        for (base, row) in rows {
            for k in row.keys().filter(|k| !allowed(k)) {
                marks.insert(
                    format!("{base}/{}", escape_pointer(k)),
                    format!("the example shows {k} although its request does not select it (`graph-conformance lint` reports it); not compared, the select rule forbids it"),
                );
            }
        }
        if !marks.is_empty() {
            apply(c, marks);
        }
    }
    if !r.is_keyed_entity() {
        return;
    }
    let Some(StepKind::Key { property, value: Some(asked), .. }) = r.steps.last().map(|s| &s.kind) else { return };
    let shown = match body.get(property) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => return,
    };
    if !shown.eq_ignore_ascii_case(asked) {
        let why = format!(
            "the example shows {property} {shown} for a request of {asked}: a slip of the page (`graph-conformance lint` reports it); the odata.id rule checks the answer's key instead"
        );
        let mut marks = BTreeMap::new();
        marks.insert(format!("/{}", escape_pointer(property)), why);
        apply(c, marks);
    }
}

/// The entities a case documents: read by key, or the rows of a list; keyed by (type, key).
fn occurrences(c: &Case, model: &Model) -> Vec<((String, String), Occurrence)> {
    let mut out = Vec::new();
    if !c.expect.status.is_success() || !c.request.method.eq_ignore_ascii_case("GET") {
        return out;
    }
    let Some(Value::Object(body)) = c.expect.body.as_ref() else { return out };
    let Ok(r) = model.resolve(&c.request.path) else { return out };
    let key_of = |t: &str, o: &serde_json::Map<String, Value>| {
        let k = model.key_of(t);
        match o.get(k.first().map(String::as_str).unwrap_or("id")) {
            Some(Value::String(s)) => Some(s.to_ascii_lowercase()),
            Some(Value::Number(n)) => Some(n.to_string()),
            _ => None,
        }
    };
    match &r.shape {
        Shape::Entity(t) if r.is_keyed_entity() => {
            if let Some(StepKind::Key { value: Some(k), .. }) = r.steps.last().map(|s| &s.kind) {
                out.push((
                    (t.clone(), k.to_ascii_lowercase()),
                    Occurrence { case: c.full_name(), base: String::new(), entity: body.clone() },
                ));
            }
        }
        Shape::Collection(t) if r.operation().is_none() => {
            for (i, row) in body.get("value").and_then(Value::as_array).into_iter().flatten().enumerate() {
                let Some(o) = row.as_object() else { continue };
                if let Some(k) = key_of(t, o) {
                    out.push((
                        (t.clone(), k),
                        Occurrence { case: c.full_name(), base: format!("/value/{i}"), entity: o.clone() },
                    ));
                }
            }
        }
        _ => {}
    }
    out
}

/// Calls `f` with every leaf of `v` (objects descended; arrays and scalars are leaves).
fn flatten(v: &Value, at: &str, f: &mut dyn FnMut(&str, &Value)) {
    match v {
        Value::Object(o) => {
            for (k, x) in o {
                if is_control(k) {
                    continue;
                }
                flatten(x, &format!("{at}/{}", escape_pointer(k)), f);
            }
        }
        other => f(at, other),
    }
}
