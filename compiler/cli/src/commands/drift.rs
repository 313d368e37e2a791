//! `stackc drift`: what differs between the stack file and what runs. The
//! environment is found as `status` finds it (the stack file, or
//! `--stack`); with `targets`, each stack instance is checked where it
//! runs (`super::across`). The flows are in `stackc_deploy::drift`. Exit 3
//! when something drifted.

use std::io::Write;
use std::time::Duration;

use stackc_core::emit::operations::Operations;
use stackc_deploy::aws::Aws;
use stackc_deploy::cloud::StackInfo;
use stackc_deploy::drift::{self, Pins, Polling, Report};

use super::cloud::Target;
use super::fleet::{fail_to, operated, resolve, Resolved, Which};
use super::Status;
use crate::cli::MessageFormat;

/// How often a drift detection is asked how it stands.
const POLL: Duration = Duration::from_secs(5);

/// `stackc drift`.
pub fn run(
    format: MessageFormat,
    which: &Which<'_>,
    timeout: &str,
    reach: &super::across::Reach<'_>,
    target: &Target,
) -> Status {
    let Ok(timeout) = stackc_core::units::duration_secs(timeout) else {
        eprintln!("error: `{timeout}` is not a duration; write e.g. --timeout 30s, 10m or 1h");
        return Status::Usage;
    };
    let resolved = match resolve(format, which, target) {
        Ok(r) => r,
        Err(s) => return s,
    };
    let polling = Polling {
        every: POLL,
        timeout: Duration::from_secs(timeout),
    };
    // A StackSet's instances are stacks in other accounts.
    if let Some(targets) = resolved.stack().and_then(|s| s.targets.clone()) {
        return super::across::drift(format, resolved, &targets, polling, reach, target);
    }
    if let Err(status) = super::across::no_targets(&resolved, reach) {
        return status;
    }
    super::cloud::runtime().block_on(async {
        tokio::select! {
            status = check(format, &resolved, polling, target) => status,
            _ = tokio::signal::ctrl_c() => {
                eprintln!("\ninterrupted: nothing was changed (drift detection only reads)");
                Status::Interrupted
            }
        }
    })
}

async fn check(
    format: MessageFormat,
    resolved: &Resolved,
    polling: Polling,
    target: &Target<'_>,
) -> Status {
    let aws = Aws::connect(&resolved.region, target.profile).await;
    let (info, ops) = match operated(&aws, resolved).await {
        Ok(x) => x,
        Err(s) => return s,
    };
    check_on(
        format,
        resolved,
        &aws,
        (&info, &ops),
        polling,
        None,
        &mut std::io::stderr(),
    )
    .await
}

/// The drift of one deployment, `(info, ops)` as it was deployed, on
/// `aws`; with `label` (a StackSet's instance, `ACCOUNT/REGION`) every
/// line of the report starts with it and its JSON has a `target`. Errors
/// are said on `err`.
pub(super) async fn check_on(
    format: MessageFormat,
    resolved: &Resolved,
    aws: &Aws,
    (info, ops): (&StackInfo, &Operations),
    polling: Polling,
    label: Option<&str>,
    err: &mut dyn Write,
) -> Status {
    let pins = match pins(format, resolved, info) {
        Ok(p) => p,
        Err(s) => return s,
    };
    let _ = writeln!(
        err,
        "checking {} for drift (CloudFormation's drift detection takes a minute or more)",
        resolved.name
    );
    let resources = match drift::resources(aws, ops, resolved.lookup(), polling).await {
        Ok(r) => r,
        Err(e) => return fail_to(err, e),
    };
    let fleet = match drift::fleet(aws, ops, &pins).await {
        Ok(f) => f,
        Err(e) => return fail_to(err, e),
    };
    let report = Report {
        stack: resolved.name.clone(),
        resources,
        fleet,
    };
    let text = match (format, label) {
        (MessageFormat::Json, None) => format!("{}\n", report.to_json()),
        (MessageFormat::Json, Some(t)) => {
            let mut value = report.to_json();
            value["target"] = serde_json::json!(t);
            format!("{value}\n")
        }
        (MessageFormat::Human, None) => report.render(),
        (MessageFormat::Human, Some(t)) => report
            .render()
            .lines()
            .map(|l| format!("{t}: {l}\n"))
            .collect(),
    };
    crate::output::stdout(&text);
    let failures = report.resources.failures();
    for (stack, reason) in &failures {
        let _ = writeln!(
            err,
            "error: CloudFormation's drift detection of {stack} failed: {reason}\nhelp: the resources it could check are reported above; rerun `stackc drift` once the cause is fixed"
        );
    }
    if !failures.is_empty() {
        Status::UserError
    } else if report.drifted() {
        Status::Drifted
    } else {
        Status::Ok
    }
}

/// The images the instances should run: those the lock file beside the
/// stack file pins for each group, or, with `--stack` or without a lock
/// file, those the deployed stack was given.
fn pins(format: MessageFormat, resolved: &Resolved, info: &StackInfo) -> Result<Pins, Status> {
    let deployed = Pins::deployed(&info.parameters);
    let (Some((source, _, _)), Some(stack)) = (&resolved.file, resolved.stack()) else {
        return Ok(deployed);
    };
    let lock_path = stackc_core::lock::path_for(&source.path);
    let Some((_, lock)) = super::lock::read(format, &lock_path)? else {
        eprintln!(
            "note: there is no lock file {}: the instances' images are compared with {}",
            lock_path.display(),
            deployed.source
        );
        return Ok(deployed);
    };
    let mut by_group = Vec::new();
    for need in stackc_core::lock::needs(stack) {
        if let Some(id) = lock.get(&resolved.region, &need.os, need.arch) {
            by_group.extend(need.groups.into_iter().map(|g| (g.group, id.to_string())));
        }
    }
    Ok(Pins {
        by_group,
        any_of: deployed.any_of,
        source: format!("the images {} pins", lock_path.display()),
    })
}
