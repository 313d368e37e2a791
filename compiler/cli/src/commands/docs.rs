//! `stackc docs`: an architecture page and diagram per environment,
//! `OUT/<stack>-<env>.md` and `OUT/<stack>-<env>.svg`.

use std::path::Path;

use stackc_core::emit::docs;

use super::build::environments;
use super::{check::load, Status};
use crate::cli::MessageFormat;

pub fn run(format: MessageFormat, path: &Path, env: Option<&str>, out: &Path) -> Status {
    let (_, program) = match load(format, path) {
        Ok(x) => x,
        Err(s) => return s,
    };
    let stacks = match environments(&program, env) {
        Ok(s) => s,
        Err(s) => return s,
    };
    if let Err(e) = std::fs::create_dir_all(out) {
        eprintln!("error: cannot create {}: {e}", out.display());
        return Status::UserError;
    }
    for stack in stacks {
        for artifact in docs::emit(&program, stack) {
            let file = out.join(&artifact.path);
            if let Err(e) = std::fs::write(&file, &artifact.bytes) {
                eprintln!("error: cannot write {}: {e}", file.display());
                return Status::UserError;
            }
        }
        if format == MessageFormat::Human {
            eprintln!(
                "documented {} → {} and {}",
                stack.qualified_name(),
                out.join(docs::markdown_path(stack)).display(),
                out.join(docs::svg_path(stack)).display()
            );
        }
    }
    Status::Ok
}
