//! `stackc diff --env E --against OTHER`: what differs between two
//! environments of the stack, compiled offline.

use std::path::Path;

use super::build::environments;
use super::{check::load, Status};
use crate::cli::MessageFormat;

pub fn run(format: MessageFormat, path: &Path, env: Option<&str>, against: &str) -> Status {
    let (_, program) = match load(format, path) {
        Ok(x) => x,
        Err(s) => return s,
    };
    let other = match environments(&program, Some(env.unwrap_or("production"))) {
        Ok(s) => s[0],
        Err(s) => return s,
    };
    let base = match environments(&program, Some(against)) {
        Ok(s) => s[0],
        Err(s) => return s,
    };
    let changes = stackc_core::envdiff::compare(base, other);
    let text = match format {
        MessageFormat::Json => {
            let value = serde_json::json!({
                "stack": other.qualified_name(),
                "against": base.qualified_name(),
                "changes": changes.iter().map(|c| serde_json::json!({
                    "path": c.path, "before": c.before, "after": c.after,
                })).collect::<Vec<_>>(),
            });
            format!("{value}\n")
        }
        MessageFormat::Human => {
            let text = stackc_core::envdiff::render(base, other, &changes);
            if crate::output::color_stdout() {
                stackc_core::envdiff::paint(&text)
            } else {
                text
            }
        }
    };
    crate::output::stdout(&text);
    Status::Ok
}
