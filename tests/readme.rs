//! README stays true to the code: every rule and every catalogued fault is in its tables, and the
//! two commands are the ones this project runs.

mod support;

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

/// The fenced blocks (language, text) of the README's section `title`.
fn blocks_of_section(title: &str) -> Vec<(String, String)> {
    let text = readme();
    let start = text.find(&format!("\n## {title}\n")).unwrap_or_else(|| panic!("README has no section {title}"));
    let rest = &text[start + 4 + title.len()..];
    let section = &rest[..rest.find("\n## ").unwrap_or(rest.len())];
    let mut blocks = Vec::new();
    let mut lines = section.lines();
    while let Some(line) = lines.next() {
        if let Some(lang) = line.strip_prefix("```") {
            let body: Vec<&str> = lines.by_ref().take_while(|l| !l.starts_with("```")).collect();
            blocks.push((lang.to_string(), body.join("\n") + "\n"));
        }
    }
    blocks
}

/// `cargo` in `dir` on this build's target folder (its dependencies are built already), offline.
fn cargo_in(dir: &std::path::Path, target: &std::path::Path, args: &str) -> std::process::Command {
    let mut c = support::clean_command(option_env!("CARGO").unwrap_or("cargo"));
    c.current_dir(dir).env("CARGO_TARGET_DIR", target).env("CARGO_NET_OFFLINE", "true");
    c.args(args.split(' '));
    c
}

/// README's "Use from your own cargo test", as a user copies it: a crate of its own beside nothing,
/// depending on this checkout by path instead of git. Its test runs the built-in suites against the
/// embedded server and passes; against `serve` with a planted fault it fails, and the failure's
/// rerun line, pasted into a shell, runs that one case against the same server and fails the same way.
#[test]
fn the_library_snippet_builds_as_its_own_crate_and_its_rerun_line_reproduces() {
    let blocks = blocks_of_section("Use from your own cargo test");
    let toml = &blocks.iter().find(|(l, _)| l == "toml").expect("a toml block").1;
    let rust = &blocks.iter().find(|(l, _)| l == "rust").expect("a rust block").1;
    let checkout = env!("CARGO_MANIFEST_DIR");
    let dependency =
        toml.lines().find(|l| l.starts_with("graph-conformance = ")).expect("the dependency line").to_string();
    let manifest = format!(
        "[package]\nname = \"my-service\"\nversion = \"0.1.0\"\nedition = \"2024\"\npublish = false\n\n{}\n\
         # This test only: the checkout's test build turns on getrandom's std (proptest's), so the same here reuses\n\
         # every compiled dependency; the checkout's crate is built once more (without its tests' feature), unoptimized.\n\
         [dev-dependencies.getrandom]\nversion = \"0.4\"\nfeatures = [\"std\", \"sys_rng\"]\n\
         [profile.dev.package.graph-conformance]\nopt-level = 0\n",
        toml.replace(&dependency, &format!("graph-conformance = {{ path = {checkout:?} }}"))
    );
    let tmp = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let target = tmp.parent().expect("the target folder").to_path_buf();
    let dir = tmp.join("library-snippet");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("tests")).unwrap();
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(dir.join("Cargo.toml"), manifest).unwrap();
    std::fs::write(dir.join("src/lib.rs"), "").unwrap();
    std::fs::write(dir.join("tests/graph.rs"), rust).unwrap();
    std::fs::copy(format!("{checkout}/Cargo.lock"), dir.join("Cargo.lock")).unwrap();

    // The embedded server: the built-in suites pass (a handful of them, to keep the test short).
    let o = cargo_in(&dir, &target, "test -q --test graph -- identitygovernance-userprocessingresult-get")
        .output()
        .unwrap();
    let out = format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(out.contains("verdict: ok") && !out.contains(" 0 cases passed"), "{out}");

    // A server with a planted fault, reached through the environment as the README says.
    let server = support::serve(env!("CARGO_BIN_EXE_graph-conformance"), &["--fault", "null-non-nullable"]);
    let o = cargo_in(&dir, &target, "test -q --test graph -- identitygovernance-userprocessingresult-get")
        .env("GRAPH_CONFORMANCE_TARGET", &server.1)
        .env("GRAPH_TOKEN", "dev-token")
        .env("GRAPH_CONFORMANCE_PROFILE", "reference")
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    assert_eq!(o.status.code(), Some(101), "{out}{}", String::from_utf8_lossy(&o.stderr));
    let rerun = out
        .lines()
        .find_map(|l| l.trim_start().strip_prefix("rerun: "))
        .unwrap_or_else(|| panic!("no rerun line: {out}"))
        .to_string();
    let expected_start = format!(
        "GRAPH_CONFORMANCE_TARGET={} GRAPH_CONFORMANCE_PROFILE=reference cargo test --test graph -- --exact ",
        server.1
    );
    assert!(rerun.starts_with(&expected_start), "{rerun}");
    assert!(rerun.ends_with("# with GRAPH_TOKEN set") && !rerun.contains("dev-token"), "{rerun}");
    let case = rerun[expected_start.len()..].split("   #").next().unwrap().trim().trim_matches('\'').to_string();

    // Pasted into a shell (with the token set, as the line says): that one case, the same failure.
    let o = support::clean_command("sh")
        .current_dir(&dir)
        .env("CARGO_TARGET_DIR", &target)
        .env("CARGO_NET_OFFLINE", "true")
        .env("GRAPH_TOKEN", "dev-token")
        .args(["-c", &rerun])
        .output()
        .unwrap();
    let again = String::from_utf8_lossy(&o.stdout).into_owned();
    assert_eq!(o.status.code(), Some(101), "{again}{}", String::from_utf8_lossy(&o.stderr));
    assert!(again.contains("1 failed") && again.contains(&case), "{again}");
    assert!(again.contains("0 passed"), "only that case ran: {again}");
}
