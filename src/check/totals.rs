//! `invariant.total-counts-rows`: an integer property the area's overlay declares as the count of
//! one of the entity's own collection-valued navigations (a run's `totalUsersCount`, its
//! `userProcessingResults`) equals the `@odata.count` of that navigation. The runner reads the
//! navigation with `$count=true&$top=1` after an entity read; this finds what to read and judges it.

use serde_json::Value;

use super::Finding;
use crate::metadata::Model;
use crate::schema::overlay::Total;

const RULE: &str = "invariant.total-counts-rows";

/// One declared total an entity answer shows: the property, its value and the navigation it counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shown {
    pub property: String,
    pub value: u64,
    pub navigation: String,
}

/// The declared totals an entity answer of `type_name` carries (an integer value; a `$select`
/// that leaves one out shows none).
pub fn shown(model: &Model, totals: &[Total], type_name: &str, body: &Value) -> Vec<Shown> {
    totals
        .iter()
        .filter(|t| model.is_a(type_name, &t.type_name))
        .filter_map(|t| {
            let value = body.get(&t.property)?.as_u64()?;
            Some(Shown { property: t.property.clone(), value, navigation: t.navigation.clone() })
        })
        .collect()
}

/// The total `s` against the navigation's read: its status and `@odata.count`.
pub fn judge(s: &Shown, status: u16, count: Option<u64>) -> Option<Finding> {
    let pointer = format!("/{}", s.property);
    match (status, count) {
        (200..=299, Some(n)) if n == s.value => None,
        (200..=299, Some(n)) => Some(
            Finding::failure(
                RULE,
                pointer,
                format!(
                    "{} is {}, but {}?$count=true counts {n} rows: the total and the rows it counts disagree",
                    s.property, s.value, s.navigation
                ),
            )
            .with_values(n.to_string(), s.value.to_string()),
        ),
        (200..=299, None) => Some(Finding::warning(
            RULE,
            pointer,
            format!("{}?$count=true carried no @odata.count, so {} was not compared", s.navigation, s.property),
        )),
        // A navigation the target does not serve (404, 400, 501): nothing to compare, and the
        // rule is not counted as checked (see [`compared`]).
        _ => None,
    }
}

/// Whether the navigation's read gave a count to compare with.
pub fn compared(status: u16, count: Option<u64>) -> bool {
    (200..=299).contains(&status) && count.is_some()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::Severity;
    use serde_json::json;

    #[test]
    fn a_run_counts_its_user_processing_results() {
        let schemas = crate::schema::project_schemas();
        let totals = &schemas.overlay().totals;
        let run = "microsoft.graph.identityGovernance.run";
        let body = json!({"id": "r", "totalUsersCount": 2, "failedUsersCount": 1});
        let found = shown(schemas.model(), totals, run, &body);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].navigation, "userProcessingResults");
        assert!(judge(&found[0], 200, Some(2)).is_none());
        let f = judge(&found[0], 200, Some(3)).expect("2 against 3 rows");
        assert_eq!((f.rule, f.at.as_str(), f.severity), (RULE, "/totalUsersCount", Severity::Failure));
        assert!(judge(&found[0], 404, None).is_none(), "an unreadable navigation is not a verdict");
        assert!(!compared(404, None) && compared(200, Some(2)));
        assert_eq!(judge(&found[0], 200, None).unwrap().severity, Severity::Warning);
        // A $select without the total shows nothing to compare; another type has no total.
        assert!(shown(schemas.model(), totals, run, &json!({"id": "r"})).is_empty());
        assert!(shown(schemas.model(), totals, "microsoft.graph.identityGovernance.workflow", &body).is_empty());
    }
}
