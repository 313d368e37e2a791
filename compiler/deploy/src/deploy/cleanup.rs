//! What one run of a flow has made on CloudFormation, and how it is
//! cleaned up when its change set will not run or Ctrl-C stops it.

use std::cell::{Cell, RefCell};
use std::fmt;

use super::Ui;
use crate::cloud::{ChangeSetSummary, Cloud, CloudError, StackStatus};

/// What one run of a flow is and has made on CloudFormation so far: what
/// to clean up when its change set will not run, or when Ctrl-C stops it.
#[derive(Default)]
pub(super) struct Run {
    /// Show the plan only (`stackc diff`).
    pub(super) plan_only: bool,
    /// Keep the change set as a saved plan (`stackc diff --out`).
    pub(super) save: bool,
    /// The stack existed (in any status) before this run.
    pub(super) stack_existed: Cell<bool>,
    /// The change set asked for (its name, set before the request is sent).
    pub(super) change_set: RefCell<Option<String>>,
    /// The id of the stack CloudFormation made for this run's change set
    /// when the stack did not exist.
    pub(super) created_stack: RefCell<Option<String>>,
    /// What CloudFormation carries on with once asked (`the change set`,
    /// `the deletion`), from the moment it is asked.
    pub(super) executing: Cell<Option<&'static str>>,
}

/// What cleaning up after a change set that will not run did, and left.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cleanup {
    /// The stack.
    pub stack: String,
    /// What was executing (`the change set`, `the deletion`):
    /// CloudFormation carries on with it.
    pub executing: Option<&'static str>,
    /// What was deleted.
    pub removed: Vec<String>,
    /// What is left, each with how to remove it.
    pub left: Vec<String>,
}

impl fmt::Display for Cleanup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let stack = &self.stack;
        if let Some(what) = self.executing {
            return write!(
                f,
                "interrupted: {what} of {stack} had started; CloudFormation carries on with it (stackc stopped watching, it did not stop the stack)\nhelp: follow it with `stackc status` or in the CloudFormation console"
            );
        }
        write!(f, "interrupted before anything was executed on {stack}")?;
        for r in &self.removed {
            write!(f, "\n  deleted: {r}")?;
        }
        if self.left.is_empty() {
            write!(f, "\nnothing is left behind (uploaded artifacts stay in the bucket under their content address, for the next deploy)")
        } else {
            for l in &self.left {
                write!(f, "\n  left: {l}")?;
            }
            Ok(())
        }
    }
}

/// Ctrl-C stopped `run`: deletes what it made unless its change set was
/// executing, and says what is left.
pub(super) async fn interrupted<C: Cloud>(cloud: &C, stack: &str, run: &Run) -> Cleanup {
    if let Some(what) = run.executing.get() {
        return Cleanup {
            stack: stack.to_string(),
            executing: Some(what),
            ..Cleanup::default()
        };
    }
    discard(cloud, stack, run).await
}

/// Deletes this run's change set, which will not run, and, when this run
/// created the stack for it, that stack: only while it is still the one
/// this run created (same stack id), still empty (`REVIEW_IN_PROGRESS`)
/// and no other change set waits on it, so a stack another deploy is
/// creating is never deleted.
pub(super) async fn discard<C: Cloud>(cloud: &C, stack: &str, run: &Run) -> Cleanup {
    let mut done = Cleanup {
        stack: stack.to_string(),
        ..Cleanup::default()
    };
    let Some(name) = run.change_set.borrow().clone() else {
        return done;
    };
    match cloud.delete_change_set(stack, &name).await {
        Ok(()) => done.removed.push(format!("change set {name}")),
        Err(CloudError::NotFound(_)) => {}
        Err(e) => done.left.push(format!(
            "change set {name} of {stack} ({e}); delete it with `aws cloudformation delete-change-set --stack-name {stack} --change-set-name {name}`"
        )),
    }
    if !run.stack_existed.get() {
        remove_created_stack(cloud, stack, run, &mut done).await;
    }
    done
}

/// The second half of [`discard`]: the empty stack this run created.
async fn remove_created_stack<C: Cloud>(cloud: &C, stack: &str, run: &Run, done: &mut Cleanup) {
    let how = format!("delete it with `aws cloudformation delete-stack --stack-name {stack}` once no deploy is running");
    let info = match cloud.describe_stack(stack).await {
        Ok(Some(info)) => info,
        Ok(None) => return,
        Err(e) => {
            done.left
                .push(format!("maybe the empty stack {stack} ({e}); {how}"));
            return;
        }
    };
    let ours = run
        .created_stack
        .borrow()
        .as_deref()
        .is_none_or(|id| id == info.id);
    if !ours || info.status != StackStatus::ReviewInProgress {
        return;
    }
    match cloud.list_change_sets(stack).await {
        Ok(others) if !others.iter().any(ChangeSetSummary::pending) => {}
        Ok(_) => return, // another deploy's change set waits on it: its stack now
        Err(e) => {
            done.left
                .push(format!("the empty stack {stack} ({e}); {how}"));
            return;
        }
    }
    match cloud.delete_stack(&info.id).await {
        Ok(()) => done.removed.push(format!(
            "the empty stack {stack} (REVIEW_IN_PROGRESS) this run created"
        )),
        Err(e) => done.left.push(format!(
            "the empty stack {stack} (REVIEW_IN_PROGRESS, {e}); {how}"
        )),
    }
}

/// Says what a discard left (there is nothing to say when it left nothing).
pub(super) fn report_left(ui: &mut Ui<'_>, cleanup: &Cleanup) {
    for l in &cleanup.left {
        ui.say(&format!("warning: left {l}"));
    }
}
