//! The shared state of a run, built once on first use: one tokio runtime, one HTTP client, the
//! target (starting the embedded reference server if there is no other), and the compiled schemas.
//! Nothing here is built for `--list`.

use std::sync::{Arc, Mutex};

use wiremock::MockServer;

use super::config::RunConfig;
use crate::check::Profile;
pub use crate::reference::responder::SANDBOX_HEADER;
use crate::reference::{self, ServerOptions, Store};
use crate::report::json::JsonReport;
use crate::report::junit::JunitReport;
use crate::report::verdict::Verdict;
use crate::report::{CaseReport, RenderOptions};
use crate::schema::SchemaSet;
use crate::target::{HttpClient, Redactor, Secret, TokenSource};

/// The token the harness sends to its own embedded server (which accepts any non-empty one).
pub const EMBEDDED_TOKEN: &str = "graph-conformance-embedded-token";

/// The embedded server: wiremock for the suite, the plain transport for scale runs.
pub enum EmbeddedServer {
    Wiremock(MockServer),
    Standalone(reference::standalone::StandaloneServer),
}

impl EmbeddedServer {
    /// The beta service root.
    pub fn service_root(&self) -> String {
        self.root_for("beta")
    }

    /// The service root of `version` (`beta`, `v1.0`).
    pub fn root_for(&self, version: &str) -> String {
        match self {
            EmbeddedServer::Wiremock(s) => format!("{}/{version}", s.uri()),
            EmbeddedServer::Standalone(s) => s.root_for(version),
        }
    }
}

/// Everything a case needs to run.
pub struct Ctx {
    pub rt: tokio::runtime::Runtime,
    pub http: HttpClient,
    pub service_root: String,
    /// The embedded reference server, when it is the target.
    pub server: Option<EmbeddedServer>,
    pub profile: Profile,
    /// Differential mode's other sides.
    pub diff: Option<crate::diff::DiffTargets>,
}

impl Ctx {
    /// Builds the runtime and client and, without a target, starts the reference server over `store`.
    pub fn new(
        config: &RunConfig,
        schemas: Arc<SchemaSet>,
        store: Arc<Store>,
        redactor: Redactor,
    ) -> Result<Ctx, String> {
        // Against a server of its own (a target), one worker thread: the run waits on the network,
        // and a second thread costs a third more CPU per request in wake-ups and stolen tasks
        // (`bench`: 29 against 39 µs per checked request, the same requests per second). The
        // embedded server shares this runtime, so it gets two.
        let workers = if config.target.is_some() { 1 } else { 2 };
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(workers)
            .thread_name("graph-conformance")
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start the tokio runtime: {e}"))?;
        let (service_root, server, tokens) = match &config.target {
            None => {
                let options = ServerOptions {
                    faults: config.embedded.fault.into_iter().collect(),
                    page_size: config.embedded.page_size,
                    ..ServerOptions::default()
                };
                let _ = schemas;
                let server = if config.embedded.entities == 0 {
                    EmbeddedServer::Wiremock(rt.block_on(reference::start(store, options, None)))
                } else {
                    // A scale run: wiremock would keep a copy of every request (see reference::standalone).
                    let server = reference::Faulty::new(store, &options);
                    let _guard = rt.enter();
                    EmbeddedServer::Standalone(reference::standalone::start(server, None, None)?)
                };
                (server.root_for(&config.version), Some(server), TokenSource::fixed(Secret::public(EMBEDDED_TOKEN))?)
            }
            Some(root) => {
                let root = root.trim_end_matches('/').to_string();
                let url = reqwest::Url::parse(&root).map_err(|e| format!("--target {root}: not a URL: {e}"))?;
                if !matches!(url.scheme(), "http" | "https") {
                    return Err(format!(
                        "--target {root}: use an http or https service root such as https://graph.microsoft.com/beta"
                    ));
                }
                let origin = url.origin().ascii_serialization();
                let tokens = match (&config.token, &config.credentials) {
                    (Some(t), _) => TokenSource::fixed(t.clone())?,
                    (None, Some(app)) => TokenSource::ClientCredentials(app.for_target(&origin)),
                    (None, None) => TokenSource::Anonymous,
                };
                (root, None, tokens)
            }
        };
        if let TokenSource::Static { secret: t, .. } = &tokens {
            redactor.add(t);
        }
        if let TokenSource::ClientCredentials(cc) = &tokens {
            redactor.add(&cc.secret);
        }
        let diff = match &config.diff {
            Some(d) => Some(diff_targets(config, d, &redactor)?),
            None => None,
        };
        let http = HttpClient::new(config.http.clone(), tokens, redactor)?;
        Ok(Ctx { rt, http, service_root, server, profile: config.profile(), diff })
    }
}

/// The candidate (and second baseline) of differential mode, each with its credentials: its own
/// token, else the run's token, else the client credentials for its origin.
fn diff_targets(
    config: &RunConfig,
    d: &crate::diff::DiffConfig,
    redactor: &Redactor,
) -> Result<crate::diff::DiffTargets, String> {
    let side = |root: &str, own: Option<&Secret>, app: Option<&crate::target::AppCredentials>| {
        let valid = super::config::validate_target(root)?;
        let origin = reqwest::Url::parse(&valid.root).map_err(|e| e.to_string())?.origin().ascii_serialization();
        // The side's own token, else its own app, else the run's token, else the run's app.
        let tokens = match (own, app, config.token.as_ref(), &config.credentials) {
            (Some(t), _, _, _) => TokenSource::fixed(t.clone())?,
            (None, Some(app), _, _) => TokenSource::ClientCredentials(app.for_target(&origin)),
            (None, None, Some(t), _) => TokenSource::fixed(t.clone())?,
            (None, None, None, Some(app)) => TokenSource::ClientCredentials(app.for_target(&origin)),
            (None, None, None, None) => TokenSource::Anonymous,
        };
        if let Some(t) = own {
            redactor.add(t);
        }
        if let Some(app) = app {
            redactor.add(&app.secret);
        }
        let http = HttpClient::new(config.http.clone(), tokens, redactor.clone())?;
        Ok::<_, String>(crate::diff::Side { root: valid.root, http })
    };
    Ok(crate::diff::DiffTargets {
        candidate: side(&d.candidate, d.candidate_token.as_ref(), d.candidate_credentials.as_ref())?,
        baseline2: d.baseline2.as_deref().map(|b| side(b, None, None)).transpose()?,
        learn: d.learn,
        noise: crate::diff::noise::Noise::load(d.noise_file.as_deref())?,
    })
}

/// Where finished cases go: the JSON and JUnit reports, the warnings summary, the counts.
pub struct Sinks {
    json: Option<JsonReport>,
    junit: Option<JunitReport>,
    html: Option<crate::report::html::HtmlReport>,
    har: Option<crate::report::har::HarReport>,
    /// The tally printed at the end: rules, groups, ignored reasons, warnings, the verdict.
    pub verdict: Verdict,
    /// The comparison with `--baseline`, made as cases finish.
    compare: Option<crate::report::baseline::Compare>,
    errors: Vec<String>,
}

impl Sinks {
    pub fn new(config: &RunConfig) -> Result<Self, String> {
        let info = crate::report::json::RunInfo {
            target: config.target.clone().unwrap_or_else(|| "embedded".into()),
            candidate: config.diff.as_ref().map(|d| d.candidate.clone()),
            profile: config.profile().to_string(),
            failures_only: config.report_failures_only,
        };
        Ok(Sinks {
            har: config.har.as_deref().map(crate::report::har::HarReport::create).transpose()?,
            html: config
                .html
                .as_deref()
                .map(|p| crate::report::html::HtmlReport::create(p, info.clone()))
                .transpose()?,
            json: config.json.as_deref().map(|path| JsonReport::create(path, info.clone())).transpose()?,
            junit: config.junit.as_ref().map(|_| JunitReport::new(config.report_failures_only, config.fail_on_new)),
            verdict: Verdict::default(),
            compare: config
                .baseline
                .as_deref()
                .map(|p| crate::report::baseline::Baseline::load(p).map(|b| b.compare()))
                .transpose()?,
            errors: Vec::new(),
        })
    }

    /// Records a finished case; returns the earlier case it failed exactly as, if any.
    pub fn record(&mut self, r: &CaseReport, redactor: &Redactor) -> Option<String> {
        let same_as = self.verdict.record(r);
        let delta = self.compare.as_mut().map(|c| c.record(r));
        if let Some(j) = self.json.as_mut()
            && let Err(e) = j.add(r, redactor, delta.as_ref())
        {
            self.errors.push(e);
            self.json = None;
        }
        if let Some(j) = self.junit.as_mut() {
            j.add(r, redactor, delta.as_ref());
        }
        if let Some(h) = self.html.as_mut() {
            h.add(r, redactor, delta.as_ref());
        }
        if let Some(h) = self.har.as_mut()
            && let Err(e) = h.add(r, redactor)
        {
            self.errors.push(e);
            self.har = None;
        }
        same_as
    }

    /// Writes the reports; returns the tally and the reports' errors.
    /// Adds a version's coverage to the JSON and HTML reports.
    pub fn cover(&mut self, version: &str, rows: &[crate::case::coverage::Row]) {
        if let Some(j) = self.json.as_mut() {
            j.add_coverage(version, rows);
        }
        if let Some(h) = self.html.as_mut() {
            h.add_coverage(version, rows);
        }
    }

    /// Whether a report would show coverage.
    pub fn wants_coverage(&self) -> bool {
        self.json.is_some() || self.html.is_some()
    }

    pub fn finish(mut self, config: &RunConfig) -> (Verdict, Vec<String>) {
        if let Some(c) = self.compare.take() {
            let (path, started) = c.describe();
            let (comparison, what) = c.finish();
            let lines = comparison.lines(&what);
            if let Some(j) = self.json.as_mut() {
                j.set_baseline(comparison.to_json(&path, &started));
            }
            if let Some(h) = self.html.as_mut() {
                h.set_baseline(lines.clone());
            }
            self.verdict.baseline = Some((lines, comparison.new_failures_count));
        }
        let mut errors = self.errors;
        if let Some(h) = self.html.take()
            && let Err(e) = h.finish()
        {
            errors.push(e);
        }
        if let Some(h) = self.har.take()
            && let Err(e) = h.finish()
        {
            errors.push(e);
        }
        if let Some(j) = self.json
            && let Err(e) = j.finish()
        {
            errors.push(e);
        }
        if let (Some(j), Some(path)) = (self.junit, &config.junit)
            && let Err(e) = j.write(path)
        {
            errors.push(e);
        }
        (self.verdict, errors)
    }
}

/// A run's shared, lazily built state.
pub struct Shared {
    pub config: RunConfig,
    pub schemas: Arc<SchemaSet>,
    pub store: Arc<Store>,
    pub redactor: Redactor,
    pub render: RenderOptions,
    ctx: std::sync::OnceLock<Result<Ctx, String>>,
    /// Shared by every version's part of a run: one set of reports.
    pub sinks: Arc<Mutex<Option<Sinks>>>,
    /// The live status line of a long run.
    pub progress: super::progress::Progress,
    /// Failed cases so far (for `--max-failures`), across the run's versions.
    failures: Arc<std::sync::atomic::AtomicU64>,
}

impl Shared {
    pub fn new(
        config: RunConfig,
        schemas: Arc<SchemaSet>,
        store: Arc<Store>,
        render: RenderOptions,
    ) -> Result<Self, String> {
        let sinks = Sinks::new(&config)?;
        Ok(Shared {
            config,
            schemas,
            store,
            redactor: Redactor::default(),
            render,
            ctx: std::sync::OnceLock::new(),
            sinks: Arc::new(Mutex::new(Some(sinks))),
            progress: Default::default(),
            failures: Default::default(),
        })
    }

    /// Another version's part of the same run: its own cases' configuration, schemas, store and
    /// target, the same reports, redactor and failure count.
    pub fn sibling(&self, config: RunConfig, schemas: Arc<SchemaSet>, store: Arc<Store>) -> Self {
        Shared {
            config,
            schemas,
            store,
            redactor: self.redactor.clone(),
            render: self.render,
            ctx: std::sync::OnceLock::new(),
            sinks: self.sinks.clone(),
            progress: Default::default(),
            failures: self.failures.clone(),
        }
    }

    /// The context, built on first use; a setup failure is returned to every caller.
    pub fn ctx(&self) -> Result<&Ctx, String> {
        self.ctx
            .get_or_init(|| Ctx::new(&self.config, self.schemas.clone(), self.store.clone(), self.redactor.clone()))
            .as_ref()
            .map_err(|e| format!("harness setup failed: {e}"))
    }

    /// Records a finished case; returns the earlier case it failed exactly as, if any.
    pub fn record(&self, r: &CaseReport) -> Option<String> {
        if r.outcome == crate::report::Outcome::Failed {
            self.failures.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        self.sinks.lock().unwrap_or_else(|p| p.into_inner()).as_mut().and_then(|s| s.record(r, &self.redactor))
    }

    /// Why no further case starts: `--max-failures` reached, or the caller stopped the run.
    pub fn stopped(&self) -> Option<String> {
        if self.config.stop.as_ref().is_some_and(|s| s.load(std::sync::atomic::Ordering::Relaxed)) {
            return Some("not run: the run was stopped".into());
        }
        let max = self.config.max_failures?;
        (self.failures.load(std::sync::atomic::Ordering::Relaxed) >= max)
            .then(|| format!("not run: --max-failures {max} reached"))
    }

    /// Puts the coverage of this part's loaded `suites` (the `metadata` suite included) in the
    /// reports that show it.
    pub fn cover(&self, suites: &[crate::case::Suite]) {
        let mut sinks = self.sinks.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(s) = sinks.as_mut().filter(|s| s.wants_coverage()) {
            let rows = crate::case::coverage::coverage(self.schemas.model(), suites);
            s.cover(&self.config.version, &rows);
        }
    }

    /// Takes the sinks out for finishing.
    pub fn take_sinks(&self) -> Option<Sinks> {
        self.sinks.lock().unwrap_or_else(|p| p.into_inner()).take()
    }
}
