//! An answer under construction: status, headers and a body whose property order is kept (OData
//! answers list `@odata.context` first and `$select` properties in request order).

use std::time::Duration;

use serde_json::Value;
use wiremock::ResponseTemplate;

/// Graph's content type for JSON answers.
pub const GRAPH_JSON: &str =
    "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8";

/// A JSON object with its properties in a chosen order.
pub type Ordered = Vec<(String, Value)>;

/// The body of an answer.
#[derive(Debug, Clone)]
pub enum Body {
    Object(Ordered),
    Raw { text: String, content_type: String },
}

/// A body as sent: `(content type, text)`.
pub type WireBody = (String, String);

/// An answer the responder has built and the faults may still change.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Option<Body>,
    pub delay: Option<Duration>,
}

impl Reply {
    pub fn json(status: u16, body: Ordered) -> Self {
        Reply {
            status,
            headers: vec![("Content-Type".into(), GRAPH_JSON.into())],
            body: Some(Body::Object(body)),
            delay: None,
        }
    }

    /// An answer without a body (204, 202).
    pub fn empty(status: u16) -> Self {
        Reply { status, headers: Vec::new(), body: None, delay: None }
    }

    /// A plain-text answer (`$count`).
    pub fn text(status: u16, text: &str) -> Self {
        Reply {
            status,
            headers: Vec::new(),
            body: Some(Body::Raw { text: text.to_string(), content_type: "text/plain; charset=utf-8".into() }),
            delay: None,
        }
    }

    /// The object body, to read.
    pub fn object(&self) -> Option<&Ordered> {
        match &self.body {
            Some(Body::Object(o)) => Some(o),
            _ => None,
        }
    }

    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// Sets (or replaces) a header.
    pub fn set_header(&mut self, name: &str, value: &str) {
        self.headers.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
        self.headers.push((name.to_string(), value.to_string()));
    }

    pub fn remove_header(&mut self, name: &str) {
        self.headers.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
    }

    /// The object body, for faults that edit properties.
    pub fn object_mut(&mut self) -> Option<&mut Ordered> {
        match &mut self.body {
            Some(Body::Object(o)) => Some(o),
            _ => None,
        }
    }

    /// The headers other than Content-Type, and the body as `(content type, text)`: what either
    /// transport (wiremock, the standalone server) puts on the wire.
    pub fn wire(self) -> (Vec<(String, String)>, Option<WireBody>) {
        let mut content_type = None;
        let mut headers = Vec::with_capacity(self.headers.len());
        for (k, v) in self.headers {
            if k.eq_ignore_ascii_case("content-type") {
                content_type = Some(v);
            } else {
                headers.push((k, v));
            }
        }
        let body = match self.body {
            Some(Body::Object(o)) => Some((content_type.unwrap_or_else(|| GRAPH_JSON.to_string()), write_ordered(&o))),
            Some(Body::Raw { text, content_type }) => Some((content_type, text)),
            None => None,
        };
        (headers, body)
    }

    /// The answer as an `http` response (the delay is the transport's business).
    pub fn into_http(self) -> http::Response<bytes::Bytes> {
        let mut builder = http::Response::builder().status(self.status);
        let (headers, body) = self.wire();
        for (k, v) in &headers {
            builder = builder.header(k.as_str(), v.as_str());
        }
        let body = match body {
            Some((content_type, text)) => {
                builder = builder.header("content-type", content_type);
                bytes::Bytes::from(text)
            }
            None => bytes::Bytes::new(),
        };
        builder.body(body).unwrap_or_else(|_| {
            let mut r =
                http::Response::new(bytes::Bytes::from_static(b"the reference server built an invalid response"));
            *r.status_mut() = http::StatusCode::INTERNAL_SERVER_ERROR;
            r
        })
    }

    pub fn into_template(self) -> ResponseTemplate {
        let mut t = ResponseTemplate::new(self.status);
        if let Some(d) = self.delay {
            t = t.set_delay(d);
        }
        let (headers, body) = self.wire();
        for (k, v) in &headers {
            t = t.append_header(k.as_str(), v.as_str());
        }
        if let Some((content_type, text)) = body {
            t = t.set_body_raw(text, &content_type);
        }
        t
    }
}

/// Serializes an ordered object.
pub fn write_ordered(o: &Ordered) -> String {
    let mut s = String::from("{");
    for (i, (k, v)) in o.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        s.push_str(&Value::String(k.clone()).to_string());
        s.push(':');
        s.push_str(&v.to_string());
    }
    s.push('}');
    s
}

/// Gets a property of an ordered object.
pub fn get<'a>(o: &'a Ordered, key: &str) -> Option<&'a Value> {
    o.iter().find(|(k, _)| k == key).map(|(_, v)| v)
}

/// Sets a property of an ordered object, in place when present, at the end otherwise.
pub fn set(o: &mut Ordered, key: &str, value: Value) {
    match o.iter_mut().find(|(k, _)| k == key) {
        Some((_, v)) => *v = value,
        None => o.push((key.to_string(), value)),
    }
}

/// Removes a property of an ordered object.
pub fn remove(o: &mut Ordered, key: &str) {
    o.retain(|(k, _)| k != key);
}
