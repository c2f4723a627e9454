//! The lean path for plain `http://` targets (the embedded server, a team's local fake): HTTP/1.1
//! over hyper's connection API, one connection per request in flight, kept for the next request to
//! the same origin. reqwest stays the client for `https://`, proxies and tokens; for loopback
//! traffic its URL, redirect, pool and timeout layers cost twice the round trip itself (bench).
//!
//! Same wire behaviour as the reqwest path: the URL normalized by the same parser (`url`), a
//! `Host` and `User-Agent` header, no redirect followed, one deadline from connecting to the last
//! body byte, and the body capped.

use std::sync::Mutex;
use std::time::Duration;

use bytes::Bytes;
use http::header::{HOST, HeaderName, HeaderValue, USER_AGENT};
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::{self, SendRequest};
use tokio::time::Instant;

use super::http::{Head, TransportError};
use crate::check::Answer;

type Sender = SendRequest<Full<Bytes>>;

/// Idle connections, each with its origin (`host:port`); at most `max_idle` are kept.
pub struct H1Pool {
    idle: Mutex<Vec<(String, Sender)>>,
    max_idle: usize,
    connect_timeout: Duration,
    user_agent: HeaderValue,
}

/// A request the lean path can send: an `http://` URL, already normalized.
pub struct H1Request {
    pub method: http::Method,
    /// `host:port`: where to connect, and the pool's key.
    pub origin: String,
    /// The `Host` header: the port only where the URL gives one.
    pub host: HeaderValue,
    /// Origin-form: the path and query.
    pub target: http::Uri,
    pub headers: http::HeaderMap,
    pub body: Option<Bytes>,
}

impl H1Request {
    /// `url` as the lean path sends it, or `None` when it is not a plain `http://` URL (reqwest
    /// then sends it). Both paths put the same bytes on the wire: a URL `url`'s parser (reqwest's)
    /// would change is sent as that parser writes it; one it would leave alone skips the parser.
    pub fn parse(method: http::Method, url: &str) -> Option<Result<H1Request, String>> {
        if !url.get(..7).is_some_and(|s| s.eq_ignore_ascii_case("http://")) {
            return None;
        }
        let bad = |e: &dyn std::fmt::Display| Some(Err(format!("builder error for url ({url}): {e}")));
        let normalized;
        let (authority, target) = match already_normal(url) {
            Some(parts) => parts,
            None => {
                normalized = match url::Url::parse(url) {
                    Ok(u) => u,
                    Err(e) => return bad(&e),
                };
                let authority = &normalized[url::Position::BeforeHost..url::Position::AfterPort];
                (authority, &normalized[url::Position::BeforePath..url::Position::AfterQuery])
            }
        };
        if authority.is_empty() {
            return bad(&"no host");
        }
        let host = match HeaderValue::from_str(authority) {
            Ok(h) => h,
            Err(e) => return bad(&e),
        };
        // A port is written after the host's last colon, past any IPv6 brackets.
        let has_port = authority.rsplit_once(':').is_some_and(|(_, p)| !p.contains(']'));
        let origin = if has_port { authority.to_string() } else { format!("{authority}:80") };
        let target = match target.parse::<http::Uri>() {
            Ok(t) => t,
            Err(e) => return bad(&e),
        };
        Some(Ok(H1Request { method, origin, host, target, headers: http::HeaderMap::new(), body: None }))
    }

    /// Adds a header; a name or value HTTP cannot carry is an error naming it.
    pub fn header(&mut self, name: &str, value: &str) -> Result<(), String> {
        let n = HeaderName::from_bytes(name.as_bytes()).map_err(|_| format!("'{name}' is not a header name"))?;
        let v = HeaderValue::from_str(value).map_err(|_| format!("the value of header {name} is not valid"))?;
        self.headers.append(n, v);
        Ok(())
    }
}

impl H1Pool {
    pub fn new(max_idle: usize, connect_timeout: Duration, user_agent: &str) -> Self {
        H1Pool {
            idle: Mutex::new(Vec::new()),
            max_idle: max_idle.max(1),
            connect_timeout,
            user_agent: HeaderValue::from_str(user_agent).unwrap_or(HeaderValue::from_static("graph-conformance")),
        }
    }

    /// An idle connection to `origin` that can take a request now; closed ones are dropped.
    async fn take_idle(&self, origin: &str) -> Option<Sender> {
        loop {
            let mut sender = {
                let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
                let i = idle.iter().rposition(|(o, _)| o == origin)?;
                idle.swap_remove(i).1
            };
            // Ready as soon as its connection task has finished the last exchange.
            if sender.ready().await.is_ok() {
                return Some(sender);
            }
        }
    }

    fn give_back(&self, origin: &str, sender: Sender) {
        if sender.is_closed() {
            return;
        }
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        // At most `max_idle` in all, whatever the origins: a run has one target, and no server can
        // make the pool hold connections without bound.
        if idle.len() < self.max_idle {
            idle.push((origin.to_string(), sender));
        }
    }

    async fn connect(&self, origin: &str, url: &str) -> Result<Sender, String> {
        let failed = |what: String| format!("{}: client error (Connect): {what}", sending(url));
        let stream = match tokio::time::timeout(self.connect_timeout, tokio::net::TcpStream::connect(origin)).await {
            Ok(Ok(s)) => s,
            Ok(Err(e)) => return Err(failed(format!("tcp connect error: {e}"))),
            Err(_) => return Err(failed("tcp connect error: timed out".into())),
        };
        let _ = stream.set_nodelay(true);
        let io = hyper_util::rt::TokioIo::new(stream);
        let (sender, conn) = http1::handshake(io).await.map_err(|e| failed(super::http::error_chain(&e)))?;
        tokio::spawn(async move {
            // Its error reaches the request that was using it.
            let _ = conn.await;
        });
        Ok(sender)
    }

    /// Sends `req` and reads its answer, all within `timeout` from now; the body is capped at
    /// `limit`. `url` is the request's URL as the case wrote it, for messages.
    pub async fn send(
        &self,
        req: H1Request,
        url: &str,
        timeout: Duration,
        limit: usize,
    ) -> Result<Answer, (TransportError, Option<Head>)> {
        let deadline = Instant::now() + timeout;
        let failed = |m: String| (TransportError::Failed(m), None);
        let origin = req.origin;
        let mut request = http::Request::new(Full::new(req.body.unwrap_or_default()));
        *request.method_mut() = req.method;
        *request.uri_mut() = req.target;
        *request.headers_mut() = req.headers;
        let headers = request.headers_mut();
        headers.insert(HOST, req.host);
        if !headers.contains_key(USER_AGENT) {
            headers.insert(USER_AGENT, self.user_agent.clone());
        }
        if !headers.contains_key(http::header::ACCEPT) {
            headers.insert(http::header::ACCEPT, HeaderValue::from_static("*/*"));
        }
        let exchange = async {
            // A pooled connection the server closed meanwhile gives the request back unsent: it then
            // goes on a new connection (once).
            let mut request = request;
            if let Some(mut sender) = self.take_idle(&origin).await {
                match sender.try_send_request(request).await {
                    Ok(resp) => return Ok((sender, resp)),
                    Err(mut e) => match e.take_message() {
                        Some(unsent) => request = unsent,
                        None => return Err(sent_error(url, e.error())),
                    },
                }
            }
            let mut sender = self.connect(&origin, url).await?;
            match sender.send_request(request).await {
                Ok(resp) => Ok((sender, resp)),
                Err(e) => Err(sent_error(url, &e)),
            }
        };
        let (sender, resp) = match tokio::time::timeout_at(deadline, exchange).await {
            Ok(Ok(r)) => r,
            Ok(Err(m)) => return Err(failed(m)),
            Err(_) => return Err((TransportError::Timeout(timeout), None)),
        };
        let (parts, body) = resp.into_parts();
        let status = parts.status.as_u16();
        let fail = |error: TransportError| {
            let text =
                |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
            (error, Some(Head { status, request_id: text("request-id"), date: text("date") }))
        };
        let declared = parts
            .headers
            .get(http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        if declared.is_some_and(|n| n > limit as u64) {
            return Err(fail(TransportError::BodyTooLarge(limit)));
        }
        let read = http_body_util::Limited::new(body, limit).collect();
        let body = match tokio::time::timeout_at(deadline, read).await {
            Ok(Ok(collected)) => collected.to_bytes(),
            Ok(Err(e)) if e.is::<http_body_util::LengthLimitError>() => {
                return Err(fail(TransportError::BodyTooLarge(limit)));
            }
            Ok(Err(e)) => {
                let m = format!("error decoding response body: {}", super::http::error_chain(&*e));
                return Err(fail(TransportError::Failed(m)));
            }
            Err(_) => return Err(fail(TransportError::Timeout(timeout))),
        };
        self.give_back(&origin, sender);
        Ok(Answer { status, headers: parts.headers, body })
    }
}

/// How a failed exchange's message starts (reqwest's words, so both paths read the same).
fn sending(url: &str) -> String {
    format!("error sending request for url ({url})")
}

fn sent_error(url: &str, e: &hyper::Error) -> String {
    format!("{}: {}", sending(url), super::http::error_chain(e))
}

/// The authority and the path-and-query of `url` when `url::Url` would write it back unchanged
/// (its scheme, host and port already canonical, no dot segment, no character it would
/// percent-encode); `None` when in doubt, and the parser decides. A property test holds the two to
/// each other.
fn already_normal(url: &str) -> Option<(&str, &str)> {
    let rest = url.strip_prefix("http://")?;
    let slash = rest.find('/')?;
    let (authority, target) = rest.split_at(slash);
    let (host, port) = match authority.split_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (authority, None),
    };
    if let Some(p) = port {
        let digits = p.bytes().all(|b| b.is_ascii_digit());
        if !digits || p.is_empty() || p.len() > 5 || p.starts_with('0') || p == "80" || p.parse::<u32>().ok()? > 65535 {
            return None;
        }
    }
    if !canonical_host(host) {
        return None;
    }
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (target, None),
    };
    let b = path.as_bytes();
    let clean = |bytes: &[u8], quote_ok: bool| {
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {}
                b'!' | b'$' | b'&' | b'(' | b')' | b'*' | b'+' | b',' | b';' | b'=' | b':' | b'@' | b'/' => {}
                b'\'' if quote_ok => {}
                b'%' if i + 2 < bytes.len() && bytes[i + 1].is_ascii_hexdigit() && bytes[i + 2].is_ascii_hexdigit() => {}
                _ => return false,
            }
            i += 1;
        }
        true
    };
    // A dot segment, plain or percent-encoded, is resolved by the parser.
    let dot_after = |i: usize| {
        let rest = &b[i + 1..];
        rest.starts_with(b".") || rest.get(..3).is_some_and(|r| r.eq_ignore_ascii_case(b"%2e"))
    };
    if memchr::memchr_iter(b'/', b).any(dot_after) || !clean(b, true) {
        return None;
    }
    if query.is_some_and(|q| q.is_empty() || !clean(q.as_bytes(), false) || q.contains('?')) {
        return None;
    }
    Some((authority, target))
}

/// A host `url` leaves as it is: lower-case letters, digits, `-` and `.` in non-empty labels, not a
/// punycode label, and either a name whose last label starts with a letter or a dotted quad
/// written canonically.
fn canonical_host(host: &str) -> bool {
    if host.is_empty() || !host.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.') {
        return false;
    }
    let labels: Vec<&str> = host.split('.').collect();
    if labels.iter().any(|l| l.is_empty() || l.starts_with("xn--")) {
        return false;
    }
    let last = labels[labels.len() - 1];
    if last.as_bytes()[0].is_ascii_lowercase() && !last.starts_with("0x") {
        return true;
    }
    labels.len() == 4
        && labels.iter().all(|l| {
            l.bytes().all(|b| b.is_ascii_digit())
                && l.len() <= 3
                && (l.len() == 1 || !l.starts_with('0'))
                && l.parse::<u16>().is_ok_and(|n| n <= 255)
        })
}

/// Whether a proxy variable is set: then plain `http://` goes through reqwest, which honours it.
pub fn proxy_configured() -> bool {
    ["http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"]
        .iter()
        .any(|v| std::env::var_os(v).is_some_and(|s| !s.is_empty()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whatever the fast path takes as is, `url`'s parser (reqwest's) writes back unchanged: over
    /// random URLs from hosts, ports and characters chosen to be near the edges.
    #[test]
    fn the_fast_path_takes_only_what_the_parser_leaves_alone() {
        let hosts = [
            "127.0.0.1", "localhost", "LocalHost", "127.1", "0x7f.0.0.1", "01.2.3.4", "256.1.1.1", "a.b", "a.-b", "a.1",
            "xn--a.b", "[::1]", "a..b", "h_x", "a.b.", "10.0.0.255",
        ];
        let ports = ["", ":80", ":8080", ":080", ":65536", ":99999", ":", ":1"];
        let chars: Vec<char> = "/aZ09%'.~!$&()*+,;=:@?# \"<>{}|\\^`_-eE2".chars().collect();
        let mut rng = fastrand::Rng::with_seed(7);
        let mut taken = 0;
        for _ in 0..200_000 {
            let mut url = format!("http://{}{}/", hosts[rng.usize(..hosts.len())], ports[rng.usize(..ports.len())]);
            for _ in 0..rng.usize(0..16) {
                url.push(chars[rng.usize(..chars.len())]);
            }
            if let Some((authority, target)) = already_normal(&url) {
                taken += 1;
                let parsed = url::Url::parse(&url).unwrap_or_else(|e| panic!("{url}: {e}"));
                assert_eq!(parsed.as_str(), url);
                assert_eq!(&parsed[url::Position::BeforeHost..url::Position::AfterPort], authority);
                assert_eq!(&parsed[url::Position::BeforePath..url::Position::AfterQuery], target);
            }
        }
        assert!(taken > 2_000, "the fast path took only {taken} URLs: the test shows little");
    }

    #[test]
    fn plain_urls_take_the_fast_path_and_odd_ones_the_parser() {
        let fast = "http://127.0.0.1:8080/beta/identityGovernance/x('a%2Fb')?$top=2&$select=id,name";
        assert_eq!(already_normal(fast), Some(("127.0.0.1:8080", "/beta/identityGovernance/x('a%2Fb')?$top=2&$select=id,name")));
        for odd in [
            "http://127.0.0.1:80/a",
            "http://LOCALHOST/a",
            "http://127.1/a",
            "http://h/a/../b",
            "http://h/a/%2E%2E/b",
            "http://h/a?$filter=id eq 'x'",
            "http://h/a?b='c'",
            "http://h:8080",
            "http://h/a#f",
        ] {
            assert_eq!(already_normal(odd), None, "{odd}");
        }
        let req = H1Request::parse(http::Method::GET, "http://h/a/../b?x=1 2").unwrap().unwrap();
        assert_eq!(req.target.to_string(), "/b?x=1%202");
        assert_eq!(req.origin, "h:80");
        assert_eq!(req.host, "h");
        assert!(H1Request::parse(http::Method::GET, "https://h/a").is_none());
    }
}
