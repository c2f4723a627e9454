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

/// Percent-decodes a URL component, keeping invalid escapes and invalid UTF-8 visible rather than failing.
pub fn percent_decode(s: &str) -> String {
    if !s.contains('%') {
        return s.to_string();
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
            if let Some(b) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
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

    #[test]
    fn percent_decoding_is_lenient() {
        assert_eq!(percent_decode("a%2Cb%zz%"), "a,b%zz%");
        assert_eq!(percent_decode("%28x%29"), "(x)");
    }
}
