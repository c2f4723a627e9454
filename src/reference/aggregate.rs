//! The overlay's function semantics evaluated over rows: `count`, `count(COND, …)`, `sum(PATH)`,
//! a parent's value, `+`, `-` and `??` (see [`crate::schema::overlay::FunctionSemantics`]).

use serde_json::{Map, Value, json};

/// A row and the entity it hangs under (for `parent.` paths and grouping).
pub struct Row {
    pub parent: Option<Map<String, Value>>,
    pub row: Map<String, Value>,
}

/// Why an expression cannot be evaluated: its text and what is wrong.
pub type ExprError = String;

/// The answer object of `fields` over `rows`.
pub fn fields(fields: &std::collections::BTreeMap<String, String>, rows: &[&Row]) -> Result<Value, ExprError> {
    let mut out = Map::new();
    for (name, expr) in fields {
        out.insert(name.clone(), eval(expr, rows).map_err(|e| format!("{name} = {expr}: {e}"))?);
    }
    Ok(Value::Object(out))
}

/// One answer row per parent (rows without a parent form one group), the largest groups first.
pub fn grouped(rows: &[Row], top: Option<usize>) -> Vec<Vec<&Row>> {
    let mut groups: Vec<(Option<&Value>, Vec<&Row>)> = Vec::new();
    for r in rows {
        let key = r.parent.as_ref().and_then(|p| p.get("id"));
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some(g) => g.1.push(r),
            None => groups.push((key, vec![r])),
        }
    }
    groups.sort_by_key(|(_, g)| std::cmp::Reverse(g.len()));
    groups.into_iter().take(top.unwrap_or(usize::MAX)).map(|(_, g)| g).collect()
}

fn eval(expr: &str, rows: &[&Row]) -> Result<Value, ExprError> {
    let (value, default) = match expr.split_once("??") {
        Some((v, d)) => (v.trim(), Some(literal(d.trim())?)),
        None => (expr.trim(), None),
    };
    let v = sum_of_terms(value, rows)?;
    Ok(match (v, default) {
        (Value::Null, Some(d)) => d,
        (v, _) => v,
    })
}

/// `A + B - C`: terms split outside parentheses.
fn sum_of_terms(expr: &str, rows: &[&Row]) -> Result<Value, ExprError> {
    let mut terms: Vec<(i64, &str)> = Vec::new();
    let (mut depth, mut start, mut sign) = (0i32, 0usize, 1i64);
    for (i, c) in expr.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            '+' | '-' if depth == 0 && i > start => {
                terms.push((sign, expr[start..i].trim()));
                sign = if c == '+' { 1 } else { -1 };
                start = i + 1;
            }
            _ => {}
        }
    }
    terms.push((sign, expr[start..].trim()));
    if terms.len() == 1 {
        return term(terms[0].1, rows);
    }
    let mut total = 0i64;
    for (sign, t) in terms {
        let v = term(t, rows)?;
        let n = v.as_i64().ok_or_else(|| format!("'{t}' is not a number"))?;
        total = total.saturating_add(sign.saturating_mul(n));
    }
    Ok(json!(total.max(0)))
}

fn term(t: &str, rows: &[&Row]) -> Result<Value, ExprError> {
    if t == "count" {
        return Ok(json!(rows.len()));
    }
    if let Some(args) = t.strip_prefix("count(").and_then(|r| r.strip_suffix(')')) {
        let conds = args.split(',').map(condition).collect::<Result<Vec<_>, _>>()?;
        let n = rows
            .iter()
            .filter(|r| conds.iter().all(|(path, values)| values.iter().any(|v| value_at(r, path).as_str() == Some(v))))
            .count();
        return Ok(json!(n));
    }
    if let Some(path) = t.strip_prefix("sum(").and_then(|r| r.strip_suffix(')')) {
        let path = path.trim();
        return Ok(json!(rows.iter().filter_map(|r| value_at(r, path).as_i64()).sum::<i64>()));
    }
    if t.is_empty() || !t.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_') {
        return Err(format!("'{t}' is not count, count(…), sum(…) or a property path"));
    }
    Ok(rows.first().map(|r| value_at(r, t)).unwrap_or(Value::Null))
}

/// `path in a|b|c`.
fn condition(text: &str) -> Result<(String, Vec<String>), ExprError> {
    let (path, values) = text.split_once(" in ").ok_or_else(|| format!("'{}' is not PATH in a|b", text.trim()))?;
    Ok((path.trim().to_string(), values.split('|').map(|v| v.trim().to_string()).collect()))
}

fn value_at(r: &Row, path: &str) -> Value {
    let (object, name) = match path.strip_prefix("parent.") {
        Some(name) => (r.parent.as_ref(), name),
        None => (Some(&r.row), path),
    };
    object.and_then(|o| o.get(name)).cloned().unwrap_or(Value::Null)
}

fn literal(text: &str) -> Result<Value, ExprError> {
    if let Some(s) = text.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')) {
        return Ok(json!(s));
    }
    serde_json::from_str(text).map_err(|_| format!("'{text}' is not a number, true, false or a 'quoted' string"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(parent: Value, row: Value) -> Row {
        Row { parent: parent.as_object().cloned(), row: row.as_object().cloned().unwrap() }
    }

    #[test]
    fn expressions_count_sum_and_default() {
        let rows = [
            row(json!({"id": "a", "kind": "x"}), json!({"s": "failed", "n": 2, "t": 5})),
            row(json!({"id": "a", "kind": "x"}), json!({"s": "completed", "n": 1, "t": 5})),
            row(json!({"id": "b", "kind": "y"}), json!({"s": "completedWithErrors", "n": 4, "t": 5})),
        ];
        let all: Vec<&Row> = rows.iter().collect();
        let f: std::collections::BTreeMap<String, String> = [
            ("total", "count"),
            ("failed", "count(s in failed|completedWithErrors)"),
            ("xFailed", "count(parent.kind in x, s in failed)"),
            ("n", "sum(n)"),
            ("rest", "sum(t) - sum(n) - count(s in completed)"),
            ("kind", "parent.kind"),
            ("missing", "parent.nothing ?? 1"),
            ("name", "nothing ?? 'leaver'"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let v = fields(&f, &all).unwrap();
        assert_eq!(
            v,
            json!({"total": 3, "failed": 2, "xFailed": 1, "n": 7, "rest": 7, "kind": "x", "missing": 1, "name": "leaver"})
        );
        let groups = grouped(&rows, Some(1));
        assert_eq!((groups.len(), groups[0].len()), (1, 2), "the largest group first");
        let bad: std::collections::BTreeMap<String, String> = [("x".to_string(), "max(n)".to_string())].into();
        assert!(fields(&bad, &all).unwrap_err().contains("x = max(n)"));
    }
}
