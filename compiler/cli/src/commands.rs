//! The commands, each in its own module, and their shared plumbing.

#[cfg(feature = "aws")]
mod across;
mod build;
mod check;
#[cfg(feature = "aws")]
mod cloud;
mod docs;
#[cfg(feature = "aws")]
mod drift;
mod envdiff;
mod explain;
#[cfg(feature = "aws")]
mod fleet;
mod fmt;
mod import;
mod init;
#[cfg(feature = "aws")]
mod lock;
#[cfg(feature = "aws")]
mod logs;
mod lsp;
mod node_json;
#[cfg(feature = "aws")]
mod online;
#[cfg(not(feature = "aws"))]
#[path = "commands/offline.rs"]
mod online;
#[cfg(feature = "aws")]
mod targets;
#[cfg(feature = "aws")]
mod watch;

use std::path::{Path, PathBuf};

use stackc_core::diag::{Code, Diagnostic, Span};

use crate::cli::{Cli, Command, ImportSource, MessageFormat};
use crate::output;

/// Prints the manual page of stackc, or of `command` (stackc-COMMAND(1)),
/// generated from the command line's definition.
fn man(command: Option<&str>) -> Status {
    let cli = <Cli as clap::CommandFactory>::command();
    let page = match command {
        None => cli,
        Some(name) => {
            let Some(sub) = cli.find_subcommand(name).cloned() else {
                let names: Vec<&str> = cli.get_subcommands().map(|c| c.get_name()).collect();
                eprintln!(
                    "error: stackc has no command `{name}`; commands: {}",
                    names.join(", ")
                );
                return Status::Usage;
            };
            // Titled stackc-COMMAND, its synopsis as it is typed.
            sub.name(format!("stackc-{name}"))
                .bin_name(format!("stackc {name}"))
                .version(env!("CARGO_PKG_VERSION"))
        }
    };
    let mut out = Vec::new();
    if let Err(e) = clap_mangen::Man::new(page).render(&mut out) {
        eprintln!("error: cannot render the manual page: {e}");
        return Status::UserError;
    }
    use std::io::Write as _;
    match std::io::stdout().write_all(&out) {
        Ok(()) => Status::Ok,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Status::Ok,
        Err(e) => {
            eprintln!("error: cannot write the manual page: {e}");
            Status::UserError
        }
    }
}

/// Process exit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Success.
    Ok = 0,
    /// The user's input has errors (diagnostics printed).
    UserError = 1,
    /// The command line is wrong.
    Usage = 2,
    /// `stackc drift` found something that differs from the stack file.
    #[cfg_attr(not(feature = "aws"), allow(dead_code))]
    Drifted = 3,
    /// Ctrl-C (during an AWS command).
    #[cfg_attr(not(feature = "aws"), allow(dead_code))]
    Interrupted = 130,
}

/// Runs the command.
pub fn run(cli: Cli) -> Status {
    let format = cli.message_format;
    output::set_color(cli.color);
    online::set_verbose(cli.verbose);
    match cli.command {
        Command::Init {
            dir,
            kind,
            name,
            region,
        } => init::run(&dir, kind, name.as_deref(), &region),
        Command::Check { file } => check::run(format, &file),
        Command::Fmt {
            file,
            check,
            stdout,
        } => {
            let mode = match (check, stdout) {
                (true, _) => fmt::Mode::Check,
                (_, true) => fmt::Mode::Stdout,
                _ => fmt::Mode::Write,
            };
            fmt::run(format, &file, mode)
        }
        Command::Explain { code } => explain::run(code.as_deref()),
        Command::Lsp => lsp::run(),
        Command::Completions { shell } => {
            let mut cli = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut cli, "stackc", &mut std::io::stdout());
            Status::Ok
        }
        Command::Man { command } => man(command.as_deref()),
        Command::Import {
            from: ImportSource::Opsworks { dir },
        } => import::opsworks(format, &dir),
        Command::NodeJson {
            file,
            layer,
            event,
            env,
            instances,
            secrets,
            data_bags,
        } => node_json::run(
            format,
            &file,
            &layer,
            &event,
            env.as_deref(),
            instances.as_deref(),
            secrets.as_deref(),
            data_bags.as_deref(),
        ),
        Command::Diff {
            file,
            env,
            against: Some(against),
            ..
        } => envdiff::run(format, &file, env.as_deref(), &against),
        aws @ (Command::Lock { .. }
        | Command::Bootstrap { .. }
        | Command::Deploy { .. }
        | Command::Diff { .. }
        | Command::Destroy { .. }
        | Command::Status { .. }
        | Command::Run { .. }
        | Command::Logs { .. }
        | Command::Drift { .. }
        | Command::Watch { .. }) => online::run(format, aws),
        Command::Build {
            file,
            env,
            out,
            format: template_format,
            nodes,
        } => build::run(
            format,
            &file,
            env.as_deref(),
            &out,
            template_format.into(),
            nodes,
        ),
        Command::Docs { file, env, out } => docs::run(format, &file, env.as_deref(), &out),
    }
}

/// A stack file read from disk.
pub struct SourceFile {
    /// Path as given.
    pub path: PathBuf,
    /// Its text (lossy when it is not UTF-8, for rendering).
    pub text: String,
    /// Its bytes when they are not UTF-8; otherwise they are `text`'s, held
    /// once.
    not_utf8: Option<Vec<u8>>,
}

impl SourceFile {
    /// Its bytes.
    pub fn bytes(&self) -> &[u8] {
        self.not_utf8.as_deref().unwrap_or(self.text.as_bytes())
    }

    /// Display name.
    pub fn name(&self) -> String {
        self.path.display().to_string()
    }

    /// Directory relative paths in the file resolve against.
    pub fn base_dir(&self) -> PathBuf {
        match self.path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        }
    }
}

/// Reads a stack file, printing a `read_failed` diagnostic when it cannot.
pub fn read(format: MessageFormat, path: &Path) -> Option<SourceFile> {
    match std::fs::read(path) {
        Ok(bytes) => Some(match String::from_utf8(bytes) {
            Ok(text) => SourceFile {
                path: path.to_path_buf(),
                text,
                not_utf8: None,
            },
            Err(e) => {
                let bytes = e.into_bytes();
                SourceFile {
                    path: path.to_path_buf(),
                    text: String::from_utf8_lossy(&bytes).into_owned(),
                    not_utf8: Some(bytes),
                }
            }
        }),
        Err(e) => {
            let help = if path == Path::new("stack.kdl") {
                "run stackc in the directory that holds stack.kdl, or name the file: `stackc check path/to/stack.kdl`"
            } else {
                "check the path"
            };
            let d = Diagnostic::error(
                Code::ReadFailed,
                Span::new(0, 0),
                format!("cannot read {}: {e}", path.display()),
            )
            .help(help);
            output::print(format, &[d], &path.display().to_string(), "");
            None
        }
    }
}
