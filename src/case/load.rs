//! Reading `cases/`: every suite directory, every case file, the optional suite configuration.
//!
//! Nothing here aborts the run. A file that cannot be read or parsed becomes a broken case that fails
//! its own trial with the file, the field and what to do; every other case still runs.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::Value;

use super::file::CaseFile;
use super::suite::SuiteConfig;
use super::{AuthMode, Case, Origin};
use crate::metadata::Model;
use crate::metadata::resolve::{Resolved, Shape, StepKind};
use crate::odata::path::match_template;
use crate::schema::SchemaSet;

/// A suite: the cases under `cases/<name>/` and its configuration.
#[derive(Debug)]
pub struct Suite {
    pub name: String,
    pub dir: PathBuf,
    pub config: Option<SuiteConfig>,
    pub config_file: Option<PathBuf>,
    pub cases: Vec<LoadedCase>,
}

impl Suite {
    /// Puts `prefix` (a version: `beta/`) before the suite's name and its cases' suite.
    pub fn prefix_name(&mut self, prefix: &str) {
        self.name = format!("{prefix}{}", self.name);
        for c in &mut self.cases {
            match c {
                LoadedCase::Ready(c) => c.suite = format!("{prefix}{}", c.suite),
                LoadedCase::Broken(b) => b.suite = format!("{prefix}{}", b.suite),
            }
        }
    }
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

/// Loads every suite under `root`, sorted by name, resolving each case against the model in
/// `schemas`. Fails only when `root` itself cannot be listed.
pub fn load_suites(root: &Path, schemas: &SchemaSet) -> Result<Vec<Suite>, String> {
    let entries = crate::bundled::read_dir(root).map_err(|e| {
        format!("cannot read the cases directory {}: {e}; pass --cases DIR (a folder of suites)", root.display())
    })?;
    let mut dirs: Vec<PathBuf> = entries.into_iter().filter(|p| crate::bundled::is_dir(p)).collect();
    dirs.sort();
    let mut suites: Vec<Suite> = dirs.into_iter().map(|dir| load_suite(root, &dir, schemas)).collect();
    super::conflicts::mark(&mut suites, schemas.model());
    Ok(suites)
}

fn load_suite(root: &Path, dir: &Path, schemas: &SchemaSet) -> Suite {
    let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let mut cases = Vec::new();
    let config_path = root.join(format!("{name}.suite.json"));
    let (config, config_file) = if crate::bundled::is_file(&config_path) {
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

    let mut files: Vec<PathBuf> = match crate::bundled::read_dir(dir) {
        Ok(entries) => entries.into_iter().filter(|p| p.extension().is_some_and(|x| x == "json")).collect(),
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
                    LoadedCase::Ready(Box::new(case_from_file(
                        &name,
                        &file,
                        case_file,
                        config.as_ref(),
                        schemas.model(),
                    )))
                }
            },
            Err(message) => {
                LoadedCase::Broken(BrokenCase { suite: name.clone(), name: stem, file: file.clone(), message })
            }
        };
        cases.push(loaded);
    }
    attach_default_navigations(&mut cases, config.as_ref(), schemas);
    Suite { name, dir: dir.to_path_buf(), config, config_file, cases }
}

/// Which navigation properties the suite's endpoints return without `$expand`: those its own
/// examples show in answers to requests without `$expand` (the page is the source), those the
/// overlay lists for the type, and those the suite override adds. Kept per (type, one entity or a
/// list), since Graph returns `tasks` with a workflow read by key but not in the list of workflows.
fn attach_default_navigations(cases: &mut [LoadedCase], config: Option<&SuiteConfig>, schemas: &SchemaSet) {
    let shown = navigations_shown(
        cases.iter().filter_map(|c| match c {
            LoadedCase::Ready(c) => Some(c.as_ref()),
            LoadedCase::Broken(_) => None,
        }),
        schemas.model(),
    );
    apply_default_navigations(cases, &shown, config, schemas);
}

/// Per (type, one entity or a list): the navigation properties `examples` show in answers to
/// requests without `$expand`.
pub type Shown = BTreeMap<(String, bool), BTreeSet<String>>;

pub fn navigations_shown<'a>(examples: impl Iterator<Item = &'a Case>, model: &Model) -> Shown {
    let mut shown: Shown = BTreeMap::new();
    for c in examples {
        let (Some(t), Some(body)) = (c.resource_type.as_deref(), c.expect.body.as_ref()) else { continue };
        if !c.expect.status.is_success() || !c.expand().is_empty() {
            continue;
        }
        let rows: Vec<&Value> = if c.collection {
            body.get("value").and_then(Value::as_array).map(|a| a.iter().collect()).unwrap_or_default()
        } else {
            vec![body]
        };
        let navs = model.all_navigations(t);
        let set = shown.entry((t.to_string(), !c.collection)).or_default();
        for row in rows {
            for n in &navs {
                if row.get(&n.name).is_some() {
                    set.insert(n.name.clone());
                }
            }
        }
    }
    shown
}

/// Sets each case's default navigations: those `shown`, the overlay's for its type, the suite's.
pub fn apply_default_navigations(
    cases: &mut [LoadedCase],
    shown: &Shown,
    config: Option<&SuiteConfig>,
    schemas: &SchemaSet,
) {
    for c in cases.iter_mut() {
        let LoadedCase::Ready(c) = c else { continue };
        let Some(t) = c.resource_type.clone() else { continue };
        let mut set = shown.get(&(t.clone(), !c.collection)).cloned().unwrap_or_default();
        set.extend(schemas.overlay().default_navigations(&t, !c.collection).map(str::to_string));
        if let Some(cfg) = config {
            set.extend(cfg.default_navigations.iter().cloned());
        }
        c.default_navigations = Arc::new(set);
    }
}

/// Builds the runnable case of a case file: its path resolved against the model (a page's slip
/// such as `workflow` for `workflows` corrected, with a note), its template and parameters, and
/// what a successful answer is.
pub fn case_from_file(suite: &str, file: &Path, cf: CaseFile, config: Option<&SuiteConfig>, model: &Model) -> Case {
    let mut request = cf.request;
    let mut notes: Vec<String> = Vec::new();
    let concrete = model.resolve(&request.path);
    let mut unresolved = None;
    if let Ok(r) = &concrete
        && !r.corrections.is_empty()
    {
        let corrected = correct_path(&request.path, &r.corrections);
        notes.push(format!(
            "the page writes {}; the metadata has {}, so the case sends {corrected} (`graph-conformance lint` reports the page)",
            r.corrections.iter().map(|(w, _)| format!("'{w}'")).collect::<Vec<_>>().join(", "),
            r.corrections.iter().map(|(_, m)| format!("'{m}'")).collect::<Vec<_>>().join(", "),
        ));
        request.path = corrected;
    }
    if let Err(e) = &concrete {
        unresolved = Some(format!(
            "the documented path does not resolve against the metadata ({e}); `graph-conformance lint` reports the page"
        ));
    }
    let documented_template = cf
        .path_template
        .as_deref()
        .map(|t| match model.resolve(t) {
            Ok(r) if !r.corrections.is_empty() => correct_path(t, &r.corrections),
            _ => t.to_string(),
        })
        .filter(|t| match_template(t, &request.path).is_some());
    let template = match (&documented_template, &concrete) {
        (Some(t), _) => Some(t.clone()),
        (None, Ok(r)) => Some(synthesize_template(r)),
        (None, Err(_)) => None,
    };
    let resolved = template.as_deref().and_then(|t| model.resolve(t).ok()).map(Arc::new);
    let path_params = template.as_deref().and_then(|t| match_template(t, &request.path)).unwrap_or_default();
    let (mut resource_type, collection) = match resolved.as_deref().map(|r| &r.shape) {
        Some(Shape::Entity(t)) => (Some(t.clone()), false),
        Some(Shape::Collection(t)) => (Some(t.clone()), true),
        Some(Shape::Value { type_name, collection }) if !type_name.starts_with("Edm.") => {
            (Some(type_name.clone()), *collection)
        }
        _ => (None, false),
    };
    if let Some(r) = config.and_then(|c| c.resource.clone()) {
        resource_type = Some(r);
    }
    let needs_entity =
        cf.response.status.is_success() && resolved.as_deref().is_some_and(|r| r.keys().next().is_some());
    let expect = Arc::new(cf.response);
    let select = request
        .query
        .as_deref()
        .and_then(|q| crate::odata::QueryOptions::parse(q).select())
        .filter(|s| !s.star)
        .map(|s| s.items);
    let contradictions =
        Arc::new(super::contradictions::Contradictions::new(expect.clone(), resource_type.clone(), collection, select));
    let binned = resolved.as_deref().is_some_and(|r| {
        r.steps.iter().any(|s| {
            matches!(&s.kind, crate::metadata::resolve::StepKind::Member { name, .. } if name == crate::check::invariants::BIN)
        })
    });
    contradictions.set_binned(binned);
    Case {
        suite: suite.to_string(),
        name: cf.name,
        origin: Arc::new(Origin { file: Some(file.to_path_buf()), doc: Some(cf.source), derived: None }),
        request,
        path_template: template,
        path_params,
        pinned_params: Default::default(),
        discovered: None,
        expect,
        auth: AuthMode::Target,
        resource_type,
        collection,
        values: super::ValueCheck::Documented,
        needs_entity,
        notes: Arc::new(notes),
        select: Default::default(),
        resolved,
        unresolved,
        default_navigations: Default::default(),
        query_options: Arc::new(cf.query_options),
        walk: false,
        unfilled: false,
        parent_shows: None,
        unchecked: Default::default(),
        contradictions,
    }
}

/// `path` with each corrected segment written as the model writes it.
fn correct_path(path: &str, corrections: &[(String, String)]) -> String {
    let (p, q) = match path.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (path, None),
    };
    let mut out: String = crate::metadata::resolve::split_segments(p)
        .into_iter()
        .map(|seg| {
            let fixed = corrections.iter().find(|(w, _)| w == seg).map(|(_, m)| m.as_str()).unwrap_or(seg);
            format!("/{fixed}")
        })
        .collect();
    if p.ends_with('/') {
        out.push('/');
    }
    if let Some(q) = q {
        out.push('?');
        out.push_str(q);
    }
    out
}

/// A template for a page without one (or whose template does not fit its example): each key
/// named after its collection (`workflows` → `{workflowId}`).
pub fn synthesize_template(r: &Resolved) -> String {
    let mut out = String::new();
    let mut used: Vec<String> = Vec::new();
    let mut collection = String::new();
    for step in &r.steps {
        out.push('/');
        match &step.kind {
            StepKind::Member { name, .. } => {
                collection = name.clone();
                out.push_str(name);
            }
            StepKind::Key { .. } => {
                let base = format!("{}Id", singular(&collection));
                let mut name = base.clone();
                let mut n = 2;
                while used.contains(&name) {
                    name = format!("{base}{n}");
                    n += 1;
                }
                used.push(name.clone());
                out.push('{');
                out.push_str(&name);
                out.push('}');
            }
            _ => out.push_str(&step.written),
        }
    }
    out
}

/// `workflows` → `workflow`, `taskDefinitions` → `taskDefinition`, `properties` → `property`.
pub fn singular(name: &str) -> String {
    if let Some(stem) = name.strip_suffix("ies") {
        format!("{stem}y")
    } else if let Some(stem) = name.strip_suffix('s') {
        stem.to_string()
    } else {
        name.to_string()
    }
}

/// Reads and parses a JSON file; the error names the file, the line, the field path and the problem.
pub fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, String> {
    let text = crate::bundled::read_to_string(path).map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
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
