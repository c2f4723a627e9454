//! The one way text reaches the terminal: redacted, with every character that could move the
//! cursor, rewrite a line, set a title or reorder what is shown escaped, and with a closed or full
//! standard output ending the printing quietly instead of a panic.
//!
//! Server-, page- and file-supplied text that belongs on one line (names, messages, ids) goes
//! through [`one_line`] where it enters a report; whole lines go through [`out`] and [`err`].

use std::borrow::Cow;
use std::fmt::Write as _;
use std::io::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

/// Whether `c` must not reach a terminal raw: C0 and C1 controls, DEL, and the bidirectional
/// controls that reorder what is shown (U+202A–U+202E, U+2066–U+2069, LRM, RLM, ALM), plus the
/// noncharacters U+FFFE/U+FFFF. Newline and tab are decided by the caller.
pub fn is_unsafe(c: char) -> bool {
    let u = c as u32;
    u < 0x20
        || (0x7F..=0x9F).contains(&u)
        || (0x202A..=0x202E).contains(&u)
        || (0x2066..=0x2069).contains(&u)
        || matches!(u, 0x200E | 0x200F | 0x061C | 0xFFFE | 0xFFFF)
}

fn escape(c: char, out: &mut String) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        _ => {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
    }
}

/// `s` with each character that is [`is_unsafe`] and not kept written as visible text (`\n`,
/// `\u{1b}`); no copy when there is none.
pub fn escaped(s: &str, keep: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !s.chars().any(|c| is_unsafe(c) && !keep(c)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_unsafe(c) && !keep(c) {
            escape(c, &mut out);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Text for one line: every control character (newline included) and bidi control escaped as
/// `\n`, `\r`, `\u{1b}`, `\u{202e}`…, so no server can forge a line or hide one.
pub fn one_line(s: &str) -> Cow<'_, str> {
    escaped(s, |_| false)
}

/// Shortens text for one-line messages: secrets are redacted and control characters escaped
/// before the cut, so a cut never leaves part of a secret or half an escape behind.
pub fn clip(s: &str, max: usize) -> String {
    let redacted = crate::target::secret::redact(s);
    let s = one_line(&redacted);
    if s.chars().count() <= max {
        return s.into_owned();
    }
    let cut: String = s.chars().take(max).collect();
    format!("{cut}… ({} characters)", s.chars().count())
}

/// Escapes in place (see [`one_line`]); no copy when nothing needs escaping.
pub fn one_line_in_place(s: &mut String) {
    if let Cow::Owned(o) = one_line(s) {
        *s = o;
    }
}

/// Several lines of this program's own text that may quote others' (an error): newlines and tabs
/// kept, every other control and bidi character escaped.
pub fn lines_in_place(s: &mut String) {
    if let Cow::Owned(o) = escaped(s, |c| c == '\n' || c == '\t') {
        *s = o;
    }
}

/// Multi-line text as shown: newlines and tabs kept, every other control escaped, except the
/// colour sequences (`ESC [ digits ; … m`) of this program's own palette.
pub fn printable(s: &str) -> Cow<'_, str> {
    if !s.chars().any(|c| is_unsafe(c) && c != '\n' && c != '\t') {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    let mut rest = s;
    while let Some(c) = rest.chars().next() {
        if c == '\u{1b}'
            && let Some(len) = sgr_len(rest)
        {
            out.push_str(&rest[..len]);
            rest = &rest[len..];
            continue;
        }
        if is_unsafe(c) && c != '\n' && c != '\t' {
            escape(c, &mut out);
        } else {
            out.push(c);
        }
        rest = &rest[c.len_utf8()..];
    }
    Cow::Owned(out)
}

/// The length of a colour sequence `ESC [ [0-9;]* m` at the start of `s`.
fn sgr_len(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    if b.len() < 3 || b[1] != b'[' {
        return None;
    }
    let digits = b[2..].iter().take_while(|c| c.is_ascii_digit() || **c == b';').count();
    (b.get(2 + digits) == Some(&b'm') && digits <= 32).then_some(3 + digits)
}

/// Set once standard output refused a write: nothing more is printed there.
static STDOUT_CLOSED: AtomicBool = AtomicBool::new(false);
/// The first write error of standard output other than a closed pipe (a full disk), for the exit code.
static STDOUT_ERROR: Mutex<Option<String>> = Mutex::new(None);

/// Records that standard output failed; a closed pipe (the reader left, as `| head` does) is quiet.
pub fn stdout_failed(e: &std::io::Error) {
    STDOUT_CLOSED.store(true, Ordering::Release);
    if e.kind() != std::io::ErrorKind::BrokenPipe {
        let mut first = STDOUT_ERROR.lock().unwrap_or_else(|p| p.into_inner());
        first.get_or_insert_with(|| e.to_string());
    }
}

/// The error of a run that stopped because standard output went away.
pub const STDOUT_STOPPED: &str = "standard output was closed: the run stopped";

/// Whether standard output was closed or failed.
pub fn stdout_closed() -> bool {
    STDOUT_CLOSED.load(Ordering::Acquire)
}

/// A write error of standard output other than a closed pipe, if one happened.
pub fn stdout_error() -> Option<String> {
    STDOUT_ERROR.lock().unwrap_or_else(|p| p.into_inner()).clone()
}

/// Prints a line (or a block) on standard output: redacted, escaped; nothing after a failed write.
pub fn out(text: &str) {
    if stdout_closed() {
        return;
    }
    let text = crate::target::secret::redact(text);
    let text = printable(&text);
    let mut o = std::io::stdout().lock();
    if let Err(e) = o.write_all(text.as_bytes()).and_then(|_| o.write_all(b"\n")).and_then(|_| o.flush()) {
        stdout_failed(&e);
    }
}

/// Prints a line on standard error: redacted and escaped; a failed write is ignored (there is no
/// other place to say it).
pub fn err(text: &str) {
    let text = crate::target::secret::redact(text);
    let text = printable(&text);
    let mut e = std::io::stderr().lock();
    let _ = e.write_all(text.as_bytes()).and_then(|_| e.write_all(b"\n"));
}

/// `println!` through [`out`].
macro_rules! outln {
    () => { $crate::report::term::out("") };
    ($($arg:tt)*) => { $crate::report::term::out(&format!($($arg)*)) };
}
/// `eprintln!` through [`err`].
macro_rules! errln {
    ($($arg:tt)*) => { $crate::report::term::err(&format!($($arg)*)) };
}
pub(crate) use {errln, outln};

/// Runs `f`, which prints through code that panics when standard output fails (libtest-mimic's
/// printer unwraps its writes): such a panic is silenced and becomes
/// `None` with the failure recorded; any other panic goes on.
pub fn guard_printer<T>(f: impl FnOnce() -> T) -> Option<T> {
    type Hook = dyn Fn(&std::panic::PanicHookInfo<'_>) + Sync + Send + 'static;
    let previous: std::sync::Arc<Hook> = std::sync::Arc::from(std::panic::take_hook());
    let inner = previous.clone();
    std::panic::set_hook(Box::new(move |info| {
        if !is_write_failure(info.payload()) {
            inner(info);
        }
    }));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    // The hook that was there before (a test harness's, a user's) is put back.
    std::panic::set_hook(Box::new(move |info| previous(info)));
    match result {
        Ok(v) => Some(v),
        Err(payload) if is_write_failure(payload.as_ref()) => {
            let text = panic_text(payload.as_ref());
            let kind = if text.contains("os error 32") || text.contains("Broken pipe") {
                std::io::ErrorKind::BrokenPipe
            } else {
                std::io::ErrorKind::Other
            };
            stdout_failed(&std::io::Error::new(
                kind,
                text.trim_start_matches("called `Result::unwrap()` on an `Err` value: "),
            ));
            None
        }
        Err(payload) => std::panic::resume_unwind(payload),
    }
}

fn panic_text(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<String>().cloned().or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string())).unwrap_or_default()
}

/// A panic that is an unwrapped I/O error of a write (a closed pipe, a full disk).
fn is_write_failure(p: &(dyn std::any::Any + Send)) -> bool {
    let t = panic_text(p);
    t.contains("os error 32") || t.contains("os error 28") || t.contains("Broken pipe") || t.contains("No space left")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_and_bidi_are_escaped() {
        assert_eq!(one_line("a\u{1b}]0;title\u{7}b"), "a\\u{1b}]0;title\\u{7}b");
        assert_eq!(one_line("x\r\nverdict: ok"), "x\\r\\nverdict: ok");
        assert_eq!(one_line("id\u{202e}gnp.exe"), "id\\u{202e}gnp.exe");
        assert_eq!(one_line("\u{ffff}"), "\\u{ffff}");
        assert!(matches!(one_line("plain é"), Cow::Borrowed(_)));
    }

    #[test]
    fn our_colours_stay_others_go() {
        assert_eq!(printable("\u{1b}[1;31mred\u{1b}[0m\nnext"), "\u{1b}[1;31mred\u{1b}[0m\nnext");
        assert_eq!(printable("\u{1b}[2Kx\rverdict: ok"), "\\u{1b}[2Kx\\rverdict: ok");
    }
}
