//! The cases and schemas of a set of areas, rebuilt from their pages and metadata: for each
//! version, `schemas/<version>` from the one CSDL the version's areas name (the union of their
//! roots or namespaces), and `cases/<version>/<page>/` from every page their patterns match.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::Area;
use crate::metadata::Scope;

/// Where things are.
pub struct Folders<'a> {
    /// Docs folders, in order: a page found in a later folder replaces one of the same file name
    /// found in an earlier one (a newer copy of a page).
    pub docs: &'a [PathBuf],
    /// The folder holding the CSDL files the areas name.
    pub metadata: &'a Path,
    /// `cases/` and `schemas/`: each version goes to its own folder below them.
    pub cases: &'a Path,
    pub schemas: &'a Path,
}

/// What a sync did, or (with `check`) would do.
#[derive(Debug, Default)]
pub struct SyncOutcome {
    pub lines: Vec<String>,
    /// Files that differ from what the pages and metadata give (written, or with `check` not).
    pub out_of_date: usize,
    /// Pages that could not be read, examples that could not be imported.
    pub errors: usize,
    /// Case folders no area page gives.
    pub strays: Vec<PathBuf>,
}

/// One page to import: its file, and the docs checkout it belongs to (for its repository path).
struct Page {
    path: PathBuf,
    docs_root: Option<PathBuf>,
}

/// Rebuilds (or with `check`, compares) every version the areas have.
pub fn sync(areas: &[Area], at: &Folders<'_>, check: bool) -> Result<SyncOutcome, String> {
    if areas.is_empty() {
        return Err("no area files: write one under areas/ (see README, \"Add an area of Graph\")".into());
    }
    let mut out = SyncOutcome::default();
    for version in crate::runner::versions::VERSIONS {
        let of: Vec<(&Area, &super::AreaVersion)> =
            areas.iter().filter_map(|a| a.version(version).map(|v| (a, v))).collect();
        if of.is_empty() {
            continue;
        }
        let job = Job { version, of: &of, at, check };
        job.schemas(&mut out)?;
        job.cases(&mut out)?;
    }
    Ok(out)
}

/// One version's part of a sync: the areas that have it, and where things go.
struct Job<'a> {
    version: &'a str,
    of: &'a [(&'a Area, &'a super::AreaVersion)],
    at: &'a Folders<'a>,
    check: bool,
}

impl Job<'_> {
    fn schemas(&self, out: &mut SyncOutcome) -> Result<(), String> {
        let Job { version, of, at, check } = *self;
        let csdl = &of[0].1.csdl;
        if let Some((a, v)) = of.iter().find(|(_, v)| &v.csdl != csdl) {
            return Err(format!(
                "{}: {version} uses {}, but {} uses {csdl}: the areas of one version share one CSDL",
                a.file.display(),
                v.csdl,
                of[0].0.file.display()
            ));
        }
        let by_roots = of.iter().filter(|(_, v)| !v.roots.is_empty()).count();
        if by_roots != 0 && by_roots != of.len() {
            return Err(format!(
                "the areas of {version} choose their types differently (some by `roots`, some by `namespaces`): use one way for all"
            ));
        }
        let mut picked: Vec<String> = Vec::new();
        for (_, v) in of {
            for r in if by_roots == 0 { &v.namespaces } else { &v.roots } {
                if !picked.contains(r) {
                    picked.push(r.clone());
                }
            }
        }
        let scope = if by_roots == 0 { Scope::Namespaces(picked) } else { Scope::Roots(picked) };
        let path = at.metadata.join(csdl);
        let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
        let files = crate::metadata::schema_files(&text, csdl, &scope)?;
        let dir = at.schemas.join(version);
        let written = crate::metadata::write_schemas(&files, &dir, check)?;
        out.out_of_date += written.out_of_date.len();
        out.lines.extend(written.lines);
        out.lines.push(format!("{}: {} files for {} ({csdl})", dir.display(), files.len(), scope.describe()));
        Ok(())
    }

    fn cases(&self, out: &mut SyncOutcome) -> Result<(), String> {
        let Job { version, of, at, check } = *self;
        // File name → page; a later docs folder wins.
        let mut pages: BTreeMap<String, Page> = BTreeMap::new();
        for docs in at.docs {
            let nested = docs.join("api-reference").join(version).join("api");
            let (folder, docs_root) = if nested.is_dir() { (nested, Some(docs.clone())) } else { (docs.clone(), None) };
            let Ok(rd) = std::fs::read_dir(&folder) else { continue };
            let mut names: Vec<String> = rd
                .filter_map(|e| e.ok())
                .filter(|e| e.path().is_file())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect();
            names.sort();
            for name in names {
                // A folder of pages without the docs' layout holds pages of any version: a page is
                // this version's when its examples call it.
                let this_version = || {
                    docs_root.is_some()
                        || std::fs::read_to_string(folder.join(&name))
                            .is_ok_and(|t| t.contains(&format!("graph.microsoft.com/{version}/")))
                };
                if of.iter().any(|(_, v)| v.pages.iter().any(|p| super::matches(p, &name))) && this_version() {
                    pages.insert(
                        name.to_ascii_lowercase(),
                        Page { path: folder.join(&name), docs_root: docs_root.clone() },
                    );
                }
            }
        }
        let dir = at.cases.join(version);
        if pages.is_empty() {
            out.lines.push(format!("{}: no page of the areas was found in {}", dir.display(), shown(at.docs)));
            return Ok(());
        }
        let mut by_root: BTreeMap<Option<PathBuf>, Vec<PathBuf>> = BTreeMap::new();
        for p in pages.values() {
            by_root.entry(p.docs_root.clone()).or_default().push(p.path.clone());
        }
        for (root, list) in &by_root {
            let imported = crate::import::import(list, &dir, check, root.as_deref());
            if !imported.write_failures.is_empty() {
                return Err(format!("cannot write the cases:\n  {}", imported.write_failures.join("\n  ")));
            }
            out.out_of_date += imported.out_of_date.len();
            out.errors += imported.unreadable + imported.errors;
            out.lines.extend(imported.lines);
        }
        let stems: Vec<String> =
            pages.values().map(|p| crate::import::page::stem(&p.path.display().to_string())).collect();
        if let Ok(rd) = std::fs::read_dir(&dir) {
            let mut strays: Vec<PathBuf> = rd
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_dir() && !stems.iter().any(|s| p.file_name().is_some_and(|n| n == s.as_str())))
                .collect();
            strays.sort();
            out.strays.extend(strays);
        }
        out.lines.push(format!("{}: {} pages of {}", dir.display(), pages.len(), names(of)));
        Ok(())
    }
}

fn names(of: &[(&Area, &super::AreaVersion)]) -> String {
    of.iter().map(|(a, _)| a.name.as_str()).collect::<Vec<_>>().join(", ")
}

fn shown(dirs: &[PathBuf]) -> String {
    dirs.iter().map(|d| d.display().to_string()).collect::<Vec<_>>().join(", ")
}
