//! Bound functions: a call an example documents answers as documented; one the overlay describes
//! (`schemas/<version>/overlay.json`, `functions`: what the page says it computes) is computed over
//! the rows it sums, in the window its arguments give; any other answers a value of its declared
//! type.

use serde_json::{Map, Value, json};

use super::aggregate::{Groups, Plan, Row};
use super::location::{Address, Location};
use super::store::Store;
use crate::metadata::Operation;
use crate::schema::overlay::FunctionSemantics;

/// How many rows a function sums at most (over every parent of a large tenant): a bound on its
/// time; its memory does not grow with the rows.
pub const MAX_ROWS: usize = 1_000_000;

/// Why a call cannot be answered: (status, code, message).
pub type CallError = (u16, &'static str, String);

/// Answers `operation(args)` bound to `target`.
pub fn call(
    store: &Store,
    sandbox: &str,
    target: &Location,
    operation: &Operation,
    args: &[(String, String)],
) -> Result<Value, CallError> {
    if let Some(e) = missing_parameter(operation, args) {
        return Err(e);
    }
    let window = window(args)?;
    if let Some(v) = store.data.functions.get(&super::data::call_key(target, &operation.name, args)) {
        return Ok(v.clone());
    }
    let Some(semantics) =
        store.semantics.iter().find(|f| f.name == operation.name && f.binding == operation.binding.type_name)
    else {
        return Ok(of_its_type(store, operation));
    };
    // The base tenant never changes: a call computed over it is kept, so a client that spells
    // the same call another way (percent-encoded, `%28…%29`) gets it without a second walk.
    let cacheable = sandbox.is_empty() && store.base_unchanged();
    let key = format!("{}\u{1f}{args:?}", super::data::call_key(target, &operation.name, args));
    if cacheable && let Some(v) = store.cached_call(&key) {
        return Ok(v);
    }
    let value = compute(store, sandbox, target, operation, semantics, window)?;
    if cacheable {
        store.cache_call(key, value.clone());
    }
    Ok(value)
}

/// The answer of a call the overlay describes, computed over the rows it sums as they stream by:
/// what is held is one accumulator per answer row (per parent when grouped), never the rows.
fn compute(
    store: &Store,
    sandbox: &str,
    target: &Location,
    operation: &Operation,
    semantics: &FunctionSemantics,
    window: Option<Window>,
) -> Result<Value, CallError> {
    let fail = |e: String| (500, "generalException", format!("the overlay's {} semantics: {e}", operation.name));
    let ret = operation.returns.as_ref().map(|r| r.type_name.as_str()).unwrap_or_default();
    let plan = Plan::compile(&semantics.fields).map_err(fail)?;
    let in_it = |r: &Row| semantics.window.as_ref().is_none_or(|field| in_window(&r.row, field, window));
    if semantics.group_by_parent {
        let mut groups = Groups::new(&plan);
        stream_rows(store, sandbox, target, semantics, &mut |r| {
            if in_it(&r) {
                groups.add(&r);
            }
        });
        let out = groups.finish(semantics.top).map_err(fail)?;
        return Ok(Value::Array(out.into_iter().map(|row| non_null(store, ret, row)).collect()));
    }
    let mut acc = plan.start();
    stream_rows(store, sandbox, target, semantics, &mut |r| {
        if in_it(&r) {
            plan.add(&mut acc, &r);
        }
    });
    plan.finish(&acc).map_err(fail).map(|v| non_null(store, ret, v))
}

/// A computed value with every non-nullable property of its type set: what an expression left
/// null (a parent's property nobody set) gets the fake's value of its type, never `null`.
fn non_null(store: &Store, type_name: &str, value: Value) -> Value {
    let Value::Object(mut o) = value else { return value };
    for p in store.model.all_properties(type_name) {
        if !p.nullable && o.get(&p.name).is_none_or(Value::is_null) {
            o.insert(p.name.clone(), super::fake::property_value(&store.model, p, &p.name, 0));
        }
    }
    Value::Object(o)
}

/// The rows a function sums, one by one to `sink`: its bound collection, or the `over` path from
/// its binding's parent (each row with the entity it hangs under). The walk is depth-first: it holds
/// one row, cut to the properties the function reads, and one parent per level; it stops after
/// [`MAX_ROWS`] rows.
fn stream_rows(store: &Store, sandbox: &str, target: &Location, f: &FunctionSemantics, sink: &mut dyn FnMut(Row)) {
    let (own, of_parent) = read_by(f);
    let walk = Walk { store, sandbox, own: &own, of_parent: &of_parent };
    let mut taken = 0usize;
    let mut take = |r: Row| {
        sink(r);
        taken += 1;
        taken < MAX_ROWS
    };
    match (target, &f.over) {
        (Location::Collection { coll, type_name }, None) => {
            walk.each(coll, type_name, &own, |row| take(Row { parent: None, row }));
        }
        (Location::Single { addr, .. } | Location::Item { coll: addr, .. }, Some(over)) => {
            let base = addr.node.rsplit_once('/').map_or("", |(p, _)| p).to_string();
            let members: Vec<&str> = over.split('/').collect();
            walk.under(&base, &[], None, &members, &mut take);
        }
        _ => {}
    }
}

/// A function's walk over the rows it sums.
struct Walk<'a> {
    store: &'a Store,
    sandbox: &'a str,
    own: &'a std::collections::BTreeSet<String>,
    of_parent: &'a std::collections::BTreeSet<String>,
}

impl Walk<'_> {
    /// Each row of `coll` (a deleted one skipped), cut to `keep` and its key, until `f` says stop.
    fn each(
        &self,
        coll: &Address,
        type_name: &str,
        keep: &std::collections::BTreeSet<String>,
        mut f: impl FnMut(Map<String, Value>) -> bool,
    ) -> bool {
        let v = self.store.collection(coll, type_name, self.sandbox);
        for i in 0..v.len() {
            let Some(row) = v.row_only(i, keep) else { continue };
            if !f(row) {
                return false;
            }
        }
        true
    }

    /// The rows at the end of `members` under the collection node `node` of the entities `keys`,
    /// with `parent` the entity they hang under; false once `take` says stop.
    fn under(
        &self,
        node: &str,
        keys: &[String],
        parent: Option<&Map<String, Value>>,
        members: &[&str],
        take: &mut dyn FnMut(Row) -> bool,
    ) -> bool {
        let Some((member, rest)) = members.split_first() else { return true };
        let coll = Address { node: format!("{node}/{member}"), parents: keys.to_vec() };
        let Some(type_name) = collection_type(self.store, &coll) else { return true };
        if rest.is_empty() {
            return self.each(&coll, &type_name, self.own, |row| take(Row { parent: parent.cloned(), row }));
        }
        // A parent is read only when the collection below it holds rows: in a large tenant most
        // hold none, and a key costs far less than a row.
        let v = self.store.collection(&coll, &type_name, self.sandbox);
        let next = Address { node: format!("{}/{}", coll.node, rest[0]), parents: Vec::new() };
        let next_type = collection_type(self.store, &Address { parents: keys.to_vec(), ..next.clone() });
        for i in 0..v.len() {
            let Some(key) = v.key_at(i) else { continue };
            let mut below = keys.to_vec();
            below.push(key.to_ascii_lowercase());
            if let Some(t) = &next_type {
                let child = Address { node: next.node.clone(), parents: below.clone() };
                if !self.store.holds_rows(&child, t, self.sandbox) {
                    continue;
                }
            }
            let Some(row) = v.row_only(i, self.of_parent) else { continue };
            if !self.under(&coll.node, &below, Some(&row), rest, take) {
                return false;
            }
        }
        true
    }
}

/// The properties a function's expressions and window read of each row, and of its parent (whose
/// `id` groups the rows).
fn read_by(f: &FunctionSemantics) -> (std::collections::BTreeSet<String>, std::collections::BTreeSet<String>) {
    let mut own: std::collections::BTreeSet<String> = ["id".to_string()].into();
    let mut parent: std::collections::BTreeSet<String> = ["id".to_string()].into();
    own.extend(f.window.iter().cloned());
    for expr in f.fields.values() {
        for word in expr.split(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '_')) {
            match word.strip_prefix("parent.") {
                Some(p) => parent.extend(p.split('.').next().map(str::to_string)),
                None => own.extend(word.split('.').next().filter(|w| !w.is_empty()).map(str::to_string)),
            }
        }
    }
    (own, parent)
}

/// The entity type of the collection at `coll`, from the model (its keys as placeholders).
fn collection_type(store: &Store, coll: &Address) -> Option<String> {
    use crate::metadata::resolve::Shape;
    let segments: Vec<&str> = coll.node.split('/').collect();
    let mut path = String::new();
    for (i, s) in segments.iter().enumerate() {
        path.push('/');
        path.push_str(s);
        if i + 1 < segments.len() && matches!(store.model.resolve(&path).ok()?.shape, Shape::Collection(_)) {
            path.push_str("/{k}");
        }
    }
    match store.model.resolve(&path).ok()?.shape {
        Shape::Collection(t) => Some(t),
        _ => None,
    }
}

/// The answer of a function this server does not compute: a value of its return type, as the
/// metadata declares it (an empty collection; a complex value with the fake's values, as for
/// undocumented properties). Clients see Graph's shape; the figures mean nothing.
fn of_its_type(store: &Store, operation: &Operation) -> Value {
    let Some(ret) = operation.returns.as_ref() else { return Value::Null };
    if ret.collection {
        return json!({ "value": [] });
    }
    let mut v = Map::new();
    if store.model.structured(&ret.type_name).is_some() {
        super::fake::complete(&store.model, &ret.type_name, &mut v, &operation.name);
        return Value::Object(v);
    }
    match ret.type_name.as_str() {
        "Edm.Boolean" => json!({ "value": false }),
        "Edm.String" => json!({ "value": "" }),
        _ => json!({ "value": 0 }),
    }
}

/// The 400 for a required parameter the call leaves out.
pub fn missing_parameter(operation: &Operation, args: &[(String, String)]) -> Option<CallError> {
    operation
        .parameters
        .iter()
        .find(|p| !p.nullable && !args.iter().any(|(k, _)| k.eq_ignore_ascii_case(&p.name)))
        .map(|p| (400, "BadRequest", format!("The function parameter '{}' is missing.", p.name)))
}

type Window = (jiff::Timestamp, jiff::Timestamp);

fn window(args: &[(String, String)]) -> Result<Option<Window>, CallError> {
    let get = |name: &str| args.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.trim_matches('\''));
    let parse = |name: &str, v: &str| {
        v.parse::<jiff::Timestamp>().map_err(|_| {
            (400, "BadRequest", format!("The value '{v}' of parameter '{name}' is not an Edm.DateTimeOffset."))
        })
    };
    match (get("startDateTime"), get("endDateTime")) {
        (Some(s), Some(e)) => Ok(Some((parse("startDateTime", s)?, parse("endDateTime", e)?))),
        _ => Ok(None),
    }
}

fn in_window(row: &Map<String, Value>, field: &str, w: Option<Window>) -> bool {
    let Some((start, end)) = w else { return true };
    row.get(field)
        .and_then(Value::as_str)
        .and_then(|s| s.parse::<jiff::Timestamp>().ok())
        .is_some_and(|t| t >= start && t < end)
}
