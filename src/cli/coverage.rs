//! `graph-conformance coverage`: every GET path of each version's tree, and what reads it.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

/// Flags of `coverage`.
#[derive(Args, Debug)]
#[command(after_help = "Examples:
  graph-conformance coverage                         every version under cases/ and schemas/
  graph-conformance coverage --json coverage.json    the same, as JSON
  graph-conformance coverage --fail-on-none          exit 1 when a path is read by no case

A path is documented (a page's example reads it), derived (from the metadata; \"needs --discover\"
when no example shows an entity there), or none (a bound function no page calls).")]
pub struct CoverageArgs {
    /// The cases folder (one folder per version, or one version's suites) [default: ./cases, else the built-in ones].
    #[arg(long, value_name = "DIR")]
    cases: Option<PathBuf>,
    /// The schemas folder [default: ./schemas, else the built-in ones].
    #[arg(long, value_name = "DIR")]
    schemas: Option<PathBuf>,
    /// Also write the rows as JSON here.
    #[arg(long, value_name = "PATH")]
    json: Option<PathBuf>,
    /// Exit 1 when any path is read by no case.
    #[arg(long)]
    fail_on_none: bool,
}

pub fn coverage(a: CoverageArgs) -> Result<ExitCode, String> {
    let mut config = crate::runner::RunConfig::default();
    config.cases_dir = a.cases.clone().unwrap_or(config.cases_dir);
    config.schemas_dir = a.schemas.clone().unwrap_or(config.schemas_dir);
    let mut all = serde_json::Map::new();
    let mut none = 0;
    for bundle in crate::runner::versions::bundles(&config)? {
        let schemas = crate::schema::SchemaSet::load(&bundle.schemas_dir)?;
        let mut suites = crate::case::load_suites(&bundle.cases_dir, &schemas)?;
        if let Some(extra) =
            crate::case::from_metadata::suite(&suites, &schemas, &bundle.schemas_dir.join("metadata.json"))
        {
            suites.push(extra);
        }
        let rows = crate::case::coverage::coverage(schemas.model(), &suites);
        for r in &rows {
            crate::report::term::outln!("{:<8} {:<27} {:<9} {}", bundle.version, r.status.label(), r.kind, r.path);
        }
        crate::report::term::outln!(
            "{}: {} GET paths: {}",
            bundle.version,
            rows.len(),
            crate::case::coverage::totals(&rows)
        );
        none += rows.iter().filter(|r| r.status == crate::case::coverage::Status::None).count();
        all.insert(bundle.version.clone(), serde_json::to_value(&rows).map_err(|e| e.to_string())?);
    }
    if let Some(path) = &a.json {
        let text = serde_json::to_string_pretty(&all).map_err(|e| e.to_string())?;
        crate::report::file::AtomicFile::write(path, text.as_bytes())
            .map_err(|e| format!("--json {}: cannot write: {e}", path.display()))?;
    }
    Ok(if a.fail_on_none && none > 0 { ExitCode::from(1) } else { ExitCode::SUCCESS })
}
