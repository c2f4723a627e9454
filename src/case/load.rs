//! Reading `cases/`: every suite directory, every case file, the optional suite configuration.
//!
//! Nothing here aborts the run. A file that cannot be read or parsed becomes a broken case that fails
//! its own trial with the file, the field and what to do; every other case still runs.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use super::file::CaseFile;
use super::suite::SuiteConfig;
use super::{AuthMode, Case, Origin};
use crate::odata::path::{ResourcePath, match_template};

/// A suite: the cases under `cases/<name>/` and its configuration.
#[derive(Debug)]
pub struct Suite {
    pub name: String,
    pub dir: PathBuf,
    pub config: Option<SuiteConfig>,
    pub config_file: Option<PathBuf>,
    pub cases: Vec<LoadedCase>,
}

/// A case, or the reason its file could not become one.
#[derive(Debug)]
pub enum LoadedCase {
    Ready(Box<Case>),
    Broken(BrokenCase),
}

/// A case file (or suite file) that cannot be used.
#[derive(Debug, Clone)]
pub struct BrokenCase {
    pub suite: String,
    pub name: String,
    pub file: PathBuf,
    /// `<field>: <problem>` and the next action.
    pub message: String,
}

impl LoadedCase {
    pub fn full_name(&self) -> String {
        match self {
            LoadedCase::Ready(c) => c.full_name(),
            LoadedCase::Broken(b) => format!("{}::{}", b.suite, b.name),
        }
    }
}

/// Loads every suite under `root`, sorted by name. Fails only when `root` itself cannot be listed.
pub fn load_suites(root: &Path) -> Result<Vec<Suite>, String> {
    let entries = fs::read_dir(root).map_err(|e| {
        format!(
            "cannot read the cases directory {}: {e}; run from the project root or pass --cases DIR",
            root.display()
        )
    })?;
    let mut dirs: Vec<PathBuf> = entries.filter_map(|e| e.ok()).map(|e| e.path()).filter(|p| p.is_dir()).collect();
    dirs.sort();
    Ok(dirs.into_iter().map(|dir| load_suite(root, &dir)).collect())
}

fn load_suite(root: &Path, dir: &Path) -> Suite {
    let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let mut cases = Vec::new();
    let config_path = root.join(format!("{name}.suite.json"));
    let (config, config_file) = if config_path.is_file() {
        match read_json::<SuiteConfig>(&config_path) {
            Ok(c) => (Some(c), Some(config_path)),
            Err(message) => {
                cases.push(LoadedCase::Broken(BrokenCase {
                    suite: name.clone(),
                    name: "suite.json".into(),
                    file: config_path.clone(),
                    message: format!(
                        "{message}\n  the suite's derived cases are not generated until this file is fixed"
                    ),
                }));
                (None, Some(config_path))
            }
        }
    } else {
        (None, None)
    };

    let mut files: Vec<PathBuf> = match fs::read_dir(dir) {
        Ok(entries) => entries
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect(),
        Err(e) => {
            cases.push(LoadedCase::Broken(BrokenCase {
                suite: name.clone(),
                name: "directory".into(),
                file: dir.to_path_buf(),
                message: format!("cannot list the suite directory: {e}"),
            }));
            Vec::new()
        }
    };
    files.sort();

    let mut seen: BTreeMap<String, PathBuf> = BTreeMap::new();
    for file in files {
        let stem = file.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        let loaded = match read_json::<CaseFile>(&file) {
            Ok(case_file) => match seen.get(&case_file.name) {
                Some(first) => LoadedCase::Broken(BrokenCase {
                    suite: name.clone(),
                    name: format!("{stem}#duplicate"),
                    file: file.clone(),
                    message: format!(
                        "name: '{}' is also the name of {}; case names must be unique within a suite: rename one of the two",
                        case_file.name,
                        first.display()
                    ),
                }),
                None => {
                    seen.insert(case_file.name.clone(), file.clone());
                    LoadedCase::Ready(Box::new(case_from_file(&name, &file, case_file, config.as_ref())))
                }
            },
            Err(message) => {
                LoadedCase::Broken(BrokenCase { suite: name.clone(), name: stem, file: file.clone(), message })
            }
        };
        cases.push(loaded);
    }
    Suite { name, dir: dir.to_path_buf(), config, config_file, cases }
}

/// Builds the runnable case of a case file.
pub fn case_from_file(suite: &str, file: &Path, cf: CaseFile, config: Option<&SuiteConfig>) -> Case {
    let template = cf.path_template.clone().or_else(|| config.map(|c| c.entity_path.clone()));
    let path = ResourcePath::parse(&cf.request.path, template.as_deref());
    let reads_suite_entity = config.is_some_and(|c| match_template(&c.entity_path, &cf.request.path).is_some());
    let (resource_type, collection) = if reads_suite_entity {
        (config.map(|c| c.resource.clone()), false)
    } else {
        (cf.response.odata_type.clone(), cf.response.is_collection)
    };
    let needs_entity = cf.response.status.is_success() && path.segments.iter().any(|s| s.key.is_some());
    Case {
        suite: suite.to_string(),
        name: cf.name,
        origin: std::sync::Arc::new(Origin { file: Some(file.to_path_buf()), doc: Some(cf.source), derived: None }),
        request: cf.request,
        path_template: template,
        path_params: cf.path_params,
        pinned_params: Default::default(),
        expect: std::sync::Arc::new(cf.response),
        auth: AuthMode::Target,
        resource_type,
        collection,
        values: super::ValueCheck::Documented,
        needs_entity,
        notes: Default::default(),
        select: Default::default(),
    }
}

/// Reads and parses a JSON file; the error names the file, the line, the field path and the problem.
pub fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, String> {
    let text = fs::read_to_string(path).map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
    parse_json_named(&text, &path.display().to_string())
}

/// Parses JSON text; errors read `<name>:<line>:<col>: <field path>: <problem>`.
pub fn parse_json_named<T: serde::de::DeserializeOwned>(text: &str, name: &str) -> Result<T, String> {
    let de = &mut serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let field = e.path().to_string();
        let inner = e.into_inner();
        let field = if field == "." { "(top level)".to_string() } else { field };
        format!(
            "{name}:{}:{}: {field}: {}\n  fix the file (the format is the one `graph-conformance import` writes; see README, \"Case files\") or regenerate it",
            inner.line(),
            inner.column(),
            strip_position(&inner.to_string())
        )
    })
}

/// serde_json appends " at line L column C"; the position is already in front.
fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wrong_field_type_names_the_field_and_line() {
        let text = "{\n  \"name\": \"x\",\n  \"source\": {\"page\": \"p\", \"requestLine\": 1, \"responseLine\": 2},\n  \"request\": {\"method\": \"GET\", \"path\": \"/a\"},\n  \"response\": {\"status\": \"ok\"}\n}";
        let err = parse_json_named::<CaseFile>(text, "cases/s/x.json").unwrap_err();
        assert!(err.starts_with("cases/s/x.json:5:"), "{err}");
        assert!(err.contains("response.status"), "{err}");
    }

    #[test]
    fn an_unknown_field_is_named() {
        let text = r#"{"name":"x","source":{"page":"p","requestLine":1,"responseLine":2},"request":{"method":"GET","path":"/a"},"response":{"status":200,"truncatd":true}}"#;
        let err = parse_json_named::<CaseFile>(text, "f.json").unwrap_err();
        assert!(err.contains("truncatd"), "{err}");
    }
}
