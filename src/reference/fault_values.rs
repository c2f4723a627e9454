//! Which value a fault changes, chosen from the model and the answer, so every fault reaches every
//! area: the first property of the answer's type (in the model's order, keys left out) that the
//! answer carries and that fits the fault, and the counts and periods Graph names by convention
//! (`total<X>` with `failed<X>`, `successful<X>`, `unprocessed<X>`; `started<X>` with
//! `completed<X>`). Chosen by the fault layer only: the faithful server never calls this.

use serde_json::Value;

use super::reply::{Ordered, get};
use crate::metadata::{Model, Property};

/// The first non-key property of `type_name` the answer carries with a non-null value and that
/// `fits`.
pub fn pick<'m>(
    model: &'m Model,
    type_name: &str,
    body: &Ordered,
    fits: impl Fn(&Property) -> bool,
) -> Option<&'m Property> {
    let keys = model.key_of(type_name);
    model
        .all_properties(type_name)
        .into_iter()
        .filter(|p| !keys.contains(&p.name))
        .find(|p| get(body, &p.name).is_some_and(|v| !v.is_null()) && fits(p))
}

pub fn is_integer(p: &Property) -> bool {
    !p.collection && matches!(p.type_name.as_str(), "Edm.Int16" | "Edm.Int32" | "Edm.Int64" | "Edm.Byte" | "Edm.SByte")
}

pub fn is_enum(model: &Model, p: &Property) -> bool {
    !p.collection && model.enum_type(&p.type_name).is_some()
}

/// `name` without `prefix`, when a new word follows (`totalTasks` → `Tasks`).
fn after<'a>(name: &'a str, prefix: &str) -> Option<&'a str> {
    name.strip_prefix(prefix).filter(|rest| rest.starts_with(|c: char| c.is_ascii_uppercase()))
}

/// Whether a property name counts something by Graph's convention.
pub fn is_count_name(name: &str) -> bool {
    name.ends_with("Count") || ["total", "failed", "successful", "unprocessed"].iter().any(|p| after(name, p).is_some())
}

/// The first `total<X>` of the answer with an integer value that has a part named by one of
/// `parts` (`failed`, `totalUnprocessed`, …): (total's name, its value, the part's name).
pub fn total_with_part(body: &Ordered, parts: &[&str]) -> Option<(String, i64, String)> {
    body.iter().find_map(|(k, v)| {
        let noun = after(k, "total").filter(|n| !n.starts_with("Unprocessed"))?;
        let total = v.as_i64()?;
        let part = parts.iter().map(|p| format!("{p}{noun}")).find(|p| get(body, p).is_some_and(Value::is_i64))?;
        Some((k.clone(), total, part))
    })
}

/// The first period of the answer: (start's name, end's name, end's instant), both set.
pub fn period(body: &Ordered) -> Option<(String, String, jiff::Timestamp)> {
    body.iter().find_map(|(k, v)| {
        let rest = ["started", "start"].iter().find_map(|p| after(k, p))?;
        v.as_str()?;
        ["completed", "ended", "end", "finished"].iter().find_map(|e| {
            let end = format!("{e}{rest}");
            let t = get(body, &end)?.as_str()?.parse::<jiff::Timestamp>().ok()?;
            Some((k.clone(), end, t))
        })
    })
}

/// Graph's timestamp form: UTC, 7 fraction digits, `Z`.
pub fn format_time(t: jiff::Timestamp) -> String {
    let s = t.strftime("%Y-%m-%dT%H:%M:%S").to_string();
    format!("{s}.{:07}Z", t.subsec_nanosecond() / 100)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ordered(v: Value) -> Ordered {
        v.as_object().unwrap().iter().map(|(k, v)| (k.clone(), v.clone())).collect()
    }

    #[test]
    fn conventions_are_found_for_any_noun() {
        let b = ordered(json!({"failedWidgets": 1, "totalWidgets": 2, "totalUnprocessedWidgets": 0}));
        assert_eq!(total_with_part(&b, &["failed"]), Some(("totalWidgets".into(), 2, "failedWidgets".into())));
        assert_eq!(total_with_part(&b, &["totalUnprocessed", "unprocessed"]).unwrap().2, "totalUnprocessedWidgets");
        assert_eq!(total_with_part(&b, &["successful"]), None);
        let p = ordered(json!({"startDateTime": "2024-01-01T00:00:00Z", "endDateTime": "2024-01-02T00:00:00Z"}));
        assert_eq!(period(&p).map(|(s, e, _)| (s, e)), Some(("startDateTime".into(), "endDateTime".into())));
        assert!(period(&ordered(json!({"startable": "x", "endable": "y"}))).is_none());
        assert!(is_count_name("totalUsersCount") && is_count_name("failedRuns") && !is_count_name("totality"));
    }
}
