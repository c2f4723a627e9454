//! The reference server on a plain hyper connection loop, for long-lived and large runs (`serve`,
//! `run --entities N`, `bench --in-process`), over http or https.
//!
//! Why not wiremock there: a wiremock mock keeps a copy of every request it matched, for its
//! verification API, and nothing clears it while it stays mounted; at a few KiB per request, a
//! fake that answers millions of requests would grow without bound. The server is the same
//! [`Faulty`]; only the transport differs.

use std::convert::Infallible;
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::sync::oneshot;

use super::inject::Faulty;

/// Request bodies the fake reads (it serves small JSON bodies; anything bigger is refused).
const MAX_REQUEST_BODY: usize = 1024 * 1024;
/// A request head larger than this gets Graph's 431.
const MAX_REQUEST_HEAD: usize = 32 * 1024;
/// A client must send a whole request head within this time (also between requests on a kept-alive
/// connection), or the connection is closed: half-sent requests cannot pile up (the default of
/// `serve --header-timeout`).
pub const HEADER_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);
/// Connections served at once; the next waits for one to end (the listener does not spin).
pub const MAX_CONNECTIONS: usize = 1024;

/// A running standalone server; dropping it stops accepting connections.
pub struct StandaloneServer {
    pub addr: SocketAddr,
    pub tls: bool,
    stop: Option<oneshot::Sender<()>>,
}

impl StandaloneServer {
    /// `http://127.0.0.1:P/beta` (or `https://localhost:P/beta` with TLS: the certificate's name).
    pub fn service_root(&self) -> String {
        self.root_for("beta")
    }

    /// The service root of `version` (`beta`, `v1.0`).
    pub fn root_for(&self, version: &str) -> String {
        if self.tls {
            format!("https://localhost:{}/{version}", self.addr.port())
        } else {
            format!("http://{}/{version}", self.addr)
        }
    }
}

impl Drop for StandaloneServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Serves `server` on `listener` (or a free loopback port), with TLS when `tls` is given. Must run
/// inside a tokio runtime.
pub fn start(
    server: Faulty,
    listener: Option<TcpListener>,
    tls: Option<Arc<rustls::ServerConfig>>,
) -> Result<StandaloneServer, String> {
    let listener = match listener {
        Some(l) => l,
        None => TcpListener::bind("127.0.0.1:0").map_err(|e| format!("cannot listen on loopback: {e}"))?,
    };
    listener.set_nonblocking(true).map_err(|e| e.to_string())?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let listener = tokio::net::TcpListener::from_std(listener).map_err(|e| e.to_string())?;
    let server = Arc::new(server);
    let acceptor = tls.clone().map(tokio_rustls::TlsAcceptor::from);
    let scheme = if tls.is_some() { "https" } else { "http" };
    let (stop, mut stopped) = oneshot::channel::<()>();
    let slots = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
    let header_timeout = server.header_timeout;
    tokio::spawn(async move {
        loop {
            // A slot first: at the cap, new connections wait in the listen queue.
            let permit = tokio::select! {
                p = slots.clone().acquire_owned() => match p { Ok(p) => p, Err(_) => break },
                _ = &mut stopped => break,
            };
            let accepted = tokio::select! {
                a = listener.accept() => a,
                _ = &mut stopped => break,
            };
            let (stream, _) = match accepted {
                Ok(a) => a,
                Err(_) => {
                    // Out of descriptors, say: wait a little rather than spin.
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            };
            let _ = stream.set_nodelay(true);
            let server = server.clone();
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let _permit = permit;
                let service = service_fn(move |req| answer(server.clone(), scheme, req));
                let mut builder = http1::Builder::new();
                builder.timer(hyper_util::rt::TokioTimer::new()).header_read_timeout(header_timeout);
                match acceptor {
                    Some(a) => {
                        if let Ok(Ok(tls)) = tokio::time::timeout(header_timeout, a.accept(stream)).await {
                            let _ = builder.serve_connection(TokioIo::new(tls), service).await;
                        }
                    }
                    None => {
                        let _ = builder.serve_connection(TokioIo::new(stream), service).await;
                    }
                }
            });
        }
    });
    Ok(StandaloneServer { addr, tls: tls.is_some(), stop: Some(stop) })
}

async fn answer(
    server: Arc<Faulty>,
    scheme: &'static str,
    req: hyper::Request<Incoming>,
) -> Result<hyper::Response<Full<Bytes>>, Infallible> {
    let (parts, body) = req.into_parts();
    let target = parts.uri.path_and_query().map_or(0, |p| p.as_str().len());
    let head: usize = parts.headers.iter().map(|(k, v)| k.as_str().len() + v.len() + 4).sum::<usize>() + target;
    if head > MAX_REQUEST_HEAD {
        return Ok(graph_error(431, "RequestHeaderFieldsTooLarge", "The request's headers are too large."));
    }
    let body = match Limited::new(body, MAX_REQUEST_BODY).collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => return Ok(graph_error(413, "RequestEntityTooLarge", "The request body is too large or broken.")),
    };
    let host = parts.headers.get("host").and_then(|h| h.to_str().ok()).unwrap_or("127.0.0.1").to_string();
    let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let Ok(uri) = format!("{scheme}://{host}{path}").parse::<http::Uri>() else {
        return Ok(graph_error(400, "BadRequest", "The request URL cannot be parsed."));
    };
    let mut request = http::Request::new(body);
    *request.method_mut() = parts.method;
    *request.headers_mut() = parts.headers;
    *request.uri_mut() = uri;
    let reply = server.reply(&request);
    if let Some(delay) = reply.delay {
        tokio::time::sleep(delay).await;
    }
    let (head, body) = reply.into_http().into_parts();
    Ok(hyper::Response::from_parts(head, Full::new(body)))
}

/// Graph's error body for what the transport refuses before the server sees the request.
fn graph_error(status: u16, code: &str, message: &str) -> hyper::Response<Full<Bytes>> {
    let id = crate::request_id::fresh();
    let mut reply = super::responder::error_with_ids(status, code, message, &id, &id);
    reply.set_header("request-id", &id);
    let (head, body) = reply.into_http().into_parts();
    hyper::Response::from_parts(head, Full::new(body))
}

/// A TLS configuration from PEM files (a certificate chain and its private key).
pub fn tls_from_files(cert: &std::path::Path, key: &std::path::Path) -> Result<Arc<rustls::ServerConfig>, String> {
    use rustls::pki_types::pem::PemObject;
    let certs: Vec<rustls::pki_types::CertificateDer<'static>> = rustls::pki_types::CertificateDer::pem_file_iter(cert)
        .map_err(|e| format!("{}: cannot read the certificate: {e}", cert.display()))?
        .collect::<Result<_, _>>()
        .map_err(|e| format!("{}: not a PEM certificate: {e}", cert.display()))?;
    let key = rustls::pki_types::PrivateKeyDer::from_pem_file(key)
        .map_err(|e| format!("{}: not a PEM private key: {e}", key.display()))?;
    tls_config(certs, key)
}

/// A self-signed certificate for `localhost` and 127.0.0.1, written as PEM to `dir`; returns the
/// TLS configuration and the certificate's path (to give clients as their trusted root).
#[cfg(feature = "tls-self-signed")]
pub fn tls_self_signed(dir: &std::path::Path) -> Result<(Arc<rustls::ServerConfig>, std::path::PathBuf), String> {
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_string(), "127.0.0.1".to_string()])
        .map_err(|e| format!("cannot make a self-signed certificate: {e}"))?;
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let cert_path = dir.join("graph-conformance-localhost.pem");
    std::fs::write(&cert_path, cert.cert.pem()).map_err(|e| format!("cannot write {}: {e}", cert_path.display()))?;
    let der = cert.cert.der().clone();
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(cert.signing_key.serialize_der().into());
    Ok((tls_config(vec![der], key)?, cert_path))
}

/// Without the `tls-self-signed` feature (certificate generation is a build cost few users need):
/// a usage error that says how to get it, or what to give instead.
#[cfg(not(feature = "tls-self-signed"))]
pub fn tls_self_signed(_dir: &std::path::Path) -> Result<(Arc<rustls::ServerConfig>, std::path::PathBuf), String> {
    Err("--tls-self-signed: this build makes no certificates; build with `--features tls-self-signed` \
         (cargo install … --features tls-self-signed), or give your own with --tls CERT KEY"
        .into())
}

fn tls_config(
    certs: Vec<rustls::pki_types::CertificateDer<'static>>,
    key: rustls::pki_types::PrivateKeyDer<'static>,
) -> Result<Arc<rustls::ServerConfig>, String> {
    crate::target::install_tls_provider();
    let mut config = rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| format!("the certificate and key do not make a TLS configuration: {e}"))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}
