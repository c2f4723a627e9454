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

pub mod overlay;
pub mod properties;
pub mod transform;
pub mod validate;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use std::sync::{Arc, RwLock};

use serde_json::{Value, json};

pub use validate::{ErrorKind, SchemaError, Validator};
use validate::World;

pub use overlay::Overlay;
pub use properties::{Navigation, PropertyInfo};

use crate::metadata::Model;
use crate::metadata::generate::METADATA_FILE;

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
    /// The model `graph-conformance schemas` wrote beside the schemas (`metadata.json`).
    model: Model,
    /// `overlay.json`: what the metadata cannot say.
    overlay: Overlay,
    envelope: std::sync::OnceLock<Arc<Validator>>,
    /// The documents as written, and with every evolvable enum cut, each compiled on demand.
    world_full: std::sync::OnceLock<Result<Arc<World>, String>>,
    world_cut: std::sync::OnceLock<Result<Arc<World>, String>>,
}

impl std::fmt::Debug for SchemaSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SchemaSet").field("types", &self.by_type.keys().collect::<Vec<_>>()).finish()
    }
}

impl SchemaSet {
    /// Reads every `*.json` in `dir`: the schemas (each needs an `$id` under [`SCHEMA_BASE`]; those
    /// with `x-odata-type` become addressable by type), the model (`metadata.json`) and the overlay
    /// (`overlay.json`).
    pub fn load(dir: &Path) -> Result<Self, String> {
        let entries = crate::bundled::read_dir(dir).map_err(|e| {
            format!(
                "cannot read the schemas directory {}: {e}; pass --schemas DIR (a folder of schemas and metadata.json)",
                dir.display()
            )
        })?;
        let mut files: Vec<_> = entries.into_iter().filter(|p| p.extension().is_some_and(|x| x == "json")).collect();
        files.sort();
        let mut docs = Vec::new();
        let mut model = None;
        let mut overlay = Overlay::default();
        for file in files {
            let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            if name == METADATA_FILE {
                model = Some(crate::case::load::read_json::<Model>(&file)?);
                continue;
            }
            if name == overlay::OVERLAY_FILE {
                overlay = crate::case::load::read_json::<Overlay>(&file)?;
                continue;
            }
            let text =
                crate::bundled::read_to_string(&file).map_err(|e| format!("{}: cannot read: {e}", file.display()))?;
            let doc: Value =
                serde_json::from_str(&text).map_err(|e| format!("{}: invalid JSON: {e}", file.display()))?;
            docs.push((file.display().to_string(), doc));
        }
        let model = model.ok_or_else(|| {
            format!(
                "{}: no {METADATA_FILE}; generate the schemas with `graph-conformance schemas --csdl <beta $metadata> --out {}`",
                dir.display(),
                dir.display()
            )
        })?;
        let mut set = Self::from_documents(docs)?;
        set.model = model;
        set.overlay = overlay;
        Ok(set)
    }

    /// Builds the set from `(name for messages, document)` pairs. Validators are compiled on first
    /// use and cached: start-up does not grow with the model (compiling every type of a large area
    /// took seconds), and a schema that does not compile is a `harness` finding of the cases that
    /// use it.
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
        let set = SchemaSet {
            documents,
            by_type,
            evolvable,
            cache: RwLock::new(HashMap::new()),
            properties,
            model: Model::default(),
            overlay: Overlay::default(),
            envelope: std::sync::OnceLock::new(),
            world_full: std::sync::OnceLock::new(),
            world_cut: std::sync::OnceLock::new(),
        };
        Ok(set)
    }

    /// The entity model beside the schemas.
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// The hand-written overlay.
    pub fn overlay(&self) -> &Overlay {
        &self.overlay
    }

    /// The types deriving from `type_name` (the schema's `x-derived-types`).
    pub fn derived_types(&self, type_name: &str) -> Vec<&str> {
        self.document_of(type_name)
            .and_then(|d| d.get("x-derived-types"))
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default()
    }

    /// Whether `type_name` is an open type (undeclared properties are allowed).
    pub fn is_open(&self, type_name: &str) -> bool {
        self.document_of(type_name).and_then(|d| d.get("x-open")).and_then(Value::as_bool).unwrap_or(false)
    }

    fn document_of(&self, type_name: &str) -> Option<&Value> {
        self.documents.get(self.by_type.get(type_name)?)
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

    /// Enum members that are evolvable (after `unknownFutureValue`) in some schema.
    pub fn is_evolvable_member(&self, value: &str) -> bool {
        self.evolvable.contains(value)
    }

    /// The validator of a collection page's envelope (`value`, `@odata.count`, `@odata.nextLink`),
    /// built once; rows are validated one by one against their type.
    pub fn envelope(&self) -> Result<Arc<Validator>, String> {
        if let Some(v) = self.envelope.get() {
            return Ok(v.clone());
        }
        let id = format!("{SCHEMA_BASE}odata.collection.json");
        if !self.documents.contains_key(&id) {
            return Err(format!("no {id}: regenerate the schemas"));
        }
        let v = Arc::new(
            self.world(false)?.compile(&id).map_err(|e| format!("cannot compile odata.collection.json: {e}"))?,
        );
        Ok(self.envelope.get_or_init(|| v).clone())
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

    /// The documents indexed once: as written, or with every evolvable enum cut (for requests
    /// without `Prefer: include-unknown-enum-members`).
    fn world(&self, cut: bool) -> Result<&Arc<World>, String> {
        let cell = if cut { &self.world_cut } else { &self.world_full };
        let built = cell.get_or_init(|| {
            World::new(self.documents.iter().map(|(id, d)| {
                let mut d = d.clone();
                if cut {
                    transform::cut_evolvable_enums(&mut d);
                }
                (id.clone(), d)
            }))
            .map_err(|e| format!("cannot index the schemas: {e}"))
        });
        built.as_ref().map_err(Clone::clone)
    }

    fn compile(&self, variant: &Variant) -> Result<Validator, String> {
        let root_id =
            self.by_type.get(&variant.type_name).ok_or_else(|| format!("no schema describes {}", variant.type_name))?;
        let world = self.world(!variant.include_unknown_enum_members)?;
        let compile = |id: &str| world.compile(id).map_err(|e| format!("cannot compile: {e}"));
        // A page of the type: the envelope, with each row of the item's schema.
        let collection_of = |item: &str| -> Result<Validator, String> {
            let id = format!("{SCHEMA_BASE}collection-of-{}.json", fxhash(item));
            world.add(
                &id,
                json!({
                    "$schema": "https://json-schema.org/draft/2020-12/schema",
                    "$id": id,
                    "allOf": [{ "$ref": "odata.collection.json" }],
                    "properties": { "value": { "items": { "$ref": item } } }
                }),
            )?;
            compile(&id)
        };
        let item = match &variant.select {
            Some(select) => {
                let id = format!("{}.select-{}.json", root_id.trim_end_matches(".json"), fxhash(&select.join(",")));
                let mut base = self.documents.get(root_id).cloned().unwrap_or_default();
                if !variant.include_unknown_enum_members {
                    transform::cut_evolvable_enums(&mut base);
                }
                let mut projected = transform::project(&base, select);
                projected["$id"] = json!(id);
                world.add(&id, projected).map_err(|e| format!("cannot index the projection: {e}"))?;
                id
            }
            None => root_id.clone(),
        };
        if variant.collection { collection_of(&item) } else { compile(&item) }
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

/// The project's own `schemas/`, loaded once for all tests.
#[cfg(test)]
pub(crate) fn project_schemas() -> &'static SchemaSet {
    static SET: std::sync::OnceLock<SchemaSet> = std::sync::OnceLock::new();
    SET.get_or_init(|| {
        SchemaSet::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/beta")).expect("schemas/beta loads")
    })
}
