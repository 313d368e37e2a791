//! The EventBridge rules that run lifecycle events, and the role they run
//! as.

use serde_json::json;

use super::lifecycle::cold_groups;
use super::lifecycle::document_arn;
use super::lifecycle::instances_of_stack;
use super::lifecycle::runbook_arn;
use super::{
    group_name, rule_arn, rule_name, CONFIGURE_RULE, RETURN_RULE, SETUP_HOOK, SHUTDOWN_HOOK,
    SHUTDOWN_RULE, STOP_RULE,
};
use crate::emit::cfn::template::{get_att, policy_document, service_trust, Template};
use crate::ir::Stack;

/// The EventBridge rules that run configure on every instance when one
/// enters or leaves service, and the shutdown runbooks on an instance held
/// by the termination hook; the role they run as.
pub(super) fn lifecycle_rules(t: &mut Template, stack: &Stack, groups: &[&str], warm: &[&str]) {
    let group_names: Vec<String> = groups.iter().map(|g| group_name(stack, g)).collect();
    let document_arn = document_arn();
    let instances_of_stack = instances_of_stack(stack);
    let cold = cold_groups(stack, groups, warm);
    let warm_groups: Vec<String> = warm.iter().map(|g| group_name(stack, g)).collect();
    let mut rules = vec![rule_arn(stack, CONFIGURE_RULE)];
    let mut runbooks = Vec::new();
    if !cold.is_empty() {
        rules.push(rule_arn(stack, SHUTDOWN_RULE));
        runbooks.push(runbook_arn("ShutdownRunbook", "*"));
    }
    if !warm.is_empty() {
        rules.push(rule_arn(stack, STOP_RULE));
        rules.push(rule_arn(stack, RETURN_RULE));
        runbooks.push(runbook_arn("StopRunbook", "*"));
    }
    t.resource(
        "LifecycleEventsRole",
        "AWS::IAM::Role",
        json!({
            "AssumeRolePolicyDocument": service_trust("events.amazonaws.com", json!(rules)),
            "Policies": [{
                "PolicyName": "stackc-lifecycle-events",
                "PolicyDocument": policy_document(vec![
                    json!({ "Effect": "Allow", "Action": "ssm:SendCommand", "Resource": document_arn }),
                    instances_of_stack,
                    json!({
                        "Effect": "Allow",
                        "Action": "ssm:StartAutomationExecution",
                        "Resource": runbooks,
                    }),
                    json!({
                        "Effect": "Allow",
                        "Action": "iam:PassRole",
                        "Resource": get_att("ShutdownRunbookRole", "Arn"),
                        "Condition": { "StringEquals": { "iam:PassedToService": "ssm.amazonaws.com" } },
                    }),
                ]),
            }],
        }),
    );
    t.resource(
        "ConfigureRule",
        "AWS::Events::Rule",
        json!({
            "Name": rule_name(stack, CONFIGURE_RULE),
            "Description": format!("stackc {}: run configure on every instance when one enters or leaves service", stack.qualified_name()),
            "State": "ENABLED",
            "EventPattern": {
                "source": ["aws.autoscaling"],
                "detail-type": ["EC2 Instance Launch Successful", "EC2 Instance Terminate Successful"],
                "detail": { "AutoScalingGroupName": group_names },
            },
            "Targets": [{
                "Id": "configure",
                "Arn": document_arn,
                "RoleArn": get_att("LifecycleEventsRole", "Arn"),
                "Input": r#"{"event":["configure"]}"#,
                "RunCommandParameters": { "RunCommandTargets": [
                    { "Key": "tag:stackc:stack", "Values": [stack.name] },
                    { "Key": "tag:stackc:env", "Values": [stack.env] },
                ] },
            }],
        }),
    );
    // The runbooks take the held instance and its hook from the event.
    let hook_target = |id: &str, runbook: &str| {
        json!([{
            "Id": id,
            "Arn": runbook_arn(runbook, "$DEFAULT"),
            "RoleArn": get_att("LifecycleEventsRole", "Arn"),
            "InputTransformer": {
                "InputPathsMap": {
                    "instance": "$.detail.EC2InstanceId",
                    "group": "$.detail.AutoScalingGroupName",
                    "hook": "$.detail.LifecycleHookName",
                    "token": "$.detail.LifecycleActionToken",
                },
                "InputTemplate": r#"{"InstanceId":[<instance>],"AutoScalingGroupName":[<group>],"LifecycleHookName":[<hook>],"LifecycleActionToken":[<token>]}"#,
            },
        }])
    };
    let terminating = |groups: &[String]| {
        json!({
            "source": ["aws.autoscaling"],
            "detail-type": ["EC2 Instance-terminate Lifecycle Action"],
            "detail": {
                "AutoScalingGroupName": groups,
                "LifecycleHookName": [SHUTDOWN_HOOK],
            },
        })
    };
    if !cold.is_empty() {
        t.resource(
            "ShutdownRule",
            "AWS::Events::Rule",
            json!({
                "Name": rule_name(stack, SHUTDOWN_RULE),
                "Description": format!("stackc {}: run shutdown on an instance before it terminates", stack.qualified_name()),
                "State": "ENABLED",
                "EventPattern": terminating(&cold),
                "Targets": hook_target("shutdown", "ShutdownRunbook"),
            }),
        );
    }
    if !warm.is_empty() {
        // An instance of a warm pool's group leaves it for the pool on
        // scale-in (stopped) or is terminated. AWS holds an instance going
        // back to the pool with the termination hook (`Destination`
        // `WarmPool`), and may also hold it with the launch hook at
        // `Warmed:Pending:Wait` on its way in: each hold runs the stop
        // runbook (shutdown, the hook completed, configure on the others,
        // since no termination tells them), so neither waits out its
        // timeout. Shutdown recipes may then run twice for one stop; they
        // stop services, which is idempotent.
        t.resource(
            "StopRule",
            "AWS::Events::Rule",
            json!({
                "Name": rule_name(stack, STOP_RULE),
                "Description": format!("stackc {}: run shutdown on an instance going back to the warm pool or terminating, then configure on the others", stack.qualified_name()),
                "State": "ENABLED",
                "EventPattern": terminating(&warm_groups),
                "Targets": hook_target("stop", "StopRunbook"),
            }),
        );
        t.resource(
            "ReturnRule",
            "AWS::Events::Rule",
            json!({
                "Name": rule_name(stack, RETURN_RULE),
                "Description": format!("stackc {}: let an instance held on its way back to the warm pool go, after shutdown", stack.qualified_name()),
                "State": "ENABLED",
                "EventPattern": {
                    "source": ["aws.autoscaling"],
                    "detail-type": ["EC2 Instance-launch Lifecycle Action"],
                    "detail": {
                        "AutoScalingGroupName": warm_groups,
                        "LifecycleHookName": [SETUP_HOOK],
                        "Origin": ["AutoScalingGroup"],
                        "Destination": ["WarmPool"],
                    },
                },
                "Targets": hook_target("return", "StopRunbook"),
            }),
        );
    }
}
