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
    /// A test target run by `cargo test --test <test>`: the line sets again the environment
    /// variables whose values changed the run (`GRAPH_CONFORMANCE_TARGET=…`); settings made in the
    /// test's code hold by themselves.
    CargoTest { test: String, env: Vec<(String, String)> },
    /// A command of the caller's own before `--exact '<name>'`.
    Command(String),
}

impl Rerun {
    /// `cargo test --test <name>` for the test binary running now: its file name without cargo's
    /// `-<hash>` (`target/debug/deps/graph-0123456789abcdef` → `graph`).
    pub fn this_test(env: Vec<(String, String)>) -> Rerun {
        let exe = std::env::current_exe().ok();
        let stem = exe.as_deref().and_then(|p| p.file_stem()).map(|s| s.to_string_lossy().into_owned());
        let test = stem.map_or_else(|| "conformance".to_string(), |s| test_name(&s).to_string());
        Rerun::CargoTest { test, env }
    }
}

/// A test binary's name without cargo's `-<16 hex digits>` suffix.
fn test_name(stem: &str) -> &str {
    match stem.rsplit_once('-') {
        Some((name, hash)) if hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit()) => name,
        _ => stem,
    }
}

impl RunConfig {
    /// The command that reruns the case `name`. `pins` are the ids of a discovered case's levels
    /// (`workflowId`, `runId`, ...): discovery then walks only to that entity.
    pub fn rerun(&self, name: &str, pins: &[(String, String)]) -> String {
        let exact = format!("--exact {}", shell_quote(name));
        let mut line = match (&self.rerun, &self.diff) {
            (Rerun::Command(prefix), _) => return format!("{prefix} {exact}{}", self.credentials_note()),
            (Rerun::CargoTest { test, env }, _) => {
                let mut line = String::new();
                for (k, v) in env {
                    line.push_str(&format!("{k}={} ", shell_quote(v)));
                }
                line.push_str(&format!("cargo test --test {} -- {exact}", shell_quote(test)));
                line.push_str(self.credentials_note());
                return line;
            }
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
        line.push_str(self.credentials_note());
        line
    }

    /// Where the rerun's credentials come from (never their value).
    fn credentials_note(&self) -> &'static str {
        match (&self.target, &self.token, &self.credentials) {
            (None, _, _) => "",
            (Some(_), Some(_), _) => "   # with GRAPH_TOKEN set",
            (Some(_), None, Some(_)) => "   # with AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET set",
            (Some(_), None, None) => "",
        }
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
    fn under_cargo_test_the_line_names_the_test_and_sets_the_environment_again() {
        let env = vec![("GRAPH_CONFORMANCE_TARGET".to_string(), "http://127.0.0.1:9/beta".to_string())];
        let c = RunConfig {
            rerun: Rerun::CargoTest { test: "graph".into(), env },
            target: Some("http://127.0.0.1:9/beta".into()),
            token: Some(Secret::new("s3cret")),
            ..RunConfig::default()
        };
        assert_eq!(
            c.rerun("beta/a::b c", &[]),
            "GRAPH_CONFORMANCE_TARGET=http://127.0.0.1:9/beta cargo test --test graph -- --exact 'beta/a::b c'   # with GRAPH_TOKEN set"
        );
        let plain = RunConfig { rerun: Rerun::CargoTest { test: "graph".into(), env: vec![] }, ..RunConfig::default() };
        assert_eq!(plain.rerun("a::b", &[]), "cargo test --test graph -- --exact a::b");
    }

    #[test]
    fn a_test_binary_is_named_without_its_hash() {
        assert_eq!(test_name("graph-0123456789abcdef"), "graph");
        assert_eq!(test_name("my-graph-tests-0123456789abcdef"), "my-graph-tests");
        assert_eq!(test_name("graph-conformance"), "graph-conformance");
        assert_eq!(test_name("graph"), "graph");
    }
}
