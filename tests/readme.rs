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

/// The long flags a command's `--help` lists.
fn flags_of(command: &str) -> (Vec<String>, String) {
    let out =
        std::process::Command::new(env!("CARGO_BIN_EXE_graph-conformance")).args([command, "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut flags = Vec::new();
    for line in help.lines() {
        let t = line.trim_start();
        if !t.starts_with('-') {
            continue;
        }
        for word in t.split([' ', ',']) {
            if let Some(f) = word.strip_prefix("--") {
                let name: String = f.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-').collect();
                if !name.is_empty() && name != "help" && name != "version" {
                    flags.push(format!("--{name}"));
                }
            }
        }
    }
    (flags, help)
}

#[test]
fn every_flag_of_every_command_is_in_the_readme_and_help_says_nothing_borrowed() {
    let text = readme();
    for command in ["run", "serve", "import", "lint", "schemas", "diff", "record", "bench"] {
        let (flags, help) = flags_of(command);
        assert!(!flags.is_empty(), "{command} --help lists flags");
        assert!(help.contains("Examples:"), "{command} --help has examples");
        for flag in flags {
            assert!(text.contains(&format!("`{flag}")), "README does not mention {command} {flag}");
        }
        for borrowed in ["Usefull", "tests are run on serially", "Json output", "Run ignored and not ignored tests"] {
            assert!(!help.contains(borrowed), "{command} --help still says libtest's \"{borrowed}\"");
        }
    }
    let (_, help) = flags_of("run");
    for heading in ["Target:", "Auth:", "Selection:", "Output:", "Limits:"] {
        assert!(help.contains(heading), "run --help groups its flags under {heading}");
    }
}
