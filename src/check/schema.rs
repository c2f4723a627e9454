//! `schema`, `enum.evolvable`, `select` and `undocumented-property`: the body against the variant of
//! its type's schema that fits the request (its `$select`, its `Prefer` header).

use jsonschema::Validator;
use jsonschema::error::ValidationErrorKind;
use serde_json::Value;

use super::{Exchange, Finding, Profile, Severity};
use crate::schema::SchemaSet;

pub fn check(x: &Exchange<'_>, out: &mut Vec<Finding>) {
    let (Some(type_name), Some(body)) = (x.case.resource_type.as_deref(), x.json) else {
        return;
    };
    if !x.schemas.knows(type_name) {
        out.push(Finding::warning(
            "schema",
            "",
            format!("no schema describes {type_name}; only status and headers were checked"),
        ));
        return;
    }
    let select = x.sent.select.filter(|s| !s.star).map(|s| s.items.as_slice());
    let prefer = x.sent.prefer_unknown_enum_members;
    match x.schemas.validator_for(type_name, x.case.collection, select, prefer) {
        Ok(v) => out.extend(schema_findings(&v, body, "schema", select, x.schemas, prefer)),
        Err(e) => out.push(Finding::failure("schema", "", format!("cannot check: {e}"))),
    }
    if select.is_none() {
        undocumented(x, type_name, body, out);
    }
}

/// Turns validation errors into findings, naming the more specific rule where one applies.
pub fn schema_findings(
    validator: &Validator,
    body: &Value,
    rule: &'static str,
    select: Option<&[String]>,
    schemas: &SchemaSet,
    prefer_unknown: bool,
) -> Vec<Finding> {
    // The fast path: most answers are valid, and is_valid allocates no errors.
    if validator.is_valid(body) {
        return Vec::new();
    }
    validator
        .iter_errors(body)
        .map(|e| {
            let at = e.instance_path().to_string();
            let schema_path = e.evaluation_path().to_string();
            let message = e.to_string();
            match e.kind() {
                ValidationErrorKind::Enum { .. }
                    if !prefer_unknown && e.instance().as_str().is_some_and(|s| schemas.is_evolvable_member(s)) =>
                {
                    let value = e.instance().as_str().unwrap_or_default().to_string();
                    Finding::failure(
                        "enum.evolvable",
                        at,
                        format!(
                            "'{value}' is an evolvable member (it comes after unknownFutureValue); a server sends it only to a client that sent 'Prefer: include-unknown-enum-members', and 'unknownFutureValue' otherwise"
                        ),
                    )
                    .with_values("unknownFutureValue", value)
                }
                ValidationErrorKind::Required { property } => {
                    let name = property.as_str().map(str::to_string).unwrap_or_else(|| property.to_string());
                    let at = format!("{at}/{}", escape_pointer(&name));
                    if select.is_some() {
                        Finding::failure("select", at, format!("{name} was selected but is missing"))
                    } else {
                        Finding::failure(rule, at, format!("the required property {name} is missing (schema: {schema_path})"))
                    }
                }
                ValidationErrorKind::AdditionalProperties { unexpected } if select.is_some() => Finding::failure(
                    "select",
                    at,
                    format!("not selected, but present: {}", unexpected.join(", ")),
                )
                .with_values(select.unwrap_or_default().join(","), unexpected.join(",")),
                _ => Finding::failure(rule, at, format!("{message} (schema: {schema_path})")),
            }
        })
        .collect()
}

/// Properties the schema does not declare: Graph adds properties over time, so this is a warning on a
/// live target and a failure for a reference implementation.
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
    for (base, entity) in entities {
        let Some(obj) = entity.as_object() else {
            continue;
        };
        for key in obj.keys().filter(|k| !k.contains('@') && !x.schemas.declares(type_name, k)) {
            out.push(Finding {
                severity,
                ..Finding::failure(
                    "undocumented-property",
                    format!("{base}/{}", escape_pointer(key)),
                    format!("{key} is not a property of {type_name}"),
                )
            });
        }
    }
}

/// Escapes a key for a JSON pointer (RFC 6901).
pub fn escape_pointer(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}
