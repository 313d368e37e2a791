//! [`locked`]: a flow run under the stack's lock, released however it
//! ends, and cleaned up after when Ctrl-C stops it.

use std::cell::RefCell;
use std::future::Future;

use super::cleanup::{interrupted, Run};
use super::destroy::destroy_flow;
use super::flow::{deploy_flow, diff_flow};
use super::saved::apply_plan_flow;
use super::{artifact_bucket, Artifacts, DeployError, Options, Outcome, SavedPlan, Ui};
use crate::cloud::Cloud;
use crate::lock::{self, Holder, LockError};

/// What a flow runs on a stack under its lock.
pub enum Operation<'a> {
    /// `stackc deploy`: upload, plan, confirm, execute, follow, converge.
    Deploy(&'a Artifacts),
    /// `stackc diff`: the plan, and the change set deleted.
    Diff(&'a Artifacts),
    /// `stackc diff --out`: deploy's uploads and change set, and the plan,
    /// its change set kept.
    SavePlan(&'a Artifacts),
    /// `stackc deploy --plan`: that plan's change set executed, when it
    /// still says what a deploy would do.
    ApplyPlan(&'a Artifacts, &'a SavedPlan),
    /// `stackc destroy` of a stack in a region.
    Destroy {
        /// The stack.
        stack: &'a str,
        /// Its region.
        region: &'a str,
    },
}

impl Operation<'_> {
    fn name(&self) -> &'static str {
        match self {
            Operation::Deploy(_) | Operation::ApplyPlan(..) => "deploy",
            Operation::Diff(_) | Operation::SavePlan(_) => "diff",
            Operation::Destroy { .. } => "destroy",
        }
    }

    fn stack(&self) -> &str {
        match self {
            Operation::Deploy(a)
            | Operation::Diff(a)
            | Operation::SavePlan(a)
            | Operation::ApplyPlan(a, _) => &a.manifest.stack_name,
            Operation::Destroy { stack, .. } => stack,
        }
    }

    fn region(&self) -> &str {
        match self {
            Operation::Deploy(a)
            | Operation::Diff(a)
            | Operation::SavePlan(a)
            | Operation::ApplyPlan(a, _) => &a.manifest.region,
            Operation::Destroy { region, .. } => region,
        }
    }
}

/// Runs `op` holding the stack's lock (see [`crate::lock`]) until it ends
/// or `interrupt` fires (Ctrl-C in the CLI). The lock is released however
/// it ends. Interrupted before a change set executes, the change set is
/// deleted, and so is the empty stack this run created for it; after, the
/// stack operation carries on. Either way the error says what is left.
pub async fn locked<C: Cloud>(
    cloud: &C,
    ui: &mut Ui<'_>,
    opts: &Options,
    op: Operation<'_>,
    interrupt: impl Future<Output = ()>,
) -> Result<Outcome, DeployError> {
    let me = Holder::here(op.stack(), op.name());
    let run = Run {
        plan_only: matches!(op, Operation::Diff(_)),
        save: matches!(op, Operation::SavePlan(_)),
        ..Run::default()
    };
    let bucket: RefCell<Option<String>> = RefCell::new(None);
    let ended = {
        let flow = async {
            let b = artifact_bucket(cloud, op.region()).await?;
            *bucket.borrow_mut() = Some(b.clone());
            match lock::acquire(cloud, &b, &me, opts.force_unlock).await {
                Ok(Some(old)) => ui.say(&format!("removed the lock of {old}")),
                Ok(None) => {}
                Err(LockError::Held(holder)) => {
                    return Err(DeployError::Locked {
                        holder: Box::new(holder),
                        bucket: b,
                    })
                }
                Err(LockError::Unreadable(m)) => return Err(DeployError::BadLock(m)),
                Err(LockError::Cloud(e)) => return Err(e.into()),
            }
            match &op {
                Operation::Deploy(a) | Operation::SavePlan(a) => {
                    deploy_flow(cloud, ui, opts, a, &b, &run).await
                }
                Operation::Diff(a) => diff_flow(cloud, ui, opts, a, &b, &run).await,
                Operation::ApplyPlan(a, plan) => {
                    apply_plan_flow(cloud, ui, opts, a, &b, plan, &run).await
                }
                Operation::Destroy { stack, .. } => {
                    destroy_flow(cloud, ui, opts, stack, &run).await
                }
            }
        };
        tokio::select! {
            r = flow => Some(r),
            () = interrupt => None,
        }
    };
    let result = match ended {
        Some(r) => r,
        None => Err(DeployError::Interrupted(
            interrupted(cloud, op.stack(), &run).await,
        )),
    };
    let bucket = bucket.borrow().clone();
    if let Some(b) = bucket {
        if let Err(e) = lock::release(cloud, &b, &me).await {
            ui.say(&format!(
                "warning: the lock s3://{b}/{} could not be removed ({e}); the next deploy from another machine needs --force-unlock",
                lock::key(op.stack())
            ));
        }
    }
    result
}
