//! `graph-conformance serve`: the reference server as a standalone process on loopback.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use super::{FAULTS, Fault, Faulty, ServerOptions, Store};
use crate::case::load_suites;
use crate::schema::SchemaSet;

/// What `serve` is asked to do.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub port: u16,
    pub entities: usize,
    /// Catalogued defects by name, applied in order.
    pub faults: Vec<String>,
    pub page_size: usize,
    pub cases: PathBuf,
    pub schemas: PathBuf,
    /// PEM certificate chain and key, for https.
    pub tls: Option<(PathBuf, PathBuf)>,
    /// Make a self-signed certificate for localhost (its path is printed on stderr).
    pub tls_self_signed: bool,
    /// How long a client may take to send a request's head.
    pub header_timeout: std::time::Duration,
}

/// Prints the fault catalogue.
pub fn list_faults() {
    crate::report::term::outln!(
        "{:<30} {:<16} {:<32} {:<40} description",
        "fault",
        "area",
        "caught by rule",
        "shows with"
    );
    for f in FAULTS {
        let how = if f.how().is_empty() { "any run of the suites" } else { f.how() };
        crate::report::term::outln!("{:<30} {:<16} {:<32} {:<40} {}", f.name, f.area, f.caught_by, how, f.description);
    }
}

/// Runs until Ctrl-C. Prints the service root first, so scripts can read it.
pub fn serve(o: ServeOptions) -> Result<ExitCode, String> {
    let faults = o.faults.iter().map(|f| Fault::from_name(f)).collect::<Result<Vec<_>, _>>()?;
    let layout =
        crate::runner::RunConfig { cases_dir: o.cases.clone(), schemas_dir: o.schemas.clone(), ..Default::default() };
    let mut stores = Vec::new();
    for bundle in crate::runner::versions::bundles(&layout)? {
        let schemas = Arc::new(SchemaSet::load(&bundle.schemas_dir)?);
        let suites = load_suites(&bundle.cases_dir, &schemas)?;
        stores.push(Arc::new(Store::from_suites(&suites, schemas, o.entities)?.with_version(&bundle.version)));
    }
    let versions: Vec<String> = stores.iter().map(|s| s.version.clone()).collect();
    let tls = match (&o.tls, o.tls_self_signed) {
        (Some((cert, key)), _) => Some((super::standalone::tls_from_files(cert, key)?, None)),
        (None, true) => {
            let dir = std::env::temp_dir().join(format!("graph-conformance-tls-{}", std::process::id()));
            let (config, cert) = super::standalone::tls_self_signed(&dir)?;
            Some((config, Some(cert)))
        }
        (None, false) => None,
    };
    let listener = TcpListener::bind(("127.0.0.1", o.port))
        .map_err(|e| format!("cannot listen on 127.0.0.1:{}: {e}; pick another --port", o.port))?;
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(|e| e.to_string())?;
    let documented = stores.iter().flat_map(|s| s.data.collections.values()).map(|r| r.rows.len()).sum::<usize>();
    rt.block_on(async move {
        let names: Vec<&str> = faults.iter().map(|f| f.info().name).collect();
        let options =
            ServerOptions { faults, page_size: o.page_size, header_timeout: o.header_timeout, ..ServerOptions::default() };
        let server = Faulty::versions(stores, &options).ok_or("no suites to serve")?;
        let server = super::standalone::start(server, Some(listener), tls.as_ref().map(|(c, _)| c.clone()))?;
        crate::report::term::outln!("{}", server.root_for(&versions[0]));
        for v in &versions[1..] {
            crate::report::term::errln!("also serving {}", server.root_for(v));
        }
        if let Some((_, Some(cert))) = &tls {
            crate::report::term::errln!("self-signed certificate (trust it in clients): {}", show(cert));
        }
        crate::report::term::errln!(
            "graph-conformance reference server: {documented} documented entities, {} synthetic ones{}; Ctrl-C stops it",
            o.entities,
            if names.is_empty() { String::new() } else { format!(", faults {}", names.join(", ")) }
        );
        stopped().await;
        crate::report::term::errln!("stopping");
        drop(server);
        // The self-signed certificate was for this process only.
        if let Some((_, Some(cert))) = &tls
            && let Some(dir) = cert.parent()
        {
            let _ = std::fs::remove_dir_all(dir);
        }
        Ok::<(), String>(())
    })?;
    Ok(ExitCode::SUCCESS)
}

/// Ctrl-C, or (on Unix) SIGTERM as `kill` and service managers send.
async fn stopped() {
    #[cfg(unix)]
    {
        let term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate());
        match term {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

fn show(p: &Path) -> String {
    p.display().to_string()
}
