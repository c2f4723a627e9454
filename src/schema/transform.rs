//! Schema transformations: evolvable enums and `$select` projection.

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

/// The sentinel that separates an evolvable enum's original members from those added later.
pub const UNKNOWN_FUTURE_VALUE: &str = "unknownFutureValue";

/// Cuts every `enum` (and every flags enum's `x-flags` list, with its `pattern`) that contains
/// `unknownFutureValue` right after it, anywhere in `schema`.
///
/// Graph's evolvable-enum rule: members added after `unknownFutureValue` are sent only to clients
/// that send `Prefer: include-unknown-enum-members`; others receive `unknownFutureValue` instead.
pub fn cut_evolvable_enums(schema: &mut Value) {
    match schema {
        Value::Object(map) => {
            if let Some(Value::Array(members)) = map.get_mut("enum")
                && let Some(pos) = members.iter().position(|m| m == UNKNOWN_FUTURE_VALUE)
            {
                members.truncate(pos + 1);
            }
            if let Some(Value::Array(members)) = map.get_mut("x-flags")
                && let Some(pos) = members.iter().position(|m| m == UNKNOWN_FUTURE_VALUE)
            {
                members.truncate(pos + 1);
                let names: Vec<&str> = members.iter().filter_map(Value::as_str).collect();
                let pattern = crate::metadata::generate::flags_pattern(&names);
                map.insert("pattern".into(), Value::String(pattern));
            }
            map.values_mut().for_each(cut_evolvable_enums);
        }
        Value::Array(items) => items.iter_mut().for_each(cut_evolvable_enums),
        _ => {}
    }
}

/// Collects the members after `unknownFutureValue` of every enum in `schema`.
pub fn collect_evolvable_members(schema: &Value, out: &mut BTreeSet<String>) {
    match schema {
        Value::Object(map) => {
            for list in ["enum", "x-flags"] {
                if let Some(Value::Array(members)) = map.get(list)
                    && let Some(pos) = members.iter().position(|m| m == UNKNOWN_FUTURE_VALUE)
                {
                    out.extend(members[pos + 1..].iter().filter_map(Value::as_str).map(str::to_string));
                }
            }
            map.values().for_each(|v| collect_evolvable_members(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| collect_evolvable_members(v, out)),
        _ => {}
    }
}

/// The schema of a `$select` answer: each selected property keeps its own schema and becomes
/// required (except collection navigations, which `$select` alone does not return); every other
/// declared or undeclared property is forbidden. OData control information and instance annotations
/// (`@odata.context`, `subject@odata.navigationLink`) stay allowed, and so does the key, which OData
/// services may add to identify the entity (OData 4.01 JSON Format, 4.5.8 Entity Id; inferred).
pub fn project(entity: &Value, select: &[String]) -> Value {
    let props = entity.get("properties").and_then(Value::as_object).cloned().unwrap_or_default();
    let mut kept = Map::new();
    let mut required = Vec::new();
    for (name, schema) in &props {
        let is_control = name.starts_with('@');
        let is_key = schema.get("x-key").and_then(Value::as_bool).unwrap_or(false);
        let selected = select.iter().any(|s| s == name);
        if is_control || is_key || selected {
            kept.insert(name.clone(), schema.clone());
        }
        let collection_nav = schema.get("x-navigation").and_then(Value::as_str) == Some("collection");
        if selected && !collection_nav {
            required.push(json!(name));
        }
    }
    let mut out = entity.as_object().cloned().unwrap_or_default();
    out.insert("properties".into(), Value::Object(kept));
    out.insert("required".into(), Value::Array(required));
    out.insert("patternProperties".into(), json!({ "@": true }));
    out.insert("additionalProperties".into(), json!(false));
    out.insert("x-select".into(), json!(select));
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enums_are_cut_after_the_sentinel_only() {
        let mut s = json!({"a": {"enum": ["x", "unknownFutureValue", "y"]}, "b": {"enum": ["p", "q"]}});
        cut_evolvable_enums(&mut s);
        assert_eq!(s["a"]["enum"], json!(["x", "unknownFutureValue"]));
        assert_eq!(s["b"]["enum"], json!(["p", "q"]));
        let mut found = BTreeSet::new();
        collect_evolvable_members(&json!({"e": {"enum": ["x", "unknownFutureValue", "y", "z"]}}), &mut found);
        assert_eq!(found.into_iter().collect::<Vec<_>>(), ["y", "z"]);
    }

    #[test]
    fn projection_requires_selected_and_forbids_the_rest() {
        let entity = json!({"properties": {
            "@odata.context": {}, "id": {"x-key": true}, "a": {}, "b": {}, "nav": {"x-navigation": "collection"}
        }, "required": ["id", "a", "b"]});
        let p = project(&entity, &["a".into(), "nav".into()]);
        assert_eq!(p["required"], json!(["a"]));
        assert_eq!(p["additionalProperties"], json!(false));
        let kept: Vec<&String> = p["properties"].as_object().unwrap().keys().collect();
        assert_eq!(kept, ["@odata.context", "a", "id", "nav"]);
    }
}
