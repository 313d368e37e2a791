//! Printing diagnostics in the chosen format.

use std::io::{IsTerminal, Write as _};

use stackc_core::diag::{self, Diagnostic};

use crate::cli::{Color, MessageFormat};

/// The `--color` choice, set once at start.
static COLOR: std::sync::OnceLock<Color> = std::sync::OnceLock::new();

/// Records the `--color` choice.
pub fn set_color(choice: Color) {
    let _ = COLOR.set(choice);
}

/// Whether to colour what goes to a stream that is a terminal or not:
/// `--color always|never`, else on a terminal unless NO_COLOR is set (to
/// anything but the empty string, as no-color.org says).
fn colored(terminal: bool) -> bool {
    match COLOR.get().copied().unwrap_or(Color::Auto) {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
    }
}

/// Whether stderr is coloured.
pub fn color_stderr() -> bool {
    colored(std::io::stderr().is_terminal())
}

/// Whether stdout is coloured.
pub fn color_stdout() -> bool {
    colored(std::io::stdout().is_terminal())
}

/// Prints diagnostics: human ones to stderr, JSON ones to stdout (one per line).
pub fn print(format: MessageFormat, diags: &[Diagnostic], file: &str, source: &str) {
    match format {
        MessageFormat::Human => {
            eprint!(
                "{}",
                diag::render_human(diags, file, source, color_stderr())
            );
        }
        MessageFormat::Json => {
            let index = diag::SourceIndex::new(source);
            let mut lines = String::new();
            for d in diags {
                lines.push_str(&d.to_json_indexed(file, &index).to_string());
                lines.push('\n');
            }
            stdout(&lines);
        }
    }
}

/// Prints the diagnostics of several files (name, text, diagnostics into
/// that text) as [`print`] does, with one summary line for all.
pub fn print_files(format: MessageFormat, files: &[(String, String, Vec<Diagnostic>)]) {
    match format {
        MessageFormat::Human => {
            let color = color_stderr();
            let files: Vec<(&str, &str, &[Diagnostic])> = files
                .iter()
                .map(|(f, s, d)| (f.as_str(), s.as_str(), d.as_slice()))
                .collect();
            eprint!("{}", diag::render_human_files(&files, color));
        }
        MessageFormat::Json => {
            for (file, source, diags) in files {
                print(format, diags, file, source);
            }
        }
    }
}

/// Writes to stdout. A closed pipe (`stackc explain | head`) ends the
/// process quietly instead of panicking; other write errors are reported.
pub fn stdout(text: &str) {
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("error: cannot write to stdout: {e}");
        std::process::exit(1);
    }
}
