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
//!
//! A synthetic entity (`serve --entities N`) is the fake's through and through, so
//! [`complete_synthetic`] fills its nullable scalars too, varied by entity as a tenant's are: names
//! that say what and which, enum members spread over each set, date-times in one coherent
//! timeline per entity (created ≤ started ≤ completed ≤ last modified ≤ deleted), small counts
//! whose totals add up, booleans both ways.

use serde_json::{Map, Value, json};

use crate::metadata::Model;
use crate::metadata::model::Property;

/// The fake's string where the docs show none (and the property is not a name).
pub const FILLER: &str = "graph-conformance";

/// The fake's date-time where the docs show none.
pub const FAKE_TIME: &str = "2022-08-25T00:15:04.0253846Z";

/// Fills the structural properties of `entity` (of `type_name`) that the docs did not show, and
/// gives each single-valued navigation outside the containment tree (`subject`, `createdBy`) a
/// reference of the fake's; documented values stay untouched.
pub fn complete(model: &Model, type_name: &str, entity: &mut Map<String, Value>, seed: &str) {
    fill(model, type_name, entity, seed, false, true, None);
}

/// [`complete`] for a synthetic entity: its nullable scalar properties get varied values too.
pub fn complete_synthetic(model: &Model, type_name: &str, entity: &mut Map<String, Value>, seed: &str) {
    fill(model, type_name, entity, seed, true, true, None);
}

/// [`complete_synthetic`] for the properties `only` only (and the parts of a total it keeps, which
/// the total sums): each value is the one the whole entity has, at a fraction of the cost.
pub fn complete_synthetic_only(
    model: &Model,
    type_name: &str,
    entity: &mut Map<String, Value>,
    seed: &str,
    only: &std::collections::BTreeSet<String>,
) {
    fill(model, type_name, entity, seed, true, true, Some(only));
}

/// Whether `name` is kept: named, or a part of a kept total (`failedUsersCount` of `totalUsersCount`).
fn kept(only: Option<&std::collections::BTreeSet<String>>, name: &str) -> bool {
    let Some(only) = only else { return true };
    only.contains(name)
        || (!name.starts_with("total")
            && only
                .iter()
                .any(|k| k.strip_prefix("total").is_some_and(|noun| !noun.is_empty() && name.ends_with(noun))))
}

/// `inline`: give non-contained single-valued navigations an entity (not for those entities themselves).
fn fill(
    model: &Model,
    type_name: &str,
    entity: &mut Map<String, Value>,
    seed: &str,
    varied: bool,
    inline: bool,
    only: Option<&std::collections::BTreeSet<String>>,
) {
    let mut totals = Vec::new();
    let owner = type_name.rsplit('.').next().unwrap_or(type_name);
    for p in model.all_properties(type_name) {
        if entity.contains_key(&p.name) || !kept(only, &p.name) {
            continue;
        }
        let v = match varied_value(model, p, owner, seed).filter(|_| varied) {
            Some(v) => v,
            None if p.nullable && !p.collection => Value::Null,
            None => property_value(model, p, seed, 0),
        };
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
        if !inline || n.collection || n.contained || entity.contains_key(&n.name) || !kept(only, &n.name) {
            continue;
        }
        // The fake's own inline entity: whole (its type's non-nullable properties set), so a read
        // of the navigation and the parent's `$expand` show a valid entity, the same one.
        let key = model.key_of(&n.target).first().cloned().unwrap_or_else(|| "id".into());
        let id = super::ids::derived_guid(&format!("{seed}/{}", n.name), 0x7);
        let mut inline = Map::new();
        inline.insert(key, json!(id));
        fill(model, &n.target, &mut inline, &id, varied, false, None);
        entity.insert(n.name.clone(), Value::Object(inline));
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
        "Edm.String" => json!(FILLER),
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

/// A synthetic entity's value of a scalar property (`None` for complex values and collections).
fn varied_value(model: &Model, p: &Property, owner: &str, seed: &str) -> Option<Value> {
    if p.collection {
        return None;
    }
    let h = super::ids::fnv(&format!("{seed}\u{1f}{}", p.name));
    let lower = p.name.to_ascii_lowercase();
    let id = short(seed);
    Some(match p.type_name.as_str() {
        "Edm.String" if lower.contains("mail") || lower.contains("principalname") => {
            json!(format!("user-{id}@contoso.example"))
        }
        "Edm.String" if lower.contains("name") => json!(format!("{} {id}", title(owner))),
        "Edm.String" if lower.contains("description") => {
            json!(format!("{} {id}, made by graph-conformance", title(owner)))
        }
        "Edm.String" => json!(format!("{}-{id}", p.name)),
        "Edm.Int16" | "Edm.Int32" | "Edm.Int64" | "Edm.Byte" | "Edm.SByte"
            if lower.contains("version") || lower.contains("sequence") =>
        {
            json!(1 + h % 4)
        }
        "Edm.Int16" | "Edm.Int32" | "Edm.Int64" | "Edm.Byte" | "Edm.SByte" => json!(h % 6),
        "Edm.Double" | "Edm.Single" | "Edm.Decimal" => json!((h % 1000) as f64 / 10.0),
        "Edm.Boolean" => json!(h.is_multiple_of(2)),
        "Edm.DateTimeOffset" => json!(moment(seed, &lower).to_string()),
        "Edm.Date" => json!(moment(seed, &lower).to_string()[..10]),
        "Edm.TimeOfDay" => json!(format!("{:02}:{:02}:00", h % 24, (h / 24) % 60)),
        "Edm.Duration" => json!(format!("PT{}H", 1 + h % 48)),
        "Edm.Guid" => json!(super::ids::derived_guid(&format!("{seed}/{}", p.name), 0xb)),
        t => {
            let e = model.enum_type(t)?;
            let members: Vec<&str> = e
                .members
                .iter()
                .map(|m| m.name.as_str())
                .filter(|m| *m != crate::schema::transform::UNKNOWN_FUTURE_VALUE)
                .collect();
            json!(members.get((h % members.len().max(1) as u64) as usize)?)
        }
    })
}

/// One entity's timeline: a day of 2024 chosen by its seed, and each date-time property's place
/// in it by its name: created, scheduled and started first; completed, ended and last modified
/// hours later; deleted weeks later; next runs and expiries a year on.
fn moment(seed: &str, lower_name: &str) -> jiff::Timestamp {
    let h = super::ids::fnv(seed);
    let start = jiff::Timestamp::from_second(1_704_067_200 + (h % 365) as i64 * 86_400 + (h >> 20) as i64 % 36_000)
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    let hours = |n: i64| jiff::SignedDuration::from_hours(n);
    let offset = if lower_name.starts_with("created") || lower_name.starts_with("requested") {
        hours(0)
    } else if lower_name.starts_with("scheduled") {
        hours(1)
    } else if lower_name.starts_with("start") {
        hours(2)
    } else if ["completed", "end", "finished", "processed"].iter().any(|p| lower_name.starts_with(p)) {
        hours(5)
    } else if lower_name.starts_with("deleted") {
        hours(24 * 30)
    } else if ["next", "expir"].iter().any(|p| lower_name.starts_with(p)) {
        hours(24 * 400)
    } else {
        hours(8)
    };
    start.saturating_add(offset).unwrap_or(start)
}

/// `userProcessingResult` → `User processing result`.
fn title(owner: &str) -> String {
    let mut out = String::with_capacity(owner.len() + 4);
    for (i, c) in owner.chars().enumerate() {
        if i == 0 {
            out.extend(c.to_uppercase());
        } else if c.is_uppercase() {
            out.push(' ');
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// Eight hex digits that tell entities apart: synthetic keys share their first digits and differ
/// in their last, so the key's own prefix would name two rows alike.
fn short(seed: &str) -> String {
    format!("{:08x}", super::ids::fnv(seed) as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn synthetic_entities_are_varied_and_coherent() {
        let model = crate::schema::project_schemas().model().clone();
        let t = "microsoft.graph.identityGovernance.userProcessingResult";
        let mut categories = std::collections::BTreeSet::new();
        for i in 0..40 {
            let seed = format!("aaaaaaaa-0000-4000-c000-{i:012x}");
            let mut e = Map::new();
            complete_synthetic(&model, t, &mut e, &seed);
            let at = |k: &str| e[k].as_str().unwrap().parse::<jiff::Timestamp>().unwrap();
            assert!(at("scheduledDateTime") <= at("startedDateTime"), "{e:?}");
            assert!(at("startedDateTime") <= at("completedDateTime"), "{e:?}");
            let n = |k: &str| e[k].as_i64().unwrap();
            assert!(n("failedTasksCount") + n("totalUnprocessedTasksCount") <= n("totalTasksCount"), "{e:?}");
            categories.insert(e["processingStatus"].as_str().unwrap().to_string());
        }
        assert!(categories.len() > 2, "enum members spread over the set: {categories:?}");
        assert!(!categories.contains("unknownFutureValue"));
        assert_eq!(title("userProcessingResult"), "User processing result");
        // Keys that share their first digits still get names that tell them apart.
        let names: std::collections::BTreeSet<String> = (0..40)
            .map(|i| {
                let mut e = Map::new();
                complete_synthetic(
                    &model,
                    "microsoft.graph.identityGovernance.workflowTemplate",
                    &mut e,
                    &format!("db7dd006-9d35-4461-cdb7-{i:012x}"),
                );
                e["displayName"].as_str().unwrap().to_string()
            })
            .collect();
        assert_eq!(names.len(), 40, "{names:?}");
    }

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
