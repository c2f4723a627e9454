//! `--entities N`: a deterministic synthetic tenant for any area, derived from the model and
//! computed from indexes on every request, so that N = 100,000 starts instantly in no memory.
//!
//! Every collection of the containment tree (an entity set, or a contained collection-valued
//! navigation) holds synthetic rows: N at the top, N / 10 one level down, N / 100 two levels down,
//! and so on (at least one while N > 0). Only the first [`PARENTS`] rows of a list have children,
//! so the whole tenant stays linear in N (a full `run --discover` of it too) while every level of
//! the tree has entities and the long lists page. A row is its key; the store completes it from
//! the model like a documented row (every non-nullable property, enums in their sets). Documented
//! entities keep only their documented children: synthetic rows hang under synthetic entities.
//!
//! Ids encode their collection and index: `hhhhhhhh-hhhh-4hhh-chhh-<index as 12 hex digits>`, the
//! `h` digits a hash of the collection's address (its node and the keys above it), so a lookup
//! recomputes the id instead of searching and the same index under two parents names two entities.
//! An integer key is the index plus one.

use serde_json::{Map, Value, json};

use crate::metadata::Model;

/// The most synthetic entities in one collection: ids carry 12 hexadecimal digits of index.
pub const MAX_ENTITIES: usize = 1_000_000_000_000;
/// Each level of the tree holds this many times fewer rows per parent than the one above it.
pub const FAN_IN: usize = 10;
/// The rows of a list that have children (the others' contained lists are empty).
pub const PARENTS: usize = 2;

/// N synthetic entities per top-level collection and everything under them.
#[derive(Debug, Clone, Copy, Default)]
pub struct Synthetic {
    pub entities: usize,
}

/// A synthetic collection: how many rows, and how to compute row `i` or find a key's row.
pub struct SynthList {
    pub len: usize,
    /// The collection's hash (the id's leading digits).
    hash: u64,
    key: KeyKind,
    /// Alternate keys (string properties): each holds the row's id too.
    alternate: Vec<String>,
}

/// How a collection's rows are keyed.
#[derive(Debug, Clone)]
enum KeyKind {
    /// A string (or GUID) key named so: the synthetic id.
    Text(String),
    /// An integer key: the index plus one.
    Integer(String),
    /// No key the tenant can make (a composite key).
    None,
}

impl SynthList {
    /// Row `i`: its key; the store completes the rest from the model.
    pub fn row(&self, i: usize) -> Map<String, Value> {
        let mut m = Map::new();
        match &self.key {
            KeyKind::Text(name) => {
                let id = id_of(self.hash, i);
                for a in &self.alternate {
                    m.insert(a.clone(), json!(id));
                }
                m.insert(name.clone(), json!(id));
            }
            KeyKind::Integer(name) => {
                m.insert(name.clone(), json!(i + 1));
            }
            KeyKind::None => {}
        }
        m
    }

    /// The position of the row with this key.
    pub fn position(&self, key: &str) -> Option<usize> {
        let i = match &self.key {
            KeyKind::Text(_) => {
                let i = usize::from_str_radix(key.get(24..).filter(|r| r.len() == 12)?, 16).ok()?;
                id_of(self.hash, i).eq_ignore_ascii_case(key).then_some(i)?
            }
            KeyKind::Integer(_) => key.parse::<usize>().ok()?.checked_sub(1)?,
            KeyKind::None => return None,
        };
        (i < self.len).then_some(i)
    }
}

/// The id of row `index` of the collection hashed `hash`.
fn id_of(hash: u64, index: usize) -> String {
    format!(
        "{:08x}-{:04x}-4{:03x}-c{:03x}-{:012x}",
        (hash >> 32) as u32,
        (hash >> 16) as u16,
        hash & 0xfff,
        (hash >> 52) & 0xfff,
        index
    )
}

/// The index a synthetic key encodes (an integer key: itself minus one).
fn index_of(key: &str) -> Option<usize> {
    if is_synthetic(key) {
        return usize::from_str_radix(&key[24..], 16).ok();
    }
    key.parse::<usize>().ok()?.checked_sub(1)
}

/// Whether `id` has the shape of a synthetic id (its collection is checked where it is looked up).
pub fn is_synthetic(id: &str) -> bool {
    let b = id.as_bytes();
    b.len() == 36
        && b[14] == b'4'
        && b[19].eq_ignore_ascii_case(&b'c')
        && id.split('-').map(str::len).eq([8, 4, 4, 4, 12])
        && id.bytes().all(|c| c == b'-' || c.is_ascii_hexdigit())
}

fn hash(text: &str) -> u64 {
    super::ids::fnv(text)
}

impl Synthetic {
    pub fn new(entities: usize) -> Self {
        Synthetic { entities: entities.min(MAX_ENTITIES) }
    }

    /// Rows per parent at `depth` keyed levels below the top.
    pub fn rows_at(&self, depth: usize) -> usize {
        if self.entities == 0 {
            return 0;
        }
        let divisor = u32::try_from(depth).ok().and_then(|d| FAN_IN.checked_pow(d)).unwrap_or(usize::MAX);
        (self.entities / divisor).max(1)
    }

    /// The synthetic collection at `node` (the model's member names from the container) under the
    /// entities `parents`, of entity type `type_name`; `None` when the node is not a collection of
    /// the containment tree or its parents are not synthetic entities. Each row's `alternate` key
    /// properties hold its id, so an alternate-key lookup finds it by position too.
    pub fn list(
        &self,
        model: &Model,
        node: &str,
        parents: &[String],
        type_name: &str,
        alternate: &[String],
    ) -> Option<SynthList> {
        if parents.first().is_some_and(|p| !is_synthetic(p)) || !contained_collection(model, node) {
            return None;
        }
        let keys = model.key_of(type_name);
        let key = match keys.as_slice() {
            [k] if model.key_type(type_name).starts_with("Edm.Int") => KeyKind::Integer(k.clone()),
            [k] => KeyKind::Text(k.clone()),
            _ => KeyKind::None,
        };
        let has_children = parents.last().is_none_or(|p| index_of(p).is_some_and(|i| i < PARENTS));
        let len = if matches!(key, KeyKind::None) || !has_children { 0 } else { self.rows_at(parents.len()) };
        let mut address = node.to_string();
        for p in parents {
            address.push('\u{1f}');
            address.push_str(&p.to_ascii_lowercase());
        }
        Some(SynthList { len, hash: hash(&address), key, alternate: alternate.to_vec() })
    }
}

/// Whether `node` (member names from the container) ends in an entity set or a contained
/// collection-valued navigation, every member before it a singleton, an entity set or a contained
/// navigation.
fn contained_collection(model: &Model, node: &str) -> bool {
    let mut names = node.split('/');
    let Some(first) = names.next().and_then(|n| model.container.iter().find(|c| c.name == n)) else {
        return false;
    };
    let (mut type_name, mut collection) = (first.type_name.clone(), !first.singleton);
    for name in names {
        let Some(nav) = navigation(model, &type_name, name) else { return false };
        if !nav.contained {
            return false;
        }
        (type_name, collection) = (nav.target.clone(), nav.collection);
    }
    collection
}

/// A navigation of `type_name` or of a type derived from it.
fn navigation<'m>(model: &'m Model, type_name: &str, name: &str) -> Option<&'m crate::metadata::model::Navigation> {
    model.all_navigations(type_name).into_iter().find(|n| n.name == name).or_else(|| {
        model
            .derived_of(type_name)
            .into_iter()
            .find_map(|d| model.all_navigations(&d.name).into_iter().find(|n| n.name == name))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metadata::csdl::{parse, test_document};

    fn model() -> Model {
        parse(&test_document(
            r#"<EntityType Name="shop" BaseType="g.entity"><NavigationProperty Name="widgets" Type="Collection(g.widget)" ContainsTarget="true"/><NavigationProperty Name="owner" Type="g.person"/><NavigationProperty Name="friends" Type="Collection(g.person)"/></EntityType>
            <EntityType Name="widget" BaseType="g.entity"><NavigationProperty Name="versions" Type="Collection(g.widgetVersion)" ContainsTarget="true"/></EntityType>
            <EntityType Name="widgetVersion"><Key><PropertyRef Name="number"/></Key><Property Name="number" Type="Edm.Int32" Nullable="false"/></EntityType>
            <EntityType Name="person" BaseType="g.entity"/>
            <EntityContainer Name="c"><EntitySet Name="shops" EntityType="g.shop"/><Singleton Name="me" Type="g.person"/></EntityContainer>"#,
        ))
        .unwrap()
    }

    #[test]
    fn levels_shrink_and_ids_round_trip() {
        let (m, s) = (model(), Synthetic::new(1_050));
        let shops = s.list(&m, "shops", &[], "g.shop", &[]).unwrap();
        assert_eq!(shops.len, 1_050);
        let shop = shops.row(1)["id"].as_str().unwrap().to_string();
        assert!(is_synthetic(&shop), "{shop}");
        assert_eq!(shops.position(&shop), Some(1));
        assert_eq!(shops.position(&shop.to_uppercase()), Some(1), "keys compare without case");
        let leaf = shops.row(PARENTS)["id"].as_str().unwrap().to_string();
        assert_eq!(
            s.list(&m, "shops/widgets", &[leaf], "g.widget", &[]).unwrap().len,
            0,
            "only the first rows have children"
        );
        let widgets = s.list(&m, "shops/widgets", std::slice::from_ref(&shop), "g.widget", &[]).unwrap();
        assert_eq!(widgets.len, 105);
        let widget = widgets.row(0)["id"].as_str().unwrap().to_string();
        assert_eq!(shops.position(&widget), None, "an id belongs to its own collection");
        let other = shops.row(0)["id"].as_str().unwrap().to_string();
        let others = s.list(&m, "shops/widgets", std::slice::from_ref(&other), "g.widget", &[]).unwrap();
        assert_eq!(others.position(&widget), None, "and to its own parent");
        let versions = s.list(&m, "shops/widgets/versions", &[shop, widget], "g.widgetVersion", &[]).unwrap();
        assert_eq!((versions.len, versions.row(9)["number"].clone()), (10, json!(10)));
        assert_eq!(versions.position("10"), Some(9));
        assert_eq!(versions.position("11"), None);
        assert_eq!(versions.position("0"), None);
    }

    #[test]
    fn only_contained_collections_under_synthetic_parents() {
        let (m, s) = (model(), Synthetic::new(5));
        let shop = s.list(&m, "shops", &[], "g.shop", &[]).unwrap().row(0)["id"].as_str().unwrap().to_string();
        assert!(s.list(&m, "shops/friends", std::slice::from_ref(&shop), "g.person", &[]).is_none(), "a reference");
        assert!(s.list(&m, "me", &[], "g.person", &[]).is_none(), "a singleton");
        assert!(
            s.list(&m, "shops/widgets", &["40efc576-840f-47d0-ab95-5abca800f8a2".into()], "g.widget", &[]).is_none()
        );
        assert!(s.list(&m, "nothing", &[], "g.shop", &[]).is_none());
        assert_eq!(s.list(&m, "shops/widgets", &[shop], "g.widget", &[]).unwrap().len, 1, "at least one per parent");
        assert_eq!(Synthetic::new(0).list(&m, "shops", &[], "g.shop", &[]).unwrap().len, 0);
    }

    #[test]
    fn alternate_keys_hold_the_id() {
        let (m, s) = (model(), Synthetic::new(3));
        let shops = s.list(&m, "shops", &[], "g.shop", &["code".into()]).unwrap();
        let row = shops.row(2);
        assert_eq!(row["code"], row["id"]);
        assert_eq!(shops.position(row["code"].as_str().unwrap()), Some(2));
    }
}
