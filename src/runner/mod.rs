//! The runner: cases become libtest-mimic trials ([`run_libtest`]), or, for discovery on a live
//! tenant, a stream of per-entity cases ([`discover`]). Both share [`execute::execute`].
//!
//! case → [`plan`] → [`execute`] (request → target → [`crate::check`]) → [`crate::report`].

pub mod config;
pub mod ctx;
pub mod discover;
pub mod execute;
pub mod instance;
pub mod libtest;
pub mod plan;
pub mod preflight;
pub mod progress;
pub mod rerun;
pub mod stream;
pub mod versions;
pub mod walk;

pub use config::{EmbeddedOptions, RunConfig};
pub use libtest::run_libtest;
