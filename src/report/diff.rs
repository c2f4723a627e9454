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

/// Limits of [`bounded`]: what a report keeps of an answer's body, whatever its size.
const KEEP_ITEMS: usize = 50;
const KEEP_KEYS: usize = 200;
const KEEP_CHARS: usize = 4096;
const KEEP_DEPTH: usize = 32;

/// A copy of `value` small enough to keep in a report and print: the first 50 items of an array,
/// 200 keys of an object, 4,096 characters of a string (each redacted before it is cut), 32 levels;
/// what was left out is said in place (`"… 950 more items"`). Memory per failed case stays bounded
/// however large the answer.
pub fn bounded(value: &Value) -> Value {
    bounded_at(value, 0)
}

fn bounded_string(s: &str) -> String {
    let s = crate::target::secret::redact(s);
    if s.len() <= KEEP_CHARS {
        return s.into_owned();
    }
    let mut cut = KEEP_CHARS;
    while !s.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}… ({} characters)", &s[..cut], s.chars().count())
}

fn bounded_at(value: &Value, depth: usize) -> Value {
    if depth >= KEEP_DEPTH && (value.is_array() || value.is_object()) {
        return Value::String("… (nested deeper than shown)".into());
    }
    match value {
        Value::String(s) => Value::String(bounded_string(s)),
        Value::Array(items) => {
            let mut out: Vec<Value> = items.iter().take(KEEP_ITEMS).map(|v| bounded_at(v, depth + 1)).collect();
            if items.len() > KEEP_ITEMS {
                out.push(Value::String(format!("… {} more items", items.len() - KEEP_ITEMS)));
            }
            Value::Array(out)
        }
        Value::Object(map) => {
            let mut out = serde_json::Map::new();
            for (k, v) in map.iter().take(KEEP_KEYS) {
                out.insert(bounded_string(k), bounded_at(v, depth + 1));
            }
            if map.len() > KEEP_KEYS {
                out.insert("…".into(), Value::String(format!("{} more keys", map.len() - KEEP_KEYS)));
            }
            Value::Object(out)
        }
        other => other.clone(),
    }
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
