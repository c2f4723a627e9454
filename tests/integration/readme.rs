//! README stays true to the code: every rule and every catalogued fault is in its tables, and the
//! two commands are the ones this project runs.

use crate::support;

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
    let mut c = nested_cargo_env(support::clean_command(option_env!("CARGO").unwrap_or("cargo")));
    c.current_dir(dir).env("CARGO_TARGET_DIR", target).env("CARGO_NET_OFFLINE", "true");
    c.args(args.split(' '));
    c
}

/// A cargo started from this test sees the environment the outer `cargo test` saw: without the
/// variables cargo sets for a test process. A build script that watches one (ring's watches
/// `CARGO_MANIFEST_DIR`) would otherwise run again, and everything above it would be rebuilt in the
/// shared target folder, here and in the next `cargo test`.
fn nested_cargo_env(mut c: std::process::Command) -> std::process::Command {
    for (k, _) in std::env::vars_os() {
        let k = k.to_string_lossy();
        let set_by_cargo = k.starts_with("CARGO_PKG_")
            || k.starts_with("CARGO_BIN_EXE_")
            || matches!(
                k.as_ref(),
                "CARGO_MANIFEST_DIR"
                    | "CARGO_MANIFEST_PATH"
                    | "CARGO_CRATE_NAME"
                    | "CARGO_PRIMARY_PACKAGE"
                    | "CARGO_RUSTC_CURRENT_DIR"
                    | "CARGO_TARGET_TMPDIR"
            );
        if set_by_cargo {
            c.env_remove(k.as_ref());
        }
    }
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
    // The README's lines but its profile, then the checkout's profiles: a dependency built with other
    // settings than the checkout's test build would be built again, and all above it (minutes).
    let toml = toml.replace(&dependency, &format!("graph-conformance = {{ path = {checkout:?} }}"));
    let toml_without_profiles = toml.split("\n[profile").next().unwrap_or_default();
    let cargo_toml = std::fs::read_to_string(format!("{checkout}/Cargo.toml")).unwrap();
    let profiles = &cargo_toml[cargo_toml.find("\n[profile").expect("the checkout's profiles")..];
    let manifest = format!(
        "[package]\nname = \"my-service\"\nversion = \"0.1.0\"\nedition = \"2024\"\npublish = false\n\n\
         {toml_without_profiles}\n{profiles}\n\
         # This test only: the checkout's crate is built once more (without its tests' feature), unoptimized.\n\
         [profile.dev.package.graph-conformance]\nopt-level = 0\n"
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
    let o = nested_cargo_env(support::clean_command("sh"))
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

/// A command line split into words as `sh` would (quotes, backslashes); `$VAR` is left as written.
fn words(line: &str) -> Vec<String> {
    let (mut out, mut word, mut quote, mut escaped, mut started) = (Vec::new(), String::new(), None, false, false);
    for c in line.chars() {
        match (quote, c) {
            (_, _) if escaped => {
                word.push(c);
                escaped = false;
            }
            (None, '\\') => escaped = true,
            (None, '\'' | '"') => {
                quote = Some(c);
                started = true;
            }
            (Some(q), _) if c == q => quote = None,
            (None, ' ' | '\t') => {
                if started || !word.is_empty() {
                    out.push(std::mem::take(&mut word));
                }
                started = false;
            }
            _ => word.push(c),
        }
    }
    if started || !word.is_empty() {
        out.push(word);
    }
    out
}

/// Every command of README's `sh` blocks: (block, line) with continuations joined and the trailing
/// comment dropped.
fn readme_commands() -> Vec<(usize, String)> {
    let text = readme();
    let mut out = Vec::new();
    let mut block = 0;
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if line.trim() != "```sh" {
            continue;
        }
        block += 1;
        let mut pending = String::new();
        for l in lines.by_ref().take_while(|l| !l.starts_with("```")) {
            let l = l.trim();
            if let Some(rest) = l.strip_suffix('\\') {
                pending.push_str(rest);
                continue;
            }
            pending.push_str(l);
            // A comment starts at ` #` outside quotes (README's commands quote no `#`).
            let code = match pending.find("  #").or_else(|| pending.find(" # ")) {
                Some(i) => pending[..i].trim().to_string(),
                None => pending.trim().to_string(),
            };
            if !code.is_empty() && !code.starts_with('#') {
                out.push((block, code));
            }
            pending.clear();
        }
    }
    out
}

/// What a README command is, once its program is known.
enum Program {
    /// `graph-conformance ARGS` or `cargo run [--release] -- ARGS`.
    Harness(Vec<String>),
    Cargo(Vec<String>),
    Curl(Vec<String>),
    /// `export`, `kill`: the shell's own.
    Shell,
}

fn program(line: &str) -> (Vec<(String, String)>, Program) {
    let mut w = words(line);
    let mut env = Vec::new();
    while let Some((k, v)) =
        w.first().and_then(|f| f.split_once('=')).filter(|(k, _)| k.chars().all(|c| c == '_' || c.is_ascii_uppercase()))
    {
        env.push((k.to_string(), v.to_string()));
        w.remove(0);
    }
    let p = match w.first().map(String::as_str) {
        Some("graph-conformance") => Program::Harness(w[1..].to_vec()),
        Some("cargo") if w.get(1).map(String::as_str) == Some("run") => {
            let dash = w.iter().position(|x| x == "--").expect("cargo run -- ARGS");
            Program::Harness(w[dash + 1..].to_vec())
        }
        Some("cargo") => Program::Cargo(w[1..].to_vec()),
        Some("curl") => Program::Curl(w[1..].to_vec()),
        Some("export" | "kill") => Program::Shell,
        other => panic!("README runs an unknown program {other:?}: {line}"),
    };
    (env, p)
}

/// Placeholders README writes for the reader's own values, and what stands for them here.
fn substitute(args: &[String], work: &std::path::Path, page: &str) -> Vec<String> {
    let checkout = env!("CARGO_MANIFEST_DIR");
    args.iter()
        .map(|a| {
            let a = a.replace('~', &work.join("home").to_string_lossy());
            match a.as_str() {
                "PAGE.md" | "PAGE.md..." => page.to_string(),
                "DIR" => format!("{checkout}/cases"),
                "DIR/cases" => format!("{checkout}/cases"),
                "DIR/schemas" => format!("{checkout}/schemas"),
                _ => a,
            }
        })
        .collect()
}

/// Every command in README's `sh` blocks is a valid command line of its program, and those that need
/// neither Microsoft's corpus, the network nor minutes are executed here and succeed:
/// - the harness's: each parses (flags exist, values parse); `run`, `serve`, `diff`, `record`,
///   `coverage`, `lint`, `completions` and `man` run, every service root README names (real Graph, a
///   staging host, `127.0.0.1:8080`) standing for a `serve` this test starts, with a token, and a
///   `run`/`diff` without a filter narrowed to the seed suite; `serve` runs until it prints its root.
///   `area`, `import` and `schemas` need Microsoft's pages or metadata (`tests/corpus.rs` runs them),
///   `bench` takes minutes (`cargo run --release -- bench` is the benchmark): those parse only.
/// - `cargo test --test NAME -- --exact CASE` names a test target and a case that exist; `cargo nextest
///   run --profile P` a profile of `.config/nextest.toml`.
/// - `curl` against the served root answers a page of the list it names.
#[test]
fn every_readme_command_parses_and_the_local_ones_run() {
    let checkout = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let bin = env!("CARGO_BIN_EXE_graph-conformance");
    let work = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("readme-commands");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(work.join("home")).unwrap();
    std::fs::write(work.join("noise.json"), "{\"*\": []}\n").unwrap();
    let page = checkout.join("tests/pages/identitygovernance-workflowtemplate-get.md").to_string_lossy().into_owned();
    let server = support::serve(bin, &[]);
    let other = support::serve(bin, &[]);
    let origin = server.1.trim_end_matches("/beta").to_string();
    let other_origin = other.1.trim_end_matches("/beta").to_string();
    let listed =
        String::from_utf8(support::clean_command(bin).args(["run", "--list"]).output().unwrap().stdout).unwrap();
    let cargo_toml = std::fs::read_to_string(checkout.join("Cargo.toml")).unwrap();
    let nextest = std::fs::read_to_string(checkout.join(".config/nextest.toml")).unwrap();
    let (mut executed, mut parsed) = (0, 0);
    for (block, line) in readme_commands() {
        let (env, prog) = program(&line);
        let at = format!("README sh block {block}: {line}");
        match prog {
            Program::Shell => {}
            Program::Curl(args) => {
                let url = args.iter().find(|a| a.starts_with("http")).expect("a URL");
                let path = url.replace("http://127.0.0.1:8080/beta", "");
                let page = server.get_json(&path);
                assert!(page["value"].as_array().is_some_and(|v| !v.is_empty()), "{at}: {page}");
                executed += 1;
            }
            Program::Cargo(args) => {
                let a: Vec<&str> = args.iter().map(String::as_str).collect();
                match a.as_slice() {
                    ["test", rest @ ..] => {
                        if let Some(i) = rest.iter().position(|x| *x == "--test") {
                            let name = rest[i + 1];
                            let known = cargo_toml.contains(&format!("name = \"{name}\""))
                                || checkout.join(format!("tests/{name}.rs")).is_file()
                                || checkout.join(format!("tests/{name}/main.rs")).is_file()
                                || name == "graph";
                            assert!(known, "{at}: no test target {name}");
                        }
                        if let Some(i) = rest.iter().position(|x| *x == "--exact") {
                            let case = rest[i + 1];
                            assert!(listed.lines().any(|l| l == format!("{case}: test")), "{at}: no case {case}");
                        }
                    }
                    ["nextest", "run", rest @ ..] => {
                        if let Some(i) = rest.iter().position(|x| *x == "--profile") {
                            assert!(nextest.contains(&format!("[profile.{}]", rest[i + 1])), "{at}");
                        }
                    }
                    ["install", ..] => {
                        assert!(a.contains(&"--locked") && (a.contains(&"--git") || a.contains(&"--path")), "{at}");
                    }
                    _ => panic!("{at}: a cargo command this test does not know"),
                }
                parsed += 1;
            }
            Program::Harness(args) => {
                let mut args = substitute(&args, &work, &page);
                let (redirect, args_no_redirect) = match args.iter().position(|a| a == ">") {
                    Some(i) => (Some(args[i + 1].clone()), args[..i].to_vec()),
                    None => (None, args.clone()),
                };
                args = args_no_redirect;
                let background = args.last().is_some_and(|a| a == "&");
                if background {
                    args.pop();
                }
                let refs: Vec<&str> = args.iter().map(String::as_str).collect();
                graph_conformance::cli::parses(&refs).unwrap_or_else(|e| panic!("{at}: {e}"));
                parsed += 1;
                let command = args[0].as_str();
                let needs_corpus = args.iter().any(|a| a.starts_with('$') || a.starts_with("DOCS") || a == "CSDL_DIR")
                    || matches!(command, "area" | "import" | "schemas" | "bench");
                if needs_corpus || args.iter().any(|a| a == "--tls") {
                    continue;
                }
                // Every service root README names is a served one here.
                let mut args: Vec<String> = args
                    .iter()
                    .map(|a| {
                        a.replace("https://graph.microsoft.com", &origin)
                            .replace("http://127.0.0.1:8080", &origin)
                            .replace("https://graph.contoso.test", &other_origin)
                            .replace("https://staging.contoso.test", &other_origin)
                            .replace("http://127.0.0.1:9090", &other_origin)
                    })
                    .collect();
                if command == "serve" {
                    // On a port of its own (support::serve adds `--port 0`).
                    if let Some(i) = args.iter().position(|a| a == "--port") {
                        args.drain(i..i + 2);
                    }
                    let refs: Vec<&str> = args[1..].iter().map(String::as_str).collect();
                    let s = support::serve(bin, &refs);
                    assert!(s.1.starts_with("http"), "{at}: serve printed {:?}", s.1);
                    executed += 1;
                    continue;
                }
                let filtered = args.iter().skip(1).any(|a| !a.starts_with('-') && !is_value_of_flag(&args, a));
                if matches!(command, "run" | "diff") && !filtered && !args.iter().any(|a| a == "--list") {
                    args.push("identitygovernance-userprocessingresult-get".into());
                }
                let mut c = support::clean_command(bin);
                c.current_dir(&work)
                    .args(&args)
                    .env("GRAPH_TOKEN", "readme-token")
                    .env("CANDIDATE_TOKEN", "readme-token");
                for (k, v) in &env {
                    c.env(k, v);
                }
                let o = c.output().unwrap();
                let out = format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
                assert_eq!(o.status.code(), Some(0), "{at}\nran: {args:?}\n{out}");
                if let Some(path) = redirect {
                    std::fs::create_dir_all(std::path::Path::new(&path).parent().unwrap()).unwrap();
                    std::fs::write(&path, &o.stdout).unwrap();
                    assert!(!o.stdout.is_empty(), "{at}: printed nothing");
                }
                executed += 1;
            }
        }
    }
    eprintln!("README commands: {executed} executed, {parsed} parsed");
    assert!(executed >= 20 && parsed >= 40, "executed {executed}, parsed {parsed}");
    drop(other);
}

/// Whether `word` is the value of the flag before it (`--out recorded`), not a positional filter.
fn is_value_of_flag(args: &[String], word: &str) -> bool {
    const SWITCHES: &[&str] = &[
        "--discover",
        "--list",
        "--exact",
        "--no-learn",
        "--no-auth",
        "-q",
        "--quiet",
        "--fail-on-none",
        "--tls-self-signed",
        "--in-process",
        "--startup",
        "--allow-writes",
        "--check",
        "--deny-warnings",
    ];
    args.iter()
        .position(|a| a == word)
        .is_some_and(|i| i > 0 && args[i - 1].starts_with('-') && !SWITCHES.contains(&args[i - 1].as_str()))
}
