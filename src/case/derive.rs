//! Derived cases: generated from the suite's schema and its documented entities, never written by
//! hand one by one. For a suite whose configuration sets `"derive": true`:
//!
//! | name | request | expected |
//! |---|---|---|
//! | `derived::select_<p>` | `$select=<p>` for each structural property `p` | 200, exactly `p` (+ control information) |
//! | `derived::select_subject` | `$select=subject` | 200, `subject` with its `id` |
//! | `derived::select_all_structural` | every structural property | 200, all of them |
//! | `derived::select_star` | `$select=*` | 200, the full entity; the context's select list is not checked |
//! | `derived::select_without_dollar` | beta's `select=` | as `$select` |
//! | `derived::select_percent_encoded` | `%24select=` (what Kiota SDKs send) | as `$select` |
//! | `derived::select_duplicate` | a property twice | duplicates collapse |
//! | `derived::select_unknown_property` | a property the type lacks | 400, Graph's error body |
//! | `derived::unknown_<param>` | each id replaced by an unknown GUID | 404, Graph's error body |
//! | `derived::malformed_<last param>` | `not-a-guid` as the entity id | 400 or 404 (Graph's choice is undocumented) |
//! | `derived::no_authorization`, `derived::empty_bearer_token` | no token | 401, Graph's error body |
//! | `derived::<example>::without_prefer` / `::with_prefer` | each documented entity, read whole, without and with `Prefer: include-unknown-enum-members` | 200; evolvable members only with the header |
//!
//! Documented values are compared (under the reference profile) only where the source example shows
//! them; everything else is checked by shape and semantics.

use std::sync::Arc;

use serde_json::{Map, Value};

use super::load::LoadedCase;
use super::suite::SuiteConfig;
use super::{AuthMode, Case, StatusSpec, ValueCheck};
use crate::odata::path::{fill_template, match_template, template_param};
use crate::odata::{QueryOptions, Select};
use crate::schema::{Navigation, SchemaSet};

/// An id no tenant has: the nil GUID's neighbour, easy to spot in logs.
pub const UNKNOWN_ID: &str = "00000000-0000-0000-0000-0000000000ff";
/// A key that is not a GUID.
pub const MALFORMED_ID: &str = "not-a-guid";
/// Graph's Prefer preference for evolvable enum members.
pub const PREFER_UNKNOWN_ENUM_MEMBERS: &str = "include-unknown-enum-members";

/// The derived cases of a suite (empty unless its configuration asks for them and an example reads the entity).
pub fn derive(
    suite: &str,
    config: &SuiteConfig,
    cases: &[LoadedCase],
    schemas: &SchemaSet,
    config_file: &str,
) -> Vec<Case> {
    if !config.derive {
        return Vec::new();
    }
    let examples: Vec<&Case> = cases
        .iter()
        .filter_map(|c| match c {
            LoadedCase::Ready(c) => Some(c.as_ref()),
            LoadedCase::Broken(_) => None,
        })
        .filter(|c| {
            c.request.method.eq_ignore_ascii_case("GET")
                && c.expect.status.accepts(200)
                && c.expect.body.as_ref().is_some_and(Value::is_object)
                && match_template(&config.entity_path, &c.request.path).is_some()
        })
        .collect();
    // The richest example: one without $select (it documents the most values).
    let Some(base) = examples.iter().find(|c| query_select(c).is_none()).or(examples.first()).copied() else {
        return Vec::new();
    };
    let props = schemas.properties(&config.resource);
    let structural: Vec<&str> = props.iter().filter(|p| p.is_structural()).map(|p| p.name.as_str()).collect();
    let single_navs: Vec<&str> =
        props.iter().filter(|p| p.navigation == Some(Navigation::Single)).map(|p| p.name.as_str()).collect();
    let d = Deriver { suite, config, base, config_file };
    let mut out = Vec::new();

    for p in &structural {
        out.push(d.select(&format!("select_{p}"), &format!("$select={p}"), &[p]));
    }
    for p in &single_navs {
        out.push(d.select(&format!("select_{p}"), &format!("$select={p}"), &[p]));
    }
    out.push(d.select("select_all_structural", &format!("$select={}", structural.join(",")), &structural));
    let mut star = d.select("select_star", "$select=*", &[]);
    Arc::make_mut(&mut star.expect).body = base.expect.body.clone();
    Arc::make_mut(&mut star.expect).truncated = base.expect.truncated;
    strip_context(&mut star);
    out.push(star);
    let mixed: Vec<&str> = structural.iter().take(2).chain(single_navs.iter().take(1)).copied().collect();
    out.push(d.select("select_without_dollar", &format!("select={}", mixed.join(",")), &mixed));
    out.push(d.select("select_percent_encoded", &format!("%24select={}", mixed.join(",")), &mixed));
    if let Some(first) = structural.first() {
        let second = structural.get(1).unwrap_or(first);
        let mut dup = d.select("select_duplicate", &format!("$select={first},{second},{first}"), &[first, second]);
        Arc::make_mut(&mut dup.notes).push(
            "duplicates in $select collapse: the answer and the context's select list name each property once".into(),
        );
        out.push(dup);
    }

    let mut unknown = d.error_case(
        "select_unknown_property",
        StatusSpec::One(400),
        "a $select of an unknown property is a 400 with Graph's error body",
    );
    unknown.set_query(Some(format!("$select={},doesNotExist", structural.first().unwrap_or(&"id"))));
    out.push(unknown);

    let params: Vec<String> = config.entity_path.split('/').filter_map(template_param).map(str::to_string).collect();
    for param in &params {
        let mut c = d.error_case(
            &format!("unknown_{param}"),
            StatusSpec::One(404),
            "an unknown id is a 404 with Graph's error body",
        );
        d.pin(&mut c, param, UNKNOWN_ID);
        out.push(c);
    }
    if let Some(last) = params.last() {
        let mut c = d.error_case(
            &format!("malformed_{last}"),
            StatusSpec::AnyOf(vec![400, 404]),
            "accepts 400 or 404: Graph's answer to a malformed id is not documented",
        );
        d.pin(&mut c, last, MALFORMED_ID);
        out.push(c);
    }
    let mut no_auth = d.error_case(
        "no_authorization",
        StatusSpec::One(401),
        "no Authorization header is a 401 with Graph's error body",
    );
    no_auth.auth = AuthMode::None;
    out.push(no_auth);
    let mut empty = d.error_case(
        "empty_bearer_token",
        StatusSpec::One(401),
        "an empty bearer token is a 401 with Graph's error body",
    );
    empty.auth = AuthMode::EmptyBearer;
    out.push(empty);

    for example in &examples {
        for prefer in [false, true] {
            let mut c = (*example).clone();
            c.name = format!("derived::{}::{}", example.name, if prefer { "with_prefer" } else { "without_prefer" });
            Arc::make_mut(&mut c.origin).derived = Some(format!(
                "{} (from {}, {} Prefer: {PREFER_UNKNOWN_ENUM_MEMBERS})",
                config_file,
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
    }
    out
}

struct Deriver<'a> {
    suite: &'a str,
    config: &'a SuiteConfig,
    base: &'a Case,
    config_file: &'a str,
}

impl Deriver<'_> {
    fn new_case(&self, name: &str, what: &str) -> Case {
        let mut c = self.base.clone();
        c.suite = self.suite.to_string();
        c.name = format!("derived::{name}");
        Arc::make_mut(&mut c.origin).file = None;
        Arc::make_mut(&mut c.origin).derived = Some(format!("{} (from {}: {what})", self.config_file, self.base.name));
        c.set_query(None);
        c.request.headers.clear();
        Arc::make_mut(&mut c.expect).headers.clear();
        c.path_template = Some(self.config.entity_path.clone());
        Arc::make_mut(&mut c.notes).clear();
        c
    }

    /// A 200 read with `query`, expecting exactly `selected`; documented values of those properties are compared.
    fn select(&self, name: &str, query: &str, selected: &[&str]) -> Case {
        let mut c = self.new_case(name, query);
        c.set_query(Some(query.to_string()));
        let documented: Map<String, Value> = self
            .base
            .expect
            .body
            .as_ref()
            .and_then(Value::as_object)
            .map(|b| {
                b.iter().filter(|(k, _)| selected.contains(&k.as_str())).map(|(k, v)| (k.clone(), v.clone())).collect()
            })
            .unwrap_or_default();
        Arc::make_mut(&mut c.expect).body = Some(Value::Object(documented));
        Arc::make_mut(&mut c.expect).truncated = true;
        c
    }

    fn error_case(&self, name: &str, status: StatusSpec, note: &str) -> Case {
        let mut c = self.new_case(name, note);
        Arc::make_mut(&mut c.expect).status = status;
        Arc::make_mut(&mut c.expect).body = None;
        Arc::make_mut(&mut c.expect).truncated = false;
        Arc::make_mut(&mut c.expect).expect_error = true;
        c.needs_entity = false;
        c.values = ValueCheck::Off;
        Arc::make_mut(&mut c.notes).push(note.to_string());
        c
    }

    /// Sets one path parameter on purpose and rebuilds the path.
    fn pin(&self, c: &mut Case, param: &str, value: &str) {
        c.path_params.insert(param.to_string(), value.to_string());
        c.pinned_params.insert(param.to_string());
        if let Ok(path) = fill_template(&self.config.entity_path, &c.path_params) {
            c.request.path = path;
        }
    }
}

fn query_select(c: &Case) -> Option<Select> {
    c.request.query.as_deref().and_then(|q| QueryOptions::parse(q).select())
}

/// Removes the documented `@odata.context` when the derived request differs from the example's
/// (`$select=*`, a read without the example's `$select`): the context rule checks the answer's
/// context against the request itself.
fn strip_context(c: &mut Case) {
    if let Some(Value::Object(b)) = Arc::make_mut(&mut c.expect).body.as_mut() {
        b.remove("@odata.context");
    }
}
