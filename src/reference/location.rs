//! Where a resolved path points in the fake's data: a collection (its node and the keys of the
//! entities above it), one entity of a collection, a single-valued member (a singleton or a
//! single-valued navigation), or an operation bound to one of those.

use crate::metadata::Operation;
use crate::metadata::resolve::{Resolved, StepKind};

/// A collection instance: its node (the model's member names from the container) and the keys of
/// the entities it hangs under, lower-cased.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Address {
    pub node: String,
    pub parents: Vec<String>,
}

impl Address {
    /// A collection's key for maps.
    pub fn id(&self) -> String {
        let mut s = self.node.clone();
        for p in &self.parents {
            s.push('\u{1f}');
            s.push_str(p);
        }
        s
    }

    /// The address of a member under one entity of this collection.
    pub fn child(&self, key: &str, member: &str) -> Address {
        let mut parents = self.parents.clone();
        parents.push(key.to_ascii_lowercase());
        Address { node: format!("{}/{member}", self.node), parents }
    }
}

/// What a path addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A collection of entities of `type_name`.
    Collection { coll: Address, type_name: String },
    /// One entity of a collection, by key (as written, decoded).
    Item { coll: Address, key: String, type_name: String },
    /// A singleton or single-valued navigation.
    Single { addr: Address, type_name: String },
    /// An operation bound to what `target` addresses, with its arguments as written.
    Operation { target: Box<Location>, operation: Operation, args: Vec<(String, String)> },
    /// `$count` of a collection.
    Count { coll: Address },
}

/// One entity a path passes through: its collection, key and type.
#[derive(Debug, Clone)]
pub struct Ancestor {
    pub coll: Address,
    pub key: String,
    pub type_name: String,
}

/// A location and every entity the path passes through (each must exist), the addressed one
/// included when it is an item.
#[derive(Debug, Clone)]
pub struct Located {
    pub location: Location,
    pub ancestors: Vec<Ancestor>,
}

/// Follows a resolved concrete path.
pub fn locate(r: &Resolved) -> Option<Located> {
    locate_with(r, |_, _, _, value| value.to_string())
}

/// Follows a resolved concrete path; `primary(coll, type, property, value)` gives the entity's
/// key for each key segment (an alternate key such as `subjects(objectId='…')` names another
/// property than the key: the caller finds the entity it means).
pub fn locate_with(r: &Resolved, primary: impl Fn(&Address, &str, &str, &str) -> String) -> Option<Located> {
    let mut node = String::new();
    let mut parents: Vec<String> = Vec::new();
    let mut ancestors: Vec<Ancestor> = Vec::new();
    let mut at: Option<Location> = None;
    for step in &r.steps {
        match &step.kind {
            StepKind::Member { name, type_name, collection } => {
                if !node.is_empty() {
                    node.push('/');
                }
                node.push_str(name);
                let addr = Address { node: node.clone(), parents: parents.clone() };
                at = Some(if *collection {
                    Location::Collection { coll: addr, type_name: type_name.clone() }
                } else {
                    Location::Single { addr, type_name: type_name.clone() }
                });
            }
            StepKind::Key { type_name, value, property, param, .. } => {
                let Some(Location::Collection { coll, .. }) = at.take() else { return None };
                // A placeholder a page left in its example (`catalogs/{catalogId}/resources`) is
                // that page's key: the documented entity is filed under it and found by it.
                let written = match (value, param) {
                    (Some(v), _) => v.clone(),
                    (None, Some(p)) => format!("{{{p}}}"),
                    (None, None) => return None,
                };
                let key = primary(&coll, type_name, property, &written);
                ancestors.push(Ancestor { coll: coll.clone(), key: key.clone(), type_name: type_name.clone() });
                parents.push(key.to_ascii_lowercase());
                at = Some(Location::Item { coll, key, type_name: type_name.clone() });
            }
            StepKind::Operation { operation, args } => {
                let target = at.take()?;
                at = Some(Location::Operation {
                    target: Box::new(target),
                    operation: operation.clone(),
                    args: args.clone(),
                });
            }
            StepKind::Count => {
                let Some(Location::Collection { coll, .. }) = at.take() else { return None };
                at = Some(Location::Count { coll });
            }
        }
    }
    Some(Located { location: at?, ancestors })
}
