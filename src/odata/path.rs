//! Resource paths: templates and how they are filled, and a request path as the `@odata.context`
//! rule needs it (segments with their keys, and what the path returns).
//!
//! `/identityGovernance/lifecycleWorkflows/workflows/14879e66-…/runs/dad77a47-…` becomes
//! `identityGovernance`, `lifecycleWorkflows`, `workflows('14879e66-…')`, `runs('dad77a47-…')`. Which
//! segments are keys, and what the path returns, comes from the model ([`crate::metadata::resolve`]).

use std::collections::BTreeMap;

use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};

use crate::metadata::resolve::{Resolved, Shape, StepKind, key_in_parens, split_segments};

/// One navigation step of a resource path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathSegment {
    /// The entity set or navigation property name (the model's spelling when resolved).
    pub name: String,
    /// The key that follows it, if any (`workflows/{id}`), percent-decoded.
    pub key: Option<String>,
    /// The key is an integer (`versions(1)`), written without quotes in `@odata.context`.
    pub numeric_key: bool,
    /// The property the key is a value of: the entity's key (`id`), or the one an alternate key
    /// names (`subjects(objectId='…')` → `objectId`); `None` when the path was not resolved.
    pub key_property: Option<String>,
}

/// What a path returns, as far as `@odata.context` is concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathKind {
    /// One entity: read by key, or a singleton or single-valued navigation (`/settings`).
    Entity,
    /// A collection of entities.
    Collection,
    /// A function's or action's result that is not an entity: `#<qualified type>`.
    Value { type_name: String, collection: bool },
    /// An action's entity result (`restore`): Graph's context for these is not settled by the docs.
    ActionEntity,
    /// Anything else (`$count`, no content).
    Other,
}

/// A request path relative to the service root, as segments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourcePath {
    pub segments: Vec<PathSegment>,
    pub kind: PathKind,
}

/// The characters a key must not carry raw into a path segment: anything that would end the
/// segment, start the query or fragment, or be read as an escape.
const SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'/')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'\\')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

/// A value as one path segment: `/`, `?`, `#`, `%`, spaces and controls percent-encoded, so it can
/// never change the path or the query. (`.` and `..` are refused as keys before they get here: URL
/// parsers resolve them, encoded or not.)
pub fn encode_segment(value: &str) -> String {
    utf8_percent_encode(value, SEGMENT).to_string()
}

/// Percent-decodes a path segment or query component; invalid UTF-8 shows as U+FFFD.
pub fn decode(value: &str) -> String {
    percent_encoding::percent_decode_str(value).decode_utf8_lossy().into_owned()
}

impl ResourcePath {
    /// The path `path` (concrete) read with the structure of `resolved` (its template's or its own
    /// resolution): keys are taken from `path`'s segments at the key positions. Without a
    /// resolution (or when the segment counts differ), GUID-shaped segments are keys.
    pub fn bind(resolved: Option<&Resolved>, path: &str) -> Self {
        let parts = split_segments(path.split('?').next().unwrap_or(""));
        // A key in parentheses (`subjects(objectId='x')`) is a step of its own without a segment.
        let in_parens = |i: usize| resolved.is_some_and(|r| r.key_in_parens_at(i));
        let Some(r) = resolved.filter(|r| (0..r.steps.len()).filter(|&i| !in_parens(i)).count() == parts.len()) else {
            return Self::guess(&parts);
        };
        let mut segments: Vec<PathSegment> = Vec::with_capacity(parts.len());
        let mut next_part = parts.iter();
        let mut previous: Option<&str> = None;
        for (i, step) in r.steps.iter().enumerate() {
            let part = if in_parens(i) { None } else { next_part.next().copied() };
            let written = previous;
            previous = part;
            match &step.kind {
                StepKind::Member { name, .. } => {
                    segments.push(PathSegment { name: name.clone(), key: None, numeric_key: false, key_property: None })
                }
                StepKind::Key { edm, value, property, .. } => {
                    if let Some(last) = segments.last_mut() {
                        // In parentheses, the key is read from this path's segment (the
                        // resolution may be its template's).
                        last.key = match part {
                            Some(p) => Some(decode(p)),
                            None => written.and_then(key_in_parens).map(|(_, v)| v).or_else(|| value.clone()),
                        };
                        last.numeric_key = edm != "Edm.String" && edm != "Edm.Guid";
                        last.key_property = Some(property.clone());
                    }
                }
                StepKind::Operation { operation, .. } => segments.push(PathSegment {
                    name: operation.name.clone(),
                    key: None,
                    numeric_key: false,
                    key_property: None,
                }),
                StepKind::Count => segments.push(PathSegment {
                    name: "$count".into(),
                    key: None,
                    numeric_key: false,
                    key_property: None,
                }),
            }
        }
        let kind = match (&r.shape, r.operation()) {
            (Shape::Entity(_), Some(_)) | (Shape::Collection(_), Some(_)) => PathKind::ActionEntity,
            (Shape::Entity(_), None) => PathKind::Entity,
            (Shape::Collection(_), None) => PathKind::Collection,
            (Shape::Value { type_name, collection }, _) => {
                PathKind::Value { type_name: type_name.clone(), collection: *collection }
            }
            _ => PathKind::Other,
        };
        ResourcePath { segments, kind }
    }

    /// Without a model: GUID-shaped segments are keys, the path ends in an entity when it ends in one.
    fn guess(parts: &[&str]) -> Self {
        let mut segments: Vec<PathSegment> = Vec::new();
        for part in parts {
            match segments.last_mut() {
                Some(last) if looks_like_guid(part) && last.key.is_none() => last.key = Some(decode(part)),
                _ => segments.push(PathSegment {
                    name: part.to_string(),
                    key: None,
                    numeric_key: false,
                    key_property: None,
                }),
            }
        }
        let kind =
            if segments.last().is_some_and(|s| s.key.is_some()) { PathKind::Entity } else { PathKind::Collection };
        ResourcePath { segments, kind }
    }

    /// Whether the path addresses one entity read by key.
    pub fn is_keyed_entity(&self) -> bool {
        self.kind == PathKind::Entity && self.segments.last().is_some_and(|s| s.key.is_some())
    }

    /// Whether the path returns one entity (by key, or a singleton).
    pub fn is_entity(&self) -> bool {
        self.kind == PathKind::Entity
    }
}

/// Substitutes every `{param}` segment of `template` with `value(param)`, percent-encoded as a
/// segment; fails naming the first parameter without a value. The one place a template is filled.
pub fn fill_template<'a>(template: &str, value: impl Fn(&str) -> Option<&'a str>) -> Result<String, String> {
    let mut out = String::with_capacity(template.len() + 64);
    for part in split_segments(template) {
        out.push('/');
        match template_param(part) {
            Some(name) => out.push_str(&encode_segment(value(name).ok_or_else(|| name.to_string())?)),
            None => out.push_str(&fill_in_parens(part, &value).unwrap_or_else(|| part.to_string())),
        }
    }
    Ok(out)
}

/// A key in parentheses filled (`subjects(objectId='{id}')` → `subjects(objectId='x')`), when the
/// segment has one placeholder there and `value` knows it; a quote in the value is doubled.
fn fill_in_parens<'a>(segment: &str, value: &impl Fn(&str) -> Option<&'a str>) -> Option<String> {
    let open = segment.find('(')?;
    let start = open + segment[open..].find('{')?;
    let end = start + segment[start..].find('}')?;
    let name = &segment[start + 1..end];
    if name.is_empty() || name.contains(['{', '/', '(']) || segment[end + 1..].contains('{') {
        return None;
    }
    let v = value(name)?;
    let quoted = segment[..start].ends_with('\'');
    let literal = if quoted { v.replace('\'', "''") } else { v.to_string() };
    Some(format!("{}{}{}", &segment[..start], encode_segment(&literal), &segment[end + 1..]))
}

/// Fills the key parameters of `template` with `value`, taking every other segment from `written`
/// (the case's own path) when it has as many: a function call's arguments (`summary(startDateTime=…)`)
/// stay as the case writes them, not as the doc's template does (`{timestamp}`).
pub fn fill_like<'a>(template: &str, written: &str, value: impl Fn(&str) -> Option<&'a str>) -> Result<String, String> {
    let parts = split_segments(template);
    let own = split_segments(written.split('?').next().unwrap_or(""));
    if parts.len() != own.len() {
        return fill_template(template, value);
    }
    let mut out = String::with_capacity(written.len() + 32);
    for (t, w) in parts.iter().zip(&own) {
        out.push('/');
        match template_param(t) {
            Some(name) => out.push_str(&encode_segment(value(name).ok_or_else(|| name.to_string())?)),
            None => out.push_str(&fill_in_parens(t, &value).unwrap_or_else(|| w.to_string())),
        }
    }
    Ok(out)
}

/// [`fill_template`] from a map.
pub fn fill_from(template: &str, params: &BTreeMap<String, String>) -> Result<String, String> {
    fill_template(template, |n| params.get(n).map(String::as_str))
}

/// Matches `path` against `template`: the fixed segments must be equal (ASCII case-insensitively, as
/// Graph treats them) and every `{param}` segment non-empty. Returns the parameter values, decoded.
pub fn match_template(template: &str, path: &str) -> Option<BTreeMap<String, String>> {
    let t = split_segments(template);
    let p = split_segments(path.split('?').next().unwrap_or(""));
    if t.len() != p.len() {
        return None;
    }
    let mut params = BTreeMap::new();
    for (ts, ps) in t.iter().zip(&p) {
        match template_param(ts) {
            Some(name) => {
                params.insert(name.to_string(), decode(ps));
            }
            None if ts.eq_ignore_ascii_case(ps) => {}
            // An operation call: its arguments may differ (`summary(startDateTime={timestamp},…)`).
            None if ts.contains('(') && ts.split('(').next().is_some_and(|n| ps.split('(').next() == Some(n)) => {}
            None => return None,
        }
    }
    Some(params)
}

/// The parameter name of a template segment: `{runId}` and the doc's `{{workflow_id}}` give `runId`, `workflow_id`.
pub fn template_param(segment: &str) -> Option<&str> {
    let inner = segment.strip_prefix('{')?.strip_suffix('}')?;
    let inner = inner.trim_start_matches('{').trim_end_matches('}');
    (!inner.is_empty() && !inner.contains(['{', '}', '/'])).then_some(inner)
}

/// 8-4-4-4-12 hexadecimal digits.
pub fn looks_like_guid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups.iter().zip([8, 4, 4, 4, 12]).all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Why `id` cannot be a key of EDM type `edm`, if it cannot: empty, too long, a dot segment, a
/// control character, or not of the key's type.
pub fn invalid_key(id: &str, edm: &str) -> Option<String> {
    const MAX_KEY_LENGTH: usize = 512;
    if id.is_empty() {
        return Some("an empty id".into());
    }
    if id.len() > MAX_KEY_LENGTH {
        return Some(format!("an id of {} bytes (more than {MAX_KEY_LENGTH})", id.len()));
    }
    if id == "." || id == ".." {
        return Some(format!("the id '{id}' is a dot segment, which a URL resolves away"));
    }
    if id.chars().any(char::is_control) {
        return Some("an id with a control character".into());
    }
    match edm {
        "Edm.Guid" if !looks_like_guid(id) => Some("not a GUID, which the key's type Edm.Guid requires".into()),
        "Edm.Int32" | "Edm.Int64" | "Edm.Int16" if id.parse::<i64>().is_err() => {
            Some(format!("not an integer, which the key's type {edm} requires"))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_in_parentheses_fill_and_function_arguments_stay() {
        let v = |n: &str| (n == "id").then_some("o'k/x");
        let t = "/subjects(objectId='{id}')/b";
        assert_eq!(fill_template(t, v).unwrap(), "/subjects(objectId='o''k%2Fx')/b", "quote doubled, one segment");
        assert_eq!(fill_like(t, "/subjects(objectId='doc')/b", v).unwrap(), "/subjects(objectId='o''k%2Fx')/b");
        let f = "/runs/summary(startDateTime={timestamp})";
        assert_eq!(
            fill_like(f, "/runs/summary(startDateTime=2020-01-01T00:00:00Z)", v).unwrap(),
            "/runs/summary(startDateTime=2020-01-01T00:00:00Z)"
        );
        assert_eq!(fill_template("/versions({id})", v).unwrap(), "/versions(o'k%2Fx)", "unquoted as written");
    }

    #[test]
    fn templates_fill_encoded_and_report_missing_params() {
        let mut params = BTreeMap::new();
        params.insert("workflow_id".to_string(), "w".to_string());
        assert_eq!(fill_from("/a/{{workflow_id}}/b", &params).unwrap(), "/a/w/b");
        assert_eq!(fill_from("/a/{runId}", &params).unwrap_err(), "runId");
        params.insert("workflow_id".to_string(), "../../v1.0/me?x=1#f %zz".to_string());
        let filled = fill_from("/a/{workflow_id}/b", &params).unwrap();
        assert_eq!(filled, "/a/..%2F..%2Fv1.0%2Fme%3Fx=1%23f%20%25zz/b");
        assert_eq!(split_segments(&filled).len(), 3, "the id stays one segment");
        assert_eq!(decode("..%2F..%2Fv1.0%2Fme%3Fx=1%23f%20%25zz"), "../../v1.0/me?x=1#f %zz");
    }

    #[test]
    fn decoding_uses_only_real_escapes() {
        assert_eq!(decode("a%2Cb%zz%"), "a,b%zz%");
        assert_eq!(decode("%+1"), "%+1", "not a byte");
        assert_eq!(decode("%28x%29"), "(x)");
    }

    #[test]
    fn templates_match_case_insensitively() {
        const T: &str = "/identityGovernance/lifecycleWorkflows/workflows/{workflow_id}/runs/{runId}";
        let m = match_template(T, "/IdentityGovernance/lifecycleworkflows/workflows/a/runs/b%2Fc").unwrap();
        assert_eq!(m["runId"], "b/c");
        assert!(match_template(T, "/identityGovernance/lifecycleWorkflows/workflows/a").is_none());
        assert!(match_template("/w/{id}/runs/summary(a={x})", "/w/1/runs/summary(a=2)").is_some());
    }

    #[test]
    fn keys_are_checked_for_their_type() {
        assert!(invalid_key("", "Edm.String").is_some());
        assert!(invalid_key("..", "Edm.String").is_some());
        assert!(invalid_key("a\nb", "Edm.String").is_some());
        assert!(invalid_key(&"x".repeat(600), "Edm.String").is_some());
        assert!(invalid_key("abc", "Edm.Int32").is_some());
        assert!(invalid_key("3", "Edm.Int32").is_none());
        assert!(invalid_key("x", "Edm.Guid").is_some());
        assert!(invalid_key("../../v1.0/me", "Edm.String").is_none(), "encoded, it is harmless");
    }
}
