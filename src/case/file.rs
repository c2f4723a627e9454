//! The case file format: what `graph-conformance import` writes and the runner reads.
//!
//! Field names are camelCase like the doc annotations they come from; bodies are JSON values (keys
//! sorted, so files diff cleanly); absent optional fields are omitted.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One case file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CaseFile {
    /// The request's name on the doc page (its annotation's `name`); unique within the suite.
    pub name: String,
    pub source: DocSource,
    pub request: RequestSpec,
    /// The documented URL template (the page's `ignored` block) that names the path parameters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path_template: Option<String>,
    /// The example's values of the template's parameters.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub path_params: BTreeMap<String, String>,
    /// The query options the page says the endpoint supports (`$select`, `$filter`, ...), as its
    /// "Optional query parameters" section names them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub query_options: Vec<String>,
    pub response: ExpectedResponse,
}

/// The doc page and the 1-based lines of the example's request and response blocks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DocSource {
    /// The page's path in Microsoft's docs repository
    /// (`api-reference/beta/api/identitygovernance-userprocessingresult-get.md`).
    pub page: String,
    /// The page's public address.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub url: String,
    /// A fingerprint of the page's text as imported (FNV-1a 64): a local copy of the page is used for
    /// line pointers only when it is this version.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub content: String,
    pub request_line: u32,
    pub response_line: u32,
    /// A case recorded from a live answer (`graph-conformance record`): where, when, from which case.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recorded: Option<Recorded>,
}

/// Where and when a recorded case's answer came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Recorded {
    /// The service root it was recorded from (host names of tenants replaced).
    pub target: String,
    /// When, RFC 3339.
    pub at: String,
    /// The case whose request was sent (`<suite>::<case>`).
    pub from: String,
}

/// The request to send, relative to the service root.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RequestSpec {
    pub method: String,
    /// The path below the service root, starting with `/`.
    pub path: String,
    /// The query string as documented, readable (`$select=id,subject`), without `?`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
}

/// What the answer must be.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExpectedResponse {
    pub status: StatusSpec,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
    /// The documented body is shortened: compare it as a subset.
    #[serde(default, skip_serializing_if = "is_false")]
    pub truncated: bool,
    /// The annotation's `@odata.type`, `Collection(...)` unwrapped into `isCollection`.
    #[serde(default, rename = "odataType", skip_serializing_if = "Option::is_none")]
    pub odata_type: Option<String>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub is_collection: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub is_empty: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub expect_error: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub nullable_properties: Vec<String>,
}

/// One status code, or the set of acceptable ones (`[400, 404]`) where Graph's choice is undocumented.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged, expecting = "a status code such as 200, or a list of accepted codes such as [400, 404]")]
pub enum StatusSpec {
    One(u16),
    AnyOf(Vec<u16>),
}

impl StatusSpec {
    pub fn accepts(&self, status: u16) -> bool {
        match self {
            StatusSpec::One(s) => *s == status,
            StatusSpec::AnyOf(list) => list.contains(&status),
        }
    }

    /// The codes, for messages.
    pub fn codes(&self) -> Vec<u16> {
        match self {
            StatusSpec::One(s) => vec![*s],
            StatusSpec::AnyOf(list) => list.clone(),
        }
    }

    /// Every accepted code is 2xx.
    pub fn is_success(&self) -> bool {
        self.codes().iter().all(|c| (200..300).contains(c))
    }
}

impl std::fmt::Display for StatusSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let codes: Vec<String> = self.codes().iter().map(u16::to_string).collect();
        f.write_str(&codes.join(" or "))
    }
}

impl CaseFile {
    /// The canonical text of a case file: pretty JSON with two-space indents and a final newline.
    /// The importer writes exactly this, so `import --check` can compare bytes.
    pub fn to_canonical_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).expect("a CaseFile always serializes");
        text.push('\n');
        text
    }
}

fn is_false(b: &bool) -> bool {
    !*b
}
