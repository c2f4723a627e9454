//! Secrets (tokens, client secrets) and the redactor every printed line passes through.
//!
//! The secrets a process has seen are kept in one process-wide registry, so that every place that
//! shortens, prints or writes text can redact it first, whatever handle it was given. Redaction
//! looks through the encodings a viewer would undo: JSON string escapes (`\u0063`, `\/`),
//! percent-encoding (`%63`), and base64 (standard and URL-safe, at any alignment). It also replaces
//! any run of eight or more characters that belongs to a secret, so a secret cut in two by a
//! length limit (or split across fields) is still removed.

use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, RwLock};

use base64::Engine as _;

/// What replaces a secret.
pub const REDACTED: &str = "[REDACTED]";

/// A value that must never be printed. `Debug` and `Display` show `[REDACTED]`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(std::sync::Arc<str>, bool);

impl Secret {
    /// A secret, registered with the process's redaction (see [`register`]) as it is made.
    pub fn new(value: impl Into<String>) -> Self {
        let value: String = value.into();
        register(&value);
        Secret(value.into(), false)
    }
    /// A credential that is public by design (the embedded server's fixed token): not registered,
    /// so the words it contains stay readable in output.
    pub fn public(value: &str) -> Self {
        Secret(value.into(), true)
    }
    /// The value, for the one place that needs it (an Authorization header, a token request).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([REDACTED])")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[REDACTED]")
    }
}

/// A run of this many bytes of a secret (or of one of its encoded forms) is redacted wherever it
/// stands. Shorter secrets (4 to 7 bytes) are matched whole.
const FRAGMENT: usize = 8;

/// The process-wide registry: the secrets seen, and what redaction reads of them.
#[derive(Default)]
struct Registry {
    seen: HashSet<String>,
    /// Replaced whole at each registration (rare); counted by [`GENERATION`].
    current: Arc<Snapshot>,
}

static REGISTRY: LazyLock<RwLock<Registry>> = LazyLock::new(Default::default);
/// How many secrets are registered: 0 means there is nothing to redact.
static GENERATION: AtomicU64 = AtomicU64::new(0);

/// What redaction reads: every secret's 8-byte windows, and the short secrets whole. Read at every
/// line printed, so each thread keeps the latest it has seen and readers share no lock.
#[derive(Default, Clone)]
struct Snapshot {
    /// Looked up at every byte of every text printed or written: a cheap mixing hash, not SipHash
    /// (the windows are the process's own secrets, not input an attacker chooses).
    windows: HashSet<u64, std::hash::BuildHasherDefault<WindowHasher>>,
    short: Vec<Vec<u8>>,
    /// One bit per hash of a window (`bloom_shift` keeps its top bits): most windows of ordinary
    /// text miss here, without a probe of `windows`.
    bloom: Vec<u64>,
    bloom_shift: u32,
}

impl Snapshot {
    /// This snapshot with the forms of one more secret.
    fn with(&self, forms: Vec<Vec<u8>>) -> Snapshot {
        let mut next = Snapshot { windows: self.windows.clone(), short: self.short.clone(), ..Snapshot::default() };
        for form in forms {
            if form.len() < FRAGMENT {
                next.short.push(form);
            } else {
                next.windows.extend(form.windows(FRAGMENT).map(window));
            }
        }
        let bits = (next.windows.len() * 32).next_power_of_two().clamp(4096, 1 << 20);
        next.bloom = vec![0; bits / 64];
        next.bloom_shift = 64 - bits.trailing_zeros();
        for w in &next.windows {
            let h = next.bloom_index(*w);
            next.bloom[h / 64] |= 1 << (h % 64);
        }
        next
    }

    fn bloom_index(&self, w: u64) -> usize {
        (w.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> self.bloom_shift) as usize
    }

    /// Whether the 8-byte window `w` belongs to a secret.
    fn holds(&self, w: u64) -> bool {
        let h = self.bloom_index(w);
        self.bloom[h / 64] & (1 << (h % 64)) != 0 && self.windows.contains(&w)
    }
}

thread_local! {
    static SEEN: std::cell::RefCell<(u64, Arc<Snapshot>)> = Default::default();
}

/// The latest snapshot, from this thread's copy when no secret was registered since.
fn snapshot(generation: u64) -> Arc<Snapshot> {
    SEEN.with(|seen| {
        let mut seen = seen.borrow_mut();
        if seen.0 != generation {
            *seen = (generation, REGISTRY.read().unwrap_or_else(|p| p.into_inner()).current.clone());
        }
        seen.1.clone()
    })
}

/// splitmix64's finalizer over one `u64` window: every output bit depends on every input bit.
#[derive(Default)]
struct WindowHasher(u64);

impl std::hash::Hasher for WindowHasher {
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.write_u64(self.0 ^ u64::from(*b));
        }
    }

    fn write_u64(&mut self, x: u64) {
        let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        self.0 = z ^ (z >> 31);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

fn window(bytes: &[u8]) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&bytes[..8]);
    u64::from_le_bytes(w)
}

/// The forms under which a secret may travel: itself, and its base64 encodings at each of the three
/// alignments (the characters that depend on the secret's bytes alone), standard and URL-safe.
fn forms(value: &str) -> Vec<Vec<u8>> {
    let mut out = vec![value.as_bytes().to_vec()];
    let bytes = value.as_bytes();
    for lead in 0..3usize {
        let mut padded = vec![0u8; lead];
        padded.extend_from_slice(bytes);
        let start = (8 * lead).div_ceil(6);
        let end = 8 * (lead + bytes.len()) / 6;
        for engine in
            [&base64::engine::general_purpose::STANDARD_NO_PAD, &base64::engine::general_purpose::URL_SAFE_NO_PAD]
        {
            let text = engine.encode(&padded);
            if end > start && end <= text.len() && end - start >= FRAGMENT {
                out.push(text.as_bytes()[start..end].to_vec());
            }
        }
    }
    out
}

/// Registers a secret for the whole process; values shorter than 4 bytes are ignored (redacting
/// them would mangle ordinary text, and no real token is that short).
pub fn register(value: &str) {
    if value.len() < 4 {
        return;
    }
    let mut reg = REGISTRY.write().unwrap_or_else(|p| p.into_inner());
    if !reg.seen.insert(value.to_string()) {
        return;
    }
    reg.current = Arc::new(reg.current.with(forms(value)));
    GENERATION.fetch_add(1, Ordering::Release);
}

/// Text decoded the way a viewer would show it (JSON escapes, percent escapes), with, for each
/// decoded byte, the span of the original text it came from.
struct Decoded {
    bytes: Vec<u8>,
    spans: Vec<(usize, usize)>,
}

fn hex(b: u8) -> Option<u32> {
    (b as char).to_digit(16)
}

fn hex4(b: &[u8]) -> Option<u32> {
    if b.len() < 4 {
        return None;
    }
    b[..4].iter().try_fold(0u32, |acc, &c| Some(acc * 16 + hex(c)?))
}

fn decode(text: &str) -> Decoded {
    let b = text.as_bytes();
    let mut out = Decoded { bytes: Vec::with_capacity(b.len()), spans: Vec::with_capacity(b.len()) };
    let push = |out: &mut Decoded, bytes: &[u8], span: (usize, usize)| {
        for &x in bytes {
            out.bytes.push(x);
            out.spans.push(span);
        }
    };
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' if i + 1 < b.len() => {
                let simple = match b[i + 1] {
                    b'"' => Some(b'"'),
                    b'\\' => Some(b'\\'),
                    b'/' => Some(b'/'),
                    b'n' => Some(b'\n'),
                    b'r' => Some(b'\r'),
                    b't' => Some(b'\t'),
                    b'b' => Some(8),
                    b'f' => Some(12),
                    _ => None,
                };
                if let Some(c) = simple {
                    push(&mut out, &[c], (i, i + 2));
                    i += 2;
                    continue;
                }
                if b[i + 1] == b'u'
                    && let Some(hi) = hex4(&b[i + 2..])
                {
                    let (c, len) = if (0xD800..0xDC00).contains(&hi)
                        && b.get(i + 6) == Some(&b'\\')
                        && b.get(i + 7) == Some(&b'u')
                        && let Some(lo) = hex4(&b[i + 8..]).filter(|lo| (0xDC00..0xE000).contains(lo))
                    {
                        (char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)), 12)
                    } else {
                        (char::from_u32(hi), 6)
                    };
                    let c = c.unwrap_or('\u{FFFD}');
                    let mut buf = [0u8; 4];
                    push(&mut out, c.encode_utf8(&mut buf).as_bytes(), (i, i + len));
                    i += len;
                    continue;
                }
                push(&mut out, &[b[i]], (i, i + 1));
                i += 1;
            }
            b'%' if i + 2 < b.len() => match (hex(b[i + 1]), hex(b[i + 2])) {
                (Some(h), Some(l)) => {
                    push(&mut out, &[(h * 16 + l) as u8], (i, i + 3));
                    i += 3;
                }
                _ => {
                    push(&mut out, &[b[i]], (i, i + 1));
                    i += 1;
                }
            },
            c => {
                push(&mut out, &[c], (i, i + 1));
                i += 1;
            }
        }
    }
    out
}

/// The spans of `text` (byte ranges of the original) that carry a secret, merged and sorted.
fn secret_spans(text: &str) -> Vec<(usize, usize)> {
    let generation = GENERATION.load(Ordering::Acquire);
    if generation == 0 || text.len() < 4 {
        return Vec::new();
    }
    let reg = snapshot(generation);
    let plain = memchr::memchr2(b'\\', b'%', text.as_bytes()).is_none();
    // Plain text (the usual case) is its own decoding: no copy.
    let decoded = if plain { None } else { Some(decode(text)) };
    let bytes = decoded.as_ref().map(|d| d.bytes.as_slice()).unwrap_or(text.as_bytes());
    let span = |s: usize, e: usize| match &decoded {
        Some(d) => (d.spans[s].0, d.spans[e - 1].1),
        None => (s, e),
    };
    let mut spans = Vec::new();
    if bytes.len() >= FRAGMENT && !reg.windows.is_empty() {
        let mut i = 0;
        while i + FRAGMENT <= bytes.len() {
            if reg.holds(window(&bytes[i..])) {
                let mut end = i + FRAGMENT;
                while end < bytes.len() && reg.holds(window(&bytes[end + 1 - FRAGMENT..])) {
                    end += 1;
                }
                spans.push(span(i, end));
                i = end;
            } else {
                i += 1;
            }
        }
    }
    for s in &reg.short {
        let mut from = 0;
        while let Some(at) = find(&bytes[from..], s) {
            spans.push(span(from + at, from + at + s.len()));
            from += at + s.len();
        }
    }
    spans.sort_unstable();
    let mut merged: Vec<(usize, usize)> = Vec::with_capacity(spans.len());
    for (s, e) in spans {
        // Widen to character boundaries: a secret's bytes never leave half a character behind.
        let s = (0..=s).rev().find(|&k| text.is_char_boundary(k)).unwrap_or(0);
        let e = (e..=text.len()).find(|&k| text.is_char_boundary(k)).unwrap_or(text.len());
        match merged.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => merged.push((s, e)),
        }
    }
    merged
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || hay.len() < needle.len() {
        return None;
    }
    memchr::memmem::find(hay, needle)
}

/// `text` with every secret the process knows replaced by `[REDACTED]`, in any of the forms
/// above; borrowed (no copy) when there is none.
pub fn redact(text: &str) -> Cow<'_, str> {
    let spans = secret_spans(text);
    if spans.is_empty() {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (s, e) in spans {
        out.push_str(&text[at..s]);
        out.push_str(REDACTED);
        at = e;
    }
    out.push_str(&text[at..]);
    Cow::Owned(out)
}

/// A handle on the process's secrets, passed to the code that prints and writes. Every handle sees
/// every secret: a token registered by one run is redacted by all.
#[derive(Clone, Default)]
pub struct Redactor {
    _private: (),
}

impl fmt::Debug for Redactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Redactor")
    }
}

impl Redactor {
    /// Registers a secret (see [`register`]).
    pub fn add(&self, secret: &Secret) {
        if !secret.1 {
            register(secret.expose());
        }
    }

    /// The text with every registered secret replaced by `[REDACTED]`.
    pub fn redact(&self, text: &str) -> String {
        redact(text).into_owned()
    }

    /// Redacts `text` in place; allocates only when a secret is found (it runs on every report).
    pub fn redact_in_place(&self, text: &mut String) {
        if let Cow::Owned(o) = redact(text) {
            *text = o;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let s = Secret::new("canary-7f3a");
        assert_eq!(format!("{s} {s:?}"), "[REDACTED] Secret([REDACTED])");
        let r = Redactor::default();
        r.add(&s);
        r.add(&Secret::new("abc"));
        assert_eq!(r.redact("Bearer canary-7f3a; abc"), "Bearer [REDACTED]; abc");
    }

    const TOKEN: &str = "eyJhbGciOiJub25lIn0.unit-secret-Q9x2Lm7Pz.sig-4k8w";

    fn escaped_json(s: &str) -> String {
        s.chars().map(|c| format!("\\u{:04x}", c as u32)).collect()
    }

    #[test]
    fn every_encoding_of_a_secret_is_redacted() {
        register(TOKEN);
        let r = |t: &str| redact(t).into_owned();
        assert_eq!(r(&format!("a {} b", escaped_json(TOKEN))), "a [REDACTED] b");
        let percent: String = TOKEN.bytes().map(|b| format!("%{b:02X}")).collect();
        assert_eq!(r(&format!("?x={percent}&y")), "?x=[REDACTED]&y");
        let mixed = TOKEN.replacen('.', "\\u002e", 1).replacen('-', "%2D", 1);
        assert_eq!(r(&mixed), "[REDACTED]");
        for lead in ["", "a", "ab"] {
            for engine in [&base64::engine::general_purpose::STANDARD, &base64::engine::general_purpose::URL_SAFE] {
                let b = engine.encode(format!("{lead}{TOKEN}!"));
                let out = r(&format!("Basic {b}"));
                assert!(out.contains(REDACTED), "{out}");
                assert!(out.len() < b.len(), "{out}");
            }
        }
        // A cut secret: its head alone (as a length limit leaves it) is redacted.
        assert_eq!(r(&format!("id {}…", &TOKEN[..20])), "id [REDACTED]…");
        assert_eq!(r(&format!("…{} tail", &TOKEN[30..])), "…[REDACTED] tail");
        // Ordinary text is untouched and not copied.
        assert!(matches!(redact("nothing secret here, 100% plain \\ text"), Cow::Borrowed(_)));
    }

    #[test]
    fn decoding_keeps_character_boundaries() {
        register("ünïcode-secret-42");
        assert_eq!(redact("x ünïcode-secret-42 y é"), "x [REDACTED] y é");
        assert_eq!(redact("%"), "%");
        assert_eq!(redact("\\u12"), "\\u12");
    }
}
