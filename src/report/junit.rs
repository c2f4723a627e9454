//! `--junit PATH`: JUnit XML as GitHub, GitLab and Azure DevOps render it, one `<testsuite>` per
//! suite, failures with their full (plain, redacted) message. Built with quick-junit, which holds
//! one small record per case until the end.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use super::{CaseReport, Outcome, RenderOptions, render_failure};
use crate::target::Redactor;

/// A JUnit report being collected.
#[derive(Default)]
pub struct JunitReport {
    suites: BTreeMap<String, Vec<TestCase>>,
    started: Option<std::time::Instant>,
    failures_only: bool,
    /// `--fail-on new`: a case failing as in the baseline is not a failure of this run.
    fail_on_new: bool,
}

impl JunitReport {
    /// A report of every case, or (`failures_only`) of the failed ones.
    pub fn new(failures_only: bool, fail_on_new: bool) -> Self {
        JunitReport { suites: BTreeMap::new(), started: Some(std::time::Instant::now()), failures_only, fail_on_new }
    }

    /// Adds a case: a failure's `type` is its first broken rule, its message the first finding, its
    /// text the whole rendered block; trace ids are properties. Against a baseline, the case's
    /// change is a property; under `--fail-on new` a case failing as in the baseline is skipped
    /// (with its block), so the file agrees with the verdict.
    pub fn add(&mut self, r: &CaseReport, redactor: &Redactor, delta: Option<&super::baseline::Delta>) {
        if self.failures_only && r.outcome != Outcome::Failed {
            return;
        }
        let tolerated = self.fail_on_new && delta.is_some_and(|d| d.change == super::baseline::Change::StillFailing);
        let status = match &r.outcome {
            Outcome::Failed if tolerated => {
                let mut s = TestCaseStatus::skipped();
                s.set_message(format!(
                    "still failing as in the baseline ({}): --fail-on new does not fail on it",
                    super::json::failed_rules(r).join(", ")
                ));
                s.set_description(redactor.redact(&render_failure(r, RenderOptions::default())));
                s
            }
            Outcome::Passed => TestCaseStatus::success(),
            Outcome::Ignored(reason) => {
                let mut s = TestCaseStatus::skipped();
                s.set_message(reason.as_str());
                s
            }
            Outcome::Failed => {
                let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                let rules = super::json::failed_rules(r);
                let first = r.failures().next().map(|f| {
                    let at = if f.at.is_empty() { String::new() } else { format!(" at {}", f.at) };
                    format!("{}{at}: {}", f.rule, f.message)
                });
                let message = first.or_else(|| r.error.clone()).unwrap_or_else(|| "harness error".into());
                s.set_message(redactor.redact(&message));
                s.set_type(rules.first().copied().unwrap_or("harness"));
                s.set_description(redactor.redact(&render_failure(r, RenderOptions::default())));
                s
            }
        };
        let mut case = TestCase::new(r.name.as_str(), status);
        case.set_classname(format!("graph-conformance.{}", r.suite));
        if let Some(d) = delta {
            case.add_property(("baseline", d.change.as_str()));
            if !d.new_rules.is_empty() {
                case.add_property(("newly-broken", d.new_rules.join(", ").as_str()));
            }
        }
        if let Some(x) = &r.exchange {
            case.set_time(x.elapsed);
            if r.outcome == Outcome::Failed {
                case.add_property(("client-request-id", x.client_request_id.as_str()));
                if let Some(id) = &x.request_id {
                    case.add_property(("request-id", redactor.redact(id).as_str()));
                }
                if let Some(date) = &x.date {
                    case.add_property(("date", date.as_str()));
                }
            }
        }
        self.suites.entry(r.suite.clone()).or_default().push(case);
    }

    pub fn write(self, path: &Path) -> Result<(), String> {
        let mut report = Report::new("graph-conformance");
        report.set_time(self.started.map(|s| s.elapsed()).unwrap_or(Duration::ZERO));
        for (name, cases) in self.suites {
            let mut suite = TestSuite::new(name.as_str());
            suite.add_test_cases(cases);
            report.add_test_suite(suite);
        }
        let text = report.to_string().map_err(|e| format!("cannot write the JUnit report {}: {e}", path.display()))?;
        let text = crate::target::secret::redact(&text).into_owned();
        let text = xml_safe(&text);
        // One write whose result is checked: a full disk or a missing folder is an error, not a
        // report silently cut short; the file is replaced only when complete.
        super::file::AtomicFile::write(path, text.as_bytes())
            .map_err(|e| format!("cannot write the JUnit report {}: {e}", path.display()))
    }
}

/// The document with every character XML 1.0 forbids (controls other than tab, newline and carriage
/// return; U+FFFE, U+FFFF) written as visible `\u{…}` text: one such character from a server would
/// make CI's parser reject the whole report.
pub fn xml_safe(text: &str) -> std::borrow::Cow<'_, str> {
    // Of the characters a terminal must not see raw, XML allows tab, newline, carriage return, DEL,
    // the C1 controls and the bidi controls.
    super::term::escaped(text, |c| {
        let u = c as u32;
        matches!(c, '\t' | '\n' | '\r') || (0x7F..=0x9F).contains(&u) || (u > 0x9F && u != 0xFFFE && u != 0xFFFF)
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn characters_xml_forbids_become_text() {
        assert_eq!(super::xml_safe("a\u{1}b\u{ffff}\tc\n\u{202e}"), "a\\u{1}b\\u{ffff}\tc\n\u{202e}");
        assert!(matches!(super::xml_safe("plain <x>"), std::borrow::Cow::Borrowed(_)));
    }
}
