//! The part of a whole CSDL a family of endpoints needs: the selected namespaces' types, and what
//! they depend on.
//!
//! - every type of the selected namespaces;
//! - their base types (kept whole, but their other derived types are not pulled in: `graph.entity`
//!   is every entity's base);
//! - the types of their structural properties and of their operations' parameters and results, with
//!   every type derived from those (a value may name a derived type in `@odata.type`);
//! - contained navigation targets (the containment tree: `deletedItems` → `workflows`);
//! - other navigation targets only as references (their key), e.g. `graph.user` behind `subject`;
//! - the entity container's entity sets and singletons whose containment paths lead into the
//!   namespaces, with the types on those paths reduced to the navigations that lead there;
//! - the operations bound to the namespaces' types.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use super::model::{Model, Property, Structured, namespace_of};

/// How deep the container is searched for paths into the namespaces.
const MAX_BRIDGE_DEPTH: usize = 4;

/// Why a type is in the subset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Reach {
    /// As a property's, parameter's or result's type: derived types come along.
    Used,
    /// As the base of a kept type: its own properties, not its other derived types.
    Base,
    /// As the target of a containment navigation.
    Contained,
}

/// The subset of `full` for `namespaces`; an error when a namespace is unknown or a reference dangles.
pub fn subset(full: &Model, namespaces: &[String]) -> Result<Model, String> {
    let in_scope = |name: &str| namespaces.iter().any(|ns| namespace_of(name) == ns);
    for ns in namespaces {
        if !full.structured.keys().chain(full.enums.keys()).any(|t| namespace_of(t) == ns) {
            let mut known: Vec<&str> = full.structured.keys().map(|t| namespace_of(t)).collect();
            known.dedup();
            known.sort();
            known.dedup();
            return Err(format!("namespace {ns} declares no type; the document's namespaces: {}", known.join(", ")));
        }
    }

    let mut keep: BTreeSet<String> = BTreeSet::new();
    let mut enums: BTreeSet<String> = full.enums.keys().filter(|e| in_scope(e)).cloned().collect();
    let mut work: VecDeque<(String, Reach)> =
        full.structured.keys().filter(|t| in_scope(t)).map(|t| (t.clone(), Reach::Used)).collect();
    let operations: Vec<_> = full.operations.iter().filter(|o| in_scope(&o.binding.type_name)).cloned().collect();
    for op in &operations {
        for t in op.parameters.iter().map(|p| &p.type_name).chain(op.returns.iter().map(|r| &r.type_name)) {
            work.push_back((t.clone(), Reach::Used));
        }
    }
    while let Some((name, reach)) = work.pop_front() {
        let Some(t) = structured_or_enum(full, &name, &mut enums)? else { continue };
        let scoped = in_scope(&name);
        // An entity type of another namespace used as a value (an action's `subjects`) is a
        // reference: its key is all a value of it needs here.
        if t.entity && !scoped && reach == Reach::Used {
            continue;
        }
        if !keep.insert(name.clone()) {
            continue;
        }
        if !t.entity || scoped {
            for d in full.direct_derived_of(&name) {
                work.push_back((d.name.clone(), Reach::Used));
            }
        }
        if let Some(b) = &t.base {
            work.push_back((b.clone(), Reach::Base));
        }
        for p in &t.properties {
            work.push_back((p.type_name.clone(), Reach::Used));
        }
        for n in t.navigations.iter().filter(|n| n.contained && (scoped || in_scope(&n.target))) {
            work.push_back((n.target.clone(), Reach::Contained));
        }
    }

    let mut out = Model {
        comment: String::new(),
        source: String::new(),
        structured: keep.iter().filter_map(|t| full.structured.get(t).map(|s| (t.clone(), s.clone()))).collect(),
        enums: enums.iter().filter_map(|e| full.enums.get(e).map(|x| (e.clone(), x.clone()))).collect(),
        container: Vec::new(),
        operations,
        ..Model::default()
    };

    add_references(full, &mut out)?;
    bridge_container(full, &mut out, &in_scope);
    finish(full, out)
}

/// The structured type `name` names, or `None` for a primitive or an enum (kept in `enums`); an
/// error when the document does not declare it.
pub(super) fn structured_or_enum<'m>(
    full: &'m Model,
    name: &str,
    enums: &mut BTreeSet<String>,
) -> Result<Option<&'m Structured>, String> {
    if name.starts_with("Edm.") {
        return Ok(None);
    }
    if full.enums.contains_key(name) {
        enums.insert(name.to_string());
        return Ok(None);
    }
    full.structured
        .get(name)
        .map(Some)
        .ok_or_else(|| format!("the type {name} is used but not declared in the document"))
}

/// Navigation targets outside the subset are kept as references: their key only.
fn add_references(full: &Model, out: &mut Model) -> Result<(), String> {
    let targets: BTreeSet<String> = out
        .structured
        .values()
        .flat_map(|t| t.navigations.iter().map(|n| n.target.clone()))
        .filter(|t| !out.structured.contains_key(t))
        .collect();
    for t in targets {
        out.structured.insert(t.clone(), reference(full, &t)?);
    }
    Ok(())
}

/// Adds the references still missing and makes sure nothing in the subset dangles.
pub(super) fn finish(full: &Model, mut out: Model) -> Result<Model, String> {
    add_references(full, &mut out)?;
    let dangling = out.dangling_references();
    if !dangling.is_empty() {
        return Err(format!("the subset is incomplete: {}", dangling.join("; ")));
    }
    Ok(out)
}

/// A navigation target outside the subset: its key property only.
fn reference(full: &Model, name: &str) -> Result<Structured, String> {
    let key = full.key_of(name);
    let props: Vec<Property> =
        full.all_properties(name).into_iter().filter(|p| key.contains(&p.name)).cloned().collect();
    if full.structured(name).is_none() {
        return Err(format!("the navigation target {name} is not declared in the document"));
    }
    Ok(Structured {
        name: name.to_string(),
        entity: true,
        base: None,
        is_abstract: false,
        open: true,
        key,
        properties: props,
        navigations: Vec::new(),
        reference_only: true,
    })
}

/// Keeps the container's children whose containment paths reach the namespaces, and the types on
/// those paths with only the navigations that lead there.
fn bridge_container(full: &Model, out: &mut Model, in_scope: &dyn Fn(&str) -> bool) {
    let mut bridge_navs: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for child in &full.container {
        if out.structured.get(&child.type_name).is_some_and(|t| !t.reference_only) && in_scope(&child.type_name) {
            out.container.push(child.clone());
            continue;
        }
        // Breadth-first over contained navigations: (type, path of (type, nav) steps).
        let mut queue: VecDeque<(String, Vec<(String, String)>)> = VecDeque::from([(child.type_name.clone(), vec![])]);
        let mut found = false;
        while let Some((t, path)) = queue.pop_front() {
            if path.len() >= MAX_BRIDGE_DEPTH {
                continue;
            }
            for n in full.all_navigations(&t).into_iter().filter(|n| n.contained) {
                if path.iter().any(|(seen, _)| *seen == n.target) {
                    continue;
                }
                let mut p = path.clone();
                p.push((t.clone(), n.name.clone()));
                if in_scope(&n.target) {
                    for (ty, nav) in &p {
                        bridge_navs.entry(ty.clone()).or_default().insert(nav.clone());
                    }
                    found = true;
                } else {
                    queue.push_back((n.target.clone(), p));
                }
            }
        }
        if found {
            out.container.push(child.clone());
        }
    }
    for (ty, navs) in bridge_navs {
        if out.structured.get(&ty).is_some_and(|t| !t.reference_only) {
            continue;
        }
        if full.structured(&ty).is_none() {
            continue;
        }
        let way = super::roots::bridge_type(full, &ty, &navs);
        out.structured.insert(ty, way);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metadata::csdl::parse;

    const DOC: &str = r#"<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx"><edmx:DataServices>
    <Schema Namespace="g" xmlns="http://docs.oasis-open.org/odata/ns/edm">
      <EntityType Name="entity" Abstract="true"><Key><PropertyRef Name="id" /></Key><Property Name="id" Type="Edm.String" Nullable="false" /></EntityType>
      <EntityType Name="user" BaseType="g.entity"><Property Name="name" Type="Edm.String" /></EntityType>
      <EntityType Name="unrelated" BaseType="g.entity" />
      <EntityType Name="hub" BaseType="g.entity">
        <NavigationProperty Name="family" Type="g.f.container" ContainsTarget="true" />
        <NavigationProperty Name="other" Type="g.unrelated" ContainsTarget="true" />
      </EntityType>
      <ComplexType Name="shape" Abstract="true" /><ComplexType Name="circle" BaseType="g.shape"><Property Name="r" Type="Edm.Double" /></ComplexType>
      <EntityContainer Name="S"><Singleton Name="hub" Type="g.hub" /><EntitySet Name="users" EntityType="g.user" /></EntityContainer>
    </Schema>
    <Schema Namespace="g.f" xmlns="http://docs.oasis-open.org/odata/ns/edm">
      <EntityType Name="container" BaseType="g.entity"><NavigationProperty Name="items" Type="Collection(g.f.item)" ContainsTarget="true" /></EntityType>
      <EntityType Name="item" BaseType="g.entity"><Property Name="outline" Type="g.shape" /><NavigationProperty Name="owner" Type="g.user" /></EntityType>
    </Schema></edmx:DataServices></edmx:Edmx>"#;

    #[test]
    fn keeps_the_family_what_it_uses_and_the_path_to_it() {
        let full = parse(DOC).unwrap();
        let s = subset(&full, &["g.f".to_string()]).unwrap();
        let names: Vec<&str> = s.structured.keys().map(String::as_str).collect();
        assert_eq!(names, ["g.circle", "g.entity", "g.f.container", "g.f.item", "g.hub", "g.shape", "g.user"]);
        assert!(s.structured["g.user"].reference_only, "a navigation target outside is a reference");
        assert_eq!(s.structured["g.user"].key, ["id"]);
        assert_eq!(s.structured["g.hub"].navigations.len(), 1, "only the navigation into the family");
        assert_eq!(s.container.len(), 1);
        assert_eq!(s.container[0].name, "hub");
        assert!(subset(&full, &["nope".to_string()]).unwrap_err().contains("declares no type"));
    }
}
