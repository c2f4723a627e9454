//! Differential mode (`graph-conformance diff`): every selected read goes to a baseline (real
//! Graph, or a previous release) and to a candidate, and the answers are compared as data. It
//! catches what no written rule knows about, such as a count that changed. Noise is handled three
//! ways (`noise`): built in, a noise file, and learned from the baseline answering twice.

pub mod answers;
pub mod compare;
pub mod execute;
pub mod noise;

use std::path::PathBuf;

use crate::target::{HttpClient, Secret};

/// The second side of a comparison (the first is the run's target, the baseline).
#[derive(Debug, Clone)]
pub struct DiffConfig {
    pub candidate: String,
    /// The candidate's token, when it has its own (`--candidate-token-env`).
    pub candidate_token: Option<Secret>,
    /// The candidate's own app (`--candidate-credentials-env PREFIX`: PREFIX_TENANT_ID, …).
    pub candidate_credentials: Option<crate::target::AppCredentials>,
    /// A second baseline whose differences from the first are noise (else the baseline twice).
    pub baseline2: Option<String>,
    /// Learn noise from the baseline (on by default).
    pub learn: bool,
    pub noise_file: Option<PathBuf>,
}

/// A service root and the client that reaches it.
pub struct Side {
    pub root: String,
    pub http: HttpClient,
}

/// The comparison's other sides, built with the run's context.
pub struct DiffTargets {
    pub candidate: Side,
    pub baseline2: Option<Side>,
    pub learn: bool,
    pub noise: noise::Noise,
}
