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
    let plan = Plan::compile(fields)?;
    let mut acc = plan.start();
    for r in rows {
        plan.add(&mut acc, r);
    }
    plan.finish(&acc)
}

/// A function's fields compiled once and evaluated row by row: what it keeps is a number per
/// `count`/`sum` term and the first row's value per property term, never the rows.
pub struct Plan {
    fields: Vec<(String, String, Field)>,
}

struct Field {
    terms: Vec<(i64, Term)>,
    default: Option<Value>,
}

enum Term {
    Count,
    CountIf(Vec<(String, Vec<String>)>),
    Sum(String),
    First(String),
}

/// The running state of one answer row (one group).
#[derive(Clone, Default)]
pub struct Acc {
    /// Per field, per term: a count or a sum.
    numbers: Vec<Vec<i64>>,
    /// Per field, per term: the first row's value of a property term.
    firsts: Vec<Vec<Option<Value>>>,
    /// Rows added.
    pub rows: usize,
}

impl Plan {
    pub fn compile(fields: &std::collections::BTreeMap<String, String>) -> Result<Plan, ExprError> {
        let mut out = Vec::new();
        for (name, expr) in fields {
            let f = field(expr).map_err(|e| format!("{name} = {expr}: {e}"))?;
            out.push((name.clone(), expr.clone(), f));
        }
        Ok(Plan { fields: out })
    }

    pub fn start(&self) -> Acc {
        Acc {
            numbers: self.fields.iter().map(|(_, _, f)| vec![0; f.terms.len()]).collect(),
            firsts: self.fields.iter().map(|(_, _, f)| vec![None; f.terms.len()]).collect(),
            rows: 0,
        }
    }

    pub fn add(&self, acc: &mut Acc, r: &Row) {
        for (i, (_, _, f)) in self.fields.iter().enumerate() {
            for (j, (_, t)) in f.terms.iter().enumerate() {
                let n = &mut acc.numbers[i][j];
                match t {
                    Term::Count => *n += 1,
                    Term::CountIf(conds) => {
                        if conds.iter().all(|(path, values)| values.iter().any(|v| value_at(r, path).as_str() == Some(v))) {
                            *n += 1;
                        }
                    }
                    Term::Sum(path) => *n = n.saturating_add(value_at(r, path).as_i64().unwrap_or(0)),
                    Term::First(path) => {
                        if acc.firsts[i][j].is_none() {
                            acc.firsts[i][j] = Some(value_at(r, path));
                        }
                    }
                }
            }
        }
        acc.rows += 1;
    }

    pub fn finish(&self, acc: &Acc) -> Result<Value, ExprError> {
        let mut out = Map::new();
        for (i, (name, expr, f)) in self.fields.iter().enumerate() {
            let value = |j: usize| match &f.terms[j].1 {
                Term::First(_) => acc.firsts[i][j].clone().unwrap_or(Value::Null),
                _ => json!(acc.numbers[i][j]),
            };
            let v = if f.terms.len() == 1 {
                value(0)
            } else {
                let mut total = 0i64;
                for (j, (sign, t)) in f.terms.iter().enumerate() {
                    let n = value(j).as_i64().ok_or_else(|| {
                        let shown = if let Term::First(p) = t { p.as_str() } else { "a term" };
                        format!("{name} = {expr}: '{shown}' is not a number")
                    })?;
                    total = total.saturating_add(sign.saturating_mul(n));
                }
                json!(total.max(0))
            };
            out.insert(name.clone(), if v.is_null() { f.default.clone().unwrap_or(Value::Null) } else { v });
        }
        Ok(Value::Object(out))
    }
}

/// One accumulator per parent (rows without a parent form one group), in the order parents are
/// first seen; [`Groups::finish`] puts the largest first.
pub struct Groups<'p> {
    plan: &'p Plan,
    index: std::collections::HashMap<String, usize>,
    accs: Vec<Acc>,
}

impl<'p> Groups<'p> {
    pub fn new(plan: &'p Plan) -> Self {
        Groups { plan, index: std::collections::HashMap::new(), accs: Vec::new() }
    }

    pub fn add(&mut self, r: &Row) {
        let key = r.parent.as_ref().and_then(|p| p.get("id")).map_or_else(|| "null".to_string(), Value::to_string);
        let next = self.accs.len();
        let i = *self.index.entry(key).or_insert(next);
        if i == next {
            self.accs.push(self.plan.start());
        }
        self.plan.add(&mut self.accs[i], r);
    }

    /// One answer row per group, the largest groups first (first seen first among equals), at most `top`.
    pub fn finish(mut self, top: Option<usize>) -> Result<Vec<Value>, ExprError> {
        self.accs.sort_by_key(|a| std::cmp::Reverse(a.rows));
        self.accs.iter().take(top.unwrap_or(usize::MAX)).map(|a| self.plan.finish(a)).collect()
    }
}

fn field(expr: &str) -> Result<Field, ExprError> {
    let (value, default) = match expr.split_once("??") {
        Some((v, d)) => (v.trim(), Some(literal(d.trim())?)),
        None => (expr.trim(), None),
    };
    let mut terms: Vec<(i64, Term)> = Vec::new();
    let (mut depth, mut start, mut sign) = (0i32, 0usize, 1i64);
    for (i, c) in value.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            '+' | '-' if depth == 0 && i > start => {
                terms.push((sign, term(value[start..i].trim())?));
                sign = if c == '+' { 1 } else { -1 };
                start = i + 1;
            }
            _ => {}
        }
    }
    terms.push((sign, term(value[start..].trim())?));
    Ok(Field { terms, default })
}

fn term(t: &str) -> Result<Term, ExprError> {
    if t == "count" {
        return Ok(Term::Count);
    }
    if let Some(args) = t.strip_prefix("count(").and_then(|r| r.strip_suffix(')')) {
        return Ok(Term::CountIf(args.split(',').map(condition).collect::<Result<Vec<_>, _>>()?));
    }
    if let Some(path) = t.strip_prefix("sum(").and_then(|r| r.strip_suffix(')')) {
        return Ok(Term::Sum(path.trim().to_string()));
    }
    if t.is_empty() || !t.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_') {
        return Err(format!("'{t}' is not count, count(…), sum(…) or a property path"));
    }
    Ok(Term::First(t.to_string()))
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
        let plan = Plan::compile(&f).unwrap();
        let mut groups = Groups::new(&plan);
        for r in rows.iter().rev() {
            groups.add(r);
        }
        let top = groups.finish(Some(1)).unwrap();
        assert_eq!((top.len(), &top[0]["total"], &top[0]["kind"]), (1, &json!(2), &json!("x")), "the largest group first");
        let bad: std::collections::BTreeMap<String, String> = [("x".to_string(), "max(n)".to_string())].into();
        assert!(fields(&bad, &all).unwrap_err().contains("x = max(n)"));
    }
}
