//! [`DeployError`]: why a flow stopped, and what the user can do about it.

use std::fmt;

use super::{Cleanup, BOOTSTRAP_STACK};
use crate::cloud::{CloudError, StackStatus};
use crate::lock::{self, Holder};

/// Why a flow stopped.
#[derive(Debug)]
pub enum DeployError {
    /// An AWS call failed.
    Cloud(CloudError),
    /// The built artifacts cannot be read.
    Artifacts(String),
    /// `stackc bootstrap` has not been run in this account and region.
    NotBootstrapped(String),
    /// Confirmation was needed and there is no terminal.
    NeedsConfirmation,
    /// The change set could not be created.
    ChangeSetFailed(String),
    /// The template takes an image the lock file does not pin.
    ImageNotPinned(String),
    /// The template takes a Cinc package the lock file does not pin.
    CincNotPinned(String),
    /// The pinned Cinc package cannot be had, or is not the one pinned.
    Package(crate::cinc::PackageError),
    /// The stack operation failed; the summary was printed.
    Failed {
        /// Final stack status.
        status: StackStatus,
    },
    /// Another run holds the stack's lock.
    Locked {
        /// Who.
        holder: Box<Holder>,
        /// The artifact bucket the lock is in.
        bucket: String,
    },
    /// The stack's lock object cannot be read.
    BadLock(String),
    /// Ctrl-C: what was cleaned up and what is left.
    Interrupted(Cleanup),
    /// A saved plan no longer says what a deploy would do: why.
    PlanStale(String),
    /// A StackSet's target region has no artifact bucket stack.
    NoRegionalBucket {
        /// The bucket stack looked for.
        stack: String,
        /// The region.
        region: String,
    },
    /// A StackSet operation failed beyond its failure tolerance: what
    /// failed, and what was not started.
    TargetsFailed(crate::stackset::Report),
    /// The StackSet is not in the state the flow needs (another
    /// permission model, an operation running): why.
    StackSet(String),
}

impl fmt::Display for DeployError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DeployError::Cloud(e) => write!(f, "{e}"),
            DeployError::Artifacts(m) => write!(f, "{m}\nhelp: run `stackc build` first"),
            DeployError::NotBootstrapped(region) => write!(
                f,
                "there is no artifact bucket in {region} (stack `{BOOTSTRAP_STACK}` not found)\nhelp: run `stackc bootstrap --region {region}` once per account and region"
            ),
            DeployError::NeedsConfirmation => write!(
                f,
                "refusing to change the stack without confirmation: there is no terminal to ask on\nhelp: review the plan with `stackc diff`, then rerun with --yes"
            ),
            DeployError::ChangeSetFailed(m) => write!(f, "CloudFormation refused the change set: {m}"),
            DeployError::ImageNotPinned(m) => write!(
                f,
                "no image is pinned for {m}\nhelp: run `stackc lock`, commit the lock file, and deploy again"
            ),
            DeployError::CincNotPinned(m) => write!(
                f,
                "no Cinc package is pinned for {m}\nhelp: run `stackc lock`, commit the lock file, and deploy again"
            ),
            DeployError::Package(crate::cinc::PackageError::Download(m)) => write!(
                f,
                "{m}\nnothing was uploaded or changed\nhelp: deploy downloads the package once, then finds it in the artifact bucket (and in ~/.cache/stackc/cinc); check this machine's connection to that URL and deploy again"
            ),
            DeployError::Package(crate::cinc::PackageError::Mismatch(m)) => write!(
                f,
                "{m}\nnothing was uploaded or changed\nhelp: a package that is not the one pinned may have been tampered with; if the vendor published a new build on purpose, `stackc lock --update` pins it (review the lock file's diff)"
            ),
            DeployError::Failed { status } => write!(f, "the stack operation failed; the stack is {status}"),
            DeployError::Locked { holder, bucket } => write!(
                f,
                "{} is locked: {holder} holds its lock (s3://{bucket}/{})\nhelp: wait for that run to finish and deploy again; if it is no longer running (its machine crashed or lost its connection), rerun with --force-unlock",
                holder.stack,
                lock::key(&holder.stack)
            ),
            DeployError::BadLock(m) => write!(
                f,
                "{m}\nhelp: rerun with --force-unlock to remove it"
            ),
            DeployError::Interrupted(cleanup) => write!(f, "{cleanup}"),
            DeployError::NoRegionalBucket { stack, region } => write!(
                f,
                "there is no artifact bucket for the StackSet's targets in {region} (stack `{stack}` not found)\nhelp: run `stackc bootstrap` beside the stack file: it creates one in every target region"
            ),
            DeployError::TargetsFailed(report) => write!(
                f,
                "{report}\nhelp: fix what the reasons say (the execution role in each target account, quotas, the template) and deploy again; `stackc status` shows each target"
            ),
            DeployError::StackSet(m) => write!(f, "{m}"),
            DeployError::PlanStale(why) => write!(
                f,
                "the saved plan is out of date, nothing was changed: {why}\nhelp: review a new plan with `stackc diff --out PLAN`, then apply it with `stackc deploy --plan PLAN`"
            ),
        }
    }
}

impl std::error::Error for DeployError {}

impl From<CloudError> for DeployError {
    fn from(e: CloudError) -> Self {
        DeployError::Cloud(e)
    }
}
