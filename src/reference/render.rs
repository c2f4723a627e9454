//! An entity as the answer shows it: `$select` projection in request order, navigation properties
//! only when expanded or returned by default, evolvable enum members mapped to
//! `unknownFutureValue` unless the request asked for them, expanded contained collections with
//! their own `@odata.context`.

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

use super::location::Address;
use super::query::{Expansion, Selection};
use super::reply::Ordered;
use super::store::Store;
use crate::metadata::Model;
use crate::schema::transform::UNKNOWN_FUTURE_VALUE;

/// How to show entities for one request.
pub struct Render<'a> {
    pub store: &'a Store,
    pub sandbox: &'a str,
    pub root: &'a str,
    pub select: Option<&'a Selection>,
    pub expand: &'a [Expansion],
    pub defaults: Option<&'a BTreeSet<String>>,
    pub prefer_unknown_enum_members: bool,
}

impl Render<'_> {
    /// One entity of `type_name`; `at` is its collection and key (for expanding contained
    /// navigations), or its own address for a single-valued member.
    pub fn entity(&self, type_name: &str, entity: &Map<String, Value>, at: Option<Place<'_>>) -> Ordered {
        let model = &self.store.model;
        let mut out: Ordered = Vec::new();
        if let Some(t) = entity.get("@odata.type") {
            out.push(("@odata.type".into(), t.clone()));
        }
        let navs = model.all_navigations(type_name);
        match self.select.filter(|s| !s.all) {
            Some(s) => {
                for name in &s.names {
                    if let Some(n) = navs.iter().find(|n| &n.name == name) {
                        if let Some(v) = self.navigation(n, entity, at) {
                            out.push((name.clone(), v));
                        }
                    } else if let Some(v) = entity.get(name) {
                        out.push((name.clone(), self.enums(model, type_name, name, v)));
                    }
                }
                for e in self.expand.iter().filter(|e| !s.names.contains(&e.name)) {
                    if let Some(n) = navs.iter().find(|n| n.name == e.name)
                        && let Some(v) = self.navigation(n, entity, at)
                    {
                        self.push_nav(&mut out, n, v, at);
                    }
                }
            }
            None => {
                for p in model.all_properties(type_name) {
                    if let Some(v) = entity.get(&p.name) {
                        out.push((p.name.clone(), self.enums(model, type_name, &p.name, v)));
                    }
                }
                for n in &navs {
                    let wanted = self.expand.iter().any(|e| e.name == n.name)
                        || self.defaults.is_some_and(|d| d.contains(&n.name));
                    if wanted && let Some(v) = self.navigation(n, entity, at) {
                        self.push_nav(&mut out, n, v, at);
                    }
                }
            }
        }
        out
    }

    fn push_nav(&self, out: &mut Ordered, n: &crate::metadata::Navigation, v: Value, at: Option<Place<'_>>) {
        if n.contained
            && n.collection
            && let Some(Place::Item(coll, key)) = at
        {
            let ctx = format!("{}/$metadata#{}/{}", self.root, context_path(&self.store.model, coll, key), n.name);
            out.push((format!("{}@odata.context", n.name), json!(ctx)));
        }
        out.push((n.name.clone(), v));
    }

    /// A navigation's value: a contained one from its own collection, another one as shown inline;
    /// each entity shown with the expand item's nested `$select` and `$expand`.
    fn navigation(
        &self,
        n: &crate::metadata::Navigation,
        entity: &Map<String, Value>,
        at: Option<Place<'_>>,
    ) -> Option<Value> {
        let nested = self.expand.iter().find(|e| e.name == n.name);
        let inner = Render {
            select: nested.and_then(|e| e.select.as_ref()),
            expand: nested.map(|e| &e.nested[..]).unwrap_or(&[]),
            defaults: None,
            ..*self
        };
        let one = shown_one(&inner, &n.target);
        let shown = |v: &Value| -> Value {
            match v {
                Value::Array(items) => Value::Array(items.iter().map(&one).collect()),
                other => one(other),
            }
        };
        if n.contained {
            // A contained navigation lives at its own address below the entity's.
            let child = match at {
                Some(Place::Item(coll, key)) => coll.child(key, &n.name),
                Some(Place::Single(addr)) => {
                    Address { node: format!("{}/{}", addr.node, n.name), parents: addr.parents.clone() }
                }
                None => return entity.get(&n.name).map(shown),
            };
            if n.collection {
                let view = self.store.collection(&child, &n.target, self.sandbox);
                let rows = view.page(0, view.len().min(1_000));
                return Some(Value::Array(
                    rows.iter()
                        .map(|r| {
                            let k = super::data::key_of(&self.store.model, &n.target, r).unwrap_or_default();
                            Value::Object(
                                inner.entity(&n.target, r, Some(Place::Item(&child, &k))).into_iter().collect(),
                            )
                        })
                        .collect(),
                ));
            }
            let e = self.store.single(&child, &n.target, self.sandbox)?;
            return Some(Value::Object(inner.entity(&n.target, &e, Some(Place::Single(&child))).into_iter().collect()));
        }
        // A navigation outside the containment tree the entity has none of: expanded, it is empty.
        Some(entity.get(&n.name).map(shown).unwrap_or(if n.collection { json!([]) } else { Value::Null }))
    }

    /// A property's value with evolvable enum members mapped, unless the request asked for them.
    fn enums(&self, model: &Model, type_name: &str, name: &str, v: &Value) -> Value {
        if self.prefer_unknown_enum_members {
            return v.clone();
        }
        let Some(p) = model.all_properties(type_name).into_iter().find(|p| p.name == name) else { return v.clone() };
        map_value(model, &p.type_name, v)
    }
}

/// An inline entity of `target` as `inner` shows it, as its own type when that type derives from
/// `target`. An entity of a type the area keeps only as a reference (a `user`, whose properties
/// the area's metadata does not carry) and anything else are shown as they are.
fn shown_one<'r>(inner: &'r Render<'_>, target: &'r str) -> impl Fn(&Value) -> Value + 'r {
    move |v| match v {
        Value::Object(o) => {
            let model = &inner.store.model;
            let named = o.get("@odata.type").and_then(Value::as_str).map(|t| t.trim_start_matches('#'));
            let actual = named.filter(|t| model.is_a(t, target)).unwrap_or(target);
            match model.structured(actual) {
                Some(s) if !s.reference_only => Value::Object(inner.entity(actual, o, None).into_iter().collect()),
                _ => v.clone(),
            }
        }
        other => other.clone(),
    }
}

/// Where an entity sits: one row of a collection, or a single-valued member's own address.
#[derive(Clone, Copy)]
pub enum Place<'a> {
    Item(&'a Address, &'a str),
    Single(&'a Address),
}

/// Maps evolvable members of a value of `type_name` (recursively through complex values).
pub fn map_value(model: &Model, type_name: &str, v: &Value) -> Value {
    if let Some(e) = model.enum_type(type_name) {
        let Some(cut) = e.members.iter().position(|m| m.name == UNKNOWN_FUTURE_VALUE) else { return v.clone() };
        let evolvable: Vec<&str> = e.members[cut + 1..].iter().map(|m| m.name.as_str()).collect();
        return match v {
            Value::String(s) if e.flags => {
                let mut parts: Vec<&str> = Vec::new();
                for part in s.split(',').map(str::trim) {
                    let p = if evolvable.contains(&part) { UNKNOWN_FUTURE_VALUE } else { part };
                    if !parts.contains(&p) {
                        parts.push(p);
                    }
                }
                json!(parts.join(","))
            }
            Value::String(s) if evolvable.contains(&s.as_str()) => json!(UNKNOWN_FUTURE_VALUE),
            Value::Array(items) => Value::Array(items.iter().map(|i| map_value(model, type_name, i)).collect()),
            other => other.clone(),
        };
    }
    match v {
        Value::Object(o) if model.structured(type_name).is_some() => {
            let actual =
                o.get("@odata.type").and_then(Value::as_str).map(|t| t.trim_start_matches('#')).unwrap_or(type_name);
            let props = model.all_properties(actual);
            Value::Object(
                o.iter()
                    .map(|(k, x)| {
                        let t = props.iter().find(|p| &p.name == k).map(|p| p.type_name.as_str());
                        (k.clone(), t.map(|t| map_value(model, t, x)).unwrap_or_else(|| x.clone()))
                    })
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(items.iter().map(|i| map_value(model, type_name, i)).collect()),
        other => other.clone(),
    }
}

/// `identityGovernance/lifecycleWorkflows/workflows('w')` for the entity `key` of `coll`: the
/// members of the node with each parent's key in place.
pub fn context_path(model: &Model, coll: &Address, key: &str) -> String {
    let mut keys: Vec<&str> = coll.parents.iter().map(String::as_str).collect();
    keys.push(key);
    let mut out = String::new();
    let mut path = String::new();
    let mut next = keys.into_iter();
    for member in coll.node.split('/') {
        if !out.is_empty() {
            out.push('/');
        }
        out.push_str(member);
        path.push('/');
        path.push_str(member);
        if let Ok(r) = model.resolve(&path)
            && let crate::metadata::resolve::Shape::Collection(t) = &r.shape
            && let Some(k) = next.next()
        {
            let numeric = model.key_type(t).starts_with("Edm.Int");
            super::context::push_key(&mut out, k, numeric);
            path.push_str("/{k}");
        }
    }
    out
}
