//! Where requests go: the embedded reference server or a live service root, how they are
//! authenticated ([`auth`]), sent within limits and retried when throttled ([`http`]), and how
//! secrets are kept out of every line the harness prints ([`secret`]).

pub mod auth;
pub mod http;
pub mod retry;
pub mod secret;

pub use auth::{AppCredentials, ClientCredentials, TokenSource};
pub use http::{Head, HttpClient, HttpSettings, Outgoing, SendFailure, TransportError};
pub use retry::{RetryNote, RetryPolicy};
pub use secret::{Redactor, Secret};

/// Installs rustls' ring provider once per process; reqwest is built without a default provider to
/// keep aws-lc out of the build (see crates.md).
pub fn install_tls_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}
