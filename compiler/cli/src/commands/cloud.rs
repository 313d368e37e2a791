//! `stackc bootstrap`, `deploy`, `diff` and `destroy`: the CLI side of the
//! deploy crate (runtime, confirmation on the terminal, Ctrl-C).

use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;

use stackc_core::emit::Format;
use stackc_deploy::aws::Aws;
use stackc_deploy::deploy::{self, Answer, Artifacts, DeployError, Options, Outcome, Ui};
use stackc_deploy::lock::Holder;
use stackc_deploy::stackset;

use super::build::{build_to_dir, environments};
use super::{check::load, SourceFile, Status};
use crate::cli::MessageFormat;
use crate::output;
use stackc_core::ir::Stack;

/// Where to connect.
pub struct Target<'a> {
    /// Region override.
    pub region: Option<&'a str>,
    /// Named profile.
    pub profile: Option<&'a str>,
}

/// Asks on the terminal. The line is read on a thread of its own, so the
/// flow awaiting the answer can be stopped by Ctrl-C meanwhile.
pub(super) fn confirm(question: &str) -> Answer {
    if !std::io::stdin().is_terminal() {
        return deploy::answer(None);
    }
    eprint!("{question} [y/N] ");
    let _ = std::io::stderr().flush();
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        let mut answer = String::new();
        let yes = std::io::stdin()
            .lock()
            .read_line(&mut answer)
            .ok()
            .map(|_| matches!(answer.trim(), "y" | "Y" | "yes" | "YES"));
        let _ = tx.send(yes);
    });
    Box::pin(async move { rx.await.ok().flatten() })
}

/// Fires on Ctrl-C.
pub(super) async fn ctrl_c() {
    if tokio::signal::ctrl_c().await.is_err() {
        // No signal handler: never fires.
        std::future::pending::<()>().await;
    }
}

/// The settings of deploy, diff and destroy from their flags.
pub fn flags(yes: bool, converge: bool, force_unlock: bool) -> Options {
    Options {
        yes,
        converge,
        force_unlock,
        ..Options::default()
    }
}

/// The async runtime the AWS commands run on.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime starts")
}

/// Runs the bootstrap; Ctrl-C stops stackc but never the stack operation.
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
        Some(result) => status_of(result),
    }
}

/// The exit status of a flow, its error printed: Ctrl-C exits 130, having
/// said what it cleaned up and what is left.
pub(super) fn status_of(result: Result<Outcome, DeployError>) -> Status {
    match result {
        Ok(_) => Status::Ok,
        Err(e @ DeployError::Interrupted(_)) => {
            eprintln!("\n{e}");
            Status::Interrupted
        }
        Err(e) => {
            eprintln!("error: {e}");
            Status::UserError
        }
    }
}

/// The region AWS_REGION or AWS_DEFAULT_REGION names, when set.
pub(super) fn region_from_env() -> Option<String> {
    ["AWS_REGION", "AWS_DEFAULT_REGION"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
}

/// `stackc bootstrap`: the region is --region, else the stack file's (when
/// the file exists; a file named on the command line must), else
/// AWS_REGION or AWS_DEFAULT_REGION.
pub fn bootstrap(
    format: MessageFormat,
    path: &Path,
    target: &Target,
    yes: bool,
    organization: Option<&str>,
) -> Status {
    // The file is read when it exists, or when it is named and no
    // --region says where else to bootstrap.
    let skip = !path.exists() && (target.region.is_some() || path == Path::new("stack.kdl"));
    let program = if skip {
        None
    } else {
        match load(format, path) {
            Ok((_, program)) => Some(program),
            Err(status) => return status,
        }
    };
    let from_file = program
        .as_ref()
        .and_then(|p| p.environments.first().map(|s| s.region.clone()));
    let region = target
        .region
        .map(str::to_string)
        .or(from_file)
        .or_else(region_from_env);
    let Some(region) = region else {
        eprintln!("error: which region? run stackc bootstrap beside a stack.kdl, name the stack file, or pass --region (or set AWS_REGION)");
        return Status::Usage;
    };
    // Environments with targets: a bucket per target region their
    // accounts may read (see stackc_deploy::stackset::buckets).
    let mut regional: Vec<(String, String, String)> = Vec::new();
    for stack in program.iter().flat_map(|p| &p.environments) {
        let Some(targets) = &stack.targets else {
            continue;
        };
        let readers = match targets.permission_model {
            stackc_core::ir::PermissionModel::SelfManaged => stackset::Readers::Accounts(
                targets
                    .targets
                    .iter()
                    .map(|t| t.target.id().to_string())
                    .collect(),
            ),
            stackc_core::ir::PermissionModel::ServiceManaged => match organization {
                Some(o) if o.starts_with("o-") => stackset::Readers::Organization(o.to_string()),
                _ => {
                    eprintln!(
                        "error: environment `{}` targets organizational units: its artifact buckets are read by the accounts of your organization, which bootstrap must name\nhelp: pass --organization-id o-... (`aws organizations describe-organization --query Organization.Id`)",
                        stack.env
                    );
                    return Status::Usage;
                }
            },
        };
        let name = stack.qualified_name();
        let template = stackset::regional_bucket_template(&name, &readers);
        for r in targets.regions() {
            regional.push((
                r.to_string(),
                stackset::regional_bucket_stack(&name),
                template.clone(),
            ));
        }
    }
    let opts = Options {
        yes,
        ..Options::default()
    };
    run_flow("the bootstrap", deploy::BOOTSTRAP_STACK, async {
        let aws = Aws::connect(&region, target.profile).await;
        let (mut err, mut out) = (std::io::stderr(), std::io::stdout());
        let mut ask = confirm;
        let mut ui = terminal_ui(format, &mut err, &mut out, &mut ask);
        let outcome = deploy::bootstrap(&aws, &mut ui, &opts, &region).await?;
        for (r, stack, template) in regional {
            let aws = Aws::connect(&r, target.profile).await;
            ui_say(
                &mut ui,
                &format!("{stack} in {r}: the artifact bucket its targets read"),
            );
            deploy::bootstrap_regional(&aws, &mut ui, &opts, &stack, template).await?;
        }
        Ok(outcome)
    })
}

/// Says a line on the Ui's output.
fn ui_say(ui: &mut Ui<'_>, text: &str) {
    let _ = writeln!(ui.out, "{text}");
}

/// The Ui of a command run from a terminal: messages and questions on
/// stderr, the plan as JSON on stdout with `--message-format json`.
pub(super) fn terminal_ui<'a>(
    format: MessageFormat,
    err: &'a mut std::io::Stderr,
    out: &'a mut std::io::Stdout,
    ask: &'a mut dyn FnMut(&str) -> Answer,
) -> Ui<'a> {
    let json: Option<&'a mut dyn Write> = match format {
        MessageFormat::Json => Some(out),
        MessageFormat::Human => None,
    };
    Ui {
        out: err,
        confirm: ask,
        progress: std::io::stderr().is_terminal(),
        color: output::color_stderr(),
        json,
    }
}

/// An environment with targets: `--target` and how operations spread.
pub struct Targeting<'a> {
    /// `--target ACCOUNT/REGION`.
    pub only: Option<&'a str>,
    /// `--max-concurrent`, `--failure-tolerance`.
    pub prefs: stackset::Prefs,
}

impl<'a> Targeting<'a> {
    /// From the command line.
    pub fn new(only: Option<&'a str>, spread: crate::cli::Spread) -> Targeting<'a> {
        Targeting {
            only,
            prefs: stackset::Prefs {
                max_concurrent: spread.max_concurrent,
                failure_tolerance: spread.failure_tolerance,
            },
        }
    }
}

/// What to do with an environment's artifacts.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Action<'a> {
    /// Upload, change set, execute; with a saved plan, that plan's change
    /// set.
    Deploy {
        /// The plan `diff --out` saved.
        plan: Option<&'a Path>,
    },
    /// The plan only; with a file, saved there, its change set kept.
    Diff {
        /// Where to save the plan.
        save: Option<&'a Path>,
    },
    /// Delete the stack.
    Destroy,
}

/// `stackc deploy`, `diff` or `destroy` of one environment, holding its
/// lock: the local one (a lock file in `out/`, held while the environment
/// is built, uploaded and changed, so that two runs from one checkout
/// neither build over each other nor both change the stack) and the one in
/// the artifact bucket (see [`stackc_deploy::lock`]).
#[allow(clippy::too_many_arguments)]
pub fn run(
    format: MessageFormat,
    path: &Path,
    env: Option<&str>,
    out: &Path,
    target: &Target,
    action: Action<'_>,
    opts: Options,
    targeting: &Targeting<'_>,
) -> Status {
    let saved = match action {
        Action::Deploy { plan: Some(p) } => match read_plan(p) {
            Ok(plan) => Some(plan),
            Err(status) => return status,
        },
        _ => None,
    };
    let (file, program) = match load(format, path) {
        Ok(x) => x,
        Err(status) => return status,
    };
    let stack = match environments(&program, Some(env.unwrap_or("production"))) {
        Ok(s) => s[0],
        Err(status) => return status,
    };
    let region = target.region.unwrap_or(&stack.region).to_string();
    let stack_name = stack.qualified_name();
    let operation = match action {
        Action::Deploy { .. } => "deploy",
        Action::Diff { .. } => "diff",
        Action::Destroy => "destroy",
    };
    // Several accounts and regions: one StackSet.
    if stack.targets.is_some() {
        return super::targets::run(
            format,
            path,
            (&file, stack),
            out,
            target,
            action,
            opts,
            targeting,
        );
    }
    if targeting.only.is_some() {
        eprintln!(
            "error: --target names one of an environment's `targets`; environment `{}` has none (it is one stack in {})",
            stack.env, stack.region
        );
        return Status::Usage;
    }
    let _local = match LocalLock::take(out, &Holder::here(&stack_name, operation)) {
        Ok(l) => l,
        Err(status) => return status,
    };
    if let Action::Destroy = action {
        return status_of(run_locked(
            format,
            &region,
            target,
            async |aws: &Aws, ui: &mut Ui<'_>| {
                deploy::destroy(aws, ui, &opts, &stack_name, &region, ctrl_c()).await
            },
        ));
    }
    let (mut artifacts, lock) = match build_with_lock(format, path, &file, stack, out) {
        Ok(x) => x,
        Err(status) => return status,
    };
    let other_region = target.region.filter(|r| *r != stack.region);
    if let Err(status) = pin(
        format,
        path,
        &lock,
        stack,
        &region,
        other_region,
        &mut artifacts,
    ) {
        return status;
    }
    let result = run_locked(
        format,
        &region,
        target,
        async |aws: &Aws, ui: &mut Ui<'_>| match (action, &saved) {
            (Action::Diff { save: None }, _) => {
                deploy::diff(aws, ui, &opts, &artifacts, ctrl_c()).await
            }
            (Action::Diff { save: Some(_) }, _) => {
                let op = deploy::Operation::SavePlan(&artifacts);
                deploy::locked(aws, ui, &opts, op, ctrl_c()).await
            }
            (_, Some(plan)) => {
                let op = deploy::Operation::ApplyPlan(&artifacts, plan);
                deploy::locked(aws, ui, &opts, op, ctrl_c()).await
            }
            _ => deploy::deploy(aws, ui, &opts, &artifacts, ctrl_c()).await,
        },
    );
    match (action, result) {
        (Action::Diff { save: Some(to) }, Ok(Outcome::Saved(plan))) => write_plan(to, &plan),
        (_, result) => status_of(result),
    }
}

/// Reads a plan `stackc diff --out` saved.
fn read_plan(path: &Path) -> Result<deploy::SavedPlan, Status> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        eprintln!("error: cannot read the plan {}: {e}", path.display());
        Status::UserError
    })?;
    serde_json::from_str(&text).map_err(|e| {
        eprintln!(
            "error: {} is not a plan stackc saved: {e}\nhelp: save one with `stackc diff --out {}`",
            path.display(),
            path.display()
        );
        Status::UserError
    })
}

/// Writes the saved plan and says how to apply it.
fn write_plan(path: &Path, plan: &deploy::SavedPlan) -> Status {
    let text = serde_json::to_string_pretty(plan).expect("a plan serializes");
    if let Err(e) = std::fs::write(path, text + "\n") {
        eprintln!(
            "error: cannot write the plan {}: {e}\nits change set {} is kept on {}; delete it with `aws cloudformation delete-change-set --change-set-name {}`",
            path.display(),
            plan.change_set,
            plan.stack,
            plan.change_set
        );
        return Status::UserError;
    }
    eprintln!(
        "saved the plan to {}: `stackc deploy --plan {}` applies exactly this change set, and refuses if the stack file, the lock file or the stack changes first",
        path.display(),
        path.display()
    );
    Status::Ok
}

/// Runs a flow that handles Ctrl-C itself (see [`deploy::locked`]).
pub(super) fn run_locked<F>(
    format: MessageFormat,
    region: &str,
    target: &Target,
    flow: F,
) -> Result<Outcome, DeployError>
where
    F: AsyncFnOnce(&Aws, &mut Ui<'_>) -> Result<Outcome, DeployError>,
{
    runtime().block_on(async {
        let aws = Aws::connect(region, target.profile).await;
        let (mut err, mut out) = (std::io::stderr(), std::io::stdout());
        let mut ask = confirm;
        let mut ui = terminal_ui(format, &mut err, &mut out, &mut ask);
        flow(&aws, &mut ui).await
    })
}

/// The lock file `out/.<stack>-<env>.lock`, held (an advisory lock the
/// system releases when the process ends, however it ends) while one
/// deploy, diff or destroy of the environment runs from this checkout; it
/// names the holder for the next one.
pub(super) struct LocalLock {
    _file: std::fs::File,
}

impl LocalLock {
    pub(super) fn take(out: &Path, me: &Holder) -> Result<LocalLock, Status> {
        let path = out.join(format!(".{}.lock", me.stack));
        let fail = |e: std::io::Error| {
            eprintln!("error: cannot take the lock {}: {e}", path.display());
            Status::UserError
        };
        std::fs::create_dir_all(out).map_err(fail)?;
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(fail)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                let held = std::fs::read_to_string(&path).unwrap_or_default();
                let holder = serde_json::from_str::<Holder>(&held)
                    .map_or_else(|_| "another stackc".to_string(), |h| h.to_string());
                eprintln!(
                    "error: {} is locked: {holder} holds {}\nhelp: wait for that run to finish (it runs from this checkout on this machine; the lock goes when it ends)",
                    me.stack,
                    path.display()
                );
                return Err(Status::UserError);
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(fail(e)),
        }
        let text = serde_json::to_string_pretty(me).expect("a holder serializes");
        file.set_len(0)
            .and_then(|()| file.write_all(text.as_bytes()))
            .map_err(fail)?;
        Ok(LocalLock { _file: file })
    }
}

/// The lock file beside a stack file: its text when there is one, and its
/// pins (none without a file).
pub(super) type LockFile = (Option<String>, stackc_core::lock::Lock);

/// Builds the environment into `out` and reads the lock file beside the
/// stack file: what deploy and diff start from, for one stack or a
/// StackSet.
pub(super) fn build_with_lock(
    format: MessageFormat,
    path: &Path,
    file: &SourceFile,
    stack: &Stack,
    out: &Path,
) -> Result<(Artifacts, LockFile), Status> {
    let dir = build_to_dir(
        format,
        &file.name(),
        &file.text,
        stack,
        Format::Json,
        out,
        false,
    )?
    .dir;
    let artifacts = Artifacts::load(&dir).map_err(|e| {
        eprintln!("error: {e}");
        Status::UserError
    })?;
    let lock_path = stackc_core::lock::path_for(path);
    let lock = match super::lock::read(format, &lock_path)? {
        Some((text, lock)) => (Some(text), lock),
        None => (None, Default::default()),
    };
    Ok((artifacts, lock))
}

/// Gives `artifacts` the images and client packages the lock file pins in
/// `region`: instances boot only from pinned images and install only pinned
/// packages. What it lacks is printed as `image_not_locked` and
/// `cinc_not_locked` (`other_region`: a `--region` other than the file's).
pub(super) fn pin(
    format: MessageFormat,
    path: &Path,
    (text, pins): &LockFile,
    stack: &Stack,
    region: &str,
    other_region: Option<&str>,
    artifacts: &mut Artifacts,
) -> Result<(), Status> {
    let Err(missing) = artifacts.pin(pins, region) else {
        return Ok(());
    };
    let lock_path = stackc_core::lock::path_for(path);
    let mut diags = super::lock::not_locked(
        path,
        &lock_path,
        text.is_some(),
        &stack.env,
        region,
        other_region,
        &missing.images,
    );
    diags.extend(super::lock::cinc_not_locked(
        path,
        &lock_path,
        text.is_some(),
        &stack.env,
        &missing.cinc,
    ));
    output::print(
        format,
        &diags,
        &lock_path.display().to_string(),
        text.as_deref().unwrap_or(""),
    );
    Err(Status::UserError)
}
