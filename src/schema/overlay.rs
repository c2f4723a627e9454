//! `schemas/overlay.json`: the few facts the metadata cannot state, each with its source. Hand-written;
//! `graph-conformance schemas` never touches it.
//!
//! - `defaultNavigations`: navigation properties an endpoint returns without `$expand`. The suites
//!   also infer them from their own documented answers (a page that shows `subject` in an answer to
//!   a request without `$expand` is the source); entries here add what no example shows.
//! - `functions`: what a bound function computes from the rows it sums, as its page says; the
//!   reference server answers by it (a function without an entry answers a value of its type).
//! - `references`: string properties that hold the key of another entity (`taskDefinitionId`
//!   names one of `taskDefinitions`): the synthetic tenant fills them with keys that exist.
//! - `totals`: integer properties that count the rows of one of the entity's own collection-valued
//!   navigations (a run's `totalUsersCount`, its `userProcessingResults`): the tenant keeps them
//!   equal and the `invariant.total-counts-rows` rule holds any server to it.

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
    #[serde(default)]
    pub functions: Vec<FunctionSemantics>,
    #[serde(default)]
    pub references: Vec<Reference>,
    #[serde(default)]
    pub totals: Vec<Total>,
}

/// An integer property that counts the rows of a collection-valued navigation of the same entity.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Total {
    /// The entity type that has both, qualified.
    #[serde(rename = "type")]
    pub type_name: String,
    /// The counting property (`totalUsersCount`).
    pub property: String,
    /// The navigation whose rows it counts (`userProcessingResults`).
    pub navigation: String,
    /// Where the fact comes from (a doc page and its words), and whether it is inferred.
    pub source: String,
}

/// A property whose value is the key of an entity of a collection the metadata cannot link it to
/// (an id, not a navigation).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Reference {
    /// The entity type that has the property, qualified.
    #[serde(rename = "type")]
    pub type_name: String,
    pub property: String,
    /// The collection whose keys it holds: member names from the container
    /// (`identityGovernance/lifecycleWorkflows/taskDefinitions`).
    pub target: String,
    /// Where the fact comes from (a doc page and its words).
    pub source: String,
}

/// What a bound function computes: each field of its answer from the rows it sums. Expressions:
/// `count`, `count(COND, …)`, `sum(PATH)`, `PATH` (the group's parent's value), `A + B`, `A - B`,
/// and `X ?? LITERAL` (a default when X is null); `COND` is `PATH in a|b|c`; `PATH` is a property
/// of the row or `parent.` one of the entity it hangs under.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FunctionSemantics {
    /// The function's name (`summary`).
    pub name: String,
    /// The binding type, qualified; a collection-bound function names the item type.
    pub binding: String,
    /// The rows: the bound collection when absent, else a path of collection members from the
    /// binding entity's parent (`workflows/runs`: every run of every workflow).
    #[serde(default)]
    pub over: Option<String>,
    /// A DateTimeOffset property of the rows: only rows with it in [startDateTime, endDateTime).
    #[serde(default)]
    pub window: Option<String>,
    /// One answer row per parent entity, the groups with the most rows first.
    #[serde(default)]
    pub group_by_parent: bool,
    /// At most this many groups.
    #[serde(default)]
    pub top: Option<usize>,
    /// Field → expression.
    pub fields: std::collections::BTreeMap<String, String>,
    /// Where the semantics come from (a doc page and section).
    pub source: String,
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
