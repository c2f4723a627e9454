//! The reference implementation of the family, over `http` types: any path the model knows,
//! resolved and located in the data; reads of entities, lists (server-driven paging, `$select`,
//! `$top`, `$count`, `$filter`, `$orderby`, `$search`, `$expand`), single-valued members and
//! functions; writes (PATCH, DELETE, POST to a list, actions) kept per sandbox; Graph's error body
//! for everything else. Faults are not here: [`super::faults::Faulty`] applies them to this
//! server's correct answers.

use std::collections::HashSet;
use std::sync::{Arc, RwLock};

use bytes::Bytes;
use serde_json::{Map, Value, json};

use super::location::{Address, Ancestor, Located, Location, locate_with};
use super::query::{Expansion, Query, Selection};
use super::render::{Place, Render};
use super::reply::{Ordered, Reply};
use super::store::{Endpoint, Store};
use crate::metadata::OperationKind;

/// The header the harness sends to its embedded server so that each write case has its own state.
pub const SANDBOX_HEADER: &str = "x-graph-conformance-sandbox";

/// OData's system query options, by name without the `$`.
const SYSTEM_OPTIONS: [&str; 12] = [
    "select",
    "expand",
    "filter",
    "orderby",
    "top",
    "skip",
    "count",
    "search",
    "skiptoken",
    "format",
    "apply",
    "compute",
];

/// Which bearer tokens the server accepts.
#[derive(Debug, Clone)]
pub enum AuthPolicy {
    /// Any non-empty bearer token (the embedded default and `serve`).
    AnyBearer,
    /// Only these tokens (a test's token endpoint adds the ones it issues).
    Tokens(Arc<RwLock<HashSet<String>>>),
}

/// The reference server.
#[derive(Clone)]
pub struct ReferenceServer {
    pub store: Arc<Store>,
    pub auth: AuthPolicy,
    /// Rows per list page when the client sends no `$top`.
    pub page_size: usize,
}

/// What the responder knows about the request being answered.
pub struct Incoming<'a> {
    pub method: &'a http::Method,
    /// `scheme://host/beta`.
    pub root: String,
    /// The path below the service root, as sent (percent-encoded).
    pub path: String,
    pub raw_query: &'a str,
    pub query: Query,
    pub headers: &'a http::HeaderMap,
    pub body: &'a [u8],
    pub request_id: String,
    pub client_request_id: String,
    pub prefer_unknown_enum_members: bool,
    pub sandbox: String,
}

impl<'a> Incoming<'a> {
    /// Reads an `http` request whose URI is absolute (scheme and authority tell the service root).
    pub fn new(request: &'a http::Request<Bytes>) -> Self {
        let headers = request.headers();
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
        let uri = request.uri();
        let host =
            header("host").or_else(|| uri.authority().map(|a| a.to_string())).unwrap_or_else(|| "127.0.0.1".into());
        let scheme = uri.scheme_str().unwrap_or("http");
        let full = uri.path();
        let mut parts = full.trim_start_matches('/').splitn(2, '/');
        let version = parts.next().unwrap_or("");
        let rest = parts.next().unwrap_or("");
        let request_id = crate::request_id::fresh();
        let prefer = headers
            .get_all("prefer")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .any(|p| p.trim().eq_ignore_ascii_case("include-unknown-enum-members"));
        let raw_query = uri.query().unwrap_or("");
        Incoming {
            method: request.method(),
            root: format!("{scheme}://{host}/{version}"),
            path: format!("/{rest}"),
            raw_query,
            query: Query::read(raw_query),
            headers,
            body: request.body(),
            client_request_id: header("client-request-id").unwrap_or_else(|| request_id.clone()),
            request_id,
            prefer_unknown_enum_members: prefer,
            sandbox: header(SANDBOX_HEADER).unwrap_or_default(),
        }
    }

    /// The version segment the request used (`beta`).
    fn version(&self) -> &str {
        self.root.rsplit('/').next().unwrap_or("")
    }
}

impl ReferenceServer {
    /// The answer to `request`.
    pub fn reply(&self, request: &http::Request<Bytes>) -> Reply {
        let x = Incoming::new(request);
        let mut reply = self.handle(&x);
        finish_headers(&x, &mut reply);
        reply
    }

    fn handle(&self, x: &Incoming<'_>) -> Reply {
        if let Some(denied) = self.authenticate(x) {
            return denied;
        }
        if !x.version().eq_ignore_ascii_case(&self.store.version) {
            return error(x, 400, "BadRequest", &format!("Invalid version: {}", x.version()));
        }
        let resolved = match self.store.model.resolve(&x.path) {
            Ok(r) => r,
            Err(e) => {
                return error(x, 400, "BadRequest", &format!("Resource not found for the segment '{}'.", e.segment));
            }
        };
        if !resolved.corrections.is_empty() {
            let (written, _) = &resolved.corrections[0];
            return error(x, 400, "BadRequest", &format!("Resource not found for the segment '{written}'."));
        }
        // An alternate key (`subjects(objectId='…')`) finds the entity whose property has that value.
        let primary = |coll: &Address, type_name: &str, property: &str, value: &str| -> String {
            if self.store.model.key_of(type_name).first().is_none_or(|k| k == property) {
                return value.to_string();
            }
            let view = self.store.collection(coll, type_name, &x.sandbox);
            view.key_by(property, value).unwrap_or_else(|| value.to_string())
        };
        let Some(Located { location, ancestors }) = locate_with(&resolved, primary) else {
            return error(x, 400, "BadRequest", "The path does not address a resource.");
        };
        for a in &ancestors {
            if !self.store.exists(&a.coll, &a.type_name, &a.key, &x.sandbox) {
                return not_found(x, &a.key);
            }
        }
        if let Some(bad) = self.unknown_option(x) {
            return bad;
        }
        let method = x.method.as_str();
        match (method, &location) {
            ("GET" | "HEAD", Location::Item { coll, key, type_name }) => self.item(x, coll, key, type_name),
            ("GET" | "HEAD", Location::Collection { coll, type_name }) => self.list(x, coll, type_name),
            ("GET" | "HEAD", Location::Single { addr, type_name }) => self.single(x, addr, type_name, ancestors.last()),
            ("GET" | "HEAD", Location::Count { coll }) => self.count(x, coll),
            ("GET" | "HEAD", Location::Operation { target, operation, args })
                if operation.kind == OperationKind::Function =>
            {
                self.subset(x, target, operation, args).unwrap_or_else(|| self.function(x, target, operation, args))
            }
            ("POST", Location::Operation { target, operation, .. }) if operation.kind == OperationKind::Action => {
                super::writes::action(self, x, target, operation)
            }
            ("POST", Location::Collection { coll, type_name }) => super::writes::create(self, x, coll, type_name),
            ("PATCH", Location::Item { coll, key, type_name }) => {
                super::writes::patch(self, x, Some((coll, key)), None, type_name)
            }
            ("PATCH", Location::Single { addr, type_name }) => {
                super::writes::patch(self, x, None, Some(addr), type_name)
            }
            ("DELETE", Location::Item { coll, key, type_name }) => super::writes::delete(self, x, coll, key, type_name),
            _ => error(x, 405, "notAllowed", &format!("The HTTP method '{method}' is not allowed on this resource.")),
        }
    }

    /// 401 unless a bearer token the policy accepts is present.
    fn authenticate(&self, x: &Incoming<'_>) -> Option<Reply> {
        let header = x.headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or("");
        let token = header.strip_prefix("Bearer ").or_else(|| header.strip_prefix("bearer ")).unwrap_or("").trim();
        if token.is_empty() {
            return Some(error(x, 401, "InvalidAuthenticationToken", "Access token is empty."));
        }
        if let AuthPolicy::Tokens(accepted) = &self.auth
            && !accepted.read().unwrap_or_else(|p| p.into_inner()).contains(token)
        {
            return Some(error(
                x,
                401,
                "InvalidAuthenticationToken",
                "Access token validation failure. Invalid audience.",
            ));
        }
        None
    }

    /// 400 for a system query option OData does not have, or a value its syntax refuses
    /// (`$count=maybe`, an empty `$select`).
    fn unknown_option(&self, x: &Incoming<'_>) -> Option<Reply> {
        if let Some(v) = x.query.option("count")
            && !v.eq_ignore_ascii_case("true")
            && !v.eq_ignore_ascii_case("false")
        {
            let shown = crate::report::term::one_line(v).chars().take(100).collect::<String>();
            return Some(error(
                x,
                400,
                "BadRequest",
                &format!("Invalid value '{shown}' for $count query option found. Valid values are 'true', 'false'."),
            ));
        }
        for name in ["select", "expand", "filter", "orderby", "top", "skip", "search"] {
            if x.query.option(name).is_some_and(|v| v.trim().is_empty()) {
                return Some(error(x, 400, "BadRequest", &format!("The query option '${name}' has no value.")));
            }
        }
        for k in x.query.names() {
            if let Some(name) = k.strip_prefix('$')
                && !SYSTEM_OPTIONS.contains(&name.to_ascii_lowercase().as_str())
            {
                return Some(error(x, 400, "BadRequest", &format!("Query option '${name}' is not allowed.")));
            }
        }
        None
    }

    /// 400 for a query option the endpoint does not support (what its page says; `$select`,
    /// `$top`, `$count` and `$skiptoken` always are on lists; `$select` and `$expand` on entities:
    /// an entity's navigation can always be expanded, and shows what reading the navigation
    /// itself gives, whatever the page lists).
    fn unsupported(&self, x: &Incoming<'_>, endpoint: Option<&Endpoint>, list: bool) -> Option<Reply> {
        let always: &[&str] = if list { &["select", "top", "count", "skiptoken"] } else { &["select", "expand"] };
        for name in SYSTEM_OPTIONS {
            if x.query.option(name).is_none() || always.contains(&name) {
                continue;
            }
            let supported = match endpoint.and_then(|e| e.options.as_ref()) {
                Some(set) => set.contains(name),
                None => ["expand", "filter", "orderby", "search"].contains(&name) && (list || name == "expand"),
            };
            if !supported {
                return Some(error(
                    x,
                    400,
                    "BadRequest",
                    &format!("Query option '${name}' is not supported by this endpoint."),
                ));
            }
        }
        None
    }

    /// The `$select` of the request, validated against the type; `Err` is the 400 answer.
    fn select(&self, x: &Incoming<'_>, type_name: &str) -> Result<Option<Selection>, Reply> {
        let Some(select) = x.query.selection() else { return Ok(None) };
        let model = &self.store.model;
        let known = model.member_names(type_name);
        if let Some(unknown) = select.names.iter().find(|i| *i != "*" && !known.contains(*i)) {
            return Err(error(
                x,
                400,
                "BadRequest",
                &format!(
                    "Parsing OData Select and Expand failed: Could not find a property named '{unknown}' on type '{type_name}'."
                ),
            ));
        }
        Ok(Some(select))
    }

    /// The `$expand` items, validated: each a navigation property of its type, nested items of
    /// their navigation's target.
    fn expand(&self, x: &Incoming<'_>, type_name: &str) -> Result<Vec<Expansion>, Reply> {
        let Some(raw) = x.query.option("expand") else { return Ok(Vec::new()) };
        let mut items = super::query::expansions(raw);
        self.check_expand(x, type_name, &mut items)?;
        Ok(items)
    }

    fn check_expand(&self, x: &Incoming<'_>, type_name: &str, items: &mut Vec<Expansion>) -> Result<(), Reply> {
        let navs = self.store.model.all_navigations(type_name);
        if items.iter().any(|i| i.name == "*") {
            *items =
                navs.iter().map(|n| Expansion { name: n.name.clone(), select: None, nested: Vec::new() }).collect();
            return Ok(());
        }
        for i in items.iter_mut() {
            let Some(n) = navs.iter().find(|n| n.name == i.name) else {
                return Err(error(
                    x,
                    400,
                    "BadRequest",
                    &format!(
                        "Parsing OData Select and Expand failed: Could not find a property named '{}' on type '{type_name}'.",
                        i.name
                    ),
                ));
            };
            self.check_expand(x, &n.target, &mut i.nested)?;
        }
        Ok(())
    }

    fn endpoint(&self, node: &str, entity: bool) -> Option<&Endpoint> {
        self.store.endpoints.get(node, entity)
    }

    /// The endpoint whose default navigations an entity read at `node` shows: its own, or, for a
    /// read by key no page documents, the list of the same collection's (its query options stay
    /// its own: `endpoint` is what `unsupported` judges).
    fn shown_like<'e>(&'e self, node: &str, own: Option<&'e Endpoint>) -> Option<&'e Endpoint> {
        own.or_else(|| self.endpoint(node, false))
    }

    fn item(&self, x: &Incoming<'_>, coll: &Address, key: &str, type_name: &str) -> Reply {
        let endpoint = self.endpoint(&coll.node, true);
        if let Some(bad) = self.unsupported(x, endpoint, false) {
            return bad;
        }
        let view = self.store.collection(coll, type_name, &x.sandbox);
        let Some(entity) = view.find(key) else { return not_found(x, key) };
        let actual = named(&entity).unwrap_or(type_name).to_string();
        self.entity_reply(x, self.shown_like(&coll.node, endpoint), &actual, &entity, Place::Item(coll, key))
    }

    /// A singleton or single-valued navigation. One that is not contained (`createdBy`, `subject`,
    /// `task`, `role/resource`) is the entity its parent shows inline or under `$expand`: read
    /// from the parent, so both answers always agree; a parent without one answers 404.
    fn single(&self, x: &Incoming<'_>, addr: &Address, type_name: &str, parent: Option<&Ancestor>) -> Reply {
        let endpoint = self.endpoint(&addr.node, true);
        if let Some(bad) = self.unsupported(x, endpoint, false) {
            return bad;
        }
        let entity = match parent.and_then(|p| self.below(p, addr, &x.sandbox)) {
            Some(found) => found,
            None => self.store.single(addr, type_name, &x.sandbox),
        };
        let Some(entity) = entity else {
            return error(x, 404, "itemNotFound", "The resource could not be found.");
        };
        self.entity_reply(x, self.shown_like(&addr.node, endpoint), type_name, &entity, Place::Single(addr))
    }

    /// The entity at `addr`, reached from the entity `p` through single-valued navigations: one
    /// outside the containment tree is what its parent shows inline, a contained one its own
    /// (`None` when `addr` is not below `p` that way; `Some(None)` when a step has no entity).
    fn below(&self, p: &Ancestor, addr: &Address, sandbox: &str) -> Option<Option<Map<String, Value>>> {
        let rest = addr.node.strip_prefix(&p.coll.node)?.strip_prefix('/')?;
        let mut parents = p.coll.parents.clone();
        parents.push(p.key.to_ascii_lowercase());
        if parents != addr.parents {
            return None;
        }
        let model = &self.store.model;
        let mut current = self.store.collection(&p.coll, &p.type_name, sandbox).find(&p.key);
        let mut type_name = p.type_name.clone();
        let mut node = p.coll.node.clone();
        for member in rest.split('/') {
            let nav = model.all_navigations(&type_name).into_iter().find(|n| n.name == member)?.clone();
            node = format!("{node}/{member}");
            current = if nav.contained {
                self.store.single(&Address { node: node.clone(), parents: addr.parents.clone() }, &nav.target, sandbox)
            } else {
                current.and_then(|row| row.get(member).and_then(Value::as_object).cloned())
            };
            type_name = nav.target;
        }
        Some(current)
    }

    /// One entity's answer: its `$select` and `$expand` checked against its type, the context of
    /// the request's path, the rendered entity.
    fn entity_reply(
        &self,
        x: &Incoming<'_>,
        endpoint: Option<&Endpoint>,
        type_name: &str,
        entity: &Map<String, Value>,
        place: Place<'_>,
    ) -> Reply {
        let (select, expand) = match (self.select(x, type_name), self.expand(x, type_name)) {
            (Ok(s), Ok(e)) => (s, e),
            (Err(r), _) | (_, Err(r)) => return r,
        };
        let context = self.context(x, select.as_ref());
        let render = self.render(x, select.as_ref(), &expand, endpoint);
        let mut body: Ordered = vec![("@odata.context".into(), json!(context))];
        body.extend(render.entity(type_name, entity, Some(place)));
        Reply::json(200, body)
    }

    fn render<'a>(
        &'a self,
        x: &'a Incoming<'_>,
        select: Option<&'a Selection>,
        expand: &'a [Expansion],
        endpoint: Option<&'a Endpoint>,
    ) -> Render<'a> {
        Render {
            store: &self.store,
            sandbox: &x.sandbox,
            root: &x.root,
            select,
            expand,
            defaults: endpoint.map(|e| &e.default_navigations),
            prefer_unknown_enum_members: x.prefer_unknown_enum_members,
        }
    }

    /// The context of the entity or list the request reads.
    fn context(&self, x: &Incoming<'_>, select: Option<&Selection>) -> String {
        match self.store.model.resolve(&x.path) {
            Ok(r) => super::context::of_read(&x.root, &r, select.and_then(Selection::narrows)),
            Err(_) => format!("{}/$metadata", x.root),
        }
    }

    fn list(&self, x: &Incoming<'_>, coll: &Address, type_name: &str) -> Reply {
        self.list_in(x, coll, type_name, None)
    }

    /// A function bound to a collection that returns entities of the collection's type
    /// (`accessPackages/filterByCurrentUser(on='allowedRequestor')`): the collection's entities,
    /// with the list's query options, named `Collection(<type>)`. Which of them the function would
    /// keep is the tenant's business (the signed-in user's); this server has no user, and keeps
    /// them all.
    fn subset(
        &self,
        x: &Incoming<'_>,
        target: &Location,
        operation: &crate::metadata::Operation,
        args: &[(String, String)],
    ) -> Option<Reply> {
        let Location::Collection { coll, type_name } = target else { return None };
        let ret = operation.returns.as_ref().filter(|r| r.collection)?;
        let model = &self.store.model;
        if !model.structured(&ret.type_name).is_some_and(|s| s.entity) || !model.is_a(type_name, &ret.type_name) {
            return None;
        }
        if let Some((status, code, message)) = super::functions::missing_parameter(operation, args) {
            return Some(error(x, status, code, &message));
        }
        let context = super::context::of_type(&x.root, &ret.type_name, true);
        Some(self.list_in(x, coll, type_name, Some(context)))
    }

    fn list_in(&self, x: &Incoming<'_>, coll: &Address, type_name: &str, context: Option<String>) -> Reply {
        let endpoint = self.endpoint(&coll.node, false);
        if let Some(bad) = self.unsupported(x, endpoint, true) {
            return bad;
        }
        let (select, expand) = match (self.select(x, type_name), self.expand(x, type_name)) {
            (Ok(s), Ok(e)) => (s, e),
            (Err(r), _) | (_, Err(r)) => return r,
        };
        let (offset, limit) = match self.paging(x) {
            Ok(p) => p,
            Err(r) => return r,
        };
        let view = self.store.collection(coll, type_name, &x.sandbox);
        let filtered = ["filter", "orderby", "search"].iter().any(|o| x.query.option(o).is_some());
        let (rows, total): (Vec<Map<String, Value>>, usize) = if filtered {
            match self.filtered_page(x, type_name, &view, offset, limit) {
                Ok(p) => p,
                Err(r) => return r,
            }
        } else {
            (view.page(offset, limit), view.len())
        };
        let context = context.unwrap_or_else(|| self.context(x, select.as_ref()));
        let render = self.render(x, select.as_ref(), &expand, endpoint);
        let items: Vec<Value> = rows
            .iter()
            .map(|e| {
                let key = super::data::key_of(&self.store.model, type_name, e).unwrap_or_default();
                let actual = named(e).unwrap_or(type_name);
                Value::Object(render.entity(actual, e, Some(Place::Item(coll, &key))).into_iter().collect())
            })
            .collect();
        let mut body: Ordered = vec![("@odata.context".into(), json!(context)), ("@odata.count".into(), json!(total))];
        let next = offset + limit;
        body.push(("value".into(), Value::Array(items)));
        if next < total && !rows.is_empty() {
            body.push(("@odata.nextLink".into(), json!(next_link(x, next))));
        }
        Reply::json(200, body)
    }

    /// One page of a list under `$filter`, `$search` and `$orderby`, and how many rows match. The
    /// rows stream past one at a time: memory holds the page (and, to sort, each match's ordering
    /// values and position), whatever the collection's size.
    fn filtered_page(
        &self,
        x: &Incoming<'_>,
        type_name: &str,
        view: &super::store::View<'_>,
        offset: usize,
        limit: usize,
    ) -> Result<(Vec<Map<String, Value>>, usize), Reply> {
        let model = &self.store.model;
        let known = model.member_names(type_name);
        let filter = match x.query.option("filter") {
            Some(f) => {
                let expr = super::filter::parse(f)
                    .map_err(|e| error(x, 400, "BadRequest", &format!("Invalid filter clause: {e}.")))?;
                let mut props = Vec::new();
                super::filter::properties(&expr, &mut props);
                if let Some(p) = props.iter().find(|p| !known.contains(*p)) {
                    return Err(error(
                        x,
                        400,
                        "BadRequest",
                        &format!("Invalid filter clause: Could not find a property named '{p}' on type '{type_name}'."),
                    ));
                }
                Some(expr)
            }
            None => None,
        };
        let term = x.query.option("search").map(|s| s.trim_matches('"').to_ascii_lowercase());
        let keys = match x.query.option("orderby") {
            Some(o) => {
                let keys = super::filter::parse_orderby(o)
                    .map_err(|e| error(x, 400, "BadRequest", &format!("Invalid orderby clause: {e}.")))?;
                if let Some((p, _)) = keys.iter().find(|(p, _)| !p.first().is_some_and(|f| known.contains(f))) {
                    return Err(error(
                        x,
                        400,
                        "BadRequest",
                        &format!(
                            "Invalid orderby clause: Could not find a property named '{}' on type '{type_name}'.",
                            p.join("/")
                        ),
                    ));
                }
                Some(keys)
            }
            None => None,
        };
        let fits = |r: &Map<String, Value>| {
            filter.as_ref().is_none_or(|e| super::filter::matches(e, r))
                && term.as_ref().is_none_or(|t| {
                    ["displayName", "description"]
                        .iter()
                        .any(|k| r.get(*k).and_then(Value::as_str).is_some_and(|v| v.to_ascii_lowercase().contains(t)))
                })
        };
        // Each row is judged on the properties the query reads; the page's rows are read whole.
        let mut needed: std::collections::BTreeSet<String> = std::collections::BTreeSet::new();
        if let Some(e) = &filter {
            let mut props = Vec::new();
            super::filter::properties(e, &mut props);
            needed.extend(props.into_iter().map(|p| p.to_string()));
        }
        if term.is_some() {
            needed.extend(["displayName".to_string(), "description".to_string()]);
        }
        needed.extend(keys.iter().flatten().filter_map(|(p, _)| p.first().cloned()));
        let mut total = 0;
        let mut page = Vec::new();
        // To sort: the first offset + limit matches in order so far (each with its ordering
        // properties and position), trimmed as it doubles; then the page is read again.
        let keep = offset.saturating_add(limit);
        let mut order: Vec<(Map<String, Value>, usize)> = Vec::new();
        let by = |a: &(Map<String, Value>, usize), b: &(Map<String, Value>, usize), keys: &[(Vec<String>, bool)]| {
            super::filter::order(&a.0, &b.0, keys).then(a.1.cmp(&b.1))
        };
        for i in 0..view.len() {
            let Some(row) = view.row_only(i, &needed).filter(|r| fits(r)) else { continue };
            match &keys {
                Some(keys) => {
                    let own: Map<String, Value> = keys
                        .iter()
                        .filter_map(|(p, _)| p.first())
                        .filter_map(|p| row.get(p).map(|v| (p.clone(), v.clone())))
                        .collect();
                    order.push((own, i));
                    if order.len() >= keep.saturating_mul(2).max(1024) {
                        order.sort_by(|a, b| by(a, b, keys));
                        order.truncate(keep);
                    }
                }
                None if total >= offset && page.len() < limit => page.extend(view.row(i)),
                None => {}
            }
            total += 1;
        }
        if let Some(keys) = &keys {
            order.sort_by(|a, b| by(a, b, keys));
            page = order.iter().skip(offset).take(limit).filter_map(|(_, i)| view.row(*i)).collect();
        }
        Ok((page, total))
    }

    fn paging(&self, x: &Incoming<'_>) -> Result<(usize, usize), Reply> {
        let offset = match x.query.option("skiptoken") {
            Some(t) => t
                .parse::<usize>()
                .map_err(|_| error(x, 400, "BadRequest", "The $skiptoken is not one this server issued."))?,
            None => 0,
        };
        let limit = match x.query.top() {
            Some(Ok(n)) if n > 0 => n.min(999),
            Some(_) => {
                return Err(error(
                    x,
                    400,
                    "BadRequest",
                    "Invalid value for $top: it must be an integer between 1 and 999.",
                ));
            }
            None => self.page_size,
        };
        Ok((offset, limit))
    }

    fn count(&self, x: &Incoming<'_>, coll: &Address) -> Reply {
        let type_name = self.store.data.rows(coll).map(|r| r.type_name.clone()).unwrap_or_default();
        let n = self.store.collection(coll, &type_name, &x.sandbox).len();
        Reply::text(200, &n.to_string())
    }

    fn function(
        &self,
        x: &Incoming<'_>,
        target: &Location,
        operation: &crate::metadata::Operation,
        args: &[(String, String)],
    ) -> Reply {
        match super::functions::call(&self.store, &x.sandbox, target, operation, args) {
            Ok(value) => {
                let ret = operation.returns.as_ref();
                let type_name = ret.map(|r| r.type_name.clone()).unwrap_or_default();
                let context = super::context::of_type(&x.root, &type_name, ret.is_some_and(|r| r.collection));
                let mut body: Ordered = vec![("@odata.context".into(), json!(context))];
                let value = match value {
                    v if x.prefer_unknown_enum_members => v,
                    // A collection's rows, each a value of the returned type.
                    Value::Object(mut o) if ret.is_some_and(|r| r.collection) => {
                        if let Some(rows) = o.get_mut("value") {
                            *rows = super::render::map_value(&self.store.model, &type_name, rows);
                        }
                        Value::Object(o)
                    }
                    v => super::render::map_value(&self.store.model, &type_name, &v),
                };
                match value {
                    Value::Object(o) => body.extend(o),
                    other => body.push(("value".into(), other)),
                }
                Reply::json(200, body)
            }
            Err((status, code, message)) => error(x, status, code, &message),
        }
    }
}

/// The type an entity names in `@odata.type`.
fn named(e: &Map<String, Value>) -> Option<&str> {
    e.get("@odata.type").and_then(Value::as_str).map(|t| t.trim_start_matches('#'))
}

fn finish_headers(x: &Incoming<'_>, reply: &mut Reply) {
    reply.set_header("OData-Version", "4.0");
    reply.set_header("request-id", &x.request_id);
    reply.set_header("client-request-id", &x.client_request_id);
    reply.set_header("Cache-Control", "no-cache");
    if x.prefer_unknown_enum_members && reply.status < 300 {
        reply.set_header("Preference-Applied", "include-unknown-enum-members");
    }
}

/// The next page's URL: the same query with a new `$skiptoken`.
pub fn next_link(x: &Incoming<'_>, offset: usize) -> String {
    let mut query: Vec<String> = x
        .raw_query
        .split('&')
        .filter(|p| !p.is_empty())
        .filter(|p| {
            let k = crate::odata::path::decode(p.split('=').next().unwrap_or(""));
            !k.trim_start_matches('$').eq_ignore_ascii_case("skiptoken")
        })
        .map(str::to_string)
        .collect();
    query.push(format!("$skiptoken={offset}"));
    format!("{}{}?{}", x.root, x.path.trim_end_matches('/'), query.join("&"))
}

/// Graph's error body with `innerError` {date, request-id, client-request-id}.
pub fn error(x: &Incoming<'_>, status: u16, code: &str, message: &str) -> Reply {
    error_with_ids(status, code, message, &x.request_id, &x.client_request_id)
}

/// Graph's error body for a request known only by its ids (also what the transport refuses before
/// a request is read: 400, 413, 431).
pub fn error_with_ids(status: u16, code: &str, message: &str, request_id: &str, client_request_id: &str) -> Reply {
    let date = jiff::Timestamp::now().strftime("%Y-%m-%dT%H:%M:%S").to_string();
    Reply::json(
        status,
        vec![(
            "error".into(),
            json!({
                "code": code,
                "message": message,
                "innerError": { "date": date, "request-id": request_id, "client-request-id": client_request_id }
            }),
        )],
    )
}

pub fn not_found(x: &Incoming<'_>, id: &str) -> Reply {
    error(x, 404, "itemNotFound", &format!("The resource '{}' could not be found.", crate::report::term::clip(id, 100)))
}
