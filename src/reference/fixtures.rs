//! The fake's own values: what the reference server answers where the docs show nothing.
//!
//! | what | value | why |
//! |---|---|---|
//! | a documented result's missing `scheduledDateTime` | 2022-08-25T00:15:04.0253846Z | a plausible 2022 run time (the docs' era) |
//! | missing `startedDateTime` / `completedDateTime` | scheduled + 3 s / started + 7 s | the docs' examples take seconds |
//! | missing `workflowExecutionType` | `activatedWithScope` | an **evolvable** member, so `Prefer: include-unknown-enum-members` changes a real answer |
//! | missing `workflowVersion` | 1 | every example shows 1 |
//! | missing counts / status / subject | 0, `completed`, a GUID derived from the id | consistent with the invariants |
//! | workflows | `displayName` "Reference workflow N", category `leaver`, enabled | the workflow page's example shape |
//! | runs | aggregates of their results | a run report sums its users' results |

use serde_json::{Map, Value, json};

/// The entity type the fake serves by id.
pub const RESULT_TYPE: &str = "microsoft.graph.identityGovernance.userProcessingResult";

const FALLBACK_SCHEDULED: &str = "2022-08-25T00:15:04.0253846Z";

/// Fills the properties the docs did not show, leaving documented values untouched.
pub fn complete_result(e: &mut Map<String, Value>) {
    let id = e.get("id").and_then(Value::as_str).unwrap_or("00000000-0000-0000-0000-000000000000").to_string();
    let scheduled = e.get("scheduledDateTime").and_then(Value::as_str).unwrap_or(FALLBACK_SCHEDULED).to_string();
    let started = shift(&scheduled, 3);
    let defaults = [
        ("scheduledDateTime", json!(scheduled)),
        ("startedDateTime", json!(started)),
        ("completedDateTime", json!(shift(&started, 7))),
        ("processingStatus", json!("completed")),
        ("workflowExecutionType", json!("activatedWithScope")),
        ("workflowVersion", json!(1)),
        ("failedTasksCount", json!(0)),
        ("totalUnprocessedTasksCount", json!(0)),
        ("subject", json!({ "id": derived_guid(&id, 0x5) })),
    ];
    for (k, v) in defaults {
        e.entry(k.to_string()).or_insert(v);
    }
    let floor = ["failedTasksCount", "totalUnprocessedTasksCount"]
        .iter()
        .filter_map(|k| e.get(*k).and_then(Value::as_i64))
        .sum::<i64>()
        .max(1);
    e.entry("totalTasksCount".to_string()).or_insert(json!(floor));
}

/// A workflow entity as the list and read endpoints return it.
pub fn workflow_entity(id: &str, index: usize) -> Map<String, Value> {
    let created = shift(FALLBACK_SCHEDULED, -86_400 * (index as i64 + 1));
    object(json!({
        "id": id,
        "category": "leaver",
        "displayName": format!("Reference workflow {}", index + 1),
        "description": "A workflow of the graph-conformance reference server",
        "isEnabled": true,
        "isSchedulingEnabled": false,
        "createdDateTime": created,
        "lastModifiedDateTime": created,
        "deletedDateTime": null,
        "nextScheduleRunDateTime": null,
        "version": 1,
        "executionConditions": null
    }))
}

/// A run entity aggregated from its results.
pub fn run_entity(id: &str, results: &[Map<String, Value>]) -> Map<String, Value> {
    let sum = |k: &str| results.iter().filter_map(|r| r.get(k).and_then(Value::as_i64)).sum::<i64>();
    let status_is =
        |s: &str| results.iter().filter(|r| r.get("processingStatus").and_then(Value::as_str) == Some(s)).count();
    let first = |k: &str| results.iter().filter_map(|r| r.get(k).and_then(Value::as_str)).min().map(str::to_string);
    let last = |k: &str| results.iter().filter_map(|r| r.get(k).and_then(Value::as_str)).max().map(str::to_string);
    let failed_users = status_is("failed") + status_is("completedWithErrors");
    let done = results.iter().all(|r| r.get("completedDateTime").is_some_and(|v| !v.is_null()));
    object(json!({
        "id": id,
        "activatedOnScope": null,
        "completedDateTime": if done { last("completedDateTime") } else { None },
        "failedTasksCount": sum("failedTasksCount"),
        "failedUsersCount": failed_users,
        "lastUpdatedDateTime": last("completedDateTime").or_else(|| last("startedDateTime")),
        "processingStatus": if done { if failed_users > 0 { "completedWithErrors" } else { "completed" } } else { "inProgress" },
        "scheduledDateTime": first("scheduledDateTime").unwrap_or_else(|| FALLBACK_SCHEDULED.to_string()),
        "startedDateTime": first("startedDateTime"),
        "successfulUsersCount": status_is("completed"),
        "totalTasksCount": sum("totalTasksCount"),
        "totalUnprocessedTasksCount": sum("totalUnprocessedTasksCount"),
        "totalUsersCount": results.len(),
        "workflowExecutionType": "onDemand"
    }))
}

/// `seconds` later than an RFC 3339 timestamp, in Graph's 7-digit form; the input when it does not parse.
pub fn shift(ts: &str, seconds: i64) -> String {
    match ts.parse::<jiff::Timestamp>() {
        Ok(t) => format_graph_time(t + jiff::SignedDuration::from_secs(seconds)),
        Err(_) => ts.to_string(),
    }
}

/// Graph's timestamp form: UTC, 7 fraction digits, `Z`.
pub fn format_graph_time(t: jiff::Timestamp) -> String {
    let s = t.strftime("%Y-%m-%dT%H:%M:%S").to_string();
    format!("{s}.{:07}Z", t.subsec_nanosecond() / 100)
}

/// A GUID derived from another one, so the fake's own ids are stable across runs.
pub fn derived_guid(seed: &str, salt: u64) -> String {
    let mut h: u64 = 0xcbf29ce484222325 ^ salt;
    for b in seed.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x100000001b3);
    }
    let lo = h.rotate_left(17) ^ salt.wrapping_mul(0x9e3779b97f4a7c15);
    format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        (h >> 32) as u32,
        (h >> 16) as u16,
        h & 0xfff,
        lo & 0xfff,
        lo >> 16
    )
}

fn object(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_values_stay_and_gaps_are_filled() {
        let mut e =
            object(json!({"id": "40efc576-840f-47d0-ab95-5abca800f8a2", "totalTasksCount": 3, "failedTasksCount": 0}));
        complete_result(&mut e);
        assert_eq!(e["totalTasksCount"], 3);
        assert_eq!(e["workflowExecutionType"], "activatedWithScope");
        assert_eq!(e["startedDateTime"], "2022-08-25T00:15:07.0253846Z");
        assert_eq!(e["completedDateTime"], "2022-08-25T00:15:14.0253846Z");
        assert!(crate::odata::path::looks_like_guid(e["subject"]["id"].as_str().unwrap()));
    }
}
