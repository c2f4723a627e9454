//! The command line: `run`, `serve`, `import`, `lint`, `schemas`, `bench`.
//!
//! Exit codes: 0 when everything passed, 101 when a case failed (libtest's code), 2 for a usage or
//! setup error (a bad flag or value, unreadable `cases/` or `schemas/`, a report that cannot be
//! written, a port in use), 4 when the filter matched no case (nextest's), 1 for `--check` and
//! `lint --deny-warnings` findings.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod area;
mod common;
mod bench;
mod config_file;
mod coverage;
mod diff;
mod import;
mod record;
mod run;
mod schemas;
mod serve;

#[derive(Parser, Debug)]
#[command(
    name = "graph-conformance",
    version,
    about = "Contract-testing and conformance harness for Microsoft Graph: any area, v1.0 and beta, from its metadata and pages",
    after_help = "Examples:
  graph-conformance run                                   the suites against the embedded reference server
  graph-conformance run --target https://graph.microsoft.com/beta --discover   a live tenant (AZURE_* credentials)
  graph-conformance serve --port 8080                     the reference server, for your own client
  graph-conformance import --out cases PAGE.md...         doc pages into case files
  graph-conformance schemas --csdl beta.csdl              JSON Schemas and the model from Graph's metadata
  graph-conformance diff --baseline URL --candidate URL   a server compared with a baseline, answer by answer
  graph-conformance record --target URL --out DIR         a tenant's answers as redacted, replayable cases

Exit codes: 0 passed, 101 a case failed, 2 a usage or setup error, 4 no case matched the filter, 1 --check or --deny-warnings found something."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the suites: against the embedded reference server, or a service root with --target.
    Run(Box<run::RunArgs>),
    /// Serve the reference implementation of the family on loopback (http or https).
    Serve(serve::ServeArgs),
    /// Write one case file per documented request/response pair under OUT/<page-stem>/.
    Import(import::ImportArgs),
    /// Report what is wrong with doc pages themselves (warnings with file:line).
    Lint(import::LintArgs),
    /// Generate JSON Schemas and the model from Graph's CSDL metadata.
    Schemas(schemas::SchemasArgs),
    /// Every GET path of each version's tree (from the metadata), and what reads it.
    Coverage(coverage::CoverageArgs),
    /// Rebuild the cases and schemas of areas of Graph (areas/*.toml) from their pages and metadata.
    Area(area::AreaArgs),
    /// Compare a candidate server with a baseline on the same reads, answer by answer.
    Diff(Box<diff::DiffArgs>),
    /// Record a target's answers as case files, tenant-identifying values replaced by placeholders.
    Record(Box<record::RecordArgs>),
    /// Measure the harness against a raw HTTP loop over `serve --entities N`.
    Bench(bench::BenchArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell) on stdout.
    #[command(after_help = "Examples:
  graph-conformance completions bash > ~/.local/share/bash-completion/completions/graph-conformance
  graph-conformance completions zsh > ~/.zfunc/_graph-conformance
  graph-conformance completions fish > ~/.config/fish/completions/graph-conformance.fish")]
    Completions {
        /// The shell to complete in.
        shell: clap_complete::Shell,
    },
    /// Write the man pages (graph-conformance.1 and one per command) into a folder.
    #[command(after_help = "Example:
  graph-conformance man --out ~/.local/share/man/man1 && man graph-conformance")]
    Man {
        /// The folder to write into (created if missing).
        #[arg(long, value_name = "DIR")]
        out: std::path::PathBuf,
    },
}

/// Writes `graph-conformance.1` and `graph-conformance-<command>.1` into `out`.
fn man(out: &std::path::Path) -> Result<ExitCode, String> {
    use clap::CommandFactory;
    std::fs::create_dir_all(out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    let cli = Cli::command();
    let mut pages = vec![("graph-conformance".to_string(), cli.clone())];
    for sub in cli.get_subcommands() {
        let name = format!("graph-conformance-{}", sub.get_name());
        pages.push((name.clone(), sub.clone().name(name)));
    }
    for (name, command) in pages {
        let path = out.join(format!("{name}.1"));
        let mut text = Vec::new();
        clap_mangen::Man::new(command).render(&mut text).map_err(|e| format!("{name}: {e}"))?;
        std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    crate::report::term::outln!("man pages written to {}", out.display());
    Ok(ExitCode::SUCCESS)
}

/// Whether `args` (after the program's name) are a valid command line: the flags exist and their
/// values parse. Nothing runs; README's commands that reach a live tenant are checked this way.
pub fn parses(args: &[&str]) -> Result<(), String> {
    let all = std::iter::once("graph-conformance").chain(args.iter().copied());
    Cli::try_parse_from(all).map(|_| ()).map_err(|e| e.to_string())
}

/// Entry point of the binary.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(a) => run::run(*a),
        Command::Serve(a) => serve::serve(a),
        Command::Import(a) => import::import(a),
        Command::Lint(a) => import::lint(a),
        Command::Schemas(a) => schemas::schemas(a),
        Command::Area(a) => area::area(a),
        Command::Coverage(a) => coverage::coverage(a),
        Command::Diff(a) => diff::diff(*a),
        Command::Record(a) => record::record(*a),
        Command::Bench(a) => bench::bench(a),
        Command::Completions { shell } => {
            use clap::CommandFactory;
            clap_complete::generate(shell, &mut Cli::command(), "graph-conformance", &mut std::io::stdout());
            Ok(ExitCode::SUCCESS)
        }
        Command::Man { out } => man(&out),
    };
    finish(result)
}

/// The exit code, with standard output's fate: a closed pipe (`| head`) ends quietly (a run that
/// could not finish is exit 2, without a message nobody reads); a full or failing standard output
/// is a setup error.
fn finish(result: Result<ExitCode, String>) -> ExitCode {
    use crate::report::term;
    if let Some(e) = term::stdout_error() {
        term::errln!("error: cannot write to standard output: {e}");
        return ExitCode::from(2);
    }
    match result {
        Err(e) if e == term::STDOUT_STOPPED => ExitCode::from(2),
        Ok(code) => code,
        Err(e) => {
            term::errln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn every_argument_of_every_command_says_what_it_is() {
        let cli = Cli::command();
        let mut missing = Vec::new();
        for sub in cli.get_subcommands() {
            for arg in sub.get_arguments() {
                let id = arg.get_id().as_str();
                if id == "help" || id == "version" || arg.is_hide_set() {
                    continue;
                }
                if arg.get_help().is_none() && arg.get_long_help().is_none() {
                    missing.push(format!("{} {id}", sub.get_name()));
                }
            }
        }
        assert!(missing.is_empty(), "arguments without help: {missing:?}");
    }
}
