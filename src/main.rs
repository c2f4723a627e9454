//! The `graph-conformance` command line.

/// mimalloc for the binary (not for a crate that uses the library): see Cargo.toml.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    graph_conformance::cli()
}
