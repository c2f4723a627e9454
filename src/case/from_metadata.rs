//! Cases for the GET paths of the tree that no page documents, derived from the metadata alone:
//! one read per path (a list, an entity by key, a single-valued navigation), from which
//! [`super::derive`] makes the rest (`$select` per property, `$top`, `$count`, paging, an unknown
//! key, no token). They form one suite, `metadata`, and say where they come from.
//!
//! Keys come from what the examples show (a documented list's rows, the keys in documented paths,
//! the contained entities an answer shows): on the embedded server those entities exist. A path
//! no example shows an entity for needs `--discover` (or `--param`) to find one on the target.
//! A function is called with arguments the metadata can choose (a date-time window, an enum's
//! first member); one with a string parameter is listed by the coverage view but not called.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;

use serde_json::Value;

use super::file::{CaseFile, DocSource, ExpectedResponse, RequestSpec, StatusSpec};
use super::load::{LoadedCase, Suite, case_from_file};
use super::tree::{PathKind, TreePath, signature, tree_paths};
use super::{Case, ValueCheck};
use crate::metadata::Model;
use crate::metadata::resolve::{Shape, StepKind};
use crate::schema::SchemaSet;

/// The suite's name (after the version prefix: `v1.0/metadata`).
pub const SUITE: &str = "metadata";
/// What each case says about where it comes from.
pub const ORIGIN: &str = "from the metadata: a GET path of the area's tree that no page documents";

/// The signatures the suites' own (documented) GET examples read.
pub fn documented(suites: &[Suite]) -> BTreeSet<String> {
    ready(suites)
        .filter(|c| c.origin.derived.is_none() && c.request.method.eq_ignore_ascii_case("GET"))
        .filter_map(|c| c.resolved.as_deref().map(signature))
        .collect()
}

fn ready(suites: &[Suite]) -> impl Iterator<Item = &Case> {
    suites.iter().flat_map(|s| s.cases.iter()).filter_map(|c| match c {
        LoadedCase::Ready(c) => Some(c.as_ref()),
        LoadedCase::Broken(_) => None,
    })
}

/// The `metadata` suite for `suites` over `model`; `source` is the model's file (what the cases
/// point at). `None` when every path of the tree is documented.
pub fn suite(suites: &[Suite], schemas: &SchemaSet, source: &Path) -> Option<Suite> {
    let model = schemas.model();
    let documented = documented(suites);
    let chains = known_chains(suites, model);
    let mut cases = Vec::new();
    for p in tree_paths(model) {
        if documented.contains(&p.signature) {
            continue;
        }
        let args = match p.kind {
            PathKind::Function => match arguments(model, &p.template) {
                Some(args) => args,
                None => continue,
            },
            _ => Vec::new(),
        };
        cases.push(LoadedCase::Ready(Box::new(case_for(&p, &args, &chains, model, source))));
    }
    // A type's navigations that any page's answers show without `$expand` are expected here too
    // (an undocumented endpoint of a documented type answers as its type does elsewhere).
    let mut shown = super::load::navigations_shown(ready(suites), model);
    // A read by key no page documents may show what the lists of its type show, and the reverse.
    let types: Vec<String> = shown.keys().map(|(t, _)| t.clone()).collect();
    for t in types {
        let union: BTreeSet<String> =
            [true, false].iter().flat_map(|e| shown.get(&(t.clone(), *e)).cloned().unwrap_or_default()).collect();
        for e in [true, false] {
            shown.insert((t.clone(), e), union.clone());
        }
    }
    super::load::apply_default_navigations(&mut cases, &shown, None, schemas);
    (!cases.is_empty()).then(|| Suite {
        name: SUITE.to_string(),
        dir: source.to_path_buf(),
        config: None,
        config_file: None,
        cases,
    })
}

/// The case name of a path: its members joined, keys as `by_key` (`workflows_by_key_runs`).
fn name_of(p: &TreePath) -> String {
    let mut parts: Vec<&str> = p.signature.split('/').map(|s| if s == "{}" { "by_key" } else { s }).collect();
    // The bridge singleton everything hangs below says nothing.
    if parts.len() > 2 {
        parts.remove(0);
    }
    format!("get_{}", parts.join("_"))
}

/// Arguments for a function call the metadata alone can choose: a window from 2020 to 2030 for
/// date-times (`startDateTime`, `endDateTime`), an enum's first member, `1`, `true`. `None` when a
/// parameter is of another type (a string is the caller's to choose).
fn arguments(model: &Model, template: &str) -> Option<Vec<(String, String)>> {
    let probe = template.replace(['{', '}'], "");
    let r = model.resolve(&probe).ok()?;
    let op = r.operation()?;
    op.parameters
        .iter()
        .map(|p| {
            let value = match p.type_name.as_str() {
                "Edm.DateTimeOffset" if p.name.to_ascii_lowercase().contains("end") => {
                    "2030-01-01T00:00:00Z".to_string()
                }
                "Edm.DateTimeOffset" => "2020-01-01T00:00:00Z".to_string(),
                "Edm.Int32" | "Edm.Int64" | "Edm.Int16" => "1".to_string(),
                "Edm.Boolean" => "true".to_string(),
                t => format!("'{}'", model.enum_type(t)?.members.first()?.name),
            };
            Some((p.name.clone(), value))
        })
        .collect()
}

fn case_for(
    p: &TreePath,
    args: &[(String, String)],
    chains: &BTreeMap<String, Vec<String>>,
    model: &Model,
    source: &Path,
) -> Case {
    let keys = p.signature.split('/').filter(|s| *s == "{}").count();
    // The signature up to and including the last key.
    let upto: String = {
        let segs: Vec<&str> = p.signature.split('/').collect();
        let last = segs.iter().rposition(|s| *s == "{}").map_or(0, |i| i + 1);
        segs[..last].join("/")
    };
    let ids = if keys == 0 { Some(Vec::new()) } else { chains.get(&upto).cloned() };
    let path = match &ids {
        Some(ids) => {
            let params: BTreeMap<String, String> = crate::metadata::resolve::split_segments(&p.template)
                .into_iter()
                .filter_map(crate::odata::path::template_param)
                .map(str::to_string)
                .zip(ids.iter().cloned())
                .collect();
            crate::odata::path::fill_from(&p.template, &params).unwrap_or_else(|_| p.template.clone())
        }
        None => p.template.clone(),
    };
    // A call's arguments in its last segment (`summary(startDateTime={startDateTime},…)`).
    let path = match path.rsplit_once('/') {
        Some((head, call)) if !args.is_empty() => {
            let mut call = call.to_string();
            for (name, value) in args {
                call = call.replace(&format!("{{{name}}}"), value);
            }
            format!("{head}/{call}")
        }
        _ => path,
    };
    let status = match p.kind {
        PathKind::Reference => StatusSpec::AnyOf(vec![200, 404]),
        _ => StatusSpec::One(200),
    };
    let cf = CaseFile {
        name: name_of(p),
        source: DocSource {
            page: source.display().to_string(),
            url: String::new(),
            content: String::new(),
            request_line: 0,
            response_line: 0,
            recorded: None,
        },
        request: RequestSpec { method: "GET".into(), path, query: None, headers: Default::default(), body: None },
        path_template: Some(p.template.clone()),
        path_params: Default::default(),
        query_options: Vec::new(),
        response: ExpectedResponse {
            status,
            headers: Default::default(),
            body: None,
            truncated: true,
            odata_type: None,
            is_collection: p.kind == PathKind::List,
            is_empty: false,
            expect_error: false,
            nullable_properties: Vec::new(),
        },
    };
    let mut case = case_from_file(SUITE, source, cf, None, model);
    case.origin = Arc::new(super::Origin { file: Some(source.to_path_buf()), doc: None, derived: Some(ORIGIN.into()) });
    case.values = ValueCheck::Off;
    let mut notes = vec![format!("{ORIGIN} ({}; {})", p.template, p.kind.label())];
    if p.kind == PathKind::Reference {
        notes.push(
            "a single-valued navigation that is not contained: 200 with the entity, or 404 when it has none".into(),
        );
        notes.push("the entity read is the one its parent shows under $expand, read right after it".into());
        case.parent_shows = p.template.rsplit('/').next().map(str::to_string);
    }
    if ids.is_none() {
        notes.push(format!(
            "no example shows an entity at {upto}: the case runs with --discover (or --param for each key), which finds one on the target"
        ));
        case.unfilled = true;
    }
    case.notes = Arc::new(notes);
    case
}

/// Entities the examples show, by the signature of their key: `workflows/{}` → the keys of the
/// path down to one of them. From the keys of documented paths, the rows of documented lists and
/// the contained entities an answer shows.
fn known_chains(suites: &[Suite], model: &Model) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for c in ready(suites).filter(|c| {
        c.origin.derived.is_none() && c.request.method.eq_ignore_ascii_case("GET") && c.expect.status.is_success()
    }) {
        let Ok(r) = model.resolve(&c.request.path) else { continue };
        let (mut sig, mut ids) = (String::new(), Vec::new());
        for s in &r.steps {
            if !sig.is_empty() {
                sig.push('/');
            }
            match &s.kind {
                StepKind::Member { name, .. } => sig.push_str(name),
                StepKind::Key { value: Some(v), .. } => {
                    sig.push_str("{}");
                    ids.push(v.clone());
                    out.entry(sig.clone()).or_insert_with(|| ids.clone());
                }
                _ => break,
            }
        }
        let Some(body) = c.expect.body.as_ref() else { continue };
        let rows: Vec<&Value> = match &r.shape {
            Shape::Collection(_) if r.operation().is_none() => {
                body.get("value").and_then(Value::as_array).map(|a| a.iter().collect()).unwrap_or_default()
            }
            Shape::Entity(_) if r.operation().is_none() && r.is_keyed_entity() => {
                contained(model, r.entity_type().unwrap_or_default(), body, &sig, &ids, &mut out);
                continue;
            }
            _ => continue,
        };
        let type_name = r.entity_type().unwrap_or_default().to_string();
        for row in rows {
            let Some(id) = row.get("id").and_then(Value::as_str).filter(|id| plain(id)) else { continue };
            let (row_sig, mut row_ids) = (format!("{sig}/{{}}"), ids.clone());
            row_ids.push(id.to_string());
            out.entry(row_sig.clone()).or_insert_with(|| row_ids.clone());
            contained(model, &type_name, row, &row_sig, &row_ids, &mut out);
        }
    }
    out
}

/// The contained entities `entity` (at `sig`, keys `ids`) shows inline (`tasks` of a workflow).
fn contained(
    model: &Model,
    type_name: &str,
    entity: &Value,
    sig: &str,
    ids: &[String],
    out: &mut BTreeMap<String, Vec<String>>,
) {
    for nav in model.all_navigations(type_name).into_iter().filter(|n| n.contained && n.collection) {
        let Some(items) = entity.get(&nav.name).and_then(Value::as_array) else { continue };
        if let Some(id) = items.iter().find_map(|i| i.get("id").and_then(Value::as_str)).filter(|id| plain(id)) {
            let mut chain = ids.to_vec();
            chain.push(id.to_string());
            out.entry(format!("{sig}/{}/{{}}", nav.name)).or_insert(chain);
        }
    }
}

/// An id a path can carry as it is (a page's placeholder such as `{id}` or `id-value` is not one).
fn plain(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 200
        && id.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && !id.ends_with("-value")
}
