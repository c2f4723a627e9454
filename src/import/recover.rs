//! The JSON repairs the importer makes, where the intent is unambiguous: trailing commas
//! (`{"a": 1,}`, task-update.md) and raw line breaks inside strings (errors.md's page annotation).
//! Newtonsoft.Json, which ApiDoctor uses, accepts both. Anything else stays invalid and is reported.

/// Both repairs, and what was repaired (for the diagnostic).
pub fn repair(text: &str) -> (String, Vec<&'static str>) {
    let mut what = Vec::new();
    let a = without_trailing_commas(text);
    if a != text {
        what.push("a trailing comma");
    }
    let b = escape_control_characters(&a);
    if b != a {
        what.push("a raw line break inside a string");
    }
    (b, what)
}

/// Control characters inside strings escaped (`\n`, `\t`, `\u00XX`).
pub fn escape_control_characters(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_string = false;
    let mut escaped = false;
    for c in text.chars() {
        if in_string {
            match c {
                _ if escaped => {
                    escaped = false;
                    out.push(c);
                }
                '\\' => {
                    escaped = true;
                    out.push(c);
                }
                '"' => {
                    in_string = false;
                    out.push(c);
                }
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
                c => out.push(c),
            }
        } else {
            if c == '"' {
                in_string = true;
            }
            out.push(c);
        }
    }
    out
}

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
    fn escapes_line_breaks_inside_strings_only() {
        assert_eq!(escape_control_characters("{\"a\": \"x\ny\"}\n"), "{\"a\": \"x\\ny\"}\n");
        let (fixed, what) = repair("{\"a\": [\"x\n\",],}");
        assert_eq!(fixed, "{\"a\": [\"x\\n\"]}");
        assert_eq!(what.len(), 2);
    }

    #[test]
    fn removes_only_trailing_commas_outside_strings() {
        assert_eq!(without_trailing_commas("{\"a\": [1, 2,], \"b\": \",}\",\n}"), "{\"a\": [1, 2], \"b\": \",}\"\n}");
        assert_eq!(without_trailing_commas("{\"a\": \"x\\\",\"}"), "{\"a\": \"x\\\",\"}");
    }
}
