//! `error.shape`: every 4xx/5xx answer is Graph's error object with a JSON content type.

use super::headers::is_json_media_type;
use super::schema::schema_findings;
use super::{Exchange, Finding};
use crate::schema::{ERROR_TYPE, Variant};

pub fn check(x: &Exchange<'_>, out: &mut Vec<Finding>) {
    if x.answer.status < 400 {
        let error_object = x.json.and_then(|b| b.get("error")).is_some_and(serde_json::Value::is_object);
        if x.case.expect.expect_error && !error_object && x.case.expect.status.accepts(x.answer.status) {
            out.push(Finding::failure(
                "error.shape",
                "/error",
                "the example is annotated expectError, but the answer carries no Graph error object",
            ));
        } else if !x.case.expect.expect_error && error_object && (200..300).contains(&x.answer.status) {
            out.push(Finding::failure(
                "error.shape",
                "/error",
                "a successful answer carries Graph's error object (ApiDoctor's JsonErrorObject)",
            ));
        }
        return;
    }
    let ct = x.answer.header("content-type").unwrap_or("");
    if x.answer.body.is_empty() {
        out.push(Finding::failure(
            "error.shape",
            "",
            "an error answer without a body; Graph sends {\"error\": {\"code\", \"message\"}}",
        ));
        return;
    }
    if !is_json_media_type(ct) {
        out.push(
            Finding::failure(
                "error.shape",
                "header:Content-Type",
                "an error answer that is not JSON; Graph sends {\"error\": {\"code\", \"message\"}}",
            )
            .with_values("application/json", if ct.is_empty() { "(none)" } else { ct }),
        );
        return;
    }
    let Some(body) = x.json else { return };
    let variant =
        Variant { type_name: ERROR_TYPE.into(), collection: false, select: None, include_unknown_enum_members: true };
    match x.schemas.validator(&variant) {
        Ok(v) => out.extend(schema_findings(
            &v,
            body,
            "",
            "error.shape",
            None,
            x.schemas,
            true,
            super::schema::MAX_SCHEMA_FINDINGS,
        )),
        Err(e) => out.push(Finding::failure("harness", "", format!("the error schema cannot be used: {e}"))),
    }
}
