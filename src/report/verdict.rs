//! The end of a run, for people: one line per broken rule, failures grouped by what broke (a
//! defect that breaks 500 cases the same way prints once, then as a list of names), ignored cases
//! counted by reason, identical warnings once, and the verdict as the last line.

use std::collections::{BTreeMap, HashMap};
use std::hash::{Hash, Hasher};

use super::{CaseReport, Outcome};

/// Distinct reasons, warnings and names kept; the rest are counted.
const MAX_DISTINCT: usize = 200;
/// Names listed under a grouped failure.
const MAX_NAMES: usize = 20;

#[derive(Debug, Default)]
struct RuleTally {
    cases: u64,
    first: String,
}

#[derive(Debug, Default)]
struct Group {
    first: String,
    others: Vec<String>,
    more: u64,
}

/// Tallies a run's reports as they finish.
#[derive(Debug, Default)]
pub struct Verdict {
    pub passed: u64,
    pub failed: u64,
    pub ignored: u64,
    rules: BTreeMap<&'static str, RuleTally>,
    groups: HashMap<u64, Group>,
    ignored_by_reason: BTreeMap<String, u64>,
    ignored_other: u64,
    warnings: BTreeMap<String, (u64, String)>,
    warnings_other: u64,
    /// The comparison with `--baseline`: its lines and the number of new failures.
    pub baseline: Option<(Vec<String>, u64)>,
}

/// What a failure broke, as a key: the same rule at the same place with the same values.
fn signature(r: &CaseReport) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    let mut parts: Vec<String> = r
        .failures()
        .map(|f| match (&f.expected, &f.actual) {
            (None, None) => format!("{}\u{0}{}\u{0}{}", f.rule, f.at, f.message),
            (e, a) => format!("{}\u{0}{}\u{0}{e:?}\u{0}{a:?}", f.rule, f.at),
        })
        .collect();
    parts.sort();
    parts.hash(&mut h);
    if parts.is_empty() {
        r.error.hash(&mut h);
    }
    h.finish()
}

impl Verdict {
    /// Records a finished case. For a failure that repeats an earlier one exactly (same rules,
    /// places and values), returns the earlier case's name: print this one briefly.
    pub fn record(&mut self, r: &CaseReport) -> Option<String> {
        match &r.outcome {
            Outcome::Passed => self.passed += 1,
            Outcome::Ignored(reason) => {
                self.ignored += 1;
                if self.ignored_by_reason.len() < MAX_DISTINCT || self.ignored_by_reason.contains_key(reason) {
                    *self.ignored_by_reason.entry(reason.clone()).or_default() += 1;
                } else {
                    self.ignored_other += 1;
                }
            }
            Outcome::Failed => self.failed += 1,
        }
        for w in r.warnings() {
            let at = if w.at.is_empty() { String::new() } else { format!(" at {}", w.at) };
            let key = format!("{}{at}: {}", w.rule, w.message);
            let room = self.warnings.len() < MAX_DISTINCT;
            match self.warnings.get_mut(&key) {
                Some((n, _)) => *n += 1,
                None if room => {
                    self.warnings.insert(key, (1, r.name.clone()));
                }
                None => self.warnings_other += 1,
            }
        }
        if r.outcome != Outcome::Failed {
            return None;
        }
        let mut rules = r.failed_rules();
        if rules.is_empty() {
            rules.push("harness");
        }
        for rule in rules {
            let t = self.rules.entry(rule).or_default();
            if t.cases == 0 {
                t.first = r.name.clone();
            }
            t.cases += 1;
        }
        let key = signature(r);
        match self.groups.get_mut(&key) {
            Some(g) => {
                if g.others.len() < MAX_NAMES {
                    g.others.push(r.name.clone());
                } else {
                    g.more += 1;
                }
                Some(g.first.clone())
            }
            None => {
                if self.groups.len() < 100_000 {
                    self.groups.insert(key, Group { first: r.name.clone(), ..Group::default() });
                }
                None
            }
        }
    }

    /// The cases that failed exactly as `first` did (after it), and how many more are not named.
    pub fn same_as(&self, first: &str) -> Option<(&[String], u64)> {
        self.groups.values().find(|g| g.first == first && !g.others.is_empty()).map(|g| (g.others.as_slice(), g.more))
    }

    /// A failure that repeats `first`: one line instead of the whole block.
    pub fn brief(r: &CaseReport, first: &str) -> String {
        let rules = r.failed_rules().join(", ");
        format!("the same failure as {first} ({rules}); its block is printed there")
    }

    /// The lines after a run's summary line: broken rules, ignored reasons, warnings, the verdict.
    pub fn lines(&self) -> Vec<String> {
        self.lines_with(true)
    }

    /// What `-q` prints: broken rules, the comparison with a baseline and the verdict (the ignored
    /// reasons and warnings are counted in the verdict and listed in the reports).
    pub fn brief_lines(&self) -> Vec<String> {
        self.lines_with(false)
    }

    fn lines_with(&self, details: bool) -> Vec<String> {
        let mut out = Vec::new();
        if !self.rules.is_empty() {
            out.push(String::new());
            out.push("broken rules:".into());
            let width = self.rules.keys().map(|k| k.len()).max().unwrap_or(0);
            for (rule, t) in &self.rules {
                let cases = if t.cases == 1 { "case ".to_string() } else { "cases".to_string() };
                out.push(format!("  {rule:<width$}  {:>6} {cases}  first: {}", t.cases, t.first));
            }
        }
        if self.ignored > 0 && details {
            out.push(String::new());
            out.push(format!("ignored ({}), by reason:", self.ignored));
            let mut reasons: Vec<(&String, &u64)> = self.ignored_by_reason.iter().collect();
            reasons.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
            for (reason, n) in reasons {
                out.push(format!("  {n:>6}  {reason}"));
            }
            if self.ignored_other > 0 {
                out.push(format!("  {:>6}  (other reasons)", self.ignored_other));
            }
        }
        if !self.warnings.is_empty() && details {
            let total: u64 = self.warnings.values().map(|(n, _)| n).sum::<u64>() + self.warnings_other;
            out.push(String::new());
            out.push(format!("warnings ({total}, {} distinct), which do not fail a case:", self.warnings.len()));
            for (w, (n, first)) in &self.warnings {
                let times = if *n == 1 { format!("in {first}") } else { format!("{n} cases, first {first}") };
                out.push(format!("  {w} ({times})"));
            }
            if self.warnings_other > 0 {
                out.push(format!("  … and {} more (all of them are in --json)", self.warnings_other));
            }
        }
        if let Some((lines, _)) = &self.baseline {
            out.extend(lines.iter().cloned());
        }
        out.push(String::new());
        out.push(self.last_line());
        out
    }

    /// `verdict: FAILED: 3 of 619 cases failed, 2 rules broken; 24 ignored` (or `ok: …`).
    pub fn last_line(&self) -> String {
        let ran = self.passed + self.failed;
        let mut ignored = if self.ignored > 0 { format!("; {} ignored", self.ignored) } else { String::new() };
        if let Some((_, new)) = self.baseline {
            ignored.push_str(&format!("; {new} new against the baseline"));
        }
        if self.failed > 0 {
            let n = self.rules.len();
            let rules = if n == 1 { "1 rule broken".to_string() } else { format!("{n} rules broken") };
            format!("verdict: FAILED: {} of {ran} cases failed, {rules}{ignored}", self.failed)
        } else {
            format!("verdict: ok: {ran} cases passed{ignored}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::Finding;

    fn failed(name: &str, value: &str) -> CaseReport {
        let mut r = CaseReport::new(name.into(), "s".into());
        r.outcome = Outcome::Failed;
        r.findings.push(Finding::failure("body.value", "/x", "differs").with_values("0", value));
        r
    }

    #[test]
    fn identical_failures_group_and_rules_are_tallied() {
        let mut v = Verdict::default();
        assert_eq!(v.record(&failed("a", "1")), None);
        assert_eq!(v.record(&failed("b", "1")).as_deref(), Some("a"));
        assert_eq!(v.record(&failed("c", "2")), None, "other values: another group");
        let mut skipped = CaseReport::new("d".into(), "s".into());
        skipped.outcome = Outcome::Ignored("needs an id".into());
        v.record(&skipped);
        v.record(&skipped);
        let mut warned = CaseReport::new("e".into(), "s".into());
        warned.findings.push(Finding::warning("undocumented-property", "/y", "not declared"));
        v.record(&warned);
        v.record(&warned);
        let text = v.lines().join("\n");
        assert!(text.contains("body.value       3 cases  first: a"), "{text}");
        assert!(text.contains("     2  needs an id"), "{text}");
        assert!(text.contains("undocumented-property at /y: not declared (2 cases, first e)"), "{text}");
        assert!(text.ends_with("verdict: FAILED: 3 of 5 cases failed, 1 rule broken; 2 ignored"), "{text}");
        assert_eq!(v.same_as("a").map(|(n, _)| n.to_vec()), Some(vec!["b".to_string()]));
    }
}
