//! The reference server's data: the suite's documented entities (with the fake's own values where
//! the docs show none), and N synthetic entities computed from their index, so that 100,000 of them
//! cost no memory.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::fixtures;
use super::synthetic::Synthetic;
use crate::case::{LoadedCase, Suite};
use crate::odata::ResourcePath;
use crate::odata::path::match_template;

/// One run with its processing results.
#[derive(Debug, Clone)]
pub struct Run {
    pub id: String,
    pub results: Vec<Map<String, Value>>,
}

/// One workflow with its runs.
#[derive(Debug, Clone)]
pub struct Workflow {
    pub id: String,
    pub runs: Vec<Run>,
}

/// A lookup's answer: the entity, or which id is unknown.
#[derive(Debug, Clone, PartialEq)]
pub enum Lookup<T> {
    Found(T),
    NoWorkflow,
    NoRun,
    NoResult,
}

/// Everything the fake serves.
#[derive(Debug, Clone, Default)]
pub struct Store {
    pub documented: Vec<Workflow>,
    pub synthetic: Synthetic,
}

impl Store {
    /// Builds the fixtures from every suite whose configuration names a userProcessingResult entity
    /// path: each documented 200 answer of a read by id becomes (part of) an entity.
    pub fn from_suites(suites: &[Suite], synthetic_entities: usize) -> Self {
        let mut merged: BTreeMap<(String, String, String), Map<String, Value>> = BTreeMap::new();
        for suite in suites {
            let Some(config) = &suite.config else {
                continue;
            };
            if config.resource != fixtures::RESULT_TYPE {
                continue;
            }
            for loaded in &suite.cases {
                let LoadedCase::Ready(case) = loaded else {
                    continue;
                };
                let Some(Value::Object(body)) = &case.expect.body else {
                    continue;
                };
                if !case.request.method.eq_ignore_ascii_case("GET") || !case.expect.status.accepts(200) {
                    continue;
                }
                if match_template(&config.entity_path, &case.request.path).is_none() {
                    continue;
                }
                // Keys in path order: workflow, run, result.
                let keys: Vec<String> = ResourcePath::parse(&case.request.path, Some(&config.entity_path))
                    .segments
                    .into_iter()
                    .filter_map(|s| s.key)
                    .collect();
                let [w, r, u] = <[String; 3]>::try_from(keys).unwrap_or_default();
                if u.is_empty() {
                    continue;
                }
                let entity = merged.entry((w, r, u.clone())).or_default();
                for (k, v) in body.iter().filter(|(k, _)| !k.starts_with('@')) {
                    entity.entry(k.clone()).or_insert_with(|| v.clone());
                }
                entity.entry("id".to_string()).or_insert_with(|| json!(u));
            }
        }
        let mut documented: Vec<Workflow> = Vec::new();
        for ((w, r, _), mut entity) in merged {
            fixtures::complete_result(&mut entity);
            let wf = match documented.iter_mut().position(|x| x.id == w) {
                Some(i) => &mut documented[i],
                None => {
                    documented.push(Workflow { id: w, runs: Vec::new() });
                    documented.last_mut().expect("just pushed")
                }
            };
            let run = match wf.runs.iter_mut().position(|x| x.id == r) {
                Some(i) => &mut wf.runs[i],
                None => {
                    wf.runs.push(Run { id: r, results: Vec::new() });
                    wf.runs.last_mut().expect("just pushed")
                }
            };
            run.results.push(entity);
        }
        Store { documented, synthetic: Synthetic::new(synthetic_entities) }
    }

    /// The number of workflows.
    pub fn workflow_count(&self) -> usize {
        self.documented.len() + self.synthetic.workflow_count()
    }

    /// Workflows `offset..offset+limit`, as full entities.
    pub fn workflows(&self, offset: usize, limit: usize) -> Vec<Map<String, Value>> {
        (offset..(offset + limit).min(self.workflow_count()))
            .map(|i| match self.documented.get(i) {
                Some(w) => fixtures::workflow_entity(&w.id, i),
                None => self.synthetic.workflow(i - self.documented.len()),
            })
            .collect()
    }

    /// One workflow.
    pub fn workflow(&self, id: &str) -> Option<Map<String, Value>> {
        if let Some(i) = self.documented.iter().position(|w| w.id.eq_ignore_ascii_case(id)) {
            return Some(fixtures::workflow_entity(&self.documented[i].id, i));
        }
        self.synthetic.workflow_index(id).map(|i| self.synthetic.workflow(i))
    }

    /// The runs of a workflow (all of them: a workflow has at most a few dozen).
    pub fn runs(&self, workflow: &str) -> Option<Vec<Map<String, Value>>> {
        if let Some(w) = self.documented.iter().find(|w| w.id.eq_ignore_ascii_case(workflow)) {
            return Some(w.runs.iter().map(|r| fixtures::run_entity(&r.id, &r.results)).collect());
        }
        let wi = self.synthetic.workflow_index(workflow)?;
        Some(self.synthetic.runs_of(wi).map(|ri| self.synthetic.run(ri)).collect())
    }

    /// The results of a run, `offset..offset+limit`, and their total.
    pub fn results(
        &self,
        workflow: &str,
        run: &str,
        offset: usize,
        limit: usize,
    ) -> Lookup<(Vec<Map<String, Value>>, usize)> {
        if let Some(w) = self.documented.iter().find(|w| w.id.eq_ignore_ascii_case(workflow)) {
            return match w.runs.iter().find(|r| r.id.eq_ignore_ascii_case(run)) {
                Some(r) => {
                    Lookup::Found((r.results.iter().skip(offset).take(limit).cloned().collect(), r.results.len()))
                }
                None => Lookup::NoRun,
            };
        }
        let Some(wi) = self.synthetic.workflow_index(workflow) else {
            return Lookup::NoWorkflow;
        };
        match self.synthetic.run_index(run).filter(|ri| self.synthetic.workflow_of_run(*ri) == wi) {
            Some(ri) => {
                let range = self.synthetic.results_of(ri);
                let total = range.len();
                Lookup::Found((range.skip(offset).take(limit).map(|i| self.synthetic.result(i)).collect(), total))
            }
            None => Lookup::NoRun,
        }
    }

    /// One run.
    pub fn run(&self, workflow: &str, run: &str) -> Lookup<Map<String, Value>> {
        match self.runs(workflow) {
            None => Lookup::NoWorkflow,
            Some(runs) => runs
                .into_iter()
                .find(|r| r.get("id").and_then(Value::as_str).is_some_and(|id| id.eq_ignore_ascii_case(run)))
                .map_or(Lookup::NoRun, Lookup::Found),
        }
    }

    /// One processing result.
    pub fn result(&self, workflow: &str, run: &str, id: &str) -> Lookup<Map<String, Value>> {
        if let Some(w) = self.documented.iter().find(|w| w.id.eq_ignore_ascii_case(workflow)) {
            let Some(r) = w.runs.iter().find(|r| r.id.eq_ignore_ascii_case(run)) else {
                return Lookup::NoRun;
            };
            return r
                .results
                .iter()
                .find(|e| e.get("id").and_then(Value::as_str).is_some_and(|x| x.eq_ignore_ascii_case(id)))
                .cloned()
                .map_or(Lookup::NoResult, Lookup::Found);
        }
        let Some(wi) = self.synthetic.workflow_index(workflow) else {
            return Lookup::NoWorkflow;
        };
        let Some(ri) = self.synthetic.run_index(run).filter(|ri| self.synthetic.workflow_of_run(*ri) == wi) else {
            return Lookup::NoRun;
        };
        match self.synthetic.result_index(id).filter(|i| self.synthetic.run_of_result(*i) == ri) {
            Some(i) => Lookup::Found(self.synthetic.result(i)),
            None => Lookup::NoResult,
        }
    }
}
