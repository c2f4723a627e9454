//! A case as sent this time. Discovery runs each entity case for every entity found; rather than
//! cloning the case per entity, it pairs the shared case with the entity's ids, and only the path,
//! the name and the values rule differ.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Arc;

use crate::case::{Case, ValueCheck};
use crate::odata::path::template_param;

/// An entity case bound to one discovered entity.
#[derive(Debug, Clone)]
pub struct Bound {
    pub case: Arc<Case>,
    /// The entity's ids by template parameter.
    pub params: Arc<BTreeMap<String, String>>,
    /// The entity's own id, the last part of the case name.
    pub id: Arc<str>,
}

impl Bound {
    /// `<suite>::<case>::<entity id>`.
    pub fn name(&self) -> String {
        format!("{}::{}::{}", self.case.suite, self.case.name, self.id)
    }

    /// The request path with the entity's ids (pinned parameters, such as an unknown id on purpose,
    /// keep the case's own value).
    pub fn path(&self) -> String {
        let case = &self.case;
        let Some(template) = case.path_template.as_deref() else { return case.request.path.clone() };
        let mut out = String::with_capacity(template.len() + 64);
        for part in template.split('/').filter(|s| !s.is_empty()) {
            out.push('/');
            match template_param(part) {
                Some(p) => {
                    let own = case.path_params.get(p);
                    let value = if case.pinned_params.contains(p) { own } else { self.params.get(p).or(own) };
                    match value {
                        Some(v) => out.push_str(v),
                        // A parameter nobody knows: the case's documented path is the honest fallback.
                        None => return case.request.path.clone(),
                    }
                }
                None => out.push_str(part),
            }
        }
        out
    }
}

/// What `execute` sends and checks.
#[derive(Debug)]
pub struct Instance<'a> {
    pub case: &'a Case,
    /// The trial name.
    pub name: String,
    pub path: Cow<'a, str>,
    /// Which values are compared: a case bound to real ids compares none of the documented ones.
    pub values: ValueCheck,
}

impl<'a> Instance<'a> {
    /// The case as written.
    pub fn of(case: &'a Case) -> Self {
        Instance { case, name: case.full_name(), path: Cow::Borrowed(&case.request.path), values: case.values }
    }

    /// The case bound to an entity.
    pub fn bound(b: &'a Bound) -> Self {
        Instance { case: &b.case, name: b.name(), path: Cow::Owned(b.path()), values: ValueCheck::Off }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::load::case_from_file;
    use crate::case::{CaseFile, DocSource, ExpectedResponse, RequestSpec, StatusSpec};

    fn case() -> Case {
        let cf = CaseFile {
            name: "c".into(),
            source: DocSource { page: "p".into(), request_line: 1, response_line: 2 },
            request: RequestSpec {
                method: "GET".into(),
                path: "/w/w0/r/r0".into(),
                query: None,
                headers: Default::default(),
                body: None,
            },
            path_template: Some("/w/{w}/r/{r}".into()),
            path_params: [("w".to_string(), "w0".to_string()), ("r".to_string(), "r0".to_string())].into(),
            response: ExpectedResponse {
                status: StatusSpec::One(200),
                headers: Default::default(),
                body: None,
                truncated: false,
                odata_type: None,
                is_collection: false,
                is_empty: false,
                expect_error: false,
                nullable_properties: Vec::new(),
            },
        };
        case_from_file("s", "f.json".as_ref(), cf, None)
    }

    #[test]
    fn binding_fills_the_ids_except_pinned_ones() {
        let mut c = case();
        let params: Arc<BTreeMap<String, String>> =
            Arc::new([("w".to_string(), "W".to_string()), ("r".to_string(), "R".to_string())].into());
        let b = Bound { case: Arc::new(c.clone()), params: params.clone(), id: "R".into() };
        assert_eq!(b.path(), "/w/W/r/R");
        assert_eq!(b.name(), "s::c::R");
        c.pinned_params.insert("r".into());
        let b = Bound { case: Arc::new(c), params, id: "R".into() };
        assert_eq!(b.path(), "/w/W/r/r0");
        assert_eq!(Instance::bound(&b).values, ValueCheck::Off);
    }
}
