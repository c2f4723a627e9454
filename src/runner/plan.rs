//! From `cases/` to the list of trials: load the suites, derive cases, bind real ids on a live
//! target, decide what is skipped and why, sort, and make sure every name is unique.

use std::collections::BTreeMap;

use super::config::RunConfig;
use crate::case::derive::derive;
use crate::case::load::BrokenCase;
use crate::case::{Case, LoadedCase, Suite, load_suites};
use crate::check::Profile;
use crate::odata::path::{fill_template, template_param};
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

/// Loads and plans every case; `Err` only when `cases/` itself cannot be read.
pub fn plan(config: &RunConfig, schemas: &SchemaSet) -> Result<(Vec<Planned>, Vec<Suite>), String> {
    let suites = load_suites(&config.cases_dir)?;
    let mut planned: Vec<Planned> = Vec::new();
    for suite in &suites {
        let mut cases: Vec<Case> = Vec::new();
        for loaded in &suite.cases {
            match loaded {
                LoadedCase::Ready(c) => cases.push((**c).clone()),
                LoadedCase::Broken(b) => planned.push(Planned::Broken(b.clone())),
            }
        }
        if let (Some(cfg), Some(file)) = (&suite.config, &suite.config_file) {
            cases.extend(derive(&suite.name, cfg, &suite.cases, schemas, &file.display().to_string()));
        }
        for case in cases {
            planned.push(decide(config, case));
        }
    }
    planned.sort_by_key(Planned::name);
    Ok((dedupe(planned), suites))
}

/// Binds `--param` ids and decides whether the case is sent.
pub fn decide(config: &RunConfig, mut case: Case) -> Planned {
    let remote = config.target.is_some();
    if remote && case.is_mutating() && !config.allow_writes {
        let reason = format!(
            "{} changes the target: pass --allow-writes to send it to a server other than the embedded one",
            case.request.method
        );
        return Planned::Skip(Box::new(case), reason);
    }
    let bound = bind(&mut case, &config.params);
    if config.profile() == Profile::Live && case.needs_entity && !bound {
        return Planned::Skip(
            Box::new(case),
            "needs a real entity on a live target: pass --discover, or --param for each id of the path template".into(),
        );
    }
    Planned::Run(Box::new(case))
}

/// Replaces the case's path parameters (except pinned ones) with `params`. Returns whether every
/// parameter of the template was given.
pub fn bind(case: &mut Case, params: &BTreeMap<String, String>) -> bool {
    let Some(template) = case.path_template.clone() else {
        return false;
    };
    let names: Vec<&str> = template.split('/').filter_map(template_param).collect();
    if names.is_empty() || params.is_empty() {
        return false;
    }
    let mut all = true;
    for name in &names {
        match params.get(*name) {
            Some(v) if !case.pinned_params.contains(*name) => match case.path_params.get_mut(*name) {
                Some(slot) => slot.clone_from(v),
                None => {
                    case.path_params.insert(name.to_string(), v.clone());
                }
            },
            Some(_) => {}
            None => all = false,
        }
    }
    if let Ok(path) = fill_template(&template, &case.path_params) {
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
