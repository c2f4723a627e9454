//! The optional override of a suite: `cases/<suite>.suite.json`. Suites need none: the page's path
//! templates, resolved against the model, say what each answer is. The override exists for what a
//! page gets wrong and the model cannot correct. The importer never writes it.

use serde::Deserialize;

/// `cases/<suite>.suite.json`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SuiteConfig {
    /// The type a successful read returns, when the path's resolution must be overridden.
    #[serde(default)]
    pub resource: Option<String>,
    /// Generate the derived cases ([`super::derive`]); on unless set to false.
    #[serde(default = "yes")]
    pub derive: bool,
    /// Navigation properties the suite's endpoints return without `$expand`, beyond those its
    /// examples show.
    #[serde(default)]
    pub default_navigations: Vec<String>,
    /// Free text for readers of the file.
    #[serde(default, rename = "$comment")]
    pub comment: Option<String>,
}

fn yes() -> bool {
    true
}
