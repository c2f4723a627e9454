//! `invariant.*`: relations between an answer's values that hold whatever the tenant. They apply by
//! property name to every type of the family that has the properties (results, runs, task reports,
//! summaries): counts are not negative, the failed (or unprocessed) part of a total is within it,
//! the outcomes together are within the total, and nothing completes before it starts. A missing or
//! mistyped property is the schema's business, not an invariant's.

use jiff::Timestamp;
use serde_json::{Map, Value};

use super::{Exchange, Finding};

/// The things counted: `failedTasksCount` / `totalTasksCount`, `failedUsers` / `totalUsers`, ...
const NOUNS: [&str; 3] = ["Tasks", "Users", "Runs"];
const SUFFIXES: [&str; 2] = ["Count", ""];
/// Rows of a collection checked per answer.
const MAX_ROWS: usize = 1_000;

pub fn check(x: &Exchange<'_>, out: &mut Vec<Finding>) {
    let Some(body) = x.json else { return };
    if x.case.resource_type.is_none() {
        return;
    }
    if x.case.collection {
        for (i, item) in body.get("value").and_then(Value::as_array).into_iter().flatten().take(MAX_ROWS).enumerate() {
            if let Some(obj) = item.as_object() {
                check_entity(obj, &format!("/value/{i}"), out);
            }
        }
    } else if let Some(obj) = body.as_object() {
        check_entity(obj, "", out);
    }
}

/// Whether a property name is a count (`totalTasksCount`, `failedUsers`, `unprocessedUsersCount`).
fn is_count(name: &str) -> bool {
    name.ends_with("Count")
        || ["total", "failed", "successful", "unprocessed"]
            .iter()
            .any(|p| name.strip_prefix(p).is_some_and(|rest| NOUNS.contains(&rest)))
}

/// The invariants of one entity (or result) object at pointer `base`.
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
    for noun in NOUNS {
        for suffix in SUFFIXES {
            let total_key = format!("total{noun}{suffix}");
            let Some(total) = int(&total_key) else { continue };
            let failed_key = format!("failed{noun}{suffix}");
            let unprocessed_key = [format!("totalUnprocessed{noun}{suffix}"), format!("unprocessed{noun}{suffix}")]
                .into_iter()
                .find(|k| obj.contains_key(k));
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
            let successful_key = format!("successful{noun}{suffix}");
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
    }
    let time = |k: &str| obj.get(k).and_then(Value::as_str).and_then(|s| s.parse::<Timestamp>().ok());
    if let (Some(started), Some(completed)) = (time("startedDateTime"), time("completedDateTime"))
        && started > completed
    {
        out.push(
            Finding::failure(
                "invariant.started-before-completed",
                format!("{base}/startedDateTime"),
                "startedDateTime is after completedDateTime",
            )
            .with_values(format!("<= {completed}"), started.to_string()),
        );
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
    fn nulls_and_unparsable_values_are_left_to_the_schema() {
        assert!(rules(json!({"startedDateTime": null, "completedDateTime": "x", "totalTasksCount": "2", "failedTasksCount": 5})).is_empty());
    }
}
