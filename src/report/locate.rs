//! Pointing at the line of a case file or doc page where a failing value is documented.

use std::path::Path;

/// The 1-based line of the last key of `pointer` (`/subject/id` → `"id"`), searched in `text` from
/// `from_line` on. `None` when not found.
pub fn line_of_pointer(text: &str, from_line: u32, pointer: &str) -> Option<u32> {
    let key = pointer.rsplit('/').find(|s| !s.is_empty() && s.parse::<usize>().is_err())?;
    let key = key.replace("~1", "/").replace("~0", "~");
    let needle = format!("\"{key}\"");
    text.lines()
        .enumerate()
        .skip(from_line.saturating_sub(1) as usize)
        .find(|(_, l)| l.contains(&needle))
        .map(|(i, _)| i as u32 + 1)
}

/// The 1-based line of `text` where `marker` first appears, or 1.
pub fn line_of(text: &str, marker: &str) -> u32 {
    text.lines().position(|l| l.contains(marker)).map_or(1, |i| i as u32 + 1)
}

/// The local copy of a documented page, with its text, when there is one of the same version:
/// under `GRAPH_DOCS_DIR` (a checkout of Microsoft's docs repository) at the page's repository path.
pub fn local_page(doc: &crate::case::DocSource) -> Option<(std::path::PathBuf, String)> {
    let root = std::env::var_os("GRAPH_DOCS_DIR").filter(|v| !v.is_empty())?;
    let path = Path::new(&root).join(&doc.page);
    let text = std::fs::read_to_string(&path).ok()?;
    (doc.content.is_empty() || crate::import::source::fingerprint(&text) == doc.content).then_some((path, text))
}
