//! Writes: PATCH, DELETE, POST to a list, and actions. Each sandbox (the embedded server gives
//! every write case its own; `serve` has one) keeps its writes, so a case's reads see its own
//! writes and never another case's. Bodies are checked against the model: an unknown property, or
//! a value of the wrong JSON type, is Graph's 400.

use serde_json::{Map, Value, json};

use super::location::{Address, Location};
use super::reply::{Ordered, Reply};
use super::responder::{Incoming, ReferenceServer, error, not_found};
use crate::metadata::{Model, Operation};

/// The properties of a write's body, checked against `type_name`.
fn body(x: &Incoming<'_>, model: &Model, type_name: &str) -> Result<Map<String, Value>, Reply> {
    if x.body.is_empty() {
        return Ok(Map::new());
    }
    let v: Value = serde_json::from_slice(x.body)
        .map_err(|e| error(x, 400, "BadRequest", &format!("The request body is not valid JSON: {e}.")))?;
    let Value::Object(o) = v else {
        return Err(error(x, 400, "BadRequest", "The request body must be a JSON object."));
    };
    let props = model.all_properties(type_name);
    let navs = model.all_navigations(type_name);
    for (k, v) in &o {
        if k.contains('@') {
            continue;
        }
        match props.iter().find(|p| &p.name == k) {
            Some(p) if !fits(model, &p.type_name, p.collection, p.nullable, v) => {
                return Err(error(
                    x,
                    400,
                    "BadRequest",
                    &format!("Cannot convert the literal for property '{k}' to the expected type '{}'.", p.type_name),
                ));
            }
            Some(_) => {}
            None if navs.iter().any(|n| &n.name == k) => {}
            None if model.structured(type_name).is_some_and(|t| t.open) => {}
            None => {
                return Err(error(
                    x,
                    400,
                    "BadRequest",
                    &format!("The property '{k}' does not exist on type '{type_name}'."),
                ));
            }
        }
    }
    Ok(o)
}

/// Whether a JSON value can be a value of the EDM type (JSON types only; formats are the checks' business).
fn fits(model: &Model, t: &str, collection: bool, nullable: bool, v: &Value) -> bool {
    if collection {
        return v.as_array().is_some_and(|items| items.iter().all(|i| fits(model, t, false, true, i)));
    }
    match v {
        Value::Null => nullable,
        Value::String(_) => {
            t == "Edm.String"
                || model.enum_type(t).is_some()
                || matches!(
                    t,
                    "Edm.DateTimeOffset"
                        | "Edm.Guid"
                        | "Edm.Date"
                        | "Edm.Duration"
                        | "Edm.TimeOfDay"
                        | "Edm.Binary"
                        | "Edm.Decimal"
                        | "Edm.Int64"
                )
        }
        Value::Number(_) => {
            t.starts_with("Edm.Int")
                || matches!(t, "Edm.Double" | "Edm.Single" | "Edm.Decimal" | "Edm.Byte" | "Edm.SByte")
        }
        Value::Bool(_) => t == "Edm.Boolean",
        Value::Object(_) => model.structured(t).is_some(),
        Value::Array(_) => false,
    }
}

fn entity_id(coll: &Address, key: &str) -> String {
    format!("{}\u{1e}{}", coll.id(), key.to_ascii_lowercase())
}

/// PATCH: the body's properties replace the entity's; 204.
pub fn patch(
    s: &ReferenceServer,
    x: &Incoming<'_>,
    item: Option<(&Address, &String)>,
    single: Option<&Address>,
    type_name: &str,
) -> Reply {
    let props = match body(x, &s.store.model, type_name) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let id = match (item, single) {
        (Some((coll, key)), _) => {
            if s.store.collection(coll, type_name, &x.sandbox).find(key).is_none() {
                return not_found(x, key);
            }
            entity_id(coll, key)
        }
        (None, Some(addr)) => addr.id(),
        _ => return error(x, 405, "notAllowed", "PATCH needs an entity."),
    };
    s.store.with_writes(&x.sandbox, |w| w.patched.entry(id).or_default().extend(props));
    Reply::empty(204)
}

/// Graph's recycle bin: a top-level collection `<P>/<Y>` whose container also has
/// `<P>/deletedItems/<Y>` (as `directory/deletedItems` does) keeps what DELETE removes there, with
/// `deletedDateTime` set, and its `restore` action moves it back. Found in the model, for any area.
pub const BIN: &str = "deletedItems";
pub const DELETED_AT: &str = "deletedDateTime";

/// The collection that keeps what DELETE removes from `coll`, if the model has one.
fn bin_of(model: &Model, coll: &Address) -> Option<Address> {
    let (parent, member) = coll.node.rsplit_once('/')?;
    let node = format!("{parent}/{BIN}/{member}");
    (coll.parents.is_empty()
        && model
            .resolve(&format!("/{node}"))
            .is_ok_and(|r| matches!(r.shape, crate::metadata::resolve::Shape::Collection(_))))
    .then_some(Address { node, parents: Vec::new() })
}

/// The collection a deleted item of `coll` (a recycle bin) is restored to, if the model has one.
fn home_of(model: &Model, coll: &Address) -> Option<Address> {
    let (parent, member) = coll.node.rsplit_once('/')?;
    let home = format!("{}/{member}", parent.strip_suffix(&format!("/{BIN}"))?);
    (coll.parents.is_empty()
        && model
            .resolve(&format!("/{home}"))
            .is_ok_and(|r| matches!(r.shape, crate::metadata::resolve::Shape::Collection(_))))
    .then_some(Address { node: home, parents: Vec::new() })
}

/// DELETE: the entity is gone (into the recycle bin, where the model has one); 204.
pub fn delete(s: &ReferenceServer, x: &Incoming<'_>, coll: &Address, key: &str, type_name: &str) -> Reply {
    let Some(entity) = s.store.collection(coll, type_name, &x.sandbox).find(key) else {
        return not_found(x, key);
    };
    let bin = bin_of(&s.store.model, coll);
    s.store.with_writes(&x.sandbox, |w| {
        w.deleted.insert(entity_id(coll, key));
        if let Some(bin) = bin {
            let mut e = entity;
            e.insert(DELETED_AT.into(), json!(super::fake::FAKE_TIME));
            w.added.entry(bin.id()).or_default().push(e);
        }
    });
    Reply::empty(204)
}

/// POST to a list: a new entity with an id of the fake's; 201 with it.
pub fn create(s: &ReferenceServer, x: &Incoming<'_>, coll: &Address, type_name: &str) -> Reply {
    let mut props = match body(x, &s.store.model, type_name) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let key_prop = s.store.model.key_of(type_name).first().cloned().unwrap_or_else(|| "id".into());
    let key = super::ids::derived_guid(&format!("{}#{}", coll.id(), x.request_id), 0xad);
    props.insert(key_prop, json!(key));
    super::fake::complete(&s.store.model, type_name, &mut props, &key);
    s.store.with_writes(&x.sandbox, |w| w.added.entry(coll.id()).or_default().push(props.clone()));
    let context = format!("{}/$metadata#{}/$entity", x.root, coll.node);
    let mut body: Ordered = vec![("@odata.context".into(), json!(context))];
    body.extend(props);
    Reply::json(201, body)
}

/// An action: its binding entity must exist; `restore` brings a deleted item back and answers
/// with it; an action with no result answers 204; one returning its binding entity answers with it.
pub fn action(s: &ReferenceServer, x: &Incoming<'_>, target: &Location, operation: &Operation) -> Reply {
    if let Err(r) = body_of_action(x, &s.store.model, operation) {
        return r;
    }
    let Location::Item { coll, key, type_name } = target else {
        return match operation.returns {
            None => Reply::empty(204),
            Some(_) => error(
                x,
                501,
                "notImplemented",
                &format!("The graph-conformance reference server does not perform {} here.", operation.name),
            ),
        };
    };
    let Some(entity) = s.store.collection(coll, type_name, &x.sandbox).find(key) else {
        return not_found(x, key);
    };
    let returns_binding = operation.returns.as_ref().is_some_and(|r| s.store.model.is_a(type_name, &r.type_name));
    if operation.name == "restore"
        && let Some(home) = home_of(&s.store.model, coll)
    {
        let mut restored = entity.clone();
        restored.insert(DELETED_AT.into(), Value::Null);
        s.store.with_writes(&x.sandbox, |w| {
            w.deleted.insert(entity_id(coll, key));
            w.added.entry(home.id()).or_default().push(restored);
        });
    }
    match (&operation.returns, returns_binding) {
        (None, _) => Reply::empty(204),
        (Some(_), true) => {
            let context = format!("{}/$metadata#{}/$entity", x.root, coll.node);
            let mut body: Ordered = vec![("@odata.context".into(), json!(context))];
            let render = super::render::Render {
                store: &s.store,
                sandbox: &x.sandbox,
                root: &x.root,
                select: None,
                expand: &[],
                defaults: s.store.endpoints.get(&coll.node, true).map(|e| &e.default_navigations),
                prefer_unknown_enum_members: x.prefer_unknown_enum_members,
            };
            body.extend(render.entity(type_name, &entity, Some(super::render::Place::Item(coll, key))));
            Reply::json(200, body)
        }
        (Some(_), false) => error(
            x,
            501,
            "notImplemented",
            &format!("The graph-conformance reference server does not compute the result of {}.", operation.name),
        ),
    }
}

/// An action's body: its parameters, checked by name and JSON type.
fn body_of_action(x: &Incoming<'_>, model: &Model, operation: &Operation) -> Result<(), Reply> {
    if x.body.is_empty() {
        return Ok(());
    }
    let v: Value = serde_json::from_slice(x.body)
        .map_err(|e| error(x, 400, "BadRequest", &format!("The request body is not valid JSON: {e}.")))?;
    let Value::Object(o) = v else {
        return Err(error(x, 400, "BadRequest", "The request body must be a JSON object."));
    };
    for (k, v) in o.iter().filter(|(k, _)| !k.contains('@')) {
        match operation.parameters.iter().find(|p| &p.name == k) {
            Some(p) if !fits(model, &p.type_name, p.collection, p.nullable, v) => {
                return Err(error(
                    x,
                    400,
                    "BadRequest",
                    &format!("Cannot convert the literal for parameter '{k}' to the expected type '{}'.", p.type_name),
                ));
            }
            Some(_) => {}
            None => {
                return Err(error(
                    x,
                    400,
                    "BadRequest",
                    &format!("The parameter '{k}' is not a parameter of {}.", operation.name),
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metadata::csdl::{parse, test_document};

    #[test]
    fn the_recycle_bin_is_found_in_the_model() {
        let model = parse(&test_document(
            r#"<EntityType Name="shop" BaseType="g.entity"/>
            <EntityType Name="bin" BaseType="g.entity"><NavigationProperty Name="shops" Type="Collection(g.shop)" ContainsTarget="true"/></EntityType>
            <EntityType Name="mall" BaseType="g.entity"><NavigationProperty Name="shops" Type="Collection(g.shop)" ContainsTarget="true"/><NavigationProperty Name="deletedItems" Type="g.bin" ContainsTarget="true"/><NavigationProperty Name="kiosks" Type="Collection(g.shop)" ContainsTarget="true"/></EntityType>
            <EntityContainer Name="c"><Singleton Name="mall" Type="g.mall"/></EntityContainer>"#,
        ))
        .unwrap();
        let at = |node: &str| Address { node: node.into(), parents: Vec::new() };
        assert_eq!(bin_of(&model, &at("mall/shops")), Some(at("mall/deletedItems/shops")));
        assert_eq!(home_of(&model, &at("mall/deletedItems/shops")), Some(at("mall/shops")));
        assert_eq!(bin_of(&model, &at("mall/kiosks")), None, "no bin of that name");
        assert_eq!(home_of(&model, &at("mall/shops")), None, "not a bin");
        let nested = Address { node: "mall/shops".into(), parents: vec!["x".into()] };
        assert_eq!(bin_of(&model, &nested), None);
    }
}
