//! # graph-conformance
//!
//! A contract-testing and conformance harness for Microsoft Graph APIs, starting with one endpoint
//! done thoroughly: **Get userProcessingResult** (beta, lifecycle workflows), with `$select`.
//!
//! The pipeline, one module per stage:
//!
//! 1. [`import`]: Graph doc pages → case files under `cases/<page>/` (one per request/response pair).
//! 2. [`case`]: case files (and a suite's hand-written `*.suite.json`) → runnable [`case::Case`]s,
//!    plus the cases [`case::derive`] generates from the schema and the documented entities.
//! 3. [`runner`]: cases → libtest-mimic trials (or a stream, for discovery on a live tenant).
//! 4. [`target`]: each request goes to the embedded [`reference`] server or a live service root,
//!    authenticated, bounded in time and size, retried when throttled.
//! 5. [`check`]: the answer against every rule: status, headers, JSON Schema ([`schema`]),
//!    `$select` and `@odata.context` semantics ([`odata`]), evolvable enums, Graph's error contract,
//!    invariants, documented values.
//! 6. [`report`]: failures as data, rendered with the rule, the place, expected vs actual, a diff,
//!    the source line and the command that reruns the case; JSON and JUnit for CI.

pub mod bench;
pub mod case;
pub mod check;
pub mod cli;
pub mod import;
pub mod json_strict;
pub mod metadata;
pub mod odata;
pub mod reference;
pub mod report;
pub mod runner;
pub mod schema;
pub mod target;
