//! When to colour terminal output (`--color`, `NO_COLOR`), and the styles of status words.

use owo_colors::{OwoColorize as _, Style};
use serde::{Deserialize, Serialize};
use std::ffi::OsStr;

/// `--color auto|always|never`.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum ColorChoice {
    /// Colour when the stream is a terminal and `NO_COLOR` is unset or empty.
    #[default]
    Auto,
    /// Always colour, even into a pipe or file (and despite `NO_COLOR`, as an explicit flag wins).
    Always,
    /// Never colour.
    Never,
}

/// Whether to colour a stream, from `--color` and whether the stream is a terminal; honours
/// `NO_COLOR` (<https://no-color.org>: any non-empty value disables colour under `auto`).
pub fn color_choice(flag: ColorChoice, stream_is_terminal: bool) -> bool {
    decide(
        flag,
        stream_is_terminal,
        std::env::var_os("NO_COLOR").as_deref(),
    )
}

/// [`color_choice`] with the environment passed in, so tests need not mutate the process's.
fn decide(flag: ColorChoice, stream_is_terminal: bool, no_color: Option<&OsStr>) -> bool {
    match flag {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => stream_is_terminal && no_color.is_none_or(OsStr::is_empty),
    }
}

/// The styles the reporter uses, in the manner of cargo-nextest.
pub(crate) mod styles {
    use super::Style;

    pub(crate) fn pass() -> Style {
        Style::new().green().bold()
    }
    pub(crate) fn fail() -> Style {
        Style::new().red().bold()
    }
    pub(crate) fn skip() -> Style {
        Style::new().yellow().bold()
    }
    pub(crate) fn error() -> Style {
        Style::new().magenta().bold()
    }
    pub(crate) fn warn() -> Style {
        Style::new().yellow().bold()
    }
    pub(crate) fn info() -> Style {
        Style::new().cyan().bold()
    }
    pub(crate) fn label() -> Style {
        Style::new().cyan().bold()
    }
    pub(crate) fn id() -> Style {
        Style::new().bold()
    }
}

/// Applies styles only when colour is on, so the plain output has no escape codes at all.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Painter {
    pub(crate) color: bool,
}

impl Painter {
    pub(crate) fn paint(self, text: &str, style: Style) -> String {
        if self.color {
            text.style(style).to_string()
        } else {
            text.to_string()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_colours_only_terminals_without_no_color() {
        assert!(decide(ColorChoice::Auto, true, None));
        assert!(!decide(ColorChoice::Auto, false, None));
        assert!(!decide(ColorChoice::Auto, true, Some(OsStr::new("1"))));
        // An empty NO_COLOR does not count (no-color.org).
        assert!(decide(ColorChoice::Auto, true, Some(OsStr::new(""))));
    }

    #[test]
    fn explicit_flags_win_over_the_terminal_and_no_color() {
        assert!(decide(ColorChoice::Always, false, Some(OsStr::new("1"))));
        assert!(!decide(ColorChoice::Never, true, None));
    }

    #[test]
    fn the_flag_parses_like_the_cli_and_config_spell_it() {
        use clap::ValueEnum as _;
        assert_eq!(ColorChoice::from_str("never", true), Ok(ColorChoice::Never));
        assert_eq!(
            serde_json::to_string(&ColorChoice::Always).unwrap(),
            "\"always\""
        );
    }

    #[test]
    fn painting_is_a_no_op_without_colour() {
        assert_eq!(
            Painter { color: false }.paint("PASS", styles::pass()),
            "PASS"
        );
        let coloured = Painter { color: true }.paint("PASS", styles::pass());
        assert!(
            coloured.contains("\u{1b}[") && coloured.contains("PASS"),
            "{coloured:?}"
        );
    }
}
