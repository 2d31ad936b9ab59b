//! How answers are shown to people: aligned tables, UTC times, durations, suppressed counts, and the API's wire
//! names of its enums, both printed and parsed from arguments. Scripts should use `--json`: this text may change.
//!
//! Everything the CLI prints goes through [`neutralise`] ([`write_out`] on stdout, [`write_err`] on stderr):
//! much of it was written by others (a victim's reported URLs, a platform's decision reason, key names, the
//! server's error messages), and a terminal obeys escape sequences in what it is given.

use std::borrow::Cow;
use std::fmt::Write as _;

use serde::Serialize;
use serde::de::DeserializeOwned;

/// `--json`, for the commands that print text by default.
#[derive(clap::Args)]
pub struct OutputArgs {
    /// Print the API's answer as JSON (for scripts) instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Whether a terminal could act on `c` rather than show it: control characters (C0 but the line feed, DEL, C1:
/// ESC starts CSI and OSC sequences, and U+009B and U+009D are CSI and OSC on their own) and the bidirectional
/// controls, which reorder what is shown (`\u{202e}gpj.exe` reads as `exe.jpg`).
fn acts_on_terminal(c: char) -> bool {
    (c.is_control() && c != '\n')
        || matches!(c, '\u{61c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        || matches!(c, '\u{2028}' | '\u{2029}')
}

/// `text` with every character a terminal could act on written as `\uXXXX` instead: visible, and the same JSON
/// escape, so `--json` output stays valid JSON with the same values. Line feeds stay: tables and notices have
/// lines. Text without such characters is returned as it is.
pub fn neutralise(text: &str) -> Cow<'_, str> {
    if !text.chars().any(acts_on_terminal) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if acts_on_terminal(c) {
            // Every such character is in the Basic Multilingual Plane: four hex digits suffice.
            let _ = write!(out, "\\u{:04x}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// The reader of our stdout went away (`disrupt ... | head`): the one broken pipe `main` exits quietly on. A
/// broken pipe anywhere else (a server closing the connection while a request is sent) is an error to report.
#[derive(Debug)]
pub struct StdoutClosed;

impl std::fmt::Display for StdoutClosed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("stdout is closed")
    }
}

impl std::error::Error for StdoutClosed {}

/// Whether `error` is, or was caused by, our stdout closing ([`StdoutClosed`]).
pub fn is_stdout_closed(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause.is::<StdoutClosed>()
            || cause.downcast_ref::<std::io::Error>().and_then(|e| e.get_ref()).is_some_and(|e| e.is::<StdoutClosed>())
    })
}

/// Writes text to stdout, [`neutralise`]d. A closed pipe (`disrupt ... | head`) comes back as a broken pipe
/// carrying [`StdoutClosed`], which `main` turns into a quiet exit instead of the panic `println!` would raise.
pub fn write_out(text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    out.write_all(neutralise(text).as_bytes()).and_then(|()| out.flush()).map_err(|e| {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::io::Error::new(std::io::ErrorKind::BrokenPipe, StdoutClosed)
        } else {
            e
        }
    })
}

/// Writes text to stderr, [`neutralise`]d. A stderr that cannot be written to has nowhere to report it.
pub fn write_err(text: &str) {
    use std::io::Write;
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(neutralise(text).as_bytes());
    let _ = err.flush();
}

/// Writes one formatted line to stdout (see [`write_out`]).
pub fn write_line(args: std::fmt::Arguments<'_>) -> std::io::Result<()> {
    write_out(&format!("{args}\n"))
}

/// `println!` that returns the error of a closed stdout through `?` instead of panicking.
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::render::write_line(format_args!($($arg)*))?
    };
}
pub(crate) use outln;

/// `eprintln!` through [`write_err`].
macro_rules! errln {
    ($($arg:tt)*) => {
        $crate::render::write_err(&format!("{}\n", format_args!($($arg)*)))
    };
}
pub(crate) use errln;

/// Prints `value` as indented JSON on stdout.
pub fn print_json<T: Serialize>(value: &T) -> anyhow::Result<()> {
    outln!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

/// The wire spelling of an enum value (`adult_ncii`, `quarantined`, ...), as in `--json` output.
pub fn wire<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(_) => String::from("?"),
    }
}

/// A clap parser that accepts exactly `values` (listed in `--help` and in errors) and reads the chosen one as the
/// API's enum through its serde spelling, so the command line and the wire use the same names.
pub fn wire_value<T>(values: &'static [&'static str]) -> impl clap::builder::TypedValueParser<Value = T>
where
    T: DeserializeOwned + Clone + Send + Sync + 'static,
{
    use clap::builder::TypedValueParser as _;
    clap::builder::PossibleValuesParser::new(values)
        .try_map(|s: String| serde_json::from_value::<T>(serde_json::Value::String(s)))
}

/// A count of the public statistics: `null` (suppressed) is shown as `<minimum`.
pub fn count(value: Option<u64>, minimum: u64) -> String {
    match value {
        Some(n) => n.to_string(),
        None => format!("<{minimum}"),
    }
}

/// Unix milliseconds as `YYYY-MM-DD HH:MM UTC`; a time past year 9999 as its milliseconds.
pub fn time(ms: u64) -> String {
    match disrupt_hotline::time::minute_of(ms) {
        t if t.is_empty() => format!("{ms} ms"),
        t => format!("{t} UTC"),
    }
}

/// An optional time; `-` when absent.
pub fn maybe_time(ms: Option<u64>) -> String {
    ms.map(time).unwrap_or_else(|| "-".into())
}

/// Milliseconds as the two largest units: `3 d 4 h`, `2 h 5 min`, `4 min 3 s`, `850 ms`.
pub fn duration(ms: u64) -> String {
    const UNITS: [(u64, &str); 4] = [(86_400_000, "d"), (3_600_000, "h"), (60_000, "min"), (1000, "s")];
    for (i, (size, name)) in UNITS.iter().enumerate() {
        if ms >= *size {
            let mut text = format!("{} {name}", ms / size);
            if let Some((next, next_name)) = UNITS.get(i + 1) {
                let rest = ms % size / next;
                if rest > 0 {
                    let _ = write!(text, " {rest} {next_name}");
                }
            }
            return text;
        }
    }
    format!("{ms} ms")
}

/// Left-aligned columns separated by two spaces; the last column is not padded.
#[derive(Debug)]
pub struct Table {
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with this header row.
    pub fn new(header: &[&str]) -> Self {
        Self { rows: vec![header.iter().map(|h| (*h).to_owned()).collect()] }
    }

    /// A table without a header row.
    pub fn headless() -> Self {
        Self { rows: Vec::new() }
    }

    /// Adds a row.
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// The table as text, one line per row.
    pub fn render(&self) -> String {
        let columns = self.rows.iter().map(Vec::len).max().unwrap_or(0);
        let widths: Vec<usize> = (0..columns)
            .map(|c| self.rows.iter().filter_map(|r| r.get(c)).map(|s| s.chars().count()).max().unwrap_or(0))
            .collect();
        let mut out = String::new();
        for row in &self.rows {
            let mut line = String::new();
            for (c, cell) in row.iter().enumerate() {
                if c + 1 == row.len() {
                    line.push_str(cell);
                } else {
                    let _ = write!(line, "{cell:<width$}  ", width = widths[c]);
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }

    /// Prints the table on stdout.
    pub fn print(&self) -> std::io::Result<()> {
        write_out(&self.render())
    }
}

/// A progress bar on stderr when stderr is a terminal and there are at least `min_len` items; hidden otherwise,
/// so that what goes to stdout (JSON lines for scripts) is never mixed with it.
pub fn progress_bar(len: usize, min_len: usize, template: &str) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if len < min_len || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::with_draw_target(Some(len as u64), indicatif::ProgressDrawTarget::stderr());
    if let Ok(style) = indicatif::ProgressStyle::with_template(template) {
        bar.set_style(style);
    }
    bar
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A server that closes the connection while a request is sent gives a broken pipe too: that one is an error
    /// to report, not the quiet exit of a closed stdout (`disrupt match` once stopped after its first file with
    /// exit code 0 and nothing said).
    #[test]
    fn only_our_closed_stdout_is_a_quiet_exit() {
        let connection =
            anyhow::Error::from(std::io::Error::from(std::io::ErrorKind::BrokenPipe)).context("POST /v1/match");
        assert!(!is_stdout_closed(&connection));
        let stdout = anyhow::Error::from(std::io::Error::new(std::io::ErrorKind::BrokenPipe, StdoutClosed));
        assert!(is_stdout_closed(&stdout));
        assert!(is_stdout_closed(&stdout.context("writing a line")));
    }

    #[test]
    fn escape_sequences_c1_controls_and_bidi_overrides_are_shown_not_obeyed() {
        for (hostile, shown) in [
            ("\u{1b}[2J\u{1b}[31mred", "\\u001b[2J\\u001b[31mred"),
            ("\u{1b}]0;title\u{7}", "\\u001b]0;title\\u0007"),
            ("\u{1b}]52;c;aGk=\u{1b}\\", "\\u001b]52;c;aGk=\\u001b\\"),
            ("\u{9b}1;1H\u{9d}8;;x\u{9c}", "\\u009b1;1H\\u009d8;;x\\u009c"),
            ("\u{202e}gpj.exe\u{202c}", "\\u202egpj.exe\\u202c"),
            ("\u{2066}a\u{2069}\u{200f}\u{61c}", "\\u2066a\\u2069\\u200f\\u061c"),
            ("a\rb\u{8}\tc\u{7f}", "a\\u000db\\u0008\\u0009c\\u007f"),
        ] {
            assert_eq!(neutralise(hostile), shown, "{hostile:?}");
            assert!(!neutralise(hostile).chars().any(acts_on_terminal));
        }
    }

    #[test]
    fn ordinary_text_and_line_feeds_are_left_alone() {
        for text in ["plain", "two\nlines\n", "caf\u{e9} \u{4e2d}\u{6587} \u{1f600}", "https://x.example/a?b=c#d", ""] {
            assert!(matches!(neutralise(text), Cow::Borrowed(t) if t == text), "{text:?}");
        }
    }

    #[test]
    fn neutralised_json_is_still_json_with_the_same_values() {
        let value = serde_json::json!({"name": "\u{1b}]0;x\u{7}\u{9b}31m\u{202e}evil\u{2028}", "n": 1});
        let text = serde_json::to_string_pretty(&value).expect("json");
        let shown = neutralise(&text);
        assert!(!shown.chars().any(acts_on_terminal), "{shown}");
        assert_eq!(serde_json::from_str::<serde_json::Value>(&shown).expect("still JSON"), value);
    }
}
