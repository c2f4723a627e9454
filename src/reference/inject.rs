//! The fault layer: one catalogued [`Fault`] applied to the faithful server's work, from outside.
//! A fault may rewrite the request before the server sees it (ignore `$select`, accept a missing
//! token), answer in its place (reject a duplicated `$select`), or change the correct answer
//! (values, control information, headers, paging). The server itself has no fault branches.

use std::borrow::Cow;

use bytes::Bytes;
use serde_json::{Value, json};

use super::fault_values as fv;
use super::faults::Fault;
use super::query::{Query, Selection};
use super::reply::{Body, Ordered, Reply, get, remove, set};
use super::responder::ReferenceServer;

/// The reference server with (or without) faults, applied in order.
#[derive(Clone)]
pub struct Faulty {
    pub server: ReferenceServer,
    pub faults: Vec<Fault>,
    /// The servers of the other API versions (`serve` answers `/beta` and `/v1.0`), with the same fault.
    pub siblings: Vec<ReferenceServer>,
    /// How long a client may take to send a request's head (the standalone server).
    pub header_timeout: std::time::Duration,
}

impl Faulty {
    /// The answer to `request`, with the fault applied, from the server of the request's version.
    pub fn reply(&self, request: &http::Request<Bytes>) -> Reply {
        if let Some(other) = self.for_version(request) {
            return other.reply(request);
        }
        if self.faults.is_empty() {
            return self.server.reply(request);
        }
        let mut request = Cow::Borrowed(request);
        for fault in &self.faults {
            request = Cow::Owned(self.rewrite(*fault, &request).into_owned());
        }
        for fault in &self.faults {
            if let Some(r) = self.instead(*fault, &request) {
                return r;
            }
        }
        let mut reply = self.server.reply(&request);
        if self.faults.contains(&Fault::UnknownIdReturns200)
            && reply.status == 404
            && request.method() == http::Method::GET
            && let Some(other) = self.another_entity(&request)
        {
            reply = other;
        }
        for fault in &self.faults {
            change(*fault, &request, &mut reply, &self.server);
        }
        reply
    }

    /// The sibling whose version the request's path starts with, when it is not this server's.
    fn for_version(&self, request: &http::Request<Bytes>) -> Option<Faulty> {
        if self.siblings.is_empty() {
            return None;
        }
        let version = request.uri().path().trim_start_matches('/').split('/').next()?;
        if version.eq_ignore_ascii_case(&self.server.store.version) {
            return None;
        }
        let server = self.siblings.iter().find(|s| s.store.version.eq_ignore_ascii_case(version))?;
        Some(Faulty {
            server: server.clone(),
            faults: self.faults.clone(),
            siblings: Vec::new(),
            header_timeout: self.header_timeout,
        })
    }

    /// Request rewrites: what the faulty server does not read.
    fn rewrite<'a>(&self, fault: Fault, request: &'a http::Request<Bytes>) -> Cow<'a, http::Request<Bytes>> {
        let query = request.uri().query().unwrap_or("");
        let keep = |pred: &dyn Fn(&str, &str) -> bool| -> String {
            query
                .split('&')
                .filter(|p| !p.is_empty())
                .filter(|p| {
                    let (k, v) = p.split_once('=').unwrap_or((p, ""));
                    pred(&crate::odata::path::decode(k), v)
                })
                .collect::<Vec<_>>()
                .join("&")
        };
        let new_query = match fault {
            Fault::IgnoreSelect => Some(keep(&|k, _| !k.trim_start_matches('$').eq_ignore_ascii_case("select"))),
            Fault::DollarlessSelectIgnored => Some(keep(&|k, _| !k.eq_ignore_ascii_case("select"))),
            Fault::TopIgnored => Some(keep(&|k, _| !k.trim_start_matches('$').eq_ignore_ascii_case("top"))),
            Fault::FilterIgnored => Some(keep(&|k, _| !k.trim_start_matches('$').eq_ignore_ascii_case("filter"))),
            Fault::ExpandIgnored => Some(keep(&|k, _| !k.trim_start_matches('$').eq_ignore_ascii_case("expand"))),
            Fault::UnknownSelectAccepted => Some(self.known_select_only(request, query)),
            _ => None,
        };
        let mut out = match new_query {
            Some(q) => with_query(request, &q),
            None => Cow::Borrowed(request),
        };
        match fault {
            Fault::NoAuthRequired => {
                out.to_mut()
                    .headers_mut()
                    .insert(http::header::AUTHORIZATION, http::HeaderValue::from_static("Bearer faulty"));
            }
            Fault::LeakEvolvableEnum => {
                out.to_mut()
                    .headers_mut()
                    .insert("prefer", http::HeaderValue::from_static("include-unknown-enum-members"));
            }
            _ => {}
        }
        out
    }

    /// The `$select` without the names the type lacks.
    fn known_select_only(&self, request: &http::Request<Bytes>, query: &str) -> String {
        let path = request.uri().path().trim_start_matches('/');
        let rest = path.split_once('/').map(|(_, r)| r).unwrap_or("");
        let model = &self.server.store.model;
        let Some(t) = model.resolve(rest).ok().and_then(|r| r.entity_type().map(str::to_string)) else {
            return query.to_string();
        };
        let known: Vec<String> = model
            .all_properties(&t)
            .iter()
            .map(|p| p.name.clone())
            .chain(model.all_navigations(&t).iter().map(|n| n.name.clone()))
            .collect();
        query
            .split('&')
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                if crate::odata::path::decode(k).trim_start_matches('$').eq_ignore_ascii_case("select") {
                    let items: Vec<&str> = v.split(',').filter(|i| *i == "*" || known.iter().any(|n| n == i)).collect();
                    format!("{k}={}", items.join(","))
                } else {
                    p.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join("&")
    }

    /// Answers the faulty server gives instead of the faithful one's.
    fn instead(&self, fault: Fault, request: &http::Request<Bytes>) -> Option<Reply> {
        if fault == Fault::DuplicateSelectRejected {
            let q = Query::read(request.uri().query().unwrap_or(""));
            let raw = q.option("select")?;
            let given = raw.split(',').map(str::trim).filter(|s| !s.is_empty()).count();
            if given > Selection::read(raw).names.len() {
                let mut r = self.server.reply(request);
                r.status = 400;
                r.body = Some(Body::Object(vec![(
                    "error".into(),
                    json!({"code": "BadRequest", "message": "Duplicate property in $select."}),
                )]));
                return Some(r);
            }
        }
        None
    }

    /// For an unknown id: the first entity of the same collection, read by key.
    fn another_entity(&self, request: &http::Request<Bytes>) -> Option<Reply> {
        let uri = request.uri();
        let path = uri.path().trim_end_matches('/');
        let (collection, _) = path.rsplit_once('/')?;
        let list = with_uri(
            request,
            &format!("{}://{}{collection}?$top=1", uri.scheme_str().unwrap_or("http"), uri.authority()?),
        );
        let answer = self.server.reply(&list);
        let first = answer
            .object()
            .and_then(|o| get(o, "value"))
            .and_then(Value::as_array)?
            .first()?
            .get("id")?
            .as_str()?
            .to_string();
        let entity = with_uri(
            request,
            &format!("{}://{}{collection}/{first}", uri.scheme_str().unwrap_or("http"), uri.authority()?),
        );
        let r = self.server.reply(&entity);
        (r.status == 200).then_some(r)
    }
}

fn with_uri(request: &http::Request<Bytes>, uri: &str) -> http::Request<Bytes> {
    let mut r = http::Request::new(request.body().clone());
    *r.method_mut() = request.method().clone();
    *r.headers_mut() = request.headers().clone();
    *r.uri_mut() = uri.parse().unwrap_or_else(|_| request.uri().clone());
    r
}

fn with_query<'a>(request: &http::Request<Bytes>, query: &str) -> Cow<'a, http::Request<Bytes>> {
    let uri = request.uri();
    let base = format!(
        "{}://{}{}",
        uri.scheme_str().unwrap_or("http"),
        uri.authority().map(|a| a.as_str()).unwrap_or("127.0.0.1"),
        uri.path()
    );
    let full = if query.is_empty() { base } else { format!("{base}?{query}") };
    Cow::Owned(with_uri(request, &full))
}

/// What the request asked for, as far as the answer-changing faults care.
struct Asked {
    select: Option<Selection>,
    plain: bool,
}

/// Changes to the faithful answer.
fn change(fault: Fault, request: &http::Request<Bytes>, reply: &mut Reply, server: &ReferenceServer) {
    let q = Query::read(request.uri().query().unwrap_or(""));
    let asked = Asked { select: q.selection().filter(|s| !s.all), plain: q.names().next().is_none() };
    headers(fault, reply);
    if reply.status >= 400 {
        errors(fault, request, reply, server);
        return;
    }
    if fault == Fault::Status201 {
        reply.status = 201;
    }
    let Some(body) = reply.object_mut() else { return };
    let context = get(body, "@odata.context").and_then(Value::as_str).unwrap_or("").to_string();
    let is_list = get(body, "value").is_some_and(Value::is_array);
    if context.ends_with("/$entity") {
        entity(fault, body, &asked, server, request);
        if fault == Fault::Stall && asked.plain {
            reply.delay = Some(std::time::Duration::from_secs(3600));
        }
    } else if is_list {
        list(fault, body, request);
        if fault == Fault::DanglingReference {
            let t = type_read(server, request).unwrap_or_default();
            let properties = server.store.reference_properties(&t);
            if let Some(Value::Array(rows)) = body.iter_mut().find(|(k, _)| k == "value").map(|(_, v)| v) {
                for row in rows.iter_mut().filter_map(Value::as_object_mut) {
                    for p in &properties {
                        if row.contains_key(*p) {
                            row.insert(p.to_string(), json!(super::ids::derived_guid(p, 0xdead)));
                        }
                    }
                }
            }
        }
    } else if context.contains("$metadata#microsoft.graph") {
        summary(fault, body, request);
    }
}

fn headers(fault: Fault, reply: &mut Reply) {
    match fault {
        Fault::WrongContentType if reply.status < 300 && reply.body.is_some() => {
            reply.set_header("Content-Type", "text/plain; charset=utf-8")
        }
        Fault::NoRequestId => reply.remove_header("request-id"),
        Fault::ClientRequestIdNotEchoed => reply.set_header("client-request-id", &crate::request_id::fresh()),
        Fault::ODataVersion3 => reply.set_header("OData-Version", "3.0"),
        Fault::LeakEvolvableEnum => reply.remove_header("Preference-Applied"),
        _ => {}
    }
}

fn errors(fault: Fault, request: &http::Request<Bytes>, reply: &mut Reply, server: &ReferenceServer) {
    match fault {
        Fault::PlainText404 if reply.status == 404 => {
            reply.body = Some(Body::Raw { text: "Not Found".into(), content_type: "text/plain".into() });
            reply.remove_header("Content-Type");
        }
        Fault::ErrorWithoutCode => {
            if let Some(body) = reply.object_mut()
                && let Some(Value::Object(err)) = body.iter_mut().find(|(k, _)| k == "error").map(|(_, v)| v)
            {
                err.remove("code");
            }
        }
        Fault::UnknownKeyServerError if reply.status == 404 => {
            // The unknown id is the path's first key when the message names it.
            // The path after its version segment (`/beta/…`), as the model resolves it.
            let path = request.uri().path().trim_start_matches('/');
            let path = format!("/{}", path.split_once('/').map_or("", |(_, rest)| rest));
            let first = server.store.model.resolve(&path).ok().and_then(|r| {
                r.keys().find_map(|(_, s)| match &s.kind {
                    crate::metadata::resolve::StepKind::Key { value: Some(v), .. } => Some(v.clone()),
                    _ => None,
                })
            });
            let named = reply
                .object()
                .and_then(|o| get(o, "error"))
                .and_then(|e| e.get("message"))
                .and_then(Value::as_str)
                .zip(first)
                .is_some_and(|(m, key)| !key.is_empty() && m.contains(&format!("'{key}'")));
            if named {
                reply.status = 500;
                reply.body = Some(Body::Object(vec![(
                    "error".into(),
                    json!({"code": "generalException", "message": "An unexpected error occurred."}),
                )]));
            }
        }
        _ => {}
    }
}

fn entity(fault: Fault, body: &mut Ordered, asked: &Asked, server: &ReferenceServer, request: &http::Request<Bytes>) {
    let full = asked.select.is_none();
    let model = &server.store.model;
    let t = type_read(server, request).unwrap_or_default();
    // The first property of the answer's type that fits the fault (keys left out).
    let pick = |b: &Ordered, fits: &dyn Fn(&crate::metadata::Property) -> bool| {
        fv::pick(model, &t, b, fits).map(|p| p.name.clone())
    };
    match fault {
        Fault::ExtraUnselectedProperty if !full => {
            let selected = asked.select.as_ref().map(|s| s.names.clone()).unwrap_or_default();
            if let Some(p) = model
                .all_properties(&t)
                .into_iter()
                .find(|p| !selected.contains(&p.name) && !model.key_of(&t).contains(&p.name))
            {
                set(body, &p.name, super::fake::property_value(model, p, "extra", 0));
            }
        }
        Fault::SelectDropsSelected if !full => {
            let selected = asked.select.as_ref().map(|s| s.names.clone()).unwrap_or_default();
            if let Some(k) = pick(body, &|p| selected.contains(&p.name)) {
                remove(body, &k);
            }
        }
        Fault::ContextMissing => remove(body, "@odata.context"),
        Fault::ContextWithoutSelect | Fault::ContextWrongRoot | Fault::ContextWrongKey | Fault::ContextNotEntity => {
            let context = get(body, "@odata.context").and_then(Value::as_str).unwrap_or("").to_string();
            set(body, "@odata.context", json!(broken_context(fault, &context)));
        }
        Fault::EnumWrongCase => {
            if let Some(k) = pick(body, &|p| fv::is_enum(model, p))
                && let Some(s) = get(body, &k).and_then(Value::as_str)
            {
                let mut c = s.chars();
                let upper: String = c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default();
                set(body, &k, json!(upper));
            }
        }
        Fault::DateWithoutOffset => {
            let dated = |p: &crate::metadata::Property| !p.collection && p.type_name == "Edm.DateTimeOffset";
            if let Some(k) = pick(body, &dated)
                && let Some(s) = get(body, &k).and_then(Value::as_str)
            {
                let bare = s.trim_end_matches('Z').to_string();
                set(body, &k, json!(bare));
            }
        }
        Fault::NullNonNullable => {
            if let Some(k) = pick(body, &|p| !p.nullable) {
                set(body, &k, Value::Null);
            }
        }
        Fault::CountAsString => {
            if let Some(k) = pick(body, &fv::is_integer)
                && let Some(n) = get(body, &k).and_then(Value::as_i64)
            {
                set(body, &k, json!(n.to_string()));
            }
        }
        Fault::Int32Overflow => {
            if let Some(k) = pick(body, &|p| !p.collection && p.type_name == "Edm.Int32") {
                set(body, &k, json!(2_147_483_648_i64));
            }
        }
        Fault::MissingRequiredProperty if full => {
            if let Some(k) = pick(body, &|p| !p.nullable) {
                remove(body, &k);
            }
        }
        Fault::UndocumentedProperty if full => set(body, "graphConformanceUndeclared", json!("reference")),
        Fault::WrongODataType => {
            body.insert(1.min(body.len()), ("@odata.type".into(), json!("#microsoft.graph.user")));
        }
        Fault::NavigationLeak if full => {
            if let Some(n) =
                model.all_navigations(&t).into_iter().find(|n| n.collection && get(body, &n.name).is_none())
            {
                set(body, &n.name, json!([]));
            }
        }
        Fault::NegativeCount => {
            if let Some(k) = pick(body, &|p| fv::is_integer(p) && fv::is_count_name(&p.name)) {
                set(body, &k, json!(-1));
            }
        }
        Fault::FailedExceedsTotal => {
            if let Some((_, total, part)) = fv::total_with_part(body, &["failed"]) {
                set(body, &part, json!(total + 1));
            }
        }
        Fault::UnprocessedExceedsTotal => {
            if let Some((_, total, part)) = fv::total_with_part(body, &["totalUnprocessed", "unprocessed"]) {
                set(body, &part, json!(total + 1));
            }
        }
        Fault::StartedAfterCompleted => {
            if let Some((start, _, end)) = fv::period(body) {
                let later = fv::format_time(end + jiff::SignedDuration::from_secs(60));
                set(body, &start, json!(later));
            }
        }
        Fault::IdMismatch => {
            if let Some(id) = get(body, "id").and_then(Value::as_str) {
                let other = super::ids::derived_guid(id, 0x1d);
                set(body, "id", json!(other));
            }
        }
        Fault::ValueDrift => {
            // A total grows (its parts stay within it, so only the value check sees it); else any
            // integer; else a plain string gains a suffix (not a declared reference: breaking one
            // is `dangling-reference`).
            // Never a declared total (one that counts a navigation's rows): changing it breaks
            // `invariant.total-counts-rows` too, which is `total-drifts`.
            let declared = server.store.total_properties(&t);
            let free = |p: &crate::metadata::Property| fv::is_integer(p) && !declared.contains(&p.name.as_str());
            let total = pick(body, &|p| free(p) && p.name.starts_with("total"));
            let references = server.store.reference_properties(&t);
            if let Some(k) = total.or_else(|| pick(body, &free))
                && let Some(n) = get(body, &k).and_then(Value::as_i64)
            {
                set(body, &k, json!(n + 1));
            } else if let Some(k) =
                pick(body, &|p| !p.collection && p.type_name == "Edm.String" && !references.contains(&p.name.as_str()))
                && let Some(s) = get(body, &k).and_then(Value::as_str)
            {
                let drifted = format!("{s} (drifted)");
                set(body, &k, json!(drifted));
            }
        }
        Fault::NavigationDiffers if reads_a_reference(server, request) => {
            if let Some(id) = get(body, "id").and_then(Value::as_str) {
                let other = super::ids::derived_guid(id, 0xd1ff);
                set(body, "id", json!(other));
            }
        }
        Fault::TotalDrifts => {
            // One more than the navigation holds; the parts stay within it.
            for p in server.store.total_properties(&t) {
                if let Some(n) = get(body, p).and_then(Value::as_i64) {
                    set(body, p, json!(n + 1));
                }
            }
        }
        Fault::DanglingReference => {
            for p in server.store.reference_properties(&t) {
                if get(body, p).is_some() {
                    set(body, p, json!(super::ids::derived_guid(p, 0xdead)));
                }
            }
        }
        Fault::DeletedWithoutTime if in_bin(request) && get(body, super::writes::DELETED_AT).is_some() => {
            set(body, super::writes::DELETED_AT, Value::Null);
        }
        Fault::DuplicateKey if get(body, "id").is_some() => {
            // The faithful serializer writes one key per property; this one writes `id` twice.
            body.push(("id".into(), json!("a-second-id")));
        }
        _ => {}
    }
}

/// Whether the request reads Graph's recycle bin.
fn in_bin(request: &http::Request<Bytes>) -> bool {
    request.uri().path().split('/').any(|s| s == super::writes::BIN)
}

/// Whether the request reads a single-valued navigation outside the containment tree
/// (`workflows/{id}/createdBy`).
fn reads_a_reference(server: &ReferenceServer, request: &http::Request<Bytes>) -> bool {
    let path = request.uri().path().trim_start_matches('/');
    let Some((_, below_version)) = path.split_once('/') else { return false };
    let model = &server.store.model;
    let Ok(r) = model.resolve(below_version) else { return false };
    let n = r.steps.len();
    match (n.checked_sub(2).map(|i| &r.steps[i].kind), r.steps.last().map(|s| &s.kind)) {
        (
            Some(crate::metadata::resolve::StepKind::Key { type_name, .. }),
            Some(crate::metadata::resolve::StepKind::Member { name, collection: false, .. }),
        ) => model.all_navigations(type_name).iter().any(|nav| nav.name == *name && !nav.contained),
        _ => false,
    }
}

/// The entity type the request reads.
fn type_read(server: &ReferenceServer, request: &http::Request<Bytes>) -> Option<String> {
    let path = request.uri().path().trim_start_matches('/');
    let below_version = path.split_once('/').map(|(_, rest)| rest)?;
    let r = server.store.model.resolve(below_version).ok()?;
    r.entity_type().map(str::to_string)
}

/// The context as a faulty server writes it.
fn broken_context(fault: Fault, context: &str) -> String {
    match fault {
        Fault::ContextWrongRoot => match context.split_once("/$metadata#") {
            Some((_, frag)) => format!("https://graph.microsoft.com/beta/$metadata#{frag}"),
            None => context.to_string(),
        },
        Fault::ContextNotEntity => context.trim_end_matches("/$entity").to_string(),
        Fault::ContextWithoutSelect => {
            // The last segment's parentheses are its select list (its key is never written there).
            let (head, entity) = match context.strip_suffix("/$entity") {
                Some(h) => (h, "/$entity"),
                None => (context, ""),
            };
            let last = head.rfind('/').map_or(0, |i| i + 1);
            match head[last..].find('(') {
                Some(open) if head.ends_with(')') => format!("{}{entity}", &head[..last + open]),
                _ => context.to_string(),
            }
        }
        Fault::ContextWrongKey => {
            // The last key in the context takes the first key's place.
            let keys: Vec<(usize, usize)> = key_spans(context);
            match (keys.first(), keys.last()) {
                (Some(&(a0, a1)), Some(&(b0, b1))) if a0 != b0 => {
                    format!("{}{}{}", &context[..a0], &context[b0..b1], &context[a1..])
                }
                _ => context.to_string(),
            }
        }
        _ => context.to_string(),
    }
}

/// Byte spans of the `('…')` key literals of a context.
fn key_spans(context: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = context[from..].find("('") {
        let start = from + i;
        let Some(j) = context[start..].find("')") else { break };
        out.push((start, start + j + 2));
        from = start + j + 2;
    }
    out
}

fn list(fault: Fault, body: &mut Ordered, request: &http::Request<Bytes>) {
    match fault {
        Fault::DeletedWithoutTime if in_bin(request) => {
            if let Some(Value::Array(rows)) = body.iter_mut().find(|(k, _)| k == "value").map(|(_, v)| v) {
                for row in rows.iter_mut().filter_map(Value::as_object_mut) {
                    if row.contains_key(super::writes::DELETED_AT) {
                        row.insert(super::writes::DELETED_AT.into(), Value::Null);
                    }
                }
            }
        }
        Fault::ListContextEntity => {
            if let Some(c) = get(body, "@odata.context").and_then(Value::as_str) {
                let c = format!("{c}/$entity");
                set(body, "@odata.context", json!(c));
            }
        }
        Fault::CountWrong => {
            if let Some(n) = get(body, "@odata.count").and_then(Value::as_u64) {
                set(body, "@odata.count", json!(n + 5));
            }
        }
        Fault::PagingLoop if get(body, "@odata.nextLink").is_some() => {
            let uri = request.uri();
            let first = format!(
                "{}://{}{}",
                uri.scheme_str().unwrap_or("http"),
                uri.authority().map(|a| a.as_str()).unwrap_or(""),
                uri.path()
            );
            set(body, "@odata.nextLink", json!(first));
        }
        Fault::PagingTruncated => remove(body, "@odata.nextLink"),
        Fault::CrossLevelPaging => {
            if let Some(next) = get(body, "@odata.nextLink").and_then(Value::as_str)
                && let Some((path, query)) = next.split_once('?')
                && let Some((parent, _)) = path.rsplit_once('/')
            {
                let n = format!("{parent}?{query}");
                set(body, "@odata.nextLink", json!(n));
            }
        }
        Fault::EmptyId => {
            if let Some(Value::Array(rows)) = body.iter_mut().find(|(k, _)| k == "value").map(|(_, v)| v)
                && let Some(Value::Object(first)) = rows.first_mut()
                && first.contains_key("id")
            {
                first.insert("id".into(), json!(""));
            }
        }
        Fault::ListRowDiffers => {
            if let Some(Value::Array(rows)) = body.iter_mut().find(|(k, _)| k == "value").map(|(_, v)| v) {
                for row in rows.iter_mut().filter_map(Value::as_object_mut) {
                    // A total grows (its parts stay within it); else any integer; else a string.
                    let total = row.iter().find(|(k, v)| k.starts_with("total") && v.is_i64()).map(|(k, _)| k.clone());
                    let integer = || row.iter().find(|(_, v)| v.is_i64()).map(|(k, _)| k.clone());
                    if let Some(k) = total.or_else(integer) {
                        let n = row.get(&k).and_then(Value::as_i64).unwrap_or(0);
                        row.insert(k, json!(n + 1));
                    } else if let Some((k, v)) =
                        row.iter().find(|(k, v)| *k != "id" && !k.contains('@') && v.is_string())
                    {
                        let drifted = format!("{}-drift", v.as_str().unwrap_or_default());
                        let k = k.clone();
                        row.insert(k, json!(drifted));
                    }
                }
            }
        }
        _ => {}
    }
}

fn summary(fault: Fault, body: &mut Ordered, request: &http::Request<Bytes>) {
    match fault {
        Fault::SummaryOvercounts => {
            // Every total grows past what there is to count (its parts stay within it).
            let totals: Vec<String> =
                body.iter().filter(|(k, v)| k.starts_with("total") && v.is_i64()).map(|(k, _)| k.clone()).collect();
            for k in totals {
                if let Some(n) = get(body, &k).and_then(Value::as_i64) {
                    set(body, &k, json!(n + 1000));
                }
            }
        }
        Fault::SummaryArithmetic => {
            if let Some((_, total, part)) = fv::total_with_part(body, &["successful"]) {
                set(body, &part, json!(total + 1));
            }
        }
        Fault::SummaryContext => {
            if let Some(c) = get(body, "@odata.context").and_then(Value::as_str)
                && let Some((root, _)) = c.split_once("/$metadata#")
            {
                let path = request.uri().path().split_once('/').map(|(_, r)| r).unwrap_or("");
                let path = path.split_once('/').map(|(_, r)| r).unwrap_or(path);
                let c = format!("{root}/$metadata#{path}");
                set(body, "@odata.context", json!(c));
            }
        }
        _ => {}
    }
}
