//! `run --discover`: real ids from a live tenant, over the whole family. The levels are the
//! collections whose keys the cases' paths need (workflows → runs → userProcessingResults, versions,
//! tasks, taskReports, taskDefinitions, customTaskExtensions, deleted workflows, ...), each listed
//! through `@odata.nextLink`. For every entity found, every case whose deepest key is that level
//! runs bound to the entity's chain of ids, named `<suite>::<case>::<ids>`; where a case reads that
//! level's entity by key, the entity read equals its row in the list. The cases that need no entity
//! (unknown ids, no token) run once per level, bound to its first entity.
//!
//! The walk is depth-first and streams: it holds one page per open list, `--max-entities` bounds
//! the entities taken at each level (so time and memory are bounded at every level whatever the
//! tenant holds), and `--param` pins a level to one id instead of listing it.

use std::collections::VecDeque;
use std::sync::Arc;

use libtest_mimic::Arguments;
use serde_json::{Map, Value};

use super::config::RunConfig;
use super::ctx::Shared;
use super::instance::{Bound, display_id};
use super::plan::{Pins, Planned, plan};
use super::stream::{self, Counts, Display, Feed};
use super::walk::{ItemSpec, ListWalk};
use crate::case::{Case, Origin, ValueCheck};
use crate::check::Finding;
use crate::metadata::resolve::StepKind;
use crate::odata::path::fill_template;
use crate::reference::Store;
use crate::report::{CaseReport, ExchangeInfo, Outcome};
use crate::schema::SchemaSet;

/// One collection whose keys some case needs.
#[derive(Debug)]
pub struct Level {
    /// The model's names of the members up to the collection (`…/workflows/runs`).
    pub node: String,
    pub parent: Option<usize>,
    /// How to list it: a template whose parameters are the parent levels' keys, in order.
    pub list: String,
    pub list_params: Vec<String>,
    pub item: ItemSpec,
    /// Cases whose deepest key is this level, run for each of its entities.
    pub per_entity: Vec<Arc<Case>>,
    /// Cases of this level that need no entity (unknown ids, no token): run once.
    pub once: Vec<Arc<Case>>,
    /// A plain read of this level's entity by key, for the list-consistency check.
    pub read: Option<Arc<Case>>,
    /// `--param` pins this level to one id.
    pub pinned: Option<String>,
}

/// The levels of a run and the cases that need no key.
pub struct Tree {
    pub levels: Vec<Level>,
    /// Cases without keys, and everything not sent per entity.
    pub passthrough: Vec<Planned>,
}

/// Sorts the planned cases into levels: each case by its deepest key's level, the levels linked
/// into a tree by their parents.
pub fn tree(planned: Vec<Planned>, pins: &Pins, schemas: &SchemaSet) -> Tree {
    let mut levels: Vec<Level> = Vec::new();
    let mut passthrough = Vec::new();
    for p in planned {
        let case = match p {
            Planned::Run(c) => c,
            Planned::Skip(c, reason)
                if c.unresolved.is_some() || (c.is_mutating() && reason.contains("--allow-writes")) =>
            {
                passthrough.push(Planned::Skip(c, reason));
                continue;
            }
            Planned::Skip(c, _) => c,
            other => {
                passthrough.push(other);
                continue;
            }
        };
        let chain = case.levels();
        if chain.is_empty() || case.path_template.is_none() {
            passthrough.push(Planned::Run(case));
            continue;
        }
        let mut parent = None;
        for (depth, node) in chain.iter().enumerate() {
            let found = levels.iter().position(|l| &l.node == node);
            let idx = match found {
                Some(i) => i,
                None => {
                    let (list, list_params) = list_template(&case, depth);
                    let item_type = case.resolved.as_deref().and_then(|r| {
                        r.keys().nth(depth).and_then(|(_, s)| match &s.kind {
                            StepKind::Key { type_name, property, edm, .. } => {
                                Some((type_name.clone(), property.clone(), edm.clone()))
                            }
                            _ => None,
                        })
                    });
                    let (type_name, key, key_edm) = item_type.unwrap_or_default();
                    levels.push(Level {
                        node: node.clone(),
                        parent,
                        list,
                        list_params,
                        item: ItemSpec { type_name: Some(type_name).filter(|t| schemas.knows(t)), key, key_edm },
                        per_entity: Vec::new(),
                        once: Vec::new(),
                        read: None,
                        pinned: pins.by_level.get(node).cloned(),
                    });
                    levels.len() - 1
                }
            };
            parent = Some(idx);
        }
        let deepest = parent.expect("a non-empty chain");
        let case = Arc::new(*case);
        let level = &mut levels[deepest];
        if case.needs_entity || case.is_mutating() {
            let plain_read = case.request.method.eq_ignore_ascii_case("GET")
                && case.request.query.is_none()
                && case.request.headers.is_empty()
                && case.resolved.as_deref().is_some_and(|r| r.is_keyed_entity())
                && case.resource_type.is_some();
            if plain_read && level.read.is_none() {
                level.read = Some(case.clone());
            }
            level.per_entity.push(case);
        } else {
            level.once.push(case);
        }
    }
    Tree { levels, passthrough }
}

/// The template listing level `depth` of `case`'s path: its path up to that key, the earlier keys
/// its parameters.
fn list_template(case: &Case, depth: usize) -> (String, Vec<String>) {
    let (Some(r), Some(t)) = (case.resolved.as_deref(), case.path_template.as_deref()) else {
        return (String::new(), Vec::new());
    };
    let Some((key_index, _)) = r.keys().nth(depth) else { return (String::new(), Vec::new()) };
    let parts = crate::metadata::resolve::split_segments(t);
    // A key in parentheses (`subjects(objectId='{id}')`) is a step without a segment of its own:
    // the list is the segment without its parentheses.
    let in_parens = |i: usize| r.key_in_parens_at(i);
    let taken = (0..key_index).filter(|&i| !in_parens(i)).count().min(parts.len());
    let mut list = parts[..taken].iter().map(|p| format!("/{p}")).collect::<String>();
    if in_parens(key_index)
        && let Some(open) = list.rfind('(')
        && list[open..].find('/').is_none()
    {
        list.truncate(open);
    }
    let params = case.key_params().into_iter().take(depth).collect();
    (list, params)
}

/// Runs discovery (or, with `--list`, prints the names it would run). Returns the counts.
pub fn run_discovery(
    config: RunConfig,
    args: &Arguments,
    display: Display,
    mut observe: impl FnMut(&CaseReport) + Send + 'static,
) -> Result<Counts, String> {
    let config = super::versions::single(&config)?;
    let schemas = Arc::new(SchemaSet::load(&config.schemas_dir)?);
    let (planned, suites) = plan(&config, &schemas)?;
    let store =
        Arc::new(Store::from_suites(&suites, schemas.clone(), config.embedded.entities)?.with_version(&config.version));
    let render = config.render();
    let concurrency = config.http.concurrency;
    let max_entities = config.max_entities.unwrap_or(usize::MAX);
    let pins = {
        let cases: Vec<&Case> = planned
            .iter()
            .filter_map(|p| match p {
                Planned::Run(c) | Planned::Skip(c, _) => Some(c.as_ref()),
                _ => None,
            })
            .collect();
        Pins::new(&config.params, &cases)?
    };
    let shared = Arc::new(Shared::new(config, schemas, store, render)?);
    shared.cover(&suites);
    if shared.config.preflight && !args.list {
        super::preflight::preflight(&shared, &planned)?;
    }
    let tree = tree(planned, &pins, &shared.schemas);
    let list_only = args.list;
    let shared_for_producer = shared.clone();
    let producer = move |feed: Feed| async move {
        let Tree { levels, passthrough } = tree;
        for p in passthrough {
            if !send(&feed, p, list_only).await {
                return;
            }
        }
        walk_levels(&shared_for_producer, &levels, max_entities, list_only, &feed).await;
    };
    let display = if list_only { Display::Silent } else { display };
    let mut counts = stream::run(shared.clone(), args, display, concurrency, producer, move |r| {
        if list_only {
            crate::report::term::outln!("{}: test", r.name);
        }
        observe(r);
    })?;
    if !list_only {
        stream::close(&shared, display, args.quiet, &mut counts)?;
    }
    Ok(counts)
}

/// One open list: its level, the parent chain of ids, the walk, the page being consumed.
struct Frame {
    level: usize,
    chain: Vec<String>,
    walk: Option<ListWalk>,
    page: VecDeque<Map<String, Value>>,
}

/// Walks every level depth-first; a level's children are walked for each of its entities before
/// the next entity of the level.
async fn walk_levels(shared: &Arc<Shared>, levels: &[Level], max_entities: usize, list_only: bool, feed: &Feed) {
    let Ok(ctx) = shared.ctx() else { return };
    let mut found = vec![0usize; levels.len()];
    let mut once_sent = vec![false; levels.len()];
    let mut stack: Vec<Frame> = Vec::new();
    for root in (0..levels.len()).rev().filter(|i| levels[*i].parent.is_none()) {
        stack.push(Frame { level: root, chain: Vec::new(), walk: None, page: VecDeque::new() });
    }
    while let Some(top) = stack.last_mut() {
        let level = &levels[top.level];
        let li = top.level;
        // A pinned level yields its one id, once per parent chain.
        if let Some(id) = &level.pinned {
            let chain = top.chain.clone();
            stack.pop();
            let mut ids = chain;
            ids.push(id.clone());
            if !emit(levels, li, &ids, None, &mut once_sent, list_only, feed).await {
                return;
            }
            found[li] += 1;
            shared.progress.found(&level_label(level));
            push_children(&mut stack, levels, li, &ids);
            continue;
        }
        if top.walk.is_none() {
            if found[li] >= max_entities {
                stack.pop();
                continue;
            }
            let path = fill_template(&level.list, |p| {
                level.list_params.iter().position(|x| x == p).and_then(|i| top.chain.get(i)).map(String::as_str)
            });
            let Ok(path) = path else {
                let r = walk_report(
                    &shared.config,
                    level,
                    &top.chain,
                    vec![Finding::failure("harness", "", format!("the list template {} cannot be filled", level.list))],
                    None,
                );
                stack.pop();
                if !feed.send(Planned::Done(Box::new(r))).await {
                    return;
                }
                continue;
            };
            top.walk = Some(ListWalk::new(format!("{}{}", ctx.service_root, path), level.item.clone()));
        }
        if top.page.is_empty() {
            let walk = top.walk.as_mut().expect("just set");
            match walk.next_page(shared, ctx).await {
                Some(rows) => {
                    top.page.extend(rows);
                    continue;
                }
                None => {
                    let frame = stack.pop().expect("the top frame");
                    let (findings, exchange, retries) = frame.walk.expect("a walk").finish();
                    let mut r = walk_report(&shared.config, level, &frame.chain, findings, exchange);
                    r.retries = retries;
                    if !feed.send(Planned::Done(Box::new(r))).await {
                        return;
                    }
                    continue;
                }
            }
        }
        let row = top.page.pop_front().expect("a row");
        if found[li] >= max_entities {
            top.page.clear();
            if let Some(w) = top.walk.as_mut() {
                w.stop();
            }
            continue;
        }
        let walk = top.walk.as_mut().expect("a walk");
        let Some(id) = walk.key_of(&row) else { continue };
        let mut ids = top.chain.clone();
        ids.push(id);
        found[li] += 1;
        shared.progress.found(&level_label(level));
        if !emit(levels, li, &ids, Some(&row), &mut once_sent, list_only, feed).await {
            return;
        }
        push_children(&mut stack, levels, li, &ids);
    }
    for (i, level) in levels.iter().enumerate().filter(|(i, _)| found[*i] == 0) {
        let waiting = level.per_entity.len() + level.once.len();
        // Named apart from the level's walk report (`discovery::<level>`), which an empty list also has.
        let mut r = CaseReport::new(format!("discovery::{}::no_entity", level_label(level)), "discovery".into());
        r.outcome = Outcome::Ignored(format!(
            "no entity found at this level, so its {waiting} case(s) did not run; create one in the tenant, or pass --param for its key"
        ));
        r.origin = Origin { derived: Some(format!("discovery level {} ({})", i, level.node)), ..Default::default() };
        if !feed.send(Planned::Done(Box::new(r))).await {
            return;
        }
    }
    if found.iter().all(|n| *n == 0) && !levels.is_empty() {
        let mut r = CaseReport::new("discovery::no_entity".into(), "discovery".into());
        r.outcome = Outcome::Failed;
        let top = levels.iter().find(|l| l.parent.is_none()).map(level_label).unwrap_or_default();
        r.error = Some(format!(
            "discovery found no entity at any level, so no entity case ran; create one in the tenant (under {top}), or pass --param for its ids"
        ));
        let _ = feed.send(Planned::Done(Box::new(r))).await;
    }
}

/// Queues the child levels of `level` for the entity `ids` (in level order).
fn push_children(stack: &mut Vec<Frame>, levels: &[Level], level: usize, ids: &[String]) {
    for child in (0..levels.len()).rev().filter(|c| levels[*c].parent == Some(level)) {
        stack.push(Frame { level: child, chain: ids.to_vec(), walk: None, page: VecDeque::new() });
    }
}

/// The cases of one discovered entity: the run-once cases of its level (for the first entity),
/// the list-consistency check, and every per-entity case bound to its ids.
async fn emit(
    levels: &[Level],
    li: usize,
    ids: &[String],
    row: Option<&Map<String, Value>>,
    once_sent: &mut [bool],
    list_only: bool,
    feed: &Feed,
) -> bool {
    let level = &levels[li];
    let ids: Arc<[String]> = ids.to_vec().into();
    let label: Arc<str> = ids.iter().map(|i| display_id(i)).collect::<Vec<_>>().join("/").into();
    if !once_sent[li] {
        once_sent[li] = true;
        for case in &level.once {
            let b = Bound { case: case.clone(), ids: ids.clone(), label: "".into() };
            if !send(feed, Planned::Bound(Box::new(b)), list_only).await {
                return false;
            }
        }
    }
    if let (Some(read), Some(row)) = (&level.read, row) {
        let c = consistency_case(read, &ids, &label, row);
        if !send(feed, Planned::Run(Box::new(c)), list_only).await {
            return false;
        }
    }
    for case in &level.per_entity {
        let b = Bound { case: case.clone(), ids: ids.clone(), label: label.clone() };
        if !send(feed, Planned::Bound(Box::new(b)), list_only).await {
            return false;
        }
    }
    true
}

async fn send(feed: &Feed, planned: Planned, list_only: bool) -> bool {
    if list_only {
        let mut report = CaseReport::new(planned.name(), String::new());
        report.outcome = Outcome::Ignored("listed".into());
        return feed.send(Planned::Done(Box::new(report))).await;
    }
    feed.send(planned).await
}

/// The entity read by key must repeat every value of its row in the list.
fn consistency_case(read: &Case, ids: &Arc<[String]>, label: &str, row: &Map<String, Value>) -> Case {
    let b = Bound { case: Arc::new(read.clone()), ids: ids.clone(), label: label.into() };
    let mut c = read.clone();
    c.request.path = b.path();
    // The metadata suite reads many levels: its checks name the read they repeat.
    let metadata = read.suite.rsplit('/').next() == Some(crate::case::from_metadata::SUITE);
    c.name = if metadata {
        format!("discovered::list_consistency::{}::{label}", read.name)
    } else {
        format!("discovered::list_consistency::{label}")
    };
    c.discovered = Some(ids.clone());
    c.set_query(None);
    c.request.headers.clear();
    c.values = ValueCheck::ListRow;
    let expect = Arc::make_mut(&mut c.expect);
    expect.body = Some(Value::Object(
        row.iter().filter(|(k, _)| !k.contains('@')).map(|(k, v)| (k.clone(), v.clone())).collect(),
    ));
    expect.truncated = true;
    c.origin =
        Arc::new(Origin { derived: Some(format!("discovery: the row of {label} in its list")), ..Default::default() });
    c.notes = Arc::new(vec!["the entity read by key must repeat every value of its row in the list".into()]);
    c
}

/// A level's short name: the node's members after the first two (`workflows.runs`).
fn level_label(level: &Level) -> String {
    let parts: Vec<&str> = level.node.split('/').collect();
    let skip = 2.min(parts.len().saturating_sub(1));
    parts[skip..].join(".")
}

/// The report of one list walk: `discovery::<level>[::<parent ids>]`.
fn walk_report(
    config: &RunConfig,
    level: &Level,
    chain: &[String],
    findings: Vec<Finding>,
    exchange: Option<ExchangeInfo>,
) -> CaseReport {
    let label = level_label(level);
    let name = if chain.is_empty() {
        format!("discovery::{label}")
    } else {
        format!("discovery::{label}::{}", chain.iter().map(|i| display_id(i)).collect::<Vec<_>>().join("/"))
    };
    let mut report = CaseReport::new(name, "discovery".into());
    report.checked = super::walk::walk_rules();
    if findings.iter().any(|f| f.severity == crate::check::Severity::Failure) {
        report.outcome = Outcome::Failed;
        // The parent levels' ids lead discovery back to this list.
        let pins: Vec<(String, String)> = level.list_params.iter().cloned().zip(chain.iter().cloned()).collect();
        report.rerun = config.rerun(&report.name, &pins);
    }
    report.findings = findings;
    report.exchange = exchange;
    report.origin = Origin { derived: Some(format!("discovery: the list {}", level.list)), ..Default::default() };
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_short_and_distinct() {
        let l = |node: &str| Level {
            node: node.into(),
            parent: None,
            list: String::new(),
            list_params: vec![],
            item: ItemSpec::default(),
            per_entity: vec![],
            once: vec![],
            read: None,
            pinned: None,
        };
        assert_eq!(level_label(&l("identityGovernance/lifecycleWorkflows/workflows")), "workflows");
        assert_eq!(level_label(&l("identityGovernance/lifecycleWorkflows/workflows/runs")), "workflows.runs");
        assert_eq!(
            level_label(&l("identityGovernance/lifecycleWorkflows/deletedItems/workflows")),
            "deletedItems.workflows"
        );
    }
}
