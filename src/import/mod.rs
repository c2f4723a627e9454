//! Doc pages → case files: `graph-conformance import --out DIR PAGE.md...` writes one case per
//! documented request/response pair under `DIR/<page-stem>/` (and nothing else there), and
//! `--check` says whether regenerating would change anything. `graph-conformance lint` reports what
//! is wrong with the pages themselves.
//!
//! scan ([`scan`]) → HTTP text ([`http_text`]) → pairs and cases ([`page`]) → files (here) / lint ([`lint`]).

pub mod diagnostic;
pub mod http_text;
pub mod lint;
pub mod page;
pub mod recover;
pub mod scan;
pub mod source;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

pub use diagnostic::{Diagnostic, Level};
pub use page::{PageImport, import_page};

/// What an import (or check) of several pages found.
#[derive(Debug, Default)]
pub struct ImportOutcome {
    /// Lines to print: per page a summary, its diagnostics, and the files written or out of date.
    pub lines: Vec<String>,
    /// Pages that could not be read.
    pub unreadable: usize,
    /// Files that could not be written, created or removed (each line names the path and the OS error).
    pub write_failures: Vec<String>,
    /// Under `--check`: files that regenerating would add, change or remove.
    pub out_of_date: Vec<PathBuf>,
    /// Error diagnostics over all pages (examples that could not be imported).
    pub errors: usize,
}

/// Imports `pages` into `out`. With `check`, writes nothing and lists what would change.
/// `docs_root` is a checkout of the docs repository the pages come from (see [`source::PageSource`]).
pub fn import(pages: &[PathBuf], out: &Path, check: bool, docs_root: Option<&Path>) -> ImportOutcome {
    let mut outcome = ImportOutcome::default();
    let mut stems: BTreeMap<String, &PathBuf> = BTreeMap::new();
    for page in pages {
        if let Some(first) = stems.insert(page::stem(&page.display().to_string()), page) {
            outcome.lines.push(format!(
                "{}: skipped: {} has the same file name, and both would write {}/{}/; import them with different --out directories",
                page.display(),
                first.display(),
                out.display(),
                page::stem(&page.display().to_string())
            ));
            outcome.unreadable += 1;
            continue;
        }
        let display = page.display().to_string();
        let text = match read_page(page) {
            Ok(t) => t,
            Err(e) => {
                outcome.lines.push(format!("{display}: cannot read: {e}"));
                outcome.unreadable += 1;
                continue;
            }
        };
        let mut imported = import_page(&text, &display, &source::PageSource::of(page, &text, docs_root));
        cap_diagnostics(&display, &mut imported.diagnostics);
        let errors = imported.diagnostics.iter().filter(|d| d.level == Level::Error).count();
        outcome.errors += errors;
        outcome.lines.push(format!(
            "{display}: {} case(s), {} diagnostic(s) ({errors} error(s))",
            imported.cases.len(),
            imported.diagnostics.len()
        ));
        outcome.lines.extend(imported.diagnostics.iter().map(|d| format!("  {d}")));
        let dir = out.join(crate::safe_path::component(&page::stem(&display)));
        let wanted = files_of(&imported);
        sync_dir(&dir, &wanted, check, &mut outcome);
    }
    outcome
}

/// The largest page read (Graph's longest pages are under 200 KiB).
pub const MAX_PAGE_BYTES: u64 = 2 * 1024 * 1024;
/// The most diagnostics kept for one page; the rest are counted in one last line.
pub const MAX_DIAGNOSTICS: usize = 200;

/// Reads a page, refusing one larger than [`MAX_PAGE_BYTES`] before reading it.
pub fn read_page(page: &Path) -> Result<String, String> {
    use std::io::Read as _;
    let file = fs::File::open(page).map_err(|e| e.to_string())?;
    let mut text = String::new();
    file.take(MAX_PAGE_BYTES + 1).read_to_string(&mut text).map_err(|e| e.to_string())?;
    if text.len() as u64 > MAX_PAGE_BYTES {
        return Err(format!("larger than {} MiB: not a doc page", MAX_PAGE_BYTES / 1024 / 1024));
    }
    Ok(text)
}

/// Keeps the first [`MAX_DIAGNOSTICS`] of a page's diagnostics, errors first, and says how many more.
pub fn cap_diagnostics(page: &str, diagnostics: &mut Vec<Diagnostic>) {
    if diagnostics.len() <= MAX_DIAGNOSTICS {
        return;
    }
    diagnostics.sort_by_key(|d| (d.level != Level::Error, d.line));
    let more = diagnostics.len() - MAX_DIAGNOSTICS;
    let errors = diagnostics[MAX_DIAGNOSTICS..].iter().filter(|d| d.level == Level::Error).count();
    diagnostics.truncate(MAX_DIAGNOSTICS);
    let level = if errors > 0 { Diagnostic::error } else { Diagnostic::warning };
    diagnostics.push(level(
        page,
        0,
        format!("{more} more diagnostics ({errors} errors) are not shown: fix the first ones and run again"),
    ));
}

/// The case files of a page: file name → canonical text.
pub fn files_of(imported: &PageImport) -> BTreeMap<String, String> {
    let mut files = BTreeMap::new();
    // Unique without case (one file on case-insensitive file systems), and never a device name.
    let mut names = crate::safe_path::Names::default();
    for case in &imported.cases {
        let name = format!("{}.json", names.unique(&file_safe(&case.name)));
        files.insert(name, case.to_canonical_json());
    }
    files
}

/// Makes `dir` hold exactly `wanted` (its `.json` files), or, with `check`, lists the differences.
fn sync_dir(dir: &Path, wanted: &BTreeMap<String, String>, check: bool, outcome: &mut ImportOutcome) {
    let existing: Vec<PathBuf> = fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok()).map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "json")).collect()
        })
        .unwrap_or_default();
    for stale in existing.iter().filter(|p| !p.file_name().is_some_and(|n| wanted.contains_key(&*n.to_string_lossy())))
    {
        if check {
            outcome.lines.push(format!("  {}: not generated from the page (would be removed)", stale.display()));
            outcome.out_of_date.push(stale.clone());
        } else if let Err(e) = fs::remove_file(stale) {
            outcome.write_failures.push(format!("{}: cannot remove: {e}", stale.display()));
        } else {
            outcome.lines.push(format!("  removed {}", stale.display()));
        }
    }
    if wanted.is_empty() {
        return;
    }
    if !check && let Err(e) = fs::create_dir_all(dir) {
        outcome.write_failures.push(format!("{}: cannot create: {e}", dir.display()));
        return;
    }
    for (name, text) in wanted {
        let path = dir.join(name);
        let current = fs::read_to_string(&path).ok();
        if current.as_deref() == Some(text.as_str()) {
            continue;
        }
        if check {
            let what = if current.is_some() { "differs from what the page generates" } else { "is missing" };
            outcome.lines.push(format!("  {}: {what}", path.display()));
            if let Some(old) = current {
                let diff = similar::TextDiff::from_lines(&old, text)
                    .unified_diff()
                    .context_radius(2)
                    .header("case file", "regenerated")
                    .to_string();
                outcome.lines.extend(diff.lines().take(40).map(|l| format!("    {l}")));
            }
            outcome.out_of_date.push(path);
        } else if let Err(e) = fs::write(&path, text) {
            outcome.write_failures.push(format!("{}: cannot write: {e}", path.display()));
        } else {
            outcome.lines.push(format!("  wrote {}", path.display()));
        }
    }
}

/// A case name as a file name: letters, digits, `-`, `_` and `.`; everything else becomes `_`.
pub fn file_safe(name: &str) -> String {
    let s: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() || "-_.".contains(c) { c } else { '_' }).collect();
    if s.is_empty() || s.starts_with('.') { format!("case{s}") } else { s }
}
