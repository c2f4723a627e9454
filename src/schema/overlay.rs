//! `schemas/overlay.json`: the few facts the metadata cannot state, each with its source. Hand-written;
//! `graph-conformance schemas` never touches it.
//!
//! - `defaultNavigations`: navigation properties an endpoint returns without `$expand`. The suites
//!   also infer them from their own documented answers (a page that shows `subject` in an answer to
//!   a request without `$expand` is the source); entries here add what no example shows.

use serde::Deserialize;

/// The file name under `schemas/`.
pub const OVERLAY_FILE: &str = "overlay.json";

/// The overlay's content.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Overlay {
    #[serde(default, rename = "$comment")]
    pub comment: Option<String>,
    #[serde(default)]
    pub default_navigations: Vec<DefaultNavigations>,
}

/// Navigation properties returned by default when a type is read through an endpoint.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DefaultNavigations {
    /// The entity type (`microsoft.graph.identityGovernance.workflow`).
    #[serde(rename = "type")]
    pub type_name: String,
    /// `entity` (read by key), `collection` (a list), or `any`.
    #[serde(default = "any")]
    pub shape: String,
    pub properties: Vec<String>,
    /// Where the fact comes from (a doc page and line, an issue).
    pub source: String,
}

fn any() -> String {
    "any".into()
}

impl Overlay {
    /// The navigations the overlay says `type_name` returns by default, read as one entity (`true`)
    /// or in a list.
    pub fn default_navigations(&self, type_name: &str, entity: bool) -> impl Iterator<Item = &str> {
        self.default_navigations
            .iter()
            .filter(move |d| {
                d.type_name == type_name
                    && match d.shape.as_str() {
                        "entity" => entity,
                        "collection" => !entity,
                        _ => true,
                    }
            })
            .flat_map(|d| d.properties.iter().map(String::as_str))
    }
}
