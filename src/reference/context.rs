//! The `@odata.context` the reference server sends, from where the request landed in its model:
//! `<root>/$metadata#<members, each parent's key in parentheses>[(<select list>)][/$entity]`, as
//! the seed page's example 2 shows
//! (`…/workflows('w')/runs('r')/userProcessingResults(id,subject)/$entity`). A function's result
//! is named by its type (`#Collection(<type>)`).
//!
//! The `odata.context` rule parses what a server sends with its own code; this module only builds.

use crate::metadata::resolve::{Resolved, StepKind};

/// The context of an entity or a list read at `resolved`, with `select` narrowing it.
pub fn of_read(root: &str, resolved: &Resolved, select: Option<&[String]>) -> String {
    let mut out = format!("{}/$metadata#", root.trim_end_matches('/'));
    let last = resolved.steps.len().saturating_sub(1);
    let mut entity = false;
    for (i, step) in resolved.steps.iter().enumerate() {
        match &step.kind {
            StepKind::Member { name, collection, .. } => {
                if !out.ends_with('#') {
                    out.push('/');
                }
                out.push_str(name);
                entity = !collection;
            }
            StepKind::Key { .. } if i == last => entity = true,
            StepKind::Key { value, param, edm, .. } => {
                let key = match (value, param) {
                    (Some(v), _) => v.clone(),
                    (None, Some(p)) => format!("{{{p}}}"),
                    (None, None) => String::new(),
                };
                push_key(&mut out, &key, edm.starts_with("Edm.Int"));
            }
            StepKind::Operation { .. } | StepKind::Count => {}
        }
    }
    if let Some(names) = select {
        out.push('(');
        out.push_str(&names.join(","));
        out.push(')');
    }
    if entity {
        out.push_str("/$entity");
    }
    out
}

/// The context of a value of `type_name` (a function's result): `#<type>` or `#Collection(<type>)`.
pub fn of_type(root: &str, type_name: &str, collection: bool) -> String {
    let root = root.trim_end_matches('/');
    if collection {
        format!("{root}/$metadata#Collection({type_name})")
    } else {
        format!("{root}/$metadata#{type_name}")
    }
}

/// `(1)` for an integer key, `('k')` for any other, a quote in it doubled.
pub fn push_key(out: &mut String, key: &str, integer: bool) {
    if integer && key.parse::<i64>().is_ok() {
        out.push('(');
        out.push_str(key);
        out.push(')');
        return;
    }
    out.push_str("('");
    out.push_str(&key.replace('\'', "''"));
    out.push_str("')");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_are_named_by_their_members_and_parent_keys() {
        let model = crate::schema::project_schemas().model().clone();
        let base = "identityGovernance/lifecycleWorkflows/workflows";
        let ctx =
            |path: &str, select: Option<&[String]>| of_read("https://g/beta/", &model.resolve(path).unwrap(), select);
        assert_eq!(
            ctx(&format!("/{base}/w%27x/runs/r/userProcessingResults/u"), Some(&["id".into(), "subject".into()])),
            format!("https://g/beta/$metadata#{base}('w''x')/runs('r')/userProcessingResults(id,subject)/$entity")
        );
        assert_eq!(ctx(&format!("/{base}"), None), format!("https://g/beta/$metadata#{base}"));
        assert_eq!(
            ctx(&format!("/{base}%28'w'%29/versions(2)/tasks"), None),
            format!("https://g/beta/$metadata#{base}('w')/versions(2)/tasks")
        );
        assert_eq!(
            ctx(&format!("/{base}/w/createdBy"), None),
            format!("https://g/beta/$metadata#{base}('w')/createdBy/$entity")
        );
        assert_eq!(of_type("https://g/beta", "a.b", true), "https://g/beta/$metadata#Collection(a.b)");
    }
}
