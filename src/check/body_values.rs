//! `body.value`: under the reference profile, the documented values are the answer's values.
//!
//! A `truncated` example is a subset (every documented property present and equal, others allowed);
//! a complete one must match exactly. Values are compared by meaning: numbers numerically, date-times
//! as instants. Control information (`@odata.context`, `@odata.count`, `@odata.nextLink`) is left to
//! the rules that check it against the request, and values the docs contradict themselves on are
//! skipped (the case says so, see [`crate::case::conflicts`]).
//! [`normalized_actual`] applies the same equivalences to the answer, so that the diff the report draws
//! shows only real differences.

use jiff::Timestamp;
use serde_json::{Map, Value};

use super::context::equivalent_fragments;
use super::schema::escape_pointer;
use super::{Exchange, Finding, Profile};
use crate::case::ValueCheck;

const CONTEXT: &str = "@odata.context";

pub fn check(x: &Exchange<'_>, out: &mut Vec<Finding>) {
    let rule = match x.values {
        ValueCheck::Documented if x.profile == Profile::Reference => "body.value",
        ValueCheck::ListRow => "list.consistency",
        _ => return,
    };
    if rule == "body.value"
        && x.case.expect.is_empty
        && let Some(rows) = x.json.and_then(|b| b.get("value")).and_then(Value::as_array)
        && !rows.is_empty()
    {
        out.push(
            Finding::failure("body.value", "/value", "the example is annotated isEmpty, but the collection has rows")
                .with_values("[]", format!("{} rows", rows.len())),
        );
    }
    let (Some(expected), Some(actual)) = (&x.case.expect.body, x.json) else {
        return;
    };
    let mut found = Vec::new();
    let contradicting = x.case.contradictions.marks(x.schemas);
    let skip = |p: &str| x.case.unchecked.contains_key(p) || contradicting.contains_key(p);
    let keys = row_keys(x.schemas.model(), x.case.resource_type.as_deref());
    compare(expected, actual, x.case.expect.truncated, "", &keys, &skip, &mut found);
    out.extend(found.into_iter().map(|f| Finding { rule, ..f }));
}

/// Control information that other rules check against the request (`odata.context`,
/// `query.count`, `list.paging`); a documented value of it depends on the tenant and on the page's
/// own slips, so it is not compared as a value.
pub fn is_control(key: &str) -> bool {
    ["@odata.context", "@odata.count", "@odata.nextLink", "@odata.deltaLink"]
        .iter()
        .any(|c| key == *c || key.ends_with(c))
}

/// The properties that identify a row: the type's key, then `id` (for nested lists).
pub fn row_keys(model: &crate::metadata::Model, type_name: Option<&str>) -> Vec<String> {
    let mut keys = type_name.map(|t| model.key_of(t)).unwrap_or_default();
    if !keys.iter().any(|k| k == "id") {
        keys.push("id".into());
    }
    keys
}

fn compare(
    exp: &Value,
    act: &Value,
    subset: bool,
    at: &str,
    keys: &[String],
    skip: &dyn Fn(&str) -> bool,
    out: &mut Vec<Finding>,
) {
    match (exp, act) {
        (Value::Object(e), Value::Object(a)) => {
            for (k, ev) in e {
                let p = format!("{at}/{}", escape_pointer(k));
                if is_control(k) || skip(&p) {
                    continue;
                }
                match a.get(k) {
                    None => out.push(
                        Finding::failure("body.value", p, format!("the documented property {k} is missing"))
                            .with_values(render(ev), "(absent)"),
                    ),
                    Some(av) => compare(ev, av, subset, &p, keys, skip, out),
                }
            }
            if !subset {
                for k in a.keys().filter(|k| !k.starts_with('@') && !e.contains_key(*k)) {
                    let p = format!("{at}/{}", escape_pointer(k));
                    if skip(&p) {
                        continue;
                    }
                    out.push(Finding::failure(
                        "body.value",
                        p,
                        format!("{k} is not in the documented example, which is complete (not truncated)"),
                    ));
                }
            }
        }
        (Value::Array(e), Value::Array(a)) => {
            if !subset && e.len() != a.len() {
                out.push(
                    Finding::failure("body.value", at, "the array's length differs from the documented example")
                        .with_values(e.len().to_string(), a.len().to_string()),
                );
            }
            for (i, ev) in e.iter().enumerate() {
                let p = format!("{at}/{i}");
                if skip(&p) {
                    continue;
                }
                match counterpart(ev, a, i, subset, keys) {
                    Some(av) => compare(ev, av, subset, &p, keys, skip, out),
                    None => out.push(
                        Finding::failure("body.value", p, "a documented item is missing")
                            .with_values(render(ev), "(absent)"),
                    ),
                }
            }
        }
        _ if same_value(exp, act) => {}
        _ => out.push(
            Finding::failure("body.value", at, "the value differs from the documented one")
                .with_values(render(exp), render(act)),
        ),
    }
}

/// The actual item that corresponds to documented item `i`: by key in a subset, by position otherwise.
fn counterpart<'a>(ev: &Value, actual: &'a [Value], i: usize, subset: bool, keys: &[String]) -> Option<&'a Value> {
    let key = keys.iter().find_map(|k| ev.get(k).map(|v| (k, v)));
    match key {
        Some((k, id)) if subset => actual.iter().find(|a| a.get(k).is_some_and(|v| same_value(id, v))),
        _ => actual.get(i),
    }
}

/// Equal by meaning: numbers numerically, date-times as instants.
pub fn same_value(exp: &Value, act: &Value) -> bool {
    match (exp, act) {
        (Value::Number(e), Value::Number(a)) => match (e.as_i64(), a.as_i64()) {
            (Some(x), Some(y)) => x == y,
            _ => e.as_f64() == a.as_f64(),
        },
        (Value::String(e), Value::String(a)) if e != a => {
            matches!((e.parse::<Timestamp>(), a.parse::<Timestamp>()), (Ok(x), Ok(y)) if x == y)
        }
        _ => exp == act,
    }
}

/// The answer with every difference that is not a difference removed: properties a truncated example
/// does not show are dropped, equivalent values take the documented spelling, and the context's
/// service root is the documented one.
pub fn normalized_actual(exp: &Value, act: &Value, subset: bool, keys: &[String]) -> Value {
    match (exp, act) {
        (Value::Object(e), Value::Object(a)) => {
            let mut out = Map::new();
            for (k, av) in a {
                let Some(ev) = e.get(k) else {
                    if !subset {
                        out.insert(k.clone(), av.clone());
                    }
                    continue;
                };
                let v = if is_control(k) && k != CONTEXT {
                    ev.clone()
                } else if k.ends_with(CONTEXT) || k == CONTEXT {
                    match (ev.as_str(), av.as_str()) {
                        (Some(es), Some(as_)) if equivalent_fragments(es, as_) => ev.clone(),
                        (Some(es), Some(as_)) => Value::String(format!("{}{}", root_of(es), fragment_with_marker(as_))),
                        _ => av.clone(),
                    }
                } else {
                    normalized_actual(ev, av, subset, keys)
                };
                out.insert(k.clone(), v);
            }
            Value::Object(out)
        }
        (Value::Array(e), Value::Array(a)) => {
            let mut items: Vec<Value> = Vec::new();
            for (i, ev) in e.iter().enumerate() {
                if let Some(av) = counterpart(ev, a, i, subset, keys) {
                    items.push(normalized_actual(ev, av, subset, keys));
                }
            }
            if !subset {
                items.extend(a.iter().skip(e.len()).cloned());
            }
            Value::Array(items)
        }
        _ if same_value(exp, act) => exp.clone(),
        _ => act.clone(),
    }
}

fn render(v: &Value) -> String {
    match v {
        Value::String(s) => format!("\"{s}\""),
        other => other.to_string(),
    }
}

fn fragment_with_marker(s: &str) -> &str {
    s.find("$metadata#").map(|i| &s[i..]).unwrap_or(s)
}

fn root_of(s: &str) -> &str {
    s.find("$metadata#").map(|i| &s[..i]).unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn findings(exp: Value, act: Value, subset: bool) -> Vec<(String, String)> {
        let mut out = Vec::new();
        compare(&exp, &act, subset, "", &["id".to_string()], &|_| false, &mut out);
        out.into_iter().map(|f| (f.at, f.message)).collect()
    }

    #[test]
    fn a_truncated_example_is_a_subset() {
        let exp = json!({"a": 1, "s": {"id": "x"}});
        assert!(findings(exp.clone(), json!({"a": 1, "b": 2, "s": {"id": "x", "n": 1}}), true).is_empty());
        let f = findings(exp, json!({"a": 2, "s": {}}), true);
        assert_eq!(f.iter().map(|(a, _)| a.as_str()).collect::<Vec<_>>(), ["/a", "/s/id"]);
    }

    #[test]
    fn a_complete_example_is_exact_except_control_information() {
        let f = findings(json!({"a": 1}), json!({"a": 1, "b": 2, "@odata.etag": "x"}), false);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].0, "/b");
    }

    #[test]
    fn values_compare_by_meaning() {
        assert!(same_value(&json!(0), &json!(0.0)));
        assert!(same_value(&json!("2022-08-24T23:28:11.1348863Z"), &json!("2022-08-24T23:28:11.134886300+00:00")));
        assert!(!same_value(&json!("2022-08-24T23:28:11Z"), &json!("2022-08-24T23:28:12Z")));
        assert!(!same_value(&json!("completed"), &json!("Completed")));
    }

    #[test]
    fn normalization_leaves_only_real_differences() {
        let exp = json!({"@odata.context": "https://graph.microsoft.com/beta/$metadata#x/$entity", "a": 0, "t": "2022-08-24T23:28:11Z"});
        let act = json!({"@odata.context": "http://127.0.0.1:1/beta/$metadata#x/$entity", "a": 1, "t": "2022-08-24T23:28:11.000+00:00", "extra": true});
        let n = normalized_actual(&exp, &act, true, &["id".to_string()]);
        assert_eq!(
            n,
            json!({"@odata.context": "https://graph.microsoft.com/beta/$metadata#x/$entity", "a": 1, "t": "2022-08-24T23:28:11Z"})
        );
    }
}
