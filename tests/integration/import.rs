//! The importer on the project's own test pages (`tests/pages/`, written for these tests): every
//! annotation and pairing form, the slips it recovers from, golden case files, CRLF, write
//! failures, lint's findings, and arbitrary text that never panics. Tests against Microsoft's real
//! pages are in `tests/corpus.rs`.

use crate::support;

use std::path::{Path, PathBuf};

use graph_conformance::case::StatusSpec;
use graph_conformance::import::http_text::{parse_request, parse_response};
use graph_conformance::import::scan::scan;
use graph_conformance::import::source::PageSource;
use graph_conformance::import::{Level, files_of, import, import_page};

const FEATURES: &str = "tests/pages/importer-features.md";
const TEMPLATE_PAGE: &str = "tests/pages/identitygovernance-workflowtemplate-get.md";
const BUGS: &str = "tests/pages/doc-bugs.md";

fn read(p: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(p)).unwrap()
}

fn imported(p: &str) -> graph_conformance::import::PageImport {
    let text = read(p);
    import_page(&text, p, &PageSource::of(Path::new(p), &text, None))
}

#[test]
fn every_annotation_and_pairing_form_is_read() {
    let page = imported(FEATURES);
    let names: Vec<&str> = page.cases.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        ["first_run", "second_run", "delete_run", "importer-features-example-4", "twice", "twice_2"],
        "{:?}",
        page.diagnostics
    );
    let first = &page.cases[0];
    assert_eq!(
        first.request.path,
        "/identityGovernance/lifecycleWorkflows/workflows/a1b2c3d4-0000-4000-8000-000000000001/runs/a1b2c3d4-0000-4000-8000-000000000011"
    );
    assert_eq!(
        first.response.body.as_ref().unwrap()["totalTasksCount"],
        2,
        "a trailing comma and tabs are read as meant"
    );
    assert_eq!(
        first.path_template.as_deref(),
        Some("/identityGovernance/lifecycleWorkflows/workflows/{workflow_id}/runs/{runId}"),
        "double braces normalized"
    );
    assert_eq!(first.path_params["runId"], "a1b2c3d4-0000-4000-8000-000000000011");
    assert_eq!(first.query_options, ["$select", "$filter", "$orderBy"]);
    let second = &page.cases[1];
    assert_eq!(
        second.request.query.as_deref(),
        Some("$filter=processingStatus eq 'completed'&$select=id,processingStatus"),
        "a query with spaces, from a ~~~ fence"
    );
    assert!(second.response.is_collection, "Collection(...) unwraps into isCollection");
    assert_eq!(second.response.odata_type.as_deref(), Some("microsoft.graph.identityGovernance.run"));
    assert_eq!(second.response.nullable_properties, ["completedDateTime"], "an annotation with a trailing comma");
    let delete = &page.cases[2];
    assert_eq!(
        (delete.request.method.as_str(), &delete.response.status, &delete.response.body),
        ("DELETE", &StatusSpec::One(204), &None)
    );
    assert!(delete.request.headers.is_empty(), "Content-length is not replayed");
    let inferred = &page.cases[3];
    assert!(inferred.response.expect_error && inferred.response.is_empty, "flags are read");
    assert_eq!(inferred.response.body, None, "a body that is not JSON leaves the case without one");
    assert_eq!(page.cases[4].request.path, "/identityGovernance/lifecycleWorkflows/settings");
    assert_eq!(
        page.cases[5].request.path, "/identityGovernance/lifecycleWorkflows/taskDefinitions",
        "by name, the latest request of that name"
    );
}

#[test]
fn every_slip_has_a_diagnostic_with_its_line() {
    let page = imported(FEATURES);
    let lines: Vec<(u32, Level, &str)> =
        page.diagnostics.iter().map(|d| (d.line, d.level, d.message.as_str())).collect();
    let has = |line: u32, level: Level, needle: &str| {
        lines.iter().any(|(l, lv, m)| *l == line && *lv == level && m.contains(needle))
    };
    assert!(has(58, Level::Warning, "trailing comma"), "{lines:#?}");
    assert!(has(61, Level::Warning, "annotation JSON has a trailing comma"), "{lines:#?}");
    assert!(has(72, Level::Warning, "duplicate key \"processingStatus\""), "{lines:#?}");
    assert!(has(84, Level::Warning, "Content-length"), "{lines:#?}");
    assert!(has(103, Level::Error, "not valid JSON"), "{lines:#?}");
    assert!(has(118, Level::Warning, "used 2 times"), "{lines:#?}");
    assert!(has(128, Level::Error, "no request before it has that name"), "{lines:#?}");
}

#[test]
fn crlf_pages_import_as_lf_pages_do() {
    let text = read(FEATURES);
    let crlf = text.replace('\n', "\r\n");
    let source = PageSource::of(Path::new(FEATURES), &text, None);
    let a = import_page(&text, FEATURES, &source);
    let b = import_page(&crlf, FEATURES, &source);
    assert_eq!(a.cases, b.cases);
    assert_eq!(
        a.diagnostics.iter().map(|d| d.line).collect::<Vec<_>>(),
        b.diagnostics.iter().map(|d| d.line).collect::<Vec<_>>()
    );
}

/// Golden case files of the test pages: `UPDATE_GOLDEN=1 cargo test --test import` rewrites them.
#[test]
fn golden_imports_of_the_test_pages() {
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let mut problems = Vec::new();
    for page in [FEATURES, TEMPLATE_PAGE] {
        let imported = imported(page);
        let stem = Path::new(page).file_stem().unwrap().to_string_lossy().into_owned();
        let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/import_golden").join(&stem);
        if update {
            let _ = std::fs::remove_dir_all(&golden);
            std::fs::create_dir_all(&golden).unwrap();
        }
        let files = files_of(&imported);
        for (name, text) in &files {
            let path = golden.join(name);
            if update {
                std::fs::write(&path, text).unwrap();
            } else if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
                problems.push(format!("{} differs from the import (UPDATE_GOLDEN=1 rewrites it)", path.display()));
            }
        }
        let on_disk = std::fs::read_dir(&golden).map(|d| d.count()).unwrap_or(0);
        if on_disk != files.len() {
            problems.push(format!("{}: {on_disk} golden files for {} cases", golden.display(), files.len()));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn sources_name_the_page_the_same_way_whatever_its_local_spelling() {
    let text = read(TEMPLATE_PAGE);
    let relative = PageSource::of(Path::new(TEMPLATE_PAGE), &text, None);
    let absolute = PageSource::of(&Path::new(env!("CARGO_MANIFEST_DIR")).join(TEMPLATE_PAGE), &text, None);
    assert_eq!(relative, absolute);
    assert_eq!(relative.repo_path, "api-reference/beta/api/identitygovernance-workflowtemplate-get.md");
    assert_eq!(
        relative.url,
        "https://learn.microsoft.com/graph/api/identitygovernance-workflowtemplate-get?view=graph-rest-beta"
    );
    let rooted = PageSource::of(Path::new(TEMPLATE_PAGE), &text, Some(Path::new("tests")));
    assert_eq!(rooted.repo_path, "pages/identitygovernance-workflowtemplate-get.md", "--docs-root decides");
    let case = &imported(TEMPLATE_PAGE).cases[0];
    assert!(!case.to_canonical_json().contains("tests/pages"), "no local path in a case file");
}

#[test]
fn import_writes_only_its_cases_is_idempotent_and_check_notices_edits() {
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("import-idempotent");
    let _ = std::fs::remove_dir_all(&out);
    let dir = out.join("identitygovernance-workflowtemplate-get");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("stale.json"), "{}").unwrap();
    let pages = [PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(TEMPLATE_PAGE)];
    let first = import(&pages, &out, false, None);
    assert!(first.write_failures.is_empty(), "{:?}", first.write_failures);
    assert!(first.lines.iter().any(|l| l.contains("removed") && l.contains("stale.json")), "{:?}", first.lines);
    let mut names: Vec<String> =
        std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    assert_eq!(names, ["conformance_get_workflowtemplate.json", "conformance_get_workflowtemplate_select.json"]);
    assert!(import(&pages, &out, true, None).out_of_date.is_empty(), "a second import changes nothing");
    // Integration tests run in the package's root, so the relative spelling names the same page.
    let relative = [PathBuf::from(TEMPLATE_PAGE)];
    assert!(import(&relative, &out, true, None).out_of_date.is_empty(), "the same answer for a relative spelling");
    std::fs::write(dir.join(&names[0]), "{}").unwrap();
    assert_eq!(import(&pages, &out, true, None).out_of_date.len(), 1, "--check notices an edited file");
}

#[test]
fn an_import_that_cannot_write_says_where_and_why() {
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("import-blocked");
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&out).unwrap();
    // A file where the suite's folder must go.
    std::fs::write(out.join("identitygovernance-workflowtemplate-get"), "not a folder").unwrap();
    let pages = [PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(TEMPLATE_PAGE)];
    let outcome = import(&pages, &out, false, None);
    assert_eq!(outcome.write_failures.len(), 1, "{:?}", outcome.lines);
    assert!(
        outcome.write_failures[0].contains("identitygovernance-workflowtemplate-get: cannot create"),
        "{:?}",
        outcome.write_failures
    );
    let o = support::clean_command(env!("CARGO_BIN_EXE_graph-conformance"))
        .args(["import", "--out"])
        .arg(&out)
        .arg(&pages[0])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stderr).contains("cannot create"));
}

#[test]
fn lint_names_each_kind_of_doc_bug() {
    let schemas =
        graph_conformance::schema::SchemaSet::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/beta"))
            .unwrap();
    let found = graph_conformance::import::lint::lint_page(&read(BUGS), BUGS, Some(&schemas));
    let text: Vec<String> = found.iter().map(|d| d.to_string()).collect();
    for needle in [
        "12: warning: the URL template uses double braces",
        "12: warning: the URL /identityGovernance/lifecycleWorkflows/workflow/{{workflow_id}}/runs/ ends with '/'",
        "12: warning: the URL names 'workflow', which the metadata does not know; it has 'workflows'",
        "13: warning: the URL /identityGovernance/lifecycleWorkflows/workflowz/{id} does not resolve against the metadata: segment 'workflowz'",
        "25: warning: the annotation's @odata.type is microsoft.graph.identityGovernance.run, but the request's path returns microsoft.graph.identityGovernance.userProcessingResult",
        "27: warning: the example shows id a1b2c3d4-0000-4000-8000-000000000999, but its request reads",
        "27: warning: the example is not a valid microsoft.graph.identityGovernance.userProcessingResult",
        "45: warning: the $select example shows unselected properties: category",
        "45: warning: the context's select list (category,id) is not the request's (id,displayName)",
        "59: warning: a request example without its annotation",
    ] {
        assert!(text.iter().any(|t| t.contains(needle)), "lint lacks: {needle}\n{}", text.join("\n"));
    }
    let clean = graph_conformance::import::lint::lint_page(&read(TEMPLATE_PAGE), TEMPLATE_PAGE, Some(&schemas));
    assert!(clean.is_empty(), "a sound page has no finding: {clean:?}");
}

/// Markdown-ish fragments, so that random pages often contain annotations, fences and HTTP lines.
const FRAGMENTS: &[&str] = &[
    "<!-- {\n  \"blockType\": \"request\",\n  \"name\": \"a\"\n}\n-->\n",
    "<!-- { \"blockType\": \"response\", \"truncated\": true, \"@odata.type\": \"Collection(x)\" } -->\n",
    "<!-- { \"blockType\": \"ignored\" } -->\n",
    "<!-- {\"blockType\": \"response\",\n}\n-->\n",
    "``` http\n",
    "~~~json\n",
    "```\n",
    "GET https://graph.microsoft.com/beta/a/{id}/b?$select=x,y&$filter=a eq 'b c'\n",
    "HTTP/1.1 200 OK\nContent-Type: application/json\n\n",
    "{\"a\": [1, {\"b\": null}],}\n",
    "# [HTTP](#tab/http)\n[!INCLUDE [x](y.md)]\n",
    "## Optional query parameters\nThis method supports the `$select` and `$x`.\n",
];

/// Up to `max` random characters: mostly printable ASCII and line breaks, some from anywhere in
/// Unicode (the parsers index by bytes, so multi-byte characters are where they would slip).
fn random_text(rng: &mut fastrand::Rng, max: usize) -> String {
    (0..rng.usize(0..=max))
        .map(|_| match rng.u8(0..10) {
            0 => '\n',
            1 => '\r',
            2 => rng.char(..),
            _ => rng.char(' '..='~'),
        })
        .collect()
}

/// Runs `body` on `n` random inputs from `make`; a panic names the seed and the input, and
/// `FUZZ_SEED=<seed>` runs the same inputs again.
fn fuzz(n: usize, make: impl Fn(&mut fastrand::Rng) -> String, body: impl Fn(&str)) {
    let seed = std::env::var("FUZZ_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(|| fastrand::u64(..));
    let mut rng = fastrand::Rng::with_seed(seed);
    for _ in 0..n {
        let input = make(&mut rng);
        if std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| body(&input))).is_err() {
            panic!("panicked on input {input:?} (FUZZ_SEED={seed} reproduces it)");
        }
    }
}

#[test]
fn arbitrary_pages_never_panic() {
    let page = |rng: &mut fastrand::Rng| {
        (0..rng.usize(0..40))
            .map(|_| match rng.usize(0..FRAGMENTS.len() + 2) {
                i if i < FRAGMENTS.len() => FRAGMENTS[i].to_string(),
                _ => random_text(rng, 40),
            })
            .collect::<String>()
    };
    fuzz(512, page, |page| {
        let mut diags = Vec::new();
        let _ = scan(page, "fuzz.md", &mut diags);
        let imported = import_page(page, "fuzz.md", &PageSource::of(Path::new("fuzz.md"), page, None));
        for case in &imported.cases {
            assert!(!case.to_canonical_json().is_empty());
        }
    });
}

#[test]
fn arbitrary_http_text_never_panics() {
    fuzz(
        512,
        |rng| random_text(rng, 200),
        |text| {
            let line = fastrand::u32(0..u32::MAX / 2);
            let mut diags = Vec::new();
            let _ = parse_request(text, "fuzz.md", line, &mut diags);
            let _ = parse_response(text, "fuzz.md", line, &mut diags);
        },
    );
}
