//! Two answers (and, to learn noise, a second answer of the baseline) turned into findings: the
//! status and media type first, then the bodies' typed differences, less the noise.

use std::collections::BTreeSet;

use serde_json::Value;

use super::compare::{self, Difference, Options};
use super::noise::{Noise, normalize};
use crate::check::{Answer, Finding};

/// One side's answer, with its service root (for normalization).
pub struct Side<'a> {
    pub answer: &'a Answer,
    pub root: &'a str,
}

/// What a comparison found, and what it set aside as noise.
#[derive(Debug, Default)]
pub struct Outcome {
    pub findings: Vec<Finding>,
    /// The two bodies as compared (normalized), for the printed diff.
    pub bodies: Option<(Value, Value)>,
    /// Pointers whose differences were noise: learned from the baseline, and from the rules.
    pub learned: BTreeSet<String>,
    pub ruled_noise: BTreeSet<String>,
}

fn media(a: &Answer) -> String {
    a.header("content-type").unwrap_or("").split(';').next().unwrap_or("").trim().to_ascii_lowercase()
}

fn json(side: &Side) -> Option<Value> {
    let mut v: Value = crate::json_strict::parse(&side.answer.body).ok()?;
    normalize(&mut v, side.root);
    Some(v)
}

/// Compares the candidate's answer with the baseline's; `again` is the baseline's second answer to
/// the same request (what differs between the two is the baseline's own noise).
pub fn compare(
    suite: &str,
    baseline: &Side,
    candidate: &Side,
    again: Option<&Side>,
    opts: &Options,
    noise: &Noise,
) -> Outcome {
    let mut out = Outcome::default();
    let (b, c) = (baseline.answer, candidate.answer);
    if b.status != c.status {
        out.findings.push(
            Finding::failure("diff.status", "", "the candidate answers with another status than the baseline")
                .with_values(b.status.to_string(), c.status.to_string()),
        );
    }
    if media(b) != media(c) {
        out.findings.push(
            Finding::failure(
                "diff.status",
                "header:content-type",
                "the candidate labels its answer with another media type",
            )
            .with_values(media(b), media(c)),
        );
    }
    let (Some(bj), Some(cj)) = (json(baseline), json(candidate)) else {
        if b.body != c.body {
            out.findings.push(
                Finding::failure("diff.value", "", "the bodies differ (not both JSON)")
                    .with_values(format!("{} bytes", b.body.len()), format!("{} bytes", c.body.len())),
            );
        }
        return out;
    };
    if let Some(aj) = again.and_then(json) {
        let unbounded = Options { limit: 0, ..opts.clone() };
        out.learned = compare::diff(&bj, &aj, &unbounded)
            .into_iter()
            .map(|d| d.pointer)
            .filter(|p| !noise.is_noise(suite, p))
            .collect();
    }
    for d in compare::diff(&bj, &cj, opts) {
        if noise.is_noise(suite, &d.pointer) {
            out.ruled_noise.insert(d.pointer);
            continue;
        }
        if covered(&out.learned, &d) {
            continue;
        }
        let message = match d.kind {
            compare::Kind::Missing => "the baseline has this, the candidate does not",
            compare::Kind::Extra => "the candidate has this, the baseline does not",
            compare::Kind::Type => "the candidate's value has another JSON type",
            compare::Kind::Value => "the candidate's value differs from the baseline's",
            compare::Kind::Order => "the candidate lists the items in another order than the baseline",
        };
        let mut f = Finding::failure(d.kind.rule(), &d.pointer, message);
        f.expected = d.baseline;
        f.actual = d.candidate;
        out.findings.push(f);
    }
    out.bodies = Some((bj, cj));
    out
}

/// A difference at a place where the baseline differed from itself (or below it).
fn covered(learned: &BTreeSet<String>, d: &Difference) -> bool {
    learned.iter().any(|p| d.pointer == *p || d.pointer.starts_with(&format!("{p}/")))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn answer(status: u16, body: Value) -> Answer {
        Answer::from_parts(status, &[("content-type".into(), "application/json".into())], body.to_string().into_bytes())
    }

    fn rules(o: &Outcome) -> Vec<&'static str> {
        o.findings.iter().map(|f| f.rule).collect()
    }

    #[test]
    fn status_values_and_learned_noise() {
        let opts = Options { keys: vec!["id".into()], ordered: false, limit: 50 };
        let noise = Noise::load(None).unwrap();
        let b = answer(200, json!({"@odata.context": "http://b/beta/$metadata#x", "id": "1", "n": 1, "t": "10:00"}));
        let c = answer(200, json!({"@odata.context": "http://c/beta/$metadata#x", "id": "1", "n": 2, "t": "10:05"}));
        let again =
            answer(200, json!({"@odata.context": "http://b/beta/$metadata#x", "id": "1", "n": 1, "t": "10:01"}));
        let (sb, sc, sa) = (
            Side { answer: &b, root: "http://b/beta" },
            Side { answer: &c, root: "http://c/beta" },
            Side { answer: &again, root: "http://b/beta" },
        );
        let o = compare("s", &sb, &sc, Some(&sa), &opts, &noise);
        assert_eq!(rules(&o), ["diff.value"], "the root is normalized; /t is the baseline's own noise");
        assert_eq!(o.findings[0].at, "/n");
        assert!(o.learned.contains("/t"));
        let o = compare("s", &sb, &sc, None, &opts, &noise);
        assert_eq!(rules(&o), ["diff.value", "diff.value"], "without learning, /t differs too");
        let gone = answer(404, json!({"error": {"code": "x", "message": "y", "innerError": {"date": "d1"}}}));
        let o = compare("s", &sb, &Side { answer: &gone, root: "http://c/beta" }, None, &opts, &noise);
        assert_eq!(rules(&o)[0], "diff.status");
    }
}
