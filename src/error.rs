//! The library's error: why a run could not start or finish. A case that fails is not an error (it
//! is a failed trial); an `Error` means no verdict could be given.

use std::fmt;

/// Why a run could not start or finish. Every message names what was wrong and ends with what to
/// do about it; none holds a token or a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// A setting is not usable: an environment variable, a service root, a timeout, incomplete
    /// client credentials, or settings that do not go together.
    Setting(String),
    /// The case files or schemas could not be read, or hold no case.
    Cases(String),
    /// The target did not answer as a Graph service root before any case ran, or no credentials
    /// were given for it.
    Target(String),
    /// A report could not be written, or standard output stopped.
    Output(String),
}

impl Error {
    /// The message, without the kind.
    pub fn message(&self) -> &str {
        match self {
            Error::Setting(m) | Error::Cases(m) | Error::Target(m) | Error::Output(m) => m,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl std::error::Error for Error {}

impl From<Error> for String {
    fn from(e: Error) -> String {
        e.message().to_string()
    }
}
