//! The hand-written configuration of a suite: `cases/<suite>.suite.json`.
//!
//! The importer never writes it. It says what the doc annotations cannot be trusted to say (the seed
//! page annotates a userProcessingResult as `run`), which cases to derive, and how a live tenant's
//! real ids are discovered.

use serde::Deserialize;

/// `cases/<suite>.suite.json`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SuiteConfig {
    /// The OData type a successful read returns (`microsoft.graph.identityGovernance.userProcessingResult`).
    pub resource: String,
    /// The documented template of the entity's URL; cases whose path matches it read one entity.
    pub entity_path: String,
    /// Generate the derived cases ([`super::derive`]).
    #[serde(default)]
    pub derive: bool,
    /// How `run --discover` finds real ids: list endpoints walked in order, each filling one parameter.
    #[serde(default)]
    pub discovery: Vec<DiscoveryStep>,
    /// Free text for readers of the file.
    #[serde(default, rename = "$comment")]
    pub comment: Option<String>,
}

/// One level of discovery: list `list` (a template over the parameters found so far) and take each
/// item's `id` as `param`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DiscoveryStep {
    pub param: String,
    pub list: String,
    /// The OData type of the listed items, for schema checks of each page.
    #[serde(default)]
    pub item_type: Option<String>,
}
