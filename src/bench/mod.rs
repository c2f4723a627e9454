//! `graph-conformance bench`: what the harness costs beyond its HTTP round trips.
//!
//! For each N it starts `graph-conformance serve --entities N` (a process of its own), then runs,
//! each in a fresh child process so that peak RSS is its own:
//! - **raw**: a plain reqwest loop sending exactly the requests discovery sends (the list pages and
//!   every per-entity case of every entity), reading each body, checking nothing;
//! - **checked**: `run --discover` with every check on, reports streamed;
//!
//! with the same concurrency, and prints requests per second, p50/p99 latency, peak RSS and the
//! ratio checked/raw.

pub mod cpu;
pub mod startup;

use std::io::{BufRead, BufReader};
use std::process::{Command, ExitCode, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use libtest_mimic::Arguments;
use serde_json::{Value, json};

use crate::case::AuthMode;
use crate::odata::path::fill_template;
use crate::runner::RunConfig;
use crate::runner::discover::{run_discovery, tree};
use crate::runner::plan::{Pins, Planned, plan};
use crate::runner::stream::Display;
use crate::schema::SchemaSet;
use crate::target::Secret;

/// Latencies in a fixed-size log-linear histogram: memory does not grow with the number of requests.
#[derive(Debug, Clone)]
pub struct Histogram {
    /// Bucket i counts latencies in [bound(i), bound(i+1)) microseconds.
    counts: Vec<u64>,
    total: u64,
}

const SUB_BUCKETS: usize = 32;
const MAGNITUDES: usize = 28;

impl Default for Histogram {
    fn default() -> Self {
        Histogram { counts: vec![0; SUB_BUCKETS * MAGNITUDES], total: 0 }
    }
}

impl Histogram {
    fn bucket(micros: u64) -> usize {
        if micros < SUB_BUCKETS as u64 {
            return micros as usize;
        }
        let magnitude = 63 - micros.leading_zeros() as usize; // >= 5
        let shift = magnitude - 5;
        let sub = ((micros >> shift) as usize) - SUB_BUCKETS;
        ((magnitude - 4) * SUB_BUCKETS + sub).min(SUB_BUCKETS * MAGNITUDES - 1)
    }

    fn lower_bound(bucket: usize) -> u64 {
        if bucket < SUB_BUCKETS {
            return bucket as u64;
        }
        let magnitude = bucket / SUB_BUCKETS + 4;
        let sub = (bucket % SUB_BUCKETS + SUB_BUCKETS) as u64;
        sub << (magnitude - 5)
    }

    pub fn record(&mut self, d: Duration) {
        self.counts[Self::bucket(d.as_micros().min(u128::from(u64::MAX)) as u64)] += 1;
        self.total += 1;
    }

    /// The latency at quantile `q` (0..=1), in milliseconds (bucket lower bound, within 1/32).
    pub fn quantile_ms(&self, q: f64) -> f64 {
        if self.total == 0 {
            return 0.0;
        }
        let rank = ((self.total as f64) * q).ceil().max(1.0) as u64;
        let mut seen = 0;
        for (i, c) in self.counts.iter().enumerate() {
            seen += c;
            if seen >= rank {
                return Self::lower_bound(i) as f64 / 1000.0;
            }
        }
        0.0
    }
}

/// Peak resident set size of this process in MiB (Linux `VmHWM`), or 0 where unknown.
pub fn peak_rss_mib() -> f64 {
    peak_rss_in("/proc/self/status")
}

/// Peak resident set size of the live process `pid` in MiB, or 0 where unknown.
pub fn peak_rss_mib_of(pid: u32) -> f64 {
    peak_rss_in(&format!("/proc/{pid}/status"))
}

fn peak_rss_in(status: &str) -> f64 {
    std::fs::read_to_string(status)
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).map(str::to_string))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|kb| kb.parse::<f64>().ok()))
        .map_or(0.0, |kb| kb / 1024.0)
}

/// One measured run.
#[derive(Debug, Clone)]
pub struct Measurement {
    pub mode: String,
    pub requests: u64,
    pub seconds: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub peak_rss_mib: f64,
    pub failed: u64,
    /// CPU seconds (user + system) the measuring process used, start-up included.
    pub cpu_s: f64,
    /// CPU seconds of the walk alone: from its first request (the model, the schemas and the plan
    /// loaded) to its end.
    pub walk_cpu_s: f64,
    /// CPU seconds the `serve` process used while this side ran (none in process).
    pub server_cpu_s: Option<f64>,
    /// The first entity read the raw side sent: the URL wrk measures.
    pub sample_url: Option<String>,
}

impl Measurement {
    fn to_json(&self) -> Value {
        json!({"mode": self.mode, "requests": self.requests, "seconds": self.seconds, "p50_ms": self.p50_ms,
               "p99_ms": self.p99_ms, "peak_rss_mib": self.peak_rss_mib, "failed": self.failed,
               "cpu_s": self.cpu_s, "walk_cpu_s": self.walk_cpu_s, "sample_url": self.sample_url})
    }

    fn from_json(v: &Value) -> Option<Self> {
        Some(Measurement {
            mode: v["mode"].as_str()?.to_string(),
            requests: v["requests"].as_u64()?,
            seconds: v["seconds"].as_f64()?,
            p50_ms: v["p50_ms"].as_f64()?,
            p99_ms: v["p99_ms"].as_f64()?,
            peak_rss_mib: v["peak_rss_mib"].as_f64()?,
            failed: v["failed"].as_u64()?,
            cpu_s: v["cpu_s"].as_f64()?,
            walk_cpu_s: v["walk_cpu_s"].as_f64()?,
            server_cpu_s: None,
            sample_url: v["sample_url"].as_str().map(str::to_string),
        })
    }

    /// CPU microseconds per request of the measuring process along the walk (start-up apart).
    pub fn cpu_us(&self) -> f64 {
        self.walk_cpu_s * 1e6 / (self.requests.max(1) as f64)
    }

    /// CPU microseconds per request with the start-up spread over the requests.
    pub fn cpu_us_with_startup(&self) -> f64 {
        self.cpu_s * 1e6 / (self.requests.max(1) as f64)
    }

    /// CPU milliseconds before the first request: the model, the schemas and the plan loaded.
    pub fn startup_ms(&self) -> f64 {
        (self.cpu_s - self.walk_cpu_s).max(0.0) * 1e3
    }

    /// CPU microseconds the server spent per request of this side, where measured.
    pub fn server_us(&self) -> Option<f64> {
        self.server_cpu_s.map(|s| s * 1e6 / (self.requests.max(1) as f64))
    }

    pub fn rate(&self) -> f64 {
        self.requests as f64 / self.seconds.max(1e-9)
    }
}

/// Where the measured requests go.
#[derive(Debug, Clone)]
pub enum Server {
    /// A `serve` process at this service root.
    Root(String),
    /// A reference server started inside the measuring process, with N synthetic entities.
    InProcess(usize),
}

fn bench_config(server: &Server, concurrency: usize, max_entities: Option<usize>) -> RunConfig {
    let (target, entities) = match server {
        Server::Root(r) => (Some(r.clone()), 0),
        Server::InProcess(n) => (None, *n),
    };
    let mut c = RunConfig {
        target,
        token: Some(Secret::new("bench-token")),
        profile: Some(crate::check::Profile::Reference),
        discover: true,
        max_entities,
        ..RunConfig::default()
    };
    c.http.concurrency = concurrency;
    c.embedded.entities = entities;
    c
}

/// How the checked side shows its cases: nothing (`checked`), `-q` (`quiet`), the default output
/// with a JSON report (`reported`), a line per case with a JSON report (`pretty`).
fn output_of(mode: &str) -> (Display, bool) {
    match mode {
        "quiet" => (Display::Terse, false),
        "reported" => (Display::Terse, true),
        "pretty" => (Display::Pretty, true),
        _ => (Display::Silent, false),
    }
}

/// The **checked** side: discovery with every check, in this process (`mode` picks the output).
pub fn measure_checked(
    server: &Server,
    concurrency: usize,
    max_entities: Option<usize>,
    mode: &str,
) -> Result<Measurement, String> {
    let histogram = Arc::new(Mutex::new(Histogram::default()));
    let started = Instant::now();
    let sink = histogram.clone();
    let (display, json) = output_of(mode);
    let mut config = bench_config(server, concurrency, max_entities);
    let report = std::env::temp_dir().join(format!("graph-conformance-bench-{}.json", std::process::id()));
    if json {
        config.json = Some(report.clone());
    }
    // The walk's CPU starts with its first finished case (the start-up before it is loading the
    // model and schemas and planning; at most `concurrency` requests are in flight by then).
    let walk_start = Arc::new(std::sync::OnceLock::<f64>::new());
    let first = walk_start.clone();
    let counts = run_discovery(config, &Arguments::default(), display, move |r| {
        first.get_or_init(cpu::own_cpu_secs);
        if let Some(x) = &r.exchange {
            sink.lock().unwrap_or_else(|p| p.into_inner()).record(x.elapsed);
        }
    })?;
    let cpu_s = cpu::own_cpu_secs();
    let _ = std::fs::remove_file(report);
    let seconds = started.elapsed().as_secs_f64();
    let h = histogram.lock().unwrap_or_else(|p| p.into_inner()).clone();
    Ok(Measurement {
        mode: mode.into(),
        requests: counts.requests,
        seconds,
        p50_ms: h.quantile_ms(0.5),
        p99_ms: h.quantile_ms(0.99),
        peak_rss_mib: peak_rss_mib(),
        failed: counts.failed,
        cpu_s,
        walk_cpu_s: cpu_s - walk_start.get().copied().unwrap_or(cpu_s),
        server_cpu_s: None,
        sample_url: None,
    })
}

/// One request of the raw loop.
struct RawRequest {
    url: String,
    auth: AuthMode,
    headers: Vec<(String, String)>,
    /// A walk case: its pages are followed through `@odata.nextLink`, as the harness does.
    walk: bool,
}

/// The **raw** side: the same requests as discovery sends, from a plain reqwest loop, unchecked.
pub fn measure_raw(server: &Server, concurrency: usize, max_entities: Option<usize>) -> Result<Measurement, String> {
    let config = crate::runner::versions::single(&bench_config(server, concurrency, max_entities))?;
    let cap = max_entities.unwrap_or(usize::MAX);
    let mut sample_url: Option<String> = None;
    let schemas = Arc::new(SchemaSet::load(&config.schemas_dir)?);
    let (planned, suites) = plan(&config, &schemas)?;
    let pins = Pins::default();
    let tree = tree(planned, &pins, &schemas);
    crate::target::install_tls_provider();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(config.http.timeout)
        .pool_max_idle_per_host(concurrency * 2)
        .build()
        .map_err(|e| e.to_string())?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let histogram = Arc::new(Mutex::new(Histogram::default()));
    let requests = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let failed = Arc::new(std::sync::atomic::AtomicU64::new(0));
    // In-process: the same reference server the harness would embed, in this process.
    let embedded = match server {
        Server::Root(_) => None,
        Server::InProcess(n) => {
            let store = Arc::new(crate::reference::Store::from_suites(&suites, schemas.clone(), *n)?);
            let server = crate::reference::Faulty::new(store, &crate::reference::ServerOptions::default());
            let _guard = rt.enter();
            Some(crate::reference::standalone::start(server, None, None)?)
        }
    };
    let root = match (server, &embedded) {
        (Server::Root(r), _) => r.trim_end_matches('/').to_string(),
        (_, Some(s)) => s.service_root(),
        (Server::InProcess(_), None) => return Err("the in-process server did not start".into()),
    };
    let started = Instant::now();
    let walk_start = cpu::own_cpu_secs();
    rt.block_on(async {
        // The same shape as the harness's driver: a task per request, `concurrency` at a time.
        let permits = Arc::new(tokio::sync::Semaphore::new(concurrency));
        let send = |req: RawRequest| {
            let (permits, client, h, n, f) =
                (permits.clone(), client.clone(), histogram.clone(), requests.clone(), failed.clone());
            async move {
                let Ok(permit) = permits.acquire_owned().await else { return };
                tokio::spawn(async move {
                    let mut req = req;
                    loop {
                        let t = Instant::now();
                        let body = send_raw(&client, &req).await;
                        if body.is_none() {
                            f.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        }
                        h.lock().unwrap_or_else(|p| p.into_inner()).record(t.elapsed());
                        n.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let next = body
                            .filter(|_| req.walk)
                            .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
                            .and_then(|v| v.get("@odata.nextLink").and_then(Value::as_str).map(str::to_string));
                        match next {
                            Some(url) => req.url = url,
                            None => break,
                        }
                    }
                    drop(permit);
                });
            }
        };
        let request_of = |case: &crate::case::Case, path: String| {
            let url = match &case.request.query {
                Some(q) => format!("{root}{path}?{q}"),
                None => format!("{root}{path}"),
            };
            RawRequest {
                url,
                auth: case.auth,
                headers: case.request.headers.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
                walk: case.walk,
            }
        };
        for p in &tree.passthrough {
            if let Planned::Run(c) = p {
                send(request_of(c, c.request.path.clone())).await;
            }
        }
        // Depth-first over the levels, as discovery walks them.
        let levels = &tree.levels;
        let mut once_sent = vec![false; levels.len()];
        let mut stack: Vec<(usize, Vec<String>)> =
            (0..levels.len()).rev().filter(|i| levels[*i].parent.is_none()).map(|i| (i, Vec::new())).collect();
        while let Some((li, chain)) = stack.pop() {
            let level = &levels[li];
            let Ok(path) = fill_template(&level.list, |p| {
                level.list_params.iter().position(|x| x == p).and_then(|i| chain.get(i)).map(String::as_str)
            }) else {
                continue;
            };
            let mut next = Some(format!("{root}{path}"));
            let mut children: Vec<(usize, Vec<String>)> = Vec::new();
            let mut taken = 0usize;
            while let Some(url) = next.take() {
                let t = Instant::now();
                let page =
                    send_raw(&client, &RawRequest { url, auth: AuthMode::Target, headers: Vec::new(), walk: false })
                        .await;
                histogram.lock().unwrap_or_else(|p| p.into_inner()).record(t.elapsed());
                requests.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(page) = page.and_then(|b| serde_json::from_slice::<Value>(&b).ok()) else { break };
                next = page.get("@odata.nextLink").and_then(Value::as_str).map(str::to_string);
                for item in page.get("value").and_then(Value::as_array).into_iter().flatten() {
                    if taken == cap {
                        next = None;
                        break;
                    }
                    taken += 1;
                    let id = match item.get(&level.item.key) {
                        Some(Value::String(s)) => s.clone(),
                        Some(Value::Number(n)) => n.to_string(),
                        _ => continue,
                    };
                    let mut ids = chain.clone();
                    ids.push(id);
                    let shared_ids: Arc<[String]> = ids.clone().into();
                    let bound = |case: &Arc<crate::case::Case>| crate::runner::instance::Bound {
                        case: case.clone(),
                        ids: shared_ids.clone(),
                        label: "x".into(),
                    };
                    if !once_sent[li] {
                        once_sent[li] = true;
                        for c in &level.once {
                            send(request_of(c, bound(c).path())).await;
                        }
                    }
                    if let Some(read) = &level.read {
                        let request = request_of(read, bound(read).path());
                        if sample_url.is_none() && level.parent.is_none() && read.request.query.is_none() {
                            sample_url = Some(request.url.clone());
                        }
                        send(request).await;
                    }
                    for c in &level.per_entity {
                        send(request_of(c, bound(c).path())).await;
                    }
                    for child in (0..levels.len()).filter(|c| levels[*c].parent == Some(li)) {
                        children.push((child, ids.clone()));
                    }
                }
            }
            stack.extend(children.into_iter().rev());
        }
        // Wait for the last requests: every permit back means every task is done.
        let _ = permits.acquire_many(concurrency as u32).await;
    });
    let seconds = started.elapsed().as_secs_f64();
    let cpu_s = cpu::own_cpu_secs();
    let h = histogram.lock().unwrap_or_else(|p| p.into_inner()).clone();
    Ok(Measurement {
        mode: "raw".into(),
        requests: requests.load(std::sync::atomic::Ordering::Relaxed),
        seconds,
        p50_ms: h.quantile_ms(0.5),
        p99_ms: h.quantile_ms(0.99),
        peak_rss_mib: peak_rss_mib(),
        failed: failed.load(std::sync::atomic::Ordering::Relaxed),
        cpu_s,
        walk_cpu_s: cpu_s - walk_start,
        server_cpu_s: None,
        sample_url,
    })
}

async fn send_raw(client: &reqwest::Client, req: &RawRequest) -> Option<Vec<u8>> {
    let mut r = client
        .get(&req.url)
        .header("client-request-id", crate::request_id::fresh())
        .header("Accept", "application/json");
    for (k, v) in &req.headers {
        r = r.header(k, v);
    }
    r = match req.auth {
        AuthMode::Target => r.header("Authorization", "Bearer bench-token"),
        AuthMode::EmptyBearer => r.header("Authorization", "Bearer "),
        AuthMode::None => r,
    };
    let resp = r.send().await.ok()?;
    resp.bytes().await.ok().map(|b| b.to_vec())
}

/// Runs one child (`bench --mode raw|checked --target ROOT`) and reads its measurement; with a
/// `serve` process, also the CPU that process spent meanwhile.
fn child(mode: &str, server: &Server, o: &BenchOptions, serve_pid: Option<u32>) -> Result<Measurement, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let where_to: Vec<String> = match server {
        Server::Root(r) => vec!["--target".into(), r.clone()],
        Server::InProcess(n) => vec!["--in-process".into(), "--entities".into(), n.to_string()],
    };
    let cap: Vec<String> = o.max_entities.map(|n| vec!["--max-entities".into(), n.to_string()]).unwrap_or_default();
    let server_before = serve_pid.and_then(cpu::cpu_secs_of);
    let mut process = Command::new(exe)
        .args(["bench", "--mode", mode, "--concurrency", &o.concurrency.to_string()])
        .args(where_to)
        .args(cap)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("cannot start the {mode} run: {e}"))?;
    // The cases' output streams through; only the last line (the measurement) is kept.
    let mut last = String::new();
    if let Some(out) = process.stdout.take() {
        for line in std::io::BufRead::lines(std::io::BufReader::new(out)).map_while(Result::ok) {
            if !line.trim().is_empty() {
                last = line;
            }
        }
    }
    let _ = process.wait();
    let server_after = serve_pid.and_then(cpu::cpu_secs_of);
    let mut m = serde_json::from_str::<Value>(&last)
        .ok()
        .and_then(|v| Measurement::from_json(&v))
        .ok_or_else(|| format!("the {mode} run printed no measurement: {last}"))?;
    m.server_cpu_s = server_before.zip(server_after).map(|(b, a)| a - b);
    Ok(m)
}

/// Starts `serve --entities N` and returns the process and its service root.
fn serve(entities: usize) -> Result<(std::process::Child, String), String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut child = Command::new(exe)
        .args(["serve", "--port", "0", "--entities", &entities.to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start the server: {e}"))?;
    let mut line = String::new();
    let stdout = child.stdout.take().ok_or("no stdout")?;
    BufReader::new(stdout).read_line(&mut line).map_err(|e| e.to_string())?;
    Ok((child, line.trim().to_string()))
}

/// The median of a measurement's rate over rounds (the round itself, so its other figures agree).
fn median(mut rounds: Vec<Measurement>) -> Measurement {
    rounds.sort_by(|a, b| a.rate().total_cmp(&b.rate()));
    rounds.swap_remove(rounds.len() / 2)
}

/// What `bench` measures and how.
pub struct BenchOptions {
    pub concurrency: usize,
    pub rounds: usize,
    pub in_process: bool,
    /// Also the checked side with `-q`, with the default output and a JSON report, and with a line
    /// per case and a JSON report.
    pub output: bool,
    /// Each list of the walk takes at most this many entities (both sides).
    pub max_entities: Option<usize>,
    /// How long wrk hammers one entity URL (0: not at all).
    pub wrk_seconds: u64,
}

/// wrk on one entity URL of the `serve` process: its CPU per request and the server's per answer.
struct WrkSide {
    url: String,
    run: cpu::WrkRun,
    server_cpu_s: Option<f64>,
}

fn wrk_side(url: &str, o: &BenchOptions, serve_pid: u32) -> Result<Option<WrkSide>, String> {
    let before = cpu::cpu_secs_of(serve_pid);
    let Some(run) = cpu::wrk(url, o.concurrency, o.wrk_seconds)? else { return Ok(None) };
    let after = cpu::cpu_secs_of(serve_pid);
    Ok(Some(WrkSide { url: url.to_string(), run, server_cpu_s: before.zip(after).map(|(b, a)| a - b) }))
}

/// How a peak resident set grew from the first N to the last.
fn growth(what: &str, peaks: &[(usize, f64)]) {
    if let (Some(first), Some(last)) = (peaks.first(), peaks.last())
        && peaks.len() > 1
    {
        crate::report::term::outln!(
            "peak RSS of {what} from N={} to N={}: {:.1} MiB -> {:.1} MiB ({:.2}x)",
            first.0,
            last.0,
            first.1,
            last.1,
            last.1 / first.1.max(1e-9)
        );
    }
}

fn per_request_us(cpu_s: f64, requests: u64) -> f64 {
    cpu_s * 1e6 / (requests.max(1) as f64)
}

fn us(v: Option<f64>) -> String {
    v.map_or_else(|| "-".to_string(), |v| format!("{v:.0}"))
}

/// The bench command. With `mode`, measures one side in this process and prints it as JSON.
pub fn bench(
    entities: &[usize],
    o: &BenchOptions,
    mode: Option<&str>,
    target: Option<&str>,
) -> Result<ExitCode, String> {
    let (concurrency, rounds, in_process) = (o.concurrency, o.rounds, o.in_process);
    if let Some(mode) = mode {
        let server = match (target, in_process) {
            (Some(t), _) => Server::Root(t.to_string()),
            (None, true) => Server::InProcess(entities.first().copied().unwrap_or(1000)),
            (None, false) => return Err("--mode needs --target or --in-process".into()),
        };
        let m = match mode {
            "raw" => measure_raw(&server, concurrency, o.max_entities)?,
            "checked" | "quiet" | "reported" | "pretty" => measure_checked(&server, concurrency, o.max_entities, mode)?,
            other => return Err(format!("unknown --mode {other}: use raw, checked, quiet, reported or pretty")),
        };
        crate::report::term::outln!("{}", m.to_json());
        return Ok(ExitCode::SUCCESS);
    }
    let place = if in_process { "an in-process reference server" } else { "a `serve --entities N` process" };
    let cap = o.max_entities.map_or_else(String::new, |n| format!(", at most {n} entities per list"));
    crate::report::term::outln!(
        "graph-conformance bench: discovery over {place}{cap}, concurrency {concurrency}, median of {rounds} round(s); each side in a process of its own\n"
    );
    crate::report::term::outln!(
        "{:>8}  {:<8} {:>9} {:>10} {:>9} {:>9} {:>13} {:>7} {:>9} {:>10}",
        "N",
        "mode",
        "requests",
        "req/s",
        "p50 ms",
        "p99 ms",
        "peak RSS MiB",
        "failed",
        "CPU µs/rq",
        "server µs"
    );
    let mut results = Vec::new();
    let mut server_peaks = Vec::new();
    for &n in entities {
        let mut serve_process = None;
        let server = if in_process {
            Server::InProcess(n)
        } else {
            let (process, root) = serve(n)?;
            serve_process = Some(process);
            Server::Root(root)
        };
        let serve_pid = serve_process.as_ref().map(std::process::Child::id);
        let mut raws = Vec::new();
        let mut checks = Vec::new();
        let mut error = None;
        for _ in 0..rounds.max(1) {
            // Alternate the sides, so that drift in the machine's load hits both.
            match (child("raw", &server, o, serve_pid), child("checked", &server, o, serve_pid)) {
                (Ok(r), Ok(c)) => {
                    raws.push(r);
                    checks.push(c);
                }
                (Err(e), _) | (_, Err(e)) => error = Some(e),
            }
        }
        let (raw, checked) = match error {
            Some(e) => (Err(e), None),
            None => (Ok(median(raws)), Some(median(checks))),
        };
        let wrk = match (&raw, serve_pid) {
            (Ok(r), Some(pid)) if o.wrk_seconds > 0 => match &r.sample_url {
                Some(url) => wrk_side(url, o, pid),
                None => Ok(None),
            },
            _ => Ok(None),
        };
        let mut outputs = Vec::new();
        if o.output && raw.is_ok() {
            for mode in ["quiet", "reported", "pretty"] {
                let mut runs = Vec::new();
                for _ in 0..rounds.max(1) {
                    runs.push(child(mode, &server, o, serve_pid)?);
                }
                outputs.push(median(runs));
            }
        }
        if let Some(mut p) = serve_process {
            server_peaks.push((n, peak_rss_mib_of(p.id())));
            let _ = p.kill();
            let _ = p.wait();
        }
        let (raw, checked) = (raw?, checked.ok_or("no checked run")?);
        let wrk = wrk?;
        for m in [&raw, &checked].into_iter().chain(outputs.iter()) {
            crate::report::term::outln!(
                "{n:>8}  {:<8} {:>9} {:>10.0} {:>9.2} {:>9.2} {:>13.1} {:>7} {:>9.0} {:>10}",
                m.mode,
                m.requests,
                m.rate(),
                m.p50_ms,
                m.p99_ms,
                m.peak_rss_mib,
                m.failed,
                m.cpu_us(),
                us(m.server_us())
            );
        }
        if let Some(w) = &wrk {
            crate::report::term::outln!(
                "{n:>8}  {:<8} {:>9} {:>10.0} {:>9} {:>9} {:>13} {:>7} {:>9.0} {:>10}",
                "wrk",
                w.run.requests,
                w.run.requests as f64 / w.run.seconds.max(1e-9),
                "-",
                "-",
                "-",
                "-",
                per_request_us(w.run.cpu_s, w.run.requests),
                us(w.server_cpu_s.map(|s| per_request_us(s, w.run.requests)))
            );
        }
        let ratio = checked.rate() / raw.rate();
        crate::report::term::outln!("{n:>8}  ratio checked/raw: {ratio:.2} (requests per second)");
        crate::report::term::outln!(
            "{n:>8}  CPU per request: checked/raw {:.2}",
            checked.cpu_us() / raw.cpu_us().max(1e-9)
        );
        if let Some(w) = &wrk {
            let floor = per_request_us(w.run.cpu_s, w.run.requests);
            crate::report::term::outln!(
                "{n:>8}  CPU per request along the walk: checked/wrk {:.2} (target at most 3), raw/wrk {:.2}; wrk on {}",
                checked.cpu_us() / floor.max(1e-9),
                raw.cpu_us() / floor.max(1e-9),
                w.url
            );
            crate::report::term::outln!(
                "{n:>8}  with the start-up spread over the requests ({:.0} ms CPU before the first request): checked/wrk {:.2}, raw/wrk {:.2}",
                checked.startup_ms(),
                checked.cpu_us_with_startup() / floor.max(1e-9),
                raw.cpu_us_with_startup() / floor.max(1e-9)
            );
        } else if serve_pid.is_some() && o.wrk_seconds > 0 {
            crate::report::term::outln!(
                "{n:>8}  wrk is not installed (Debian: apt-get install wrk): no per-request floor to compare with"
            );
        }
        if let Some(s) = checked.server_us() {
            crate::report::term::outln!(
                "{n:>8}  server CPU per answer along the checked walk: {s:.0} µs (target at most 100)"
            );
        }
        if let [quiet, reported, pretty] = outputs.as_slice() {
            crate::report::term::outln!(
                "{n:>8}  output: default with --json / -q: {:.2}; a line per case with --json / -q: {:.2}",
                reported.rate() / quiet.rate(),
                pretty.rate() / quiet.rate()
            );
        }
        crate::report::term::outln!();
        results.push((n, checked.peak_rss_mib));
    }
    growth("the checked side", &results);
    growth("the serve process", &server_peaks);
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_quantiles_are_within_a_bucket() {
        let mut h = Histogram::default();
        for us in 1..=10_000u64 {
            h.record(Duration::from_micros(us));
        }
        let p50 = h.quantile_ms(0.5);
        assert!((4.8..=5.0).contains(&p50), "{p50}");
        let p99 = h.quantile_ms(0.99);
        assert!((9.6..=9.9).contains(&p99), "{p99}");
        for us in [0u64, 31, 32, 33, 1_000, 123_456, u64::MAX / 2] {
            let b = Histogram::bucket(us);
            assert!(Histogram::lower_bound(b) <= us, "{us}");
        }
    }
}
