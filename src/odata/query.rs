//! Query options as a server reads them: `$select`, beta's `select` (no `$`), and the percent-encoded
//! `%24select` that Kiota-generated SDKs send are one and the same option.

/// The parsed query string of a request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueryOptions {
    /// Decoded `(name, value)` pairs in request order.
    pub pairs: Vec<(String, String)>,
}

/// A `$select` list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Select {
    /// The items in request order, duplicates removed (the first occurrence wins), blanks dropped.
    pub items: Vec<String>,
    /// `*` was among the items: every structural property is selected.
    pub star: bool,
}

impl QueryOptions {
    /// Parses a raw query string (without `?`). Keys and values are percent-decoded, and `+` is a
    /// space as Graph's front end reads query strings (the docs write
    /// `$filter=originSystem+eq+'AadGroup'` and `startswith(givenName%2C+'J')`); a literal plus is
    /// `%2B`.
    pub fn parse(raw: &str) -> Self {
        let decode = |s: &str| percent_decode(&s.replace('+', " "));
        let pairs = raw
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                (decode(k), decode(v))
            })
            .collect();
        QueryOptions { pairs }
    }

    /// The value of a system query option, accepting `$name`, `name` (beta) and any ASCII case.
    pub fn system_option(&self, name: &str) -> Option<&str> {
        self.pairs.iter().find_map(|(k, v)| {
            let bare = k.strip_prefix('$').unwrap_or(k);
            bare.eq_ignore_ascii_case(name).then_some(v.as_str())
        })
    }

    /// The `$select` list, if the request has one.
    pub fn select(&self) -> Option<Select> {
        self.system_option("select").map(Select::parse)
    }

    /// A positive `$top`, if present and numeric.
    pub fn top(&self) -> Option<Result<usize, String>> {
        self.system_option("top").map(|v| v.trim().parse::<usize>().map_err(|_| v.to_string()))
    }
}

impl Select {
    /// Parses `a,b,a, c` into `[a, b, c]`.
    pub fn parse(value: &str) -> Self {
        let mut items: Vec<String> = Vec::new();
        let mut star = false;
        for item in value.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            if item == "*" {
                star = true;
            }
            if !items.iter().any(|i| i == item) {
                items.push(item.to_string());
            }
        }
        Select { items, star }
    }

    /// Whether `name` is selected (exact, case-sensitive: OData property names are case-sensitive).
    pub fn contains(&self, name: &str) -> bool {
        self.star || self.items.iter().any(|i| i == name)
    }
}

/// The top-level items of an `$expand` value: `tasks($select=id),createdBy` → `[tasks, createdBy]`.
pub fn expand_items(value: &str) -> Vec<String> {
    let mut out = Vec::new();
    let (mut depth, mut start) = (0i32, 0usize);
    let mut push = |s: &str| {
        let name = s.split('(').next().unwrap_or("").trim();
        if !name.is_empty() && !out.iter().any(|o: &String| o == name) {
            out.push(name.to_string());
        }
    };
    for (i, c) in value.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                push(&value[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    push(&value[start..]);
    out
}

/// One `$expand` item with its nested options: `resourceRoleScopes($expand=role,scope)`,
/// `tasks($select=id,displayName)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expand {
    pub name: String,
    pub select: Option<Select>,
    pub expand: Vec<Expand>,
}

/// Parses an `$expand` value into its items, nested options included (options inside parentheses
/// are separated by `;`; unknown nested options are ignored here). Depth is bounded: past
/// [`MAX_EXPAND_DEPTH`] levels, nested options are dropped.
pub fn parse_expand(value: &str) -> Vec<Expand> {
    parse_expand_at(value, 0)
}

/// How deep nested `$expand` options are read.
pub const MAX_EXPAND_DEPTH: usize = 8;

fn parse_expand_at(value: &str, depth: usize) -> Vec<Expand> {
    let mut out: Vec<Expand> = Vec::new();
    for item in split_outside_parens(value, ',') {
        let item = item.trim();
        let (name, options) = match item.find('(') {
            Some(open) if item.ends_with(')') => (item[..open].trim(), &item[open + 1..item.len() - 1]),
            _ => (item.split('(').next().unwrap_or("").trim(), ""),
        };
        if name.is_empty() || out.iter().any(|o| o.name == name) {
            continue;
        }
        let mut e = Expand { name: name.to_string(), select: None, expand: Vec::new() };
        if depth < MAX_EXPAND_DEPTH {
            for option in split_outside_parens(options, ';') {
                let (k, v) = option.split_once('=').unwrap_or((option, ""));
                match k.trim().trim_start_matches('$').to_ascii_lowercase().as_str() {
                    "select" => e.select = Some(Select::parse(v)),
                    "expand" => e.expand = parse_expand_at(v, depth + 1),
                    _ => {}
                }
            }
        }
        out.push(e);
    }
    out
}

/// `value` split at `sep` outside parentheses.
fn split_outside_parens(value: &str, sep: char) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut depth, mut start) = (0i32, 0usize);
    for (i, c) in value.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            c if c == sep && depth == 0 => {
                out.push(&value[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&value[start..]);
    out.into_iter().filter(|s| !s.trim().is_empty()).collect()
}

/// Percent-decodes a URL component (only real `%XX` escapes; `+` stays a plus).
pub fn percent_decode(s: &str) -> String {
    super::path::decode(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn select_spellings_are_one_option() {
        for q in ["$select=id,subject", "select=id,subject", "%24select=id,subject", "$SELECT=id,subject"] {
            let s = QueryOptions::parse(q).select().expect(q);
            assert_eq!(s.items, ["id", "subject"], "{q}");
        }
    }

    #[test]
    fn nested_expand_options_are_read() {
        let e = parse_expand("resourceRoleScopes($expand=role,scope;$select=id),createdBy,tasks()");
        assert_eq!(e.iter().map(|e| e.name.as_str()).collect::<Vec<_>>(), ["resourceRoleScopes", "createdBy", "tasks"]);
        assert_eq!(e[0].expand.iter().map(|e| e.name.as_str()).collect::<Vec<_>>(), ["role", "scope"]);
        assert_eq!(e[0].select.as_ref().map(|s| s.items.clone()), Some(vec!["id".to_string()]));
        let deep = "a($expand=".repeat(50) + &")".repeat(50);
        assert_eq!(parse_expand(&deep).len(), 1);
    }

    #[test]
    fn plus_is_a_space_and_an_escaped_plus_a_plus() {
        let q = QueryOptions::parse("$filter=originSystem+eq+%27AadGroup%27&$search=a%2Bb");
        assert_eq!(q.system_option("filter"), Some("originSystem eq 'AadGroup'"));
        assert_eq!(q.system_option("search"), Some("a+b"));
    }

    #[test]
    fn duplicates_collapse_and_star_is_noted() {
        let s = Select::parse("id, failedTasksCount,id,,*");
        assert_eq!(s.items, ["id", "failedTasksCount", "*"]);
        assert!(s.star);
    }
}
