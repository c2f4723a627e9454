//! [`Conformance`]: the suites as a test target of your own crate, built in a few calls.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use libtest_mimic::{Arguments, ColorSetting, Conclusion, Trial};

use crate::check::Profile;
use crate::error::Error;
use crate::runner::RunConfig;
use crate::target::{AppCredentials, Secret};

/// A conformance run: which cases, against which target, with which credentials, and which
/// reports. [`Conformance::run`] runs it under libtest-mimic (the trial names, filters and flags of
/// `cargo test`); [`Conformance::trials`] gives the cases as trials to run with your own.
///
/// By default it runs the suites this crate ships (every area and version it knows) against the
/// embedded reference server, offline.
///
/// ```no_run
/// // tests/graph.rs, with `harness = false` for this test in Cargo.toml
/// use graph_conformance::{Arguments, Conformance};
///
/// fn main() -> std::process::ExitCode {
///     let args = Arguments::from_args();
///     match Conformance::from_env().and_then(|c| c.run(&args)) {
///         Ok(conclusion) => conclusion.exit_code(),
///         Err(e) => {
///             eprintln!("error: {e}");
///             std::process::ExitCode::from(2)
///         }
///     }
/// }
/// ```
#[derive(Clone)]
pub struct Conformance {
    config: RunConfig,
}

impl Default for Conformance {
    fn default() -> Self {
        Conformance::new()
    }
}

impl std::fmt::Debug for Conformance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Conformance")
            .field("cases", &self.config.cases_dir)
            .field("schemas", &self.config.schemas_dir)
            .field("target", &self.config.target.as_deref().unwrap_or("embedded"))
            .field("token", &self.config.token.as_ref().map(|_| "[REDACTED]"))
            .finish_non_exhaustive()
    }
}

impl Conformance {
    /// The built-in suites (this build's `cases/` and `schemas/`, whatever the working directory
    /// holds) against the embedded reference server. Rerun lines of failures name this
    /// test binary (`cargo test --test <name> -- --exact '<case>'`).
    pub fn new() -> Self {
        let mut config = RunConfig {
            cases_dir: crate::bundled::built_in("cases"),
            schemas_dir: crate::bundled::built_in("schemas"),
            preflight: true,
            ..RunConfig::default()
        };
        config.rerun = crate::runner::rerun::Rerun::this_test(Vec::new());
        Conformance { config }
    }

    /// [`Conformance::new`] with the settings of the environment: `GRAPH_CONFORMANCE_TARGET` (a
    /// service root) with `GRAPH_TOKEN` or client credentials (`AZURE_TENANT_ID`, `AZURE_CLIENT_ID`,
    /// `AZURE_CLIENT_SECRET`), `GRAPH_CONFORMANCE_PROFILE`, `GRAPH_CONFORMANCE_TIMEOUT` (seconds),
    /// `GRAPH_CONFORMANCE_CA_CERT` (a PEM file) and `GRAPH_CONFORMANCE_DIFF_LINES`. Rerun lines set
    /// the variables that changed the run again.
    pub fn from_env() -> Result<Self, Error> {
        Ok(Conformance { config: Conformance::new().config.with_env().map_err(Error::Setting)? })
    }

    /// Case files from `dir` instead of the built-in ones (a folder of suites, or one per version:
    /// `dir/beta`, `dir/v1.0`).
    pub fn cases(mut self, dir: impl Into<PathBuf>) -> Self {
        self.config.cases_dir = dir.into();
        self
    }

    /// Schemas and model from `dir` instead of the built-in ones.
    pub fn schemas(mut self, dir: impl Into<PathBuf>) -> Self {
        self.config.schemas_dir = dir.into();
        self
    }

    /// Run against a service root (`https://graph.microsoft.com/beta`, `http://127.0.0.1:8080/v1.0`)
    /// instead of the embedded server; the [`Profile`] becomes `Live` unless set.
    pub fn target(mut self, service_root: &str) -> Result<Self, Error> {
        let t = crate::runner::config::validate_target(service_root).map_err(Error::Setting)?;
        self.config.target = Some(t.root);
        self.config.target_secrets = t.secrets;
        Ok(self)
    }

    /// The bearer token sent to the target. It is never printed, in any report.
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.config.token = Some(Secret::new(token.into()));
        self
    }

    /// OAuth2 client credentials for the target (Entra ID's v2.0 endpoint, scope
    /// `<target origin>/.default`); the secret is never printed.
    pub fn client_credentials(
        mut self,
        tenant: impl Into<String>,
        client_id: impl Into<String>,
        secret: impl Into<String>,
    ) -> Self {
        self.config.credentials = Some(AppCredentials {
            authority: crate::target::auth::DEFAULT_AUTHORITY.to_string(),
            tenant: tenant.into(),
            client_id: client_id.into(),
            secret: Secret::new(secret.into()),
        });
        self
    }

    /// Trust the CA certificates of a PEM file too (a proxy's, a private CA's), besides the system's.
    pub fn ca_cert(mut self, pem_file: impl AsRef<std::path::Path>) -> Result<Self, Error> {
        let certs = crate::target::read_ca_certificates(pem_file.as_ref()).map_err(Error::Setting)?;
        self.config.http.ca_certs.extend(certs);
        Ok(self)
    }

    /// The target needs no credentials (a local server under test).
    pub fn no_auth(mut self) -> Self {
        self.config.no_auth = true;
        self
    }

    /// How answers are judged: `Reference` compares documented values, `Live` only shape and
    /// semantics.
    pub fn profile(mut self, profile: Profile) -> Self {
        self.config.profile = Some(profile);
        self
    }

    /// Seconds one request may take, body included.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.config.http.timeout = timeout;
        self
    }

    /// Pin a path parameter to a real id (`workflowId`, any page's name for the level).
    pub fn param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.config.params.insert(name.into(), value.into());
        self
    }

    /// Walk the lists of the target for real ids, taking at most `max_entities` at each level, and
    /// check every entity found ([`Conformance::run`] only: the cases are found as the run goes).
    pub fn discover(mut self, max_entities: Option<usize>) -> Self {
        self.config.discover = true;
        self.config.max_entities = max_entities;
        self
    }

    /// Leave out each version's `metadata` suite (the reads of paths no page documents).
    pub fn without_metadata_cases(mut self) -> Self {
        self.config.no_metadata_cases = true;
        self
    }

    /// Write a JSON report (`docs/report-v2.schema.json`) at the end of [`Conformance::run`].
    pub fn json_report(mut self, path: impl Into<PathBuf>) -> Self {
        self.config.json = Some(path.into());
        self
    }

    /// Write a JUnit XML report at the end of [`Conformance::run`].
    pub fn junit_report(mut self, path: impl Into<PathBuf>) -> Self {
        self.config.junit = Some(path.into());
        self
    }

    /// Write a self-contained HTML report at the end of [`Conformance::run`].
    pub fn html_report(mut self, path: impl Into<PathBuf>) -> Self {
        self.config.html = Some(path.into());
        self
    }

    /// How a failure's rerun line starts, instead of `cargo test --test <this test> --`: for a test
    /// run another way (`cargo nextest run -p mine --test graph --`).
    pub fn rerun_command(mut self, prefix: impl Into<String>) -> Self {
        self.config.rerun = crate::runner::rerun::Rerun::Command(prefix.into());
        self
    }

    /// The cases as libtest-mimic trials named `<suite>::<case>`, to run with your own tests in
    /// one `libtest_mimic::run`. The target is checked first. Reports and discovery need the end
    /// of the run: use [`Conformance::run`] for those.
    pub fn trials(&self) -> Result<Vec<Trial>, Error> {
        let c = &self.config;
        if c.json.is_some() || c.junit.is_some() || c.html.is_some() || c.discover {
            return Err(Error::Setting(
                "reports and discovery are made by Conformance::run, which sees the end of the run: \
                 call run() instead of trials(), or leave out json_report/junit_report/html_report/discover"
                    .into(),
            ));
        }
        crate::runner::libtest::prepare(c.clone(), &Arguments::default()).map(|(_, trials)| trials)
    }

    /// Runs the cases under libtest-mimic with `args` (usually `Arguments::from_args()`), prints
    /// failures and the verdict, writes the reports, and gives libtest's conclusion.
    pub fn run(self, args: &Arguments) -> Result<Conclusion, Error> {
        let mut config = self.config;
        config.color = match args.color.unwrap_or(ColorSetting::Auto) {
            ColorSetting::Always => true,
            ColorSetting::Never => false,
            ColorSetting::Auto => {
                use std::io::IsTerminal;
                std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
            }
        };
        if config.discover {
            let display = crate::runner::stream::Display::from_args(args);
            let counts =
                crate::runner::discover::run_discovery(config, args, display, |_| {}).map_err(Error::Target)?;
            return Ok(Conclusion {
                num_filtered_out: counts.filtered_out,
                num_passed: counts.passed,
                num_failed: counts.failed,
                num_ignored: counts.ignored,
                num_measured: 0,
            });
        }
        crate::runner::run_libtest(config, args).map(|s| s.conclusion)
    }

    /// `run` with this process's arguments, as a test target's `main`: exit 0 when every case
    /// passed, 101 when one failed, 2 (with the message on standard error) when the run could not
    /// start.
    pub fn main(self) -> ExitCode {
        match self.run(&Arguments::from_args()) {
            Ok(conclusion) => conclusion.exit_code(),
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(2)
            }
        }
    }
}
