//! The GET paths of an area's tree, from the model alone: every entity set and singleton of the
//! container (a bridge singleton only along its bridge), and below each entity its contained
//! navigations, recursively; a navigation that is not contained is a path too, but the walk stops
//! there (its entities live elsewhere). Bound functions are listed where they bind.
//!
//! Each path has a signature, the model's member names with `{}` for keys
//! (`identityGovernance/lifecycleWorkflows/workflows/{}/runs`): a documented example, a derived
//! case and a tree path with one signature read the same endpoint.

use crate::metadata::Model;
use crate::metadata::model::OperationKind;
use crate::metadata::resolve::{Resolved, StepKind};

/// How deep the walk goes (segments); Graph's deepest contained paths are under ten.
pub const MAX_DEPTH: usize = 12;
/// The most paths one model gives (a hostile CSDL cannot make the walk unbounded).
pub const MAX_PATHS: usize = 5_000;

/// What a tree path returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PathKind {
    /// A collection of entities.
    List,
    /// One entity by key.
    Entity,
    /// A singleton or a single-valued navigation.
    Single,
    /// A single-valued navigation that is not contained: Graph answers 404 when it has no value.
    Reference,
    /// A bound function.
    Function,
}

impl PathKind {
    pub fn label(self) -> &'static str {
        match self {
            PathKind::List => "list",
            PathKind::Entity => "entity",
            PathKind::Single => "single",
            PathKind::Reference => "reference",
            PathKind::Function => "function",
        }
    }
}

/// One GET path of the tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreePath {
    /// `/identityGovernance/lifecycleWorkflows/workflows/{workflowId}/runs`.
    pub template: String,
    /// `identityGovernance/lifecycleWorkflows/workflows/{}/runs`.
    pub signature: String,
    pub kind: PathKind,
}

#[derive(Clone)]
enum Seg {
    Name(String),
    Key,
    Call(String, Vec<String>),
}

/// Every GET path of `model`'s tree, in walk order.
pub fn tree_paths(model: &Model) -> Vec<TreePath> {
    let mut out = Vec::new();
    for child in &model.container {
        if model.structured(&child.type_name).is_none_or(|s| s.reference_only) {
            continue;
        }
        let segs = vec![Seg::Name(child.name.clone())];
        let mut stack = vec![child.type_name.clone()];
        if child.singleton {
            if child.bridge.is_empty() {
                push(&mut out, &segs, PathKind::Single);
            }
            below(model, &segs, &child.type_name, &child.bridge, &mut stack, &mut out);
        } else {
            collection(model, &segs, &child.type_name, &mut stack, &mut out);
        }
    }
    out.truncate(MAX_PATHS);
    out
}

fn collection(model: &Model, segs: &[Seg], type_name: &str, stack: &mut Vec<String>, out: &mut Vec<TreePath>) {
    push(out, segs, PathKind::List);
    functions(model, segs, type_name, true, out);
    let mut keyed = segs.to_vec();
    keyed.push(Seg::Key);
    push(out, &keyed, PathKind::Entity);
    below(model, &keyed, type_name, &[], stack, out);
}

/// What hangs below one entity at `segs`: its functions, and its navigations (only `bridge` when given).
fn below(
    model: &Model,
    segs: &[Seg],
    type_name: &str,
    bridge: &[String],
    stack: &mut Vec<String>,
    out: &mut Vec<TreePath>,
) {
    functions(model, segs, type_name, false, out);
    if segs.len() >= MAX_DEPTH || out.len() >= MAX_PATHS {
        return;
    }
    for nav in model.all_navigations(type_name) {
        if !bridge.is_empty() && !bridge.contains(&nav.name) {
            continue;
        }
        let mut next = segs.to_vec();
        next.push(Seg::Name(nav.name.clone()));
        if !nav.contained || stack.contains(&nav.target) {
            push(out, &next, if nav.collection { PathKind::List } else { PathKind::Reference });
            continue;
        }
        stack.push(nav.target.clone());
        if nav.collection {
            collection(model, &next, &nav.target, stack, out);
        } else {
            push(out, &next, PathKind::Single);
            below(model, &next, &nav.target, &[], stack, out);
        }
        stack.pop();
    }
}

fn functions(model: &Model, segs: &[Seg], type_name: &str, on_collection: bool, out: &mut Vec<TreePath>) {
    let mut names: Vec<(&str, Vec<String>)> = model
        .operations
        .iter()
        .filter(|o| o.kind == OperationKind::Function && o.binding.collection == on_collection)
        .filter(|o| model.is_a(type_name, &o.binding.type_name))
        .map(|o| (o.name.as_str(), o.parameters.iter().map(|p| p.name.clone()).collect()))
        .collect();
    names.sort();
    names.dedup_by(|a, b| a.0 == b.0);
    for (name, params) in names {
        let mut next = segs.to_vec();
        next.push(Seg::Call(name.to_string(), params));
        push(out, &next, PathKind::Function);
    }
}

fn push(out: &mut Vec<TreePath>, segs: &[Seg], kind: PathKind) {
    if out.len() >= MAX_PATHS {
        return;
    }
    let (mut template, mut signature) = (String::new(), String::new());
    let mut used: Vec<String> = Vec::new();
    let mut last = String::new();
    for s in segs {
        template.push('/');
        if !signature.is_empty() {
            signature.push('/');
        }
        match s {
            Seg::Name(n) => {
                template.push_str(n);
                signature.push_str(n);
                last = n.clone();
            }
            Seg::Key => {
                let base = format!("{}Id", super::load::singular(&last));
                let mut name = base.clone();
                let mut n = 2;
                while used.contains(&name) {
                    name = format!("{base}{n}");
                    n += 1;
                }
                template.push_str(&format!("{{{name}}}"));
                used.push(name);
                signature.push_str("{}");
            }
            Seg::Call(name, params) => {
                let args: Vec<String> = params.iter().map(|p| format!("{p}={{{p}}}")).collect();
                template.push_str(&format!("{name}({})", args.join(",")));
                signature.push_str(name);
            }
        }
    }
    out.push(TreePath { template, signature, kind });
}

/// The signature of a resolved path: member names, `{}` for keys, operation names, `$count`.
pub fn signature(r: &Resolved) -> String {
    let mut out = String::new();
    for s in &r.steps {
        if !out.is_empty() {
            out.push('/');
        }
        match &s.kind {
            StepKind::Member { name, .. } => out.push_str(name),
            StepKind::Key { .. } => out.push_str("{}"),
            StepKind::Operation { operation, .. } => out.push_str(&operation.name),
            StepKind::Count => out.push_str("$count"),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metadata::csdl::parse;

    const MEMBERS: &str = r#"
      <EntityType Name="hub" BaseType="g.entity"><NavigationProperty Name="flows" Type="Collection(g.flow)" ContainsTarget="true" /><NavigationProperty Name="settings" Type="g.settings" ContainsTarget="true" /></EntityType>
      <EntityType Name="flow" BaseType="g.entity"><NavigationProperty Name="runs" Type="Collection(g.run)" ContainsTarget="true" /><NavigationProperty Name="owner" Type="g.user" /><NavigationProperty Name="parent" Type="g.flow" ContainsTarget="true" /></EntityType>
      <EntityType Name="run" BaseType="g.entity" />
      <EntityType Name="user" BaseType="g.entity" />
      <EntityType Name="settings" BaseType="g.entity" />
      <ComplexType Name="summary"><Property Name="total" Type="Edm.Int32" Nullable="false" /></ComplexType>
      <Function Name="summary" IsBound="true"><Parameter Name="b" Type="Collection(g.run)" /><Parameter Name="start" Type="Edm.DateTimeOffset" /><ReturnType Type="g.summary" /></Function>
      <EntityContainer Name="S"><Singleton Name="hub" Type="g.hub" /></EntityContainer>"#;

    #[test]
    fn the_tree_is_walked_with_keys_functions_and_references() {
        let model = parse(&crate::metadata::csdl::test_document(MEMBERS)).unwrap();
        let paths: Vec<(String, PathKind)> = tree_paths(&model).into_iter().map(|p| (p.template, p.kind)).collect();
        let expect = [
            ("/hub", PathKind::Single),
            ("/hub/flows", PathKind::List),
            ("/hub/flows/{flowId}", PathKind::Entity),
            ("/hub/flows/{flowId}/runs", PathKind::List),
            ("/hub/flows/{flowId}/runs/summary(start={start})", PathKind::Function),
            ("/hub/flows/{flowId}/runs/{runId}", PathKind::Entity),
            ("/hub/flows/{flowId}/owner", PathKind::Reference),
            ("/hub/flows/{flowId}/parent", PathKind::Reference),
            ("/hub/settings", PathKind::Single),
        ];
        for (t, k) in expect {
            assert!(paths.iter().any(|(p, kind)| p == t && *kind == k), "{t} ({k:?}) is not among {paths:?}");
        }
        assert_eq!(paths.len(), expect.len(), "{paths:?}");
        let r = model.resolve("/hub/flows/x/runs/summary(start=2020-01-01T00:00:00Z)").unwrap();
        assert_eq!(signature(&r), "hub/flows/{}/runs/summary");
    }
}
