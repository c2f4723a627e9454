//! What every report file starts from: its path, opened (and emptied) before the first case so an
//! unwritable path fails the run at once, the run's description, its clock and the outcome counts.

use std::fs::File;
use std::path::{Path, PathBuf};

use super::json::RunInfo;
use super::{CaseReport, Outcome};

/// A report file being collected: `kind` names it in errors (`JSON report`, `HTML report`).
pub struct ReportFile {
    pub kind: &'static str,
    pub path: PathBuf,
    file: Option<File>,
    pub info: RunInfo,
    pub started: jiff::Timestamp,
    pub clock: std::time::Instant,
    /// Passed, failed, ignored.
    pub counts: [u64; 3],
}

impl ReportFile {
    /// Creates (empties) the file now.
    pub fn create(kind: &'static str, path: &Path, info: RunInfo) -> Result<Self, String> {
        let file = File::create(path).map_err(|e| format!("cannot write the {kind} {}: {e}", path.display()))?;
        Ok(ReportFile {
            kind,
            path: path.to_path_buf(),
            file: Some(file),
            info,
            started: jiff::Timestamp::now(),
            clock: std::time::Instant::now(),
            counts: [0; 3],
        })
    }

    /// An error writing this report, with its path.
    pub fn fail(&self, e: impl std::fmt::Display) -> String {
        format!("cannot write the {} {}: {e}", self.kind, self.path.display())
    }

    /// Counts one finished case.
    pub fn count(&mut self, r: &CaseReport) {
        let i = match r.outcome {
            Outcome::Passed => 0,
            Outcome::Failed => 1,
            Outcome::Ignored(_) => 2,
        };
        self.counts[i] += 1;
    }

    /// The opened file, once: a report is written once.
    pub fn take(&mut self) -> Result<File, String> {
        self.file.take().ok_or_else(|| self.fail("already written"))
    }
}
