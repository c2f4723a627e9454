//! `--baseline PREV.json`: this run against an earlier report, by (case, rule) fingerprint. A new
//! failure is a case that breaks a rule now that it did not break before (a case failing before on
//! `schema` and now also on `status` is new); fixed, a case that failed before and passes now; still
//! failing, one that breaks no rule it did not break before. New and vanished cases too. With
//! `--fail-on new` a run fails only on new failures, so a nightly job gates on what changed; the
//! JSON, JUnit and HTML reports carry each case's change.
//!
//! The earlier report is read as a stream (its cases one at a time, messages skipped): memory holds
//! one entry per earlier case name, not the report.

use std::collections::HashMap;
use std::fmt;
use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use serde::Deserialize;
use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::{CaseReport, Outcome};

/// Names listed per section; the rest are counted.
const MAX_LISTED: usize = 50;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Was {
    Passed,
    Failed,
    Ignored,
}

/// What a case's result is against the baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// It breaks a rule it did not break in the baseline (or it is new and fails).
    NewFailure,
    /// It failed in the baseline and passes now.
    Fixed,
    /// It fails, breaking no rule it did not break in the baseline.
    StillFailing,
    /// The baseline did not have it, and it does not fail.
    NewCase,
    /// As before (passed or ignored both times).
    Same,
}

impl Change {
    /// As the JSON report writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Change::NewFailure => "new-failure",
            Change::Fixed => "fixed",
            Change::StillFailing => "still-failing",
            Change::NewCase => "new-case",
            Change::Same => "same",
        }
    }
}

/// One case against the baseline: its change, the rules it breaks now and not before, and the
/// rules it broke before and not now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delta {
    pub change: Change,
    pub new_rules: Vec<&'static str>,
    pub fixed_rules: Vec<String>,
}

/// An earlier report, as much of it as a comparison needs.
#[derive(Debug)]
pub struct Baseline {
    path: String,
    started: String,
    /// Each earlier case: its outcome and the rules it broke.
    cases: HashMap<String, (Was, Vec<String>)>,
    /// The earlier report listed only failures: absent cases are not "vanished".
    failures_only: bool,
}

/// How this run differs from the baseline.
#[derive(Debug, Default)]
pub struct Comparison {
    pub new_failures: Vec<(String, String)>,
    pub new_failures_count: u64,
    pub fixed: Vec<String>,
    pub fixed_count: u64,
    pub still_failing: u64,
    pub new_cases: Vec<String>,
    pub new_cases_count: u64,
    pub vanished: Vec<String>,
    pub vanished_count: u64,
}

#[derive(Deserialize)]
struct CaseLite {
    name: String,
    outcome: String,
    #[serde(default)]
    rules: Vec<String>,
}

impl Baseline {
    /// Reads a report written by `--json` (format version 1 or 2).
    pub fn load(path: &Path) -> Result<Baseline, String> {
        let shown = path.display().to_string();
        let file = File::open(path).map_err(|e| format!("--baseline {shown}: {e}"))?;
        let mut de = serde_json::Deserializer::from_reader(BufReader::new(file));
        let mut b =
            Baseline { path: shown.clone(), started: String::new(), cases: HashMap::new(), failures_only: false };
        de.deserialize_map_into(&mut b).map_err(|e| {
            format!("--baseline {shown}: not a graph-conformance JSON report (format version 1 or 2): {e}")
        })?;
        Ok(b)
    }

    /// Starts comparing this run with the baseline.
    pub fn compare(self) -> Compare {
        Compare { baseline: self, comparison: Comparison::default() }
    }
}

/// A comparison being made as this run's cases finish.
#[derive(Debug)]
pub struct Compare {
    baseline: Baseline,
    pub comparison: Comparison,
}

fn listed(list: &mut Vec<String>, count: &mut u64, name: &str) {
    *count += 1;
    if list.len() < MAX_LISTED {
        list.push(name.to_string());
    }
}

impl Compare {
    /// Compares a finished case with its baseline entry.
    pub fn record(&mut self, r: &CaseReport) -> Delta {
        let c = &mut self.comparison;
        let before = self.baseline.cases.remove(&r.name);
        let failed = r.outcome == Outcome::Failed;
        if before.is_none() && !self.baseline.failures_only {
            listed(&mut c.new_cases, &mut c.new_cases_count, &r.name);
        }
        let now = if failed { super::json::failed_rules(r) } else { Vec::new() };
        let (was, rules_before) = match &before {
            Some((w, rules)) => (Some(*w), rules.as_slice()),
            None => (None, &[][..]),
        };
        let new_rules: Vec<&'static str> =
            now.iter().copied().filter(|n| was != Some(Was::Failed) || !rules_before.iter().any(|b| b == n)).collect();
        let fixed_rules: Vec<String> = if was == Some(Was::Failed) {
            rules_before.iter().filter(|b| !now.contains(&b.as_str())).cloned().collect()
        } else {
            Vec::new()
        };
        let change = match (was, failed) {
            (_, true) if !new_rules.is_empty() => {
                c.new_failures_count += 1;
                if c.new_failures.len() < MAX_LISTED {
                    c.new_failures.push((r.name.clone(), new_rules.join(", ")));
                }
                Change::NewFailure
            }
            (_, true) => {
                c.still_failing += 1;
                Change::StillFailing
            }
            (Some(Was::Failed), false) if r.outcome == Outcome::Passed => {
                listed(&mut c.fixed, &mut c.fixed_count, &r.name);
                Change::Fixed
            }
            (None, false) => Change::NewCase,
            _ => Change::Same,
        };
        Delta { change, new_rules, fixed_rules }
    }

    /// Where the baseline is and when it was made, for the reports.
    pub fn describe(&self) -> (String, String) {
        (self.baseline.path.clone(), self.baseline.started.clone())
    }

    /// Closes the comparison: the baseline's cases this run did not have are vanished.
    pub fn finish(mut self) -> (Comparison, String) {
        let mut rest: Vec<String> = self.baseline.cases.drain().map(|(name, _)| name).collect();
        rest.sort();
        for name in rest {
            let c = &mut self.comparison;
            listed(&mut c.vanished, &mut c.vanished_count, &name);
        }
        let what = format!("{} (started {})", self.baseline.path, self.baseline.started);
        (self.comparison, what)
    }
}

impl Comparison {
    /// The comparison as the JSON report's `baseline` object.
    pub fn to_json(&self, path: &str, started: &str) -> serde_json::Value {
        serde_json::json!({
            "path": path,
            "started": started,
            "newFailures": self.new_failures_count,
            "fixed": self.fixed_count,
            "stillFailing": self.still_failing,
            "newCases": self.new_cases_count,
            "vanished": self.vanished_count,
            "vanishedCases": self.vanished,
        })
    }

    /// The section printed before the verdict.
    pub fn lines(&self, what: &str) -> Vec<String> {
        let mut out = vec![String::new(), format!("compared with the baseline {what}:")];
        let section = |out: &mut Vec<String>, title: &str, names: &[String], count: u64, mark: &str| {
            if count == 0 {
                return;
            }
            out.push(format!("  {title} ({count}):"));
            for n in names {
                out.push(format!("    {mark} {n}"));
            }
            if count > names.len() as u64 {
                out.push(format!("    … and {} more (--json has them all)", count - names.len() as u64));
            }
        };
        let news: Vec<String> = self.new_failures.iter().map(|(n, r)| format!("{n} (newly broken: {r})")).collect();
        section(&mut out, "new failures", &news, self.new_failures_count, "✗");
        section(&mut out, "fixed", &self.fixed, self.fixed_count, "✓");
        if self.still_failing > 0 {
            out.push(format!("  still failing: {}", self.still_failing));
        }
        section(&mut out, "new cases", &self.new_cases, self.new_cases_count, "+");
        section(&mut out, "vanished cases", &self.vanished, self.vanished_count, "-");
        if out.len() == 2 {
            out.push("  no difference".into());
        }
        out
    }
}

trait IntoBaseline {
    fn deserialize_map_into(&mut self, b: &mut Baseline) -> Result<(), serde_json::Error>;
}

impl<'de, R: serde_json::de::Read<'de>> IntoBaseline for serde_json::Deserializer<R> {
    fn deserialize_map_into(&mut self, b: &mut Baseline) -> Result<(), serde_json::Error> {
        serde::Deserializer::deserialize_map(self, ReportVisitor(b))
    }
}

struct ReportVisitor<'a>(&'a mut Baseline);

impl<'de> Visitor<'de> for ReportVisitor<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a report object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut format_ok = false;
        let mut version_ok = false;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "format" => format_ok = map.next_value::<String>()? == "graph-conformance-report",
                "version" => version_ok = matches!(map.next_value::<u64>()?, 1 | 2),
                "started" => self.0.started = map.next_value()?,
                "failuresOnly" => self.0.failures_only = map.next_value()?,
                "cases" => map.next_value_seed(CasesSeed(self.0))?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        if !format_ok || !version_ok {
            return Err(serde::de::Error::custom("no \"format\": \"graph-conformance-report\", \"version\": 1 or 2"));
        }
        Ok(())
    }
}

struct CasesSeed<'a>(&'a mut Baseline);

impl<'de> DeserializeSeed<'de> for CasesSeed<'_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for CasesSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of cases")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(c) = seq.next_element::<CaseLite>()? {
            let was = match c.outcome.as_str() {
                "failed" => Was::Failed,
                "ignored" => Was::Ignored,
                _ => Was::Passed,
            };
            self.0.cases.insert(c.name, (was, c.rules));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case(name: &str, outcome: Outcome) -> CaseReport {
        let mut r = CaseReport::new(name.into(), "s".into());
        r.outcome = outcome;
        r
    }

    #[test]
    fn new_fixed_still_new_and_vanished() {
        let path = std::env::temp_dir().join(format!("gc-baseline-{}.json", std::process::id()));
        std::fs::write(
            &path,
            r#"{"format": "graph-conformance-report", "version": 1, "started": "2026-11-29T10:00:00Z",
                "cases": [{"name": "a", "outcome": "passed", "message": null},
                          {"name": "b", "outcome": "failed", "rules": ["schema"]},
                          {"name": "c", "outcome": "failed", "rules": ["harness"]},
                          {"name": "d", "outcome": "failed", "rules": ["schema"]},
                          {"name": "gone", "outcome": "passed"}]}"#,
        )
        .unwrap();
        let mut cmp = Baseline::load(&path).unwrap().compare();
        assert_eq!(cmp.record(&case("a", Outcome::Failed)).change, Change::NewFailure);
        assert_eq!(cmp.record(&case("b", Outcome::Passed)).change, Change::Fixed);
        // `c` broke `harness` (no finding) before and now: still failing.
        assert_eq!(cmp.record(&case("c", Outcome::Failed)).change, Change::StillFailing);
        // `d` broke `schema` before and breaks `status` now: a new failure, `schema` fixed.
        let mut d = case("d", Outcome::Failed);
        d.findings.push(crate::check::Finding::failure("status", "", "expected 200, got 500"));
        let delta = cmp.record(&d);
        assert_eq!(
            (delta.change, delta.new_rules.as_slice(), delta.fixed_rules.as_slice()),
            (Change::NewFailure, &["status"][..], &["schema".to_string()][..])
        );
        assert_eq!(cmp.record(&case("new", Outcome::Passed)).change, Change::NewCase);
        let (c, what) = cmp.finish();
        assert_eq!(c.new_failures.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(), ["a", "d"]);
        assert_eq!(c.fixed, ["b"]);
        assert_eq!(c.still_failing, 1);
        assert_eq!(c.new_cases, ["new"]);
        assert_eq!(c.vanished, ["gone"]);
        assert!(what.contains("2026-11-29T10:00:00Z"));
        std::fs::write(&path, r#"{"cases": []}"#).unwrap();
        assert!(Baseline::load(&path).unwrap_err().contains("format version 1 or 2"));
        let _ = std::fs::remove_file(path);
    }
}
