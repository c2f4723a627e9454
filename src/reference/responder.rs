//! The reference implementation of the endpoint, as a wiremock [`Respond`]er: routing, auth,
//! `$select` projection, `@odata.context`, evolvable enums, paging and Graph's error bodies.

use std::collections::HashSet;
use std::sync::{Arc, RwLock};

use serde_json::{Map, Value, json};
use wiremock::{Request, Respond, ResponseTemplate};

use super::faults::Fault;
use super::fixtures::RESULT_TYPE;
use super::inject;
use super::reply::{Ordered, Reply};
use super::store::{Lookup, Store};
use crate::odata::{ContextUrl, QueryOptions, ResourcePath, Select};
use crate::schema::SchemaSet;

const RUN_TYPE: &str = "microsoft.graph.identityGovernance.run";
const WORKFLOW_TYPE: &str = "microsoft.graph.identityGovernance.workflow";
const WORKFLOWS: &str = "/identityGovernance/lifecycleWorkflows/workflows";

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
    pub schemas: Arc<SchemaSet>,
    pub fault: Option<Fault>,
    pub auth: AuthPolicy,
    /// Items per list page when the client sends no `$top`.
    pub page_size: usize,
}

/// What the responder knows about the request being answered.
pub struct Incoming<'a> {
    pub root: String,
    pub request_id: String,
    pub client_request_id: String,
    pub query: QueryOptions,
    pub prefer_unknown_enum_members: bool,
    pub request: &'a Request,
}

impl Respond for ReferenceServer {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        self.reply(request).into_template()
    }
}

impl ReferenceServer {
    /// The answer to `request`, before it becomes a wiremock template or a hyper response.
    pub fn reply(&self, request: &Request) -> Reply {
        let incoming = Incoming::new(request);
        let mut reply = self.handle(&incoming);
        self.finish_headers(&incoming, &mut reply);
        inject::on_reply(self.fault, &mut reply);
        reply
    }
}

impl<'a> Incoming<'a> {
    fn new(request: &'a Request) -> Self {
        let header = |name: &str| request.headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
        let host = header("host").unwrap_or_else(|| {
            format!(
                "{}:{}",
                request.url.host_str().unwrap_or("127.0.0.1"),
                request.url.port_or_known_default().unwrap_or(80)
            )
        });
        let request_id = uuid::Uuid::new_v4().to_string();
        let prefer = request
            .headers
            .get_all("prefer")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .any(|p| p.trim().eq_ignore_ascii_case("include-unknown-enum-members"));
        Incoming {
            root: format!("{}://{}/beta", request.url.scheme(), host),
            client_request_id: header("client-request-id").unwrap_or_else(|| request_id.clone()),
            request_id,
            query: QueryOptions::parse(request.url.query().unwrap_or("")),
            prefer_unknown_enum_members: prefer,
            request,
        }
    }
}

impl ReferenceServer {
    fn handle(&self, x: &Incoming<'_>) -> Reply {
        if self.fault != Some(Fault::NoAuthRequired)
            && let Some(denied) = self.authenticate(x)
        {
            return denied;
        }
        let segments: Vec<String> = x
            .request
            .url
            .path()
            .split('/')
            .filter(|s| !s.is_empty())
            .map(crate::odata::query::percent_decode)
            .collect();
        let Some((version, rest)) = segments.split_first() else {
            return error(x, 404, "itemNotFound", "The service root is /beta.");
        };
        if !version.eq_ignore_ascii_case("beta") {
            return error(x, 400, "BadRequest", &format!("Invalid version: {version}"));
        }
        let fixed = ["identityGovernance", "lifecycleWorkflows", "workflows"];
        for (i, want) in fixed.iter().enumerate() {
            match rest.get(i) {
                Some(s) if s.eq_ignore_ascii_case(want) => {}
                Some(s) => {
                    return error(x, 400, "BadRequest", &format!("Resource not found for the segment '{s}'."));
                }
                None => {
                    return error(
                        x,
                        400,
                        "BadRequest",
                        "Only /identityGovernance/lifecycleWorkflows/workflows is served by the graph-conformance reference server.",
                    );
                }
            }
        }
        let ids: Vec<&str> = rest[3..].iter().map(String::as_str).collect();
        if !matches!(x.request.method.as_str(), "GET" | "HEAD") {
            return error(
                x,
                405,
                "notAllowed",
                &format!("The HTTP method '{}' is not allowed on this resource.", x.request.method),
            );
        }
        if let Some(bad) = self.unsupported_option(x) {
            return bad;
        }
        match ids.as_slice() {
            [] => self.list_workflows(x),
            [w] => self.workflow(x, w),
            [w, runs] if runs.eq_ignore_ascii_case("runs") => self.list_runs(x, w),
            [w, runs, r] if runs.eq_ignore_ascii_case("runs") => self.run(x, w, r),
            [w, runs, r, upr]
                if runs.eq_ignore_ascii_case("runs") && upr.eq_ignore_ascii_case("userProcessingResults") =>
            {
                self.list_results(x, w, r)
            }
            [w, runs, r, upr, u]
                if runs.eq_ignore_ascii_case("runs") && upr.eq_ignore_ascii_case("userProcessingResults") =>
            {
                self.result(x, w, r, u)
            }
            _ => error(
                x,
                400,
                "BadRequest",
                &format!("Resource not found for the segment '{}'.", first_unknown_segment(&ids)),
            ),
        }
    }

    /// 401 unless a bearer token the policy accepts is present.
    fn authenticate(&self, x: &Incoming<'_>) -> Option<Reply> {
        let header = x.request.headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or("");
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

    /// 400 for system query options the fake does not implement, rather than silently ignoring them.
    fn unsupported_option(&self, x: &Incoming<'_>) -> Option<Reply> {
        for (k, _) in &x.query.pairs {
            let Some(name) = k.strip_prefix('$') else {
                continue;
            };
            match name.to_ascii_lowercase().as_str() {
                "select" | "top" | "skiptoken" | "count" => {}
                "filter" | "orderby" | "expand" | "search" | "skip" => {
                    return Some(error(
                        x,
                        400,
                        "notSupported",
                        &format!("The graph-conformance reference server does not implement ${name}."),
                    ));
                }
                _ => {
                    return Some(error(x, 400, "BadRequest", &format!("Query option '${name}' is not allowed.")));
                }
            }
        }
        None
    }

    /// The `$select` of the request, validated against the type; `Err` is the 400 answer.
    fn select(&self, x: &Incoming<'_>, type_name: &str) -> Result<Option<Select>, Reply> {
        let dollarless = x.query.pairs.iter().any(|(k, _)| k.eq_ignore_ascii_case("select"));
        if dollarless && self.fault == Some(Fault::DollarlessSelectIgnored) {
            return Ok(None);
        }
        let Some(raw) = x.query.system_option("select") else {
            return Ok(None);
        };
        let mut select = Select::parse(raw);
        let given = raw.split(',').map(str::trim).filter(|s| !s.is_empty()).count();
        if given > select.items.len() && self.fault == Some(Fault::DuplicateSelectRejected) {
            return Err(error(x, 400, "BadRequest", "Duplicate property in $select."));
        }
        let known: Vec<String> = self.schemas.properties(type_name).iter().map(|p| p.name.clone()).collect();
        if let Some(unknown) = select.items.iter().find(|i| *i != "*" && !known.contains(i)) {
            if self.fault == Some(Fault::UnknownSelectAccepted) {
                select.items.retain(|i| i == "*" || known.contains(i));
                return Ok(Some(select));
            }
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

    /// Orders, projects and enum-maps one entity of `type_name`.
    fn render(
        &self,
        x: &Incoming<'_>,
        type_name: &str,
        entity: &Map<String, Value>,
        select: Option<&Select>,
    ) -> Ordered {
        let declared = self.schemas.properties(type_name);
        let mut out: Ordered = Vec::new();
        match select.filter(|s| !s.star) {
            Some(s) => {
                for name in &s.items {
                    if let Some(v) = entity.get(name) {
                        out.push((name.clone(), v.clone()));
                    }
                }
            }
            None => {
                for p in declared
                    .iter()
                    .filter(|p| p.is_structural() || p.navigation == Some(crate::schema::Navigation::Single))
                {
                    if let Some(v) = entity.get(&p.name) {
                        out.push((p.name.clone(), v.clone()));
                    }
                }
                for (k, v) in entity.iter().filter(|(k, _)| !declared.iter().any(|p| &p.name == *k)) {
                    out.push((k.clone(), v.clone()));
                }
            }
        }
        if !x.prefer_unknown_enum_members && self.fault != Some(Fault::LeakEvolvableEnum) {
            for (k, v) in out.iter_mut() {
                let Some(members) = self.schemas.enum_members(type_name, k) else {
                    continue;
                };
                let Some(cut) = members.iter().position(|m| m == crate::schema::transform::UNKNOWN_FUTURE_VALUE) else {
                    continue;
                };
                if v.as_str().is_some_and(|s| members[cut + 1..].iter().any(|m| m == s)) {
                    *v = json!(crate::schema::transform::UNKNOWN_FUTURE_VALUE);
                }
            }
        }
        out
    }

    fn entity_reply(&self, x: &Incoming<'_>, type_name: &str, template: &str, entity: &Map<String, Value>) -> Reply {
        let select = match self.select(x, type_name) {
            Ok(s) => s,
            Err(reply) => return reply,
        };
        let rel = relative_path(x);
        let path = ResourcePath::parse(&rel, Some(template));
        let context = ContextUrl::expected(&x.root, &path, select.as_ref().filter(|s| !s.star));
        let projected = match self.fault {
            Some(Fault::IgnoreSelect) => None,
            _ => select.as_ref(),
        };
        let mut body: Ordered = vec![("@odata.context".into(), json!(context))];
        body.extend(self.render(x, type_name, entity, projected));
        let mut reply = Reply::json(200, body);
        inject::on_entity(self.fault, x, &mut reply, select.as_ref(), &path);
        reply
    }

    fn list_reply(&self, x: &Incoming<'_>, type_name: &str, template: &str, page: ListPage) -> Reply {
        let select = match self.select(x, type_name) {
            Ok(s) => s,
            Err(reply) => return reply,
        };
        let rel = relative_path(x);
        let path = ResourcePath::parse(&rel, Some(template));
        let context = ContextUrl::expected(&x.root, &path, select.as_ref().filter(|s| !s.star));
        let items: Vec<Value> = page
            .items
            .iter()
            .map(|e| {
                let mut o = self.render(x, type_name, e, select.as_ref());
                inject::on_list_row(self.fault, &mut o);
                Value::Object(o.into_iter().collect())
            })
            .collect();
        let mut body: Ordered =
            vec![("@odata.context".into(), json!(context)), ("@odata.count".into(), json!(page.total))];
        body.push(("value".into(), Value::Array(items)));
        if let Some(next) = page.next_offset {
            body.push(("@odata.nextLink".into(), json!(next_link(x, &rel, next))));
        }
        let mut reply = Reply::json(200, body);
        inject::on_list(self.fault, x, &mut reply, &rel, type_name == RESULT_TYPE);
        reply
    }

    fn paging(&self, x: &Incoming<'_>) -> Result<(usize, usize), Reply> {
        let offset = match x.query.system_option("skiptoken") {
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

    fn list_workflows(&self, x: &Incoming<'_>) -> Reply {
        let (offset, limit) = match self.paging(x) {
            Ok(p) => p,
            Err(r) => return r,
        };
        let total = self.store.workflow_count();
        let items = self.store.workflows(offset, limit);
        self.list_reply(x, WORKFLOW_TYPE, WORKFLOWS, ListPage::new(items, offset, total))
    }

    fn workflow(&self, x: &Incoming<'_>, w: &str) -> Reply {
        match self.store.workflow(w) {
            Some(e) => self.entity_reply(x, WORKFLOW_TYPE, &format!("{WORKFLOWS}/{{workflow_id}}"), &e),
            None => not_found(x, w),
        }
    }

    fn list_runs(&self, x: &Incoming<'_>, w: &str) -> Reply {
        let (offset, limit) = match self.paging(x) {
            Ok(p) => p,
            Err(r) => return r,
        };
        match self.store.runs(w) {
            Some(all) => {
                let total = all.len();
                let items = all.into_iter().skip(offset).take(limit).collect();
                self.list_reply(
                    x,
                    RUN_TYPE,
                    &format!("{WORKFLOWS}/{{workflow_id}}/runs"),
                    ListPage::new(items, offset, total),
                )
            }
            None => not_found(x, w),
        }
    }

    fn run(&self, x: &Incoming<'_>, w: &str, r: &str) -> Reply {
        match self.store.run(w, r) {
            Lookup::Found(e) => {
                self.entity_reply(x, RUN_TYPE, &format!("{WORKFLOWS}/{{workflow_id}}/runs/{{runId}}"), &e)
            }
            Lookup::NoWorkflow => not_found(x, w),
            _ => not_found(x, r),
        }
    }

    fn list_results(&self, x: &Incoming<'_>, w: &str, r: &str) -> Reply {
        let (offset, limit) = match self.paging(x) {
            Ok(p) => p,
            Err(reply) => return reply,
        };
        match self.store.results(w, r, offset, limit) {
            Lookup::Found((items, total)) => self.list_reply(
                x,
                RESULT_TYPE,
                &format!("{WORKFLOWS}/{{workflow_id}}/runs/{{runId}}/userProcessingResults"),
                ListPage::new(items, offset, total),
            ),
            Lookup::NoWorkflow => not_found(x, w),
            _ => not_found(x, r),
        }
    }

    fn result(&self, x: &Incoming<'_>, w: &str, r: &str, u: &str) -> Reply {
        let template =
            format!("{WORKFLOWS}/{{workflow_id}}/runs/{{runId}}/userProcessingResults/{{userProcessingResultId}}");
        match self.store.result(w, r, u) {
            Lookup::Found(e) => self.entity_reply(x, RESULT_TYPE, &template, &e),
            Lookup::NoWorkflow if self.fault == Some(Fault::UnknownWorkflowServerError) => {
                error(x, 500, "generalException", "An unexpected error occurred.")
            }
            Lookup::NoResult if self.fault == Some(Fault::UnknownIdReturns200) => {
                match self.store.results(w, r, 0, 1) {
                    Lookup::Found((items, _)) if !items.is_empty() => {
                        self.entity_reply(x, RESULT_TYPE, &template, &items[0])
                    }
                    _ => not_found(x, u),
                }
            }
            Lookup::NoWorkflow => not_found(x, w),
            Lookup::NoRun => not_found(x, r),
            Lookup::NoResult => not_found(x, u),
        }
    }

    fn finish_headers(&self, x: &Incoming<'_>, reply: &mut Reply) {
        reply.set_header("OData-Version", "4.0");
        reply.set_header("request-id", &x.request_id);
        reply.set_header("client-request-id", &x.client_request_id);
        reply.set_header("Cache-Control", "no-cache");
        if x.prefer_unknown_enum_members && reply.status < 300 {
            reply.set_header("Preference-Applied", "include-unknown-enum-members");
        }
    }
}

/// One page of a list.
pub struct ListPage {
    pub items: Vec<Map<String, Value>>,
    pub total: usize,
    pub next_offset: Option<usize>,
}

impl ListPage {
    fn new(items: Vec<Map<String, Value>>, offset: usize, total: usize) -> Self {
        let end = offset + items.len();
        ListPage { next_offset: (end < total && !items.is_empty()).then_some(end), items, total }
    }
}

/// The request path below `/beta`.
fn relative_path(x: &Incoming<'_>) -> String {
    let path = x.request.url.path();
    let rest = path.trim_start_matches('/');
    let rest = rest.split_once('/').map(|(_, r)| r).unwrap_or("");
    format!("/{}", rest.trim_end_matches('/'))
}

/// The next page's URL: the same query with a new `$skiptoken`.
pub fn next_link(x: &Incoming<'_>, rel: &str, offset: usize) -> String {
    let mut query: Vec<String> = x
        .request
        .url
        .query()
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
        .filter(|p| {
            let k = crate::odata::query::percent_decode(p.split('=').next().unwrap_or(""));
            !k.trim_start_matches('$').eq_ignore_ascii_case("skiptoken")
        })
        .map(str::to_string)
        .collect();
    query.push(format!("$skiptoken={offset}"));
    format!("{}{}?{}", x.root, rel, query.join("&"))
}

/// Graph's error body with `innerError` {date, request-id, client-request-id}.
pub fn error(x: &Incoming<'_>, status: u16, code: &str, message: &str) -> Reply {
    let date = jiff::Timestamp::now().strftime("%Y-%m-%dT%H:%M:%S").to_string();
    Reply::json(
        status,
        vec![(
            "error".into(),
            json!({
                "code": code,
                "message": message,
                "innerError": { "date": date, "request-id": x.request_id, "client-request-id": x.client_request_id }
            }),
        )],
    )
}

fn not_found(x: &Incoming<'_>, id: &str) -> Reply {
    error(x, 404, "itemNotFound", &format!("The resource '{id}' could not be found."))
}

/// The first segment after `workflows` that the grammar `{id}/runs/{id}/userProcessingResults/{id}` rejects.
fn first_unknown_segment<'a>(ids: &[&'a str]) -> &'a str {
    let names = [None, Some("runs"), None, Some("userProcessingResults"), None];
    for (i, seg) in ids.iter().enumerate() {
        match names.get(i) {
            Some(Some(name)) if !seg.eq_ignore_ascii_case(name) => return seg,
            Some(_) => {}
            None => return seg,
        }
    }
    ""
}
