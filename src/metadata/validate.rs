//! What a CSDL document must be before anything is generated from it. A hostile or broken file
//! gets one clear error, never a file outside `--out` or work that grows past its size:
//!
//! - every namespace, type, enum member, property and navigation name is an OData identifier
//!   (CSDL 4.01 §17.2 SimpleIdentifier: a letter or `_`, then letters, digits, `_`; at most 128),
//!   so a name can never hold `/`, `..` or a control character;
//! - base types form no cycle (the cycle is named) and no chain deeper than [`MAX_DEPTH`] (Graph's
//!   deepest is under ten).

use std::collections::HashMap;

use super::model::{Model, namespace_of, short_name};

/// The deepest BaseType chain accepted.
pub const MAX_DEPTH: usize = 64;

/// Whether `s` is an OData SimpleIdentifier.
pub fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_')
        && s.chars().count() <= 128
}

/// Whether `s` is a namespace-qualified name (identifiers joined by `.`).
pub fn is_qualified(s: &str) -> bool {
    !s.is_empty() && s.split('.').all(is_identifier)
}

/// `Ok` when `ok`; else the error, naming `what` (only then put into words).
fn named(what: impl FnOnce() -> String, name: &str, ok: bool) -> Result<(), String> {
    if ok {
        return Ok(());
    }
    Err(format!(
        "{} {:?} is not an OData identifier (a letter or `_`, then letters, digits or `_`, at most 128): the file is not CSDL the harness can use",
        what(),
        crate::report::term::one_line(name)
    ))
}

/// Checks names, cycles and depth; the first problem is the error.
pub fn validate(model: &Model) -> Result<(), String> {
    for t in model.structured.values() {
        let ns = namespace_of(&t.name);
        named(|| "namespace".into(), ns, is_qualified(ns))?;
        named(|| "type".into(), short_name(&t.name), is_identifier(short_name(&t.name)))?;
        if let Some(b) = &t.base {
            named(|| "base type".into(), b, is_qualified(b))?;
        }
        for p in &t.properties {
            named(|| format!("property of {}", t.name), &p.name, is_identifier(&p.name))?;
        }
        for n in &t.navigations {
            named(|| format!("navigation property of {}", t.name), &n.name, is_identifier(&n.name))?;
        }
    }
    for e in model.enums.values() {
        let ns = namespace_of(&e.name);
        named(|| "namespace".into(), ns, is_qualified(ns))?;
        named(|| "enum type".into(), short_name(&e.name), is_identifier(short_name(&e.name)))?;
        for m in &e.members {
            named(|| format!("member of {}", e.name), &m.name, is_identifier(&m.name))?;
        }
    }
    base_types(model)
}

/// No cycle, no chain deeper than [`MAX_DEPTH`]: each type's depth is computed once (linear).
fn base_types(model: &Model) -> Result<(), String> {
    let mut depth: HashMap<&str, usize> = HashMap::new();
    for start in model.structured.keys() {
        let mut path: Vec<&str> = Vec::new();
        let mut at = start.as_str();
        let known = loop {
            if let Some(d) = depth.get(at) {
                break *d;
            }
            if let Some(i) = path.iter().position(|p| *p == at) {
                let mut cycle: Vec<&str> = path[i..].to_vec();
                cycle.push(at);
                return Err(format!(
                    "BaseType cycle: {}; a type cannot derive from itself",
                    cycle.iter().map(|c| crate::report::term::one_line(c).into_owned()).collect::<Vec<_>>().join(" → ")
                ));
            }
            path.push(at);
            // Stop as soon as the chain is too deep: the cycle search above stays O(MAX_DEPTH).
            if path.len() > MAX_DEPTH {
                break 0;
            }
            match model.structured.get(at).and_then(|t| t.base.as_deref()) {
                Some(b) if model.structured.contains_key(b) => at = b,
                _ => break 0,
            }
        };
        // Each type's depth counts itself and its bases.
        for (i, t) in path.iter().enumerate() {
            depth.insert(t, known + path.len() - i);
        }
        let deepest = known + path.len();
        if deepest > MAX_DEPTH {
            return Err(format!(
                "the BaseType chain of {start} is more than {MAX_DEPTH} types deep, the most the harness accepts (Graph's deepest is under ten)"
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metadata::model::Structured;

    fn with(types: &[(&str, Option<&str>)]) -> Model {
        let mut m = Model::default();
        for (name, base) in types {
            m.structured.insert(
                name.to_string(),
                Structured {
                    name: name.to_string(),
                    entity: true,
                    base: base.map(str::to_string),
                    is_abstract: false,
                    open: false,
                    key: vec![],
                    properties: vec![],
                    navigations: vec![],
                    reference_only: false,
                },
            );
        }
        m
    }

    #[test]
    fn cycles_are_named() {
        let e = validate(&with(&[("n.a", Some("n.b")), ("n.b", Some("n.a"))])).unwrap_err();
        assert!(e.contains("n.a → n.b → n.a"), "{e}");
        let e = validate(&with(&[("n.a", Some("n.a"))])).unwrap_err();
        assert!(e.contains("n.a → n.a"), "{e}");
    }

    #[test]
    fn depth_is_bounded_and_names_are_identifiers() {
        let names: Vec<String> = (0..100).map(|i| format!("n.t{i}")).collect();
        let types: Vec<(&str, Option<&str>)> =
            names.iter().enumerate().map(|(i, n)| (n.as_str(), names.get(i + 1).map(String::as_str))).collect();
        let e = validate(&with(&types)).unwrap_err();
        assert!(e.contains("types deep"), "{e}");
        assert!(validate(&with(&types[36..])).is_ok());
        let e = validate(&with(&[("n.../../x", None)])).unwrap_err();
        assert!(e.contains("not an OData identifier"), "{e}");
        assert!(validate(&with(&[("microsoft.graph.identityGovernance.workflow", None)])).is_ok());
    }
}
