//! An area of Graph is data (`areas/*.toml`, the metadata, the pages), not code: no string in
//! `src/` (outside its unit tests and comments) names an area's container members, entity types,
//! navigations, bound operations or long property names, as the areas' generated models list them.
//!
//! What only the docs know (what a function computes, navigations returned by default) is in each
//! version's `schemas/<version>/overlay.json`; Graph-wide conventions (the recycle bin
//! `deletedItems`/`restore`, `…Count` totals, `started…`/`completed…` periods) are allowed below.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Files that still name an area, with what they hold (none: keep it so).
const KNOWN_DEBT: &[(&str, &str)] = &[];

/// Names every Graph area shares (or plain words): not an area's own.
const GRAPH_WIDE: &[&str] = &[
    "createdDateTime",
    "lastModifiedDateTime",
    "deletedDateTime",
    "displayName",
    "description",
    "createdBy",
    "lastModifiedBy",
    "settings",
    "subject",
    "target",
    "resource",
    "resources",
    "message",
    "details",
    "summary",
    "values",
    "source",
    "parameters",
    "errors",
    "answers",
    "pattern",
    "status",
    "versions",
    "environment",
    // Graph's recycle bin: `directory/deletedItems` and `directoryObject/restore` in v1.0.
    "deletedItems",
    "restore",
    // HAR's own field.
    "startedDateTime",
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The areas' own names, from the generated models under `schemas/`.
fn area_names() -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for dir in std::fs::read_dir(root().join("schemas")).unwrap().filter_map(|e| e.ok()).map(|e| e.path()) {
        let Ok(text) = std::fs::read_to_string(dir.join("metadata.json")) else { continue };
        let model: serde_json::Value = serde_json::from_str(&text).unwrap();
        for c in model["container"].as_array().into_iter().flatten() {
            names.extend(c["name"].as_str().map(str::to_string));
            names.extend(c["bridge"].as_array().into_iter().flatten().filter_map(|b| b.as_str()).map(str::to_string));
        }
        for (qualified, t) in model["structured"].as_object().into_iter().flatten() {
            if t["referenceOnly"].as_bool() == Some(true) || t["entity"].as_bool() != Some(true) {
                continue;
            }
            names.insert(qualified.rsplit('.').next().unwrap_or_default().to_string());
            for n in t["navigations"].as_array().into_iter().flatten() {
                names.extend(n["name"].as_str().map(str::to_string));
            }
            for p in t["properties"].as_array().into_iter().flatten() {
                names.extend(p["name"].as_str().filter(|n| n.len() >= 12).map(str::to_string));
            }
        }
        for o in model["operations"].as_array().into_iter().flatten() {
            names.extend(o["name"].as_str().map(str::to_string));
        }
    }
    names.retain(|n| n.len() >= 6 && !GRAPH_WIDE.contains(&n.as_str()) && n != "entity");
    names
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().filter_map(|e| e.ok()) {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") && p.file_name().is_some_and(|n| n != "tests.rs") {
            out.push(p);
        }
    }
}

/// The string literals of a file's code: its unit tests and comments left out (a `tests.rs` module
/// file is a unit test).
fn literals(text: &str) -> Vec<String> {
    let code = text.split("#[cfg(test)]").next().unwrap_or("");
    let mut out = Vec::new();
    for line in code.lines().filter(|l| !l.trim_start().starts_with("//")) {
        let mut rest = line;
        while let Some(start) = rest.find('"') {
            let after = &rest[start + 1..];
            let mut end = None;
            let mut escaped = false;
            for (i, c) in after.char_indices() {
                match c {
                    '\\' if !escaped => escaped = true,
                    '"' if !escaped => {
                        end = Some(i);
                        break;
                    }
                    _ => escaped = false,
                }
            }
            let Some(end) = end else { break };
            out.push(after[..end].to_string());
            rest = &after[end + 1..];
        }
    }
    out
}

fn names_in(literal: &str, names: &BTreeSet<String>) -> Vec<String> {
    let words: BTreeSet<&str> = literal.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()).collect();
    names.iter().filter(|n| words.contains(n.as_str())).cloned().collect()
}

#[test]
fn no_code_outside_the_known_files_names_an_area() {
    let names = area_names();
    assert!(names.contains("lifecycleWorkflows") && names.contains("accessPackages"), "{names:?}");
    let mut files = Vec::new();
    rust_files(&root().join("src"), &mut files);
    let mut found: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        let rel = f.strip_prefix(root()).unwrap().to_string_lossy().replace('\\', "/");
        for lit in literals(&text) {
            for n in names_in(&lit, &names) {
                found.entry(rel.clone()).or_default().insert(n);
            }
        }
    }
    let debt: BTreeSet<&str> = KNOWN_DEBT.iter().map(|(f, _)| *f).collect();
    let new: Vec<String> = found
        .iter()
        .filter(|(f, _)| !debt.contains(f.as_str()))
        .map(|(f, n)| format!("{f}: {}", n.iter().cloned().collect::<Vec<_>>().join(", ")))
        .collect();
    assert!(
        new.is_empty(),
        "area names in code (make them data: areas/*.toml, the metadata, the pages):\n{}",
        new.join("\n")
    );
    let paid: Vec<&&str> = debt.iter().filter(|f| !found.contains_key(**f)).collect();
    assert!(paid.is_empty(), "these files no longer name an area: remove them from KNOWN_DEBT: {paid:?}");
}
