//! `$filter` and `$orderby` as the fake implements them: comparisons (`eq`, `ne`, `gt`, `ge`, `lt`,
//! `le`), `has` for flags, `and`, `or`, `not`, parentheses, `startswith`, `endswith`, `contains`,
//! over property paths (`subject/id`); literals are strings, numbers, booleans, `null`, and
//! date-times. Anything else is a 400 with the position of the problem.

use std::cmp::Ordering;

use serde_json::{Map, Value};

/// A parsed `$filter` expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Or(Box<Expr>, Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Compare(Operand, Op, Operand),
    Call(String, Vec<Operand>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
    Has,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    Property(Vec<String>),
    Literal(Value),
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Str(String),
    Open,
    Close,
    Comma,
}

fn tokens(text: &str) -> Result<Vec<Token>, String> {
    let mut out = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            ' ' | '\t' => i += 1,
            '(' => {
                out.push(Token::Open);
                i += 1;
            }
            ')' => {
                out.push(Token::Close);
                i += 1;
            }
            ',' => {
                out.push(Token::Comma);
                i += 1;
            }
            '\'' => {
                let mut s = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => return Err("a string literal is not closed".into()),
                        Some('\'') if chars.get(i + 1) == Some(&'\'') => {
                            s.push('\'');
                            i += 2;
                        }
                        Some('\'') => {
                            i += 1;
                            break;
                        }
                        Some(c) => {
                            s.push(*c);
                            i += 1;
                        }
                    }
                }
                out.push(Token::Str(s));
            }
            _ => {
                let start = i;
                while i < chars.len() && !matches!(chars[i], ' ' | '\t' | '(' | ')' | ',' | '\'') {
                    i += 1;
                }
                out.push(Token::Word(chars[start..i].iter().collect()));
            }
        }
    }
    Ok(out)
}

/// Parses a `$filter` value.
pub fn parse(text: &str) -> Result<Expr, String> {
    let toks = tokens(text)?;
    let mut p = Parser { toks, pos: 0 };
    let e = p.or()?;
    if p.pos != p.toks.len() {
        return Err(format!("unexpected '{}' after a complete expression", p.describe()));
    }
    Ok(e)
}

struct Parser {
    toks: Vec<Token>,
    pos: usize,
}

impl Parser {
    fn peek_word(&self) -> Option<&str> {
        match self.toks.get(self.pos) {
            Some(Token::Word(w)) => Some(w),
            _ => None,
        }
    }
    fn describe(&self) -> String {
        match self.toks.get(self.pos) {
            Some(Token::Word(w)) => w.clone(),
            Some(Token::Str(s)) => format!("'{s}'"),
            Some(Token::Open) => "(".into(),
            Some(Token::Close) => ")".into(),
            Some(Token::Comma) => ",".into(),
            None => "the end".into(),
        }
    }
    fn or(&mut self) -> Result<Expr, String> {
        let mut left = self.and()?;
        while self.peek_word().is_some_and(|w| w.eq_ignore_ascii_case("or")) {
            self.pos += 1;
            left = Expr::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }
    fn and(&mut self) -> Result<Expr, String> {
        let mut left = self.unary()?;
        while self.peek_word().is_some_and(|w| w.eq_ignore_ascii_case("and")) {
            self.pos += 1;
            left = Expr::And(Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }
    fn unary(&mut self) -> Result<Expr, String> {
        if self.peek_word().is_some_and(|w| w.eq_ignore_ascii_case("not")) {
            self.pos += 1;
            return Ok(Expr::Not(Box::new(self.unary()?)));
        }
        if self.toks.get(self.pos) == Some(&Token::Open) {
            self.pos += 1;
            let e = self.or()?;
            if self.toks.get(self.pos) != Some(&Token::Close) {
                return Err(format!("expected ')' but found {}", self.describe()));
            }
            self.pos += 1;
            return Ok(e);
        }
        if let Some(name) = self.peek_word().map(str::to_ascii_lowercase)
            && ["startswith", "endswith", "contains"].contains(&name.as_str())
            && self.toks.get(self.pos + 1) == Some(&Token::Open)
        {
            self.pos += 2;
            let mut args = vec![self.operand()?];
            while self.toks.get(self.pos) == Some(&Token::Comma) {
                self.pos += 1;
                args.push(self.operand()?);
            }
            if self.toks.get(self.pos) != Some(&Token::Close) || args.len() != 2 {
                return Err(format!("{name} takes two arguments: {name}(property,'text')"));
            }
            self.pos += 1;
            return Ok(Expr::Call(name, args));
        }
        let left = self.operand()?;
        let op = match self.peek_word().map(str::to_ascii_lowercase).as_deref() {
            Some("eq") => Op::Eq,
            Some("ne") => Op::Ne,
            Some("gt") => Op::Gt,
            Some("ge") => Op::Ge,
            Some("lt") => Op::Lt,
            Some("le") => Op::Le,
            Some("has") => Op::Has,
            _ => {
                return Err(format!(
                    "expected an operator (eq, ne, gt, ge, lt, le, has) but found {}",
                    self.describe()
                ));
            }
        };
        self.pos += 1;
        let right = self.operand()?;
        Ok(Expr::Compare(left, op, right))
    }
    fn operand(&mut self) -> Result<Operand, String> {
        let t = self.toks.get(self.pos).cloned();
        self.pos += 1;
        match t {
            Some(Token::Str(s)) => Ok(Operand::Literal(Value::String(s))),
            Some(Token::Word(w)) => Ok(match w.as_str() {
                "true" => Operand::Literal(Value::Bool(true)),
                "false" => Operand::Literal(Value::Bool(false)),
                "null" => Operand::Literal(Value::Null),
                _ if w.parse::<i64>().is_ok() => Operand::Literal(serde_json::json!(w.parse::<i64>().unwrap_or(0))),
                _ if w.parse::<f64>().is_ok() => Operand::Literal(serde_json::json!(w.parse::<f64>().unwrap_or(0.0))),
                _ if w.parse::<jiff::Timestamp>().is_ok() => Operand::Literal(Value::String(w)),
                _ if w.chars().all(|c| c.is_ascii_alphanumeric() || c == '/' || c == '_' || c == '.') => {
                    Operand::Property(w.split('/').map(str::to_string).collect())
                }
                _ => return Err(format!("'{w}' is neither a property nor a literal")),
            }),
            _ => {
                self.pos -= 1;
                Err(format!("expected a property or a literal but found {}", self.describe()))
            }
        }
    }
}

/// The properties an expression reads (first segments), for validation against the type.
pub fn properties(e: &Expr, out: &mut Vec<String>) {
    let mut add = |o: &Operand| {
        if let Operand::Property(p) = o
            && let Some(first) = p.first()
        {
            out.push(first.clone());
        }
    };
    match e {
        Expr::Or(a, b) | Expr::And(a, b) => {
            properties(a, out);
            properties(b, out);
        }
        Expr::Not(a) => properties(a, out),
        Expr::Compare(l, _, r) => {
            add(l);
            add(r);
        }
        Expr::Call(_, args) => args.iter().for_each(add),
    }
}

fn value<'a>(o: &'a Operand, row: &'a Map<String, Value>) -> Option<&'a Value> {
    match o {
        Operand::Literal(v) => Some(v),
        Operand::Property(path) => {
            let mut v = row.get(path.first()?)?;
            for p in &path[1..] {
                v = v.get(p)?;
            }
            Some(v)
        }
    }
}

/// Orders two JSON values: numbers numerically, date-times as instants, strings
/// case-insensitively, null first.
pub fn compare(a: &Value, b: &Value) -> Option<Ordering> {
    match (a, b) {
        (Value::Null, Value::Null) => Some(Ordering::Equal),
        (Value::Null, _) => Some(Ordering::Less),
        (_, Value::Null) => Some(Ordering::Greater),
        (Value::Number(x), Value::Number(y)) => x.as_f64()?.partial_cmp(&y.as_f64()?),
        (Value::Bool(x), Value::Bool(y)) => Some(x.cmp(y)),
        (Value::String(x), Value::String(y)) => match (x.parse::<jiff::Timestamp>(), y.parse::<jiff::Timestamp>()) {
            (Ok(p), Ok(q)) => Some(p.cmp(&q)),
            _ => Some(x.to_ascii_lowercase().cmp(&y.to_ascii_lowercase())),
        },
        _ => None,
    }
}

/// Whether `row` satisfies `e`.
pub fn matches(e: &Expr, row: &Map<String, Value>) -> bool {
    match e {
        Expr::Or(a, b) => matches(a, row) || matches(b, row),
        Expr::And(a, b) => matches(a, row) && matches(b, row),
        Expr::Not(a) => !matches(a, row),
        Expr::Compare(l, op, r) => {
            let (Some(a), Some(b)) = (value(l, row), value(r, row)) else {
                return *op == Op::Ne;
            };
            if *op == Op::Has {
                let (Some(a), Some(b)) = (a.as_str(), b.as_str()) else { return false };
                return b.split(',').all(|f| a.split(',').any(|x| x.trim().eq_ignore_ascii_case(f.trim())));
            }
            let ord = compare(a, b);
            match op {
                Op::Eq => ord == Some(Ordering::Equal),
                Op::Ne => ord != Some(Ordering::Equal),
                Op::Gt => ord == Some(Ordering::Greater),
                Op::Ge => matches!(ord, Some(Ordering::Greater | Ordering::Equal)),
                Op::Lt => ord == Some(Ordering::Less),
                Op::Le => matches!(ord, Some(Ordering::Less | Ordering::Equal)),
                Op::Has => false,
            }
        }
        Expr::Call(name, args) => {
            let (Some(Value::String(a)), Some(Value::String(b))) = (value(&args[0], row), value(&args[1], row)) else {
                return false;
            };
            let (a, b) = (a.to_ascii_lowercase(), b.to_ascii_lowercase());
            match name.as_str() {
                "startswith" => a.starts_with(&b),
                "endswith" => a.ends_with(&b),
                _ => a.contains(&b),
            }
        }
    }
}

/// `$orderby`: `prop [asc|desc], ...`.
pub fn parse_orderby(text: &str) -> Result<Vec<(Vec<String>, bool)>, String> {
    text.split(',')
        .map(|part| {
            let mut words = part.split_whitespace();
            let prop = words.next().ok_or("an empty $orderby item")?;
            let desc = match words.next().map(str::to_ascii_lowercase).as_deref() {
                None | Some("asc") => false,
                Some("desc") => true,
                Some(other) => return Err(format!("'{other}' is neither asc nor desc")),
            };
            Ok((prop.split('/').map(str::to_string).collect(), desc))
        })
        .collect()
}

/// Sorts rows by `$orderby` keys (stable).
#[cfg(test)]
pub fn sort(rows: &mut [Map<String, Value>], keys: &[(Vec<String>, bool)]) {
    rows.sort_by(|a, b| order(a, b, keys));
}

/// How two rows compare under `$orderby` `keys` (equal rows keep their order: the sorts are stable).
pub fn order(a: &Map<String, Value>, b: &Map<String, Value>, keys: &[(Vec<String>, bool)]) -> Ordering {
    for (path, desc) in keys {
        let get = |r: &Map<String, Value>| value(&Operand::Property(path.clone()), r).cloned().unwrap_or(Value::Null);
        let o = compare(&get(a), &get(b)).unwrap_or(Ordering::Equal);
        let o = if *desc { o.reverse() } else { o };
        if o != Ordering::Equal {
            return o;
        }
    }
    Ordering::Equal
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn row(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn the_docs_filters_evaluate() {
        let e = parse("category eq 'leaver'").unwrap();
        assert!(matches(&e, &row(json!({"category": "leaver"}))));
        assert!(!matches(&e, &row(json!({"category": "joiner"}))));
        let e = parse("category has 'joiner'").unwrap();
        assert!(matches(&e, &row(json!({"category": "joiner,leaver"}))));
        assert!(!matches(&e, &row(json!({"category": "leaver"}))));
        let e = parse("(totalUsersCount gt 1 and not (processingStatus eq 'failed')) or startswith(displayName,'Ab')")
            .unwrap();
        assert!(matches(&e, &row(json!({"totalUsersCount": 2, "processingStatus": "completed"}))));
        assert!(matches(&e, &row(json!({"totalUsersCount": 0, "displayName": "abc"}))));
        let e = parse("scheduledDateTime ge 2022-08-24T00:00:00Z").unwrap();
        assert!(matches(&e, &row(json!({"scheduledDateTime": "2022-08-24T23:28:01.6476554Z"}))));
        assert!(parse("category eq").is_err());
        assert!(parse("category leaver").is_err());
        assert!(parse("category eq 'x").is_err());
    }

    #[test]
    fn orderby_sorts_stably() {
        let mut rows =
            vec![row(json!({"a": 2, "b": "x"})), row(json!({"a": 1, "b": "y"})), row(json!({"a": 2, "b": "a"}))];
        sort(&mut rows, &parse_orderby("a desc, b").unwrap());
        let order: Vec<&str> = rows.iter().map(|r| r["b"].as_str().unwrap()).collect();
        assert_eq!(order, ["a", "x", "y"]);
        assert!(parse_orderby("a sideways").is_err());
    }
}
