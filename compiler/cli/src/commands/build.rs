//! `stackc build`: compile every environment (or one) into
//! `OUT/<stack>-<env>/`: template(s), node JSON, the cookbook bundle and
//! `manifest.json`.

use std::path::{Path, PathBuf};

use stackc_core::emit::bundle::CookbookFile;
use stackc_core::emit::{self, Artifact, Format};
use stackc_core::ir::{Program, Stack};

use super::{check::load, Status};
use crate::cli::MessageFormat;
use crate::output;

/// Selects the environments named by `--env` (all when absent).
pub fn environments<'a>(program: &'a Program, env: Option<&str>) -> Result<Vec<&'a Stack>, Status> {
    match env {
        None => Ok(program.environments.iter().collect()),
        Some(name) => match program.environment(name) {
            Some(s) => Ok(vec![s]),
            None => {
                let names: Vec<&str> = program
                    .environments
                    .iter()
                    .map(|e| e.env.as_str())
                    .collect();
                eprintln!(
                    "error: stack `{}` has no environment `{name}`; it has: {}",
                    program.name,
                    names.join(", ")
                );
                Err(Status::Usage)
            }
        },
    }
}

/// The files of the stack's cookbooks directory, sorted, hidden ones
/// (`.git`, `.kitchen`) skipped.
pub fn read_cookbooks(dir: Option<&Path>) -> std::io::Result<Vec<CookbookFile>> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<CookbookFile>) -> std::io::Result<()> {
        for entry in std::fs::read_dir(dir)? {
            let entry = entry?;
            let name = entry.file_name();
            if name.to_string_lossy().starts_with('.') {
                continue;
            }
            let path = entry.path();
            let ty = entry.file_type()?;
            if ty.is_dir() {
                walk(root, &path, out)?;
            } else if path.is_file() {
                let rel = path
                    .strip_prefix(root)
                    .unwrap_or(&path)
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
                    .join("/");
                out.push(CookbookFile {
                    path: rel,
                    bytes: std::fs::read(&path)?,
                });
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    if let Some(dir) = dir {
        walk(dir, dir, &mut out)?;
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

/// Builds the artifacts of one environment, printing diagnostics.
pub fn artifacts(
    format: MessageFormat,
    file_name: &str,
    source: &str,
    stack: &Stack,
    template_format: Format,
) -> Result<Vec<Artifact>, Status> {
    let user = read_cookbooks(stack.cookbooks.as_deref()).map_err(|e| {
        eprintln!(
            "error: cannot read the cookbooks directory {}: {e}",
            stack
                .cookbooks
                .as_deref()
                .unwrap_or(Path::new("."))
                .display()
        );
        Status::UserError
    })?;
    emit::build(stack, &user, template_format).map_err(|diags| {
        output::print(format, &diags, file_name, source);
        Status::UserError
    })
}

/// Writes the artifacts to `out/<stack>-<env>/`, replacing what was there
/// only once everything is written.
pub fn write(out: &Path, stack: &Stack, artifacts: &[Artifact]) -> std::io::Result<PathBuf> {
    let dir = out.join(stack.qualified_name());
    let tmp = out.join(format!(".{}.tmp", stack.qualified_name()));
    if tmp.exists() {
        std::fs::remove_dir_all(&tmp)?;
    }
    for a in artifacts {
        let path = tmp.join(&a.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, &a.bytes)?;
    }
    if dir.exists() {
        std::fs::remove_dir_all(&dir)?;
    }
    std::fs::rename(&tmp, &dir)?;
    Ok(dir)
}

pub fn run(
    format: MessageFormat,
    path: &Path,
    env: Option<&str>,
    out: &Path,
    template_format: Format,
) -> Status {
    let (file, program) = match load(format, path) {
        Ok(x) => x,
        Err(status) => return status,
    };
    let stacks = match environments(&program, env) {
        Ok(s) => s,
        Err(status) => return status,
    };
    let mut status = Status::Ok;
    for stack in stacks {
        let artifacts = match artifacts(format, &file.name(), &file.text, stack, template_format) {
            Ok(a) => a,
            Err(s) => {
                status = s;
                continue;
            }
        };
        match write(out, stack, &artifacts) {
            Ok(dir) => {
                if format == MessageFormat::Human {
                    let bytes: usize = artifacts.iter().map(|a| a.bytes.len()).sum();
                    eprintln!(
                        "built {} → {} ({} files, {} bytes)",
                        stack.qualified_name(),
                        dir.display(),
                        artifacts.len(),
                        bytes
                    );
                }
            }
            Err(e) => {
                eprintln!(
                    "error: cannot write {}: {e}",
                    out.join(stack.qualified_name()).display()
                );
                status = Status::UserError;
            }
        }
    }
    status
}
