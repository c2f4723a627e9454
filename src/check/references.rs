//! `reference.resolves`: a property the area's overlay declares as holding another entity's key
//! (`taskDefinitionId` names one of `taskDefinitions`) names an entity that exists. The runner reads
//! each named entity (at most [`MAX_READS`] per answer) after the answer; this finds what to read
//! and judges what came back.

use serde_json::Value;

use super::Finding;
use crate::metadata::Model;
use crate::schema::overlay::Reference;

const RULE: &str = "reference.resolves";
/// Distinct referenced keys read per answer.
pub const MAX_READS: usize = 5;

/// One key an answer names: where, which declaration, the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Named {
    pub at: String,
    pub target: String,
    pub key: String,
}

/// The distinct keys the declared references of an answer of `type_name` name (rows of a list,
/// or the entity), at most [`MAX_READS`].
pub fn named(model: &Model, references: &[Reference], type_name: &str, collection: bool, body: &Value) -> Vec<Named> {
    let declared: Vec<&Reference> = references.iter().filter(|r| model.is_a(type_name, &r.type_name)).collect();
    if declared.is_empty() {
        return Vec::new();
    }
    let rows: Vec<(String, &Value)> = if collection {
        body.get("value")
            .and_then(Value::as_array)
            .map(|a| a.iter().enumerate().map(|(i, v)| (format!("/value/{i}"), v)).collect())
            .unwrap_or_default()
    } else {
        vec![(String::new(), body)]
    };
    let mut out: Vec<Named> = Vec::new();
    for (base, row) in rows {
        for r in &declared {
            let Some(key) = row.get(&r.property).and_then(Value::as_str).filter(|k| !k.is_empty()) else { continue };
            if out.iter().any(|n| n.key == key && n.target == r.target) {
                continue;
            }
            if out.len() == MAX_READS {
                return out;
            }
            out.push(Named { at: format!("{base}/{}", r.property), target: r.target.clone(), key: key.to_string() });
        }
    }
    out
}

/// The finding for a referenced key whose read answered `status`.
pub fn judge(n: &Named, status: u16) -> Option<Finding> {
    match status {
        200..=299 => None,
        404 => Some(
            Finding::failure(
                RULE,
                &n.at,
                format!("{} names an entity {} does not have (a read of it answers 404)", n.key, n.target),
            )
            .with_values(format!("a key of {}", n.target), &n.key),
        ),
        other => Some(Finding::warning(
            RULE,
            &n.at,
            format!("the read of {}/{} answered {other}, so the reference could not be followed", n.target, n.key),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn declared_references_are_found_once_and_a_404_fails() {
        let model = crate::schema::project_schemas().model().clone();
        let refs = crate::schema::project_schemas().overlay().references.clone();
        let t = "microsoft.graph.identityGovernance.task";
        let body = json!({"value": [{"taskDefinitionId": "a"}, {"taskDefinitionId": "a"}, {"taskDefinitionId": "b"}]});
        let found = named(&model, &refs, t, true, &body);
        assert_eq!(found.iter().map(|n| n.key.as_str()).collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(found[1].at, "/value/2/taskDefinitionId");
        assert!(judge(&found[0], 200).is_none());
        assert_eq!(judge(&found[0], 404).unwrap().rule, RULE);
        assert!(named(&model, &refs, "microsoft.graph.identityGovernance.run", true, &body).is_empty());
    }
}
