//! `graph-conformance import` and `lint`: doc pages into case files, and what is wrong with them.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

/// Flags of `import`.
#[derive(Args, Debug)]
#[command(after_help = "Examples:
  graph-conformance import --out cases identitygovernance-userprocessingresult-get.md
  graph-conformance import --docs-root DOCS --out cases DOCS/api-reference/beta/api/identitygovernance-*.md
  graph-conformance import --check --out cases PAGE.md    exit 1 if anything would change")]
pub struct ImportArgs {
    /// The cases directory; each page's cases go to OUT/<page-stem>/.
    #[arg(long, default_value = "cases")]
    out: PathBuf,
    /// A checkout of Microsoft's docs repository the pages come from: their repository paths are
    /// taken relative to it (otherwise from the `api-reference` folder in their path).
    #[arg(long, value_name = "DIR")]
    docs_root: Option<PathBuf>,
    /// Write nothing; exit 1 when regenerating would change, add or remove a file.
    #[arg(long)]
    check: bool,
    /// Graph doc pages (markdown).
    #[arg(required = true)]
    pages: Vec<PathBuf>,
}

/// Flags of `lint`.
#[derive(Args, Debug)]
#[command(after_help = "Examples:
  graph-conformance lint DOCS/api-reference/beta/api/identitygovernance-*.md
  graph-conformance lint --deny-warnings PAGE.md          exit 1 when there is any finding")]
pub struct LintArgs {
    /// The schemas and model to check examples and paths against [default: ./schemas, else the built-in ones].
    #[arg(long, value_name = "DIR")]
    schemas: Option<PathBuf>,
    /// Exit 1 when there is any warning.
    #[arg(long)]
    deny_warnings: bool,
    /// Graph doc pages (markdown) to check.
    #[arg(required = true, value_name = "PAGE")]
    pages: Vec<PathBuf>,
}

pub fn import(a: ImportArgs) -> Result<ExitCode, String> {
    let outcome = crate::import::import(&a.pages, &a.out, a.check, a.docs_root.as_deref());
    for line in &outcome.lines {
        crate::report::term::outln!("{line}");
    }
    if !outcome.write_failures.is_empty() {
        return Err(format!("the import could not write its files:\n  {}", outcome.write_failures.join("\n  ")));
    }
    if outcome.unreadable > 0 {
        return Err(format!("{} page(s) could not be read", outcome.unreadable));
    }
    if outcome.errors > 0 {
        crate::report::term::outln!(
            "{} error(s) in the pages: those examples were not imported (the rest were); fix them, or report them upstream",
            outcome.errors
        );
    }
    if a.check && !outcome.out_of_date.is_empty() {
        crate::report::term::outln!(
            "{} file(s) are out of date with the pages: run `graph-conformance import --out {} {}` and review the change",
            outcome.out_of_date.len(),
            a.out.display(),
            a.pages.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(" ")
        );
        return Ok(ExitCode::from(1));
    }
    Ok(if outcome.errors > 0 { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

/// `dir` itself when it holds a model; else its folder for the page's version: v1.0 when the page
/// sits under a `v1.0` folder or its examples call `graph.microsoft.com/v1.0`, beta otherwise.
fn schemas_for_page(dir: &std::path::Path, page: &std::path::Path, text: &str) -> PathBuf {
    if crate::bundled::is_file(&dir.join("metadata.json")) {
        return dir.to_path_buf();
    }
    let v1 = page.components().any(|c| c.as_os_str() == "v1.0")
        || (text.contains("graph.microsoft.com/v1.0/") && !text.contains("graph.microsoft.com/beta/"));
    let version = if v1 { "v1.0" } else { "beta" };
    if crate::bundled::is_dir(&dir.join(version)) { dir.join(version) } else { dir.to_path_buf() }
}

pub fn lint(a: LintArgs) -> Result<ExitCode, String> {
    // Schemas laid out by version (schemas/beta, schemas/v1.0): each page is checked against its
    // own version's, loaded once.
    let mut loaded: std::collections::BTreeMap<PathBuf, Option<crate::schema::SchemaSet>> = Default::default();
    let mut total = 0;
    let mut errors = 0;
    for page in &a.pages {
        let text = crate::import::read_page(page).map_err(|e| format!("{}: cannot read: {e}", page.display()))?;
        let schemas = a.schemas.clone().unwrap_or_else(|| crate::bundled::default_dir("schemas"));
        let dir = schemas_for_page(&schemas, page, &text);
        let schemas = loaded.entry(dir.clone()).or_insert_with(|| match crate::schema::SchemaSet::load(&dir) {
            Ok(s) => Some(s),
            Err(e) => {
                crate::report::term::errln!("note: {e}; paths and examples are not checked against the metadata");
                None
            }
        });
        let mut found = crate::import::lint::lint_page(&text, &page.display().to_string(), schemas.as_ref());
        crate::import::cap_diagnostics(&page.display().to_string(), &mut found);
        for d in &found {
            crate::report::term::outln!("{d}");
        }
        errors += found.iter().filter(|d| d.level == crate::import::Level::Error).count();
        total += found.len();
    }
    crate::report::term::outln!("{total} finding(s) ({errors} error(s)) in {} page(s)", a.pages.len());
    // An error (an example that cannot be read) fails lint; warnings do with --deny-warnings.
    Ok(if errors > 0 || (a.deny_warnings && total > 0) { ExitCode::from(1) } else { ExitCode::SUCCESS })
}
