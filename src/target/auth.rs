//! Bearer tokens: a given one (`--token`, `GRAPH_TOKEN`), or the OAuth2 client-credentials flow with
//! the Azure SDK's variables (`AZURE_TENANT_ID`, `AZURE_CLIENT_ID`, `AZURE_CLIENT_SECRET`,
//! `AZURE_AUTHORITY_HOST`), cached and renewed before it expires.

use std::time::{Duration, Instant};

use reqwest::header::HeaderValue;
use serde::Deserialize;
use tokio::sync::Mutex;

use super::secret::{Redactor, Secret};

/// Microsoft Entra ID's public cloud authority (the Azure SDK's default).
pub const DEFAULT_AUTHORITY: &str = "https://login.microsoftonline.com";

/// Where the bearer token comes from.
#[derive(Debug)]
pub enum TokenSource {
    /// No credentials: requests go without `Authorization` (a server under test that needs none).
    Anonymous,
    /// A fixed token, with its header value built once.
    Static { secret: Secret, header: HeaderValue },
    /// Tokens from a token endpoint, renewed as they expire.
    ClientCredentials(ClientCredentials),
}

/// An app registration's credentials, before a target is known.
#[derive(Debug, Clone)]
pub struct AppCredentials {
    /// `https://login.microsoftonline.com` (or `AZURE_AUTHORITY_HOST`).
    pub authority: String,
    pub tenant: String,
    pub client_id: String,
    pub secret: Secret,
}

impl AppCredentials {
    /// Reads the Azure SDK's variables (`AZURE_TENANT_ID`, `AZURE_CLIENT_ID`, `AZURE_CLIENT_SECRET`,
    /// `AZURE_AUTHORITY_HOST`). `None` when none of the three is set; an error naming the missing
    /// ones when only some are.
    pub fn from_env() -> Option<Result<Self, String>> {
        Self::from_env_prefix("AZURE")
    }

    /// The same variables under another prefix (`CANDIDATE_TENANT_ID`, …): a second app, for the
    /// other side of a comparison. `<PREFIX>_AUTHORITY_HOST` falls back to `AZURE_AUTHORITY_HOST`.
    pub fn from_env_prefix(prefix: &str) -> Option<Result<Self, String>> {
        let get = |k: &str| std::env::var(format!("{prefix}_{k}")).ok().filter(|v| !v.is_empty());
        let (tenant, client, secret) = (get("TENANT_ID"), get("CLIENT_ID"), get("CLIENT_SECRET"));
        if tenant.is_none() && client.is_none() && secret.is_none() {
            return None;
        }
        let (Some(tenant), Some(client_id), Some(secret)) = (tenant.clone(), client.clone(), secret.clone()) else {
            let missing: Vec<String> = [("TENANT_ID", &tenant), ("CLIENT_ID", &client), ("CLIENT_SECRET", &secret)]
                .iter()
                .filter(|(_, v)| v.is_none())
                .map(|(k, _)| format!("{prefix}_{k}"))
                .collect();
            return Some(Err(format!("client credentials are incomplete: set {}", missing.join(", "))));
        };
        let authority = get("AUTHORITY_HOST")
            .or_else(|| std::env::var("AZURE_AUTHORITY_HOST").ok().filter(|v| !v.is_empty()))
            .unwrap_or_else(|| DEFAULT_AUTHORITY.to_string());
        Some(Ok(AppCredentials { authority, tenant, client_id, secret: Secret::new(secret) }))
    }

    /// The grant for a target whose origin is `target_origin` (scope `{origin}/.default`).
    pub fn for_target(&self, target_origin: &str) -> ClientCredentials {
        ClientCredentials::new(&self.authority, &self.tenant, &self.client_id, self.secret.clone(), target_origin)
    }
}

/// The client-credentials grant (RFC 6749 4.4) against Entra ID's v2.0 endpoint.
#[derive(Debug)]
pub struct ClientCredentials {
    pub token_url: String,
    pub client_id: String,
    pub secret: Secret,
    /// `{target origin}/.default`.
    pub scope: String,
    cache: Mutex<Option<CachedToken>>,
    min_renewal: Duration,
}

#[derive(Debug, Clone)]
struct CachedToken {
    token: Secret,
    header: HeaderValue,
    renew_at: Instant,
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: Option<String>,
    expires_in: Option<serde_json::Value>,
    error: Option<String>,
    error_description: Option<String>,
}

impl ClientCredentials {
    /// `POST {authority}/{tenant}/oauth2/v2.0/token` with scope `{origin}/.default`.
    pub fn new(authority: &str, tenant: &str, client_id: &str, secret: Secret, target_origin: &str) -> Self {
        ClientCredentials {
            token_url: format!("{}/{}/oauth2/v2.0/token", authority.trim_end_matches('/'), tenant),
            client_id: client_id.to_string(),
            secret,
            scope: format!("{}/.default", target_origin.trim_end_matches('/')),
            cache: Mutex::new(None),
            min_renewal: MIN_RENEWAL,
        }
    }

    /// The shortest time a token is kept (default [`MIN_RENEWAL`]; tests of renewal lower it).
    pub fn with_min_renewal(mut self, min: Duration) -> Self {
        self.min_renewal = min;
        self
    }

    /// A valid token, from the cache or the token endpoint. Every token is registered with the
    /// redactor before anyone can print it.
    pub async fn token(&self, http: &reqwest::Client, redactor: &Redactor) -> Result<Secret, String> {
        let mut cache = self.cache.lock().await;
        if let Some(c) = cache.as_ref().filter(|c| Instant::now() < c.renew_at) {
            return Ok(c.token.clone());
        }
        let issued = Instant::now();
        check_token_url(&self.token_url)?;
        let form = [
            ("grant_type", "client_credentials"),
            ("client_id", self.client_id.as_str()),
            ("client_secret", self.secret.expose()),
            ("scope", self.scope.as_str()),
        ];
        let answer = http
            .post(&self.token_url)
            .form(&form)
            .send()
            .await
            .map_err(|e| format!("token request to {} failed: {}", self.token_url, super::http::error_chain(&e)))?;
        let status = answer.status().as_u16();
        let bytes = super::http::read_capped(answer, MAX_TOKEN_ANSWER).await.map_err(|e| {
            let why = e.map_or_else(|| format!("it is larger than {} KiB", MAX_TOKEN_ANSWER / 1024), |e| e.to_string());
            format!("token request to {}: cannot read the answer: {why}", self.token_url)
        })?;
        let parsed: Option<TokenAnswer> = serde_json::from_slice(&bytes).ok();
        let fail = |what: String| {
            Err(redactor.redact(&format!(
                "token request to {} failed: {what}; check AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET",
                self.token_url
            )))
        };
        let Some(parsed) = parsed else {
            return fail(format!("status {status}, and the answer is not the token endpoint's JSON"));
        };
        if let Some(error) = parsed.error {
            let description = parsed.error_description.unwrap_or_default();
            let first_line = description.lines().next().unwrap_or("").trim().to_string();
            return fail(format!("status {status}, {error}: {first_line}"));
        }
        let Some(token) = parsed.access_token.filter(|t| !t.is_empty()) else {
            return fail(format!("status {status}, and no access_token in the answer"));
        };
        let lifetime = parsed
            .expires_in
            .and_then(|v| v.as_u64().or_else(|| v.as_str().and_then(|s| s.parse().ok())))
            .unwrap_or(3599);
        let token = Secret::new(token);
        redactor.add(&token);
        let header = bearer_header(&token)?;
        *cache = Some(CachedToken {
            token: token.clone(),
            header,
            renew_at: issued + renewal_delay(lifetime).max(self.min_renewal),
        });
        Ok(token)
    }
}

/// Renew five minutes before expiry, or halfway through a token shorter-lived than ten minutes
/// (and never sooner than [`MIN_RENEWAL`], see [`ClientCredentials::token`]).
pub fn renewal_delay(expires_in_secs: u64) -> Duration {
    let lifetime = Duration::from_secs(expires_in_secs);
    lifetime.saturating_sub(Duration::from_secs(300)).max(lifetime / 2)
}

/// The shortest time a token is used before another is asked for: an endpoint that says
/// `expires_in: 0` must not get a token request per read.
pub const MIN_RENEWAL: Duration = Duration::from_secs(60);

/// The largest token endpoint answer read (a real one is a few KiB).
pub const MAX_TOKEN_ANSWER: usize = 256 * 1024;

/// The token endpoint must be https: the client secret travels in the request body. Plain http is
/// accepted only for a loopback address (a test's own endpoint).
pub fn check_token_url(url: &str) -> Result<(), String> {
    let parsed = reqwest::Url::parse(url).map_err(|e| format!("the token endpoint {url} is not a URL: {e}"))?;
    let loopback = match parsed.host() {
        Some(url::Host::Ipv4(a)) => a.is_loopback(),
        Some(url::Host::Ipv6(a)) => a.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    };
    match parsed.scheme() {
        "https" => Ok(()),
        "http" if loopback => Ok(()),
        _ => Err(format!(
            "the token endpoint {url} is not https: the client secret would travel in clear; use an https authority (AZURE_AUTHORITY_HOST), or http only on a loopback address"
        )),
    }
}

impl TokenSource {
    /// The bearer token for the next request, if any.
    /// A source with a fixed token; fails when the token cannot be a header value.
    pub fn fixed(secret: Secret) -> Result<Self, String> {
        let header = bearer_header(&secret)?;
        Ok(TokenSource::Static { secret, header })
    }

    /// The `Authorization` header value for the next request, if any.
    pub async fn authorization(
        &self,
        http: &reqwest::Client,
        redactor: &Redactor,
    ) -> Result<Option<HeaderValue>, String> {
        match self {
            TokenSource::Anonymous => Ok(None),
            TokenSource::Static { header, .. } => Ok(Some(header.clone())),
            TokenSource::ClientCredentials(c) => {
                c.token(http, redactor).await?;
                let cache = c.cache.lock().await;
                Ok(cache.as_ref().map(|t| t.header.clone()))
            }
        }
    }
}

/// `Bearer <token>`, marked sensitive so that no HTTP library prints it.
pub fn bearer_header(token: &Secret) -> Result<HeaderValue, String> {
    let mut v = HeaderValue::from_str(&format!("Bearer {}", token.expose()))
        .map_err(|_| "the token has characters an HTTP header cannot carry (a line break?)".to_string())?;
    v.set_sensitive(true);
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renewal_comes_before_expiry() {
        assert_eq!(renewal_delay(3599), Duration::from_secs(3299));
        assert_eq!(renewal_delay(2), Duration::from_secs(1));
        assert_eq!(renewal_delay(0), Duration::ZERO);
    }

    #[test]
    fn the_secret_goes_only_to_https_or_loopback() {
        assert!(check_token_url("https://login.microsoftonline.com/t/oauth2/v2.0/token").is_ok());
        assert!(check_token_url("http://127.0.0.1:9/t/oauth2/v2.0/token").is_ok());
        assert!(check_token_url("http://[::1]:9/t").is_ok());
        assert!(check_token_url("http://localhost:9/t").is_ok());
        let e = check_token_url("http://login.example.net/t").unwrap_err();
        assert!(e.contains("not https"), "{e}");
        assert!(check_token_url("http://127.0.0.1.example.net/t").is_err());
    }

    #[test]
    fn token_url_and_scope() {
        let c =
            ClientCredentials::new("http://127.0.0.1:9/", "t", "c", Secret::new("s"), "https://graph.microsoft.com");
        assert_eq!(c.token_url, "http://127.0.0.1:9/t/oauth2/v2.0/token");
        assert_eq!(c.scope, "https://graph.microsoft.com/.default");
    }
}
