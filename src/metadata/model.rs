//! The entity model: what a CSDL document declares, reduced to what the harness uses. The
//! `schemas` command writes the subset for the selected namespaces to `schemas/metadata.json`; the
//! runner, the path resolver and the reference server read it from there, so a clone of the
//! project needs no CSDL file.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

/// Every type, entity set, singleton and bound operation the harness knows.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Model {
    /// For readers of `metadata.json`.
    #[serde(default, rename = "$comment", skip_serializing_if = "String::is_empty")]
    pub comment: String,
    /// Where the model comes from (file, namespaces), for readers of `metadata.json`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub source: String,
    /// Entity and complex types by qualified name.
    pub structured: BTreeMap<String, Structured>,
    /// Enumerations by qualified name.
    pub enums: BTreeMap<String, EnumType>,
    /// Entity sets and singletons of the entity container.
    pub container: Vec<ContainerChild>,
    /// Bound functions and actions.
    pub operations: Vec<Operation>,
    /// Each type's direct derived types, built once on first use.
    #[serde(skip)]
    pub(crate) children: ChildIndex,
}

/// The derived-type index of a [`Model`] (not part of its value: equal, cloned and printed as empty).
#[derive(Default)]
pub(crate) struct ChildIndex(std::sync::OnceLock<BTreeMap<String, Vec<String>>>);

impl Clone for ChildIndex {
    fn clone(&self) -> Self {
        ChildIndex::default()
    }
}
impl PartialEq for ChildIndex {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}
impl std::fmt::Debug for ChildIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ChildIndex")
    }
}

/// An entity or complex type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Structured {
    pub name: String,
    pub entity: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base: Option<String>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub is_abstract: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub open: bool,
    /// The type's own `<Key>` (inherited keys are found through [`Model::key_of`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub key: Vec<String>,
    /// Own structural properties, in declaration order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub properties: Vec<Property>,
    /// Own navigation properties, in declaration order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub navigations: Vec<Navigation>,
    /// Outside the selected namespaces and only a navigation target: its key is all that is kept.
    #[serde(default, skip_serializing_if = "is_false")]
    pub reference_only: bool,
}

/// A structural property.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Property {
    pub name: String,
    /// `Edm.String`, or a qualified enum or complex type name.
    #[serde(rename = "type")]
    pub type_name: String,
    #[serde(default, skip_serializing_if = "is_false")]
    pub collection: bool,
    pub nullable: bool,
}

/// A navigation property.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Navigation {
    pub name: String,
    /// The qualified entity type it leads to.
    pub target: String,
    #[serde(default, skip_serializing_if = "is_false")]
    pub collection: bool,
    pub nullable: bool,
    /// `ContainsTarget="true"`: the targets live under this entity's path.
    #[serde(default, skip_serializing_if = "is_false")]
    pub contained: bool,
}

/// An enumeration, its members in declaration order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EnumType {
    pub name: String,
    #[serde(default, skip_serializing_if = "is_false")]
    pub flags: bool,
    pub members: Vec<EnumMember>,
}

/// One enum member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnumMember {
    pub name: String,
    pub value: i64,
}

/// An entity set or singleton.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ContainerChild {
    pub name: String,
    #[serde(rename = "type")]
    pub type_name: String,
    /// A singleton (one entity) rather than an entity set.
    #[serde(default, skip_serializing_if = "is_false")]
    pub singleton: bool,
    /// Only these navigations of the child's type lead into the selected namespaces; empty means
    /// all of the type's own.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bridge: Vec<String>,
}

/// A bound function or action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Operation {
    pub name: String,
    /// `function` (GET, no side effects) or `action` (POST).
    pub kind: OperationKind,
    /// The binding parameter's type (entity, or collection of entities).
    pub binding: TypeRef,
    /// Parameters after the binding one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parameters: Vec<Parameter>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub returns: Option<TypeRef>,
}

/// Function or action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum OperationKind {
    Function,
    Action,
}

/// A type, perhaps a collection of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TypeRef {
    #[serde(rename = "type")]
    pub type_name: String,
    #[serde(default, skip_serializing_if = "is_false")]
    pub collection: bool,
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub nullable: bool,
}

/// An operation parameter: a name and a type, as a property has.
pub type Parameter = Property;

fn is_false(b: &bool) -> bool {
    !*b
}
fn is_true(b: &bool) -> bool {
    *b
}
fn yes() -> bool {
    true
}

/// `Collection(x)` → (`x`, true); `x` → (`x`, false).
pub fn split_collection(t: &str) -> (&str, bool) {
    match t.strip_prefix("Collection(").and_then(|r| r.strip_suffix(')')) {
        Some(inner) => (inner.trim(), true),
        None => (t.trim(), false),
    }
}

/// `microsoft.graph.identityGovernance.workflow` → `workflow`.
pub fn short_name(qualified: &str) -> &str {
    qualified.rsplit('.').next().unwrap_or(qualified)
}

/// The namespace of a qualified name.
pub fn namespace_of(qualified: &str) -> &str {
    qualified.rsplit_once('.').map_or("", |(ns, _)| ns)
}

impl Model {
    /// The structured type `name`.
    pub fn structured(&self, name: &str) -> Option<&Structured> {
        self.structured.get(name)
    }

    /// `name` and its base types, most derived first. Stops at a cycle or an unknown base.
    pub fn lineage(&self, name: &str) -> Vec<&Structured> {
        let mut out: Vec<&Structured> = Vec::new();
        let mut next = self.structured.get(name);
        while let Some(t) = next {
            if out.iter().any(|s| s.name == t.name) {
                break;
            }
            out.push(t);
            next = t.base.as_deref().and_then(|b| self.structured.get(b));
        }
        out
    }

    /// Every structural property of `name`, inherited ones first (a redeclared one keeps its
    /// derived declaration, in the base's position).
    pub fn all_properties(&self, name: &str) -> Vec<&Property> {
        self.inherited(name, |t| &t.properties, |p| &p.name)
    }

    /// Every navigation property of `name`, inherited ones first.
    pub fn all_navigations(&self, name: &str) -> Vec<&Navigation> {
        self.inherited(name, |t| &t.navigations, |n| &n.name)
    }

    /// The names of every property of `name`, structural and navigation, inherited ones included.
    pub fn member_names(&self, name: &str) -> BTreeSet<String> {
        let properties = self.all_properties(name).into_iter().map(|p| p.name.clone());
        properties.chain(self.all_navigations(name).into_iter().map(|n| n.name.clone())).collect()
    }

    /// The members `of` each type in `name`'s lineage, base first, a redeclared member replacing its
    /// base's in place.
    fn inherited<'a, T>(
        &'a self,
        name: &str,
        of: impl Fn(&'a Structured) -> &'a [T],
        name_of: impl Fn(&T) -> &str,
    ) -> Vec<&'a T> {
        let mut out: Vec<&T> = Vec::new();
        for t in self.lineage(name).into_iter().rev() {
            for m in of(t) {
                match out.iter_mut().find(|q| name_of(q) == name_of(m)) {
                    Some(slot) => *slot = m,
                    None => out.push(m),
                }
            }
        }
        out
    }

    /// The key properties of an entity type (its own, or the nearest base's).
    pub fn key_of(&self, name: &str) -> Vec<String> {
        self.lineage(name).into_iter().find(|t| !t.key.is_empty()).map(|t| t.key.clone()).unwrap_or_default()
    }

    /// The EDM type of a key property (`Edm.String` when unknown).
    pub fn key_type(&self, entity: &str) -> String {
        let key = self.key_of(entity);
        key.first()
            .and_then(|k| self.all_properties(entity).into_iter().find(|p| &p.name == k))
            .map(|p| p.type_name.clone())
            .unwrap_or_else(|| "Edm.String".to_string())
    }

    /// Whether `derived` is `base` or derives from it.
    pub fn is_a(&self, derived: &str, base: &str) -> bool {
        self.lineage(derived).iter().any(|t| t.name == base)
    }

    /// Every type deriving from `name`, directly or not, sorted.
    pub fn derived_of(&self, name: &str) -> Vec<&Structured> {
        let mut out: Vec<&Structured> = Vec::new();
        let mut stack: Vec<&str> = vec![name];
        let mut seen: BTreeSet<&str> = BTreeSet::from([name]);
        while let Some(t) = stack.pop() {
            for c in self.direct_derived_of(t) {
                if seen.insert(c.name.as_str()) {
                    out.push(c);
                    stack.push(c.name.as_str());
                }
            }
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        out
    }

    /// The types whose BaseType is `name`, sorted (from an index built once).
    pub fn direct_derived_of(&self, name: &str) -> Vec<&Structured> {
        let index = self.children.0.get_or_init(|| {
            let mut m: BTreeMap<String, Vec<String>> = BTreeMap::new();
            for t in self.structured.values() {
                if let Some(b) = &t.base
                    && b != &t.name
                {
                    m.entry(b.clone()).or_default().push(t.name.clone());
                }
            }
            m
        });
        index.get(name).map(|v| v.iter().filter_map(|n| self.structured.get(n)).collect()).unwrap_or_default()
    }

    /// The enum `name`.
    pub fn enum_type(&self, name: &str) -> Option<&EnumType> {
        self.enums.get(name)
    }

    /// Whether an answer of type `name` can hold an evolvable enum's value: a property of the type,
    /// of a type derived from it, or of a complex type they hold, is an enum with an
    /// `unknownFutureValue` member.
    pub fn holds_evolvable_enum(&self, name: &str) -> bool {
        let mut seen: BTreeSet<&str> = BTreeSet::new();
        let mut stack: Vec<&str> = vec![name];
        stack.extend(self.derived_of(name).into_iter().map(|t| t.name.as_str()));
        while let Some(t) = stack.pop() {
            if !seen.insert(t) {
                continue;
            }
            for p in self.all_properties(t) {
                let (inner, _) = split_collection(&p.type_name);
                if let Some(e) = self.enum_type(inner) {
                    if e.members.iter().any(|m| m.name == "unknownFutureValue") {
                        return true;
                    }
                } else if self.structured(inner).is_some() {
                    stack.push(inner);
                }
            }
        }
        false
    }

    /// The bound operations named `name` whose binding parameter accepts `(type, collection)`.
    pub fn operations_bound_to(&self, name: &str, type_name: &str, collection: bool) -> Vec<&Operation> {
        self.operations
            .iter()
            .filter(|o| {
                o.name.eq_ignore_ascii_case(name)
                    && o.binding.collection == collection
                    && self.is_a(type_name, &o.binding.type_name)
            })
            .collect()
    }

    /// Whether every type referenced from the model exists in it, as messages (empty when sound).
    pub fn dangling_references(&self) -> Vec<String> {
        let mut out = BTreeSet::new();
        let known = |t: &str| t.starts_with("Edm.") || self.structured.contains_key(t) || self.enums.contains_key(t);
        for t in self.structured.values() {
            if let Some(b) = &t.base
                && !self.structured.contains_key(b)
            {
                out.insert(format!("{}: base type {b} is not in the model", t.name));
            }
            for p in &t.properties {
                if !known(&p.type_name) {
                    out.insert(format!("{}/{}: type {} is not in the model", t.name, p.name, p.type_name));
                }
            }
            for n in &t.navigations {
                if !self.structured.contains_key(&n.target) {
                    out.insert(format!("{}/{}: target {} is not in the model", t.name, n.name, n.target));
                }
            }
        }
        out.into_iter().collect()
    }
}
