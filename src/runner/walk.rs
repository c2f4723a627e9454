//! One list, page by page through `@odata.nextLink`, with the paging rules checked as it goes:
//! used by discovery (which lists to find ids) and by the derived `paging` case.
//!
//! Every page costs a bounded amount: rows are checked one at a time and findings are capped while
//! they are made, so a page of a million rows or a row with a million keys cannot grow memory.

use std::collections::HashSet;

use serde_json::{Map, Value};

use super::ctx::{Ctx, Shared};
use crate::check::schema::collection_findings;
use crate::check::{Finding, invariants};
use crate::report::ExchangeInfo;
use crate::target::{Outgoing, RetryNote};

/// Pages one list may have before the walk calls it a loop.
pub const MAX_PAGES: u32 = 100_000;
/// Findings kept per list.
pub const MAX_LIST_FINDINGS: usize = 20;

/// The rules a list walk checks: its pages' status, JSON, schema and invariants, the paging and
/// the keys.
pub fn walk_rules() -> crate::check::RuleSet {
    crate::check::RuleSet::of(&[
        "transport",
        "status",
        "body.json",
        "schema",
        "invariant.counts-non-negative",
        "invariant.failed-within-total",
        "invariant.unprocessed-within-total",
        "invariant.outcomes-within-total",
        "invariant.started-before-completed",
        "list.paging",
        "list.ids",
    ])
}

/// What a walk knows about the items it lists.
#[derive(Debug, Clone, Default)]
pub struct ItemSpec {
    /// The items' type, for schema checks of each page.
    pub type_name: Option<String>,
    /// The key property (`id`, `versionNumber`) and its EDM type.
    pub key: String,
    pub key_edm: String,
}

/// A list being walked.
pub struct ListWalk {
    next: Option<String>,
    origin: String,
    /// The first page's path: every next page must be a page of the same collection.
    collection: String,
    seen_links: HashSet<String>,
    seen_ids: HashSet<String>,
    count: Option<u64>,
    pub items: u64,
    pub pages: u32,
    pub findings: Vec<Finding>,
    pub exchange: Option<ExchangeInfo>,
    pub retries: Vec<RetryNote>,
    spec: ItemSpec,
    /// The walk stopped early on purpose (`--max-entities`), so the count is not compared.
    cut: bool,
    /// Pages read before the walk stops on purpose (`--max-entities` lowers it).
    page_limit: Option<u32>,
    /// When the walk must have ended (a list case's own deadline).
    deadline: Option<(std::time::Instant, std::time::Duration)>,
}

impl ListWalk {
    pub fn new(first: String, spec: ItemSpec) -> Self {
        let parsed = reqwest::Url::parse(&first).ok();
        let origin = parsed.as_ref().map(|u| u.origin().ascii_serialization()).unwrap_or_default();
        let collection =
            parsed.as_ref().map(|u| u.path().trim_end_matches('/').to_ascii_lowercase()).unwrap_or_default();
        ListWalk {
            next: Some(first),
            origin,
            collection,
            seen_links: HashSet::new(),
            seen_ids: HashSet::new(),
            count: None,
            items: 0,
            pages: 0,
            findings: Vec::new(),
            exchange: None,
            retries: Vec::new(),
            spec,
            cut: false,
            page_limit: None,
            deadline: None,
        }
    }

    /// Stops on purpose after `pages` pages (the count is then not compared), and fails the walk when
    /// it has not ended within `deadline`: an endless nextLink chain ends the case, not the run.
    pub fn with_limits(mut self, pages: Option<u32>, deadline: std::time::Duration) -> Self {
        self.page_limit = pages;
        self.deadline = Some((std::time::Instant::now() + deadline, deadline));
        self
    }

    fn add(&mut self, f: Finding) {
        if self.findings.len() < MAX_LIST_FINDINGS {
            self.findings.push(f);
        }
    }

    /// Names the page (its number and address) in the findings from `from` on.
    fn name_page(&mut self, from: usize, url: &str) {
        let page = self.pages;
        for f in self.findings.iter_mut().skip(from).filter(|f| !f.message.contains(" (page ")) {
            f.message.push_str(&format!(" (page {page}: {url})"));
        }
    }

    fn paging(&mut self, message: String) {
        self.add(Finding::failure("list.paging", "", message));
    }

    /// Stops the walk before its end (a limit was reached): no further page is read.
    pub fn stop(&mut self) {
        self.next = None;
        self.cut = true;
    }

    /// The next page's rows; `None` at the end or on a problem (recorded as a finding). A row that
    /// repeats an earlier one, a link that leaves the collection or loops, ends the walk.
    pub async fn next_page(&mut self, shared: &Shared, ctx: &Ctx) -> Option<Vec<Map<String, Value>>> {
        if self.page_limit.is_some_and(|n| self.pages >= n) {
            self.stop();
            return None;
        }
        let url = self.next.take()?;
        if let Some((at, limit)) = self.deadline
            && std::time::Instant::now() > at
        {
            self.paging(format!(
                "the walk had not ended after {} pages and {} s (the case's deadline): the nextLink chain may not end",
                self.pages,
                limit.as_secs()
            ));
            return None;
        }
        self.pages += 1;
        if self.pages > MAX_PAGES {
            self.paging(format!("more than {MAX_PAGES} pages: the nextLink chain does not end"));
            return None;
        }
        let client_request_id = crate::request_id::fresh();
        let out = Outgoing {
            method: "GET".into(),
            url: url.clone(),
            headers: vec![
                ("client-request-id".into(), client_request_id.clone()),
                ("Accept".into(), "application/json".into()),
            ],
            body: None,
            auth: crate::case::AuthMode::Target,
        };
        let mut info = ExchangeInfo { method: "GET".into(), url: url.clone(), client_request_id, ..Default::default() };
        let label = url.clone();
        let on_retry = move |note: &RetryNote| crate::report::term::errln!("note: listing {label}: {note}");
        let delivered = match ctx.http.send(&out, &on_retry).await {
            Ok(d) => d,
            Err(failure) => {
                self.add(failure.finding());
                self.retries.extend(failure.retries);
                self.exchange = Some(info);
                return None;
            }
        };
        self.retries.extend(delivered.retries);
        let a = delivered.answer;
        info.status = Some(a.status);
        info.request_id = a.header("request-id").map(str::to_string);
        info.date = a.header("date").map(str::to_string);
        info.elapsed = delivered.elapsed;
        self.exchange = Some(info);
        self.read_page(&url, &a, &shared.schemas)
    }

    /// Checks one answered page of the list and returns its rows (see [`ListWalk::next_page`]).
    pub fn read_page(
        &mut self,
        url: &str,
        a: &crate::check::Answer,
        schemas: &crate::schema::SchemaSet,
    ) -> Option<Vec<Map<String, Value>>> {
        if a.status != 200 {
            self.add(
                Finding::failure("status", "", format!("listing {url} answered {}", a.status))
                    .with_values("200", a.status.to_string()),
            );
            return None;
        }
        let body = match crate::json_strict::parse(&a.body) {
            Ok(v) => v,
            Err(e) => {
                self.add(Finding::failure("body.json", "", format!("a page of {url} is not acceptable JSON: {e}")));
                return None;
            }
        };
        // This page's findings say which page they are on: every page's rows are `/value/0…`.
        let before = self.findings.len();
        if let Some(t) = self.spec.type_name.as_deref().filter(|t| schemas.knows(t)) {
            let room = MAX_LIST_FINDINGS.saturating_sub(self.findings.len());
            let found = collection_findings(schemas, t, &body, None, false, room);
            self.findings.extend(found);
        }
        if self.pages == 1 {
            self.count = body.get("@odata.count").and_then(Value::as_u64);
        }
        let rows = body.get("value").and_then(Value::as_array)?;
        let mut items: Vec<Map<String, Value>> = Vec::with_capacity(rows.len());
        for (i, row) in rows.iter().enumerate() {
            let Some(obj) = row.as_object() else { continue };
            if self.findings.len() < MAX_LIST_FINDINGS {
                let mut found = Vec::new();
                invariants::check_entity(obj, &format!("/value/{i}"), &mut found);
                for f in found {
                    self.add(f);
                }
            }
            let id = key_text(obj.get(&self.spec.key));
            if let Some(id) = &id
                && !self.seen_ids.insert(id.to_ascii_lowercase())
            {
                self.name_page(before, url);
                self.paging(format!(
                    "row {} comes back a second time on page {}: the walk stops here",
                    crate::runner::instance::display_id(id),
                    self.pages
                ));
                self.next = None;
                self.items += items.len() as u64;
                return Some(items);
            }
            items.push(obj.clone());
        }
        self.name_page(before, url);
        self.items += items.len() as u64;
        if let Some(next) = body.get("@odata.nextLink").and_then(Value::as_str) {
            let parsed = reqwest::Url::parse(next).ok();
            let same_origin = parsed.as_ref().is_some_and(|u| u.origin().ascii_serialization() == self.origin);
            let same_collection =
                parsed.as_ref().is_some_and(|u| u.path().trim_end_matches('/').eq_ignore_ascii_case(&self.collection));
            if !same_origin {
                self.paging(format!(
                    "@odata.nextLink {next} leaves the target's origin {}; it is not followed (the token must not go elsewhere)",
                    self.origin
                ));
            } else if !same_collection {
                self.paging(format!(
                    "@odata.nextLink {next} is not a page of {}: it leads to another collection; it is not followed",
                    self.collection
                ));
            } else if !self.seen_links.insert(next.to_string()) || next == url {
                self.paging(format!("@odata.nextLink {next} points at a page already read: the pages loop"));
            } else {
                self.next = Some(next.to_string());
            }
        }
        Some(items)
    }

    /// Closes the walk: the count it saw is compared with `@odata.count` when it read every page.
    pub fn finish(mut self) -> (Vec<Finding>, Option<ExchangeInfo>, Vec<RetryNote>) {
        if let Some(count) = self.count
            && self.next.is_none()
            && !self.cut
            && self.findings.is_empty()
            && self.items != count
        {
            self.paging(format!("the pages held {} rows, but @odata.count says {count}", self.items));
        }
        (self.findings, self.exchange, self.retries)
    }

    /// The key of a row as text, or why it cannot be one (a finding on the list is added).
    pub fn key_of(&mut self, row: &Map<String, Value>) -> Option<String> {
        let shown = row.get(&self.spec.key);
        let Some(id) = key_text(shown) else {
            let what = match shown {
                None => format!("no {}", self.spec.key),
                Some(v) => format!("{} {}", self.spec.key, crate::check::status::clip(&v.to_string(), 80)),
            };
            self.add(Finding::failure("list.ids", "", format!("a row has {what}: it cannot be read by key")));
            return None;
        };
        if let Some(reason) = crate::odata::path::invalid_key(&id, &self.spec.key_edm) {
            self.add(Finding::failure(
                "list.ids",
                "",
                format!(
                    "a row's {} is {reason}: {}; the row is not read",
                    self.spec.key,
                    crate::runner::instance::display_id(&id)
                ),
            ));
            return None;
        }
        Some(id)
    }
}

/// A key value as text: a string as is, an integer in decimal.
fn key_text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) if n.is_i64() || n.is_u64() => Some(n.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(body: serde_json::Value) -> crate::check::Answer {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert("content-type", "application/json".parse().unwrap());
        crate::check::Answer { status: 200, headers, body: body.to_string().into() }
    }

    #[test]
    fn a_rows_finding_names_the_page_it_is_on() {
        let root = "http://127.0.0.1:1/beta/identityGovernance/lifecycleWorkflows/workflows";
        let spec = ItemSpec { type_name: None, key: "id".into(), key_edm: "Edm.String".into() };
        let mut walk = ListWalk::new(root.into(), spec);
        let schemas = crate::schema::project_schemas();
        let page2 = format!("{root}?$skiptoken=1");
        walk.pages = 1;
        let first = serde_json::json!({"value": [{"id": "a"}], "@odata.nextLink": page2});
        assert!(walk.read_page(root, &answer(first), schemas).is_some());
        walk.pages = 2;
        let second = serde_json::json!({"value": [{"id": "b", "totalTasksCount": 1, "failedTasksCount": 5}]});
        assert!(walk.read_page(&page2, &answer(second), schemas).is_some());
        let f = walk.findings.iter().find(|f| f.at.starts_with("/value/0")).expect("an invariant finding on page 2");
        assert!(f.message.ends_with(&format!("(page 2: {page2})")), "{}", f.message);
    }
}
