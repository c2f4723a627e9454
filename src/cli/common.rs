//! The flag groups `run`, `diff` and `record` share, flattened into each: one name, one meaning
//! and one help text per flag across the commands.

use std::path::PathBuf;

use clap::Args;
use libtest_mimic::{ColorSetting, FormatSetting};

/// The groups `run`, `diff` and `record` all take, flattened into each.
#[derive(Args, Debug, Clone, Default)]
pub struct Common {
    #[command(flatten)]
    pub tls: Tls,
    #[command(flatten)]
    pub sources: Sources,
    #[command(flatten)]
    pub pick: Pick,
    #[command(flatten)]
    pub ids: Ids,
    #[command(flatten)]
    pub shown: Shown,
}

/// Where the cases and the schemas come from.
#[derive(Args, Debug, Clone, Default)]
pub struct Sources {
    /// The case files [default: ./cases when it exists, else the built-in ones]
    #[arg(long, value_name = "DIR", help_heading = "Selection")]
    pub cases: Option<PathBuf>,
    /// The schemas and model [default: ./schemas when it exists, else the built-in ones]
    #[arg(long, value_name = "DIR", help_heading = "Selection")]
    pub schemas: Option<PathBuf>,
}

impl Sources {
    pub fn cases_dir(&self) -> PathBuf {
        self.cases.clone().unwrap_or_else(|| crate::bundled::default_dir("cases"))
    }

    pub fn schemas_dir(&self) -> PathBuf {
        self.schemas.clone().unwrap_or_else(|| crate::bundled::default_dir("schemas"))
    }
}

/// Which cases, by name.
#[derive(Args, Debug, Clone, Default)]
pub struct Pick {
    /// Only the cases whose name contains this.
    #[arg(help_heading = "Selection")]
    pub filter: Option<String>,
    /// The filter must match a case name exactly.
    #[arg(long, help_heading = "Selection")]
    pub exact: bool,
    /// Skip cases whose name contains this (repeatable).
    #[arg(long, value_name = "TEXT", help_heading = "Selection")]
    pub skip: Vec<String>,
}

/// Real ids: found by walking the lists, or given.
#[derive(Args, Debug, Clone, Default)]
pub struct Ids {
    /// Walk the target's lists for real ids and check every entity found.
    #[arg(long, help_heading = "Selection")]
    pub discover: bool,
    /// Pin a path parameter to a real id: --param workflowId=... (any page's name for the level).
    #[arg(long = "param", value_name = "NAME=VALUE", help_heading = "Selection")]
    pub params: Vec<String>,
    /// With --discover: entities taken at each level, at most.
    #[arg(long, value_name = "N", help_heading = "Limits")]
    pub max_entities: Option<usize>,
}

/// Whom to trust.
#[derive(Args, Debug, Clone, Default)]
pub struct Tls {
    /// Trust the CA certificates in this PEM file too (a proxy's or a private CA), besides the
    /// system's (SSL_CERT_FILE, by contrast, replaces the system's)
    #[arg(long, value_name = "FILE", env = "GRAPH_CONFORMANCE_CA_CERT", help_heading = "Target")]
    pub ca_cert: Option<PathBuf>,
}

impl Tls {
    /// The certificates of `--ca-cert`, read and parsed now: a missing file or one without a PEM
    /// certificate is a usage error, not a TLS failure at the first request.
    pub fn certificates(&self) -> Result<Vec<reqwest::Certificate>, String> {
        self.ca_cert.as_deref().map(crate::target::read_ca_certificates).transpose().map(Option::unwrap_or_default)
    }
}

/// How cases are shown as they finish.
#[derive(Args, Debug, Clone, Default)]
pub struct Shown {
    /// How cases are shown as they finish [default: terse]
    #[arg(long, value_enum, help_heading = "Output")]
    pub format: Option<Format>,
    /// Colour in the output [default: auto]
    #[arg(long, value_enum, help_heading = "Output")]
    pub color: Option<Color>,
}

impl Shown {
    pub fn format_setting(&self) -> FormatSetting {
        match self.format.unwrap_or(Format::Terse) {
            Format::Terse => FormatSetting::Terse,
            Format::Pretty => FormatSetting::Pretty,
        }
    }

    pub fn color_setting(&self) -> Option<ColorSetting> {
        self.color.map(|c| match c {
            Color::Auto => ColorSetting::Auto,
            Color::Always => ColorSetting::Always,
            Color::Never => ColorSetting::Never,
        })
    }

    /// Whether failure messages are coloured.
    pub fn colored(&self) -> bool {
        use std::io::IsTerminal;
        match self.color.unwrap_or(Color::Auto) {
            Color::Always => true,
            Color::Never => false,
            Color::Auto => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
        }
    }
}

/// How cases are shown as they finish.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// A character per case (. passed, F failed, i ignored); failures, broken rules and the verdict at the end.
    Terse,
    /// A line per case.
    Pretty,
}

/// Colour in the output.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Color {
    /// On a terminal, unless NO_COLOR is set.
    Auto,
    Always,
    Never,
}
