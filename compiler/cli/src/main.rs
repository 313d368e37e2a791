//! The `stackc` binary: parses arguments, runs a command, maps the outcome to
//! an exit code (0 ok, 1 user error, 2 usage error, 3 drift found).

mod cli;
mod commands;
mod output;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let status = commands::run(cli);
    ExitCode::from(status as u8)
}
