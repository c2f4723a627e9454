//! The embedded reference server: a faithful fake of the endpoint and the list endpoints discovery
//! walks, on wiremock. The harness's default target, `graph-conformance serve`, and, with a
//! [`faults::Fault`], the proof that each check catches the defect it exists for.

pub mod faults;
pub mod fixtures;
pub mod inject;
pub mod reply;
pub mod responder;
pub mod serve;
pub mod standalone;
pub mod store;
pub mod synthetic;

use std::net::TcpListener;
use std::sync::Arc;

use wiremock::matchers::any;
use wiremock::{Mock, MockServer};

pub use faults::{FAULTS, Fault, FaultInfo};
pub use responder::{AuthPolicy, ReferenceServer};
pub use store::Store;

use crate::schema::SchemaSet;

/// Options of a reference server.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    pub fault: Option<Fault>,
    pub auth: AuthPolicy,
    pub page_size: usize,
    /// Keep every request for inspection (tests); off for long runs.
    pub record_requests: bool,
}

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions { fault: None, auth: AuthPolicy::AnyBearer, page_size: 100, record_requests: false }
    }
}

/// Starts a reference server; with `listener`, on that socket (for `serve --port`). Must run inside
/// a tokio runtime with time enabled.
pub async fn start(
    store: Arc<Store>,
    schemas: Arc<SchemaSet>,
    options: ServerOptions,
    listener: Option<TcpListener>,
) -> MockServer {
    let mut builder = MockServer::builder();
    if let Some(l) = listener {
        builder = builder.listener(l);
    }
    if !options.record_requests {
        builder = builder.disable_request_recording();
    }
    let server = builder.start().await;
    let responder = ReferenceServer {
        store,
        schemas,
        fault: options.fault,
        auth: options.auth,
        page_size: options.page_size.max(1),
    };
    Mock::given(any()).respond_with(responder).named("graph-conformance reference server").mount(&server).await;
    server
}

/// The service root of a started server.
pub fn service_root(server: &MockServer) -> String {
    format!("{}/beta", server.uri())
}
