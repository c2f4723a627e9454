//! The reference server: a faithful fake of the lifecycle-workflows family, answering any path the
//! model knows from the documented examples and a synthetic tenant. It speaks `http` types
//! ([`ReferenceServer::reply`]); wiremock hosts it for `run` and `cargo test`, a plain hyper loop for
//! `serve` and scale runs. With a [`faults::Fault`] ([`inject::Faulty`]), it proves that each check
//! catches the defect it exists for.
//!
//! path → [`location`] → [`store`] ([`data`] documented, [`synthetic`] computed, writes per sandbox)
//! → [`render`] (`$select`, `$expand`, enums) / [`functions`] / [`writes`] → [`reply`].

pub mod aggregate;
pub mod conform;
pub mod context;
pub mod data;
pub mod fake;
pub mod fault_values;
pub mod faults;
pub mod filter;
pub mod functions;
pub mod ids;
pub mod inject;
pub mod location;
pub mod query;
pub mod render;
pub mod reply;
pub mod responder;
pub mod serve;
pub mod standalone;
pub mod store;
pub mod synthetic;
pub mod totals;
pub mod writes;

use std::net::TcpListener;
use std::sync::Arc;

use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Respond, ResponseTemplate};

pub use faults::{FAULTS, Fault, FaultInfo};
pub use inject::Faulty;
pub use responder::{AuthPolicy, ReferenceServer};
pub use store::Store;

/// Options of a reference server.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    /// The catalogued defects to apply, in order (none: the faithful server).
    pub faults: Vec<Fault>,
    pub auth: AuthPolicy,
    pub page_size: usize,
    /// Keep every request for inspection (tests); off for long runs.
    pub record_requests: bool,
    /// How long a client may take to send a request's head (over HTTP, not wiremock).
    pub header_timeout: std::time::Duration,
}

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions {
            faults: Vec::new(),
            auth: AuthPolicy::AnyBearer,
            page_size: 100,
            record_requests: false,
            header_timeout: standalone::HEADER_TIMEOUT,
        }
    }
}

impl Faulty {
    /// The server over `store` with `options`.
    pub fn new(store: Arc<Store>, options: &ServerOptions) -> Self {
        Faulty {
            server: ReferenceServer { store, auth: options.auth.clone(), page_size: options.page_size.max(1) },
            faults: options.faults.clone(),
            siblings: Vec::new(),
            header_timeout: options.header_timeout,
        }
    }

    /// One server answering each store's version (`/beta/…`, `/v1.0/…`); the first store answers
    /// anything else (with Graph's "Invalid version" error).
    pub fn versions(mut stores: Vec<Arc<Store>>, options: &ServerOptions) -> Option<Self> {
        if stores.is_empty() {
            return None;
        }
        let first = stores.remove(0);
        let mut server = Faulty::new(first, options);
        server.siblings = stores.into_iter().map(|s| Faulty::new(s, options).server).collect();
        Some(server)
    }
}

/// A wiremock request as an `http` request with an absolute URI.
pub fn from_wiremock(request: &wiremock::Request) -> http::Request<bytes::Bytes> {
    let mut r = http::Request::new(bytes::Bytes::from(request.body.clone()));
    *r.method_mut() = request.method.clone();
    *r.headers_mut() = request.headers.clone();
    if let Ok(uri) = request.url.as_str().parse() {
        *r.uri_mut() = uri;
    }
    r
}

impl Respond for Faulty {
    fn respond(&self, request: &wiremock::Request) -> ResponseTemplate {
        self.reply(&from_wiremock(request)).into_template()
    }
}

impl Respond for ReferenceServer {
    fn respond(&self, request: &wiremock::Request) -> ResponseTemplate {
        self.reply(&from_wiremock(request)).into_template()
    }
}

/// Starts a reference server on wiremock; with `listener`, on that socket. Must run inside a tokio
/// runtime with time enabled.
pub async fn start(store: Arc<Store>, options: ServerOptions, listener: Option<TcpListener>) -> MockServer {
    let mut builder = MockServer::builder();
    if let Some(l) = listener {
        builder = builder.listener(l);
    }
    if !options.record_requests {
        builder = builder.disable_request_recording();
    }
    let server = builder.start().await;
    let responder = Faulty::new(store, &options);
    Mock::given(any()).respond_with(responder).named("graph-conformance reference server").mount(&server).await;
    server
}

/// The service root of a started server.
pub fn service_root(server: &MockServer) -> String {
    format!("{}/beta", server.uri())
}

#[cfg(test)]
mod tests {
    /// What the checks judge with, which the server must not answer with: their rules, their
    /// reading of a request's query and their context URLs (`crate::odata::path`'s percent
    /// coding and the metadata are the neutral ground both stand on).
    const CHECKS_CODE: [&str; 8] = [
        "crate::check",
        "crate::odata::query",
        "crate::odata::context",
        "crate::odata::{",
        "crate::odata::ResourcePath",
        "ContextUrl",
        "QueryOptions",
        "same_value",
    ];

    fn sources(dir: &str) -> Vec<(String, String)> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src").join(dir);
        let mut out = Vec::new();
        for entry in std::fs::read_dir(&root).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                // Unit tests may set one side against the other, and comments may name it; the
                // code that answers or judges may not.
                let text = text.split("#[cfg(test)]").next().unwrap_or_default();
                let code: String =
                    text.lines().filter(|l| !l.trim_start().starts_with("//")).map(|l| format!("{l}\n")).collect();
                out.push((path.display().to_string(), code));
            }
        }
        assert!(out.len() > 10, "{} has the server's files", root.display());
        out
    }

    #[test]
    fn the_server_never_answers_with_the_checks_code() {
        for (file, code) in sources("reference") {
            for banned in CHECKS_CODE {
                assert!(!code.contains(banned), "{file} uses {banned}: the oracle must stay independent of the checks");
            }
        }
    }

    #[test]
    fn the_checks_never_judge_with_the_servers_code() {
        for (file, code) in sources("check") {
            assert!(!code.contains("crate::reference"), "{file} uses the reference server's code");
        }
    }
}
