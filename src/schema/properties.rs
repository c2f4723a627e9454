//! What a type's schema declares about each property, read from the `x-` annotations that
//! `graph-conformance schemas` writes.

use serde_json::Value;

/// How a property relates to other entities.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Navigation {
    /// A single-valued navigation (`subject`).
    Single,
    /// A collection navigation (`taskProcessingResults`).
    Collection,
}

/// One declared property.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PropertyInfo {
    pub name: String,
    /// `None` for structural properties.
    pub navigation: Option<Navigation>,
    pub nullable: bool,
    pub key: bool,
    /// Listed in `required` (present in every full answer).
    pub required: bool,
    /// The EDM type as the metadata writes it (`Edm.Int32`, `Collection(microsoft.graph.keyValuePair)`).
    pub edm: String,
}

impl PropertyInfo {
    pub fn is_structural(&self) -> bool {
        self.navigation.is_none()
    }
}

/// The properties of a schema document, in the document's order, without OData control information.
pub fn of_document(doc: &Value) -> Vec<PropertyInfo> {
    let required: Vec<&str> = doc
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let Some(props) = doc.get("properties").and_then(Value::as_object) else {
        return Vec::new();
    };
    props
        .iter()
        .filter(|(name, _)| !name.starts_with('@'))
        .map(|(name, schema)| PropertyInfo {
            name: name.clone(),
            navigation: match schema.get("x-navigation").and_then(Value::as_str) {
                Some("single") => Some(Navigation::Single),
                Some(_) => Some(Navigation::Collection),
                None => None,
            },
            nullable: schema.get("x-nullable").and_then(Value::as_bool).unwrap_or(false),
            key: schema.get("x-key").and_then(Value::as_bool).unwrap_or(false),
            required: required.contains(&name.as_str()),
            edm: schema.get("x-edm").and_then(Value::as_str).unwrap_or("").to_string(),
        })
        .collect()
}
