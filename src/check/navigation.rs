//! `navigation.expanded`: a navigation property is in a full answer exactly when `$expand` asked
//! for it or the endpoint returns it by default, at every depth. Which ones an endpoint returns by
//! default comes from its documented answers (`subject` on a processing result, `tasks` on a
//! workflow read by key) and the overlay; the metadata says which properties are navigations.
//! Inside an inline entity only what the `$expand` item nests (`tasks($expand=taskDefinition)`)
//! comes back: defaults are the endpoint's, not its inline entities'.

use serde_json::Value;

use super::{Exchange, Finding};
use crate::metadata::Model;
use crate::odata::query::{Expand, parse_expand};

/// Rows of a collection checked per answer.
const MAX_ROWS: usize = 1_000;
/// Inline entities checked per answer, over all depths.
const MAX_INLINE: usize = 5_000;

/// `navigation.expanded` where the check looks: an answer without `$select` of a type that has
/// navigation properties.
pub fn reached(x: &Exchange<'_>) -> Option<&'static str> {
    let type_name = x.case.resource_type.as_deref()?;
    x.json?;
    let applies = x.sent.select.is_none() && !x.schemas.model().all_navigations(type_name).is_empty();
    applies.then_some("navigation.expanded")
}

pub fn check(x: &Exchange<'_>, out: &mut Vec<Finding>) {
    let (Some(type_name), Some(body)) = (x.case.resource_type.as_deref(), x.json) else { return };
    if x.sent.select.is_some() {
        // A $select names what comes back; the select rule checks it.
        return;
    }
    let model = x.schemas.model();
    if model.all_navigations(type_name).is_empty() {
        return;
    }
    let asked: Vec<Expand> = x
        .sent
        .query
        .and_then(|q| crate::odata::QueryOptions::parse(q).system_option("expand").map(parse_expand))
        .unwrap_or_default();
    let rows: Vec<(String, &Value)> = if x.case.collection {
        body.get("value")
            .and_then(Value::as_array)
            .map(|a| a.iter().take(MAX_ROWS).enumerate().map(|(i, v)| (format!("/value/{i}"), v)).collect())
            .unwrap_or_default()
    } else {
        vec![(String::new(), body)]
    };
    let mut walk = Walk { model, budget: MAX_INLINE, out };
    for (base, row) in rows {
        let Some(obj) = row.as_object() else { continue };
        let defaults = |n: &str| x.case.default_navigations.contains(n);
        if !walk.entity(obj, type_name, &asked, &defaults, &base) {
            return;
        }
    }
}

struct Walk<'a, 'o> {
    model: &'a Model,
    budget: usize,
    out: &'o mut Vec<Finding>,
}

impl Walk<'_, '_> {
    /// Checks one entity and, below it, every inline entity; `false` once a finding is made (one
    /// per answer is enough to show the defect) or the budget is spent.
    fn entity(
        &mut self,
        obj: &serde_json::Map<String, Value>,
        type_name: &str,
        asked: &[Expand],
        default: &dyn Fn(&str) -> bool,
        at: &str,
    ) -> bool {
        if self.budget == 0 {
            return false;
        }
        self.budget -= 1;
        let actual = obj
            .get("@odata.type")
            .and_then(Value::as_str)
            .map(|t| t.trim_start_matches('#'))
            .filter(|t| self.model.is_a(t, type_name))
            .unwrap_or(type_name);
        for nav in self.model.all_navigations(actual) {
            let item = asked.iter().find(|e| e.name == nav.name);
            let kind = if nav.collection { "collection" } else { "single-valued" };
            let here = format!("{at}/{}", nav.name);
            match (obj.get(&nav.name), item) {
                (Some(_), None) if !default(&nav.name) => {
                    let why = if at.contains("/value/") || at.is_empty() {
                        "this endpoint's documented answers do not return it by default"
                    } else {
                        "inside an inline entity only what the $expand item nests comes back"
                    };
                    self.out.push(Finding::failure(
                        "navigation.expanded",
                        here,
                        format!(
                            "{} is a {kind} navigation property: it comes back when $expand asks for it, and {why}",
                            nav.name
                        ),
                    ));
                    return false;
                }
                (None, Some(_)) => {
                    self.out.push(Finding::failure(
                        "navigation.expanded",
                        here,
                        format!(
                            "$expand asked for {}, a {kind} navigation property, and the entity does not show it inline (an empty one is {})",
                            nav.name,
                            if nav.collection { "[]" } else { "null" }
                        ),
                    ));
                    return false;
                }
                (Some(v), Some(e)) => {
                    if e.select.is_some() {
                        // A nested $select names what comes back; not judged here.
                        continue;
                    }
                    let nested = &e.expand[..];
                    let inline: Vec<(String, &serde_json::Map<String, Value>)> = match v {
                        Value::Array(items) => items
                            .iter()
                            .enumerate()
                            .filter_map(|(i, v)| Some((format!("{here}/{i}"), v.as_object()?)))
                            .collect(),
                        Value::Object(o) => vec![(here.clone(), o)],
                        _ => Vec::new(),
                    };
                    for (p, o) in inline {
                        if !self.entity(o, &nav.target, nested, &|_| false, &p) {
                            return false;
                        }
                    }
                }
                _ => {}
            }
        }
        true
    }
}
