//! `graph-conformance area`: an area's cases and schemas, rebuilt from its pages and metadata as
//! its area file (`areas/*.toml`) says.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

/// Flags of `area`.
#[derive(Args, Debug)]
#[command(after_help = "Examples:
  graph-conformance area --docs DOCS --metadata CSDL_DIR                  every area under areas/
  graph-conformance area --docs DOCS --metadata CSDL_DIR areas/my-area.toml
  graph-conformance area --docs DOCS --docs NEWER --metadata CSDL_DIR --check   exit 1 if anything would change

DOCS is a checkout of Microsoft's docs (pages under api-reference/<version>/api/) or a folder of
pages; CSDL_DIR holds the CSDL files the area files name (a copy of https://graph.microsoft.com/v1.0/$metadata).")]
pub struct AreaArgs {
    /// Area files; default: every `*.toml` under `areas/`.
    files: Vec<PathBuf>,
    /// Where the pages are: a docs checkout or a folder of pages; repeatable, a later folder's
    /// page replaces an earlier one of the same file name.
    #[arg(long, value_name = "DIR", required = true)]
    docs: Vec<PathBuf>,
    /// The folder holding the CSDL files the area files name.
    #[arg(long, value_name = "DIR")]
    metadata: PathBuf,
    /// The cases folder: each version's cases go to CASES/<version>/<page>/.
    #[arg(long, default_value = "cases", value_name = "DIR")]
    cases: PathBuf,
    /// The schemas folder: each version's go to SCHEMAS/<version>/.
    #[arg(long, default_value = "schemas", value_name = "DIR")]
    schemas: PathBuf,
    /// The folder of area files when none are named.
    #[arg(long, default_value = "areas", value_name = "DIR")]
    areas: PathBuf,
    /// Write nothing; exit 1 when rebuilding would add, change or remove a file.
    #[arg(long)]
    check: bool,
}

pub fn area(a: AreaArgs) -> Result<ExitCode, String> {
    let areas = if a.files.is_empty() {
        crate::area::load_dir(&a.areas)?
    } else {
        a.files.iter().map(|f| crate::area::load(f)).collect::<Result<Vec<_>, _>>()?
    };
    for d in &a.docs {
        if !d.is_dir() {
            return Err(format!("--docs {}: not a folder", d.display()));
        }
    }
    let at = crate::area::sync::Folders { docs: &a.docs, metadata: &a.metadata, cases: &a.cases, schemas: &a.schemas };
    let outcome = crate::area::sync::sync(&areas, &at, a.check)?;
    // The pages' own findings are lint's to show (`graph-conformance lint`); the sync shows
    // what it writes or would change.
    for line in outcome.lines.iter().filter(|l| !l.contains(": warning: ") && !l.ends_with(" (0 error(s))")) {
        crate::report::term::outln!("{line}");
    }
    for s in &outcome.strays {
        crate::report::term::outln!(
            "{}: no area page gives this folder: remove it, or add its page's pattern to an area file",
            s.display()
        );
    }
    if outcome.errors > 0 {
        crate::report::term::outln!(
            "{} page(s) or example(s) could not be imported (the rest were): `graph-conformance lint` names them",
            outcome.errors
        );
    }
    if a.check && (outcome.out_of_date > 0 || !outcome.strays.is_empty()) {
        crate::report::term::outln!(
            "{} file(s) and {} folder(s) are out of date with the areas: run the same command without --check and review the change",
            outcome.out_of_date,
            outcome.strays.len()
        );
        return Ok(ExitCode::from(1));
    }
    Ok(if outcome.errors > 0 { ExitCode::from(1) } else { ExitCode::SUCCESS })
}
