//! `query.filter`: every row of a list read with a simple `$filter` satisfies it. Simple means
//! comparisons of a property path with a literal (`eq`, `ne`, `gt`, `ge`, `lt`, `le`, `has`),
//! joined by `and`, `or`, `not` and parentheses (OData 4.01 URL Conventions 5.1.1); anything else
//! (functions, lambdas, arithmetic) is not judged, and the rule is not counted as reached. A row
//! without a property the filter names (left out by `$select`) is not judged either. Strings and
//! enum members compare ASCII case-insensitively (Graph's front ends differ), date-times as
//! instants, numbers by value.

use serde_json::Value;

use super::{Exchange, Finding};

/// Rows of a list judged per answer.
const MAX_ROWS: usize = 1_000;
/// Deepest nesting of parentheses and `not` read.
const MAX_DEPTH: usize = 32;

/// A `$filter` read as far as the rule judges it.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    And(Box<Filter>, Box<Filter>),
    Or(Box<Filter>, Box<Filter>),
    Not(Box<Filter>),
    /// `path <op> literal`: which orderings of the value against the literal satisfy it
    /// (`[less, equal, greater]`: `ge` is `[false, true, true]`).
    Compare {
        path: Vec<String>,
        accepts: [bool; 3],
        literal: Literal,
    },
    /// `path has 'member'`: a (flags) enum value includes the member.
    Has {
        path: Vec<String>,
        member: String,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Text(String),
    Number(f64),
    Bool(bool),
    Null,
}

pub fn check(x: &Exchange<'_>, out: &mut Vec<Finding>) {
    let Some(filter) = applies(x) else { return };
    let Some(rows) = x.json.and_then(|b| b.get("value")).and_then(Value::as_array) else { return };
    for (i, row) in rows.iter().take(MAX_ROWS).enumerate() {
        if holds(&filter, row) == Some(false) {
            let text = x
                .sent
                .query
                .and_then(|q| crate::odata::QueryOptions::parse(q).system_option("filter").map(str::to_string));
            out.push(Finding::failure(
                "query.filter",
                format!("/value/{i}"),
                format!("the row does not satisfy $filter={}", text.unwrap_or_default()),
            ));
            return;
        }
    }
}

/// The filter of a list read this rule can judge.
pub fn applies(x: &Exchange<'_>) -> Option<Filter> {
    if !x.case.collection {
        return None;
    }
    let raw = crate::odata::QueryOptions::parse(x.sent.query?).system_option("filter")?.to_string();
    parse(&raw)
}

/// Reads `text`; `None` when it is more than this rule judges.
pub fn parse(text: &str) -> Option<Filter> {
    let tokens = tokens(text)?;
    let mut p = Parser { tokens, at: 0, depth: 0 };
    let f = p.or()?;
    (p.at == p.tokens.len()).then_some(f)
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Quoted(String),
    Open,
    Close,
}

fn tokens(text: &str) -> Option<Vec<Token>> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            c if c.is_whitespace() => {
                chars.next();
            }
            '(' => {
                chars.next();
                out.push(Token::Open);
            }
            ')' => {
                chars.next();
                out.push(Token::Close);
            }
            '\'' => {
                chars.next();
                let mut s = String::new();
                loop {
                    match chars.next()? {
                        '\'' if chars.peek() == Some(&'\'') => {
                            chars.next();
                            s.push('\'');
                        }
                        '\'' => break,
                        other => s.push(other),
                    }
                }
                out.push(Token::Quoted(s));
            }
            _ => {
                let mut w = String::new();
                while let Some(&c) = chars.peek() {
                    if c.is_whitespace() || c == '(' || c == ')' {
                        break;
                    }
                    if c == '\'' {
                        // A qualified enum literal (`ns.category'joiner'`): the member counts.
                        break;
                    }
                    w.push(c);
                    chars.next();
                }
                if chars.peek() == Some(&'\'') && !w.is_empty() {
                    // The type name before the quoted member is dropped.
                    continue;
                }
                out.push(Token::Word(w));
            }
        }
    }
    Some(out)
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
    depth: usize,
}

impl Parser {
    fn peek_word(&self) -> Option<&str> {
        match self.tokens.get(self.at) {
            Some(Token::Word(w)) => Some(w),
            _ => None,
        }
    }

    fn or(&mut self) -> Option<Filter> {
        let mut left = self.and()?;
        while self.peek_word().is_some_and(|w| w.eq_ignore_ascii_case("or")) {
            self.at += 1;
            left = Filter::Or(Box::new(left), Box::new(self.and()?));
        }
        Some(left)
    }

    fn and(&mut self) -> Option<Filter> {
        let mut left = self.unary()?;
        while self.peek_word().is_some_and(|w| w.eq_ignore_ascii_case("and")) {
            self.at += 1;
            left = Filter::And(Box::new(left), Box::new(self.unary()?));
        }
        Some(left)
    }

    fn unary(&mut self) -> Option<Filter> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return None;
        }
        let out = if self.peek_word().is_some_and(|w| w.eq_ignore_ascii_case("not")) {
            self.at += 1;
            Some(Filter::Not(Box::new(self.unary()?)))
        } else if self.tokens.get(self.at) == Some(&Token::Open) {
            self.at += 1;
            let inner = self.or()?;
            (self.tokens.get(self.at) == Some(&Token::Close)).then_some(())?;
            self.at += 1;
            Some(inner)
        } else {
            self.comparison()
        };
        self.depth -= 1;
        out
    }

    fn comparison(&mut self) -> Option<Filter> {
        let path = self.peek_word()?.to_string();
        if !path.split('/').all(|s| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')) {
            return None;
        }
        self.at += 1;
        let operator = self.peek_word()?.to_ascii_lowercase();
        // [less, equal, greater] for each comparison operator; `has` is its own.
        let accepts = match operator.as_str() {
            "has" => None,
            "eq" => Some([false, true, false]),
            "ne" => Some([true, false, true]),
            "gt" => Some([false, false, true]),
            "ge" => Some([false, true, true]),
            "lt" => Some([true, false, false]),
            "le" => Some([true, true, false]),
            _ => return None,
        };
        self.at += 1;
        let literal = match self.tokens.get(self.at)? {
            Token::Quoted(s) => Literal::Text(s.clone()),
            Token::Word(w) if w == "true" || w == "false" => Literal::Bool(w == "true"),
            Token::Word(w) if w == "null" => Literal::Null,
            Token::Word(w) => match w.parse::<f64>() {
                Ok(n) => Literal::Number(n),
                // An unquoted GUID or date-time literal.
                Err(_) if w.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | ':' | '.' | '+')) => {
                    Literal::Text(w.clone())
                }
                Err(_) => return None,
            },
            _ => return None,
        };
        self.at += 1;
        let path: Vec<String> = path.split('/').map(str::to_string).collect();
        Some(match (accepts, literal) {
            (Some(accepts), literal) => Filter::Compare { path, accepts, literal },
            (None, Literal::Text(member)) => Filter::Has { path, member },
            (None, _) => return None,
        })
    }
}

/// Whether `row` satisfies `f`; `None` when the row lacks a property the filter names.
pub fn holds(f: &Filter, row: &Value) -> Option<bool> {
    match f {
        Filter::And(a, b) => match (holds(a, row), holds(b, row)) {
            (Some(false), _) | (_, Some(false)) => Some(false),
            (Some(true), Some(true)) => Some(true),
            _ => None,
        },
        Filter::Or(a, b) => match (holds(a, row), holds(b, row)) {
            (Some(true), _) | (_, Some(true)) => Some(true),
            (Some(false), Some(false)) => Some(false),
            _ => None,
        },
        Filter::Not(a) => holds(a, row).map(|b| !b),
        Filter::Compare { path, accepts, literal } => {
            let v = at(row, path)?;
            Some(match order(v, literal) {
                Some(o) => accepts[(o as i8 + 1) as usize],
                // Values that do not compare are unequal, and nothing else.
                None => *accepts == [true, false, true],
            })
        }
        Filter::Has { path, member } => {
            let v = at(row, path)?;
            Some(v.as_str().is_some_and(|s| s.split(',').any(|m| m.trim().eq_ignore_ascii_case(member.trim()))))
        }
    }
}

/// The value at `path` in `row`, if the row shows it.
fn at<'v>(row: &'v Value, path: &[String]) -> Option<&'v Value> {
    path.iter().try_fold(row, |v, p| v.get(p))
}

/// How `v` orders against `literal`; `None` when they cannot be compared (a `null` against a
/// value, a number against a string): no comparison holds then, and `ne` does.
fn order(v: &Value, literal: &Literal) -> Option<std::cmp::Ordering> {
    use std::cmp::Ordering;
    match (v, literal) {
        (Value::Null, Literal::Null) => Some(Ordering::Equal),
        (Value::Bool(a), Literal::Bool(b)) => Some(a.cmp(b)),
        (Value::Number(a), Literal::Number(b)) => a.as_f64().and_then(|a| a.partial_cmp(b)),
        (Value::String(a), Literal::Text(b)) => {
            let instant = |s: &str| s.parse::<jiff::Timestamp>().ok();
            Some(match (instant(a), instant(b)) {
                (Some(x), Some(y)) => x.cmp(&y),
                _ => a.to_ascii_lowercase().cmp(&b.to_ascii_lowercase()),
            })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn simple_filters_are_read_and_judged() {
        let f = parse("(originSystem eq 'AadGroup' and resource/id eq 'a35b') or not (n gt 3)").unwrap();
        assert_eq!(holds(&f, &json!({"originSystem": "aadgroup", "resource": {"id": "A35B"}, "n": 9})), Some(true));
        assert_eq!(holds(&f, &json!({"originSystem": "x", "resource": {"id": "a35b"}, "n": 9})), Some(false));
        assert_eq!(holds(&f, &json!({"originSystem": "x", "resource": {"id": "a35b"}, "n": 2})), Some(true));
        assert_eq!(holds(&f, &json!({"n": 9})), None, "a row without the properties is not judged");
        let has = parse("category has 'joiner'").unwrap();
        assert_eq!(holds(&has, &json!({"category": "joiner,leaver"})), Some(true));
        assert_eq!(holds(&has, &json!({"category": "mover"})), Some(false));
        let enum_literal = parse("category eq microsoft.graph.identityGovernance.lifecycleWorkflowCategory'leaver'");
        assert_eq!(holds(&enum_literal.unwrap(), &json!({"category": "leaver"})), Some(true));
        let when = parse("createdDateTime ge 2024-01-01T00:00:00Z").unwrap();
        assert_eq!(holds(&when, &json!({"createdDateTime": "2024-02-01T00:00:00.0000000Z"})), Some(true));
        assert_eq!(parse("startswith(displayName,'a')"), None, "functions are not judged");
        assert_eq!(parse("a eq 'x' and"), None);
        assert_eq!(parse(&"(".repeat(100)), None, "depth is bounded");
        let quoted = Filter::Compare {
            path: vec!["id".into()],
            accepts: [false, true, false],
            literal: Literal::Text("it's".into()),
        };
        assert_eq!(parse("id eq 'it''s'"), Some(quoted));
        let ne = parse("n ne 3").unwrap();
        assert_eq!(holds(&ne, &json!({"n": 4})), Some(true));
        assert_eq!(holds(&ne, &json!({"n": 3})), Some(false));
        assert_eq!(holds(&ne, &json!({"n": null})), Some(true), "a null is unequal to 3");
        let le = parse("n le 3").unwrap();
        assert_eq!((holds(&le, &json!({"n": 3})), holds(&le, &json!({"n": 4}))), (Some(true), Some(false)));
    }
}
