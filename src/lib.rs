//! # graph-conformance
//!
//! A contract-testing and conformance harness for Microsoft Graph APIs: the lifecycle-workflows
//! family of the beta API, driven by Graph's own metadata (CSDL) and the documentation's examples.
//!
//! The pipeline, one module per stage:
//!
//! 0. [`metadata`]: Graph's CSDL → the model and the JSON Schemas under `schemas/`.
//! 1. [`import`]: Graph doc pages → case files under `cases/<page>/` (one per request/response pair).
//! 2. [`case`]: case files → runnable [`case::Case`]s, each path resolved against the model, plus
//!    the cases [`case::derive`] generates per endpoint.
//! 3. [`runner`]: cases → libtest-mimic trials (or a stream, for discovery on a live tenant).
//! 4. [`target`]: each request goes to the embedded [`reference`] server or a live service root,
//!    authenticated, bounded in time and size, retried when throttled.
//! 5. [`check`]: the answer against every rule: status, headers, JSON Schema ([`schema`]),
//!    `$select` and `@odata.context` semantics ([`odata`]), evolvable enums, Graph's error contract,
//!    invariants, documented values.
//! 6. [`report`]: failures as data, rendered with the rule, the place, expected vs actual, a diff,
//!    the source line and the command that reruns the case; JSON, JUnit, HTML and HAR for CI.
//!
//! [`diff`] compares a candidate server with a baseline on the same requests; [`record`] turns a
//! live tenant's answers into redacted case files.

pub mod area;
pub mod bench;
pub mod bundled;
pub mod case;
pub mod check;
pub mod cli;
pub mod diff;
pub mod import;
pub mod json_strict;
pub mod metadata;
pub mod odata;
pub mod record;
pub mod reference;
pub mod report;
pub mod runner;
pub mod safe_path;
pub mod schema;
pub mod target;

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
