//! Recording (`graph-conformance record`): a live tenant's answers turned into case files of the
//! imported format, with everything tenant-identifying replaced by stable typed placeholders
//! ([`redact`]) before anything touches disk. A recorded suite replays offline against the
//! embedded server (which loads recorded cases as it loads documented ones) and against the same
//! tenant (discovery binds real ids again).

pub mod execute;
pub mod redact;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// Where recordings go, and the state shared by every recorded case.
#[derive(Debug, Clone)]
pub struct RecordConfig {
    pub out: PathBuf,
    pub state: Arc<Mutex<RecordState>>,
}

/// The placeholders given so far and the files written.
#[derive(Debug)]
pub struct RecordState {
    pub placeholders: redact::Placeholders,
    /// Cases recorded per suite (for unique names).
    pub per_case: BTreeMap<(String, String), usize>,
    pub files: Vec<PathBuf>,
    /// The file names given per suite folder (unique without case).
    pub names: BTreeMap<String, crate::safe_path::Names>,
    /// The target, as the files name it (host names replaced).
    pub target: String,
    pub at: String,
}

impl RecordConfig {
    /// `tenant`: the tenant id to count as such; `secrets`: values never written.
    pub fn new(out: PathBuf, target: &str, tenant: Option<&str>, secrets: &[String]) -> Self {
        let mut placeholders = redact::Placeholders::new(tenant, secrets);
        let target = placeholders.text(target);
        RecordConfig {
            out,
            state: Arc::new(Mutex::new(RecordState {
                placeholders,
                per_case: BTreeMap::new(),
                files: Vec::new(),
                names: BTreeMap::new(),
                target,
                at: jiff::Timestamp::now().to_string(),
            })),
        }
    }
}
