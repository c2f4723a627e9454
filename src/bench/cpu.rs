//! CPU time, for the side-by-side benchmark: this process's own (user + system), another live
//! process's (the `serve` process, read from `/proc`), and wrk's on one entity URL of the same
//! server: the floor any HTTP client pays per request.

use std::io::Read;
use std::process::{Command, Stdio};

/// User + system CPU seconds this process has used so far (0 where unknown).
pub fn own_cpu_secs() -> f64 {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: an all-zero rusage is a valid value of the plain C struct getrusage fills in.
        let mut u: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: `u` is valid for writes.
        if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut u) } == 0 {
            return seconds(&u);
        }
    }
    0.0
}

#[cfg(target_os = "linux")]
fn seconds(u: &libc::rusage) -> f64 {
    let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    tv(u.ru_utime) + tv(u.ru_stime)
}

/// User + system CPU seconds the live process `pid` has used so far (`/proc/PID/stat`), if known.
pub fn cpu_secs_of(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may hold spaces: count the fields after its closing parenthesis.
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // Fields 14 and 15 of the whole line (utime, stime) are the 12th and 13th after the name.
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / clock_ticks())
}

fn clock_ticks() -> f64 {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: sysconf reads a constant of the system.
        let t = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
        if t > 0 {
            return t as f64;
        }
    }
    100.0
}

/// One wrk run: requests it completed, wall seconds, and the CPU seconds wrk itself used.
#[derive(Debug, Clone, Copy)]
pub struct WrkRun {
    pub requests: u64,
    pub seconds: f64,
    pub cpu_s: f64,
}

/// Runs `wrk` (two threads, `connections` connections, `seconds` long) on `url` with the bench's
/// bearer token. `Ok(None)` when wrk is not installed.
pub fn wrk(url: &str, connections: usize, seconds: u64) -> Result<Option<WrkRun>, String> {
    let spawned = Command::new("wrk")
        .args(["-t2", &format!("-c{}", connections.max(2)), &format!("-d{seconds}s")])
        .args(["-H", "Authorization: Bearer bench-token", url])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn();
    let mut child = match spawned {
        Ok(c) => c,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("cannot start wrk: {e}")),
    };
    let mut out = String::new();
    if let Some(mut s) = child.stdout.take() {
        let _ = s.read_to_string(&mut out);
    }
    let cpu_s = wait_cpu(child)?;
    // "  93898 requests in 10.10s, 110.23MB read"
    let line =
        out.lines().find(|l| l.contains(" requests in ")).ok_or_else(|| format!("wrk printed no count: {out}"))?;
    let mut words = line.split_whitespace();
    let requests = words.next().and_then(|w| w.parse::<u64>().ok()).ok_or_else(|| format!("wrk: {line}"))?;
    let secs = line
        .split(" requests in ")
        .nth(1)
        .and_then(|r| r.split('s').next())
        .and_then(|s| s.trim().parse::<f64>().ok())
        .ok_or_else(|| format!("wrk: {line}"))?;
    Ok(Some(WrkRun { requests, seconds: secs, cpu_s }))
}

/// How a reaped child ended: whether it exited 0, its peak resident set (KiB) and its CPU seconds.
#[derive(Debug, Clone, Copy)]
pub struct Ended {
    pub ok: bool,
    pub peak_kib: i64,
    pub cpu_s: f64,
}

/// Waits for `child` and returns how it ended (`wait4`: its own resource usage, not this process's).
#[cfg(target_os = "linux")]
pub fn wait_ended(child: std::process::Child) -> Result<Ended, String> {
    let pid = child.id() as libc::pid_t;
    let mut status: libc::c_int = 0;
    // SAFETY: an all-zero rusage is a valid value of the plain C struct wait4 fills in.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `pid` is our own unreaped child; `status` and `usage` are valid for writes.
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    if r != pid {
        return Err(format!("cannot wait for process {pid}: {}", std::io::Error::last_os_error()));
    }
    // Reaped above: dropping the handle neither waits nor kills.
    drop(child);
    let ok = libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0;
    Ok(Ended { ok, peak_kib: usage.ru_maxrss, cpu_s: seconds(&usage) })
}

#[cfg(not(target_os = "linux"))]
pub fn wait_ended(mut child: std::process::Child) -> Result<Ended, String> {
    let status = child.wait().map_err(|e| e.to_string())?;
    Ok(Ended { ok: status.success(), peak_kib: 0, cpu_s: 0.0 })
}

fn wait_cpu(child: std::process::Child) -> Result<f64, String> {
    wait_ended(child).map(|e| e.cpu_s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_and_its_stat_agree_on_cpu_spent() {
        // Spin until the process has spent some CPU (however loaded the machine), then read it
        // both ways.
        let start = own_cpu_secs();
        let t = std::time::Instant::now();
        let mut x = 0u64;
        while own_cpu_secs() - start < 0.05 && t.elapsed().as_secs() < 60 {
            for _ in 0..10_000 {
                x = x.wrapping_mul(31).wrapping_add(7);
            }
        }
        assert_ne!(x, 1);
        if cfg!(target_os = "linux") {
            // Other test threads spend CPU too: read /proc, getrusage, /proc again, and the first
            // lies between the other two (within the 10 ms ticks /proc counts in).
            let before = cpu_secs_of(std::process::id()).expect("/proc/self/stat");
            let own = own_cpu_secs();
            let after = cpu_secs_of(std::process::id()).expect("/proc/self/stat");
            assert!(own - start >= 0.05, "{start} -> {own}");
            assert!(before - 0.05 <= own && own <= after + 0.05, "/proc {before} .. {after}, getrusage {own}");
        }
    }
}
