//! Graph's own metadata (CSDL) as the single source of the schemas, the suites' resolution, the
//! reference server and discovery.
//!
//! [`csdl`] reads a CSDL document into a [`Model`]; [`subset`] keeps what a family of endpoints
//! needs; [`generate`] turns that into JSON Schemas (`graph-conformance schemas`); [`resolve`] walks
//! a resource path through the model (entity sets, singletons, containment, keys, bound operations).

pub mod csdl;
pub mod generate;
pub mod model;
pub mod resolve;
pub mod roots;
pub mod subset;
pub mod validate;

pub use model::{Model, Navigation, Operation, OperationKind, Property, Structured};

use std::collections::BTreeMap;
use std::path::Path;

/// What `graph-conformance schemas` did.
#[derive(Debug, Default)]
pub struct SchemasOutcome {
    pub lines: Vec<String>,
    /// Under `--check`: files that regenerating would add, change or remove.
    pub out_of_date: Vec<String>,
}

/// What part of a CSDL document to generate.
#[derive(Debug, Clone)]
pub enum Scope {
    /// Every type of these namespaces and what they use.
    Namespaces(Vec<String>),
    /// The trees below these containment paths (`/identityGovernance/lifecycleWorkflows`).
    Roots(Vec<String>),
}

impl Scope {
    /// How the model's `source` names the scope.
    pub fn describe(&self) -> String {
        match self {
            Scope::Namespaces(ns) => format!("namespaces: {}", ns.join(", ")),
            Scope::Roots(roots) => format!("roots: {}", roots.join(", ")),
        }
    }
}

/// The generated files of `csdl` for `scope`, as text.
pub fn schema_files(csdl_text: &str, csdl_name: &str, scope: &Scope) -> Result<BTreeMap<String, String>, String> {
    let full = csdl::parse(csdl_text).map_err(|e| format!("{csdl_name}: {e}"))?;
    validate::validate(&full).map_err(|e| format!("{csdl_name}: {e}"))?;
    let mut model = match scope {
        Scope::Namespaces(ns) => subset::subset(&full, ns),
        Scope::Roots(roots) => roots::subset_roots(&full, roots),
    }
    .map_err(|e| format!("{csdl_name}: {e}"))?;
    model.source = format!("{csdl_name} ({})", scope.describe());
    Ok(generate::generate(&model)
        .into_iter()
        .map(|(name, doc)| {
            let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
            text.push('\n');
            (name, text)
        })
        .collect())
}

/// Writes (or, with `check`, compares) the generated files in `out`. Files there that the command
/// generated earlier and would not generate now are removed; hand-written files (those without the
/// generator's mark) are left alone.
pub fn write_schemas(files: &BTreeMap<String, String>, out: &Path, check: bool) -> Result<SchemasOutcome, String> {
    let mut outcome = SchemasOutcome::default();
    if !check {
        std::fs::create_dir_all(out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    }
    let existing: Vec<std::path::PathBuf> = match std::fs::read_dir(out) {
        Ok(rd) => {
            rd.filter_map(|e| e.ok()).map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "json")).collect()
        }
        Err(_) if check => Vec::new(),
        Err(e) => return Err(format!("cannot list {}: {e}", out.display())),
    };
    for path in existing {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        if files.contains_key(&name) {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        if !text.contains(GENERATED_MARK) {
            continue;
        }
        if check {
            outcome
                .lines
                .push(format!("{}: generated earlier, no longer generated (would be removed)", path.display()));
            outcome.out_of_date.push(name);
        } else {
            std::fs::remove_file(&path).map_err(|e| format!("cannot remove {}: {e}", path.display()))?;
            outcome.lines.push(format!("removed {}", path.display()));
        }
    }
    for (name, text) in files {
        // Names come from the CSDL: validated there, and checked again here, where the file is written.
        if !crate::safe_path::is_component(name) {
            return Err(format!("{:?} is not a plain file name: nothing is written outside {}", name, out.display()));
        }
        let path = out.join(name);
        let current = std::fs::read_to_string(&path).ok();
        if current.as_deref() == Some(text.as_str()) {
            continue;
        }
        if check {
            outcome.lines.push(format!(
                "{}: {}",
                path.display(),
                if current.is_some() { "differs from what the metadata generates" } else { "is missing" }
            ));
            outcome.out_of_date.push(name.clone());
        } else {
            std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            outcome.lines.push(format!("wrote {}", path.display()));
        }
    }
    Ok(outcome)
}

/// Every generated file says so; files without it are hand-written and never touched.
pub const GENERATED_MARK: &str = "Generated by `graph-conformance schemas`";
