//! What makes a recording tenant-identifying, replaced before anything touches disk by stable
//! typed placeholders: the same value is the same placeholder in every recorded case.
//!
//! - GUIDs (object ids, the tenant id) → `5eed0000-0000-4000-8000-<n>` (the tenant's own `5eed7e4a-…`);
//! - mail addresses and user principal names → `user<n>@example.com`;
//! - domain names (of addresses, and of URLs other than Microsoft's) → `domain<n>.example`;
//! - people's names (`displayName`, `givenName`, `surname` of a person) → `Person <n>`;
//! - secrets (the run's token, client secret) → `[REDACTED]`.

use std::collections::{BTreeMap, HashMap};

use serde_json::Value;

/// The kinds of replaced values, as the redaction report counts them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Guid,
    Tenant,
    Mail,
    Upn,
    Domain,
    PersonName,
    Secret,
}

impl Kind {
    pub fn label(self) -> &'static str {
        match self {
            Kind::Guid => "object id (GUID)",
            Kind::Tenant => "tenant id",
            Kind::Mail => "mail address",
            Kind::Upn => "user principal name",
            Kind::Domain => "domain name",
            Kind::PersonName => "person's name",
            Kind::Secret => "secret or token",
        }
    }
}

/// Hosts whose names identify no tenant.
const PUBLIC_HOSTS: &[&str] =
    &["graph.microsoft.com", "login.microsoftonline.com", "learn.microsoft.com", "example.com", "example.org"];

/// Keys whose object is a person.
const PERSON_KEYS: &[&str] = &["subject", "user", "createdBy", "lastModifiedBy", "manager", "owner", "requestor"];
/// A person's name properties.
const NAME_KEYS: &[&str] = &["displayName", "givenName", "surname"];

/// Placeholders given so far, and how many of each kind were replaced.
#[derive(Debug, Default)]
pub struct Placeholders {
    given: HashMap<(Kind, String), String>,
    next: HashMap<Kind, usize>,
    /// Replacements made, per kind (every occurrence counts).
    pub counts: BTreeMap<Kind, u64>,
    /// Distinct values replaced, per kind.
    pub distinct: BTreeMap<Kind, u64>,
    tenant: Option<String>,
    secrets: Vec<String>,
}

impl Placeholders {
    /// `tenant`: the tenant's id when known (its own kind); `secrets`: never written.
    pub fn new(tenant: Option<&str>, secrets: &[String]) -> Self {
        Placeholders {
            tenant: tenant.map(str::to_ascii_lowercase),
            secrets: secrets.iter().filter(|s| s.len() >= 4).cloned().collect(),
            ..Placeholders::default()
        }
    }

    fn placeholder(&mut self, kind: Kind, original: &str) -> String {
        *self.counts.entry(kind).or_default() += 1;
        // A user principal name and the same mail address are one placeholder.
        let family = if kind == Kind::Upn { Kind::Mail } else { kind };
        let key = (family, original.to_ascii_lowercase());
        if let Some(p) = self.given.get(&key) {
            return p.clone();
        }
        let n = self.next.entry(family).or_default();
        *n += 1;
        let n = *n;
        *self.distinct.entry(kind).or_default() += 1;
        let p = match kind {
            Kind::Guid => format!("5eed0000-0000-4000-8000-{n:012}"),
            Kind::Tenant => format!("5eed7e4a-0000-4000-8000-{n:012}"),
            Kind::Mail | Kind::Upn => format!("user{n}@example.com"),
            Kind::Domain => format!("domain{n}.example"),
            Kind::PersonName => format!("Person {n}"),
            Kind::Secret => "[REDACTED]".to_string(),
        };
        self.given.insert(key, p.clone());
        p
    }

    /// A JSON value, in place: strings scanned, people's names replaced.
    pub fn value(&mut self, v: &mut Value) {
        self.walk(v, false);
    }

    fn walk(&mut self, v: &mut Value, person: bool) {
        match v {
            Value::String(s) => *s = self.text(s),
            Value::Array(a) => a.iter_mut().for_each(|x| self.walk(x, person)),
            Value::Object(o) => {
                let is_person = person
                    || o.contains_key("userPrincipalName")
                    || o.contains_key("mail")
                    || o.get("@odata.type").and_then(Value::as_str).is_some_and(|t| t.ends_with(".user"));
                for (k, x) in o.iter_mut() {
                    if is_person && NAME_KEYS.contains(&k.as_str()) && x.is_string() {
                        let name = x.as_str().unwrap_or_default().to_string();
                        *x = Value::String(self.placeholder(Kind::PersonName, &name));
                    } else if k == "userPrincipalName" && x.is_string() {
                        let upn = x.as_str().unwrap_or_default().to_string();
                        *x = Value::String(self.placeholder(Kind::Upn, &upn));
                    } else {
                        self.walk(x, PERSON_KEYS.contains(&k.as_str()));
                    }
                }
            }
            _ => {}
        }
    }

    /// A string: secrets, GUIDs, addresses and foreign host names replaced.
    pub fn text(&mut self, s: &str) -> String {
        let mut out = s.to_string();
        for secret in self.secrets.clone() {
            if out.contains(&secret) {
                let p = self.placeholder(Kind::Secret, &secret);
                out = out.replace(&secret, &p);
            }
        }
        out = self.guids(&out);
        out = self.addresses(&out);
        self.hosts(&out)
    }

    fn guids(&mut self, s: &str) -> String {
        let b = s.as_bytes();
        let mut out = String::with_capacity(s.len());
        let mut i = 0;
        while i < b.len() {
            if i + 36 <= b.len() && is_guid(&s[i..i + 36]) && (i == 0 || !b[i - 1].is_ascii_alphanumeric()) {
                let g = &s[i..i + 36];
                let kind =
                    if self.tenant.as_deref() == Some(&g.to_ascii_lowercase()) { Kind::Tenant } else { Kind::Guid };
                // Our own placeholders (and the all-zero fakes of the docs) are left alone.
                if g.starts_with("5eed") || g.starts_with("00000000-") {
                    out.push_str(g);
                } else {
                    out.push_str(&self.placeholder(kind, g));
                }
                i += 36;
            } else {
                let c = s[i..].chars().next().unwrap_or(' ');
                out.push(c);
                i += c.len_utf8();
            }
        }
        out
    }

    fn addresses(&mut self, s: &str) -> String {
        if !s.contains('@') {
            return s.to_string();
        }
        let mut out = String::with_capacity(s.len());
        for (n, word) in s.split(' ').enumerate() {
            if n > 0 {
                out.push(' ');
            }
            let trimmed = word.trim_matches(|c: char| "<>\"'(),;".contains(c));
            match trimmed.split_once('@') {
                Some((local, domain))
                    if !local.is_empty() && domain.contains('.') && !domain.ends_with("example.com") =>
                {
                    let p = self.placeholder(Kind::Mail, trimmed);
                    self.placeholder(Kind::Domain, domain);
                    out.push_str(&word.replace(trimmed, &p));
                }
                _ => out.push_str(word),
            }
        }
        out
    }

    fn hosts(&mut self, s: &str) -> String {
        let mut out = s.to_string();
        for scheme in ["https://", "http://"] {
            let mut from = 0;
            while let Some(at) = out[from..].find(scheme) {
                let start = from + at + scheme.len();
                let end = out[start..].find(['/', ':', '?', '#', ' ', '"']).map(|e| start + e).unwrap_or(out.len());
                let host = out[start..end].to_ascii_lowercase();
                let address = host.parse::<std::net::IpAddr>().is_ok();
                if host.contains('.')
                    && !address
                    && !PUBLIC_HOSTS.iter().any(|h| host == *h || host.ends_with(&format!(".{h}")))
                {
                    let p = self.placeholder(Kind::Domain, &host);
                    out.replace_range(start..end, &p);
                    from = start + p.len();
                } else {
                    from = end;
                }
            }
        }
        out
    }

    /// The redaction report: what was replaced, by kind, with counts.
    pub fn report(&self) -> Value {
        let kinds: Vec<Value> = self
            .counts
            .iter()
            .map(|(k, n)| {
                serde_json::json!({
                    "kind": k.label(),
                    "replacements": n,
                    "distinctValues": self.distinct.get(k).copied().unwrap_or(0),
                })
            })
            .collect();
        serde_json::json!({ "format": "graph-conformance-redaction-report", "version": 1, "kinds": kinds })
    }
}

fn is_guid(s: &str) -> bool {
    s.len() == 36
        && s.char_indices().all(|(i, c)| if [8, 13, 18, 23].contains(&i) { c == '-' } else { c.is_ascii_hexdigit() })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn values_are_replaced_consistently_by_kind() {
        let mut p = Placeholders::new(Some("AAAAAAAA-1111-2222-3333-444444444444"), &["tok-secret".to_string()]);
        let mut v = json!({
            "id": "14879e66-9ea9-48d0-804d-8fea672d0341",
            "tenantId": "aaaaaaaa-1111-2222-3333-444444444444",
            "description": "notify jane.doe@contoso.com via https://contoso.sharepoint.com/x, token tok-secret",
            "subject": {"id": "14879e66-9ea9-48d0-804d-8fea672d0341", "displayName": "Jane Doe", "userPrincipalName": "jane.doe@contoso.com"},
            "@odata.context": "https://graph.microsoft.com/beta/$metadata#x('14879e66-9ea9-48d0-804d-8fea672d0341')",
            "displayName": "Onboard pre-hire employee"
        });
        p.value(&mut v);
        let text = v.to_string();
        for gone in ["14879e66", "aaaaaaaa", "jane.doe", "contoso", "Jane Doe", "tok-secret"] {
            assert!(!text.contains(gone), "{gone} remained: {text}");
        }
        assert_eq!(v["id"], v["subject"]["id"], "the same id, the same placeholder");
        assert!(v["@odata.context"].as_str().unwrap().contains(v["id"].as_str().unwrap()));
        assert_eq!(v["tenantId"], "5eed7e4a-0000-4000-8000-000000000001");
        assert_eq!(v["subject"]["displayName"], "Person 1");
        assert_eq!(v["displayName"], "Onboard pre-hire employee", "a workflow's name is not a person's");
        assert!(v["@odata.context"].as_str().unwrap().starts_with("https://graph.microsoft.com/"));
        assert_eq!(p.counts[&Kind::Secret], 1);
    }
}
