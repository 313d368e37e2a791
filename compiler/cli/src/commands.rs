//! The commands, each in its own module, and their shared plumbing.

mod build;
mod check;
mod cloud;
mod docs;
mod envdiff;
mod explain;
mod fleet;
mod fmt;
mod import;
mod init;
mod lock;
mod node_json;

use std::path::{Path, PathBuf};

use stackc_core::diag::{Code, Diagnostic, Span};

use crate::cli::{Cli, Command, CustomJson, ImportSource, MessageFormat, RunCommand};
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
    /// Ctrl-C.
    Interrupted = 130,
}

/// Runs the command.
pub fn run(cli: Cli) -> Status {
    let format = cli.message_format;
    output::set_color(cli.color);
    stackc_deploy::cloud::set_verbose(cli.verbose);
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
        Command::Lock {
            file,
            env,
            update,
            aws,
        } => lock::run(format, &file, env.as_deref(), update, &aws.target()),
        Command::Bootstrap { file, aws, yes } => {
            cloud::bootstrap(format, &file, &aws.target(), yes)
        }
        Command::Deploy {
            file,
            env,
            out,
            aws,
            yes,
            no_converge,
            force_unlock,
        } => cloud::run(
            format,
            &file,
            env.as_deref(),
            &out,
            &aws.target(),
            cloud::Action::Deploy,
            cloud::flags(yes, !no_converge, force_unlock),
        ),
        Command::Diff {
            file,
            env,
            against: Some(against),
            ..
        } => envdiff::run(format, &file, env.as_deref(), &against),
        Command::Diff {
            file,
            env,
            against: None,
            out,
            aws,
            force_unlock,
        } => cloud::run(
            format,
            &file,
            env.as_deref(),
            &out,
            &aws.target(),
            cloud::Action::Diff,
            cloud::flags(true, false, force_unlock),
        ),
        Command::Destroy {
            file,
            env,
            aws,
            yes,
            force_unlock,
        } => cloud::run(
            format,
            &file,
            env.as_deref(),
            Path::new("out"),
            &aws.target(),
            cloud::Action::Destroy,
            cloud::flags(yes, false, force_unlock),
        ),
        Command::Status {
            file,
            env,
            stack,
            aws,
        } => fleet::status(
            format,
            &fleet::Which {
                file: &file,
                env: env.as_deref(),
                stack: stack.as_deref(),
            },
            &aws.target(),
        ),
        Command::Run { what } => run_command(format, what),
        Command::Logs {
            file,
            env,
            stack,
            layer,
            since,
            follow,
            aws,
        } => fleet::logs(
            format,
            &fleet::Which {
                file: &file,
                env: env.as_deref(),
                stack: stack.as_deref(),
            },
            layer.as_deref(),
            &since,
            follow,
            &aws.target(),
        ),
        Command::Build {
            file,
            env,
            out,
            format: template_format,
        } => build::run(format, &file, env.as_deref(), &out, template_format.into()),
        Command::Docs { file, env, out } => docs::run(format, &file, env.as_deref(), &out),
    }
}

/// `stackc run ...`: the event the agent runs and what goes with it.
fn run_command(format: MessageFormat, what: RunCommand) -> Status {
    let none = CustomJson { custom_json: None };
    let (event, on, app, deployment, migrate, recipes) = match what {
        RunCommand::Setup { on, deployment } => ("setup", on, None, deployment, false, None),
        RunCommand::Configure { on, deployment } => {
            ("configure", on, None, deployment, false, None)
        }
        RunCommand::Deploy {
            on,
            app,
            deployment,
            migrate,
        } => ("deploy", on, app, deployment, migrate, None),
        RunCommand::Undeploy {
            on,
            app,
            deployment,
        } => ("undeploy", on, app, deployment, false, None),
        RunCommand::Rollback {
            on,
            app,
            deployment,
        } => ("rollback", on, app, deployment, false, None),
        RunCommand::Recipes {
            recipes,
            on,
            deployment,
        } => (
            "execute_recipes",
            on,
            None,
            deployment,
            false,
            Some(recipes),
        ),
        RunCommand::UpdateCookbooks { on } => ("update_cookbooks", on, None, none, false, None),
    };
    fleet::run(
        format,
        &fleet::Request {
            event,
            recipes: recipes.as_deref(),
            which: fleet::Which {
                file: &on.file,
                env: on.env.as_deref(),
                stack: on.stack.as_deref(),
            },
            layer: on.layer.as_deref(),
            app: app.as_deref(),
            custom_json: deployment.custom_json.as_deref(),
            migrate,
        },
        &on.aws.target(),
    )
}

impl crate::cli::Aws {
    /// The target as the commands take it.
    fn target(&self) -> cloud::Target<'_> {
        cloud::Target {
            region: self.region.as_deref(),
            profile: self.profile.as_deref(),
        }
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
