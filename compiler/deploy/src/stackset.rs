//! An environment with `targets`: one CloudFormation StackSet
//! `<stack>-<env>`, one stack instance per account (or organizational
//! unit) and region. What the flows need from CloudFormation is the
//! [`StackSets`] trait, with plain data types, so the operations run
//! against the SDK (`crate::aws`) or against fakes in tests.
//!
//! The plan ([`plan`]) compares what is deployed with what would be; the
//! operations ([`operations`]) run it one StackSet operation at a time and
//! follow each; the flows ([`flow`]) put uploads, the lock and Ctrl-C
//! around them; [`buckets`] is the artifact bucket of each target region.

pub mod buckets;
pub mod flow;
pub mod offered;
pub mod operations;
pub mod plan;
pub mod reach;

pub use buckets::{regional_bucket, regional_bucket_stack, regional_bucket_template, Readers};
pub use flow::{deploy, destroy, diff, parse_target, status, Regional, TargetsInput};
pub use operations::{run_operations, Failure, Report};
pub use plan::{Desired, Key, Plan, Step};

use stackc_core::ir::PermissionModel;

use crate::cloud::CloudError;

/// A StackSet as `describe-stack-set` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StackSetInfo {
    /// Its template, as CloudFormation keeps it.
    pub template: String,
    /// Its parameters (what instances without overrides take).
    pub parameters: Vec<(String, String)>,
    /// `SELF_MANAGED` or `SERVICE_MANAGED`.
    pub permission_model: String,
}

/// One stack instance as `list-stack-instances` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceInfo {
    /// The account it runs in.
    pub account: String,
    /// Its region.
    pub region: String,
    /// The organizational unit it was deployed through (service-managed).
    pub unit: Option<String>,
    /// `CURRENT`, `OUTDATED`, `INOPERABLE`.
    pub status: String,
    /// Its detailed status (`SUCCEEDED`, `FAILED`, `RUNNING`, ...), when said.
    pub detailed: Option<String>,
    /// Why, when CloudFormation says.
    pub reason: Option<String>,
    /// The id of its stack in that account and region, once it has one:
    /// `run` and `logs` find the instance's stack there by it (AWS names
    /// it `StackSet-<name>-<uuid>`).
    pub stack_id: Option<String>,
}

/// How a StackSet operation spreads: `--max-concurrent` accounts at once
/// in each region, one region at a time, stopping a region once more than
/// `--failure-tolerance` accounts failed there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Prefs {
    /// Accounts worked on at once per region (`MaxConcurrentCount`).
    pub max_concurrent: u32,
    /// Failed accounts per region an operation tolerates
    /// (`FailureToleranceCount`).
    pub failure_tolerance: u32,
}

impl Default for Prefs {
    fn default() -> Self {
        Prefs {
            max_concurrent: 1,
            failure_tolerance: 0,
        }
    }
}

/// Whom an instance operation addresses: accounts (self-managed) or
/// organizational units (service-managed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Who {
    /// Account ids.
    Accounts(Vec<String>),
    /// Organizational unit ids.
    Units(Vec<String>),
}

impl Who {
    /// The ids, whichever they are.
    pub fn ids(&self) -> &[String] {
        match self {
            Who::Accounts(ids) | Who::Units(ids) => ids,
        }
    }
}

/// A StackSet to create or update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StackSetRequest {
    /// `<stack>-<env>`.
    pub name: String,
    /// The root template, uploaded to the administering region's bucket.
    pub template_url: String,
    /// The StackSet's parameters.
    pub parameters: Vec<(String, String)>,
    /// Self-managed (accounts) or service-managed (organizational units,
    /// with automatic deployment to accounts that join them).
    pub permission_model: PermissionModel,
    /// Tags, which every stack instance's stack takes.
    pub tags: Vec<(String, String)>,
}

/// Where a StackSet operation stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperationState {
    /// `QUEUED`, `RUNNING`, `SUCCEEDED`, `FAILED`, `STOPPING`, `STOPPED`.
    pub status: String,
    /// Why, when CloudFormation says.
    pub reason: Option<String>,
}

impl OperationState {
    /// True once it no longer runs.
    pub fn ended(&self) -> bool {
        matches!(self.status.as_str(), "SUCCEEDED" | "FAILED" | "STOPPED")
    }
}

/// One account and region of an operation, as
/// `list-stack-set-operation-results` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetResult {
    /// The account.
    pub account: String,
    /// The region.
    pub region: String,
    /// `PENDING`, `RUNNING`, `SUCCEEDED`, `FAILED`, `CANCELLED`.
    pub status: String,
    /// Why, when it failed.
    pub reason: Option<String>,
}

/// The StackSet calls the flows make, all in the administering region.
#[allow(async_fn_in_trait)]
pub trait StackSets {
    /// The StackSet, `None` when there is none (or it was deleted).
    async fn describe_stack_set(&self, name: &str) -> Result<Option<StackSetInfo>, CloudError>;
    /// Its stack instances (all pages); none when there is no StackSet.
    async fn stack_instances(&self, name: &str) -> Result<Vec<InstanceInfo>, CloudError>;
    /// The parameter overrides of one instance.
    async fn instance_overrides(
        &self,
        name: &str,
        account: &str,
        region: &str,
    ) -> Result<Vec<(String, String)>, CloudError>;
    /// Creates the StackSet (no instances: no operation).
    async fn create_stack_set(&self, request: &StackSetRequest) -> Result<(), CloudError>;
    /// Updates its template and parameters on every instance; the
    /// operation's id.
    async fn update_stack_set(
        &self,
        request: &StackSetRequest,
        prefs: &Prefs,
    ) -> Result<String, CloudError>;
    /// Creates instances in one region; the operation's id.
    async fn create_instances(
        &self,
        name: &str,
        who: &Who,
        region: &str,
        overrides: &[(String, String)],
        prefs: &Prefs,
    ) -> Result<String, CloudError>;
    /// Sets the overrides of instances in one region; the operation's id.
    async fn update_instances(
        &self,
        name: &str,
        who: &Who,
        region: &str,
        overrides: &[(String, String)],
        prefs: &Prefs,
    ) -> Result<String, CloudError>;
    /// Deletes instances in one region, and their stacks; the operation's id.
    async fn delete_instances(
        &self,
        name: &str,
        who: &Who,
        region: &str,
        prefs: &Prefs,
    ) -> Result<String, CloudError>;
    /// Deletes the StackSet, which has no instances left.
    async fn delete_stack_set(&self, name: &str) -> Result<(), CloudError>;
    /// Where an operation stands.
    async fn operation(&self, name: &str, id: &str) -> Result<OperationState, CloudError>;
    /// Each account and region of an operation (all pages).
    async fn operation_results(
        &self,
        name: &str,
        id: &str,
    ) -> Result<Vec<TargetResult>, CloudError>;
}
