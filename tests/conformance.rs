//! `cargo test` runs the suite here: every case under `cases/` (and every derived case) is a
//! libtest-mimic trial named `<suite>::<case>`, against the embedded reference server, or against
//! `GRAPH_CONFORMANCE_TARGET` with `GRAPH_TOKEN` when set. libtest's flags work: `--list`,
//! `--exact`, `--skip`, `--ignored`, `--test-threads`, filters; so does `cargo nextest run`.
//! It is the README's "Use from your own cargo test" target, with this checkout's case files.

fn main() -> std::process::ExitCode {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    match graph_conformance::Conformance::from_env() {
        Ok(c) => c.cases(root.join("cases")).schemas(root.join("schemas")).main(),
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::from(2)
        }
    }
}
