//! Printing diagnostics in the chosen format.

use std::io::IsTerminal;

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
            for d in diags {
                println!("{}", d.to_json(file, source));
            }
        }
    }
}
