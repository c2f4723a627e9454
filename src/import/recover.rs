//! The one JSON repair the importer makes: trailing commas (`{"a": 1,}`), the mistake real doc pages
//! contain (task-update.md). Anything else stays invalid and is reported.

/// `text` without commas that are followed (after whitespace) by `}` or `]`, outside strings.
pub fn without_trailing_commas(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut in_string = false;
    let mut escaped = false;
    for (i, &c) in chars.iter().enumerate() {
        if in_string {
            out.push(c);
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        if c == '"' {
            in_string = true;
        } else if c == ',' && chars[i + 1..].iter().find(|n| !n.is_whitespace()).is_some_and(|n| *n == '}' || *n == ']')
        {
            continue;
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removes_only_trailing_commas_outside_strings() {
        assert_eq!(without_trailing_commas("{\"a\": [1, 2,], \"b\": \",}\",\n}"), "{\"a\": [1, 2], \"b\": \",}\"\n}");
        assert_eq!(without_trailing_commas("{\"a\": \"x\\\",\"}"), "{\"a\": \"x\\\",\"}");
    }
}
