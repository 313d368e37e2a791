//! The commands that talk to AWS, in a stackc built without the `aws`
//! feature (`--no-default-features`: the compiler alone, which builds in a
//! few minutes): each says how to get them.

use super::{envdiff, Status};
use crate::cli::{Command, MessageFormat};

/// Nothing to set: no AWS call is made.
pub fn set_verbose(_: bool) {}

/// Refuses an AWS command (usage error), saying how to build a stackc that
/// has it; `diff --against`, offline, runs.
pub fn run(format: MessageFormat, command: Command) -> Status {
    let name = match command {
        Command::Diff {
            file,
            env,
            against: Some(against),
            ..
        } => return envdiff::run(format, &file, env.as_deref(), &against),
        Command::Lock { .. } => "lock",
        Command::Bootstrap { .. } => "bootstrap",
        Command::Deploy { .. } => "deploy",
        Command::Diff { .. } => "diff",
        Command::Destroy { .. } => "destroy",
        Command::Status { .. } => "status",
        Command::Run { .. } => "run",
        Command::Logs { .. } => "logs",
        Command::Watch { .. } => "watch",
        Command::Drift { .. } => "drift",
        _ => "this command",
    };
    eprintln!(
        "error: `stackc {name}` talks to AWS, and this stackc was built without it (cargo's --no-default-features)\nhelp: build the whole stackc: `cargo install --locked --path compiler/cli` (or `cargo run --release -p stackc -- {name} ...`)"
    );
    Status::Usage
}
