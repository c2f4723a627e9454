//! `run --discover`: real ids from a live tenant. Walks each suite's discovery steps (workflows →
//! runs → userProcessingResults) through the list endpoints, following `@odata.nextLink`, and runs
//! every entity case for each entity found, named `<suite>::<case>::<entity id>`, plus a check
//! that the entity read by id equals its row in the list. The cases that need no entity (unknown
//! ids, no token) run once, bound to the first entity. Everything streams: memory stays flat in
//! the number of entities.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use libtest_mimic::Arguments;
use serde_json::{Map, Value};

use super::config::RunConfig;
use super::ctx::{Ctx, Shared};
use super::instance::Bound;
use super::plan::{Planned, bind, plan};
use super::stream::{self, Counts, Display, Feed};
use crate::case::suite::DiscoveryStep;
use crate::case::{Case, Origin, ValueCheck};
use crate::check::schema::schema_findings;
use crate::check::{Finding, invariants};
use crate::odata::path::fill_template;
use crate::reference::Store;
use crate::report::{CaseReport, ExchangeInfo, Outcome, Palette, RenderOptions};
use crate::schema::{SchemaSet, Variant};
use crate::target::{Outgoing, RetryNote};

/// Pages one list may have before discovery calls it a loop.
const MAX_PAGES: u32 = 100_000;
/// Paging findings kept per list.
const MAX_LIST_FINDINGS: usize = 20;

/// A suite's discovery plan: its steps and the cases to instantiate.
pub struct SuitePlan {
    pub suite: String,
    pub steps: Vec<DiscoveryStep>,
    /// Cases run for every entity, shared by all of them.
    pub per_entity: Vec<Arc<Case>>,
    /// Cases run once, bound to the first entity.
    pub once: Vec<Case>,
}

/// Splits the planned cases by what discovery does with them: per-entity templates and run-once
/// cases of each suite that configures discovery, and everything else (passed through as planned).
pub fn suite_plans(
    planned: Vec<Planned>,
    suites: &[crate::case::Suite],
) -> Result<(Vec<SuitePlan>, Vec<Planned>), String> {
    let mut plans: Vec<SuitePlan> = suites
        .iter()
        .filter_map(|s| {
            let steps = s.config.as_ref()?.discovery.clone();
            (!steps.is_empty()).then(|| SuitePlan {
                suite: s.name.clone(),
                steps,
                per_entity: Vec::new(),
                once: Vec::new(),
            })
        })
        .collect();
    let mut passthrough: Vec<Planned> = Vec::new();
    for p in planned {
        let suite_plan = match &p {
            Planned::Run(c) | Planned::Skip(c, _) => plans.iter_mut().find(|s| s.suite == c.suite),
            _ => None,
        };
        match (p, suite_plan) {
            (Planned::Run(c), Some(sp)) if c.needs_entity => sp.per_entity.push(Arc::new(*c)),
            (Planned::Skip(c, _), Some(sp)) if c.needs_entity && !c.is_mutating() => sp.per_entity.push(Arc::new(*c)),
            (Planned::Run(c), Some(sp)) => sp.once.push(*c),
            (other, _) => passthrough.push(other),
        }
    }
    if plans.is_empty() {
        return Err("no suite configures discovery (\"discovery\" in cases/<suite>.suite.json)".into());
    }
    Ok((plans, passthrough))
}

/// Runs discovery (or, with `--list`, prints the names it would run). Returns the counts.
pub fn run_discovery(
    config: RunConfig,
    args: &Arguments,
    display: Display,
    mut observe: impl FnMut(&CaseReport) + Send + 'static,
) -> Result<Counts, String> {
    let schemas = Arc::new(SchemaSet::load(&config.schemas_dir)?);
    let (planned, suites) = plan(&config, &schemas)?;
    let store = Arc::new(Store::from_suites(&suites, config.embedded.entities));
    let render = RenderOptions { palette: Palette { color: config.color }, diff_lines: config.diff_lines };
    let concurrency = config.http.concurrency;
    let max_entities = config.max_entities.unwrap_or(usize::MAX);
    let shared = Arc::new(Shared::new(config, schemas, store, render)?);

    let (plans, passthrough) = suite_plans(planned, &suites)?;
    let list_only = args.list;
    let shared_for_producer = shared.clone();
    let producer = move |feed: Feed| async move {
        for p in passthrough {
            if !feed.send(p).await {
                return;
            }
        }
        for sp in plans {
            discover_suite(&shared_for_producer, &sp, max_entities, list_only, &feed).await;
        }
    };
    let display = if list_only { Display::Silent } else { display };
    let counts = stream::run(shared.clone(), args, display, concurrency, producer, move |r| {
        if list_only {
            println!("{}: test", r.name);
        }
        observe(r);
    })?;
    if let Some(sinks) = shared.take_sinks()
        && !list_only
    {
        let (warnings, errors) = sinks.finish(&shared.config);
        for e in errors {
            eprintln!("error: {e}");
        }
        if !warnings.is_empty() && display != Display::Silent {
            println!("warnings ({}), which do not fail a case:", warnings.len());
            for w in &warnings {
                println!("  {w}");
            }
        }
    }
    Ok(counts)
}

/// Walks one suite's lists and feeds its cases.
async fn discover_suite(shared: &Arc<Shared>, sp: &SuitePlan, max_entities: usize, list_only: bool, feed: &Feed) {
    let Ok(ctx) = shared.ctx() else { return };
    let mut found = 0usize;
    // Depth-first over the steps, in list order.
    let mut pending: Vec<(usize, BTreeMap<String, String>)> = vec![(0, BTreeMap::new())];
    while let Some((depth, binding)) = pending.pop() {
        let step = &sp.steps[depth];
        let last = depth + 1 == sp.steps.len();
        let path = match fill_template(&step.list, &binding) {
            Ok(p) => p,
            Err(missing) => {
                let r = walk_report(
                    &sp.suite,
                    step,
                    &binding,
                    vec![Finding::failure(
                        "list.paging",
                        "",
                        format!("the discovery step's list template needs {missing}, which no earlier step provides"),
                    )],
                    None,
                );
                let _ = feed.send(Planned::Done(Box::new(r))).await;
                return;
            }
        };
        let mut walk = ListWalk::new(format!("{}{}", ctx.service_root, path));
        let mut children = Vec::new();
        while let Some(items) = walk.next_page(shared, ctx, step.item_type.as_deref()).await {
            for item in items {
                let Some(id) = item.get("id").and_then(Value::as_str).map(str::to_string) else {
                    continue;
                };
                let mut b = binding.clone();
                b.insert(step.param.clone(), id.clone());
                if !last {
                    children.push((depth + 1, b));
                    continue;
                }
                if found == 0 {
                    for case in &sp.once {
                        let mut c = case.clone();
                        bind(&mut c, &b);
                        if !send(feed, Planned::Run(Box::new(c)), list_only).await {
                            return;
                        }
                    }
                }
                found += 1;
                for planned in entity_cases(sp, Arc::new(b), &id, &item) {
                    if !send(feed, planned, list_only).await {
                        return;
                    }
                }
                if found >= max_entities {
                    let r = walk.finish(&sp.suite, step, &binding);
                    let _ = feed.send(Planned::Done(Box::new(r))).await;
                    return;
                }
            }
        }
        let r = walk.finish(&sp.suite, step, &binding);
        if !feed.send(Planned::Done(Box::new(r))).await {
            return;
        }
        pending.extend(children.into_iter().rev());
    }
    if found == 0 {
        let mut r = walk_report(&sp.suite, &sp.steps[0], &BTreeMap::new(), Vec::new(), None);
        r.name = format!("{}::discovery", sp.suite);
        r.outcome = Outcome::Failed;
        r.error = Some("discovery found no entity, so no entity case ran; create a workflow run in the tenant, or pass --param for each id".into());
        let _ = feed.send(Planned::Done(Box::new(r))).await;
    }
}

async fn send(feed: &Feed, planned: Planned, list_only: bool) -> bool {
    if list_only {
        let mut report = CaseReport::new(planned.name(), String::new());
        report.outcome = Outcome::Ignored("listed".into());
        return feed.send(Planned::Done(Box::new(report))).await;
    }
    feed.send(planned).await
}

/// The cases of one discovered entity: every entity case bound to its ids, and the list-row check.
pub fn entity_cases(
    sp: &SuitePlan,
    binding: Arc<BTreeMap<String, String>>,
    id: &str,
    row: &Map<String, Value>,
) -> Vec<Planned> {
    let id: Arc<str> = Arc::from(id);
    let mut out: Vec<Planned> = Vec::with_capacity(sp.per_entity.len() + 1);
    let plain_read = sp.per_entity.iter().find(|c| {
        c.request.query.is_none() && c.request.headers.is_empty() && c.request.method.eq_ignore_ascii_case("GET")
    });
    if let Some(read) = plain_read.or(sp.per_entity.first()) {
        let mut c = (**read).clone();
        bind(&mut c, &binding);
        c.name = format!("discovered::list_consistency::{id}");
        c.set_query(None);
        c.request.headers.clear();
        c.values = ValueCheck::ListRow;
        let expect = Arc::make_mut(&mut c.expect);
        expect.body = Some(Value::Object(
            row.iter().filter(|(k, _)| !k.starts_with('@')).map(|(k, v)| (k.clone(), v.clone())).collect(),
        ));
        expect.truncated = true;
        c.origin =
            Arc::new(Origin { derived: Some(format!("discovery: the row of {id} in its list")), ..Default::default() });
        c.notes = Arc::new(vec!["the entity read by id must repeat every value of its row in the list".into()]);
        out.push(Planned::Run(Box::new(c)));
    }
    for case in &sp.per_entity {
        out.push(Planned::Bound(Box::new(Bound { case: case.clone(), params: binding.clone(), id: id.clone() })));
    }
    out
}

/// One list, page by page, with the paging rules checked as it goes.
struct ListWalk {
    next: Option<String>,
    origin: String,
    seen_links: HashSet<String>,
    seen_ids: HashSet<String>,
    count: Option<u64>,
    items: u64,
    pages: u32,
    findings: Vec<Finding>,
    exchange: Option<ExchangeInfo>,
    retries: Vec<RetryNote>,
}

impl ListWalk {
    fn new(first: String) -> Self {
        let origin = reqwest::Url::parse(&first).map(|u| u.origin().ascii_serialization()).unwrap_or_default();
        ListWalk {
            next: Some(first),
            origin,
            seen_links: HashSet::new(),
            seen_ids: HashSet::new(),
            count: None,
            items: 0,
            pages: 0,
            findings: Vec::new(),
            exchange: None,
            retries: Vec::new(),
        }
    }

    fn paging(&mut self, message: String) {
        if self.findings.len() < MAX_LIST_FINDINGS {
            self.findings.push(Finding::failure("list.paging", "", message));
        }
    }

    /// The next page's items; `None` at the end or on a problem (recorded as a finding).
    async fn next_page(
        &mut self,
        shared: &Shared,
        ctx: &Ctx,
        item_type: Option<&str>,
    ) -> Option<Vec<Map<String, Value>>> {
        let url = self.next.take()?;
        self.pages += 1;
        if self.pages > MAX_PAGES {
            self.paging(format!("more than {MAX_PAGES} pages: the nextLink chain does not end"));
            return None;
        }
        let client_request_id = uuid::Uuid::new_v4().to_string();
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
        let redactor = shared.redactor.clone();
        let label = url.clone();
        let on_retry =
            move |note: &RetryNote| eprintln!("{}", redactor.redact(&format!("note: listing {label}: {note}")));
        let delivered = match ctx.http.send(&out, &on_retry).await {
            Ok(d) => d,
            Err(failure) => {
                self.retries.extend(failure.retries);
                self.findings.push(Finding::failure("transport", "", failure.error.to_string()));
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
        if a.status != 200 {
            self.findings.push(
                Finding::failure("status", "", format!("listing {url} answered {}", a.status))
                    .with_values("200", a.status.to_string()),
            );
            return None;
        }
        let body = match crate::json_strict::parse(&a.body) {
            Ok(v) => v,
            Err(e) => {
                self.findings.push(Finding::failure(
                    "body.json",
                    "",
                    format!("a page of {url} is not acceptable JSON: {e}"),
                ));
                return None;
            }
        };
        if let Some(t) = item_type.filter(|t| shared.schemas.knows(t)) {
            let variant = Variant {
                type_name: t.to_string(),
                collection: true,
                select: None,
                include_unknown_enum_members: false,
            };
            if let Ok(v) = shared.schemas.validator(&variant) {
                let found = schema_findings(&v, &body, "schema", None, &shared.schemas, false);
                self.findings.extend(found.into_iter().take(MAX_LIST_FINDINGS));
            }
        }
        if self.pages == 1 {
            self.count = body.get("@odata.count").and_then(Value::as_u64);
        }
        let items: Vec<Map<String, Value>> = body
            .get("value")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(|v| v.as_object().cloned()).collect())
            .unwrap_or_default();
        for (i, item) in items.iter().enumerate() {
            invariants::check_entity(item, &format!("/value/{i}"), &mut self.findings);
            if let Some(id) = item.get("id").and_then(Value::as_str)
                && !self.seen_ids.insert(id.to_ascii_lowercase())
            {
                self.paging(format!("item {id} comes back a second time on page {}", self.pages));
            }
        }
        self.items += items.len() as u64;
        if let Some(next) = body.get("@odata.nextLink").and_then(Value::as_str) {
            let same_origin =
                reqwest::Url::parse(next).map(|u| u.origin().ascii_serialization() == self.origin).unwrap_or(false);
            if !same_origin {
                self.paging(format!("@odata.nextLink {next} leaves the target's origin {}; it is not followed (the token must not go elsewhere)", self.origin));
            } else if !self.seen_links.insert(next.to_string()) || next == url {
                self.paging(format!("@odata.nextLink {next} points at a page already read: the pages loop"));
            } else {
                self.next = Some(next.to_string());
            }
        }
        Some(items)
    }

    fn finish(mut self, suite: &str, step: &DiscoveryStep, binding: &BTreeMap<String, String>) -> CaseReport {
        if let Some(count) = self.count
            && self.next.is_none()
            && self.findings.is_empty()
            && self.items != count
        {
            self.paging(format!("the pages held {} items, but @odata.count says {count}", self.items));
        }
        let mut report = walk_report(suite, step, binding, self.findings, self.exchange);
        report.retries = self.retries;
        report
    }
}

/// The report of one list walk: `<suite>::discovery::<list>[::<parent id>]`.
fn walk_report(
    suite: &str,
    step: &DiscoveryStep,
    binding: &BTreeMap<String, String>,
    findings: Vec<Finding>,
    exchange: Option<ExchangeInfo>,
) -> CaseReport {
    let list = step.list.trim_end_matches('/').rsplit('/').next().unwrap_or("list");
    let parent =
        step.list.split('/').filter_map(crate::odata::path::template_param).next_back().and_then(|p| binding.get(p));
    let name = match parent {
        Some(id) => format!("{suite}::discovery::{list}::{id}"),
        None => format!("{suite}::discovery::{list}"),
    };
    let mut report = CaseReport::new(name, suite.to_string());
    if findings.iter().any(|f| f.severity == crate::check::Severity::Failure) {
        report.outcome = Outcome::Failed;
    }
    report.findings = findings;
    report.exchange = exchange;
    report.origin =
        Origin { derived: Some(format!("discovery step {} ({})", step.param, step.list)), ..Default::default() };
    report
}
