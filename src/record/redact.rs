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
    IpAddress,
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
            Kind::IpAddress => "IP address",
            Kind::Secret => "secret or token",
        }
    }
}

/// Hosts whose names identify no tenant.
const PUBLIC_HOSTS: &[&str] = &[
    "graph.microsoft.com",
    "login.microsoftonline.com",
    "learn.microsoft.com",
    "example.com",
    "example.org",
    "example",
];

/// Keys whose object is a person.
const PERSON_KEYS: &[&str] = &["subject", "user", "createdBy", "lastModifiedBy", "manager", "owner"];
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
            Kind::IpAddress if original.contains(':') => format!("2001:db8::{n:x}"),
            Kind::IpAddress => format!("192.0.2.{}", n % 250 + 1),
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
                // Keys are text a server chose: an id, an address or a token used as a property
                // name is replaced like any value.
                let keys: Vec<String> = o.keys().cloned().collect();
                for k in keys {
                    let new = self.text(&k);
                    if new != k
                        && let Some(x) = o.remove(&k)
                    {
                        o.insert(new, x);
                    }
                }
                let is_person = person
                    || o.contains_key("userPrincipalName")
                    || o.contains_key("mail")
                    || o.contains_key("email")
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

    /// A string: secrets (every token the run was given or issued, in any encoding), GUIDs (with
    /// or without dashes, wherever they stand), addresses (also percent-encoded), IP addresses,
    /// tenant domains and foreign host names replaced.
    pub fn text(&mut self, s: &str) -> String {
        let mut out = s.to_string();
        for secret in self.secrets.clone() {
            if out.contains(&secret) {
                let p = self.placeholder(Kind::Secret, &secret);
                out = out.replace(&secret, &p);
            }
        }
        if let std::borrow::Cow::Owned(o) = crate::target::secret::redact(&out) {
            *self.counts.entry(Kind::Secret).or_default() += 1;
            out = o;
        }
        out = self.guids(&out);
        out = self.addresses(&out);
        out = self.ip_addresses(&out);
        out = self.tenant_domains(&out);
        self.hosts(&out)
    }

    /// IPv4 and IPv6 addresses → the documentation ranges (`192.0.2.<n>`, `2001:db8::<n>`).
    fn ip_addresses(&mut self, s: &str) -> String {
        let is_part = |c: char| c.is_ascii_hexdigit() || c == '.' || c == ':';
        if !s.chars().any(|c| c == '.' || c == ':') {
            return s.to_string();
        }
        let mut out = String::with_capacity(s.len());
        let mut rest = s;
        while !rest.is_empty() {
            let start = rest.find(is_part).unwrap_or(rest.len());
            out.push_str(&rest[..start]);
            rest = &rest[start..];
            let end = rest.find(|c: char| !is_part(c)).unwrap_or(rest.len());
            let word = &rest[..end];
            let trimmed = word.trim_end_matches(['.', ':']);
            let parsed = trimmed.parse::<std::net::IpAddr>().ok();
            match parsed {
                Some(ip)
                    if !is_documentation(ip)
                        && (trimmed.contains("::") || trimmed.matches(['.', ':']).count() >= 3) =>
                {
                    let n = self.placeholder(Kind::IpAddress, trimmed);
                    out.push_str(&n);
                    out.push_str(&word[trimmed.len()..]);
                }
                _ => out.push_str(word),
            }
            rest = &rest[end..];
        }
        out
    }

    /// Names under `onmicrosoft.com` (a tenant's own domain), wherever they stand in text.
    fn tenant_domains(&mut self, s: &str) -> String {
        const SUFFIX: &str = ".onmicrosoft.com";
        let lower = s.to_ascii_lowercase();
        if !lower.contains(SUFFIX) {
            return s.to_string();
        }
        let mut out = String::with_capacity(s.len());
        let mut from = 0;
        while let Some(at) = lower[from..].find(SUFFIX) {
            let end = from + at + SUFFIX.len();
            // Searched back only to where the last match ended: linear in the text.
            let start = lower[from..from + at]
                .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '.'))
                .map_or(from, |i| from + i + 1);
            out.push_str(&s[from..start]);
            if start == from + at {
                out.push_str(&s[start..end]);
            } else {
                let host = lower[start..end].to_string();
                out.push_str(&self.placeholder(Kind::Domain, &host));
            }
            from = end;
        }
        out.push_str(&s[from..]);
        out
    }

    fn guids(&mut self, s: &str) -> String {
        let b = s.as_bytes();
        let mut out = String::with_capacity(s.len());
        let mut i = 0;
        while i < b.len() {
            // Wherever it stands: after a letter or digit, inside `%27…%27`, in a key.
            let dashless = i + 32 <= b.len()
                && s.is_char_boundary(i + 32)
                && s[i..i + 32].bytes().all(|c| c.is_ascii_hexdigit())
                && (i == 0 || !b[i - 1].is_ascii_hexdigit())
                && b.get(i + 32).is_none_or(|c| !c.is_ascii_hexdigit());
            if dashless {
                let g = &s[i..i + 32];
                let dashed = format!("{}-{}-{}-{}-{}", &g[..8], &g[8..12], &g[12..16], &g[16..20], &g[20..]);
                let kind = if self.tenant.as_deref() == Some(&dashed.to_ascii_lowercase()) {
                    Kind::Tenant
                } else {
                    Kind::Guid
                };
                if g.starts_with("5eed") || g.chars().all(|c| c == '0') {
                    out.push_str(g);
                } else {
                    out.push_str(&self.placeholder(kind, &dashed).replace('-', ""));
                }
                i += 32;
                continue;
            }
            if i + 36 <= b.len() && s.is_char_boundary(i + 36) && is_guid(&s[i..i + 36]) {
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

    /// Mail addresses and user principal names, also percent-encoded (`zelda%40contoso.com`), in
    /// any text (URLs, filters, sentences).
    fn addresses(&mut self, s: &str) -> String {
        if !s.contains('@') && !s.contains("%40") {
            return s.to_string();
        }
        let local_char = |c: char| c.is_ascii_alphanumeric() || "._+-'".contains(c);
        let domain_char = |c: char| c.is_ascii_alphanumeric() || c == '.' || c == '-';
        let mut out = String::with_capacity(s.len());
        let mut from = 0;
        // The next `@` and `%40` at or after `from`, each searched for again only once passed:
        // linear in the text.
        let next = |pat: &str, from: usize| s[from..].find(pat).map(|i| (from + i, pat.len()));
        let (mut at_sign, mut encoded) = (next("@", 0), next("%40", 0));
        loop {
            if at_sign.is_some_and(|(i, _)| i < from) {
                at_sign = next("@", from);
            }
            if encoded.is_some_and(|(i, _)| i < from) {
                encoded = next("%40", from);
            }
            let Some((at, len)) = [at_sign, encoded].into_iter().flatten().min() else { break };
            // Searched back only to where the last address ended: linear in the text.
            let local_start = s[from..at].rfind(|c: char| !local_char(c)).map_or(from, |i| from + i + 1);
            let domain_end = s[at + len..].find(|c: char| !domain_char(c)).map(|i| at + len + i).unwrap_or(s.len());
            let local = &s[local_start..at];
            let domain = s[at + len..domain_end].trim_end_matches(['.', '-']);
            let domain_end = at + len + domain.len();
            let lower = domain.to_ascii_lowercase();
            let ours = lower == "example.com" || lower.ends_with(".example.com") || lower.ends_with(".example");
            // `tasks@odata.context`: an OData annotation, not an address.
            let annotation = lower.starts_with("odata.");
            if !local.is_empty() && domain.contains('.') && !ours && !annotation {
                let original = format!("{local}@{domain}");
                let p = self.placeholder(Kind::Mail, &original);
                self.placeholder(Kind::Domain, domain);
                out.push_str(&s[from..local_start]);
                out.push_str(&if len == 3 { p.replace('@', "%40") } else { p });
                from = domain_end;
            } else {
                out.push_str(&s[from..at + len]);
                from = at + len;
            }
        }
        out.push_str(&s[from..]);
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

/// Addresses of the documentation ranges (RFC 5737, RFC 3849) and loopback: ours, not a tenant's.
fn is_documentation(ip: std::net::IpAddr) -> bool {
    match ip {
        std::net::IpAddr::V4(v) => {
            let o = v.octets();
            v.is_loopback()
                || v.is_unspecified()
                || matches!((o[0], o[1], o[2]), (192, 0, 2) | (198, 51, 100) | (203, 0, 113))
        }
        std::net::IpAddr::V6(v) => v.is_loopback() || v.is_unspecified() || v.segments()[0..2] == [0x2001, 0xdb8],
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

    #[test]
    fn what_the_readme_says_is_removed_is_removed_wherever_it_stands() {
        crate::target::secret::register("issued-token-Zq81xPw3");
        let mut p = Placeholders::new(Some("aaaaaaaa-1111-2222-3333-444444444444"), &[]);
        let mut v = json!({
            "14879e66-9ea9-48d0-804d-8fea672d0341": "a GUID as a key",
            "zelda@canarycorp.com": "an address as a key",
            "issued-token-Zq81xPw3": "a token as a key",
            "note": "echo issued-token-Zq81xPw3 and \\u0069ssued-token-Zq81xPw3",
            "path": "users/x14879e66-9ea9-48d0-804d-8fea672d0342/y?$filter=id eq %2714879e66-9ea9-48d0-804d-8fea672d0343%27",
            "upn": "users/zelda.upn%40canarycorp.com/manager",
            "hosts": "from 10.20.30.40 and fe80::1ff:fe23:4567:890a, docs at 192.0.2.1",
            "tenantDomain": "canarycorp.onmicrosoft.com",
            "lookalike": "admin@evilexample.com",
            "dashless": "aaaaaaaa111122223333444444444444 and 0123456789abcdef0123456789abcdef",
        });
        p.value(&mut v);
        let text = v.to_string();
        for gone in [
            "14879e66",
            "canarycorp",
            "zelda",
            "issued-token",
            "0069ssued",
            "10.20.30.40",
            "fe80::",
            "evilexample",
            "aaaaaaaa",
            "0123456789abcdef",
        ] {
            assert!(!text.contains(gone), "{gone} remained: {text}");
        }
        assert!(text.contains("192.0.2.1"), "documentation addresses are not a tenant's: {text}");
        assert!(text.contains("5eed7e4a00004000"), "the dashless tenant id is the tenant's placeholder: {text}");
    }
}
