//! `graph-conformance.toml`: the settings of `run` a project keeps in its repository (target,
//! profile, params, outputs, limits). Flags and their environment variables override it; secrets
//! never come from it (a token or a client secret there is an error: they belong in the
//! environment, `GRAPH_TOKEN` or `AZURE_CLIENT_SECRET`).
//!
//! ```toml
//! target = "https://graph.microsoft.com/beta"
//! profile = "live"
//! discover = true
//! max-entities = 20
//! json = "reports/live.json"
//! html = "reports/live.html"
//! [params]
//! workflowId = "14879e66-9ea9-48d0-804d-8fea672d0341"
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// The file's settings; each is the flag of the same name.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct FileConfig {
    pub target: Option<String>,
    pub profile: Option<String>,
    pub no_auth: Option<bool>,
    pub cases: Option<PathBuf>,
    pub schemas: Option<PathBuf>,
    pub discover: Option<bool>,
    #[serde(default)]
    pub params: BTreeMap<String, String>,
    pub allow_writes: Option<bool>,
    pub max_entities: Option<usize>,
    pub max_failures: Option<u64>,
    pub timeout: Option<f64>,
    pub concurrency: Option<usize>,
    pub max_retries: Option<u32>,
    pub json: Option<PathBuf>,
    pub junit: Option<PathBuf>,
    pub html: Option<PathBuf>,
    pub har: Option<PathBuf>,
    pub report_failures_only: Option<bool>,
    /// `baseline-report` (`baseline` is an older spelling).
    #[serde(alias = "baseline")]
    pub baseline_report: Option<PathBuf>,
    pub fail_on: Option<String>,
    pub diff_lines: Option<usize>,
}

/// The default file, read when it exists and no `--config` is given.
pub const DEFAULT_FILE: &str = "graph-conformance.toml";

/// Reads `path` (or the default file when it exists), with the path read. `Ok(None)`: no file.
pub fn load(path: Option<&Path>) -> Result<Option<(FileConfig, PathBuf)>, String> {
    let path = match path {
        Some(p) => p.to_path_buf(),
        None if Path::new(DEFAULT_FILE).is_file() => PathBuf::from(DEFAULT_FILE),
        None => return Ok(None),
    };
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(&path).map_err(|e| format!("--config {shown}: {e}"))?;
    parse(&text).map(|c| Some((c, path))).map_err(|e| format!("{shown}: {e}"))
}

/// Parses the file's text; a secret in it is an error that says where secrets go.
pub fn parse(text: &str) -> Result<FileConfig, String> {
    let table: toml::Table = text.parse().map_err(|e: toml::de::Error| e.message().to_string())?;
    for key in table.keys() {
        let k = key.to_ascii_lowercase();
        if ["token", "secret", "password", "client-secret", "client_secret"].iter().any(|s| k.contains(s)) {
            return Err(format!(
                "`{key}`: secrets are read only from the environment (GRAPH_TOKEN, or AZURE_TENANT_ID, \
                 AZURE_CLIENT_ID and AZURE_CLIENT_SECRET), never from a file that may be committed"
            ));
        }
    }
    toml::from_str(text).map_err(|e: toml::de::Error| {
        format!("{}; the settings are the flags of `run` (target, profile, params, json, …)", e.message())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_read_and_secrets_refused() {
        let c =
            parse("target = \"https://graph.microsoft.com/beta\"\nmax-entities = 5\n[params]\nworkflowId = \"w\"\n")
                .unwrap();
        assert_eq!(c.target.as_deref(), Some("https://graph.microsoft.com/beta"));
        assert_eq!(c.max_entities, Some(5));
        assert_eq!(c.params["workflowId"], "w");
        assert!(parse("token = \"x\"").unwrap_err().contains("only from the environment"));
        assert!(parse("client-secret = \"x\"").unwrap_err().contains("only from the environment"));
        assert!(parse("tagret = \"x\"").unwrap_err().contains("unknown field"));
    }
}
