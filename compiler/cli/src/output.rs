//! Printing diagnostics in the chosen format.

use std::io::{IsTerminal, Write as _};

use stackc_core::diag::{self, Diagnostic};

use crate::cli::MessageFormat;

/// Prints diagnostics: human ones to stderr, JSON ones to stdout (one per line).
pub fn print(format: MessageFormat, diags: &[Diagnostic], file: &str, source: &str) {
    match format {
        MessageFormat::Human => {
            let stderr = std::io::stderr();
            let color = stderr.is_terminal() && std::env::var_os("NO_COLOR").is_none();
            eprint!("{}", diag::render_human(diags, file, source, color));
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
            let stderr = std::io::stderr();
            let color = stderr.is_terminal() && std::env::var_os("NO_COLOR").is_none();
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
