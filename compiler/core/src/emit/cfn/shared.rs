//! Resources of the whole environment: the KMS key for logs and the alarm
//! topic, the topic and its e-mail subscriptions, the bundle pointer, the
//! access-log bucket, the lifecycle SSM documents and the EventBridge rules
//! that run `configure` and `shutdown`.

mod lifecycle;
mod rules;
mod storage;
mod topic;

use serde_json::Value;

use super::template::sub;
use crate::ir::Stack;
pub use lifecycle::lifecycle;
pub use storage::{access_log_bucket, bundle_pointer, instances_security_group, key};
pub use topic::{notifications, topic};

/// Name of the launch lifecycle hook the bootstrap completes.
pub const SETUP_HOOK: &str = "stackc-setup";
/// Name of the terminate lifecycle hook the shutdown runbook completes.
pub const SHUTDOWN_HOOK: &str = "stackc-shutdown";

/// The rule that runs `configure` when an instance enters or leaves service.
const CONFIGURE_RULE: &str = "configure";
/// The rule that runs `shutdown` on a terminating instance.
const SHUTDOWN_RULE: &str = "shutdown";
/// The rule that runs `shutdown` on an instance of a warm pool's group
/// held by the termination hook (going back to the pool, or terminating).
const STOP_RULE: &str = "stop";
/// The rule for one held by the launch hook on its way back to the pool.
const RETURN_RULE: &str = "return";
/// The rule that reports failed or timed-out runs of the run document.
const FAILED_RUNS_RULE: &str = "failed-runs";
/// The rule that reports instances Auto Scaling failed to launch or end.
const FAILED_LAUNCHES_RULE: &str = "failed-launches";

/// The Auto Scaling group name of a layer with instances.
pub fn group_name(stack: &Stack, layer: &str) -> String {
    group_name_for(&stack.qualified_name(), layer)
}

/// The Auto Scaling group of `layer` in the CloudFormation stack
/// `<stack>-<env>`.
pub fn group_name_for(stack_name: &str, layer: &str) -> String {
    format!("{stack_name}-{layer}")
}

/// The SSM parameter holding the bundle pointer.
pub fn bundle_parameter(stack: &Stack) -> String {
    bundle_parameter_for(&stack.qualified_name())
}

/// The bundle pointer of the CloudFormation stack `<stack>-<env>`.
pub fn bundle_parameter_for(stack_name: &str) -> String {
    format!("/stackc/{stack_name}/bundle")
}

/// The SSM document that runs a lifecycle event (`stackc run` sends it).
pub fn run_document_name(stack: &Stack) -> String {
    run_document_for(&stack.qualified_name())
}

/// The run document of the CloudFormation stack `<stack>-<env>`.
pub fn run_document_for(stack_name: &str) -> String {
    format!("{stack_name}-run")
}

/// EventBridge's limit on a rule's name.
const MAX_RULE_NAME: usize = 64;

/// The name of one of the stack's EventBridge rules, `<stack>-<env>-<purpose>`;
/// a long stack name is cut and told apart by a hash of it. Rules are named
/// so that the policies trusting them can name them without depending on
/// them (a role or key the rule itself needs).
pub fn rule_name(stack: &Stack, purpose: &str) -> String {
    let qualified = stack.qualified_name();
    let name = format!("{qualified}-{purpose}");
    if name.len() <= MAX_RULE_NAME {
        return name;
    }
    let hash = &crate::emit::manifest::sha256_hex(qualified.as_bytes())[..8];
    let keep = MAX_RULE_NAME - purpose.len() - hash.len() - 2;
    let cut = qualified[..keep].trim_end_matches('-');
    format!("{cut}-{hash}-{purpose}")
}

/// The ARN of one of the stack's EventBridge rules (see [`rule_name`]).
pub fn rule_arn(stack: &Stack, purpose: &str) -> Value {
    sub(&format!(
        "arn:${{AWS::Partition}}:events:${{AWS::Region}}:${{AWS::AccountId}}:rule/{}",
        rule_name(stack, purpose)
    ))
}

/// ARN pattern of an Auto Scaling group of the stack.
pub fn group_arn(stack: &Stack, layer: &str) -> Value {
    sub(&format!(
        "arn:${{AWS::Partition}}:autoscaling:${{AWS::Region}}:${{AWS::AccountId}}:autoScalingGroup:*:autoScalingGroupName/{}",
        group_name(stack, layer)
    ))
}

#[cfg(test)]
mod tests;
