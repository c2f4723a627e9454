//! One live status line on stderr for long runs (discovery): entities found per level, cases done
//! and their rate, failures, retries, elapsed. Only on a terminal, never in CI logs, pipes or with
//! `-q`; drawn by indicatif, at most a few times a second.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::report::{CaseReport, Outcome};

/// Milliseconds between two updates of the line's text.
const EVERY_MS: u64 = 200;

/// The status of a run, shown when [`Progress::start`] found a terminal.
#[derive(Debug)]
pub struct Progress {
    bar: OnceLock<ProgressBar>,
    started: Instant,
    found: Mutex<Vec<(String, u64)>>,
    done: AtomicU64,
    failed: AtomicU64,
    retries: AtomicU64,
    last_ms: AtomicU64,
}

impl Default for Progress {
    fn default() -> Self {
        Progress {
            bar: OnceLock::new(),
            started: Instant::now(),
            found: Mutex::new(Vec::new()),
            done: AtomicU64::new(0),
            failed: AtomicU64::new(0),
            retries: AtomicU64::new(0),
            last_ms: AtomicU64::new(0),
        }
    }
}

/// Whether a status line belongs here: stderr is a terminal, not CI, not quiet.
pub fn wanted(quiet: bool) -> bool {
    !quiet && std::io::stderr().is_terminal() && std::env::var_os("CI").is_none()
}

impl Progress {
    /// Shows the line (call once, when [`wanted`]).
    pub fn start(&self) {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr_with_hz(4));
        bar.set_style(
            ProgressStyle::with_template("{spinner} {wide_msg}").unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.enable_steady_tick(Duration::from_millis(250));
        let _ = self.bar.set(bar);
    }

    pub fn active(&self) -> bool {
        self.bar.get().is_some()
    }

    /// An entity found at `level` (counted under its last member: `workflows.runs` as `runs`).
    pub fn found(&self, level: &str) {
        if !self.active() {
            return;
        }
        let level = level.rsplit('.').next().unwrap_or(level);
        let mut f = self.found.lock().unwrap_or_else(|p| p.into_inner());
        match f.iter_mut().find(|(l, _)| l == level) {
            Some((_, n)) => *n += 1,
            None => f.push((level.to_string(), 1)),
        }
        drop(f);
        self.refresh(false);
    }

    /// A case finished.
    pub fn done(&self, r: &CaseReport) {
        if !self.active() {
            return;
        }
        self.done.fetch_add(1, Ordering::Relaxed);
        if r.outcome == Outcome::Failed {
            self.failed.fetch_add(1, Ordering::Relaxed);
        }
        self.retries.fetch_add(r.retries.len() as u64, Ordering::Relaxed);
        self.refresh(false);
    }

    /// Prints a line above the status line.
    pub fn println(&self, line: &str) {
        match self.bar.get() {
            Some(bar) => bar.suspend(|| crate::report::term::outln!("{line}")),
            None => crate::report::term::outln!("{line}"),
        }
    }

    /// Removes the line (the summary follows).
    pub fn finish(&self) {
        if let Some(bar) = self.bar.get() {
            bar.finish_and_clear();
        }
    }

    fn refresh(&self, force: bool) {
        let Some(bar) = self.bar.get() else { return };
        let now = self.started.elapsed().as_millis() as u64;
        let last = self.last_ms.load(Ordering::Relaxed);
        if !force && now.saturating_sub(last) < EVERY_MS {
            return;
        }
        if self.last_ms.compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed).is_err() {
            return;
        }
        let found = self.found.lock().unwrap_or_else(|p| p.into_inner()).clone();
        bar.set_message(status_line(
            &found,
            self.done.load(Ordering::Relaxed),
            self.failed.load(Ordering::Relaxed),
            self.retries.load(Ordering::Relaxed),
            self.started.elapsed(),
        ));
    }
}

/// `1,200 cases (400/s) · 2 failed · 1 retry · 0:03 | found workflows 3 · runs 30` (what matters
/// first: the terminal cuts the end of a long line).
pub fn status_line(found: &[(String, u64)], done: u64, failed: u64, retries: u64, elapsed: Duration) -> String {
    let levels: Vec<String> = found.iter().map(|(l, n)| format!("{l} {}", thousands(*n))).collect();
    let rate = done as f64 / elapsed.as_secs_f64().max(0.001);
    let secs = elapsed.as_secs();
    let retry = if retries == 1 { "retry" } else { "retries" };
    let found = if levels.is_empty() { String::new() } else { format!(" | found {}", levels.join(" · ")) };
    format!(
        "{} cases ({}/s) · {failed} failed · {retries} {retry} · {}:{:02}{found}",
        thousands(done),
        thousands(rate as u64),
        secs / 60,
        secs % 60
    )
}

fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_status_line_names_levels_rate_failures_retries_and_time() {
        let found = vec![("workflows".to_string(), 3), ("runs".to_string(), 1200)];
        let line = status_line(&found, 12_345, 2, 1, Duration::from_secs(65));
        assert_eq!(line, "12,345 cases (189/s) · 2 failed · 1 retry · 1:05 | found workflows 3 · runs 1,200");
    }

    #[test]
    fn nothing_is_drawn_unless_started() {
        let p = Progress::default();
        p.found("workflows");
        p.done(&CaseReport::new("a".into(), "s".into()));
        assert!(!p.active());
        assert_eq!(p.done.load(Ordering::Relaxed), 0, "an inactive line costs nothing");
    }
}
