//! The documented data: every entity the suites' examples show, where their paths put it.
//!
//! - a read by key files the entity in its collection; a list files its rows; a singleton or
//!   single-valued navigation files its entity;
//! - a contained navigation shown inside an answer (a workflow's `tasks`) files its values in the
//!   child collection too;
//! - every key on the way implies its entity (`workflows/14879e66…/runs` implies workflow 14879e66);
//! - an action answered with its binding entity (restore) shows that entity;
//! - documented function answers are kept for the documented call (other calls are computed);
//! - a list whose documented `@odata.count` exceeds the rows the docs show gets rows of the fake's
//!   own up to that count;
//! - every entity is completed with the fake's values for what no example shows ([`super::fake`]).
//!
//! The same entity shown twice is merged; where two examples disagree on a value, the read by key
//! wins over a list row, and the disagreement is kept in [`Data::conflicts`] for lint and reports.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::{Map, Value, json};

use super::fake;
use super::location::{Address, Located, Location, locate_with};
use crate::case::{Case, LoadedCase, Suite};
use crate::metadata::Model;
use crate::metadata::resolve::Shape;

/// One collection instance: its rows in documented order.
#[derive(Debug, Clone, Default)]
pub struct Rows {
    pub type_name: String,
    pub rows: Vec<Map<String, Value>>,
    /// Lower-cased key → index in `rows`.
    pub index: HashMap<String, usize>,
    /// The `@odata.count` an example documents for it.
    pub documented_count: Option<usize>,
}

/// Everything the examples document.
#[derive(Debug, Clone, Default)]
pub struct Data {
    pub collections: HashMap<String, Rows>,
    pub addresses: BTreeMap<String, Address>,
    pub singles: HashMap<String, (String, Map<String, Value>)>,
    /// Documented function answers: [`call_key`] → body (control information removed).
    pub functions: HashMap<String, Value>,
    /// Values two examples disagree on: (entity, property, kept, dropped, where).
    pub conflicts: Vec<String>,
    /// (function, binding type, field) where the overlay computes the field as the count of the
    /// bound collection's rows: a documented answer's figure is rows the collection holds.
    counting: Vec<(String, String, String)>,
    /// Entities (collection id + U+001E + lower-case key) a documented GET shows.
    shown: HashSet<String>,
    /// Rows only write cases see (collection id → rows): an entity that pages put both in a
    /// collection and in its recycle bin (a delete example and a restore example naming one id)
    /// is, for every reader, in one place only.
    pub sandboxed: HashMap<String, Vec<Map<String, Value>>>,
}

/// Which examples go in first: reads by key, then singles, then lists, then what answers nest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Pass {
    Entity,
    List,
}

impl Data {
    /// Files every documented answer of `suites`.
    pub fn from_suites(suites: &[Suite], model: &Model, overlay: &crate::schema::Overlay) -> Data {
        let mut data = Data::default();
        for f in overlay.functions.iter().filter(|f| f.over.is_none() && !f.group_by_parent) {
            for (field, _) in f.fields.iter().filter(|(_, e)| e.trim() == "count") {
                data.counting.push((f.name.clone(), f.binding.clone(), field.clone()));
            }
        }
        let references = &overlay.references;
        let cases: Vec<&Case> = suites
            .iter()
            .flat_map(|s| s.cases.iter())
            .filter_map(|c| match c {
                LoadedCase::Ready(c) => Some(c.as_ref()),
                LoadedCase::Broken(_) => None,
            })
            .collect();
        for pass in [Pass::Entity, Pass::List] {
            for case in &cases {
                data.ingest(case, model, pass);
            }
        }
        data.ensure_referenced(model, references);
        let undocumented = data.calibrate_totals(model, &overlay.totals);
        data.calibrate_counts(model);
        data.complete(model);
        data.fill_totals(model, &overlay.totals, &undocumented);
        data.settle_bin();
        data
    }

    /// An entity a documented reference names (`taskDefinitionId` of a documented task) exists,
    /// as a parent a page only shows a child of does.
    fn ensure_referenced(&mut self, model: &Model, references: &[crate::schema::overlay::Reference]) {
        let mut named: Vec<(&crate::schema::overlay::Reference, String)> = Vec::new();
        let mut visit = |type_name: &str, row: &Map<String, Value>| {
            for r in references.iter().filter(|r| model.is_a(type_name, &r.type_name)) {
                if let Some(k) = row.get(&r.property).and_then(Value::as_str).filter(|k| !k.is_empty()) {
                    named.push((r, k.to_string()));
                }
            }
        };
        for rows in self.collections.values() {
            for row in &rows.rows {
                each_inline(model, &rows.type_name, row, 0, &mut visit);
            }
        }
        for (type_name, e) in self.singles.values() {
            each_inline(model, type_name, e, 0, &mut visit);
        }
        for (r, key) in named {
            let Ok(resolved) = model.resolve(&r.target) else { continue };
            let Shape::Collection(target_type) = &resolved.shape else { continue };
            let coll = Address { node: r.target.trim_matches('/').to_string(), parents: Vec::new() };
            self.ensure(&coll, &key, target_type, model);
        }
    }

    /// A documented total (a run's `totalUsersCount`) is rows its navigation holds: the navigation
    /// gets the fake's rows up to it. Returns the entities (collection id, key) whose page leaves
    /// the total out, for [`Data::fill_totals`].
    fn calibrate_totals(&mut self, model: &Model, totals: &[crate::schema::overlay::Total]) -> Vec<(String, String)> {
        let mut want: Vec<(Address, String, u64)> = Vec::new();
        let mut undocumented = Vec::new();
        for (id, rows) in &self.collections {
            let applying = super::totals::of(model, totals, &rows.type_name);
            let Some(address) = self.addresses.get(id).filter(|_| !applying.is_empty()) else { continue };
            for row in &rows.rows {
                let Some(key) = key_of(model, &rows.type_name, row) else { continue };
                for t in &applying {
                    let Some(nav) = model.all_navigations(&rows.type_name).into_iter().find(|n| n.name == t.navigation)
                    else {
                        continue;
                    };
                    match row.get(&t.property).and_then(Value::as_u64) {
                        Some(n) => want.push((address.child(&key, &nav.name), nav.target.clone(), n)),
                        None => undocumented.push((id.clone(), key.clone())),
                    }
                }
            }
        }
        for (child, target, n) in want {
            let rows = self.rows_mut(&child, &target);
            rows.documented_count = Some(rows.documented_count.unwrap_or(0).max(n as usize));
        }
        undocumented
    }

    /// The totals no page documents: the rows their navigation holds.
    fn fill_totals(
        &mut self,
        model: &Model,
        totals: &[crate::schema::overlay::Total],
        undocumented: &[(String, String)],
    ) {
        for (id, key) in undocumented {
            let Some(address) = self.addresses.get(id).cloned() else { continue };
            let Some(type_name) = self.collections.get(id).map(|r| r.type_name.clone()) else { continue };
            for t in super::totals::of(model, totals, &type_name) {
                let n = self.collections.get(&address.child(key, &t.navigation).id()).map_or(0, |r| r.rows.len());
                let Some(rows) = self.collections.get_mut(id) else { continue };
                let Some(&i) = rows.index.get(&key.to_ascii_lowercase()) else { continue };
                super::totals::set(&mut rows.rows[i], &t.property, n as u64);
            }
        }
    }

    /// An entity is live or deleted, never both: where pages put one key in a collection and in
    /// its recycle bin, readers see it where a documented GET shows it (the bin when both or
    /// neither do), and the other row stays for write cases, in their sandboxes only.
    fn settle_bin(&mut self) {
        let bin = format!("{}/", super::writes::BIN);
        let pairs: Vec<(String, String)> = self
            .collections
            .keys()
            .filter_map(|id| {
                let at = id.find(&bin).filter(|at| *at == 0 || id[..*at].ends_with('/'))?;
                let live = format!("{}{}", &id[..at], &id[at + bin.len()..]);
                self.collections.contains_key(&live).then(|| (id.clone(), live))
            })
            .collect();
        for (bin_id, live_id) in pairs {
            let both: Vec<String> = self.collections[&bin_id]
                .index
                .keys()
                .filter(|k| self.collections[&live_id].index.contains_key(*k))
                .cloned()
                .collect();
            for key in both {
                let shown = |coll: &str| self.shown.contains(&format!("{coll}\u{1e}{key}"));
                let hide = if shown(&live_id) && !shown(&bin_id) { &bin_id } else { &live_id };
                let Some(rows) = self.collections.get_mut(hide) else { continue };
                let Some(i) = rows.index.remove(&key) else { continue };
                let row = rows.rows.remove(i);
                for v in rows.index.values_mut().filter(|v| **v > i) {
                    *v -= 1;
                }
                self.sandboxed.entry(hide.clone()).or_default().push(row);
            }
        }
    }

    fn ingest(&mut self, case: &Case, model: &Model, pass: Pass) {
        if !case.expect.status.is_success() || case.unresolved.is_some() {
            return;
        }
        let Ok(resolved) = model.resolve(&case.request.path) else { return };
        // An entity read by an alternate key is filed under its own key when the answer shows it.
        let shown_key = |_: &Address, type_name: &str, property: &str, value: &str| -> String {
            let alternate = model.key_of(type_name).first().is_some_and(|k| k != property);
            match &case.expect.body {
                Some(Value::Object(b)) if alternate => key_of(model, type_name, b).unwrap_or_else(|| value.to_string()),
                _ => value.to_string(),
            }
        };
        let Some(Located { location, ancestors }) = locate_with(&resolved, shown_key) else { return };
        // Every entity a successful example's path passes through exists (a documented DELETE
        // deletes something).
        if pass == Pass::Entity {
            for a in &ancestors {
                self.ensure(&a.coll, &a.key, &a.type_name, model);
            }
        }
        let Some(Value::Object(body)) = &case.expect.body else { return };
        let reads = case.request.method.eq_ignore_ascii_case("GET");
        let source = case.full_name();
        match (&location, pass, reads) {
            (Location::Item { coll, key, type_name }, Pass::Entity, true) => {
                self.shown.insert(format!("{}\u{1e}{}", coll.id(), key.to_ascii_lowercase()));
                self.file_entity(coll, key, type_name, body, model, &source);
            }
            (Location::Single { addr, type_name }, Pass::Entity, true) => {
                let entry = self.singles.entry(addr.id()).or_insert_with(|| (type_name.clone(), Map::new()));
                merge(&mut entry.1, body, &source, &mut self.conflicts);
            }
            (Location::Collection { coll, type_name }, Pass::List, true) => {
                let rows = body.get("value").and_then(Value::as_array).cloned().unwrap_or_default();
                for row in rows.iter().filter_map(Value::as_object) {
                    let Some(key) = key_of(model, type_name, row) else { continue };
                    self.shown.insert(format!("{}\u{1e}{}", coll.id(), key.to_ascii_lowercase()));
                    self.file_entity(coll, &key, type_name, row, model, &source);
                }
                if case.request.query.is_none()
                    && let Some(n) = body.get("@odata.count").and_then(Value::as_u64)
                {
                    self.rows_mut(coll, type_name).documented_count = Some(n as usize);
                }
            }
            (Location::Operation { target, .. }, Pass::List, true) => {
                // A function that returns entities of its binding collection
                // (`accessPackages/filterByCurrentUser(…)`) shows entities of that collection.
                if let (Shape::Collection(_), Location::Collection { coll, type_name }) =
                    (&resolved.shape, target.as_ref())
                {
                    let rows = body.get("value").and_then(Value::as_array).cloned().unwrap_or_default();
                    for row in rows.iter().filter_map(Value::as_object) {
                        let Some(key) = key_of(model, type_name, row) else { continue };
                        self.file_entity(coll, &key, type_name, row, model, &source);
                    }
                }
            }
            (Location::Operation { target, operation, args }, Pass::Entity, _) => {
                if matches!(resolved.shape, Shape::Value { .. }) && reads {
                    let mut v = body.clone();
                    v.retain(|k, _| !k.starts_with('@'));
                    if let Some(ret) = operation.returns.as_ref().filter(|r| model.structured(&r.type_name).is_some()) {
                        let rows: Vec<&mut Map<String, Value>> = match v.get_mut("value") {
                            Some(Value::Array(rows)) if ret.collection => {
                                rows.iter_mut().filter_map(Value::as_object_mut).collect()
                            }
                            _ if ret.collection => Vec::new(),
                            _ => vec![&mut v],
                        };
                        for (i, row) in rows.into_iter().enumerate() {
                            super::conform::conform(model, &ret.type_name, row, 0);
                            fake::complete(model, &ret.type_name, row, &format!("{}/{i}", operation.name));
                        }
                    }
                    // A documented count of the bound collection's rows: the collection holds them.
                    if let Location::Collection { coll, type_name } = target.as_ref() {
                        let counted = self
                            .counting
                            .iter()
                            .filter(|(f, b, _)| *f == operation.name && *b == operation.binding.type_name)
                            .filter_map(|(_, _, field)| v.get(field).and_then(Value::as_u64))
                            .max();
                        if let Some(n) = counted {
                            let rows = self.rows_mut(coll, type_name);
                            rows.documented_count = Some(rows.documented_count.unwrap_or(0).max(n as usize));
                        }
                    }
                    self.functions.insert(call_key(target, &operation.name, args), Value::Object(v));
                } else if let (Shape::Entity(_), Location::Item { coll, key, type_name }) =
                    (&resolved.shape, target.as_ref())
                {
                    // An action answered with its binding entity (restore) shows that entity.
                    self.file_entity(coll, key, type_name, body, model, &source);
                }
            }
            _ => {}
        }
    }

    /// Files one entity (and the contained navigations it shows) under its collection.
    fn file_entity(
        &mut self,
        coll: &Address,
        key: &str,
        type_name: &str,
        body: &Map<String, Value>,
        model: &Model,
        source: &str,
    ) {
        let mut own = body.clone();
        own.retain(|k, _| !k.starts_with("@odata.context") && !k.ends_with("@odata.context"));
        for nav in model.all_navigations(type_name).into_iter().filter(|n| n.contained) {
            let Some(v) = own.get(&nav.name).cloned() else { continue };
            let child = coll.child(key, &nav.name);
            match v {
                Value::Array(items) if nav.collection => {
                    for item in items.iter().filter_map(Value::as_object) {
                        if let Some(k) = key_of(model, &nav.target, item) {
                            self.file_entity(&child, &k, &nav.target, item, model, source);
                        }
                    }
                }
                Value::Object(o) if !nav.collection => {
                    let entry = self.singles.entry(child.id()).or_insert_with(|| (nav.target.clone(), Map::new()));
                    merge(&mut entry.1, &o, source, &mut self.conflicts);
                }
                _ => {}
            }
            // Contained values live in their own collection; the entity shows them when expanded.
            own.remove(&nav.name);
        }
        let conflicts = &mut self.conflicts;
        let rows = {
            self.addresses.entry(coll.id()).or_insert_with(|| coll.clone());
            let r = self.collections.entry(coll.id()).or_default();
            if r.type_name.is_empty() {
                r.type_name = type_name.to_string();
            }
            r
        };
        let lower = key.to_ascii_lowercase();
        match rows.index.get(&lower) {
            Some(&i) => merge(&mut rows.rows[i], &own, source, conflicts),
            None => {
                rows.index.insert(lower, rows.rows.len());
                rows.rows.push(own);
            }
        }
    }

    /// Makes sure an entity named by a path exists (with its key only, until completed).
    fn ensure(&mut self, coll: &Address, key: &str, type_name: &str, model: &Model) {
        let lower = key.to_ascii_lowercase();
        if self.collections.get(&coll.id()).is_some_and(|r| r.index.contains_key(&lower)) {
            return;
        }
        let mut row = Map::new();
        let key_prop = model.key_of(type_name).first().cloned().unwrap_or_else(|| "id".into());
        row.insert(key_prop, key_value(model, type_name, key));
        self.file_entity(coll, key, type_name, &row, model, "a path");
    }

    fn rows_mut(&mut self, coll: &Address, type_name: &str) -> &mut Rows {
        self.addresses.entry(coll.id()).or_insert_with(|| coll.clone());
        let r = self.collections.entry(coll.id()).or_default();
        if r.type_name.is_empty() {
            r.type_name = type_name.to_string();
        }
        r
    }

    /// Rows of the fake's own up to each documented `@odata.count`.
    fn calibrate_counts(&mut self, model: &Model) {
        for (id, rows) in self.collections.iter_mut() {
            let Some(want) = rows.documented_count else { continue };
            let mut n = 0;
            while rows.rows.len() < want {
                n += 1;
                let key = filler_key(model, &rows.type_name, id, n, &rows.index);
                let key_prop = model.key_of(&rows.type_name).first().cloned().unwrap_or_else(|| "id".into());
                let mut row = Map::new();
                row.insert(key_prop, key_value(model, &rows.type_name, &key));
                rows.index.insert(key.to_ascii_lowercase(), rows.rows.len());
                rows.rows.push(row);
            }
        }
    }

    /// Completes every entity with the fake's values.
    fn complete(&mut self, model: &Model) {
        let bin = format!("/{}/", super::writes::BIN);
        let singles = &self.singles;
        let addresses = &self.addresses;
        for (coll, rows) in self.collections.iter_mut() {
            // A documented read of a single-valued navigation (`workflows/{id}/createdBy`) is what
            // its parent shows under `$expand` too.
            let navs: Vec<String> = model
                .all_navigations(&rows.type_name)
                .iter()
                .filter(|n| !n.collection && !n.contained)
                .map(|n| n.name.clone())
                .collect();
            let address = addresses.get(coll);
            let key_prop = model.key_of(&rows.type_name).first().cloned().unwrap_or_else(|| "id".into());
            // A page's deleted item without its deletion time (`deletedDateTime: null`) was still
            // deleted at some time: the fake's.
            let binned = coll.contains(&bin)
                && model.all_properties(&rows.type_name).iter().any(|p| p.name == super::writes::DELETED_AT);
            for row in &mut rows.rows {
                if binned && row.get(super::writes::DELETED_AT).is_none_or(Value::is_null) {
                    row.insert(super::writes::DELETED_AT.into(), json!(fake::FAKE_TIME));
                }
                let seed = row
                    .get(&key_prop)
                    .map(|v| v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string()))
                    .unwrap_or_default();
                if let Some(address) = address {
                    for nav in &navs {
                        if row.contains_key(nav) {
                            continue;
                        }
                        if let Some((_, e)) = singles.get(&address.child(&seed, nav).id()) {
                            row.insert(nav.clone(), Value::Object(e.clone()));
                        }
                    }
                }
                super::conform::conform(model, &rows.type_name, row, 0);
                fake::complete(model, &rows.type_name, row, &seed);
            }
        }
        for (id, (type_name, e)) in self.singles.iter_mut() {
            super::conform::conform(model, type_name, e, 0);
            fake::complete(model, type_name, e, id);
        }
    }

    /// The documented rows of a collection.
    pub fn rows(&self, coll: &Address) -> Option<&Rows> {
        self.collections.get(&coll.id())
    }

    /// A documented single-valued member.
    pub fn single(&self, addr: &Address) -> Option<&Map<String, Value>> {
        self.singles.get(&addr.id()).map(|(_, e)| e)
    }
}

/// A row's key as text.
pub fn key_of(model: &Model, type_name: &str, row: &Map<String, Value>) -> Option<String> {
    let key = model.key_of(type_name);
    match row.get(key.first().map(String::as_str).unwrap_or("id"))? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A key as the JSON value of its property (integers for integer keys).
pub fn key_value(model: &Model, type_name: &str, key: &str) -> Value {
    if model.key_type(type_name).starts_with("Edm.Int")
        && let Ok(n) = key.parse::<i64>()
    {
        return json!(n);
    }
    json!(key)
}

fn filler_key(model: &Model, type_name: &str, coll: &str, n: usize, taken: &HashMap<String, usize>) -> String {
    if model.key_type(type_name).starts_with("Edm.Int") {
        let mut k = taken.len() + n;
        while taken.contains_key(&k.to_string()) {
            k += 1;
        }
        return k.to_string();
    }
    super::ids::derived_guid(&format!("{coll}#{n}"), 0xf1)
}

/// Merges `from` into `into`: new properties are added; nested objects merge; a different value
/// for a property already there is a conflict (the first value stays).
fn merge(into: &mut Map<String, Value>, from: &Map<String, Value>, source: &str, conflicts: &mut Vec<String>) {
    for (k, v) in from {
        if k.ends_with("@odata.context") {
            continue;
        }
        match (into.get_mut(k), v) {
            (None, _) => {
                into.insert(k.clone(), v.clone());
            }
            (Some(Value::Object(a)), Value::Object(b)) => merge(a, b, source, conflicts),
            (Some(a), b) if !same(a, b) => {
                let id = into.get("id").and_then(Value::as_str).unwrap_or("?").to_string();
                conflicts.push(format!("{id}/{k}: kept {}, {source} shows {b}", into[k]));
            }
            _ => {}
        }
    }
}

/// Two pages' spellings of one value: numbers by their value (`3` and `3.0`), date-times as the
/// instant they name (`…T18:30:33Z` and `…T18:30:33.0000000Z`).
fn same(a: &Value, b: &Value) -> bool {
    if let (Some(x), Some(y)) = (a.as_f64(), b.as_f64()) {
        return x == y;
    }
    if let (Some(x), Some(y)) = (a.as_str(), b.as_str()) {
        let instant = |s: &str| s.parse::<jiff::Timestamp>().ok();
        return x == y || instant(x).is_some_and(|t| Some(t) == instant(y));
    }
    a == b
}

/// Calls `visit` with `row` and every entity it shows inline for a navigation outside the
/// containment tree, at any depth (bounded).
fn each_inline(
    model: &Model,
    type_name: &str,
    row: &Map<String, Value>,
    depth: usize,
    visit: &mut dyn FnMut(&str, &Map<String, Value>),
) {
    visit(type_name, row);
    if depth > 8 {
        return;
    }
    for n in model.all_navigations(type_name).iter().filter(|n| !n.contained) {
        let items: Vec<&Map<String, Value>> = match row.get(&n.name) {
            Some(Value::Object(o)) => vec![o],
            Some(Value::Array(a)) => a.iter().filter_map(Value::as_object).collect(),
            _ => Vec::new(),
        };
        for o in items {
            each_inline(model, &n.target, o, depth + 1, visit);
        }
    }
}

/// The key of a function call: where it is bound, its name, its arguments (sorted).
pub fn call_key(target: &Location, name: &str, args: &[(String, String)]) -> String {
    let place = match target {
        Location::Collection { coll, .. } | Location::Count { coll } => coll.id(),
        Location::Item { coll, key, .. } => format!("{}\u{1f}{}", coll.id(), key.to_ascii_lowercase()),
        Location::Single { addr, .. } => addr.id(),
        Location::Operation { .. } => String::new(),
    };
    let mut a: Vec<String> =
        args.iter().map(|(k, v)| format!("{}={}", k.to_ascii_lowercase(), v.trim_matches('\''))).collect();
    a.sort();
    format!("{place}\u{1e}{}({})", name.to_ascii_lowercase(), a.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_documented_entity_is_both_live_and_deleted() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        for version in ["beta", "v1.0"] {
            let schemas = crate::schema::SchemaSet::load(&root.join("schemas").join(version)).unwrap();
            let suites = crate::case::load_suites(&root.join("cases").join(version), &schemas).unwrap();
            let data = Data::from_suites(&suites, schemas.model(), schemas.overlay());
            let mut binned = 0;
            for (id, rows) in &data.collections {
                let Some(at) = id.find("deletedItems/") else { continue };
                let live = format!("{}{}", &id[..at], &id[at + "deletedItems/".len()..]);
                let Some(live_rows) = data.collections.get(&live) else { continue };
                binned += rows.index.len();
                for key in rows.index.keys() {
                    assert!(!live_rows.index.contains_key(key), "{version}: {key} is in {live} and in {id}");
                }
            }
            assert!(binned > 0, "{version}: the pages document deleted items");
        }
        // The beta delete and restore examples name one workflow: write cases still find it.
        let schemas = crate::schema::project_schemas();
        let suites = crate::case::load_suites(&root.join("cases/beta"), schemas).unwrap();
        let data = Data::from_suites(&suites, schemas.model(), schemas.overlay());
        assert!(!data.sandboxed.is_empty(), "the delete example's workflow stays for write cases");
    }
}
