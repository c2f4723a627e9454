//! `schema`, `enum.evolvable`, `select`, `undocumented-property` and `odata.type`: the body against
//! the variant of its type's schema that fits the request (its `$select`, its `Prefer` header).
//!
//! Findings are capped while they are made ([`MAX_SCHEMA_FINDINGS`]): a page of a million broken
//! rows, or one entity with a million unknown keys, costs a few findings, not a few gigabytes.

use serde_json::{Map, Value};

use super::{Exchange, Finding, Profile, Severity};
use crate::schema::{ErrorKind, SchemaError, SchemaSet, Validator};

/// Schema findings kept per answer.
pub const MAX_SCHEMA_FINDINGS: usize = 20;
/// Names listed in one finding's message.
const MAX_NAMES: usize = 10;

pub fn check(x: &Exchange<'_>, out: &mut Vec<Finding>) {
    let (Some(type_name), Some(body)) = (x.case.resource_type.as_deref(), x.json) else {
        return;
    };
    if !x.schemas.knows(type_name) {
        out.push(Finding::failure(
            "harness",
            "",
            format!(
                "no schema describes {type_name}, so the answer cannot be checked as the case means; fix the type's name (in the suite's override) or regenerate the schemas"
            ),
        ));
        return;
    }
    // What a `$select` answer may hold: the selected properties and the expanded navigations.
    let projected: Option<Vec<String>> = x.sent.select.filter(|s| !s.star).map(|s| {
        let mut items = s.items.clone();
        items.extend(x.sent.expand.iter().filter(|e| !s.items.contains(e)).cloned());
        items
    });
    let select = projected.as_deref();
    let prefer = x.sent.prefer_unknown_enum_members;
    let mut found = if x.case.collection {
        collection_findings(x.schemas, type_name, body, select, prefer, MAX_SCHEMA_FINDINGS)
    } else {
        match x.schemas.validator_for(type_name, false, select, prefer) {
            Ok(v) => schema_findings(&v, body, "", "schema", select, x.schemas, prefer, MAX_SCHEMA_FINDINGS),
            Err(e) => vec![Finding::failure("harness", "", format!("the schema of {type_name} cannot be used: {e}"))],
        }
    };
    downgrade_documented_nulls(x, &mut found);
    optional_links(x, type_name, &mut found);
    out.extend(found);
    if select.is_none() {
        undocumented(x, type_name, body, out);
    }
    odata_type(x, type_name, body, out);
}

/// The rules besides `schema` this check applied to the answer: `undocumented-property` without a
/// `$select`, `odata.type` where a row names its type, `enum.evolvable` where the type can hold an
/// evolvable enum's value and the request did not ask for those members.
pub fn reached(x: &Exchange<'_>) -> Vec<&'static str> {
    let (Some(type_name), Some(body)) = (x.case.resource_type.as_deref(), x.json) else { return Vec::new() };
    if !x.schemas.knows(type_name) {
        return Vec::new();
    }
    let mut out = Vec::new();
    if x.sent.select.filter(|s| !s.star).is_none() {
        out.push("undocumented-property");
    }
    let named = if x.case.collection {
        body.get("value")
            .and_then(Value::as_array)
            .is_some_and(|a| a.iter().take(MAX_SCHEMA_FINDINGS).any(|r| r.as_object().and_then(named_type).is_some()))
    } else {
        body.as_object().and_then(named_type).is_some()
    };
    if named {
        out.push("odata.type");
    }
    if !x.sent.prefer_unknown_enum_members && x.schemas.model().holds_evolvable_enum(type_name) {
        out.push("enum.evolvable");
    }
    out
}

/// A collection page: the envelope, then each row against the item type, stopping at `cap` findings.
pub fn collection_findings(
    schemas: &SchemaSet,
    type_name: &str,
    body: &Value,
    select: Option<&[String]>,
    prefer: bool,
    cap: usize,
) -> Vec<Finding> {
    let mut out = Vec::new();
    match schemas.envelope() {
        Ok(v) => out.extend(schema_findings(&v, body, "", "schema", None, schemas, prefer, cap)),
        Err(e) => return vec![Finding::failure("harness", "", format!("the collection schema cannot be used: {e}"))],
    }
    let Some(rows) = body.get("value").and_then(Value::as_array) else {
        return out;
    };
    let item = match schemas.validator_for(type_name, false, select, prefer) {
        Ok(v) => v,
        Err(e) => {
            out.push(Finding::failure("harness", "", format!("the schema of {type_name} cannot be used: {e}")));
            return out;
        }
    };
    for (i, row) in rows.iter().enumerate() {
        if out.len() >= cap {
            break;
        }
        let room = cap - out.len();
        out.extend(schema_findings(&item, row, &format!("/value/{i}"), "schema", select, schemas, prefer, room));
    }
    out
}

/// Turns validation errors into findings, naming the more specific rule where one applies; at most
/// `cap`, prefixed with `base` (a pointer into the body).
#[allow(clippy::too_many_arguments)]
pub fn schema_findings(
    validator: &Validator,
    body: &Value,
    base: &str,
    rule: &'static str,
    select: Option<&[String]>,
    schemas: &SchemaSet,
    prefer_unknown: bool,
    cap: usize,
) -> Vec<Finding> {
    // The fast path: most answers are valid, and is_valid allocates no errors.
    if cap == 0 || validator.is_valid(body) {
        return Vec::new();
    }
    validator.errors(body, cap).iter().map(|e| finding(e, base, rule, select, schemas, prefer_unknown)).collect()
}

fn finding(
    e: &SchemaError,
    base: &str,
    rule: &'static str,
    select: Option<&[String]>,
    schemas: &SchemaSet,
    prefer_unknown: bool,
) -> Finding {
    let at = format!("{base}{}", e.instance_path);
    let schema_path = &e.schema_path;
    if !prefer_unknown && let Some(value) = evolvable_value(e, schemas) {
        return Finding::failure(
            "enum.evolvable",
            at,
            format!(
                "'{value}' is an evolvable member (it comes after unknownFutureValue); a server sends it only to a client that sent 'Prefer: include-unknown-enum-members', and 'unknownFutureValue' otherwise"
            ),
        )
        .with_values("unknownFutureValue", value);
    }
    match &e.kind {
        ErrorKind::Required { property: name } => {
            let at = format!("{at}/{}", escape_pointer(name));
            if select.is_some() && e.instance_path.is_empty() {
                Finding::failure("select", at, format!("{name} was selected but is missing"))
            } else {
                Finding::failure(rule, at, format!("the required property {name} is missing (schema: {schema_path})"))
            }
        }
        ErrorKind::AdditionalProperties { unexpected } if select.is_some() => {
            let names = names(unexpected);
            Finding::failure("select", at, format!("not selected, but present: {names}"))
                .with_values(select.unwrap_or_default().join(","), names)
        }
        _ => Finding::failure(
            rule,
            at,
            format!("{} (schema: {schema_path})", crate::check::status::clip(&e.message, 400)),
        ),
    }
}

/// The value behind an enum or flags error, when it (or one of its flags) is an evolvable member;
/// looks inside `anyOf` (a nullable enum is `anyOf [enum, null]`).
fn evolvable_value(e: &SchemaError, schemas: &SchemaSet) -> Option<String> {
    match &e.kind {
        ErrorKind::Enum { value: Some(s) } | ErrorKind::Pattern { value: s } => {
            s.split(',').map(str::trim).any(|m| schemas.is_evolvable_member(m)).then(|| s.to_string())
        }
        ErrorKind::AnyOf { context } => context.iter().find_map(|inner| evolvable_value(inner, schemas)),
        _ => None,
    }
}

/// A selected navigation property the endpoint does not return by default may come back as a link
/// only, which minimal metadata omits (list-taskreports selects taskDefinition and shows none); one
/// it returns by default (a result's `subject`) must be there.
fn optional_links(x: &Exchange<'_>, type_name: &str, found: &mut Vec<Finding>) {
    let navs: Vec<&str> =
        x.schemas.properties(type_name).iter().filter(|p| p.navigation.is_some()).map(|p| p.name.as_str()).collect();
    found.retain(|f| {
        let name = f.at.rsplit('/').next().unwrap_or("");
        !(f.rule == "select"
            && f.message.ends_with("was selected but is missing")
            && navs.contains(&name)
            && !x.case.default_navigations.contains(name)
            && !x.sent.expand.iter().any(|e| e == name))
    });
}

/// A property the page lists in `nullableProperties` may be null there: the finding stays, as a
/// warning that names the disagreement with the metadata.
fn downgrade_documented_nulls(x: &Exchange<'_>, found: &mut [Finding]) {
    let listed = &x.case.expect.nullable_properties;
    if listed.is_empty() {
        return;
    }
    for f in found.iter_mut().filter(|f| f.rule == "schema") {
        let prop = f.at.rsplit('/').next().unwrap_or("");
        let is_null = x.json.and_then(|b| b.pointer(&f.at)).is_some_and(Value::is_null);
        if is_null && listed.iter().any(|p| p == prop) {
            f.severity = Severity::Warning;
            f.message = format!(
                "{prop} is null: the page lists it in nullableProperties, but the metadata declares it non-nullable ({})",
                f.message
            );
        }
    }
}

/// Properties the schema does not declare: Graph adds properties over time, so this is a warning on a
/// live target and a failure for a reference implementation. A row naming a derived type in
/// `@odata.type` may have that type's properties; open types may have any.
fn undocumented(x: &Exchange<'_>, type_name: &str, body: &Value, out: &mut Vec<Finding>) {
    let severity = match x.profile {
        Profile::Reference => Severity::Failure,
        Profile::Live => Severity::Warning,
    };
    let entities: Vec<(String, &Value)> = if x.case.collection {
        body.get("value")
            .and_then(Value::as_array)
            .map(|items| items.iter().enumerate().map(|(i, v)| (format!("/value/{i}"), v)).collect())
            .unwrap_or_default()
    } else {
        vec![(String::new(), body)]
    };
    let mut reported = 0usize;
    let mut more = 0usize;
    for (base, entity) in entities {
        let Some(obj) = entity.as_object() else {
            continue;
        };
        let actual = named_type(obj).filter(|t| x.schemas.knows(t)).unwrap_or(type_name);
        if x.schemas.is_open(actual) {
            continue;
        }
        for key in obj.keys().filter(|k| !k.contains('@') && !x.schemas.declares(actual, k)) {
            if reported >= MAX_SCHEMA_FINDINGS {
                more += 1;
                continue;
            }
            reported += 1;
            out.push(Finding {
                severity,
                ..Finding::failure(
                    "undocumented-property",
                    format!("{base}/{}", escape_pointer(key)),
                    format!("{} is not a property of {actual}", crate::check::status::clip(key, 120)),
                )
            });
        }
    }
    if more > 0 {
        out.push(Finding {
            severity,
            ..Finding::failure("undocumented-property", "", format!("… and {more} more undeclared properties"))
        });
    }
}

/// The type an object names in `@odata.type` (`#microsoft.graph.x` → `microsoft.graph.x`).
pub fn named_type(obj: &Map<String, Value>) -> Option<&str> {
    obj.get("@odata.type").and_then(Value::as_str).map(|t| t.trim_start_matches('#'))
}

/// `odata.type`: an entity's `@odata.type`, when present, names the expected type or one derived from it.
fn odata_type(x: &Exchange<'_>, type_name: &str, body: &Value, out: &mut Vec<Finding>) {
    let rows: Vec<(String, &Map<String, Value>)> = if x.case.collection {
        body.get("value")
            .and_then(Value::as_array)
            .map(|a| a.iter().enumerate().filter_map(|(i, v)| Some((format!("/value/{i}"), v.as_object()?))).collect())
            .unwrap_or_default()
    } else {
        body.as_object().map(|o| vec![(String::new(), o)]).unwrap_or_default()
    };
    for (base, obj) in rows.into_iter().take(MAX_SCHEMA_FINDINGS) {
        let Some(named) = named_type(obj) else { continue };
        let ok = named == type_name || x.schemas.derived_types(type_name).contains(&named);
        if !ok {
            out.push(
                Finding::failure(
                    "odata.type",
                    format!("{base}/@odata.type"),
                    format!("@odata.type names {named}, which is neither {type_name} nor derived from it"),
                )
                .with_values(format!("#{type_name}"), format!("#{named}")),
            );
        }
    }
}

fn names(list: &[String]) -> String {
    let mut shown: Vec<String> = list.iter().take(MAX_NAMES).map(|n| crate::check::status::clip(n, 80)).collect();
    if list.len() > MAX_NAMES {
        shown.push(format!("… ({} in all)", list.len()));
    }
    shown.join(", ")
}

/// Escapes a key for a JSON pointer (RFC 6901).
pub fn escape_pointer(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}
