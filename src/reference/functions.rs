//! The family's bound functions, computed from the data they sum: the `summary` of runs, of
//! userProcessingResults and of taskReports between two instants, and the insights over every
//! workflow's runs. A call that an example documents answers as documented (the docs' summaries
//! and lists disagree, see README); every other call is computed.

use serde_json::{Map, Value, json};

use super::location::{Address, Location};
use super::store::Store;
use crate::metadata::Operation;

/// How many runs the insights functions sum at most (over every workflow of a large tenant).
pub const MAX_INSIGHT_RUNS: usize = 10_000;

/// Why a call cannot be answered: (status, code, message).
pub type CallError = (u16, &'static str, String);

/// Answers `operation(args)` bound to `target`.
pub fn call(
    store: &Store,
    sandbox: &str,
    target: &Location,
    operation: &Operation,
    args: &[(String, String)],
) -> Result<Value, CallError> {
    if let Some(e) = missing_parameter(operation, args) {
        return Err(e);
    }
    let window = window(args)?;
    if let Some(v) = store.data.functions.get(&super::data::call_key(target, &operation.name, args)) {
        return Ok(v.clone());
    }
    let rows = |coll: &Address, type_name: &str| -> Vec<Map<String, Value>> {
        {
            let v = store.collection(coll, type_name, sandbox);
            v.page(0, v.len().min(100_000))
        }
    };
    match (operation.name.as_str(), target) {
        ("summary", Location::Collection { coll, type_name }) if type_name.ends_with(".run") => {
            Ok(run_summary(&in_window(rows(coll, type_name), "scheduledDateTime", window)))
        }
        ("summary", Location::Collection { coll, type_name }) if type_name.ends_with(".userProcessingResult") => {
            Ok(user_summary(&in_window(rows(coll, type_name), "scheduledDateTime", window)))
        }
        ("summary", Location::Collection { coll, type_name }) if type_name.ends_with(".taskReport") => {
            Ok(task_report_summary(&in_window(rows(coll, type_name), "startedDateTime", window)))
        }
        (name, Location::Single { addr, .. }) if addr.node.ends_with("/insights") => {
            let runs = all_runs(store, sandbox, &addr.node, window);
            match name {
                "workflowsProcessedSummary" => {
                    Ok(insights_summary(&runs.iter().map(|(_, r)| r.clone()).collect::<Vec<_>>()))
                }
                "workflowsProcessedByCategory" => Ok(by_category(&runs)),
                "topWorkflowsProcessedSummary" => Ok(top_workflows(&runs)),
                _ => Ok(of_its_type(store, operation)),
            }
        }
        _ => Ok(of_its_type(store, operation)),
    }
}

/// The answer of a function this server does not compute: a value of its return type, as the
/// metadata declares it (an empty collection; a complex value with the fake's values, as for
/// undocumented properties). Clients see Graph's shape; the figures mean nothing.
fn of_its_type(store: &Store, operation: &Operation) -> Value {
    let Some(ret) = operation.returns.as_ref() else { return Value::Null };
    if ret.collection {
        return json!({ "value": [] });
    }
    let mut v = Map::new();
    if store.model.structured(&ret.type_name).is_some() {
        super::fake::complete(&store.model, &ret.type_name, &mut v, &operation.name);
        return Value::Object(v);
    }
    match ret.type_name.as_str() {
        "Edm.Boolean" => json!({ "value": false }),
        "Edm.String" => json!({ "value": "" }),
        _ => json!({ "value": 0 }),
    }
}

/// The 400 for a required parameter the call leaves out.
pub fn missing_parameter(operation: &Operation, args: &[(String, String)]) -> Option<CallError> {
    operation
        .parameters
        .iter()
        .find(|p| !p.nullable && !args.iter().any(|(k, _)| k.eq_ignore_ascii_case(&p.name)))
        .map(|p| (400, "BadRequest", format!("The function parameter '{}' is missing.", p.name)))
}

type Window = (jiff::Timestamp, jiff::Timestamp);

fn window(args: &[(String, String)]) -> Result<Option<Window>, CallError> {
    let get = |name: &str| args.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.trim_matches('\''));
    let parse = |name: &str, v: &str| {
        v.parse::<jiff::Timestamp>().map_err(|_| {
            (400, "BadRequest", format!("The value '{v}' of parameter '{name}' is not an Edm.DateTimeOffset."))
        })
    };
    match (get("startDateTime"), get("endDateTime")) {
        (Some(s), Some(e)) => Ok(Some((parse("startDateTime", s)?, parse("endDateTime", e)?))),
        _ => Ok(None),
    }
}

fn in_window(rows: Vec<Map<String, Value>>, field: &str, w: Option<Window>) -> Vec<Map<String, Value>> {
    let Some((start, end)) = w else { return rows };
    rows.into_iter()
        .filter(|r| {
            r.get(field)
                .and_then(Value::as_str)
                .and_then(|s| s.parse::<jiff::Timestamp>().ok())
                .is_some_and(|t| t >= start && t < end)
        })
        .collect()
}

fn int(r: &Map<String, Value>, k: &str) -> i64 {
    r.get(k).and_then(Value::as_i64).unwrap_or(0)
}

fn status(r: &Map<String, Value>) -> &str {
    r.get("processingStatus").and_then(Value::as_str).unwrap_or("")
}

fn failed(s: &str) -> bool {
    matches!(s, "failed" | "completedWithErrors")
}

fn run_summary(runs: &[Map<String, Value>]) -> Value {
    json!({
        "failedRuns": runs.iter().filter(|r| failed(status(r))).count(),
        "failedTasks": runs.iter().map(|r| int(r, "failedTasksCount")).sum::<i64>(),
        "successfulRuns": runs.iter().filter(|r| status(r) == "completed").count(),
        "totalRuns": runs.len(),
        "totalTasks": runs.iter().map(|r| int(r, "totalTasksCount")).sum::<i64>(),
        "totalUsers": runs.iter().map(|r| int(r, "totalUsersCount")).sum::<i64>(),
    })
}

fn user_summary(results: &[Map<String, Value>]) -> Value {
    json!({
        "failedTasks": results.iter().map(|r| int(r, "failedTasksCount")).sum::<i64>(),
        "failedUsers": results.iter().filter(|r| failed(status(r))).count(),
        "successfulUsers": results.iter().filter(|r| status(r) == "completed").count(),
        "totalTasks": results.iter().map(|r| int(r, "totalTasksCount")).sum::<i64>(),
        "totalUsers": results.len(),
    })
}

fn task_report_summary(reports: &[Map<String, Value>]) -> Value {
    json!({
        "failedTasks": reports.iter().map(|r| int(r, "failedUsersCount")).sum::<i64>(),
        "successfulTasks": reports.iter().map(|r| int(r, "successfulUsersCount")).sum::<i64>(),
        "totalTasks": reports.iter().map(|r| int(r, "totalUsersCount")).sum::<i64>(),
        "unprocessedTasks": reports.iter().map(|r| int(r, "unprocessedUsersCount")).sum::<i64>(),
    })
}

/// Every workflow's runs in the window (at most [`MAX_INSIGHT_RUNS`]), with their workflow.
fn all_runs(
    store: &Store,
    sandbox: &str,
    insights_node: &str,
    w: Option<Window>,
) -> Vec<(Map<String, Value>, Map<String, Value>)> {
    let container = insights_node.trim_end_matches("/insights");
    let workflows = Address { node: format!("{container}/workflows"), parents: Vec::new() };
    let wf_type = "microsoft.graph.identityGovernance.workflow";
    let run_type = "microsoft.graph.identityGovernance.run";
    let view = store.collection(&workflows, wf_type, sandbox);
    let mut out = Vec::new();
    let mut offset = 0;
    while offset < view.len() && out.len() < MAX_INSIGHT_RUNS {
        for wf in view.page(offset, 100) {
            let Some(id) = wf.get("id").and_then(Value::as_str) else { continue };
            let runs = workflows.child(id, "runs");
            let v = store.collection(&runs, run_type, sandbox);
            let rows = v.page(0, v.len().min(1_000));
            for run in in_window(rows, "scheduledDateTime", w) {
                if out.len() >= MAX_INSIGHT_RUNS {
                    break;
                }
                out.push((wf.clone(), run));
            }
        }
        offset += 100;
    }
    out
}

fn insights_summary(runs: &[Map<String, Value>]) -> Value {
    let sum = |k: &str| runs.iter().map(|r| int(r, k)).sum::<i64>();
    let failed_tasks = sum("failedTasksCount");
    let total_tasks = sum("totalTasksCount");
    let unprocessed = sum("totalUnprocessedTasksCount");
    json!({
        "failedRuns": runs.iter().filter(|r| failed(status(r))).count(),
        "failedTasks": failed_tasks,
        "failedUsers": sum("failedUsersCount"),
        "successfulRuns": runs.iter().filter(|r| status(r) == "completed").count(),
        "successfulTasks": (total_tasks - failed_tasks - unprocessed).max(0),
        "successfulUsers": sum("successfulUsersCount"),
        "totalRuns": runs.len(),
        "totalTasks": total_tasks,
        "totalUsers": sum("totalUsersCount"),
    })
}

/// One JSON object.
type Object = Map<String, Value>;
/// A run together with the workflow it belongs to: (workflow, run).
type RunOf = (Object, Object);

fn by_category(runs: &[RunOf]) -> Value {
    let mut out = Map::new();
    for (cat, title) in [("joiner", "Joiner"), ("leaver", "Leaver"), ("mover", "Mover")] {
        let of: Vec<&Map<String, Value>> = runs
            .iter()
            .filter(|(w, _)| w.get("category").and_then(Value::as_str) == Some(cat))
            .map(|(_, r)| r)
            .collect();
        out.insert(format!("failed{title}Runs"), json!(of.iter().filter(|r| failed(status(r))).count()));
        out.insert(format!("successful{title}Runs"), json!(of.iter().filter(|r| status(r) == "completed").count()));
        out.insert(format!("total{title}Runs"), json!(of.len()));
    }
    Value::Object(out)
}

fn top_workflows(runs: &[RunOf]) -> Value {
    let mut per: Vec<(String, Map<String, Value>, Vec<&Object>)> = Vec::new();
    for (w, r) in runs {
        let id = w.get("id").and_then(Value::as_str).unwrap_or_default().to_string();
        match per.iter_mut().find(|(i, _, _)| *i == id) {
            Some(entry) => entry.2.push(r),
            None => per.push((id, w.clone(), vec![r])),
        }
    }
    per.sort_by_key(|(_, _, rs)| std::cmp::Reverse(rs.len()));
    Value::Array(
        per.into_iter()
            .take(10)
            .map(|(id, w, rs)| {
                json!({
                    "failedRuns": rs.iter().filter(|r| failed(status(r))).count(),
                    "failedUsers": rs.iter().map(|r| int(r, "failedUsersCount")).sum::<i64>(),
                    "successfulRuns": rs.iter().filter(|r| status(r) == "completed").count(),
                    "successfulUsers": rs.iter().map(|r| int(r, "successfulUsersCount")).sum::<i64>(),
                    "totalRuns": rs.len(),
                    "totalUsers": rs.iter().map(|r| int(r, "totalUsersCount")).sum::<i64>(),
                    "workflowCategory": w.get("category").filter(|v| v.is_string()).cloned().unwrap_or(json!("leaver")),
                    "workflowDisplayName": w.get("displayName").filter(|v| v.is_string()).cloned().unwrap_or(json!("")),
                    "workflowId": id,
                    "workflowVersion": w.get("version").filter(|v| v.is_i64()).cloned().unwrap_or(json!(1)),
                })
            })
            .collect(),
    )
}
