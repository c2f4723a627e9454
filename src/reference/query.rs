//! The query string as the reference server reads it, from the OData ABNF (`systemQueryOption`,
//! `selectItem`, `expandItem`) and Graph's front end: `$name`, beta's bare `name` and a
//! percent-encoded `%24name` are one option in any ASCII case; `+` in a query is a space (the
//! docs write `$filter=a+eq+'b'`), `%2B` a plus.
//!
//! The checks read requests with their own code (`crate::odata::query`): the server that answers
//! and the rules that judge it never share a parser, so a slip in one is a failing case, not an
//! agreement.

/// The request's query options, decoded, in request order.
#[derive(Debug, Clone, Default)]
pub struct Query {
    options: Vec<(String, String)>,
}

/// How deep nested `$expand` options are followed; deeper items are kept without options.
pub const EXPAND_DEPTH: usize = 8;

impl Query {
    pub fn read(raw: &str) -> Query {
        let mut options = Vec::new();
        for part in raw.split('&') {
            if part.is_empty() {
                continue;
            }
            let (name, value) = match part.find('=') {
                Some(eq) => (&part[..eq], &part[eq + 1..]),
                None => (part, ""),
            };
            options.push((unescape(name), unescape(value)));
        }
        Query { options }
    }

    /// The value of system option `name` (given without `$`).
    pub fn option(&self, name: &str) -> Option<&str> {
        self.options.iter().find(|(k, _)| bare(k).eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// Every option's name as sent (decoded).
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.options.iter().map(|(k, _)| k.as_str())
    }

    /// `$top`: `Err` with the text when it is not a non-negative integer.
    pub fn top(&self) -> Option<Result<usize, String>> {
        let v = self.option("top")?;
        Some(v.trim().parse().map_err(|_| v.to_string()))
    }

    /// `$select`, if sent.
    pub fn selection(&self) -> Option<Selection> {
        self.option("select").map(Selection::read)
    }
}

fn bare(name: &str) -> &str {
    name.strip_prefix('$').unwrap_or(name)
}

/// A query component decoded: `+` a space, then each `%XX` escape.
fn unescape(s: &str) -> String {
    let spaced = s.replace('+', " ");
    crate::odata::path::decode(&spaced)
}

/// A `$select` list: each name once, in the order first sent; `*` selects every structural
/// property.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Selection {
    pub names: Vec<String>,
    pub all: bool,
}

impl Selection {
    pub fn read(value: &str) -> Selection {
        let mut s = Selection::default();
        for name in value.split(',') {
            let name = name.trim();
            if name == "*" {
                s.all = true;
            }
            if !name.is_empty() && !s.names.iter().any(|n| n == name) {
                s.names.push(name.to_string());
            }
        }
        s
    }

    /// Whether the request selects `name` (names are case-sensitive in OData).
    pub fn has(&self, name: &str) -> bool {
        self.all || self.names.iter().any(|n| n == name)
    }

    /// The list as `@odata.context` shows it, when it narrows the answer.
    pub fn narrows(&self) -> Option<&[String]> {
        (!self.all && !self.names.is_empty()).then_some(&self.names[..])
    }
}

/// One `$expand` item: a navigation, with its own `$select` and `$expand`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expansion {
    pub name: String,
    pub select: Option<Selection>,
    pub nested: Vec<Expansion>,
}

/// The items of an `$expand` value, read by a scanner that keeps track of parentheses and quotes:
/// `tasks($select=id;$expand=taskDefinition),createdBy`.
pub fn expansions(value: &str) -> Vec<Expansion> {
    expansions_at(value, 0)
}

fn expansions_at(value: &str, depth: usize) -> Vec<Expansion> {
    let mut out: Vec<Expansion> = Vec::new();
    for item in top_level(value, b',') {
        let (name, options) = match (item.find('('), item.ends_with(')')) {
            (Some(open), true) => (item[..open].trim(), Some(&item[open + 1..item.len() - 1])),
            (Some(open), false) => (item[..open].trim(), None),
            (None, _) => (item.trim(), None),
        };
        if name.is_empty() || out.iter().any(|e| e.name == name) {
            continue;
        }
        let mut e = Expansion { name: name.to_string(), select: None, nested: Vec::new() };
        if let Some(options) = options.filter(|_| depth < EXPAND_DEPTH) {
            for option in top_level(options, b';') {
                let (k, v) = option.split_once('=').unwrap_or((option, ""));
                let k = bare(k.trim());
                if k.eq_ignore_ascii_case("select") {
                    e.select = Some(Selection::read(v));
                } else if k.eq_ignore_ascii_case("expand") {
                    e.nested = expansions_at(v, depth + 1);
                }
            }
        }
        out.push(e);
    }
    out
}

/// The non-blank parts of `value` between `sep`s that are outside parentheses and quotes.
fn top_level(value: &str, sep: u8) -> Vec<&str> {
    let bytes = value.as_bytes();
    let mut parts = Vec::new();
    let (mut open, mut quoted, mut from) = (0usize, false, 0usize);
    for (i, b) in bytes.iter().enumerate() {
        match *b {
            b'\'' => quoted = !quoted,
            b'(' if !quoted => open += 1,
            b')' if !quoted => open = open.saturating_sub(1),
            b if b == sep && open == 0 && !quoted => {
                parts.push(&value[from..i]);
                from = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&value[from..]);
    parts.retain(|p| !p.trim().is_empty());
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spelling_of_an_option_is_one_option() {
        for raw in ["$select=id,subject", "select=id,subject", "%24select=id,subject", "$SELECT=id,subject"] {
            let q = Query::read(raw);
            assert_eq!(q.selection().unwrap().names, ["id", "subject"], "{raw}");
        }
        let q = Query::read("$filter=a+eq+'x%2By'&$top=3");
        assert_eq!(q.option("filter"), Some("a eq 'x+y'"));
        assert_eq!(q.top(), Some(Ok(3)));
        assert_eq!(Query::read("$top=-1").top(), Some(Err("-1".into())));
    }

    #[test]
    fn selections_collapse_duplicates_and_star_selects_all() {
        let s = Selection::read("a, b,a,,*");
        assert_eq!(s.names, ["a", "b", "*"]);
        assert!(s.all && s.has("zzz"));
        assert_eq!(Selection::read("a,b").narrows(), Some(&["a".to_string(), "b".to_string()][..]));
        assert_eq!(Selection::read("*").narrows(), None);
    }

    #[test]
    fn expansions_nest_with_their_options() {
        let e = expansions("tasks($select=id,displayName;$expand=taskDefinition($select=id)),createdBy,tasks");
        assert_eq!(e.len(), 2);
        assert_eq!(e[0].name, "tasks");
        assert_eq!(e[0].select.as_ref().unwrap().names, ["id", "displayName"]);
        assert_eq!(e[0].nested[0].name, "taskDefinition");
        assert_eq!(e[0].nested[0].select.as_ref().unwrap().names, ["id"]);
        assert_eq!(e[1].name, "createdBy");
        assert!(e[1].nested.is_empty());
        let deep = "a($expand=".repeat(40) + &")".repeat(40);
        assert_eq!(expansions(&deep).len(), 1, "depth is bounded, the item kept");
        assert_eq!(expansions("x(filter='a,b)')")[0].name, "x", "quotes hide delimiters");
    }
}
