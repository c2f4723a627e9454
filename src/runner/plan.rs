//! From `cases/` to the list of trials: load the suites, derive cases, bind real ids on a live
//! target, decide what is skipped and why, sort, and make sure every name is unique.

use std::collections::BTreeMap;

use super::config::RunConfig;
use crate::case::derive::derive;
use crate::case::load::BrokenCase;
use crate::case::{Case, LoadedCase, Suite, load_suites};
use crate::check::Profile;
use crate::odata::path::fill_like;
use crate::schema::SchemaSet;

/// One trial to be.
#[derive(Debug)]
pub enum Planned {
    Run(Box<Case>),
    /// A case file that cannot be used: the trial fails with this.
    Broken(BrokenCase),
    /// Not sent, with the reason (a write on a live target, an entity case without real ids).
    Skip(Box<Case>, String),
    /// Already decided without a request of its own (discovery's list walks).
    Done(Box<crate::report::CaseReport>),
    /// An entity case bound to a discovered entity.
    Bound(Box<super::instance::Bound>),
}

impl Planned {
    pub fn name(&self) -> String {
        match self {
            Planned::Run(c) | Planned::Skip(c, _) => c.full_name(),
            Planned::Broken(b) => format!("{}::{}", b.suite, b.name),
            Planned::Done(r) => r.name.clone(),
            Planned::Bound(b) => b.name(),
        }
    }
}

/// `--param` values by discovery level: a parameter names a level whatever a page calls it
/// (`workflowId`, `workflow_id`), so one `--param` pins the level in every suite.
#[derive(Debug, Clone, Default)]
pub struct Pins {
    pub by_level: BTreeMap<String, String>,
}

impl Pins {
    /// Maps each `--param NAME=VALUE` to the level the name denotes in some case's template. A name
    /// no template uses is an error that lists the names there are.
    pub fn new(params: &BTreeMap<String, String>, cases: &[&Case]) -> Result<Pins, String> {
        let mut aliases: BTreeMap<String, String> = BTreeMap::new();
        for c in cases {
            for (param, level) in c.key_params().into_iter().zip(c.levels()) {
                aliases.entry(param).or_insert(level);
            }
        }
        let mut by_level = BTreeMap::new();
        for (name, value) in params {
            let Some(level) = aliases.get(name) else {
                let known: Vec<&str> = aliases.keys().map(String::as_str).collect();
                return Err(format!(
                    "--param {name}: no case's path has a parameter of that name; the parameters are: {}",
                    known.join(", ")
                ));
            };
            if let Some(reason) = crate::odata::path::invalid_key(value, "Edm.String") {
                return Err(format!("--param {name}={value}: {reason}"));
            }
            by_level.insert(level.clone(), value.clone());
        }
        Ok(Pins { by_level })
    }
}

/// Loads and plans every case; `Err` only when `cases/` itself cannot be read or a `--param` names
/// no parameter.
pub fn plan(config: &RunConfig, schemas: &SchemaSet) -> Result<(Vec<Planned>, Vec<Suite>), String> {
    let mut suites = load_suites(&config.cases_dir, schemas)?;
    // The GET paths of the tree no page documents, read as the metadata says (beside suites: an
    // empty cases folder stays an error).
    if !suites.is_empty()
        && !config.no_metadata_cases
        && let Some(extra) =
            crate::case::from_metadata::suite(&suites, schemas, &config.schemas_dir.join("metadata.json"))
    {
        suites.push(extra);
    }
    if let Some(prefix) = &config.suite_prefix {
        for suite in &mut suites {
            suite.prefix_name(prefix);
        }
    }
    let mut planned: Vec<Planned> = Vec::new();
    let mut all: Vec<Case> = Vec::new();
    for suite in &suites {
        for loaded in &suite.cases {
            match loaded {
                LoadedCase::Ready(c) => all.push((**c).clone()),
                LoadedCase::Broken(b) => planned.push(Planned::Broken(b.clone())),
            }
        }
        let file = suite
            .config_file
            .as_ref()
            .map(|f| f.display().to_string())
            .unwrap_or_else(|| format!("{} (the suite's examples and the metadata)", suite.dir.display()));
        all.extend(derive(&suite.name, suite.config.as_ref(), &suite.cases, schemas, &file));
    }
    let pins = Pins::new(&config.params, &all.iter().collect::<Vec<_>>())?;
    for case in all {
        planned.push(decide(config, &pins, case));
    }
    planned.sort_by_key(Planned::name);
    Ok((dedupe(planned), suites))
}

/// Binds `--param` ids and decides whether the case is sent.
pub fn decide(config: &RunConfig, pins: &Pins, mut case: Case) -> Planned {
    if let Some(reason) = &case.unresolved {
        let reason = reason.clone();
        return Planned::Skip(Box::new(case), reason);
    }
    let remote = config.target.is_some();
    if remote && case.is_mutating() && (!config.allow_writes || config.diff.is_some()) {
        let reason = if config.diff.is_some() {
            format!("{} changes the target: diff sends reads only", case.request.method)
        } else {
            format!(
                "{} changes the target: pass --allow-writes to send it to a server other than the embedded one",
                case.request.method
            )
        };
        return Planned::Skip(Box::new(case), reason);
    }
    let bound = bind(&mut case, pins);
    if case.unfilled && !bound {
        return Planned::Skip(
            Box::new(case),
            "no example shows an entity at this path: pass --discover, or --param for each id of the path template"
                .into(),
        );
    }
    if config.profile() == Profile::Live && case.needs_entity && !bound {
        return Planned::Skip(
            Box::new(case),
            "needs a real entity on a live target: pass --discover, or --param for each id of the path template".into(),
        );
    }
    Planned::Run(Box::new(case))
}

/// Replaces the case's key values (except pinned ones) with the pinned levels' values. Returns
/// whether every key of the path was given.
pub fn bind(case: &mut Case, pins: &Pins) -> bool {
    let Some(template) = case.path_template.clone() else {
        return false;
    };
    let levels = case.levels();
    if levels.is_empty() || pins.by_level.is_empty() {
        return false;
    }
    let mut all = true;
    for (param, level) in case.key_params().into_iter().zip(levels) {
        match pins.by_level.get(&level) {
            Some(v) if !case.pinned_params.contains(&param) => {
                case.path_params.insert(param, v.clone());
            }
            Some(_) => {}
            None => all = false,
        }
    }
    if let Ok(path) = fill_like(&template, &case.request.path, |p| case.path_params.get(p).map(String::as_str)) {
        case.request.path = path;
    }
    case.values = crate::case::ValueCheck::Off;
    all
}

/// Turns every repeated name after the first into a broken trial that names both sources.
fn dedupe(planned: Vec<Planned>) -> Vec<Planned> {
    let mut out: Vec<Planned> = Vec::with_capacity(planned.len());
    // name -> (the first source, how many times the name came so far)
    let mut seen: BTreeMap<String, (String, usize)> = BTreeMap::new();
    for p in planned {
        let name = p.name();
        let source = source_of(&p);
        match seen.get_mut(&name) {
            Some((first, count)) => {
                *count += 1;
                let (suite, short) = name.split_once("::").unwrap_or(("", &name));
                out.push(Planned::Broken(BrokenCase {
                    suite: suite.to_string(),
                    name: format!("{short}#{count}"),
                    file: source.clone().into(),
                    message: format!(
                        "the name {name} is used by {first} and by {source}; names must be unique: rename one"
                    ),
                }));
            }
            None => {
                seen.insert(name, (source, 1));
                out.push(p);
            }
        }
    }
    out
}

fn source_of(p: &Planned) -> String {
    match p {
        Planned::Run(c) | Planned::Skip(c, _) => c
            .origin
            .file
            .as_ref()
            .map(|f| f.display().to_string())
            .or_else(|| c.origin.derived.clone())
            .unwrap_or_else(|| "(unknown)".into()),
        Planned::Broken(b) => b.file.display().to_string(),
        Planned::Done(r) => r.name.clone(),
        Planned::Bound(b) => b.case.origin.derived.clone().unwrap_or_else(|| b.name()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn broken(suite: &str, name: &str, file: &str) -> Planned {
        Planned::Broken(BrokenCase {
            suite: suite.into(),
            name: name.into(),
            file: file.into(),
            message: String::new(),
        })
    }

    #[test]
    fn a_repeated_name_becomes_a_failing_trial_naming_both_sources() {
        let out = dedupe(vec![
            broken("s", "x", "a.json"),
            broken("s", "x", "b.json"),
            broken("s", "x", "c.json"),
            broken("s", "y", "d.json"),
        ]);
        let names: Vec<String> = out.iter().map(Planned::name).collect();
        assert_eq!(names, ["s::x", "s::x#2", "s::x#3", "s::y"]);
        let Planned::Broken(b) = &out[1] else { panic!("a broken trial") };
        assert!(b.message.contains("a.json") && b.message.contains("b.json"), "{}", b.message);
    }
}
