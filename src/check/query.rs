//! `query.top` and `query.count`: a list honours `$top` and `$count=true`.

use serde_json::Value;

use super::{Exchange, Finding};

pub fn check(x: &Exchange<'_>, out: &mut Vec<Finding>) {
    if !x.case.collection {
        return;
    }
    let (Some(query), Some(body)) = (x.sent.query, x.json) else { return };
    let options = crate::odata::QueryOptions::parse(query);
    let rows = body.get("value").and_then(Value::as_array).map(Vec::len);
    if let (Some(Ok(top)), Some(rows)) = (options.top(), rows)
        && rows > top
    {
        out.push(
            Finding::failure("query.top", "/value", format!("$top={top} was sent, but the page holds {rows} rows"))
                .with_values(format!("<= {top}"), rows.to_string()),
        );
    }
    if options.system_option("count").is_some_and(|v| v.eq_ignore_ascii_case("true")) {
        let next = body.get("@odata.nextLink").is_some();
        match body.get("@odata.count") {
            None => out.push(Finding::failure(
                "query.count",
                "/@odata.count",
                "$count=true was sent, but the answer has no @odata.count",
            )),
            Some(c) => match (c.as_u64(), rows) {
                (Some(n), Some(rows)) if (n as usize) < rows || (!next && n as usize != rows) => out.push(
                    Finding::failure(
                        "query.count",
                        "/@odata.count",
                        if next {
                            "@odata.count is less than the rows on this page".to_string()
                        } else {
                            "this is the last page, but @odata.count is not the number of rows".to_string()
                        },
                    )
                    .with_values(if next { format!(">= {rows}") } else { rows.to_string() }, n.to_string()),
                ),
                (None, _) => out.push(Finding::failure(
                    "query.count",
                    "/@odata.count",
                    "@odata.count is not a non-negative integer",
                )),
                _ => {}
            },
        }
    }
}
