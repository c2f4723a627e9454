//! README, "Add an area of Graph", end to end: an area the project has never seen (made up for
//! this test in `tests/areas/widgets`: its own CSDL, pages and area file) goes green with the
//! README's commands alone, and `serve` serves it.

use crate::support;

use std::path::{Path, PathBuf};
use std::process::Output;

const BIN: &str = env!("CARGO_BIN_EXE_graph-conformance");

fn widgets() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/areas/widgets")
}

fn cli(dir: &Path, args: &[&str]) -> Output {
    support::clean_command(BIN).current_dir(dir).args(args).output().unwrap()
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// A fresh project folder holding the area file under `areas/`, as a user's would.
fn project(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gc-area-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("areas")).unwrap();
    std::fs::copy(widgets().join("widgets.toml"), dir.join("areas/widgets.toml")).unwrap();
    dir
}

fn build(dir: &Path) {
    let (pages, metadata) = (widgets().join("pages"), widgets().join("metadata"));
    let o = cli(dir, &["area", "--docs", pages.to_str().unwrap(), "--metadata", metadata.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    let out = text(&o);
    assert!(out.contains("cases/v1.0: 3 pages of Widgets"), "{out}");
    assert!(dir.join("schemas/v1.0/metadata.json").is_file() && dir.join("cases/v1.0/widget-get").is_dir(), "{out}");
    let again =
        cli(dir, &["area", "--check", "--docs", pages.to_str().unwrap(), "--metadata", metadata.to_str().unwrap()]);
    assert!(again.status.success(), "a second build changes nothing: {}", text(&again));
}

#[test]
fn a_new_area_goes_green_from_its_csdl_and_pages() {
    let dir = project("run");
    build(&dir);
    let list = cli(&dir, &["run", "--list"]);
    let names: Vec<String> = String::from_utf8_lossy(&list.stdout)
        .lines()
        .filter_map(|l| l.strip_suffix(": test"))
        .map(str::to_string)
        .collect();
    for expected in [
        "v1.0/widget-get::get_widget",
        "v1.0/widget-get::derived::select_color",
        "v1.0/widget-get::derived::unknown_widgetId",
        "v1.0/widgethub-list-widgets::derived::paging",
        "v1.0/widget-list-parts::list_parts",
    ] {
        assert!(names.iter().any(|n| n == expected), "{expected} is not among {names:?}");
    }
    let json = dir.join("report.json");
    let o = cli(&dir, &["run", "-q", "--json", json.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    let report: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(report["counts"]["passed"].as_u64(), Some(names.len() as u64), "{}", text(&o));
    assert_eq!(report["counts"]["failed"].as_u64(), Some(0));
    // Every GET path of its tree is read: the pages' three, and the rest from the metadata.
    let o = cli(&dir, &["coverage", "--fail-on-none"]);
    assert!(o.status.success(), "{}", text(&o));
    let out = text(&o);
    for line in [
        "v1.0     derived                     single    /widgetHub",
        "v1.0     documented                  entity    /widgetHub/widgets/{widgetId}",
        "v1.0     derived                     entity    /widgetHub/widgets/{widgetId}/parts/{partId}",
        "v1.0     derived                     reference /widgetHub/widgets/{widgetId}/owner",
    ] {
        assert!(out.contains(line), "{line:?} is not in:\n{out}");
    }
    assert!(names.iter().any(|n| n == "v1.0/metadata::get_widgets_by_key_parts_by_key"), "{names:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_served_area_passes_its_own_suites_over_http() {
    let dir = project("serve");
    build(&dir);
    let cases = dir.join("cases");
    let schemas = dir.join("schemas");
    let server = support::serve(BIN, &["--cases", cases.to_str().unwrap(), "--schemas", schemas.to_str().unwrap()]);
    assert!(server.1.ends_with("/v1.0"), "serve prints the area's root: {}", server.1);
    let o = cli(&dir, &["run", "-q", "--target", &server.1, "--token", "t", "--profile", "reference"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("verdict: ok"), "{}", text(&o));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn its_synthetic_tenant_is_walked_by_discovery() {
    let dir = project("discover");
    build(&dir);
    let (cases, schemas) = (dir.join("cases"), dir.join("schemas"));
    let server = support::serve(
        BIN,
        &[
            "--cases",
            cases.to_str().unwrap(),
            "--schemas",
            schemas.to_str().unwrap(),
            "--entities",
            "120",
            "--page-size",
            "25",
        ],
    );
    let json = dir.join("discover.json");
    let o = cli(
        &dir,
        &["run", "-q", "--target", &server.1, "--token", "t", "--discover", "--json", json.to_str().unwrap()],
    );
    assert!(o.status.success(), "{}", text(&o));
    let report: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let names: Vec<&str> = report["cases"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert!(!names.iter().any(|n| n.ends_with("::no_entity")), "every level has entities: {names:?}");
    // 120 synthetic widgets (after the documented ones), through pages of 25; 12 parts under each
    // of the first two.
    let synthetic =
        |n: &str| n.rsplit(['/', ':']).next().is_some_and(graph_conformance::reference::synthetic::is_synthetic);
    let widgets = names.iter().filter(|n| n.starts_with("discovery::parts::") && synthetic(n)).count();
    assert_eq!(widgets, 120, "each synthetic widget's parts were listed");
    let parts = names.iter().filter(|n| n.contains("::discovered::list_consistency::") && synthetic(n)).count();
    assert!(parts >= 120 + 2 * 12, "every synthetic entity was read by key: {parts}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_broken_area_file_is_named_with_what_is_wrong() {
    let dir = project("broken");
    std::fs::write(
        dir.join("areas/widgets.toml"),
        "name = \"Widgets\"\n[[versions]]\nversion = \"v3\"\ncsdl = \"w.csdl\"\nroots = [\"/w\"]\n",
    )
    .unwrap();
    let o = cli(&dir, &["area", "--docs", ".", "--metadata", "."]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("areas/widgets.toml: version \"v3\" is not one of beta, v1.0"), "{}", text(&o));
    let _ = std::fs::remove_dir_all(&dir);
}
