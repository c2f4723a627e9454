//! The fake's own values: what the reference server answers where the docs show nothing. Every
//! value is derived from the model's type and a seed (the entity's key), so answers are stable
//! across runs and processes.
//!
//! | what is missing | value | why |
//! |---|---|---|
//! | a nullable property | `null` | what a service sends for an unset nullable property |
//! | a string | `<Type> <seed>` for names, `graph-conformance` otherwise | recognisable as the fake's |
//! | a count, a number | 0; `1` for versions and sequence numbers | consistent with the invariants |
//! | a boolean | `false` | |
//! | a date-time | 2022-08-25T00:15:04.0253846Z | the docs' era |
//! | an enum | its first evolvable member (after `unknownFutureValue`), else its first | so that `Prefer: include-unknown-enum-members` changes a real answer |
//! | a complex value | its required properties, faked; an abstract type's first concrete derived type | |
//! | a collection | `[]` | |

use serde_json::{Map, Value, json};

use crate::metadata::Model;
use crate::metadata::model::Property;

/// The fake's date-time where the docs show none.
pub const FAKE_TIME: &str = "2022-08-25T00:15:04.0253846Z";

/// Fills the structural properties of `entity` (of `type_name`) that the docs did not show, and
/// gives each single-valued navigation outside the containment tree (`subject`, `createdBy`) a
/// reference of the fake's; documented values stay untouched.
pub fn complete(model: &Model, type_name: &str, entity: &mut Map<String, Value>, seed: &str) {
    let mut totals = Vec::new();
    for p in model.all_properties(type_name) {
        if entity.contains_key(&p.name) {
            continue;
        }
        let v = if p.nullable && !p.collection { Value::Null } else { property_value(model, p, seed, 0) };
        if v.is_i64() && p.name.starts_with("total") {
            totals.push(p.name.clone());
        }
        entity.insert(p.name.clone(), v);
    }
    // A total the docs leave out counts what its row does show: `totalTasks` is at least
    // `failedTasks` + `successfulTasks`.
    for total in totals {
        let noun = &total["total".len()..];
        let sum: i64 = entity
            .iter()
            .filter(|(k, _)| **k != total && k.ends_with(noun) && !k.starts_with("total"))
            .filter_map(|(_, v)| v.as_i64())
            .sum();
        entity.insert(total, json!(sum));
    }
    for n in model.all_navigations(type_name) {
        if n.collection || n.contained || entity.contains_key(&n.name) {
            continue;
        }
        let key = model.key_of(&n.target).first().cloned().unwrap_or_else(|| "id".into());
        entity.insert(n.name.clone(), json!({ key: super::ids::derived_guid(&format!("{seed}/{}", n.name), 0x7) }));
    }
}

/// A value for a property that has none.
pub fn property_value(model: &Model, p: &Property, seed: &str, depth: usize) -> Value {
    if p.collection {
        return json!([]);
    }
    scalar(model, &p.type_name, &p.name, seed, depth)
}

fn scalar(model: &Model, type_name: &str, name: &str, seed: &str, depth: usize) -> Value {
    let lower = name.to_ascii_lowercase();
    match type_name {
        "Edm.String" if lower.contains("name") => json!(format!("Reference {} {}", name, short(seed))),
        "Edm.String" => json!("graph-conformance"),
        "Edm.Int16" | "Edm.Int32" | "Edm.Int64" | "Edm.Byte" | "Edm.SByte"
            if lower.contains("version") || lower.contains("sequence") =>
        {
            json!(1)
        }
        "Edm.Int16" | "Edm.Int32" | "Edm.Int64" | "Edm.Byte" | "Edm.SByte" => json!(0),
        "Edm.Double" | "Edm.Single" | "Edm.Decimal" => json!(0.0),
        "Edm.Boolean" => json!(false),
        "Edm.DateTimeOffset" => json!(FAKE_TIME),
        "Edm.Date" => json!("2022-08-25"),
        "Edm.TimeOfDay" => json!("00:00:00"),
        "Edm.Duration" => json!("PT1H"),
        "Edm.Guid" => json!(super::ids::derived_guid(seed, 0x9)),
        "Edm.Binary" => json!(""),
        t if t.starts_with("Edm.") => Value::Null,
        t => {
            if let Some(e) = model.enum_type(t) {
                let cut = e.members.iter().position(|m| m.name == crate::schema::transform::UNKNOWN_FUTURE_VALUE);
                let pick = cut.and_then(|i| e.members.get(i + 1)).or(e.members.first());
                return pick.map(|m| json!(m.name)).unwrap_or(Value::Null);
            }
            complex(model, t, seed, depth)
        }
    }
}

/// A complex value: its required properties faked; an abstract type becomes its first concrete
/// derived type, named in `@odata.type`.
fn complex(model: &Model, type_name: &str, seed: &str, depth: usize) -> Value {
    if depth > 4 {
        return json!({});
    }
    let concrete = match model.structured(type_name) {
        Some(t) if t.is_abstract => match model.derived_of(type_name).into_iter().find(|d| !d.is_abstract) {
            Some(d) => d.name.clone(),
            None => return json!({}),
        },
        Some(_) => type_name.to_string(),
        None => return json!({}),
    };
    let mut out = Map::new();
    if concrete != type_name {
        out.insert("@odata.type".into(), json!(format!("#{concrete}")));
    }
    for p in model.all_properties(&concrete) {
        let v = if p.nullable && !p.collection { Value::Null } else { property_value(model, p, seed, depth + 1) };
        out.insert(p.name.clone(), v);
    }
    Value::Object(out)
}

fn short(seed: &str) -> &str {
    seed.get(..8).unwrap_or(seed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_values_stay_and_gaps_are_filled_by_type() {
        let model = crate::schema::project_schemas().model().clone();
        let t = "microsoft.graph.identityGovernance.userProcessingResult";
        let mut e = Map::new();
        e.insert("id".into(), json!("40efc576-840f-47d0-ab95-5abca800f8a2"));
        e.insert("totalTasksCount".into(), json!(3));
        complete(&model, t, &mut e, "40efc576-840f-47d0-ab95-5abca800f8a2");
        assert_eq!(e["totalTasksCount"], 3);
        assert_eq!(e["workflowExecutionType"], "activatedWithScope", "an evolvable member");
        assert_eq!(e["scheduledDateTime"], FAKE_TIME);
        assert_eq!(e["completedDateTime"], Value::Null);
        assert_eq!(e["workflowVersion"], 1);
        assert_eq!(e["failedTasksCount"], 0);
    }
}
