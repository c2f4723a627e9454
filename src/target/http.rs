//! Sending one request: authenticated, bounded in time and size, retried when throttled, never
//! following a redirect, with a cap on requests in flight.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use reqwest::Method;
use tokio::sync::Semaphore;

use super::auth::TokenSource;
use super::h1::{H1Pool, H1Request, proxy_configured};
use super::retry::{RetryNote, RetryPolicy, is_retryable};
use super::secret::Redactor;
use crate::case::AuthMode;
use crate::check::Answer;

/// Limits for every request.
#[derive(Debug, Clone)]
pub struct HttpSettings {
    /// One attempt, from connecting to the last body byte.
    pub timeout: Duration,
    /// Bodies larger than this fail the case instead of filling memory.
    pub max_body_bytes: usize,
    pub retry: RetryPolicy,
    /// Requests in flight at once.
    pub concurrency: usize,
    /// CA certificates trusted besides the system's (`--ca-cert`).
    pub ca_certs: Vec<reqwest::Certificate>,
}

impl Default for HttpSettings {
    fn default() -> Self {
        HttpSettings {
            timeout: Duration::from_secs(30),
            max_body_bytes: 10 * 1024 * 1024,
            retry: RetryPolicy::default(),
            concurrency: 16,
            ca_certs: Vec::new(),
        }
    }
}

/// A request to send.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<Vec<u8>>,
    pub auth: AuthMode,
}

/// What came back, and what it took.
#[derive(Debug)]
pub struct Delivered {
    pub answer: Answer,
    pub retries: Vec<RetryNote>,
    pub elapsed: Duration,
}

/// What support needs from an answer whose body never arrived whole.
#[derive(Debug, Clone)]
pub struct Head {
    pub status: u16,
    pub request_id: Option<String>,
    pub date: Option<String>,
}

/// A request that got no checkable answer: why, what part of an answer came, and the retries before.
#[derive(Debug)]
pub struct SendFailure {
    pub error: TransportError,
    pub head: Option<Head>,
    pub retries: Vec<RetryNote>,
}

impl SendFailure {
    /// The failure as the `transport` finding of the case or list that sent the request.
    pub fn finding(&self) -> crate::check::Finding {
        crate::check::Finding::failure("transport", "", self.error.to_string())
    }
}

const USER_AGENT: &str = concat!("graph-conformance/", env!("CARGO_PKG_VERSION"));

/// How long past `--timeout` the last-resort guard waits (each path's own deadline comes first).
const LAST_RESORT: Duration = Duration::from_secs(2);

/// Why no answer could be checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransportError {
    Timeout(Duration),
    BodyTooLarge(usize),
    Auth(String),
    Failed(String),
}

impl std::fmt::Display for TransportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TransportError::Timeout(d) => {
                write!(f, "no complete answer within {} s; raise --timeout if the server is just slow", d.as_secs_f64())
            }
            TransportError::BodyTooLarge(n) => {
                write!(f, "the body is larger than {n} bytes; raise --max-body-bytes if that is expected")
            }
            TransportError::Auth(m) => write!(f, "cannot get a token: {m}"),
            TransportError::Failed(m) => f.write_str(m),
        }
    }
}

/// The one HTTP client of a run.
pub struct HttpClient {
    client: reqwest::Client,
    /// The lean path for plain `http://` URLs; none when a proxy is configured.
    h1: Option<H1Pool>,
    settings: HttpSettings,
    permits: Arc<Semaphore>,
    tokens: TokenSource,
    redactor: Redactor,
    /// Attempts made (retries included), for summaries and benchmarks.
    attempts: std::sync::atomic::AtomicU64,
}

impl std::fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpClient").field("settings", &self.settings).finish()
    }
}

impl HttpClient {
    /// Builds the client. TLS verification stays on; redirects are never followed.
    /// Whether requests carry a token (anything but an anonymous source).
    pub fn has_credentials(&self) -> bool {
        !matches!(self.tokens, TokenSource::Anonymous)
    }

    pub fn new(settings: HttpSettings, tokens: TokenSource, redactor: Redactor) -> Result<Self, String> {
        super::install_tls_provider();
        let client = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .redirect(reqwest::redirect::Policy::none())
            .timeout(settings.timeout)
            .connect_timeout(settings.timeout.min(Duration::from_secs(10)))
            .pool_max_idle_per_host(settings.concurrency.max(1) * 2)
            .tls_certs_merge(settings.ca_certs.iter().cloned())
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {}", error_chain(&e)))?;
        let permits = Arc::new(Semaphore::new(settings.concurrency.max(1)));
        let h1 = (!proxy_configured()).then(|| {
            H1Pool::new(settings.concurrency.max(1) * 2, settings.timeout.min(Duration::from_secs(10)), USER_AGENT)
        });
        Ok(HttpClient { client, h1, settings, permits, tokens, redactor, attempts: Default::default() })
    }

    pub fn settings(&self) -> &HttpSettings {
        &self.settings
    }

    pub fn redactor(&self) -> &Redactor {
        &self.redactor
    }

    /// Requests sent so far (each retry counts).
    pub fn attempts(&self) -> u64 {
        self.attempts.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Sends `out`, retrying throttled answers; `on_retry` hears about each retry as it happens.
    pub async fn send(&self, out: &Outgoing, on_retry: &(dyn Fn(&RetryNote) + Sync)) -> Result<Delivered, SendFailure> {
        let started = Instant::now();
        let mut retries: Vec<RetryNote> = Vec::new();
        let mut waited = Duration::ZERO;
        loop {
            let outcome = {
                let Ok(_permit) = self.permits.acquire().await else {
                    let error = TransportError::Failed("the run is shutting down".into());
                    return Err(SendFailure { error, head: None, retries });
                };
                // reqwest's own total timeout ends the attempt (and keeps the status line); this one
                // only guards against a hang outside it.
                tokio::time::timeout(self.settings.timeout + LAST_RESORT, self.attempt(out)).await
            };
            let answer = match outcome {
                Ok(Ok(a)) => a,
                Ok(Err((error, head))) => return Err(SendFailure { error, head, retries }),
                Err(_) => {
                    let error = TransportError::Timeout(self.settings.timeout);
                    return Err(SendFailure { error, head: None, retries });
                }
            };
            if is_retryable(answer.status) {
                let retry_after = answer.header("retry-after").map(str::to_string);
                let attempt = retries.len() as u32;
                if let Some((wait, basis)) =
                    self.settings.retry.next_wait(attempt, retry_after.as_deref(), waited, SystemTime::now())
                {
                    let note = RetryNote { status: answer.status, waited: wait, basis };
                    on_retry(&note);
                    retries.push(note);
                    waited += wait;
                    tokio::time::sleep(wait).await;
                    continue;
                }
            }
            return Ok(Delivered { answer, retries, elapsed: started.elapsed() });
        }
    }

    /// One attempt; on failure after the status line, what support needs of it.
    async fn attempt(&self, out: &Outgoing) -> Result<Answer, (TransportError, Option<Head>)> {
        self.attempts.fetch_add(1, std::sync::atomic::Ordering::Relaxed);

        let method = Method::from_bytes(out.method.as_bytes())
            .map_err(|_| (TransportError::Failed(format!("'{}' is not an HTTP method", out.method)), None))?;
        if let Some(pool) = &self.h1
            && let Some(req) = H1Request::parse(method.clone(), &out.url)
        {
            return self.attempt_h1(pool, req, out).await;
        }
        let mut req = self.client.request(method, &out.url);
        for (k, v) in &out.headers {
            req = req.header(k, v);
        }
        if let Some(header) = self.authorization(out.auth).await? {
            req = req.header(reqwest::header::AUTHORIZATION, header);
        }
        if let Some(body) = &out.body {
            req = req.header("Content-Type", "application/json").body(body.clone());
        }
        let mut resp = req.send().await.map_err(|e| (self.transport(&e), None))?;
        let status = resp.status().as_u16();
        let headers = std::mem::take(resp.headers_mut());
        let fail = |error: TransportError| {
            let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
            (error, Some(Head { status, request_id: text("request-id"), date: text("date") }))
        };
        let limit = self.settings.max_body_bytes;
        let body = match read_capped(resp, limit).await {
            Ok(b) => b,
            Err(None) => return Err(fail(TransportError::BodyTooLarge(limit))),
            Err(Some(e)) => return Err(fail(self.transport(&e))),
        };
        Ok(Answer { status, headers, body })
    }

    /// The `Authorization` header a request in `mode` carries, if any.
    async fn authorization(
        &self,
        mode: AuthMode,
    ) -> Result<Option<http::HeaderValue>, (TransportError, Option<Head>)> {
        match mode {
            AuthMode::None => Ok(None),
            AuthMode::EmptyBearer => Ok(Some(http::HeaderValue::from_static("Bearer "))),
            AuthMode::Target => self
                .tokens
                .authorization(&self.client, &self.redactor)
                .await
                .map_err(|e| (TransportError::Auth(e), None)),
        }
    }

    /// One attempt on the lean path (plain `http://`).
    async fn attempt_h1(
        &self,
        pool: &H1Pool,
        req: Result<H1Request, String>,
        out: &Outgoing,
    ) -> Result<Answer, (TransportError, Option<Head>)> {
        let failed = |m: String| (TransportError::Failed(m), None);
        let sent = async {
            let mut req = req.map_err(failed)?;
            for (k, v) in &out.headers {
                req.header(k, v).map_err(|m| failed(format!("builder error: {m}")))?;
            }
            if let Some(header) = self.authorization(out.auth).await? {
                req.headers.insert(http::header::AUTHORIZATION, header);
            }
            if let Some(body) = &out.body {
                req.header("Content-Type", "application/json").map_err(failed)?;
                req.body = Some(bytes::Bytes::copy_from_slice(body));
            }
            pool.send(req, &out.url, self.settings.timeout, self.settings.max_body_bytes).await
        };
        // Its messages quote the URL and what the server said: redacted, as reqwest's are.
        sent.await.map_err(|(error, head)| match error {
            TransportError::Failed(m) => (TransportError::Failed(self.redactor.redact(&m)), head),
            other => (other, head),
        })
    }

    fn transport(&self, e: &reqwest::Error) -> TransportError {
        if e.is_timeout() {
            TransportError::Timeout(self.settings.timeout)
        } else {
            TransportError::Failed(self.redactor.redact(&error_chain(e)))
        }
    }
}

/// A body of at most `limit` bytes: a declared length over it fails before anything is read, a
/// stream as soon as it passes it. `Err(None)`: too large; `Err(Some(e))`: the transport failed.
pub async fn read_capped(mut resp: reqwest::Response, limit: usize) -> Result<bytes::Bytes, Option<reqwest::Error>> {
    match resp.content_length() {
        Some(n) if n > limit as u64 => Err(None),
        // A declared length within the limit: one buffer (hyper stops at the length).
        Some(_) => resp.bytes().await.map_err(Some),
        None => {
            let mut body = bytes::BytesMut::new();
            while let Some(chunk) = resp.chunk().await.map_err(Some)? {
                if body.len() + chunk.len() > limit {
                    return Err(None);
                }
                body.extend_from_slice(&chunk);
            }
            Ok(body.freeze())
        }
    }
}

/// The error and its causes, `: `-joined; reqwest's own Display hides the cause.
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let s_text = s.to_string();
        if !text.contains(&s_text) {
            text.push_str(": ");
            text.push_str(&s_text);
        }
        source = s.source();
    }
    if text.contains("invalid peer certificate") {
        text.push_str(" (a private CA or a TLS-inspecting proxy: trust its certificate with --ca-cert FILE)");
    }
    text
}
