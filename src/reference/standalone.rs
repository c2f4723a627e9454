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

/// A running standalone server; dropping it stops accepting connections.
pub struct StandaloneServer {
    pub addr: SocketAddr,
    pub tls: bool,
    stop: Option<oneshot::Sender<()>>,
}

impl StandaloneServer {
    /// `http://127.0.0.1:P/beta` (or `https://localhost:P/beta` with TLS: the certificate's name).
    pub fn service_root(&self) -> String {
        if self.tls {
            format!("https://localhost:{}/beta", self.addr.port())
        } else {
            format!("http://{}/beta", self.addr)
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
    tokio::spawn(async move {
        loop {
            let accepted = tokio::select! {
                a = listener.accept() => a,
                _ = &mut stopped => break,
            };
            let Ok((stream, _)) = accepted else { continue };
            let _ = stream.set_nodelay(true);
            let server = server.clone();
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let service = service_fn(move |req| answer(server.clone(), scheme, req));
                match acceptor {
                    Some(a) => {
                        if let Ok(tls) = a.accept(stream).await {
                            let _ = http1::Builder::new().serve_connection(TokioIo::new(tls), service).await;
                        }
                    }
                    None => {
                        let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
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
    let body = match Limited::new(body, MAX_REQUEST_BODY).collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => return Ok(plain(413, "request body too large or broken")),
    };
    let host = parts.headers.get("host").and_then(|h| h.to_str().ok()).unwrap_or("127.0.0.1").to_string();
    let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let Ok(uri) = format!("{scheme}://{host}{path}").parse::<http::Uri>() else {
        return Ok(plain(400, "the request URL cannot be parsed"));
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

fn plain(status: u16, text: &'static str) -> hyper::Response<Full<Bytes>> {
    let mut r = hyper::Response::new(Full::new(Bytes::from_static(text.as_bytes())));
    *r.status_mut() = hyper::StatusCode::from_u16(status).unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
    r
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
