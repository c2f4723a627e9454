//! Which GET paths of the tree the cases read: documented (a page's example), derived (from the
//! metadata: [`super::from_metadata`]; "needs discovery" when no example shows an entity there),
//! or none (a bound function no page calls: its arguments are the caller's).

use std::collections::BTreeMap;

use serde::Serialize;

use super::load::{LoadedCase, Suite};
use super::tree::{signature, tree_paths};
use crate::metadata::Model;

/// How a path is covered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Status {
    Documented,
    Derived,
    /// Derived, but sent only with `--discover` or `--param` (no example shows an entity there).
    DerivedNeedsDiscovery,
    None,
}

impl Status {
    pub fn label(self) -> &'static str {
        match self {
            Status::Documented => "documented",
            Status::Derived => "derived",
            Status::DerivedNeedsDiscovery => "derived (needs --discover)",
            Status::None => "none",
        }
    }
}

/// One path of the tree and its cover.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub path: String,
    pub kind: &'static str,
    pub status: Status,
    /// The suites whose cases read it (documented ones first).
    pub suites: Vec<String>,
}

/// The cover of every GET path of `model`'s tree by `suites` (the `metadata` suite included).
pub fn coverage(model: &Model, suites: &[Suite]) -> Vec<Row> {
    // signature → (documented suites, derived?, needs discovery?)
    let mut by_sig: BTreeMap<String, (Vec<String>, bool, bool)> = BTreeMap::new();
    for s in suites {
        for c in s.cases.iter().filter_map(|c| match c {
            LoadedCase::Ready(c) => Some(c),
            LoadedCase::Broken(_) => None,
        }) {
            if !c.request.method.eq_ignore_ascii_case("GET") {
                continue;
            }
            let Some(sig) = c.resolved.as_deref().map(signature) else { continue };
            let entry = by_sig.entry(sig).or_default();
            if c.origin.derived.is_none() {
                if !entry.0.contains(&s.name) {
                    entry.0.push(s.name.clone());
                }
            } else {
                entry.1 = true;
                entry.2 |= c.unfilled;
            }
        }
    }
    tree_paths(model)
        .into_iter()
        .map(|p| {
            let (suites, derived, unfilled) = by_sig.get(&p.signature).cloned().unwrap_or_default();
            let status = match (suites.is_empty(), derived, unfilled) {
                (false, _, _) => Status::Documented,
                (true, true, false) => Status::Derived,
                (true, true, true) => Status::DerivedNeedsDiscovery,
                (true, false, _) => Status::None,
            };
            let suites = if status == Status::Documented || !derived {
                suites
            } else {
                vec![super::from_metadata::SUITE.to_string()]
            };
            Row { path: p.template, kind: p.kind.label(), status, suites }
        })
        .collect()
}

/// `documented 40, derived 120, derived (needs --discover) 30, none 4` over `rows`.
/// A version's coverage for reports: counts by status and every row.
pub fn to_json(rows: &[Row]) -> serde_json::Value {
    let n = |s: Status| rows.iter().filter(|r| r.status == s).count();
    serde_json::json!({
        "paths": rows.len(),
        "documented": n(Status::Documented),
        "derived": n(Status::Derived),
        "derivedNeedsDiscovery": n(Status::DerivedNeedsDiscovery),
        "none": n(Status::None),
        "rows": rows,
    })
}

pub fn totals(rows: &[Row]) -> String {
    let mut counts: BTreeMap<Status, usize> = BTreeMap::new();
    for r in rows {
        *counts.entry(r.status).or_default() += 1;
    }
    counts.iter().map(|(s, n)| format!("{} {n}", s.label())).collect::<Vec<_>>().join(", ")
}
