//! `stackc build`: compile every environment (or one) into
//! `OUT/<stack>-<env>/`: template(s), node JSON, the cookbook bundle and
//! `manifest.json`.

use std::path::{Path, PathBuf};

use stackc_core::check::{self, Options, RealFiles};
use stackc_core::emit::bundle::CookbookFile;
use stackc_core::emit::{self, Artifact, Format};
use stackc_core::ir::{Program, Stack};

use super::{check::load_outline, Status};
use crate::cli::MessageFormat;
use crate::output;

/// Selects the environments named by `--env` (all when absent).
pub fn environments<'a>(program: &'a Program, env: Option<&str>) -> Result<Vec<&'a Stack>, Status> {
    let names: Vec<&str> = program
        .environments
        .iter()
        .map(|e| e.env.as_str())
        .collect();
    let names = select(&program.name, names, env)?;
    Ok(program
        .environments
        .iter()
        .filter(|e| names.contains(&e.env.as_str()))
        .collect())
}

/// The names of `stack`'s environments selected by `--env` (all when
/// absent); an unknown one is a usage error listing those there are.
fn select<'a>(stack: &str, names: Vec<&'a str>, env: Option<&str>) -> Result<Vec<&'a str>, Status> {
    let Some(wanted) = env else {
        return Ok(names);
    };
    match names.iter().find(|n| **n == wanted) {
        Some(name) => Ok(vec![*name]),
        None => {
            eprintln!(
                "error: stack `{stack}` has no environment `{wanted}`; it has: {}",
                names.join(", ")
            );
            Err(Status::Usage)
        }
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

/// What a build wrote.
pub struct Built {
    /// `out/<stack>-<env>/`.
    pub dir: PathBuf,
    /// Files written.
    pub files: usize,
    /// Bytes written.
    pub bytes: usize,
}

/// Builds one environment into `out/<stack>-<env>/`, writing each artifact
/// as it is made into a fresh directory that replaces the old one only once
/// everything is written. Prints diagnostics and I/O errors.
pub fn build_to_dir(
    format: MessageFormat,
    file_name: &str,
    source: &str,
    stack: &Stack,
    template_format: Format,
    out: &Path,
) -> Result<Built, Status> {
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
    let dir = out.join(stack.qualified_name());
    let tmp = out.join(format!(".{}.tmp", stack.qualified_name()));
    let io_error = |e: std::io::Error| {
        eprintln!("error: cannot write {}: {e}", dir.display());
        Status::UserError
    };
    if tmp.exists() {
        std::fs::remove_dir_all(&tmp).map_err(io_error)?;
    }
    std::fs::create_dir_all(&tmp).map_err(io_error)?;
    let mut failed: Option<std::io::Error> = None;
    let (mut files, mut bytes) = (0, 0);
    let built = emit::build_into(stack, &user, template_format, &mut |a: Artifact| {
        if failed.is_some() {
            return;
        }
        let path = tmp.join(&a.path);
        let result = path
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| std::fs::write(&path, &a.bytes));
        match result {
            Ok(()) => {
                files += 1;
                bytes += a.bytes.len();
            }
            Err(e) => failed = Some(e),
        }
    });
    if let Err(diags) = built {
        let _ = std::fs::remove_dir_all(&tmp);
        output::print(format, &diags, file_name, source);
        return Err(Status::UserError);
    }
    if let Some(e) = failed {
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(io_error(e));
    }
    if dir.exists() {
        std::fs::remove_dir_all(&dir).map_err(io_error)?;
    }
    std::fs::rename(&tmp, &dir).map_err(io_error)?;
    Ok(Built { dir, files, bytes })
}

pub fn run(
    format: MessageFormat,
    path: &Path,
    env: Option<&str>,
    out: &Path,
    template_format: Format,
) -> Status {
    // The whole file is checked first (every diagnostic); then each
    // environment is resolved again on its own, built and dropped, so that
    // one resolved environment is in memory at a time, not the syntax tree.
    let (file, outline) = match load_outline(format, path) {
        Ok(x) => x,
        Err(status) => return status,
    };
    let names = match select(
        &outline.name,
        outline.environments.iter().map(String::as_str).collect(),
        env,
    ) {
        Ok(s) => s,
        Err(status) => return status,
    };
    let base = file.base_dir();
    let opts = Options {
        base_dir: &base,
        files: &RealFiles,
    };
    let mut status = Status::Ok;
    for name in names {
        // The file checked clean, so the environment resolves (unless the
        // cookbooks changed meanwhile: then the new errors are shown).
        let stack = match check::environment_source(&file.text, &opts, name) {
            (Some(stack), _) => stack,
            (None, diags) => {
                output::print(format, &diags, &file.name(), &file.text);
                status = Status::UserError;
                continue;
            }
        };
        let stack = &stack;
        match build_to_dir(
            format,
            &file.name(),
            &file.text,
            stack,
            template_format,
            out,
        ) {
            Ok(built) => {
                if format == MessageFormat::Human {
                    eprintln!(
                        "built {} → {} ({} files, {} bytes)",
                        stack.qualified_name(),
                        built.dir.display(),
                        built.files,
                        built.bytes
                    );
                }
            }
            Err(s) => status = s,
        }
    }
    status
}
