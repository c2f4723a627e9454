//! The importer against the real pages: every page imports without a panic and with the expected
//! number of cases, the seed's cases in `cases/` are exactly what the seed page generates, golden
//! outputs pin a few shapes (a collection, a 204, two named examples), and arbitrary text never
//! panics the scanner or the HTTP parser.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use graph_conformance::import::http_text::{parse_request, parse_response};
use graph_conformance::import::scan::scan;
use graph_conformance::import::{Level, files_of, import, import_page};
use proptest::prelude::*;

const SEED: &str = "../shared/seed/identitygovernance-userprocessingresult-get.md";
const API: &str = "../shared/graph-docs/api-reference/beta/api";

fn shared_available() -> PathBuf {
    let p = PathBuf::from("../shared");
    assert!(
        p.is_dir(),
        "../shared (the seed page and the doc corpus) must sit next to the project root, as on every developer machine and in CI"
    );
    p
}

#[test]
fn the_seed_cases_are_in_sync_with_the_seed_page() {
    shared_available();
    let outcome = import(&[PathBuf::from(SEED)], Path::new("cases"), true);
    assert_eq!(outcome.unreadable, 0, "{:?}", outcome.lines);
    assert!(
        outcome.out_of_date.is_empty(),
        "cases/ disagrees with the seed page; run `cargo run -- import --out cases {SEED}` and review:\n{}",
        outcome.lines.join("\n")
    );
}

/// Request/response pairs per page, counted by hand from the pages (resource and concept pages have none).
const EXPECTED_CASES: &[(&str, usize)] = &[
    ("identitygovernance-customtaskextension-delete", 1),
    ("identitygovernance-customtaskextension-get", 1),
    ("identitygovernance-customtaskextension-update", 1),
    ("identitygovernance-lifecyclemanagementsettings-get", 1),
    ("identitygovernance-lifecyclemanagementsettings-update", 1),
    ("identitygovernance-lifecycleworkflowscontainer-list-customtaskextensions", 1),
    ("identitygovernance-lifecycleworkflowscontainer-list-taskdefinitions", 2),
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
    ("identitygovernance-workflow-list-runs", 2),
    ("identitygovernance-workflow-list-taskreports", 2),
    ("identitygovernance-workflow-list-userprocessingresults", 2),
    ("identitygovernance-workflow-restore", 1),
];

fn pages_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            out.extend(pages_under(&p));
        } else if p.extension().is_some_and(|x| x == "md") && p.file_name().is_some_and(|n| n != "README.md") {
            out.push(p);
        }
    }
    out.sort();
    out
}

#[test]
fn every_corpus_page_imports_with_its_number_of_pairs() {
    let root = shared_available().join("graph-docs");
    let expected: BTreeMap<&str, usize> = EXPECTED_CASES.iter().copied().collect();
    let pages = pages_under(&root);
    assert_eq!(pages.len(), 40, "the corpus has 40 pages");
    for page in pages {
        let text = std::fs::read_to_string(&page).unwrap();
        let imported = import_page(&text, &page.display().to_string());
        let stem = page.file_stem().unwrap().to_string_lossy().into_owned();
        let want = if page.starts_with(root.join("api-reference/beta/api")) { expected[stem.as_str()] } else { 0 };
        assert_eq!(imported.cases.len(), want, "{}: {:?}", page.display(), imported.diagnostics);
        let errors: Vec<_> = imported.diagnostics.iter().filter(|d| d.level == Level::Error).collect();
        assert!(errors.is_empty(), "{}: {errors:?}", page.display());
    }
}

#[test]
fn task_updates_invalid_annotation_is_a_diagnostic_with_its_line() {
    let page = format!("{API}/identitygovernance-task-update.md");
    let text = std::fs::read_to_string(
        shared_available().join("graph-docs/api-reference/beta/api/identitygovernance-task-update.md"),
    )
    .unwrap();
    let imported = import_page(&text, &page);
    let d = imported
        .diagnostics
        .iter()
        .find(|d| d.message.starts_with("annotation JSON has a trailing comma"))
        .expect("a diagnostic");
    assert_eq!(d.line, 105);
    assert_eq!(d.to_string().split(": ").next().unwrap(), format!("{page}:105"));
    assert_eq!(imported.cases.len(), 1, "the rest of the page still imports");
    assert_eq!(imported.cases[0].response.status, graph_conformance::case::StatusSpec::One(204));
}

/// Golden imports: a collection response, a 204, and a page with two named examples.
#[test]
fn golden_imports() {
    shared_available();
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let mut problems = Vec::new();
    for stem in [
        "identitygovernance-workflow-list-runs",
        "identitygovernance-workflow-delete",
        "identitygovernance-run-list-userprocessingresults",
    ] {
        let page = format!("{API}/{stem}.md");
        let imported = import_page(&std::fs::read_to_string(&page).unwrap(), &page);
        let golden = Path::new("tests/import_golden").join(stem);
        if update {
            let _ = std::fs::remove_dir_all(&golden);
            std::fs::create_dir_all(&golden).unwrap();
        }
        for (name, text) in files_of(&imported) {
            let path = golden.join(&name);
            if update {
                std::fs::write(&path, &text).unwrap();
            } else if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
                problems.push(format!("{} differs from the import (UPDATE_GOLDEN=1 rewrites it)", path.display()));
            }
        }
        let on_disk = std::fs::read_dir(&golden).map(|d| d.count()).unwrap_or(0);
        if on_disk != imported.cases.len() {
            problems.push(format!("{}: {on_disk} golden files for {} cases", golden.display(), imported.cases.len()));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn import_writes_only_its_cases_and_is_idempotent() {
    shared_available();
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("import-idempotent");
    let _ = std::fs::remove_dir_all(&out);
    let dir = out.join("identitygovernance-userprocessingresult-get");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("stale.json"), "{}").unwrap();
    let first = import(&[PathBuf::from(SEED)], &out, false);
    assert!(first.lines.iter().any(|l| l.contains("removed") && l.contains("stale.json")), "{:?}", first.lines);
    let mut names: Vec<String> =
        std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    assert_eq!(
        names,
        [
            "lifecycleworkflows_get_run_userprocessingresult_e1.json",
            "lifecycleworkflows_get_run_userprocessingresult_e2.json"
        ]
    );
    for name in &names {
        assert_eq!(
            std::fs::read(dir.join(name)).unwrap(),
            std::fs::read(Path::new("cases/identitygovernance-userprocessingresult-get").join(name)).unwrap(),
            "byte for byte"
        );
    }
    assert!(import(&[PathBuf::from(SEED)], &out, true).out_of_date.is_empty(), "a second import changes nothing");
    std::fs::write(dir.join(&names[0]), "{}").unwrap();
    assert_eq!(import(&[PathBuf::from(SEED)], &out, true).out_of_date.len(), 1, "--check notices an edited file");
}

/// Markdown-ish fragments, so that random pages often contain annotations, fences and HTTP lines.
fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("<!-- {\n  \"blockType\": \"request\",\n  \"name\": \"a\"\n}\n-->\n".to_string()),
        Just(
            "<!-- { \"blockType\": \"response\", \"truncated\": true, \"@odata.type\": \"Collection(x)\" } -->\n"
                .to_string()
        ),
        Just("<!-- { \"blockType\": \"ignored\" } -->\n".to_string()),
        Just("<!-- {\"blockType\": \"response\",\n}\n-->\n".to_string()),
        Just("``` http\n".to_string()),
        Just("~~~json\n".to_string()),
        Just("```\n".to_string()),
        Just("GET https://graph.microsoft.com/beta/a/{id}/b?$select=x,y\n".to_string()),
        Just("HTTP/1.1 200 OK\nContent-Type: application/json\n\n".to_string()),
        Just("{\"a\": [1, {\"b\": null}],}\n".to_string()),
        Just("# [HTTP](#tab/http)\n[!INCLUDE [x](y.md)]\n".to_string()),
        "[\\PC\\r\\n]{0,40}",
        any::<String>(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_pages_never_panic(parts in prop::collection::vec(fragment(), 0..40)) {
        let page = parts.concat();
        let mut diags = Vec::new();
        let _ = scan(&page, "fuzz.md", &mut diags);
        let imported = import_page(&page, "fuzz.md");
        for case in &imported.cases {
            prop_assert!(!case.to_canonical_json().is_empty());
        }
    }

    #[test]
    fn arbitrary_http_text_never_panics(text in any::<String>(), line in 0u32..u32::MAX / 2) {
        let mut diags = Vec::new();
        let _ = parse_request(&text, "fuzz.md", line, &mut diags);
        let _ = parse_response(&text, "fuzz.md", line, &mut diags);
    }
}
