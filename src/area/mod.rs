//! An area of Graph as data: which versions, which metadata, which containment roots (or
//! namespaces), which doc pages, and which application permission reads it. `areas/*.toml` drive
//! `graph-conformance area` (cases and schemas), and the preflight's advice; nothing in the code
//! names an area.
//!
//! ```toml
//! name = "Entitlement management"
//! permission = "EntitlementManagement.Read.All"
//!
//! [[versions]]
//! version = "v1.0"
//! csdl = "v1.0-Prod.csdl"                       # a file of the --metadata folder
//! roots = ["/identityGovernance/entitlementManagement"]
//! pages = ["accesspackage*.md", "entitlementmanagement-*.md"]
//! ```

pub mod sync;

use std::path::{Path, PathBuf};

use serde::Deserialize;

/// One area file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Area {
    /// What people call it ("Lifecycle workflows").
    pub name: String,
    /// The application permission that reads the area (the preflight names it when a token is refused).
    #[serde(default)]
    pub permission: Option<String>,
    pub versions: Vec<AreaVersion>,
    /// The file it was read from (set by [`load`]).
    #[serde(skip)]
    pub file: PathBuf,
}

/// The area in one version of Graph.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AreaVersion {
    /// `beta` or `v1.0`.
    pub version: String,
    /// The CSDL file's name, found in the metadata folder given to `area`.
    pub csdl: String,
    /// Containment roots whose trees the area is (`/identityGovernance/entitlementManagement`).
    #[serde(default)]
    pub roots: Vec<String>,
    /// Or namespaces whose types it is (`microsoft.graph.identityGovernance`).
    #[serde(default)]
    pub namespaces: Vec<String>,
    /// File-name patterns (`*` and `?`) of its API pages, looked up in each docs folder's
    /// `api-reference/<version>/api/` (or the folder itself, when it has no such folder).
    #[serde(default)]
    pub pages: Vec<String>,
}

/// The most area files read from one folder, and the largest one.
const MAX_AREAS: usize = 200;
const MAX_AREA_BYTES: u64 = 64 * 1024;

/// Reads one area file; the error names the file and what is wrong.
pub fn load(path: &Path) -> Result<Area, String> {
    let shown = path.display();
    let size = std::fs::metadata(path).map_err(|e| format!("{shown}: cannot read: {e}"))?.len();
    if size > MAX_AREA_BYTES {
        return Err(format!("{shown}: {size} bytes; an area file is at most {MAX_AREA_BYTES}"));
    }
    let text = std::fs::read_to_string(path).map_err(|e| format!("{shown}: cannot read: {e}"))?;
    let mut area: Area = toml::from_str(&text).map_err(|e| format!("{shown}: {}", e.to_string().trim()))?;
    area.file = path.to_path_buf();
    area.check().map_err(|e| format!("{shown}: {e}"))?;
    Ok(area)
}

/// Every `*.toml` of `dir`, by file name; none when the folder does not exist.
pub fn load_dir(dir: &Path) -> Result<Vec<Area>, String> {
    let entries = match std::fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(format!("{}: cannot list: {e}", dir.display())),
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml") && p.is_file())
        .collect();
    files.sort();
    if files.len() > MAX_AREAS {
        return Err(format!("{}: {} area files; at most {MAX_AREAS} are read", dir.display(), files.len()));
    }
    files.iter().map(|f| load(f)).collect()
}

/// The permissions that read the areas of `version` found beside `cases_dir` (its parent's
/// `areas/`), for the preflight's advice; empty when there are none.
pub fn permissions_for(cases_dir: &Path, version: &str) -> Vec<String> {
    let root =
        if cases_dir.file_name().is_some_and(|n| crate::runner::versions::VERSIONS.contains(&&*n.to_string_lossy())) {
            cases_dir.parent().and_then(Path::parent)
        } else {
            cases_dir.parent()
        };
    let Some(areas) = root.map(|r| r.join("areas")) else { return Vec::new() };
    let mut out: Vec<String> = load_dir(&areas)
        .unwrap_or_default()
        .into_iter()
        .filter(|a| version.is_empty() || a.versions.iter().any(|v| v.version == version))
        .filter_map(|a| a.permission)
        .collect();
    out.sort();
    out.dedup();
    out
}

impl Area {
    fn check(&self) -> Result<(), String> {
        if self.name.trim().is_empty() {
            return Err("`name` is empty".into());
        }
        if self.versions.is_empty() {
            return Err("no [[versions]]: an area is in beta, v1.0 or both".into());
        }
        for v in &self.versions {
            if !crate::runner::versions::VERSIONS.contains(&v.version.as_str()) {
                return Err(format!(
                    "version {:?} is not one of {}",
                    v.version,
                    crate::runner::versions::VERSIONS.join(", ")
                ));
            }
            if v.roots.is_empty() == v.namespaces.is_empty() {
                return Err(format!("version {}: give `roots` or `namespaces` (one of them)", v.version));
            }
            if let Some(r) = v.roots.iter().find(|r| !r.starts_with('/') || r.contains("..") || r.contains('?')) {
                return Err(format!(
                    "version {}: root {r:?} is not a path from the service root, such as /parent/children",
                    v.version
                ));
            }
            let plain = |s: &str| !s.is_empty() && !s.contains(['/', '\\']) && s != "." && s != "..";
            if !plain(&v.csdl) {
                return Err(format!(
                    "version {}: csdl {:?} is a file name in the metadata folder, not a path",
                    v.version, v.csdl
                ));
            }
            if let Some(p) = v.pages.iter().find(|p| !plain(p)) {
                return Err(format!(
                    "version {}: page pattern {p:?} is a file-name pattern (`identitygovernance-*.md`), not a path",
                    v.version
                ));
            }
        }
        Ok(())
    }

    /// The area's versions named `version` (all when empty).
    pub fn version(&self, version: &str) -> Option<&AreaVersion> {
        self.versions.iter().find(|v| v.version == version)
    }
}

/// Whether `name` matches the file-name `pattern` (`*` any run, `?` one character; ASCII case-insensitive).
pub fn matches(pattern: &str, name: &str) -> bool {
    let (p, n): (Vec<char>, Vec<char>) =
        (pattern.to_ascii_lowercase().chars().collect(), name.to_ascii_lowercase().chars().collect());
    // Iterative wildcard match with one backtrack point: linear in practice, never exponential.
    let (mut i, mut j, mut star, mut mark) = (0usize, 0usize, None::<usize>, 0usize);
    while j < n.len() {
        if i < p.len() && (p[i] == '?' || p[i] == n[j]) {
            i += 1;
            j += 1;
        } else if i < p.len() && p[i] == '*' {
            star = Some(i);
            mark = j;
            i += 1;
        } else if let Some(s) = star {
            i = s + 1;
            mark += 1;
            j = mark;
        } else {
            return false;
        }
    }
    p[i..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_file_names() {
        assert!(matches("accesspackage*.md", "accessPackage-get.md"));
        assert!(matches("*-get.md", "x-get.md"));
        assert!(!matches("accesspackage*.md", "entitlementmanagement-list.md"));
        assert!(matches("a?c.md", "abc.md"));
        assert!(!matches("*a*a*a*a*a*b", &"a".repeat(200)));
    }

    #[test]
    fn an_area_file_is_checked_and_its_faults_named() {
        let dir = std::env::temp_dir().join(format!("gc-area-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("x.toml");
        std::fs::write(&file, "name = \"X\"\n[[versions]]\nversion = \"v2\"\ncsdl = \"a.csdl\"\nroots = [\"/a\"]\n")
            .unwrap();
        assert!(load(&file).unwrap_err().contains("version \"v2\" is not one of beta, v1.0"));
        std::fs::write(
            &file,
            "name = \"X\"\n[[versions]]\nversion = \"beta\"\ncsdl = \"../a.csdl\"\nroots = [\"/a\"]\n",
        )
        .unwrap();
        assert!(load(&file).unwrap_err().contains("not a path"));
        std::fs::write(&file, "name = \"X\"\nbogus = 1\n").unwrap();
        assert!(load(&file).unwrap_err().contains("bogus"));
        std::fs::write(&file, "name = \"X\"\npermission = \"P.Read.All\"\n[[versions]]\nversion = \"beta\"\ncsdl = \"a.csdl\"\nnamespaces = [\"n\"]\npages = [\"a-*.md\"]\n").unwrap();
        let a = load(&file).unwrap();
        assert_eq!(a.version("beta").map(|v| v.pages.clone()), Some(vec!["a-*.md".to_string()]));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
