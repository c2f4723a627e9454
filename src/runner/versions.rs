//! Graph's versions side by side: `cases/beta/…` and `cases/v1.0/…`, each with its schemas
//! (`schemas/beta`, `schemas/v1.0`). A run takes every version's suites, named `beta/<suite>` and
//! `v1.0/<suite>`; a `--target` ending in a version takes only that version's. A cases folder
//! without version folders is one version's suites, named as they are.

use std::path::{Path, PathBuf};

use super::config::RunConfig;

/// The versions of Graph's API, as service roots end.
pub const VERSIONS: [&str; 2] = ["beta", "v1.0"];

/// One version's part of a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bundle {
    /// `beta` or `v1.0`: the embedded server's root and the suites' prefix.
    pub version: String,
    pub cases_dir: PathBuf,
    pub schemas_dir: PathBuf,
    /// Suite names start with `<version>/`.
    pub prefixed: bool,
}

/// The version a service root ends with (`…/v1.0` → `v1.0`).
pub fn version_of_root(root: &str) -> Option<&'static str> {
    let last = root.trim_end_matches('/').rsplit('/').next()?;
    VERSIONS.into_iter().find(|v| v.eq_ignore_ascii_case(last))
}

/// The versions laid out under `cases_dir`, in [`VERSIONS`] order.
pub fn layered(cases_dir: &Path) -> Vec<&'static str> {
    VERSIONS.into_iter().filter(|v| crate::bundled::is_dir(&cases_dir.join(v))).collect()
}

/// The run's bundles: one per version folder (only the target's version with a `--target`), or the
/// folder itself when it has none.
pub fn bundles(config: &RunConfig) -> Result<Vec<Bundle>, String> {
    let wanted = config.target.as_deref().and_then(version_of_root);
    let versions = layered(&config.cases_dir);
    if versions.is_empty() {
        let named = config.cases_dir.file_name().and_then(|n| n.to_str()).and_then(version_of_root);
        let version = wanted.or(named).unwrap_or("beta");
        // A folder of one version's suites beside schemas laid out by version takes that version's.
        let schemas_dir = if !crate::bundled::is_file(&config.schemas_dir.join("metadata.json"))
            && crate::bundled::is_dir(&config.schemas_dir.join(version))
        {
            config.schemas_dir.join(version)
        } else {
            config.schemas_dir.clone()
        };
        return Ok(vec![Bundle {
            version: version.to_string(),
            cases_dir: config.cases_dir.clone(),
            schemas_dir,
            prefixed: false,
        }]);
    }
    let chosen: Vec<&str> = versions.iter().copied().filter(|v| wanted.is_none_or(|w| w == *v)).collect();
    if chosen.is_empty() {
        return Err(format!(
            "--target {}: {} holds suites for {} only; point --target at that version's root",
            config.target.as_deref().unwrap_or_default(),
            config.cases_dir.display(),
            versions.join(" and ")
        ));
    }
    Ok(chosen
        .into_iter()
        .map(|v| Bundle {
            version: v.to_string(),
            cases_dir: config.cases_dir.join(v),
            schemas_dir: config.schemas_dir.join(v),
            prefixed: true,
        })
        .collect())
}

/// The configuration of one bundle's part of the run.
pub fn narrowed(config: &RunConfig, bundle: &Bundle) -> RunConfig {
    let mut c = config.clone();
    c.given_dirs = Some((config.cases_dir.clone(), config.schemas_dir.clone()));
    c.cases_dir = bundle.cases_dir.clone();
    c.schemas_dir = bundle.schemas_dir.clone();
    c.version = bundle.version.clone();
    c.suite_prefix = bundle.prefixed.then(|| format!("{}/", bundle.version));
    c
}

/// The one bundle of a run that takes a single version (discovery, diff, record, the benchmark):
/// the target's version, else the first there is. Several versions without a target is not an
/// error: the first is taken, and a note on stderr says so.
pub fn single(config: &RunConfig) -> Result<RunConfig, String> {
    let all = bundles(config)?;
    let Some(first) = all.first() else {
        return Err(format!("no suites under {}", config.cases_dir.display()));
    };
    if all.len() > 1 {
        let others: Vec<&str> = all[1..].iter().map(|b| b.version.as_str()).collect();
        crate::report::term::errln!(
            "note: this mode takes one version: {} (the suites of {} run with --target ending in that version)",
            first.version,
            others.join(", ")
        );
    }
    Ok(narrowed(config, first))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(cases: &Path, target: Option<&str>) -> RunConfig {
        RunConfig {
            cases_dir: cases.to_path_buf(),
            schemas_dir: "s".into(),
            target: target.map(String::from),
            ..RunConfig::default()
        }
    }

    #[test]
    fn version_folders_are_bundles_and_the_target_picks_its_own() {
        let dir = tempfile::tempdir().unwrap();
        for v in VERSIONS {
            std::fs::create_dir_all(dir.path().join(v).join("suite")).unwrap();
        }
        let all = bundles(&config(dir.path(), None)).unwrap();
        assert_eq!(all.iter().map(|b| b.version.as_str()).collect::<Vec<_>>(), ["beta", "v1.0"]);
        assert!(all.iter().all(|b| b.prefixed));
        assert_eq!(all[1].schemas_dir, PathBuf::from("s/v1.0"));
        let one = bundles(&config(dir.path(), Some("https://graph.microsoft.com/v1.0"))).unwrap();
        assert_eq!(one.len(), 1);
        assert_eq!(one[0].version, "v1.0");
        let c = narrowed(&config(dir.path(), None), &all[0]);
        assert_eq!(c.suite_prefix.as_deref(), Some("beta/"));
    }

    #[test]
    fn a_flat_folder_is_one_bundle_named_by_the_target_or_its_name() {
        let dir = tempfile::tempdir().unwrap();
        let flat = bundles(&config(dir.path(), Some("http://127.0.0.1:1/v1.0"))).unwrap();
        assert_eq!((flat[0].version.as_str(), flat[0].prefixed), ("v1.0", false));
        let v1 = dir.path().join("v1.0");
        std::fs::create_dir_all(v1.join("suite")).unwrap();
        let named = bundles(&config(&v1, None)).unwrap();
        assert_eq!(named[0].version, "v1.0");
        assert_eq!(bundles(&config(dir.path().join("x").as_path(), None)).unwrap()[0].version, "beta");
    }

    #[test]
    fn a_target_of_a_version_without_suites_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("beta")).unwrap();
        let e = bundles(&config(dir.path(), Some("https://graph.microsoft.com/v1.0"))).unwrap_err();
        assert!(e.contains("beta only"), "{e}");
    }
}
