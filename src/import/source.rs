//! Where a page lives for everyone else: its path in Microsoft's docs repository
//! (`microsoftgraph/microsoft-graph-docs-contrib`) and its public address, whatever the local copy
//! is called. Case files record these, never the importing machine's path.

use std::path::{Component, Path};

/// A page's identity outside this machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageSource {
    /// `api-reference/beta/api/identitygovernance-userprocessingresult-get.md`.
    pub repo_path: String,
    /// `https://learn.microsoft.com/graph/api/identitygovernance-userprocessingresult-get?view=graph-rest-beta`.
    pub url: String,
    /// FNV-1a 64 of the page's text: which version of the page the lines refer to.
    pub content: String,
}

impl PageSource {
    /// The source of the page at `path` with content `text`. Its repository path is, in order:
    /// the path below `docs_root` (a checkout of the docs repository); the path from an
    /// `api-reference` or `concepts` folder on; or, for a page kept elsewhere (the seed),
    /// `api-reference/<version>/api/<file>` with the version its requests use.
    pub fn of(path: &Path, text: &str, docs_root: Option<&Path>) -> PageSource {
        let repo_path = docs_root
            .and_then(|root| relative_below(path, root))
            .filter(|p| !p.starts_with(".."))
            .or_else(|| from_known_folder(path))
            .unwrap_or_else(|| {
                let file = path.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
                format!("api-reference/{}/api/{file}", version_of(text))
            });
        PageSource { url: public_url(&repo_path), repo_path, content: fingerprint(text) }
    }
}

/// `path` relative to `root`, both made absolute against the working directory first.
fn relative_below(path: &Path, root: &Path) -> Option<String> {
    let abs = |p: &Path| {
        let p = if p.is_absolute() { p.to_path_buf() } else { std::env::current_dir().ok()?.join(p) };
        Some(normalize(&p))
    };
    let (p, r) = (abs(path)?, abs(root)?);
    let rel = p.strip_prefix(&r).ok()?;
    Some(rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect::<Vec<_>>().join("/"))
}

/// Removes `.` and resolves `..` lexically.
fn normalize(p: &Path) -> std::path::PathBuf {
    let mut out = std::path::PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// The path from its `api-reference` (or `concepts`) component on.
fn from_known_folder(path: &Path) -> Option<String> {
    let parts: Vec<String> =
        normalize(path).components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
    let start = parts.iter().position(|p| p == "api-reference" || p == "concepts")?;
    Some(parts[start..].join("/"))
}

/// `beta` or `v1.0`, from the first Graph URL on the page (beta when none says).
fn version_of(text: &str) -> &'static str {
    match text.find("graph.microsoft.com/") {
        Some(i) if text[i + 20..].starts_with("v1.0") => "v1.0",
        _ => "beta",
    }
}

/// The public address of a page of the docs repository.
pub fn public_url(repo_path: &str) -> String {
    let stem = repo_path.rsplit('/').next().unwrap_or(repo_path).trim_end_matches(".md");
    let view = if repo_path.contains("/v1.0/") { "graph-rest-1.0" } else { "graph-rest-beta" };
    if repo_path.starts_with("concepts/") {
        format!("https://learn.microsoft.com/graph/{stem}")
    } else if repo_path.contains("/resources/") {
        format!("https://learn.microsoft.com/graph/api/resources/{stem}?view={view}")
    } else {
        format!("https://learn.microsoft.com/graph/api/{stem}?view={view}")
    }
}

/// FNV-1a 64 of `text`, as `fnv1a64:<hex>` (identifies a version, not a security measure).
pub fn fingerprint(text: &str) -> String {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x100000001b3);
    }
    format!("fnv1a64:{h:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_repository_path_does_not_depend_on_the_local_spelling() {
        let text = "GET https://graph.microsoft.com/beta/x";
        let a = PageSource::of(Path::new("../shared/graph-docs/api-reference/beta/api/x-get.md"), text, None);
        let b = PageSource::of(Path::new("/somewhere/else/api-reference/beta/api/x-get.md"), text, None);
        assert_eq!(a, b);
        assert_eq!(a.repo_path, "api-reference/beta/api/x-get.md");
        assert_eq!(a.url, "https://learn.microsoft.com/graph/api/x-get?view=graph-rest-beta");
        let seed = PageSource::of(Path::new("../shared/seed/x-get.md"), text, None);
        assert_eq!(seed.repo_path, "api-reference/beta/api/x-get.md", "a page outside a docs checkout");
        let rooted = PageSource::of(Path::new("docs/a/b/x-get.md"), text, Some(Path::new("./docs/a/../a")));
        assert_eq!(rooted.repo_path, "b/x-get.md", "--docs-root decides");
        assert_eq!(public_url("concepts/errors.md"), "https://learn.microsoft.com/graph/errors");
        assert_eq!(
            public_url("api-reference/v1.0/resources/user.md"),
            "https://learn.microsoft.com/graph/api/resources/user?view=graph-rest-1.0"
        );
    }
}
