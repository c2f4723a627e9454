//! `cargo test` runs the suite here: every case under `cases/` (and every derived case) is a
//! libtest-mimic trial named `<suite>::<case>`, against the embedded reference server, or against
//! `GRAPH_CONFORMANCE_TARGET` with `GRAPH_TOKEN` when set. libtest's flags work: `--list`,
//! `--exact`, `--skip`, `--ignored`, `--test-threads`, filters; so does `cargo nextest run`.

use std::io::IsTerminal;
use std::process::ExitCode;

use graph_conformance::runner::{RunConfig, run_libtest};
use libtest_mimic::{Arguments, ColorSetting};

fn main() -> ExitCode {
    let args = Arguments::from_args();
    let mut config = match RunConfig::from_env(env!("CARGO_MANIFEST_DIR")) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    config.color = match args.color.unwrap_or(ColorSetting::Auto) {
        ColorSetting::Always => true,
        ColorSetting::Never => false,
        ColorSetting::Auto => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    };
    match run_libtest(config, &args) {
        Ok(summary) => summary.conclusion.exit_code(),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}
