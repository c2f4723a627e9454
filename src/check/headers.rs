//! Header rules: `content-type`, `headers.documented`, `headers.request-id`,
//! `headers.client-request-id`, `headers.odata-version`.

use super::{Exchange, Finding};

/// The media type of a Content-Type value: `application/json;odata.metadata=minimal` → `application/json`.
pub fn media_type(value: &str) -> String {
    value.split(';').next().unwrap_or("").trim().to_ascii_lowercase()
}

/// `application/json` or a `+json` suffix type (compared without allocating: it runs per answer).
pub fn is_json_media_type(value: &str) -> bool {
    let m = value.split(';').next().unwrap_or("").trim();
    m.eq_ignore_ascii_case("application/json")
        || (m.len() > 5 && m.is_char_boundary(m.len() - 5) && m[m.len() - 5..].eq_ignore_ascii_case("+json"))
}

pub fn check(x: &Exchange<'_>, out: &mut Vec<Finding>) {
    let a = x.answer;
    let content_type = a.header("content-type");
    // Error answers are the error.shape rule's business, content type included.
    if !a.body.is_empty() && a.status < 400 {
        match content_type {
            None => out.push(Finding::failure(
                "content-type",
                "header:Content-Type",
                "the answer has a body but no Content-Type header",
            )),
            Some(ct) if !is_json_media_type(ct) => out.push(
                Finding::failure("content-type", "header:Content-Type", "the body is not declared as JSON")
                    .with_values("application/json (parameters allowed)", ct),
            ),
            _ => {}
        }
    } else if a.body.is_empty() && x.case.expect.status.accepts(a.status) && x.case.expect.body.is_some() {
        out.push(Finding::failure("body.json", "", "the example documents a body, but the answer's body is empty"));
    }

    for (name, value) in &x.case.expect.headers {
        let actual = a.header(name);
        if name.eq_ignore_ascii_case("content-type") {
            // A non-JSON answer is already reported above; this compares JSON media types.
            if let Some(ct) = actual
                && !a.body.is_empty()
                && a.status < 400
                && is_json_media_type(ct)
                && media_type(ct) != media_type(value)
            {
                out.push(
                    Finding::failure(
                        "content-type",
                        "header:Content-Type",
                        "the media type differs from the documented one",
                    )
                    .with_values(media_type(value), ct),
                );
            }
        } else if actual.is_none() && x.case.expect.status.accepts(a.status) {
            out.push(Finding::failure(
                "headers.documented",
                format!("header:{name}"),
                format!("the documented header {name} is missing"),
            ));
        }
    }

    if a.header("request-id").is_none() {
        out.push(Finding::failure(
            "headers.request-id",
            "header:request-id",
            "no request-id header; Graph sends one with every answer and support needs it to trace a request",
        ));
    }
    match a.header("client-request-id") {
        Some(v) if !v.eq_ignore_ascii_case(x.sent.client_request_id) => out.push(
            Finding::failure(
                "headers.client-request-id",
                "header:client-request-id",
                "the answer's client-request-id is not the one sent",
            )
            .with_values(x.sent.client_request_id, v),
        ),
        Some(_) => {}
        None => out.push(Finding::warning(
            "headers.client-request-id",
            "header:client-request-id",
            "no client-request-id header in the answer (Graph echoes the one sent)",
        )),
    }
    if let Some(v) = a.header("odata-version")
        && !matches!(v.trim(), "4.0" | "4.01")
    {
        out.push(
            Finding::failure("headers.odata-version", "header:OData-Version", "unsupported OData version")
                .with_values("4.0", v),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_types_ignore_parameters_and_case() {
        assert!(is_json_media_type(
            "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8"
        ));
        assert!(is_json_media_type("Application/JSON"));
        assert!(is_json_media_type("application/problem+json"));
        assert!(!is_json_media_type("text/plain; charset=utf-8"));
        assert!(!is_json_media_type("text/json-ish"));
    }
}
