//! `stackc fmt`: rewrite a stack file in canonical form.

use std::path::Path;

use stackc_core::diag::{Code, Diagnostic, Span};
use stackc_core::{fmt, syntax};

use super::{read, Status};
use crate::cli::MessageFormat;
use crate::output;

/// What to do with the canonical text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Rewrite the file when it differs.
    Write,
    /// Only report whether it differs.
    Check,
    /// Print the canonical text.
    Stdout,
}

pub fn run(format: MessageFormat, path: &Path, mode: Mode) -> Status {
    let Some(file) = read(format, path) else {
        return Status::UserError;
    };
    let text = match syntax::decode(file.bytes())
        .map_err(|d| vec![d])
        .and_then(|t| syntax::parse(t).map(|_| t))
    {
        Ok(t) => t,
        Err(diags) => {
            output::print(format, &diags, &file.name(), &file.text);
            return Status::UserError;
        }
    };
    let canonical = match fmt::format_source(text) {
        Ok(c) => c,
        Err(e) => {
            let diags: Vec<Diagnostic> = e
                .diagnostics
                .into_iter()
                .map(|d| {
                    Diagnostic::error(
                        Code::KdlSyntax,
                        Span::from(d.span),
                        d.message.unwrap_or_else(|| "cannot format".into()),
                    )
                    .help(d.help.unwrap_or_else(|| {
                        "fix the syntax error, then run `stackc fmt` again".into()
                    }))
                })
                .collect();
            output::print(format, &diags, &file.name(), &file.text);
            return Status::UserError;
        }
    };
    let changed = canonical != text;
    match mode {
        Mode::Stdout => {
            crate::output::stdout(&canonical);
            Status::Ok
        }
        Mode::Check => {
            let diff = unified_diff(&file.name(), text, &canonical);
            if format == MessageFormat::Json {
                let value = serde_json::json!({
                    "file": file.name(), "canonical": !changed, "diff": diff,
                });
                output::stdout(&format!("{value}\n"));
            } else if changed {
                let shown = if output::color_stdout() {
                    paint(&diff)
                } else {
                    diff
                };
                output::stdout(&shown);
            }
            if !changed {
                return Status::Ok;
            }
            eprintln!(
                "{}: not in canonical form (run `stackc fmt {}`)",
                file.name(),
                file.name()
            );
            Status::UserError
        }
        Mode::Write if changed => match write_atomically(path, canonical.as_bytes()) {
            Ok(()) => {
                eprintln!("formatted {}", file.name());
                Status::Ok
            }
            Err(e) => {
                let d = Diagnostic::error(
                    Code::ReadFailed,
                    Span::new(0, 0),
                    format!("cannot write {}: {e}", file.name()),
                )
                .help("check the file's permissions, or use `stackc fmt --stdout`");
                output::print(format, &[d], &file.name(), "");
                Status::UserError
            }
        },
        Mode::Write => Status::Ok,
    }
}

/// The unified diff (3 lines of context) from the file to its canonical
/// form, as `diff -u` and `rustfmt --check` print it; empty when equal.
fn unified_diff(name: &str, text: &str, canonical: &str) -> String {
    if text == canonical {
        return String::new();
    }
    similar::TextDiff::from_lines(text, canonical)
        .unified_diff()
        .context_radius(3)
        .header(name, &format!("{name} (formatted)"))
        .to_string()
}

/// Colours a unified diff as `git diff` does.
fn paint(diff: &str) -> String {
    diff.split_inclusive('\n')
        .map(|line| {
            let code = if line.starts_with("+++") || line.starts_with("---") {
                "1"
            } else if line.starts_with('+') {
                "32"
            } else if line.starts_with('-') {
                "31"
            } else if line.starts_with("@@") {
                "36"
            } else {
                return line.to_string();
            };
            let body = line.trim_end_matches('\n');
            format!("\x1b[{code}m{body}\x1b[0m{}", &line[body.len()..])
        })
        .collect()
}

/// Writes next to the file and renames over it, so an interrupted write never
/// leaves a half-written stack file.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.stackc-fmt.tmp"));
    std::fs::write(&tmp, bytes)?;
    if let Ok(meta) = std::fs::metadata(path) {
        std::fs::set_permissions(&tmp, meta.permissions())?;
    }
    std::fs::rename(&tmp, path)
}
