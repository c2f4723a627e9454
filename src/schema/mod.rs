//! The JSON Schemas under `schemas/` and the variants the checks need.
//!
//! A check never validates against a schema file as written: it asks [`SchemaSet::validator`] for a
//! [`Variant`], which applies two transformations and caches the compiled validator:
//!
//! - **evolvable enums** ([`transform::cut_evolvable_enums`]): without `Prefer:
//!   include-unknown-enum-members`, every enum is cut after `unknownFutureValue`, in every schema file.
//! - **`$select` projection** ([`transform::project`]): the selected properties become required and
//!   every other property is forbidden.
//!
//! So one mechanism, driven by the schema files, serves every resource and every select list.

pub mod properties;
pub mod transform;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs;
use std::path::Path;
use std::sync::{Arc, RwLock};

use jsonschema::{Registry, Validator};
use serde_json::{Value, json};

pub use properties::{Navigation, PropertyInfo};

/// Every schema's `$id` starts with this; relative `$ref`s resolve against it, never over the network.
pub const SCHEMA_BASE: &str = "https://graph-conformance.local/schemas/";

/// The OData type name under which `graph.error.json` is registered.
pub const ERROR_TYPE: &str = "odata.error";

/// Which answer shape to validate.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Variant {
    /// The OData type (`microsoft.graph.identityGovernance.userProcessingResult`, or [`ERROR_TYPE`]).
    pub type_name: String,
    /// A page of a collection of the type, rather than one entity.
    pub collection: bool,
    /// The projected properties (deduplicated, in request order); `None` when no `$select` (or `*`) was sent.
    pub select: Option<Vec<String>>,
    /// The request sent `Prefer: include-unknown-enum-members`.
    pub include_unknown_enum_members: bool,
}

/// The compiled variants of one type: by (collection, Prefer) slot, without and with a select list.
#[derive(Default)]
struct TypeCache {
    full: [Option<Arc<Validator>>; 4],
    selected: [HashMap<Vec<String>, Arc<Validator>>; 4],
}

/// The loaded schema documents, indexed by `$id` and by OData type, with a cache of compiled variants.
pub struct SchemaSet {
    /// `$id` → document, as read from disk.
    documents: BTreeMap<String, Value>,
    /// OData type → `$id`.
    by_type: BTreeMap<String, String>,
    /// Every enum member that comes after `unknownFutureValue` somewhere.
    evolvable: BTreeSet<String>,
    cache: RwLock<HashMap<String, TypeCache>>,
    /// OData type → its declared properties, read once.
    properties: BTreeMap<String, Vec<PropertyInfo>>,
}

impl std::fmt::Debug for SchemaSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SchemaSet").field("types", &self.by_type.keys().collect::<Vec<_>>()).finish()
    }
}

impl SchemaSet {
    /// Reads every `*.json` in `dir`. Each needs an `$id` under [`SCHEMA_BASE`]; those with
    /// `x-odata-type` become addressable by type.
    pub fn load(dir: &Path) -> Result<Self, String> {
        let entries = fs::read_dir(dir).map_err(|e| {
            format!(
                "cannot read the schemas directory {}: {e}; run from the project root or pass --schemas DIR",
                dir.display()
            )
        })?;
        let mut files: Vec<_> = entries
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort();
        let mut docs = Vec::new();
        for file in files {
            let text = fs::read_to_string(&file).map_err(|e| format!("{}: cannot read: {e}", file.display()))?;
            let doc: Value =
                serde_json::from_str(&text).map_err(|e| format!("{}: invalid JSON: {e}", file.display()))?;
            docs.push((file.display().to_string(), doc));
        }
        Self::from_documents(docs)
    }

    /// Builds the set from `(name for messages, document)` pairs and compiles each document once, so
    /// a broken schema is reported at start-up, not in the middle of a run.
    pub fn from_documents(docs: Vec<(String, Value)>) -> Result<Self, String> {
        let mut documents = BTreeMap::new();
        let mut by_type = BTreeMap::new();
        for (name, doc) in docs {
            let id = doc
                .get("$id")
                .and_then(Value::as_str)
                .filter(|id| id.starts_with(SCHEMA_BASE))
                .ok_or_else(|| format!("{name}: needs an \"$id\" starting with {SCHEMA_BASE}"))?
                .to_string();
            if let Some(t) = doc.get("x-odata-type").and_then(Value::as_str) {
                by_type.insert(t.to_string(), id.clone());
            }
            documents.insert(id, doc);
        }
        let mut evolvable = BTreeSet::new();
        for doc in documents.values() {
            transform::collect_evolvable_members(doc, &mut evolvable);
        }
        let properties = by_type
            .iter()
            .filter_map(|(t, id)| Some((t.clone(), properties::of_document(documents.get(id)?))))
            .collect();
        let set = SchemaSet { documents, by_type, evolvable, cache: RwLock::new(HashMap::new()), properties };
        for t in set.by_type.keys() {
            set.validator(&Variant {
                type_name: t.clone(),
                collection: false,
                select: None,
                include_unknown_enum_members: true,
            })
            .map_err(|e| format!("schema of {t}: {e}"))?;
        }
        Ok(set)
    }

    /// Whether a schema describes `type_name`.
    pub fn knows(&self, type_name: &str) -> bool {
        self.by_type.contains_key(type_name)
    }

    /// The properties a type declares, with their kinds.
    pub fn properties(&self, type_name: &str) -> &[PropertyInfo] {
        self.properties.get(type_name).map(Vec::as_slice).unwrap_or_default()
    }

    /// Whether `type_name` declares a property `name`.
    pub fn declares(&self, type_name: &str, name: &str) -> bool {
        self.properties(type_name).iter().any(|p| p.name == name)
    }

    /// The members of a property's enum (following one `$ref`), if the property is enum-typed.
    pub fn enum_members(&self, type_name: &str, property: &str) -> Option<Vec<String>> {
        let root_id = self.by_type.get(type_name)?;
        let schema = self.documents.get(root_id)?.get("properties")?.get(property)?;
        let target = match schema.get("$ref").and_then(Value::as_str) {
            Some(r) => self.resolve(root_id, r)?,
            None => schema,
        };
        let members = target.get("enum")?.as_array()?;
        Some(members.iter().filter_map(Value::as_str).map(str::to_string).collect())
    }

    /// Resolves `file.json#/json/pointer` (or `#/pointer`) relative to the document `base_id`.
    fn resolve(&self, base_id: &str, reference: &str) -> Option<&Value> {
        let (file, pointer) = reference.split_once('#').unwrap_or((reference, ""));
        let doc_id = if file.is_empty() { base_id.to_string() } else { format!("{SCHEMA_BASE}{file}") };
        self.documents.get(&doc_id)?.pointer(pointer)
    }

    /// Enum members that are evolvable (after `unknownFutureValue`) in some schema.
    pub fn is_evolvable_member(&self, value: &str) -> bool {
        self.evolvable.contains(value)
    }

    /// The compiled validator of a variant, built once and shared.
    pub fn validator(&self, variant: &Variant) -> Result<Arc<Validator>, String> {
        self.validator_for(
            &variant.type_name,
            variant.collection,
            variant.select.as_deref(),
            variant.include_unknown_enum_members,
        )
    }

    /// [`Self::validator`] without building a [`Variant`]: a cache hit allocates nothing, which
    /// matters because every answer is validated.
    pub fn validator_for(
        &self,
        type_name: &str,
        collection: bool,
        select: Option<&[String]>,
        include_unknown_enum_members: bool,
    ) -> Result<Arc<Validator>, String> {
        let slot = usize::from(collection) * 2 + usize::from(include_unknown_enum_members);
        {
            let cache = self.cache.read().unwrap_or_else(|p| p.into_inner());
            let hit = cache.get(type_name).and_then(|t| match select {
                None => t.full[slot].clone(),
                Some(items) => t.selected[slot].get(items).cloned(),
            });
            if let Some(v) = hit {
                return Ok(v);
            }
        }
        let variant = Variant {
            type_name: type_name.to_string(),
            collection,
            select: select.map(<[String]>::to_vec),
            include_unknown_enum_members,
        };
        let compiled = Arc::new(self.compile(&variant)?);
        let mut cache = self.cache.write().unwrap_or_else(|p| p.into_inner());
        let entry = cache.entry(variant.type_name).or_default();
        match variant.select {
            None => entry.full[slot] = Some(compiled.clone()),
            Some(items) => {
                entry.selected[slot].insert(items, compiled.clone());
            }
        }
        Ok(compiled)
    }

    fn compile(&self, variant: &Variant) -> Result<Validator, String> {
        let root_id =
            self.by_type.get(&variant.type_name).ok_or_else(|| format!("no schema describes {}", variant.type_name))?;
        let mut docs: Vec<(String, Value)> = self.documents.iter().map(|(id, d)| (id.clone(), d.clone())).collect();
        if !variant.include_unknown_enum_members {
            for (_, d) in docs.iter_mut() {
                transform::cut_evolvable_enums(d);
            }
        }
        let mut root_ref = root_id.clone();
        if let Some(select) = &variant.select {
            let base = docs.iter().find(|(id, _)| id == root_id).map(|(_, d)| d.clone()).unwrap_or_default();
            let id = format!("{}.select-{}.json", root_id.trim_end_matches(".json"), fxhash(&select.join(",")));
            let mut projected = transform::project(&base, select);
            projected["$id"] = json!(id);
            docs.push((id.clone(), projected));
            root_ref = id;
        }
        let root = if variant.collection {
            json!({
                "$schema": "https://json-schema.org/draft/2020-12/schema",
                "$id": format!("{SCHEMA_BASE}collection-of-{}.json", fxhash(&root_ref)),
                "allOf": [{ "$ref": "collection.json" }],
                "properties": { "value": { "items": { "$ref": root_ref } } }
            })
        } else {
            docs.iter().find(|(id, _)| *id == root_ref).map(|(_, d)| d.clone()).unwrap_or_default()
        };
        let registry = Registry::new()
            .extend(docs.iter().map(|(id, d)| (id.as_str(), d)))
            .and_then(|b| b.prepare())
            .map_err(|e| format!("cannot index the schemas: {e}"))?;
        jsonschema::draft202012::options()
            .should_validate_formats(true)
            .with_registry(&registry)
            .offline()
            .build(&root)
            .map_err(|e| format!("cannot compile: {e}"))
    }
}

/// A short stable hash for variant ids (FNV-1a; not security relevant).
fn fxhash(s: &str) -> String {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x100000001b3);
    }
    format!("{h:016x}")
}

#[cfg(test)]
pub(crate) fn project_schemas() -> SchemaSet {
    SchemaSet::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas")).expect("schemas/ loads")
}
