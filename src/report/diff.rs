//! Unified diffs of key-sorted pretty JSON, capped.

use std::time::Duration;

use serde_json::Value;
use similar::{Algorithm, ChangeTag, TextDiff};

use super::style::Palette;

/// Bodies larger than this many lines are not diffed (the findings already say what differs).
const MAX_DIFF_INPUT_LINES: usize = 20_000;

/// The unified diff of two JSON values (keys sorted, two-space indent), at most `max_lines` lines
/// (0 = all), ending with how to see the rest when cut.
pub fn json_diff(expected: &Value, actual: &Value, max_lines: usize, palette: Palette) -> Option<String> {
    json_diff_labeled(expected, actual, ("documented", "answer"), max_lines, palette)
}

/// [`json_diff`] with the two sides' names (`baseline`, `candidate`).
pub fn json_diff_labeled(
    expected: &Value,
    actual: &Value,
    labels: (&str, &str),
    max_lines: usize,
    palette: Palette,
) -> Option<String> {
    let old = pretty(expected);
    let new = pretty(actual);
    if old == new {
        return None;
    }
    if old.lines().count() + new.lines().count() > MAX_DIFF_INPUT_LINES {
        return Some(format!(
            "(bodies of {} and {} lines are too large to diff; the findings above name each difference)",
            old.lines().count(),
            new.lines().count()
        ));
    }
    let diff =
        TextDiff::configure().algorithm(Algorithm::Patience).timeout(Duration::from_secs(1)).diff_lines(&old, &new);
    let mut lines: Vec<String> =
        vec![palette.removed(&format!("--- {}", labels.0)), palette.added(&format!("+++ {}", labels.1))];
    for hunk in diff.unified_diff().context_radius(3).iter_hunks() {
        lines.push(palette.hunk(&hunk.header().to_string()));
        for change in hunk.iter_changes() {
            let text = change.to_string_lossy();
            let text = text.trim_end_matches('\n');
            lines.push(match change.tag() {
                ChangeTag::Delete => palette.removed(&format!("-{text}")),
                ChangeTag::Insert => palette.added(&format!("+{text}")),
                ChangeTag::Equal => format!(" {text}"),
            });
        }
    }
    Some(cap(lines, max_lines, "diff"))
}

/// Key-sorted pretty JSON, at most `max_lines` lines.
pub fn json_excerpt(value: &Value, max_lines: usize) -> String {
    cap(pretty(value).lines().map(str::to_string).collect(), max_lines, "body")
}

fn pretty(v: &Value) -> String {
    // serde_json's Map is a BTreeMap here (no preserve_order feature), so keys come out sorted.
    let mut s = serde_json::to_string_pretty(v).unwrap_or_else(|_| v.to_string());
    s.push('\n');
    s
}

fn cap(lines: Vec<String>, max_lines: usize, what: &str) -> String {
    if max_lines == 0 || lines.len() <= max_lines {
        return lines.join("\n");
    }
    let rest = lines.len() - max_lines;
    let mut out = lines[..max_lines].join("\n");
    out.push_str(&format!(
        "\n… {rest} more lines of the {what}; rerun with --diff-lines 0 (or GRAPH_CONFORMANCE_DIFF_LINES=0) to see all"
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn shows_the_changed_value_with_context() {
        let d = json_diff(&json!({"a": 0, "b": 1}), &json!({"b": 1, "a": 1}), 0, Palette::PLAIN).unwrap();
        assert!(d.contains("-  \"a\": 0,\n+  \"a\": 1,"), "{d}");
        assert!(json_diff(&json!({"a": 1}), &json!({"a": 1}), 0, Palette::PLAIN).is_none());
    }

    #[test]
    fn long_diffs_are_cut_with_advice() {
        let a: Value = (0..100).map(|i| (format!("k{i:03}"), json!(i))).collect::<serde_json::Map<_, _>>().into();
        let b: Value = (0..100).map(|i| (format!("k{i:03}"), json!(i + 1))).collect::<serde_json::Map<_, _>>().into();
        let d = json_diff(&a, &b, 10, Palette::PLAIN).unwrap();
        assert_eq!(d.lines().count(), 11);
        assert!(d.ends_with("to see all"));
    }
}
