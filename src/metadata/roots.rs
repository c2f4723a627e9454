//! The part of a whole CSDL an area needs, from its containment roots (for example
//! `/identityGovernance/entitlementManagement`): the tree below each root, not a whole namespace.
//!
//! - the root's entity set or singleton, and the types on the way down reduced to the navigations
//!   that lead to the root (`identityGovernance` keeps only `entitlementManagement`);
//! - every type reached from a root by containment, whole, with its derived types (a row may be
//!   one of them) and the operations bound to it;
//! - the types of their structural properties and of their operations' parameters and results,
//!   with every type derived from those (a value may name a derived type in `@odata.type`);
//! - base types kept whole, but not their other derived types (`graph.entity` is every entity's
//!   base);
//! - other entities (a navigation's target that is not contained below a root, an action's
//!   `subjects`) only as references: their key. A contained navigation to the type of one of the
//!   container's own entity sets (`accessPackage/incompatibleGroups` → `graph.group`, the type of
//!   `/groups`) is a reference too: those entities live in their own set, and following them would
//!   pull in the rest of Graph.
//!
//! Areas that share a namespace with the rest of Graph (most of `microsoft.graph`) are chosen this
//! way; the result grows with the area, not with the document.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use super::model::{ContainerChild, Model, Structured};
use super::subset::{Reach, finish, structured_or_enum};

/// The subset of `full` below `roots`; an error names a root segment that does not exist, or a
/// navigation on the way that is not a containment.
pub fn subset_roots(full: &Model, roots: &[String]) -> Result<Model, String> {
    if roots.is_empty() {
        return Err(
            "no containment root given: pass --root PATH, e.g. --root /parent/children (an entity set or singleton, then contained navigations)".into()
        );
    }
    let mut container: Vec<ContainerChild> = Vec::new();
    let mut bridge_navs: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut work: VecDeque<(String, Reach)> = VecDeque::new();
    for root in roots {
        let (child, steps, ty) = walk_root(full, root)?;
        match container.iter_mut().find(|c| c.name == child.name) {
            Some(c) if c.bridge.is_empty() || steps.is_empty() => c.bridge.clear(),
            Some(c) => {
                if !c.bridge.contains(&steps[0].1) {
                    c.bridge.push(steps[0].1.clone());
                }
            }
            None => {
                let mut c = child.clone();
                c.bridge = steps.first().map(|(_, nav)| vec![nav.clone()]).unwrap_or_default();
                container.push(c);
            }
        }
        for (t, nav) in steps.iter().skip(1) {
            bridge_navs.entry(t.clone()).or_default().insert(nav.clone());
        }
        work.push_back((ty, Reach::Contained));
    }

    // Types whose entities live in an entity set of their own, or derive from such a type (the
    // base chain is at most 64 deep, so this is linear in the types it is asked about).
    let set_types: BTreeSet<&str> =
        full.container.iter().filter(|c| !c.singleton).map(|c| c.type_name.as_str()).collect();
    let owned = |name: &str| full.lineage(name).iter().any(|t| set_types.contains(t.name.as_str()));
    let roots_types: BTreeSet<String> = work.iter().map(|(t, _)| t.clone()).collect();
    let mut keep: BTreeSet<String> = BTreeSet::new();
    let mut scoped: BTreeSet<String> = BTreeSet::new();
    let mut enums: BTreeSet<String> = BTreeSet::new();
    let mut operations = Vec::new();
    while let Some((name, reach)) = work.pop_front() {
        let Some(t) = structured_or_enum(full, &name, &mut enums)? else { continue };
        let reach =
            if reach == Reach::Contained && owned(&name) && !roots_types.contains(&name) { Reach::Used } else { reach };
        let contained = reach == Reach::Contained;
        // An entity used as a value (not contained below a root) is a reference: its key only.
        if t.entity && reach == Reach::Used && !scoped.contains(&name) {
            continue;
        }
        if contained {
            if !scoped.insert(name.clone()) {
                continue;
            }
            keep.insert(name.clone());
        } else if !keep.insert(name.clone()) {
            continue;
        }
        if reach != Reach::Base {
            let next = if t.entity { Reach::Contained } else { Reach::Used };
            for d in full.direct_derived_of(&name) {
                work.push_back((d.name.clone(), next));
            }
        }
        if let Some(b) = &t.base {
            work.push_back((b.clone(), Reach::Base));
        }
        for p in &t.properties {
            work.push_back((p.type_name.clone(), Reach::Used));
        }
        if contained {
            for n in t.navigations.iter().filter(|n| n.contained) {
                work.push_back((n.target.clone(), Reach::Contained));
            }
            for op in full.operations.iter().filter(|o| o.binding.type_name == name) {
                for ty in op.parameters.iter().map(|p| &p.type_name).chain(op.returns.iter().map(|r| &r.type_name)) {
                    work.push_back((ty.clone(), Reach::Used));
                }
                operations.push(op.clone());
            }
        }
    }

    let mut out = Model {
        structured: keep.iter().filter_map(|t| full.structured.get(t).map(|s| (t.clone(), s.clone()))).collect(),
        enums: enums.iter().filter_map(|e| full.enums.get(e).map(|x| (e.clone(), x.clone()))).collect(),
        container,
        operations,
        ..Model::default()
    };
    for (ty, navs) in bridge_navs {
        if out.structured.contains_key(&ty) {
            continue;
        }
        out.structured.insert(ty.clone(), bridge_type(full, &ty, &navs));
    }
    // The container child's own type, when it is only a way down.
    for c in out.container.clone() {
        if !out.structured.contains_key(&c.type_name) {
            let navs: BTreeSet<String> = c.bridge.iter().cloned().collect();
            out.structured.insert(c.type_name.clone(), bridge_type(full, &c.type_name, &navs));
        }
    }
    finish(full, out)
}

/// The way down to a root: the entity set or singleton, the (type, navigation) steps below it, and
/// the type at the root.
type Way<'m> = (&'m ContainerChild, Vec<(String, String)>, String);

/// Follows `root` from the container.
fn walk_root<'m>(full: &'m Model, root: &str) -> Result<Way<'m>, String> {
    let segments: Vec<&str> = root.trim_matches('/').split('/').filter(|s| !s.is_empty()).collect();
    let Some(first) = segments.first() else {
        return Err(format!("--root {root:?}: give a path from the service root, such as /parent/children"));
    };
    let Some(child) = full.container.iter().find(|c| c.name == *first) else {
        let mut names: Vec<&str> = full.container.iter().map(|c| c.name.as_str()).collect();
        names.sort_unstable();
        names.truncate(40);
        return Err(format!(
            "--root {root}: the document has no entity set or singleton named {first}; some there are: {}",
            names.join(", ")
        ));
    };
    let mut ty = child.type_name.clone();
    let mut steps = Vec::new();
    for seg in &segments[1..] {
        let navs = full.all_navigations(&ty);
        let Some(nav) = navs.iter().find(|n| n.name == *seg) else {
            let names: Vec<&str> = navs.iter().filter(|n| n.contained).map(|n| n.name.as_str()).collect();
            return Err(format!(
                "--root {root}: {ty} has no navigation {seg}; its contained navigations: {}",
                names.join(", ")
            ));
        };
        if !nav.contained {
            return Err(format!(
                "--root {root}: {ty}/{seg} is not a containment navigation; a root is reached by containment"
            ));
        }
        steps.push((ty.clone(), seg.to_string()));
        ty = nav.target.clone();
    }
    Ok((child, steps, ty))
}

/// A type on the way down to a root: its key and the navigations that lead there.
pub(super) fn bridge_type(full: &Model, ty: &str, navs: &BTreeSet<String>) -> Structured {
    let t = full.structured(ty);
    let key = full.key_of(ty);
    Structured {
        name: ty.to_string(),
        entity: t.is_none_or(|t| t.entity),
        base: None,
        is_abstract: false,
        open: t.is_some_and(|t| t.open),
        properties: full.all_properties(ty).into_iter().filter(|p| key.contains(&p.name)).cloned().collect(),
        navigations: full.all_navigations(ty).into_iter().filter(|n| navs.contains(&n.name)).cloned().collect(),
        key,
        reference_only: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metadata::csdl::parse;

    const DOC: &str = r#"<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx"><edmx:DataServices>
    <Schema Namespace="g" xmlns="http://docs.oasis-open.org/odata/ns/edm">
      <EntityType Name="entity" Abstract="true"><Key><PropertyRef Name="id" /></Key><Property Name="id" Type="Edm.String" Nullable="false" /></EntityType>
      <EntityType Name="user" BaseType="g.entity"><Property Name="name" Type="Edm.String" /><NavigationProperty Name="manager" Type="g.user" /></EntityType>
      <EntityType Name="unrelated" BaseType="g.entity"><Property Name="x" Type="g.lonely" /></EntityType>
      <ComplexType Name="lonely"><Property Name="y" Type="Edm.String" /></ComplexType>
      <EntityType Name="governance" BaseType="g.entity">
        <NavigationProperty Name="area" Type="g.area" ContainsTarget="true" />
        <NavigationProperty Name="other" Type="g.unrelated" ContainsTarget="true" />
        <NavigationProperty Name="people" Type="Collection(g.user)" />
      </EntityType>
      <EntityType Name="group" BaseType="g.entity"><NavigationProperty Name="everything" Type="Collection(g.unrelated)" ContainsTarget="true" /></EntityType>
      <EntityType Name="area" BaseType="g.entity"><NavigationProperty Name="items" Type="Collection(g.item)" ContainsTarget="true" /><NavigationProperty Name="incompatibleGroups" Type="Collection(g.group)" ContainsTarget="true" /></EntityType>
      <EntityType Name="item" BaseType="g.entity"><Property Name="outline" Type="g.shape" /><NavigationProperty Name="owner" Type="g.user" /></EntityType>
      <EntityType Name="specialItem" BaseType="g.item"><Property Name="level" Type="g.level" /></EntityType>
      <EnumType Name="level"><Member Name="low" Value="0" /></EnumType>
      <ComplexType Name="shape" Abstract="true" /><ComplexType Name="circle" BaseType="g.shape"><Property Name="r" Type="Edm.Double" /></ComplexType>
      <Function Name="report" IsBound="true"><Parameter Name="bindingParameter" Type="g.item" /><ReturnType Type="g.shape" /></Function>
      <Function Name="elsewhere" IsBound="true"><Parameter Name="bindingParameter" Type="g.unrelated" /><ReturnType Type="g.lonely" /></Function>
      <EntityContainer Name="S"><Singleton Name="governance" Type="g.governance" /><EntitySet Name="users" EntityType="g.user" /><EntitySet Name="groups" EntityType="g.group" /></EntityContainer>
    </Schema></edmx:DataServices></edmx:Edmx>"#;

    #[test]
    fn keeps_the_tree_below_the_root_what_it_uses_and_the_way_down() {
        let full = parse(DOC).unwrap();
        let s = subset_roots(&full, &["/governance/area".to_string()]).unwrap();
        let names: Vec<&str> = s.structured.keys().map(String::as_str).collect();
        assert_eq!(
            names,
            [
                "g.area",
                "g.circle",
                "g.entity",
                "g.governance",
                "g.group",
                "g.item",
                "g.shape",
                "g.specialItem",
                "g.user"
            ]
        );
        assert!(
            s.structured["g.group"].reference_only,
            "a contained navigation into another entity set is a reference"
        );
        assert!(s.structured["g.user"].reference_only, "a navigation target outside the tree is a reference");
        assert_eq!(s.structured["g.governance"].navigations.len(), 1, "only the way down");
        assert_eq!(s.container.len(), 1);
        assert_eq!(s.container[0].bridge, ["area"]);
        assert!(s.enums.contains_key("g.level"), "a derived row's enum comes along");
        let ops: Vec<&str> = s.operations.iter().map(|o| o.name.as_str()).collect();
        assert_eq!(ops, ["report"], "operations bound below the root, not elsewhere");
    }

    #[test]
    fn a_root_that_does_not_exist_or_is_not_contained_is_named() {
        let full = parse(DOC).unwrap();
        let e = subset_roots(&full, &["/nothing".to_string()]).unwrap_err();
        assert!(e.contains("no entity set or singleton named nothing") && e.contains("governance"), "{e}");
        let e = subset_roots(&full, &["/governance/nope".to_string()]).unwrap_err();
        assert!(e.contains("has no navigation nope") && e.contains("area"), "{e}");
        let e = subset_roots(&full, &["/governance/people".to_string()]).unwrap_err();
        assert!(e.contains("not a containment navigation"), "{e}");
    }

    #[test]
    fn a_whole_entity_set_is_a_root_too() {
        let full = parse(DOC).unwrap();
        let s = subset_roots(&full, &["/users".to_string()]).unwrap();
        assert!(!s.structured["g.user"].reference_only);
        assert!(s.container[0].bridge.is_empty());
        assert!(!s.structured.contains_key("g.area"));
    }
}
