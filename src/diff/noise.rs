//! What may differ between two correct answers, three ways: built in (each side's own service root
//! in `@odata.context` and links, a next link's opaque token, the error's `innerError` trace fields;
//! request ids, dates and client request ids are headers, which are not compared), a noise file
//! (JSON pointers with `*` for one segment and `**` for any number, per suite), and learned: what
//! the baseline itself answers differently to the same request twice.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

/// The built-in noise: trace fields every error carries.
pub const BUILT_IN: &[&str] = &["/error/innerError/**", "/error/innererror/**"];

/// A pointer pattern: `/value/*/lastModifiedDateTime`, `/error/innerError/**`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern(Vec<String>);

impl Pattern {
    pub fn parse(text: &str) -> Result<Pattern, String> {
        if !text.is_empty() && !text.starts_with('/') {
            return Err(format!("`{text}`: a pattern is a JSON pointer (starting with /), with * or ** segments"));
        }
        Ok(Pattern(text.split('/').skip(1).map(str::to_string).collect()))
    }

    pub fn matches(&self, pointer: &str) -> bool {
        let segs: Vec<&str> = pointer.split('/').skip(1).collect();
        fn go(p: &[String], s: &[&str]) -> bool {
            match (p.first().map(String::as_str), s.first()) {
                (None, None) => true,
                (Some("**"), _) => go(&p[1..], s) || (!s.is_empty() && go(p, &s[1..])),
                (Some("*"), Some(_)) => go(&p[1..], &s[1..]),
                (Some(x), Some(y)) => x == *y && go(&p[1..], &s[1..]),
                _ => false,
            }
        }
        go(&self.0, &segs)
    }
}

/// Noise patterns: for every suite and per suite.
#[derive(Debug, Clone, Default)]
pub struct Noise {
    everywhere: Vec<Pattern>,
    per_suite: BTreeMap<String, Vec<Pattern>>,
}

impl Noise {
    /// The built-in patterns, plus the file's (`{"*": [...], "<suite>": [...]}`).
    pub fn load(file: Option<&Path>) -> Result<Noise, String> {
        let mut n = Noise {
            everywhere: BUILT_IN.iter().map(|p| Pattern::parse(p).expect("built-in patterns parse")).collect(),
            per_suite: BTreeMap::new(),
        };
        let Some(path) = file else { return Ok(n) };
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| format!("--noise {shown}: {e}"))?;
        let v: BTreeMap<String, Vec<String>> = serde_json::from_str(&text).map_err(|e| {
            format!("--noise {shown}: {e}; write {{\"*\": [\"/value/*/lastModifiedDateTime\"], \"<suite>\": [...]}}")
        })?;
        for (suite, patterns) in v {
            let parsed = patterns
                .iter()
                .map(|p| Pattern::parse(p))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| format!("--noise {shown}: {e}"))?;
            if suite == "*" {
                n.everywhere.extend(parsed);
            } else {
                n.per_suite.entry(suite).or_default().extend(parsed);
            }
        }
        Ok(n)
    }

    pub fn is_noise(&self, suite: &str, pointer: &str) -> bool {
        self.everywhere.iter().chain(self.per_suite.get(suite).into_iter().flatten()).any(|p| p.matches(pointer))
    }
}

/// Removes what differs between two servers by construction: the service root in strings becomes
/// `{service root}`, and a next link keeps only its path (its token is the server's own).
pub fn normalize(v: &mut Value, root: &str) {
    match v {
        Value::String(s) if s.contains(root) => *s = s.replace(root, "{service root}"),
        Value::Array(a) => a.iter_mut().for_each(|x| normalize(x, root)),
        Value::Object(o) => {
            for (k, x) in o.iter_mut() {
                if k == "@odata.nextLink"
                    && let Value::String(s) = x
                {
                    let path = s.split('?').next().unwrap_or("").replace(root, "{service root}");
                    *s = format!("{path}?{{next page}}");
                } else {
                    normalize(x, root);
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn patterns_match_one_or_any_segments() {
        let p = Pattern::parse("/value/*/lastModifiedDateTime").unwrap();
        assert!(p.matches("/value/3/lastModifiedDateTime"));
        assert!(!p.matches("/value/3/createdDateTime"));
        assert!(Pattern::parse("/error/innerError/**").unwrap().matches("/error/innerError/date"));
        assert!(Pattern::parse("x").is_err());
    }

    #[test]
    fn roots_and_next_links_normalize() {
        let mut v =
            json!({"@odata.context": "http://a/beta/$metadata#x", "@odata.nextLink": "http://a/beta/x?$skiptoken=9"});
        normalize(&mut v, "http://a/beta");
        assert_eq!(
            v,
            json!({"@odata.context": "{service root}/$metadata#x", "@odata.nextLink": "{service root}/x?{next page}"})
        );
    }

    #[test]
    fn a_file_adds_patterns_per_suite() {
        let path = std::env::temp_dir().join(format!("gc-noise-{}.json", std::process::id()));
        std::fs::write(&path, r#"{"*": ["/a"], "s": ["/value/*/b"]}"#).unwrap();
        let n = Noise::load(Some(&path)).unwrap();
        assert!(n.is_noise("t", "/a") && n.is_noise("s", "/value/0/b") && !n.is_noise("t", "/value/0/b"));
        assert!(n.is_noise("t", "/error/innerError/request-id"), "built in");
        let _ = std::fs::remove_file(path);
    }
}
