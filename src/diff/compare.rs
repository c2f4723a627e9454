//! Two answers to the same request, compared as data: typed differences at JSON pointers. Objects
//! key by key; collections item by item, matched by their key (`id`, or the type's key) rather
//! than by position unless the request asked for an order; scalars by value (numbers as numbers).

use std::collections::HashMap;

use serde_json::{Map, Value};

/// What differs at a place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// The baseline has it, the candidate does not.
    Missing,
    /// The candidate has it, the baseline does not.
    Extra,
    /// Both have it, with JSON types that differ.
    Type,
    /// Both have it, with values (or, for a collection, sizes) that differ.
    Value,
    /// The same items in another order, where the request asked for one.
    Order,
}

impl Kind {
    /// The rule a difference of this kind breaks.
    pub fn rule(self) -> &'static str {
        match self {
            Kind::Missing => "diff.missing",
            Kind::Extra => "diff.extra",
            Kind::Type => "diff.type",
            Kind::Value => "diff.value",
            Kind::Order => "diff.order",
        }
    }
}

/// One difference, at a JSON pointer of the baseline's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    pub kind: Kind,
    pub pointer: String,
    pub baseline: Option<String>,
    pub candidate: Option<String>,
}

/// How collections are compared.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Properties that identify an item, tried in order (`id`, then the type's key).
    pub keys: Vec<String>,
    /// The request asked for an order (`$orderby`): items must come in the same order.
    pub ordered: bool,
    /// At most this many differences are collected.
    pub limit: usize,
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn shown(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 200 { format!("{}…", s.chars().take(200).collect::<String>()) } else { s }
}

fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// The differences between `baseline` and `candidate`.
pub fn diff(baseline: &Value, candidate: &Value, opts: &Options) -> Vec<Difference> {
    let mut out = Vec::new();
    let limit = if opts.limit == 0 { usize::MAX } else { opts.limit };
    walk(baseline, candidate, "", opts, limit, &mut out);
    out
}

fn push(out: &mut Vec<Difference>, limit: usize, d: Difference) {
    if out.len() < limit {
        out.push(d);
    }
}

fn walk(b: &Value, c: &Value, at: &str, opts: &Options, limit: usize, out: &mut Vec<Difference>) {
    if out.len() >= limit {
        return;
    }
    match (b, c) {
        (Value::Object(bo), Value::Object(co)) => objects(bo, co, at, opts, limit, out),
        (Value::Array(ba), Value::Array(ca)) => arrays(ba, ca, at, opts, limit, out),
        (Value::Number(x), Value::Number(y)) if x != y && x.as_f64() != y.as_f64() => push(
            out,
            limit,
            Difference { kind: Kind::Value, pointer: at.into(), baseline: Some(shown(b)), candidate: Some(shown(c)) },
        ),
        (Value::Number(_), Value::Number(_)) => {}
        _ if type_name(b) != type_name(c) => push(
            out,
            limit,
            Difference {
                kind: Kind::Type,
                pointer: at.into(),
                baseline: Some(format!("{} {}", type_name(b), shown(b))),
                candidate: Some(format!("{} {}", type_name(c), shown(c))),
            },
        ),
        _ if b != c => push(
            out,
            limit,
            Difference { kind: Kind::Value, pointer: at.into(), baseline: Some(shown(b)), candidate: Some(shown(c)) },
        ),
        _ => {}
    }
}

fn objects(
    b: &Map<String, Value>,
    c: &Map<String, Value>,
    at: &str,
    opts: &Options,
    limit: usize,
    out: &mut Vec<Difference>,
) {
    for (k, bv) in b {
        let here = format!("{at}/{}", escape(k));
        match c.get(k) {
            Some(cv) => walk(bv, cv, &here, opts, limit, out),
            None => push(
                out,
                limit,
                Difference { kind: Kind::Missing, pointer: here, baseline: Some(shown(bv)), candidate: None },
            ),
        }
    }
    for (k, cv) in c {
        if !b.contains_key(k) {
            let here = format!("{at}/{}", escape(k));
            push(
                out,
                limit,
                Difference { kind: Kind::Extra, pointer: here, baseline: None, candidate: Some(shown(cv)) },
            );
        }
    }
}

/// The key that identifies every item of both collections uniquely, if any.
fn item_key<'a>(b: &[Value], c: &[Value], keys: &'a [String]) -> Option<&'a str> {
    keys.iter().map(String::as_str).find(|k| {
        let ids = |items: &[Value]| -> Option<Vec<String>> {
            let ids: Vec<String> = items
                .iter()
                .map(|i| i.get(*k).filter(|v| !v.is_null()).map(|v| v.to_string()))
                .collect::<Option<_>>()?;
            let mut unique = ids.clone();
            unique.sort();
            unique.dedup();
            (unique.len() == ids.len()).then_some(ids)
        };
        !b.is_empty() && ids(b).is_some() && ids(c).is_some()
    })
}

fn arrays(b: &[Value], c: &[Value], at: &str, opts: &Options, limit: usize, out: &mut Vec<Difference>) {
    if b.len() != c.len() {
        push(
            out,
            limit,
            Difference {
                kind: Kind::Value,
                pointer: at.into(),
                baseline: Some(format!("{} items", b.len())),
                candidate: Some(format!("{} items", c.len())),
            },
        );
    }
    let Some(key) = item_key(b, c, &opts.keys) else {
        for (i, (bv, cv)) in b.iter().zip(c).enumerate() {
            walk(bv, cv, &format!("{at}/{i}"), opts, limit, out);
        }
        return;
    };
    let id = |v: &Value| v.get(key).map(|k| k.to_string()).unwrap_or_default();
    let in_candidate: HashMap<String, usize> = c.iter().enumerate().map(|(i, v)| (id(v), i)).collect();
    let mut matched: Vec<usize> = Vec::new();
    for (i, bv) in b.iter().enumerate() {
        let here = format!("{at}/{i}");
        match in_candidate.get(&id(bv)) {
            Some(&j) => {
                matched.push(j);
                walk(bv, &c[j], &here, opts, limit, out);
            }
            None => push(
                out,
                limit,
                Difference {
                    kind: Kind::Missing,
                    pointer: here,
                    baseline: Some(format!("{key} {}", id(bv))),
                    candidate: None,
                },
            ),
        }
    }
    let in_baseline: std::collections::HashSet<String> = b.iter().map(id).collect();
    for (j, cv) in c.iter().enumerate() {
        if !in_baseline.contains(&id(cv)) {
            push(
                out,
                limit,
                Difference {
                    kind: Kind::Extra,
                    pointer: format!("{at}/{j}"),
                    baseline: None,
                    candidate: Some(format!("{key} {}", id(cv))),
                },
            );
        }
    }
    if opts.ordered && matched.windows(2).any(|w| w[0] > w[1]) {
        let order = |items: &[Value]| items.iter().map(id).collect::<Vec<_>>().join(", ");
        push(
            out,
            limit,
            Difference { kind: Kind::Order, pointer: at.into(), baseline: Some(order(b)), candidate: Some(order(c)) },
        );
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn kinds(b: Value, c: Value, ordered: bool) -> Vec<(Kind, String)> {
        let opts = Options { keys: vec!["id".into()], ordered, limit: 0 };
        diff(&b, &c, &opts).into_iter().map(|d| (d.kind, d.pointer)).collect()
    }

    #[test]
    fn each_kind_at_its_pointer() {
        assert_eq!(kinds(json!({"a": 1, "b": 2}), json!({"a": 1, "b": 2}), false), []);
        assert_eq!(kinds(json!({"a": 1}), json!({"a": 1.0}), false), [], "numbers as numbers");
        assert_eq!(kinds(json!({"a": 1, "b/c": 2}), json!({"a": 1}), false), [(Kind::Missing, "/b~1c".into())]);
        assert_eq!(kinds(json!({"a": 1}), json!({"a": 1, "x": 0}), false), [(Kind::Extra, "/x".into())]);
        assert_eq!(kinds(json!({"a": 1}), json!({"a": "1"}), false), [(Kind::Type, "/a".into())]);
        assert_eq!(kinds(json!({"a": "x"}), json!({"a": "y"}), false), [(Kind::Value, "/a".into())]);
    }

    #[test]
    fn collections_match_by_key_and_order_counts_only_when_asked() {
        let b = json!({"value": [{"id": "1", "n": 1}, {"id": "2", "n": 2}]});
        let swapped = json!({"value": [{"id": "2", "n": 2}, {"id": "1", "n": 1}]});
        assert_eq!(kinds(b.clone(), swapped.clone(), false), []);
        assert_eq!(kinds(b.clone(), swapped, true), [(Kind::Order, "/value".into())]);
        let changed = json!({"value": [{"id": "2", "n": 3}, {"id": "1", "n": 1}]});
        assert_eq!(kinds(b.clone(), changed, false), [(Kind::Value, "/value/1/n".into())]);
        let fewer = json!({"value": [{"id": "2", "n": 2}, {"id": "3", "n": 0}, {"id": "4", "n": 0}]});
        assert_eq!(
            kinds(b, fewer, false),
            [
                (Kind::Value, "/value".into()),
                (Kind::Missing, "/value/0".into()),
                (Kind::Extra, "/value/1".into()),
                (Kind::Extra, "/value/2".into())
            ]
        );
    }
}
