//! A case as sent this time. Discovery runs each entity case for every entity found; rather than
//! cloning the case per entity, it pairs the shared case with the entity's ids (one per level of
//! the path, in order), and only the path, the name and the values rule differ.

use std::borrow::Cow;
use std::sync::Arc;

use crate::case::{Case, ValueCheck};
use crate::odata::path::fill_like;

/// An entity case bound to one discovered entity.
#[derive(Debug, Clone)]
pub struct Bound {
    pub case: Arc<Case>,
    /// The ids of the path's keys, in path order (the discovered entity's chain).
    pub ids: Arc<[String]>,
    /// The ids as shown in the case name (`<workflow>/<run>`), sanitized for display.
    pub label: Arc<str>,
}

impl Bound {
    /// `<suite>::<case>::<ids>` (`<suite>::<case>` for a case run once per level).
    pub fn name(&self) -> String {
        if self.label.is_empty() {
            self.case.full_name()
        } else {
            format!("{}::{}::{}", self.case.suite, self.case.name, self.label)
        }
    }

    /// The request path with the entity's ids, each percent-encoded as one segment (pinned
    /// parameters, such as an unknown id on purpose, keep the case's own value).
    pub fn path(&self) -> String {
        let case = &self.case;
        let Some(template) = case.path_template.as_deref() else { return case.request.path.clone() };
        let params = case.key_params();
        let value = |p: &str| -> Option<&str> {
            if case.pinned_params.contains(p) {
                return case.path_params.get(p).map(String::as_str);
            }
            let i = params.iter().position(|x| x == p)?;
            self.ids.get(i).map(String::as_str).or_else(|| case.path_params.get(p).map(String::as_str))
        };
        fill_like(template, &case.request.path, value).unwrap_or_else(|_| case.request.path.clone())
    }
}

/// An id as it may appear in a case name: control characters escaped, so a hostile id cannot
/// forge an output line (`\ntest result: ok`), and long ids cut.
pub fn display_id(id: &str) -> String {
    const MAX: usize = 80;
    let mut out = String::with_capacity(id.len().min(MAX) + 8);
    for (n, c) in id.chars().enumerate() {
        if n >= MAX {
            out.push('…');
            break;
        }
        if c.is_control() {
            out.push_str(&c.escape_default().to_string());
        } else {
            out.push(c);
        }
    }
    out
}

/// What `execute` sends and checks.
#[derive(Debug)]
pub struct Instance<'a> {
    pub case: &'a Case,
    /// The discovered ids of the path's keys, in path order (none for a case as written).
    pub ids: Option<&'a [String]>,
    /// The trial name.
    pub name: String,
    pub path: Cow<'a, str>,
    /// Which values are compared: a case bound to real ids compares none of the documented ones.
    pub values: ValueCheck,
}

impl<'a> Instance<'a> {
    /// The case as written.
    pub fn of(case: &'a Case) -> Self {
        Instance {
            case,
            ids: case.discovered.as_deref(),
            name: case.full_name(),
            path: Cow::Borrowed(&case.request.path),
            values: case.values,
        }
    }

    /// The case bound to an entity.
    pub fn bound(b: &'a Bound) -> Self {
        Instance {
            case: &b.case,
            ids: Some(&b.ids),
            name: b.name(),
            path: Cow::Owned(b.path()),
            values: ValueCheck::Off,
        }
    }

    /// `--param` pins that lead discovery back to this entity: each key parameter with its id.
    pub fn pins(&self) -> Vec<(String, String)> {
        let Some(ids) = self.ids else { return Vec::new() };
        self.case.key_params().into_iter().zip(ids.iter().cloned()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_in_names_cannot_forge_lines() {
        assert_eq!(display_id("a\nb\u{1b}[31m"), "a\\nb\\u{1b}[31m");
        assert_eq!(display_id(&"x".repeat(100)).chars().count(), 81);
    }
}
