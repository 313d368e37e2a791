//! The commands that talk to AWS (built with the `aws` feature, the
//! default): lock, bootstrap, deploy, diff, destroy, status, run, logs,
//! drift and watch.

use std::path::Path;

use stackc_deploy::ops::Command as Agent;

use super::{across, cloud, drift, envdiff, fleet, lock, logs, watch, Status};
use crate::cli::{Command, CustomJson, MessageFormat, RunCommand};

/// Makes AWS errors carry the SDK's whole text (`--verbose`).
pub fn set_verbose(on: bool) {
    stackc_deploy::cloud::set_verbose(on);
}

/// Runs an AWS command.
pub fn run(format: MessageFormat, command: Command) -> Status {
    match command {
        Command::Lock {
            file,
            env,
            update,
            aws,
        } => lock::run(format, &file, env.as_deref(), update, &aws.target()),
        Command::Bootstrap {
            file,
            aws,
            yes,
            organization_id,
        } => cloud::bootstrap(
            format,
            &file,
            &aws.target(),
            yes,
            organization_id.as_deref(),
        ),
        Command::Deploy {
            file,
            env,
            build_dir,
            aws,
            yes,
            no_converge,
            plan,
            force_unlock,
            spread,
        } => cloud::run(
            format,
            &file,
            env.as_deref(),
            &build_dir,
            &aws.target(),
            cloud::Action::Deploy {
                plan: plan.as_deref(),
            },
            cloud::flags(yes, !no_converge, force_unlock),
            &cloud::Targeting::new(None, spread),
        ),
        Command::Diff {
            file,
            env,
            against: None,
            build_dir,
            out,
            aws,
            force_unlock,
            target,
        } => cloud::run(
            format,
            &file,
            env.as_deref(),
            &build_dir,
            &aws.target(),
            cloud::Action::Diff {
                save: out.as_deref(),
            },
            cloud::flags(true, false, force_unlock),
            &cloud::Targeting::new(target.as_deref(), Default::default()),
        ),
        Command::Destroy {
            file,
            env,
            aws,
            yes,
            force_unlock,
            target,
            spread,
        } => cloud::run(
            format,
            &file,
            env.as_deref(),
            Path::new("out"),
            &aws.target(),
            cloud::Action::Destroy,
            cloud::flags(yes, false, force_unlock),
            &cloud::Targeting::new(target.as_deref(), spread),
        ),
        Command::Status { on, target } => {
            fleet::status(format, &on.which(), target.as_deref(), &on.aws.target())
        }
        Command::Run { what } => run_command(format, what),
        Command::Drift {
            on,
            json,
            timeout,
            reach,
        } => {
            let format = if json { MessageFormat::Json } else { format };
            drift::run(
                format,
                &on.which(),
                &timeout,
                &reach.reach(),
                &on.aws.target(),
            )
        }
        Command::Logs {
            on,
            layer,
            since,
            follow,
            reach,
        } => logs::run(
            format,
            &on.which(),
            layer.as_deref(),
            &since,
            follow,
            &reach.reach(),
            &on.aws.target(),
        ),
        Command::Watch {
            file,
            layer,
            env,
            instance,
            recipes,
            aws,
        } => watch::run(
            format,
            &watch::Request {
                file: &file,
                env: env.as_deref(),
                layer: &layer,
                instance: instance.as_deref(),
                recipes: recipes.as_deref(),
            },
            &aws.target(),
        ),
        // `diff --against` is offline, and [`super::run`] sends no other
        // command here.
        Command::Diff {
            file,
            env,
            against: Some(against),
            ..
        } => envdiff::run(format, &file, env.as_deref(), &against),
        _ => {
            eprintln!("error: not a command that talks to AWS");
            Status::Usage
        }
    }
}

/// `stackc run ...`: the event the agent runs and what goes with it.
fn run_command(format: MessageFormat, what: RunCommand) -> Status {
    let none = CustomJson { custom_json: None };
    let (event, on, app, deployment, migrate, recipes) = match what {
        RunCommand::Setup { on, deployment } => (Agent::Setup, on, None, deployment, false, None),
        RunCommand::Configure { on, deployment } => {
            (Agent::Configure, on, None, deployment, false, None)
        }
        RunCommand::Deploy {
            on,
            app,
            deployment,
            migrate,
        } => (Agent::Deploy, on, app, deployment, migrate, None),
        RunCommand::Undeploy {
            on,
            app,
            deployment,
        } => (Agent::Undeploy, on, app, deployment, false, None),
        RunCommand::Rollback {
            on,
            app,
            deployment,
        } => (Agent::Rollback, on, app, deployment, false, None),
        RunCommand::Recipes {
            recipes,
            on,
            deployment,
        } => (
            Agent::ExecuteRecipes,
            on,
            None,
            deployment,
            false,
            Some(recipes),
        ),
        RunCommand::UpdateCookbooks { on } => (Agent::UpdateCookbooks, on, None, none, false, None),
    };
    fleet::run(
        format,
        &fleet::Request {
            event,
            recipes: recipes.as_deref(),
            which: on.on.which(),
            layer: on.layer.as_deref(),
            app: app.as_deref(),
            custom_json: deployment.custom_json.as_deref(),
            migrate,
            reach: on.reach.reach(),
        },
        &on.on.aws.target(),
    )
}

impl crate::cli::Deployed {
    /// The environment as the fleet commands take it.
    fn which(&self) -> fleet::Which<'_> {
        fleet::Which {
            file: &self.file,
            env: self.env.as_deref(),
            stack: self.stack.as_deref(),
        }
    }
}

impl crate::cli::Reach {
    /// The targets as `run` and `logs` take them.
    fn reach(&self) -> across::Reach<'_> {
        across::Reach {
            only: self.target.as_deref(),
            role_name: self.role_name.as_deref(),
        }
    }
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
