//! `navigation.consistency`: a single-valued navigation read on its own (`workflows/{id}/createdBy`)
//! is the entity its parent shows under `$expand=createdBy`. The runner reads the parent right
//! after the navigation; this compares the two answers.

use serde_json::Value;

use super::Finding;
use super::body_values::same_value;

const RULE: &str = "navigation.consistency";

/// What the parent's answer (`parent_status`, `parent`) says of navigation `nav`, against the
/// navigation's own answer (`status`, `own`).
pub fn compare(
    nav: &str,
    status: u16,
    own: Option<&Value>,
    parent_status: u16,
    parent: Option<&Value>,
) -> Vec<Finding> {
    if !(200..300).contains(&parent_status) {
        // The parent cannot be read with this $expand (a server may refuse it): nothing to compare.
        return vec![Finding::warning(
            RULE,
            "",
            format!("the parent read with $expand={nav} answered {parent_status}, so the two reads were not compared"),
        )];
    }
    let shown = parent.and_then(|p| p.get(nav)).filter(|v| !v.is_null());
    match (status, shown) {
        (404, Some(_)) => vec![Finding::failure(
            RULE,
            "",
            format!("the parent shows {nav} under $expand, yet reading {nav} on its own answers 404"),
        )],
        (200..=299, None) => vec![Finding::failure(
            RULE,
            "",
            format!("reading {nav} on its own answers an entity, yet the parent shows none under $expand={nav}"),
        )],
        (200..=299, Some(Value::Object(expected))) => {
            let Some(own) = own.and_then(Value::as_object) else { return Vec::new() };
            let mut out = Vec::new();
            for (k, v) in expected.iter().filter(|(k, _)| !k.starts_with('@')) {
                let at = format!("/{}", super::schema::escape_pointer(k));
                match own.get(k) {
                    Some(a) if same_value(v, a) => {}
                    Some(a) => out.push(
                        Finding::failure(
                            RULE,
                            at,
                            format!("{k} differs from the {nav} its parent shows under $expand"),
                        )
                        .with_values(v.to_string(), a.to_string()),
                    ),
                    None => out.push(
                        Finding::failure(RULE, at, format!("{k}, which the parent's $expand={nav} shows, is missing"))
                            .with_values(v.to_string(), "(absent)"),
                    ),
                }
            }
            out
        }
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_navigation_read_is_the_parents_inline_entity() {
        let parent = json!({"id": "w", "createdBy": {"id": "u1", "displayName": "A"}});
        let same = json!({"@odata.context": "x", "id": "u1", "displayName": "A"});
        assert!(compare("createdBy", 200, Some(&same), 200, Some(&parent)).is_empty());
        let other = json!({"id": "u2", "displayName": "A"});
        let f = compare("createdBy", 200, Some(&other), 200, Some(&parent));
        assert_eq!((f.len(), f[0].rule, f[0].at.as_str()), (1, RULE, "/id"));
        assert_eq!(compare("createdBy", 404, None, 200, Some(&parent)).len(), 1, "404 while the parent shows one");
        let none = json!({"id": "w", "createdBy": null});
        assert!(compare("createdBy", 404, None, 200, Some(&none)).is_empty());
        assert_eq!(compare("createdBy", 200, Some(&same), 200, Some(&none)).len(), 1, "an entity the parent lacks");
        let refused = compare("createdBy", 200, Some(&same), 400, None);
        assert_eq!(refused[0].severity, crate::check::Severity::Warning);
    }
}
