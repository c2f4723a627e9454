//! Parsing untrusted JSON: like `serde_json::from_slice`, but a duplicate key is an error instead of
//! silently keeping the last value, and errors say where. Nesting is bounded by serde_json's
//! recursion limit (128), so a body nested 100,000 deep fails cleanly instead of overflowing the stack.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// Parses one JSON value from bytes, rejecting invalid UTF-8, trailing data and duplicate keys.
pub fn parse(bytes: &[u8]) -> Result<Value, String> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = StrictValue.deserialize(&mut de).map_err(describe)?;
    de.end().map_err(describe)?;
    Ok(value)
}

fn describe(e: serde_json::Error) -> String {
    let msg = e.to_string();
    if msg.contains("recursion limit") {
        format!("nested deeper than 128 levels (line {}, column {})", e.line(), e.column())
    } else {
        msg
    }
}

struct StrictValue;

impl<'de> DeserializeSeed<'de> for StrictValue {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(StrictVisitor)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Number::from_f64(v).map(Value::Number).unwrap_or(Value::Null))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(v) = seq.next_element_seed(StrictValue)? {
            items.push(v);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let value = map.next_value_seed(StrictValue)?;
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
}
