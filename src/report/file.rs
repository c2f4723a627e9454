//! What every report file starts from: its path, a temporary file beside it opened before the
//! first case (so an unwritable folder fails the run at once), the run's description, its clock and
//! the outcome counts. The report replaces the file at its path only when it is complete: a run that
//! fails before the end (a failed preflight, a crash) leaves the previous report as it was.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use super::json::RunInfo;
use super::{CaseReport, Outcome};

/// A report file being collected: `kind` names it in errors (`JSON report`, `HTML report`).
pub struct ReportFile {
    pub kind: &'static str,
    pub path: PathBuf,
    file: Option<AtomicFile>,
    pub info: RunInfo,
    pub started: jiff::Timestamp,
    pub clock: std::time::Instant,
    /// Passed, failed, ignored.
    pub counts: [u64; 3],
}

impl ReportFile {
    /// Creates (empties) the file now.
    pub fn create(kind: &'static str, path: &Path, info: RunInfo) -> Result<Self, String> {
        let file = AtomicFile::create(path).map_err(|e| format!("cannot write the {kind} {}: {e}", path.display()))?;
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

    /// The opened file, once: a report is written once (and committed by its writer).
    pub fn take(&mut self) -> Result<AtomicFile, String> {
        self.file.take().ok_or_else(|| self.fail("already written"))
    }
}

/// A file written beside its final path and renamed onto it by [`AtomicFile::commit`]; dropped
/// uncommitted, it disappears and whatever stood at the path before is untouched. A path that is
/// not a regular file (a device such as `/dev/stdout`, a pipe) is written in place: nothing is ever
/// renamed over it.
pub struct AtomicFile {
    inner: Inner,
    path: PathBuf,
}

enum Inner {
    Temp(tempfile::NamedTempFile),
    Direct(std::fs::File),
}

impl AtomicFile {
    /// Opens a temporary file in the folder of `path` (which must exist).
    pub fn create(path: &Path) -> std::io::Result<Self> {
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        match std::fs::metadata(path) {
            Ok(m) if m.is_dir() => {
                return Err(std::io::Error::new(std::io::ErrorKind::IsADirectory, "a folder stands at that path"));
            }
            Ok(m) if !m.is_file() => {
                let file = std::fs::OpenOptions::new().write(true).truncate(true).open(path)?;
                return Ok(AtomicFile { inner: Inner::Direct(file), path: path.to_path_buf() });
            }
            _ => {}
        }
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let prefix = format!(".{name}.");
        let mut builder = tempfile::Builder::new();
        builder.prefix(&prefix).suffix(".partial");
        // The mode a plainly created file gets (0666 less the umask), not a temporary file's 0600:
        // a report is for others to read too.
        #[cfg(unix)]
        builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
        let temp = builder.tempfile_in(dir)?;
        Ok(AtomicFile { inner: Inner::Temp(temp), path: path.to_path_buf() })
    }

    /// Writes `bytes` to `path` at once (create, write, rename).
    pub fn write(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
        let mut f = AtomicFile::create(path)?;
        f.write_all(bytes)?;
        f.commit()
    }

    /// Flushes, and puts the file at its path.
    pub fn commit(self) -> std::io::Result<()> {
        match self.inner {
            Inner::Direct(mut f) => f.flush(),
            Inner::Temp(mut temp) => {
                temp.flush()?;
                temp.persist(&self.path).map(|_| ()).map_err(|e| e.error)
            }
        }
    }
}

impl std::io::Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match &mut self.inner {
            Inner::Temp(t) => t.write(buf),
            Inner::Direct(f) => f.write(buf),
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        match &mut self.inner {
            Inner::Temp(t) => t.flush(),
            Inner::Direct(f) => f.flush(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_uncommitted_file_leaves_the_old_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.json");
        std::fs::write(&path, "old").unwrap();
        let mut f = AtomicFile::create(&path).unwrap();
        f.write_all(b"new").unwrap();
        drop(f);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old");
        AtomicFile::write(&path, b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "no temporary file is left");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            let plain = dir.path().join("plain");
            std::fs::write(&plain, "x").unwrap();
            assert_eq!(
                mode & 0o777,
                std::fs::metadata(&plain).unwrap().permissions().mode() & 0o777,
                "as File::create"
            );
        }
        // A device is written in place, never replaced by a file.
        if Path::new("/dev/null").exists() {
            AtomicFile::write(Path::new("/dev/null"), b"x").unwrap();
            assert!(!std::fs::metadata("/dev/null").unwrap().is_file());
        }
    }
}
