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
    /// Parses a raw query string (without `?`). Keys and values are percent-decoded; `+` stays a
    /// literal plus because Graph URLs are not form-encoded.
    pub fn parse(raw: &str) -> Self {
        let pairs = raw
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                (percent_decode(k), percent_decode(v))
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
    fn duplicates_collapse_and_star_is_noted() {
        let s = Select::parse("id, failedTasksCount,id,,*");
        assert_eq!(s.items, ["id", "failedTasksCount", "*"]);
        assert!(s.star);
    }
}
