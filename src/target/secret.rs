//! Secrets (tokens, client secrets) and the redactor every printed line passes through.

use std::fmt;
use std::sync::{Arc, RwLock};

/// A value that must never be printed. `Debug` and `Display` show `[REDACTED]`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(std::sync::Arc<str>);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into().into())
    }
    /// The value, for the one place that needs it (an Authorization header, a token request).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([REDACTED])")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[REDACTED]")
    }
}

/// Replaces every known secret in text. Tokens issued during a run are added as they arrive, so a
/// hostile server that echoes the Authorization header into its body cannot get it printed.
#[derive(Clone, Default)]
pub struct Redactor {
    secrets: Arc<RwLock<Vec<String>>>,
}

impl fmt::Debug for Redactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Redactor")
    }
}

impl Redactor {
    /// Registers a secret; values shorter than 4 characters are ignored (redacting them would mangle
    /// ordinary text, and no real token is that short).
    pub fn add(&self, secret: &Secret) {
        let value = secret.expose();
        if value.len() < 4 {
            return;
        }
        let mut list = self.secrets.write().unwrap_or_else(|p| p.into_inner());
        if !list.iter().any(|s| s == value) {
            list.push(value.to_string());
            // Longest first, so a secret containing another is replaced whole.
            list.sort_by_key(|s| std::cmp::Reverse(s.len()));
        }
    }

    /// The text with every registered secret replaced by `[REDACTED]`.
    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_string();
        self.redact_in_place(&mut out);
        out
    }

    /// Redacts `text` in place; allocates only when a secret is found (it runs on every report).
    pub fn redact_in_place(&self, text: &mut String) {
        let list = self.secrets.read().unwrap_or_else(|p| p.into_inner());
        for s in list.iter() {
            if text.contains(s.as_str()) {
                *text = text.replace(s.as_str(), "[REDACTED]");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let s = Secret::new("canary-7f3a");
        assert_eq!(format!("{s} {s:?}"), "[REDACTED] Secret([REDACTED])");
        let r = Redactor::default();
        r.add(&s);
        r.add(&Secret::new("abc"));
        assert_eq!(r.redact("Bearer canary-7f3a; abc"), "Bearer [REDACTED]; abc");
    }
}
