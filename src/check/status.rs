//! `status`: the status code is the expected one.

use serde_json::Value;

use super::{Exchange, Finding};

/// Returns whether the status was acceptable (later checks of the success shape depend on it).
pub fn check(x: &Exchange<'_>, out: &mut Vec<Finding>) -> bool {
    let expected = &x.case.expect.status;
    let status = x.answer.status;
    if expected.accepts(status) {
        return true;
    }
    let mut message = format!("expected status {expected}, got {status}");
    if (300..400).contains(&status) {
        let location = x.answer.header("location").unwrap_or("(no Location header)");
        message.push_str(&format!(
            "; the answer redirects to {location}, which the harness never follows (an Authorization header must not reach another origin)"
        ));
    }
    if let Some(err) = x.json.and_then(|b| b.get("error")) {
        let code = err.get("code").and_then(Value::as_str).unwrap_or("?");
        let msg = err.get("message").and_then(Value::as_str).unwrap_or("");
        message.push_str(&format!("; the server said {code}: {}", clip(msg, 300)));
    }
    out.push(Finding::failure("status", "", message).with_values(expected.to_string(), status.to_string()));
    false
}

pub use crate::report::term::clip;
