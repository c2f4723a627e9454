//! The `graph-conformance` command line.

fn main() -> std::process::ExitCode {
    graph_conformance::cli()
}
