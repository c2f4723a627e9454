//! Importer and lint messages: `file:line: warning|error: message`.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Error,
    Warning,
}

/// One problem found in a page, with its place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub file: String,
    pub line: u32,
    pub level: Level,
    pub message: String,
}

impl Diagnostic {
    pub fn warning(file: &str, line: u32, message: impl Into<String>) -> Self {
        Diagnostic { file: file.to_string(), line, level: Level::Warning, message: message.into() }
    }
    pub fn error(file: &str, line: u32, message: impl Into<String>) -> Self {
        Diagnostic { file: file.to_string(), line, level: Level::Error, message: message.into() }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.level {
            Level::Error => "error",
            Level::Warning => "warning",
        };
        write!(f, "{}:{}: {level}: {}", self.file, self.line, self.message)
    }
}
