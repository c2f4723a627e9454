//! Cases: one request and what its answer must satisfy.
//!
//! Imported cases are JSON files under `cases/<suite>/`, one per documented request/response pair,
//! written by `graph-conformance import` ([`file::CaseFile`]). Loading resolves each case's path
//! against the model (`schemas/metadata.json`): what the answer is, which segments are keys, which
//! lists yield them. [`derive`] generates further cases per suite. An optional hand-written
//! `cases/<suite>.suite.json` ([`suite::SuiteConfig`]) overrides what a page gets wrong. Loading
//! never fails as a whole: a file that cannot be read becomes a [`LoadedCase::Broken`] that fails
//! its own trial.

pub mod conflicts;
pub mod contradictions;
pub mod coverage;
pub mod derive;
pub mod file;
pub mod from_metadata;
pub mod load;
pub mod suite;
pub mod tree;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::Arc;

use serde_json::Value;

pub use file::{CaseFile, DocSource, ExpectedResponse, Recorded, RequestSpec, StatusSpec};
pub use load::{LoadedCase, Suite, load_suites};
pub use suite::SuiteConfig;

/// How a case authenticates, independent of the target's credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AuthMode {
    /// The target's token (or the embedded server's dummy token).
    #[default]
    Target,
    /// No `Authorization` header at all.
    None,
    /// `Authorization: Bearer ` with an empty token.
    EmptyBearer,
}

/// Which values of `expect.body` an answer must repeat.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueCheck {
    /// None: shape and semantics only.
    Off,
    /// The documented values, under the reference profile (rule `body.value`).
    Documented,
    /// A row of a list the entity was discovered in, on any profile (rule `list.consistency`).
    ListRow,
}

/// Where a case comes from: the pointer printed under every failure.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    /// The case file, relative to the working directory.
    pub file: Option<PathBuf>,
    /// The documentation page and lines of the example.
    pub doc: Option<DocSource>,
    /// For derived cases: the generator rule and the case it was derived from.
    pub derived: Option<String>,
}

/// A case ready to run.
#[derive(Debug, Clone)]
pub struct Case {
    pub suite: String,
    /// The case's name within its suite (`lifecycleworkflows_get_run_userprocessingresult_e1`,
    /// `derived::select_id`).
    pub name: String,
    /// Shared with the case's per-entity copies (discovery clones a case for every entity).
    pub origin: Arc<Origin>,
    pub request: RequestSpec,
    pub path_template: Option<String>,
    pub path_params: BTreeMap<String, String>,
    /// Path parameters the case sets on purpose (an unknown id); binding real ids leaves them alone.
    pub pinned_params: BTreeSet<String>,
    /// The discovered ids this case was made for (a list-consistency check), in path order.
    pub discovered: Option<std::sync::Arc<[String]>>,
    /// Shared: discovery instantiates each case per entity, and the expectation never changes.
    pub expect: std::sync::Arc<ExpectedResponse>,
    pub auth: AuthMode,
    /// The resource type of a successful answer (suite configuration first, then the doc annotation).
    pub resource_type: Option<String>,
    /// The answer is a collection of `resource_type`.
    pub collection: bool,
    /// Which values of the expected body are compared.
    pub values: ValueCheck,
    /// The case needs an existing entity: on a live target it runs only with real ids.
    pub needs_entity: bool,
    /// What the case accepts beyond one exact answer, and why (printed with its failures).
    pub notes: Arc<Vec<String>>,
    /// The request's `$select`, parsed on first use and shared by the case's copies; change the
    /// query with [`Case::set_query`], which starts a fresh one.
    pub select: Arc<std::sync::OnceLock<Option<crate::odata::Select>>>,
    /// The path template resolved against the model; `None` when it does not resolve.
    pub resolved: Option<Arc<crate::metadata::resolve::Resolved>>,
    /// Why the path does not resolve (the case is then not sent).
    pub unresolved: Option<String>,
    /// Navigation properties this endpoint returns without `$expand` (from the suite's examples,
    /// the overlay and the suite override).
    pub default_navigations: Arc<BTreeSet<String>>,
    /// The query options the page says the endpoint supports.
    pub query_options: Arc<Vec<String>>,
    /// Pointers into the documented body that are not compared, with the reason (the docs
    /// contradict themselves there).
    pub unchecked: Arc<BTreeMap<String, String>>,
    /// The documented values that contradict the metadata (not compared either), found on first use.
    pub contradictions: Arc<contradictions::Contradictions>,
    /// A list read page by page through `@odata.nextLink` (the derived paging case), checking the
    /// paging rules over the whole walk.
    pub walk: bool,
    /// A case derived from the metadata whose path has keys no example shows: it is sent only
    /// bound to discovered (or `--param`) ids.
    pub unfilled: bool,
    /// A read of a single-valued navigation (`workflows/{id}/createdBy`): its answer must be the
    /// entity its parent shows under `$expand=<this navigation>` (rule `navigation.consistency`).
    pub parent_shows: Option<String>,
}

impl Case {
    /// `<suite>::<name>`: the trial name, stable across runs and targets.
    pub fn full_name(&self) -> String {
        format!("{}::{}", self.suite, self.name)
    }

    /// GET and HEAD are safe; everything else changes the target and needs `--allow-writes` on a live target.
    pub fn is_mutating(&self) -> bool {
        !matches!(self.request.method.to_ascii_uppercase().as_str(), "GET" | "HEAD")
    }

    /// Replaces the request's query string (and forgets the `$select` parsed from the old one).
    pub fn set_query(&mut self, query: Option<String>) {
        self.request.query = query;
        self.select = Default::default();
    }

    /// The `$select` of the request (`$select`, `select` or `%24select`), if any.
    pub fn select(&self) -> Option<&crate::odata::Select> {
        self.select
            .get_or_init(|| self.request.query.as_deref().and_then(|q| crate::odata::QueryOptions::parse(q).select()))
            .as_ref()
    }

    /// The request asks for evolvable enum members (`Prefer: include-unknown-enum-members`).
    pub fn prefers_unknown_enum_members(&self) -> bool {
        self.request.headers.iter().any(|(k, v)| {
            k.eq_ignore_ascii_case("prefer") && v.to_ascii_lowercase().contains(derive::PREFER_UNKNOWN_ENUM_MEMBERS)
        })
    }

    /// The documented body, if any.
    pub fn documented_body(&self) -> Option<&Value> {
        self.expect.body.as_ref()
    }

    /// The request's `$expand` items (top level), if any.
    pub fn expand(&self) -> Vec<String> {
        self.request
            .query
            .as_deref()
            .and_then(|q| {
                crate::odata::QueryOptions::parse(q).system_option("expand").map(crate::odata::query::expand_items)
            })
            .unwrap_or_default()
    }

    /// The resolved shape of the answer, if the path resolves.
    pub fn shape(&self) -> Option<&crate::metadata::resolve::Shape> {
        self.resolved.as_deref().map(|r| &r.shape)
    }

    /// The discovery level of each key of the path, in order: the model's names of the members up
    /// to the key's collection (`identityGovernance/lifecycleWorkflows/workflows/runs`).
    pub fn levels(&self) -> Vec<String> {
        let Some(r) = self.resolved.as_deref() else { return Vec::new() };
        r.keys().map(|(i, _)| r.node(i)).collect()
    }

    /// The template's key parameters, in path order.
    pub fn key_params(&self) -> Vec<String> {
        let Some(r) = self.resolved.as_deref() else { return Vec::new() };
        r.keys()
            .filter_map(|(_, s)| match &s.kind {
                crate::metadata::resolve::StepKind::Key { param, .. } => param.clone(),
                _ => None,
            })
            .collect()
    }

    /// Whether the page says the endpoint supports query option `name` (`filter`, `orderby`, ...).
    pub fn supports(&self, name: &str) -> bool {
        self.query_options.iter().any(|o| o.trim_start_matches('$').eq_ignore_ascii_case(name))
    }
}
