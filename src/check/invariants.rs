//! `invariant.*`: relations between an answer's values that hold whatever the tenant, by the
//! shape of property names Graph uses for counts and periods, so they apply to every type of any
//! area that has such properties: counts are not negative; `failed<X>` and `unprocessed<X>` (or
//! `totalUnprocessed<X>`) are within `total<X>`; `successful<X>` + failed + unprocessed are within
//! it; and a `started<X>` / `start<X>` time is not after the `completed<X>`, `ended<X>`, `end<X>` or
//! `finished<X>` time of the same object. An entity read from Graph's recycle bin (a path through
//! `deletedItems`, as `directory/deletedItems` and `lifecycleWorkflows/deletedItems` have it) has
//! a `deletedDateTime`. A missing or mistyped property is otherwise the schema's business, not an
//! invariant's.

use jiff::Timestamp;
use serde_json::{Map, Value};

use super::{Exchange, Finding};

/// Prefixes of the parts a total counts.
const PARTS: [&str; 3] = ["failed", "successful", "unprocessed"];
/// Prefixes of a period's start and of its end.
const STARTS: [&str; 2] = ["started", "start"];
const ENDS: [&str; 4] = ["completed", "ended", "end", "finished"];
/// Rows of a collection checked per answer.
const MAX_ROWS: usize = 1_000;
/// Graph's recycle bin, and when its entities were deleted.
pub const BIN: &str = "deletedItems";
pub const DELETED_AT: &str = "deletedDateTime";

pub fn check(x: &Exchange<'_>, out: &mut Vec<Finding>) {
    let Some(body) = x.json else { return };
    let Some(type_name) = x.case.resource_type.as_deref() else { return };
    // A read from the recycle bin whose type has a deletion time, shown whole or selected.
    let binned = x.sent.resource.segments.iter().any(|s| s.name.eq_ignore_ascii_case(BIN))
        && x.schemas.declares(type_name, DELETED_AT)
        && x.sent.select.is_none_or(|s| s.contains(DELETED_AT));
    let mut one = |obj: &Map<String, Value>, base: &str| {
        check_entity(obj, base, out);
        if binned && obj.get(DELETED_AT).is_none_or(Value::is_null) {
            out.push(
                Finding::failure(
                    "invariant.deleted-has-time",
                    format!("{base}/{DELETED_AT}"),
                    format!("an entity in {BIN} has no {DELETED_AT}: it was deleted at some time"),
                )
                .with_values("a date-time", obj.get(DELETED_AT).map_or("(absent)".into(), Value::to_string)),
            );
        }
    };
    if x.case.collection {
        for (i, item) in body.get("value").and_then(Value::as_array).into_iter().flatten().take(MAX_ROWS).enumerate() {
            if let Some(obj) = item.as_object() {
                one(obj, &format!("/value/{i}"));
            }
        }
    } else if let Some(obj) = body.as_object() {
        one(obj, "");
    }
}

/// `name` without `prefix`, when what follows starts a new word (`totalTasks` → `Tasks`).
fn after<'a>(name: &'a str, prefix: &str) -> Option<&'a str> {
    name.strip_prefix(prefix).filter(|rest| rest.starts_with(|c: char| c.is_ascii_uppercase()))
}

/// Whether a property name is a count (`totalTasksCount`, `failedUsers`, `unprocessedUsersCount`).
fn is_count(name: &str) -> bool {
    name.ends_with("Count") || std::iter::once("total").chain(PARTS).any(|p| after(name, p).is_some())
}

/// The invariants of one entity (or result) object at pointer `base`.
/// The invariants an object gives something to judge: a count; a total with its failed,
/// unprocessed or successful part; a start with its end (each set).
pub fn reached(obj: &Map<String, Value>, into: &mut std::collections::BTreeSet<&'static str>) {
    let int = |k: &str| obj.get(k).and_then(Value::as_i64);
    if obj.iter().any(|(k, v)| is_count(k) && v.is_i64()) {
        into.insert("invariant.counts-non-negative");
    }
    for (total_key, noun) in obj
        .keys()
        .filter_map(|k| after(k, "total").map(|n| (k, n)))
        .filter(|(_, n)| !PARTS.iter().any(|p| n.to_ascii_lowercase().starts_with(p)))
    {
        if int(total_key).is_none() {
            continue;
        }
        if int(&format!("failed{noun}")).is_some() {
            into.insert("invariant.failed-within-total");
        }
        if int(&format!("totalUnprocessed{noun}")).or_else(|| int(&format!("unprocessed{noun}"))).is_some() {
            into.insert("invariant.unprocessed-within-total");
        }
        if int(&format!("successful{noun}")).is_some() {
            into.insert("invariant.outcomes-within-total");
        }
    }
    let time = |k: &str| obj.get(k).and_then(Value::as_str).is_some_and(|s| s.parse::<Timestamp>().is_ok());
    for (start_key, rest) in obj.keys().filter_map(|k| STARTS.iter().find_map(|p| after(k, p)).map(|r| (k, r))) {
        if time(start_key) && ENDS.iter().any(|e| time(&format!("{e}{rest}"))) {
            into.insert("invariant.started-before-completed");
        }
    }
}

pub fn check_entity(obj: &Map<String, Value>, base: &str, out: &mut Vec<Finding>) {
    let int = |k: &str| obj.get(k).and_then(Value::as_i64);
    for (k, v) in obj.iter().filter(|(k, _)| is_count(k)) {
        if let Some(n) = v.as_i64().filter(|n| *n < 0) {
            out.push(
                Finding::failure("invariant.counts-non-negative", format!("{base}/{k}"), format!("{k} is negative"))
                    .with_values(">= 0", n.to_string()),
            );
        }
    }
    // Each total: `total<X>`, X not itself a part (`totalUnprocessedTasksCount` is a part of `totalTasksCount`).
    for (total_key, noun) in obj
        .keys()
        .filter_map(|k| after(k, "total").map(|n| (k, n)))
        .filter(|(_, n)| !PARTS.iter().any(|p| n.to_ascii_lowercase().starts_with(p)))
    {
        let Some(total) = int(total_key) else { continue };
        let failed_key = format!("failed{noun}");
        let unprocessed_key =
            [format!("totalUnprocessed{noun}"), format!("unprocessed{noun}")].into_iter().find(|k| obj.contains_key(k));
        for (k, rule) in [
            (Some(failed_key.clone()), "invariant.failed-within-total"),
            (unprocessed_key.clone(), "invariant.unprocessed-within-total"),
        ] {
            let Some(k) = k else { continue };
            if let Some(n) = int(&k).filter(|n| *n > total) {
                out.push(
                    Finding::failure(rule, format!("{base}/{k}"), format!("{k} exceeds {total_key} ({total})"))
                        .with_values(format!("<= {total}"), n.to_string()),
                );
            }
        }
        let successful_key = format!("successful{noun}");
        if let Some(successful) = int(&successful_key) {
            let failed = int(&failed_key).unwrap_or(0);
            let unprocessed = unprocessed_key.as_deref().and_then(int).unwrap_or(0);
            let parts = successful.saturating_add(failed).saturating_add(unprocessed);
            if successful >= 0 && failed >= 0 && unprocessed >= 0 && parts > total {
                let mut names = vec![successful_key.clone()];
                if obj.contains_key(&failed_key) {
                    names.push(failed_key.clone());
                }
                if let Some(u) = &unprocessed_key {
                    names.push(u.clone());
                }
                out.push(
                    Finding::failure(
                        "invariant.outcomes-within-total",
                        format!("{base}/{successful_key}"),
                        format!("{} add up to {parts}, more than {total_key} ({total})", names.join(" + ")),
                    )
                    .with_values(format!("<= {total}"), parts.to_string()),
                );
            }
        }
    }
    let time = |k: &str| obj.get(k).and_then(Value::as_str).and_then(|s| s.parse::<Timestamp>().ok());
    for (start_key, rest) in obj.keys().filter_map(|k| STARTS.iter().find_map(|p| after(k, p)).map(|r| (k, r))) {
        let Some(started) = time(start_key) else { continue };
        for end_key in ENDS.iter().map(|e| format!("{e}{rest}")) {
            if let Some(completed) = time(&end_key).filter(|c| started > *c) {
                out.push(
                    Finding::failure(
                        "invariant.started-before-completed",
                        format!("{base}/{start_key}"),
                        format!("{start_key} is after {end_key}"),
                    )
                    .with_values(format!("<= {completed}"), started.to_string()),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rules(v: Value) -> Vec<&'static str> {
        let mut out = Vec::new();
        check_entity(v.as_object().unwrap(), "", &mut out);
        out.into_iter().map(|f| f.rule).collect()
    }

    #[test]
    fn the_documented_examples_hold() {
        let e1 = json!({"failedTasksCount": 0, "totalTasksCount": 2, "totalUnprocessedTasksCount": 0,
            "startedDateTime": "2022-08-24T23:28:04.490313Z", "completedDateTime": "2022-08-24T23:28:11.1348863Z"});
        assert!(rules(e1).is_empty());
        let insights = json!({"totalRuns": 106, "successfulRuns": 71, "failedRuns": 35, "totalUsers": 150,
            "successfulUsers": 112, "failedUsers": 38, "totalTasks": 75, "successfulTasks": 56, "failedTasks": 19});
        assert!(rules(insights).is_empty());
        let report =
            json!({"failedUsersCount": 0, "successfulUsersCount": 2, "unprocessedUsersCount": 0, "totalUsersCount": 2});
        assert!(rules(report).is_empty());
    }

    #[test]
    fn each_invariant_fails_when_broken() {
        assert_eq!(rules(json!({"failedTasksCount": -1})), ["invariant.counts-non-negative"]);
        assert_eq!(rules(json!({"failedTasksCount": 3, "totalTasksCount": 2})), ["invariant.failed-within-total"]);
        assert_eq!(
            rules(json!({"totalUnprocessedTasksCount": 3, "totalTasksCount": 2})),
            ["invariant.unprocessed-within-total"]
        );
        assert_eq!(
            rules(json!({"successfulRuns": 2, "failedRuns": 1, "totalRuns": 2})),
            ["invariant.outcomes-within-total"]
        );
        assert_eq!(
            rules(
                json!({"startedDateTime": "2022-08-24T23:28:12Z", "completedDateTime": "2022-08-24T23:28:11.1348863+00:00"})
            ),
            ["invariant.started-before-completed"]
        );
    }

    #[test]
    fn any_noun_and_any_period_is_held() {
        assert_eq!(rules(json!({"failedWidgets": 3, "totalWidgets": 2})), ["invariant.failed-within-total"]);
        assert_eq!(
            rules(json!({"startDateTime": "2024-01-02T00:00:00Z", "endDateTime": "2024-01-01T00:00:00Z"})),
            ["invariant.started-before-completed"]
        );
        assert!(rules(json!({"totalUnprocessedTasksCount": 1, "totalTasksCount": 2, "totalx": -0})).is_empty());
        assert!(rules(json!({"startable": "2024-01-02T00:00:00Z", "endable": "2024-01-01T00:00:00Z"})).is_empty());
    }

    #[test]
    fn nulls_and_unparsable_values_are_left_to_the_schema() {
        assert!(rules(json!({"startedDateTime": null, "completedDateTime": "x", "totalTasksCount": "2", "failedTasksCount": 5})).is_empty());
    }
}
