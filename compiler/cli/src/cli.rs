//! Command-line arguments (clap).

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// stackc compiles a KDL stack file (layers, apps, recipes, scaling) into
/// CloudFormation, a Chef cookbook bundle and node JSON.
#[derive(Debug, Parser)]
#[command(name = "stackc", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// How diagnostics are printed.
    #[arg(long, global = true, value_enum, default_value_t = MessageFormat::Human)]
    pub message_format: MessageFormat,

    #[command(subcommand)]
    pub command: Command,
}

/// Diagnostic output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MessageFormat {
    /// Rendered for a terminal, with source snippets.
    Human,
    /// One JSON object per diagnostic and line, on stdout.
    Json,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Type-check a stack file and report every problem in it.
    Check {
        /// The stack file.
        #[arg(default_value = "stack.kdl")]
        file: PathBuf,
    },
    /// Rewrite a stack file in canonical form (comments kept).
    Fmt {
        /// The stack file.
        #[arg(default_value = "stack.kdl")]
        file: PathBuf,
        /// Exit 1 and name the file when it is not in canonical form; write nothing.
        #[arg(long, conflicts_with = "stdout")]
        check: bool,
        /// Print the canonical form instead of rewriting the file.
        #[arg(long)]
        stdout: bool,
    },
    /// Explain a diagnostic code (`stackc explain unknown_node`).
    Explain {
        /// A code such as `stackc::bad_duration` or `bad_duration`; omit it to list every code.
        code: Option<String>,
    },
}
