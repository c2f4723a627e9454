//! The reference server on a plain hyper connection loop, for long-lived and large runs (`serve`,
//! `run --entities N`, `bench --in-process`).
//!
//! Why not wiremock there: a wiremock mock keeps a copy of every request it matched, for its
//! verification API, and nothing clears it while it stays mounted; at a few KiB per request, a
//! fake that answers millions of requests would grow without bound. The responder is the same
//! [`ReferenceServer`]; only the transport differs.

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

use super::reply::Reply;
use super::responder::ReferenceServer;

/// Request bodies the fake reads (it serves reads; anything bigger is refused).
const MAX_REQUEST_BODY: usize = 1024 * 1024;

/// A running standalone server; dropping it stops accepting connections.
pub struct StandaloneServer {
    pub addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
}

impl StandaloneServer {
    /// `http://127.0.0.1:P/beta`.
    pub fn service_root(&self) -> String {
        format!("http://{}/beta", self.addr)
    }
}

impl Drop for StandaloneServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Serves `responder` on `listener` (or a free loopback port). Must run inside a tokio runtime.
pub fn start(responder: ReferenceServer, listener: Option<TcpListener>) -> Result<StandaloneServer, String> {
    let listener = match listener {
        Some(l) => l,
        None => TcpListener::bind("127.0.0.1:0").map_err(|e| format!("cannot listen on loopback: {e}"))?,
    };
    listener.set_nonblocking(true).map_err(|e| e.to_string())?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let listener = tokio::net::TcpListener::from_std(listener).map_err(|e| e.to_string())?;
    let responder = Arc::new(responder);
    let (stop, mut stopped) = oneshot::channel::<()>();
    tokio::spawn(async move {
        loop {
            let accepted = tokio::select! {
                a = listener.accept() => a,
                _ = &mut stopped => break,
            };
            let Ok((stream, _)) = accepted else { continue };
            let _ = stream.set_nodelay(true);
            let responder = responder.clone();
            tokio::spawn(async move {
                let service = service_fn(move |req| answer(responder.clone(), req));
                let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
            });
        }
    });
    Ok(StandaloneServer { addr, stop: Some(stop) })
}

async fn answer(
    responder: Arc<ReferenceServer>,
    req: hyper::Request<Incoming>,
) -> Result<hyper::Response<Full<Bytes>>, Infallible> {
    let (parts, body) = req.into_parts();
    let body = match Limited::new(body, MAX_REQUEST_BODY).collect().await {
        Ok(b) => b.to_bytes().to_vec(),
        Err(_) => return Ok(plain(413, "request body too large or broken")),
    };
    let host = parts.headers.get("host").and_then(|h| h.to_str().ok()).unwrap_or("127.0.0.1");
    let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let Ok(url) = reqwest::Url::parse(&format!("http://{host}{path}")) else {
        return Ok(plain(400, "the request URL cannot be parsed"));
    };
    let request = wiremock::Request { url, method: parts.method, headers: parts.headers, body };
    let reply = responder.reply(&request);
    if let Some(delay) = reply.delay {
        tokio::time::sleep(delay).await;
    }
    Ok(to_response(reply))
}

fn to_response(reply: Reply) -> hyper::Response<Full<Bytes>> {
    let mut builder = hyper::Response::builder().status(reply.status);
    let (headers, body) = reply.wire();
    for (k, v) in &headers {
        builder = builder.header(k.as_str(), v.as_str());
    }
    let body = match body {
        Some((content_type, text)) => {
            builder = builder.header("content-type", content_type);
            Bytes::from(text)
        }
        None => Bytes::new(),
    };
    builder.body(Full::new(body)).unwrap_or_else(|_| plain(500, "the reference server built an invalid response"))
}

fn plain(status: u16, text: &'static str) -> hyper::Response<Full<Bytes>> {
    let mut r = hyper::Response::new(Full::new(Bytes::from_static(text.as_bytes())));
    *r.status_mut() = hyper::StatusCode::from_u16(status).unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
    r
}
