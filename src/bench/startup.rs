//! `bench --startup`: what starting costs for an area's cases and schemas. Each measurement is a
//! child process of its own: `run --list` (load the suites, resolve every path, plan every case)
//! to its exit, and `serve --port 0` (load, build the store, listen) to the service root it prints.
//! Time is wall-clock from spawning; memory is the child's peak resident set (`wait4` for `run`,
//! `VmHWM` of the live `serve` process). The budget is the one the README states for the largest
//! area of the v1.0 metadata: under 2 s and 200 MiB each.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

/// The start-up budget: seconds and MiB.
pub const BUDGET: (f64, f64) = (2.0, 200.0);
/// How long one start may take before the benchmark gives up on it.
const GIVE_UP: Duration = Duration::from_secs(120);

/// One start: seconds and peak MiB.
#[derive(Debug, Clone, Copy)]
struct Start {
    secs: f64,
    mib: f64,
}

/// Measures `run --list` and `serve` over `cases` and `schemas`, `rounds` times each (the median
/// shown); exit 1 when a median is over [`BUDGET`].
pub fn startup(cases: &Path, schemas: &Path, rounds: usize) -> Result<ExitCode, String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find this program: {e}"))?;
    let dirs = ["--cases", &cases.display().to_string(), "--schemas", &schemas.display().to_string()].map(String::from);
    let mut list = Vec::new();
    let mut serve = Vec::new();
    for _ in 0..rounds {
        list.push(run_list(&exe, &dirs)?);
        serve.push(serve_ready(&exe, &dirs)?);
    }
    let cases_listed = count_listed(&exe, &dirs)?;
    crate::report::term::outln!(
        "graph-conformance bench --startup: {} and {}, {cases_listed} cases, median of {rounds} round(s)\n",
        cases.display(),
        schemas.display()
    );
    crate::report::term::outln!(
        "{:<10} {:>9} {:>10}  budget {} s, {} MiB",
        "start",
        "seconds",
        "peak MiB",
        BUDGET.0,
        BUDGET.1
    );
    let mut over = Vec::new();
    for (name, starts) in [("run --list", &mut list), ("serve", &mut serve)] {
        let m = median(starts);
        let within = m.secs < BUDGET.0 && m.mib < BUDGET.1;
        crate::report::term::outln!(
            "{name:<10} {:>9.2} {:>10.1}  {}",
            m.secs,
            m.mib,
            if within { "within" } else { "OVER" }
        );
        if !within {
            over.push(name);
        }
    }
    if over.is_empty() {
        Ok(ExitCode::SUCCESS)
    } else {
        crate::report::term::errln!("error: over the start-up budget: {}", over.join(", "));
        Ok(ExitCode::from(1))
    }
}

fn median(starts: &mut [Start]) -> Start {
    starts.sort_by(|a, b| a.secs.total_cmp(&b.secs));
    starts[starts.len() / 2]
}

fn run_list(exe: &Path, dirs: &[String]) -> Result<Start, String> {
    let started = Instant::now();
    let child = Command::new(exe)
        .args(["run", "--list"])
        .args(dirs)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start run --list: {e}"))?;
    let ended = super::cpu::wait_ended(child)?;
    let (ok, peak_kib) = (ended.ok, ended.peak_kib);
    let secs = started.elapsed().as_secs_f64();
    if !ok {
        return Err("run --list failed: run it alone to see why".into());
    }
    Ok(Start { secs, mib: peak_kib as f64 / 1024.0 })
}

fn count_listed(exe: &Path, dirs: &[String]) -> Result<usize, String> {
    let out = Command::new(exe)
        .args(["run", "--list"])
        .args(dirs)
        .output()
        .map_err(|e| format!("cannot start run --list: {e}"))?;
    Ok(String::from_utf8_lossy(&out.stdout).lines().filter(|l| l.ends_with(": test")).count())
}

fn serve_ready(exe: &Path, dirs: &[String]) -> Result<Start, String> {
    let started = Instant::now();
    let mut child = Command::new(exe)
        .args(["serve", "--port", "0"])
        .args(dirs)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start serve: {e}"))?;
    let stdout = child.stdout.take().ok_or("serve has no stdout")?;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let line = rx.recv_timeout(GIVE_UP).unwrap_or_default();
    let secs = started.elapsed().as_secs_f64();
    let mib = crate::bench::peak_rss_mib_of(child.id());
    let _ = child.kill();
    let _ = child.wait();
    if !line.trim_start().starts_with("http") {
        return Err(format!("serve printed no service root within {} s: run it alone to see why", GIVE_UP.as_secs()));
    }
    Ok(Start { secs, mib })
}
