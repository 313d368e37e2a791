//! `stackc check`: type-check a stack file.

use std::path::Path;

use stackc_core::check::{self, Options, RealFiles};
use stackc_core::cookbook_dir;
use stackc_core::diag;
use stackc_core::ir::Program;
use stackc_core::syntax;

use super::build::print_cookbooks_error;
use super::{read, SourceFile, Status};
use crate::cli::MessageFormat;
use crate::output;

/// Reads, parses and checks a file, printing diagnostics; the program when clean.
pub fn load(format: MessageFormat, path: &Path) -> Result<(SourceFile, Program), Status> {
    load_with(format, path, check::check_source)
}

/// Reads the file, decodes it and runs `checker` on it, printing every
/// diagnostic; what the checker made when there is no error.
fn load_with<T>(
    format: MessageFormat,
    path: &Path,
    checker: impl FnOnce(&str, &Options) -> (Option<T>, Vec<diag::Diagnostic>),
) -> Result<(SourceFile, T), Status> {
    let file = read(format, path).ok_or(Status::UserError)?;
    let text = match syntax::decode(file.bytes()) {
        Ok(t) => t,
        Err(d) => {
            output::print(format, &[d], &file.name(), &file.text);
            return Err(Status::UserError);
        }
    };
    let base = file.base_dir();
    let opts = Options {
        base_dir: &base,
        files: &RealFiles,
    };
    let (made, diags) = checker(text, &opts);
    output::print(format, &diags, &file.name(), &file.text);
    match made {
        Some(m) if !diag::has_errors(&diags) => Ok((file, m)),
        _ => Err(Status::UserError),
    }
}

/// Reads each environment's cookbooks as a build would, so that what a
/// build refuses (links, FIFOs, devices) is reported by `check` too; and
/// lints their Ruby for calls the Chef clients the environments' instances
/// run removed or deprecated (warnings, on the cookbook file and line).
pub fn check_cookbooks(
    format: MessageFormat,
    file: &SourceFile,
    program: &Program,
) -> Result<(), Status> {
    match cookbook_dir::lint(&program.environments) {
        Ok(findings) => {
            let warnings: Vec<_> = findings
                .into_iter()
                .map(|f| (f.path.display().to_string(), f.text, f.diagnostics))
                .collect();
            output::print_files(format, &warnings);
            Ok(())
        }
        Err(e) => {
            print_cookbooks_error(&e, format, &file.name(), &file.text);
            Err(Status::UserError)
        }
    }
}

pub fn run(format: MessageFormat, path: &Path) -> Status {
    match load(format, path) {
        Ok((file, program)) => {
            if let Err(status) = check_cookbooks(format, &file, &program) {
                return status;
            }
            if format == MessageFormat::Human {
                let envs: Vec<&str> = program
                    .environments
                    .iter()
                    .map(|e| e.env.as_str())
                    .collect();
                let prod = &program.environments[0];
                eprintln!(
                    "ok: {} — stack `{}`, {} layer{}, {} app{}, environments: {}",
                    file.name(),
                    program.name,
                    prod.layers.len(),
                    if prod.layers.len() == 1 { "" } else { "s" },
                    prod.apps.len(),
                    if prod.apps.len() == 1 { "" } else { "s" },
                    envs.join(", ")
                );
            }
            Status::Ok
        }
        Err(status) => status,
    }
}
