//! Derived cases: generated per endpoint of a suite from the model and the documented examples,
//! never written by hand one by one. An endpoint is a path template of the suite read with GET
//! (one page may document several, such as a list under a workflow and under a run). Names are
//! `derived::<case>` for a suite with one endpoint, `derived::<example>::<case>` otherwise.
//!
//! | case | endpoints | request | expected |
//! |---|---|---|---|
//! | `select_<p>` | entity, list | `$select=<p>` for each structural property `p` | 200, exactly `p` (+ control information, + the key) in the entity or each row |
//! | `select_<nav>` | entity | `$select=<nav>` for each single-valued navigation the endpoint returns by default | 200, the navigation |
//! | `select_all_structural` | entity, list | every structural property | 200, all of them |
//! | `select_star` | entity | `$select=*` | 200, the full entity |
//! | `select_without_dollar` | entity, list | beta's `select=` | as `$select` |
//! | `select_percent_encoded` | entity, list | `%24select=` (what Kiota SDKs send) | as `$select` |
//! | `select_duplicate` | entity | a property twice | duplicates collapse |
//! | `select_unknown_property` | entity, list | a property the type lacks | 400, Graph's error body |
//! | `top_1` | list | `$top=1` | 200, at most one row |
//! | `count` | list | `$count=true` | 200, `@odata.count` at least the rows on the page, equal when there is no next page |
//! | `paging` | list | `$top=2`, then every `@odata.nextLink` | the pages end, stay in the collection, never repeat a row |
//! | `unknown_<param>` | all | each key replaced by an unknown value of its type | 404, Graph's error body |
//! | `malformed_<last param>` | entity | a key that is not of its type | 400 or 404 (Graph's choice is undocumented) |
//! | `no_authorization`, `empty_bearer_token` | all | no token | 401, Graph's error body |
//! | `expand_<nav>` | entity | `$expand=<nav>` for its first single-valued and first collection-valued navigation not returned by default | 200 with the navigation inline (and nothing else expanded, at any depth), or 400 where a server refuses that `$expand`; documented values compared |
//! | `filter_<p>` | list whose page supports `$filter` | `$filter=<p> eq '<v>'`: its first enum property with the first documented row's value (else the key) | 200 with only rows that satisfy it, or 400 where a server refuses filtering on `p` |
//! | `sdk_encoded_parameters` | function calls with arguments | each argument percent-encoded as a URI-template expander sends it (`2020-01-01T00%3A00%3A00Z`) | as the documented call |
//! | `encoded_delimiters` | function calls with arguments | the call's `(`, `,` and `)` percent-encoded (`%28`, `%2C`, `%29`), as the OData ABNF allows | as the documented call |
//! | `<example>::without_prefer` / `::with_prefer` | entity, list (types with evolvable enums) | the example read whole, without and with `Prefer: include-unknown-enum-members` | 200; evolvable members only with the header |
//!
//! Documented values are compared (under the reference profile) only where the source example shows
//! them; everything else is checked by shape and semantics.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{Map, Value};

use super::load::LoadedCase;
use super::suite::SuiteConfig;
use super::{AuthMode, Case, StatusSpec, ValueCheck};
use crate::metadata::resolve::{Shape, StepKind};
use crate::odata::path::fill_like;
use crate::schema::{Navigation, SchemaSet};

/// An id no tenant has: the nil GUID's neighbour, easy to spot in logs.
pub const UNKNOWN_ID: &str = "00000000-0000-0000-0000-0000000000ff";
/// An integer key no tenant has.
pub const UNKNOWN_NUMBER: &str = "987654321";
/// A key that is not a GUID (nor a number).
pub const MALFORMED_ID: &str = "not-a-guid";
/// Graph's Prefer preference for evolvable enum members.
pub const PREFER_UNKNOWN_ENUM_MEMBERS: &str = "include-unknown-enum-members";
/// Rows per page of the derived paging walk.
pub const PAGING_TOP: usize = 2;

/// The derived cases of a suite.
pub fn derive(
    suite: &str,
    config: Option<&SuiteConfig>,
    cases: &[LoadedCase],
    schemas: &SchemaSet,
    config_file: &str,
) -> Vec<Case> {
    if config.is_some_and(|c| !c.derive) {
        return Vec::new();
    }
    let ready: Vec<&Case> = cases
        .iter()
        .filter_map(|c| match c {
            LoadedCase::Ready(c) => Some(c.as_ref()),
            LoadedCase::Broken(_) => None,
        })
        .filter(|c| c.unresolved.is_none() && c.path_template.is_some())
        .collect();
    // Endpoints: GET examples with a successful JSON answer, grouped by template.
    let mut endpoints: BTreeMap<String, Vec<&Case>> = BTreeMap::new();
    for c in &ready {
        let reads = c.request.method.eq_ignore_ascii_case("GET") && c.expect.status.is_success();
        if reads && c.resource_type.is_some() {
            endpoints.entry(c.path_template.clone().unwrap_or_default()).or_default().push(c);
        }
    }
    let single = endpoints.len() == 1;
    let mut out = Vec::new();
    for examples in endpoints.values() {
        // The richest example: one without a query (it documents the most values).
        let Some(base) = examples.iter().find(|c| c.request.query.is_none()).or(examples.first()).copied() else {
            continue;
        };
        // A read of the metadata's with no entity to read: only discovery can send it, and its
        // variations would only repeat its reason for not running.
        if base.unfilled {
            continue;
        }
        let prefix = if single { "derived::".to_string() } else { format!("derived::{}::", base.name) };
        let d = Deriver { suite, base, config_file, prefix, schemas };
        out.extend(d.cases(examples));
    }
    // Writes and actions: only the authorization cases (the embedded server keeps their effects per case).
    for c in ready.iter().filter(|c| c.is_mutating()) {
        let d = Deriver { suite, base: c, config_file, prefix: format!("derived::{}::", c.name), schemas };
        out.extend(d.auth_cases());
    }
    out
}

struct Deriver<'a> {
    suite: &'a str,
    base: &'a Case,
    config_file: &'a str,
    prefix: String,
    schemas: &'a SchemaSet,
}

impl Deriver<'_> {
    fn cases(&self, examples: &[&Case]) -> Vec<Case> {
        let base = self.base;
        let type_name = base.resource_type.clone().unwrap_or_default();
        let shape = base.shape().cloned();
        let list = matches!(shape, Some(Shape::Collection(_)));
        let entity = matches!(shape, Some(Shape::Entity(_)));
        let keyed = base.resolved.as_deref().is_some_and(|r| r.is_keyed_entity());
        let props = self.schemas.properties(&type_name);
        let structural: Vec<&str> = props.iter().filter(|p| p.is_structural()).map(|p| p.name.as_str()).collect();
        let mut out = Vec::new();
        // A type without structural properties (a container of navigations) has nothing to select.
        if (entity || list) && !structural.is_empty() {
            for p in &structural {
                out.push(self.select(&format!("select_{p}"), &format!("$select={p}"), &[p], list));
            }
            if entity {
                let single_navs: Vec<&str> = props
                    .iter()
                    .filter(|p| p.navigation == Some(Navigation::Single) && base.default_navigations.contains(&p.name))
                    .map(|p| p.name.as_str())
                    .collect();
                for p in &single_navs {
                    out.push(self.select(&format!("select_{p}"), &format!("$select={p}"), &[p], false));
                }
            }
            out.push(self.select(
                "select_all_structural",
                &format!("$select={}", structural.join(",")),
                &structural,
                list,
            ));
            let mixed: Vec<&str> = structural.iter().take(2).copied().collect();
            out.push(self.select("select_without_dollar", &format!("select={}", mixed.join(",")), &mixed, list));
            out.push(self.select("select_percent_encoded", &format!("%24select={}", mixed.join(",")), &mixed, list));
            if entity {
                let mut star = self.select("select_star", "$select=*", &[], false);
                let mut body = base.expect.body.clone();
                // `*` selects the structural properties: what the example expanded is not expected.
                if let Some(Value::Object(b)) = body.as_mut() {
                    b.retain(|k, _| {
                        !props.iter().any(|p| {
                            &p.name == k && p.navigation.is_some() && !base.default_navigations.contains(&p.name)
                        })
                    });
                }
                Arc::make_mut(&mut star.expect).body = body;
                Arc::make_mut(&mut star.expect).truncated = true;
                strip_context(&mut star);
                out.push(star);
                if let Some(first) = structural.first() {
                    let second = structural.get(1).unwrap_or(first);
                    let mut dup = self.select(
                        "select_duplicate",
                        &format!("$select={first},{second},{first}"),
                        &[first, second],
                        false,
                    );
                    Arc::make_mut(&mut dup.notes).push(
                        "duplicates in $select collapse: the answer and the context's select list name each property once"
                            .into(),
                    );
                    out.push(dup);
                }
            }
            let mut unknown = self.error_case(
                "select_unknown_property",
                StatusSpec::One(400),
                "a $select of an unknown property is a 400 with Graph's error body",
            );
            unknown.set_query(Some(format!("$select={},doesNotExist", structural.first().unwrap_or(&"id"))));
            out.push(unknown);
        }
        if list {
            out.extend(self.filter_case(props));
            out.push(self.list_case("top_1", "$top=1", "$top=1: at most one row"));
            out.push(self.list_case(
                "count",
                "$count=true",
                "$count=true: @odata.count is at least the number of rows on the page, and equal when there is no next page",
            ));
            let mut paging = self.list_case(
                "paging",
                &format!("$top={PAGING_TOP}"),
                "the pages, followed through @odata.nextLink, end, stay in the collection and never repeat a row",
            );
            paging.walk = true;
            out.push(paging);
        }
        if entity {
            out.extend(self.expand_cases(props));
        }
        out.extend(self.encoded_calls());
        out.extend(self.key_cases(keyed));
        out.extend(self.auth_cases());
        if (entity || list) && self.has_evolvable_enums(&type_name) {
            for example in examples.iter().filter(|e| e.expand().is_empty()) {
                out.extend(self.prefer_cases(example));
            }
        }
        out
    }

    /// `$filter=<p> eq '<v>'` on a list whose page says it supports `$filter`: `p` its first enum
    /// property (else the key), `v` the first documented row's value (rule `query.filter`).
    fn filter_case(&self, props: &[crate::schema::PropertyInfo]) -> Option<Case> {
        let base = self.base;
        if !base.query_options.iter().any(|o| o.trim_start_matches('$').eq_ignore_ascii_case("filter")) {
            return None;
        }
        let row = base.expect.body.as_ref()?.get("value")?.as_array()?.first()?.as_object()?;
        let model = self.schemas.model();
        let enum_prop = props.iter().find(|p| {
            p.is_structural() && model.enum_type(&p.edm).is_some() && row.get(&p.name).is_some_and(Value::is_string)
        });
        let p = enum_prop.or_else(|| props.iter().find(|p| p.key && row.get(&p.name).is_some_and(Value::is_string)))?;
        let value = row.get(&p.name)?.as_str()?.split(',').next()?.trim().replace('\'', "''");
        let query = format!("$filter={} eq '{value}'", p.name);
        let mut c = self.list_case(
            &format!("filter_{}", p.name),
            &query,
            "$filter: every row satisfies it; a server may refuse filtering on this property with 400",
        );
        Arc::make_mut(&mut c.expect).status = StatusSpec::AnyOf(vec![200, 400]);
        Some(c)
    }

    /// `$expand` of one single-valued and one collection-valued navigation the endpoint does not
    /// return by default: the navigation must come back inline (rule `navigation.expanded`).
    fn expand_cases(&self, props: &[crate::schema::PropertyInfo]) -> Vec<Case> {
        let base = self.base;
        let pick = |kind: Navigation| {
            props.iter().find(|p| p.navigation == Some(kind) && !base.default_navigations.contains(&p.name))
        };
        [pick(Navigation::Single), pick(Navigation::Collection)]
            .into_iter()
            .flatten()
            .map(|p| {
                let query = format!("$expand={}", p.name);
                let mut c = self.new_case(&format!("expand_{}", p.name), &query);
                c.set_query(Some(query));
                let e = Arc::make_mut(&mut c.expect);
                e.status = StatusSpec::AnyOf(vec![200, 400]);
                e.truncated = true;
                // What the example expanded itself is not asked for here.
                if let Some(Value::Object(b)) = e.body.as_mut() {
                    b.retain(|k, _| {
                        !props.iter().any(|q| {
                            &q.name == k && q.navigation.is_some() && !base.default_navigations.contains(&q.name)
                        })
                    });
                }
                strip_context(&mut c);
                Arc::make_mut(&mut c.notes).push(format!(
                    "$expand={}: the navigation comes back inline, and nothing else is expanded at any depth; a server may refuse this $expand with 400 (Graph supports $expand per endpoint)",
                    p.name
                ));
                c
            })
            .collect()
    }

    /// A documented function call sent as clients built on URI templates send it: the arguments'
    /// values percent-encoded (RFC 6570 simple expansion keeps only unreserved characters), and
    /// the call's delimiters encoded. Both mean the documented call, so both expect its answer.
    fn encoded_calls(&self) -> Vec<Case> {
        let base = self.base;
        let has_args = base.resolved.as_deref().is_some_and(
            |r| matches!(r.steps.last().map(|s| &s.kind), Some(StepKind::Operation { args, .. }) if !args.is_empty()),
        );
        let path = base.request.path.as_str();
        let (Some(slash), true) = (path.rfind('/'), has_args) else { return Vec::new() };
        let (head, call) = path.split_at(slash + 1);
        let (Some(open), true) = (call.find('('), call.ends_with(')')) else { return Vec::new() };
        let (name, args) = (&call[..open], &call[open + 1..call.len() - 1]);
        let encoded: Vec<String> = crate::metadata::resolve::parse_args(args)
            .iter()
            .map(|(k, v)| {
                let v = crate::odata::path::decode(v);
                match v.strip_prefix('\'').and_then(|x| x.strip_suffix('\'')) {
                    Some(inner) => format!("{k}='{}'", expand_simple(inner)),
                    None => format!("{k}={}", expand_simple(&v)),
                }
            })
            .collect();
        let variants = [
            ("sdk_encoded_parameters", format!("{head}{name}({})", encoded.join(",")), "arguments percent-encoded"),
            (
                "encoded_delimiters",
                format!("{head}{name}%28{}%29", args.replace(',', "%2C")),
                "%28, %2C and %29 for ( , )",
            ),
        ];
        variants
            .into_iter()
            .map(|(case, path, what)| {
                let mut c = self.new_case(case, what);
                c.set_query(base.request.query.clone());
                c.request.path = path;
                Arc::make_mut(&mut c.notes).push(format!(
                    "the documented call with {what}: the OData ABNF allows it and URI-template clients send it, so the answer is the documented one"
                ));
                c
            })
            .collect()
    }

    /// The path's keys replaced by unknown values (404), and the last one by a malformed value.
    fn key_cases(&self, keyed: bool) -> Vec<Case> {
        let mut out = Vec::new();
        let Some(r) = self.base.resolved.as_deref() else { return out };
        let keys: Vec<(String, String)> = r
            .keys()
            .filter_map(|(_, s)| match &s.kind {
                StepKind::Key { param: Some(p), edm, .. } => Some((p.clone(), edm.clone())),
                _ => None,
            })
            .collect();
        for (param, edm) in &keys {
            let mut c = self.error_case(
                &format!("unknown_{param}"),
                StatusSpec::One(404),
                "an unknown id is a 404 with Graph's error body",
            );
            let unknown = if edm.starts_with("Edm.Int") { UNKNOWN_NUMBER } else { UNKNOWN_ID };
            self.pin(&mut c, param, unknown);
            out.push(c);
        }
        if keyed && let Some((last, _)) = keys.last() {
            let mut c = self.error_case(
                &format!("malformed_{last}"),
                StatusSpec::AnyOf(vec![400, 404]),
                "accepts 400 or 404: Graph's answer to a malformed id is not documented",
            );
            self.pin(&mut c, last, MALFORMED_ID);
            out.push(c);
        }
        out
    }

    /// No token, and an empty one: 401.
    fn auth_cases(&self) -> Vec<Case> {
        let mut no_auth = self.error_case(
            "no_authorization",
            StatusSpec::One(401),
            "no Authorization header is a 401 with Graph's error body",
        );
        no_auth.auth = AuthMode::None;
        let mut empty = self.error_case(
            "empty_bearer_token",
            StatusSpec::One(401),
            "an empty bearer token is a 401 with Graph's error body",
        );
        empty.auth = AuthMode::EmptyBearer;
        vec![no_auth, empty]
    }

    fn prefer_cases(&self, example: &Case) -> Vec<Case> {
        let mut out = Vec::new();
        for prefer in [false, true] {
            let mut c = example.clone();
            c.name = format!("derived::{}::{}", example.name, if prefer { "with_prefer" } else { "without_prefer" });
            Arc::make_mut(&mut c.origin).derived = Some(format!(
                "{} (from {}, {} Prefer: {PREFER_UNKNOWN_ENUM_MEMBERS})",
                self.config_file,
                example.name,
                if prefer { "with" } else { "without" }
            ));
            Arc::make_mut(&mut c.origin).file = None;
            // The whole entity, so every enum-typed property is in the answer; the example's own
            // context (perhaps with its select list) no longer applies and is checked by rule.
            c.set_query(None);
            Arc::make_mut(&mut c.expect).truncated = true;
            Arc::make_mut(&mut c.expect).headers.clear();
            strip_context(&mut c);
            if c.collection {
                // Which rows a page holds is the server's business; the rows' values are not compared.
                c.values = ValueCheck::Off;
            }
            if prefer {
                c.request.headers.insert("Prefer".into(), PREFER_UNKNOWN_ENUM_MEMBERS.into());
                Arc::make_mut(&mut c.notes).push(
                    "evolvable enum members (after unknownFutureValue) are allowed: the request asked for them".into(),
                );
            } else {
                Arc::make_mut(&mut c.notes).push(
                    "evolvable enum members (after unknownFutureValue) must come back as unknownFutureValue".into(),
                );
            }
            out.push(c);
        }
        out
    }

    fn has_evolvable_enums(&self, type_name: &str) -> bool {
        let model = self.schemas.model();
        model.all_properties(type_name).iter().any(|p| {
            model.enum_type(&p.type_name).is_some_and(|e| {
                e.members
                    .iter()
                    .position(|m| m.name == crate::schema::transform::UNKNOWN_FUTURE_VALUE)
                    .is_some_and(|i| i + 1 < e.members.len())
            })
        })
    }

    fn new_case(&self, name: &str, what: &str) -> Case {
        let mut c = self.base.clone();
        c.suite = self.suite.to_string();
        c.name = format!("{}{name}", self.prefix);
        Arc::make_mut(&mut c.origin).file = None;
        Arc::make_mut(&mut c.origin).derived = Some(format!("{} (from {}: {what})", self.config_file, self.base.name));
        c.set_query(None);
        c.request.headers.clear();
        c.request.body = None;
        Arc::make_mut(&mut c.expect).headers.clear();
        Arc::make_mut(&mut c.notes).clear();
        c
    }

    /// A 200 read with `query`, expecting exactly `selected`; for an entity, documented values of
    /// those properties are compared.
    fn select(&self, name: &str, query: &str, selected: &[&str], list: bool) -> Case {
        let mut c = self.new_case(name, query);
        c.set_query(Some(query.to_string()));
        if list {
            // Which rows come back is the server's; the select rule checks every row.
            Arc::make_mut(&mut c.expect).body = None;
            c.values = ValueCheck::Off;
        } else {
            let documented: Map<String, Value> = self
                .base
                .expect
                .body
                .as_ref()
                .and_then(Value::as_object)
                .map(|b| {
                    b.iter()
                        .filter(|(k, _)| selected.contains(&k.as_str()))
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect()
                })
                .unwrap_or_default();
            Arc::make_mut(&mut c.expect).body = Some(Value::Object(documented));
        }
        Arc::make_mut(&mut c.expect).truncated = true;
        c
    }

    /// A read of the list with `query`; rows are not compared with the example.
    fn list_case(&self, name: &str, query: &str, note: &str) -> Case {
        let mut c = self.new_case(name, query);
        c.set_query(Some(query.to_string()));
        Arc::make_mut(&mut c.expect).body = None;
        c.values = ValueCheck::Off;
        Arc::make_mut(&mut c.notes).push(note.to_string());
        c
    }

    fn error_case(&self, name: &str, status: StatusSpec, note: &str) -> Case {
        let mut c = self.new_case(name, note);
        let e = Arc::make_mut(&mut c.expect);
        e.status = status;
        e.body = None;
        e.truncated = false;
        e.expect_error = true;
        e.is_empty = false;
        c.needs_entity = false;
        c.values = ValueCheck::Off;
        Arc::make_mut(&mut c.notes).push(note.to_string());
        c
    }

    /// Sets one path parameter on purpose and rebuilds the path.
    fn pin(&self, c: &mut Case, param: &str, value: &str) {
        c.path_params.insert(param.to_string(), value.to_string());
        c.pinned_params.insert(param.to_string());
        if let Some(t) = c.path_template.as_deref()
            && let Ok(path) = fill_like(t, &c.request.path, |p| c.path_params.get(p).map(String::as_str))
        {
            c.request.path = path;
        }
    }
}

/// A value as RFC 6570 simple expansion writes it: unreserved characters kept, every other byte
/// percent-encoded (`:` → `%3A`, `+` → `%2B`).
fn expand_simple(value: &str) -> String {
    const KEEP: &percent_encoding::AsciiSet =
        &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');
    percent_encoding::utf8_percent_encode(value, KEEP).to_string()
}

/// Removes the documented `@odata.context` when the derived request differs from the example's
/// (`$select=*`, a read without the example's `$select`): the context rule checks the answer's
/// context against the request itself.
fn strip_context(c: &mut Case) {
    if let Some(Value::Object(b)) = Arc::make_mut(&mut c.expect).body.as_mut() {
        b.remove("@odata.context");
    }
}
