//! `--entities N`: deterministic synthetic results, 100 per run and 10 runs per workflow, computed
//! from their index on every request. Ids encode the index (`c0000000-0000-4000-c000-<index hex>`),
//! so a lookup parses the id instead of searching, and N = 100,000 starts instantly in no memory.

use serde_json::{Map, Value, json};

use super::fixtures::{derived_guid, format_graph_time};

/// Results per run.
pub const RESULTS_PER_RUN: usize = 100;
/// Runs per workflow.
pub const RUNS_PER_WORKFLOW: usize = 10;

const WORKFLOW_PREFIX: &str = "a0000000-0000-4000-a000-";
const RUN_PREFIX: &str = "b0000000-0000-4000-b000-";
const RESULT_PREFIX: &str = "c0000000-0000-4000-c000-";

/// N synthetic results.
#[derive(Debug, Clone, Copy, Default)]
pub struct Synthetic {
    pub entities: usize,
}

impl Synthetic {
    pub fn new(entities: usize) -> Self {
        Synthetic { entities }
    }

    pub fn run_count(&self) -> usize {
        self.entities.div_ceil(RESULTS_PER_RUN)
    }

    pub fn workflow_count(&self) -> usize {
        self.run_count().div_ceil(RUNS_PER_WORKFLOW)
    }

    pub fn workflow_id(i: usize) -> String {
        format!("{WORKFLOW_PREFIX}{i:012x}")
    }
    pub fn run_id(i: usize) -> String {
        format!("{RUN_PREFIX}{i:012x}")
    }
    pub fn result_id(i: usize) -> String {
        format!("{RESULT_PREFIX}{i:012x}")
    }

    fn index(id: &str, prefix: &str, bound: usize) -> Option<usize> {
        let rest = id.get(..prefix.len()).filter(|p| p.eq_ignore_ascii_case(prefix)).and(id.get(prefix.len()..))?;
        if rest.len() != 12 {
            return None;
        }
        usize::from_str_radix(rest, 16).ok().filter(|i| *i < bound)
    }
    pub fn workflow_index(&self, id: &str) -> Option<usize> {
        Self::index(id, WORKFLOW_PREFIX, self.workflow_count())
    }
    pub fn run_index(&self, id: &str) -> Option<usize> {
        Self::index(id, RUN_PREFIX, self.run_count())
    }
    pub fn result_index(&self, id: &str) -> Option<usize> {
        Self::index(id, RESULT_PREFIX, self.entities)
    }

    pub fn workflow_of_run(&self, run: usize) -> usize {
        run / RUNS_PER_WORKFLOW
    }
    pub fn run_of_result(&self, result: usize) -> usize {
        result / RESULTS_PER_RUN
    }
    pub fn runs_of(&self, workflow: usize) -> std::ops::Range<usize> {
        let start = workflow * RUNS_PER_WORKFLOW;
        start..(start + RUNS_PER_WORKFLOW).min(self.run_count())
    }
    pub fn results_of(&self, run: usize) -> std::ops::Range<usize> {
        let start = run * RESULTS_PER_RUN;
        start..(start + RESULTS_PER_RUN).min(self.entities)
    }

    /// Workflow `i` (0-based among the synthetic ones).
    pub fn workflow(&self, i: usize) -> Map<String, Value> {
        let id = Self::workflow_id(i);
        let mut w = super::fixtures::workflow_entity(&id, i);
        w.insert("displayName".into(), json!(format!("Synthetic workflow {i}")));
        w
    }

    /// Run `i`, aggregated from its results.
    pub fn run(&self, i: usize) -> Map<String, Value> {
        let results: Vec<Map<String, Value>> = self.results_of(i).map(|r| self.result(r)).collect();
        super::fixtures::run_entity(&Self::run_id(i), &results)
    }

    /// Result `i`. Statuses and execution types vary with the index; every 97th is `quarantined`
    /// and every 50th `activatedWithScope`, so evolvable members appear in any sizeable sample.
    pub fn result(&self, i: usize) -> Map<String, Value> {
        let base: jiff::Timestamp = "2026-01-05T08:00:00Z".parse().unwrap_or(jiff::Timestamp::UNIX_EPOCH);
        let scheduled = base
            + jiff::SignedDuration::from_secs((i as i64) * 61)
            + jiff::SignedDuration::from_millis((i % 1000) as i64);
        let status = if i % 97 == 96 {
            "quarantined"
        } else {
            ["completed", "completed", "completed", "completedWithErrors", "inProgress", "failed", "queued", "canceled"]
                [i % 8]
        };
        let execution = if i % 50 == 49 {
            "activatedWithScope"
        } else if i.is_multiple_of(3) {
            "scheduled"
        } else {
            "onDemand"
        };
        let total = 1 + (i % 5) as i64;
        let failed = if matches!(status, "completedWithErrors" | "failed") { 1 } else { 0 };
        let unprocessed = match status {
            "queued" | "canceled" | "quarantined" => total,
            "inProgress" => total / 2,
            _ => 0,
        };
        let started = (status != "queued").then(|| scheduled + jiff::SignedDuration::from_secs(3));
        let completed = match status {
            "completed" | "completedWithErrors" | "failed" => started.map(|s| s + jiff::SignedDuration::from_secs(7)),
            _ => None,
        };
        let id = Self::result_id(i);
        let mut m = Map::new();
        m.insert("id".into(), json!(id));
        m.insert("completedDateTime".into(), json!(completed.map(format_graph_time)));
        m.insert("failedTasksCount".into(), json!(failed));
        m.insert("processingStatus".into(), json!(status));
        m.insert("scheduledDateTime".into(), json!(format_graph_time(scheduled)));
        m.insert("startedDateTime".into(), json!(started.map(format_graph_time)));
        m.insert("totalTasksCount".into(), json!(total));
        m.insert("totalUnprocessedTasksCount".into(), json!(unprocessed));
        m.insert("workflowExecutionType".into(), json!(execution));
        m.insert("workflowVersion".into(), json!(1 + (i % 3)));
        m.insert("subject".into(), json!({ "id": derived_guid(&id, 0x5) }));
        m
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_bounds_hold() {
        let s = Synthetic::new(1_050);
        assert_eq!(s.run_count(), 11);
        assert_eq!(s.workflow_count(), 2);
        assert_eq!(s.result_index(&Synthetic::result_id(1_049)), Some(1_049));
        assert_eq!(s.result_index(&Synthetic::result_id(1_050)), None);
        assert_eq!(s.result_index(&Synthetic::result_id(7).to_uppercase()), Some(7));
        assert_eq!(s.run_index("b0000000-0000-4000-b000-00000000000g"), None);
        assert_eq!(s.results_of(10), 1_000..1_050);
        assert_eq!(s.runs_of(1), 10..11);
    }
}
