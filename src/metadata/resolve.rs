//! A resource path, walked through the model: the entity container (entity sets and singletons),
//! navigation properties, key segments and bound operations. The result says what the answer is
//! (an entity, a collection, an operation's result), which segments are keys and of what type, and
//! which list yields each key (the discovery chain).
//!
//! Paths may be templates (`/workflows/{workflowId}/runs`) or concrete
//! (`/workflows/14879e66-…/runs/summary(startDateTime=…,endDateTime=…)`). Segment names match
//! ASCII case-insensitively, as Graph matches them; the canonical spelling comes from the model.

use super::model::{Model, Operation, OperationKind, short_name};
use crate::odata::path::template_param;

/// One segment, understood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// The segment as written.
    pub written: String,
    pub kind: StepKind,
}

/// What a segment is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepKind {
    /// An entity set, a singleton, or a navigation property; `name` is the model's spelling.
    Member { name: String, type_name: String, collection: bool },
    /// A key after a collection: the template's parameter name (if a template), the value (if concrete).
    Key { type_name: String, property: String, edm: String, param: Option<String>, value: Option<String> },
    /// A bound function or action, with the arguments written in parentheses.
    Operation { operation: Operation, args: Vec<(String, String)> },
    /// `$count` after a collection.
    Count,
}

/// What a request to the path returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shape {
    /// One entity of this type.
    Entity(String),
    /// A collection of entities of this type.
    Collection(String),
    /// An operation's result: a complex, enum or primitive type, perhaps a collection.
    Value { type_name: String, collection: bool },
    /// A plain-text count.
    Count,
    /// Nothing (an action without a result).
    None,
}

/// A resolved path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub steps: Vec<Step>,
    pub shape: Shape,
    /// Segments written differently from the model, in a way the resolver could still read
    /// (`workflow` for `workflows`): `(written, model's name)`.
    pub corrections: Vec<(String, String)>,
}

/// Why a path does not resolve: the segment, where it is, and what would have been accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unresolved {
    /// 0-based index of the segment.
    pub index: usize,
    pub segment: String,
    /// The path up to the segment.
    pub at: String,
    pub message: String,
}

impl std::fmt::Display for Unresolved {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "segment '{}' after {}: {}",
            self.segment,
            if self.at.is_empty() { "/" } else { &self.at },
            self.message
        )
    }
}

/// Where the walk stands after a segment.
#[derive(Debug, Clone)]
enum State {
    Root,
    /// A collection of entities of a type.
    Many(String),
    /// One entity of a type.
    One(String),
    /// Something nothing can follow (an operation result, `$count`).
    End,
}

/// Splits a path into segments outside parentheses and quotes (`summary(a='x/y')` is one).
pub fn split_segments(path: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut depth, mut start, mut quoted) = (0i32, 0usize, false);
    for (i, c) in path.char_indices() {
        match c {
            '\'' => quoted = !quoted,
            '(' if !quoted => depth += 1,
            ')' if !quoted => depth -= 1,
            '/' if depth <= 0 && !quoted => {
                out.push(&path[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&path[start..]);
    out.into_iter().filter(|s| !s.is_empty()).collect()
}

/// `name(args)` → (`name`, Some(`args`)).
fn split_call(segment: &str) -> (&str, Option<&str>) {
    match segment.find('(') {
        Some(open) if segment.ends_with(')') => (&segment[..open], Some(&segment[open + 1..segment.len() - 1])),
        _ => (segment, None),
    }
}

/// The key in parentheses at the end of a segment (`subjects(objectId='x')` → (Some(`objectId`),
/// `x`)), if it has one.
pub fn key_in_parens(segment: &str) -> Option<(Option<String>, String)> {
    let decoded = crate::odata::query::percent_decode(segment);
    let (_, args) = split_call(&decoded);
    args.map(key_literal)
}

/// The key inside parentheses, with the property it names if any: `'x'` → (None, `x`) (`''` is
/// a quote), `1` → (None, `1`), `objectId='x'` → (Some(`objectId`), `x`); of a decoded segment.
fn key_literal(args: &str) -> (Option<String>, String) {
    let args = args.trim();
    let (name, value) = match args.split_once('=') {
        Some((name, v)) if !name.contains('\'') => (Some(name.trim().to_string()), v.trim().to_string()),
        _ => (None, args.to_string()),
    };
    let value = match value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')) {
        Some(inner) => inner.replace("''", "'"),
        None => value,
    };
    (name, value)
}

/// `a=1,b='x,y'` → [(a, 1), (b, 'x,y')], split outside quotes.
pub fn parse_args(args: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let (mut start, mut quoted) = (0usize, false);
    let mut push = |part: &str| {
        if let Some((k, v)) = part.split_once('=') {
            out.push((k.trim().to_string(), v.trim().to_string()));
        } else if !part.trim().is_empty() {
            out.push((String::new(), part.trim().to_string()));
        }
    };
    for (i, c) in args.char_indices() {
        match c {
            '\'' => quoted = !quoted,
            ',' if !quoted => {
                push(&args[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    push(&args[start..]);
    out
}

impl Model {
    /// Walks `path` (relative to the service root, template or concrete).
    pub fn resolve(&self, path: &str) -> Result<Resolved, Unresolved> {
        let path = path.split('?').next().unwrap_or("");
        let segments = split_segments(path);
        let mut steps: Vec<Step> = Vec::with_capacity(segments.len());
        let mut corrections = Vec::new();
        let mut state = State::Root;
        for (index, written) in segments.iter().enumerate() {
            let at: String = segments[..index].iter().map(|s| format!("/{s}")).collect();
            let fail = |message: String| Unresolved { index, segment: written.to_string(), at: at.clone(), message };
            // The OData ABNF lets a client percent-encode the delimiters of a segment (`%28`, `%2C`,
            // `%27`, `%29`) and the characters of a value (`%3A`, `%2B`), as URI-template expanders
            // do: the segment is read decoded, once (a segment never splits on a decoded `/`).
            let decoded = crate::odata::query::percent_decode(written);
            let (name, call) = split_call(&decoded);
            let kind = match &state {
                State::End => return Err(fail("nothing can follow an operation's result or $count".into())),
                State::Root => {
                    let child = self
                        .container
                        .iter()
                        .find(|c| c.name.eq_ignore_ascii_case(name))
                        .or_else(|| {
                            let found = self.container.iter().find(|c| plural_match(&c.name, name));
                            if let Some(c) = found {
                                corrections.push((name.to_string(), c.name.clone()));
                            }
                            found
                        })
                        .ok_or_else(|| {
                            fail(format!(
                                "not an entity set or singleton; the metadata has {}",
                                list(self.container.iter().map(|c| c.name.as_str()))
                            ))
                        })?;
                    StepKind::Member {
                        name: child.name.clone(),
                        type_name: child.type_name.clone(),
                        collection: !child.singleton,
                    }
                }
                State::Many(t) => {
                    if name.eq_ignore_ascii_case("$count") {
                        StepKind::Count
                    } else if let Some(op) = self.operation(name, t, true) {
                        StepKind::Operation { operation: op.clone(), args: call.map(parse_args).unwrap_or_default() }
                    } else {
                        let key = self.key_of(t);
                        let property = key.first().cloned().unwrap_or_else(|| "id".to_string());
                        let edm = self.key_type(t);
                        let (param, value) = match template_param(written) {
                            Some(p) => (Some(p.to_string()), None),
                            None => (None, Some(decoded.clone())),
                        };
                        StepKind::Key { type_name: t.clone(), property, edm, param, value }
                    }
                }
                State::One(t) => {
                    let navs = self.all_navigations(t);
                    let nav = navs.iter().find(|n| n.name.eq_ignore_ascii_case(name)).or_else(|| {
                        let found = navs.iter().find(|n| plural_match(&n.name, name));
                        if let Some(n) = found {
                            corrections.push((name.to_string(), n.name.clone()));
                        }
                        found
                    });
                    match (nav, self.operation(name, t, false)) {
                        (Some(n), _) => StepKind::Member {
                            name: n.name.clone(),
                            type_name: n.target.clone(),
                            collection: n.collection,
                        },
                        (None, Some(op)) => StepKind::Operation {
                            operation: op.clone(),
                            args: call.map(parse_args).unwrap_or_default(),
                        },
                        (None, None) => {
                            let ops = self
                                .operations
                                .iter()
                                .filter(|o| !o.binding.collection && self.is_a(t, &o.binding.type_name));
                            return Err(fail(format!(
                                "{} has no navigation property or bound operation of that name; it has {}",
                                short_name(t),
                                list(navs.iter().map(|n| n.name.as_str()).chain(ops.map(|o| o.name.as_str())))
                            )));
                        }
                    }
                }
            };
            state = match &kind {
                StepKind::Member { type_name, collection: true, .. } => State::Many(type_name.clone()),
                StepKind::Member { type_name, .. } => State::One(type_name.clone()),
                StepKind::Key { type_name, .. } => State::One(type_name.clone()),
                StepKind::Operation { operation, .. } => match (&operation.returns, operation.kind) {
                    (Some(r), _) if self.structured(&r.type_name).is_some_and(|s| s.entity) => {
                        if r.collection {
                            State::Many(r.type_name.clone())
                        } else {
                            State::One(r.type_name.clone())
                        }
                    }
                    _ => State::End,
                },
                StepKind::Count => State::End,
            };
            // Key-as-parentheses (`workflows('x')`, `versions(1)`, `workflows(id='x')`): the
            // collection and then its key, as `workflows/x` reads.
            let key_in_parens = match (&kind, call) {
                (StepKind::Member { type_name, collection: true, .. }, Some(args)) => {
                    Some((type_name.clone(), key_literal(args)))
                }
                _ => None,
            };
            steps.push(Step { written: written.to_string(), kind });
            if let Some((t, (named, value))) = key_in_parens {
                let key = self.key_of(&t);
                let primary = key.first().cloned().unwrap_or_else(|| "id".to_string());
                // An alternate key names its property (`subjects(objectId='…')`): the key is that
                // property's value, of that property's type.
                let alternate = named.and_then(|n| {
                    self.all_properties(&t).into_iter().find(|p| p.name.eq_ignore_ascii_case(&n) && p.name != primary)
                });
                let (property, edm) = match alternate {
                    Some(p) => (p.name.clone(), p.type_name.clone()),
                    None => (primary, self.key_type(&t)),
                };
                // A template's placeholder (`subjects(objectId='{id}')`) is a parameter, as a
                // `{id}` segment is.
                let (param, value_of) = match template_param(&value) {
                    Some(p) => (Some(p.to_string()), None),
                    None => (None, Some(value.clone())),
                };
                let kind = StepKind::Key { type_name: t.clone(), property, edm, param, value: value_of };
                steps.push(Step { written: value, kind });
                state = State::One(t);
            }
        }
        let shape = match (&state, steps.last().map(|s| &s.kind)) {
            (_, Some(StepKind::Count)) => Shape::Count,
            (_, Some(StepKind::Operation { operation, .. })) => match &operation.returns {
                None => Shape::None,
                Some(r) if self.structured(&r.type_name).is_some_and(|s| s.entity) => {
                    if r.collection {
                        Shape::Collection(r.type_name.clone())
                    } else {
                        Shape::Entity(r.type_name.clone())
                    }
                }
                Some(r) => Shape::Value { type_name: r.type_name.clone(), collection: r.collection },
            },
            (State::Many(t), _) => Shape::Collection(t.clone()),
            (State::One(t), _) => Shape::Entity(t.clone()),
            _ => Shape::None,
        };
        Ok(Resolved { steps, shape, corrections })
    }

    /// A bound operation named `name` (optionally namespace-qualified) on `(type, collection)`.
    fn operation(&self, name: &str, type_name: &str, collection: bool) -> Option<&Operation> {
        let bare = name.rsplit('.').next().unwrap_or(name);
        self.operations_bound_to(bare, type_name, collection).into_iter().next()
    }
}

/// `workflow` written for `workflows` (or the reverse): a doc-page slip the resolver reads as meant.
fn plural_match(model: &str, written: &str) -> bool {
    let (m, w) = (model.to_ascii_lowercase(), written.to_ascii_lowercase());
    m == format!("{w}s") || w == format!("{m}s")
}

fn list<'a>(names: impl Iterator<Item = &'a str>) -> String {
    let mut v: Vec<&str> = names.collect();
    v.sort_unstable();
    v.dedup();
    if v.is_empty() { "none".into() } else { v.join(", ") }
}

impl Resolved {
    /// The type of the answer's entities (an entity, or a collection's items), if any.
    pub fn entity_type(&self) -> Option<&str> {
        match &self.shape {
            Shape::Entity(t) | Shape::Collection(t) => Some(t),
            _ => None,
        }
    }

    /// The answer is one entity read by key (its last segment is a key).
    pub fn is_keyed_entity(&self) -> bool {
        matches!(self.steps.last().map(|s| &s.kind), Some(StepKind::Key { .. }))
    }

    /// Whether step `i` is a key written in parentheses after its collection
    /// (`subjects(objectId='x')`): a step without a path segment of its own.
    pub fn key_in_parens_at(&self, i: usize) -> bool {
        i > 0
            && matches!(self.steps.get(i).map(|s| &s.kind), Some(StepKind::Key { .. }))
            && crate::odata::path::decode(&self.steps[i - 1].written).ends_with(')')
    }

    /// The key steps in path order.
    pub fn keys(&self) -> impl Iterator<Item = (usize, &Step)> {
        self.steps.iter().enumerate().filter(|(_, s)| matches!(s.kind, StepKind::Key { .. }))
    }

    /// Whether the last segment calls an operation.
    pub fn operation(&self) -> Option<&Operation> {
        match self.steps.last().map(|s| &s.kind) {
            Some(StepKind::Operation { operation, .. }) => Some(operation),
            _ => None,
        }
    }

    /// Whether a request to this path changes the target (an action).
    pub fn is_action(&self) -> bool {
        self.operation().is_some_and(|o| o.kind == OperationKind::Action)
    }

    /// The canonical names of the members up to step `end` (exclusive), keys and operations left
    /// out: `identityGovernance/lifecycleWorkflows/workflows/runs`. Two paths with the same node
    /// list the same kind of collection.
    pub fn node(&self, end: usize) -> String {
        let mut out = String::new();
        for s in &self.steps[..end.min(self.steps.len())] {
            if let StepKind::Member { name, .. } = &s.kind {
                if !out.is_empty() {
                    out.push('/');
                }
                out.push_str(name);
            }
        }
        out
    }

    /// The path with the model's spelling of every member, the keys and operations as written.
    pub fn canonical_path(&self) -> String {
        let mut out = String::new();
        for s in &self.steps {
            out.push('/');
            match &s.kind {
                StepKind::Member { name, .. } => out.push_str(name),
                _ => out.push_str(&s.written),
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metadata::csdl::parse;

    const MEMBERS: &str = r#"
      <EntityType Name="hub" BaseType="g.entity"><NavigationProperty Name="flows" Type="Collection(g.flow)" ContainsTarget="true" /><NavigationProperty Name="settings" Type="g.settings" ContainsTarget="true" /></EntityType>
      <EntityType Name="flow" BaseType="g.entity"><NavigationProperty Name="runs" Type="Collection(g.run)" ContainsTarget="true" /><NavigationProperty Name="versions" Type="Collection(g.version)" ContainsTarget="true" /></EntityType>
      <EntityType Name="version"><Key><PropertyRef Name="number" /></Key><Property Name="number" Type="Edm.Int32" Nullable="false" /></EntityType>
      <EntityType Name="run" BaseType="g.entity" />
      <EntityType Name="settings" BaseType="g.entity" />
      <ComplexType Name="summary"><Property Name="total" Type="Edm.Int32" Nullable="false" /></ComplexType>
      <Function Name="summary" IsBound="true"><Parameter Name="b" Type="Collection(g.run)" /><Parameter Name="start" Type="Edm.DateTimeOffset" /><ReturnType Type="g.summary" /></Function>
      <Action Name="activate" IsBound="true"><Parameter Name="b" Type="g.flow" /></Action>
      <EntityContainer Name="S"><Singleton Name="hub" Type="g.hub" /></EntityContainer>"#;

    fn model() -> Model {
        parse(&crate::metadata::csdl::test_document(MEMBERS)).unwrap()
    }

    #[test]
    fn entities_collections_keys_and_their_types() {
        let m = model();
        let r = m.resolve("/HUB/flows/{flowId}/runs/{runId}").unwrap();
        assert_eq!(r.shape, Shape::Entity("g.run".into()));
        assert!(r.is_keyed_entity());
        let keys: Vec<(usize, Option<String>)> = r
            .keys()
            .map(|(i, s)| match &s.kind {
                StepKind::Key { param, .. } => (i, param.clone()),
                _ => unreachable!(),
            })
            .collect();
        assert_eq!(keys, [(2, Some("flowId".into())), (4, Some("runId".into()))]);
        assert_eq!(r.node(4), "hub/flows/runs");
        assert_eq!(r.canonical_path(), "/hub/flows/{flowId}/runs/{runId}");
        let v = m.resolve("/hub/flows/f1/versions/3").unwrap();
        assert!(
            matches!(&v.steps[4].kind, StepKind::Key { edm, value: Some(x), .. } if edm == "Edm.Int32" && x == "3")
        );
        assert_eq!(m.resolve("/hub/settings").unwrap().shape, Shape::Entity("g.settings".into()));
        assert_eq!(m.resolve("/hub/flows").unwrap().shape, Shape::Collection("g.flow".into()));
    }

    #[test]
    fn operations_and_count() {
        let m = model();
        let r = m.resolve("/hub/flows/f/runs/summary(start=2022-01-01T00:00:00Z)").unwrap();
        assert_eq!(r.shape, Shape::Value { type_name: "g.summary".into(), collection: false });
        let StepKind::Operation { args, .. } = &r.steps[4].kind else { panic!() };
        assert_eq!(args, &[("start".to_string(), "2022-01-01T00:00:00Z".to_string())]);
        let a = m.resolve("/hub/flows/f/activate").unwrap();
        assert!(a.is_action());
        assert_eq!(a.shape, Shape::None);
        assert_eq!(m.resolve("/hub/flows/$count").unwrap().shape, Shape::Count);
    }

    #[test]
    fn unknown_segments_are_named_and_plural_slips_corrected() {
        let m = model();
        let e = m.resolve("/hub/flows/f/nope").unwrap_err();
        assert_eq!((e.index, e.segment.as_str(), e.at.as_str()), (3, "nope", "/hub/flows/f"));
        assert!(e.message.contains("activate, runs, versions"), "{e}");
        let r = m.resolve("/hub/flow/{id}/runs").unwrap();
        assert_eq!(r.corrections, [("flow".to_string(), "flows".to_string())]);
        assert_eq!(r.canonical_path(), "/hub/flows/{id}/runs");
    }
}
