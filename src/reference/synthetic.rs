//! `--entities N`: a deterministic synthetic tenant of the lifecycle-workflows family, computed from
//! indexes on every request, so that N = 100,000 starts instantly in no memory. N counts
//! userProcessingResults: 100 per run, 10 runs per workflow, 3 tasks and 2 versions per workflow.
//!
//! Every level agrees with the levels below it: a userProcessingResult's task counts are those of
//! its three taskProcessingResults, a run's counts sum its results, a taskReport's its task's
//! results in that run, and the workflow-level lists are the union of the runs' lists. Ids encode
//! their index (`c0000000-0000-4000-c000-<index>`). Times advance 61 s per result from 2026-01-05
//! and wrap every [`TIME_CYCLE`] results, so any N up to [`MAX_ENTITIES`] gives valid dates.

use serde_json::{Map, Value, json};

use super::ids::{derived_guid, synthetic, synthetic_index};

pub const RESULTS_PER_RUN: usize = 100;
pub const RUNS_PER_WORKFLOW: usize = 10;
pub const TASKS_PER_WORKFLOW: usize = 3;
pub const VERSIONS_PER_WORKFLOW: usize = 2;
/// The most synthetic entities: ids carry 12 hexadecimal digits of index, and a task result's
/// index is three times its user result's.
pub const MAX_ENTITIES: usize = 1_000_000_000_000;
/// Results per time cycle: 10 million × 61 s is about 19 years, well inside valid dates.
pub const TIME_CYCLE: usize = 10_000_000;

const WORKFLOW: &str = "a0000000-0000-4000-a000-";
const RUN: &str = "b0000000-0000-4000-b000-";
const RESULT: &str = "c0000000-0000-4000-c000-";
const TASK_RESULT: &str = "d0000000-0000-4000-d000-";
const TASK: &str = "e0000000-0000-4000-e000-";
const REPORT: &str = "f0000000-0000-4000-f000-";
const VERSION_TASK: &str = "90000000-0000-4000-9000-";

/// The processing statuses a result cycles through; every 97th is `quarantined` (an evolvable member).
const STATUSES: [&str; 8] =
    ["completed", "completed", "completed", "completedWithErrors", "inProgress", "failed", "queued", "canceled"];

/// N synthetic results and everything around them.
#[derive(Debug, Clone, Copy, Default)]
pub struct Synthetic {
    pub entities: usize,
}

/// Computes row `i` of a synthetic collection.
type RowFn<'a> = Box<dyn Fn(usize) -> Map<String, Value> + Send + Sync + 'a>;
/// Finds the index of the row with a given key.
type Finder<'a> = Box<dyn Fn(&str) -> Option<usize> + Send + Sync + 'a>;

/// A synthetic collection: how many rows, and how to compute row `i`.
pub struct SynthList<'a> {
    pub len: usize,
    row: RowFn<'a>,
    find: Finder<'a>,
}

impl SynthList<'_> {
    pub fn row(&self, i: usize) -> Map<String, Value> {
        (self.row)(i)
    }
    /// The position of the row with this key.
    pub fn position(&self, key: &str) -> Option<usize> {
        (self.find)(key)
    }
}

impl Synthetic {
    pub fn new(entities: usize) -> Self {
        Synthetic { entities: entities.min(MAX_ENTITIES) }
    }

    pub fn run_count(&self) -> usize {
        self.entities.div_ceil(RESULTS_PER_RUN)
    }
    pub fn workflow_count(&self) -> usize {
        self.run_count().div_ceil(RUNS_PER_WORKFLOW)
    }
    pub fn workflow_id(i: usize) -> String {
        synthetic(WORKFLOW, i)
    }
    pub fn run_id(i: usize) -> String {
        synthetic(RUN, i)
    }
    pub fn result_id(i: usize) -> String {
        synthetic(RESULT, i)
    }

    fn workflow_index(&self, id: &str) -> Option<usize> {
        synthetic_index(id, WORKFLOW, self.workflow_count())
    }
    fn run_index(&self, w: usize, id: &str) -> Option<usize> {
        synthetic_index(id, RUN, self.run_count()).filter(|r| r / RUNS_PER_WORKFLOW == w)
    }
    fn result_index(&self, id: &str) -> Option<usize> {
        synthetic_index(id, RESULT, self.entities)
    }
    fn runs_of(&self, w: usize) -> std::ops::Range<usize> {
        let start = w * RUNS_PER_WORKFLOW;
        start..(start + RUNS_PER_WORKFLOW).min(self.run_count())
    }
    /// Task `t`'s processing results of the userProcessingResults in `results`, as a list.
    fn task_results(&self, results: std::ops::Range<usize>, t: usize) -> SynthList<'_> {
        let (start, len) = (results.start, results.len());
        SynthList {
            len,
            row: Box::new(move |i| self.task_result((start + i) * TASKS_PER_WORKFLOW + t)),
            find: Box::new(move |k| {
                synthetic_index(k, TASK_RESULT, self.entities * TASKS_PER_WORKFLOW)
                    .filter(|x| x % TASKS_PER_WORKFLOW == t && results.contains(&(x / TASKS_PER_WORKFLOW)))
                    .map(|x| x / TASKS_PER_WORKFLOW - start)
            }),
        }
    }

    fn results_of(&self, r: usize) -> std::ops::Range<usize> {
        let start = r * RESULTS_PER_RUN;
        start..(start + RESULTS_PER_RUN).min(self.entities)
    }
    fn workflow_results(&self, w: usize) -> std::ops::Range<usize> {
        let runs = self.runs_of(w);
        (runs.start * RESULTS_PER_RUN).min(self.entities)..(runs.end * RESULTS_PER_RUN).min(self.entities)
    }

    /// The synthetic collection at `node` (the model's member names after `lifecycleWorkflows/`)
    /// under `parents`; `None` when the parents are not synthetic entities of this tenant.
    pub fn list<'a>(&'a self, node: &str, parents: &[String]) -> Option<SynthList<'a>> {
        let rel = node.strip_prefix("identityGovernance/lifecycleWorkflows/")?;
        let p: Vec<&str> = parents.iter().map(String::as_str).collect();
        let list = |len: usize, row: RowFn<'a>, find: Finder<'a>| SynthList { len, row, find };
        match (rel, p.as_slice()) {
            ("workflows", []) => Some(list(
                self.workflow_count(),
                Box::new(move |i| self.workflow(i)),
                Box::new(move |k| self.workflow_index(k)),
            )),
            (_, [w, ..]) if rel.starts_with("workflows/") => {
                let w = self.workflow_index(w)?;
                self.under_workflow(rel.trim_start_matches("workflows/"), w, &p[1..])
            }
            _ => None,
        }
    }

    fn under_workflow<'a>(&'a self, rel: &str, w: usize, p: &[&str]) -> Option<SynthList<'a>> {
        let list = |len: usize, row: RowFn<'a>, find: Finder<'a>| SynthList { len, row, find };
        let runs = self.runs_of(w);
        match (rel, p) {
            ("runs", []) => Some(list(
                runs.len(),
                Box::new(move |i| self.run(runs.start + i)),
                Box::new(move |k| self.run_index(w, k).map(|r| r - self.runs_of(w).start)),
            )),
            ("runs/userProcessingResults", [r]) => {
                let r = self.run_index(w, r)?;
                let range = self.results_of(r);
                Some(list(
                    range.len(),
                    Box::new(move |i| self.result(range.start + i)),
                    Box::new(move |k| {
                        self.result_index(k)
                            .filter(|u| self.results_of(r).contains(u))
                            .map(|u| u - self.results_of(r).start)
                    }),
                ))
            }
            ("runs/userProcessingResults/taskProcessingResults", [r, u]) => {
                let r = self.run_index(w, r)?;
                let u = self.result_index(u).filter(|u| self.results_of(r).contains(u))?;
                Some(self.task_results_of_result(u))
            }
            ("userProcessingResults/taskProcessingResults", [u]) => {
                let u = self.result_index(u).filter(|u| self.workflow_results(w).contains(u))?;
                Some(self.task_results_of_result(u))
            }
            ("runs/taskProcessingResults", [r]) => {
                let r = self.run_index(w, r)?;
                let range = self.results_of(r);
                let start = range.start * TASKS_PER_WORKFLOW;
                let len = range.len() * TASKS_PER_WORKFLOW;
                Some(list(
                    len,
                    Box::new(move |i| self.task_result(start + i)),
                    Box::new(move |k| {
                        synthetic_index(k, TASK_RESULT, start + len).filter(|x| *x >= start).map(|x| x - start)
                    }),
                ))
            }
            ("userProcessingResults", []) => {
                let range = self.workflow_results(w);
                Some(list(
                    range.len(),
                    Box::new(move |i| self.result(range.start + i)),
                    Box::new(move |k| {
                        let range = self.workflow_results(w);
                        self.result_index(k).filter(|u| range.contains(u)).map(|u| u - range.start)
                    }),
                ))
            }
            ("tasks", []) => Some(list(
                TASKS_PER_WORKFLOW,
                Box::new(move |i| self.task(w, i)),
                Box::new(move |k| {
                    synthetic_index(k, TASK, (w + 1) * TASKS_PER_WORKFLOW)
                        .filter(|x| *x >= w * TASKS_PER_WORKFLOW)
                        .map(|x| x - w * TASKS_PER_WORKFLOW)
                }),
            )),
            ("tasks/taskProcessingResults", [t]) => {
                let t = synthetic_index(t, TASK, (w + 1) * TASKS_PER_WORKFLOW)
                    .filter(|x| *x >= w * TASKS_PER_WORKFLOW)?
                    - w * TASKS_PER_WORKFLOW;
                Some(self.task_results(self.workflow_results(w), t))
            }
            ("versions", []) => Some(list(
                VERSIONS_PER_WORKFLOW,
                Box::new(move |i| self.version(w, i)),
                Box::new(|k| {
                    k.parse::<usize>().ok().filter(|v| (1..=VERSIONS_PER_WORKFLOW).contains(v)).map(|v| v - 1)
                }),
            )),
            ("versions/tasks", [v]) => {
                let v = v.parse::<usize>().ok().filter(|v| (1..=VERSIONS_PER_WORKFLOW).contains(v))? - 1;
                let base = (w * VERSIONS_PER_WORKFLOW + v) * TASKS_PER_WORKFLOW;
                Some(list(
                    TASKS_PER_WORKFLOW,
                    Box::new(move |i| self.version_task(w, v, i)),
                    Box::new(move |k| {
                        synthetic_index(k, VERSION_TASK, base + TASKS_PER_WORKFLOW)
                            .filter(|x| *x >= base)
                            .map(|x| x - base)
                    }),
                ))
            }
            ("taskReports", []) => {
                let start = runs.start * TASKS_PER_WORKFLOW;
                let len = runs.len() * TASKS_PER_WORKFLOW;
                Some(list(
                    len,
                    Box::new(move |i| self.task_report(start + i)),
                    Box::new(move |k| {
                        synthetic_index(k, REPORT, start + len).filter(|x| *x >= start).map(|x| x - start)
                    }),
                ))
            }
            ("taskReports/taskProcessingResults", [tr]) => {
                let start = runs.start * TASKS_PER_WORKFLOW;
                let x = synthetic_index(tr, REPORT, start + runs.len() * TASKS_PER_WORKFLOW).filter(|x| *x >= start)?;
                let (r, t) = (x / TASKS_PER_WORKFLOW, x % TASKS_PER_WORKFLOW);
                Some(self.task_results(self.results_of(r), t))
            }
            // Every other collection under a synthetic workflow is empty.
            (_, _) if !rel.is_empty() => Some(list(0, Box::new(|_| Map::new()), Box::new(|_| None))),
            _ => None,
        }
    }

    fn task_results_of_result(&self, u: usize) -> SynthList<'_> {
        let start = u * TASKS_PER_WORKFLOW;
        SynthList {
            len: TASKS_PER_WORKFLOW,
            row: Box::new(move |i| self.task_result(start + i)),
            find: Box::new(move |k| {
                synthetic_index(k, TASK_RESULT, start + TASKS_PER_WORKFLOW).filter(|x| *x >= start).map(|x| x - start)
            }),
        }
    }

    /// Result `i`'s scheduled time: 61 s apart, wrapping every [`TIME_CYCLE`] results.
    pub fn scheduled(i: usize) -> jiff::Timestamp {
        let base: jiff::Timestamp = "2026-01-05T08:00:00Z".parse().unwrap_or(jiff::Timestamp::UNIX_EPOCH);
        let step = (i % TIME_CYCLE) as i64;
        base + jiff::SignedDuration::from_secs(step * 61) + jiff::SignedDuration::from_millis((i % 1000) as i64)
    }

    fn status(i: usize) -> &'static str {
        if i % 97 == 96 { "quarantined" } else { STATUSES[i % 8] }
    }

    /// The status of task `t` of result `u`, consistent with the result's status.
    fn task_status(u: usize, t: usize) -> &'static str {
        match (Self::status(u), t) {
            ("completed", _) => "completed",
            ("completedWithErrors", 0) => "failed",
            ("completedWithErrors", _) => "completed",
            ("failed", 0) => "failed",
            ("failed", _) => "canceled",
            ("inProgress", 0) => "completed",
            ("inProgress", 1) => "inProgress",
            ("inProgress", _) => "queued",
            (s, _) => s,
        }
    }

    fn unprocessed(status: &str) -> bool {
        matches!(status, "queued" | "canceled" | "quarantined" | "inProgress")
    }

    pub fn workflow(&self, i: usize) -> Map<String, Value> {
        let created = format_time(
            Self::scheduled(i * RUNS_PER_WORKFLOW * RESULTS_PER_RUN) - jiff::SignedDuration::from_hours(24),
        );
        object(json!({
            "id": Self::workflow_id(i),
            "category": (["joiner", "leaver", "mover"][i % 3]),
            "displayName": format!("Synthetic workflow {i}"),
            "description": "A workflow of the graph-conformance reference server",
            "isEnabled": true,
            "isSchedulingEnabled": false,
            "createdDateTime": created,
            "lastModifiedDateTime": created,
            "deletedDateTime": null,
            "nextScheduleRunDateTime": null,
            "version": VERSIONS_PER_WORKFLOW,
            "executionConditions": { "@odata.type": "#microsoft.graph.identityGovernance.onDemandExecutionOnly" },
            "createdBy": { "id": derived_guid(&Self::workflow_id(i), 0xc) },
            "lastModifiedBy": { "id": derived_guid(&Self::workflow_id(i), 0xc) }
        }))
    }

    pub fn task(&self, w: usize, t: usize) -> Map<String, Value> {
        let id = synthetic(TASK, w * TASKS_PER_WORKFLOW + t);
        task_object(&id, w, t)
    }

    fn version_task(&self, w: usize, v: usize, t: usize) -> Map<String, Value> {
        let id = synthetic(VERSION_TASK, (w * VERSIONS_PER_WORKFLOW + v) * TASKS_PER_WORKFLOW + t);
        task_object(&id, w, t)
    }

    fn version(&self, w: usize, v: usize) -> Map<String, Value> {
        let wf = self.workflow(w);
        let mut m = Map::new();
        for k in [
            "category",
            "displayName",
            "description",
            "isEnabled",
            "isSchedulingEnabled",
            "createdDateTime",
            "lastModifiedDateTime",
            "executionConditions",
            "createdBy",
            "lastModifiedBy",
        ] {
            if let Some(x) = wf.get(k) {
                m.insert(k.into(), x.clone());
            }
        }
        m.insert("versionNumber".into(), json!(v + 1));
        m
    }

    /// Run `r`, aggregated from its results.
    pub fn run(&self, r: usize) -> Map<String, Value> {
        let results: Vec<Map<String, Value>> = self.results_of(r).map(|u| self.result(u)).collect();
        run_entity(&Self::run_id(r), &results)
    }

    /// Result `u`, its task counts those of its three task results.
    pub fn result(&self, u: usize) -> Map<String, Value> {
        let scheduled = Self::scheduled(u);
        let status = Self::status(u);
        let tasks: Vec<&str> = (0..TASKS_PER_WORKFLOW).map(|t| Self::task_status(u, t)).collect();
        let started =
            (status != "queued" && status != "quarantined").then(|| scheduled + jiff::SignedDuration::from_secs(3));
        let completed = match status {
            "completed" | "completedWithErrors" | "failed" => started.map(|s| s + jiff::SignedDuration::from_secs(7)),
            _ => None,
        };
        let execution = if u % 50 == 49 {
            "activatedWithScope"
        } else if u.is_multiple_of(3) {
            "scheduled"
        } else {
            "onDemand"
        };
        let id = Self::result_id(u);
        object(json!({
            "id": id,
            "completedDateTime": completed.map(format_time),
            "failedTasksCount": tasks.iter().filter(|s| **s == "failed").count(),
            "processingStatus": status,
            "scheduledDateTime": format_time(scheduled),
            "startedDateTime": started.map(format_time),
            "totalTasksCount": TASKS_PER_WORKFLOW,
            "totalUnprocessedTasksCount": tasks.iter().filter(|s| Self::unprocessed(s)).count(),
            "workflowExecutionType": execution,
            "workflowVersion": 1 + (u % VERSIONS_PER_WORKFLOW),
            "subject": { "id": derived_guid(&id, 0x5) }
        }))
    }

    /// Task result `x` = task `x % 3` of result `x / 3`.
    pub fn task_result(&self, x: usize) -> Map<String, Value> {
        let (u, t) = (x / TASKS_PER_WORKFLOW, x % TASKS_PER_WORKFLOW);
        let w = u / RESULTS_PER_RUN / RUNS_PER_WORKFLOW;
        let status = Self::task_status(u, t);
        let created = Self::scheduled(u);
        let started = (!matches!(status, "queued" | "canceled" | "quarantined"))
            .then(|| created + jiff::SignedDuration::from_secs(3 + t as i64));
        let completed = matches!(status, "completed" | "failed")
            .then(|| started.map(|s| s + jiff::SignedDuration::from_secs(2)))
            .flatten();
        let result_id = Self::result_id(u);
        object(json!({
            "id": synthetic(TASK_RESULT, x),
            "completedDateTime": completed.map(format_time),
            "createdDateTime": format_time(created),
            "failureReason": (status == "failed").then_some("The task failed in the reference server's synthetic tenant."),
            "processingInfo": null,
            "processingStatus": status,
            "startedDateTime": started.map(format_time),
            "workflowSubject": null,
            "subject": { "id": derived_guid(&result_id, 0x5) },
            "task": task_object(&synthetic(TASK, w * TASKS_PER_WORKFLOW + t), w, t)
        }))
    }

    /// Task report `x` = task `x % 3` in run `x / 3`: its counts are that task's results in the run.
    pub fn task_report(&self, x: usize) -> Map<String, Value> {
        let (r, t) = (x / TASKS_PER_WORKFLOW, x % TASKS_PER_WORKFLOW);
        let w = r / RUNS_PER_WORKFLOW;
        let results = self.results_of(r);
        let statuses: Vec<&str> = results.clone().map(|u| Self::task_status(u, t)).collect();
        let n = |s: &str| statuses.iter().filter(|x| **x == s).count();
        let started = results.clone().next().map(|u| Self::scheduled(u) + jiff::SignedDuration::from_secs(3));
        let last = results.clone().last().map(|u| Self::scheduled(u) + jiff::SignedDuration::from_secs(15));
        let unprocessed = statuses.iter().filter(|s| Self::unprocessed(s)).count();
        let task = task_object(&synthetic(TASK, w * TASKS_PER_WORKFLOW + t), w, t);
        object(json!({
            "id": synthetic(REPORT, x),
            "completedDateTime": if unprocessed == 0 { last.map(format_time) } else { None },
            "failedUsersCount": n("failed"),
            "lastUpdatedDateTime": last.map(format_time).unwrap_or_else(|| super::fake::FAKE_TIME.to_string()),
            "processingStatus": if unprocessed > 0 { "inProgress" } else if n("failed") > 0 { "completedWithErrors" } else { "completed" },
            "runId": Self::run_id(r),
            "startedDateTime": started.map(format_time),
            "successfulUsersCount": n("completed"),
            "totalUsersCount": statuses.len(),
            "unprocessedUsersCount": unprocessed,
            "task": task.clone(),
            "taskDefinition": { "id": task.get("taskDefinitionId").cloned().unwrap_or(Value::Null) }
        }))
    }
}

fn task_object(id: &str, w: usize, t: usize) -> Map<String, Value> {
    object(json!({
        "id": id,
        "arguments": [],
        "category": (["joiner,leaver", "leaver", "joiner"][t % 3]),
        "continueOnError": false,
        "description": format!("Task {} of synthetic workflow {w}", t + 1),
        "displayName": format!("Synthetic task {}", t + 1),
        "executionSequence": t + 1,
        "isEnabled": true,
        "taskDefinitionId": derived_guid(&format!("task-definition-{t}"), 0xd)
    }))
}

/// A run entity aggregated from its results.
pub fn run_entity(id: &str, results: &[Map<String, Value>]) -> Map<String, Value> {
    let sum = |k: &str| results.iter().filter_map(|r| r.get(k).and_then(Value::as_i64)).sum::<i64>();
    let status_is =
        |s: &str| results.iter().filter(|r| r.get("processingStatus").and_then(Value::as_str) == Some(s)).count();
    let first = |k: &str| results.iter().filter_map(|r| r.get(k).and_then(Value::as_str)).min().map(str::to_string);
    let last = |k: &str| results.iter().filter_map(|r| r.get(k).and_then(Value::as_str)).max().map(str::to_string);
    let failed_users = status_is("failed") + status_is("completedWithErrors");
    let done = results.iter().all(|r| r.get("completedDateTime").is_some_and(|v| !v.is_null()));
    object(json!({
        "id": id,
        "activatedOnScope": null,
        "completedDateTime": if done { last("completedDateTime") } else { None },
        "failedTasksCount": sum("failedTasksCount"),
        "failedUsersCount": failed_users,
        "lastUpdatedDateTime": last("completedDateTime").or_else(|| last("startedDateTime")),
        "processingStatus": if done { if failed_users > 0 { "completedWithErrors" } else { "completed" } } else { "inProgress" },
        "scheduledDateTime": first("scheduledDateTime").unwrap_or_else(|| super::fake::FAKE_TIME.to_string()),
        "startedDateTime": first("startedDateTime"),
        "successfulUsersCount": status_is("completed"),
        "totalTasksCount": sum("totalTasksCount"),
        "totalUnprocessedTasksCount": sum("totalUnprocessedTasksCount"),
        "totalUsersCount": results.len(),
        "workflowExecutionType": "onDemand"
    }))
}

/// Graph's timestamp form: UTC, 7 fraction digits, `Z`.
pub fn format_time(t: jiff::Timestamp) -> String {
    let s = t.strftime("%Y-%m-%dT%H:%M:%S").to_string();
    format!("{s}.{:07}Z", t.subsec_nanosecond() / 100)
}

fn object(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const W: &str = "identityGovernance/lifecycleWorkflows/workflows";

    #[test]
    fn levels_agree_and_ids_round_trip() {
        let s = Synthetic::new(1_050);
        assert_eq!((s.run_count(), s.workflow_count()), (11, 2));
        let w1 = Synthetic::workflow_id(1);
        let runs = s.list(&format!("{W}/runs"), std::slice::from_ref(&w1)).unwrap();
        assert_eq!(runs.len, 1);
        let run = runs.row(0);
        let rid = run["id"].as_str().unwrap().to_string();
        let results = s.list(&format!("{W}/runs/userProcessingResults"), &[w1.clone(), rid.clone()]).unwrap();
        assert_eq!(results.len, 50);
        assert_eq!(run["totalUsersCount"], 50);
        let failed: i64 = (0..results.len).map(|i| results.row(i)["failedTasksCount"].as_i64().unwrap()).sum();
        assert_eq!(run["failedTasksCount"].as_i64(), Some(failed));
        let u = results.row(3);
        let tasks = s
            .list(
                &format!("{W}/runs/userProcessingResults/taskProcessingResults"),
                &[w1.clone(), rid.clone(), u["id"].as_str().unwrap().to_string()],
            )
            .unwrap();
        let failed_tasks = (0..tasks.len).filter(|i| tasks.row(*i)["processingStatus"] == "failed").count();
        assert_eq!(u["failedTasksCount"].as_u64(), Some(failed_tasks as u64));
        let reports = s.list(&format!("{W}/taskReports"), std::slice::from_ref(&w1)).unwrap();
        assert_eq!(reports.len, 3);
        assert_eq!(reports.row(0)["totalUsersCount"], 50);
        assert_eq!(runs.position(&rid), Some(0));
        assert!(
            s.list(&format!("{W}/runs"), &["a0000000-0000-4000-a000-000000000009".into()]).is_none(),
            "no such workflow"
        );
    }

    #[test]
    fn dates_stay_valid_for_any_index() {
        for i in [0, 19_000_000, MAX_ENTITIES - 1] {
            let t = format_time(Synthetic::scheduled(i));
            assert!(t.starts_with("20"), "{t}");
        }
    }
}
