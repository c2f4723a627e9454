//! `graph-conformance serve`: the reference server as a standalone process on loopback.

use std::net::TcpListener;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use super::{FAULTS, Fault, Store};
use crate::case::load_suites;
use crate::schema::SchemaSet;

/// Runs until Ctrl-C. Prints the service root first, so scripts can read it.
pub fn serve(
    port: u16,
    entities: usize,
    fault: Option<&str>,
    list_faults: bool,
    page_size: usize,
    cases: &Path,
    schemas: &Path,
) -> Result<ExitCode, String> {
    if list_faults {
        println!("{:<30} {:<16} {:<34} description", "fault", "area", "caught by rule");
        for f in FAULTS {
            let how =
                if f.needs_discovery { format!("{} (run --discover)", f.caught_by) } else { f.caught_by.to_string() };
            println!("{:<30} {:<16} {:<34} {}", f.name, f.area, how, f.description);
        }
        return Ok(ExitCode::SUCCESS);
    }
    let fault = fault.map(Fault::from_name).transpose()?;
    let schemas = Arc::new(SchemaSet::load(schemas)?);
    let suites = load_suites(cases)?;
    let store = Arc::new(Store::from_suites(&suites, entities));
    let listener = TcpListener::bind(("127.0.0.1", port))
        .map_err(|e| format!("cannot listen on 127.0.0.1:{port}: {e}; pick another --port"))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(|e| e.to_string())?;
    rt.block_on(async move {
        let responder = super::ReferenceServer {
            store: store.clone(),
            schemas,
            fault,
            auth: super::AuthPolicy::AnyBearer,
            page_size: page_size.max(1),
        };
        let server = match super::standalone::start(responder, Some(listener)) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("error: {e}");
                return;
            }
        };
        println!("http://{addr}/beta");
        eprintln!(
            "graph-conformance reference server: {} documented workflows, {} synthetic entities{}; Ctrl-C stops it",
            store.documented.len(),
            entities,
            fault.map(|f| format!(", fault {}", f.info().name)).unwrap_or_default()
        );
        let _ = tokio::signal::ctrl_c().await;
        eprintln!("stopping");
        drop(server);
    });
    Ok(ExitCode::SUCCESS)
}
