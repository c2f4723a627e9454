//! A resource path split into segments, with the key values that address entities.
//!
//! `/identityGovernance/lifecycleWorkflows/workflows/14879e66-…/runs/dad77a47-…/userProcessingResults/78b8…`
//! becomes `identityGovernance`, `lifecycleWorkflows`, `workflows('14879e66-…')`, `runs('dad77a47-…')`,
//! `userProcessingResults('78b8…')`. Which segments are keys comes from the documented path template
//! (`…/workflows/{workflow_id}/runs/{runId}/…`); without a template, GUID-shaped segments are keys.

use std::collections::BTreeMap;

/// One navigation step of a resource path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathSegment {
    /// The entity set or navigation property name.
    pub name: String,
    /// The key that follows it, if any (`workflows/{id}`).
    pub key: Option<String>,
}

/// A request path relative to the service root, as segments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourcePath {
    pub segments: Vec<PathSegment>,
}

impl ResourcePath {
    /// Splits `path` (relative to the service root, with or without a leading `/`), taking key
    /// positions from `template` when it has the same number of segments.
    pub fn parse(path: &str, template: Option<&str>) -> Self {
        let parts: Vec<&str> = split_path(path);
        let template_parts: Option<Vec<&str>> = template.map(split_path).filter(|t| t.len() == parts.len());
        let mut segments: Vec<PathSegment> = Vec::with_capacity(parts.len());
        for (i, part) in parts.iter().enumerate() {
            let is_key = match &template_parts {
                Some(t) => template_param(t[i]).is_some(),
                None => looks_like_guid(part),
            };
            match segments.last_mut() {
                Some(last) if is_key && last.key.is_none() => last.key = Some(super::query::percent_decode(part)),
                _ => segments.push(PathSegment { name: part.to_string(), key: None }),
            }
        }
        ResourcePath { segments }
    }

    /// Whether the path addresses one entity (it ends with a key).
    pub fn is_entity(&self) -> bool {
        self.segments.last().is_some_and(|s| s.key.is_some())
    }
}

/// Substitutes `{param}` segments of a template with values; fails naming the first missing parameter.
pub fn fill_template(template: &str, params: &BTreeMap<String, String>) -> Result<String, String> {
    let mut out = String::new();
    for part in split_path(template) {
        out.push('/');
        match template_param(part) {
            Some(name) => out.push_str(params.get(name).ok_or_else(|| name.to_string())?),
            None => out.push_str(part),
        }
    }
    Ok(out)
}

/// Matches `path` against `template`: the fixed segments must be equal (ASCII case-insensitively, as
/// Graph treats them) and every `{param}` segment non-empty. Returns the parameter values.
pub fn match_template(template: &str, path: &str) -> Option<BTreeMap<String, String>> {
    let t = split_path(template);
    let p = split_path(path);
    if t.len() != p.len() {
        return None;
    }
    let mut params = BTreeMap::new();
    for (ts, ps) in t.iter().zip(&p) {
        match template_param(ts) {
            Some(name) => {
                params.insert(name.to_string(), super::query::percent_decode(ps));
            }
            None if ts.eq_ignore_ascii_case(ps) => {}
            None => return None,
        }
    }
    Some(params)
}

/// The parameter name of a template segment: `{runId}` and the doc's `{{workflow_id}}` give `runId`, `workflow_id`.
pub fn template_param(segment: &str) -> Option<&str> {
    let inner = segment.strip_prefix('{')?.strip_suffix('}')?;
    let inner = inner.trim_start_matches('{').trim_end_matches('}');
    (!inner.is_empty()).then_some(inner)
}

fn split_path(path: &str) -> Vec<&str> {
    path.split('/').filter(|s| !s.is_empty()).collect()
}

/// 8-4-4-4-12 hexadecimal digits.
pub fn looks_like_guid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups.iter().zip([8, 4, 4, 4, 12]).all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEMPLATE: &str = "/identityGovernance/lifecycleWorkflows/workflows/{workflow_id}/runs/{runId}/userProcessingResults/{userProcessingResultId}";

    #[test]
    fn keys_come_from_the_template() {
        let p = ResourcePath::parse(
            "/identityGovernance/lifecycleWorkflows/workflows/w1/runs/r1/userProcessingResults/u1",
            Some(TEMPLATE),
        );
        assert!(p.is_entity());
        assert_eq!(p.segments.len(), 5);
        assert_eq!(p.segments[3].key.as_deref(), Some("r1"));
        assert_eq!(p.segments[2].key.as_deref(), Some("w1"));
    }

    #[test]
    fn without_template_guids_are_keys() {
        let p = ResourcePath::parse(
            "identityGovernance/lifecycleWorkflows/workflows/14879e66-9ea9-48d0-804d-8fea672d0341/runs",
            None,
        );
        assert!(!p.is_entity());
        assert_eq!(p.segments[2].key.as_deref(), Some("14879e66-9ea9-48d0-804d-8fea672d0341"));
    }

    #[test]
    fn templates_match_case_insensitively() {
        let m = match_template(
            TEMPLATE,
            "/IdentityGovernance/lifecycleworkflows/workflows/a/runs/b/userProcessingResults/c",
        )
        .unwrap();
        assert_eq!(m["userProcessingResultId"], "c");
        assert!(match_template(TEMPLATE, "/identityGovernance/lifecycleWorkflows/workflows/a/runs/b").is_none());
        assert!(
            match_template(
                TEMPLATE,
                "/identityGovernance/lifecycleWorkflows/workflows/a/tasks/b/userProcessingResults/c"
            )
            .is_none()
        );
    }

    #[test]
    fn templates_fill_and_report_missing_params() {
        let mut params = BTreeMap::new();
        params.insert("workflow_id".to_string(), "w".to_string());
        assert_eq!(fill_template("/a/{{workflow_id}}/b", &params).unwrap(), "/a/w/b");
        assert_eq!(fill_template("/a/{runId}", &params).unwrap_err(), "runId");
    }
}
