//! The documented examples made to follow the metadata before the fake serves them. Pages have
//! slips (`totalProcessedTasks` for `totalTasks`, `"String (timestamp)"` for a date-time,
//! `"Joiner"` for `joiner`); Graph itself answers what its metadata declares, so the fake keeps a
//! documented value only where it fits its property: undeclared properties are dropped, an enum
//! member in the wrong case is spelt as declared, a value of the wrong kind is dropped (and
//! [`super::fake::complete`] fills it as for any property the docs do not show).
//!
//! Written from the CSDL's types alone: the checks have their own judgement of the same examples.

use serde_json::{Map, Value};

use crate::metadata::Model;
use crate::metadata::model::Property;

/// Makes `row` (of `type_name`, or of the type its `@odata.type` names) fit the model.
pub fn conform(model: &Model, type_name: &str, row: &mut Map<String, Value>, depth: usize) {
    if depth > 16 {
        return;
    }
    let own = row
        .get("@odata.type")
        .and_then(Value::as_str)
        .map(|t| t.trim_start_matches('#'))
        .filter(|t| model.structured(t).is_some() && model.is_a(t, type_name))
        .unwrap_or(type_name)
        .to_string();
    let Some(t) = model.structured(&own) else { return };
    if t.open || t.reference_only {
        return;
    }
    let properties = model.all_properties(&own);
    let navigations = model.all_navigations(&own);
    row.retain(|k, _| {
        k.contains('@') || properties.iter().any(|p| p.name == *k) || navigations.iter().any(|n| n.name == *k)
    });
    for p in properties {
        let Some(v) = row.get_mut(&p.name) else { continue };
        if !fits_property(model, p, v, depth) {
            row.remove(&p.name);
        }
    }
    // An inline entity is of its navigation's type: an `@odata.type` naming an unrelated type (a
    // page that pasted another example's value) is dropped, and the entity read as the target.
    for n in navigations {
        let Some(v) = row.get_mut(&n.name) else { continue };
        let items: Vec<&mut Value> = match v {
            Value::Array(items) => items.iter_mut().collect(),
            one => vec![one],
        };
        for item in items {
            let Value::Object(o) = item else { continue };
            let named = o.get("@odata.type").and_then(Value::as_str).map(|t| t.trim_start_matches('#').to_string());
            if named.is_some_and(|t| !model.is_a(&t, &n.target)) {
                o.remove("@odata.type");
            }
            conform(model, &n.target, o, depth + 1);
        }
    }
}

fn fits_property(model: &Model, p: &Property, v: &mut Value, depth: usize) -> bool {
    match v {
        Value::Null => p.nullable,
        Value::Array(items) if p.collection => {
            items.retain_mut(|item| fits(model, &p.type_name, item, depth));
            true
        }
        _ if p.collection => false,
        _ => fits(model, &p.type_name, v, depth),
    }
}

/// Whether `v` is a value of `type_name` (fixing what can be fixed in place).
fn fits(model: &Model, type_name: &str, v: &mut Value, depth: usize) -> bool {
    match type_name {
        "Edm.String" => v.is_string(),
        "Edm.Boolean" => v.is_boolean(),
        "Edm.Int16" | "Edm.Int32" | "Edm.Int64" | "Edm.Byte" | "Edm.SByte" => v.is_i64() || v.is_u64(),
        "Edm.Double" | "Edm.Single" | "Edm.Decimal" => {
            v.is_number() || v.as_str().is_some_and(|s| matches!(s, "NaN" | "INF" | "-INF"))
        }
        "Edm.DateTimeOffset" => v.as_str().is_some_and(|s| s.parse::<jiff::Timestamp>().is_ok()),
        "Edm.Date" => v.as_str().is_some_and(|s| s.parse::<jiff::civil::Date>().is_ok()),
        "Edm.TimeOfDay" => v.as_str().is_some_and(|s| s.parse::<jiff::civil::Time>().is_ok()),
        "Edm.Duration" => {
            v.as_str().is_some_and(|s| s.parse::<jiff::SignedDuration>().is_ok() || s.parse::<jiff::Span>().is_ok())
        }
        "Edm.Guid" => v.as_str().is_some_and(|s| uuid::Uuid::parse_str(s).is_ok()),
        t if t.starts_with("Edm.") => true,
        t => {
            if let Some(e) = model.enum_type(t) {
                let Some(s) = v.as_str() else { return false };
                let members: Vec<&str> = e.members.iter().map(|m| m.name.as_str()).collect();
                let parts: Option<Vec<&str>> = s
                    .split(',')
                    .map(|part| members.iter().copied().find(|m| m.eq_ignore_ascii_case(part.trim())))
                    .collect();
                match parts {
                    Some(parts) if e.flags || parts.len() == 1 => {
                        *v = Value::String(parts.join(","));
                        true
                    }
                    _ => false,
                }
            } else if let Value::Object(o) = v {
                conform(model, t, o, depth + 1);
                true
            } else {
                false
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metadata::csdl::parse;
    use serde_json::json;

    const DOC: &str = r#"<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx"><edmx:DataServices>
    <Schema Namespace="g" xmlns="http://docs.oasis-open.org/odata/ns/edm">
      <EnumType Name="category"><Member Name="joiner" Value="0" /><Member Name="leaver" Value="1" /></EnumType>
      <ComplexType Name="summary">
        <Property Name="totalTasks" Type="Edm.Int32" Nullable="false" />
        <Property Name="category" Type="g.category" Nullable="false" />
        <Property Name="when" Type="Edm.DateTimeOffset" />
        <Property Name="hidden" Type="Edm.Boolean" />
        <Property Name="tags" Type="Collection(Edm.String)" />
      </ComplexType>
    </Schema></edmx:DataServices></edmx:Edmx>"#;

    #[test]
    fn keeps_what_fits_and_drops_or_fixes_the_rest() {
        let model = parse(DOC).unwrap();
        let Value::Object(mut row) = json!({
            "totalProcessedTasks": 3, "category": "Joiner", "when": "String (timestamp)",
            "hidden": "Boolean", "tags": ["a", 1], "@odata.type": "#g.summary", "totalTasks": null
        }) else {
            unreachable!()
        };
        conform(&model, "g.summary", &mut row, 0);
        assert_eq!(Value::Object(row), json!({ "category": "joiner", "tags": ["a"], "@odata.type": "#g.summary" }));
        let Value::Object(mut bad) = json!({ "category": "Jeaver", "when": "2024-01-01T00:00:00Z" }) else {
            unreachable!()
        };
        conform(&model, "g.summary", &mut bad, 0);
        assert_eq!(Value::Object(bad), json!({ "when": "2024-01-01T00:00:00Z" }));
    }
}
