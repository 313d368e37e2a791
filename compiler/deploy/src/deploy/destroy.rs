//! `stackc destroy`: the stack deleted under its lock, and what is kept.

use std::future::Future;

use super::cleanup::Run;
use super::events::seen_events;
use super::{follow, locked, DeployError, Operation, Options, Outcome, Ui};
use crate::cloud::{Cloud, CloudError, StackStatus};

/// What `stackc destroy` leaves behind (the template retains them).
pub fn kept_by_destroy(stack: &str) -> String {
    format!(
        "the log groups under /stackc/{stack}/ (`stackc logs` still reads them), the KMS key that encrypts them, the access-log bucket if the stack had load balancers, and the artifact bucket"
    )
}

/// `stackc destroy` under the stack's lock, until `interrupt` fires: asks,
/// deletes the stack, follows until it is gone. The log groups, the key,
/// the access-log bucket and the artifact bucket are kept.
pub async fn destroy<C: Cloud>(
    cloud: &C,
    ui: &mut Ui<'_>,
    opts: &Options,
    stack: &str,
    region: &str,
    interrupt: impl Future<Output = ()>,
) -> Result<Outcome, DeployError> {
    locked(
        cloud,
        ui,
        opts,
        Operation::Destroy { stack, region },
        interrupt,
    )
    .await
}

/// A stack `REVIEW_IN_PROGRESS` (empty: it holds the lock, so no stackc
/// deploy is creating it) is deleted too.
pub(super) async fn destroy_flow<C: Cloud>(
    cloud: &C,
    ui: &mut Ui<'_>,
    opts: &Options,
    stack: &str,
    run: &Run,
) -> Result<Outcome, DeployError> {
    let Some(info) = cloud.describe_stack(stack).await? else {
        ui.say(&format!("{stack} does not exist; nothing to destroy"));
        return Ok(Outcome::Destroyed);
    };
    if info.in_progress() && info.status != StackStatus::ReviewInProgress {
        return Err(CloudError::InProgress(format!("{stack} is {}", info.status)).into());
    }
    if !opts.yes {
        match (ui.confirm)(&format!(
            "Delete {stack} and every resource in it? Kept: {}.",
            kept_by_destroy(stack)
        ))
        .await
        {
            Some(true) => {}
            Some(false) => {
                ui.say("nothing deleted");
                return Ok(Outcome::Declined);
            }
            None => return Err(DeployError::NeedsConfirmation),
        }
    }
    let seen = seen_events(cloud, stack).await;
    run.executing.set(Some("the deletion"));
    cloud.delete_stack(stack).await?;
    let status = follow(cloud, ui, opts, stack, seen, 0).await?;
    if status == StackStatus::DeleteComplete {
        ui.say(&format!(
            "{stack} deleted; kept: {}",
            kept_by_destroy(stack)
        ));
        Ok(Outcome::Destroyed)
    } else {
        Err(DeployError::Failed { status })
    }
}
