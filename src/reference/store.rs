//! Everything the fake serves: the documented data ([`Data`]), the synthetic tenant
//! ([`Synthetic`]), what the suites say about each endpoint ([`Endpoints`]), and the writes made
//! so far, kept per sandbox (the embedded server gives each write case its own, so reads never see
//! another case's writes; `serve` keeps one for its lifetime).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::{Arc, Mutex};

use serde_json::{Map, Value};

use super::data::{Data, key_of};
use super::location::Address;
use super::synthetic::{SynthList, Synthetic};
use crate::case::{LoadedCase, Suite};
use crate::metadata::Model;
use crate::schema::SchemaSet;

/// What the suites' pages say about one endpoint: a node read as one entity or as a list.
#[derive(Debug, Clone, Default)]
pub struct Endpoint {
    /// Navigation properties returned without `$expand`.
    pub default_navigations: BTreeSet<String>,
    /// Query options the page says are supported (lower-case, without `$`); `None`: no page says.
    pub options: Option<BTreeSet<String>>,
}

/// Endpoints by (node, one entity?).
#[derive(Debug, Clone, Default)]
pub struct Endpoints {
    pub map: BTreeMap<(String, bool), Endpoint>,
}

impl Endpoints {
    fn from_suites(suites: &[Suite]) -> Self {
        let mut map: BTreeMap<(String, bool), Endpoint> = BTreeMap::new();
        for case in suites.iter().flat_map(|s| s.cases.iter()).filter_map(|c| match c {
            LoadedCase::Ready(c) => Some(c),
            LoadedCase::Broken(_) => None,
        }) {
            let Some(r) = case.resolved.as_deref() else { continue };
            let function = r.operation().is_some_and(|o| o.kind == crate::metadata::OperationKind::Function);
            if (!case.request.method.eq_ignore_ascii_case("GET") && r.operation().is_none()) || function {
                continue;
            }
            let node = r.node(r.steps.len());
            let e = map.entry((node, !case.collection)).or_default();
            e.default_navigations.extend(case.default_navigations.iter().cloned());
            if !case.query_options.is_empty() || e.options.is_none() {
                let set = e.options.get_or_insert_with(BTreeSet::new);
                set.extend(case.query_options.iter().map(|o| o.trim_start_matches('$').to_ascii_lowercase()));
            }
            // What a documented example sends and gets an answer to is supported, whatever the
            // page's prose lists (`catalogs/{id}/resources?$expand=roles,scopes&$filter=…`).
            if let (Some(set), Some(q), true) = (
                e.options.as_mut(),
                case.request.query.as_deref(),
                case.origin.derived.is_none() && case.expect.status.is_success(),
            ) {
                for k in super::query::Query::read(q).names() {
                    if let Some(name) = k.strip_prefix('$') {
                        set.insert(name.to_ascii_lowercase());
                    }
                }
            }
        }
        Endpoints { map }
    }

    /// The endpoint at `node`, read as one entity (`entity`) or a list.
    pub fn get(&self, node: &str, entity: bool) -> Option<&Endpoint> {
        self.map.get(&(node.to_string(), entity))
    }
}

/// The alternate keys the suites' paths use, by the node of their collection.
fn alternate_keys(suites: &[Suite], model: &Model) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for case in suites.iter().flat_map(|s| s.cases.iter()).filter_map(|c| match c {
        LoadedCase::Ready(c) => c.resolved.as_deref(),
        LoadedCase::Broken(_) => None,
    }) {
        for (i, step) in case.steps.iter().enumerate() {
            if let crate::metadata::resolve::StepKind::Key { type_name, property, .. } = &step.kind
                && model.key_of(type_name).first().is_some_and(|k| k != property)
            {
                let names = out.entry(case.node(i)).or_default();
                if !names.contains(property) {
                    names.push(property.clone());
                }
            }
        }
    }
    out
}

/// Writes of one sandbox.
#[derive(Debug, Clone, Default)]
pub struct Writes {
    /// Entity (collection id + key) → properties set by PATCH.
    pub patched: HashMap<String, Map<String, Value>>,
    /// Entities removed by DELETE (or moved by an action).
    pub deleted: HashSet<String>,
    /// Entities added (POST, or moved by restore): collection id → rows.
    pub added: HashMap<String, Vec<Map<String, Value>>>,
}

impl Writes {
    /// No write at all.
    pub fn is_empty(&self) -> bool {
        self.patched.is_empty() && self.deleted.is_empty() && self.added.is_empty()
    }
}

/// The fake's data.
pub struct Store {
    /// The API version this store answers for (`beta`, `v1.0`): the first segment of its paths.
    pub version: String,
    pub model: Arc<Model>,
    pub data: Data,
    pub synthetic: Synthetic,
    pub endpoints: Endpoints,
    /// Alternate keys the suites address collections by (`subjects(objectId='…')`), by node: the
    /// synthetic tenant gives its rows those properties too.
    pub alternate_keys: BTreeMap<String, Vec<String>>,
    /// What the overlay says the bound functions compute.
    pub semantics: Vec<crate::schema::overlay::FunctionSemantics>,
    /// The overlay's id-valued references, each with keys its target collection has.
    references: Arc<[Referenced]>,
    /// The overlay's totals: properties that count a navigation's rows.
    totals: Vec<crate::schema::overlay::Total>,
    writes: Mutex<HashMap<String, Writes>>,
    /// Function answers computed over the unchanged base tenant, by call (at most [`CACHED_CALLS`]).
    calls: Mutex<HashMap<String, Value>>,
}

/// How many computed function answers the store keeps.
const CACHED_CALLS: usize = 256;

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("synthetic", &self.synthetic).finish()
    }
}

/// An id-valued property (`taskDefinitionId`) and keys its target collection holds.
#[derive(Debug, Clone)]
struct Referenced {
    type_name: String,
    property: String,
    keys: Arc<[String]>,
}

/// Points the declared references of `row` (of `type_name`) and of the entities it shows
/// inline at entities that exist: every one (`all`, a synthetic row), or only the fake's filler.
fn point_references(
    model: &Model,
    references: &[Referenced],
    type_name: &str,
    row: &mut Map<String, Value>,
    all: bool,
) {
    let seed = key_of(model, type_name, row).unwrap_or_default();
    for r in references.iter().filter(|r| !r.keys.is_empty() && model.is_a(type_name, &r.type_name)) {
        let made = row.get(&r.property).is_none_or(|v| all || v.as_str() == Some(super::fake::FILLER));
        if made {
            let pick = super::ids::fnv(&format!("{seed}\u{1f}{}", r.property)) as usize % r.keys.len();
            row.insert(r.property.clone(), Value::String(r.keys[pick].clone()));
        }
    }
    for n in model.all_navigations(type_name) {
        if n.contained {
            continue;
        }
        match row.get_mut(&n.name) {
            Some(Value::Object(o)) => point_references(model, references, &n.target, o, all),
            Some(Value::Array(items)) => {
                for o in items.iter_mut().filter_map(Value::as_object_mut) {
                    point_references(model, references, &n.target, o, all);
                }
            }
            _ => {}
        }
    }
}

/// How many of a target collection's keys synthetic references spread over.
const REFERENCED_KEYS: usize = 64;

/// Sandboxes kept at once; the oldest is dropped beyond this (a long `serve` stays bounded).
const MAX_SANDBOXES: usize = 1_000;

impl Store {
    /// The fake's data from the suites' examples and `synthetic` synthetic results.
    pub fn from_suites(suites: &[Suite], schemas: Arc<SchemaSet>, synthetic: usize) -> Result<Store, String> {
        if synthetic > super::synthetic::MAX_ENTITIES {
            return Err(format!(
                "--entities {synthetic}: at most {} synthetic entities (their ids hold 12 hexadecimal digits)",
                super::synthetic::MAX_ENTITIES
            ));
        }
        let model = Arc::new(schemas.model().clone());
        let mut store = Store {
            version: "beta".into(),
            data: Data::from_suites(suites, &model, schemas.overlay()),
            synthetic: Synthetic::new(synthetic),
            endpoints: Endpoints::from_suites(suites),
            alternate_keys: alternate_keys(suites, &model),
            semantics: schemas.overlay().functions.clone(),
            references: Arc::from(Vec::new()),
            totals: schemas.overlay().totals.clone(),
            calls: Mutex::new(HashMap::new()),
            model,
            writes: Mutex::new(HashMap::new()),
        };
        store.references = store.referenced(&schemas.overlay().references).into();
        // The fake's own values of declared references in the documented data (the filler string
        // of an entity shown inline) name entities that exist too.
        let mut data = std::mem::take(&mut store.data);
        for rows in data.collections.values_mut() {
            for row in &mut rows.rows {
                point_references(&store.model, &store.references, &rows.type_name, row, false);
            }
        }
        for (type_name, e) in data.singles.values_mut() {
            point_references(&store.model, &store.references, type_name, e, false);
        }
        store.data = data;
        Ok(store)
    }

    /// The overlay's references with the first keys of each target collection (none when the
    /// target is not a collection of the model).
    fn referenced(&self, references: &[crate::schema::overlay::Reference]) -> Vec<Referenced> {
        let mut out = Vec::new();
        for r in references {
            let Ok(resolved) = self.model.resolve(&r.target) else { continue };
            let crate::metadata::resolve::Shape::Collection(target_type) = &resolved.shape else { continue };
            let coll = Address { node: r.target.trim_matches('/').to_string(), parents: Vec::new() };
            let view = self.collection(&coll, target_type, "");
            let keys: Vec<String> =
                view.page(0, REFERENCED_KEYS).iter().filter_map(|row| key_of(&self.model, target_type, row)).collect();
            out.push(Referenced { type_name: r.type_name.clone(), property: r.property.clone(), keys: keys.into() });
        }
        out
    }

    /// The same store answering under `version` (`v1.0`).
    pub fn with_version(mut self, version: &str) -> Store {
        self.version = version.to_string();
        self
    }

    /// The id-valued properties of `type_name` the overlay declares as references.
    pub fn reference_properties(&self, type_name: &str) -> Vec<&str> {
        self.references
            .iter()
            .filter(|r| self.model.is_a(type_name, &r.type_name))
            .map(|r| r.property.as_str())
            .collect()
    }

    /// The properties the overlay declares as totals of entities of `type_name` (`totalUsersCount`).
    pub fn total_properties(&self, type_name: &str) -> Vec<&str> {
        super::totals::of(&self.model, &self.totals, type_name).into_iter().map(|t| t.property.as_str()).collect()
    }

    /// The writes of `sandbox`, to read or change.
    pub fn with_writes<T>(&self, sandbox: &str, f: impl FnOnce(&mut Writes) -> T) -> T {
        let mut all = self.writes.lock().unwrap_or_else(|p| p.into_inner());
        if !all.contains_key(sandbox)
            && all.len() >= MAX_SANDBOXES
            && let Some(k) = all.keys().next().cloned()
        {
            all.remove(&k);
        }
        f(all.entry(sandbox.to_string()).or_default())
    }

    /// A view of the collection at `coll` (empty when nothing is there: the caller has checked the
    /// entities above it exist).
    pub fn collection(&self, coll: &Address, type_name: &str, sandbox: &str) -> View<'_> {
        let documented = self.data.rows(coll).map_or(&[][..], |r| r.rows.as_slice());
        let alternate = self.alternate_keys.get(&coll.node).map_or(&[][..], Vec::as_slice);
        let synthetic = self.synthetic.list(&self.model, &coll.node, &coll.parents, type_name, alternate);
        // Only this collection's writes are copied: a request costs what its collection holds.
        let prefix = format!("{}\u{1e}", coll.id());
        let (mut added, deleted, patched) = self.with_writes(sandbox, |w| {
            (
                w.added.get(&coll.id()).cloned().unwrap_or_default(),
                w.deleted.iter().filter(|id| id.starts_with(&prefix)).cloned().collect(),
                w.patched
                    .iter()
                    .filter(|(id, _)| id.starts_with(&prefix))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            )
        });
        if !sandbox.is_empty()
            && let Some(rows) = self.data.sandboxed.get(&coll.id())
        {
            // Rows only write cases see, in their own sandboxes (see `Data::sandboxed`).
            added.extend(rows.iter().cloned());
        }
        let key_prop = self.model.key_of(type_name).first().cloned().unwrap_or_else(|| "id".into());
        View {
            references: &self.references,
            totals: &self.totals,
            synthetic_source: &self.synthetic,
            coll: coll.clone(),
            documented,
            added,
            synthetic,
            deleted,
            patched,
            key_prop,
            type_name: type_name.to_string(),
            model: &self.model,
        }
    }

    /// Whether the base tenant (the sandbox of requests without one) has had no write.
    pub fn base_unchanged(&self) -> bool {
        self.writes.lock().unwrap_or_else(|p| p.into_inner()).get("").is_none_or(Writes::is_empty)
    }

    /// A function answer computed before over the unchanged base tenant.
    pub fn cached_call(&self, key: &str) -> Option<Value> {
        self.calls.lock().unwrap_or_else(|p| p.into_inner()).get(key).cloned()
    }

    /// Keeps a function answer computed over the unchanged base tenant.
    pub fn cache_call(&self, key: String, value: Value) {
        let mut calls = self.calls.lock().unwrap_or_else(|p| p.into_inner());
        if calls.len() >= CACHED_CALLS {
            calls.clear();
        }
        calls.insert(key, value);
    }

    /// Whether the collection at `coll` holds any row in `sandbox` (cheaper than its view).
    pub fn holds_rows(&self, coll: &Address, type_name: &str, sandbox: &str) -> bool {
        let id = coll.id();
        self.data.collections.get(&id).is_some_and(|r| !r.rows.is_empty())
            || self.synthetic.list(&self.model, &coll.node, &coll.parents, type_name, &[]).is_some_and(|l| l.len > 0)
            || (!sandbox.is_empty() && self.data.sandboxed.get(&id).is_some_and(|r| !r.is_empty()))
            || self.with_writes(sandbox, |w| w.added.get(&id).is_some_and(|a| !a.is_empty()))
    }

    /// Whether the entity `key` of `coll` exists (for the entities a path passes through).
    pub fn exists(&self, coll: &Address, type_name: &str, key: &str, sandbox: &str) -> bool {
        self.collection(coll, type_name, sandbox).find(key).is_some()
    }

    /// A singleton or single-valued navigation's entity.
    pub fn single(&self, addr: &Address, type_name: &str, sandbox: &str) -> Option<Map<String, Value>> {
        let mut e = match self.data.single(addr) {
            Some(e) => e.clone(),
            None => {
                // A contained single entity nobody documented: the fake's own, under a parent that exists.
                let mut e = Map::new();
                if let Some(k) = self.model.key_of(type_name).first() {
                    e.insert(k.clone(), Value::String(super::ids::derived_guid(&addr.id(), 0x51)));
                }
                super::fake::complete_synthetic(&self.model, type_name, &mut e, &addr.id());
                e
            }
        };
        self.with_writes(sandbox, |w| {
            if let Some(p) = w.patched.get(&addr.id()) {
                e.extend(p.clone());
            }
        });
        Some(e)
    }
}

/// A collection as one sandbox sees it: documented (and added) rows first, then synthetic ones.
/// It borrows the documented rows: reading one entity copies only that entity.
pub struct View<'a> {
    pub coll: Address,
    /// Declared references and keys that exist, for synthetic rows.
    references: &'a [Referenced],
    totals: &'a [crate::schema::overlay::Total],
    synthetic_source: &'a Synthetic,
    documented: &'a [Map<String, Value>],
    added: Vec<Map<String, Value>>,
    synthetic: Option<SynthList>,
    /// This collection's entities removed and patched in the sandbox (by entity id).
    deleted: HashSet<String>,
    patched: HashMap<String, Map<String, Value>>,
    key_prop: String,
    pub type_name: String,
    model: &'a Model,
}

impl View<'_> {
    fn entity_id(&self, key: &str) -> String {
        format!("{}\u{1e}{}", self.coll.id(), key.to_ascii_lowercase())
    }

    fn key_text(&self, row: &Map<String, Value>) -> String {
        key_of(self.model, &self.type_name, row).unwrap_or_default()
    }

    fn visible(&self, row: Map<String, Value>) -> Option<Map<String, Value>> {
        if self.deleted.is_empty() && self.patched.is_empty() {
            return Some(row);
        }
        let id = self.entity_id(&self.key_text(&row));
        if self.deleted.contains(&id) {
            return None;
        }
        let mut row = row;
        if let Some(p) = self.patched.get(&id) {
            for (k, v) in p {
                row.insert(k.clone(), v.clone());
            }
        }
        Some(row)
    }

    /// The documented rows, then the added ones.
    fn rows(&self) -> impl Iterator<Item = &Map<String, Value>> {
        self.documented.iter().chain(self.added.iter())
    }

    /// Row `i` of the documented rows, then the added ones (`None` past them: a synthetic row).
    fn own_row(&self, i: usize) -> Option<&Map<String, Value>> {
        self.documented.get(i).or_else(|| self.added.get(i.wrapping_sub(self.documented.len())))
    }

    fn own_rows(&self) -> usize {
        self.documented.len() + self.added.len()
    }

    /// Rows before writes are applied (deleted ones included): the paging range.
    pub fn len(&self) -> usize {
        self.own_rows() + self.synthetic.as_ref().map_or(0, |s| s.len)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Row `i` with writes applied (`None` when deleted).
    pub fn row(&self, i: usize) -> Option<Map<String, Value>> {
        self.visible(self.raw(i))
    }

    /// The key of row `i` (writes not applied), without making the row.
    pub fn key_at(&self, i: usize) -> Option<String> {
        match self.own_row(i) {
            Some(r) => key_of(self.model, &self.type_name, r),
            None => {
                let s = self.synthetic.as_ref()?;
                key_of(self.model, &self.type_name, &s.row(i.checked_sub(self.own_rows())?))
            }
        }
    }

    /// Row `i` with writes applied, cut to the properties `only` and its key: what a function
    /// sums reads a synthetic row's few values without making the whole row.
    pub fn row_only(&self, i: usize, only: &std::collections::BTreeSet<String>) -> Option<Map<String, Value>> {
        let raw = match self.own_row(i) {
            Some(r) => r.clone(),
            None => self.synthetic_row_only(i - self.own_rows(), Some(only)),
        };
        let mut row = self.visible(raw)?;
        row.retain(|k, _| only.contains(k) || *k == self.key_prop);
        Some(row)
    }

    /// Rows `offset..offset+limit`, writes applied (a deleted row leaves the page shorter).
    pub fn page(&self, offset: usize, limit: usize) -> Vec<Map<String, Value>> {
        let end = offset.saturating_add(limit).min(self.len());
        (offset..end).filter_map(|i| self.visible(self.raw(i))).collect()
    }

    fn raw(&self, i: usize) -> Map<String, Value> {
        match self.own_row(i) {
            Some(r) => r.clone(),
            None => self.synthetic_row(i - self.own_rows()),
        }
    }

    /// A synthetic row, completed like a documented one.
    fn synthetic_row(&self, i: usize) -> Map<String, Value> {
        self.synthetic_row_only(i, None)
    }

    /// A synthetic row, whole or with the properties `only` (the values the whole row has).
    fn synthetic_row_only(&self, i: usize, only: Option<&std::collections::BTreeSet<String>>) -> Map<String, Value> {
        let Some(s) = self.synthetic.as_ref() else { return Map::new() };
        let mut row = s.row(i);
        let seed = self.key_text(&row);
        match only {
            Some(only) => {
                // The declared totals too: scaling their parts needs them.
                let mut only = only.clone();
                only.extend(
                    super::totals::of(self.model, self.totals, &self.type_name).iter().map(|t| t.property.clone()),
                );
                super::fake::complete_synthetic_only(self.model, &self.type_name, &mut row, &seed, &only)
            }
            None => super::fake::complete_synthetic(self.model, &self.type_name, &mut row, &seed),
        }
        point_references(self.model, self.references, &self.type_name, &mut row, true);
        // A declared total is the rows its navigation holds (synthetic children only hang under
        // synthetic parents).
        for t in super::totals::of(self.model, self.totals, &self.type_name) {
            let Some(nav) = self.model.all_navigations(&self.type_name).into_iter().find(|n| n.name == t.navigation)
            else {
                continue;
            };
            let child = self.coll.child(&seed, &nav.name);
            let n = self
                .synthetic_source
                .list(self.model, &child.node, &child.parents, &nav.target, &[])
                .map_or(0, |l| l.len);
            super::totals::set(&mut row, &t.property, n as u64);
        }
        row
    }

    /// The row with key `key`.
    pub fn find(&self, key: &str) -> Option<Map<String, Value>> {
        let lower = key.to_ascii_lowercase();
        let documented = self.rows().find(|r| r.get(&self.key_prop).is_some_and(|v| key_matches(v, &lower))).cloned();
        let row = documented
            .or_else(|| self.synthetic.as_ref().and_then(|s| s.position(key)).map(|i| self.synthetic_row(i)))?;
        self.visible(row)
    }

    /// The key of the row whose `property` (an alternate key) is `value`.
    pub fn key_by(&self, property: &str, value: &str) -> Option<String> {
        let documented = self.rows().find(|r| r.get(property).and_then(Value::as_str) == Some(value));
        if let Some(row) = documented {
            return Some(self.key_text(row));
        }
        let s = self.synthetic.as_ref()?;
        let row = s.row(s.position(value)?);
        (row.get(property).and_then(Value::as_str).is_some_and(|v| v.eq_ignore_ascii_case(value)))
            .then(|| self.key_text(&row))
    }
}

fn key_matches(v: &Value, lower: &str) -> bool {
    match v {
        Value::String(s) => s.eq_ignore_ascii_case(lower),
        Value::Number(n) => n.to_string() == lower,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_cut_to_some_properties_has_the_whole_rows_values() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let schemas = Arc::new(crate::schema::SchemaSet::load(&root.join("schemas/beta")).unwrap());
        let suites = crate::case::load_suites(&root.join("cases/beta"), &schemas).unwrap();
        let store = Store::from_suites(&suites, schemas, 30).unwrap();
        let node = "identityGovernance/lifecycleWorkflows/workflows";
        let workflows = store.collection(
            &Address { node: node.into(), parents: Vec::new() },
            "microsoft.graph.identityGovernance.workflow",
            "",
        );
        let t = "microsoft.graph.identityGovernance.run";
        let mut compared = 0;
        for i in 0..workflows.len() {
            let w = workflows.row(i).unwrap();
            let key = key_of(&store.model, &workflows.type_name, &w).unwrap();
            let runs = store.collection(
                &Address { node: format!("{node}/runs"), parents: vec![key.to_ascii_lowercase()] },
                t,
                "",
            );
            for j in 0..runs.len() {
                let whole = runs.row(j).unwrap();
                // A part without its total, a total, a date and an enum.
                for only in
                    [&["failedUsersCount"][..], &["totalUsersCount", "processingStatus"], &["scheduledDateTime"]]
                {
                    let only: std::collections::BTreeSet<String> = only.iter().map(|s| s.to_string()).collect();
                    let cut = runs.row_only(j, &only).unwrap();
                    for (k, v) in &cut {
                        assert_eq!(Some(v), whole.get(k), "{k} of run {j} under workflow {i}");
                    }
                    assert!(only.iter().all(|k| cut.contains_key(k)), "{cut:?}");
                    compared += 1;
                }
            }
        }
        assert!(compared > 10, "{compared}");
    }
}
