//! `invariant.*`: relations between a processing result's values that hold whatever the tenant.
//! Each applies to any entity that has the properties it names (userProcessingResult and run share
//! them); a missing or mistyped property is the schema's business, not an invariant's.

use jiff::Timestamp;
use serde_json::{Map, Value};

use super::{Exchange, Finding};

const COUNTS: [&str; 3] = ["failedTasksCount", "totalTasksCount", "totalUnprocessedTasksCount"];

pub fn check(x: &Exchange<'_>, out: &mut Vec<Finding>) {
    let Some(body) = x.json else { return };
    if x.case.resource_type.is_none() {
        return;
    }
    if x.case.collection {
        for (i, item) in body.get("value").and_then(Value::as_array).into_iter().flatten().enumerate() {
            if let Some(obj) = item.as_object() {
                check_entity(obj, &format!("/value/{i}"), out);
            }
        }
    } else if let Some(obj) = body.as_object() {
        check_entity(obj, "", out);
    }
}

/// The invariants of one entity object at pointer `base`.
pub fn check_entity(obj: &Map<String, Value>, base: &str, out: &mut Vec<Finding>) {
    let int = |k: &str| obj.get(k).and_then(Value::as_i64);
    for k in COUNTS {
        if let Some(n) = int(k).filter(|n| *n < 0) {
            out.push(
                Finding::failure("invariant.counts-non-negative", format!("{base}/{k}"), format!("{k} is negative"))
                    .with_values(">= 0", n.to_string()),
            );
        }
    }
    if let Some(total) = int("totalTasksCount") {
        for (k, rule) in [
            ("failedTasksCount", "invariant.failed-within-total"),
            ("totalUnprocessedTasksCount", "invariant.unprocessed-within-total"),
        ] {
            if let Some(n) = int(k).filter(|n| *n > total) {
                out.push(
                    Finding::failure(rule, format!("{base}/{k}"), format!("{k} exceeds totalTasksCount ({total})"))
                        .with_values(format!("<= {total}"), n.to_string()),
                );
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
    fn the_seed_example_holds() {
        let e1 = json!({"failedTasksCount": 0, "totalTasksCount": 2, "totalUnprocessedTasksCount": 0,
            "startedDateTime": "2022-08-24T23:28:04.490313Z", "completedDateTime": "2022-08-24T23:28:11.1348863Z"});
        assert!(rules(e1).is_empty());
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
