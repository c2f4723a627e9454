//! Checks: what an answer must satisfy. Each check reads an [`Exchange`] (the case, what was sent,
//! what came back) and appends [`Finding`]s; a finding is data (rule, place, expected, actual) that
//! only the report turns into text.

pub mod body_values;
pub mod context;
pub mod counted;
pub mod errors;
pub mod filter;
pub mod headers;
pub mod identity;
pub mod invariants;
pub mod navigation;
pub mod query;
pub mod references;
pub mod related;
pub mod rules;
pub mod schema;
pub mod status;
#[cfg(test)]
mod tests;
pub mod totals;

use serde_json::Value;

use crate::case::Case;
use crate::odata::Select;
use crate::schema::SchemaSet;

pub use rules::{RULES, Rule, RuleSet, rule};

/// What the target is expected to hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    /// The server holds the documented examples: documented values are compared, undocumented
    /// properties fail.
    Reference,
    /// A real tenant: only shape and semantics are checked; undocumented properties are warnings.
    Live,
}

impl std::str::FromStr for Profile {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "reference" => Ok(Profile::Reference),
            "live" => Ok(Profile::Live),
            other => Err(format!("unknown profile '{other}': use 'reference' or 'live'")),
        }
    }
}

impl std::fmt::Display for Profile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Profile::Reference => "reference",
            Profile::Live => "live",
        })
    }
}

/// Whether a finding fails the case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Failure,
    Warning,
}

/// One broken (or doubtful) rule at one place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// A [`rules::RULES`] id.
    pub rule: &'static str,
    pub severity: Severity,
    /// Where: a JSON pointer into the body (`/failedTasksCount`), `header:<name>`, or empty for the
    /// whole answer.
    pub at: String,
    pub message: String,
    pub expected: Option<String>,
    pub actual: Option<String>,
}

impl Finding {
    pub fn failure(rule: &'static str, at: impl Into<String>, message: impl Into<String>) -> Self {
        Finding {
            rule,
            severity: Severity::Failure,
            at: at.into(),
            message: message.into(),
            expected: None,
            actual: None,
        }
    }

    pub fn warning(rule: &'static str, at: impl Into<String>, message: impl Into<String>) -> Self {
        Finding { severity: Severity::Warning, ..Finding::failure(rule, at, message) }
    }

    pub fn with_values(mut self, expected: impl Into<String>, actual: impl Into<String>) -> Self {
        self.expected = Some(expected.into());
        self.actual = Some(actual.into());
        self
    }
}

/// What was sent, as the checks need it.
#[derive(Debug, Clone)]
pub struct Sent<'a> {
    pub method: &'a str,
    /// Path below the service root.
    pub path: &'a str,
    pub query: Option<&'a str>,
    pub select: Option<&'a Select>,
    pub prefer_unknown_enum_members: bool,
    pub client_request_id: &'a str,
    /// `path` split into segments and keys (by the case's resolution), parsed once for every check.
    pub resource: crate::odata::ResourcePath,
    /// The request's top-level `$expand` items.
    pub expand: Vec<String>,
}

/// What came back.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: bytes::Bytes,
}

impl Answer {
    /// The first value of a header (name compared case-insensitively).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// An answer from literal parts (tests, tools).
    pub fn from_parts(status: u16, headers: &[(String, String)], body: impl Into<bytes::Bytes>) -> Self {
        let mut map = reqwest::header::HeaderMap::new();
        for (k, v) in headers {
            if let (Ok(k), Ok(v)) =
                (reqwest::header::HeaderName::from_bytes(k.as_bytes()), reqwest::header::HeaderValue::from_str(v))
            {
                map.append(k, v);
            }
        }
        Answer { status, headers: map, body: body.into() }
    }
}

/// Everything a check may look at.
pub struct Exchange<'a> {
    pub case: &'a Case,
    /// Which expected values are compared for this sending of the case.
    pub values: crate::case::ValueCheck,
    pub sent: &'a Sent<'a>,
    pub answer: &'a Answer,
    /// The body parsed strictly; `None` for an empty body or one that is not JSON.
    pub json: Option<&'a Value>,
    pub service_root: &'a str,
    pub profile: Profile,
    pub schemas: &'a SchemaSet,
}

/// The body as JSON: `(value, problem)`. An empty body, or one declared as something other than
/// JSON, is not parsed (the content-type and error rules speak to those); anything declared JSON (or
/// undeclared) is parsed strictly.
pub fn parse_body(answer: &Answer) -> (Option<Value>, Option<String>) {
    if answer.body.is_empty() || answer.header("content-type").is_some_and(|ct| !headers::is_json_media_type(ct)) {
        return (None, None);
    }
    match crate::json_strict::parse(&answer.body) {
        Ok(v) => (Some(v), None),
        Err(e) => (None, Some(e)),
    }
}

/// Findings kept per case; the rest are counted in one last finding.
pub const MAX_FINDINGS: usize = 50;

/// A check the run adds to the built-in ones (a project's own rule, or a test's).
pub type ExtraCheck = std::sync::Arc<dyn Fn(&Exchange<'_>, &mut Vec<Finding>) + Send + Sync>;

/// The rules whose checks looked at this answer (given the findings `check_all` made): the
/// transport, status, header, JSON and error rules always; the body's rules when the status was
/// the expected success.
pub fn rules_reached(x: &Exchange<'_>, findings: &[Finding]) -> RuleSet {
    // Every answer reaches these; the sets are built once.
    static EVERY: std::sync::LazyLock<RuleSet> = std::sync::LazyLock::new(|| {
        RuleSet::of(&[
            "transport",
            "status",
            "content-type",
            "body.json",
            "headers.documented",
            "headers.request-id",
            "headers.client-request-id",
            "headers.odata-version",
        ])
    });
    static SUCCESS: std::sync::LazyLock<RuleSet> =
        std::sync::LazyLock::new(|| RuleSet::of(&["schema", "odata.context"]));
    let mut set = *EVERY;
    if x.answer.status >= 400 {
        set.insert("error.shape");
    }
    let status_ok = !findings.iter().any(|f| f.rule == "status" && f.severity == Severity::Failure);
    if status_ok && (200..300).contains(&x.answer.status) {
        set = set.union(*SUCCESS);
        // The body rules where the answer holds what they judge.
        for rule in schema::reached(x).into_iter().chain(navigation::reached(x)).chain(identity::reached(x)) {
            set.insert(rule);
        }
        // The query rules only where the request asked for what they judge.
        if x.sent.select.is_some() {
            set.insert("select");
        }
        if let Some(q) = x.sent.query.filter(|_| x.case.collection) {
            let options = crate::odata::QueryOptions::parse(q);
            if options.top().is_some() {
                set.insert("query.top");
            }
            if options.system_option("count").is_some() {
                set.insert("query.count");
            }
        }
        // The invariants where the answer has what they relate (a count, a total and its part, a
        // start and its end).
        let mut invariants = std::collections::BTreeSet::new();
        match x.json {
            Some(Value::Object(o)) if x.case.collection => {
                for row in o.get("value").and_then(Value::as_array).into_iter().flatten().take(1_000) {
                    if let Some(r) = row.as_object() {
                        invariants::reached(r, &mut invariants);
                    }
                }
            }
            Some(Value::Object(o)) => invariants::reached(o, &mut invariants),
            _ => {}
        }
        for rule in invariants {
            set.insert(rule);
        }
        if filter::applies(x).is_some() {
            set.insert("query.filter");
        }
        if x.sent.resource.segments.iter().any(|s| s.name.eq_ignore_ascii_case(invariants::BIN)) {
            set.insert("invariant.deleted-has-time");
        }
        match x.values {
            crate::case::ValueCheck::ListRow => set.insert("list.consistency"),
            crate::case::ValueCheck::Documented if x.profile == Profile::Reference => set.insert("body.value"),
            _ => {}
        }
    }
    set
}

/// Runs every check on an exchange, in rule order, then `extra`; at most [`MAX_FINDINGS`] findings.
pub fn check_all(x: &Exchange<'_>, json_error: Option<&str>, extra: &[ExtraCheck]) -> Vec<Finding> {
    let mut out = Vec::new();
    let status_ok = status::check(x, &mut out);
    headers::check(x, &mut out);
    if let Some(err) = json_error {
        out.push(Finding::failure("body.json", "", format!("the body is not acceptable JSON: {err}")));
    }
    errors::check(x, &mut out);
    if status_ok && (200..300).contains(&x.answer.status) {
        schema::check(x, &mut out);
        navigation::check(x, &mut out);
        context::check(x, &mut out);
        identity::check(x, &mut out);
        invariants::check(x, &mut out);
        query::check(x, &mut out);
        filter::check(x, &mut out);
        body_values::check(x, &mut out);
    }
    for check in extra {
        check(x, &mut out);
    }
    if out.len() > MAX_FINDINGS {
        let more = out.len() - MAX_FINDINGS;
        out.truncate(MAX_FINDINGS);
        let last = &out[MAX_FINDINGS - 1];
        let note = Finding {
            severity: last.severity,
            ..Finding::failure(last.rule, "", format!("… and {more} more findings (not shown)"))
        };
        out.push(note);
    }
    out
}
