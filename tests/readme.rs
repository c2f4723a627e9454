//! README stays true to the code: every rule and every catalogued fault is in its tables, and the
//! two commands are the ones this project runs.

use graph_conformance::check::RULES;
use graph_conformance::reference::FAULTS;

fn readme() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap()
}

#[test]
fn every_rule_is_in_the_rules_table_with_its_source() {
    let text = readme();
    for r in RULES {
        let row = format!("| `{}` | {} | {} |", r.id, r.requires, r.source);
        assert!(text.contains(&row), "README lacks the row of rule {}:\n{row}", r.id);
    }
}

#[test]
fn every_fault_is_in_the_catalogue_table_with_the_rule_that_catches_it() {
    let text = readme();
    for f in FAULTS {
        let how = if f.needs_discovery() {
            format!("`{}` (with `--discover`)", f.caught_by)
        } else {
            format!("`{}`", f.caught_by)
        };
        let row = format!("| `{}` | {} | {} | {} |", f.name, f.area, f.description, how);
        assert!(text.contains(&row), "README lacks the row of fault {}:\n{row}", f.name);
    }
}

#[test]
fn the_two_commands_are_documented_and_ci_runs_the_test_one() {
    let text = readme();
    assert!(text.contains("cargo run --release -- run "));
    assert!(text.contains("cargo test "));
    let ci = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/.ci/run")).unwrap();
    assert!(ci.contains("\ncargo test"), ".ci/run calls the README's test command");
}
