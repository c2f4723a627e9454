//! Throttling and transient faults: which answers are retried, and how long to wait.
//!
//! 429, 503 and 504 are retried. The wait is the server's `Retry-After` (delta-seconds or an
//! HTTP-date), else exponential backoff with full jitter; both are capped per wait, per request
//! (attempts) and in total, and a wait that would pass the total cap ends the retries.

use std::time::{Duration, SystemTime};

/// How persistent the harness is.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// The first backoff step when the server gives no `Retry-After`.
    pub base_delay: Duration,
    /// No single wait is longer.
    pub max_delay: Duration,
    /// The waits of one request add up to at most this.
    pub max_total_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 5,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(60),
            max_total_wait: Duration::from_secs(180),
        }
    }
}

/// One retry, as reported with the case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryNote {
    pub status: u16,
    pub waited: Duration,
    /// `Retry-After: 1`, `Retry-After: <date>` or `backoff`.
    pub basis: String,
}

impl RetryNote {
    /// Redacts and escapes the server-supplied part (a `Retry-After` value).
    pub fn redact(&mut self) {
        self.basis = crate::report::term::one_line(&super::secret::redact(&self.basis)).into_owned();
    }
}

impl std::fmt::Display for RetryNote {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} answered, retried after {:.1} s ({})", self.status, self.waited.as_secs_f64(), self.basis)
    }
}

/// Whether an answer with this status is worth retrying.
pub fn is_retryable(status: u16) -> bool {
    matches!(status, 429 | 503 | 504)
}

impl RetryPolicy {
    /// The wait before retry number `retry` (0-based), from the answer's `Retry-After` value if any.
    /// Returns `None` when the policy says stop.
    pub fn next_wait(
        &self,
        retry: u32,
        retry_after: Option<&str>,
        waited_so_far: Duration,
        now: SystemTime,
    ) -> Option<(Duration, String)> {
        if retry >= self.max_retries {
            return None;
        }
        let (wait, basis) = match retry_after.and_then(|v| parse_retry_after(v, now)) {
            Some(d) => (d, format!("Retry-After: {}", retry_after.unwrap_or_default().trim())),
            None => {
                let ceiling = self.base_delay.saturating_mul(2u32.saturating_pow(retry)).min(self.max_delay);
                // Full jitter: uniformly in [ceiling/2, ceiling], so parallel clients spread out.
                let half = ceiling / 2;
                let jitter = Duration::from_secs_f64(half.as_secs_f64() * fastrand::f64());
                ((half + jitter).min(self.max_delay), "backoff".to_string())
            }
        };
        // A Retry-After beyond the per-wait cap ends the retries: retrying sooner would ignore the
        // server's request, which is what throttled clients must not do.
        (wait <= self.max_delay && waited_so_far + wait <= self.max_total_wait).then_some((wait, basis))
    }
}

/// `Retry-After` is delta-seconds (`5`) or an HTTP-date (`Wed, 21 Oct 2015 07:28:00 GMT`, RFC 9110 10.2.3).
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = jiff::fmt::rfc2822::parse(v).ok()?.timestamp();
    let now = jiff::Timestamp::try_from(now).ok()?;
    let delta = when.duration_since(now);
    Some(if delta.is_negative() { Duration::ZERO } else { Duration::try_from(delta).ok()? })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_in_both_forms() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_445_412_470); // 2015-10-21T07:27:50Z
        assert_eq!(parse_retry_after("5", now), Some(Duration::from_secs(5)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now), Some(Duration::from_secs(10)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:27:00 GMT", now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[test]
    fn backoff_grows_and_the_caps_hold() {
        let p = RetryPolicy {
            max_retries: 3,
            base_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(3),
            max_total_wait: Duration::from_secs(5),
        };
        let now = SystemTime::now();
        let (w0, b0) = p.next_wait(0, None, Duration::ZERO, now).unwrap();
        assert!(w0 >= Duration::from_millis(500) && w0 <= Duration::from_secs(1), "{w0:?}");
        assert_eq!(b0, "backoff");
        let (w2, _) = p.next_wait(2, None, Duration::ZERO, now).unwrap();
        assert!(w2 <= Duration::from_secs(3));
        assert!(p.next_wait(3, None, Duration::ZERO, now).is_none(), "attempt cap");
        assert!(p.next_wait(0, Some("4"), Duration::from_secs(2), now).is_none(), "total cap");
        assert_eq!(p.next_wait(0, Some("100"), Duration::ZERO, now), None, "never retry before Retry-After");
        assert_eq!(p.next_wait(0, Some("2"), Duration::ZERO, now).unwrap().1, "Retry-After: 2");
    }
}
