//! # graph-conformance
//!
//! A contract-testing and conformance harness for Microsoft Graph: suites built from the
//! documentation's request/response examples and from Graph's metadata (CSDL), for any area in
//! v1.0 and beta, run as libtest-mimic trials against an embedded reference server (offline) or a
//! live service root, each answer judged against JSON Schema and OData's rules.
//!
//! The API is [`Conformance`] (what to run, against what, with which reports), its [`Error`], the
//! [`Profile`] answers are judged by, and the libtest-mimic types a test target needs
//! ([`Arguments`], [`Trial`], [`Conclusion`]).
//!
//! ## In your own `cargo test`
//!
//! `Cargo.toml`:
//!
//! ```toml
//! [dev-dependencies]
//! graph-conformance = { git = "https://example.invalid/graph-conformance" }
//!
//! [[test]]
//! name = "graph"
//! harness = false
//! ```
//!
//! `tests/graph.rs` (the embedded server by default; `GRAPH_CONFORMANCE_TARGET` and `GRAPH_TOKEN`
//! point it at a real service):
//!
//! ```no_run
//! fn main() -> std::process::ExitCode {
//!     match graph_conformance::Conformance::from_env() {
//!         Ok(conformance) => conformance.main(),
//!         Err(e) => {
//!             eprintln!("error: {e}");
//!             std::process::ExitCode::from(2)
//!         }
//!     }
//! }
//! ```
//!
//! Your own trials beside the suites, in one run:
//!
//! ```no_run
//! use graph_conformance::{Arguments, Conformance, Trial};
//!
//! fn main() -> std::process::ExitCode {
//!     let args = Arguments::from_args();
//!     let mut trials = match Conformance::new().target("http://127.0.0.1:8080/beta") {
//!         Ok(c) => c.no_auth().trials().unwrap_or_else(|e| panic!("{e}")),
//!         Err(e) => panic!("{e}"),
//!     };
//!     trials.push(Trial::test("my_server::starts", || Ok(())));
//!     graph_conformance::libtest_mimic::run(&args, trials).exit_code()
//! }
//! ```
//!
//! The pipeline inside (area → metadata → case → request → target → checks → report) is one
//! folder per stage under `src/`: `area`, `metadata`, `import`, `case`, `runner`, `target`
//! (with the embedded `reference` server), `check`, `report`; `diff` compares two servers and
//! `record` turns a live tenant's answers into case files. They are not part of the API.

// Without `internals`, the items only the project's tests reach (test doubles, accessors) are
// unused; the tests' build turns the feature on and lints the same code.
#![cfg_attr(not(feature = "internals"), allow(dead_code, unused_imports))]

/// The pipeline's modules: `pub` (and hidden from the docs) only with the `internals` feature,
/// which the project's own tests turn on; a user's build sees only the API below.
macro_rules! internal_modules {
    ($($name:ident),* $(,)?) => {$(
        #[cfg(feature = "internals")]
        #[doc(hidden)]
        pub mod $name;
        #[cfg(not(feature = "internals"))]
        mod $name;
    )*};
}

mod conformance;
mod error;
mod request_id;

pub use check::Profile;
pub use conformance::Conformance;
pub use error::Error;
/// The libtest-mimic types a test target needs: its arguments, its trials and its conclusion.
pub use libtest_mimic::{self, Arguments, Conclusion, Trial};

internal_modules!(
    area,
    bench,
    bundled,
    case,
    check,
    cli,
    diff,
    import,
    json_strict,
    metadata,
    odata,
    record,
    reference,
    report,
    runner,
    safe_path,
    schema,
    target
);

/// Runs the `graph-conformance` command line with this process's arguments and returns its exit
/// code (the binary is this one call).
pub fn cli() -> std::process::ExitCode {
    cli::main()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fault catalogue and the rules table meet only here: each fault names a rule that exists.
    #[test]
    fn every_fault_is_caught_by_a_rule_that_exists() {
        for f in reference::FAULTS {
            assert!(check::rule(f.caught_by).is_some(), "{} names unknown rule {}", f.name, f.caught_by);
        }
    }
}
