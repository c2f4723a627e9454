//! Finding annotated code blocks in a doc page: an HTML comment holding JSON
//! (`<!-- { "blockType": "request", "name": "..." } -->`, on one line or many) directly before a
//! fenced code block (```` ``` ```` or `~~~`, any info string). Markdown is parsed with pulldown-cmark,
//! so tab markers, `[!INCLUDE ...]` lines and prose between blocks are never mistaken for either.

use pulldown_cmark::{CodeBlockKind, Event, Parser, Tag, TagEnd};
use serde_json::Value;

use super::diagnostic::Diagnostic;

/// A fenced code block, with the annotation right before it if there was one.
#[derive(Debug, Clone)]
pub struct CodeBlock {
    pub annotation: Option<Annotation>,
    /// The fence's info string, lower-cased (`http`, `json`, ...).
    pub info: String,
    /// The block's text, without `\r`.
    pub text: String,
    /// 1-based line of the block's first line of content.
    pub line: u32,
}

/// A parsed annotation.
#[derive(Debug, Clone)]
pub struct Annotation {
    pub json: serde_json::Map<String, Value>,
    /// 1-based line of `<!--`.
    pub line: u32,
}

impl Annotation {
    /// `blockType`, lower-cased.
    pub fn block_type(&self) -> String {
        self.json.get("blockType").and_then(Value::as_str).unwrap_or("").to_ascii_lowercase()
    }
    /// `name`: a string or an array of strings.
    pub fn names(&self) -> Vec<String> {
        match self.json.get("name") {
            Some(Value::String(s)) => vec![s.clone()],
            Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).map(str::to_string).collect(),
            _ => Vec::new(),
        }
    }
    pub fn flag(&self, key: &str) -> bool {
        self.json.get(key).and_then(Value::as_bool).unwrap_or(false)
    }
    /// `@odata.type` with `Collection(...)` unwrapped, and whether it was a collection.
    pub fn odata_type(&self) -> (Option<String>, bool) {
        let Some(t) = self.json.get("@odata.type").and_then(Value::as_str) else {
            return (None, false);
        };
        let t = t.trim();
        match t.strip_prefix("Collection(").and_then(|r| r.strip_suffix(')')) {
            Some(inner) => (Some(inner.trim().to_string()), true),
            None => (Some(t.to_string()), false),
        }
    }
    pub fn strings(&self, key: &str) -> Vec<String> {
        self.json
            .get(key)
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect())
            .unwrap_or_default()
    }
}

/// Every fenced code block of `page`, with annotations; problems go to `diags`.
pub fn scan(page: &str, file: &str, diags: &mut Vec<Diagnostic>) -> Vec<CodeBlock> {
    let lines = LineIndex::new(page);
    let mut blocks = Vec::new();
    let mut html: Option<(String, usize)> = None;
    let mut pending: Option<Annotation> = None;
    let mut code: Option<(String, String, usize)> = None;
    for (event, range) in Parser::new(page).into_offset_iter() {
        match event {
            Event::Start(Tag::HtmlBlock) => html = Some((String::new(), range.start)),
            Event::Html(text) => {
                if let Some((buf, _)) = html.as_mut() {
                    buf.push_str(&text);
                }
            }
            Event::End(TagEnd::HtmlBlock) => {
                if let Some((text, start)) = html.take() {
                    pending = annotation(&text, lines.line(start), file, diags);
                }
            }
            Event::Start(Tag::CodeBlock(kind)) => {
                let info = match kind {
                    CodeBlockKind::Fenced(info) => info.split_whitespace().next().unwrap_or("").to_ascii_lowercase(),
                    CodeBlockKind::Indented => String::new(),
                };
                code = Some((info, String::new(), range.start));
            }
            Event::Text(t) if code.is_some() => {
                if let Some((_, buf, _)) = code.as_mut() {
                    buf.push_str(&t);
                }
            }
            Event::End(TagEnd::CodeBlock) => {
                if let Some((info, text, start)) = code.take() {
                    let text = text.replace('\r', "");
                    blocks.push(CodeBlock { annotation: pending.take(), info, text, line: lines.line(start) + 1 });
                }
            }
            Event::Start(_) => pending = None,
            _ => {}
        }
    }
    blocks
}

/// Parses an HTML comment as an annotation. Invalid JSON is recovered where the intent is
/// unambiguous (a trailing comma, a raw line break in a string); otherwise the block loses its
/// annotation. A diagnostic either way.
fn annotation(html: &str, line: u32, file: &str, diags: &mut Vec<Diagnostic>) -> Option<Annotation> {
    let inner = html.trim().strip_prefix("<!--")?.trim_end().strip_suffix("-->")?.trim();
    if !inner.starts_with('{') {
        return None;
    }
    let parsed = match serde_json::from_str::<Value>(inner) {
        Ok(v) => v,
        Err(e) => {
            let (fixed, what) = super::recover::repair(inner);
            match serde_json::from_str::<Value>(&fixed) {
                Ok(v) if !what.is_empty() => {
                    let message = format!("annotation JSON has {} ({e}); read as intended", what.join(" and "));
                    diags.push(Diagnostic::warning(file, line, message));
                    v
                }
                _ => {
                    let message = format!("annotation is not valid JSON ({e}); the block after it is skipped");
                    diags.push(Diagnostic::error(file, line, message));
                    return None;
                }
            }
        }
    };
    let Value::Object(json) = parsed else {
        return None;
    };
    if json.get("type").and_then(Value::as_str) == Some("#page.annotation") {
        return None;
    }
    Some(Annotation { json, line })
}

/// Byte offset → 1-based line.
struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { starts }
    }
    fn line(&self, offset: usize) -> u32 {
        (self.starts.partition_point(|&s| s <= offset)) as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_annotated_blocks_with_lines() {
        let page = "# T\r\n\r\n<!-- {\r\n  \"blockType\": \"request\",\r\n  \"name\": \"a\"\r\n}\r\n-->\r\n``` http\r\nGET /x\r\n```\r\n\r\n```json\r\n{}\r\n```\r\n<!-- { \"blockType\": \"response\", \"truncated\": true, } -->\r\n~~~HTTP\r\nHTTP/1.1 204 No Content\r\n~~~\r\n";
        let mut diags = Vec::new();
        let blocks = scan(page, "p.md", &mut diags);
        assert_eq!(blocks.len(), 3);
        assert_eq!(blocks[0].annotation.as_ref().unwrap().names(), ["a"]);
        assert_eq!(blocks[0].annotation.as_ref().unwrap().line, 3);
        assert_eq!(blocks[0].line, 9);
        assert_eq!(blocks[0].text, "GET /x\n");
        assert!(blocks[1].annotation.is_none(), "an unannotated block");
        assert_eq!(blocks[2].info, "http");
        assert!(blocks[2].annotation.as_ref().unwrap().flag("truncated"));
        assert_eq!(diags.len(), 1, "{diags:?}");
        assert_eq!(diags[0].line, 15);
    }

    #[test]
    fn prose_between_annotation_and_block_detaches_it() {
        let page = "<!-- { \"blockType\": \"request\" } -->\n\nSome text.\n\n```http\nGET /x\n```\n";
        let blocks = scan(page, "p.md", &mut Vec::new());
        assert!(blocks[0].annotation.is_none());
    }

    #[test]
    fn collection_types_unwrap() {
        let page = "<!-- { \"blockType\": \"response\", \"@odata.type\": \"Collection(microsoft.graph.x)\" } -->\n```http\nHTTP/1.1 200 OK\n```\n";
        let blocks = scan(page, "p.md", &mut Vec::new());
        assert_eq!(blocks[0].annotation.as_ref().unwrap().odata_type(), (Some("microsoft.graph.x".into()), true));
    }
}
