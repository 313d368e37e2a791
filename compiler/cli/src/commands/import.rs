//! `stackc import opsworks DIR`: reads the saved `aws opsworks describe-*`
//! output, prints the stack file on stdout and the warnings on stderr.

use std::collections::BTreeMap;
use std::path::Path;

use stackc_core::diag::{Code, Diagnostic, Span};
use stackc_core::import::opsworks::{self, FILES};
use stackc_core::import::Warning;

use super::Status;
use crate::cli::MessageFormat;
use crate::output;

/// Files above this size are not describe-* output.
const MAX_SIZE: usize = 64 << 20;

pub fn opsworks(format: MessageFormat, dir: &Path) -> Status {
    if let Err(e) = std::fs::read_dir(dir) {
        let d = Diagnostic::error(
            Code::ReadFailed,
            Span::new(0, 0),
            format!("cannot read the directory {}: {e}", dir.display()),
        )
        .help("name the directory that holds describe-stacks.json, describe-layers.json and the other describe-*.json files");
        output::print(format, &[d], &dir.display().to_string(), "");
        return Status::UserError;
    }
    let mut files = BTreeMap::new();
    let mut failed = false;
    for spec in FILES {
        let path = dir.join(spec.file);
        let name = path.display().to_string();
        match std::fs::read(&path) {
            Ok(bytes) => match decode(&bytes) {
                Ok(text) => {
                    files.insert(spec.file.to_string(), text);
                }
                Err(d) => {
                    output::print(format, &[d], &name, &String::from_utf8_lossy(&bytes));
                    failed = true;
                }
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                let d = Diagnostic::error(
                    Code::ReadFailed,
                    Span::new(0, 0),
                    format!("cannot read {name}: {e}"),
                )
                .help("check the file's permissions");
                output::print(format, &[d], &name, "");
                failed = true;
            }
        }
    }
    if failed {
        return Status::UserError;
    }
    match opsworks::import(&files) {
        Ok(imported) => {
            let mut warnings = unread(dir);
            warnings.extend(imported.warnings);
            print_warnings(format, &warnings);
            output::stdout(&imported.kdl);
            Status::Ok
        }
        Err(errors) => {
            for e in errors {
                let name = dir.join(&e.file).display().to_string();
                let source = files.get(&e.file).map_or("", String::as_str);
                output::print(format, &[e.diagnostic], &name, source);
            }
            Status::UserError
        }
    }
}

/// UTF-8 text; a UTF-16 file (what PowerShell's `>` writes) is named as such.
fn decode(bytes: &[u8]) -> Result<String, Diagnostic> {
    if bytes.len() > MAX_SIZE {
        return Err(Diagnostic::error(
            Code::FileTooLarge,
            Span::new(0, 0),
            format!(
                "the file is {} bytes; describe-* output is far smaller",
                bytes.len()
            ),
        )
        .help("save the output of the describe command itself in this file"));
    }
    if bytes.starts_with(&[0xff, 0xfe]) || bytes.starts_with(&[0xfe, 0xff]) {
        return Err(Diagnostic::error(
            Code::InvalidUtf8,
            Span::new(0, 0),
            "the file is UTF-16 text, not UTF-8",
        )
        .label("UTF-16 byte order mark")
        .help("PowerShell's `>` writes UTF-16: save it with `| Out-File -Encoding utf8`, or convert it with `iconv -f UTF-16 -t UTF-8`"));
    }
    String::from_utf8(bytes.to_vec()).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        Diagnostic::error(
            Code::InvalidUtf8,
            Span::new(at, 1),
            format!("the file is not UTF-8: invalid byte at offset {at}"),
        )
        .label("not UTF-8")
        .help("save the describe command's output as UTF-8 text")
    })
}

/// describe-*.json files in the directory that the import does not read.
fn unread(dir: &Path) -> Vec<Warning> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.starts_with("describe-") && n.ends_with(".json"))
        .filter(|n| !FILES.iter().any(|f| f.file == n))
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|n| Warning {
            subject: dir.join(&n).display().to_string(),
            message: "not read: the import reads describe-stacks, describe-layers, describe-apps, describe-instances, describe-load-based-auto-scaling, describe-time-based-auto-scaling and describe-elastic-load-balancers".into(),
        })
        .collect()
}

/// Warnings go to stderr in either format (stdout holds the stack file).
fn print_warnings(format: MessageFormat, warnings: &[Warning]) {
    let mut text = String::new();
    for w in warnings {
        match format {
            MessageFormat::Human => text.push_str(&format!("warning: {w}\n")),
            MessageFormat::Json => {
                let line = serde_json::json!({
                    "severity": "warning",
                    "subject": w.subject,
                    "message": w.message,
                });
                text.push_str(&format!("{line}\n"));
            }
        }
    }
    if format == MessageFormat::Human && !warnings.is_empty() {
        let n = warnings.len();
        text.push_str(&format!(
            "{n} warning{}: review them before `stackc check`\n",
            if n == 1 { "" } else { "s" }
        ));
    }
    eprint!("{text}");
}
