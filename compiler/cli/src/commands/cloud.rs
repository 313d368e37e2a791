//! `stackc bootstrap`, `deploy`, `diff` and `destroy`: the CLI side of the
//! deploy crate (runtime, confirmation on the terminal, Ctrl-C).

use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;

use stackc_core::emit::Format;
use stackc_deploy::aws::Aws;
use stackc_deploy::deploy::{self, Artifacts, DeployError, Options, Outcome, Ui};

use super::build::{build_to_dir, environments};
use super::{check::load, Status};
use crate::cli::MessageFormat;
use crate::output;

/// Where to connect.
pub struct Target<'a> {
    /// Region override.
    pub region: Option<&'a str>,
    /// Named profile.
    pub profile: Option<&'a str>,
}

fn confirm(question: &str) -> Option<bool> {
    if !std::io::stdin().is_terminal() {
        return None;
    }
    eprint!("{question} [y/N] ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer).ok()?;
    Some(matches!(answer.trim(), "y" | "Y" | "yes" | "YES"))
}

/// The async runtime the AWS commands run on.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime starts")
}

/// Runs a flow; Ctrl-C stops stackc but never the stack operation.
fn run_flow<F>(what: &str, stack: &str, flow: F) -> Status
where
    F: std::future::Future<Output = Result<Outcome, DeployError>>,
{
    let rt = runtime();
    let result = rt.block_on(async {
        tokio::select! {
            r = flow => Some(r),
            _ = tokio::signal::ctrl_c() => None,
        }
    });
    match result {
        None => {
            eprintln!(
                "\ninterrupted: stackc stopped watching, but CloudFormation carries on with {what} of {stack}; follow it with `stackc status` or in the CloudFormation console"
            );
            Status::Interrupted
        }
        Some(Ok(_)) => Status::Ok,
        Some(Err(e)) => {
            eprintln!("error: {e}");
            Status::UserError
        }
    }
}

fn region_from_env() -> Option<String> {
    ["AWS_REGION", "AWS_DEFAULT_REGION"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
}

pub fn bootstrap(target: &Target, yes: bool) -> Status {
    let Some(region) = target.region.map(str::to_string).or_else(region_from_env) else {
        eprintln!("error: which region? pass --region (or set AWS_REGION)");
        return Status::Usage;
    };
    let opts = Options {
        yes,
        ..Options::default()
    };
    run_flow("the bootstrap", deploy::BOOTSTRAP_STACK, async {
        let aws = Aws::connect(&region, target.profile).await;
        let mut err = std::io::stderr();
        let mut ask = confirm;
        let mut ui = Ui {
            out: &mut err,
            confirm: &mut ask,
            progress: std::io::stderr().is_terminal(),
        };
        deploy::bootstrap(&aws, &mut ui, &opts, &region).await
    })
}

/// What to do with an environment's artifacts.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Upload, change set, execute.
    Deploy,
    /// The plan only.
    Diff,
    /// Delete the stack.
    Destroy,
}

#[allow(clippy::too_many_arguments)]
pub fn run(
    format: MessageFormat,
    path: &Path,
    env: Option<&str>,
    out: &Path,
    target: &Target,
    action: Action,
    yes: bool,
    converge: bool,
) -> Status {
    let (file, program) = match load(format, path) {
        Ok(x) => x,
        Err(status) => return status,
    };
    let stack = match environments(&program, Some(env.unwrap_or("production"))) {
        Ok(s) => s[0],
        Err(status) => return status,
    };
    let region = target.region.unwrap_or(&stack.region).to_string();
    let opts = Options {
        yes,
        converge,
        ..Options::default()
    };
    let stack_name = stack.qualified_name();
    if action == Action::Destroy {
        return run_flow("the deletion", &stack_name, async {
            let aws = Aws::connect(&region, target.profile).await;
            let mut err = std::io::stderr();
            let mut ask = confirm;
            let mut ui = Ui {
                out: &mut err,
                confirm: &mut ask,
                progress: std::io::stderr().is_terminal(),
            };
            deploy::destroy(&aws, &mut ui, &opts, &stack_name).await
        });
    }
    let dir = match build_to_dir(format, &file.name(), &file.text, stack, Format::Json, out) {
        Ok(b) => b.dir,
        Err(status) => return status,
    };
    let mut artifacts = match Artifacts::load(&dir) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("error: {e}");
            return Status::UserError;
        }
    };
    // The instances boot only from images the lock file pins, and install
    // only the Cinc packages it pins.
    let lock_path = stackc_core::lock::path_for(path);
    let (lock_text, pins) = match super::lock::read(format, &lock_path) {
        Ok(Some((text, lock))) => (Some(text), lock),
        Ok(None) => (None, Default::default()),
        Err(status) => return status,
    };
    if let Err(missing) = artifacts.pin(&pins, &region) {
        let mut diags = super::lock::not_locked(
            path,
            &lock_path,
            lock_text.is_some(),
            &stack.env,
            &region,
            target.region.filter(|r| *r != stack.region),
            &missing.images,
        );
        diags.extend(super::lock::cinc_not_locked(
            path,
            &lock_path,
            lock_text.is_some(),
            &stack.env,
            &missing.cinc,
        ));
        output::print(
            format,
            &diags,
            &lock_path.display().to_string(),
            lock_text.as_deref().unwrap_or(""),
        );
        return Status::UserError;
    }
    let what = if action == Action::Deploy {
        "the deployment"
    } else {
        "the plan"
    };
    run_flow(what, &stack_name, async {
        let aws = Aws::connect(&region, target.profile).await;
        let mut err = std::io::stderr();
        let mut ask = confirm;
        let mut ui = Ui {
            out: &mut err,
            confirm: &mut ask,
            progress: std::io::stderr().is_terminal(),
        };
        match action {
            Action::Diff => deploy::diff(&aws, &mut ui, &opts, &artifacts).await,
            _ => deploy::deploy(&aws, &mut ui, &opts, &artifacts).await,
        }
    })
}
