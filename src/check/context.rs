//! `odata.context`: the context URL names what was requested.

use std::collections::BTreeSet;

use serde_json::Value;

use super::{Exchange, Finding};
use crate::odata::path::PathKind;
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
    // Always parsed and compared by meaning (key case, select order), never by matching a string
    // built the way a server would build it: the expected string only illustrates a finding.
    let expected = ContextUrl::expected(x.service_root, path, select);
    let request = Request {
        select: x.sent.select.map(|s| (s.star, &s.items[..])),
        expand: &x.sent.expand,
        key: x.case.resource_type.as_deref().map(|t| x.schemas.model().key_of(t)).unwrap_or_default(),
    };
    let found = problems(text, x.service_root, path, &request);
    for problem in found {
        out.push(Finding::failure("odata.context", "/@odata.context", problem).with_values(&expected, text));
    }
}

/// What of the request the context reflects.
pub struct Request<'a> {
    /// `(star, items)` of the `$select`, if one was sent.
    pub select: Option<(bool, &'a [String])>,
    /// The top-level `$expand` items.
    pub expand: &'a [String],
    /// The key properties of the answer's type, which a select list may leave out.
    pub key: Vec<String>,
}

/// Everything wrong with `context` for a read of `path` with `request`'s options, as messages.
pub fn problems(context: &str, service_root: &str, path: &ResourcePath, request: &Request<'_>) -> Vec<String> {
    let mut found = Vec::new();
    let ctx = match ContextUrl::parse(context) {
        Ok(c) => c,
        Err(e) => return vec![format!("@odata.context {e}")],
    };
    if !ctx.root.eq_ignore_ascii_case(service_root.trim_end_matches('/')) {
        found.push(format!("the context's service root is {}, the target's is {}", ctx.root, service_root));
    }
    match &path.kind {
        PathKind::Value { type_name, collection } => {
            let want = if *collection { format!("Collection({type_name})") } else { type_name.clone() };
            if !ctx.fragment.eq_ignore_ascii_case(&want) {
                found.push(format!("an operation's result is named by its type: #{want}, not #{}", ctx.fragment));
            }
            return found;
        }
        // An action's entity result: the docs name it by type (restore: `#workflow`) or by its
        // collection; either is accepted.
        PathKind::ActionEntity | PathKind::Other => return found,
        PathKind::Entity | PathKind::Collection => {}
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
    // An expanded navigation may appear in the list as `tasks()`; the key may be left out (the
    // docs show both); a collection's context may lack the list (the docs show both).
    let listed: Option<BTreeSet<&str>> = ctx.select.as_ref().map(|l| {
        l.iter()
            .filter(|i| !(i.ends_with("()") && request.expand.iter().any(|e| *e == i[..i.len() - 2])))
            .map(String::as_str)
            .collect()
    });
    match (request.select, listed) {
        (Some((true, _)), _) => {}
        (Some((false, items)), Some(got)) => {
            let want: BTreeSet<&str> = items.iter().map(String::as_str).collect();
            let without_key: BTreeSet<&str> =
                want.iter().copied().filter(|i| !request.key.iter().any(|k| k == i)).collect();
            if got != want && got != without_key {
                found.push(format!(
                    "the context's select list ({}) is not the requested one ({})",
                    got.into_iter().collect::<Vec<_>>().join(","),
                    items.join(",")
                ));
            }
        }
        (Some((false, items)), None) if path.is_entity() => {
            found.push(format!("$select={} was sent, but the context has no select list", items.join(",")))
        }
        (Some(_), None) => {}
        (None, Some(list)) if !list.is_empty() => found.push(format!(
            "the context has a select list ({}), but no $select was sent",
            list.into_iter().collect::<Vec<_>>().join(",")
        )),
        (None, _) => {}
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
    use crate::odata::path::PathSegment;

    const ROOT: &str = "http://127.0.0.1:1/beta";

    fn check(ctx: &str, select: Option<&str>) -> Vec<String> {
        let seg = |name: &str, key: Option<&str>| PathSegment {
            name: name.into(),
            key: key.map(str::to_string),
            numeric_key: false,
            key_property: None,
        };
        let path = ResourcePath {
            segments: vec![
                seg("identityGovernance", None),
                seg("lifecycleWorkflows", None),
                seg("workflows", Some("w1")),
                seg("runs", Some("r1")),
                seg("userProcessingResults", Some("u1")),
            ],
            kind: PathKind::Entity,
        };
        let sel = select.map(Select::parse);
        let request = Request { select: sel.as_ref().map(|s| (s.star, &s.items[..])), expand: &[], key: vec![] };
        problems(ctx, ROOT, &path, &request)
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
