//! Validation against JSON Schema (draft 2020-12, formats asserted) through `boon`, and the flat
//! [`SchemaError`] the checks and lint read instead of `boon`'s tree of errors.
//!
//! A [`World`] holds a set of documents and everything compiled from them: a type referenced by a
//! hundred variants is compiled once. Nothing is fetched: a `$ref` outside the documents given is an
//! error when the schema is compiled, never a network or file read.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use serde_json::Value;

/// A set of schema documents, by `$id`, and their compiled forms.
pub struct World {
    documents: Arc<RwLock<HashMap<String, Arc<Value>>>>,
    compiled: RwLock<boon::Schemas>,
}

/// One compiled schema of a [`World`].
#[derive(Clone)]
pub struct Validator {
    world: Arc<World>,
    index: boon::SchemaIndex,
}

/// One reason a value does not validate.
#[derive(Debug, Clone, PartialEq)]
pub struct SchemaError {
    /// A JSON pointer into the value (`""` for the value itself).
    pub instance_path: String,
    /// The schema file and the keyword that failed (`x.json#/properties/a/format`).
    pub schema_path: String,
    pub kind: ErrorKind,
    /// What is wrong, in a sentence that names the value.
    pub message: String,
}

/// The kinds the checks treat apart; everything else is [`ErrorKind::Other`].
#[derive(Debug, Clone, PartialEq)]
pub enum ErrorKind {
    /// A required property is absent (one error per property).
    Required { property: String },
    /// Properties the schema does not allow.
    AdditionalProperties { unexpected: Vec<String> },
    /// A value outside `enum` (`value` when it is a string).
    Enum { value: Option<String> },
    /// A string that does not match `pattern`.
    Pattern { value: String },
    /// No branch of an `anyOf` or `oneOf` fits; why each branch failed.
    AnyOf { context: Vec<SchemaError> },
    Other,
}

/// Reasons kept from the branches of one `anyOf` or `oneOf`.
const MAX_CONTEXT: usize = 50;

/// The format a schema bounded by Edm.Int64's range gets (see [`exact_int64`]).
const INT64: &str = "x-edm-int64";

/// Serves the world's documents to the compiler, and nothing else: no file, no network.
struct Documents(Arc<RwLock<HashMap<String, Arc<Value>>>>);

impl boon::UrlLoader for Documents {
    fn load(&self, url: &str) -> Result<Value, Box<dyn std::error::Error>> {
        let docs = self.0.read().unwrap_or_else(|p| p.into_inner());
        match docs.get(url) {
            Some(doc) => Ok(Value::clone(doc)),
            None => Err(format!("{url} is not one of the schemas given (nothing is fetched)").into()),
        }
    }
}

impl World {
    /// A world of `(id, document)` pairs; the ids are absolute URLs that `$ref`s resolve against.
    pub fn new(documents: impl IntoIterator<Item = (String, Value)>) -> Result<Arc<Self>, String> {
        let mut map = HashMap::new();
        for (id, mut doc) in documents {
            exact_int64(&mut doc);
            map.insert(canonical(&id)?, Arc::new(doc));
        }
        Ok(Arc::new(World { documents: Arc::new(RwLock::new(map)), compiled: RwLock::new(boon::Schemas::new()) }))
    }

    /// Adds a document (a projection made for one request) to the world; an id given before keeps
    /// its first document.
    pub fn add(&self, id: &str, mut doc: Value) -> Result<(), String> {
        let id = canonical(id)?;
        exact_int64(&mut doc);
        self.documents.write().unwrap_or_else(|p| p.into_inner()).entry(id).or_insert_with(|| Arc::new(doc));
        Ok(())
    }

    /// Compiles the document with id `id` (and what it references, once per world).
    pub fn compile(self: &Arc<Self>, id: &str) -> Result<Validator, String> {
        let mut compiler = boon::Compiler::new();
        compiler.set_default_draft(boon::Draft::V2020_12);
        compiler.enable_format_assertions();
        compiler.register_format(boon::Format { name: INT64, func: within_int64 });
        compiler.use_loader(Box::new(Documents(self.documents.clone())));
        let mut compiled = self.compiled.write().unwrap_or_else(|p| p.into_inner());
        let index = compiler.compile(id, &mut compiled).map_err(|e| format!("{e:#}"))?;
        Ok(Validator { world: self.clone(), index })
    }
}

/// `boon` compares numbers with `minimum` and `maximum` as f64, which cannot tell Edm.Int64's bounds
/// from the integers just beyond them (9223372036854775808 passed a maximum of i64::MAX). A schema
/// bounded by them also gets the [`INT64`] format, which compares exactly.
fn exact_int64(schema: &mut Value) {
    match schema {
        Value::Object(map) => {
            let at = |k: &str, bound: i64| map.get(k).and_then(Value::as_i64) == Some(bound);
            if (at("minimum", i64::MIN) || at("maximum", i64::MAX)) && !map.contains_key("format") {
                map.insert("format".into(), Value::String(INT64.into()));
            }
            map.values_mut().for_each(exact_int64);
        }
        Value::Array(items) => items.iter_mut().for_each(exact_int64),
        _ => {}
    }
}

/// 2^63, exactly representable as an f64.
const TWO_TO_THE_63: f64 = 9_223_372_036_854_775_808.0;

/// A number within Edm.Int64's range, compared exactly (other values are other keywords' concern).
fn within_int64(v: &Value) -> Result<(), Box<dyn std::error::Error>> {
    let Value::Number(n) = v else { return Ok(()) };
    // serde_json holds an integer within i64 as i64, one beyond as u64 or f64: an f64 at or past
    // ±2^63 (where -9223372036854775809 rounds to) is beyond the range.
    let beyond = !n.is_i64()
        && (n.is_u64() || n.as_f64().is_some_and(|f| f.abs() >= TWO_TO_THE_63));
    if beyond { Err("outside Edm.Int64's range".into()) } else { Ok(()) }
}

/// An id as the compiler writes URLs (`url`'s serialization), so that lookups match.
fn canonical(id: &str) -> Result<String, String> {
    url::Url::parse(id).map(|u| u.to_string()).map_err(|e| format!("the schema id {id:?} is not an absolute URL: {e}"))
}

impl Validator {
    /// A validator of one self-contained document (its `$id`, if any, is where relative refs resolve).
    pub fn standalone(schema: &Value) -> Result<Validator, String> {
        let id = schema.get("$id").and_then(Value::as_str).unwrap_or("urn:graph-conformance:standalone").to_string();
        World::new([(id.clone(), schema.clone())])?.compile(&id)
    }

    /// Whether `value` validates: the fast path, which turns no error into a [`SchemaError`].
    pub fn is_valid(&self, value: &Value) -> bool {
        let compiled = self.world.compiled.read().unwrap_or_else(|p| p.into_inner());
        compiled.validate(value, self.index).is_ok()
    }

    /// Why `value` does not validate: at most `cap` errors, in document order.
    pub fn errors(&self, value: &Value, cap: usize) -> Vec<SchemaError> {
        let compiled = self.world.compiled.read().unwrap_or_else(|p| p.into_inner());
        let mut out = Vec::new();
        if let Err(e) = compiled.validate(value, self.index) {
            flatten(&e, value, &mut out, cap);
        }
        out
    }
}

/// The leaves of `boon`'s tree; an `anyOf` or `oneOf` stays one error with its branches as context.
fn flatten(e: &boon::ValidationError<'_, '_>, root: &Value, out: &mut Vec<SchemaError>, cap: usize) {
    use boon::ErrorKind as K;
    if out.len() >= cap {
        return;
    }
    match &e.kind {
        K::Group | K::Schema { .. } | K::Reference { .. } | K::AllOf => {
            for c in &e.causes {
                flatten(c, root, out, cap);
            }
        }
        K::Required { want } => {
            for property in want.iter().take(cap - out.len()) {
                out.push(error(e, root, ErrorKind::Required { property: property.to_string() }));
            }
        }
        K::AnyOf | K::OneOf(None) => {
            // Each branch's reasons, a few of them: enough to find an evolvable member among them.
            let mut context = Vec::new();
            for c in &e.causes {
                flatten(c, root, &mut context, MAX_CONTEXT);
            }
            out.push(error(e, root, ErrorKind::AnyOf { context }));
        }
        K::AdditionalProperties { got } => {
            let unexpected = got.iter().map(|g| g.to_string()).collect();
            out.push(error(e, root, ErrorKind::AdditionalProperties { unexpected }));
        }
        K::Enum { .. } => {
            let value = root.pointer(&e.instance_location.to_string()).and_then(Value::as_str).map(str::to_string);
            out.push(error(e, root, ErrorKind::Enum { value }));
        }
        K::Pattern { got, .. } => out.push(error(e, root, ErrorKind::Pattern { value: got.to_string() })),
        _ => out.push(error(e, root, ErrorKind::Other)),
    }
}

fn error(
    e: &boon::ValidationError<'_, '_>,
    root: &Value,
    kind: ErrorKind,
) -> SchemaError {
    let instance_path = e.instance_location.to_string();
    let keyword = e.kind.keyword_path().map(|k| k.to_string()).unwrap_or_default();
    let file = e.schema_url.strip_prefix(super::SCHEMA_BASE).unwrap_or(e.schema_url);
    let schema_path = if keyword.is_empty() {
        file.to_string()
    } else if file.contains('#') {
        format!("{}/{keyword}", file.trim_end_matches('/'))
    } else {
        format!("{file}#/{keyword}")
    };
    let shown = || root.pointer(&instance_path).map(|v| crate::report::term::clip(&v.to_string(), 200)).unwrap_or_default();
    let message = message_of(&e.kind, &kind, shown);
    SchemaError { instance_path, schema_path, kind, message }
}

/// A sentence that names the value, in the words JSON Schema tools use.
fn message_of(kind: &boon::ErrorKind<'_, '_>, ours: &ErrorKind, value: impl Fn() -> String) -> String {
    use boon::ErrorKind as K;
    match (kind, ours) {
        (_, ErrorKind::Required { property }) => format!("\"{property}\" is a required property"),
        (_, ErrorKind::AdditionalProperties { unexpected }) => {
            format!("additional properties are not allowed ({} unexpected)", unexpected.join(", "))
        }
        (K::Type { want, .. }, _) => {
            let names: Vec<String> = want.iter().map(|t| format!("\"{t}\"")).collect();
            let noun = if names.len() == 1 { "type" } else { "types" };
            format!("{} is not of {noun} {}", value(), names.join(", "))
        }
        (K::Enum { want }, _) => format!("{} is not one of {}", value(), Value::Array(want.to_vec())),
        (K::Const { want }, _) => format!("{} is not the constant {want}", value()),
        (K::Format { want, .. }, _) if *want == INT64 => format!("{} is outside Edm.Int64's range", value()),
        (K::Format { want, .. }, _) => format!("{} is not a \"{want}\"", value()),
        (K::Pattern { want, .. }, _) => format!("{} does not match \"{want}\"", value()),
        (K::MinLength { want, .. }, _) => format!("{} is shorter than {want} characters", value()),
        (K::MaxLength { want, .. }, _) => format!("{} is longer than {want} characters", value()),
        (K::Minimum { want, .. }, _) => format!("{} is less than the minimum of {want}", value()),
        (K::Maximum { want, .. }, _) => format!("{} is greater than the maximum of {want}", value()),
        (K::ExclusiveMinimum { want, .. }, _) => {
            format!("{} is less than or equal to the minimum of {want}", value())
        }
        (K::ExclusiveMaximum { want, .. }, _) => {
            format!("{} is greater than or equal to the maximum of {want}", value())
        }
        (K::MinItems { want, .. }, _) => format!("{} has fewer than {want} items", value()),
        (K::MaxItems { want, .. }, _) => format!("{} has more than {want} items", value()),
        (K::AnyOf, _) => format!("{} is not valid under any of the schemas listed in the 'anyOf' keyword", value()),
        (K::OneOf(None), _) => {
            format!("{} is not valid under any of the schemas listed in the 'oneOf' keyword", value())
        }
        (K::OneOf(Some(_)), _) => {
            format!("{} is valid under more than one of the schemas listed in the 'oneOf' keyword", value())
        }
        (K::FalseSchema, _) => format!("{} is not allowed here", value()),
        (other, _) => format!("{}: {other}", value()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn errors(schema: Value, value: Value) -> Vec<SchemaError> {
        Validator::standalone(&schema).unwrap().errors(&value, 20)
    }

    #[test]
    fn each_kind_names_the_value_and_the_keyword() {
        let e = errors(json!({"type": "object", "properties": {"a": {"type": "string"}}}), json!({"a": null}));
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].instance_path, "/a");
        assert_eq!(e[0].message, "null is not of type \"string\"");
        assert!(e[0].schema_path.ends_with("#/properties/a/type"), "{}", e[0].schema_path);

        let e = errors(json!({"required": ["a", "b"]}), json!({}));
        let missing: Vec<_> = e.iter().map(|e| e.kind.clone()).collect();
        assert_eq!(
            missing,
            [ErrorKind::Required { property: "a".into() }, ErrorKind::Required { property: "b".into() }]
        );

        let e = errors(json!({"properties": {"a": {}}, "additionalProperties": false}), json!({"a": 1, "b": 2}));
        assert_eq!(e[0].kind, ErrorKind::AdditionalProperties { unexpected: vec!["b".into()] });

        let e = errors(json!({"anyOf": [{"enum": ["x"]}, {"type": "null"}]}), json!("y"));
        let ErrorKind::AnyOf { context } = &e[0].kind else { panic!("{e:?}") };
        assert!(context.iter().any(|c| c.kind == ErrorKind::Enum { value: Some("y".into()) }), "{context:?}");

        let e = errors(json!({"type": "string", "format": "date-time"}), json!("2022-08-24T23:28:01.6476554"));
        assert_eq!(e[0].message, "\"2022-08-24T23:28:01.6476554\" is not a \"date-time\"");
        assert!(errors(json!({"format": "date-time"}), json!("2022-08-24T23:28:01.6476554Z")).is_empty());

        let e = errors(json!({"type": "integer", "maximum": 2147483647}), json!(2147483648u64));
        assert_eq!(e[0].message, "2147483648 is greater than the maximum of 2147483647");
    }

    #[test]
    fn int64_bounds_are_exact() {
        let schema = json!({"type": "integer", "minimum": i64::MIN, "maximum": i64::MAX});
        let v = Validator::standalone(&schema).unwrap();
        for ok in ["9223372036854775807", "-9223372036854775808", "0", "1e3"] {
            assert!(v.is_valid(&serde_json::from_str(ok).unwrap()), "{ok}");
        }
        for beyond in ["9223372036854775808", "18446744073709551615", "-9223372036854775809", "1e19"] {
            let e = v.errors(&serde_json::from_str(beyond).unwrap(), 5);
            assert!(e.iter().any(|e| e.message.contains("outside Edm.Int64's range")), "{beyond}: {e:?}");
        }
        // Other bounds keep their own check.
        assert!(errors(json!({"maximum": 10}), json!(11))[0].message.contains("greater than the maximum of 10"));
    }

    #[test]
    fn nothing_outside_the_documents_given_is_read() {
        for r in ["file:///etc/passwd", "https://example.com/x.json", "other.json"] {
            let schema = json!({"$id": "https://graph-conformance.local/schemas/a.json", "$ref": r});
            let e = Validator::standalone(&schema).err().unwrap_or_else(|| panic!("{r} compiled"));
            assert!(e.contains("nothing is fetched"), "{r}: {e}");
        }
    }

    #[test]
    fn the_cap_holds() {
        let schema = json!({"type": "array", "items": {"type": "string"}});
        let value = Value::Array((0..1000).map(|i| json!(i)).collect());
        assert_eq!(Validator::standalone(&schema).unwrap().errors(&value, 5).len(), 5);
    }
}
