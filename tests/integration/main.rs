//! The project's integration tests that run under libtest's own harness, as modules of one test
//! binary: one link instead of thirteen, and tests of different files run side by side.
//! `cargo test --test integration cli::` runs one file's tests. The suites, the fault catalogue, the
//! corpus, the HTML report and the JavaScript client are test targets of their own
//! (`harness = false`).

#[path = "../support/mod.rs"]
mod support;

mod add_an_area;
mod cli;
mod diff;
mod failure_reports;
mod hostile_ids;
mod hostile_inputs;
mod hostile_servers;
mod import;
mod live_target;
mod no_area_code;
mod no_hidden_failures;
mod readme;
mod record;
