//! File names made from text a page, a CSDL file or a server supplied (case names, suite names,
//! type names): one plain component each, so every file written stays under its output folder, on
//! every file system. Every writer makes its names here, at the point of writing.
//!
//! - separators (`/`, `\`), `:` and control characters become `_`; `.` and `..` and leading dots
//!   cannot name a parent or hide a file;
//! - Windows' reserved device names (`CON`, `NUL`, `COM1`, …, with any extension) get a `_` suffix;
//! - names are cut at 120 bytes;
//! - [`Names`] keeps the names of one folder apart when they differ only by case
//!   (`Get_Workflow` beside `get_workflow` is one file on macOS and Windows).

use std::collections::HashSet;

const RESERVED: &[&str] = &["con", "prn", "aux", "nul", "conin$", "conout$"];
const MAX_BYTES: usize = 120;

/// `text` as one safe file-name component (without extension).
pub fn component(text: &str) -> String {
    let mut out: String = text
        .chars()
        .map(|c| match c {
            '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|' => '_',
            c if c.is_control() || crate::report::term::is_unsafe(c) => '_',
            c => c,
        })
        .collect();
    let trimmed = out.trim_start_matches(['.', ' ']).trim_end_matches(['.', ' ']);
    if trimmed.len() != out.len() {
        out = trimmed.to_string();
    }
    if out.len() > MAX_BYTES {
        let mut cut = MAX_BYTES;
        while !out.is_char_boundary(cut) {
            cut -= 1;
        }
        out.truncate(cut);
    }
    if out.is_empty() {
        out.push('_');
    }
    let stem = out.split('.').next().unwrap_or("").to_ascii_lowercase();
    let device = RESERVED.contains(&stem.as_str())
        || ((stem.starts_with("com") || stem.starts_with("lpt"))
            && stem.len() == 4
            && stem.as_bytes()[3].is_ascii_digit());
    if device {
        out.push('_');
    }
    out
}

/// Whether `text` is already a safe component (what [`component`] would leave as it is).
pub fn is_component(text: &str) -> bool {
    component(text) == text
}

/// The names given in one folder, compared without case: a second name that differs from a
/// first only by case (or by what [`component`] replaced) gets `_2`, `_3`, … .
#[derive(Debug, Default)]
pub struct Names {
    taken: HashSet<String>,
}

impl Names {
    /// A unique safe name for `text` in this folder.
    pub fn unique(&mut self, text: &str) -> String {
        let base = component(text);
        let mut name = base.clone();
        let mut n = 1;
        while !self.taken.insert(name.to_lowercase()) {
            n += 1;
            name = format!("{base}_{n}");
        }
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_names_become_one_plain_component() {
        assert_eq!(component("../../x"), "_.._x");
        assert_eq!(component("/abs/x"), "_abs_x");
        assert_eq!(component(".."), "_");
        assert_eq!(component("a\\b:c\u{1b}"), "a_b_c_");
        assert_eq!(component("CON"), "CON_");
        assert_eq!(component("nul.json"), "nul.json_");
        assert_eq!(component("com7"), "com7_");
        assert_eq!(component("computer"), "computer");
        assert_eq!(component(&"é".repeat(100)).len(), 120);
        assert!(is_component("get_workflow"));
    }

    #[test]
    fn names_differing_by_case_stay_apart() {
        let mut n = Names::default();
        assert_eq!(n.unique("get_workflow"), "get_workflow");
        assert_eq!(n.unique("Get_Workflow"), "Get_Workflow_2");
        assert_eq!(n.unique("get/workflow"), "get_workflow_3");
    }
}
