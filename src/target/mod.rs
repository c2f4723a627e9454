//! Where requests go: the embedded reference server or a live service root, how they are
//! authenticated ([`auth`]), sent within limits and retried when throttled ([`http`]), and how
//! secrets are kept out of every line the harness prints ([`secret`]).

pub mod auth;
pub mod h1;
pub mod http;
pub mod retry;
pub mod secret;

pub use auth::{AppCredentials, ClientCredentials, TokenSource};
pub use http::{Head, HttpClient, HttpSettings, Outgoing, SendFailure, TransportError};
pub use retry::{RetryNote, RetryPolicy};
pub use secret::{Redactor, Secret};

/// The CA certificates of a PEM file (`--ca-cert`), to trust besides the system's. A file that
/// cannot be read, is larger than a CA bundle gets (16 MiB), or holds no PEM certificate is an error
/// naming it.
pub fn read_ca_certificates(path: &std::path::Path) -> Result<Vec<reqwest::Certificate>, String> {
    use std::io::Read;
    let shown = path.display();
    let file = std::fs::File::open(path).map_err(|e| format!("--ca-cert {shown}: {e}"))?;
    let mut pem = Vec::new();
    file.take(16 * 1024 * 1024 + 1).read_to_end(&mut pem).map_err(|e| format!("--ca-cert {shown}: {e}"))?;
    if pem.len() > 16 * 1024 * 1024 {
        return Err(format!("--ca-cert {shown}: larger than 16 MiB; give a PEM file of CA certificates"));
    }
    let found = reqwest::Certificate::from_pem_bundle(&pem)
        .map_err(|e| format!("--ca-cert {shown}: not a PEM file of certificates ({e})"))?;
    if found.is_empty() || !pem.windows(27).any(|w| w == b"-----BEGIN CERTIFICATE-----") {
        return Err(format!(
            "--ca-cert {shown}: no certificate in it; give the CA's certificate in PEM (-----BEGIN CERTIFICATE-----)"
        ));
    }
    Ok(found)
}

/// Installs rustls' ring provider once per process; reqwest is built without a default provider to
/// keep aws-lc out of the build (see crates.md).
pub fn install_tls_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}
