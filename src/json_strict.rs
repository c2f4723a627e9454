//! Parsing untrusted JSON: like `serde_json::from_slice`, but a duplicate key is an error instead of
//! silently keeping the last value, and errors say where. Nesting is bounded by serde_json's
//! recursion limit (128), so a body nested 100,000 deep fails cleanly instead of overflowing the stack.
//! Size is bounded too: an in-memory JSON object costs hundreds of bytes however small its text (a
//! B-tree node), so a 5 MB body of tiny objects would take gigabytes once parsed, compared and
//! reported. At most [`MAX_OBJECTS`] objects and [`MAX_VALUES`] values are read; past that the
//! answer is refused with a message saying so, and memory per answer stays bounded whatever
//! `--max-body-bytes` allows.

use std::cell::Cell;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// Parses one JSON value from bytes, rejecting invalid UTF-8, trailing data and duplicate keys.
pub fn parse(bytes: &[u8]) -> Result<Value, String> {
    let budget = Budget { objects: Cell::new(MAX_OBJECTS), values: Cell::new(MAX_VALUES) };
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = StrictValue(&budget).deserialize(&mut de).map_err(describe)?;
    de.end().map_err(describe)?;
    Ok(value)
}

/// The most JSON objects one document may hold: a full Graph page of 999 entities with fifty nested
/// complex values each. Parsed, that many small objects take about 35 MB.
pub const MAX_OBJECTS: usize = 50_000;
/// The most JSON values (of any kind) one document may hold.
pub const MAX_VALUES: usize = 1_000_000;

struct Budget {
    objects: Cell<usize>,
    values: Cell<usize>,
}

impl Budget {
    fn take<E: de::Error>(&self, object: bool) -> Result<(), E> {
        let left = self.values.get();
        if left == 0 {
            return Err(E::custom(format!(
                "more than {MAX_VALUES} JSON values in one document: too large to check (the limit bounds memory per answer)"
            )));
        }
        self.values.set(left - 1);
        if object {
            let left = self.objects.get();
            if left == 0 {
                return Err(E::custom(format!(
                    "more than {MAX_OBJECTS} JSON objects in one document: too large to check (the limit bounds memory per answer)"
                )));
            }
            self.objects.set(left - 1);
        }
        Ok(())
    }
}

fn describe(e: serde_json::Error) -> String {
    let msg = e.to_string();
    if msg.contains("recursion limit") {
        format!("nested deeper than 128 levels (line {}, column {})", e.line(), e.column())
    } else {
        msg
    }
}

struct StrictValue<'b>(&'b Budget);

impl<'de> DeserializeSeed<'de> for StrictValue<'_> {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(StrictVisitor(self.0))
    }
}

struct StrictVisitor<'b>(&'b Budget);

impl<'de> Visitor<'de> for StrictVisitor<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        self.0.take(false)?;
        Ok(Value::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        self.0.take(false)?;
        Ok(Value::Number(v.into()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        self.0.take(false)?;
        Ok(Value::Number(v.into()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        self.0.take(false)?;
        Ok(Number::from_f64(v).map(Value::Number).unwrap_or(Value::Null))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        self.0.take(false)?;
        Ok(Value::String(v.to_string()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        self.0.take(false)?;
        Ok(Value::String(v))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        self.0.take(false)?;
        Ok(Value::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        self.0.take(false)?;
        Ok(Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        self.0.take(false)?;
        let mut items = Vec::new();
        while let Some(v) = seq.next_element_seed(StrictValue(self.0))? {
            items.push(v);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        self.0.take(true)?;
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let value = map.next_value_seed(StrictValue(self.0))?;
            if out.contains_key(&key) {
                return Err(de::Error::custom(format!("duplicate key \"{key}\"")));
            }
            out.insert(key, value);
        }
        Ok(Value::Object(out))
    }
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn accepts_what_serde_json_accepts() {
        let text = br#"{"a": [1, -2, 3.5, true, null, "x\u00e9"], "b": {"c": {}}}"#;
        assert_eq!(parse(text).unwrap(), serde_json::from_slice::<serde_json::Value>(text).unwrap());
    }

    #[test]
    fn rejects_duplicates_depth_utf8_and_trailing_data() {
        assert!(parse(br#"{"id": "a", "id": "b"}"#).unwrap_err().contains("duplicate key \"id\""));
        let deep = "[".repeat(100_000);
        assert!(parse(deep.as_bytes()).unwrap_err().contains("nested deeper"));
        assert!(parse(b"\"\xff\"").is_err());
        assert!(parse(b"{} {}").is_err());
        assert!(parse(b"{\"a\": 1").is_err());
    }

    #[test]
    fn refuses_documents_past_the_object_and_value_budgets() {
        let objects = format!("[{}{{}}]", "{},".repeat(super::MAX_OBJECTS));
        assert!(parse(objects.as_bytes()).unwrap_err().contains("JSON objects in one document"));
        let within = format!("[{}{{}}]", "{},".repeat(super::MAX_OBJECTS - 1));
        assert!(parse(within.as_bytes()).is_ok());
        let values = format!("[{}0]", "0,".repeat(super::MAX_VALUES));
        assert!(parse(values.as_bytes()).unwrap_err().contains("JSON values in one document"));
    }
}
