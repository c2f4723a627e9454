//! Colour, only where it helps: a terminal, or `--color always`. Tests and reports get plain text.

use anstyle::{AnsiColor, Style};

/// How text is rendered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Palette {
    pub color: bool,
}

impl Palette {
    pub const PLAIN: Palette = Palette { color: false };

    fn paint(&self, style: Style, text: &str) -> String {
        if self.color { format!("{}{text}{}", style.render(), style.render_reset()) } else { text.to_string() }
    }
    pub fn removed(&self, text: &str) -> String {
        self.paint(AnsiColor::Red.on_default(), text)
    }
    pub fn added(&self, text: &str) -> String {
        self.paint(AnsiColor::Green.on_default(), text)
    }
    pub fn hunk(&self, text: &str) -> String {
        self.paint(AnsiColor::Cyan.on_default(), text)
    }
    pub fn rule(&self, text: &str) -> String {
        self.paint(Style::new().bold(), text)
    }
    pub fn warn(&self, text: &str) -> String {
        self.paint(AnsiColor::Yellow.on_default(), text)
    }
    pub fn dim(&self, text: &str) -> String {
        self.paint(Style::new().dimmed(), text)
    }
}
