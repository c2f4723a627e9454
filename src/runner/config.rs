//! What a run needs to know, from the CLI or from the environment (`cargo test`).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use crate::check::Profile;
use crate::reference::Fault;
use crate::target::{AppCredentials, HttpSettings, Secret};

/// The embedded reference server's options (tests use them to plant faults).
#[derive(Debug, Clone)]
pub struct EmbeddedOptions {
    pub fault: Option<Fault>,
    pub entities: usize,
    pub page_size: usize,
}

impl Default for EmbeddedOptions {
    fn default() -> Self {
        EmbeddedOptions { fault: None, entities: 0, page_size: 100 }
    }
}

/// A run's configuration.
#[derive(Debug, Clone)]
pub struct RunConfig {
    pub cases_dir: PathBuf,
    pub schemas_dir: PathBuf,
    /// A service root (`https://graph.microsoft.com/beta`); `None` runs against the embedded server.
    pub target: Option<String>,
    pub token: Option<Secret>,
    /// Client credentials for the target, when no token is given.
    pub credentials: Option<AppCredentials>,
    /// `None`: reference for the embedded server, live for a target.
    pub profile: Option<Profile>,
    pub http: HttpSettings,
    pub json: Option<PathBuf>,
    pub junit: Option<PathBuf>,
    /// Walk the list endpoints for real ids.
    pub discover: bool,
    pub max_entities: Option<usize>,
    /// `--param name=value`: real ids for the entity cases.
    pub params: BTreeMap<String, String>,
    pub allow_writes: bool,
    /// Lines of diff per failure (0 = all).
    pub diff_lines: usize,
    /// The command that reruns one case, before `--exact '<name>'`.
    pub rerun_prefix: String,
    pub embedded: EmbeddedOptions,
    /// Colour in failure messages.
    pub color: bool,
}

impl Default for RunConfig {
    fn default() -> Self {
        RunConfig {
            cases_dir: PathBuf::from("cases"),
            schemas_dir: PathBuf::from("schemas"),
            target: None,
            token: None,
            credentials: None,
            profile: None,
            http: HttpSettings::default(),
            json: None,
            junit: None,
            discover: false,
            max_entities: None,
            params: BTreeMap::new(),
            allow_writes: false,
            diff_lines: 60,
            rerun_prefix: "graph-conformance run".into(),
            embedded: EmbeddedOptions::default(),
            color: false,
        }
    }
}

impl RunConfig {
    /// The profile in force.
    pub fn profile(&self) -> Profile {
        self.profile.unwrap_or(if self.target.is_some() { Profile::Live } else { Profile::Reference })
    }

    /// The configuration `cargo test` uses: the embedded server, or `GRAPH_CONFORMANCE_TARGET` with
    /// `GRAPH_TOKEN` (and `GRAPH_CONFORMANCE_PROFILE`, `GRAPH_CONFORMANCE_TIMEOUT` in seconds).
    pub fn from_env(manifest_dir: &str) -> Result<Self, String> {
        let root = PathBuf::from(manifest_dir);
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        let mut c = RunConfig {
            cases_dir: root.join("cases"),
            schemas_dir: root.join("schemas"),
            rerun_prefix: "cargo test --test conformance --".into(),
            ..RunConfig::default()
        };
        c.target = var("GRAPH_CONFORMANCE_TARGET");
        c.token = var("GRAPH_TOKEN").map(Secret::new);
        c.credentials = AppCredentials::from_env().transpose()?;
        if let Some(p) = var("GRAPH_CONFORMANCE_PROFILE") {
            c.profile = Some(p.parse().map_err(|e| format!("GRAPH_CONFORMANCE_PROFILE: {e}"))?);
        }
        if let Some(t) = var("GRAPH_CONFORMANCE_TIMEOUT") {
            let secs: f64 =
                t.parse().map_err(|_| format!("GRAPH_CONFORMANCE_TIMEOUT: '{t}' is not a number of seconds"))?;
            c.http.timeout = Duration::from_secs_f64(secs.max(0.001));
        }
        if let Some(n) = var("GRAPH_CONFORMANCE_DIFF_LINES") {
            c.diff_lines = n.parse().map_err(|_| format!("GRAPH_CONFORMANCE_DIFF_LINES: '{n}' is not a number"))?;
        }
        Ok(c)
    }

    /// `graph-conformance run --exact '<name>'` with the flags that select the same target.
    pub fn rerun(&self, name: &str) -> String {
        format!("{} --exact '{}'", self.rerun_prefix, name.replace('\'', "'\\''"))
    }
}
