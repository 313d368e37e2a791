//! Operating the running fleet: instance states per layer (`stackc
//! status`), lifecycle events by SSM Run Command (`stackc run`), and the
//! layers' logs (`stackc logs`). AWS sits behind [`Fleet`].
//!
//! This file holds what the fleet is made of (instances, invocations,
//! targets, log lines) and the [`Fleet`] trait; the operations are in the
//! submodules, re-exported here.

mod health;
mod publish;
mod run;
mod status;
#[cfg(test)]
mod tests;

pub use health::{describe_unhealthy, verify_deploy, watch_health, Health, HealthWatch};
pub use publish::{point_to_bundle, publish_bundle, upload_bundle, BundleAt};
pub use run::{online, run_and_wait};
pub use status::{render_status, HoursNow, StatusReport, LAUNCHES_SUSPENDED};

use crate::cloud::CloudError;

/// An instance of an Auto Scaling group.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Instance {
    /// EC2 id.
    pub id: String,
    /// Auto Scaling group name.
    pub group: String,
    /// Auto Scaling lifecycle state (`Pending:Wait`, `InService`, ...).
    pub lifecycle: String,
    /// Availability zone.
    pub zone: String,
    /// Private IPv4 address, when known.
    pub private_ip: Option<String>,
    /// The outcome of the last lifecycle run, as the agent on the instance
    /// records it in its `stackc:last-run` tag: `<event> succeeded|failed
    /// <UTC time>`.
    pub last_run: Option<String>,
    /// The machine image it was launched from, when known (`stackc drift`
    /// compares it with the pinned one).
    pub image: Option<String>,
}

/// The EC2 tag in which the agent records each lifecycle run's outcome.
pub const LAST_RUN_TAG: &str = "stackc:last-run";

impl Instance {
    /// The OpsWorks-style state of the instance: from its Auto Scaling
    /// lifecycle state and its last run. While the launch waits on the
    /// lifecycle hook it is `booting` until the agent starts setup, then
    /// `running_setup`; an instance whose setup failed is `setup_failed`
    /// until it is gone (its launch is abandoned, so Auto Scaling is about
    /// to replace it).
    pub fn state(&self) -> &'static str {
        let last = self.last_run.as_deref().unwrap_or("");
        match opsworks_state(&self.lifecycle) {
            "terminated" => "terminated",
            _ if last.starts_with("setup failed") => "setup_failed",
            "running_setup" if last.is_empty() => "booting",
            state => state,
        }
    }
}

/// OpsWorks' instance states from Auto Scaling lifecycle states.
pub fn opsworks_state(lifecycle: &str) -> &'static str {
    match lifecycle {
        "Pending" => "pending",
        "Pending:Wait" | "Pending:Proceed" => "running_setup",
        "InService" => "online",
        "Terminating" | "Terminating:Wait" | "Terminating:Proceed" => "shutting_down",
        "Terminated" => "terminated",
        "Standby" | "EnteringStandby" => "stopped",
        "Detaching" | "Detached" => "shutting_down",
        "Warmed:Pending" | "Warmed:Pending:Wait" | "Warmed:Pending:Proceed" => "booting",
        _ => "requested",
    }
}

/// The result of a command on one instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation {
    /// EC2 id.
    pub instance: String,
    /// `Pending`, `InProgress`, `Success`, `Failed`, `TimedOut`, `Cancelled`.
    pub status: String,
    /// The end of its output.
    pub output: String,
}

impl Invocation {
    /// True once it cannot change any more.
    pub fn finished(&self) -> bool {
        !matches!(self.status.as_str(), "Pending" | "InProgress" | "Delayed")
    }
}

/// How a load balancer sees one instance of one of its target groups.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetHealth {
    /// Target group ARN.
    pub target_group: String,
    /// EC2 id.
    pub instance: String,
    /// `initial`, `healthy`, `unhealthy`, `unused`, `draining` or
    /// `unavailable`.
    pub state: String,
    /// The load balancer's reason code and description when not healthy
    /// (`Target.ResponseCodeMismatch: Health checks failed with these
    /// codes: [500]`).
    pub reason: Option<String>,
}

/// A log line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEvent {
    /// Log group.
    pub group: String,
    /// Log stream (`<instance>/<file>`).
    pub stream: String,
    /// Milliseconds since the epoch.
    pub time: i64,
    /// The line.
    pub message: String,
}

/// The AWS calls fleet operations make.
#[allow(async_fn_in_trait)]
pub trait Fleet {
    /// The deployed stack and the text of its root template (as deployed);
    /// `None` when there is no such stack.
    async fn deployed(
        &self,
        stack: &str,
    ) -> Result<Option<(crate::cloud::StackInfo, String)>, CloudError>;
    /// Those of these Auto Scaling groups whose Launch process is suspended
    /// (the bootstrap suspends it after a repeated failed setup).
    async fn launches_suspended(&self, groups: &[String]) -> Result<Vec<String>, CloudError>;
    /// The instances of these Auto Scaling groups, with their addresses.
    async fn instances(&self, groups: &[String]) -> Result<Vec<Instance>, CloudError>;
    /// How the load balancers of these Auto Scaling groups' target groups
    /// see these instances (nothing when the groups have no target group).
    async fn target_health(
        &self,
        groups: &[String],
        instances: &[String],
    ) -> Result<Vec<TargetHealth>, CloudError>;
    /// Sends the lifecycle document to these instances; returns the command id.
    async fn send(
        &self,
        document: &str,
        instances: &[String],
        parameters: &[(String, String)],
    ) -> Result<String, CloudError>;
    /// Where a command stands on one instance.
    async fn invocation(&self, command: &str, instance: &str) -> Result<Invocation, CloudError>;
    /// The value of the stack's bundle parameter.
    async fn bundle_pointer(&self, parameter: &str) -> Result<Option<String>, CloudError>;
    /// Points the stack's bundle parameter at another bundle.
    async fn set_bundle_pointer(&self, parameter: &str, value: &str) -> Result<(), CloudError>;
    /// The names of the log groups that start with `prefix`.
    async fn log_groups(&self, prefix: &str) -> Result<Vec<String>, CloudError>;
    /// Log events of these groups since a time (ms), after a token.
    async fn logs(&self, groups: &[String], since_ms: i64) -> Result<Vec<LogEvent>, CloudError>;
}
