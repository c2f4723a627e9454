//! `graph-conformance serve`: the reference server on loopback.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use crate::reference::serve::{ServeOptions, list_faults, serve as run_server};

/// Flags of `serve`.
#[derive(Args, Debug)]
#[command(after_help = "Examples:
  graph-conformance serve --port 8080                     prints http://127.0.0.1:8080/beta; Ctrl-C stops it
  graph-conformance serve --entities 100000               + a synthetic tenant of 100,000 results
  graph-conformance serve --fault leak-evolvable-enum     one catalogued defect (--list-faults lists them)
  graph-conformance serve --tls-self-signed               https, with a certificate for localhost
  graph-conformance serve --cases DIR                     seeded from another folder's documented examples")]
pub struct ServeArgs {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 8080, help_heading = "Server")]
    port: u16,
    /// Serve https with this PEM certificate chain and key.
    #[arg(long, num_args = 2, value_names = ["CERT", "KEY"], help_heading = "Server")]
    tls: Option<Vec<PathBuf>>,
    /// Serve https with a self-signed certificate for localhost; its path is printed on stderr.
    #[arg(long, conflicts_with = "tls", help_heading = "Server")]
    tls_self_signed: bool,
    /// Add N synthetic results (100 per run, 10 runs per workflow; at most 10^12).
    #[arg(long, default_value_t = 0, help_heading = "Data")]
    entities: usize,
    /// Seconds a client may take to send a request's head (also between requests on a kept-alive
    /// connection) before the connection is closed.
    #[arg(long, value_name = "SECS", default_value_t = 10.0, help_heading = "Server")]
    header_timeout: f64,
    /// Rows per list page without $top.
    #[arg(long, default_value_t = 100, help_heading = "Data")]
    page_size: usize,
    /// The case files whose documented examples seed the server [default: ./cases, else the built-in ones].
    #[arg(long, value_name = "DIR", help_heading = "Data")]
    cases: Option<PathBuf>,
    /// The schemas and model (`graph-conformance schemas` writes them) [default: ./schemas, else the built-in ones].
    #[arg(long, value_name = "DIR", help_heading = "Data")]
    schemas: Option<PathBuf>,
    /// Serve with a catalogued defect (see --list-faults); repeat it for several.
    #[arg(long, value_name = "NAME", help_heading = "Faults")]
    fault: Vec<String>,
    /// Print the fault catalogue and exit.
    #[arg(long, help_heading = "Faults")]
    list_faults: bool,
}

pub fn serve(a: ServeArgs) -> Result<ExitCode, String> {
    if a.list_faults {
        list_faults();
        return Ok(ExitCode::SUCCESS);
    }
    if a.page_size == 0 {
        return Err("--page-size 0: a page holds at least one row".into());
    }
    if !(a.header_timeout > 0.0 && a.header_timeout <= 3600.0) {
        return Err(format!("--header-timeout {}: give seconds between 0 and 3600", a.header_timeout));
    }
    let tls = a.tls.map(|v| (v[0].clone(), v[1].clone()));
    run_server(ServeOptions {
        port: a.port,
        entities: a.entities,
        faults: a.fault,
        page_size: a.page_size,
        cases: a.cases.unwrap_or_else(|| crate::bundled::default_dir("cases")),
        schemas: a.schemas.unwrap_or_else(|| crate::bundled::default_dir("schemas")),
        tls,
        tls_self_signed: a.tls_self_signed,
        header_timeout: std::time::Duration::from_secs_f64(a.header_timeout),
    })
}
