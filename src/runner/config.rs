//! What a run needs to know, from the CLI or from the environment (`cargo test`).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use crate::check::Profile;
use crate::reference::Fault;
use crate::target::{AppCredentials, HttpSettings, Secret};

/// A timeout in seconds: a finite number from 0.001 to 86,400 (a day); anything else (`inf`, `-1`,
/// `2e19`, `1e-300`, `abc`) is a usage error naming `what`.
pub fn parse_timeout(text: &str, what: &str) -> Result<Duration, String> {
    let secs: f64 = text.trim().parse().map_err(|_| format!("{what} {text}: give a number of seconds, e.g. 30"))?;
    if !secs.is_finite() || !(0.001..=86_400.0).contains(&secs) {
        return Err(format!("{what} {text}: give a number of seconds from 0.001 to 86400"));
    }
    Ok(Duration::from_secs_f64(secs))
}

/// A `--target` as the harness uses it.
#[derive(Debug, Clone)]
pub struct ValidTarget {
    /// The service root, without user-info or a trailing `/`.
    pub root: String,
    /// How to show it: any password replaced.
    pub display: String,
    /// What must never be printed (a password in the URL).
    pub secrets: Vec<Secret>,
}

/// Checks a service root: an absolute http(s) URL without query or fragment. Credentials in the
/// URL are refused (the harness authenticates with bearer tokens), and the message never shows them.
pub fn validate_target(raw: &str) -> Result<ValidTarget, String> {
    let trimmed = raw.trim().trim_end_matches('/');
    let url = reqwest::Url::parse(trimmed).map_err(|e| {
        format!(
            "--target {}: not a URL ({e}); give a service root such as https://graph.microsoft.com/beta",
            hide_userinfo(trimmed)
        )
    })?;
    let mut shown = url.clone();
    let _ = shown.set_password(if url.password().is_some() { Some("[REDACTED]") } else { None });
    let display = shown.as_str().trim_end_matches('/').to_string();
    let mut secrets = Vec::new();
    if let Some(p) = url.password() {
        secrets.push(Secret::new(p));
        secrets.push(Secret::new(percent_encoding::percent_decode_str(p).decode_utf8_lossy().into_owned()));
    }
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!(
            "--target {display}: use an http or https service root such as https://graph.microsoft.com/beta"
        ));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(format!(
            "--target {display}: credentials in the URL are not used (the harness sends a bearer token: --token, GRAPH_TOKEN or AZURE_* client credentials); remove them"
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(format!("--target {display}: a service root has no query or fragment"));
    }
    let version = url.path().trim_end_matches('/').rsplit('/').next().unwrap_or("").to_ascii_lowercase();
    if version != "beta" && version != "v1.0" {
        return Err(format!(
            "--target {display}: a Graph service root ends with its version, /beta or /v1.0 (for example \
             {display}/v1.0)"
        ));
    }
    Ok(ValidTarget { root: url.as_str().trim_end_matches('/').to_string(), display, secrets })
}

/// `scheme://user:pass@host` shown as `scheme://[REDACTED]@host`, for a URL that does not parse.
fn hide_userinfo(raw: &str) -> String {
    match (raw.find("://"), raw.find('@')) {
        (Some(s), Some(at)) if at > s => format!("{}[REDACTED]{}", &raw[..s + 3], &raw[at..]),
        _ => raw.to_string(),
    }
}

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
#[derive(Clone)]
pub struct RunConfig {
    pub cases_dir: PathBuf,
    pub schemas_dir: PathBuf,
    /// The API version this part of the run is for (`beta`, `v1.0`): the embedded server's root.
    /// Set per version by [`super::versions::narrowed`].
    pub version: String,
    /// Put before every suite name (`beta/`), when the cases are laid out by version.
    pub suite_prefix: Option<String>,
    /// The `--cases` and `--schemas` the run was given, when this is one version's part of it
    /// (rerun lines name these).
    pub given_dirs: Option<(PathBuf, PathBuf)>,
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
    /// An earlier `--json` report to compare this run with.
    pub baseline: Option<PathBuf>,
    /// With a baseline: the run fails only on new failures (`--fail-on new`).
    pub fail_on_new: bool,
    /// Recording mode: successful answers are written as case files.
    pub record: Option<crate::record::RecordConfig>,
    /// Differential mode: the target is the baseline, this the candidate and its noise settings.
    pub diff: Option<crate::diff::DiffConfig>,
    /// Print the full request and answer of failed cases.
    pub verbose: bool,
    /// `--har PATH`: failed cases' traffic as an HTTP Archive.
    pub har: Option<PathBuf>,
    /// `--html PATH`: the self-contained HTML report.
    pub html: Option<PathBuf>,
    /// Reports hold only the failed cases (their counts still cover every case).
    pub report_failures_only: bool,
    /// Walk the list endpoints for real ids.
    pub discover: bool,
    pub max_entities: Option<usize>,
    /// `--param name=value`: real ids for the entity cases.
    pub params: BTreeMap<String, String>,
    pub allow_writes: bool,
    /// A remote target that needs no credentials (else a run without any is a setup error).
    pub no_auth: bool,
    /// Stop starting cases after this many failed.
    pub max_failures: Option<u64>,
    /// Set by the caller (another thread, a report observer that has seen enough) to stop
    /// starting cases; those not started are reported as not run.
    pub stop: Option<std::sync::Arc<std::sync::atomic::AtomicBool>>,
    /// Check the target before any case (see `preflight`): the command line and `cargo test` do.
    pub preflight: bool,
    /// Lines of diff per failure (0 = all).
    pub diff_lines: usize,
    /// How the rerun line of a failure is written.
    pub rerun: super::rerun::Rerun,
    pub embedded: EmbeddedOptions,
    /// Colour in failure messages.
    pub color: bool,
    /// Checks added to the built-in ones for every answer.
    pub extra_checks: Vec<crate::check::ExtraCheck>,
    /// Secrets found in the target's URL (a password in its user-info), never printed.
    pub target_secrets: Vec<Secret>,
    /// Leave out the `metadata` suite (the reads of the tree's paths no page documents).
    pub no_metadata_cases: bool,
}

impl Default for RunConfig {
    fn default() -> Self {
        RunConfig {
            cases_dir: crate::bundled::default_dir("cases"),
            schemas_dir: crate::bundled::default_dir("schemas"),
            version: "beta".into(),
            suite_prefix: None,
            given_dirs: None,
            no_metadata_cases: false,
            target: None,
            token: None,
            credentials: None,
            profile: None,
            http: HttpSettings::default(),
            json: None,
            junit: None,
            report_failures_only: false,
            html: None,
            verbose: false,
            har: None,
            diff: None,
            record: None,
            baseline: None,
            fail_on_new: false,
            discover: false,
            max_entities: None,
            params: BTreeMap::new(),
            allow_writes: false,
            no_auth: false,
            preflight: false,
            max_failures: None,
            stop: None,
            diff_lines: 60,
            rerun: super::rerun::Rerun::Cli,
            embedded: EmbeddedOptions::default(),
            color: false,
            extra_checks: Vec::new(),
            target_secrets: Vec::new(),
        }
    }
}

impl RunConfig {
    /// How failures are printed.
    pub fn render(&self) -> crate::report::RenderOptions {
        crate::report::RenderOptions {
            palette: crate::report::Palette { color: self.color },
            diff_lines: self.diff_lines,
            verbose: self.verbose,
        }
    }

    /// The profile in force.
    pub fn profile(&self) -> Profile {
        self.profile.unwrap_or(if self.target.is_some() { Profile::Live } else { Profile::Reference })
    }

    /// The configuration `cargo test` uses: the embedded server, or `GRAPH_CONFORMANCE_TARGET` with
    /// `GRAPH_TOKEN` or `AZURE_*` client credentials (and `GRAPH_CONFORMANCE_PROFILE`,
    /// `GRAPH_CONFORMANCE_TIMEOUT` in seconds, `GRAPH_CONFORMANCE_CA_CERT`, `GRAPH_CONFORMANCE_DIFF_LINES`),
    /// over `self`. Rerun
    /// lines name this test binary and set those variables again.
    pub fn with_env(mut self) -> Result<Self, String> {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        let mut env = Vec::new();
        if let Some(t) = var("GRAPH_CONFORMANCE_TARGET") {
            let t = validate_target(&t).map_err(|e| format!("GRAPH_CONFORMANCE_TARGET: {e}"))?;
            env.push(("GRAPH_CONFORMANCE_TARGET".to_string(), t.root.clone()));
            self.target = Some(t.root);
            self.target_secrets = t.secrets;
        }
        if let Some(t) = var("GRAPH_TOKEN") {
            self.token = Some(Secret::new(t));
        }
        if let Some(c) = AppCredentials::from_env().transpose()? {
            self.credentials = Some(c);
        }
        if let Some(p) = var("GRAPH_CONFORMANCE_PROFILE") {
            self.profile = Some(p.parse().map_err(|e| format!("GRAPH_CONFORMANCE_PROFILE: {e}"))?);
            env.push(("GRAPH_CONFORMANCE_PROFILE".to_string(), p));
        }
        if let Some(t) = var("GRAPH_CONFORMANCE_TIMEOUT") {
            self.http.timeout = parse_timeout(&t, "GRAPH_CONFORMANCE_TIMEOUT")?;
            env.push(("GRAPH_CONFORMANCE_TIMEOUT".to_string(), t));
        }
        if let Some(path) = var("GRAPH_CONFORMANCE_CA_CERT") {
            self.http.ca_certs = crate::target::read_ca_certificates(std::path::Path::new(&path))
                .map_err(|e| e.replace("--ca-cert", "GRAPH_CONFORMANCE_CA_CERT"))?;
            env.push(("GRAPH_CONFORMANCE_CA_CERT".to_string(), path));
        }
        if let Some(n) = var("GRAPH_CONFORMANCE_DIFF_LINES") {
            self.diff_lines = n.parse().map_err(|_| format!("GRAPH_CONFORMANCE_DIFF_LINES: '{n}' is not a number"))?;
        }
        self.rerun = super::rerun::Rerun::this_test(env);
        self.preflight = true;
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_must_be_sane() {
        for bad in ["inf", "-1", "2e19", "1e-300", "NaN", "abc", "0"] {
            assert!(parse_timeout(bad, "--timeout").is_err(), "{bad}");
        }
        assert_eq!(parse_timeout("1.5", "--timeout").unwrap(), Duration::from_millis(1500));
    }

    #[test]
    fn targets_must_be_http_service_roots_and_passwords_never_show() {
        for bad in [
            "not a url",
            "ftp://x",
            "https://h/beta?x=1",
            "file:///etc",
            "https://graph.microsoft.com",
            "https://h/bta",
        ] {
            assert!(validate_target(bad).is_err(), "{bad}");
        }
        let e = validate_target("https://user:hunter22@graph.example/beta").unwrap_err();
        assert!(!e.contains("hunter22") && e.contains("credentials"), "{e}");
        assert_eq!(
            validate_target("https://graph.microsoft.com/beta/").unwrap().root,
            "https://graph.microsoft.com/beta"
        );
    }
}
