//! `odata.context`: the context URL names what was requested.

use std::collections::BTreeSet;

use serde_json::Value;

use super::{Exchange, Finding};
use crate::odata::{ContextUrl, ResourcePath};

pub fn check(x: &Exchange<'_>, out: &mut Vec<Finding>) {
    let Some(body) = x.json.and_then(Value::as_object) else {
        return;
    };
    if x.case.resource_type.is_none() && !body.contains_key("@odata.context") {
        return;
    }
    let Some(value) = body.get("@odata.context") else {
        out.push(Finding::failure(
            "odata.context",
            "/@odata.context",
            "the answer has no @odata.context (odata.metadata=minimal requires it)",
        ));
        return;
    };
    let Some(text) = value.as_str() else {
        out.push(Finding::failure("odata.context", "/@odata.context", "@odata.context is not a string"));
        return;
    };
    let path = &x.sent.resource;
    let select = x.sent.select.filter(|s| !s.star);
    let expected = ContextUrl::expected(x.service_root, path, select);
    // The common case: exactly what a faithful server sends. Anything else is parsed and compared
    // by meaning (key case, select order).
    if text == expected {
        return;
    }
    let found = problems(text, x.service_root, path, x.sent.select.map(|s| (s.star, &s.items[..])));
    for problem in found {
        out.push(Finding::failure("odata.context", "/@odata.context", problem).with_values(&expected, text));
    }
}

/// Everything wrong with `context` for a read of `path` with `select` (`(star, items)`), as messages.
pub fn problems(
    context: &str,
    service_root: &str,
    path: &ResourcePath,
    select: Option<(bool, &[String])>,
) -> Vec<String> {
    let mut found = Vec::new();
    let ctx = match ContextUrl::parse(context) {
        Ok(c) => c,
        Err(e) => return vec![format!("@odata.context {e}")],
    };
    if !ctx.root.eq_ignore_ascii_case(service_root.trim_end_matches('/')) {
        found.push(format!("the context's service root is {}, the target's is {}", ctx.root, service_root));
    }
    let names: Vec<String> = path.segments.iter().map(|s| s.name.to_ascii_lowercase()).collect();
    let ctx_names: Vec<String> = ctx.segments.iter().map(|s| s.name.to_ascii_lowercase()).collect();
    if names != ctx_names {
        found.push(format!("the context names {}, the request reads {}", ctx_names.join("/"), names.join("/")));
    } else {
        let last = path.segments.len().saturating_sub(1);
        for (i, (seg, cseg)) in path.segments.iter().zip(&ctx.segments).enumerate() {
            if i == last {
                if cseg.key.is_some() {
                    found.push(format!(
                        "the last segment {} should carry no key: an entity read by key ends with /$entity",
                        cseg.name
                    ));
                }
                continue;
            }
            let same = match (&seg.key, &cseg.key) {
                (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
                (None, None) => true,
                _ => false,
            };
            if !same {
                found.push(format!(
                    "segment {} has key {} in the context, {} in the request",
                    seg.name,
                    cseg.key.as_deref().unwrap_or("(none)"),
                    seg.key.as_deref().unwrap_or("(none)")
                ));
            }
        }
    }
    if path.is_entity() && !ctx.entity {
        found.push("the context does not end with /$entity, but one entity was read".into());
    }
    if !path.is_entity() && ctx.entity {
        found.push("the context ends with /$entity, but a collection was read".into());
    }
    match (select, &ctx.select) {
        (Some((true, _)), _) => {}
        (Some((false, items)), Some(list)) => {
            let want: BTreeSet<&str> = items.iter().map(String::as_str).collect();
            let got: BTreeSet<&str> = list.iter().map(String::as_str).collect();
            if want != got {
                found.push(format!(
                    "the context's select list ({}) is not the requested one ({})",
                    list.join(","),
                    items.join(",")
                ));
            }
        }
        (Some((false, items)), None) => {
            found.push(format!("$select={} was sent, but the context has no select list", items.join(",")))
        }
        (None, Some(list)) => {
            found.push(format!("the context has a select list ({}), but no $select was sent", list.join(",")))
        }
        (None, None) => {}
    }
    found
}

/// Two context URLs say the same thing: equal after the service root, with keys compared
/// case-insensitively and select lists as sets.
pub fn equivalent_fragments(a: &str, b: &str) -> bool {
    let (Ok(a), Ok(b)) = (ContextUrl::parse(a), ContextUrl::parse(b)) else {
        return false;
    };
    let set = |s: &Option<Vec<String>>| s.as_ref().map(|l| l.iter().cloned().collect::<BTreeSet<_>>());
    a.entity == b.entity
        && set(&a.select) == set(&b.select)
        && a.segments.len() == b.segments.len()
        && a.segments.iter().zip(&b.segments).all(|(x, y)| {
            x.name.eq_ignore_ascii_case(&y.name)
                && match (&x.key, &y.key) {
                    (Some(p), Some(q)) => p.eq_ignore_ascii_case(q),
                    (None, None) => true,
                    _ => false,
                }
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::odata::Select;

    const PATH: &str = "/identityGovernance/lifecycleWorkflows/workflows/w1/runs/r1/userProcessingResults/u1";
    const TEMPLATE: &str = "/identityGovernance/lifecycleWorkflows/workflows/{a}/runs/{b}/userProcessingResults/{c}";
    const ROOT: &str = "http://127.0.0.1:1/beta";

    fn check(ctx: &str, select: Option<&str>) -> Vec<String> {
        let path = ResourcePath::parse(PATH, Some(TEMPLATE));
        let sel = select.map(Select::parse);
        problems(ctx, ROOT, &path, sel.as_ref().map(|s| (s.star, &s.items[..])))
    }

    #[test]
    fn the_faithful_context_passes() {
        let ok = format!(
            "{ROOT}/$metadata#identityGovernance/lifecycleWorkflows/workflows('w1')/runs('r1')/userProcessingResults/$entity"
        );
        assert_eq!(check(&ok, None), Vec::<String>::new());
        let sel = format!(
            "{ROOT}/$metadata#identityGovernance/lifecycleWorkflows/workflows('W1')/runs('r1')/userProcessingResults(subject,id)/$entity"
        );
        assert_eq!(check(&sel, Some("id,subject,id")), Vec::<String>::new());
    }

    #[test]
    fn each_defect_is_named() {
        let base = "identityGovernance/lifecycleWorkflows/workflows('w1')/runs('r1')/userProcessingResults";
        let cases = [
            (format!("https://graph.microsoft.com/beta/$metadata#{base}/$entity"), None, "service root"),
            (format!("{ROOT}/$metadata#{base}"), None, "/$entity"),
            (format!("{ROOT}/$metadata#{base}/$entity"), Some("id"), "no select list"),
            (format!("{ROOT}/$metadata#{base}(id,subject)/$entity"), Some("id"), "not the requested"),
            (format!("{ROOT}/$metadata#{base}(id)/$entity"), None, "no $select was sent"),
            (
                format!(
                    "{ROOT}/$metadata#identityGovernance/lifecycleWorkflows/workflows('w2')/runs('r1')/userProcessingResults/$entity"
                ),
                None,
                "has key w2",
            ),
            (
                format!(
                    "{ROOT}/$metadata#identityGovernance/lifecycleWorkflows/workflows('w1')/userProcessingResults/$entity"
                ),
                None,
                "the context names",
            ),
            (format!("{ROOT}/identityGovernance"), None, "$metadata#"),
        ];
        for (ctx, sel, needle) in cases {
            let found = check(&ctx, sel);
            assert!(found.iter().any(|p| p.contains(needle)), "{ctx}: {found:?} lacks {needle}");
        }
    }

    #[test]
    fn equivalence_ignores_root_order_and_key_case() {
        assert!(equivalent_fragments(
            "https://graph.microsoft.com/beta/$metadata#a/b('X')/c(p,q)/$entity",
            "http://127.0.0.1:9/beta/$metadata#a/b('x')/c(q,p)/$entity"
        ));
        assert!(!equivalent_fragments("r/$metadata#a/c(p)/$entity", "r/$metadata#a/c(q)/$entity"));
    }
}
