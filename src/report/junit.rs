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
}

impl JunitReport {
    pub fn new() -> Self {
        JunitReport { suites: BTreeMap::new(), started: Some(std::time::Instant::now()) }
    }

    pub fn add(&mut self, r: &CaseReport, redactor: &Redactor) {
        let status = match &r.outcome {
            Outcome::Passed => TestCaseStatus::success(),
            Outcome::Ignored(reason) => {
                let mut s = TestCaseStatus::skipped();
                s.set_message(reason.as_str());
                s
            }
            Outcome::Failed => {
                let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                let rules = r.failed_rules().join(", ");
                s.set_message(if rules.is_empty() {
                    "harness error".to_string()
                } else {
                    format!("broken rules: {rules}")
                });
                s.set_type("conformance failure");
                s.set_description(redactor.redact(&render_failure(r, RenderOptions::default())));
                s
            }
        };
        let mut case = TestCase::new(r.name.as_str(), status);
        case.set_classname(format!("graph-conformance.{}", r.suite));
        if let Some(x) = &r.exchange {
            case.set_time(x.elapsed);
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
        // One write whose result is checked: a full disk or a missing folder is an error, not a
        // report silently cut short.
        std::fs::write(path, text).map_err(|e| format!("cannot write the JUnit report {}: {e}", path.display()))
    }
}
