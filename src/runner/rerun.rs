//! The command that reruns one case: every flag that changes its outcome, the ids that lead
//! discovery back to it, and the token's environment variable (never its value).

use std::time::Duration;

use super::RunConfig;
use crate::target::HttpSettings;

/// How the run was started, for the rerun line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rerun {
    /// `graph-conformance run` with flags built from the configuration.
    Cli,
    /// A fixed prefix before `--exact '<name>'` (`cargo test --test conformance --`, whose settings
    /// come from the environment, or a test's own).
    Prefix(String),
}

impl RunConfig {
    /// The command that reruns the case `name`. `pins` are the ids of a discovered case's levels
    /// (`workflowId`, `runId`, ...): discovery then walks only to that entity.
    pub fn rerun(&self, name: &str, pins: &[(String, String)]) -> String {
        let exact = format!("--exact {}", shell_quote(name));
        let mut line = match (&self.rerun, &self.diff) {
            (Rerun::Prefix(p), _) => return format!("{p} {exact}"),
            (Rerun::Cli, None) => String::from("graph-conformance run"),
            (Rerun::Cli, Some(d)) => {
                let mut l = format!("graph-conformance diff --candidate {}", shell_quote(&d.candidate));
                if let Some(b) = &d.baseline2 {
                    l.push_str(&format!(" --baseline2 {}", shell_quote(b)));
                }
                if let Some(n) = &d.noise_file {
                    l.push_str(&format!(" --noise {}", shell_quote(&n.to_string_lossy())));
                }
                if !d.learn {
                    l.push_str(" --no-learn");
                }
                l
            }
        };
        let mut flag = |name: &str, value: Option<&str>| {
            line.push_str(" --");
            line.push_str(name);
            if let Some(v) = value {
                line.push(' ');
                line.push_str(&shell_quote(v));
            }
        };
        // A version's part of a run names the folders the run was given, not its version's.
        let (cases, schemas) =
            self.given_dirs.clone().unwrap_or_else(|| (self.cases_dir.clone(), self.schemas_dir.clone()));
        // The defaults (./cases, else the built-in ones) are not spelt out.
        if cases != crate::bundled::default_dir("cases") {
            flag("cases", Some(&cases.to_string_lossy()));
        }
        if schemas != crate::bundled::default_dir("schemas") {
            flag("schemas", Some(&schemas.to_string_lossy()));
        }
        let target_flag = if self.diff.is_some() { "baseline" } else { "target" };
        match &self.target {
            Some(t) => flag(target_flag, Some(t)),
            None if self.embedded.entities > 0 => {
                flag("entities", Some(&self.embedded.entities.to_string()));
                flag("page-size", Some(&self.embedded.page_size.to_string()));
            }
            None => {}
        }
        if let Some(p) = self.profile.filter(|_| self.diff.is_none()) {
            flag("profile", Some(&p.to_string()));
        }
        if self.http.timeout != HttpSettings::default().timeout {
            flag("timeout", Some(&seconds(self.http.timeout)));
        }
        if self.allow_writes {
            flag("allow-writes", None);
        }
        let discovered = !pins.is_empty() || name.starts_with("discovery::");
        if self.discover && discovered {
            flag("discover", None);
        }
        let mut params: Vec<(String, String)> = self.params.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        for (k, v) in pins {
            if !params.iter().any(|(p, _)| p == k) {
                params.push((k.clone(), v.clone()));
            }
        }
        for (k, v) in &params {
            flag("param", Some(&format!("{k}={v}")));
        }
        if self.discover
            && discovered
            && pins.is_empty()
            && let Some(n) = self.max_entities
        {
            flag("max-entities", Some(&n.to_string()));
        }
        line.push(' ');
        line.push_str(&exact);
        if self.target.is_some() {
            if self.token.is_some() {
                line.push_str("   # with GRAPH_TOKEN set");
            } else if self.credentials.is_some() {
                line.push_str("   # with AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET set");
            }
        }
        line
    }
}

fn seconds(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 { format!("{}", s as u64) } else { format!("{s}") }
}

/// `value` as one shell word: as is when it is plain, else single-quoted.
pub fn shell_quote(value: &str) -> String {
    let plain = !value.is_empty() && value.chars().all(|c| c.is_ascii_alphanumeric() || "-_./:=@%+,".contains(c));
    if plain { value.to_string() } else { format!("'{}'", value.replace('\'', "'\\''")) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::Profile;
    use crate::target::Secret;

    #[test]
    fn a_discovered_case_reruns_with_its_ids_pinned_and_no_token_value() {
        let mut c = RunConfig {
            target: Some("https://graph.example/beta".into()),
            token: Some(Secret::new("s3cret")),
            profile: Some(Profile::Live),
            discover: true,
            max_entities: Some(5),
            cases_dir: "my cases".into(),
            ..RunConfig::default()
        };
        c.http.timeout = Duration::from_millis(2500);
        let pins = vec![("workflowId".to_string(), "w'1".to_string()), ("runId".to_string(), "r 2".to_string())];
        let line = c.rerun("suite::case::w'1/r 2", &pins);
        assert_eq!(
            line,
            "graph-conformance run --cases 'my cases' --target https://graph.example/beta --profile live \
             --timeout 2.5 --discover --param 'workflowId=w'\\''1' --param 'runId=r 2' \
             --exact 'suite::case::w'\\''1/r 2'   # with GRAPH_TOKEN set"
        );
        assert!(!line.contains("s3cret"));
        let plain = c.rerun("suite::case", &[]);
        assert!(!plain.contains("--discover"), "a case that needs no entity runs without discovery: {plain}");
        let list = c.rerun("discovery::workflows", &[]);
        assert!(list.contains("--discover") && list.contains("--max-entities 5"), "{list}");
    }

    #[test]
    fn a_prefix_is_kept_as_is() {
        let c = RunConfig { rerun: Rerun::Prefix("cargo test --test conformance --".into()), ..RunConfig::default() };
        assert_eq!(c.rerun("a::b", &[]), "cargo test --test conformance -- --exact a::b");
    }
}
