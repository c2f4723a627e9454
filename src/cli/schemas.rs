//! `graph-conformance schemas`: JSON Schemas and the model from Graph's CSDL.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::Args;

/// Flags of `schemas`.
#[derive(Args, Debug)]
#[command(after_help = "Examples:
  graph-conformance schemas --csdl beta.csdl                  (a copy of https://graph.microsoft.com/beta/$metadata)
  graph-conformance schemas --csdl beta.csdl --namespace microsoft.graph.identityGovernance --check
  graph-conformance schemas --csdl v1.0.csdl --root /identityGovernance/entitlementManagement --out schemas/v1.0")]
pub struct SchemasArgs {
    /// The CSDL document ($metadata), e.g. a copy of https://graph.microsoft.com/beta/$metadata.
    #[arg(long, value_name = "FILE")]
    pub csdl: PathBuf,
    /// Namespaces whose types (and what they use) are generated; repeatable.
    #[arg(long = "namespace", value_name = "NS", required_unless_present = "roots", conflicts_with = "roots")]
    pub namespaces: Vec<String>,
    /// Containment roots whose trees (and what they use) are generated, e.g.
    /// /identityGovernance/entitlementManagement; repeatable. Areas sharing the microsoft.graph
    /// namespace with the rest of Graph are chosen this way.
    #[arg(long = "root", value_name = "PATH")]
    pub roots: Vec<String>,
    /// Where the schemas go; hand-written files there (overlay.json) are left alone.
    #[arg(long, default_value = "schemas", value_name = "DIR")]
    pub out: PathBuf,
    /// Write nothing; exit 1 when regenerating would add, change or remove a file.
    #[arg(long)]
    pub check: bool,
}

pub fn schemas(a: SchemasArgs) -> Result<ExitCode, String> {
    let started = Instant::now();
    let text = std::fs::read_to_string(&a.csdl).map_err(|e| format!("{}: cannot read: {e}", a.csdl.display()))?;
    let name = a.csdl.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let scope = if a.roots.is_empty() {
        crate::metadata::Scope::Namespaces(a.namespaces.clone())
    } else {
        crate::metadata::Scope::Roots(a.roots.clone())
    };
    let files = crate::metadata::schema_files(&text, &name, &scope)?;
    let outcome = crate::metadata::write_schemas(&files, &a.out, a.check)?;
    for line in &outcome.lines {
        crate::report::term::outln!("{line}");
    }
    crate::report::term::outln!(
        "{}: {} files for {} in {:.2} s",
        a.csdl.display(),
        files.len(),
        scope.describe(),
        started.elapsed().as_secs_f64()
    );
    if a.check && !outcome.out_of_date.is_empty() {
        crate::report::term::outln!(
            "{} file(s) are out of date with the metadata: run `graph-conformance schemas --csdl {} --out {}` and review the change",
            outcome.out_of_date.len(),
            a.csdl.display(),
            a.out.display()
        );
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}
