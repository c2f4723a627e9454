//! The `@odata.context` URL: `<service root>/$metadata#<fragment>`.
//!
//! For an entity read through a containment path the fragment is the path with each key in
//! parentheses, the last segment carrying the `$select` list instead of its key, then `/$entity`:
//! `identityGovernance/lifecycleWorkflows/workflows('w')/runs('r')/userProcessingResults(id,subject)/$entity`
//! (seed page, example 2). Collections end without `/$entity`.

use super::path::{PathKind, ResourcePath};
use super::query::Select;

/// One segment of a context fragment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContextSegment {
    pub name: String,
    /// The key, unquoted (`'w'` and `w` both give `w`).
    pub key: Option<String>,
}

/// A parsed `@odata.context` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContextUrl {
    /// Everything before `/$metadata#`: the service root.
    pub root: String,
    /// Everything after `$metadata#`.
    pub fragment: String,
    pub segments: Vec<ContextSegment>,
    /// The select list in the last segment's parentheses, in the order sent.
    pub select: Option<Vec<String>>,
    /// The fragment ends with `/$entity`.
    pub entity: bool,
}

impl ContextUrl {
    /// Parses a context URL; the error says what is missing.
    pub fn parse(value: &str) -> Result<Self, String> {
        let (head, fragment) = value.split_once("$metadata#").ok_or_else(|| "has no '$metadata#'".to_string())?;
        let root = head.strip_suffix('/').unwrap_or(head).to_string();
        let (body, entity) = match fragment.strip_suffix("/$entity") {
            Some(b) => (b, true),
            None => (fragment, false),
        };
        let parts = split_outside_parens(body);
        let mut segments = Vec::new();
        let mut select = None;
        let last_index = parts.len().saturating_sub(1);
        for (i, part) in parts.iter().enumerate() {
            let (name, inner) = match part.find('(') {
                Some(open) if part.ends_with(')') => (&part[..open], Some(&part[open + 1..part.len() - 1])),
                _ => (*part, None),
            };
            let mut key = None;
            if let Some(inner) = inner {
                if is_key_literal(inner) {
                    key = Some(inner.trim_matches('\'').to_string());
                } else if i == last_index {
                    select = Some(inner.split(',').map(|s| s.trim().to_string()).collect());
                } else {
                    return Err(format!("segment '{part}' has parentheses that are neither a key nor a select list"));
                }
            }
            segments.push(ContextSegment { name: name.to_string(), key });
        }
        Ok(ContextUrl { root, fragment: fragment.to_string(), segments, select, entity })
    }

    /// The context a server sends for `path` read with `select`, under `service_root`.
    pub fn expected(service_root: &str, path: &ResourcePath, select: Option<&Select>) -> String {
        // Built in one buffer: this runs for every answer checked.
        let mut out = String::with_capacity(service_root.len() + 160);
        out.push_str(service_root.trim_end_matches('/'));
        out.push_str("/$metadata#");
        if let PathKind::Value { type_name, collection } = &path.kind {
            if *collection {
                out.push_str("Collection(");
                out.push_str(type_name);
                out.push(')');
            } else {
                out.push_str(type_name);
            }
            return out;
        }
        // An action's result is named by the collection it belongs to: the path without the action.
        let segments = match path.kind {
            PathKind::ActionEntity => &path.segments[..path.segments.len().saturating_sub(1)],
            _ => &path.segments[..],
        };
        let last = segments.len().saturating_sub(1);
        for (i, seg) in segments.iter().enumerate() {
            if i > 0 {
                out.push('/');
            }
            out.push_str(&seg.name);
            if i == last {
                if let Some(sel) = select.filter(|s| !s.items.is_empty()) {
                    out.push('(');
                    for (j, item) in sel.items.iter().enumerate() {
                        if j > 0 {
                            out.push(',');
                        }
                        out.push_str(item);
                    }
                    out.push(')');
                }
            } else if let Some(key) = &seg.key {
                push_key_literal(&mut out, key, seg.numeric_key);
            }
        }
        if matches!(path.kind, PathKind::Entity | PathKind::ActionEntity) {
            out.push_str("/$entity");
        }
        out
    }
}

/// Appends `('guid')` for string keys, `(1)` for integer keys (task-get example: `versions(1)`).
pub fn push_key_literal(out: &mut String, key: &str, numeric: bool) {
    if numeric && !key.is_empty() && key.bytes().all(|b| b.is_ascii_digit() || b == b'-') {
        out.push('(');
        out.push_str(key);
        out.push(')');
    } else {
        out.push_str("('");
        for c in key.chars() {
            if c == '\'' {
                out.push('\'');
            }
            out.push(c);
        }
        out.push_str("')");
    }
}

fn is_key_literal(inner: &str) -> bool {
    (inner.len() >= 2 && inner.starts_with('\'') && inner.ends_with('\''))
        || (!inner.is_empty() && inner.bytes().all(|b| b.is_ascii_digit()))
}

fn split_outside_parens(s: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0i32, 0usize);
    let mut in_quote = false;
    for (i, c) in s.char_indices() {
        match c {
            '\'' => in_quote = !in_quote,
            '(' if !in_quote => depth += 1,
            ')' if !in_quote => depth -= 1,
            '/' if depth == 0 && !in_quote => {
                parts.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&s[start..]);
    parts.into_iter().filter(|p| !p.is_empty()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED_E2: &str = "https://graph.microsoft.com/beta/$metadata#identityGovernance/lifecycleWorkflows/workflows('15239232-66ed-445b-8292-2f5bbb2eb833')/runs('e65e08a0-d68d-41dc-915b-8c4019af5cc2')/userProcessingResults(id,failedTasksCount,processingStatus,totalTasksCount,totalUnprocessedTasksCount,subject)/$entity";

    #[test]
    fn parses_the_seed_context() {
        let c = ContextUrl::parse(SEED_E2).unwrap();
        assert_eq!(c.root, "https://graph.microsoft.com/beta");
        assert!(c.entity);
        assert_eq!(c.segments.len(), 5);
        assert_eq!(c.segments[3].key.as_deref(), Some("e65e08a0-d68d-41dc-915b-8c4019af5cc2"));
        assert_eq!(c.select.as_ref().unwrap().len(), 6);
    }

    #[test]
    fn builds_what_it_parses() {
        let path = ResourcePath::bind(
            None,
            "/identityGovernance/lifecycleWorkflows/workflows/15239232-66ed-445b-8292-2f5bbb2eb833/runs/e65e08a0-d68d-41dc-915b-8c4019af5cc2/userProcessingResults/40efc576-840f-47d0-ab95-5abca800f8a2",
        );
        let sel =
            Select::parse("id,failedTasksCount,processingStatus,totalTasksCount,totalUnprocessedTasksCount,subject");
        assert_eq!(ContextUrl::expected("https://graph.microsoft.com/beta", &path, Some(&sel)), SEED_E2);
    }

    #[test]
    fn rejects_a_context_without_metadata() {
        assert!(ContextUrl::parse("https://graph.microsoft.com/beta/identityGovernance").is_err());
    }
}
