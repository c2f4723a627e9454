//! `function.within-collection`: a bound function's count of its collection's rows (a field the
//! overlay computes as `count` over the bound collection, such as a summary's `totalRuns`) is at
//! most the rows the collection holds, whatever window the call asks for. The runner reads the
//! collection's `@odata.count` after the call; this finds the field and judges the two figures.

use serde_json::Value;

use super::Finding;
use crate::metadata::resolve::{Resolved, StepKind};
use crate::schema::overlay::FunctionSemantics;

const RULE: &str = "function.within-collection";

/// The field of the call at `resolved` that counts the rows of its bound collection, if the
/// overlay says one does.
pub fn counting_field<'o>(resolved: &Resolved, semantics: &'o [FunctionSemantics]) -> Option<&'o str> {
    let Some(StepKind::Operation { operation, .. }) = resolved.steps.last().map(|s| &s.kind) else { return None };
    if !operation.binding.collection {
        return None;
    }
    let f = semantics.iter().find(|f| {
        f.name == operation.name && f.binding == operation.binding.type_name && f.over.is_none() && !f.group_by_parent
    })?;
    f.fields.iter().find(|(_, e)| e.trim() == "count").map(|(k, _)| k.as_str())
}

/// The call's `answer` against `holds`, the `@odata.count` of its bound collection.
pub fn judge(field: &str, answer: &Value, holds: Option<u64>) -> Option<Finding> {
    let counted = answer.get(field)?.as_i64()?;
    let Some(holds) = holds else {
        return Some(Finding::warning(
            RULE,
            format!("/{field}"),
            "the bound collection read with $count=true carried no @odata.count, so the figures were not compared",
        ));
    };
    (counted > holds as i64).then(|| {
        Finding::failure(
            RULE,
            format!("/{field}"),
            format!("{field} counts {counted} rows, but the collection the function is bound to holds {holds}"),
        )
        .with_values(format!("at most {holds}"), counted.to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_summary_counts_at_most_its_collection() {
        let schemas = crate::schema::project_schemas();
        let path = "/identityGovernance/lifecycleWorkflows/workflows/w/runs/microsoft.graph.identityGovernance.summary(startDateTime=2020-01-01T00:00:00Z,endDateTime=2030-01-01T00:00:00Z)";
        let resolved = schemas.model().resolve(path).unwrap();
        let field = counting_field(&resolved, &schemas.overlay().functions).expect("the overlay counts runs");
        assert_eq!(field, "totalRuns");
        assert!(judge(field, &json!({"totalRuns": 3}), Some(3)).is_none());
        assert_eq!(judge(field, &json!({"totalRuns": 4}), Some(3)).unwrap().rule, RULE);
        assert_eq!(judge(field, &json!({"totalRuns": 4}), None).unwrap().severity, crate::check::Severity::Warning);
        let entity = schemas.model().resolve("/identityGovernance/lifecycleWorkflows/workflows/w").unwrap();
        assert!(counting_field(&entity, &schemas.overlay().functions).is_none());
    }
}
