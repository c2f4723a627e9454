//! The tests that read Microsoft's own pages and metadata, the team's shared resources. A clone of
//! the project has neither, so each of these trials takes its folder from an environment variable
//! (`GRAPH_DOCS_DIR`, `GRAPH_SEED_DIR`, `GRAPH_METADATA_DIR`), else `../shared/...` when it exists,
//! and is reported as ignored, with the reason, when neither is there. `.ci/run` sets the variables,
//! so CI runs them all.

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use graph_conformance::import::source::PageSource;
use graph_conformance::import::{Level, files_of, import_page};
use libtest_mimic::{Arguments, Completion, Failed, Trial};

type Check = fn(&Dirs) -> Result<(), String>;

/// The shared folders, or why each is missing.
struct Dirs {
    docs: Result<PathBuf, String>,
    seed: Result<PathBuf, String>,
    metadata: Result<PathBuf, String>,
}

impl Dirs {
    fn api(&self) -> Result<PathBuf, String> {
        Ok(self.docs.clone()?.join("api-reference/beta/api"))
    }
}

#[derive(Clone, Copy)]
enum Needs {
    Docs,
    Metadata,
    DocsAndSeed,
    All,
}

fn main() -> std::process::ExitCode {
    let args = Arguments::from_args();
    let tests: &[(&str, Needs, Check)] = &[
        ("corpus::every_page_imports_with_its_number_of_pairs", Needs::Docs, every_page_imports),
        ("corpus::task_updates_invalid_annotation_is_a_diagnostic", Needs::Docs, task_update_diagnostic),
        ("corpus::golden_imports_of_real_pages", Needs::Docs, golden_imports),
        ("corpus::areas_are_in_sync_with_their_pages_and_metadata", Needs::All, areas_in_sync),
        ("corpus::every_api_page_of_the_corpus_belongs_to_an_area", Needs::Docs, every_page_in_an_area),
        ("corpus::lint_names_the_real_pages_doc_bugs", Needs::Docs, lint_real_pages),
        ("corpus::the_v1_metadata_generates_sound_schemas", Needs::Metadata, v1_generates),
        ("corpus::every_documented_body_validates_or_lint_names_it", Needs::DocsAndSeed, documented_bodies_validate),
    ];
    let trials = tests
        .iter()
        .map(|(name, needs, check)| {
            let (name, needs, check) = (*name, *needs, *check);
            Trial::ignorable_test(name, move || {
                let dirs = Dirs {
                    docs: support::shared_dir("GRAPH_DOCS_DIR", "../shared/graph-docs"),
                    seed: support::shared_dir("GRAPH_SEED_DIR", "../shared/seed"),
                    metadata: support::shared_dir("GRAPH_METADATA_DIR", "../shared/graph-metadata"),
                };
                let missing = match needs {
                    Needs::Docs => dirs.docs.as_ref().err(),
                    Needs::Metadata => dirs.metadata.as_ref().err(),
                    Needs::DocsAndSeed => dirs.docs.as_ref().err().or(dirs.seed.as_ref().err()),
                    Needs::All => {
                        dirs.docs.as_ref().err().or(dirs.seed.as_ref().err()).or(dirs.metadata.as_ref().err())
                    }
                };
                if let Some(reason) = missing {
                    return Ok(Completion::ignored_with(reason));
                }
                check(&dirs).map(|()| Completion::Completed).map_err(Failed::from)
            })
        })
        .collect();
    libtest_mimic::run(&args, trials).exit_code()
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn pages_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = entry.path();
        if p.is_dir() {
            out.extend(pages_under(&p));
        } else if p.extension().is_some_and(|x| x == "md") && p.file_name().is_some_and(|n| n != "README.md") {
            out.push(p);
        }
    }
    out.sort();
    out
}

fn ensure(ok: bool, message: impl FnOnce() -> String) -> Result<(), String> {
    if ok { Ok(()) } else { Err(message()) }
}

/// Request/response pairs per API page, counted by hand from the pages (resource and concept pages
/// have none).
const EXPECTED_CASES: &[(&str, usize)] = &[
    ("identitygovernance-customtaskextension-delete", 1),
    ("identitygovernance-customtaskextension-get", 1),
    ("identitygovernance-customtaskextension-update", 1),
    ("identitygovernance-insights-workflowsprocessedsummary", 1),
    ("identitygovernance-lifecyclemanagementsettings-get", 1),
    ("identitygovernance-lifecyclemanagementsettings-update", 1),
    ("identitygovernance-lifecycleworkflowscontainer-list-customtaskextensions", 1),
    ("identitygovernance-lifecycleworkflowscontainer-list-deleteditems", 2),
    ("identitygovernance-lifecycleworkflowscontainer-list-taskdefinitions", 2),
    ("identitygovernance-lifecycleworkflowscontainer-list-workflows", 2),
    ("identitygovernance-run-get", 2),
    ("identitygovernance-run-list-taskprocessingresults", 2),
    ("identitygovernance-run-list-userprocessingresults", 2),
    ("identitygovernance-run-summary", 1),
    ("identitygovernance-task-get", 2),
    ("identitygovernance-task-update", 1),
    ("identitygovernance-taskdefinition-get", 1),
    ("identitygovernance-taskprocessingresult-resume", 1),
    ("identitygovernance-taskreport-list-taskprocessingresults", 2),
    ("identitygovernance-taskreport-summary", 1),
    ("identitygovernance-userprocessingresult-get", 2),
    ("identitygovernance-userprocessingresult-list-taskprocessingresults", 4),
    ("identitygovernance-userprocessingresult-summary", 1),
    ("identitygovernance-workflow-activate", 1),
    ("identitygovernance-workflow-delete", 1),
    ("identitygovernance-workflow-get", 2),
    ("identitygovernance-workflow-list-runs", 2),
    ("identitygovernance-workflow-list-task", 1),
    ("identitygovernance-workflow-list-taskreports", 2),
    ("identitygovernance-workflow-list-userprocessingresults", 2),
    ("identitygovernance-workflow-list-versions", 2),
    ("identitygovernance-workflow-restore", 1),
    ("identitygovernance-workflowversion-get", 2),
];

fn every_page_imports(d: &Dirs) -> Result<(), String> {
    let docs = d.docs.clone()?;
    let expected: BTreeMap<&str, usize> = EXPECTED_CASES.iter().copied().collect();
    let pages = pages_under(&docs);
    // The corpus grows (v1.0 beside beta, more areas): its manifest, SOURCES.tsv, lists every page.
    let manifest = std::fs::read_to_string(docs.join("SOURCES.tsv")).map_err(|e| format!("SOURCES.tsv: {e}"))?;
    let listed = manifest.lines().skip(1).filter(|l| !l.trim().is_empty()).count();
    ensure(pages.len() == listed, || format!("SOURCES.tsv lists {listed} pages, the folder holds {}", pages.len()))?;
    let beta_family = pages.iter().filter(|p| p.starts_with(docs.join("api-reference/beta"))).count();
    ensure(beta_family == 45, || format!("the beta family has 45 pages (33 API, 12 resource), found {beta_family}"))?;
    for page in pages {
        let text = std::fs::read_to_string(&page).map_err(|e| e.to_string())?;
        let imported = import_page(&text, &page.display().to_string(), &PageSource::of(&page, &text, Some(&docs)));
        // Every page imports (no panic, bounded); the beta family's API pages with their counted pairs.
        if !page.starts_with(docs.join("api-reference/beta")) {
            continue;
        }
        let stem = page.file_stem().unwrap_or_default().to_string_lossy().into_owned();
        let want = if page.starts_with(d.api()?) {
            *expected.get(stem.as_str()).ok_or_else(|| format!("{stem}: a new API page; count its pairs and add it"))?
        } else {
            0
        };
        ensure(imported.cases.len() == want, || {
            format!("{}: {} cases, {want} expected; {:?}", page.display(), imported.cases.len(), imported.diagnostics)
        })?;
        let errors: Vec<_> = imported.diagnostics.iter().filter(|d| d.level == Level::Error).collect();
        ensure(errors.is_empty(), || format!("{}: {errors:?}", page.display()))?;
    }
    Ok(())
}

fn task_update_diagnostic(d: &Dirs) -> Result<(), String> {
    let page = d.api()?.join("identitygovernance-task-update.md");
    let text = std::fs::read_to_string(&page).map_err(|e| e.to_string())?;
    let shown = page.display().to_string();
    let imported = import_page(&text, &shown, &PageSource::of(&page, &text, None));
    let diag = imported
        .diagnostics
        .iter()
        .find(|d| d.message.starts_with("annotation JSON has a trailing comma"))
        .ok_or("no diagnostic for the annotation's trailing comma")?;
    ensure(diag.line == 105, || format!("line {}", diag.line))?;
    ensure(diag.to_string().starts_with(&format!("{shown}:105: warning:")), || diag.to_string())?;
    ensure(imported.cases.len() == 1, || "the rest of the page still imports".into())
}

/// Golden imports of real pages: a collection, a 204, two named examples.
fn golden_imports(d: &Dirs) -> Result<(), String> {
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let mut problems = Vec::new();
    for stem in [
        "identitygovernance-workflow-list-runs",
        "identitygovernance-workflow-delete",
        "identitygovernance-run-list-userprocessingresults",
    ] {
        let page = d.api()?.join(format!("{stem}.md"));
        let text = std::fs::read_to_string(&page).map_err(|e| e.to_string())?;
        let imported = import_page(&text, &page.display().to_string(), &PageSource::of(&page, &text, None));
        let golden = root().join("tests/import_golden").join(stem);
        if update {
            let _ = std::fs::remove_dir_all(&golden);
            std::fs::create_dir_all(&golden).map_err(|e| e.to_string())?;
        }
        let files = files_of(&imported);
        for (name, text) in &files {
            let path = golden.join(name);
            if update {
                std::fs::write(&path, text).map_err(|e| e.to_string())?;
            } else if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
                problems.push(format!("{} differs from the import (UPDATE_GOLDEN=1 rewrites it)", path.display()));
            }
        }
        let on_disk = std::fs::read_dir(&golden).map(|d| d.count()).unwrap_or(0);
        if on_disk != files.len() {
            problems.push(format!("{}: {on_disk} golden files for {} cases", golden.display(), files.len()));
        }
    }
    ensure(problems.is_empty(), || problems.join("\n"))
}

/// The family's pages as `cases/` holds them: every API page, but the seed's own (newer) version of
/// its page.
fn family_pages(d: &Dirs) -> Result<Vec<PathBuf>, String> {
    Ok(pages_under(&d.api()?)
        .into_iter()
        .filter(|p| !p.ends_with("identitygovernance-userprocessingresult-get.md"))
        .collect())
}

fn lint_real_pages(d: &Dirs) -> Result<(), String> {
    let schemas = graph_conformance::schema::SchemaSet::load(&root().join("schemas/beta"))?;
    let mut all = Vec::new();
    for page in pages_under(&d.api()?) {
        let text = std::fs::read_to_string(&page).map_err(|e| e.to_string())?;
        let stem = page.file_name().unwrap_or_default().to_string_lossy().into_owned();
        all.extend(
            graph_conformance::import::lint::lint_page(&text, &stem, Some(&schemas)).into_iter().map(|d| d.to_string()),
        );
    }
    for needle in [
        "identitygovernance-workflow-list-task.md:72: warning: the URL names 'workflow', which the metadata does not know; it has 'workflows'",
        "identitygovernance-task-get.md:87: warning: the URL names 'workflow'",
        "identitygovernance-workflow-get.md:196: warning: a request example without its annotation",
        "identitygovernance-workflow-list-runs.md:77: warning: the URL /identityGovernance/lifecycleWorkflows/workflows/14879e66-9ea9-48d0-804d-8fea672d0341/runs/ ends with '/'",
        "identitygovernance-insights-workflowsprocessedsummary.md:102: warning: body JSON has a trailing comma",
        "identitygovernance-userprocessingresult-get.md:111: warning: the annotation's @odata.type is microsoft.graph.identityGovernance.run, but the request's path returns microsoft.graph.identityGovernance.userProcessingResult",
        "identitygovernance-task-get.md:161: warning: the example shows id eedd8043-90a1-4e3c-9112-b2a8917ea3ae, but its request reads 4d9d41d7-a8e1-4f2f-8c8c-a883bc02e6ee",
        "identitygovernance-workflow-list-userprocessingresults.md:40: warning: the URL /workflow/userProcessingResults does not resolve against the metadata: segment 'workflow'",
    ] {
        ensure(all.iter().any(|l| l.contains(needle)), || format!("lint lacks: {needle}\n{}", all.join("\n")))?;
    }
    Ok(())
}

fn v1_generates(d: &Dirs) -> Result<(), String> {
    let csdl = d.metadata.clone()?.join("v1.0-Prod.csdl");
    let text = std::fs::read_to_string(&csdl).map_err(|e| e.to_string())?;
    let files = graph_conformance::metadata::schema_files(
        &text,
        "v1.0-Prod.csdl",
        &graph_conformance::metadata::Scope::Namespaces(vec!["microsoft.graph.identityGovernance".into()]),
    )?;
    ensure(
        files.len() > 50
            && files.contains_key("identityGovernance.workflow.json")
            && files.contains_key("metadata.json"),
        || format!("{} files: {:?}", files.len(), files.keys().collect::<Vec<_>>()),
    )?;
    // The generated documents compile.
    let docs: Vec<(String, serde_json::Value)> = files
        .iter()
        .filter(|(n, _)| *n != "metadata.json")
        .map(|(n, t)| Ok((n.clone(), serde_json::from_str(t).map_err(|e| format!("{n}: {e}"))?)))
        .collect::<Result<_, String>>()?;
    graph_conformance::schema::SchemaSet::from_documents(docs).map(|_| ())
}

/// The oracle, from the docs themselves: every documented success body of the family validates
/// against the generated schema of the type its path returns, or lint names why it does not.
fn documented_bodies_validate(d: &Dirs) -> Result<(), String> {
    let schemas = graph_conformance::schema::SchemaSet::load(&root().join("schemas/beta"))?;
    let mut pages = family_pages(d)?;
    pages.push(d.seed.clone()?.join("identitygovernance-userprocessingresult-get.md"));
    let mut problems = Vec::new();
    for page in pages {
        let text = std::fs::read_to_string(&page).map_err(|e| e.to_string())?;
        let shown = page.display().to_string();
        let found = graph_conformance::import::lint::lint_page(&text, &shown, Some(&schemas));
        let imported = import_page(&text, &shown, &PageSource::of(&page, &text, None));
        for pair in &imported.pairs {
            let Some(body) = &pair.response.body else { continue };
            let Ok(r) = schemas.model().resolve(&pair.request.path) else { continue };
            let (type_name, collection) = match &r.shape {
                graph_conformance::metadata::resolve::Shape::Entity(t) => (t.clone(), false),
                graph_conformance::metadata::resolve::Shape::Collection(t) => (t.clone(), true),
                graph_conformance::metadata::resolve::Shape::Value { type_name, collection } => {
                    (type_name.clone(), *collection)
                }
                _ => continue,
            };
            let v = schemas.validator_for(&type_name, collection, None, true)?;
            let truncated = pair.response_annotation.flag("truncated");
            let invalid = v
                .errors(body, usize::MAX)
                .iter()
                .any(|e| !(truncated && matches!(e.kind, graph_conformance::schema::ErrorKind::Required { .. })));
            let named = found.iter().any(|d| d.line == pair.response_line && d.message.contains("not a valid"));
            if invalid && !named && !r.is_action() {
                problems.push(format!(
                    "{shown}:{}: the example does not validate against {type_name}, and lint does not say so",
                    pair.response_line
                ));
            }
        }
    }
    ensure(problems.is_empty(), || problems.join("\n"))
}

/// `area --check` over the project's area files: `cases/` and `schemas/` are what the areas' pages
/// (the seed's newer copy of its page replacing the docs') and metadata give.
fn areas_in_sync(d: &Dirs) -> Result<(), String> {
    let o = support::clean_command(env!("CARGO_BIN_EXE_graph-conformance"))
        .current_dir(root())
        .args(["area", "--check", "--docs"])
        .arg(d.docs.clone()?)
        .arg("--docs")
        .arg(d.seed.clone()?)
        .arg("--metadata")
        .arg(d.metadata.clone()?)
        .output()
        .map_err(|e| e.to_string())?;
    let text = format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    ensure(o.status.success(), || {
        format!(
            "cases/ or schemas/ disagree with the areas (exit {:?}); run `cargo run -- area --docs $GRAPH_DOCS_DIR --docs $GRAPH_SEED_DIR --metadata $GRAPH_METADATA_DIR` and review:\n{text}",
            o.status.code()
        )
    })
}

/// Every API page of the corpus (each version) is some area's: a page nobody claims is a suite
/// nobody runs.
fn every_page_in_an_area(d: &Dirs) -> Result<(), String> {
    let areas = graph_conformance::area::load_dir(&root().join("areas"))?;
    let docs = d.docs.clone()?;
    let mut orphans = Vec::new();
    for version in ["beta", "v1.0"] {
        let dir = docs.join("api-reference").join(version).join("api");
        for page in pages_under(&dir) {
            let name = page.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let claimed = areas
                .iter()
                .filter_map(|a| a.version(version))
                .any(|v| v.pages.iter().any(|p| graph_conformance::area::matches(p, &name)));
            if !claimed {
                orphans.push(format!("{version}/{name}"));
            }
        }
    }
    ensure(orphans.is_empty(), || {
        format!("pages no area file claims (add a pattern to areas/*.toml): {}", orphans.join(", "))
    })
}
